/**
 * Zhong, Song, Jain, Bartlett & Dhillon (2017), §7, Fig. 1(a): the recovery rate of Algorithm 2
 * (the tensor-method initialisation, Algorithm 1, then gradient descent on W with v fixed at
 * v⁽⁰⁾) over the input dimension d and the sample size n, for k = 5 hidden units of squared ReLU,
 * a teacher W* = UΣVᵀ of condition number κ = 2, η = 0.02 and no resampling. Success: some
 * permutation π has max_j ‖w_j* − w_π(j)‖/‖w_j*‖ ≤ 0.01 and v_π(j) = v_j* (outcome.recovery).
 * Reading to reproduce: "the least number of samples required to have 100% recovery rate is
 * about proportional to the dimension" — fitted here as n₁₀₀% ≈ c·d.
 *
 * Every cell (d, n) is `trials` independent problems, each its own teacher, signs and sample
 * (src/presets/zhong.ts; the Matlab redraws all three per trial), one restart each, all problems
 * of a batch advancing together in one engine run (experiment.problems). A batch holds at most
 * SAMPLE_VALUES_PER_RUN sample values (the device buffer of n·d floats per problem), so the large
 * cells run as several batches, batch b's samples drawn under seed cellSeed + b·BATCH_SEED_STEP;
 * a cell's counts are its batches' sums. The initialisation runs on the host in f64
 * (src/core/tensor-init.ts, with Kuleshov et al.'s decomposition by default, the earlier Jennrich stand-in as an option) on the
 * very sample the engine trains on.
 *
 * Besides the paper's squared ReLU, Thm 3.5's other activations: ReLU, leaky ReLU, and sigmoid and
 * tanh, whose nets are unchanged by the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ) (src/presets/zhong.ts): for
 * those the rate is recounted from every end point modulo the flips (FlipRecovery), beside the
 * engine's sign-matched count.
 *
 * Unstated in the paper, the spec's defaults (/work/shared/specs/remaining-papers.md §B.3):
 * Algorithm 2 (not stated but implied), at most 10 000 GD steps (the Matlab's max_iter), no
 * partition of S for the moments, the teacher and sample redrawn per trial; the paper ran 10
 * trials per cell, we run 100 by default, with Wilson intervals.
 */
import type { Experiment } from '../core/experiment.ts';
import { linearFit } from '../core/fit.ts';
import { pGlobalInterval, wilsonInterval } from '../core/stats.ts';
import { type CellPlan, CellRunner, emptyResult, finished, listAxis } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { ExperimentUpdate, Preset } from './types.ts';
import type { BasinMap, CellResult, ExperimentResult, Figure, Table } from '../results/types.ts';
import { criticalPointsTable, polishNote } from '../results/critical-points.ts';
import { type CellInit, FlipRecovery, INIT_OPTIONS, algorithmText, centredOdd, decompositionText, type InitRecord, K_WITHIN_D, NET_OPTIONS, type ZhongCell, cellSeed, initErrorMap, matlabMagnitude, meanError, zhongConfig, CELL_SEED_TEXT, tensorInitialisations, zhongExperiment } from './zhong.ts';

/** Most sample values (n·d per problem) one engine run of a cell holds: 2²⁴ f32, 64 MiB. */
export const SAMPLE_VALUES_PER_RUN = 1 << 24;
/** Batch b of a cell draws its samples under seed cellSeed + b·BATCH_SEED_STEP (mod 2³²). */
export const BATCH_SEED_STEP = 0x9e3779b1;

