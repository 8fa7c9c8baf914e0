/**
 * What the Zhong et al. (2017) presets share (zhong-recovery, zhong-init-error): the fully
 * connected one-hidden-layer net as the engine's model (K = 1: m = d, k filters), a cell of
 * independent problems — each its own teacher W* = UΣVᵀ with condition number κ and signs v*
 * (src/core/zhong-teacher.ts) and its own Gaussian sample, drawn by the engine under the
 * problem's key (experiment.problems) — the tensor-method initialisation of every problem
 * (src/core/tensor-init.ts, Algorithm 1) on that same sample, and the outcome rule "recovered to
 * a tolerance" (outcome.recovery). /work/shared/specs/remaining-papers.md §B.
 *
 * Thm 3.5's activations: the homogeneous ones (squared ReLU — the paper's §7 —, ReLU, leaky ReLU)
 * and the centred-odd sigmoid and tanh. For the latter a net is unchanged by flipping a unit,
 * (vᵢ, wᵢ) → (−vᵢ, −wᵢ) (tanh: any unit; sigmoid: units whose v sum to zero, the rest shifts the
 * output by a constant), so v* is not identifiable: Algorithm 1 returns the teacher's net modulo
 * the flips, and the engine's recovery rule, which matches signs (in the kernels), counts a
 * flipped copy of the teacher — a global minimum — as spurious. For these φ the presets recount
 * every end point modulo the flips (FlipRecovery) and report that rate beside the engine's.
 */
import { type Experiment, fixedOutputOf } from '../core/experiment.ts';
import { type Activation, type ModelSpec, type Teacher, activate } from '../core/model.ts';
import type { BasinMap } from '../results/types.ts';
import type { Constraint, OptionDecl } from './options.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME, type OutcomeRule } from '../core/outcome.ts';
import { prepare } from '../core/prepare.ts';
import { MAX_FIRST_MOMENT_NORM, activationFamily } from '../core/moments.ts';
import { problemOf, problemTeacher } from '../core/problems.ts';
import { flipInvariantError, recoveryError } from '../core/recovery.ts';
import { DECOMPOSITION_METHODS, type DecompositionMethod } from '../core/tensor-decomposition.ts';
import { tensorInitFromSample } from '../core/tensor-init.ts';
import { zhongTeacher } from '../core/zhong-teacher.ts';
import type { WaveResult } from '../engine/engine.ts';
import { listAxis } from './cells.ts';

/** Thm 3.5's activations, each with Algorithm 1 (src/core/tensor-init.ts says how for each family). */
export const TENSOR_ACTIVATIONS = ['squared-relu', 'relu', 'leaky-relu', 'sigmoid', 'tanh'] as const satisfies readonly Activation[];

/** Whether φ is centred-odd (sigmoid, tanh): v* only up to the flips, recovery recounted modulo them. */
export const centredOdd = (act: Activation): boolean => activationFamily(act) === 'centred-odd';

/** The options both presets declare for the net and its teacher (after d and n, in this order). */
export const NET_OPTIONS = {
  k: { kind: 'int', default: 5, min: 1, max: 8, help: 'hidden units k (≤ every d)' },
  kappa: { kind: 'number', default: 2, min: 1, max: 1e6, help: 'condition number κ of W* (singular values evenly spaced from 1 to κ)' },
  activation: {
    kind: 'choice',
    default: 'squared-relu',
    choices: TENSOR_ACTIVATIONS,
    help: "φ, of Thm 3.5 (the paper's §7: squared ReLU); for sigmoid and tanh v* is identifiable only up to the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ), so their recovery is also counted modulo them",
  },
} as const satisfies Record<string, OptionDecl>;

/** The options both presets declare for the initialisation and the seed (last, in this order). */
export const INIT_OPTIONS = {
  decomposition: {
    kind: 'choice',
    default: 'kcl',
    choices: DECOMPOSITION_METHODS,
    help: "R̂₃'s decomposition: Kuleshov et al.'s two-stage joint diagonalisation (QRJ1D), as the paper; or the earlier stand-in, best of L Jennrich pairs + CP-ALS",
  },
  projections: { kind: 'int', default: 100, min: 1, max: 10_000, help: "random projections of the tensor decomposition (the paper: L = 100; Jennrich: L pairs)" },
  magnitude: {
    kind: 'choice',
    default: 'derived',
    choices: ['derived', 'matlab'],
    help: 'squared ReLU: ‖wᵢ‖ = √(|zᵢ|/m₁) as derived, or the authors’ Matlab √|zᵢ|/m₁ (12% too large)',
    onlyWith: { activation: ['squared-relu'] },
  },
  seed: { kind: 'int', default: 2017, min: 0, max: 0xffffffff, help: 'seed of the teachers and samples (each cell its own: cellSeed)' },
} as const satisfies Record<string, OptionDecl>;

