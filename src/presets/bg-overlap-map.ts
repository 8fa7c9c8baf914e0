/**
 * Brutzkus & Globerson (ICML 2017), Sec. 7.1: with overlapping filters gradient descent can get
 * stuck. One shared filter w = (w₁, w₂) (m = 2, stride 1) over k patches of an input of length
 * d = k + 1, fixed average pooling (output weights 1/k), teacher w* = (−1, 1), population loss.
 * Gradient descent from every point of a grid over [−R, R]² of (w₁, w₂): a basin map.
 *
 * What the paper proves, and what we check on the map:
 * - Prop. 7.1: for a step λ ∈ (0, 1/3), GD started in the open fourth quadrant (w₁ > 0, w₂ < 0)
 *   stays there; the global minimum w* is in the second, so every such start ends sub-optimal;
 * - Prop. 7.2: on the fourth quadrant ℓ(w) ≥ (2h+1)/(k²(2h+2))·‖w*‖², attained at
 *   w̃ = −h/(h+1)·w*, with h(k) = (k² − 3k + 2)/π + √3(k − 1)/π + 2(k − 1)/3;
 * - Thm 7.3: hence a random initialisation gets stuck with probability ≥ 1/4.
 *
 * Loss normalisation. The paper's risk is ℓ = E[(f − f*)²] (eq. 5, 7); ours is L = ½E[(f − f*)²]
 * (src/core/population.ts), so ℓ = 2L: every bound is printed for L, i.e. halved, and GD on ℓ with step
 * λ (eq. 13: w ← w − λ∇ℓ) is GD on L with step 2λ. The `lr` option is the paper's λ (so that
 * Prop. 7.1's range (0, 1/3) applies to it as printed); the engine runs with 2λ. (Eq. 16 as
 * printed lacks the 1/k² of eq. 7 on its β, γ and (β − 2) terms; with it, it equals 2L exactly —
 * tests/unit/bg-overlap-map.test.ts.)
 *
 * The outcome rule: global by the default loss and angle test; spurious by stationarity only
 * (‖∇L‖ ≤ gradTol·√L_ref above the global loss), no trap. A trap (a cone of directions around w̃
 * inside the open fourth quadrant) would also classify soundly — by Prop. 7.1 a run there never
 * leaves — but it labels runs as they enter the cone, wherever they are, while stationarity lets
 * them run until they sit at a critical point, so the end points test Prop. 7.2 (they must be w̃,
 * at the bound) instead of being assumed to. Its one way to go wrong: the basins meet along the
 * stable manifolds of two saddles, at ≈ (0.630, 0.472) and (−0.472, −0.630) (k = 4, L ≈ 0.113);
 * a start within ~5e-8 of that boundary lingers at a saddle until ‖∇L‖ passes the test (measured
 * on the CPU at λ = 0.1; ~1e-3 odds that any point of a 201-point grid is that close). Such a run
 * would be labelled spurious away from w̃, so the Prop. 7.2 table counts the spurious end points
 * farther than FAR_FROM_TRAP from w̃ (none on the default grid: the farthest is ~4e-5).
 */
import type { WaveResult } from '../engine/engine.ts';
import type { Experiment } from '../core/experiment.ts';
import { initParams } from '../core/init.ts';
import { type ModelSpec, shapeOf } from '../core/model.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../core/outcome.ts';
import { populationLoss } from '../core/population.ts';
import { bgOverlapTeacher } from '../core/teachers.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { Preset } from './types.ts';
import type { BasinMap, ExperimentResult, Table } from '../results/types.ts';

/**
 * Restarts per wave: each finished wave is written into the map, so a page can draw it filling in
 * (ten pieces at 201 × 201). It costs time, since every wave runs until its slowest restart is
 * decided (~700 steps here): the 201 × 201 map took 32–36 s in waves of 4096 against 18–19 s in
 * one wave on SwiftShader (dawn.node, 2 shared cores).
 */
export const MAP_WAVE = 4096;

/** A spurious end point farther than this from w̃ did not converge to it (see the module comment). */
export const FAR_FROM_TRAP = 1e-3;

const BG_OPTIONS = defineOptions({
  k: { kind: 'int', default: 4, min: 2, max: 64, help: 'number of patches k (input length d = k + 1; the paper’s Figure 4: k = 4)' },
  resolution: { kind: 'int', default: 201, min: 2, max: 1001, help: 'grid points per axis (odd: the axes w₁ = 0 and w₂ = 0 are on the grid)' },
  range: { kind: 'number', default: 2, min: 0.001, max: 1000, help: 'half-width R of the square [−R, R]² of initial filters (w₁, w₂)' },
  // The paper's step λ on ℓ = 2L (the engine steps L with 2λ).
  lr: {
    kind: 'number',
    default: 0.1,
    min: 0,
    max: 1 / 3,
    open: true,
    help: 'the paper’s step λ on its loss ℓ = 2L (Prop. 7.1 needs λ in (0, 1/3)); the engine steps L with 2λ',
  },
  maxSteps: { kind: 'int', default: 20000, min: 1, max: 1 << 24, help: 'step budget per restart' },
});

