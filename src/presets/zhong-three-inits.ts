/**
 * Zhong, Song, Jain, Bartlett & Dhillon (2017), §7, Fig. 1(c): three initialisations compared at
 * d = 10, k = 5, n = 10⁴ on one teacher and one sample —
 *   (I)   W and v from the tensor method (Algorithm 1), then GD on W with v fixed at v⁽⁰⁾;
 *   (II)  W and v random Gaussian, GD on both: v projected to its signs after every step (the
 *         authors' Matlab, model.output 'sign') and, beside it, v unconstrained ('learned');
 *   (III) v = v*, W random Gaussian, GD on W.
 * The paper shows one objective curve each: "(I) is the fastest and (II) doesn't converge even if
 * more iterations are allowed. Both (I) and (III) have linear convergence rate when the objective
 * value is small enough." We draw those curves (restart 0 of each, f̂_S of eq. 2 recomputed in f64
 * from the traced parameters) and measure what one curve cannot: over `restarts` starts per
 * approach, the fraction that recovers W* (outcome.recovery, 1% with signs matched) and the
 * distribution of the iterations until f̂_S ≤ hitLoss. The restarts of (I) differ in the seed of
 * Algorithm 1's random projections (the sample is the same), those of (II) and (III) in W₀ (and
 * v₀): restart r of (II) and (III) starts from the same W₀ ~ N(0, std²).
 *
 * The iterations to f̂_S ≤ hitLoss are a second pass of the same restarts under the rule "global
 * once the loss is ≤ hitLoss" (every restart is a function of the seed and its index, so the
 * trajectories are the same up to that step): the outcome rule decides a restart once, at the
 * recovery tolerance or at the loss threshold, not both.
 *
 * Then what the paper leaves open (/work/shared/specs/remaining-papers.md §B.4, ours): the basin
 * mass of random initialisation, P(recovery | v = v*, W₀ ~ N(0, I)), over d × n — approach (III)
 * with `massRestarts` restarts per cell, one teacher and sample per cell.
 *
 * Sigmoid and tanh (Thm 3.5's centred-odd activations): their nets are unchanged by the flips
 * (vᵢ, wᵢ) → (−vᵢ, −wᵢ), so (I)'s v⁽⁰⁾ is a convention and (I) and (II) can end at a flipped copy of
 * the teacher, which the engine's sign-matched rule counts as spurious; for them every approach's
 * end points are also recounted modulo the flips (src/presets/zhong.ts FlipRecovery).
 *
 * Unstated in the paper, the spec's defaults (§B.3): std 1 (the Matlab's randn), at most 10⁴
 * iterations, 1000 restarts per approach; the teacher of a (d, n) is zhongTeacher(d, k, κ,
 * cellSeed(seed, d, n), 0) and its sample the engine's under the same seed.
 */
import type { Experiment } from '../core/experiment.ts';
import { empiricalLossAndGradient } from '../core/empirical.ts';
import { ExperimentError } from '../core/experiment.ts';
import { linearFit } from '../core/fit.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../core/outcome.ts';
import { type Prepared, prepare } from '../core/prepare.ts';
import { empiricalM0, empiricalM1, empiricalM2, empiricalP2, empiricalR3, momentOrders } from '../core/moments.ts';
import { momentSpec, tensorInitFromMoments } from '../core/tensor-init.ts';
import { wilsonInterval } from '../core/stats.ts';
import { zhongTeacher } from '../core/zhong-teacher.ts';
import type { Teacher } from '../core/model.ts';
import type { TraceResult, WaveResult } from '../engine/engine.ts';
import { criticalPointsTable, polishNote } from '../results/critical-points.ts';
import type { BasinMap, CellResult, ExperimentResult, Figure, Series, Table } from '../results/types.ts';
import { type CellPlan, CellRunner, emptyResult, finished, listAxis } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt, quantile } from './quantiles.ts';
import type { Preset } from './types.ts';
import { FlipRecovery, INIT_OPTIONS, NET_OPTIONS, algorithmText, centredOdd, decompositionText, cellSeed, initRecord, matlabMagnitude, recoveryRule, zhongConfig, CELL_SEED_TEXT, zhongModel } from './zhong.ts';

