import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM, CHROMIUM_ARGS } from './tests/chromium.ts';
import { wgsl } from './vite.config.ts';

/**
 * Four projects:
 *   unit         tests/unit/**\/*.test.ts       CPU only, Node
 *   gpu-node     tests/gpu/**\/*.gpu.test.ts    dawn.node (+ SwiftShader without a GPU), Node
 *   gpu-browser  tests/gpu/**\/*.gpu.test.ts    the same files in headless Chromium (WebGPU)
 *   e2e          tests/e2e/**\/*.e2e.test.ts    the built page: its main-thread bundle, and the page in headless Chromium
 *
 *   npx vitest run --project unit
 *   npx vitest run --project gpu-node
 *   npx vitest run --project gpu-browser
 *   npx vitest run --project e2e
 *
 * GPU tests FAIL when no adapter is found, unless BASINS_ALLOW_NO_GPU=1 (tests/gpu/harness.ts).
 */

// dawn.node needs a Vulkan loader and, without a GPU driver, SwiftShader's ICD; Debian's chromium
// package ships both. The loader path must be in the environment before a process starts, so it is
// set here, at config load, and every forked worker inherits it. SwiftShader is *added* to the
// drivers (VK_ADD_DRIVER_FILES), not substituted for them, so a real GPU still wins; explicit
// settings in the environment are left alone.
const CHROMIUM_DIR = process.env.BASINS_CHROMIUM_DIR ?? '/usr/lib/chromium';
const SYSTEM_LIBVULKAN = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];
if (!SYSTEM_LIBVULKAN.some((p) => existsSync(p)) && existsSync(`${CHROMIUM_DIR}/libvulkan.so.1`)) {
  const ld = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (!ld.includes(CHROMIUM_DIR)) process.env.LD_LIBRARY_PATH = [...ld, CHROMIUM_DIR].join(':');
}
if (
  !process.env.VK_ICD_FILENAMES &&
  !process.env.VK_DRIVER_FILES &&
  !process.env.VK_ADD_DRIVER_FILES &&
  existsSync(`${CHROMIUM_DIR}/vk_swiftshader_icd.json`)
) {
  process.env.VK_ADD_DRIVER_FILES = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;
}


const GPU_TESTS = ['tests/gpu/**/*.gpu.test.ts'];
/** SwiftShader runs kernels on every CPU core: generous timeouts, one file at a time. */
const GPU_TIMEOUT_MS = 120_000;

export default defineConfig({
  plugins: [wgsl()],
  test: {
    projects: [
      {
        plugins: [wgsl()],
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
        },
      },
      {
        plugins: [wgsl()],
        test: {
          name: 'gpu-node',
          include: GPU_TESTS,
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: GPU_TIMEOUT_MS,
          hookTimeout: GPU_TIMEOUT_MS,
          sequence: { groupOrder: 1 },
        },
      },
      {
        plugins: [wgsl()],
        optimizeDeps: { exclude: ['webgpu'] },
        test: {
          name: 'gpu-browser',
          include: GPU_TESTS,
          // Seen by the tests as import.meta.env (there is no process.env in the browser).
          env: { BASINS_ALLOW_NO_GPU: process.env.BASINS_ALLOW_NO_GPU ?? '' },
          fileParallelism: false,
          testTimeout: GPU_TIMEOUT_MS,
          hookTimeout: GPU_TIMEOUT_MS,
          sequence: { groupOrder: 2 },
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false, // compute tests: a page screenshot says nothing
            provider: playwright({
              // Falls back to Playwright's own Chromium where there is no system one.
              launchOptions: {
                ...(existsSync(CHROMIUM) ? { executablePath: CHROMIUM } : {}),
                args: CHROMIUM_ARGS,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
