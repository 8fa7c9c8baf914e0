/**
 * Brutzkus & Globerson (ICML 2017), Sec. 7.2: with overlapping filters (stride s < m) gradient
 * descent has spurious minima (Sec. 7.1), but "across all values of d, m, overlap and w*, the
 * probability mass of the basin of attraction [of the global minimum] is at least 1/17", over
 * "more than 1200" teachers, 90 per (d, m, overlap). We estimate that mass, P(global) under a
 * random w₀, for every teacher of a grid of settings, and then search for teachers with less.
 *
 * The model is Sec. 7.1's: one filter w ∈ R^m slid with stride s over x ∈ R^d, K = (d − m)/s + 1
 * patches, fixed average pooling 1/K, the teacher of the same form, population loss (ReLU).
 *
 * The paper leaves out (its supplement, which we do not have) every setting, teacher and run
 * choice; ours are /work/shared/specs/remaining-papers.md §A.3's, each named in the output notes:
 * - settings: m ∈ {2, 3, 4, 5, 8}, s ∈ {1, ⌈m/2⌉, m − 1} (deduplicated), K ∈ {5, 10, 20}
 *   (d = m + (K − 1)s): 36 in all; by default the first 14 of BG_SETTINGS' fixed order (each of the
 *   12 (m, s) pairs once with K cycling 5, 10, 20, then the next two pairs at the next K), since
 *   14 × 90 = 1260 is the least that makes the paper's "> 1200";
 * - teachers: src/core/teachers.ts bgBasinTeachers: 17 each with entries i.i.d. from U[−1, 1],
 *   U[0, 1], U[−1, 0], U[−5, 5], U[0.5, 1.5], and five deterministic ones; the random ones of a
 *   setting are drawn with teacherSeed(seed, setting), so each setting has its own;
 * - w₀ ~ N(0, I_m) (the "random normal" of Sec. 6), the same draws (seed) for every teacher of a
 *   sweep; the sphere of radius r and the sphere of radius ‖w*‖ as sensitivity. The basins are not
 *   cones, so the init scale matters; but L is jointly 2-homogeneous in (w, w*) and GD
 *   equivariant under (w, w*) ↦ (cw, cw*) (∇L is 1-homogeneous; the outcome tolerances scale with
 *   L_ref), so an init of scale r against w* is exactly an init of scale 1 against w* / r: the
 *   sphere options run the unit sphere with the teacher rescaled, and with N(0, I) a teacher of
 *   norm 5 (U[−5, 5]) sees an init five times smaller than one of norm 1;
 * - GD on ℓ = 2L with the paper's step λ = 0.1 (engine lr 2λ, as in bg-overlap-map), inside Prop.
 *   7.1's (0, 1/3); 20 000 steps; 1000 restarts per teacher; the default outcome rule (global:
 *   L ≤ 1e-4·L_ref and angle(w, w*) ≤ 0.1; spurious: stationary above that).
 *
 * The paper's 1/17 is a lower bound, not a value: the cells carry paper = null (paperInInterval
 * compares as an equality), and the tables and notes say where each teacher's interval lies
 * against 1/17 (BoundSide).
 *
 * The search (ours, beyond the paper): from each of the `searchStarts` worst sampled teachers, a
 * (1+1) hill climb over w* in its setting, each candidate w* + σ‖w*‖z/√m (z ~ N(0, I_m) from the
 * counter RNG) scored on `searchRestarts` restarts drawn with seed + 1 — the same w₀ for every
 * candidate, so that comparisons are paired — and kept when its estimate is lower; σ grows ×1.5
 * on a success and shrinks ×0.85 on a failure, within [0.02, 1]. The best teacher found is then
 * confirmed on `confirmRestarts` fresh restarts (seed + 2): the search's own estimate is biased
 * low by the selection (the winner's curse), the confirmation's is not.
 */