const OPTIONS = defineOptions(
  {
    d: { kind: 'int-list', default: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], min: 1, max: 1000, help: 'input dimensions d (rows of the map)' },
    n: { kind: 'int-list', default: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000], min: 1, max: 1_000_000, help: 'sample sizes n (columns)' },
    ...NET_OPTIONS,
    trials: { kind: 'int', default: 100, min: 1, max: 100_000, help: 'problems per cell, each its own teacher, signs and sample (the paper: 10)' },
    lr: { kind: 'number', default: 0.02, min: 0, max: 10, open: true, help: 'GD step η on W (the paper: 0.02)' },
    maxSteps: { kind: 'int', default: 10_000, min: 0, max: 1 << 24, help: 'GD step budget per problem' },
    tolerance: { kind: 'number', default: 0.01, min: 0, max: 10, open: true, help: 'recovered when max_j ‖w_j* − w_π(j)‖/‖w_j*‖ ≤ this, signs matched (the paper: 0.01); sigmoid and tanh: also counted modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)' },
    catalogueProblems: {
      kind: 'int',
      default: 4,
      min: 0,
      max: 100_000,
      help: "problems per cell whose end points are catalogued (polished in f64 on their own loss, classified by the Hessian; each costs ~(kd)²·n, minutes at d = 100; 0: none)",
    },
    ...INIT_OPTIONS,
  },
  [K_WITHIN_D],
);

export type ZhongRecoveryOptions = OptionValues<typeof OPTIONS>;

/** The problems of batch b of a cell: [b·size, min(trials, (b + 1)·size)). */
export function batchesOf(trials: number, n: number, d: number): { first: number; count: number }[] {
  const size = Math.max(1, Math.min(trials, Math.floor(SAMPLE_VALUES_PER_RUN / (n * d))));
  return Array.from({ length: Math.ceil(trials / size) }, (_, b) => ({ first: b * size, count: Math.min(size, trials - b * size) }));
}

/** Batch `b` of a cell as an experiment: its problems' teachers, its own sample seed, the supplied rows. */
export function batchExperiment(o: ZhongRecoveryOptions, c: ZhongCell, batch: { first: number; count: number }, b: number, params?: Float64Array): Experiment {
  return zhongExperiment(c, { lr: o.lr, maxSteps: o.maxSteps, tolerance: o.tolerance }, params, { ...batch, seed: (cellSeed(c.seed, c.d, c.n) + b * BATCH_SEED_STEP) >>> 0 });
}

/**
 * One cell from its batches: counts and times added, the interval recomputed; the catalogue is the
 * first batch's (it holds the cell's first problems, the catalogued ones), over all the cell's.
 */
export function combineBatches(key: CellResult['key'], parts: readonly CellResult[]): CellResult {
  const sum = (f: (c: CellResult) => number) => parts.reduce((s, c) => s + f(c), 0);
  const counts = { global: sum((c) => c.global), spurious: sum((c) => c.spurious), diverged: sum((c) => c.diverged), undecided: sum((c) => c.undecided) };
  const restarts = sum((c) => c.restarts);
  const cat = parts[0]?.catalogue;
  const catalogue = cat && { ...cat, problems: cat.problems && { ...cat.problems, of: sum((c) => c.catalogue?.problems?.of ?? c.restarts) } };
  return { key, restarts, ...counts, pGlobal: counts.global / restarts, ci95: pGlobalInterval(counts), paper: null, seconds: sum((c) => c.seconds), restartSteps: sum((c) => c.restartSteps), ...(catalogue ? { catalogue } : {}) };
}

/** Per d: the smallest n of the grid from which every larger n recovered every trial (null: none). */
export function fullRecoveryBoundary(ds: readonly number[], ns: readonly number[], rate: (d: number, n: number) => number | undefined): (number | null)[] {
  const sorted = [...ns].sort((a, b) => a - b);
  return ds.map((d) => {
    let boundary: number | null = null;
    for (let i = sorted.length - 1; i >= 0; i--) {
      if (rate(d, sorted[i]) !== 1) break;
      boundary = sorted[i];
    }
    return boundary;
  });
}

/** n₁₀₀% ≈ c·d through the origin (least squares), and the line with an intercept beside it. */
export function sampleComplexityFit(points: { d: number; n: number }[]) {
  const c = points.reduce((s, p) => s + p.d * p.n, 0) / points.reduce((s, p) => s + p.d * p.d, 0);
  return { c, line: linearFit(points.map((p) => p.d), points.map((p) => p.n)), residuals: points.map((p) => p.n - c * p.d) };
}


