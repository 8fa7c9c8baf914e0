/**
 * Every per-restart kernel against the CPU reference (src/engine/cpu.ts) on the same seed, in Node
 * (dawn.node) and in Chromium: init (all initialisers), the fused population and empirical steps
 * (all losses, optimisers, activations, overlap, weight normalisation, fixed/learned output),
 * classify (angles) and reduce (counts, histograms).
 *
 * f32 tolerances, stated: parameters after 100 steps agree within |gpu − cpu| ≤ 1e-3 + 1e-3·|cpu|
 * for every restart of the smooth population losses; for the empirical losses one ReLU unit
 * flipping on one sample moves a restart by more, so we require that bound for ≥ 99% of restarts
 * (and report the worst). Outcome labels must agree for ≥ 99.9% of 4096 restarts.
 */
import { expect } from 'vitest';
import type { Experiment } from '../../src/core/experiment.ts';
import { DEFAULT_OUTCOME_RULE, NEVER_DECIDE, OUTCOME } from '../../src/core/outcome.ts';
import { shapeOf } from '../../src/core/model.ts';
import { initParams } from '../../src/core/init.ts';
import { prepare } from '../../src/core/prepare.ts';
import { makeDataset } from '../../src/core/dataset.ts';
import { teacherLabels } from '../../src/core/empirical.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { WAVE_CAP } from '../../host/schedule.ts';
import { type KernelName, type KernelPreference, type StepLayout, stepKernelFor } from '../../host/kernels.ts';
import type { Snapshot } from '../../src/core/stats.ts';
import { emptyTally, tallyRestart } from '../../src/core/stats.ts';
import { testWithDevice, expectAllclose } from './harness.ts';

/** Never decides before the budget: every restart takes exactly maxSteps steps. */

async function runGpu(engine: GpuEngine, exp: Experiment, kernel: KernelPreference = 'auto', layout?: Partial<StepLayout>): Promise<{ waves: WaveResult[]; last: Snapshot }> {
  const waves: WaveResult[] = [];
  let last: Snapshot | undefined;
  for await (const s of engine.run(exp, { onWave: (w) => waves.push(w), kernel, layout })) last = s;
  return { waves, last: last! };
}

function gpuParams(waves: WaveResult[], P: number, restarts: number): Float32Array {
  const out = new Float32Array(restarts * P);
  for (const w of waves) out.set(w.params, w.first * P);
  return out;
}

function teacherOf(F: number, m: number, K: number, seed: number) {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
  return { filters: F, w: Float64Array.from({ length: F * m }, next), a: Float64Array.from({ length: F * K }, next) };
}

const EMPIRICAL_DU: Experiment = { ...duCell({ k: 6, ratio: 1, p: 4, loss: { kind: 'empirical', samples: 256 } }), restarts: 256, maxSteps: 100, outcome: NEVER_DECIDE };
const MINIBATCH_TANH: Experiment = {
  model: { d: 5, m: 5, stride: 1, filters: 2, activation: 'tanh', output: 'learned', weightNorm: false },
  teacher: teacherOf(2, 5, 1, 3),
  loss: { kind: 'empirical', samples: 256, batch: 32 },
  optimizer: { kind: 'gd', lr: 0.1 },
  init: { kind: 'gaussian', std: 0.5 },
  restarts: 256,
  maxSteps: 100,
  seed: 3,
  outcome: NEVER_DECIDE,
};
const FRESH_SGD: Experiment = {
  model: { d: 6, m: 3, stride: 1, filters: 1, activation: 'leaky-relu', output: 'learned', weightNorm: true },
  teacher: teacherOf(1, 3, 4, 4),
  loss: { kind: 'sgd', batch: 16 },
  optimizer: { kind: 'gd', lr: 0.05 },
  init: { kind: 'sphere', aStd: 0.5 },
  restarts: 256,
  maxSteps: 100,
  seed: 8,
  outcome: NEVER_DECIDE,
};
const SIGMOID_ADAGRAD: Experiment = {
  model: { d: 8, m: 2, stride: 2, filters: 1, activation: 'sigmoid', output: 'fixed', weightNorm: false },
  teacher: teacherOf(1, 2, 4, 6),
  loss: { kind: 'empirical', samples: 128 },
  optimizer: { kind: 'adagrad', lr: 0.1, eps: 1e-8 },
  init: { kind: 'gaussian', std: 1 },
  restarts: 256,
  maxSteps: 100,
  seed: 12,
  outcome: NEVER_DECIDE,
};
const WIDE_FC: Experiment = {
  model: { d: 160, m: 160, stride: 1, filters: 2, activation: 'relu', output: 'learned', weightNorm: false },
  teacher: teacherOf(1, 160, 1, 2),
  loss: { kind: 'empirical', samples: 64 },
  optimizer: { kind: 'gd', lr: 0.02 },
  init: { kind: 'gaussian', std: 0.1 },
  restarts: 128,
  maxSteps: 100,
  seed: 17,
  outcome: NEVER_DECIDE,
};

