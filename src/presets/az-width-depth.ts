/**
 * Allen-Zhu, Li & Song (2019): for which width m and depth L does gradient descent from random
 * init (Def. 2.3) reach zero training loss on δ-separated data, how fast, and how far do the
 * weights move? The paper has no synthetic experiment; its theorems predict trends, and this is
 * the grid of /work/shared/specs/remaining-papers.md §C.5 ("AZ"), which quotes the settings:
 *
 *   data     n points on the sphere in 𝔡 = 16 (xᵢ = (uᵢ/√2, 1/√2)), i.i.d. N(0, 1) labels, one
 *            dataset per (n, δ) shared by every (L, m) cell; δ = 0 means independent points
 *            (src/core/separated-data.ts)
 *   net      L + 1 ReLU layers of width m, A and B frozen, W₁ … W_L trained (src/core/deep-net.ts);
 *            restart r starts from the same net in every run with the same (𝔡, m, L, d)
 *   GD       full batch on the summed loss F, η = c/m with c held across m; c = 0 picks it by the
 *            spec's pilot, with two changes of ours: the largest c of {0.03, 0.1, 0.3, 1, 3} at
 *            which no restart of any L's smallest- and largest-m cells is unstable — diverged, or
 *            ended above its initial loss. The spec pilots the smallest width alone, but ‖∇F₀‖²/F₀
 *            grew faster than m here (m^1.1–1.2), so η = c/m is least stable at the largest
 *            width (c = 3 was stable at m = 8 and diverged at m = 16); and a step too large for a
 *            ReLU net often makes the weights grow for thousands of steps before their norm passes
 *            10⁶ (nets 25–50× their initial norm after 1000 steps, not yet "diverged"). The pilot's
 *            cells at the chosen c are the grid's own, run once. Even so the pilot is a weak
 *            guard: on the default grid it kept c = 3 (no unstable restart at m = 8 or 64), with
 *            which L = 2 diverged at m = 16 and reached the target nowhere at m = 64, while
 *            c = 0.3 gave the best success rates of 0.3 / 1 / 3 there — hence the default
 *            c = 0.3, and the pilot on request (c = 0)
 *   SGD      Thm 2's arm on the first (n, δ)'s cells: minibatches of b (uniform without replacement
 *            per step, deep-net.ts deepMinibatch), the gradient times n/b, η = c·b/(m·ln²m) with
 *            the same c (the spec: Thm 2's m- and b-scaling, its poly(n, L) and δ absorbed in c)
 *            and the same T; F₀ and F_T are the full loss, the curve between is the minibatch
 *            estimate (so its thresholds and rate are noisier than GD's)
 *   outcome  success F_T ≤ 10⁻⁴·F₀; diverged on a non-finite loss or ‖θ‖ > 10⁶; otherwise not
 *            reached (counted in the cells' 'spurious' column: no claim of a spurious minimum,
 *            only that the budget ran out above the target)
 *
 * Each (L, m, n, δ) cell is one engine.trainDeep job (all its restarts); the measures are computed
 * on the host in f64 from what comes back (src/core/deep-measures.ts measureDeepRestart). The
 * full grid (L to 8, m to 512, 128 restarts, 20 000 steps) is for a real GPU; the defaults run on
 * this kind of machine in minutes.
 */
import { type DeepData, type DeepNetSpec, DEEP_TRAINED, deepLayout, initDeepNet } from '../core/deep-net.ts';
import { type DeepRestartMeasures, LOSS_FRACTIONS, SUCCESS_FRACTION, measureDeepRestart } from '../core/deep-measures.ts';
import { linearFit } from '../core/fit.ts';
import { separatedData } from '../core/separated-data.ts';
import { pGlobalInterval } from '../core/stats.ts';
import type { DeepJob } from '../engine/engine.ts';
import type { BasinMap, CellResult, ExperimentResult, Figure, Table } from '../results/types.ts';
import { emptyResult, finished, listAxis } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt, quantile, sortedCopy } from './quantiles.ts';
import type { ExperimentUpdate, Preset, RunContext } from './types.ts';

