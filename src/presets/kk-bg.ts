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
import type { Experiment } from '../core/experiment.ts';
import { AUGMENTED_CLASSES } from '../core/augmented-outcome.ts';
import { DEFAULT_OUTCOME_RULE, type OutcomeCode } from '../core/outcome.ts';
import { bgOverlapTeacher } from '../core/teachers.ts';
import { bgModel, bgSpuriousPoint } from './bg-overlap-map.ts';
import { type CellPlan, CellRunner, emptyResult, finished } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { CELLS_NOTE, PAIRED_OPTIONS, type PairedArm, armLabel, armsOf, augmentedCell, classCode, classTable, collector, measureTable, pairedTable, predictionNotes, recheckTable, runArm, traceFigure } from './kk-paired.ts';
import { type OptionValues, defineOptions } from './options.ts';
import type { Preset } from './types.ts';
import type { BasinMap, ExperimentResult, Figure } from '../results/types.ts';
import { AUGMENTED_COLOURS } from '../results/palette.ts';
import { criticalPointsTable } from '../results/critical-points.ts';

const OPTIONS = defineOptions({
  k: { kind: 'int', default: 4, min: 2, max: 64, help: 'patches k (d = k + 1; the spec: 4)' },
  resolution: { kind: 'int', default: 41, min: 2, max: 1001, help: 'grid points per axis over [−R, R]² of (w₁, w₂)' },
  range: { kind: 'number', default: 2, min: 0.001, max: 1000, help: 'half-width R of the grid' },
  lr: { kind: 'number', default: 0.1, min: 0, max: 1 / 3, open: true, help: 'the paper’s GD step λ on ℓ = 2L (the engine steps L with 2λ)' },
  samples: { kind: 'int', default: 1000, min: 1, max: 1 << 20, help: 'fixed sample of n Gaussian inputs (the spec: 1000)' },
  steps: { kind: 'int-list', default: [4000, 40000], min: 2, max: 1 << 24, help: 'step budgets T (the norm grows like log t: two budgets)' },
  ...PAIRED_OPTIONS,
  seed: { kind: 'int', default: 2018, min: 0, max: 2 ** 32 - 1, help: 'seed of the fixed sample' },
});

export type KkBgOptions = OptionValues<typeof OPTIONS>;

/** The baseline grid experiment on the fixed sample: bg-overlap-map's, with a finite sample. */
export function kkBgExperiment(o: KkBgOptions, steps: number): Experiment {
  const n = o.resolution;
  return {
    model: bgModel(o.k),
    teacher: bgOverlapTeacher(o.k),
    loss: { kind: 'empirical', samples: o.samples },
    optimizer: { kind: 'gd', lr: 2 * o.lr },
    // The filter axes from the grid; the output layer is the fixed 1/k.
    init: { kind: 'grid', axes: [0, 1], range: [-o.range, o.range, -o.range, o.range], resolution: [n, n], base: new Array(2 + o.k).fill(0) },
    restarts: n * n,
    maxSteps: steps,
    seed: o.seed,
    outcome: { ...DEFAULT_OUTCOME_RULE },
  };
}

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

/** The baseline's spurious region (the spec): the open fourth quadrant, or within 1e-2 of w̃. */
export function inTrap(o: KkBgOptions): (params: ArrayLike<number>) => boolean {
  const [sx, sy] = bgSpuriousPoint(o.k);
  return (p) => (p[0] > 0 && p[1] < 0) || Math.hypot(p[0] - sx, p[1] - sy) <= 1e-2;
}

function settingsNote(o: KkBgOptions): string {
  return `Settings: Brutzkus & Globerson's overlap net (k = ${o.k}, m = 2, stride 1, w* = (−1, 1), output 1/k fixed) on a fixed sample of ${o.samples} Gaussian inputs (seed ${o.seed}), GD with the paper's step ${o.lr} on ℓ = 2L (2·${o.lr} on L) from each point of a ${o.resolution} × ${o.resolution} grid over [−${o.range}, ${o.range}]²; the extra neuron a_e·exp(w_eᵀx + b_e) on the whole input from a_e = b_e = 0, w_e = 0, with (λ/2)a_e² (the paper's λ: our L̃ is half its L̃); the neuron's step: the base GD step, or AdaGrad with step ${o.extraLr}, ε = 1e-8, on (a_e, b_e, w_e) alone. Classes from the rows at T/2 and T: escaped when L(θ_T) meets the default global test (L ≤ 1e-4·L_ref, angle ≤ 0.1) and max|g(xᵢ)| ≤ 1e-2·√L_ref; norm diverging when not and θ_T is in the trap's region (the open fourth quadrant, or within 1e-2 of w̃), with ‖(a_e, b_e, w_e)‖ growing faster than 0.05 per ln t over the second half and L̃ falling; stuck bounded when not and in that region, with the norm flat and ‖∇L̃‖ ≤ 1e-5·√L_ref. λ, the grid, the sample, the thresholds and the second step rule are ours (the paper has no such experiment).`;
}

