/**
 * shaders/deep_step.wgsl (through host/deep-engine.ts) against the f64 reference
 * src/core/deep-net.ts deepGdStep, in Node and in Chromium: the same Def. 2.3 inits, 100 GD steps,
 * parameters and the loss curve allclose in f32 tolerance, with and without the extra neuron. Widths and sample sizes are not
 * multiples of the tile, so the tile edges are exercised; the options cover the trained
 * layers, the output dimension and the depth.
 */
import { expect } from 'vitest';
import { type DeepData, type DeepNetSpec, deepLayout, initDeepNet } from '../../src/core/deep-net.ts';
import { EXTRA_Z_MAX } from '../../src/core/extra-neuron.ts';
import { gradientRatio } from '../../src/core/deep-measures.ts';
import { separatedData } from '../../src/core/separated-data.ts';
import { type DeepKernel, createDeepEngine } from '../../host/deep-engine.ts';
import { GpuEngine } from '../../host/gpu-engine.ts';
import { cpuEngine, trainDeepCpu } from '../../src/engine/cpu.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { collect } from '../collect.ts';
import { expectAllclose, testWithDevice } from './harness.ts';

const STEPS = 100;
const R = 2;
const SEED = 5;
/** 4×4 workgroups of 2×2 register blocks (8-wide tiles): SwiftShader's barriers cost per thread; every width spans 2–3 tiles and ends inside one. */
const SHAPE = { tile: 4, rb: 2 };
/** Both step kernels: the tiled one in SHAPE and the per-restart one (what emulated adapters run). */
const KERNELS: [string, DeepKernel][] = [
  ['tiled', SHAPE],
  ['per-restart', 'per-restart'],
];

const CASES: [string, DeepNetSpec, number][] = [
  ['L=1, d=1, W only', { inputDim: 6, L: 1, m: 20, outDim: 1, train: 'hidden' }, 7],
  ['L=2, d=3, A, W and B', { inputDim: 6, L: 2, m: 17, outDim: 3, train: 'all' }, 5],
  ['L=4, d=1, W only', { inputDim: 6, L: 4, m: 9, outDim: 1, train: 'hidden' }, 5],
];

/** A net's f32-rounded Def. 2.3 init, its extra neurons (if any) set by `extraOf`. */
function initOf(spec: DeepNetSpec, r: number, extraOf?: (theta: Float64Array, e: number, r: number) => void): Float64Array {
  const theta = initDeepNet(spec, SEED, r);
  extraOf?.(theta, deepLayout(spec).e, r);
  return Float64Array.from(Float32Array.from(theta));
}

/** R restarts of `spec` on n separated points, on the GPU (several dispatch sizes) and in f64 from the same f32 init. */
async function bothWays(device: GPUDevice, kernel: DeepKernel, spec: DeepNetSpec, n: number, extraOf?: (theta: Float64Array, e: number, r: number) => void, sgd?: { batch: number; seed: number }) {
  const { dataset, Y } = separatedData({ n, inputDim: spec.inputDim, delta: 0.1, outDim: spec.outDim, labels: 'gaussian', seed: 3 });
  // The CPU runs from the f32-rounded data and init, exactly what the GPU holds.
  const data: DeepData = { n, X: Float64Array.from(Float32Array.from(dataset.X)), Y: Float64Array.from(Float32Array.from(Y)) };
  const inits = Array.from({ length: R }, (_, r) => initOf(spec, r, extraOf));
  const P = inits[0]!.length;
  const lr = Math.fround(0.3 / gradientRatio(spec, initOf(spec, 0, extraOf), data));

  const eng = await createDeepEngine(device, spec, data, R, STEPS, kernel, sgd && { ...sgd, restartBase: 0 });
  const all = new Float64Array(R * P);
  inits.forEach((t, r) => all.set(t, r * P));
  eng.upload(all);
  await eng.run(40, lr, 7);
  await eng.run(STEPS - 40, lr, 25);
  const gpu = await eng.read();
  eng.destroy();
  // trainDeepCpu: deepGdStep, stopping a restart at a non-finite loss.
  const cpu = await collectDeep(trainDeepCpu({ spec, data, restarts: R, theta0: all, lr, steps: STEPS, sgd }));
  return { P, inits, data, lr, gpu, cpu };
}

async function collectDeep<T>(gen: AsyncGenerator<unknown, T>): Promise<T> {
  for (;;) {
    const u = await gen.next();
    if (u.done) return u.value;
  }
}