const OPTIONS = defineOptions(
  {
    d: { kind: 'int', default: 10, min: 1, max: 1000, help: 'input dimension d of the comparison (the paper: 10)' },
    n: { kind: 'int', default: 10_000, min: 1, max: 1_000_000, help: 'sample size n of the comparison (the paper: 10⁴)' },
    ...NET_OPTIONS,
    restarts: { kind: 'int', default: 1000, min: 1, max: 1_000_000, help: 'restarts per approach (the paper: one curve each)' },
    lr: { kind: 'number', default: 0.02, min: 0, max: 10, open: true, help: 'GD step η (the paper: 0.02)' },
    maxSteps: { kind: 'int', default: 10_000, min: 1, max: 1 << 24, help: 'GD step budget per restart (the Matlab: 10⁴)' },
    std: { kind: 'number', default: 1, min: 0, max: 1e3, open: true, help: 'standard deviation of the random W₀ and v₀ of (II) and (III) (the Matlab: randn, 1)' },
    tolerance: { kind: 'number', default: 0.01, min: 0, max: 10, open: true, help: 'recovered when max_j ‖w_j* − w_π(j)‖/‖w_j*‖ ≤ this, signs matched (the paper: 0.01); sigmoid and tanh: also counted modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)' },
    hitLoss: { kind: 'number', default: 1e-3, min: 0, max: 1e6, open: true, help: 'the objective f̂_S whose first-passage iteration is measured per restart' },
    curveEvery: { kind: 'int', default: 10, min: 1, max: 1 << 20, help: 'iterations between the points of the objective curves' },
    massD: { kind: 'int-list', default: [10, 20], min: 1, max: 1000, help: 'input dimensions of the basin-mass map P(recovery | v = v*)' },
    massN: { kind: 'int-list', default: [2000, 5000, 10_000], min: 1, max: 1_000_000, help: 'sample sizes of the basin-mass map' },
    massRestarts: { kind: 'int', default: 1000, min: 0, max: 1_000_000, help: 'restarts per basin-mass cell (0: no map)' },
    ...INIT_OPTIONS,
  },
  [
    {
      option: 'k',
      holds: (v) => v.k <= v.d && (v.massRestarts === 0 || v.massD.every((d) => v.k <= d)),
      message: (v) => `k must be ≤ d and ≤ every massD (k = ${v.k}, d = ${v.d}, smallest massD = ${Math.min(...v.massD)}): the net has k ≤ d hidden units`,
    },
  ],
);

export type ZhongThreeInitsOptions = OptionValues<typeof OPTIONS>;

/** The approaches of Fig. 1(c), in the paper's order (II split into its two variants). */
export const APPROACHES = ['I', 'II-sign', 'II-free', 'III'] as const;
export type Approach = (typeof APPROACHES)[number];

export const APPROACH_NAMES: Record<Approach, string> = {
  I: '(I) tensor init, GD on W, v = v⁽⁰⁾',
  'II-sign': '(II) random W, v; GD on both, v sign-projected',
  'II-free': '(II) random W, v; GD on both, v unconstrained',
  III: '(III) v = v*, random W, GD on W',
};

/** The shared teacher of a (d, n): trial 0 of the cell's seed. */
export function threeInitsTeacher(o: ZhongThreeInitsOptions, d = o.d, n = o.n): Teacher {
  return zhongTeacher(d, o.k, o.kappa, cellSeed(o.seed, d, n), 0);
}

/**
 * One approach at (d, n) as an experiment: the recovery rule, `params` the rows of (I) (from
 * tensorRows). Every approach shares the teacher and the sample (the engine's, under cellSeed).
 */
export function approachExperiment(o: ZhongThreeInitsOptions, approach: Approach, teacher: Teacher, shape: { d: number; n: number; restarts: number }, params?: Float64Array): Experiment {
  const base = {
    teacher,
    loss: { kind: 'empirical' as const, samples: shape.n },
    optimizer: { kind: 'gd' as const, lr: o.lr },
    restarts: shape.restarts,
    maxSteps: o.maxSteps,
    seed: cellSeed(o.seed, shape.d, shape.n),
    outcome: recoveryRule(o.tolerance),
  };
  const gaussian = { kind: 'gaussian' as const, std: o.std };
  switch (approach) {
    case 'I':
      if (!params) throw new Error('approach (I) needs the tensor initialisations (tensorRows)');
      return { ...base, model: zhongModel(shape.d, o.k, o.activation, 'fixed'), init: { kind: 'supplied', params, keepOutput: true } };
    case 'II-sign':
      return { ...base, model: zhongModel(shape.d, o.k, o.activation, 'sign'), init: gaussian };
    case 'II-free':
      return { ...base, model: zhongModel(shape.d, o.k, o.activation, 'learned'), init: gaussian };
    case 'III':
      return { ...base, model: zhongModel(shape.d, o.k, o.activation, 'fixed'), fixedOutput: Float64Array.from(teacher.a), init: gaussian };
  }
}