export const kkBg: Preset<KkBgOptions> = definePreset({
  name: 'kk-bg',
  title: 'Kawaguchi & Kaelbling: the extra exponential neuron on Brutzkus & Globerson’s overlap trap (paired basin maps)',
  source: 'Kawaguchi & Kaelbling (2020), Thm 1, Thm 4; Brutzkus & Globerson (2017), Sec. 7.1',
  options: OPTIONS,
  async *run(o, ctx) {
    const R = o.resolution * o.resolution;
    const settings = o.steps.flatMap((steps) => o.lambda.flatMap((lambda) => armsOf(o.extraStep).map((arm) => ({ setting: '', lambda, steps, arm }))));
    const total = R * (o.steps.length + settings.length * 2);
    const result = emptyResult(kkBg.name, kkBg.title, { ...o, model: bgModel(o.k), teacher: 'src/core/teachers.ts bgOverlapTeacher(k)', extraInit: 'a_e = b_e = 0, w_e = 0', classes: 'src/core/augmented-outcome.ts' }, o.seed, ctx);
    const runner = new CellRunner(ctx, result, total);
    const { x, y } = axes(o);
    const maps: BasinMap[] = [];
    const baseline = new Map<number, OutcomeCode[]>();
    for (const steps of o.steps) {
      const c = collector(R);
      const plan: CellPlan = { key: { arm: 'baseline', steps }, label: `baseline, T = ${steps}`, exp: kkBgExperiment(o, steps), paper: null, onWave: c.onWave };
      yield* runner.run([plan]);
      baseline.set(steps, c.points.map((p) => p.code));
      maps.push({ id: `baseline-${steps}`, title: `Baseline (no neuron), T = ${steps}: where GD ends from each (w₁, w₂)`, x, y, codes: c.points.map((p) => p.code), points: marks(o) });
      result.maps = [...maps];
    }
    // The runs with the neuron decide nothing themselves: their cells go to a scratch result.
    const scratch: ExperimentResult = { ...result, cells: [], tables: [], figures: [], notes: [], maps: [] };
    const done: PairedArm[] = [];
    for (const s of settings) {
      const { arm, runs } = yield* runArm(runner, scratch, kkBgExperiment(o, s.steps), s, o, baseline.get(s.steps)!, inTrap(o));
      done.push(arm);
      result.cells.push(augmentedCell(arm, runs));
      maps.push({
        id: `neuron-${s.lambda}-${s.steps}-${s.arm}`,
        title: `With the extra neuron (${armLabel(s)}): each start's class`,
        x,
        y,
        codes: arm.measures.map((m) => classCode(m.cls)),
        points: marks(o),
        categories: AUGMENTED_CLASSES.map((name) => ({ name, colour: AUGMENTED_COLOURS[name] })),
      });
      result.maps = [...maps];
      // The catalogue first, as every preset puts it (the baseline cells': the runs with the neuron have none).
      const critical = criticalPointsTable(result.cells);
      const recheck = recheckTable(done);
      result.tables = [...(critical ? [critical] : []), classTable(done), pairedTable(done), measureTable(done), ...(recheck ? [recheck] : [])];
      result.figures = done.map(traceFigure).filter((f): f is Figure => f !== null);
      result.notes = [CELLS_NOTE, settingsNote(o), ...predictionNotes(done)];
      yield { progress: { done: R * (o.steps.length + 2 * done.length), total, etaSeconds: null, cell: { lambda: s.lambda, steps: s.steps, arm: s.arm }, label: armLabel(s) }, result };
    }
    result.seconds = runner.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});