/** The spec's pilot grid for c (η = c/m). */
export const PILOT_C = [3, 1, 0.3, 0.1, 0.03] as const;

const OPTIONS = defineOptions({
  depth: { kind: 'int-list', default: [1, 2], min: 1, max: 16, help: 'depths L (trained m×m layers; the net has L + 1 ReLU layers); the spec: 1, 2, 4, 8' },
  width: { kind: 'int-list', default: [8, 16, 32, 64], min: 1, max: 1024, help: 'widths m; the spec: 16 … 512' },
  n: { kind: 'int-list', default: [16], min: 2, max: 4096, help: 'sample sizes n (one dataset per n and δ); the spec: 32' },
  delta: { kind: 'number-list', default: [0], min: 0, max: 1.4, help: 'separations δ (0: independent random points; else n/2 pairs at distance exactly δ)' },
  restarts: { kind: 'int', default: 16, min: 1, max: 65535, help: 'random initialisations per cell (the spec: 128)' },
  steps: { kind: 'int', default: 2000, min: 1, max: 1_000_000, help: 'GD steps T per restart (the spec: 20 000)' },
  sgdBatch: { kind: 'int-list', default: [4], min: 0, max: 4096, help: "minibatch sizes b of the SGD arm (Thm 2; the spec: 1, 4), on the first (n, δ)'s cells, η = c·b/(m·ln²m); 0: no SGD arm" },
  c: { kind: 'number', default: 0.3, min: 0, max: 100, help: 'step size η = c/m on the summed loss (default 0.3: measured, see the preset); 0: chosen by the pilot (the largest of 3, 1, 0.3, 0.1, 0.03 at which no restart of the smallest or largest width diverges or ends above its initial loss)' },
  train: { kind: 'choice', default: 'hidden', choices: DEEP_TRAINED, help: "trained layers: 'hidden' W₁ … W_L (the paper), or 'all' (A and B too)" },
  outDim: { kind: 'int', default: 1, min: 1, max: 64, help: 'output dimension d (labels per point)' },
  inputDim: { kind: 'int', default: 16, min: 3, max: 1024, help: 'input dimension 𝔡 (its last coordinate is the 1/√2 one)' },
  seed: { kind: 'int', default: 2019, min: 0, max: 0xffffffff, help: 'seed of the data and the initialisations, and of the minibatches' },
}, [
  {
    option: 'sgdBatch',
    holds: (v: { sgdBatch: readonly number[]; n: readonly number[] }) => v.sgdBatch.every((b) => b < v.n[0]),
    message: (v: { n: readonly number[] }) => `every SGD minibatch size must be below the first n = ${v.n[0]} (b = n is full-batch GD; 0 turns the arm off)`,
  },
]);

export type AzOptions = OptionValues<typeof OPTIONS>;

interface CellSpec {
  L: number;
  m: number;
  n: number;
  delta: number;
}

/** One cell's restarts measured, with what it ran. */
export interface AzCell extends CellSpec {
  /** The SGD arm's minibatch size (absent: full-batch GD). */
  batch?: number;
  c: number;
  lr: number;
  minSeparation: number;
  restarts: DeepRestartMeasures[];
  /** Restart 0's loss record (F at the start of each step), for the curves figure. */
  curve0: number[];
  seconds: number;
}

/** The dataset of (n, δ): keyed by them so each (n, δ) has its own, shared by its (L, m) cells. */
export function dataSeed(seed: number, n: number, delta: number): number {
  return (seed + 7919 * n + Math.round(delta * 1e6)) >>> 0;
}

const median = (xs: readonly number[]) => (xs.length ? quantile(sortedCopy(xs), 0.5) : NaN);
const finite = (xs: readonly (number | null)[]) => xs.filter((x): x is number => x !== null && Number.isFinite(x));

