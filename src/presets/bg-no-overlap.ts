/**
 * Brutzkus & Globerson (ICML 2017), Sec. 5: one filter w ∈ R^m over k non-overlapping patches of
 * x ~ N(0, I_{km}), fixed average pooling 1/k, a realizable teacher w*: gradient descent from a
 * random point of the unit sphere reaches the global minimum (Prop. 5.1: the only critical points
 * are the maximum 0, the minimum w* and a degenerate saddle −c(k)w*; eq. 15: for λ < 1 the angle
 * to w* falls at every step; Thm 5.2: ℓ ≤ O(ε) within O(1/ε²) steps). The paper reports no
 * experiment for Sec. 5 (only Fig. 2's colormap): every grid is ours,
 * /work/shared/specs/remaining-papers.md §A.1 BG5-1 … BG5-5 and Fig. 2, each named in the notes.
 *
 * Loss normalisation as in bg-overlap-map: the paper's ℓ = E[(f − f*)²] is 2L, our L = ½E[…]; GD
 * on ℓ with step λ is GD on L with step 2λ. Every loss and Hessian here is printed in ℓ units.
 *
 * What runs:
 * 1. the grid k × m × λ, R restarts each from the unit sphere (P(global), runCells' catalogue);
 * 2. `traced` restarts at (traceK, each m, traceLr), traced every step without any outcome rule
 *    (NEVER_DECIDE): the angle's increases above the f32 floor (eq. 15: none) and min_t ‖w_t‖;
 * 3. `rateRestarts` restarts per k (at the first m) and per m (at traceK), all at traceLr
 *    (§A.1 BG5-5: "per k, and per m at fixed k"), traced every `rateEvery` steps, also undecided, for
 *    T(ε) = the first traced step with ℓ ≤ ε (ℓ in f64 at the traced f32 parameters), fitted
 *    against log(1/ε) and against 1/ε²;
 * 4. the saddle: gradient and Hessian (classifyCriticalPoint) in f64 at −c(k)w*, GD from the ray
 *    θ₀ = π (default rule: ends stationary there; trap rule: labelled spurious), and the escape
 *    time from θ₀ = π − φ₀ at radius c(k) (m = 2, k = escapeK), fitted against 1/φ₀ and log 1/φ₀;
 * 5. Fig. 2: ℓ of eq. 8 over a grid (CPU, f64) as a field map.
 */
import type { TraceResult, WaveResult } from '../engine/engine.ts';
import { classifyCriticalPoint } from '../core/catalogue.ts';
import type { Experiment } from '../core/experiment.ts';
import { linearFit } from '../core/fit.ts';
import { initParams } from '../core/init.ts';
import { type ModelSpec, type Teacher, angleBetween, shapeOf } from '../core/model.ts';
import { DEFAULT_OUTCOME_RULE, NEVER_DECIDE, OUTCOME, type OutcomeRule } from '../core/outcome.ts';
import { objectiveOf } from '../core/polish.ts';
import { populationLoss, populationLossAndGradient } from '../core/population.ts';
import { prepare } from '../core/prepare.ts';
import { randomTeacher } from '../core/teachers.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { ExperimentUpdate, Preset, RunContext } from './types.ts';
import type { BasinMap, CellResult, ExperimentResult, Figure, Table } from '../results/types.ts';

/** The f32 floor of the kernels' angle: θ = acos(cos θ) and cos θ rounds to ±1 below ~3.5e-4 rad. */
export const ANGLE_FLOOR = 3.5e-4;

const OPTIONS = defineOptions({
  k: { kind: 'int-list', default: [1, 2, 4, 10, 25, 100], min: 1, max: 1000, help: 'patches k (d = k·m)' },
  m: { kind: 'int-list', default: [2, 5, 25], min: 2, max: 256, help: 'filter sizes m' },
  lr: { kind: 'number-list', default: [0.01, 0.1, 0.5, 0.9], min: 1e-6, max: 0.999, help: 'the paper’s steps λ on ℓ = 2L (eq. 15 needs λ < 1); the engine steps L with 2λ' },
  restarts: { kind: 'int', default: 10_000, min: 1, max: 10_000_000, help: 'restarts per grid cell, each filter uniform on the unit sphere (Thm 5.2)' },
  steps: { kind: 'int', default: 20_000, min: 1, max: 1 << 24, help: 'step budget per restart (grid and T(ε) runs)' },
  delta: { kind: 'number', default: 0.1, min: 0, max: 1, open: true, help: 'δ of Thm 5.2: the fraction of initial angles above (1 − δ)π is reported' },
  seed: { kind: 'int', default: 2017, min: 0, max: 0xffffffff - 1000, help: 'seed of the initial points and (seed + 1 + 1000k + m) of each w*' },
  traced: { kind: 'int', default: 64, min: 1, max: 1024, help: 'restarts traced at every step for the angle and the norm (BG5-2, BG5-3)' },
  traceSteps: { kind: 'int', default: 3000, min: 1, max: 100_000, help: 'steps of the traced runs' },
  traceK: { kind: 'int', default: 10, min: 1, max: 1000, help: 'k of the traced runs (one per m)' },
  traceLr: { kind: 'number', default: 0.1, min: 1e-6, max: 0.999, help: 'λ of the traced runs' },
  rateRestarts: { kind: 'int', default: 4, min: 1, max: 256, help: 'restarts per T(ε) setting (each k at the first m, each m at traceK; λ = traceLr), run without an outcome rule' },
  rateEvery: { kind: 'int', default: 10, min: 1, max: 10_000, help: 'trace interval of those runs (T(ε) is resolved to it)' },
  eps: { kind: 'number-list', default: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6], min: 1e-12, max: 10, help: 'targets ε of T(ε) = the first step with ℓ ≤ ε' },
  escapeK: { kind: 'int', default: 4, min: 2, max: 1000, help: 'k of the saddle runs (m = 2)' },
  escapeLr: { kind: 'number', default: 0.5, min: 1e-6, max: 0.999, help: 'λ of the saddle runs' },
  phi: { kind: 'number-list', default: [1e-1, 3e-2, 1e-2, 3e-3, 1e-3], min: 1e-3, max: 1.5, help: 'angular offsets φ₀ from the ray θ = π (≥ 1e-3: below ~3.5e-4 f32 rounds θ to π)' },
  escapeSteps: { kind: 'int', default: 60_000, min: 1, max: 1 << 22, help: 'step budget of the ray and escape runs' },
  mapK: { kind: 'int', default: 10, min: 1, max: 1000, help: 'k of Fig. 2’s loss map (w* = (1, 1), m = 2)' },
  mapRange: { kind: 'number', default: 2, min: 0.001, max: 1000, help: 'half-width of the map’s square [−R, R]²' },
  mapResolution: { kind: 'int', default: 101, min: 2, max: 1001, help: 'map grid points per axis' },
});

