/**
 * Kawaguchi & Kaelbling (2020) on Du et al.'s convnet (remaining-papers.md §D.3, "KK-Du"): the
 * du-table1-empirical cells k = 25, p = 6 (d = 150), ratio (1ᵀa*)²/‖a*‖² ∈ {1, 4}, on the fixed
 * sample of n = 1000 Gaussian inputs, weight-normalised filter, learned output, Thm 4.2's init,
 * GD with η = 0.1 — where 18% of restarts end spurious at ratio 4 — run with and without the
 * extra neuron a_e·exp(w_eᵀx + b_e) (w_e ∈ R¹⁵⁰) and (λ/2)a_e², on the same restarts, for each λ,
 * budget T and step rule of the neuron (src/presets/kk-paired.ts). The baseline judges θ_T with
 * du-table1-empirical's rule (global: L ≤ 1e-4·L_ref and angle ≤ 0.1; stationary: ‖∇L‖ ≤
 * 1e-3·√L_ref).
 */
import { DU_P, type Mode, duCell, duOutcomeRule } from './du-table1.ts';
import type { Experiment } from '../core/experiment.ts';
import { type OutcomeCode, cosineAt } from '../core/outcome.ts';
import { type CellPlan, CellRunner, emptyResult, finished } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { CELLS_NOTE, PAIRED_OPTIONS, type PairedArm, armLabel, armsOf, augmentedCell, classTable, collector, measureTable, pairedTable, predictionNotes, recheckTable, runArm, traceFigure } from './kk-paired.ts';
import { type OptionValues, defineOptions } from './options.ts';
import type { Preset } from './types.ts';
import type { ExperimentResult, Figure } from '../results/types.ts';
import { criticalPointsTable } from '../results/critical-points.ts';

const RATIO_AT_MOST_K = {
  option: 'ratio',
  holds: (v: { k: number; ratio: readonly number[] }) => v.ratio.every((r) => r <= v.k),
  message: (v: { k: number }) => `every ratio must be ≤ k = ${v.k} (Du et al.'s teacher exists only for (1ᵀa*)²/‖a*‖² ≤ k)`,
};

const OPTIONS = defineOptions(
  {
    k: { kind: 'int', default: 25, min: 1, max: 4096, help: `patches k (d = ${DU_P}·k; the spec: 25)` },
    ratio: { kind: 'number-list', default: [1, 4], min: 0, max: 4096, help: '(1ᵀa*)²/‖a*‖² values, each ≤ k (the spec: 1 and 4)' },
    samples: { kind: 'int', default: 1000, min: 1, max: 1 << 20, help: 'n, the fixed sample (the spec: 1000, seed 2018)' },
    restarts: { kind: 'int', default: 500, min: 1, max: 10_000_000, help: 'restarts per ratio, the same with and without the neuron' },
    lr: { kind: 'number', default: 0.1, min: 1e-6, max: 10, help: 'GD step η (the baseline’s, on every parameter unless the neuron has its own)' },
    steps: { kind: 'int-list', default: [4000, 40000], min: 2, max: 1 << 24, help: 'step budgets T (the norm grows like log t: two budgets)' },
    ...PAIRED_OPTIONS,
    seed: { kind: 'int', default: 2018, min: 0, max: 0xffffffff, help: 'seed of the initialisations and of the sample' },
  },
  [RATIO_AT_MOST_K],
);

export type KkDuOptions = OptionValues<typeof OPTIONS>;

const MODE: Mode = 'empirical';

/** The baseline: du-table1-empirical's cell (k, ratio) with budget T. */
export function kkDuExperiment(o: KkDuOptions, ratio: number, steps: number): Experiment {
  const base = duCell({ k: o.k, ratio, restarts: o.restarts, seed: o.seed, lr: o.lr, maxSteps: steps, loss: { kind: 'empirical', samples: o.samples } });
  return { ...base, outcome: duOutcomeRule(base, MODE) };
}

/** The baseline's spurious region (the spec): the filter's angle to w* above 2.5 (Lemma 5.1's point is at π). */
export function nearAntipode(exp: Experiment): (params: ArrayLike<number>) => boolean {
  const cos = Math.cos(SPURIOUS_ANGLE);
  const m = exp.model.m;
  return (p) => cosineAt(p, 0, exp.teacher.w, 0, m) < cos;
}

/** Above this angle to w* a restart is in the spurious region (the spec's threshold). */
export const SPURIOUS_ANGLE = 2.5;

