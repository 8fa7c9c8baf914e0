/**
 * Headless Chromium with WebGPU, for the browser tests (vitest.config.ts) and the page's
 * end-to-end test (tests/e2e). Only --enable-unsafe-webgpu (WebGPU on Linux) and --no-sandbox
 * (running as root) are required; with no GPU driver Chromium falls back to SwiftShader by itself.
 * SwiftShader is deliberately not forced, so a machine with a real GPU tests on it. The rest keep
 * a closed network quiet. Extra flags: BASINS_CHROMIUM_ARGS="--flag1 --flag2" (e.g.
 * "--enable-features=Vulkan --use-vulkan=swiftshader" to force SwiftShader).
 */
import { chromiumBinary } from '../host/webgpu-env.mjs';

export const CHROMIUM = chromiumBinary(process.env);

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  ...(process.env.BASINS_CHROMIUM_ARGS ?? '').split(/\s+/).filter(Boolean),
];