export type NoOverlapOptions = OptionValues<typeof OPTIONS>;

/** β and γ of eq. 8. */
export function bgBetaGamma(k: number): { beta: number; gamma: number } {
  const beta = (k * k - k) / (2 * Math.PI);
  return { beta, gamma: beta + k / 2 };
}

/** c(k) = (k − 1)/(k − 1 + π): the saddle is −c(k)w* (Prop. 5.1 (c)). */
export const saddleCoefficient = (k: number) => (k - 1) / (k - 1 + Math.PI);

/** ℓ at the saddle for ‖w*‖ = 1, (γ − β²/γ)/k², and ℓ(0) = γ/k². */
export function saddleLoss(k: number): { saddle: number; zero: number } {
  const { beta, gamma } = bgBetaGamma(k);
  return { saddle: (gamma - (beta * beta) / gamma) / (k * k), zero: gamma / (k * k) };
}

/** Eq. 8 with its constant γ‖w*‖²/k² restored (so ℓ(w*) = 0), straight from the paper's formula. */
export function eq8Loss(k: number, w: ArrayLike<number>, wStar: ArrayLike<number>): number {
  const { beta, gamma } = bgBetaGamma(k);
  let ww = 0;
  let ss = 0;
  let ws = 0;
  for (let i = 0; i < w.length; i++) {
    ww += w[i] * w[i];
    ss += wStar[i] * wStar[i];
    ws += w[i] * wStar[i];
  }
  const nw = Math.sqrt(ww);
  const ns = Math.sqrt(ss);
  const theta = nw > 0 ? Math.acos(Math.max(-1, Math.min(1, ws / (nw * ns)))) : 0;
  const g = (nw * ns * (Math.sin(theta) + (Math.PI - theta) * Math.cos(theta))) / (2 * Math.PI);
  return (gamma * ww - 2 * k * g - 2 * beta * nw * ns + gamma * ss) / (k * k);
}

export function noOverlapModel(k: number, m: number): ModelSpec {
  return { d: k * m, m, stride: m, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false };
}

/** w* of a (k, m) setting: a random unit vector (Thm 5.2), output weights 1/k. */
export function noOverlapTeacher(k: number, m: number, seed: number): Teacher {
  const t = randomTeacher(1, m, k, (seed + 1 + 1000 * k + m) >>> 0);
  return { ...t, a: new Float64Array(k).fill(1 / k) };
}

type RunSizes = Pick<NoOverlapOptions, 'seed' | 'restarts' | 'steps'>;

function baseExperiment(o: RunSizes, k: number, m: number, lr: number): Experiment {
  return {
    model: noOverlapModel(k, m),
    teacher: noOverlapTeacher(k, m, o.seed),
    loss: { kind: 'population' },
    // ℓ = 2L: the paper's step λ on ℓ is a step 2λ on L.
    optimizer: { kind: 'gd', lr: 2 * lr },
    init: { kind: 'sphere', aStd: 0 },
    restarts: o.restarts,
    maxSteps: o.steps,
    seed: o.seed,
    outcome: { ...DEFAULT_OUTCOME_RULE },
  };
}

/** One start w₀ (a 1 × 1 grid): the ray and escape runs. */
function pointExperiment(o: NoOverlapOptions, w0: [number, number], outcome: OutcomeRule): Experiment {
  const exp = baseExperiment(o, o.escapeK, 2, o.escapeLr);
  const base = [w0[0], w0[1], ...new Array<number>(o.escapeK).fill(1 / o.escapeK)];
  return { ...exp, init: { kind: 'grid', axes: [0, 1], range: [w0[0], w0[0], w0[1], w0[1]], resolution: [1, 1], base }, restarts: 1, maxSteps: o.escapeSteps, outcome };
}

/** ℓ = 2L in f64 at a parameter row. */
const ell = (exp: Experiment, row: ArrayLike<number>) => 2 * populationLoss(exp.model, exp.teacher, row);
const norm = (w: ArrayLike<number>, n = w.length) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += w[i] * w[i];
  return Math.sqrt(s);
};