/** Counts of a cell in the engine's columns (success → global, not reached → spurious). */
function countsOf(cell: AzCell) {
  const count = (o: DeepRestartMeasures['outcome']) => cell.restarts.filter((r) => r.outcome === o).length;
  return { global: count('success'), spurious: count('not-reached'), diverged: count('diverged'), undecided: 0 };
}

function cellResult(cell: AzCell, steps: number): CellResult {
  const counts = countsOf(cell);
  const R = cell.restarts.length;
  return { key: { L: cell.L, m: cell.m, n: cell.n, delta: cell.delta, optimizer: optimizerOf(cell.batch) }, restarts: R, ...counts, pGlobal: counts.global / R, ci95: pGlobalInterval(counts), paper: null, seconds: cell.seconds, restartSteps: R * steps };
}

const optimizerOf = (batch: number | undefined) => (batch === undefined ? 'GD' : `SGD b=${batch}`);

/** Thm 2's step for minibatches of b at width m with the GD arm's c (the spec §C.5). */
export const sgdStep = (c: number, b: number, m: number) => (c * b) / (m * Math.log(m) ** 2);

/**
 * m₅₀: the width at which P(success) first reaches ½, interpolated linearly in log m between the
 * grid widths on either side; null where no width reaches it; the smallest width where it already
 * does (reported as "≤").
 */
export function widthAtHalf(ms: readonly number[], p: readonly number[]): { m50: number | null; bound: 'at' | 'below' | 'above' } {
  const order = ms.map((_, i) => i).sort((a, b) => ms[a] - ms[b]);
  const first = order.findIndex((i) => p[i] >= 0.5);
  if (first < 0) return { m50: null, bound: 'above' };
  if (first === 0) return { m50: ms[order[0]], bound: 'below' };
  const [a, b] = [order[first - 1], order[first]];
  const t = (0.5 - p[a]) / (p[b] - p[a]);
  return { m50: Math.exp(Math.log(ms[a]) + t * (Math.log(ms[b]) - Math.log(ms[a]))), bound: 'at' };
}

/** Runs one cell's job on the engine, yielding its progress (in restarts of the whole run). */
async function* runCell(ctx: RunContext, o: AzOptions, spec: CellSpec, c: number, data: DeepData, minSeparation: number, progress: (fraction: number) => ExperimentUpdate, batch?: number): AsyncGenerator<ExperimentUpdate, AzCell> {
  const net: DeepNetSpec = { inputDim: o.inputDim, L: spec.L, m: spec.m, outDim: o.outDim, train: o.train as DeepNetSpec['train'] };
  const { P } = deepLayout(net);
  const theta0 = new Float64Array(o.restarts * P);
  for (let r = 0; r < o.restarts; r++) theta0.set(initDeepNet(net, o.seed, r), r * P);
  const lr = batch === undefined ? c / spec.m : sgdStep(c, batch, spec.m);
  const job: DeepJob = { spec: net, data, restarts: o.restarts, theta0, lr, steps: o.steps, ...(batch === undefined ? {} : { sgd: { batch, seed: o.seed } }) };
  if (!ctx.engine.trainDeep) throw new Error(`az-width-depth: ${ctx.engine.label} cannot train deep nets`);
  const t0 = performance.now();
  const gen = ctx.engine.trainDeep(job, { signal: ctx.signal });
  let out;
  for (;;) {
    const u = await gen.next();
    if (u.done) {
      out = u.value;
      break;
    }
    yield progress(u.value.stepsDone / o.steps);
  }
  const restarts: DeepRestartMeasures[] = [];
  for (let r = 0; r < o.restarts; r++) {
    const theta = Float64Array.from(out.params.subarray(r * P, (r + 1) * P));
    restarts.push(measureDeepRestart(net, data, theta0.subarray(r * P, (r + 1) * P), theta, out.losses.subarray(r * o.steps, (r + 1) * o.steps)));
  }
  return { ...spec, ...(batch === undefined ? {} : { batch }), c, lr, minSeparation, restarts, curve0: Array.from(out.losses.subarray(0, o.steps)), seconds: (performance.now() - t0) / 1000 };
}

