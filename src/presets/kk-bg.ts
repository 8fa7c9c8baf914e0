/**
 * Kawaguchi & Kaelbling (2020) on Brutzkus & Globerson's overlap trap (remaining-papers.md §D.3,
 * "KK-BG"): the grid of initial filters (w₁, w₂) of bg-overlap-map (k = 4, m = 2, stride 1,
 * w* = (−1, 1), fixed average pooling), on a fixed sample of n Gaussian inputs, run twice on the
 * same starts — the baseline, and with the extra neuron a_e·exp(w_eᵀx + b_e) and (λ/2)a_e² — for
 * each λ, step budget T and step rule of the neuron. The paper's Thm 1 says every local minimum of
 * the augmented loss is global; its Thm 4 that from a stuck θ gradient descent can only send
 * ‖(a_e, b_e, w_e)‖ to infinity. Each augmented restart is classed from its rows at T/2 and T
 * (src/core/augmented-outcome.ts); the paired table sets each class beside the same start's
 * baseline outcome, and the maps show both side by side.
 *
 * Losses and steps as in bg-overlap-map: `lr` is the paper's λ_GD on ℓ = 2L, the engine steps L
 * with 2·lr; the regulariser's λ is the paper's (our L̃ = L + (λ/2)a_e² is half its L̃). The neuron
 * starts at a_e = b_e = 0, w_e = 0 (f̃ = f at step 0), so its first θ-step is the baseline's.
 */
import type { WaveResult } from '../engine/engine.ts';
import type { Experiment, OptimizerSpec } from '../core/experiment.ts';
import { type AugmentedClass, AUGMENTED_CLASSES, type AugmentedMeasure, type RunPoint, kkThresholds, measureAugmented } from '../core/augmented-outcome.ts';
import { shapeOf } from '../core/model.ts';
import { DEFAULT_OUTCOME_RULE, NEVER_DECIDE, OUTCOME, OUTCOME_NAMES, type OutcomeCode } from '../core/outcome.ts';
import { prepare } from '../core/prepare.ts';
import { pGlobalInterval, wilsonInterval } from '../core/stats.ts';
import { bgOverlapTeacher } from '../core/teachers.ts';
import { bgModel, bgSpuriousPoint } from './bg-overlap-map.ts';
import { type CellPlan, CellRunner, emptyResult, finished } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt, quantile } from './quantiles.ts';
import type { Preset } from './types.ts';
import type { BasinMap, CellResult, ExperimentResult, Figure, Table } from '../results/types.ts';
import { AUGMENTED_COLOURS } from '../results/palette.ts';
import { criticalPointsTable } from '../results/critical-points.ts';

const OPTIONS = defineOptions({
  k: { kind: 'int', default: 4, min: 2, max: 64, help: 'patches k (d = k + 1; the spec: 4)' },
  resolution: { kind: 'int', default: 41, min: 2, max: 1001, help: 'grid points per axis over [−R, R]² of (w₁, w₂)' },
  range: { kind: 'number', default: 2, min: 0.001, max: 1000, help: 'half-width R of the grid' },
  lr: { kind: 'number', default: 0.1, min: 0, max: 1 / 3, open: true, help: 'the paper’s GD step λ on ℓ = 2L (the engine steps L with 2λ)' },
  samples: { kind: 'int', default: 1000, min: 1, max: 1 << 20, help: 'fixed sample of n Gaussian inputs (the spec: 1000)' },
  lambda: { kind: 'number-list', default: [0.001, 0.01, 0.1, 1], min: 0, max: 1e6, help: 'λ of the regulariser λ‖a_e‖² (the paper leaves it open)' },
  steps: { kind: 'int-list', default: [4000, 40000], min: 2, max: 1 << 24, help: 'step budgets T (the norm grows like log t: two budgets)' },
  extraStep: {
    kind: 'choice',
    default: 'both',
    choices: ['both', 'same', 'adagrad'],
    help: 'the step rule of the neuron: the base GD step (same), AdaGrad on (a_e, b_e, w_e) alone, or both arms',
  },
  extraLr: { kind: 'number', default: 0.05, min: 0, max: 10, open: true, help: 'AdaGrad step on the neuron (the adagrad arm)' },
  traced: { kind: 'int', default: 16, min: 0, max: 256, help: 'restarts (the first of the grid) whose b_e(t), ‖w_e‖(t) are traced' },
  seed: { kind: 'int', default: 2018, min: 0, max: 2 ** 32 - 1, help: 'seed of the fixed sample' },
});