import type { Experiment, InitSpec } from '../core/experiment.ts';
import type { ModelSpec, Teacher } from '../core/model.ts';
import { DEFAULT_OUTCOME_RULE } from '../core/outcome.ts';
import { STREAM, normal } from '../core/rng.ts';
import { TEACHER_RESTART, bgBasinTeachers } from '../core/teachers.ts';
import { type CellPlan, CellRunner, emptyResult, finished } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { ExperimentUpdate, Preset, RunContext } from './types.ts';
import type { CellResult, ExperimentResult, Figure, Table } from '../results/types.ts';
import { criticalPointsTable, polishNote } from '../results/critical-points.ts';

/** The paper's lower bound on the global minimum's basin mass. */
export const BG_MASS_BOUND = 1 / 17;

export const BG_MS = [2, 3, 4, 5, 8] as const;
export const BG_KS = [5, 10, 20] as const;

export interface BasinSetting {
  d: number;
  m: number;
  s: number;
  K: number;
}

/** The spec's strides for a filter size m: 1, ⌈m/2⌉ and m − 1, deduplicated, ascending (all < m). */
export function bgStrides(m: number): number[] {
  return [...new Set([1, Math.ceil(m / 2), m - 1])].filter((s) => s >= 1 && s < m).sort((a, b) => a - b);
}

/**
 * All 36 settings in the fixed order the sweep takes them: round r = 0, 1, 2 over the 12 (m, s)
 * pairs (m ascending, then s), pair i at K = BG_KS[(i + r) mod 3]. Any prefix of 12 or more has
 * every (m, s) pair, and the first 12 have each K four times.
 */
export const BG_SETTINGS: readonly BasinSetting[] = (() => {
  const pairs = BG_MS.flatMap((m) => bgStrides(m).map((s) => ({ m, s })));
  const out: BasinSetting[] = [];
  for (let r = 0; r < BG_KS.length; r++) {
    pairs.forEach(({ m, s }, i) => {
      const K = BG_KS[(i + r) % BG_KS.length];
      out.push({ d: m + (K - 1) * s, m, s, K });
    });
  }
  return out;
})();

export const settingLabel = (x: BasinSetting) => `d=${x.d} m=${x.m} s=${x.s} (K=${x.K})`;

/** The seed of a setting's random teachers: each setting draws its own (mod 2³²). */
export function teacherSeed(seed: number, x: BasinSetting): number {
  return (seed + 1 + 1_000_000 * x.m + 1000 * x.s + x.d) >>> 0;
}

const INITS = ['gaussian', 'sphere', 'teacher-sphere'] as const;