const cellLabel = (s: CellSpec, c: number, batch?: number) => `L=${s.L} m=${s.m} n=${s.n} δ=${s.delta || 'random'} c=${c}${batch === undefined ? '' : ` SGD b=${batch}`}`;

export const azWidthDepth: Preset<AzOptions> = definePreset({
  name: 'az-width-depth',
  title: 'Allen-Zhu, Li & Song: when does GD from random init reach zero loss, over width × depth',
  source: 'Allen-Zhu, Li & Song (2019), Thm 1 and 3, §4; the grid: ours (remaining-papers.md §C.5)',
  options: OPTIONS,
  async *run(o, ctx) {
    const specs: CellSpec[] = o.n.flatMap((n) => o.delta.flatMap((delta) => o.depth.flatMap((L) => o.width.map((m) => ({ L, m, n, delta })))));
    const result = emptyResult(
      'az-width-depth',
      azWidthDepth.title,
      { ...o, lr: 'η = c/m (summed loss F = Σᵢ ½‖Bh_{i,L} − yᵢ‖²)', init: 'Def. 2.3: A, W_ℓ ~ N(0, 2/m), B ~ N(0, 1/d), from (seed, restart)', data: 'src/core/separated-data.ts, labels N(0, 1), dataSeed = (seed + 7919·n + round(10⁶·δ)) mod 2³²', outcome: `success F_T ≤ ${SUCCESS_FRACTION}·F₀; diverged: non-finite or ‖θ‖ > 10⁶; else not reached` },
      o.seed,
      ctx,
    );
    const datasets = new Map<string, { data: DeepData; minSeparation: number }>();
    const dataOf = (n: number, delta: number) => {
      const key = `${n}/${delta}`;
      if (!datasets.has(key)) {
        const d = separatedData({ n, inputDim: o.inputDim, delta: delta === 0 ? 'random' : delta, outDim: o.outDim, labels: 'gaussian', seed: dataSeed(o.seed, n, delta) });
        datasets.set(key, { data: { n, X: d.dataset.X, Y: d.Y }, minSeparation: d.minSeparation });
      }
      return datasets.get(key)!;
    };

    // The pilot's cells are the smallest and the largest width of every depth, at the first (n, δ).
    const mMin = Math.min(...o.width);
    const mMax = Math.max(...o.width);
    const pilotSpecs = o.depth.flatMap((L) => [...new Set([mMin, mMax])].map((m) => ({ L, m, n: o.n[0], delta: o.delta[0] })));
    const pilotCs: readonly number[] = o.c > 0 ? [] : PILOT_C;
    const batches = o.sgdBatch.filter((b) => b > 0);
    const sgdSpecs = specs.filter((s) => s.n === o.n[0] && s.delta === o.delta[0]);
    const total = o.restarts * (specs.length + pilotCs.length * pilotSpecs.length + batches.length * sgdSpecs.length);
    let done = 0;
    const t0 = performance.now();
    const progress = (label: string, key: CellResult['key']) => (fraction: number): ExperimentUpdate => {
      const now = done + fraction * o.restarts;
      const elapsed = (performance.now() - t0) / 1000;
      return { progress: { done: Math.floor(now), total, etaSeconds: now > 0 ? ((total - now) * elapsed) / now : null, cell: key, label }, result };
    };
    const measured = new Map<string, AzCell>();
    const keyOf = (s: CellSpec, c: number) => `${s.L}/${s.m}/${s.n}/${s.delta}/${c}`;
    async function* cellAt(s: CellSpec, c: number): AsyncGenerator<ExperimentUpdate, AzCell> {
      const hit = measured.get(keyOf(s, c));
      done += hit ? o.restarts : 0; // a grid cell the pilot ran: counted again, as the total counts it twice
      if (hit) return hit;
      const { data, minSeparation } = dataOf(s.n, s.delta);
      const cell = yield* runCell(ctx, o, s, c, data, minSeparation, progress(cellLabel(s, c), { ...s }));
      measured.set(keyOf(s, c), cell);
      done += o.restarts;
      return cell;
    }

    let c = o.c;
    const pilotRows: (string | number)[][] = [];
    const notes0: string[] = [];
    if (c === 0) {
      for (const [i, candidate] of PILOT_C.entries()) {
        let unstable = 0;
        for (const s of pilotSpecs) {
          const cell = yield* cellAt(s, candidate);
          const k = cell.restarts.filter((r) => r.outcome === 'diverged' || !(r.FT <= r.F0)).length;
          unstable += k;
          pilotRows.push([candidate, s.L, s.m, cell.restarts.length, countsOf(cell).diverged, k]);
        }
        if (unstable === 0 || i === PILOT_C.length - 1) {
          c = candidate;
          // The candidates the pilot did not need count as done.
          done += o.restarts * pilotSpecs.length * (PILOT_C.length - 1 - i);
          if (unstable > 0) notes0.push(`the pilot found no c of ${PILOT_C.join(', ')} without an unstable restart at m = ${mMin} and ${mMax}; the smallest, ${c}, is used`);
          break;
        }
      }
    }
    const cells: AzCell[] = [];
    for (const s of specs) {
      const cell = yield* cellAt(s, c);
      cells.push(cell);
      result.cells.push(cellResult(cell, o.steps));
      yield { progress: { done, total, etaSeconds: null, cell: { ...s }, label: cellLabel(s, c) }, result };
    }
    const sgdCells: AzCell[] = [];
    for (const b of batches) {
      for (const s of sgdSpecs) {
        const { data, minSeparation } = dataOf(s.n, s.delta);
        const cell = yield* runCell(ctx, o, s, c, data, minSeparation, progress(cellLabel(s, c, b), { ...s, optimizer: optimizerOf(b) }), b);
        done += o.restarts;
        sgdCells.push(cell);
        result.cells.push(cellResult(cell, o.steps));
        yield { progress: { done, total, etaSeconds: null, cell: { ...s, optimizer: optimizerOf(b) }, label: cellLabel(s, c, b) }, result };
      }
    }
    summarise(result, o, c, cells, pilotRows);
    summariseSgd(result, o, c, cells, sgdCells);
    result.notes.push(...notes0);
    result.seconds = (performance.now() - t0) / 1000;
    yield { progress: finished(total), result };
    return result;
  },
});