/**
 * Experiments covering each kernel option; 256 restarts × 100 steps. `kernel` is the step kernel
 * that must run (the subgroup kernel falls back to the workgroup-memory one on an adapter without
 * subgroups); `subgroups: false` makes the engine ignore the adapter's subgroups.
 */
const STEP_CASES: { name: string; exp: Experiment; smooth: boolean; kernel: KernelName; prefer?: 'general-per-thread' | 'cooperative'; layout?: Partial<StepLayout>; subgroups?: false }[] = [
  {
    name: 'population, Du (p=6, k=25), weight norm, learned a, GD — span kernel',
    exp: { ...duCell({ k: 25, ratio: 4 }), restarts: 256, maxSteps: 100, outcome: NEVER_DECIDE },
    smooth: true,
    kernel: 'population_step_span',
  },
  {
    name: 'population, Du (p=6, k=25), weight norm, learned a, GD — general kernel',
    exp: { ...duCell({ k: 25, ratio: 4 }), restarts: 256, maxSteps: 100, outcome: NEVER_DECIDE },
    smooth: true,
    kernel: 'population_step',
    prefer: 'general-per-thread',
  },
  {
    name: 'population, Du (p=5, k=9, ratio 9: a* ∥ 1), no weight norm — span kernel',
    exp: { ...duCell({ k: 9, ratio: 9, p: 5, lr: 0.05 }), model: { d: 45, m: 5, stride: 5, filters: 1, activation: 'relu', output: 'learned', weightNorm: false }, init: { kind: 'gaussian', std: 0.5 }, restarts: 256, maxSteps: 100, outcome: NEVER_DECIDE },
    smooth: true,
    kernel: 'population_step_span',
  },
  {
    name: 'population, non-overlapping m=3 stride 3, fixed average pooling, Gaussian init — span kernel',
    exp: {
      model: { d: 12, m: 3, stride: 3, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false },
      teacher: { filters: 1, w: Float64Array.of(0.6, -0.8, 0.3), a: Float64Array.of(0.25, 0.25, 0.25, 0.25) },
      loss: { kind: 'population' },
      optimizer: { kind: 'gd', lr: 0.2 },
      init: { kind: 'gaussian', std: 1 },
      restarts: 256,
      maxSteps: 100,
      seed: 21,
      outcome: NEVER_DECIDE,
    },
    smooth: true,
    kernel: 'population_step_span',
  },
  {
    name: 'population, overlap m=2 stride 1 (Brutzkus & Globerson 7.1), fixed a, Gaussian init, GD',
    exp: {
      model: { d: 5, m: 2, stride: 1, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false },
      teacher: { filters: 1, w: Float64Array.of(-1, 1), a: Float64Array.of(0.25, 0.25, 0.25, 0.25) },
      loss: { kind: 'population' },
      optimizer: { kind: 'gd', lr: 0.05 },
      init: { kind: 'gaussian', std: 1 },
      restarts: 256,
      maxSteps: 100,
      seed: 5,
      outcome: NEVER_DECIDE,
    },
    smooth: true,
    kernel: 'population_step',
  },
  {
    name: 'population, overlap m=3 stride 2, F=2 vs F*=1, learned, sphere init, AdaGrad',
    exp: {
      model: { d: 9, m: 3, stride: 2, filters: 2, activation: 'relu', output: 'learned', weightNorm: false },
      teacher: teacherOf(1, 3, 4, 9),
      loss: { kind: 'population' },
      optimizer: { kind: 'adagrad', lr: 0.05, eps: 1e-8 },
      init: { kind: 'sphere', aStd: 0.5 },
      restarts: 256,
      maxSteps: 100,
      seed: 11,
      outcome: NEVER_DECIDE,
    },
    smooth: true,
    kernel: 'population_step',
  },
  {
    name: 'empirical, full fixed sample n=256, ReLU, Du p=4 k=6, GD',
    exp: EMPIRICAL_DU,
    smooth: false,
    kernel: 'empirical_step_vec4',
  },
  {
    name: 'supplied non-Gaussian dataset n=256, teacher labels, ReLU, Du p=4 k=6, GD',
    exp: suppliedData(EMPIRICAL_DU, 'teacher'),
    smooth: false,
    kernel: 'empirical_step_vec4',
  },
  {
    name: 'supplied non-Gaussian dataset n=256, given labels, minibatch 32, ReLU, Du p=4 k=6, GD — cooperative',
    exp: suppliedData({ ...EMPIRICAL_DU, loss: { kind: 'empirical', samples: 256, batch: 32 } }, 'given'),
    smooth: false,
    kernel: 'empirical_step_coop_subgroup',
    prefer: 'cooperative',
  },
  {
    name: 'empirical, full fixed sample n=256, ReLU, Du p=4 k=6, GD — one restart per thread',
    exp: EMPIRICAL_DU,
    smooth: false,
    kernel: 'empirical_step',
    prefer: 'general-per-thread',
  },
  {
    name: 'empirical minibatch 32 of n=256, tanh, fully connected F=2, K=1, GD',
    exp: MINIBATCH_TANH,
    smooth: false,
    kernel: 'empirical_step',
  },
  {
    name: 'fresh-sample SGD batch 16, leaky ReLU, overlap m=3 stride 1, weight norm, GD',
    exp: FRESH_SGD,
    smooth: false,
    kernel: 'empirical_step',
  },
  {
    name: 'empirical n=128, sigmoid, fixed a, AdaGrad',
    exp: SIGMOID_ADAGRAD,
    smooth: false,
    kernel: 'empirical_step_vec4',
  },
  {
    name: 'empirical n=128, squared ReLU, F=2, GD',
    exp: {
      model: { d: 6, m: 2, stride: 2, filters: 2, activation: 'squared-relu', output: 'learned', weightNorm: false },
      teacher: teacherOf(1, 2, 3, 2),
      loss: { kind: 'empirical', samples: 128 },
      optimizer: { kind: 'gd', lr: 0.02 },
      init: { kind: 'gaussian', std: 0.3 },
      restarts: 253, // not a multiple of the vec4 kernel's eight restarts per thread
      maxSteps: 100,
      seed: 13,
      outcome: NEVER_DECIDE,
    },
    smooth: false,
    kernel: 'empirical_step_vec4',
    layout: { restartsPerThread: 8, workgroup: 16 },
  },
  {
    // M = 160 passes host/kernels.ts UNROLL.maxTrips: the per-sample loops over coordinates stay loops.
    name: 'empirical n=64, fully connected d=160 (loops past the unroll limit), F=2, GD',
    exp: WIDE_FC,
    smooth: false,
    kernel: 'empirical_step_vec4',
  },
  {
    name: 'empirical, full fixed sample n=256, ReLU, Du p=4 k=6, GD — cooperative, subgroups',
    exp: EMPIRICAL_DU,
    smooth: false,
    kernel: 'empirical_step_coop_subgroup',
    prefer: 'cooperative',
  },
  {
    name: 'empirical minibatch 32 of n=256, tanh, fully connected F=2, GD — cooperative, workgroup memory, 16 threads',
    exp: MINIBATCH_TANH,
    smooth: false,
    kernel: 'empirical_step_coop',
    prefer: 'cooperative',
    layout: { workgroup: 16 },
    subgroups: false,
  },
  {
    name: 'fresh-sample SGD batch 16, leaky ReLU, overlap m=3 stride 1, weight norm, GD — cooperative, subgroups, 8 threads',
    exp: FRESH_SGD,
    smooth: false,
    kernel: 'empirical_step_coop_subgroup',
    prefer: 'cooperative',
    layout: { workgroup: 8 },
  },
  {
    name: 'empirical n=128, sigmoid, fixed a, AdaGrad — cooperative, workgroup memory',
    exp: SIGMOID_ADAGRAD,
    smooth: false,
    kernel: 'empirical_step_coop',
    prefer: 'cooperative',
    subgroups: false,
  },
  {
    // P = 322: the reduction runs in several rounds of columns (3 with subgroups, 11 without).
    name: 'empirical n=64, fully connected d=160, F=2, GD — cooperative, subgroups, reduction in rounds',
    exp: WIDE_FC,
    smooth: false,
    kernel: 'empirical_step_coop_subgroup',
    prefer: 'cooperative',
  },
  {
    name: 'empirical n=64, fully connected d=160, F=2, GD — cooperative, workgroup memory',
    exp: WIDE_FC,
    smooth: false,
    kernel: 'empirical_step_coop',
    prefer: 'cooperative',
    subgroups: false,
  },
];

