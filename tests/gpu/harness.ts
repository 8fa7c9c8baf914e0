/**
 * GPU test harness, shared by every kernel test (tests/gpu/**\/*.gpu.test.ts), in Node (dawn.node)
 * and in the browser (vitest browser mode).
 *
 *   testWithDevice('my kernel matches the CPU', async ({ device }) => {
 *     const out = createBuffer(device, n * 4);
 *     await compute(device, code, 'main', [out], [Math.ceil(n / 64)]);
 *     const got = new Float32Array(await readBuffer(device, out, n * 4));
 *     expectAllclose(got, expected, { rtol: 1e-5, atol: 1e-6 });
 *   });
 *
 * A test never passes because a kernel did not run: with no adapter the test FAILS (set
 * BASINS_ALLOW_NO_GPU=1 to skip instead), and any validation or out-of-memory error raised while
 * `fn` runs fails it too.
 */
import { afterAll, test } from 'vitest';
import { getDevice, NoWebGPUError, type DeviceHandle } from '../../host/device.ts';
import { throwOnCompileErrors } from '../../host/shader-source.ts';
import type { ProblemCounts } from '../../src/core/problems.ts';
import type { Prepared } from '../../src/core/prepare.ts';
import type { WaveResult } from '../../src/engine/engine.ts';
import { runRestart } from '../../src/engine/cpu.ts';

// ---------------------------------------------------------------------------------------------
// The device: one per test file (module instance), created lazily, destroyed after the file.

let handlePromise: Promise<DeviceHandle> | undefined;

function allowNoGpu(): boolean {
  const env =
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const viteEnv = (import.meta as { env?: Record<string, unknown> }).env ?? {};
  return env.BASINS_ALLOW_NO_GPU === '1' || viteEnv.BASINS_ALLOW_NO_GPU === '1';
}

/** The file's shared device (created on first use). Logs the adapter once. */
export function sharedDevice(): Promise<DeviceHandle> {
  if (!handlePromise) {
    handlePromise = getDevice().then((h) => {
      console.log(`[gpu test] adapter: ${h.info.label}`);
      return h;
    });
    // Keep an unhandled rejection from surfacing outside a test; each test awaits it.
    handlePromise.catch(() => undefined);
  }
  return handlePromise;
}

/** Destroy the shared device (the next test creates a fresh one). */
async function releaseSharedDevice(): Promise<void> {
  if (!handlePromise) return;
  const p = handlePromise;
  handlePromise = undefined;
  (await p.catch(() => undefined))?.destroy();
}

/**
 * A test that gets the shared device, runs `fn` inside validation + out-of-memory error scopes and
 * fails if either captured an error (or the device was lost). No adapter → the test fails with
 * NoWebGPUError's instructions, unless BASINS_ALLOW_NO_GPU=1, in which case it is skipped.
 */
export function testWithDevice(
  name: string,
  fn: (h: DeviceHandle) => Promise<void>,
  timeout?: number,
): void {
  // Registered here rather than at import so the helpers below also work outside vitest (benches).
  // Inside a describe this scopes the device to that block; destroying twice is harmless.
  afterAll(releaseSharedDevice);
  test(name, async (ctx) => {
    let h: DeviceHandle;
    try {
      h = await sharedDevice();
    } catch (e) {
      if (e instanceof NoWebGPUError && allowNoGpu()) {
        ctx.skip(`no WebGPU adapter (BASINS_ALLOW_NO_GPU=1): ${e.message.split('\n')[0]}`);
        return;
      }
      throw e;
    }
    const { device } = h;
    let lost: GPUDeviceLostInfo | undefined;
    void device.lost.then((info) => (lost = info));

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let fnError: unknown;
    try {
      await fn(h);
    } catch (e) {
      fnError = e;
    }
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();

    const gpuErrors = [
      validation && `validation error: ${validation.message}`,
      oom && `out-of-memory error: ${oom.message}`,
      lost && `device lost (${lost.reason}): ${lost.message}`,
    ].filter(Boolean);
    if (gpuErrors.length > 0) {
      const prefix = fnError ? `test body also threw: ${String(fnError)}\n` : '';
      throw new Error(`${prefix}WebGPU errors in "${name}" on ${h.info.label}:\n${gpuErrors.join('\n')}`);
    }
    if (fnError) throw fnError;
  }, timeout);
}

// ---------------------------------------------------------------------------------------------
// Buffers.

const STORAGE = 0x80; // GPUBufferUsage.STORAGE (the global is absent until dawn.node is loaded)
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;
const MAP_MODE_READ = 0x1; // GPUMapMode.READ

/**
 * A buffer filled from a typed array (size rounded up to 4 bytes), or a zeroed buffer of `data`
 * bytes. Default usage: STORAGE | COPY_SRC | COPY_DST.
 */
export function createBuffer(
  device: GPUDevice,
  data: ArrayBufferView | number,
  usage: GPUBufferUsageFlags = STORAGE | COPY_SRC | COPY_DST,
  label?: string,
): GPUBuffer {
  const bytes = typeof data === 'number' ? data : data.byteLength;
  const size = Math.max(4, Math.ceil(bytes / 4) * 4);
  if (typeof data === 'number') return device.createBuffer({ size, usage, label });
  const buffer = device.createBuffer({ size, usage, label, mappedAtCreation: true });
  new Uint8Array(buffer.getMappedRange()).set(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  );
  buffer.unmap();
  return buffer;
}

