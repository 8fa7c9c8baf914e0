/**
 * Zhong, Song, Jain, Bartlett & Dhillon (2017), §7, Fig. 1(b): the error of the tensor-method
 * initialisation (Algorithm 1) alone, min_π max_j ‖w_j* − w⁽⁰⁾_π(j)‖/‖w_j*‖ averaged over trials,
 * over d × n; cells where some trial has Σv⁽⁰⁾ ≠ Σv* are marked ("pure dark blocks" in the paper).
 * Readings to reproduce: at fixed d the error falls as n grows, and the n needed for a given error
 * grows about in proportion to d.
 *
 * The paper does not state this grid; the default is the authors' Matlab (initial_error.m): d ∈
 * {10, …, 50} × n ∈ {10⁴, …, 10⁵}, 10 trials per cell, each trial a new teacher, signs and
 * sample (/work/shared/specs/remaining-papers.md §B.3). No gradient descent runs: each trial's
 * sample is the one the engine would train on in the cell's experiment (src/presets/zhong.ts
 * zhongExperiment), the initialisation runs on the host in f64. For sigmoid and tanh, whose v* the
 * moments determine only up to the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ) (src/presets/zhong.ts), the error
 * is taken modulo the flips (InitRecord).
 */
import { linearFit } from '../core/fit.ts';
import { emptyResult, finished } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { Preset } from './types.ts';
import type { ExperimentResult, Table } from '../results/types.ts';
import { type CellInit, INIT_OPTIONS, algorithmText, centredOdd, decompositionText, K_WITHIN_D, NET_OPTIONS, initErrorMap, matlabMagnitude, meanError, signSumDetermined, tensorInitialisations, zhongExperiment } from './zhong.ts';

const OPTIONS = defineOptions(
  {
    d: { kind: 'int-list', default: [10, 20, 30, 40, 50], min: 1, max: 1000, help: 'input dimensions d' },
    n: { kind: 'int-list', default: [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000], min: 1, max: 10_000_000, help: 'sample sizes n' },
    ...NET_OPTIONS,
    trials: { kind: 'int', default: 10, min: 1, max: 100_000, help: 'trials per cell, each its own teacher, signs and sample (the Matlab: 10)' },
    ...INIT_OPTIONS,
  },
  [K_WITHIN_D],
);

export type ZhongInitErrorOptions = OptionValues<typeof OPTIONS>;

/** Per d: the smallest n whose mean error is ≤ target (null: none on the grid). */
export function isoErrorSamples(ds: readonly number[], ns: readonly number[], error: (d: number, n: number) => number, target: number): (number | null)[] {
  const sorted = [...ns].sort((a, b) => a - b);
  return ds.map((d) => sorted.find((n) => error(d, n) <= target) ?? null);
}

/** Per d: how many consecutive n steps (ascending) lowered the mean error, of how many. */
export function fallsWithN(ns: readonly number[], error: (n: number) => number): { falls: number; steps: number } {
  const sorted = [...ns].sort((a, b) => a - b);
  let falls = 0;
  for (let i = 1; i < sorted.length; i++) if (error(sorted[i]) < error(sorted[i - 1])) falls++;
  return { falls, steps: sorted.length - 1 };
}