const OPTIONS = defineOptions({
  settings: { kind: 'int', default: 14, min: 1, max: BG_SETTINGS.length, help: `how many settings of the fixed order to run (${BG_SETTINGS.length}: the whole grid)` },
  skip: { kind: 'int', default: 0, min: 0, max: BG_SETTINGS.length - 1, help: 'settings of the fixed order to skip before those (to run the grid in parts)' },
  perSupport: { kind: 'int', default: 17, min: 0, max: 1000, help: 'random teachers per uniform support (5 supports, plus 5 deterministic teachers: 17 gives 90 per setting)' },
  restarts: { kind: 'int', default: 1000, min: 1, max: 10_000_000, help: 'random initialisations w₀ per teacher' },
  lr: { kind: 'number', default: 0.1, min: 0, max: 1 / 3, open: true, help: 'the paper’s step λ on its loss ℓ = 2L; the engine steps L with 2λ' },
  maxSteps: { kind: 'int', default: 20000, min: 1, max: 1 << 24, help: 'step budget per restart' },
  init: { kind: 'choice', default: 'gaussian', choices: INITS, help: 'w₀: N(0, r²I_m), uniform on the sphere of radius r, or on the sphere of radius ‖w*‖' },
  initScale: { kind: 'number', default: 1, min: 1e-6, max: 1e6, help: 'r: the Gaussian’s std or the sphere’s radius', onlyWith: { init: ['gaussian', 'sphere'] } },
  seed: { kind: 'int', default: 2017, min: 0, max: 0xffffffff - 2, help: 'seed of w₀ (the search uses seed + 1, its confirmation seed + 2) and of the random teachers' },
  search: { kind: 'choice', default: 'on', choices: ['on', 'off'], help: 'after the sweep, search for teachers with a smaller basin mass' },
  searchStarts: { kind: 'int', default: 3, min: 1, max: 100, help: 'worst sampled teachers to start a search from', onlyWith: { search: ['on'] } },
  searchSteps: { kind: 'int', default: 40, min: 1, max: 10_000, help: 'candidate teachers per search', onlyWith: { search: ['on'] } },
  searchRestarts: { kind: 'int', default: 200, min: 1, max: 1_000_000, help: 'restarts per candidate (the same w₀ for all)', onlyWith: { search: ['on'] } },
  confirmRestarts: { kind: 'int', default: 2000, min: 1, max: 10_000_000, help: 'fresh restarts confirming the best teacher of each search', onlyWith: { search: ['on'] } },
}, [
  {
    option: 'skip',
    holds: (v) => v.skip + v.settings <= BG_SETTINGS.length,
    message: (v) => `skip + settings must be ≤ ${BG_SETTINGS.length} (got ${v.skip} + ${v.settings})`,
  },
]);

export type BasinMassOptions = OptionValues<typeof OPTIONS>;

export function selectedSettings(o: Pick<BasinMassOptions, 'settings' | 'skip'>): BasinSetting[] {
  return BG_SETTINGS.slice(o.skip, o.skip + o.settings);
}

export function basinModel(x: BasinSetting): ModelSpec {
  return { d: x.d, m: x.m, stride: x.s, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false };
}

const norm = (w: ArrayLike<number>) => Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0));

/**
 * The experiment of one teacher. The sphere inits run the unit sphere against w* / r (see the
 * module comment: exactly the same runs as radius r against w*).
 */
export function basinExperiment(o: BasinMassOptions, x: BasinSetting, teacher: Teacher, restarts: number, seed: number): Experiment {
  const scale = o.init === 'teacher-sphere' ? norm(teacher.w) : o.init === 'sphere' ? o.initScale : 1;
  const init: InitSpec = o.init === 'gaussian' ? { kind: 'gaussian', std: o.initScale } : { kind: 'sphere', aStd: 0 };
  return {
    model: basinModel(x),
    teacher: scale === 1 ? teacher : { ...teacher, w: teacher.w.map((v) => v / scale) },
    loss: { kind: 'population' },
    // ℓ = 2L: the paper's step λ on ℓ is a step 2λ on L.
    optimizer: { kind: 'gd', lr: 2 * o.lr },
    init,
    restarts,
    maxSteps: o.maxSteps,
    seed,
    outcome: { ...DEFAULT_OUTCOME_RULE },
  };
}

/** Where a 95% interval lies against the paper's lower bound 1/17. */
export type BoundSide = 'above' | 'straddles' | 'below';

export function boundSide(c: Pick<CellResult, 'ci95'>, bound = BG_MASS_BOUND): BoundSide {
  return c.ci95[0] >= bound ? 'above' : c.ci95[1] < bound ? 'below' : 'straddles';
}

/** Summary of P(global) over a group of teachers' cells. */
export interface MassStats {
  teachers: number;
  min: number;
  median: number;
  mean: number;
  /** The cell with the smallest P(global) (the first of equals), and how many lie wholly below 1/17 or straddle it. */
  worst: CellResult;
  below: number;
  straddles: number;
  undecided: number;
}