/** A cell's trials whose end point is the teacher modulo the flips (centred-odd φ; FlipRecovery over its batches). */
export interface FlipRecount {
  d: number;
  n: number;
  recovered: number;
}

function summarise(result: ExperimentResult, o: ZhongRecoveryOptions, cells: readonly CellResult[], inits: readonly CellInit[], recounts: readonly FlipRecount[]): void {
  const cellOf = (d: number, n: number) => cells.find((c) => c.key.d === d && c.key.n === n);
  const odd = centredOdd(o.activation);
  const recountOf = (d: number, n: number) => recounts.find((c) => c.d === d && c.n === n);
  // The rate the map, the boundary and the fit read: the engine's, or modulo the flips where v* is not identifiable.
  const rate = (d: number, n: number): number | undefined => {
    const c = cellOf(d, n);
    if (!c) return undefined;
    return odd ? recountOf(d, n)!.recovered / c.restarts : c.pGlobal;
  };
  const map: BasinMap = {
    id: 'recovery-rate',
    title: `Fig. 1(a): recovery rate${odd ? ' modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)' : ''} of tensor init + GD over d × n (${o.trials} trials per cell; ${o.activation}, k = ${o.k}, κ = ${o.kappa}); NaN = not run`,
    x: listAxis('n', o.n, 0),
    y: listAxis('d', o.d, 1),
    codes: new Array<number>(o.d.length * o.n.length).fill(-1),
    field: { label: odd ? 'recovery rate modulo the flips' : 'recovery rate', values: o.d.flatMap((d) => o.n.map((n) => rate(d, n) ?? NaN)) },
  };
  const initOf = (d: number, n: number) => inits.find((x) => x.d === d && x.n === n);
  const meanInitError = (d: number, n: number) => meanError(initOf(d, n)?.records);
  const initMap = initErrorMap(o.d, o.n, inits, 'Fig. 1(b) on the same problems: mean tensor-initialisation error min_π max_j ‖w_j* − w⁽⁰⁾_π(j)‖/‖w_j*‖; marked: a trial with Σv⁽⁰⁾ ≠ Σv*');
  result.maps = [map, initMap];
  const boundary = fullRecoveryBoundary(o.d, o.n, rate);
  const points = o.d.flatMap((d, i) => (boundary[i] === null ? [] : [{ d, n: boundary[i]! }]));
  const tables: Table[] = [
    {
      id: 'cells',
      title: `Per cell: recovery rate with its 95% Wilson interval${odd ? ' (signs matched, the engine’s rule; and modulo the flips, recounted from the end points)' : ''}, the tensor initialisation’s error (mean, max${odd ? ', modulo the flips' : ''}) and how many trials had Σv⁽⁰⁾ ≠ Σv*${odd ? ' or a magnitude clamped' : ''}`,
      columns: [
        'd',
        'n',
        'n/d',
        'trials',
        odd ? 'recovered (signs matched)' : 'recovered',
        'rate [95% CI]',
        ...(odd ? ['recovered modulo flips', 'rate modulo flips [95% CI]'] : []),
        'undecided',
        'init error mean',
        'init error max',
        'Σv⁽⁰⁾ ≠ Σv*',
        ...(odd ? ['init magnitude clamped'] : []),
        'median steps (all trials)',
      ],
      rows: cells.map((c) => {
        const d = c.key.d as number;
        const n = c.key.n as number;
        const r = initOf(d, n)?.records ?? [];
        const interval = (k: number, ci: readonly number[]) => `${(k / c.restarts).toFixed(3)} [${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]`;
        const flips = odd ? recountOf(d, n)!.recovered : 0;
        return [
          d,
          n,
          fmt(n / d, 3),
          c.restarts,
          c.global,
          interval(c.global, c.ci95),
          ...(odd ? [flips, interval(flips, wilsonInterval(flips, c.restarts))] : []),
          c.undecided,
          fmt(meanInitError(d, n), 3),
          fmt(Math.max(...r.map((x) => x.error)), 3),
          r.filter((x) => !x.signSumMatches).length,
          ...(odd ? [r.filter((x) => x.clamped).length] : []),
          fmt(c.restartSteps / c.restarts, 4),
        ];
      }),
    },
  ];
  const fit = points.length >= 2 ? sampleComplexityFit(points) : null;
  if (fit) {
    tables.push({
      id: 'sample-complexity',
      title: `The sample complexity: per d, the smallest n of the grid from which every larger n recovered all ${o.trials} trials, against the fit n₁₀₀% ≈ c·d`,
      columns: ['d', 'n₁₀₀%', 'c·d', 'residual'],
      rows: points.map((p, i) => [p.d, p.n, fmt(fit.c * p.d, 4), fmt(fit.residuals[i], 4)]),
    });
  }
  const figures: Figure[] = points.length > 0 ? [
    {
      id: 'sample-complexity',
      title: 'n₁₀₀%(d): the least n (of the grid) with 100% recovery, and the fit c·d',
      x: 'd',
      y: 'n',
      series: [{ name: 'n₁₀₀%', x: points.map((p) => p.d), y: points.map((p) => p.n) }, ...(fit ? [{ name: `${fmt(fit.c, 4)}·d`, x: points.map((p) => p.d), y: points.map((p) => fit.c * p.d) }] : [])],
    },
  ] : [];
  const critical = criticalPointsTable([...cells]);
  if (critical) tables.push(critical);
  result.tables = tables;
  result.figures = figures;
  const never = o.d.filter((_, i) => boundary[i] === null && o.n.every((n) => cellOf(o.d[i], n)));
  result.notes = [
    `The paper (Fig. 1(a)): "the least number of samples required to have 100% recovery rate is about proportional to the dimension"; it prints no per-cell number (grey levels only, 10 trials per cell). Ours over ${cells.length} cells of ${o.trials} trials: ${fit ? `n₁₀₀% ≈ ${fmt(fit.c, 4)}·d through the origin (least squares over ${points.length} dimensions; with an intercept n ≈ ${fmt(fit.line.intercept, 4)} + ${fmt(fit.line.slope, 4)}·d, R² = ${fmt(fit.line.r2, 3)})` : points.length === 1 ? `only d = ${points[0].d} reached 100% (at n = ${points[0].n}): no fit` : 'no d reached 100% recovery on this grid: no fit'}${never.length > 0 ? `; never 100% on this n grid: d = ${never.join(', ')}` : ''}.`,
    `Settings: Algorithm 2 — Algorithm 1 (tensor initialisation: ${algorithmText(o)}; the top-${o.k} eigenspace of P̂₂ by |eigenvalue|, ${decompositionText(o)}), then GD on W with step ${o.lr} and v fixed at v⁽⁰⁾, no resampling, on the ½-mean squared loss of eq. 2; ${o.activation}, k = ${o.k}, κ = ${o.kappa} (Σ evenly spaced from 1 to κ), x ~ N(0, I_d); a new teacher, signs and sample per trial; at most ${o.maxSteps} steps.`,
    `Outcome: recovered (global) when the loss is ≤ 1e-8·L_ref and the units are within ${o.tolerance} relative error of the teacher's with signs matched; not recovered (spurious) when the gradient is stationary (‖∇L‖ ≤ 1e-5·√L_ref) elsewhere, including zero-loss points away from the teacher; undecided after the budget (counted either way in the interval).`,
    ...(odd
      ? [
          `${o.activation}: the net is unchanged by the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)${o.activation === 'sigmoid' ? ' of units whose v* sum to zero' : ''}, so the moments determine v* only up to those flips and v⁽⁰⁾ is one choice among them (src/core/tensor-init.ts); GD with v fixed at v⁽⁰⁾ from a good initialisation converges to that flipped copy of the teacher, a global minimum the sign-matched rule counts as spurious. The map, the boundary and the fit use the rate modulo the flips: an end point with loss ≤ 1e-8·L_ref whose units are within ${o.tolerance} of the teacher's compared as sign(vᵢ)·wᵢ. ${recounts.reduce((s, c) => s + c.recovered, 0)} of ${cells.reduce((s, c) => s + c.restarts, 0)} trials recovered so, ${cells.reduce((s, c) => s + c.global, 0)} with signs matched. Init magnitude clamped: some |zᵢ| past what m₁ resolves (‖wᵢ⁽⁰⁾‖ set to the cap, counted per cell).`,
        ]
      : []),
    ...(critical ? [`Critical points: per cell, the end points of its first ${o.catalogueProblems} problems, each problem catalogued on its own loss (its teacher, its sample) with v held at its v⁽⁰⁾ — a point's mass is over its problem's restarts (one each here).`] : []),
    ...[polishNote([...cells])].filter((x): x is string => x !== null),
  ];
}