/** k ≤ every d: the net has at most d hidden units. */
export const K_WITHIN_D: Constraint<{ d: readonly number[]; k: number }> = {
  option: 'k',
  holds: (v) => v.d.every((d) => v.k <= d),
  message: (v) => `k must be ≤ every d (k = ${v.k}, smallest d = ${Math.min(...v.d)}): the net has k ≤ d hidden units`,
};

/** Step 4 of Algorithm 1 in words, for the presets' Settings lines. */
export function decompositionText(o: { decomposition: DecompositionMethod; projections: number }): string {
  return o.decomposition === 'kcl'
    ? `R̂₃ decomposed by Kuleshov et al.'s method as their no_tenfact (${o.projections} random projections jointly diagonalised by QRJ1D, then the plug-in stage), the code the paper used, ported`
    : `R̂₃ decomposed by the best of ${o.projections} Jennrich projection pairs refined by CP-ALS (the spec's documented stand-in for Kuleshov et al.'s method, which the paper used)`;
}

/** Steps 1, 3 and 5 of Algorithm 1 for φ in words (Def. 5.4's P̂₂, P̂₃; the magnitudes and signs), for the Settings lines. */
export function algorithmText(o: { activation: Activation; magnitude: 'derived' | 'matlab' }): string {
  switch (o.activation) {
    case 'squared-relu':
      return `P̂₂ = M̂₂, P̂₃ = M̂₃; magnitudes and signs from Claim 5.2, ${o.magnitude === 'matlab' ? 'with the authors’ Matlab constant ‖wᵢ‖ = √|zᵢ|/m₁' : '‖wᵢ‖ = √(|zᵢ|/m₁)'}`;
    case 'relu':
    case 'leaky-relu':
      return 'P̂₂ = M̂₂, P̂₃ = M̂₄(I, I, I, α) (M₃ = 0); magnitudes and signs from Claim 5.2, ‖wᵢ‖ = |zᵢ|/m₁';
    case 'sigmoid':
    case 'tanh':
    case 'erf':
      return `P̂₂ = M̂₃(I, I, α) (M₂ = 0), P̂₃ = M̂₃; ‖wᵢ‖ = m₁⁻¹(|zᵢ|) (clamped to ${MAX_FIRST_MOMENT_NORM} past what m₁ resolves), vᵢwᵢ from Claim 5.2 and v⁽⁰⁾ only up to the flips: ${activate(o.activation, 0) === 0 ? 'every vᵢ⁽⁰⁾ = +1 (no moment carries v*)' : 'Σv⁽⁰⁾ = M̂₀/φ(0) rounded (M₀ = φ(0)Σv*)'}`;
  }
}

/** Whether the Matlab magnitude constant applies (the option, for squared ReLU only). */
export const matlabMagnitude = (o: { activation: Activation; magnitude: 'derived' | 'matlab' }): boolean => o.magnitude === 'matlab' && o.activation === 'squared-relu';

/** The net of k hidden units on R^d, its output layer fixed (v = v⁽⁰⁾ or v*, per restart) or learned. */
export function zhongModel(d: number, k: number, activation: Activation, output: ModelSpec['output'] = 'fixed'): ModelSpec {
  return { d, m: d, stride: d, filters: k, activation, output, weightNorm: false };
}

/**
 * The seed of cell (d, n): every cell its own teachers and samples (mod 2³²), as the authors'
 * Matlab redraws W*, v* and X for every trial.
 */
export function cellSeed(seed: number, d: number, n: number): number {
  return (seed + 1_000_003 * d + n) >>> 0;
}

/**
 * Recovered when the hidden units are within `tolerance` (Zhong et al.: 1%) of the teacher's with
 * signs matched. The loss tolerance sits far below what 1% needs (the loss is quadratic in the
 * error), and the stationarity test at 1e-5·√L_ref: near the teacher that gradient means a loss
 * ~1e-10·L_ref, so a restart converging to it meets the loss tolerance first, and 1e-5 is above
 * f32's gradient floor (tests/recovery-fixture.ts found both limits).
 */
export function recoveryRule(tolerance: number): OutcomeRule {
  return { ...DEFAULT_OUTCOME_RULE, lossTol: 1e-8, gradTol: 1e-5, recovery: { tolerance } };
}

export interface ZhongCell {
  d: number;
  n: number;
  k: number;
  kappa: number;
  activation: Activation;
  /** Problems (trials) in the cell, one restart each. */
  trials: number;
  seed: number;
}