/** The same restarts decided by the loss alone: global once f̂_S ≤ hitLoss (its first passage). */
export function hitExperiment(exp: Experiment, hitLoss: number, lossRef: number): Experiment {
  const lossTol = hitLoss / lossRef;
  if (!(lossTol < 1)) throw new ExperimentError('hitLoss', `must be below the zero predictor's loss L_ref = ${fmt(lossRef, 4)} (got ${hitLoss}): every start would pass it at step 0`);
  return { ...exp, outcome: { ...DEFAULT_OUTCOME_RULE, lossTol, gradTol: 1e-5 } };
}

/**
 * Algorithm 1 `restarts` times on the sample of `prep` (the moments once, the random projections
 * and α under seed + r): the rows [W⁽⁰⁾ | v⁽⁰⁾], each one's error to the teacher (modulo the flips
 * for sigmoid and tanh: zhong.ts InitRecord) and how many had a magnitude clamped.
 */
export function tensorRows(prep: Prepared, restarts: number, o: ZhongThreeInitsOptions): { params: Float64Array; errors: number[]; signedErrors: number[]; clamped: number } {
  const { d, F: k, P } = prep.shape;
  const { X, y } = prep.sample!;
  const n = y.length;
  const act = prep.exp.model.activation;
  const m0 = empiricalM0(y);
  const m1 = empiricalM1(X, y, n, d);
  // P̂₂ = M̂₂ is shared by every restart; M̂₃(I, I, α) (centred-odd φ) depends on each one's α.
  const m2 = momentOrders(act).j2 === 2 ? empiricalM2(X, y, n, d) : undefined;
  const params = new Float64Array(restarts * P);
  const errors: number[] = [];
  const signedErrors: number[] = [];
  let clamped = 0;
  for (let r = 0; r < restarts; r++) {
    const seed = (prep.exp.seed + r) >>> 0;
    const spec = momentSpec(act, d, seed);
    const p2 = m2 ?? empiricalP2(X, y, n, d, spec);
    const init = tensorInitFromMoments(act, { d, k, m0, m1, p2, r3: (V) => empiricalR3(X, y, n, d, V, k, spec) }, { seed, decomposition: o.decomposition, projections: o.projections, matlabMagnitude: matlabMagnitude(o) });
    params.set(init.W, r * P);
    params.set(init.v, r * P + k * d);
    const e = initRecord(act, prep.teacher, init.W, init.v, d, init.clamped);
    errors.push(e.error);
    signedErrors.push(e.signedError);
    if (e.clamped) clamped++;
  }
  return { params, errors, signedErrors, clamped };
}

/** f̂_S (eq. 2, ½·mean squared residual) at every traced step of restart 0, in f64, up to the step it was decided. */
export function objectiveCurve(prep: Prepared, trace: TraceResult, decidedAt: number | null): { t: number[]; loss: number[] } {
  const { P, aOffset, F, K } = prep.shape;
  const { X, y } = prep.sample!;
  const exp = prep.exp;
  // A fixed output layer is the experiment's (v*), except where each row keeps its own (I).
  const fixed = exp.model.output === 'fixed' && !(exp.init.kind === 'supplied' && exp.init.keepOutput) ? prep.fixedA : null;
  const t: number[] = [];
  const loss: number[] = [];
  const row = new Float64Array(P);
  for (let s = 0; s < trace.steps.length; s++) {
    if (decidedAt !== null && trace.steps[s] > decidedAt) break;
    for (let i = 0; i < P; i++) row[i] = trace.params[s * trace.restarts * P + i];
    if (fixed) row.set(fixed.subarray(0, F * K), aOffset);
    t.push(trace.steps[s]);
    loss.push(empiricalLossAndGradient(exp.model, row, X, y, null, y.length).loss);
  }
  return { t, loss };
}