/** Restart r's row at trace slot s. */
const traceRow = (t: TraceResult, s: number, r: number) => t.params.subarray((s * t.restarts + r) * t.P, (s * t.restarts + r + 1) * t.P);

/** P(θ₀ > (1 − δ)π) for w₀ uniform on S^{m−1}: density ∝ sin^{m−2}θ on [0, π] (Simpson, 2000 panels). */
export function sphereAngleTail(m: number, delta: number): number {
  const integral = (a: number, b: number) => {
    const n = 2000;
    const h = (b - a) / n;
    let s = 0;
    for (let i = 0; i <= n; i++) s += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * Math.sin(a + i * h) ** (m - 2);
    return (s * h) / 3;
  };
  return integral((1 - delta) * Math.PI, Math.PI) / integral(0, Math.PI);
}

/** The traced runs' findings for one m (BG5-2, BG5-3). */
export interface AngleTrace {
  m: number;
  restarts: number;
  /** Restarts whose angle ever rose (θ_{t+1} > θ_t while θ_t > ANGLE_FLOOR), and the largest rise. */
  increasing: number;
  largestRise: number;
  /** Per restart: θ₀ and min_t ‖w_t‖. */
  theta0: number[];
  minNorm: number[];
  /** Restarts whose angle reached the floor within the traced steps. */
  atFloor: number;
}

export function angleTrace(exp: Experiment, t: TraceResult): AngleTrace {
  const m = exp.model.m;
  const teacher = exp.teacher.w;
  const out: AngleTrace = { m, restarts: t.restarts, increasing: 0, largestRise: 0, theta0: [], minNorm: [], atFloor: 0 };
  for (let r = 0; r < t.restarts; r++) {
    let prev = angleBetween(traceRow(t, 0, r), teacher, m);
    let minNorm = norm(traceRow(t, 0, r), m);
    let rose = false;
    out.theta0.push(prev);
    for (let s = 1; s < t.steps.length; s++) {
      const row = traceRow(t, s, r);
      const theta = angleBetween(row, teacher, m);
      minNorm = Math.min(minNorm, norm(row, m));
      if (prev > ANGLE_FLOOR && theta > prev) {
        rose = true;
        out.largestRise = Math.max(out.largestRise, theta - prev);
      }
      prev = theta;
    }
    if (rose) out.increasing++;
    if (prev <= ANGLE_FLOOR) out.atFloor++;
    out.minNorm.push(minNorm);
  }
  return out;
}

/** T(ε) of one cell: per ε, the largest over its rate restarts of the first traced step with ℓ ≤ ε (null: some restart never got there). */
export function firstHits(exp: Experiment, t: TraceResult, eps: readonly number[]): (number | null)[] {
  const hit = eps.map(() => 0);
  for (let r = 0; r < t.restarts; r++) {
    const first = eps.map(() => -1);
    for (let s = 0; s < t.steps.length; s++) {
      const l = ell(exp, traceRow(t, s, r));
      eps.forEach((e, i) => {
        if (first[i] < 0 && l <= e) first[i] = t.steps[s];
      });
      if (first.every((f) => f >= 0)) break;
    }
    first.forEach((f, i) => (hit[i] = hit[i] === -1 || f === -1 ? -1 : Math.max(hit[i], f)));
  }
  return hit.map((h) => (h < 0 ? null : h));
}

export interface GrowthFit {
  /** Points used: (ε or φ₀, T) with T reached. */
  n: number;
  r2Log: number;
  r2Power: number;
  better: 'log' | 'power' | 'undetermined';
  slopeLog: number;
  slopePower: number;
}

/** Fits T = a + b·log(1/x) and T = a + b·x^{−p} (p = 2 for T(ε), 1 for the escape time); R² decides. */
export function growthFit(x: readonly number[], T: readonly (number | null)[], p: number): GrowthFit {
  const pts = x.map((v, i) => [v, T[i]] as const).filter((q): q is readonly [number, number] => q[1] !== null);
  const lg = linearFit(pts.map(([v]) => Math.log(1 / v)), pts.map(([, t]) => t));
  const pw = linearFit(pts.map(([v]) => v ** -p), pts.map(([, t]) => t));
  const better = Number.isFinite(lg.r2) && Number.isFinite(pw.r2) ? (lg.r2 >= pw.r2 ? 'log' : 'power') : 'undetermined';
  return { n: pts.length, r2Log: lg.r2, r2Power: pw.r2, better, slopeLog: lg.slope, slopePower: pw.slope };
}

/** The saddle of (k, m) in f64: where, how flat, and its Hessian (ℓ units). */
export interface SaddleCheck {
  k: number;
  m: number;
  c: number;
  loss: number;
  gradNorm: number;
  eigenvalues: number[];
  kind: string;
  radial: number;
}

export function saddleCheck(k: number, m: number, seed: number): SaddleCheck {
  const exp = baseExperiment({ seed, restarts: 1, steps: 1 }, k, m, 0.1);
  const c = saddleCoefficient(k);
  const row = new Float64Array(shapeOf(exp.model).P).fill(1 / k);
  for (let i = 0; i < m; i++) row[i] = -c * exp.teacher.w[i];
  const { loss, grad } = populationLossAndGradient(exp.model, exp.teacher, row);
  const objective = objectiveOf(prepare(exp))!;
  const h = classifyCriticalPoint(exp.model, objective, row);
  const { gamma } = bgBetaGamma(k);
  return { k, m, c, loss: 2 * loss, gradNorm: 2 * norm(grad, m), eigenvalues: h.eigenvalues.map((v) => 2 * v), kind: h.kind, radial: (2 * gamma) / (k * k) };
}

