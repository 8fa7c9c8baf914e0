/**
 * Kawaguchi & Kaelbling's extra exponential neuron (model.extra) on the GPU against the CPU
 * reference (src/engine/cpu.ts, src/core/extra-neuron.ts), on the step kernel that has it
 * (empirical_step.wgsl with lib/extra_neuron.wgsl; host/kernels.ts stepKernelFor): three base
 * models, the full fixed sample, a minibatch of it and fresh-sample SGD, the neuron's default zero
 * start and a drawn one, with and without its own AdaGrad step (optimizer.extra); the outcome
 * labels of 4096 restarts; and the f32 overflow guard, the restarts whose exponent passes
 * EXTRA_Z_MAX labelled diverged on both engines, with no NaN in the statistics.
 *
 * Tolerances, f32 against f64: parameters after 100 steps within 1e-3 + 1e-3·|cpu| for ≥ 99% of
 * restarts, as in engine.gpu.test.ts (a ReLU unit flipping on one sample moves a restart by more);
 * outcome labels ≥ 99.9% identical, the acceptance.
 */
import { expect } from 'vitest';
import type { Experiment } from '../../src/core/experiment.ts';
import { EXTRA_Z_MAX, extraSlots } from '../../src/core/extra-neuron.ts';
import { initParams } from '../../src/core/init.ts';
import { type ModelSpec, type Teacher, shapeOf } from '../../src/core/model.ts';
import { DEFAULT_OUTCOME_RULE, NEVER_DECIDE, OUTCOME } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import type { Snapshot } from '../../src/core/stats.ts';
import { runCpu, runRestart } from '../../src/engine/cpu.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { stepKernelFor } from '../../host/kernels.ts';
import type { DeviceHandle } from '../../host/device.ts';
import { labelAgreement, testWithDevice } from './harness.ts';

/** The neuron with λ = 0.1, started at 0 (its default) or drawn. */
const AT_ZERO: ModelSpec['extra'] = { lambda: 0.1 };
const DRAWN: ModelSpec['extra'] = { lambda: 0.1, init: { aStd: 0.05, wStd: 0.1, b: -0.5 } };
const EXTRA_ADAGRAD = { kind: 'adagrad', lr: 0.05, eps: 1e-8 } as const;

function withExtra(exp: Experiment, extra: ModelSpec['extra'], extraRule?: Experiment['optimizer']['extra']): Experiment {
  return { ...exp, model: { ...exp.model, extra }, optimizer: { ...exp.optimizer, ...(extraRule ? { extra: extraRule } : {}) } };
}

/** Du et al.: one filter, no overlap (d = 24, m = 6, K = 4), weight norm, learned a. */
const DU: Experiment = { ...duCell({ k: 4, ratio: 1, p: 6, lr: 0.1, loss: { kind: 'empirical', samples: 128 } }), restarts: 32, maxSteps: 100, seed: 3, outcome: NEVER_DECIDE };
/** A base experiment of 32 restarts × 100 steps under a rule that never decides: Gaussian init, GD. */
function small(model: ModelSpec, teacher: Teacher, over: Partial<Experiment>): Experiment {
  const defaults = { optimizer: { kind: 'gd', lr: 0.1 }, init: { kind: 'gaussian', std: 1 }, restarts: 32, maxSteps: 100, outcome: NEVER_DECIDE } as const;
  return { model, teacher, loss: { kind: 'empirical', samples: 64 }, seed: 5, ...defaults, ...over };
}
/** Brutzkus & Globerson: overlap m = 2, stride 1 (d = 5, K = 4), fixed average pooling. */
const BG = small({ d: 5, m: 2, stride: 1, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false }, { filters: 1, w: Float64Array.of(-1, 1), a: new Float64Array(4).fill(0.25) }, {});
/** Fully connected (K = 1), two orthogonal ReLU filters in d = 4, learned output (Zhong et al.'s shape), fresh samples. */
const FC = small({ d: 4, m: 4, stride: 1, filters: 2, activation: 'relu', output: 'learned', weightNorm: false }, { filters: 2, w: Float64Array.of(0.8, 0.6, 0, 0, 0, 0, 0.6, -0.8), a: Float64Array.of(1, -1) }, {
  loss: { kind: 'sgd', batch: 16 },
  optimizer: { kind: 'gd', lr: 0.05 },
  init: { kind: 'gaussian', std: 0.5 },
  seed: 7,
});

