/**
 * Paired runs with and without Kawaguchi & Kaelbling's extra neuron (remaining-papers.md §D.3),
 * shared by the presets that put it on a testbed (kk-bg, kk-du): the baseline experiment as it is,
 * and for each λ, step budget T and step rule of the neuron, the same restarts (same seed, same
 * base draws: the neuron's parameters come after the base row) with the neuron, run to T/2 and to
 * T without an outcome rule and classed from the two rows (src/core/augmented-outcome.ts). What
 * comes out: the classes with Wilson intervals, the paired table (each restart's baseline outcome
 * against its class), per-class medians, b_e(t) and ‖w_e‖(t) of traced restarts against ln t.
 */
import type { WaveResult } from '../engine/engine.ts';
import type { Experiment, OptimizerSpec } from '../core/experiment.ts';
import { type AugmentedClass, AUGMENTED_CLASSES, type AugmentedMeasure, type RunPoint, kkThresholds, measureAugmented } from '../core/augmented-outcome.ts';
import { shapeOf } from '../core/model.ts';
import { NEVER_DECIDE, OUTCOME, OUTCOME_NAMES, type OutcomeCode, type OutcomeRule } from '../core/outcome.ts';
import { prepare } from '../core/prepare.ts';
import { runRestart } from '../engine/cpu.ts';
import { pGlobalInterval, wilsonInterval } from '../core/stats.ts';
import type { CellPlan, CellRunner } from './cells.ts';
import { fmt, quantile } from './quantiles.ts';
import type { ExperimentUpdate } from './types.ts';
import type { CellResult, ExperimentResult, Figure, Table } from '../results/types.ts';

/** The step rule of the neuron: the base one, or AdaGrad on (a_e, b_e, w_e) alone. */
export type Arm = 'same' | 'adagrad';

/** The options every paired preset shares (spread into its defineOptions). */
export const PAIRED_OPTIONS = {
  lambda: { kind: 'number-list', default: [0.001, 0.01, 0.1, 1], min: 0, max: 1e6, help: 'λ of the regulariser λ‖a_e‖² (the paper leaves it open)' },
  extraStep: {
    kind: 'choice',
    default: 'both',
    choices: ['both', 'same', 'adagrad'],
    help: 'the step rule of the neuron: the base GD step (same), AdaGrad on (a_e, b_e, w_e) alone, or both arms',
  },
  extraLr: { kind: 'number', default: 0.05, min: 0, max: 10, open: true, help: 'AdaGrad step on the neuron (the adagrad arm)' },
  traced: { kind: 'int', default: 16, min: 0, max: 256, help: 'restarts (the first ones) whose b_e(t), ‖w_e‖(t) are traced' },
} as const;

export const armsOf = (extraStep: string): Arm[] => (extraStep === 'both' ? ['same', 'adagrad'] : [extraStep as Arm]);

export interface PairedSetting {
  /** The testbed setting this arm belongs to (e.g. "ratio=4"), its baseline's key. */
  setting: string;
  lambda: number;
  steps: number;
  arm: Arm;
}

export interface PairedArm extends PairedSetting {
  measures: AugmentedMeasure[];
  /** The stuck-bounded restarts re-run in f64 on the CPU (at most RECHECKED of them): restart and its f64 class. */
  rechecked: { restart: number; measure: AugmentedMeasure }[];
  /** The baseline's outcome per restart, same seed. */
  baseline: OutcomeCode[];
  trace?: { steps: number[]; b: number[][]; w: number[][] };
}

/** `exp` with the extra neuron at λ, the arm's step rule on it, no outcome rule, budget `steps`. */
export function augmented(exp: Experiment, s: { lambda: number; arm: Arm }, extraLr: number, steps: number): Experiment {
  const optimizer: OptimizerSpec = { ...exp.optimizer, ...(s.arm === 'adagrad' ? { extra: { kind: 'adagrad', lr: extraLr, eps: 1e-8 } } : {}) };
  const model = { ...exp.model, extra: { lambda: s.lambda } };
  // A grid init lists every parameter: the neuron's start at 0.
  const init = exp.init.kind === 'grid' ? { ...exp.init, base: [...exp.init.base, ...new Array(shapeOf(model).E).fill(0)] } : exp.init;
  return { ...exp, model, optimizer, init, maxSteps: steps, outcome: NEVER_DECIDE };
}