for (const [kname, kernel] of KERNELS) {
for (const [name, spec, n] of CASES) {
  testWithDevice(`${kname} kernel = deepGdStep after ${STEPS} steps (${name}, m=${spec.m}, n=${n})`, async ({ device }) => {
    const { P, gpu, cpu } = await bothWays(device, kernel, spec, n);
    for (let r = 0; r < R; r++) {
      const curve = cpu.losses.subarray(r * STEPS, (r + 1) * STEPS);
      // The run must have trained: a comparison of two nets that never moved would prove little.
      expect(curve[STEPS - 1]!).toBeLessThan(0.9 * curve[0]!);
      expectAllclose(gpu.params.subarray(r * P, (r + 1) * P), cpu.params.subarray(r * P, (r + 1) * P), { rtol: 2e-3, atol: 2e-4 });
      expectAllclose(gpu.losses.subarray(r * STEPS, (r + 1) * STEPS), curve, { rtol: 5e-3, atol: 1e-5 });
    }
  });
}

// Kawaguchi & Kaelbling's extra neuron on a deep net: a, b and W_e trained with the rest, the
// regulariser in the loss. Restart 0 starts with a small live neuron; restart 1's exponent starts
// past EXTRA_Z_MAX, so both engines must give NaN at every step and leave its parameters as they were.
testWithDevice(`${kname} kernel = deepGdStep with the extra neuron (λ = 0.1, L=2, d=2, all trained)`, async ({ device }) => {
  const spec: DeepNetSpec = { inputDim: 6, L: 2, m: 11, outDim: 2, train: 'all', extra: { lambda: 0.1 } };
  const d = spec.outDim;
  const { P, inits, gpu, cpu } = await bothWays(device, kernel, spec, 5, (theta, e, r) => {
    for (let o = 0; o < d; o++) {
      theta[e + o] = 0.3 - 0.2 * o;
      theta[e + d + o] = r === 0 ? -0.5 : EXTRA_Z_MAX + 5;
      for (let c = 0; c < spec.inputDim; c++) theta[e + 2 * d + o * spec.inputDim + c] = 0.1 * Math.sin(1 + o * 7 + c);
    }
  });
  const live = cpu.losses.subarray(0, STEPS);
  expect(live[STEPS - 1]!).toBeLessThan(0.9 * live[0]!);
  const e = deepLayout(spec).e;
  // The neuron itself moved (else its kernel path would be untested).
  expect(Math.abs(cpu.params[e]! - inits[0]![e]!)).toBeGreaterThan(1e-3);
  expect(Math.abs(cpu.params[e + d]! - inits[0]![e + d]!)).toBeGreaterThan(1e-3);
  expectAllclose(gpu.params.subarray(0, P), cpu.params.subarray(0, P), { rtol: 2e-3, atol: 2e-4 });
  expectAllclose(gpu.losses.subarray(0, STEPS), live, { rtol: 5e-3, atol: 1e-5 });
  expect([...cpu.losses.subarray(STEPS)].every(Number.isNaN)).toBe(true);
  expect([...gpu.losses.subarray(STEPS)].every(Number.isNaN)).toBe(true);
  expect([...gpu.params.subarray(P, 2 * P)]).toEqual([...Float32Array.from(inits[1]!)]);
});

// SGD (Thm 2): minibatches of 4 of 9 samples drawn in the kernel, the same draws as deepMinibatch;
// a restart keyed by restartBase (a later group of GpuEngine.trainDeep) draws as the CPU's restart
// of that index.
testWithDevice(`${kname} kernel = deepSgdStep after ${STEPS} steps (batch 4 of 9, L=2, d=2, all trained)`, async ({ device }) => {
  const spec: DeepNetSpec = { inputDim: 6, L: 2, m: 10, outDim: 2, train: 'all' };
  const sgd = { batch: 4, seed: 77 };
  const { P, inits, data, lr, gpu, cpu } = await bothWays(device, kernel, spec, 9, undefined, sgd);
  for (let r = 0; r < R; r++) {
    const curve = cpu.losses.subarray(r * STEPS, (r + 1) * STEPS);
    expect(curve[STEPS - 1]!).toBeLessThan(0.9 * curve[0]!);
    expectAllclose(gpu.params.subarray(r * P, (r + 1) * P), cpu.params.subarray(r * P, (r + 1) * P), { rtol: 2e-3, atol: 2e-4 });
    expectAllclose(gpu.losses.subarray(r * STEPS, (r + 1) * STEPS), curve, { rtol: 5e-3, atol: 1e-5 });
  }
  // Not full-batch GD by another name: the minibatch estimates differ from F along the same path.
  const full = await collectDeep(trainDeepCpu({ spec, data, restarts: 1, theta0: inits[0]!, lr, steps: STEPS }));
  expect(Math.abs(full.losses[STEPS - 1]! - cpu.losses[STEPS - 1]!)).toBeGreaterThan(1e-3 * full.losses[STEPS - 1]!);
  const later = await createDeepEngine(device, spec, data, 1, STEPS, kernel, { ...sgd, restartBase: 1 });
  later.upload(inits[1]!);
  await later.run(STEPS, lr, 50);
  const got = await later.read();
  later.destroy();
  expectAllclose(got.params, cpu.params.subarray(P, 2 * P), { rtol: 2e-3, atol: 2e-4 });
});
}