/**
 * Cases sharing kernels where they can (compiled once per file: the kernels' constants are the
 * model's shape, loss mode and step rules; the neuron's λ, init and step sizes are Config words).
 */
const STEP_CASES: { name: string; exp: Experiment }[] = [
  { name: 'Du no overlap d=24 m=6, weight norm, learned a, minibatch 16 of n=128, drawn neuron, GD on every coordinate', exp: withExtra({ ...DU, loss: { kind: 'empirical', samples: 128, batch: 16 } }, DRAWN) },
  { name: 'BG overlap d=5 m=2 stride 1, fixed a, full sample n=64, neuron at 0, its own GD step', exp: withExtra(BG, AT_ZERO, { kind: 'gd', lr: 0.05 }) },
  { name: 'fully connected F=2 d=4, fresh-sample SGD batch 16, drawn neuron, its own AdaGrad', exp: withExtra(FC, DRAWN, EXTRA_ADAGRAD) },
];

/** One engine for the file, so that its pipeline cache compiles each kernel once. */
let shared: GpuEngine | undefined;
const engineOn = (h: DeviceHandle): GpuEngine => (shared?.handle === h ? shared : (shared = new GpuEngine(h)));

async function runGpu(engine: GpuEngine, exp: Experiment): Promise<{ waves: WaveResult[]; last: Snapshot }> {
  const waves: WaveResult[] = [];
  let last: Snapshot | undefined;
  for await (const s of engine.run(exp, { onWave: (w) => waves.push(w) })) last = s;
  expect(last!.done).toBe(exp.restarts);
  return { waves, last: last! };
}

/** Whether every number of a snapshot's statistics is finite (no NaN loss leaked into a histogram). */
function finiteStatistics(s: Snapshot): boolean {
  const numbers = [...Object.values(s.counts), ...Object.values(s.histograms).flatMap((h) => [...h.counts, h.lo, h.hi]), s.pGlobal, ...s.ci95];
  return numbers.every(Number.isFinite);
}

for (const c of STEP_CASES) {
  testWithDevice(`extra neuron: GPU = CPU after 100 steps — ${c.name}`, async (h) => {
    const { exp } = c;
    const shape = shapeOf(exp.model);
    const engine = engineOn(h);
    expect(stepKernelFor(exp, 'auto', engine.target)).toBe('empirical_step');
    const { waves } = await runGpu(engine, exp);
    const prep = prepare(exp);
    const start = new Float64Array(shape.P);
    let bad = 0;
    let worst = 0;
    let moved = 0;
    for (const w of waves) {
      for (let i = 0; i < w.count; i++) {
        const r = w.first + i;
        const cpu = runRestart(prep, r).params;
        let ok = true;
        for (let p = 0; p < shape.P; p++) {
          const e = Math.abs(w.params[i * shape.P + p] - cpu[p]);
          worst = Math.max(worst, e);
          if (!(e <= 1e-3 + 1e-3 * Math.abs(cpu[p]))) ok = false;
        }
        if (!ok) bad++;
        // The neuron was trained, not carried at its start (which the comparison alone would pass).
        initParams(exp, r, start);
        for (let p = shape.eOffset; p < shape.P; p++) if (Math.abs(cpu[p] - start[p]) > 1e-3) moved++;
      }
    }
    console.log(`[extra neuron] ${c.name}: max |GPU − CPU| = ${worst.toExponential(2)}, ${bad}/${exp.restarts} restarts beyond tolerance`);
    expect(moved, 'no extra-neuron parameter moved from its start').toBeGreaterThan(0);
    expect(bad, `${bad} restarts beyond tolerance, worst |Δ| = ${worst}`).toBeLessThanOrEqual(Math.floor(0.01 * exp.restarts));
  });
}