/** Every restart's row, loss and code at the end of a run. */
export function collector(R: number): { points: RunPoint[]; onWave: (w: WaveResult) => void } {
  const points: RunPoint[] = new Array(R);
  return {
    points,
    onWave: (w) => {
      const P = w.params.length / w.count;
      for (let i = 0; i < w.count; i++) points[w.first + i] = { params: w.params.slice(i * P, (i + 1) * P), loss: w.loss[i], code: w.status[i] as OutcomeCode };
    },
  };
}

export const armLabel = (a: PairedSetting) => `${a.setting ? `${a.setting}, ` : ''}λ = ${a.lambda}, T = ${a.steps}, neuron step ${a.arm === 'same' ? 'the base GD' : 'AdaGrad'}`;

/**
 * Runs one arm — `base` (the baseline experiment, its outcome rule the judge of θ_T) with the
 * neuron, to T/2 and to T — into `scratch` (its runs decide nothing), and classes every restart;
 * `stuckAt` says where the baseline's spurious region is (AugmentedThresholds.stuckAt).
 */
export async function* runArm(
  runner: CellRunner,
  scratch: ExperimentResult,
  base: Experiment,
  s: PairedSetting,
  o: { extraLr: number; traced: number },
  baseline: OutcomeCode[],
  stuckAt: (params: ArrayLike<number>) => boolean,
): AsyncGenerator<ExperimentUpdate, { arm: PairedArm; runs: CellResult[] }> {
  const R = base.restarts;
  const half = collector(R);
  const end = collector(R);
  const full = augmented(base, s, o.extraLr, s.steps);
  const key = { setting: s.setting, lambda: s.lambda, steps: s.steps, arm: s.arm };
  let trace: PairedArm['trace'];
  const sh = shapeOf(full.model);
  const plans: CellPlan[] = [
    { key: { ...key, at: 'T/2' }, label: `${armLabel(s)}: to T/2`, exp: augmented(base, s, o.extraLr, Math.floor(s.steps / 2)), paper: null, onWave: half.onWave, catalogue: false },
    {
      key: { ...key, at: 'T' },
      label: `${armLabel(s)}: to T`,
      exp: full,
      paper: null,
      onWave: end.onWave,
      catalogue: false,
      ...(o.traced > 0
        ? {
            trace: {
              every: Math.max(1, Math.floor(s.steps / 200)),
              restarts: Math.min(o.traced, R),
              onTrace: (t) => {
                const row = (slot: number, r: number) => t.params.subarray((slot * t.restarts + r) * t.P, (slot * t.restarts + r + 1) * t.P);
                const each = (f: (x: ArrayLike<number>) => number) => Array.from({ length: t.restarts }, (_, r) => t.steps.map((_, slot) => f(row(slot, r))));
                trace = { steps: t.steps, b: each((x) => x[sh.eOffset + 1]), w: each((x) => Math.hypot(...Array.from(x).slice(sh.eOffset + 2, sh.P))) };
              },
            },
          }
        : {}),
    },
  ];
  const runs = yield* runner.run(plans, scratch);
  const prep = prepare(full);
  const thresholds = kkThresholds(base.outcome as OutcomeRule, stuckAt);
  const measures = end.points.map((p, r) => measureAugmented(prep, half.points[r], p, thresholds));
  // A stuck-bounded restart would contradict Thm 1 (or be a slow saddle, or f32): each is run
  // again in f64 on the CPU reference, from the same seed, and its f64 class reported beside.
  const halfPrep = prepare(augmented(base, s, o.extraLr, Math.floor(s.steps / 2)));
  const rechecked = measures
    .map((m, restart) => ({ m, restart }))
    .filter(({ m }) => m.cls === 'stuck bounded')
    .slice(0, RECHECKED)
    .map(({ restart }) => ({ restart, measure: measureAugmented(prep, runRestart(halfPrep, restart), runRestart(prep, restart), thresholds) }));
  return { arm: { ...s, measures, baseline, trace, rechecked }, runs };
}

