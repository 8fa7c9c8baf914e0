import { existsSync } from 'node:fs';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { CHROMIUM, CHROMIUM_ARGS } from './tests/chromium.ts';
import { wgsl } from './vite.config.ts';
import { webgpuEnv } from './host/webgpu-env.mjs';

/**
 * Five projects:
 *   unit         tests/unit/**\/*.test.ts       CPU only, Node
 *   gpu-node     tests/gpu/**\/*.gpu.test.ts    dawn.node (+ SwiftShader without a GPU), Node
 *   gpu-browser  tests/gpu/**\/*.gpu.test.ts    the same files in headless Chromium (WebGPU)
 *   e2e          tests/e2e/**\/*.e2e.test.ts    the built page: its main-thread bundle, and the page in headless Chromium
 *   slurm        tests/slurm/**\/*.test.ts      the Slurm job array on a single-node Slurm cluster the test starts (root; installs slurm-wlm)
 *
 *   npx vitest run --project unit
 *   npx vitest run --project gpu-node
 *   npx vitest run --project gpu-browser
 *   npx vitest run --project e2e
 *   npx vitest run --project slurm
 *
 * GPU tests FAIL when no adapter is found, unless BASINS_ALLOW_NO_GPU=1 (tests/gpu/harness.ts).
 */

// dawn.node needs a Vulkan loader and, without a GPU driver, SwiftShader's ICD (host/webgpu-env.mjs
// says which variables). The loader path must be in the environment before a process starts, so
// it is set here, at config load, and every forked worker inherits it; explicit settings in the
// environment are left alone.
Object.assign(process.env, webgpuEnv(process.env, existsSync));

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
        // The same-seed test imports the engine (its .wgsl sources) beside driving the page.
        plugins: [wgsl()],
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
      {
        test: {
          name: 'slurm',
          include: ['tests/slurm/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
