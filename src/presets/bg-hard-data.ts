/**
 * Brutzkus & Globerson (ICML 2017), Sec. 6 and Fig. 3: AdaGrad on the empirical risk of the
 * no-overlap network (k = 2 patches of a 160-long input, filter 80, average pooling) on two
 * training sets of 800 points labelled by the same planted teacher w*:
 *
 * - hard: the set-splitting instance turned into data by the reduction of Sec. 4
 *   (src/core/set-splitting.ts: |S| = 40, 760 subsets of size 20, planted split 20/20), given to
 *   the engine as a supplied Dataset with its labels (1/2 and 0);
 * - gaussian: 800 inputs N(0, I₁₆₀), the engine's own fixed empirical sample (drawn from the run's
 *   seed on the counter RNG: the CPU draws it in f64, the GPU regenerates it in f32), labelled by
 *   f(x; w*).
 *
 * The paper shows one curve per dataset: "in the non-Gaussian case, AdaGrad gets trapped at a
 * sub-optimal point, whereas the Gaussian case is solved optimally". We run R restarts per
 * (arm, learning rate) and report what the paper could not: the fraction that solves each
 * dataset, the distribution of final losses, and whether the hard arm's end points decode to a
 * valid split (the converse proof's S_l = {i : w_{l,i} > 1/(2k)}).
 *
 * Loss normalisation: the paper's risk ℓ = (1/n)Σ(f − y)² (eq. 2) is twice the engine's
 * L = (1/2n)Σ(f − y)², so every loss is reported as ℓ = 2L, and relative to the arm's ℓ(0), the
 * risk of the zero filter (= 2·L_ref: the engine's reference loss is ½·mean(y²)).
 *
 * The outcome rules:
 * - gaussian: the engine's default (global when L ≤ 1e-4·L_ref and angle(w, w*) ≤ 0.1; for
 *   n = 800 ≫ 80 parameters the minimiser is w*);
 * - hard: zero-loss solutions are not unique (any valid split, and more), so the loss alone
 *   decides (angleTest: false). "Solved" means ℓ below the threshold that guarantees the
 *   decoder a valid split on this instance, 1/(4k⁴n) = 1/51200 (the proof's step
 *   (f − y)²·p(x) < ε with p(x) = 1/n; src/core/set-splitting.ts splitThresholds), or optionally
 *   Def. 2's 1/(4k⁵d) = 1/5120. The engine's lossTol is relative to L_ref, and L = ℓ/2 with
 *   L_ref = ℓ(0)/2, so lossTol = threshold_ℓ / ℓ(0) (1/640 for the instance threshold).
 * - both: stationary (‖∇L‖ ≤ gradTol·√L_ref, default 1e-5) above the loss threshold is spurious.
 *   On the hard data the stuck runs settle into a minimum where some elements' units are dead
 *   on both patches (w_{1,i}, w_{2,i} ≤ 0: f(x_i) = 0, pinned there since every subset through
 *   i only pushes them further down), with a gradient that keeps shrinking: measured on the CPU
 *   at lr = 1, ℓ changes by < 1% between epochs 1000 and 3000 while ‖∇L‖ falls to ~3e-6, so
 *   stopping there costs nothing in final loss and a lot of budget. gradTol = 0 runs every
 *   restart to the end of its budget instead.
 *
 * Choices the paper leaves open (the spec's defaults; every one is named in the notes too): the
 * planted split and the subsets (src/core/set-splitting.ts), the learning-rate "schedule"
 * (constant, swept over {1e-3, 1e-2, 1e-1, 1}, the best per arm by the median final ℓ over the
 * restarts), full batch (one step = one epoch), 10⁴ epochs, init N(0, 1) per entry (TF's
 * random_normal_initializer default), AdaGrad ε = 1e-8 with G₀ = 0 (the engine's rule; TF's
 * AdagradOptimizer starts its accumulator at 0.1 and has no ε), R = 1000 restarts.
 */
