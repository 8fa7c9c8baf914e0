/**
 * Du et al. (2018), Sec. 6.1 and Fig. 2: the two phases of gradient descent (k = 20, p = 25).
 * Every restart's parameters are recorded on the GPU every `every` steps (one readback at the
 * end); the four quantities of Fig. 2 — angle(v, w*), ‖a − a*‖, |1ᵀa − 1ᵀa*| and the population
 * loss (f64, closed form) — are computed from them, for one run and as quantiles (10/50/90%)
 * over the runs that reach the global minimum.
 *
 * The end of phase I, per run, by a stated rule: phase II is a linear rate of convergence of the
 * angle, so phase I ends at the first recorded step where the angle's rate −Δlog φ/Δt reaches
 * half of its largest value over the run. The paper reads it off the figure: "after ~200
 * iterations" (at a step size it does not state; the phase-I length scales as 1/η).
 */
import { type TraceResult, type WaveResult, traceSlots } from '../engine/engine.ts';
import type { Experiment } from '../core/experiment.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../core/outcome.ts';
import { populationLossAndGradient } from '../core/population.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { duCell } from './du-table1.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt, quantile, sortedCopy } from './quantiles.ts';
import type { Preset } from './types.ts';
import type { Figure } from '../results/types.ts';

export interface TwoPhaseCurves {
  steps: number[];
  /** [metric][run][slot] for metrics angle, aErr, sumErr, loss. */
  angle: Float64Array[];
  aErr: Float64Array[];
  sumErr: Float64Array[];
  loss: Float64Array[];
}

/** The four Fig. 2 quantities along each traced run. */
export function twoPhaseCurves(exp: Experiment, trace: TraceResult): TwoPhaseCurves {
  const { P, restarts, steps } = trace;
  const m = exp.model.m;
  const K = exp.teacher.a.length;
  const w = exp.teacher.w;
  const a = exp.teacher.a;
  const nw = Math.hypot(...w);
  const sumA = a.reduce((s, x) => s + x, 0);
  const out: TwoPhaseCurves = { steps, angle: [], aErr: [], sumErr: [], loss: [] };
  const row = new Float64Array(P);
  for (let r = 0; r < restarts; r++) {
    const ang = new Float64Array(steps.length);
    const ae = new Float64Array(steps.length);
    const se = new Float64Array(steps.length);
    const ls = new Float64Array(steps.length);
    for (let s = 0; s < steps.length; s++) {
      const off = (s * restarts + r) * P;
      for (let p = 0; p < P; p++) row[p] = trace.params[off + p];
      let vw = 0;
      let vv = 0;
      for (let t = 0; t < m; t++) {
        vw += row[t] * w[t];
        vv += row[t] * row[t];
      }
      ang[s] = Math.acos(Math.max(-1, Math.min(1, vw / Math.sqrt(vv) / nw)));
      let d = 0;
      let sum = 0;
      for (let i = 0; i < K; i++) {
        d += (row[m + i] - a[i]) ** 2;
        sum += row[m + i];
      }
      ae[s] = Math.sqrt(d);
      se[s] = Math.abs(sum - sumA);
      ls[s] = populationLossAndGradient(exp.model, exp.teacher, row).loss;
    }
    out.angle.push(ang);
    out.aErr.push(ae);
    out.sumErr.push(se);
    out.loss.push(ls);
  }
  return out;
}

/** The stated phase-I rule on one run's angle curve; null if the angle never moves. */
export function phaseOneEnd(steps: number[], angle: Float64Array): number | null {
  const rates: number[] = [];
  for (let s = 0; s + 1 < steps.length; s++) {
    const r = (Math.log(angle[s]) - Math.log(angle[s + 1])) / (steps[s + 1] - steps[s]);
    rates.push(Number.isFinite(r) ? r : 0);
  }
  const max = Math.max(0, ...rates);
  if (max <= 0) return null;
  const s = rates.findIndex((r) => r >= max / 2);
  return steps[s];
}

/** The trace is one GPU buffer: at most 256 MiB of f32, the maxBufferSize every WebGPU adapter offers. */
export const MAX_TRACE_VALUES = (256 * 1024 * 1024) / 4;

/** Values the trace holds: every traced restart's p + k parameters at each recorded step. */
function traceValues(v: { restarts: number; maxSteps: number; every: number; p: number; k: number }): number {
  return v.restarts * traceSlots(v.maxSteps, v.every) * (v.p + v.k);
}

const TWO_PHASE_OPTIONS = defineOptions({
  k: { kind: 'int', default: 20, min: 1, max: 4096, help: 'number of patches k' },
  p: { kind: 'int', default: 25, min: 1, max: 4096, help: 'filter size p' },
  ratio: { kind: 'number', default: 4, min: 0, max: 4096, help: '(1ᵀa*)²/‖a*‖² of the teacher (≤ k)' },
  restarts: { kind: 'int', default: 512, min: 1, max: 65536, help: 'runs traced' },
  seed: { kind: 'int', default: 2018, min: 0, max: 0xffffffff, help: 'seed of the initialisations' },
  lr: { kind: 'number', default: 0.1, min: 1e-6, max: 10, help: 'step size η' },
  maxSteps: { kind: 'int', default: 1500, min: 1, max: 100000, help: 'steps recorded' },
  every: { kind: 'int', default: 5, min: 1, max: 10000, help: 'record every this many steps' },
}, [
  { option: 'ratio', holds: (v) => v.ratio <= v.k, message: (v) => `must be ≤ k = ${v.k}, since (1ᵀa*)²/‖a*‖² ≤ k for any a* ∈ Rᵏ (got ${v.ratio})` },
  {
    option: 'restarts',
    holds: (v) => traceValues(v) <= MAX_TRACE_VALUES,
    message: (v) =>
      `the trace (restarts × (⌊max-steps/every⌋ + 1) × (p + k) = ${traceValues(v)} f32 values) must fit in 256 MiB, WebGPU's guaranteed buffer size: fewer restarts, fewer steps or a larger every`,
  },
]);