export function massStats(cells: readonly CellResult[]): MassStats {
  if (cells.length === 0) throw new RangeError('massStats needs at least one cell');
  const p = cells.map((c) => c.pGlobal).sort((a, b) => a - b);
  const n = p.length;
  const median = n % 2 === 1 ? p[(n - 1) / 2] : (p[n / 2 - 1] + p[n / 2]) / 2;
  let worst = cells[0];
  for (const c of cells) if (c.pGlobal < worst.pGlobal) worst = c;
  return {
    teachers: n,
    min: p[0],
    median,
    mean: p.reduce((s, v) => s + v, 0) / n,
    worst,
    below: cells.filter((c) => boundSide(c) === 'below').length,
    straddles: cells.filter((c) => boundSide(c) === 'straddles').length,
    undecided: cells.reduce((s, c) => s + c.undecided, 0),
  };
}

/** Probabilities to three decimals, as the other reports print them: "0.061 [0.047, 0.078]". */
const p3 = (x: number) => x.toFixed(3);
const interval = (c: Pick<CellResult, 'pGlobal' | 'ci95'>) => `${p3(c.pGlobal)} [${p3(c.ci95[0])}, ${p3(c.ci95[1])}]`;
const vector = (w: ArrayLike<number>) => `(${Array.from(w, (v) => fmt(v, 3)).join(', ')})`;

const sameSetting = (c: CellResult, x: BasinSetting) => c.key.d === x.d && c.key.m === x.m && c.key.stride === x.s;

export function settingTable(settings: readonly BasinSetting[], cells: readonly CellResult[]): Table {
  const rows: (string | number)[][] = [];
  for (const x of settings) {
    const own = cells.filter((c) => sameSetting(c, x));
    if (own.length === 0) continue;
    const s = massStats(own);
    rows.push([x.d, x.m, x.s, x.K, s.teachers, p3(s.min), p3(s.median), p3(s.mean), String(s.worst.key.teacher), interval(s.worst), boundSide(s.worst), s.below, s.undecided]);
  }
  return {
    id: 'settings',
    title: 'P(global) per setting over its teachers (the paper: ≥ 1/17 ≈ 0.0588 for every teacher); the worst teacher with its 95% Wilson interval and where that lies against 1/17',
    columns: ['d', 'm', 's', 'K', 'teachers', 'min', 'median', 'mean', 'worst teacher', 'its P(global) [95% CI]', 'vs 1/17', 'teachers wholly below 1/17', 'undecided restarts'],
    rows,
  };
}

