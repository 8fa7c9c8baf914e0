/**
 * shaders/deep_step.wgsl (through host/deep-engine.ts) against the f64 reference
 * src/core/deep-net.ts deepGdStep, in Node and in Chromium: the same Def. 2.3 inits, 100 GD steps,
 * parameters and the loss curve allclose in f32 tolerance. Widths and sample sizes are not
 * multiples of the tile, so the tile edges are exercised; the options cover the trained
 * layers, the output dimension and the depth.
 */
import { expect } from 'vitest';
import { type DeepData, type DeepNetSpec, deepGdStep, initDeepNet } from '../../src/core/deep-net.ts';
import { gradientRatio } from '../../src/core/deep-measures.ts';
import { separatedData } from '../../src/core/separated-data.ts';
import { createDeepEngine } from '../../host/deep-engine.ts';
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

const CASES: [string, DeepNetSpec, number][] = [
  ['L=1, d=1, W only', { inputDim: 6, L: 1, m: 20, outDim: 1, train: 'hidden' }, 7],
  ['L=2, d=3, A, W and B', { inputDim: 6, L: 2, m: 17, outDim: 3, train: 'all' }, 5],
  ['L=4, d=1, W only', { inputDim: 6, L: 4, m: 9, outDim: 1, train: 'hidden' }, 5],
];

for (const [name, spec, n] of CASES) {
  testWithDevice(`deep_step.wgsl = deepGdStep after ${STEPS} steps (${name}, m=${spec.m}, n=${n})`, async ({ device }) => {
    const { dataset, Y } = separatedData({ n, inputDim: spec.inputDim, delta: 0.1, outDim: spec.outDim, labels: 'gaussian', seed: 3 });
    // The CPU runs from the f32-rounded data and init, exactly what the GPU holds.
    const data: DeepData = { n, X: Float64Array.from(Float32Array.from(dataset.X)), Y: Float64Array.from(Float32Array.from(Y)) };
    const inits = Array.from({ length: R }, (_, r) => Float64Array.from(Float32Array.from(initDeepNet(spec, SEED, r))));
    const P = inits[0]!.length;
    const lr = Math.fround(0.3 / gradientRatio(spec, inits[0]!, data));

    const eng = await createDeepEngine(device, spec, data, R, STEPS, SHAPE);
    const all = new Float64Array(R * P);
    inits.forEach((t, r) => all.set(t, r * P));
    eng.upload(all);
    await eng.run(40, lr, 7);
    await eng.run(STEPS - 40, lr, 25);
    const got = await eng.read();
    eng.destroy();

    for (let r = 0; r < R; r++) {
      const theta = inits[r]!.slice();
      const curve = new Float64Array(STEPS);
      for (let t = 0; t < STEPS; t++) curve[t] = deepGdStep(spec, theta, data, lr);
      // The run must have trained: a comparison of two nets that never moved would prove little.
      expect(curve[STEPS - 1]!).toBeLessThan(0.9 * curve[0]!);
      expectAllclose(got.params.subarray(r * P, (r + 1) * P), theta, { rtol: 2e-3, atol: 2e-4 });
      expectAllclose(got.losses.subarray(r * STEPS, (r + 1) * STEPS), curve, { rtol: 5e-3, atol: 1e-5 });
    }
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
