#!/usr/bin/env node
// Runs a TypeScript entry point of ours in Node with WebGPU ready: dawn.node needs the Vulkan
// loader and, without a GPU driver, SwiftShader's ICD from Debian's chromium; glibc reads
// LD_LIBRARY_PATH only at process start, so we set it here and start node as a child with the
// .wgsl loader and tsx. Usage: node scripts/launch.mjs src/cli/main.ts [args…]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM_DIR = process.env.BASINS_CHROMIUM_DIR ?? '/usr/lib/chromium';
const env = { ...process.env };
const systemVulkan = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync);
if (!systemVulkan && existsSync(join(CHROMIUM_DIR, 'libvulkan.so.1'))) {
  env.LD_LIBRARY_PATH = [env.LD_LIBRARY_PATH, CHROMIUM_DIR].filter(Boolean).join(':');
}
if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && !env.VK_ADD_DRIVER_FILES && existsSync(join(CHROMIUM_DIR, 'vk_swiftshader_icd.json'))) {
  env.VK_ADD_DRIVER_FILES = join(CHROMIUM_DIR, 'vk_swiftshader_icd.json');
}
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/launch.mjs <entry.ts> [args…]');
  process.exit(2);
}
const child = spawn(
  process.execPath,
  ['--import', join(root, 'scripts/register-wgsl.mjs'), '--import', 'tsx', join(root, entry), ...args],
  { env, stdio: 'inherit', cwd: process.cwd() },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