/** The family of a teacher label: its support ("U[-1, 1]") or its deterministic name. */
export const teacherFamily = (label: string) => label.replace(/ #\d+$/, '');

export function familyTable(cells: readonly CellResult[]): Table {
  const families = [...new Set(cells.map((c) => teacherFamily(String(c.key.teacher))))];
  return {
    id: 'families',
    title: 'P(global) per teacher family, over all settings swept',
    columns: ['teachers', 'count', 'min', 'median', 'mean', 'worst (setting)', 'its P(global) [95% CI]', 'wholly below 1/17'],
    rows: families.map((f) => {
      const s = massStats(cells.filter((c) => teacherFamily(String(c.key.teacher)) === f));
      const k = s.worst.key;
      return [f, s.teachers, p3(s.min), p3(s.median), p3(s.mean), `d=${k.d} m=${k.m} s=${k.stride}`, interval(s.worst), s.below];
    }),
  };
}

/** One search's record: where it started, what it found, and the confirmation of that. */
export interface SearchRecord {
  setting: BasinSetting;
  start: CellResult;
  startTeacher: Teacher;
  /** The start and the best candidate on the search's own restarts (seed + 1). */
  startOnSearch: number;
  bestOnSearch: number;
  best: Teacher;
  tried: number;
  accepted: number;
  confirmation: CellResult;
}

function searchTable(records: readonly SearchRecord[], o: BasinMassOptions): Table {
  return {
    id: 'search',
    title: `The worst-teacher search (ours): a (1+1) hill climb over w* from each of the worst sampled teachers, ${o.searchRestarts} restarts per candidate (the same w₀ for all, seed + 1), the best confirmed on ${o.confirmRestarts} fresh restarts (seed + 2)`,
    columns: ['setting', 'start teacher', 'its w*', 'sweep P(global) [95% CI]', 'start on the search set', 'best on the search set', 'candidates (kept)', 'best w*', '‖w*‖', 'confirmed P(global) [95% CI]', 'vs 1/17'],
    rows: records.map((r) => [
      settingLabel(r.setting),
      String(r.start.key.teacher),
      vector(r.startTeacher.w),
      interval(r.start),
      p3(r.startOnSearch),
      p3(r.bestOnSearch),
      `${r.tried} (${r.accepted})`,
      vector(r.best.w),
      fmt(norm(r.best.w), 3),
      interval(r.confirmation),
      boundSide(r.confirmation),
    ]),
  };
}

/** The sorted P(global) of every sampled teacher (their empirical distribution) against the line 1/17. */
export function massFigure(cells: readonly CellResult[]): Figure {
  const p = cells.map((c) => c.pGlobal).sort((a, b) => a - b);
  const x = p.map((_, i) => (i + 1) / p.length);
  return {
    id: 'mass',
    title: 'P(global) of every sampled teacher, sorted, against the paper’s lower bound 1/17',
    x: 'fraction of teachers with at most this P(global)',
    y: 'P(global)',
    series: [
      { name: 'teachers', x, y: p },
      { name: '1/17', x: [0, 1], y: [BG_MASS_BOUND, BG_MASS_BOUND] },
    ],
  };
}

/** The summary tables, figure and notes of the cells so far (rewritten after each setting, so a stopped run keeps them). */
function summarise(result: ExperimentResult, o: BasinMassOptions, settings: readonly BasinSetting[], sweep: readonly CellResult[], records: readonly SearchRecord[]): void {
  // The sweep's critical points first, as runCells puts them (summarise rebuilds the tables).
  const catalogue = criticalPointsTable([...sweep]);
  result.tables = [...(catalogue ? [catalogue] : []), settingTable(settings, sweep), familyTable(sweep)];
  result.figures = [massFigure(sweep)];
  if (records.length > 0) result.tables.push(searchTable(records, o));
  const all = massStats(sweep);
  const done = settings.filter((x) => sweep.some((c) => sameSetting(c, x)));
  const w = all.worst;
  const initText =
    o.init === 'gaussian'
      ? `w₀ ~ N(0, ${o.initScale === 1 ? 'I_m' : `${o.initScale}²·I_m`})`
      : o.init === 'sphere'
        ? `w₀ uniform on the sphere of radius ${o.initScale} (run as the unit sphere against w*/${o.initScale}: the same runs, by homogeneity)`
        : 'w₀ uniform on the sphere of radius ‖w*‖ (run as the unit sphere against w*/‖w*‖: the same runs, by homogeneity)';
  result.notes = [
    `The paper (Sec. 7.2): over more than 1200 teachers, 90 per (d, m, overlap), the global minimum's basin has mass ≥ 1/17 ≈ ${fmt(BG_MASS_BOUND, 4)}. Ours: the smallest P(global) over ${all.teachers} sampled teachers in ${done.length} settings is ${interval(w)} (teacher ${w.key.teacher}, d=${w.key.d} m=${w.key.m} s=${w.key.stride}; ${w.global} of ${w.restarts} restarts), whose interval lies ${boundSide(w) === 'above' ? 'wholly above' : boundSide(w) === 'below' ? 'wholly below' : 'across'} 1/17.`,
    `${all.below} of the ${all.teachers} teachers have a 95% interval wholly below 1/17 (${all.below === 0 ? 'none contradicts the claim' : 'each would contradict the claim under our unstated choices: a reportable discrepancy, not a refutation'}); ${all.straddles} straddle it. Over all teachers P(global): median ${p3(all.median)}, mean ${p3(all.mean)}.`,
    `Our choices (the paper's are in a supplement we do not have): settings m ∈ {2, 3, 4, 5, 8}, s ∈ {1, ⌈m/2⌉, m − 1}, K ∈ {5, 10, 20}, d = m + (K − 1)s, settings ${o.skip + 1}–${o.skip + o.settings} of the fixed order of ${BG_SETTINGS.length} (src/presets/bg-basin-mass.ts BG_SETTINGS); teachers ${o.perSupport} per support from U[−1, 1], U[0, 1], U[−1, 0], U[−5, 5], U[0.5, 1.5] (entries i.i.d., each setting its own, teacherSeed) and the deterministic (−1, 1, −1, …), (1, …, 1), (−1, …, −1, 1), e₁, (1, −1, 0, …, 0); ${initText}, the same draws for every teacher; ${o.restarts} restarts per teacher; average pooling 1/K; population loss.`,
    `GD on the paper's ℓ = 2L with step λ = ${o.lr} (the engine's lr ${fmt(2 * o.lr, 6)} on L), at most ${o.maxSteps} steps; global = L ≤ 1e-4·L_ref and angle(w, w*) ≤ 0.1, spurious = stationary (‖∇L‖ ≤ 1e-5·√L_ref) above that; ${all.undecided} restarts undecided (counted as either outcome in their interval).`,
  ];
  const polished = polishNote([...sweep]);
  if (polished) result.notes.push(polished);
  if (records.length > 0) {
    const best = records.reduce((a, b) => (b.confirmation.pGlobal < a.confirmation.pGlobal ? b : a));
    result.notes.push(
      `The search (ours, beyond the paper): the lowest confirmed mass is ${interval(best.confirmation)} on ${best.confirmation.restarts} fresh restarts, w* = ${vector(best.best.w)} (‖w*‖ = ${fmt(norm(best.best.w), 3)}) at ${settingLabel(best.setting)}, from ${best.start.key.teacher} (${interval(best.start)} in the sweep); its interval lies ${boundSide(best.confirmation) === 'above' ? 'wholly above' : boundSide(best.confirmation) === 'below' ? 'wholly below' : 'across'} 1/17. On the search's own restarts it scored ${p3(best.bestOnSearch)} (biased low by the selection; the confirmation is not).`,
    );
  }
}

/** The perturbation z ∈ R^m of candidate `step` of search `start` (counter RNG: pure in the seed). */
function perturbation(seed: number, start: number, step: number, m: number): Float64Array {
  const z = new Float64Array(m);
  for (let t = 0; t < m; t++) z[t] = normal(seed, TEACHER_RESTART, STREAM.fresh, (start * 10_000 + step) * m + t);
  return z;
}

export const SIGMA_START = 0.3;
const SIGMA_RANGE: [number, number] = [0.02, 1];

const plan = (o: BasinMassOptions, x: BasinSetting, teacher: Teacher, label: string, restarts: number, seed: number): CellPlan => ({
  key: { d: x.d, m: x.m, stride: x.s, K: x.K, teacher: label },
  label: `${settingLabel(x)} ${label}`,
  exp: basinExperiment(o, x, teacher, restarts, seed),
  paper: null,
});

/** Search `index` (see the module comment) from a sampled teacher's cell: its record, the confirmation cell in the result. */
async function* search(o: BasinMassOptions, runner: CellRunner, x: BasinSetting, start: CellResult, startTeacher: Teacher, index: number): AsyncGenerator<ExperimentUpdate, SearchRecord> {
  const scratch: ExperimentResult = { ...runner.result, cells: [] };
  const score = async function* (teacher: Teacher, label: string): AsyncGenerator<ExperimentUpdate, number> {
    const [c] = yield* runner.run([plan(o, x, teacher, `search ${index + 1} ${label}`, o.searchRestarts, o.seed + 1)], scratch);
    return c.pGlobal;
  };
  let best = startTeacher;
  const startOnSearch = yield* score(best, 'start');
  let bestP = startOnSearch;
  let sigma = SIGMA_START;
  let accepted = 0;
  for (let step = 0; step < o.searchSteps; step++) {
    const z = perturbation(o.seed, index, step, x.m);
    const r = (sigma * norm(best.w)) / Math.sqrt(x.m);
    const candidate: Teacher = { ...best, w: best.w.map((v, t) => v + r * z[t]) };
    const p = yield* score(candidate, `candidate ${step + 1}`);
    if (p < bestP) {
      best = candidate;
      bestP = p;
      accepted++;
      sigma = Math.min(SIGMA_RANGE[1], sigma * 1.5);
    } else {
      sigma = Math.max(SIGMA_RANGE[0], sigma * 0.85);
    }
  }
  const [confirmation] = yield* runner.run([plan(o, x, best, `search ${index + 1} best (from ${start.key.teacher})`, o.confirmRestarts, o.seed + 2)]);
  return { setting: x, start, startTeacher, startOnSearch, bestOnSearch: bestP, best, tried: o.searchSteps, accepted, confirmation };
}

export const bgBasinMass: Preset<BasinMassOptions> = definePreset({
  name: 'bg-basin-mass',
  title: 'Brutzkus & Globerson: the basin mass of the global minimum with overlapping filters (≥ 1/17?)',
  source: 'Brutzkus & Globerson (2017), Sec. 7.2',
  options: OPTIONS,
  async *run(o, ctx) {
    const settings = selectedSettings(o);
    const perSetting = 5 * o.perSupport + 5;
    const searchCost = o.search === 'on' ? o.searchStarts * ((o.searchSteps + 1) * o.searchRestarts + o.confirmRestarts) : 0;
    const total = settings.length * perSetting * o.restarts + searchCost;
    const result = emptyResult(
      bgBasinMass.name,
      bgBasinMass.title,
      {
        ...o,
        settingsRun: settings,
        model: 'one filter of size m, stride s, d = m + (K − 1)s, ReLU, fixed average pooling 1/K',
        teacher: 'src/core/teachers.ts bgBasinTeachers(m, K, perSupport, teacherSeed(seed, setting)); teacherSeed = (seed + 1 + 10⁶·m + 10³·s + d) mod 2³²',
        loss: { kind: 'population' },
        optimizer: { kind: 'gd', lr: 2 * o.lr, note: 'GD on our L = ℓ/2 with step 2λ: the paper’s GD on ℓ with step λ' },
        outcome: DEFAULT_OUTCOME_RULE,
        paper: 'P(global) ≥ 1/17 for every teacher (a lower bound: the cells carry paper = null)',
      },
      o.seed,
      ctx,
    );
    const runner = new CellRunner(ctx, result, total);
    const sweep: CellResult[] = [];
    const teachersOf = new Map<CellResult, Teacher>();
    const records: SearchRecord[] = [];
    for (const x of settings) {
      const teachers = bgBasinTeachers(x.m, x.K, o.perSupport, teacherSeed(o.seed, x));
      const cells = yield* runner.run(teachers.map((t) => plan(o, x, t.teacher, t.label, o.restarts, o.seed)));
      cells.forEach((c, i) => teachersOf.set(c, teachers[i].teacher));
      sweep.push(...cells);
      summarise(result, o, settings, sweep, records);
    }
    if (o.search === 'on' && sweep.length > 0) {
      const starts = [...sweep].sort((a, b) => a.pGlobal - b.pGlobal).slice(0, o.searchStarts);
      for (const [i, s] of starts.entries()) {
        const x = settings.find((y) => sameSetting(s, y))!;
        records.push(yield* search(o, runner, x, s, teachersOf.get(s)!, i));
        summarise(result, o, settings, sweep, records);
      }
    }
    result.seconds = runner.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});