function summarise(result: ExperimentResult, o: ZhongInitErrorOptions, inits: readonly CellInit[]): void {
  const err = (d: number, n: number) => meanError(inits.find((c) => c.d === d && c.n === n)?.records);
  const odd = centredOdd(o.activation);
  const modulo = odd ? ' modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)' : '';
  result.maps = [initErrorMap(o.d, o.n, inits, `Fig. 1(b): mean tensor-initialisation error${modulo} over d × n (${o.trials} trials per cell); marked: a trial with Σv⁽⁰⁾ ≠ Σv*`)];
  const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
  };
  const tables: Table[] = [
    {
      id: 'cells',
      title: `Per cell: the initialisation error min_π max_j ‖w_j* − w⁽⁰⁾_π(j)‖/‖w_j*‖${modulo} over its trials, and the trials with Σv⁽⁰⁾ ≠ Σv*${odd ? ' or a magnitude clamped' : ''}`,
      columns: ['d', 'n', 'n/d', 'trials', 'mean', 'median', 'max', 'Σv⁽⁰⁾ ≠ Σv*', ...(odd ? ['magnitude clamped'] : [])],
      rows: inits.map((c) => {
        const e = c.records.map((r) => r.error);
        const clamped = odd ? [c.records.filter((r) => r.clamped).length] : [];
        return [c.d, c.n, fmt(c.n / c.d, 3), e.length, fmt(meanError(c.records), 3), fmt(quantile(e, 0.5), 3), fmt(Math.max(...e), 3), c.records.filter((r) => !r.signSumMatches).length, ...clamped];
      }),
    },
  ];
  const complete = o.d.filter((d) => o.n.every((n) => Number.isFinite(err(d, n))));
  const trend = complete.map((d) => ({ d, ...fallsWithN(o.n, (n) => err(d, n)) }));
  // The iso-error line at the median of the cells' mean errors: the n that first reaches it, per d.
  const target = complete.length > 0 ? quantile(complete.flatMap((d) => o.n.map((n) => err(d, n))), 0.5) : NaN;
  const iso = isoErrorSamples(complete, o.n, err, target);
  const points = complete.flatMap((d, i) => (iso[i] === null ? [] : [{ d, n: iso[i]! }]));
  const fit = points.length >= 2 ? linearFit(points.map((p) => p.d), points.map((p) => p.n)) : null;
  if (complete.length > 0) {
    tables.push({
      id: 'trends',
      title: `Per d: how often a larger n lowered the mean error, and the least n reaching the iso-error level ${fmt(target, 3)} (the median cell)`,
      columns: ['d', 'steps in n that lowered the error', 'least n with mean error ≤ level'],
      rows: trend.map((t, i) => [t.d, `${t.falls} of ${t.steps}`, iso[i] ?? '—']),
    });
  }
  result.tables = tables;
  result.figures = [
    {
      id: 'error-vs-n',
      title: 'Mean initialisation error against n, per d',
      x: 'n',
      y: 'mean error',
      logY: true,
      series: o.d.map((d) => ({ name: `d = ${d}`, x: o.n.filter((n) => Number.isFinite(err(d, n))), y: o.n.filter((n) => Number.isFinite(err(d, n))).map((n) => err(d, n)) })).filter((s) => s.x.length > 0),
    },
  ];
  const falls = trend.reduce((s, t) => s + t.falls, 0);
  const steps = trend.reduce((s, t) => s + t.steps, 0);
  const marked = inits.filter((c) => c.records.some((r) => !r.signSumMatches)).length;
  result.notes = [
    `The paper (Fig. 1(b)): "with a fixed dimension, the more samples we have the better initialization … the sample complexity required is about proportional to the dimension"; no number is printed. Ours: ${steps > 0 ? `a larger n lowered the mean error in ${falls} of ${steps} steps along n` : 'no complete row of n yet'}; ${fit ? `the least n reaching the median cell's error ${fmt(target, 3)} grows as n ≈ ${fmt(fit.intercept, 4)} + ${fmt(fit.slope, 4)}·d (R² = ${fmt(fit.r2, 3)}, ${points.length} dimensions)` : 'too few dimensions reach the median error for an iso-error fit'}; ${marked} of ${inits.length} cells have a trial with Σv⁽⁰⁾ ≠ Σv* (the paper's dark blocks).`,
    `Settings: Algorithm 1 on the whole sample (no partition, as the Matlab): ${algorithmText(o)}; the top-${o.k} eigenspace of P̂₂ by |eigenvalue|, ${decompositionText(o)}; ${o.activation}, k = ${o.k}, κ = ${o.kappa}; a new teacher, signs and sample per trial (the grid is the Matlab's, the paper states none).`,
    ...(odd
      ? [
          `${o.activation}: the net is unchanged by the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)${o.activation === 'sigmoid' ? ' of units whose v* sum to zero' : ''}, so the moments give vᵢ*wᵢ* and not v* (Thm 5.6, v⁽⁰⁾ = v*, is for homogeneous φ): the error is min_π max_j ‖sign(vⱼ*)wⱼ* − sign(v⁽⁰⁾_π(j))w⁽⁰⁾_π(j)‖/‖wⱼ*‖; ${signSumDetermined(o.activation) ? 'Σv⁽⁰⁾ comes from M̂₀ = Σv*/2, and a trial with Σv⁽⁰⁾ ≠ Σv* is the wrong net by a constant' : 'no moment carries Σv* and the net does not depend on it, so no trial is marked'}. P̂₂ = M̂₃(I, I, α) has eigenvalues vᵢ* m₃ (αᵀw̄ᵢ*): a random α nearly orthogonal to some unit hides that unit from V at any affordable n. ${inits.reduce((s, c) => s + c.records.filter((r) => r.clamped).length, 0)} trials had a magnitude clamped (|zᵢ| past what m₁ resolves).`,
        ]
      : []),
  ];
}

export const zhongInitError: Preset<ZhongInitErrorOptions> = definePreset({
  name: 'zhong-init-error',
  title: 'Zhong et al.: the tensor initialisation’s error over d × n (Fig. 1(b))',
  source: 'Zhong, Song, Jain, Bartlett & Dhillon (2017), Sec. 7, Fig. 1(b)',
  options: OPTIONS,
  async *run(o, ctx) {
    const total = o.d.length * o.n.length * o.trials;
    const result = emptyResult(
      zhongInitError.name,
      zhongInitError.title,
      { ...o, teacher: 'src/core/zhong-teacher.ts zhongTeacher(d, k, κ, cellSeed(seed, d, n), trial)', sample: "the engine's per-problem Gaussian sample of the cell's experiment (src/presets/zhong.ts zhongExperiment)" },
      o.seed,
      ctx,
    );
    const start = performance.now();
    const inits: CellInit[] = [];
    let done = 0;
    for (const d of o.d) {
      for (const n of o.n) {
        if (ctx.signal?.aborted) throw ctx.signal.reason ?? new DOMException('aborted', 'AbortError');
        const elapsed = (performance.now() - start) / 1000;
        yield { progress: { done, total, etaSeconds: done > 0 ? ((total - done) * elapsed) / done : null, cell: { d, n }, label: `d=${d} n=${n}: tensor initialisation` }, result };
        const exp = zhongExperiment({ d, n, k: o.k, kappa: o.kappa, activation: o.activation, trials: o.trials, seed: o.seed }, { lr: 1, maxSteps: 0, tolerance: 0.01 });
        const { records } = tensorInitialisations(exp, { projections: o.projections, decomposition: o.decomposition, matlabMagnitude: matlabMagnitude(o) });
        inits.push({ d, n, records });
        done += o.trials;
        summarise(result, o, inits);
        result.seconds = (performance.now() - start) / 1000;
      }
    }
    yield { progress: finished(total), result };
    return result;
  },
});