for (const c of STEP_CASES) {
  testWithDevice(`fused step after 100 steps equals the CPU reference — ${c.name}`, async (h) => {
    const engine = new GpuEngine(h, { subgroups: c.subgroups });
    const { exp } = c;
    const { P } = shapeOf(exp.model);
    const prep = prepare(exp);
    const expected = c.kernel === 'empirical_step_coop_subgroup' && !h.features.subgroups ? 'empirical_step_coop' : c.kernel;
    expect(stepKernelFor(exp, c.prefer, c.prefer === 'cooperative' ? engine.target : undefined)).toBe(expected);
    const { waves, last } = await runGpu(engine, exp, c.prefer, c.layout);
    expect(last.done).toBe(exp.restarts);
    const gpu = gpuParams(waves, P, exp.restarts);
    const cpu = new Float64Array(exp.restarts * P);
    const init = new Float64Array(exp.restarts * P);
    let moved = 0;
    for (let r = 0; r < exp.restarts; r++) {
      const res = runRestart(prep, r);
      expect(res.code).toBe(OUTCOME.undecided);
      expect(res.steps).toBe(exp.maxSteps);
      cpu.set(res.params, r * P);
      initParams(exp, r, init, r * P);
      let d = 0;
      for (let p = 0; p < P; p++) d = Math.max(d, Math.abs(gpu[r * P + p] - init[r * P + p]));
      if (d > 1e-4) moved++;
    }
    // The kernel really ran: (almost) every restart moved away from its initial point.
    expect(moved).toBeGreaterThanOrEqual(0.95 * exp.restarts);
    // Every restart was stopped by the budget on the GPU too.
    for (const w of waves) for (let r = 0; r < w.count; r++) expect(w.status[r]).toBe(OUTCOME.undecided);

    if (c.smooth) {
      expectAllclose(gpu, cpu, { rtol: 1e-3, atol: 1e-3, label: c.name });
    } else {
      let bad = 0;
      let worst = 0;
      for (let r = 0; r < exp.restarts; r++) {
        let ok = true;
        for (let p = 0; p < P; p++) {
          const e = Math.abs(gpu[r * P + p] - cpu[r * P + p]);
          worst = Math.max(worst, e);
          if (!(e <= 1e-3 + 1e-3 * Math.abs(cpu[r * P + p]))) ok = false;
        }
        if (!ok) bad++;
      }
      expect(bad, `${bad} restarts beyond tolerance, worst |Δ| = ${worst}`).toBeLessThanOrEqual(0.01 * exp.restarts);
    }
  });
}