import type { Dataset } from '../core/dataset.ts';
import { describeDataset } from '../core/dataset.ts';
import type { Experiment } from '../core/experiment.ts';
import { angleBetween, forward, shapeOf } from '../core/model.ts';
import type { ModelSpec, Teacher } from '../core/model.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME, type OutcomeRule } from '../core/outcome.ts';
import { prepare } from '../core/prepare.ts';
import {
  BG_HARD_INSTANCE,
  type SetSplittingInstance,
  checkSplit,
  decodeSplit,
  plantedSetSplitting,
  reductionModel,
  setSplittingDataset,
  splitThresholds,
  zeroFilterRisk,
} from '../core/set-splitting.ts';
import { wilsonInterval } from '../core/stats.ts';
import { bgSplitTeacher } from '../core/teachers.ts';
import type { TraceResult, WaveResult } from '../engine/engine.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt, quantile, sortedCopy } from './quantiles.ts';
import type { Preset } from './types.ts';
import type { Figure, Table } from '../results/types.ts';

/** The paper's numbers for Fig. 3 (footnote 15), printed beside ours. */
export const PAPER_HARD_PLATEAU = 0.06;
export const PAPER_ZERO_LOSS = 'of order 0.1';

export const ARMS = ['hard', 'gaussian'] as const;
export type Arm = (typeof ARMS)[number];

/** The instance's size: n = |S| + |C| points (800), for the minibatch option's range. */
const N_POINTS = BG_HARD_INSTANCE.elements + BG_HARD_INSTANCE.subsets;

const HARD_DATA_OPTIONS = defineOptions({
  arms: { kind: 'choice', default: 'both', choices: ['both', 'hard', 'gaussian'], help: 'which training sets: the set-splitting data, the Gaussian inputs, or both' },
  lr: { kind: 'number-list', default: [1e-3, 1e-2, 1e-1, 1], min: 1e-6, max: 100, help: 'AdaGrad learning rates (constant), each run on each arm' },
  restarts: { kind: 'int', default: 1000, min: 1, max: 1_000_000, help: 'random initialisations per (arm, learning rate)' },
  maxSteps: { kind: 'int', default: 10_000, min: 1, max: 1 << 20, help: 'step budget per restart (epochs at full batch)' },
  initStd: { kind: 'number', default: 1, min: 1e-6, max: 100, help: 'standard deviation of the random normal initialiser (TF’s default 1.0; Keras RandomNormal: 0.05)' },
  batch: { kind: 'int', default: N_POINTS, min: 1, max: N_POINTS, help: `minibatch size (${N_POINTS} = full batch, one step = one epoch; smaller: drawn with replacement)` },
  eps: { kind: 'number', default: 1e-8, min: 1e-12, max: 1, help: 'AdaGrad ε in θ ← θ − lr·g/(√G + ε), G₀ = 0' },
  threshold: {
    kind: 'choice',
    default: 'instance',
    choices: ['instance', 'definition-2'],
    help: 'hard arm solved below ℓ = 1/(4k⁴n) = 1/51200 (guarantees a split on this instance) or Def. 2’s 1/(4k⁵d) = 1/5120',
  },
  gradTol: { kind: 'number', default: DEFAULT_OUTCOME_RULE.gradTol, min: 0, max: 1, help: 'stationary (spurious) when ‖∇L‖ ≤ gradTol·√L_ref above the loss threshold; 0: run every restart to the budget' },
  seed: { kind: 'int', default: 2017, min: 0, max: 0xffffffff, help: 'seed of the initialisations (the same initial points on both arms) and of the Gaussian sample' },
  instanceSeed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, help: 'seed of the planted split and the 760 subsets' },
  traced: { kind: 'int', default: 16, min: 1, max: 256, help: 'restarts whose training loss is drawn against epochs (Fig. 3)' },
  traceEvery: { kind: 'int', default: 20, min: 1, max: 1 << 20, help: 'record the traced restarts every this many steps' },
});

export type HardDataOptions = OptionValues<typeof HARD_DATA_OPTIONS>;

/** The paper's instance, its data and its teacher, from the instance seed. */
export interface HardProblem {
  instance: SetSplittingInstance;
  data: Dataset;
  model: ModelSpec;
  teacher: Teacher;
  /** ℓ(0) on the hard data, and Def. 2's and the instance's thresholds, in ℓ units. */
  zeroRisk: number;
  thresholds: { def2: number; instance: number };
}

export function hardProblem(instanceSeed: number): HardProblem {
  const instance = plantedSetSplitting({ ...BG_HARD_INSTANCE, seed: instanceSeed });
  const data = setSplittingDataset(instance);
  const { k, elements } = BG_HARD_INSTANCE;
  return {
    instance,
    data,
    model: reductionModel(k, elements),
    teacher: bgSplitTeacher(instance.split, elements),
    zeroRisk: zeroFilterRisk(k, elements, data.n),
    thresholds: splitThresholds(k, elements, data.n),
  };
}

