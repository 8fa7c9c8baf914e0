#!/usr/bin/env node
// Runs a TypeScript entry point of ours in Node with WebGPU ready: dawn.node needs the Vulkan
// loader and, without a GPU driver, SwiftShader's ICD from Debian's chromium (host/webgpu-env.mjs
// says which variables); glibc reads LD_LIBRARY_PATH only at process start, so we set them here
// and start node as a child with the .wgsl loader and tsx.
//   node scripts/launch.mjs <entry.ts> [args…]
// The entry is relative to the repository root (or absolute); the child runs in the caller's
// directory, so relative output paths in args land there. tsx and the loader are resolved from
// this package, not the caller's directory, so it runs from anywhere.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { webgpuEnv } from '../host/webgpu-env.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/launch.mjs <entry.ts> [args…]');
  process.exit(2);
}
const loaders = [pathToFileURL(resolve(root, 'scripts/register-wgsl.mjs')).href, import.meta.resolve('tsx')];
const child = spawn(process.execPath, [...loaders.flatMap((l) => ['--import', l]), resolve(root, entry), ...args], {
  env: { ...process.env, ...webgpuEnv(process.env, existsSync) },
  stdio: 'inherit',
  cwd: process.cwd(),
});
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
