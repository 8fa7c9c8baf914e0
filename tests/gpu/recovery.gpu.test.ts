/**
 * The recovery outcome rule (outcome.recovery, shaders/lib/restart.wgsl recovery_error) and
 * supplied fixed output layers (init.keepOutput, shaders/init.wgsl) on the GPU engine against the
 * CPU reference, on tests/recovery-fixture.ts's Zhong-like problems (each its own teacher and
 * sample; per problem a permuted teacher, a perturbed one, one with an output sign flipped and a
 * random start): every problem's outcome counts equal the CPU's (at most 2 of the 256 restarts
 * labelled differently, the f32 allowance of tests/gpu/problems.gpu.test.ts), the permuted
 * teachers are global at step 0 on the GPU too, and the fixed output layers stay as supplied.
 */
import { expect } from 'vitest';
import { ProblemCounts } from '../../src/core/problems.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import { runCpu } from '../../src/engine/cpu.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { FIXTURE, recoveryExperiment } from '../recovery-fixture.ts';
import type { DeviceHandle } from '../../host/device.ts';
import { problemCountsMoved, testWithDevice } from './harness.ts';
import type { Experiment } from '../../src/core/experiment.ts';

const PROBLEMS = 64;

/** The GPU run's waves, after checking its counts per problem against the CPU's (at most `allowed` restarts labelled differently). */
async function gpuWavesMatchingCpu(h: DeviceHandle, exp: Experiment, problems: number, allowed: number): Promise<WaveResult[]> {
  const waves: WaveResult[] = [];
  for await (const _ of new GpuEngine(h).run(exp, { onWave: (w) => waves.push(w) }));
  const gpu = new ProblemCounts(exp);
  for (const w of waves) gpu.add(w.first, w.status);
  const cpu = new ProblemCounts(exp);
  for await (const _ of runCpu(exp, { onWave: (w) => cpu.add(w.first, w.status) }));
  const { moved, differing } = problemCountsMoved(gpu, cpu, problems);
  expect(moved, differing.join('; ')).toBeLessThanOrEqual(allowed);
  return waves;
}

testWithDevice(`recovery rule on ${PROBLEMS} Zhong-like problems × ${FIXTURE.starts} supplied starts: GPU counts per problem = CPU's`, async (h) => {
  const exp = recoveryExperiment(PROBLEMS);
  const waves = await gpuWavesMatchingCpu(h, exp, PROBLEMS, 2);
  const P = FIXTURE.k * FIXTURE.d + FIXTURE.k;
  const supplied = exp.init.kind === 'supplied' ? exp.init.params : [];
  for (const w of waves) {
    for (let i = 0; i < w.count; i++) {
      const r = w.first + i;
      // Start 0 (the permuted teacher): recovered modulo the permutation at step 0.
      if (r % FIXTURE.starts === 0) expect([w.status[i], w.steps[i]]).toEqual([OUTCOME.global, 0]);
      // Start 2 (an output sign flipped): never global with signs matched.
      if (r % FIXTURE.starts === 2) expect(w.status[i]).not.toBe(OUTCOME.global);
      for (let q = FIXTURE.k * FIXTURE.d; q < P; q++) expect(w.params[i * P + q]).toBe(Math.fround(supplied[r * P + q]));
    }
  }
  // Not trivial: the random starts split between recovered and not.
  const random = (code: number) => waves.reduce((s, w) => s + Array.from(w.status).filter((c, i) => (w.first + i) % FIXTURE.starts === 3 && c === code).length, 0);
  expect(random(OUTCOME.global)).toBeGreaterThan(0);
  expect(random(OUTCOME.global)).toBeLessThan(PROBLEMS);
});

testWithDevice('recovery rule modulo the flips (tanh, outcome.recovery.flips): GPU counts per problem = CPU’s; a unit flipped whole is the teacher at step 0', async (h) => {
  const PROBLEMS_ODD = 16;
  const base = recoveryExperiment(PROBLEMS_ODD);
  const exp = recoveryExperiment(PROBLEMS_ODD, { model: { ...base.model, activation: 'tanh' }, outcome: { ...base.outcome, recovery: { tolerance: 0.01, flips: true } } }, { flipUnit: true });
  const waves = await gpuWavesMatchingCpu(h, exp, PROBLEMS_ODD, 1);
  for (const w of waves) {
    for (let i = 0; i < w.count; i++) {
      const start = (w.first + i) % FIXTURE.starts;
      // The permuted teacher and the one with a unit flipped whole: recovered at step 0.
      if (start === 0 || start === 2) expect([start, w.status[i], w.steps[i]]).toEqual([start, OUTCOME.global, 0]);
    }
  }
});