/** The cell's teachers of trials [first, first + count): zhongTeacher(d, k, κ, cellSeed, trial). */
export function cellTeachers(c: ZhongCell, first = 0, count = c.trials): Teacher[] {
  const s = cellSeed(c.seed, c.d, c.n);
  return Array.from({ length: count }, (_, p) => zhongTeacher(c.d, c.k, c.kappa, s, first + p));
}

/** The tensor initialisation of one problem, and how far it is from the teacher. */
export interface InitRecord {
  /**
   * Fig. 1(b)'s error: min over π of max_j ‖w_j* − w⁽⁰⁾_π(j)‖/‖w_j*‖ (signs not matched); for a
   * centred-odd φ the same modulo the flips (recovery.ts flipInvariantError), the only error
   * its moments determine.
   */
  error: number;
  /** The same over the π that match signs (Infinity when none does); centred-odd φ: the error modulo the flips where Σv⁽⁰⁾ = Σv* holds, else Infinity. */
  signedError: number;
  /**
   * Σv⁽⁰⁾ = Σv* (the paper marks cells where a trial fails this): where the moments determine Σv*
   * (homogeneous φ, sigmoid); true for tanh, whose net modulo the flips does not depend on v.
   */
  signSumMatches: boolean;
  /** Some unit's magnitude was clamped (centred-odd φ: |zᵢ| past what m₁ resolves; TensorInit.clamped). */
  clamped?: boolean;
}

/** Whether the moments fix Σv*: homogeneous φ (Thm 5.6: v⁽⁰⁾ = v*) and centred-odd φ with φ(0) ≠ 0 (M₀ = φ(0)Σv*). */
export const signSumDetermined = (act: Activation): boolean => !centredOdd(act) || activate(act, 0) !== 0;

/** One initialisation against its teacher: the record above. */
export function initRecord(act: Activation, teacher: Teacher, W: Float64Array, v: Float64Array, d: number, clamped: readonly number[]): InitRecord {
  const sum = (x: ArrayLike<number>) => Array.from(x).reduce((s, y) => s + y, 0);
  const signSumMatches = !signSumDetermined(act) || sum(v) === sum(teacher.a);
  if (centredOdd(act)) {
    const error = flipInvariantError(teacher.w, teacher.a, W, v, d).error;
    return { error, signedError: signSumMatches ? error : Infinity, signSumMatches, clamped: clamped.length > 0 };
  }
  const rec = recoveryError(teacher.w, teacher.a, W, v, d);
  return { error: rec.error, signedError: rec.signedError, signSumMatches };
}

/**
 * The end points of a run judged modulo the flips (centred-odd φ): restart r is recovered when its
 * loss is ≤ its problem's global threshold (outcome: lossTol·L_ref) and flipInvariantError ≤
 * tolerance against its problem's teacher — at that loss the units' v-sums over the flips are
 * zero (else the net is off by a constant), so the end point is the teacher's net. Fed the waves
 * of a run (CellPlan.onWave); `recovered` counts, and includes every restart the engine found
 * global (signs matched).
 */
export class FlipRecovery {
  recovered = 0;
  /** The experiment's own fixed output layer (v* of approach III), where the rows do not keep theirs. */
  private readonly fixed: Float64Array | undefined;
  constructor(
    private readonly exp: Experiment,
    private readonly globalLoss: (problem: number) => number,
    private readonly tolerance: number,
  ) {
    const keeps = exp.init.kind === 'supplied' && exp.init.keepOutput;
    this.fixed = exp.model.output === 'fixed' && !keeps ? fixedOutputOf(exp).subarray(0, exp.model.filters) : undefined;
  }

  readonly onWave = (w: WaveResult): void => {
    const { filters: k, d } = this.exp.model;
    const P = k * d + k;
    for (let i = 0; i < w.count; i++) {
      if (w.status[i] === OUTCOME.diverged) continue;
      const p = problemOf(this.exp, w.first + i);
      if (!(w.loss[i] <= this.globalLoss(p))) continue;
      const teacher = problemTeacher(this.exp, p);
      const row = w.params.subarray(i * P, (i + 1) * P);
      const W = Float64Array.from(row.subarray(0, k * d));
      const v = this.fixed ?? Float64Array.from(row.subarray(k * d, P));
      if (flipInvariantError(teacher.w, teacher.a, W, v, d).error <= this.tolerance) this.recovered++;
    }
  };
}

/**
 * Algorithm 1 on every problem of `exp` (whose problems carry the teachers; its init is not read),
 * on the sample the engine will train on (prepare(exp).problem(p).sample): the rows [W⁽⁰⁾ | v⁽⁰⁾]
 * of one restart per problem, each initialisation's record, and each problem's global loss
 * threshold (lossTol·L_ref of its sample, for FlipRecovery).
 */