/** Copy `bytes` (default: the whole buffer) from a COPY_SRC buffer into fresh host memory. */
export async function readBuffer(
  device: GPUDevice,
  buffer: GPUBuffer,
  bytes: number = buffer.size,
  offset = 0,
): Promise<ArrayBuffer> {
  const size = Math.ceil(bytes / 4) * 4;
  const staging = device.createBuffer({ size, usage: MAP_READ | COPY_DST, label: 'readback' });
  const enc = device.createCommandEncoder({ label: 'readback' });
  enc.copyBufferToBuffer(buffer, offset, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(MAP_MODE_READ);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kernels.

/** Compile WGSL, throwing with every error (line:col and the source line) if it does not compile. */
export async function compileShader(device: GPUDevice, code: string, label?: string): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ code, label });
  await throwOnCompileErrors(module, code, label ?? 'unnamed');
  return module;
}

/**
 * Compile `code`, bind `bindings` to @group(0) @binding(0..n-1) (an explicit bind group from the
 * 'auto' layout, so every binding must be used by the entry point), dispatch `workgroups`, and
 * wait until the GPU has finished. `constants` set `override` declarations.
 */
export async function compute(
  device: GPUDevice,
  code: string,
  entryPoint: string,
  bindings: GPUBuffer[],
  workgroups: [number, number?, number?],
  constants?: Record<string, number>,
): Promise<void> {
  const module = await compileShader(device, code, entryPoint);
  const pipeline = await device.createComputePipelineAsync({
    label: entryPoint,
    layout: 'auto',
    compute: { module, entryPoint, constants },
  });
  const bindGroup = device.createBindGroup({
    label: `${entryPoint} bindings`,
    layout: pipeline.getBindGroupLayout(0),
    entries: bindings.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder({ label: entryPoint });
  const pass = enc.beginComputePass({ label: entryPoint });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
}

// ---------------------------------------------------------------------------------------------
// Comparisons.

type NumericArray = ArrayLike<number>;

/**
 * Assert |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches only NaN, ±∞ only
 * itself). On failure the message gives the count of mismatches and the worst index with both
 * values. Returns the max absolute error (for reporting).
 */
export function expectAllclose(
  actual: NumericArray,
  expected: NumericArray,
  { rtol = 1e-5, atol = 1e-8, label = 'allclose' }: { rtol?: number; atol?: number; label?: string } = {},
): number {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} ≠ expected length ${expected.length}`);
  }
  let bad = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  let maxAbs = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) || Number.isNaN(e) || !Number.isFinite(a) || !Number.isFinite(e)) {
      if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
      bad++;
      if (worstExcess < Infinity) {
        worstExcess = Infinity;
        worst = i;
      }
      maxAbs = Infinity;
      continue;
    }
    const err = Math.abs(a - e);
    if (err > maxAbs) maxAbs = err;
    const excess = err - (atol + rtol * Math.abs(e));
    if (excess > 0) {
      bad++;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (bad > 0) {
    const a = actual[worst]!;
    const e = expected[worst]!;
    throw new Error(
      `${label}: ${bad} of ${actual.length} elements differ beyond atol=${atol}, rtol=${rtol}; ` +
        `worst at index ${worst}: actual ${a}, expected ${e}, |diff| ${Math.abs(a - e)}; ` +
        `max |diff| ${maxAbs}`,
    );
  }
  return maxAbs;
}

/**
 * Assert two u32 arrays are identical; the message gives the mismatch count and the first index
 * (values in hex).
 */
export function expectBitsEqual(actual: ArrayLike<number>, expected: ArrayLike<number>, label = 'bits'): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} ≠ expected length ${expected.length}`);
  }
  let bad = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i]! >>> 0 !== expected[i]! >>> 0) {
      if (first < 0) first = i;
      bad++;
    }
  }
  if (bad > 0) {
    const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
    throw new Error(
      `${label}: ${bad} of ${actual.length} words differ; first at index ${first}: ` +
        `actual ${hex(actual[first]!)}, expected ${hex(expected[first]!)}`,
    );
  }
}

/**
 * Restarts labelled differently between two engines' per-problem counts (half the summed absolute
 * count differences over every problem), and one line per problem that differs, for the message.
 */
export function problemCountsMoved(gpu: ProblemCounts, cpu: ProblemCounts, problems: number): { moved: number; differing: string[] } {
  const differing: string[] = [];
  let moved = 0;
  for (let p = 0; p < problems; p++) {
    const g = gpu.of(p);
    const c = cpu.of(p);
    const d = (Object.keys(g) as (keyof typeof g)[]).reduce((s, k) => s + Math.abs(g[k] - c[k]), 0) / 2;
    if (d > 0) differing.push(`problem ${p}: gpu ${JSON.stringify(g)} cpu ${JSON.stringify(c)}`);
    moved += d;
  }
  return { moved, differing };
}

/**
 * The restarts of `waves` whose GPU outcome label the CPU reference gives too (each restart run
 * again on the CPU, `prep` being the run's experiment prepared), and the CPU's count per outcome
 * code (indexed by code, for the message).
 */
export function labelAgreement(waves: readonly WaveResult[], prep: Prepared): { agree: number; counts: number[] } {
  const counts = [0, 0, 0, 0, 0];
  let agree = 0;
  for (const w of waves) {
    for (let i = 0; i < w.count; i++) {
      const code = runRestart(prep, w.first + i).code;
      counts[code]!++;
      if (w.status[i] === code) agree++;
    }
  }
  return { agree, counts };
}