/** Most stuck-bounded restarts of an arm re-run in f64 (each is two CPU runs of its budget). */
export const RECHECKED = 16;

/** The f64 re-runs of the stuck-bounded restarts (null when there were none). */
export function recheckTable(arms: PairedArm[]): Table | null {
  const rows = arms.flatMap((a) => a.rechecked.map(({ restart, measure: m }) => [...head(a), restart, m.cls, fmt(m.baseLossOverRef, 3), fmt(m.norm, 3), fmt(m.normSlope, 3), fmt(m.gradOverRoot, 3)]));
  return rows.length === 0
    ? null
    : {
        id: 'stuck-bounded-f64',
        title: `Stuck with a bounded norm (against Thm 1): the first ${RECHECKED} such restarts of each arm re-run in f64 on the CPU reference, their f64 class`,
        columns: [...HEAD, 'restart', 'f64 class', 'L/L_ref', '‖·‖', 'd‖·‖/d ln t', '‖∇L̃‖/√L_ref'],
        rows,
      };
}

const head = (a: PairedSetting) => [a.setting, a.lambda, a.steps, a.arm];
const HEAD = ['setting', 'λ', 'T', 'neuron step'];

export const classCode = (c: AugmentedClass) => AUGMENTED_CLASSES.indexOf(c) + 1;

/**
 * An arm as a cell of the result: its classes counted as outcomes — escaped as global, the two
 * stuck classes as spurious, numerically diverged as diverged — so that the cells table and the
 * page's count cover every restart run; the class table keeps each class apart.
 */
export function augmentedCell(a: PairedArm, runs: CellResult[]): CellResult {
  const n = (...cs: AugmentedClass[]) => a.measures.filter((m) => cs.includes(m.cls)).length;
  const counts = { global: n('escaped'), spurious: n('norm diverging', 'stuck bounded'), diverged: n('numerically diverged'), undecided: n('undecided') };
  const sum = (f: (c: CellResult) => number) => runs.reduce((s, c) => s + f(c), 0);
  const key = { ...(a.setting ? { setting: a.setting } : {}), lambda: a.lambda, steps: a.steps, arm: a.arm };
  return { key, restarts: a.measures.length, ...counts, pGlobal: counts.global / a.measures.length, ci95: pGlobalInterval(counts), paper: null, seconds: sum((c) => c.seconds), restartSteps: sum((c) => c.restartSteps) };
}



export function classTable(arms: PairedArm[]): Table {
  return {
    id: 'classes',
    title: 'With the extra neuron: each restart classed from its rows at T/2 and T (src/core/augmented-outcome.ts): count (fraction [95% Wilson interval])',
    columns: [...HEAD, ...AUGMENTED_CLASSES],
    rows: arms.map((a) => {
      const R = a.measures.length;
      return [...head(a), ...AUGMENTED_CLASSES.map((c) => {
        const n = a.measures.filter((m) => m.cls === c).length;
        const [lo, hi] = wilsonInterval(n, R);
        return `${n} (${fmt(n / R, 3)} [${fmt(lo, 3)}, ${fmt(hi, 3)}])`;
      })];
    }),
  };
}

export function pairedTable(arms: PairedArm[]): Table {
  const rows: (string | number)[][] = [];
  for (const a of arms) {
    for (const code of [OUTCOME.global, OUTCOME.spurious, OUTCOME.diverged, OUTCOME.undecided]) {
      const idx = a.baseline.map((c, r) => (c === code ? r : -1)).filter((r) => r >= 0);
      if (idx.length === 0) continue;
      rows.push([...head(a), OUTCOME_NAMES[code], idx.length, ...AUGMENTED_CLASSES.map((c) => idx.filter((r) => a.measures[r].cls === c).length)]);
    }
  }
  return {
    id: 'paired',
    title: 'The paired table: each restart’s baseline outcome (same seed, same sample, no neuron) against its class with the neuron',
    columns: [...HEAD, 'baseline', 'restarts', ...AUGMENTED_CLASSES],
    rows,
  };
}