/** The figures, maps, tables and notes, each measurement beside the theorem's prediction. */
function summarise(result: ExperimentResult, o: AzOptions, c: number, cells: readonly AzCell[], pilotRows: (string | number)[][]): void {
  const at = (L: number, m: number, n: number, delta: number) => cells.find((x) => x.L === L && x.m === m && x.n === n && x.delta === delta)!;
  const p = (x: AzCell) => countsOf(x).global / x.restarts.length;
  const ok = (x: AzCell) => x.restarts.filter((r) => r.outcome !== 'diverged');
  const groups = o.n.flatMap((n) => o.delta.map((delta) => ({ n, delta, tag: `n = ${n}, δ = ${delta || 'random'}` })));
  const ms = [...o.width].sort((a, b) => a - b);
  const Ls = [...o.depth].sort((a, b) => a - b);

  result.maps = groups.map(({ n, delta, tag }): BasinMap => ({
    id: `success-${n}-${delta}`,
    title: `P(F_T ≤ 10⁻⁴·F₀ within ${o.steps} steps) over width × depth (${tag}, ${o.restarts} restarts per cell, η = ${c}/m); the theorem: → 1 as m grows, at every depth`,
    x: listAxis('m', o.width, 0),
    y: listAxis('L', o.depth, 1),
    codes: new Array<number>(o.depth.length * o.width.length).fill(-1),
    field: { label: 'P(success)', values: o.depth.flatMap((L) => o.width.map((m) => p(at(L, m, n, delta)))) },
  }));

  const tables: Table[] = [];
  if (pilotRows.length) tables.push({ id: 'pilot', title: 'The pilot for c (η = c/m): the smallest- and largest-m cells of every depth, from the largest c down, until no restart is unstable (diverged, or F_T > F₀)', columns: ['c', 'L', 'm', 'restarts', 'diverged', 'unstable'], rows: pilotRows });
  tables.push({
    id: 'cells',
    title: `Per cell (η = ${c}/m, ${o.steps} steps): success = F_T ≤ 10⁻⁴·F₀, medians over the restarts that did not diverge (steps to 10⁻⁴·F₀ and ρ over successes)`,
    columns: ['L', 'm', 'n', 'δ', 'min separation', 'restarts', 'success', 'P [95% CI]', 'diverged', 'median steps to 10⁻⁴·F₀', 'median ρ (ln F per step)', 'median relative movement', 'median sign flips', 'median ‖∇F₀‖²/F₀'],
    rows: cells.map((x) => {
      const r = cellResult(x, o.steps);
      const alive = ok(x);
      const wins = x.restarts.filter((q) => q.outcome === 'success');
      return [x.L, x.m, x.n, x.delta || 'random', fmt(x.minSeparation, 3), x.restarts.length, r.global, `${r.pGlobal.toFixed(3)} [${r.ci95[0].toFixed(3)}, ${r.ci95[1].toFixed(3)}]`, r.diverged, fmt(median(finite(wins.map((q) => q.thresholds[LOSS_FRACTIONS.length - 1]))), 4), fmt(median(finite(wins.map((q) => q.rate))), 3), fmt(median(alive.map((q) => q.meanMovement)), 3), fmt(median(alive.map((q) => q.signFlips)), 3), fmt(median(x.restarts.map((q) => q.gradRatio)), 3)];
    }),
  });

  const notes: string[] = [`c = ${c}${pilotRows.length ? ' (chosen by the pilot)' : ' (given)'}: η = ${c}/m on the summed loss.`];
  const figures: Figure[] = [];
  const m50Rows: (string | number)[][] = [];
  for (const { n, delta, tag } of groups) {
    const perL = Ls.map((L) => ({ L, ...widthAtHalf(ms, ms.map((m) => p(at(L, m, n, delta)))) }));
    for (const q of perL) m50Rows.push([n, delta || 'random', q.L, q.m50 === null ? `> ${ms[ms.length - 1]}` : q.bound === 'below' ? `≤ ${q.m50}` : fmt(q.m50, 3)]);
    const exact = perL.filter((q) => q.bound === 'at') as { L: number; m50: number }[];
    if (exact.length >= 2) {
      figures.push({ id: `m50-${n}-${delta}`, title: `m₅₀(L), the width at 50% success (${tag}); the theorem: polynomial in L (straight on log–log), not exponential`, x: 'L', y: 'm₅₀', logY: true, series: [{ name: 'm₅₀', x: exact.map((q) => q.L), y: exact.map((q) => q.m50) }] });
      if (exact.length >= 3) {
        const poly = linearFit(exact.map((q) => Math.log(q.L)), exact.map((q) => Math.log(q.m50)));
        const expo = linearFit(exact.map((q) => q.L), exact.map((q) => Math.log(q.m50)));
        notes.push(`${tag}: m₅₀ ∝ L^${fmt(poly.slope, 3)} (R² ${fmt(poly.r2, 3)}) against m₅₀ ∝ e^{${fmt(expo.slope, 3)}·L} (R² ${fmt(expo.r2, 3)}); the theorem predicts polynomial growth — ${poly.r2 >= expo.r2 ? 'the power law fits better' : 'the exponential fits better, against the prediction'}.`);
      }
    }
    // (i) success rises with m at every depth.
    for (const L of Ls) {
      const ps = ms.map((m) => p(at(L, m, n, delta)));
      const rises = ps[ps.length - 1] > ps[0];
      notes.push(`${tag}, L = ${L}: P(success) ${ps.map((x) => x.toFixed(2)).join(' → ')} over m = ${ms.join(', ')}; the theorem: rises towards 1 with m — ${ps[ps.length - 1] === 1 ? 'reaches 1' : rises ? 'rises, below 1 at the largest m' : 'does not rise'}.`);
    }
    const byL = (f: (x: AzCell) => number) => Ls.map((L) => ({ name: `L = ${L}`, x: ms, y: ms.map((m) => f(at(L, m, n, delta))) }));
    const movement = (x: AzCell) => median(ok(x).map((q) => q.meanMovement));
    const flips = (x: AzCell) => median(ok(x).map((q) => q.signFlips));
    const ratio = (x: AzCell) => median(x.restarts.map((q) => q.gradRatio));
    const rate = (x: AzCell) => -median(finite(x.restarts.filter((q) => q.outcome === 'success').map((q) => q.rate)));
    figures.push({ id: `rate-${n}-${delta}`, title: `−ρ, the linear rate (−slope of ln F per step over [10⁻⁴, 10⁻¹]·F₀, median over successes) against m (${tag}); with η ∝ 1/m the theorem predicts an m-independent limit`, x: 'm', y: '−ρ', logY: true, series: byL(rate) });
    figures.push({ id: `movement-${n}-${delta}`, title: `Relative movement ‖W_ℓ,T − W_ℓ,0‖_F/‖W_ℓ,0‖_F (mean over trained layers, median over restarts) against m (${tag}); lazy regime: shrinks, roughly m^{−1/2}`, x: 'm', y: 'relative movement', logY: true, series: byL(movement) });
    figures.push({ id: `flips-${n}-${delta}`, title: `Fraction of ReLU signs flipped between init and the end against m (${tag}); the theory: falls with m`, x: 'm', y: 'sign flips', series: byL(flips) });
    figures.push({ id: `grad-ratio-${n}-${delta}`, title: `‖∇F(W⁽⁰⁾)‖²/F₀ against m (${tag}); Thm 3: between Ω(δm/(dn²)) and O(Lnm/d), ∝ m`, x: 'm', y: '‖∇F₀‖²/F₀', logY: true, series: byL(ratio) });
    for (const L of Ls) {
      const slope = (f: (x: AzCell) => number) => {
        const pts = ms.map((m) => ({ m, v: f(at(L, m, n, delta)) })).filter((q) => q.v > 0 && Number.isFinite(q.v));
        return pts.length >= 2 ? linearFit(pts.map((q) => Math.log(q.m)), pts.map((q) => Math.log(q.v))).slope : NaN;
      };
      const mv = slope(movement);
      const gr = slope(ratio);
      const fl = ms.map((m) => flips(at(L, m, n, delta)));
      notes.push(`${tag}, L = ${L}: relative movement ∝ m^${fmt(mv, 3)} (heuristic: ≈ −0.5; ${mv < 0 ? 'shrinks with m, as the lazy regime has it' : 'does not shrink, against it'}); sign flips ${fl.map((x) => fmt(x, 2)).join(' → ')} (${fl[fl.length - 1] <= fl[0] ? 'fall' : 'do not fall'} with m); ‖∇F₀‖²/F₀ ∝ m^${fmt(gr, 3)} (Thm 3: ≈ 1).`);
    }
  }
  tables.push({ id: 'm50', title: 'm₅₀: the width at which P(success) first reaches ½ (log-interpolated between grid widths)', columns: ['n', 'δ', 'L', 'm₅₀'], rows: m50Rows });
  // The loss curves of restart 0 at the largest depth, first (n, δ): is ln F linear in t at large m?
  const L = Ls[Ls.length - 1];
  const stride = Math.max(1, Math.floor(o.steps / 200));
  const ts = Array.from({ length: Math.ceil(o.steps / stride) }, (_, i) => i * stride);
  figures.push({
    id: 'curves',
    title: `F_t of restart 0 at L = ${L} (${groups[0].tag}), one curve per width; the theorem: ln F_t falls linearly (a straight line here) at large m`,
    x: 'step t',
    y: 'F_t',
    logY: true,
    series: ms.map((m) => {
      const x = at(L, m, groups[0].n, groups[0].delta);
      return { name: `m = ${m}`, x: ts, y: ts.map((t) => Math.max(x.curve0[t], 1e-30)) };
    }),
  });
  result.tables.push(...tables);
  result.figures.push(...figures);
  result.notes.push(...notes);
}