/** The hard arm's loss threshold in ℓ units, and as the engine's lossTol (relative to L_ref = ℓ(0)/2, on L = ℓ/2). */
export function hardLossTol(p: HardProblem, which: HardDataOptions['threshold']): { ell: number; lossTol: number } {
  const ell = which === 'instance' ? p.thresholds.instance : p.thresholds.def2;
  return { ell, lossTol: ell / p.zeroRisk };
}

export function armExperiment(o: HardDataOptions, p: HardProblem, arm: Arm, lr: number): Experiment {
  const n = p.data.n;
  const batch = o.batch < n ? { batch: o.batch } : {};
  const outcome: OutcomeRule =
    arm === 'hard'
      ? { ...DEFAULT_OUTCOME_RULE, lossTol: hardLossTol(p, o.threshold).lossTol, angleTest: false, gradTol: o.gradTol }
      : { ...DEFAULT_OUTCOME_RULE, gradTol: o.gradTol };
  return {
    model: p.model,
    teacher: p.teacher,
    loss: arm === 'hard' ? { kind: 'empirical', samples: n, ...batch, data: p.data } : { kind: 'empirical', samples: n, ...batch },
    optimizer: { kind: 'adagrad', lr, eps: o.eps },
    init: { kind: 'gaussian', std: o.initStd },
    restarts: o.restarts,
    maxSteps: o.maxSteps,
    seed: o.seed,
    outcome,
  };
}

/** The inputs and labels an arm trains on, in f64 (the engine's own, from prepare). */
function armData(exp: Experiment): { X: Float64Array; y: Float64Array } {
  return prepare(exp).sample!;
}

/** ℓ = (1/n)Σ(f(x_s; w) − y_s)² at parameter row `row` (f64; twice the engine's L). */
export function riskAt(model: ModelSpec, row: ArrayLike<number>, X: Float64Array, y: Float64Array): number {
  const shape = { m: model.m, s: model.stride, K: (model.d - model.m) / model.stride + 1 };
  const a = new Float64Array(shape.K).fill(1 / shape.K);
  const n = y.length;
  let sum = 0;
  for (let s = 0; s < n; s++) {
    const r = forward(model.activation, shape, 1, row, a, X, s * model.d) - y[s];
    sum += r * r;
  }
  return sum / n;
}

/** Everything a cell hands back: per-restart end states, and the trace of its first restarts. */
interface CellEnds {
  arm: Arm;
  lr: number;
  exp: Experiment;
  status: Uint32Array;
  steps: Uint32Array;
  params: Float64Array;
  trace?: TraceResult;
}

/** Per-restart figures of a cell, computed on the host in f64 from the final parameters. */
interface CellSummary {
  ends: CellEnds;
  /** ℓ at each restart's end point. */
  risk: Float64Array;
  zeroRisk: number;
  solved: number;
  spurious: number;
  undecided: number;
  diverged: number;
  /** End points whose decoded split is valid; the median number of uncovered elements and of unsplit subsets. */
  valid: number;
  uncoveredMedian: number;
  unsplitMedian: number;
  /** Final angle to w* and ‖w − w*‖/‖w*‖ (medians). */
  angleMedian: number;
  distanceMedian: number;
  belowDef2: number;
  belowInstance: number;
  belowZero: number;
}