testWithDevice('init kernel reproduces every initialiser of src/core/init.ts', async (h) => {
  const engine = new GpuEngine(h);
  const base = duCell({ k: 9, ratio: 4, restarts: 512 });
  const grid: Experiment = {
    model: { d: 5, m: 2, stride: 1, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false },
    teacher: { filters: 1, w: Float64Array.of(-1, 1), a: Float64Array.of(0.25, 0.25, 0.25, 0.25) },
    loss: { kind: 'population' },
    optimizer: { kind: 'gd', lr: 0.1 },
    init: { kind: 'grid', axes: [0, 1], range: [-2, 2, -1, 3], resolution: [16, 32], base: [0, 0, 0.25, 0.25, 0.25, 0.25] },
    restarts: 512,
    maxSteps: 0,
    seed: 1,
    outcome: DEFAULT_OUTCOME_RULE,
  };
  const cases: Experiment[] = [
    { ...base, maxSteps: 0 },
    { ...base, maxSteps: 0, init: { kind: 'gaussian', std: 0.7 } },
    { ...base, maxSteps: 0, init: { kind: 'du', signs: [-1, 1] } },
    { ...base, maxSteps: 0, init: { kind: 'du', signs: [1, -1] } },
    { ...base, maxSteps: 0, init: { kind: 'sphere', aStd: 0.3 } },
    grid,
  ];
  for (const exp of cases) {
    const { P } = shapeOf(exp.model);
    const { waves } = await runGpu(engine, exp);
    const gpu = gpuParams(waves, P, exp.restarts);
    const cpu = new Float64Array(exp.restarts * P);
    for (let r = 0; r < exp.restarts; r++) initParams(exp, r, cpu, r * P);
    // Normals agree to f32 rounding of log/cos (src/core/rng.ts); the rest is exact arithmetic.
    expectAllclose(gpu, cpu, { rtol: 1e-5, atol: 1e-5, label: `init ${exp.init.kind}` });
    let nonzero = 0;
    for (const x of gpu) if (x !== 0) nonzero++;
    expect(nonzero).toBeGreaterThan(exp.restarts);
  }
});

