/**
 * Kawaguchi & Kaelbling (2020), Example 1 and Fig. 1 (§6.1): one sample, one parameter θ, and the
 * extra exponential neuron a·e^{wᵀx+b} (w drops out: x₁ = 0). Fig. 1(a) is L(θ); Fig. 1(b) L̃ over
 * (θ, b) with a minimised out, as a map and as sections at fixed θ; and what the
 * paper describes in words — gradient descent started near L's local minimum keeps θ there while
 * b grows without bound — measured: GD trajectories from a grid of θ₀ with b(t) against ln t,
 * each classified escaped (θ reaches L = 0 and the neuron vanishes, Thm 1) or stuck with b still
 * growing (Thm 4's failure mode, detected by its slope against ln t, since a norm threshold would
 * never fire on a logarithmic growth). Three parameters and one sample: computed in f64 on the CPU,
 * not by the engine (src/core/kk-example1.ts).
 */
import {
  augmentedGradient,
  descend,
  exampleLoss,
  lossMinimaOn,
  minOverA,
  slopeAgainstLogT,
  type Trajectory,
  zeroLossIntervals,
} from '../core/kk-example1.ts';
import { wilsonInterval } from '../core/stats.ts';
import { emptyResult, finished } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { Preset } from './types.ts';
import type { CellResult, Figure, Series } from '../results/types.ts';

const KK1_OPTIONS = defineOptions({
  lambda: { kind: 'number', default: 0.1, min: 1e-9, max: 1e3, help: 'λ of the regulariser λa² (the paper states none; ours)' },
  lr: { kind: 'number', default: 1e-3, min: 1e-9, max: 100, help: 'GD step on L̃ (not stated; ours; steps ≳ 1 overshoot, ≳ 30 overflow and are labelled numerically diverged)' },
  steps: { kind: 'int', default: 200_000, min: 10, max: 1 << 26, help: 'GD steps per trajectory' },
  theta0: {
    kind: 'number-list',
    default: [0, 0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1],
    min: -5,
    max: 5,
    help: 'initial θ of the trajectories (a₀ = b₀ = 0)',
  },
  slopeTol: { kind: 'number', default: 0.05, min: 0, max: 10, help: 'stuck with b diverging when db/d ln t over the last decade exceeds this' },
  mapResolution: { kind: 'int', default: 101, min: 2, max: 1001, help: 'grid points per axis of Fig. 1(b)’s map over (θ, b) ∈ [0, 1] × [−2, 6]' },
});

type Kk1Options = OptionValues<typeof KK1_OPTIONS>;

/** Global for L: at or below this fraction of the local minimum's loss (L ≈ 8 there, 0 at the global set). */
const LOSS_TOL = 1e-4;
/** The neuron has vanished (Thm 1(ii)) when |a·e^b| is below this fraction of √(L at the local minimum). */
const NEURON_TOL = 1e-2;

type Kind = 'escaped' | 'stuck, b diverging' | 'stuck, bounded' | 'numerically diverged';

interface Classified {
  tr: Trajectory;
  kind: Kind;
  slope: number;
  neuron: number;
}

function classify(tr: Trajectory, lossRef: number, slopeTol: number): Classified {
  const last = tr.steps.length - 1;
  if (tr.nonFinite !== null || last < 0) return { tr, kind: 'numerically diverged', slope: Number.NaN, neuron: Number.NaN };
  const neuron = tr.a[last] * Math.exp(tr.b[last]);
  const slope = slopeAgainstLogT(tr.steps, tr.b);
  const escaped = tr.loss[last] <= LOSS_TOL * lossRef && Math.abs(neuron) <= NEURON_TOL * Math.sqrt(lossRef);
  return { tr, kind: escaped ? 'escaped' : slope > slopeTol ? 'stuck, b diverging' : 'stuck, bounded', slope, neuron };
}

/** The trajectories' end points on Fig. 1(b)'s map: one point per class (the first run's end), labelled with its count. */
function endPoints(runs: Classified[]): { x: number; y: number; label: string }[] {
  const groups = new Map<Kind, { x: number; y: number; count: number }>();
  for (const r of runs) {
    const i = r.tr.steps.length - 1;
    if (i < 0) continue;
    const g = groups.get(r.kind) ?? { x: r.tr.theta[i], y: Math.min(6, Math.max(-2, r.tr.b[i])), count: 0 };
    g.count++;
    groups.set(r.kind, g);
  }
  return [...groups].map(([kind, g]) => ({ x: g.x, y: g.y, label: `${kind} ×${g.count}` }));
}

const range = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

