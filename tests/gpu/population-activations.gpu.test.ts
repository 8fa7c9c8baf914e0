/**
 * The population step for the activations with a closed-form pair kernel other than ReLU (leaky
 * ReLU, squared ReLU, erf: shaders/lib/pair_kernel.wgsl) equals the f64 CPU reference
 * (src/core/population.ts via src/engine/cpu.ts) after 100 steps, in f32 tolerance. Small: 64
 * restarts of an overlapping model (m = 2, stride 1) with two student filters and learned output.
 */
import { expect } from 'vitest';
import type { Experiment } from '../../src/core/experiment.ts';
import { NEVER_DECIDE, OUTCOME } from '../../src/core/outcome.ts';
import { type Activation, shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { stepKernelFor } from '../../host/kernels.ts';
import { testWithDevice, expectAllclose } from './harness.ts';

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