export type KkBgOptions = OptionValues<typeof OPTIONS>;

type Arm = 'same' | 'adagrad';

const armsOf = (o: KkBgOptions): Arm[] => (o.extraStep === 'both' ? ['same', 'adagrad'] : [o.extraStep as Arm]);

/** The grid experiment on the fixed sample, with the extra neuron when `extra` is given. */
export function kkBgExperiment(o: KkBgOptions, steps: number, extra?: { lambda: number; arm: Arm }): Experiment {
  const model = { ...bgModel(o.k), ...(extra ? { extra: { lambda: extra.lambda } } : {}) };
  const { P } = shapeOf(model);
  const optimizer: OptimizerSpec = { kind: 'gd', lr: 2 * o.lr, ...(extra?.arm === 'adagrad' ? { extra: { kind: 'adagrad', lr: o.extraLr, eps: 1e-8 } } : {}) };
  const n = o.resolution;
  return {
    model,
    teacher: bgOverlapTeacher(o.k),
    loss: { kind: 'empirical', samples: o.samples },
    optimizer,
    // The filter axes from the grid; the output layer is the fixed 1/k; the neuron starts at 0.
    init: { kind: 'grid', axes: [0, 1], range: [-o.range, o.range, -o.range, o.range], resolution: [n, n], base: new Array(P).fill(0) },
    restarts: n * n,
    maxSteps: steps,
    seed: o.seed,
    // The baseline decides as bg-overlap-map does; the augmented runs run their whole budget.
    outcome: extra ? NEVER_DECIDE : { ...DEFAULT_OUTCOME_RULE },
  };
}

/** Every restart's row, loss and code at the end of a run. */
function collector(R: number): { points: RunPoint[]; onWave: (w: WaveResult) => void } {
  const points: RunPoint[] = new Array(R);
  return {
    points,
    onWave: (w) => {
      const P = w.params.length / w.count;
      for (let i = 0; i < w.count; i++) points[w.first + i] = { params: w.params.slice(i * P, (i + 1) * P), loss: w.loss[i], code: w.status[i] as OutcomeCode };
    },
  };
}

interface ArmResult {
  lambda: number;
  steps: number;
  arm: Arm;
  measures: AugmentedMeasure[];
  trace?: { steps: number[]; b: number[][]; w: number[][] };
}

const CLASS_CODE = (c: AugmentedClass) => AUGMENTED_CLASSES.indexOf(c) + 1;

function axes(o: KkBgOptions) {
  const axis = (label: string, param: number) => ({ label, param, lo: -o.range, hi: o.range, n: o.resolution });
  return { x: axis('w₁', 0), y: axis('w₂', 1) };
}

function marks(o: KkBgOptions) {
  const [sx, sy] = bgSpuriousPoint(o.k);
  const [tx, ty] = bgOverlapTeacher(o.k).w;
  return [
    { x: tx, y: ty, label: 'w*' },
    { x: sx, y: sy, label: 'w̃' },
  ];
}

const armLabel = (a: ArmResult) => `λ = ${a.lambda}, T = ${a.steps}, neuron step ${a.arm === 'same' ? 'the base GD' : 'AdaGrad'}`;

function classTable(arms: ArmResult[]): Table {
  return {
    id: 'classes',
    title: 'With the extra neuron: each start classed from its rows at T/2 and T (src/core/augmented-outcome.ts), fraction of the grid [95% Wilson interval]',
    columns: ['λ', 'T', 'neuron step', ...AUGMENTED_CLASSES],
    rows: arms.map((a) => {
      const R = a.measures.length;
      return [a.lambda, a.steps, a.arm, ...AUGMENTED_CLASSES.map((c) => {
        const n = a.measures.filter((m) => m.cls === c).length;
        const [lo, hi] = wilsonInterval(n, R);
        return `${n} (${fmt(n / R, 3)} [${fmt(lo, 3)}, ${fmt(hi, 3)}])`;
      })];
    }),
  };
}