export const zhongRecovery: Preset<ZhongRecoveryOptions> = definePreset({
  name: 'zhong-recovery',
  title: 'Zhong et al.: recovery rate of tensor initialisation + GD over d × n (Fig. 1(a))',
  source: 'Zhong, Song, Jain, Bartlett & Dhillon (2017), Sec. 7, Fig. 1(a)',
  options: OPTIONS,
  async *run(o, ctx) {
    const total = o.d.length * o.n.length * o.trials;
    const result = emptyResult(
      zhongRecovery.name,
      zhongRecovery.title,
      zhongConfig(o, {
        model: `fully connected, k = ${o.k} hidden units of ${o.activation}, output layer fixed at v⁽⁰⁾ (m = d, K = 1)`,
        teacher: `src/core/zhong-teacher.ts zhongTeacher(d, k, κ, cellSeed(seed, d, n), trial); ${CELL_SEED_TEXT}`,
        sample: `the engine's per-problem Gaussian sample (experiment.problems), batch b of a cell under seed cellSeed + b·${BATCH_SEED_STEP} (at most ${SAMPLE_VALUES_PER_RUN} sample values per batch)`,
      }),
      o.seed,
      ctx,
    );
    const runner = new CellRunner(ctx, result, total);
    const cells: CellResult[] = [];
    const inits: CellInit[] = [];
    const recounts: FlipRecount[] = [];
    // Batches run into a scratch result; the cell (their sum) goes into the result.
    const scratch: ExperimentResult = { ...result, cells: [], tables: [], figures: [], notes: [] };
    for (const d of o.d) {
      for (const n of o.n) {
        const cell: ZhongCell = { d, n, k: o.k, kappa: o.kappa, activation: o.activation, trials: o.trials, seed: o.seed };
        const parts: CellResult[] = [];
        const records: InitRecord[] = [];
        const recount: FlipRecount = { d, n, recovered: 0 };
        for (const [b, batch] of batchesOf(o.trials, n, d).entries()) {
          const label = `d=${d} n=${n}${batch.count < o.trials ? ` (trials ${batch.first + 1}–${batch.first + batch.count})` : ''}`;
          const key = { d, n, batch: b };
          yield { progress: { done: [...cells, ...parts].reduce((s, c) => s + c.restarts, 0), total, etaSeconds: null, cell: key, label: `${label}: tensor initialisation` }, result };
          const init = tensorInitialisations(batchExperiment(o, cell, batch, b), { projections: o.projections, decomposition: o.decomposition, matlabMagnitude: matlabMagnitude(o) });
          records.push(...init.records);
          // Only the first batch holds catalogued problems (the cell's first ones).
          const catalogue = b === 0 && o.catalogueProblems > 0 ? { problems: o.catalogueProblems } : false;
          const exp = batchExperiment(o, cell, batch, b, init.params);
          const flips = centredOdd(o.activation) ? new FlipRecovery(exp, (p) => init.globalLoss[p], o.tolerance) : undefined;
          const plan: CellPlan = { key, label, exp, paper: null, catalogue, ...(flips ? { onWave: flips.onWave } : {}) };
          parts.push(...(yield* runner.run([plan], scratch)));
          recount.recovered += flips?.recovered ?? 0;
        }
        cells.push(combineBatches({ d, n }, parts));
        inits.push({ d, n, records });
        recounts.push(recount);
        result.cells = [...cells];
        summarise(result, o, cells, inits, recounts);
      }
    }
    result.seconds = runner.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});