/** Outcome agreement on 4096 restarts, plus classify (angles) and reduce (counts, histograms). */
/**
 * A supplied, non-Gaussian dataset of n inputs for `model`: entries uniform on [−1, 1] (from a
 * fixed integer hash) with about a third of them zero, so that every ReLU sees exact zeros, unlike
 * any Gaussian sample; labels given (`labels`: the teacher's on these inputs, computed here, so
 * that the engine's 'given' path is what runs) or left to the teacher.
 */
function suppliedData(exp: Experiment, labels: 'given' | 'teacher'): Experiment {
  if (exp.loss.kind !== 'empirical') throw new Error('an empirical experiment');
  const { d } = shapeOf(exp.model);
  const n = exp.loss.samples;
  const X = Float64Array.from({ length: n * d }, (_, i) => {
    const h = Math.imul(i + 1, 2654435761) >>> 0;
    return h % 3 === 0 ? 0 : (h % 20001) / 10000 - 1;
  });
  const y = labels === 'given' ? teacherLabels(exp.model, exp.teacher, X, n) : undefined;
  return { ...exp, loss: { ...exp.loss, data: makeDataset({ name: `uniform-sparse n=${n}`, n, d, X, y }) } };
}

const STATIONARITY_RULE: Experiment = { ...duCell({ k: 6, ratio: 0, p: 3, restarts: 4096, lr: 0.3, maxSteps: 300, loss: { kind: 'empirical', samples: 48 } }), outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 1e-3 } };

const OUTCOME_CASES: { name: string; exp: Experiment; prefer?: 'general-per-thread' | 'cooperative'; layout?: Partial<StepLayout> }[] = [
  { name: 'population, Du p=6 k=16 ratio 4, span kernel', exp: duCell({ k: 16, ratio: 4, restarts: 4096, lr: 0.2, maxSteps: 4000 }) },
  { name: 'population, Du p=6 k=16 ratio 4, general kernel', exp: duCell({ k: 16, ratio: 4, restarts: 4096, lr: 0.2, maxSteps: 4000 }), prefer: 'general-per-thread' },
  {
    name: 'empirical n=48, Du p=3 k=6 ratio 0, stationarity rule',
    exp: STATIONARITY_RULE,
  },
  {
    name: 'empirical n=48, Du p=3 k=6 ratio 0, stationarity rule — cooperative kernel, 16 threads per restart',
    exp: STATIONARITY_RULE,
    prefer: 'cooperative',
    layout: { workgroup: 16 },
  },
  {
    name: 'supplied non-Gaussian dataset n=48 with given labels, Du p=3 k=6 ratio 0, stationarity rule',
    exp: suppliedData(STATIONARITY_RULE, 'given'),
  },
];

