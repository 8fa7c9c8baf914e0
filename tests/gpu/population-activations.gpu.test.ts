/**
 * The population step for the activations other than ReLU (shaders/lib/pair_kernel.wgsl) equals the
 * f64 CPU reference (src/core/population.ts via src/engine/cpu.ts), in f32 tolerance:
 * - the closed forms (leaky ReLU, squared ReLU, erf) after 100 steps: 64 restarts of an overlapping
 *   model (m = 2, stride 1) with two student filters and learned output;
 * - the quadrature (sigmoid, tanh: shaders/lib/gauss_quadrature.wgsl), first the pair kernel alone
 *   at points that take every branch (the norms either way round, a zero, a unit with itself, the
 *   norm limit and past it), then the step after 10 steps on one overlapping filter, and the labels
 *   of restarts drawn so that some start beyond the quadrature's norm limit (diverged on both
 *   engines at step 0). Kept small: each pair kernel call is ~10⁴ σ evaluations, f64 on the CPU side.
 */
import { expect } from 'vitest';
import type { Experiment } from '../../src/core/experiment.ts';
import { NEVER_DECIDE, OUTCOME } from '../../src/core/outcome.ts';
import { type Activation, shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { stepKernelFor } from '../../host/kernels.ts';
import { testWithDevice, expectAllclose, compute, createBuffer, readBuffer } from './harness.ts';
import { ACTIVATION_CODE } from '../../src/core/model.ts';
import { QUADRATURE_NORM_LIMIT, pairKernel } from '../../src/core/pair-kernels.ts';
import { CONTRACT_WGSL } from '../../host/contract.ts';
import { composeShader, constantsWgsl } from '../../host/shader-source.ts';
import gaussQuadratureWgsl from '../../shaders/lib/gauss_quadrature.wgsl';
import pairKernelWgsl from '../../shaders/lib/pair_kernel.wgsl';
import evalWgsl from './pair_kernel_eval.wgsl';

const exp = (activation: Activation): Experiment => ({
  model: { d: 5, m: 2, stride: 1, filters: 2, activation, output: 'learned', weightNorm: false },
  teacher: { filters: 1, w: Float64Array.of(0.9, -0.6), a: Float64Array.of(0.5, -0.3, 0.8, 0.2) },
  loss: { kind: 'population' },
  optimizer: { kind: 'gd', lr: activation === 'squared-relu' ? 0.01 : 0.05 },
  init: { kind: 'gaussian', std: 0.5 },
  restarts: 64,
  maxSteps: 100,
  seed: 21,
  outcome: NEVER_DECIDE,
});

for (const act of ['leaky-relu', 'squared-relu', 'erf'] as const) {
  testWithDevice(`population step, ${act}: GPU = CPU after 100 steps`, async (h) => {
    const e = exp(act);
    expect(stepKernelFor(e)).toBe('population_step');
    const { P } = shapeOf(e.model);
    const engine = new GpuEngine(h);
    const waves: WaveResult[] = [];
    for await (const _ of engine.run(e, { onWave: (w) => waves.push(w) }));
    const gpu = new Float32Array(e.restarts * P);
    for (const w of waves) gpu.set(w.params, w.first * P);
    const cpu = new Float64Array(e.restarts * P);
    const prep = prepare(e);
    for (let r = 0; r < e.restarts; r++) {
      const res = runRestart(prep, r);
      expect(res.code).toBe(OUTCOME.undecided);
      cpu.set(res.params, r * P);
    }
    expectAllclose(gpu, cpu, { rtol: 1e-3, atol: 1e-3, label: act });
  });
}

/** (n₁, n₂, cos θ): ρ = n₁n₂·cos θ. */
const POINTS: [number, number, number][] = [
  [1, 1, 0.3],
  [0.3, 2.5, -0.7], // n₁ < n₂: the mixed terms swap
  [8, 0.5, 0.9],
  [2, 2, 1], // a unit with itself: τ = 0
  [0, 0, 0],
  [0.02, 1.5, 0.5],
  [QUADRATURE_NORM_LIMIT, 3, 0.2],
  [1.01 * QUADRATURE_NORM_LIMIT, 1, 0], // past the limit: no value
];

/** The pair kernel's (κ, ∂κ/∂ρ, ∂κ/∂n₁) and the mean at each point: f32 on the GPU, f64 on the CPU. */
async function pairValues(device: GPUDevice, act: 'sigmoid' | 'tanh'): Promise<{ gpu: Float32Array; cpu: Float64Array }> {
  const code = composeShader(CONTRACT_WGSL, constantsWgsl({ ACT: { u32: ACTIVATION_CODE[act] } }), gaussQuadratureWgsl, pairKernelWgsl, evalWgsl);
  const points = new Float32Array(POINTS.flatMap(([n1, n2, c]) => [n1, n2, n1 * n2 * c, 0]));
  const values = createBuffer(device, POINTS.length * 16);
  // Poison the output so a kernel that did not run cannot pass.
  device.queue.writeBuffer(values, 0, new Float32Array(POINTS.length * 4).fill(-12345));
  await compute(device, code, 'main', [createBuffer(device, points), values], [POINTS.length]);
  const gpu = new Float32Array(await readBuffer(device, values, POINTS.length * 16));
  const kernel = pairKernel(act);
  const out = new Float64Array(4);
  const cpu = new Float64Array(POINTS.length * 4);
  POINTS.forEach((_, i) => {
    // The CPU kernel at the GPU's (f32) inputs; past the limit it throws, the GPU gives NaN.
    const [n1, n2, rho] = [points[4 * i]!, points[4 * i + 1]!, points[4 * i + 2]!];
    if (n1 > QUADRATURE_NORM_LIMIT) cpu.set([Number.NaN, Number.NaN, Number.NaN, kernel.mean(n1)], 4 * i);
    else {
      kernel.pair(n1, n2, rho, out);
      cpu.set([out[0]!, out[1]!, out[2]!, kernel.mean(n1)], 4 * i);
    }
  });
  return { gpu, cpu };
}

/** One overlapping filter (m = 2, stride 1, K = 2) against one teacher filter, learned output. */
const smoothExp = (activation: 'sigmoid' | 'tanh', std: number, maxSteps: number): Experiment => ({
  model: { d: 3, m: 2, stride: 1, filters: 1, activation, output: 'learned', weightNorm: false },
  teacher: { filters: 1, w: Float64Array.of(0.9, -0.6), a: Float64Array.of(0.5, -0.3) },
  loss: { kind: 'population' },
  optimizer: { kind: 'gd', lr: 0.2 },
  init: { kind: 'gaussian', std },
  restarts: 4,
  maxSteps,
  seed: 21,
  outcome: NEVER_DECIDE,
});

/** Final parameters and labels of a run on the GPU engine and on the CPU reference. */
async function bothEngines(engine: GpuEngine, e: Experiment) {
  const { P } = shapeOf(e.model);
  const waves: WaveResult[] = [];
  for await (const _ of engine.run(e, { onWave: (w) => waves.push(w) }));
  const gpu = new Float32Array(e.restarts * P);
  const gpuCodes = new Uint32Array(e.restarts);
  for (const w of waves) {
    gpu.set(w.params, w.first * P);
    gpuCodes.set(w.status, w.first);
  }
  const cpu = new Float64Array(e.restarts * P);
  const cpuCodes = new Uint32Array(e.restarts);
  const prep = prepare(e);
  for (let r = 0; r < e.restarts; r++) {
    const res = runRestart(prep, r);
    cpu.set(res.params, r * P);
    cpuCodes[r] = res.code;
  }
  return { gpu, cpu, gpuCodes, cpuCodes };
}

for (const act of ['sigmoid', 'tanh'] as const) {
  testWithDevice(`pair kernel, ${act}: the WGSL quadrature = the CPU's at ${POINTS.length} points, NaN past the norm limit`, async ({ device }) => {
    const { gpu, cpu } = await pairValues(device, act);
    const worst = expectAllclose(gpu, cpu, { rtol: 1e-5, atol: 2e-6, label: `${act} pair kernel` });
    console.log(`[pair kernel] ${act}: max |GPU − CPU| = ${worst.toExponential(2)} (NaN past the limit on both)`);
  });

  testWithDevice(`population step, ${act}: GPU = CPU after 10 steps; past the norm limit, diverged on both`, async (h) => {
    const engine = new GpuEngine(h);
    const e = smoothExp(act, 0.8, 10);
    expect(stepKernelFor(e)).toBe('population_step');
    const run = await bothEngines(engine, e);
    expect(Array.from(run.cpuCodes)).toEqual(new Array(e.restarts).fill(OUTCOME.undecided));
    expect(Array.from(run.gpuCodes)).toEqual(Array.from(run.cpuCodes));
    const worst = expectAllclose(run.gpu, run.cpu, { rtol: 1e-4, atol: 1e-4, label: act });

    // Filter norms ~ Rayleigh(54), past 64 with probability ½: some start there (diverged at step 0),
    // the rest run (with seed 21: three past it, one at 53.5).
    const wide = await bothEngines(engine, smoothExp(act, 54, 2));
    expect(Array.from(wide.gpuCodes)).toEqual(Array.from(wide.cpuCodes));
    expect(wide.cpuCodes).toContain(OUTCOME.diverged);
    expect(wide.cpuCodes).toContain(OUTCOME.undecided);
    const kept = (xs: ArrayLike<number>, codes: Uint32Array, P: number) => Array.from(xs).filter((_, i) => codes[Math.floor(i / P)] !== OUTCOME.diverged);
    const { P } = shapeOf(e.model);
    const wideWorst = expectAllclose(kept(wide.gpu, wide.cpuCodes, P), kept(wide.cpu, wide.cpuCodes, P), { rtol: 1e-4, atol: 1e-4, label: `${act}, wide` });
    console.log(`[population step] ${act}: max |GPU − CPU| = ${worst.toExponential(2)} after 10 steps, ${wideWorst.toExponential(2)} after 2 steps at norms up to 64`);
  });
}