/** The slope of log₁₀ f̂_S against t over the curve's points below `below`, and its R² (null: < 3 points). */
export function logLinearTail(curve: { t: number[]; loss: number[] }, below: number): { slope: number; r2: number; points: number } | null {
  const idx = curve.loss.map((l, i) => (l > 0 && l <= below ? i : -1)).filter((i) => i >= 0);
  if (idx.length < 3) return null;
  const fit = linearFit(idx.map((i) => curve.t[i]), idx.map((i) => Math.log10(curve.loss[i])));
  return { slope: fit.slope, r2: fit.r2, points: idx.length };
}

/** What one approach measured. */
interface ApproachRecord {
  approach: Approach;
  cell: CellResult;
  /** Iteration of first passage below hitLoss, per restart that got there. */
  hitSteps: number[];
  /** Iteration at which each recovered restart was decided. */
  recoverSteps: number[];
  curve: { t: number[]; loss: number[] };
  /** (I) only: the initialisations' errors (signs not matched / matched; modulo the flips for sigmoid and tanh) and how many had a magnitude clamped. */
  initErrors?: number[];
  initSignedErrors?: number[];
  initClamped?: number;
  /** Sigmoid and tanh: the restarts whose end point is the teacher modulo the flips (FlipRecovery). */
  recoveredModuloFlips?: number;
}

const stepsOf = (into: number[]) => (w: WaveResult) => {
  for (let i = 0; i < w.count; i++) if (w.status[i] === OUTCOME.global) into.push(w.steps[i]);
};

const quantiles = (xs: readonly number[]) => {
  const s = Float64Array.from(xs).sort();
  return [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(s, q));
};

/** The empirical distribution function of the first-passage iterations: the fraction of all restarts below hitLoss by t. */
export function passageSeries(name: string, steps: readonly number[], restarts: number): Series {
  const s = [...steps].sort((a, b) => a - b);
  return { name, x: s, y: s.map((_, i) => (i + 1) / restarts) };
}