export function tensorInitialisations(
  exp: Experiment,
  options: { projections: number; decomposition?: DecompositionMethod; matlabMagnitude?: boolean },
): { params: Float64Array; records: InitRecord[]; globalLoss: Float64Array } {
  const prep = prepare(exp);
  const { d, F: k, P } = prep.shape;
  const count = exp.problems?.count ?? 1;
  const n = exp.loss.kind === 'empirical' ? exp.loss.samples : 0;
  const params = new Float64Array(count * P);
  const records: InitRecord[] = [];
  const globalLoss = new Float64Array(count);
  for (let p = 0; p < count; p++) {
    const { teacher, sample, outcome } = prep.problem(p);
    globalLoss[p] = outcome.globalLoss;
    const init = tensorInitFromSample(exp.model.activation, sample!.X, sample!.y, n, d, k, {
      seed: (exp.seed + p) >>> 0,
      decomposition: options.decomposition,
      projections: options.projections,
      matlabMagnitude: options.matlabMagnitude,
    });
    params.set(init.W, p * P);
    params.set(init.v, p * P + k * d);
    records.push(initRecord(exp.model.activation, teacher, init.W, init.v, d, init.clamped));
  }
  return { params, records, globalLoss };
}

/**
 * A cell's experiment: its trials [first, first + count) (default: all) as problems of one restart
 * each, the teachers drawn, the engine's sample of n inputs per problem under `seed` (default
 * cellSeed), GD with step lr on W, v fixed at each restart's supplied row (init.keepOutput), the
 * recovery rule. `params` supplies the rows; without them the restarts start at zero (a
 * placeholder whose only use is to draw the samples for the initialisation).
 */
export function zhongExperiment(
  c: ZhongCell,
  o: { lr: number; maxSteps: number; tolerance: number },
  params?: Float64Array,
  trials: { first: number; count: number; seed?: number } = { first: 0, count: c.trials },
): Experiment {
  const teachers = cellTeachers(c, trials.first, trials.count);
  const P = c.k * c.d + c.k;
  return {
    model: zhongModel(c.d, c.k, c.activation),
    teacher: teachers[0],
    loss: { kind: 'empirical', samples: c.n },
    optimizer: { kind: 'gd', lr: o.lr },
    init: { kind: 'supplied', params: params ?? new Float64Array(trials.count * P), keepOutput: true },
    restarts: trials.count,
    problems: { count: trials.count, teachers },
    maxSteps: o.maxSteps,
    seed: trials.seed ?? cellSeed(c.seed, c.d, c.n),
    outcome: recoveryRule(o.tolerance),
  };
}

/**
 * The result config of a Zhong preset: its options, what its model, teacher and sample are (in
 * words), and the empirical GD loss and recovery rule every one of them runs.
 */
export function zhongConfig(o: Record<string, unknown> & { lr: number; tolerance: number }, what: { model: string; teacher: string; sample: string }): Record<string, unknown> {
  return { ...o, ...what, loss: { kind: 'empirical' }, optimizer: { kind: 'gd', lr: o.lr }, outcome: recoveryRule(o.tolerance) };
}

/** The cell seed as the configs state it. */
export const CELL_SEED_TEXT = 'cellSeed = (seed + 1000003·d + n) mod 2³²';

/** The tensor initialisations of one cell (d, n). */
export interface CellInit {
  d: number;
  n: number;
  records: InitRecord[];
}

/** Mean Fig. 1(b) error of a cell's initialisations (NaN for none). */
export const meanError = (records: readonly InitRecord[] | undefined): number =>
  records && records.length > 0 ? records.reduce((s, x) => s + x.error, 0) / records.length : NaN;

/** Fig. 1(b) as a map over n × d: the mean init error per cell, cells with a trial of Σv⁽⁰⁾ ≠ Σv* marked. */
export function initErrorMap(ds: readonly number[], ns: readonly number[], inits: readonly CellInit[], title: string): BasinMap {
  const x = listAxis('n', ns, 0);
  const y = listAxis('d', ds, 1);
  const at = (axis: BasinMap['x'], xs: readonly number[], v: number) => (axis.lo === xs[0] && axis.hi === xs[xs.length - 1] ? v : xs.indexOf(v));
  return {
    id: 'init-error',
    title,
    x,
    y,
    codes: new Array<number>(ds.length * ns.length).fill(-1),
    field: { label: 'mean init error', values: ds.flatMap((d) => ns.map((n) => meanError(inits.find((c) => c.d === d && c.n === n)?.records))) },
    points: inits.filter((c) => c.records.some((r) => !r.signSumMatches)).map((c) => ({ x: at(x, ns, c.n), y: at(y, ds, c.d), label: 'Σv⁽⁰⁾ ≠ Σv*' })),
  };
}