function summarise(ends: CellEnds, p: HardProblem): CellSummary {
  const { exp, status, params } = ends;
  const { X, y } = armData(exp);
  const P = params.length / exp.restarts;
  const m = exp.model.m;
  const { k, elements } = BG_HARD_INSTANCE;
  const risk = new Float64Array(exp.restarts);
  const uncovered: number[] = [];
  const unsplit: number[] = [];
  const angles: number[] = [];
  const distances: number[] = [];
  let valid = 0;
  const wStar = exp.teacher.w;
  const wStarNorm = Math.hypot(...wStar);
  for (let r = 0; r < exp.restarts; r++) {
    const row = params.subarray(r * P, (r + 1) * P);
    risk[r] = riskAt(exp.model, row, X, y);
    const check = checkSplit(decodeSplit(row, k, elements), elements, p.instance.subsets);
    if (check.valid) valid++;
    uncovered.push(check.uncovered);
    unsplit.push(check.unsplit);
    let dd = 0;
    for (let t = 0; t < m; t++) dd += (row[t] - wStar[t]) ** 2;
    angles.push(angleBetween(row, wStar, m));
    distances.push(Math.sqrt(dd) / wStarNorm);
  }
  const count = (code: number) => status.reduce((s, c) => s + (c === code ? 1 : 0), 0);
  const zeroRisk = 2 * prepare(exp).lossRef;
  const below = (t: number) => risk.reduce((s, x) => s + (x < t ? 1 : 0), 0);
  return {
    ends,
    risk,
    zeroRisk,
    solved: count(OUTCOME.global),
    spurious: count(OUTCOME.spurious),
    undecided: count(OUTCOME.undecided),
    diverged: count(OUTCOME.diverged),
    valid,
    uncoveredMedian: quantile(sortedCopy(uncovered), 0.5),
    unsplitMedian: quantile(sortedCopy(unsplit), 0.5),
    angleMedian: quantile(sortedCopy(angles), 0.5),
    distanceMedian: quantile(sortedCopy(distances), 0.5),
    belowDef2: below(p.thresholds.def2),
    belowInstance: below(p.thresholds.instance),
    belowZero: below(zeroRisk),
  };
}

/** The best learning rate of an arm: the lowest median final ℓ (the paper: "the best performing learning rate schedule"). */
function bestOf(cells: CellSummary[]): CellSummary | undefined {
  let best: CellSummary | undefined;
  let bestMedian = Infinity;
  for (const c of cells) {
    const med = quantile(sortedCopy(c.risk), 0.5);
    if (med < bestMedian) {
      best = c;
      bestMedian = med;
    }
  }
  return best;
}