export type BgOptions = OptionValues<typeof BG_OPTIONS>;

/** h(k) of Prop. 7.2. */
export function bgH(k: number): number {
  return (k * k - 3 * k + 2) / Math.PI + (Math.sqrt(3) * (k - 1)) / Math.PI + (2 * (k - 1)) / 3;
}

/** Prop. 7.2's minimiser of the loss over the fourth quadrant, w̃ = −h/(h+1)·w*. */
export function bgSpuriousPoint(k: number): [number, number] {
  const c = bgH(k) / (bgH(k) + 1);
  const [w1, w2] = bgOverlapTeacher(k).w;
  return [-c * w1, -c * w2];
}

/** Prop. 7.2's lower bound on the fourth quadrant, (2h+1)/(k²(2h+2))·‖w*‖², for ℓ; ours is half. */
export function bgBound(k: number): { ell: number; L: number } {
  const h = bgH(k);
  const [w1, w2] = bgOverlapTeacher(k).w;
  const ell = ((2 * h + 1) / (k * k * (2 * h + 2))) * (w1 * w1 + w2 * w2);
  return { ell, L: ell / 2 };
}

export function bgModel(k: number): ModelSpec {
  return { d: k + 1, m: 2, stride: 1, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false };
}

/** The experiment: one restart per grid point, restart r at (ix, iy) = (r mod n, ⌊r/n⌋). */
export function bgExperiment(o: BgOptions): Experiment {
  const n = o.resolution;
  return {
    model: bgModel(o.k),
    teacher: bgOverlapTeacher(o.k),
    loss: { kind: 'population' },
    // ℓ = 2L: the paper's step λ on ℓ is a step 2λ on L.
    optimizer: { kind: 'gd', lr: 2 * o.lr },
    // Output entries are overwritten by the fixed 1/k; the filter axes by the grid.
    init: { kind: 'grid', axes: [0, 1], range: [-o.range, o.range, -o.range, o.range], resolution: [n, n], base: new Array(2 + o.k).fill(0) },
    restarts: n * n,
    maxSteps: o.maxSteps,
    // Unused: grid initialisation and the exact population loss draw no random numbers.
    seed: 0,
    outcome: { ...DEFAULT_OUTCOME_RULE },
  };
}

/** The empty basin map of the experiment (every code −1: not run yet), w* and w̃ marked. */
export function bgEmptyMap(o: BgOptions): BasinMap {
  const [sx, sy] = bgSpuriousPoint(o.k);
  const [tx, ty] = bgOverlapTeacher(o.k).w;
  const axis = (label: string, param: number) => ({ label, param, lo: -o.range, hi: o.range, n: o.resolution });
  return {
    id: 'basins',
    title: `Where GD ends from each initial filter (w₁, w₂), k = ${o.k}, λ = ${o.lr}`,
    x: axis('w₁', 0),
    y: axis('w₂', 1),
    codes: new Array<number>(o.resolution * o.resolution).fill(-1),
    points: [
      { x: tx, y: ty, label: 'w*' },
      { x: sx, y: sy, label: 'w̃' },
    ],
  };
}

/** Per-restart end states the tables need, gathered wave by wave. */
interface EndStates {
  /** Over the spurious restarts: the smallest loss (f64) at the end point, the largest distance to w̃. */
  minSpuriousLoss: number;
  maxDistance: number;
  /** Spurious end points farther than FAR_FROM_TRAP from w̃. */
  far: number;
}

/**
 * Writes a wave's outcomes into the map and folds its spurious end points into `end`. Their loss
 * is evaluated here in f64 rather than taken from the engine, whose f32 loss (GPU) is off by
 * ~1e-6 at w̃ — enough to land below the bound; Prop. 7.2 bounds the loss at any point of the
 * quadrant, so the end points' exact losses are what it speaks of.
 */
function recordWave(w: WaveResult, exp: Experiment, map: BasinMap, end: EndStates, wTilde: [number, number]): void {
  const P = w.params.length / w.count;
  const row = new Float64Array(P);
  for (let i = 0; i < w.count; i++) {
    map.codes[w.first + i] = w.status[i];
    if (w.status[i] !== OUTCOME.spurious) continue;
    for (let p = 0; p < P; p++) row[p] = w.params[i * P + p];
    end.minSpuriousLoss = Math.min(end.minSpuriousLoss, populationLoss(exp.model, exp.teacher, row));
    const distance = Math.hypot(row[0] - wTilde[0], row[1] - wTilde[1]);
    end.maxDistance = Math.max(end.maxDistance, distance);
    if (distance > FAR_FROM_TRAP) end.far++;
  }
}

