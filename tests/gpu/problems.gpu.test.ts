/**
 * Many problems in one run (experiment.problems) and supplied initial points on the GPU engine,
 * against the CPU reference on the same seed: 256 problems × 4 restarts in one run, each problem
 * with its own drawn teacher and sample (drawn on the device under its problem key), its own
 * L_ref and thresholds. Every problem's outcome counts are compared with the CPU engine's (at
 * most 2 of the 1024 restarts may be labelled differently, the f32 allowance stated there), and
 * the parameters after 60 steps of a few restarts in far-apart problems (full batch and
 * minibatch) within the f32 tolerance of tests/gpu/engine.gpu.test.ts: |gpu − cpu| ≤ 1e-3 + 1e-3·|cpu|.
 */
import { expect } from 'vitest';
import type { Experiment } from '../../src/core/experiment.ts';
import { DEFAULT_OUTCOME_RULE, NEVER_DECIDE } from '../../src/core/outcome.ts';
import { shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { ProblemCounts } from '../../src/core/problems.ts';
import { runCpu, runRestart } from '../../src/engine/cpu.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { testWithDevice, expectAllclose, problemCountsMoved } from './harness.ts';

const PROBLEMS = 256;
const PER = 4;

/** One ReLU filter over two patches of a 4-dimensional input, 32 samples per problem. */
function manyProblems(over: Partial<Experiment> = {}): Experiment {
  return {
    model: { d: 4, m: 2, stride: 2, filters: 1, activation: 'relu', output: 'learned', weightNorm: false },
    teacher: { filters: 1, w: Float64Array.of(1, 0), a: Float64Array.of(1, 1) },
    loss: { kind: 'empirical', samples: 32 },
    optimizer: { kind: 'gd', lr: 0.2 },
    init: { kind: 'gaussian', std: 0.7 },
    restarts: PROBLEMS * PER,
    problems: { count: PROBLEMS },
    maxSteps: 1500,
    seed: 5,
    outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 1e-3 },
    ...over,
  };
}

async function runGpu(engine: GpuEngine, exp: Experiment): Promise<WaveResult[]> {
  const waves: WaveResult[] = [];
  for await (const _ of engine.run(exp, { onWave: (w) => waves.push(w) }));
  return waves;
}

testWithDevice(`${PROBLEMS} problems × ${PER} restarts in one run: every problem's outcome counts agree with the CPU engine's`, async (h) => {
  const exp = manyProblems();
  const gpu = new ProblemCounts(exp);
  for (const w of await runGpu(new GpuEngine(h), exp)) gpu.add(w.first, w.status);
  const cpu = new ProblemCounts(exp);
  for await (const _ of runCpu(exp, { onWave: (w) => cpu.add(w.first, w.status) }));
  // f32 against f64: a restart whose loss crosses the global tolerance within a few steps of the
  // budget can land either side of it (engine.gpu.test.ts allows 0.1% of labels to differ). Every
  // problem is compared; at most 2 restarts of the 1024 may move, so ≥ 254 problems agree exactly.
  const { moved, differing } = problemCountsMoved(gpu, cpu, PROBLEMS);
  if (differing.length) console.log(`[problems] ${moved} restart(s) labelled differently:\n${differing.join('\n')}`);
  expect(moved, differing.join('; ')).toBeLessThanOrEqual(2);
  // Not a trivial run: both outcomes occur, and problems differ from one another.
  const total = (name: 'global' | 'spurious') => Array.from({ length: PROBLEMS }, (_, p) => cpu.of(p)[name]).reduce((a, b) => a + b, 0);
  expect(total('global')).toBeGreaterThan(0);
  expect(total('global')).toBeLessThan(PROBLEMS * PER);
});

for (const batch of [undefined, 8]) {
  testWithDevice(`parameters after 60 steps equal the CPU's for restarts of problems 0, 77 and 255 (${batch ? 'minibatch' : 'full batch'})`, async (h) => {
    const exp = manyProblems({ maxSteps: 60, outcome: NEVER_DECIDE, loss: { kind: 'empirical', samples: 32, batch } });
    const { P } = shapeOf(exp.model);
    const waves = await runGpu(new GpuEngine(h), exp);
    const prep = prepare(exp);
    for (const r of [0, 3, 77 * PER + 1, 255 * PER + 2]) {
      const w = waves.find((x) => r >= x.first && r < x.first + x.count)!;
      const got = w.params.subarray((r - w.first) * P, (r - w.first + 1) * P);
      expectAllclose(got, runRestart(prep, r).params, { atol: 1e-3, rtol: 1e-3 });
    }
  });
}

testWithDevice('supplied initial points: the GPU starts at the supplied rows (a fixed output layer overriding a) and then follows the CPU', async (h) => {
  const base = manyProblems({ problems: undefined, restarts: 64 });
  const { P } = shapeOf(base.model);
  const params = Float64Array.from({ length: 64 * P }, (_, i) => Math.sin(1.7 * i + 0.3));
  const engine = new GpuEngine(h);
  for (const output of ['learned', 'fixed'] as const) {
    const exp: Experiment = { ...base, model: { ...base.model, output }, init: { kind: 'supplied', params }, maxSteps: 0, outcome: NEVER_DECIDE };
    const start = await runGpu(engine, exp);
    const prep = prepare(exp);
    for (const w of start) {
      for (let i = 0; i < w.count; i++) {
        expectAllclose(w.params.subarray(i * P, (i + 1) * P), runRestart(prep, w.first + i).params, { atol: 1e-7, rtol: 1e-6 });
      }
    }
    if (output === 'learned') expectAllclose(start[0]!.params.subarray(0, P), params.subarray(0, P), { atol: 1e-7, rtol: 1e-6 });
    else expectAllclose(start[0]!.params.subarray(2, P), [0.5, 0.5], { atol: 0, rtol: 0 });
  }
  const moved: Experiment = { ...base, init: { kind: 'supplied', params }, maxSteps: 60, outcome: NEVER_DECIDE };
  const waves = await runGpu(engine, moved);
  const prep = prepare(moved);
  for (const r of [0, 17, 63]) {
    const w = waves.find((x) => r >= x.first && r < x.first + x.count)!;
    expectAllclose(w.params.subarray((r - w.first) * P, (r - w.first + 1) * P), runRestart(prep, r).params, { atol: 1e-3, rtol: 1e-3 });
  }
});