testWithDevice('extra neuron: the init draws the CPU\'s, the neuron after the base row (drawn and at 0)', async (h) => {
  const engine = engineOn(h);
  for (const extra of [DRAWN, AT_ZERO]) {
    const exp = { ...STEP_CASES[0]!.exp, model: { ...DU.model, extra }, maxSteps: 0 };
    const shape = shapeOf(exp.model);
    const { waves } = await runGpu(engine, exp);
    const cpu = new Float64Array(shape.P);
    for (const w of waves) {
      for (let i = 0; i < w.count; i++) {
        initParams(exp, w.first + i, cpu);
        for (let p = 0; p < shape.P; p++) expect(Math.abs(w.params[i * shape.P + p] - cpu[p]), `restart ${w.first + i} parameter ${p}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(cpu[p]));
        if (extra === AT_ZERO) expect(Array.from(w.params.subarray(i * shape.P + shape.eOffset, (i + 1) * shape.P))).toEqual(new Array(shape.E).fill(0));
      }
    }
  }
});

testWithDevice('extra neuron: outcome labels GPU = CPU on ≥ 99.9% of 4096 restarts', async (h) => {
  // BG overlap on a small fixed sample under a rule that decides, large steps, the neuron drawn
  // with its own smaller GD step, unstable where e^{2z} is large: within 40 steps restarts reach
  // the global minimum, diverge, or run on (measured on the CPU: 518 / 1374 / 2204).
  const exp: Experiment = {
    ...withExtra({ ...BG, loss: { kind: 'empirical', samples: 24 }, optimizer: { kind: 'gd', lr: 1 } }, { lambda: 0.1, init: { aStd: 0.3, wStd: 0.5, b: 1.5 } }, { kind: 'gd', lr: 0.05 }),
    restarts: 4096,
    maxSteps: 40,
    outcome: { ...DEFAULT_OUTCOME_RULE, lossTol: 1e-3, gradTol: 1e-3 },
  };
  const engine = engineOn(h);
  const { waves, last } = await runGpu(engine, exp);
  const { agree, counts } = labelAgreement(waves, prepare(exp));
  console.log(`[extra neuron] labels: ${agree}/${exp.restarts} agree; CPU counts ${counts}; GPU ${JSON.stringify(last.counts)}`);
  expect(agree, `labels agree on ${agree}/${exp.restarts}; CPU counts ${counts}`).toBeGreaterThanOrEqual(0.999 * exp.restarts);
  // Global, diverged and undecided each a real share, so the agreement is not that of one label.
  for (const code of [OUTCOME.global, OUTCOME.diverged, OUTCOME.undecided]) expect(counts[code], `CPU counts ${counts}`).toBeGreaterThan(0.05 * exp.restarts);
});

testWithDevice(`extra neuron: an exponent past EXTRA_Z_MAX = ${EXTRA_Z_MAX} labels the restart diverged on the GPU as on the CPU, no NaN in the statistics`, async (h) => {
  // Supplied rows, the neuron off (a_e = 0): the teacher's own row with b_e past the clamp — its
  // residuals are 0, so its f32 loss and gradient stay finite (0) and only the clamp's flag can
  // label it diverged, as the CPU's NaN loss does; a drawn row with b_e just below the clamp and
  // w_e reaching past it on some inputs; ordinary drawn rows.
  const base: Experiment = { ...STEP_CASES[1]!.exp, restarts: 16, maxSteps: 50, outcome: DEFAULT_OUTCOME_RULE };
  const shape = shapeOf(base.model);
  const { b, w } = extraSlots(shape);
  const rows = new Float64Array(base.restarts * shape.P);
  for (let r = 0; r < base.restarts; r++) {
    const row = rows.subarray(r * shape.P, (r + 1) * shape.P);
    initParams(base, r, row);
    if (r % 4 === 0) {
      row.set(BG.teacher.w);
      row[b] = EXTRA_Z_MAX + 1;
    }
    if (r % 4 === 1) {
      row[b] = EXTRA_Z_MAX - 2;
      row[w] = 1.5;
    }
  }
  const exp: Experiment = { ...base, init: { kind: 'supplied', params: rows } };
  const engine = engineOn(h);
  const { waves, last } = await runGpu(engine, exp);
  const prep = prepare(exp);
  let cpuLast: Snapshot | undefined;
  for await (const s of runCpu(exp)) cpuLast = s;
  for (const wave of waves) {
    for (let i = 0; i < wave.count; i++) {
      const r = wave.first + i;
      const cpu = runRestart(prep, r);
      expect(wave.status[i], `restart ${r}: GPU ${wave.status[i]}, CPU ${cpu.code}`).toBe(cpu.code);
      if (r % 4 === 0) expect([cpu.code, cpu.steps, wave.steps[i]]).toEqual([OUTCOME.diverged, 0, 0]);
      if (r % 4 === 1) expect(cpu.code).toBe(OUTCOME.diverged);
      if (r % 4 >= 2) expect(cpu.code).not.toBe(OUTCOME.diverged);
    }
  }
  expect(last.counts).toEqual(cpuLast!.counts);
  expect(finiteStatistics(last), JSON.stringify(last.histograms)).toBe(true);
  expect(finiteStatistics(cpuLast!)).toBe(true);
});