function summarise(result: ExperimentResult, o: ZhongThreeInitsOptions, records: readonly ApproachRecord[], lossRef: number, mass: readonly CellResult[]): void {
  const ci = (c: CellResult) => `${c.pGlobal.toFixed(3)} [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}]`;
  const odd = centredOdd(o.activation);
  const flipCi = (r: ApproachRecord) => {
    const [lo, hi] = wilsonInterval(r.recoveredModuloFlips!, r.cell.restarts);
    return `${(r.recoveredModuloFlips! / r.cell.restarts).toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`;
  };
  const tails = records.map((r) => logLinearTail(r.curve, o.hitLoss));
  const tables: Table[] = [
    {
      id: 'approaches',
      title: `Per approach (d = ${o.d}, n = ${o.n}, ${o.restarts} restarts each): how many recover W* (to ${o.tolerance}, signs matched), where the others end, and the iterations until f̂_S ≤ ${o.hitLoss}`,
      columns: [
        'approach',
        'restarts',
        odd ? 'recovered (signs matched)' : 'recovered',
        'rate [95% CI]',
        ...(odd ? ['recovered modulo flips', 'rate modulo flips [95% CI]'] : []),
        'spurious',
        'diverged',
        'undecided',
        `reached f̂_S ≤ ${o.hitLoss}`,
        'iterations to it: min / q25 / median / q75 / max',
        'median iterations to recovery',
      ],
      rows: records.map((r) => [
        APPROACH_NAMES[r.approach],
        r.cell.restarts,
        r.cell.global,
        ci(r.cell),
        ...(odd ? [r.recoveredModuloFlips!, flipCi(r)] : []),
        r.cell.spurious,
        r.cell.diverged,
        r.cell.undecided,
        r.hitSteps.length,
        r.hitSteps.length > 0 ? quantiles(r.hitSteps).map((x) => fmt(x, 4)).join(' / ') : '—',
        r.recoverSteps.length > 0 ? fmt(quantiles(r.recoverSteps)[2], 4) : '—',
      ]),
    },
    {
      id: 'curves',
      title: `The curves of restart 0 (Fig. 1(c)): final f̂_S, the Matlab's objective (the residuals' sum of squares, 2n·f̂_S), and the log-linear rate below f̂_S = ${o.hitLoss}`,
      columns: ['approach', 'iterations drawn', 'final f̂_S', 'final 2n·f̂_S', `slope of log₁₀ f̂_S per iteration (below ${o.hitLoss})`, 'R²'],
      rows: records.map((r, i) => {
        const last = r.curve.loss[r.curve.loss.length - 1] ?? NaN;
        return [APPROACH_NAMES[r.approach], r.curve.t[r.curve.t.length - 1] ?? 0, fmt(last, 3), fmt(2 * o.n * last, 3), tails[i] ? fmt(tails[i]!.slope, 3) : '—', tails[i] ? fmt(tails[i]!.r2, 4) : '—'];
      }),
    },
  ];
  const init = records.find((r) => r.approach === 'I');
  if (init?.initErrors) {
    const q = quantiles(init.initErrors);
    tables.push({
      id: 'tensor-init',
      title: `(I)'s ${init.initErrors.length} tensor initialisations (one per projection seed, the same sample): min_π max_j ‖w_j* − w⁽⁰⁾_π(j)‖/‖w_j*‖${odd ? ' modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)' : ''}`,
      columns: ['min', 'q25', 'median', 'q75', 'max', odd ? 'with Σv⁽⁰⁾ ≠ Σv* (the wrong net)' : 'with no sign-matching π', ...(odd ? ['magnitude clamped'] : [])],
      rows: [[...q.map((x) => fmt(x, 3)), init.initSignedErrors!.filter((e) => !Number.isFinite(e)).length, ...(odd ? [init.initClamped!] : [])]],
    });
  }
  if (mass.length > 0) {
    tables.push({
      id: 'basin-mass',
      title: `Ours (§B.4): the basin mass of random initialisation, P(recovery | v = v*, W₀ ~ N(0, ${o.std}²)), per (d, n), ${o.massRestarts} restarts sharing one teacher and sample`,
      columns: ['d', 'n', 'n/d', 'restarts', 'recovered', 'P(recovery) [95% CI]', 'spurious', 'diverged', 'undecided'],
      rows: mass.map((c) => [c.key.d, c.key.n, fmt((c.key.n as number) / (c.key.d as number), 3), c.restarts, c.global, ci(c), c.spurious, c.diverged, c.undecided]),
    });
    const cellOf = (d: number, n: number) => mass.find((c) => c.key.d === d && c.key.n === n);
    const map: BasinMap = {
      id: 'basin-mass',
      title: `P(recovery | v = v*, W₀ ~ N(0, ${o.std}²)) over d × n (${o.massRestarts} restarts per cell); NaN = not run`,
      x: listAxis('n', o.massN, 0),
      y: listAxis('d', o.massD, 1),
      codes: new Array<number>(o.massD.length * o.massN.length).fill(-1),
      field: { label: 'P(recovery)', values: o.massD.flatMap((d) => o.massN.map((n) => cellOf(d, n)?.pGlobal ?? NaN)) },
    };
    result.maps = [map];
  }
  const critical = criticalPointsTable(records.map((r) => r.cell));
  if (critical) tables.push(critical);
  const figures: Figure[] = [
    {
      id: 'objective',
      title: `Fig. 1(c): the objective f̂_S against iterations, restart 0 of each approach (d = ${o.d}, n = ${o.n}; a curve ends where its restart was decided)`,
      x: 'iteration',
      y: 'f̂_S',
      logY: true,
      series: records.map((r) => ({ name: APPROACH_NAMES[r.approach], x: r.curve.t, y: r.curve.loss })),
    },
    {
      id: 'first-passage',
      title: `The iterations until f̂_S ≤ ${o.hitLoss}: the fraction of ${o.restarts} restarts there by each iteration, per approach`,
      x: 'iteration',
      y: 'fraction of restarts',
      series: records.filter((r) => r.hitSteps.length > 0).map((r) => passageSeries(APPROACH_NAMES[r.approach], r.hitSteps, r.cell.restarts)),
    },
  ];
  result.cells = [...records.map((r) => r.cell), ...mass];
  result.tables = tables;
  result.figures = figures;
  const rec = (a: Approach) => records.find((r) => r.approach === a);
  const median = (r: ApproachRecord | undefined) => (r && r.hitSteps.length > 0 ? quantiles(r.hitSteps)[2] : NaN);
  const reached = records.filter((r) => r.hitSteps.length > 0);
  const fastest = reached.length > 0 ? reached.reduce((a, b) => (median(a) <= median(b) ? a : b)) : undefined;
  const tailText = (a: Approach) => {
    const i = records.findIndex((r) => r.approach === a);
    const t = i >= 0 ? tails[i] : null;
    return t ? `${a}: log₁₀ f̂_S falls ${fmt(-t.slope, 3)} per iteration, R² = ${fmt(t.r2, 4)} over ${t.points} points` : `${a}: its curve has < 3 points below ${o.hitLoss}`;
  };
  const sign = rec('II-sign');
  const notes = [
    `The paper (Fig. 1(c), one curve each, no numbers): "(I) is the fastest and (II) doesn't converge even if more iterations are allowed. Both (I) and (III) have linear convergence rate when the objective value is small enough." Ours: fastest to f̂_S ≤ ${o.hitLoss} by the median over the restarts that got there: ${fastest ? `${fastest.approach} (${fmt(median(fastest), 4)} iterations; ${records.map((r) => `${r.approach} ${fmt(median(r), 4)}`).join(', ')})` : 'none got there'}; log-linear below ${o.hitLoss} on restart 0's curve — ${tailText('I')}; ${tailText('III')}; (II) sign-projected: ${sign ? `${sign.hitSteps.length} of ${sign.cell.restarts} restarts reached f̂_S ≤ ${o.hitLoss}, ${sign.cell.global} recovered W*` : 'not run'}.`,
    `Recovery (outcome.recovery: loss ≤ 1e-8·L_ref and every unit within ${o.tolerance} of the teacher's, signs matched; L_ref = ½·mean y² = ${fmt(lossRef, 4)} here): ${records.map((r) => `${r.approach} ${r.cell.global}/${r.cell.restarts}`).join(', ')}. A zero-loss point away from W* (the unconstrained v fits with |vᵢ| ≠ 1 by the scale symmetry vφ(z) = (v/|v|)φ(|v|^½z)) is stationary and counts as not recovered (spurious).`,
    `Settings: ${o.activation}, k = ${o.k}, κ = ${o.kappa}, d = ${o.d}, n = ${o.n} (one teacher zhongTeacher(d, k, κ, cellSeed, 0) and one sample, shared by every approach), GD η = ${o.lr}, at most ${o.maxSteps} iterations, W₀ (and v₀) ~ N(0, ${o.std}²), restart r of (II) and (III) from the same W₀; (I): Algorithm 1 (${algorithmText(o)}), ${decompositionText(o)}, one initialisation per restart under projection seed cellSeed + r. The iterations to f̂_S ≤ ${o.hitLoss} come from a second pass of the same restarts decided by the loss alone.`,
  ];
  if (odd) {
    notes.push(
      `${o.activation}: the net is unchanged by the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)${o.activation === 'sigmoid' ? ' of units whose v* sum to zero' : ''}, so (I)'s v⁽⁰⁾ is a convention and (I) and (II) may end at a flipped copy of the teacher, a global minimum the sign-matched rule counts as spurious. Recounted from the end points (loss ≤ 1e-8·L_ref, units within ${o.tolerance} of the teacher's compared as sign(vᵢ)·wᵢ): ${records.map((r) => `${r.approach} ${r.recoveredModuloFlips}/${r.cell.restarts}`).join(', ')}. (III) keeps v = v*, where no flip is possible, and the basin-mass map is (III)'s.`,
    );
  }
  if (mass.length > 0) {
    notes.push(`Ours (§B.4; the spec's single-cell numpy check: ≈ 0.85 at d = 10, n = 10⁴): P(recovery | v = v*) ${mass.map((c) => `d = ${c.key.d}, n = ${c.key.n}: ${ci(c)}`).join('; ')}.`);
  }
  const polished = polishNote(records.map((r) => r.cell));
  if (polished) notes.push(polished);
  result.notes = notes;
}