export const kkExample1: Preset<Kk1Options> = definePreset({
  name: 'kk-example1',
  title: 'Kawaguchi & Kaelbling: Example 1 — the extra exponential neuron on one sample, and b(t) against ln t',
  source: 'Kawaguchi & Kaelbling (2020), Example 1, Fig. 1, Thm 1, Thm 4',
  options: KK1_OPTIONS,
  async *run(o, ctx) {
    const start = performance.now();
    const total = o.theta0.length;
    const result = emptyResult(
      kkExample1.name,
      kkExample1.title,
      {
        ...o,
        model: 'f(θ) = 5(−0.3e^{−16(θ−0.2)²} − 0.7e^{−32(θ−0.8)²} + 0.5), one sample x₁ = 0, y₁ = −1',
        loss: 'L(θ) = max(0, 1 + f(θ))³; L̃(θ, a, b) = max(0, 1 + f(θ) + a·e^b)³ + λa² (the paper’s units, not the engine’s ½-mean)',
        optimizer: { kind: 'gd', lr: o.lr, on: 'L̃ over (θ, a, b)' },
        init: 'a₀ = b₀ = 0 (the neuron off: f̃ = f at t = 0)',
      },
      0,
      ctx,
    );
    // Not the engine's: three parameters and one sample, in f64.
    result.engine = 'cpu';
    result.adapter = 'f64 on the CPU (three parameters, one sample: no engine)';

    const [localMin] = lossMinimaOn(-0.2, 1.2);
    const lossRef = localMin.loss;
    const zeroSet = zeroLossIntervals(-0.2, 1.2);
    const runs: Classified[] = [];
    for (const [i, theta] of o.theta0.entries()) {
      if (ctx.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      runs.push(classify(descend({ theta, a: 0, b: 0 }, o.lambda, o.lr, o.steps), lossRef, o.slopeTol));
      yield { progress: { done: i + 1, total, etaSeconds: null, cell: { lambda: o.lambda }, label: `θ₀ = ${theta}` }, result };
    }

    const count = (k: Kind) => runs.filter((r) => r.kind === k).length;
    const cell: CellResult = {
      key: { lambda: o.lambda },
      restarts: runs.length,
      global: count('escaped'),
      spurious: count('stuck, b diverging') + count('stuck, bounded'),
      diverged: count('numerically diverged'),
      undecided: 0,
      pGlobal: runs.length > 0 ? count('escaped') / runs.length : 0,
      ci95: wilsonInterval(count('escaped'), runs.length),
      paper: null,
      seconds: (performance.now() - start) / 1000,
      restartSteps: runs.reduce((s, r) => s + (r.tr.nonFinite ?? o.steps), 0),
    };
    result.cells.push(cell);

    const thetas = range(-0.2, 1.2, 1401);
    const figures: Figure[] = [
      { id: 'fig1a', title: 'Fig. 1(a): L(θ) = max(0, 1 + f(θ))³', x: 'θ', y: 'L(θ)', series: [{ name: 'L', x: thetas, y: thetas.map(exampleLoss) }] },
    ];
    // Fig. 1(b): min over a of L̃ over (θ, b) ∈ [0, 1] × [−2, 6], as a map (log₁₀, the values span
    // ~30 decades), with the trajectories' starts and ends marked; and as sections below.
    const n = o.mapResolution;
    const mapTheta = range(0, 1, n);
    const mapB = range(-2, 6, n);
    const values: number[] = [];
    // Floored at 10⁻¹²: the global set's exact zeros would otherwise take the whole colour ramp.
    for (const b of mapB) for (const t of mapTheta) values.push(Math.log10(Math.max(1e-12, minOverA(t, b, o.lambda).loss)));
    result.maps = [
      {
        id: 'fig1b-map',
        title: `Fig. 1(b): log₁₀ min_a L̃(θ, a, b) (≥ −12), λ = ${o.lambda}; GD's end points`,
        x: { label: 'θ', param: 0, lo: 0, hi: 1, n },
        y: { label: 'b', param: 1, lo: -2, hi: 6, n },
        codes: new Array<number>(n * n).fill(-1),
        field: { label: 'log₁₀ min_a L̃', values },
        points: endPoints(runs),
      },
    ];
    // Fig. 1(b) as sections: min over a of L̃ against b at θ = 0.2 (the local minimum), 0.5, 0.8.
    const bs = range(-2, 6, 401);
    figures.push({
      id: 'fig1b',
      title: `Fig. 1(b) in sections: min over a of L̃(θ, a, b) against b (λ = ${o.lambda})`,
      x: 'b',
      y: 'min_a L̃',
      logY: true,
      series: [localMin.theta, 0.5, 0.8].map((t) => ({ name: `θ = ${fmt(t, 4)}`, x: bs, y: bs.map((b) => Math.max(1e-30, minOverA(t, b, o.lambda).loss)) })),
    });
    const along = (pick: (r: Classified) => number[]): Series[] =>
      runs.filter((r) => r.tr.steps.length > 0).map((r) => ({ name: `θ₀ = ${r.tr.theta0} (${r.kind})`, x: r.tr.steps.map(Math.log), y: pick(r) }));
    figures.push(
      { id: 'b-vs-log-t', title: 'b(t) against ln t: the failure mode grows like log t (Thm 4)', x: 'ln t', y: 'b', series: along((r) => r.tr.b) },
      { id: 'theta-vs-log-t', title: 'θ(t) against ln t', x: 'ln t', y: 'θ', series: along((r) => r.tr.theta) },
      { id: 'augmented-vs-log-t', title: 'L̃(t) against ln t (L̃ keeps falling on the stuck runs while L stays at the local minimum)', x: 'ln t', y: 'L̃', logY: true, series: along((r) => r.tr.augmented.map((v) => Math.max(v, 1e-30))) },
    );
    result.figures = figures;

    result.tables.push(
      {
        id: 'trajectories',
        title: `GD on L̃ from (θ₀, 0, 0), λ = ${o.lambda}, lr ${o.lr}, ${o.steps} steps`,
        columns: ['θ₀', 'θ_T', 'L(θ_T)', 'L̃_T', 'a_T', 'b_T', 'a_T·e^{b_T}', 'db/d ln t (last decade)', '‖∇L̃‖_T', 'class'],
        rows: runs.map((r) => {
          const i = r.tr.steps.length - 1;
          if (i < 0) return [r.tr.theta0, '—', '—', '—', '—', '—', '—', '—', '—', r.kind];
          const p = { theta: r.tr.theta[i], a: r.tr.a[i], b: r.tr.b[i] };
          const g = augmentedGradient(p, o.lambda);
          return [r.tr.theta0, fmt(p.theta, 5), fmt(r.tr.loss[i], 4), fmt(r.tr.augmented[i], 3), fmt(p.a, 4), fmt(p.b, 4), fmt(r.neuron, 3), fmt(r.slope, 3), fmt(Math.hypot(g.theta, g.a, g.b), 3), r.kind];
        }),
      },
      {
        id: 'example',
        title: 'Example 1: the paper’s words against the numbers computed here',
        columns: ['quantity', 'paper', 'computed'],
        rows: [
          ['local minimum of L', '“near θ = 0.2”', `θ = ${fmt(localMin.theta, 6)}, L = ${fmt(localMin.loss, 6)}`],
          ['global minimum set {L = 0}', '“near θ = 0.8”', zeroSet.map(([a, b]) => `[${fmt(a, 5)}, ${fmt(b, 5)}]`).join(', ')],
          ['L(−1)', '—', fmt(exampleLoss(-1), 4)],
        ],
      },
    );

    const stuck = runs.filter((r) => r.kind === 'stuck, b diverging');
    const bounded = runs.filter((r) => r.kind === 'stuck, bounded');
    const slopes = stuck.map((r) => r.slope);
    result.notes.push(
      `Thm 1: every local minimum of L̃ has θ a global minimum of L and a = 0. Thm 4 and §6.1: started near the local minimum θ ≈ 0.2, GD “can still converge to the suboptimal local minimum as θ → 0.2 and can diverge in b as b → ∞”. Measured, of ${runs.length} trajectories: ${count('escaped')} escaped (L(θ_T) ≤ ${LOSS_TOL}·L_loc and |a·e^b| ≤ ${NEURON_TOL}·√L_loc, L_loc = ${fmt(lossRef, 6)}), ${stuck.length} stuck with b still growing (db/d ln t > ${o.slopeTol} over the last decade${slopes.length > 0 ? `: ${fmt(Math.min(...slopes), 3)}–${fmt(Math.max(...slopes), 3)}` : ''}), ${bounded.length} stuck and bounded${bounded.length > 0 ? ' (would contradict Thm 1 unless slow: see the table)' : ''}, ${count('numerically diverged')} numerically diverged.`,
      ...(stuck.length > 0
        ? [
            `The stuck runs' b grows like c·ln t — after ${o.steps} steps the largest b is ${fmt(Math.max(...stuck.map((r) => r.tr.b[r.tr.b.length - 1])), 3)} — so a threshold on ‖(a, b)‖ would not fire for any practical budget; the slope against ln t does. Meanwhile L̃ falls (to ${fmt(Math.max(...stuck.map((r) => r.tr.augmented[r.tr.augmented.length - 1])), 3)} at most), with a·e^b → −(1 + f(θ)) and a → 0: L̃ alone cannot tell these runs from a success, L(θ) can.`,
          ]
        : []),
      `Unstated in the paper, ours: λ = ${o.lambda}, lr ${o.lr}, ${o.steps} steps, a₀ = b₀ = 0, the θ₀ grid, Fig. 1(b)'s ranges [0, 1] × [−2, 6] (drawn as a map and as sections at three θ; min over a by bisection on ∂L̃/∂a, which is monotone: L̃ is convex in a). Fig. 1(c)'s arrows are replaced by the trajectories themselves (their end points on the map, b(t) against ln t).`,
    );
    result.seconds = (performance.now() - start) / 1000;
    yield { progress: finished(total), result };
    return result;
  },
});