/** Counts over the grid by where each start lies, from the initial points the engines use. */
interface QuadrantCounts {
  points: number;
  /** Open fourth quadrant (w₁ > 0, w₂ < 0), and those of them that ended spurious. */
  q4: number;
  q4Spurious: number;
  spurious: number;
  /** Spurious starts outside the closed fourth quadrant (the basin of w̃ beyond Prop. 7.1's). */
  spuriousOutsideQ4: number;
  /** Smallest initial loss over the closed fourth quadrant's grid points (f64): Prop. 7.2 for all w. */
  minLossQ4: number;
}

function quadrantCounts(exp: Experiment, codes: number[]): QuadrantCounts {
  const row = new Float64Array(shapeOf(exp.model).P);
  const c: QuadrantCounts = { points: codes.length, q4: 0, q4Spurious: 0, spurious: 0, spuriousOutsideQ4: 0, minLossQ4: Infinity };
  for (let r = 0; r < codes.length; r++) {
    initParams(exp, r, row);
    const [w1, w2] = row;
    const spurious = codes[r] === OUTCOME.spurious;
    if (spurious) c.spurious++;
    if (w1 > 0 && w2 < 0) {
      c.q4++;
      if (spurious) c.q4Spurious++;
    }
    if (w1 >= 0 && w2 <= 0) c.minLossQ4 = Math.min(c.minLossQ4, populationLoss(exp.model, exp.teacher, row));
    else if (spurious) c.spuriousOutsideQ4++;
  }
  return c;
}

function quadrantTable(q: QuadrantCounts, global: number): Table {
  const row = (label: string, count: number) => [label, count, fmt(count / q.points, 4)];
  return {
    id: 'quadrant',
    title: 'Prop. 7.1 and Thm 7.3: grid points by where they start and end (fractions of the grid; Thm 7.3: P(stuck) ≥ 1/4 for a random start)',
    columns: ['grid points', 'count', 'fraction of the grid'],
    rows: [
      row('all', q.points),
      row('in the open 4th quadrant (w₁ > 0, w₂ < 0)', q.q4),
      row('… of which end spurious (Prop. 7.1: all)', q.q4Spurious),
      row('end spurious (stuck)', q.spurious),
      row('… of which start outside the closed 4th quadrant', q.spuriousOutsideQ4),
      row('end global', global),
    ],
  };
}

function prop72Table(o: BgOptions, exp: Experiment, q: QuadrantCounts, end: EndStates): Table {
  const bound = bgBound(o.k);
  const wt = bgSpuriousPoint(o.k);
  const atWt = new Float64Array(shapeOf(exp.model).P).fill(1 / o.k);
  atWt[0] = wt[0];
  atWt[1] = wt[1];
  const lossWt = populationLoss(exp.model, exp.teacher, atWt);
  return {
    id: 'prop-7-2',
    title: 'Prop. 7.2: on the 4th quadrant ℓ ≥ (2h+1)/(k²(2h+2))·‖w*‖², attained at w̃ = −h/(h+1)·w* (losses in our L = ℓ/2)',
    columns: ['quantity', 'value'],
    rows: [
      ['h(k)', fmt(bgH(o.k), 6)],
      ['w̃', `(${fmt(wt[0], 6)}, ${fmt(wt[1], 6)})`],
      ['bound on ℓ (paper)', fmt(bound.ell, 6)],
      ['bound on L = ℓ/2', fmt(bound.L, 6)],
      ['L(w̃) (f64)', fmt(lossWt, 6)],
      ['smallest L over the grid points of the closed 4th quadrant (f64)', fmt(q.minLossQ4, 6)],
      ['spurious restarts', q.spurious],
      ['smallest L at their end points (f64)', fmt(end.minSpuriousLoss, 6)],
      ['… minus the bound', fmt(end.minSpuriousLoss - bound.L, 3)],
      ['largest ‖w_end − w̃‖ among them', fmt(end.maxDistance, 3)],
      [`… farther than ${FAR_FROM_TRAP} from w̃ (stopped elsewhere)`, end.far],
    ],
  };
}