// The Engine's deep-net entry point (what az-width-depth calls): GpuEngine.trainDeep against the
// CPU engine's trainDeepCpu on the same job — several restarts, a step count that is no multiple
// of the submission or dispatch sizes, progress that ends at the job's steps.
testWithDevice('GpuEngine.trainDeep = trainDeepCpu (3 restarts, 57 steps, L=2, m=12)', async (h) => {
  const spec: DeepNetSpec = { inputDim: 6, L: 2, m: 12, outDim: 1, train: 'hidden' };
  const n = 6;
  const { dataset, Y } = separatedData({ n, inputDim: spec.inputDim, delta: 'random', outDim: 1, labels: 'gaussian', seed: 9 });
  const data: DeepData = { n, X: Float64Array.from(Float32Array.from(dataset.X)), Y: Float64Array.from(Float32Array.from(Y)) };
  const restarts = 3;
  const steps = 57;
  const P = initDeepNet(spec, SEED, 0).length;
  const theta0 = new Float64Array(restarts * P);
  for (let r = 0; r < restarts; r++) theta0.set(Float32Array.from(initDeepNet(spec, SEED, r)), r * P);
  const lr = Math.fround(0.3 / gradientRatio(spec, theta0.subarray(0, P), data));
  const job = { spec, data, restarts, theta0, lr, steps };

  const drain = async (gen: AsyncGenerator<{ stepsDone: number }, { params: ArrayLike<number>; losses: ArrayLike<number> }>) => {
    const progress: number[] = [];
    for (;;) {
      const u = await gen.next();
      if (u.done) return { progress, out: u.value };
      progress.push(u.value.stepsDone);
    }
  };
  const gpu = await drain(new GpuEngine(h).trainDeep(job, { targetMs: 1 }));
  const cpu = await drain(trainDeepCpu(job));
  expect(gpu.progress.length).toBeGreaterThan(1);
  expect(gpu.progress.at(-1)).toBe(steps);
  expect([...gpu.progress].sort((a, b) => a - b)).toEqual(gpu.progress);
  expect(cpu.out.losses[steps - 1]!).toBeLessThan(0.9 * cpu.out.losses[0]!);
  expectAllclose(gpu.out.params, cpu.out.params, { rtol: 2e-3, atol: 2e-4 });
  expectAllclose(gpu.out.losses, cpu.out.losses, { rtol: 5e-3, atol: 1e-5 });
});

// az-width-depth end to end on the GPU engine against the CPU engine: the same cells, the same
// outcome of every restart (f32 against f64; a restart's class could only differ on a boundary,
// and none sits on one in this configuration).
testWithDevice('az-width-depth: GPU engine = CPU engine, cell by cell', async (h) => {
  const options = { depth: [1, 2], width: [8, 16], n: [12], restarts: 4, steps: 300, inputDim: 6, c: 0.3, seed: 4 };
  const countsOf = async (engine: Engine) => (await collect(runExperiment('az-width-depth', options, { engine }))).result.cells.map((c) => [c.key.L, c.key.m, c.global, c.spurious, c.diverged]);
  const cpu = await countsOf(cpuEngine());
  expect(cpu.some((c) => (c[2] as number) > 0)).toBe(true);
  expect(await countsOf(new GpuEngine(h))).toEqual(cpu);
});