export const zhongThreeInits: Preset<ZhongThreeInitsOptions> = definePreset({
  name: 'zhong-three-inits',
  title: 'Zhong et al.: three initialisations compared (Fig. 1(c)), and the basin mass of random initialisation',
  source: 'Zhong, Song, Jain, Bartlett & Dhillon (2017), Sec. 7, Fig. 1(c); the basin mass: ours (remaining-papers.md §B.4)',
  options: OPTIONS,
  async *run(o, ctx) {
    const massCells = o.massRestarts === 0 ? [] : o.massD.flatMap((d) => o.massN.map((n) => ({ d, n })));
    const total = 2 * APPROACHES.length * o.restarts + massCells.length * o.massRestarts;
    const result = emptyResult(
      zhongThreeInits.name,
      zhongThreeInits.title,
      zhongConfig(o, {
        model: `fully connected, k = ${o.k} hidden units of ${o.activation} (m = d, K = 1); the output layer per approach: fixed at v⁽⁰⁾ (I), sign-projected or learned (II), fixed at v* (III)`,
        teacher: `src/core/zhong-teacher.ts zhongTeacher(d, k, κ, cellSeed(seed, d, n), 0); ${CELL_SEED_TEXT}`,
        sample: "the engine's Gaussian sample under cellSeed(seed, d, n), one per (d, n), shared by every approach",
      }),
      o.seed,
      ctx,
    );
    const runner = new CellRunner(ctx, result, total);
    // Every engine run goes into a scratch result; summarise builds the result's cells and tables.
    const scratch: ExperimentResult = { ...result, cells: [], tables: [], figures: [], notes: [] };
    const teacher = threeInitsTeacher(o);
    const shape = { d: o.d, n: o.n, restarts: o.restarts };
    const lossRef = prepare(approachExperiment(o, 'III', teacher, shape)).lossRef;
    const records: ApproachRecord[] = [];
    const mass: CellResult[] = [];
    for (const approach of APPROACHES) {
      let params: Float64Array | undefined;
      let init: ReturnType<typeof tensorRows> | undefined;
      if (approach === 'I') {
        yield { progress: { done: 2 * records.length * o.restarts, total, etaSeconds: null, cell: { approach }, label: `${APPROACH_NAMES.I}: ${o.restarts} tensor initialisations` }, result };
        // Any row will do for drawing the sample: the initialisations are computed on it.
        const placeholder = approachExperiment(o, 'I', teacher, { ...shape, restarts: 1 }, new Float64Array(o.k * o.d + o.k));
        init = tensorRows(prepare(placeholder), o.restarts, o);
        params = init.params;
      }
      const exp = approachExperiment(o, approach, teacher, shape, params);
      const prep = prepare(exp);
      const flips = centredOdd(o.activation) ? new FlipRecovery(exp, () => prep.outcome.globalLoss, o.tolerance) : undefined;
      const recoverSteps: number[] = [];
      let trace: TraceResult | undefined;
      let decidedAt: number | null = null;
      const plan: CellPlan = {
        key: { approach, d: o.d, n: o.n },
        label: `${APPROACH_NAMES[approach]}: to recovery`,
        exp,
        paper: null,
        trace: { every: o.curveEvery, restarts: 1, onTrace: (t) => (trace = t) },
        onWave: (w) => {
          stepsOf(recoverSteps)(w);
          flips?.onWave(w);
          if (w.first === 0 && w.count > 0 && w.status[0] !== OUTCOME.undecided) decidedAt = w.steps[0];
        },
      };
      const [cell] = yield* runner.run([plan], scratch);
      const hitSteps: number[] = [];
      const hit: CellPlan = { key: { approach, d: o.d, n: o.n, pass: 'first passage' }, label: `${APPROACH_NAMES[approach]}: to f̂_S ≤ ${o.hitLoss}`, exp: hitExperiment(exp, o.hitLoss, lossRef), paper: null, catalogue: false, onWave: stepsOf(hitSteps) };
      yield* runner.run([hit], scratch);
      const curve = trace ? objectiveCurve(prep, trace, decidedAt) : { t: [], loss: [] };
      records.push({ approach, cell, hitSteps, recoverSteps, curve, initErrors: init?.errors, initSignedErrors: init?.signedErrors, initClamped: init?.clamped, recoveredModuloFlips: flips?.recovered });
      summarise(result, o, records, lossRef, mass);
    }
    for (const { d, n } of massCells) {
      const exp = approachExperiment(o, 'III', threeInitsTeacher(o, d, n), { d, n, restarts: o.massRestarts });
      const [cell] = yield* runner.run([{ key: { approach: 'III', d, n }, label: `P(recovery | v = v*) at d=${d} n=${n}`, exp, paper: null }], scratch);
      mass.push(cell);
      summarise(result, o, records, lossRef, mass);
    }
    result.seconds = runner.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});