/** Fig. 2: ℓ (eq. 8, computed as 2L by src/core/population.ts) over [−R, R]² for w* = (1, 1). */
export function lossMap(o: Pick<NoOverlapOptions, 'mapK' | 'mapRange' | 'mapResolution'>): BasinMap {
  const k = o.mapK;
  const n = o.mapResolution;
  const model = noOverlapModel(k, 2);
  const teacher: Teacher = { filters: 1, w: Float64Array.of(1, 1), a: new Float64Array(k).fill(1 / k) };
  const row = new Float64Array(2 + k).fill(1 / k);
  const values: number[] = [];
  const at = (i: number) => -o.mapRange + (2 * o.mapRange * i) / (n - 1);
  for (let iy = 0; iy < n; iy++) {
    for (let ix = 0; ix < n; ix++) {
      row[0] = at(ix);
      row[1] = at(iy);
      values.push(2 * populationLoss(model, teacher, row));
    }
  }
  const c = saddleCoefficient(k);
  const axis = (label: string, param: number) => ({ label, param, lo: -o.mapRange, hi: o.mapRange, n });
  return {
    id: 'loss-map',
    title: `Fig. 2: the loss ℓ of eq. 8 for w* = (1, 1), k = ${k} (m = 2, d = ${2 * k})`,
    x: axis('w₁', 0),
    y: axis('w₂', 1),
    codes: new Array<number>(n * n).fill(-1),
    field: { label: 'ℓ(w)', values },
    points: [
      { x: 1, y: 1, label: 'w*' },
      { x: -c, y: -c, label: 'saddle −c(k)w*' },
      { x: 0, y: 0, label: '0 (max)' },
    ],
  };
}

/** Progress over every run of the preset (the grid's cells and the runs after it). */
class Progressor {
  done = 0;
  readonly start = performance.now();
  constructor(
    readonly result: ExperimentResult,
    readonly total: number,
  ) {}
  seconds = () => (performance.now() - this.start) / 1000;
  update(done: number, label: string): ExperimentUpdate {
    const elapsed = this.seconds();
    return { progress: { done, total: this.total, etaSeconds: done > 0 ? ((this.total - done) * elapsed) / done : null, cell: null, label }, result: this.result };
  }
}