function pairedTable(arms: ArmResult[], baseline: Map<number, OutcomeCode[]>): Table {
  const rows: (string | number)[][] = [];
  for (const a of arms) {
    const base = baseline.get(a.steps)!;
    for (const code of [OUTCOME.global, OUTCOME.spurious, OUTCOME.diverged, OUTCOME.undecided]) {
      const idx = base.map((c, r) => (c === code ? r : -1)).filter((r) => r >= 0);
      if (idx.length === 0) continue;
      rows.push([a.lambda, a.steps, a.arm, OUTCOME_NAMES[code], idx.length, ...AUGMENTED_CLASSES.map((c) => idx.filter((r) => a.measures[r].cls === c).length)]);
    }
  }
  return {
    id: 'paired',
    title: 'The paired table: each start’s baseline outcome (same start, same sample, no neuron) against its class with the neuron',
    columns: ['λ', 'T', 'neuron step', 'baseline', 'starts', ...AUGMENTED_CLASSES],
    rows,
  };
}

function measureTable(arms: ArmResult[]): Table {
  const q = (xs: number[], p: number) => (xs.length ? fmt(quantile([...xs].sort((x, y) => x - y), p), 3) : '—');
  const rows: (string | number)[][] = [];
  for (const a of arms) {
    for (const c of AUGMENTED_CLASSES) {
      const ms = a.measures.filter((m) => m.cls === c && Number.isFinite(m.augLossOverRef));
      if (ms.length === 0) continue;
      rows.push([a.lambda, a.steps, a.arm, c, ms.length, q(ms.map((m) => m.baseLossOverRef), 0.5), q(ms.map((m) => m.augLossOverRef), 0.5), q(ms.map((m) => m.norm), 0.5), q(ms.map((m) => m.norm), 1), q(ms.map((m) => m.normSlope), 0.5), q(ms.map((m) => m.gradOverRoot), 0.5)]);
    }
  }
  return {
    id: 'measures',
    title: 'Per class, medians at T: the original loss L(θ_T) and the augmented L̃_T (÷ L_ref), ‖(a_e, b_e, w_e)‖ (median, max), its growth per ln t over the second half, ‖∇L̃‖/√L_ref',
    columns: ['λ', 'T', 'neuron step', 'class', 'starts', 'L/L_ref', 'L̃/L_ref', '‖·‖ median', '‖·‖ max', 'd‖·‖/d ln t', '‖∇L̃‖/√L_ref'],
    rows,
  };
}

function traceFigure(a: ArmResult): Figure | null {
  if (!a.trace || a.trace.steps.length < 2) return null;
  const at = a.trace.steps.map((t, i) => ({ t, i })).filter(({ t }) => t > 0);
  const x = at.map(({ t }) => Math.log(t));
  return {
    id: `trace-${a.lambda}-${a.steps}-${a.arm}`,
    title: `b_e(t) and ‖w_e‖(t) against ln t for the first ${a.trace.b.length} starts of the grid (${armLabel(a)}); Thm 4's failure mode: b_e rising like log t`,
    x: 'ln t',
    y: 'b_e, ‖w_e‖',
    series: a.trace.b.flatMap((b, r) => [
      { name: `b_e #${r}`, x, y: at.map(({ i }) => b[i]) },
      { name: `‖w_e‖ #${r}`, x, y: at.map(({ i }) => a.trace!.w[r][i]) },
    ]),
  };
}

/**
 * An augmented arm as a cell of the result: its classes counted as outcomes — escaped as global,
 * the two stuck classes as spurious, numerically diverged as diverged — so that the cells table
 * and the page's count cover every restart run; the class table has each class apart.
 */