/** ℓ along each traced restart, at the recorded steps (f64 from the traced parameters). */
export function traceRisks(exp: Experiment, trace: TraceResult): Float64Array[] {
  const { X, y } = armData(exp);
  const { P, restarts, steps } = trace;
  const row = new Float64Array(P);
  const out: Float64Array[] = [];
  for (let r = 0; r < restarts; r++) {
    const curve = new Float64Array(steps.length);
    for (let s = 0; s < steps.length; s++) {
      row.set(trace.params.subarray((s * restarts + r) * P, (s * restarts + r + 1) * P));
      curve[s] = riskAt(exp.model, row, X, y);
    }
    out.push(curve);
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const share = (count: number, n: number) => {
  const [lo, hi] = wilsonInterval(count, n);
  return `${fmt(count / n, 3)} [${fmt(lo, 3)}, ${fmt(hi, 3)}]`;
};
const QUANTILES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1] as const;

function summaryTable(cells: CellSummary[], best: Map<Arm, CellSummary>): Table {
  return {
    id: 'summary',
    title:
      'Where AdaGrad ends, per arm and learning rate (ℓ = 2L, the paper’s risk; ℓ(0): the zero filter’s; solved: hard ℓ below the threshold, Gaussian the default rule; intervals: Wilson 95%)',
    columns: ['arm', 'lr', 'restarts', 'solved [95% CI]', 'stationary above threshold', 'undecided (budget)', 'diverged', 'median ℓ', 'median ℓ/ℓ(0)', 'ℓ < ℓ(0)', 'decodes to a valid split [95% CI]', 'best lr'],
    rows: cells.map((c) => {
      const n = c.risk.length;
      const med = quantile(sortedCopy(c.risk), 0.5);
      return [c.ends.arm, c.ends.lr, n, share(c.solved, n), c.spurious, c.undecided, c.diverged, fmt(med, 4), fmt(med / c.zeroRisk, 4), pct(c.belowZero / n), share(c.valid, n), best.get(c.ends.arm) === c ? '◀ best' : ''];
    }),
  };
}

function quantileTable(cells: CellSummary[], relative: boolean): Table {
  return {
    id: relative ? 'final-loss-relative' : 'final-loss',
    title: relative
      ? 'Final training loss relative to the zero filter, ℓ/ℓ(0): quantiles over the restarts'
      : 'Final training loss ℓ = (1/n)Σ(f − y)² (f64 from the final parameters): quantiles over the restarts',
    columns: ['arm', 'lr', 'ℓ(0)', ...QUANTILES.map((q) => (q === 0 ? 'min' : q === 1 ? 'max' : `${100 * q}%`))],
    rows: cells.map((c) => {
      const sorted = sortedCopy(c.risk);
      return [c.ends.arm, c.ends.lr, fmt(c.zeroRisk, 4), ...QUANTILES.map((q) => fmt(quantile(sorted, q) / (relative ? c.zeroRisk : 1), 4))];
    }),
  };
}

function decodeTable(cells: CellSummary[], p: HardProblem): Table {
  return {
    id: 'decode',
    title: `The converse proof’s decoder S_l = {i : w_l,i > 1/(2k) = 1/4} on the end points (|S| = 40, |C| = 760): a valid split is a partition of S splitting every C_j`,
    columns: ['arm', 'lr', 'valid split', 'median elements in no S_l', 'median subsets inside one S_l', `ℓ < 1/(4k⁵d) = ${fmt(p.thresholds.def2, 4)} (Def. 2)`, `ℓ < 1/(4k⁴n) = ${fmt(p.thresholds.instance, 4)} (this instance)`, 'median angle(w, w*)', 'median ‖w − w*‖/‖w*‖'],
    rows: cells.map((c) => {
      const n = c.risk.length;
      return [c.ends.arm, c.ends.lr, pct(c.valid / n), fmt(c.uncoveredMedian), fmt(c.unsplitMedian), pct(c.belowDef2 / n), pct(c.belowInstance / n), fmt(c.angleMedian, 3), fmt(c.distanceMedian, 3)];
    }),
  };
}

function instanceTable(o: HardDataOptions, p: HardProblem, gaussianZero: number | undefined): Table {
  const wNorm2 = p.teacher.w.reduce((s, x) => s + x * x, 0);
  const tol = hardLossTol(p, o.threshold);
  const desc = describeDataset(p.data);
  return {
    id: 'instance',
    title: 'The construction (Sec. 4 and 6) and the numbers the paper states beside ours',
    columns: ['quantity', 'ours (computed)', 'paper'],
    rows: [
      ['|S|, |C|, |C_j|, k', `${p.instance.spec.elements}, ${p.instance.subsets.length}, ${p.instance.spec.subsetSize}, ${p.instance.spec.k}`, '40, 760, 20, 2'],
      ['training points n, input length k²|S|, filter k|S|', `${p.data.n}, ${p.model.d}, ${p.model.m}`, '800 (k²d and kd by Sec. 4)'],
      ['planted split |S₁|/|S₂|', p.instance.split.map((s) => s.length).join('/'), 'not stated'],
      ['S₁ (0-based)', p.instance.split[0].join(' '), 'not stated'],
      ['dataset SHA-256', desc.sha256.slice(0, 16) + '…', '—'],
      ['‖w*‖²', fmt(wNorm2, 6), '—'],
      ['ℓ(0) on the hard data (zero filter)', fmt(p.zeroRisk, 4), `${PAPER_ZERO_LOSS} (footnote 15)`],
      ['ℓ where the hard run stops (Fig. 3)', 'see the summary table', `${PAPER_HARD_PLATEAU} (footnote 15)`],
      ['ℓ(0) on the Gaussian sample (½·mean f*² × 2)', gaussianZero === undefined ? '—' : fmt(gaussianZero, 5), '—'],
      ['E f*² under N(0, I) = ¼‖w*‖²(1 + 1/π)', fmt(0.25 * wNorm2 * (1 + 1 / Math.PI), 5), '—'],
      ['Def. 2 / eq. 9 threshold 1/(4k⁵d), ℓ units', fmt(p.thresholds.def2, 4), '1/(4k⁵d)'],
      ['instance threshold 1/(4k⁴n), ℓ units', fmt(p.thresholds.instance, 4), '— (derived from the proof)'],
      [`hard arm's threshold (${o.threshold}) as the engine's lossTol on L/L_ref`, `${fmt(tol.ell, 4)} / ℓ(0) = ${fmt(tol.lossTol, 4)}`, '—'],
    ],
  };
}

/** Fig. 3's curves: ℓ against epochs for the traced restarts of a cell (log y). */
function curveFigure(id: string, title: string, c: CellSummary, curves: Float64Array[], epochsPerStep: number, relative: boolean): Figure {
  const x = c.ends.trace!.steps.map((t) => t * epochsPerStep);
  return {
    id,
    title,
    x: 'epoch',
    y: relative ? 'training loss ℓ/ℓ(0)' : 'training loss ℓ',
    logY: true,
    series: curves.map((curve, r) => ({ name: `#${r}`, x, y: Array.from(curve, (v) => (relative ? v / c.zeroRisk : v)) })),
  };
}

export const bgHardData: Preset<HardDataOptions> = definePreset({
  name: 'bg-hard-data',
  title: 'Brutzkus & Globerson Fig. 3: AdaGrad on the NP-hard set-splitting data against Gaussian inputs, same teacher',
  source: 'Brutzkus & Globerson (2017), Sec. 6, Fig. 3 (the reduction of Sec. 4, Thm 4.2)',
  options: HARD_DATA_OPTIONS,
  async *run(o, ctx) {
    const p = hardProblem(o.instanceSeed);
    const arms: Arm[] = o.arms === 'both' ? [...ARMS] : [o.arms as Arm];
    const epochsPerStep = Math.min(o.batch, p.data.n) / p.data.n;
    const ends: CellEnds[] = [];
    const plans: CellPlan[] = arms.flatMap((arm) =>
      o.lr.map((lr) => {
        const exp = armExperiment(o, p, arm, lr);
        const { P } = shapeOf(p.model);
        const cell: CellEnds = { arm, lr, exp, status: new Uint32Array(o.restarts), steps: new Uint32Array(o.restarts), params: new Float64Array(o.restarts * P) };
        ends.push(cell);
        return {
          key: { arm, lr },
          label: `${arm} lr=${lr}`,
          exp,
          paper: null,
          onWave: (w: WaveResult) => {
            cell.status.set(w.status, w.first);
            cell.steps.set(w.steps, w.first);
            cell.params.set(w.params, w.first * P);
          },
          trace: { every: o.traceEvery, restarts: o.traced, onTrace: (t: TraceResult) => (cell.trace = t) },
        };
      }),
    );
    // Validated up front, so that a bad combination fails before the first cell runs.
    for (const plan of plans) prepare(plan.exp);
    const hardTol = hardLossTol(p, o.threshold);
    const gaussianExp = plans.find((pl) => pl.key.arm === 'gaussian')?.exp;
    const gaussianZero = gaussianExp ? 2 * prepare(gaussianExp).lossRef : undefined;
    const result = emptyResult(
      bgHardData.name,
      bgHardData.title,
      {
        ...o,
        model: p.model,
        instance: { ...p.instance.spec, split: p.instance.split, subsets: 'src/core/set-splitting.ts plantedSetSplitting (distinct uniform 20-subsets, none inside S₁ or S₂)' },
        data: { hard: p.data, gaussian: `the engine's fixed empirical sample: ${p.data.n} inputs N(0, I_${p.model.d}) from seed ${o.seed}, labelled by w*` },
        teacher: 'src/core/teachers.ts bgSplitTeacher: w* = (a^{S₁}, a^{S₂}), a^{S_l}_i = 1 on S_l, −40 elsewhere; output 1/2 per patch',
        optimizer: { kind: 'adagrad', lr: o.lr, eps: o.eps, accumulatorStart: 0 },
        init: { kind: 'gaussian', std: o.initStd },
        outcome: {
          hard: { ...plans.find((pl) => pl.key.arm === 'hard')?.exp.outcome, thresholdEll: hardTol.ell },
          gaussian: gaussianExp?.outcome,
        },
      },
      o.seed,
      ctx,
    );
    yield* runCells(plans, ctx, result);

    const summaries = ends.map((e) => summarise(e, p));
    const best = new Map<Arm, CellSummary>();
    for (const arm of arms) {
      const b = bestOf(summaries.filter((s) => s.ends.arm === arm));
      if (b) best.set(arm, b);
    }
    result.tables.push(summaryTable(summaries, best), quantileTable(summaries, false), quantileTable(summaries, true), decodeTable(summaries, p), instanceTable(o, p, gaussianZero));

    // Fig. 3: the first restart of each arm's best learning rate, relative to ℓ(0) (one axis for
    // both datasets, whose ℓ(0) differ by ~10⁶), then each arm's traced restarts in ℓ.
    const curves = new Map<Arm, Float64Array[]>();
    for (const [arm, c] of best) if (c.ends.trace) curves.set(arm, traceRisks(c.ends.exp, c.ends.trace));
    if (curves.size > 0) {
      const series = [...curves].map(([arm, cs]) => {
        const c = best.get(arm)!;
        return { name: `${arm} (lr ${c.ends.lr})`, x: c.ends.trace!.steps.map((t) => t * epochsPerStep), y: Array.from(cs[0], (v) => v / c.zeroRisk) };
      });
      result.figures.push({ id: 'fig3', title: 'Fig. 3: training loss of AdaGrad (restart #0, best lr per arm), relative to the zero filter', x: 'epoch', y: 'training loss ℓ/ℓ(0)', logY: true, series });
      for (const [arm, cs] of curves) {
        const c = best.get(arm)!;
        result.figures.push(curveFigure(`fig3-${arm}`, `${arm === 'hard' ? 'Set-splitting (hard)' : 'Gaussian'} data: training loss ℓ of the first ${cs.length} restarts (lr ${c.ends.lr})`, c, cs, epochsPerStep, false));
      }
    }
    result.notes.push(...notes(o, p, summaries, best, hardTol, gaussianZero, curves, epochsPerStep));
    const total = plans.reduce((s, pl) => s + pl.exp.restarts, 0);
    yield { progress: finished(total), result };
    return result;
  },
});

function notes(
  o: HardDataOptions,
  p: HardProblem,
  cells: CellSummary[],
  best: Map<Arm, CellSummary>,
  hardTol: { ell: number; lossTol: number },
  gaussianZero: number | undefined,
  curves: Map<Arm, Float64Array[]>,
  epochsPerStep: number,
): string[] {
  const out: string[] = [];
  const hard = best.get('hard');
  const gauss = best.get('gaussian');
  const { elements, k } = p.instance.spec;
  const wNorm2 = p.teacher.w.reduce((s, x) => s + x * x, 0);
  // Where the traced hard runs pass the paper's printed plateau on their way down.
  const hardCurves = curves.get('hard');
  let passing = '';
  if (hard && hardCurves) {
    const steps = hard.ends.trace!.steps;
    const start = quantile(sortedCopy(hardCurves.map((c) => c[0])), 0.5);
    const passes = hardCurves.map((c) => c.findIndex((v) => v < PAPER_HARD_PLATEAU)).filter((s) => s >= 0).map((s) => steps[s] * epochsPerStep);
    passing = ` At init (std ${o.initStd}) the traced hard runs start at median ℓ = ${fmt(start, 3)}` + (passes.length > 0 ? ` and fall below ${PAPER_HARD_PLATEAU} by epoch ${fmt(quantile(sortedCopy(passes), 0.5))} (median over the ${passes.length} of ${hardCurves.length} traced runs that do; resolution ${o.traceEvery} steps).` : '.');
  }
  out.push(
    `Loss normalisation: the paper's risk ℓ = (1/n)Σ(f − y)² (eq. 2) is twice the engine's L; every loss here is ℓ, recomputed in f64 from the final (and traced) parameters, and ℓ(0) is the zero filter's risk (2·L_ref).`,
    `The paper's inconsistency, reported rather than tuned away: by the stated construction ℓ(0) = ${elements}·(1/${k})²/${p.data.n} = ${fmt(p.zeroRisk, 4)} on the hard data, not "${PAPER_ZERO_LOSS}" (footnote 15), and the printed plateau ${PAPER_HARD_PLATEAU} would be ${fmt(PAPER_HARD_PLATEAU / p.zeroRisk, 3)}× worse than w = 0.` +
      (hard ? ` Our hard-arm runs at the best lr (${hard.ends.lr}) end at median ℓ = ${fmt(quantile(sortedCopy(hard.risk), 0.5), 4)} (${fmt(quantile(sortedCopy(hard.risk), 0.5) / p.zeroRisk, 3)}·ℓ(0)).${passing}` : '') +
      ' The copy cannot tell whether the labels were scaled, the loss summed, or the counts differ.',
    `Hard arm "solved": ℓ < ${fmt(hardTol.ell, 4)} (${o.threshold === 'instance' ? '1/(4k⁴n), which guarantees the decoder a split on this instance' : 'Def. 2, 1/(4k⁵d)'}), as the engine's lossTol ${fmt(hardTol.ell, 4)}/ℓ(0) = ${fmt(hardTol.lossTol, 4)} relative to L_ref (L = ℓ/2 and L_ref = ℓ(0)/2), with the angle test off (angleTest: false): zero-loss points are not unique. Def. 2's 1/(4k⁵d) = ${fmt(p.thresholds.def2, 4)} rests on p(x) ≥ 1/(kd), i.e. |C| ≤ (k − 1)d = 40 (Def. 1); the paper's |C| = 760 puts its own instance outside Def. 1, so only 1/(4k⁴n) = ${fmt(p.thresholds.instance, 4)} guarantees a split here.`,
    `Gaussian arm: the engine's fixed sample of ${p.data.n} inputs N(0, I₁₆₀) drawn from seed ${o.seed} (not a supplied dataset), labelled by the same w*; ℓ(0) = ${gaussianZero === undefined ? '—' : fmt(gaussianZero, 5)} there against ¼‖w*‖²(1 + 1/π) = ${fmt(0.25 * wNorm2 * (1 + 1 / Math.PI), 5)} in expectation, so its labels are ~10⁶ times larger in mean square than the hard ones: compare the arms by ℓ/ℓ(0). Solved: the default rule (L ≤ 1e-4·L_ref and angle(w, w*) ≤ 0.1). Both arms start from the same ${o.restarts} initial points (init depends only on the seed and the restart).`,
    `Stationarity: a restart with ‖∇L‖ ≤ ${o.gradTol}·√L_ref above its arm's loss threshold is labelled stationary (spurious) and stops there${o.gradTol === 0 ? ' (off in this run: every restart runs its whole budget)' : ''}; stuck hard-arm runs sit in a minimum with dead elements (w₁,ᵢ, w₂,ᵢ ≤ 0) whose gradient keeps shrinking, so stopping there leaves their loss unchanged to < 1%.`,
    `Unstated choices (the spec's defaults): planted split ${p.instance.split.map((s) => s.length).join('/')} drawn from instance seed ${o.instanceSeed}, subsets distinct and uniform among the 20-subsets not inside S₁ or S₂; constant learning rate swept over {${o.lr.join(', ')}} ("the best performing learning rate schedule"; the engine has no schedules), the best per arm by the median final ℓ over the restarts; ${o.batch >= p.data.n ? 'full batch (one step = one epoch)' : `minibatches of ${o.batch} drawn with replacement (an epoch = ${p.data.n}/${o.batch} steps, not an exact pass)`}; ${o.maxSteps} steps; init N(0, ${o.initStd}²) per entry ("random normal initializer": TF's default std 1.0); AdaGrad θ ← θ − lr·g/(√G + ε), ε = ${o.eps}, G₀ = 0 (TF's AdagradOptimizer: G₀ = 0.1, no ε); ${o.restarts} restarts per (arm, lr) where the paper shows one curve per dataset; the decoder keeps an element in more than one S_l in the one with the largest w_l,i (the proof: "arbitrarily").`,
  );
  if (hard) {
    const n = hard.risk.length;
    out.push(
      `Hard arm at its best lr ${hard.ends.lr}: ${hard.solved} of ${n} restarts solve it (${share(hard.solved, n)}), ${hard.valid} end points decode to a valid split, a median ${fmt(hard.uncoveredMedian)} of the 40 elements lie in no S_l (w_l,i ≤ 1/4 on both patches), and ${pct(hard.belowZero / n)} end below ℓ(0). The paper: "AdaGrad gets trapped at a sub-optimal point".`,
    );
  }
  if (gauss) {
    const n = gauss.risk.length;
    out.push(
      `Gaussian arm at its best lr ${gauss.ends.lr}: ${gauss.solved} of ${n} restarts reach w* by the default rule (${share(gauss.solved, n)}); median angle(w, w*) = ${fmt(gauss.angleMedian, 3)}, median ‖w − w*‖/‖w*‖ = ${fmt(gauss.distanceMedian, 3)}. The paper: "the Gaussian case is solved optimally … AdaGrad converged to w*".`,
    );
  }
  const slow = cells.filter((c) => c.undecided === c.risk.length);
  if (slow.length > 0) out.push(`Every restart ran out of its ${o.maxSteps}-step budget undecided in: ${slow.map((c) => `${c.ends.arm} lr ${c.ends.lr}`).join(', ')}.`);
  return out;
}