/** Runs one experiment outside the cells (no catalogue), returning its trace and its last wave. */
async function* runOne(exp: Experiment, ctx: RunContext, p: Progressor, label: string, trace?: { every: number; restarts: number }): AsyncGenerator<ExperimentUpdate, { trace?: TraceResult; wave?: WaveResult }> {
  const out: { trace?: TraceResult; wave?: WaveResult } = {};
  for await (const s of ctx.engine.run(exp, {
    signal: ctx.signal,
    onWave: (w) => (out.wave = w),
    trace: trace && { ...trace, onTrace: (t) => (out.trace = t) },
  })) {
    yield p.update(p.done + s.done, label);
  }
  p.done += exp.restarts;
  p.result.seconds = p.seconds();
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const interval = (c: Pick<CellResult, 'pGlobal' | 'ci95'>) => `${c.pGlobal.toFixed(4)} [${c.ci95[0].toFixed(4)}, ${c.ci95[1].toFixed(4)}]`;
const key = (c: CellResult) => ({ k: Number(c.key.k), m: Number(c.key.m), lr: Number(c.key.lambda) });

export const bgNoOverlap: Preset<NoOverlapOptions> = definePreset({
  name: 'bg-no-overlap',
  title: 'Brutzkus & Globerson: gradient descent on the no-overlap network under Gaussian inputs (no bad basin)',
  source: 'Brutzkus & Globerson (2017), Sec. 5, Prop. 5.1, eq. 15, Thm 5.2, Fig. 2',
  options: OPTIONS,
  async *run(o, ctx) {
    const settings = o.k.flatMap((k) => o.m.map((m) => ({ k, m })));
    const cellsOf = settings.flatMap(({ k, m }) => o.lr.map((lr) => ({ k, m, lr })));
    const rateSettings = rateSettingsOf(o);
    const total = cellsOf.length * o.restarts + rateSettings.length * o.rateRestarts + o.m.length * o.traced + o.phi.length + 2;
    const result = emptyResult(
      bgNoOverlap.name,
      bgNoOverlap.title,
      {
        ...o,
        model: 'one filter w ∈ R^m, k patches without overlap (d = k·m, stride m), ReLU, fixed average pooling 1/k',
        teacher: 'w* a random unit vector per (k, m): src/core/teachers.ts randomTeacher(1, m, k, seed + 1 + 1000k + m), output weights 1/k',
        loss: { kind: 'population' },
        optimizer: { kind: 'gd', note: 'GD on our L = ℓ/2 with step 2λ: the paper’s GD on ℓ with step λ (eq. 13)' },
        init: { kind: 'sphere', note: 'w₀ uniform on S^{m−1} (Thm 5.2)' },
        outcome: DEFAULT_OUTCOME_RULE,
        paper: 'P(global) = 1 (Prop. 5.1, eq. 15); no experiment in the paper',
      },
      o.seed,
      ctx,
    );
    const p = new Progressor(result, total);

    // 1. The grid.
    const nearRay = new Map<string, number>();
    const plans: CellPlan[] = cellsOf.map(({ k, m, lr }) => ({
      key: { k, m, lambda: lr },
      label: `k=${k} m=${m} λ=${lr}`,
      exp: baseExperiment(o, k, m, lr),
      paper: 1,
      onWave: (w: WaveResult) => nearRay.set(`${k},${m},${lr}`, (nearRay.get(`${k},${m},${lr}`) ?? 0) + saddleStops(w)),
    }));
    for await (const u of runCells(plans, ctx, result)) yield { ...p.update(u.progress.done, u.progress.label), snapshot: u.snapshot };
    p.done = cellsOf.length * o.restarts;
    const grid = result.cells.slice();
    const tails = new Map(settings.map(({ k, m }) => [`${k},${m}`, initialTail(baseExperiment(o, k, m, o.lr[0]), o.delta)]));

    // 2. Traced restarts.
    const traces: AngleTrace[] = [];
    for (const m of o.m) {
      const exp = { ...baseExperiment(o, o.traceK, m, o.traceLr), restarts: o.traced, maxSteps: o.traceSteps, outcome: NEVER_DECIDE };
      const { trace } = yield* runOne(exp, ctx, p, `traced k=${o.traceK} m=${m}`, { every: 1, restarts: o.traced });
      traces.push(angleTrace(exp, trace!));
    }

    // 3. T(ε) per k and per m.
    const rates: { k: number; m: number; lr: number; T: (number | null)[]; fit: GrowthFit }[] = [];
    for (const { k, m, lr } of rateSettings) {
      const exp = { ...baseExperiment(o, k, m, lr), restarts: o.rateRestarts, outcome: NEVER_DECIDE };
      const { trace } = yield* runOne(exp, ctx, p, `T(ε) k=${k} m=${m} λ=${lr}`, { every: o.rateEvery, restarts: o.rateRestarts });
      const T = firstHits(exp, trace!, o.eps);
      rates.push({ k, m, lr, T, fit: growthFit(o.eps, T, 2) });
    }

    // 4. The saddle.
    const saddles = settings.filter(({ k }) => k > 1).map(({ k, m }) => saddleCheck(k, m, o.seed));
    const K = o.escapeK;
    const c = saddleCoefficient(K);
    const wStar = noOverlapTeacher(K, 2, o.seed).w;
    const perp: [number, number] = [-wStar[1], wStar[0]];
    const at = (r: number, phi: number): [number, number] => [r * (-Math.cos(phi) * wStar[0] + Math.sin(phi) * perp[0]), r * (-Math.cos(phi) * wStar[1] + Math.sin(phi) * perp[1])];
    const rayExp = pointExperiment(o, at(1, 0), { ...DEFAULT_OUTCOME_RULE });
    const ray = (yield* runOne(rayExp, ctx, p, 'the ray θ₀ = π')).wave!;
    const trapExp = pointExperiment(o, at(1, 0), { ...DEFAULT_OUTCOME_RULE, trap: { w: [-wStar[0], -wStar[1]], angleTol: 1e-3, aTol: 1 } });
    const trapped = (yield* runOne(trapExp, ctx, p, 'the ray θ₀ = π (trap rule)')).wave!;
    const escapes: (number | null)[] = [];
    for (const phi of o.phi) {
      // No stationarity test: near the degenerate saddle ‖∇ℓ‖ ∝ φ² would stop the run as 'spurious' before it escapes.
      const exp = pointExperiment(o, at(c, phi), { ...DEFAULT_OUTCOME_RULE, gradTol: 0 });
      const { trace } = yield* runOne(exp, ctx, p, `escape φ₀=${phi}`, { every: 1, restarts: 1 });
      let t: number | null = null;
      for (let s = 0; s < trace!.steps.length && t === null; s++) if (angleBetween(traceRow(trace!, s, 0), wStar, 2) < Math.PI / 2) t = trace!.steps[s];
      escapes.push(t);
    }
    const escapeFit = growthFit(o.phi, escapes, 1);

    // 5. Fig. 2.
    result.maps = [lossMap(o)];

    const rayEnd = Array.from(ray.params.subarray(0, 2));
    const rayDist = Math.hypot(rayEnd[0] + c * wStar[0], rayEnd[1] + c * wStar[1]);
    result.tables.push(
      gridTable(o, grid, tails, nearRay),
      heatTable(o, grid),
      summaryTable(o, grid),
      traceTable(o, traces),
      rateTable(o, rates),
      saddleTable(saddles),
      escapeTable(o, escapes, escapeFit),
    );
    result.figures.push(normFigure(traces), escapeFigure(o, escapes));
    result.notes.push(
      ...notes(o, grid, traces, rates, saddles, escapeFit, {
        rayOutcome: ray.status[0],
        raySteps: ray.steps[0],
        rayDist,
        rayAngle: angleBetween(rayEnd, wStar, 2),
        trapOutcome: trapped.status[0],
        trapSteps: trapped.steps[0],
        c,
      }),
    );
    result.seconds = p.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});

/** The T(ε) settings: each k at the first m, then each other m at traceK; all at λ = traceLr. */
export function rateSettingsOf(o: Pick<NoOverlapOptions, 'k' | 'm' | 'traceK' | 'traceLr'>): { k: number; m: number; lr: number }[] {
  const out = o.k.map((k) => ({ k, m: o.m[0], lr: o.traceLr }));
  for (const m of o.m) if (!out.some((x) => x.k === o.traceK && x.m === m)) out.push({ k: o.traceK, m, lr: o.traceLr });
  return out;
}

/** The fraction of a cell's initial points with θ₀ > (1 − δ)π (the init is the same for every λ). */
function initialTail(exp: Experiment, delta: number): number {
  const row = new Float64Array(shapeOf(exp.model).P);
  let above = 0;
  for (let r = 0; r < exp.restarts; r++) {
    initParams(exp, r, row);
    if (angleBetween(row, exp.teacher.w, exp.model.m) > (1 - delta) * Math.PI) above++;
  }
  return above / exp.restarts;
}

/** Angle to w* beyond which a spurious end point is counted as stopped on the saddle's ray θ = π. */
export const RAY_ANGLE = Math.PI - 0.1;

/** A wave's spurious restarts that stopped on the saddle's ray (θ > RAY_ANGLE). */
function saddleStops(w: WaveResult): number {
  let n = 0;
  for (let i = 0; i < w.count; i++) if (w.status[i] === OUTCOME.spurious && w.angle[i] > RAY_ANGLE) n++;
  return n;
}

function gridTable(o: NoOverlapOptions, grid: CellResult[], tails: Map<string, number>, nearRay: Map<string, number>): Table {
  return {
    id: 'p-global',
    title: `BG5-1: P(global) per cell with its 95% Wilson interval (the paper: 1), and the fraction of θ₀ above (1 − δ)π, δ = ${o.delta} (derived for the uniform sphere: the tail of ∝ sin^{m−2}θ)`,
    columns: ['k', 'm', 'λ', 'restarts', 'global', 'spurious', '… stopped on the saddle’s ray (θ > π − 0.1)', 'diverged', 'undecided', 'P(global) [95% CI]', 'θ₀ > (1 − δ)π', 'expected (sphere)'],
    rows: grid.map((c) => {
      const { k, m, lr } = key(c);
      return [k, m, lr, c.restarts, c.global, c.spurious, nearRay.get(`${k},${m},${lr}`) ?? 0, c.diverged, c.undecided, interval(c), fmt(tails.get(`${k},${m}`)!, 4), fmt(sphereAngleTail(m, o.delta), 4)];
    }),
  };
}

function heatTable(o: NoOverlapOptions, grid: CellResult[]): Table {
  const rows = o.k.flatMap((k) =>
    o.m.map((m) => [k, m, ...o.lr.map((lr) => {
      const c = grid.find((x) => key(x).k === k && key(x).m === m && key(x).lr === lr);
      return c ? Number(c.pGlobal.toFixed(4)) : '';
    })]),
  );
  return { id: 'p-global-grid', title: 'BG5-1: P(global) as a k·m × λ grid (heatmap-able)', columns: ['k', 'm', ...o.lr.map((lr) => `λ=${lr}`)], rows };
}

/** Grid totals with the largest λ apart (Thm 5.2 only asserts that some λ < 1 works). */
function summaryTable(o: NoOverlapOptions, grid: CellResult[]): Table {
  const top = Math.max(...o.lr);
  const groups = o.lr.length > 1 ? [['λ < ' + top, grid.filter((c) => key(c).lr < top)], ['λ = ' + top, grid.filter((c) => key(c).lr === top)]] as const : [['all', grid]] as const;
  return {
    id: 'p-global-summary',
    title: 'BG5-1: totals, the largest λ reported separately',
    columns: ['cells', 'count', 'restarts', 'global', 'spurious', 'diverged', 'undecided', 'smallest P(global)', 'cells with P(global) = 1'],
    rows: groups.map(([name, cs]) => [
      name,
      cs.length,
      cs.reduce((s, c) => s + c.restarts, 0),
      cs.reduce((s, c) => s + c.global, 0),
      cs.reduce((s, c) => s + c.spurious, 0),
      cs.reduce((s, c) => s + c.diverged, 0),
      cs.reduce((s, c) => s + c.undecided, 0),
      cs.length ? fmt(Math.min(...cs.map((c) => c.pGlobal)), 4) : '',
      cs.filter((c) => c.global === c.restarts).length,
    ]),
  };
}

function traceTable(o: NoOverlapOptions, traces: AngleTrace[]): Table {
  return {
    id: 'angle',
    title: `BG5-2/BG5-3: ${o.traced} restarts traced at every step (k = ${o.traceK}, λ = ${o.traceLr}, ${o.traceSteps} steps, no outcome rule): eq. 15 says θ_{t+1} < θ_t (counted while θ_t > ${ANGLE_FLOOR}, the f32 floor); the paper: ‖w_t‖ ≥ M = Ω̃(1), no number`,
    columns: ['m', 'restarts', 'angle ever rose (eq. 15: 0)', 'largest rise (rad)', 'reached the floor', 'min_t ‖w_t‖ (smallest)', 'θ₀ of that restart', 'min_t ‖w_t‖ (median)'],
    rows: traces.map((t) => {
      const i = t.minNorm.indexOf(Math.min(...t.minNorm));
      const sorted = [...t.minNorm].sort((a, b) => a - b);
      return [t.m, t.restarts, t.increasing, fmt(t.largestRise, 3), t.atFloor, fmt(t.minNorm[i], 4), fmt(t.theta0[i], 4), fmt(sorted[Math.floor(sorted.length / 2)], 4)];
    }),
  };
}

function rateTable(o: NoOverlapOptions, rates: { k: number; m: number; lr: number; T: (number | null)[]; fit: GrowthFit }[]): Table {
  return {
    id: 'rate',
    title: `BG5-5: T(ε), the first step with ℓ ≤ ε (the slowest of ${o.rateRestarts} restarts, traced every ${o.rateEvery} steps, ${o.steps} steps, no outcome rule; '—': not reached); Thm 5.2: O(1/ε²); fits T = a + b·log(1/ε) and T = a + b/ε² by R²`,
    columns: ['k', 'm', 'λ', ...o.eps.map((e) => `T(${e})`), 'R² log(1/ε)', 'R² 1/ε²', 'fits better'],
    rows: rates.map((r) => [r.k, r.m, r.lr, ...r.T.map((t) => (t === null ? '—' : t)), fmt(r.fit.r2Log, 4), fmt(r.fit.r2Power, 4), r.fit.better]),
  };
}

function saddleTable(saddles: SaddleCheck[]): Table {
  return {
    id: 'saddle',
    title: 'BG5-4 (i): the degenerate saddle −c(k)w* in f64 (ℓ units): ‖∇ℓ‖, ℓ against (γ − β²/γ)/k², the Hessian’s eigenvalues (src/core/catalogue.ts classifyCriticalPoint) against one 2γ/k² and m − 1 zeros',
    columns: ['k', 'm', 'c(k)', 'ℓ (f64)', '(γ − β²/γ)/k²', '‖∇ℓ‖', 'largest eigenvalue', '2γ/k²', 'largest |other eigenvalue|', 'kind'],
    rows: saddles.map((s) => {
      const sorted = [...s.eigenvalues].sort((a, b) => b - a);
      return [s.k, s.m, fmt(s.c, 6), fmt(s.loss, 6), fmt(saddleLoss(s.k).saddle, 6), fmt(s.gradNorm, 3), fmt(sorted[0], 6), fmt(s.radial, 6), fmt(Math.max(0, ...sorted.slice(1).map(Math.abs)), 3), s.kind];
    }),
  };
}

function escapeTable(o: NoOverlapOptions, escapes: (number | null)[], fit: GrowthFit): Table {
  return {
    id: 'escape',
    title: `BG5-4 (iii): steps until θ < π/2 from θ₀ = π − φ₀ at radius c(k) (k = ${o.escapeK}, m = 2, λ = ${o.escapeLr}; ours, not the paper’s): a cubic saddle gives ∝ 1/φ₀, a strict one log(1/φ₀). Fits: R² 1/φ₀ = ${fmt(fit.r2Power, 4)}, R² log = ${fmt(fit.r2Log, 4)}`,
    columns: ['φ₀', 'escape steps', 'φ₀ · steps'],
    rows: o.phi.map((phi, i) => [phi, escapes[i] ?? `> ${o.escapeSteps}`, escapes[i] === null ? '' : fmt(phi * escapes[i]!, 4)]),
  };
}

function normFigure(traces: AngleTrace[]): Figure {
  return {
    id: 'min-norm',
    title: 'BG5-3: min_t ‖w_t‖ of each traced restart against its θ₀',
    x: 'θ₀ (rad)',
    y: 'min_t ‖w_t‖',
    series: traces.map((t) => {
      const order = t.theta0.map((_, i) => i).sort((a, b) => t.theta0[a] - t.theta0[b]);
      return { name: `m=${t.m}`, x: order.map((i) => t.theta0[i]), y: order.map((i) => t.minNorm[i]) };
    }),
  };
}

function escapeFigure(o: NoOverlapOptions, escapes: (number | null)[]): Figure {
  const pts = o.phi.map((phi, i) => [phi, escapes[i]] as const).filter((q): q is readonly [number, number] => q[1] !== null).sort((a, b) => a[0] - b[0]);
  return { id: 'escape', title: 'BG5-4: escape steps against 1/φ₀', x: '1/φ₀', y: 'steps until θ < π/2', series: [{ name: 'escape', x: pts.map(([phi]) => 1 / phi), y: pts.map(([, t]) => t) }] };
}

interface RayFindings {
  rayOutcome: number;
  raySteps: number;
  rayDist: number;
  rayAngle: number;
  trapOutcome: number;
  trapSteps: number;
  c: number;
}

function notes(o: NoOverlapOptions, grid: CellResult[], traces: AngleTrace[], rates: { fit: GrowthFit; T: (number | null)[] }[], saddles: SaddleCheck[], escapeFit: GrowthFit, ray: RayFindings): string[] {
  const top = Math.max(...o.lr);
  const below = grid.filter((c) => key(c).lr < top || o.lr.length === 1);
  const sum = (cs: CellResult[], f: (c: CellResult) => number) => cs.reduce((s, c) => s + f(c), 0);
  const nonGlobal = (cs: CellResult[]) => `${sum(cs, (c) => c.spurious)} spurious, ${sum(cs, (c) => c.diverged)} diverged, ${sum(cs, (c) => c.undecided)} undecided`;
  const slow = grid.filter((c) => c.undecided > 0).map((c) => `k=${c.key.k} m=${c.key.m} λ=${c.key.lambda}: ${c.undecided}`);
  const fitted = rates.filter((r) => r.fit.better !== 'undetermined');
  const logWins = fitted.filter((r) => r.fit.better === 'log').length;
  const unreached = rates.reduce((s, r) => s + r.T.filter((t) => t === null).length, 0);
  const names = ['running', 'global', 'spurious', 'diverged', 'undecided'];
  const maxZero = Math.max(0, ...saddles.map((s) => Math.max(0, ...[...s.eigenvalues].sort((a, b) => b - a).slice(1).map(Math.abs))));
  const maxRel = Math.max(0, ...saddles.map((s) => Math.abs(Math.max(...s.eigenvalues) / s.radial - 1)));
  const maxGrad = Math.max(0, ...saddles.map((s) => s.gradNorm));
  return [
    `Choices the paper leaves open (ours, /work/shared/specs/remaining-papers.md §A.1): the grid k ∈ {${o.k.join(', ')}} × m ∈ {${o.m.join(', ')}} × λ ∈ {${o.lr.join(', ')}}, ${o.restarts} restarts and ${o.steps} steps per cell; T(ε) for each k at m = ${o.m[0]} and each m at k = ${o.traceK}, λ = ${o.traceLr}, ${o.rateRestarts} restarts each (the slowest counts); w* a random unit vector per (k, m); w₀ uniform on the unit sphere; the default outcome rule (global: L ≤ 1e-4·L_ref and angle ≤ 0.1; spurious: stationary above that); δ = ${o.delta}. Losses are ℓ = 2L (the paper's E[(f − f*)²]); GD on ℓ with step λ ran as GD on L with step 2λ.`,
    `BG5-1 (the paper: P(global) = 1, Prop. 5.1 and eq. 15): ${o.lr.length > 1 ? `for λ < ${top}` : 'over the grid'}, ${sum(below, (c) => c.global)} of ${sum(below, (c) => c.restarts)} restarts ended global (${nonGlobal(below)}); ` +
      (o.lr.length > 1 ? `at λ = ${top}, ${sum(grid.filter((c) => key(c).lr === top), (c) => c.global)} of ${sum(grid.filter((c) => key(c).lr === top), (c) => c.restarts)} (${nonGlobal(grid.filter((c) => key(c).lr === top))}). ` : '') +
      `Spurious here is the default rule's stationarity test (‖∇L‖ ≤ 1e-5·√L_ref above the global loss): near the degenerate saddle ‖∇ℓ‖ ∝ φ² (φ = π − θ), so a start close enough to θ₀ = π stops there before escaping, which is slowness, not a bad basin (the critical-points table shows where they ended). ` +
      (slow.length ? `Undecided within ${o.steps} steps (slow, not stuck: a spurious or diverged run would contradict eq. 15): ${slow.join('; ')}.` : 'No restart was undecided.'),
    `BG5-2 (eq. 15: the angle falls at every step for λ < 1): ${traces.reduce((s, t) => s + t.increasing, 0)} of ${traces.reduce((s, t) => s + t.restarts, 0)} traced restarts ever had θ_{t+1} > θ_t while θ_t > ${ANGLE_FLOOR} (the f32 floor); ${traces.reduce((s, t) => s + t.atFloor, 0)} reached the floor within ${o.traceSteps} steps.`,
    `BG5-3 (the paper: ‖w_t‖ ≥ M = Ω̃(1), no number): the smallest min_t ‖w_t‖ over the traced restarts is ${fmt(Math.min(...traces.flatMap((t) => t.minNorm)), 4)} (k = ${o.traceK}, λ = ${o.traceLr}).`,
    `BG5-5 (Thm 5.2: T(ε) = O(1/ε²); derived: log(1/ε) near the strongly convex minimum): of ${fitted.length} settings with at least three reached ε, ${logWins} fit T = a + b·log(1/ε) better than T = a + b/ε² (by R²), ${fitted.length - logWins} the other way; ${unreached} (setting, ε) pairs were not reached within ${o.steps} steps (the f32 floor, ~1e-6·L_ref, or the slow λ).`,
    `BG5-4 (i) (Prop. 5.1 (c): a degenerate saddle at −c(k)w*): in f64 over ${saddles.length} settings the largest ‖∇ℓ‖ there is ${fmt(maxGrad, 3)}; the largest Hessian eigenvalue matches 2γ/k² within a relative ${fmt(maxRel, 3)}, and the other m − 1 are at most ${fmt(maxZero, 3)} in magnitude (zero: the loss is cubic in the angle there).`,
    `BG5-4 (ii): GD from θ₀ = π (‖w₀‖ = 1, k = ${o.escapeK}, m = 2, λ = ${o.escapeLr}) ended '${names[ray.rayOutcome]}' after ${ray.raySteps} steps at distance ${fmt(ray.rayDist, 3)} from −c(k)w* (c = ${fmt(ray.c, 6)}), angle ${fmt(ray.rayAngle, 6)} to w*; with outcome.trap = {w: −w*, angleTol: 1e-3} it is labelled '${names[ray.trapOutcome]}' at step ${ray.trapSteps} (the trap labels on entry to its cone; aTol is unused with the fixed output).`,
    `BG5-4 (iii) (ours): the escape time from θ₀ = π − φ₀ fits T = a + b/φ₀ with R² = ${fmt(escapeFit.r2Power, 4)} and T = a + b·log(1/φ₀) with R² = ${fmt(escapeFit.r2Log, 4)}: ${escapeFit.better === 'power' ? '∝ 1/φ₀, the cubic (degenerate) saddle' : escapeFit.better === 'log' ? 'log(1/φ₀), as for a strict saddle' : 'undetermined (too few escapes)'}.`,
    `Fig. 2: the map of ℓ (eq. 8) for w* = (1, 1), k = ${o.mapK} over [−${o.mapRange}, ${o.mapRange}]² at ${o.mapResolution} × ${o.mapResolution} points, evaluated on the CPU in f64 (the range is not stated in the paper).`,
  ];
}