function augmentedCell(key: CellResult['key'], measures: AugmentedMeasure[], runs: CellResult[]): CellResult {
  const n = (...cs: AugmentedClass[]) => measures.filter((m) => cs.includes(m.cls)).length;
  const counts = { global: n('escaped'), spurious: n('norm diverging', 'stuck bounded'), diverged: n('numerically diverged'), undecided: n('undecided') };
  const sum = (f: (c: CellResult) => number) => runs.reduce((s, c) => s + f(c), 0);
  return { key, restarts: measures.length, ...counts, pGlobal: counts.global / measures.length, ci95: pGlobalInterval(counts), paper: null, seconds: sum((c) => c.seconds), restartSteps: sum((c) => c.restartSteps) };
}

function notesOf(o: KkBgOptions, arms: ArmResult[], baseline: Map<number, OutcomeCode[]>): string[] {
  const out = [
    'In the cells table an augmented arm counts escaped as global, norm diverging and stuck bounded as spurious, numerically diverged as diverged (its P(global) is the fraction escaped); the class table keeps the classes apart.',
    `Settings: Brutzkus & Globerson's overlap net (k = ${o.k}, m = 2, stride 1, w* = (−1, 1), output 1/k fixed) on a fixed sample of ${o.samples} Gaussian inputs (seed ${o.seed}), GD with the paper's step ${o.lr} on ℓ = 2L (2·${o.lr} on L) from each point of a ${o.resolution} × ${o.resolution} grid over [−${o.range}, ${o.range}]²; the extra neuron a_e·exp(w_eᵀx + b_e) on the whole input from a_e = b_e = 0, w_e = 0, with (λ/2)a_e² (the paper's λ: our L̃ is half its L̃); the neuron's step: the base GD step, or AdaGrad with step ${o.extraLr}, ε = 1e-8, on (a_e, b_e, w_e) alone. Classes from the rows at T/2 and T: escaped when L(θ_T) meets the default global test (L ≤ 1e-4·L_ref, angle ≤ 0.1) and max|g(xᵢ)| ≤ 1e-2·√L_ref; norm diverging when not, with ‖(a_e, b_e, w_e)‖ growing faster than 0.05 per ln t over the second half and L̃ falling; stuck bounded when not, with the norm flat and ‖∇L̃‖ ≤ 1e-5·√L_ref. λ, the grid, the sample, the thresholds and the second step rule are ours (the paper has no such experiment).`,
  ];
  for (const a of arms) {
    const base = baseline.get(a.steps)!;
    const stuck = base.map((c, r) => (c === OUTCOME.spurious ? r : -1)).filter((r) => r >= 0);
    const count = (c: AugmentedClass, rs: number[]) => rs.filter((r) => a.measures[r].cls === c).length;
    const all = a.measures.map((_, r) => r);
    out.push(
      `${armLabel(a)}: of the ${stuck.length} starts the baseline ends stuck (spurious), ${count('escaped', stuck)} escaped with the neuron and ${count('norm diverging', stuck)} stayed stuck with the norm diverging (${count('undecided', stuck)} undecided, ${count('numerically diverged', stuck)} numerically diverged, ${count('stuck bounded', stuck)} stuck bounded). The theorems predict every one of them escaped or norm diverging (Thm 1, 4), and none stuck bounded over the grid — measured: ${count('stuck bounded', all)} of ${all.length}; how many are rescued is not predicted.`,
    );
  }
  return out;
}