function notes(o: BgOptions, result: ExperimentResult, q: QuadrantCounts, end: EndStates): string[] {
  const cell = result.cells[0];
  const bound = bgBound(o.k);
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const out = [
    `Loss normalisation: the paper's ℓ = E[(f − f*)²] is twice our L = ½E[(f − f*)²], so GD on ℓ with step λ = ${o.lr} ran as GD on L with step ${fmt(2 * o.lr, 6)}, and Prop. 7.2's bound ${fmt(bound.ell, 6)} on ℓ is ${fmt(bound.L, 6)} on L.`,
    `P(global) over the ${o.resolution} × ${o.resolution} grid on [−${o.range}, ${o.range}]²: ${cell.pGlobal.toFixed(4)} [${cell.ci95[0].toFixed(4)}, ${cell.ci95[1].toFixed(4)}] (${cell.global} of ${cell.restarts}; ${cell.diverged} diverged, ${cell.undecided} undecided within ${o.maxSteps} steps). The paper gives no number for it.`,
    q.q4Spurious === q.q4
      ? `Prop. 7.1 holds on the grid: all ${q.q4} grid points in the open fourth quadrant end spurious.`
      : `Prop. 7.1 does not hold on the grid: ${q.q4 - q.q4Spurious} of the ${q.q4} grid points in the open fourth quadrant do not end spurious.`,
    `Thm 7.3: ${pct(q.spurious / q.points)} of the grid ends stuck (the paper: ≥ 25% for a random start); the open fourth quadrant alone is ${pct(q.q4 / q.points)} of the grid${o.resolution % 2 === 1 ? ' (under 25%: the grid points on the axes are not in the open quadrant)' : ''}, and ${q.spuriousOutsideQ4} of the stuck starts lie outside the closed fourth quadrant: the basin of w̃ is larger than the quadrant Prop. 7.1 proves it for.`,
  ];
  if (q.spurious > 0) {
    out.push(
      `Prop. 7.2: the smallest loss (f64) at the end points of the ${q.spurious} spurious restarts is ${fmt(end.minSpuriousLoss, 6)} against the bound ${fmt(bound.L, 6)} (difference ${fmt(end.minSpuriousLoss - bound.L, 3)}), and every spurious end point lies within ${fmt(end.maxDistance, 3)} of w̃ = −h/(h+1)·w* (h = ${fmt(bgH(o.k), 6)}).`,
    );
    if (end.far > 0) {
      out.push(
        `${end.far} spurious restart${end.far === 1 ? '' : 's'} stopped farther than ${FAR_FROM_TRAP} from w̃: stationary elsewhere (e.g. lingering at a saddle on the basin boundary), not stuck in the fourth quadrant's minimum.`,
      );
    }
  }
  return out;
}

export const bgOverlapMap: Preset<BgOptions> = definePreset({
  name: 'bg-overlap-map',
  title: 'Brutzkus & Globerson: the basins of gradient descent with an overlapping filter (m = 2, stride 1)',
  source: 'Brutzkus & Globerson (2017), Sec. 7.1, Prop. 7.1, Prop. 7.2, Thm 7.3',
  options: BG_OPTIONS,
  async *run(o, ctx) {
    const exp = bgExperiment(o);
    const map = bgEmptyMap(o);
    const wTilde = bgSpuriousPoint(o.k);
    const end: EndStates = { minSpuriousLoss: Infinity, maxDistance: 0, far: 0 };
    const result = emptyResult(
      bgOverlapMap.name,
      bgOverlapMap.title,
      {
        ...o,
        model: exp.model,
        teacher: 'src/core/teachers.ts bgOverlapTeacher(k): w* = (−1, 1), output weights 1/k (average pooling)',
        loss: exp.loss,
        optimizer: { ...exp.optimizer, note: 'GD on our L = ℓ/2 with step 2λ: the paper’s GD on ℓ with step λ' },
        init: exp.init,
        outcome: { ...exp.outcome, spurious: 'stationary above the global loss (no trap)' },
        waveSize: MAP_WAVE,
      },
      exp.seed,
      ctx,
    );
    result.maps = [map];
    const plan: CellPlan = {
      key: { k: o.k, grid: `${o.resolution}×${o.resolution}` },
      label: `k=${o.k} grid ${o.resolution}×${o.resolution}`,
      exp,
      paper: null,
      onWave: (w: WaveResult) => recordWave(w, exp, map, end, wTilde),
      onCatalogue: (cat) => {
        map.criticalPoint = Array.from({ length: exp.restarts }, (_, r) => cat.pointOf.get(r) ?? 0);
      },
      waveSize: MAP_WAVE,
    };
    yield* runCells([plan], ctx, result);
    const q = quadrantCounts(exp, map.codes);
    result.tables.push(quadrantTable(q, result.cells[0].global), prop72Table(o, exp, q, end));
    result.notes.push(...notes(o, result, q, end));
    yield { progress: finished(exp.restarts), result };
    return result;
  },
});