for (const c of OUTCOME_CASES) {
  testWithDevice(
    `outcome labels agree with the CPU reference on ≥ 99.9% of 4096 restarts — ${c.name}`,
    async (h) => {
      const engine = new GpuEngine(h);
      const { exp } = c;
      const prep = prepare(exp);
      const { waves, last } = await runGpu(engine, exp, c.prefer, c.layout);
      const status = new Uint32Array(exp.restarts);
      const angle = new Float32Array(exp.restarts);
      const gpuTally = emptyTally(exp.maxSteps);
      for (const w of waves) {
        status.set(w.status, w.first);
        angle.set(w.angle, w.first);
        for (let r = 0; r < w.count; r++) tallyRestart(gpuTally, w.status[r] as never, w.steps[r], w.loss[r] / prep.lossRef, w.angle[r]);
      }
      let same = 0;
      const kinds = new Set<number>();
      for (let r = 0; r < exp.restarts; r++) {
        const res = runRestart(prep, r);
        kinds.add(res.code);
        if (res.code === status[r]) same++;
        // classify: the GPU's angle is that of its own final filter (checked against the CPU's).
        if (res.code === status[r] && res.code !== OUTCOME.diverged) expect(Math.abs(angle[r] - res.angle)).toBeLessThan(2e-2);
      }
      expect(same / exp.restarts, `${exp.restarts - same} labels differ`).toBeGreaterThanOrEqual(0.999);
      // The experiment is informative: both basins are visited.
      expect(kinds.has(OUTCOME.global) && kinds.has(OUTCOME.spurious)).toBe(true);
      // reduce: the streamed counts and histograms are those of the per-restart records.
      expect(last.counts).toEqual(gpuTally.counts);
      expect(last.restartSteps).toBe(gpuTally.restartSteps);
      expect(last.histograms.steps.counts).toEqual(gpuTally.steps.counts);
      const l1 = (a: number[], b: number[]) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0);
      // log10 and the angle are computed in f32 on the GPU: allow a value or two on a bin edge.
      expect(l1(last.histograms.logLoss.counts, gpuTally.logLoss.counts)).toBeLessThanOrEqual(4);
      expect(l1(last.histograms.angle.counts, gpuTally.angle.counts)).toBeLessThanOrEqual(4);
    },
    300_000,
  );
}

testWithDevice(
  'waves: 10⁶ restarts of Du et al. p = 6, k = 100 run in waves of at most WAVE_CAP, one after another',
  async (h) => {
    const engine = new GpuEngine(h);
    // Two steps each: this checks the wave scheduling and the statistics, not convergence.
    const exp = { ...duCell({ k: 100, ratio: 4, restarts: 1_000_000, maxSteps: 2 }) };
    const wave = engine.stepPlan(exp).W;
    expect(wave).toBe(Math.min(WAVE_CAP, engine.maxWave(shapeOf(exp.model).P)));
    expect(wave).toBeLessThan(exp.restarts); // several waves
    const firsts: number[] = [];
    let last: Snapshot | undefined;
    for await (const s of engine.run(exp, { onWave: (w) => firsts.push(w.first) })) last = s;
    expect(firsts.length).toBe(Math.ceil(exp.restarts / wave));
    expect(last!.done).toBe(exp.restarts);
    expect(last!.counts.undecided + last!.counts.global + last!.counts.spurious + last!.counts.diverged).toBe(exp.restarts);
    expect(last!.counts.diverged).toBe(0);
    // Each restart counted once, in the chunk that decided it (the incremental reduce).
    expect(last!.histograms.steps.counts.reduce((a, b) => a + b, 0)).toBe(exp.restarts);
    expect(last!.restartSteps).toBeLessThanOrEqual(2 * exp.restarts);
  },
  300_000,
);

testWithDevice('cancellation: an aborted run stops promptly with an AbortError', async (h) => {
  const engine = new GpuEngine(h);
  const exp = duCell({ k: 25, ratio: 4, restarts: 20000, maxSteps: 20000 });
  const controller = new AbortController();
  const t0 = performance.now();
  let snapshots = 0;
  let error: unknown;
  try {
    for await (const s of engine.run(exp, { signal: controller.signal, snapshotEveryMs: 0 })) {
      snapshots++;
      if (snapshots === 2) controller.abort();
      expect(s.done).toBeLessThan(exp.restarts);
    }
  } catch (e) {
    error = e;
  }
  expect((error as Error)?.name).toBe('AbortError');
  expect(performance.now() - t0).toBeLessThan(60_000);
});