export const kkBg: Preset<KkBgOptions> = definePreset({
  name: 'kk-bg',
  title: 'Kawaguchi & Kaelbling: the extra exponential neuron on Brutzkus & Globerson’s overlap trap (paired basin maps)',
  source: 'Kawaguchi & Kaelbling (2020), Thm 1, Thm 4; Brutzkus & Globerson (2017), Sec. 7.1',
  options: OPTIONS,
  async *run(o, ctx) {
    const R = o.resolution * o.resolution;
    const arms: { lambda: number; steps: number; arm: Arm }[] = o.steps.flatMap((steps) => o.lambda.flatMap((lambda) => armsOf(o).map((arm) => ({ lambda, steps, arm }))));
    const total = R * (o.steps.length + arms.length * 2);
    const result = emptyResult(kkBg.name, kkBg.title, { ...o, model: bgModel(o.k), teacher: 'src/core/teachers.ts bgOverlapTeacher(k)', extraInit: 'a_e = b_e = 0, w_e = 0', classes: 'src/core/augmented-outcome.ts' }, o.seed, ctx);
    const runner = new CellRunner(ctx, result, total);
    const { x, y } = axes(o);
    const maps: BasinMap[] = [];
    const baseline = new Map<number, OutcomeCode[]>();
    for (const steps of o.steps) {
      const exp = kkBgExperiment(o, steps);
      const c = collector(R);
      const plan: CellPlan = { key: { arm: 'baseline', steps }, label: `baseline, T = ${steps}`, exp, paper: null, onWave: c.onWave };
      yield* runner.run([plan]);
      baseline.set(steps, c.points.map((p) => p.code));
      maps.push({ id: `baseline-${steps}`, title: `Baseline (no neuron), T = ${steps}: where GD ends from each (w₁, w₂)`, x, y, codes: c.points.map((p) => p.code), points: marks(o) });
      result.maps = [...maps];
    }
    // The augmented runs decide nothing themselves (NEVER_DECIDE): their cells go to a scratch result.
    const scratch: ExperimentResult = { ...result, cells: [], tables: [], figures: [], notes: [], maps: [] };
    const done: ArmResult[] = [];
    for (const a of arms) {
      const half = collector(R);
      const end = collector(R);
      const fullExp = kkBgExperiment(o, a.steps, a);
      let trace: ArmResult['trace'];
      const key = { lambda: a.lambda, steps: a.steps, arm: a.arm };
      const plans: CellPlan[] = [
        { key: { ...key, at: 'T/2' }, label: `${armLabel({ ...a, measures: [] })}: to T/2`, exp: kkBgExperiment(o, Math.floor(a.steps / 2), a), paper: null, onWave: half.onWave, catalogue: false },
        {
          key: { ...key, at: 'T' },
          label: `${armLabel({ ...a, measures: [] })}: to T`,
          exp: fullExp,
          paper: null,
          onWave: end.onWave,
          catalogue: false,
          ...(o.traced > 0
            ? {
                trace: {
                  every: Math.max(1, Math.floor(a.steps / 200)),
                  restarts: Math.min(o.traced, R),
                  onTrace: (t) => {
                    const s = shapeOf(fullExp.model);
                    const rows = (slot: number, r: number) => t.params.subarray((slot * t.restarts + r) * t.P, (slot * t.restarts + r + 1) * t.P);
                    const b = Array.from({ length: t.restarts }, (_, r) => t.steps.map((_, slot) => rows(slot, r)[s.eOffset + 1]));
                    const w = Array.from({ length: t.restarts }, (_, r) => t.steps.map((_, slot) => Math.hypot(...rows(slot, r).subarray(s.eOffset + 2, s.P))));
                    trace = { steps: t.steps, b, w };
                  },
                },
              }
            : {}),
        },
      ];
      const ran = yield* runner.run(plans, scratch);
      const prep = prepare(fullExp);
      const thresholds = kkThresholds(DEFAULT_OUTCOME_RULE);
      const measures = end.points.map((p, r) => measureAugmented(prep, half.points[r], p, thresholds));
      const arm: ArmResult = { ...a, measures, trace };
      done.push(arm);
      result.cells.push(augmentedCell(key, measures, ran));
      maps.push({ id: `neuron-${a.lambda}-${a.steps}-${a.arm}`, title: `With the extra neuron (${armLabel(arm)}): each start's class`, x, y, codes: measures.map((m) => CLASS_CODE(m.cls)), points: marks(o), categories: AUGMENTED_CLASSES.map((name) => ({ name, colour: AUGMENTED_COLOURS[name] })) });
      result.maps = [...maps];
      // The catalogue first, as every preset puts it (the baseline cells': the augmented runs have none).
      const critical = criticalPointsTable(result.cells);
      result.tables = [...(critical ? [critical] : []), classTable(done), pairedTable(done, baseline), measureTable(done)];
      result.figures = done.map(traceFigure).filter((f): f is Figure => f !== null);
      result.notes = notesOf(o, done, baseline);
      yield { progress: { done: R * (o.steps.length + 2 * done.length), total, etaSeconds: null, cell: key, label: armLabel(arm) }, result };
    }
    result.seconds = runner.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});