export type TwoPhaseOptions = OptionValues<typeof TWO_PHASE_OPTIONS>;

export const duTwoPhase: Preset<TwoPhaseOptions> = definePreset({
  name: 'du-two-phase',
  title: 'Du et al. Fig. 2: the two phases of gradient descent (k = 20, p = 25)',
  source: 'Du et al. (2018), Sec. 6.1, Fig. 2',
  options: TWO_PHASE_OPTIONS,
  async *run(o, ctx) {
    const base = duCell({ k: o.k, p: o.p, ratio: o.ratio, restarts: o.restarts, seed: o.seed, lr: o.lr, maxSteps: o.maxSteps });
    // Stop only very close to the global minimum, so the curves show phase II's linear rate.
    const exp: Experiment = { ...base, outcome: { ...base.outcome, lossTol: 1e-6 } };
    let trace: TraceResult | undefined;
    let status: Uint32Array | undefined;
    let decidedAt: Uint32Array | undefined;
    const result = emptyResult(duTwoPhase.name, duTwoPhase.title, { ...o, outcome: exp.outcome.lossTol, init: exp.init }, o.seed, ctx);
    const plan: CellPlan = {
      key: { k: o.k, p: o.p, ratio: o.ratio },
      label: `k=${o.k} p=${o.p}`,
      exp,
      paper: null,
      onWave: (w: WaveResult) => {
        status ??= new Uint32Array(o.restarts);
        decidedAt ??= new Uint32Array(o.restarts);
        status.set(w.status, w.first);
        decidedAt.set(w.steps, w.first);
      },
      trace: { every: o.every, restarts: o.restarts, onTrace: (t) => (trace = t) },
    };
    yield* runCells([plan], ctx, result);
    const curves = twoPhaseCurves(exp, trace!);
    const good: number[] = [];
    for (let r = 0; r < trace!.restarts; r++) if (status![r] === OUTCOME.global) good.push(r);
    const steps = curves.steps;
    const metrics: [keyof Omit<TwoPhaseCurves, 'steps'>, string][] = [
      ['angle', 'angle(v, w*) (rad)'],
      ['aErr', '‖a − a*‖'],
      ['sumErr', '|1ᵀa − 1ᵀa*|'],
      ['loss', 'population loss'],
    ];
    const ends = good.map((r) => phaseOneEnd(steps, curves.angle[r])).filter((t): t is number => t !== null);
    const endsSorted = sortedCopy(ends);
    const endMedian = quantile(endsSorted, 0.5);
    // Curves end where the runs stop (decided global): each run's own decision for the one run,
    // the step by which 90% of the global runs have stopped for the quantiles.
    const stopSorted = sortedCopy(good.map((r) => decidedAt![r]));
    const until = quantile(stopSorted, 0.9);
    const upto = (last: number) => steps.filter((t) => t <= last);
    for (const [key, label] of metrics) {
      const fig: Figure = {
        id: key === 'aErr' ? 'a-error' : key === 'sumErr' ? 'sum-error' : key,
        title: `${label} against iterations (k = ${o.k}, p = ${o.p}, η = ${o.lr}; ${good.length} runs reach the global minimum)`,
        x: 'iteration',
        y: label,
        logY: true,
        series: [],
        marks: [],
      };
      if (good.length > 0) {
        const one = upto(decidedAt![good[0]]);
        fig.series.push({ name: `one run (#${good[0]})`, x: one, y: one.map((_, s) => curves[key][good[0]][s]) });
        const xs = upto(until);
        for (const [q, name] of [
          [0.1, '10% quantile'],
          [0.5, 'median'],
          [0.9, '90% quantile'],
        ] as const) {
          fig.series.push({ name, x: xs, y: xs.map((_, s) => quantile(sortedCopy(good.map((r) => curves[key][r][s])), q)) });
        }
        fig.marks!.push({ x: endMedian, label: 'median end of phase I' });
      }
      result.figures.push(fig);
    }
    // The distribution of the phase-I end, as a histogram curve.
    if (ends.length > 0) {
      const bins = 30;
      const hi = Math.max(...ends) + o.every;
      const counts = new Array(bins).fill(0);
      for (const t of ends) counts[Math.min(bins - 1, Math.floor((t / hi) * bins))]++;
      result.figures.push({
        id: 'phase-one-end',
        title: `End of phase I over ${ends.length} global runs (rule: angle rate reaches half its maximum)`,
        x: 'iteration',
        y: 'runs',
        series: [{ name: 'runs', x: counts.map((_, b) => ((b + 0.5) * hi) / bins), y: counts }],
      });
    }
    result.tables.push({
      id: 'phase-one-end',
      title: 'End of phase I (iteration), over the runs that reach the global minimum',
      columns: ['runs', 'global', '10%', 'median', '90%', 'paper (Fig. 2, read off)'],
      rows: [[o.restarts, good.length, fmt(quantile(endsSorted, 0.1)), fmt(endMedian), fmt(quantile(endsSorted, 0.9)), '~200']],
    });
    result.notes.push(
      `Phase I ends at iteration ${fmt(endMedian)} (median; 10–90%: ${fmt(quantile(endsSorted, 0.1))}–${fmt(quantile(endsSorted, 0.9))}) over ${good.length} of ${o.restarts} runs that reach the global minimum, at η = ${o.lr}; the paper reads ~200 off its Fig. 2.`,
    );
    yield { progress: finished(o.restarts), result };
    return result;
  },
});