export function measureTable(arms: PairedArm[]): Table {
  const q = (xs: number[], p: number) => (xs.length ? fmt(quantile([...xs].sort((x, y) => x - y), p), 3) : '—');
  const rows: (string | number)[][] = [];
  for (const a of arms) {
    for (const c of AUGMENTED_CLASSES) {
      const ms = a.measures.filter((m) => m.cls === c && Number.isFinite(m.augLossOverRef));
      if (ms.length === 0) continue;
      rows.push([...head(a), c, ms.length, q(ms.map((m) => m.baseLossOverRef), 0.5), q(ms.map((m) => m.augLossOverRef), 0.5), q(ms.map((m) => m.norm), 0.5), q(ms.map((m) => m.norm), 1), q(ms.map((m) => m.normSlope), 0.5), q(ms.map((m) => m.gradOverRoot), 0.5)]);
    }
  }
  return {
    id: 'measures',
    title: 'Per class, medians at T: the original loss L(θ_T) and the augmented L̃_T (÷ L_ref), ‖(a_e, b_e, w_e)‖ (median, max), its growth per ln t over the second half, ‖∇L̃‖/√L_ref',
    columns: [...HEAD, 'class', 'restarts', 'L/L_ref', 'L̃/L_ref', '‖·‖ median', '‖·‖ max', 'd‖·‖/d ln t', '‖∇L̃‖/√L_ref'],
    rows,
  };
}

export function traceFigure(a: PairedArm): Figure | null {
  if (!a.trace || a.trace.steps.length < 2) return null;
  const at = a.trace.steps.map((t, i) => ({ t, i })).filter(({ t }) => t > 0);
  const x = at.map(({ t }) => Math.log(t));
  return {
    id: `trace-${a.setting ? `${a.setting}-` : ''}${a.lambda}-${a.steps}-${a.arm}`,
    title: `b_e(t) and ‖w_e‖(t) against ln t for the first ${a.trace.b.length} restarts (${armLabel(a)}); Thm 4's failure mode: b_e rising like log t`,
    x: 'ln t',
    y: 'b_e, ‖w_e‖',
    series: a.trace.b.flatMap((b, r) => [
      { name: `b_e #${r}`, x, y: at.map(({ i }) => b[i]) },
      { name: `‖w_e‖ #${r}`, x, y: at.map(({ i }) => a.trace!.w[r][i]) },
    ]),
  };
}

/** Per arm, the theorems' predictions beside what was measured. */
export function predictionNotes(arms: PairedArm[]): string[] {
  return arms.map((a) => {
    const stuck = a.baseline.map((c, r) => (c === OUTCOME.spurious ? r : -1)).filter((r) => r >= 0);
    const count = (c: AugmentedClass, rs: number[]) => rs.filter((r) => a.measures[r].cls === c).length;
    const all = a.measures.map((_, r) => r);
    return `${armLabel(a)}: of the ${stuck.length} restarts the baseline ends stuck (spurious), ${count('escaped', stuck)} escaped with the neuron and ${count('norm diverging', stuck)} stayed stuck with the norm diverging (${count('undecided', stuck)} undecided, ${count('numerically diverged', stuck)} numerically diverged, ${count('stuck bounded', stuck)} stuck bounded). The theorems predict that each such restart ends escaped or norm diverging (Thm 1, 4) and that none ends stuck bounded — measured over all: ${count('stuck bounded', all)} of ${all.length}; how many are rescued is not predicted.`;
  });
}

export const CELLS_NOTE =
  'In the cells table an arm with the neuron counts escaped as global, norm diverging and stuck bounded as spurious, numerically diverged as diverged (its P(global) is the fraction escaped); the class table keeps the classes apart.';