export const kkDu: Preset<KkDuOptions> = definePreset({
  name: 'kk-du',
  title: 'Kawaguchi & Kaelbling: the extra exponential neuron on Du et al.’s convnet, fixed sample (paired restarts)',
  source: 'Kawaguchi & Kaelbling (2020), Thm 1, Thm 4; Du et al. (2018), Table 1 settings on a fixed sample',
  options: OPTIONS,
  async *run(o, ctx) {
    const R = o.restarts;
    const settings = o.ratio.flatMap((ratio) => o.steps.flatMap((steps) => o.lambda.flatMap((lambda) => armsOf(o.extraStep).map((arm) => ({ setting: `ratio=${ratio}`, ratio, lambda, steps, arm })))));
    const total = R * (o.ratio.length * o.steps.length + settings.length * 2);
    const first = kkDuExperiment(o, o.ratio[0], o.steps[0]);
    const result = emptyResult(
      kkDu.name,
      kkDu.title,
      { ...o, p: DU_P, model: first.model, loss: first.loss, init: first.init, outcome: first.outcome, teacher: 'src/core/teachers.ts duTeacher(p, k, ratio, seed 1): ‖w*‖ = ‖a*‖ = 1', extraInit: 'a_e = b_e = 0, w_e = 0', classes: 'src/core/augmented-outcome.ts' },
      o.seed,
      ctx,
    );
    const runner = new CellRunner(ctx, result, total);
    const baseline = new Map<string, OutcomeCode[]>();
    for (const ratio of o.ratio) {
      for (const steps of o.steps) {
        const c = collector(R);
        const plan: CellPlan = { key: { ratio, arm: 'baseline', steps }, label: `ratio=${ratio}, baseline, T = ${steps}`, exp: kkDuExperiment(o, ratio, steps), paper: null, onWave: c.onWave };
        yield* runner.run([plan]);
        baseline.set(`${ratio}/${steps}`, c.points.map((p) => p.code));
      }
    }
    // The runs with the neuron decide nothing themselves: their cells go to a scratch result.
    const scratch: ExperimentResult = { ...result, cells: [], tables: [], figures: [], notes: [] };
    const done: PairedArm[] = [];
    for (const s of settings) {
      const exp = kkDuExperiment(o, s.ratio, s.steps);
      const { arm, runs } = yield* runArm(runner, scratch, exp, s, o, baseline.get(`${s.ratio}/${s.steps}`)!, nearAntipode(exp));
      done.push(arm);
      result.cells.push(augmentedCell(arm, runs));
      const critical = criticalPointsTable(result.cells);
      const recheck = recheckTable(done);
      result.tables = [...(critical ? [critical] : []), classTable(done), pairedTable(done), measureTable(done), ...(recheck ? [recheck] : [])];
      result.figures = done.map(traceFigure).filter((f): f is Figure => f !== null);
      result.notes = [
        CELLS_NOTE,
        `Settings: Du et al.'s net (k = ${o.k}, p = ${DU_P}, d = ${DU_P * o.k}, weight-normalised filter, learned output, Thm 4.2's init, ‖w*‖ = ‖a*‖ = 1) on a fixed sample of ${o.samples} Gaussian inputs (seed ${o.seed}), GD η = ${o.lr}, ${R} restarts per ratio; the extra neuron a_e·exp(w_eᵀx + b_e) on the whole input (w_e ∈ R^${DU_P * o.k}) from a_e = b_e = 0, w_e = 0, with (λ/2)a_e² (the paper's λ); the neuron's step: η, or AdaGrad with step ${o.extraLr}, ε = 1e-8, on (a_e, b_e, w_e) alone. θ_T judged by du-table1-empirical's rule (global: L ≤ 1e-4·L_ref and angle ≤ 0.1; stationary: ‖∇L‖ ≤ 1e-3·√L_ref); the neuron vanished when max|g(xᵢ)| ≤ 1e-2·√L_ref; stuck only with the filter's angle to w* above ${SPURIOUS_ANGLE} (the spurious region; else undecided); the norm grows when faster than 0.05 per ln t over the second half. λ, the budgets and the second step rule are ours.`,
        ...predictionNotes(done),
      ];
      yield { progress: { done: R * (o.ratio.length * o.steps.length + 2 * done.length), total, etaSeconds: null, cell: { ratio: s.ratio, lambda: s.lambda, steps: s.steps, arm: s.arm }, label: armLabel(s) }, result };
    }
    result.seconds = runner.seconds();
    yield { progress: finished(total), result };
    return result;
  },
});