/**
 * The SGD arm (Thm 2) beside the GD cells it shares its nets with: per (L, m, b), P(success) and
 * the steps to 10⁻⁴·F₀, the same restarts' GD figures, and P(success) against m per depth.
 */
function summariseSgd(result: ExperimentResult, o: AzOptions, c: number, gd: readonly AzCell[], sgd: readonly AzCell[]): void {
  if (!sgd.length) return;
  const p = (x: AzCell) => countsOf(x).global / x.restarts.length;
  const twin = (x: AzCell) => gd.find((g) => g.L === x.L && g.m === x.m && g.n === x.n && g.delta === x.delta)!;
  const stepsTo = (x: AzCell) => median(finite(x.restarts.filter((q) => q.outcome === 'success').map((q) => q.thresholds[LOSS_FRACTIONS.length - 1])));
  const tag = `n = ${sgd[0].n}, δ = ${sgd[0].delta || 'random'}`;
  result.tables.push({
    id: 'sgd',
    title: `The SGD arm (Thm 2; ${tag}, ${o.steps} steps): minibatches of b without replacement, gradient × n/b, η = ${c}·b/(m·ln²m); beside it GD on the same restarts (η = ${c}/m). Steps to 10⁻⁴·F₀ are read off the minibatch estimate of F`,
    columns: ['L', 'm', 'b', 'η', 'restarts', 'success', 'P [95% CI]', 'diverged', 'median steps to 10⁻⁴·F₀', 'GD: P', 'GD: median steps to 10⁻⁴·F₀'],
    rows: sgd.map((x) => {
      const r = cellResult(x, o.steps);
      const g = twin(x);
      return [x.L, x.m, x.batch!, fmt(x.lr, 4), x.restarts.length, r.global, `${r.pGlobal.toFixed(3)} [${r.ci95[0].toFixed(3)}, ${r.ci95[1].toFixed(3)}]`, r.diverged, fmt(stepsTo(x), 4), p(g).toFixed(3), fmt(stepsTo(g), 4)];
    }),
  });
  const ms = [...o.width].sort((a, b) => a - b);
  const Ls = [...o.depth].sort((a, b) => a - b);
  const batches = [...new Set(sgd.map((x) => x.batch!))];
  const at = (cells: readonly AzCell[], L: number, m: number) => cells.find((x) => x.L === L && x.m === m)!;
  for (const L of Ls) {
    result.figures.push({
      id: `sgd-${L}`,
      title: `P(F_T ≤ 10⁻⁴·F₀) against m at L = ${L} (${tag}), GD and the SGD arm on the same restarts; Thm 2: SGD too reaches zero loss once m is large enough (the width it needs grows as b shrinks, m ≥ Ω̃(poly(n, L, 1/δ)·d/b))`,
      x: 'm',
      y: 'P(success)',
      series: [{ name: 'GD', x: ms, y: ms.map((m) => p(at(gd.filter((g) => g.n === sgd[0].n && g.delta === sgd[0].delta), L, m))) }, ...batches.map((b) => ({ name: `SGD b = ${b}`, x: ms, y: ms.map((m) => p(at(sgd.filter((x) => x.batch === b), L, m))) }))],
    });
    for (const b of batches) {
      const ps = ms.map((m) => p(at(sgd.filter((x) => x.batch === b), L, m)));
      const rises = ps[ps.length - 1] > ps[0];
      result.notes.push(`SGD b = ${b}, ${tag}, L = ${L}: P(success) ${ps.map((x) => x.toFixed(2)).join(' → ')} over m = ${ms.join(', ')}; Thm 2: rises towards 1 with m — ${ps[ps.length - 1] === 1 ? 'reaches 1' : rises ? 'rises, below 1 at the largest m' : 'does not rise'}.`);
    }
  }
}
