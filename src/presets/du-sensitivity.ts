/**
 * How much Table 1 depends on the choices Du et al. leave open: the step size η, the step budget,
 * the scale ‖a*‖‖w*‖ of the teacher (with weight normalisation it sets how fast the filter moves
 * relative to the output layer) and the radius of Thm 4.2's ball for a. One choice varies at a
 * time from our defaults (η = 0.1, 20 000 steps, ‖a*‖ = ‖w*‖ = 1, the Thm 4.2 radius), on a
 * subset of cells; each setting is scored by how many cells hold the paper's value inside our
 * 95% interval.
 */
import type { Experiment } from '../core/experiment.ts';
import { duRadius } from '../core/init.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { duCell, duPaperValue } from './du-table1.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { Preset } from './types.ts';
import { paperInInterval } from '../results/types.ts';

interface Setting {
  name: string;
  lr?: number;
  maxSteps?: number;
  aNorm?: number;
  radiusScale?: number;
}

export const SENSITIVITY_SETTINGS: Setting[] = [
  { name: 'defaults (η 0.1, 20000 steps, ‖a*‖ 1, radius ×1)' },
  { name: 'η = 0.01', lr: 0.01, maxSteps: 200000 },
  { name: 'η = 0.03', lr: 0.03, maxSteps: 70000 },
  { name: 'budget 5000 steps', maxSteps: 5000 },
  // The filter moves (‖a*‖‖w*‖)² times as fast: a smaller teacher needs a larger budget.
  { name: '‖a*‖‖w*‖ = 0.5', aNorm: 0.5, maxSteps: 80000 },
  { name: '‖a*‖‖w*‖ = 0.7', aNorm: 0.7, maxSteps: 40000 },
  { name: '‖a*‖‖w*‖ = 2', aNorm: 2 },
  { name: 'radius ×0.5', radiusScale: 0.5 },
  { name: 'radius ×2', radiusScale: 2 },
];

const SENSITIVITY_OPTIONS = defineOptions({
  k: { kind: 'int-list', default: [25, 64, 100], min: 1, max: 4096, help: 'numbers of patches k' },
  ratio: { kind: 'number-list', default: [4, 9, 16], min: 0, max: 4096, help: '(1ᵀa*)²/‖a*‖² values, each ≤ k' },
  restarts: { kind: 'int', default: 5000, min: 1, max: 10_000_000, help: 'random initialisations per cell' },
  seed: { kind: 'int', default: 2018, min: 0, max: 0xffffffff, help: 'seed of the initialisations' },
}, [
  // The sweep runs the pairs with ratio ≤ k (Du's teacher needs it) and skips the others; with none there is nothing to run.
  {
    option: 'ratio',
    holds: (v) => Math.min(...v.ratio) <= Math.max(...v.k),
    message: (v) => `at least one ratio must be ≤ some k, since (1ᵀa*)²/‖a*‖² ≤ k (got ratios ≥ ${Math.min(...v.ratio)} with k ≤ ${Math.max(...v.k)})`,
  },
]);

export const duSensitivity: Preset<OptionValues<typeof SENSITIVITY_OPTIONS>> = definePreset({
  name: 'du-table1-sensitivity',
  title: 'Du et al. Table 1: sensitivity to the choices the paper leaves open',
  source: 'Du et al. (2018), Sec. 6.2, Table 1',
  options: SENSITIVITY_OPTIONS,
  async *run(o, ctx) {
    const plans: CellPlan[] = [];
    for (const st of SENSITIVITY_SETTINGS) {
      for (const k of o.k) {
        for (const ratio of o.ratio) {
          if (ratio > k) continue;
          const base = duCell({ k, ratio, restarts: o.restarts, seed: o.seed, lr: st.lr, maxSteps: st.maxSteps, aNorm: st.aNorm });
          const exp: Experiment = st.radiusScale ? { ...base, init: { kind: 'du', radius: duRadius(base) * st.radiusScale } } : base;
          plans.push({ key: { setting: st.name, k, ratio }, label: `${st.name}: k=${k} ratio=${ratio}`, exp, paper: duPaperValue(k, ratio) ?? null });
        }
      }
    }
    const result = emptyResult(duSensitivity.name, duSensitivity.title, { ...o, settings: SENSITIVITY_SETTINGS }, o.seed, ctx);
    yield* runCells(plans, ctx, result);
    const cellsKeys = plans.filter((p) => p.key.setting === SENSITIVITY_SETTINGS[0].name).map((p) => `k=${p.key.k} r=${p.key.ratio}`);
    const rows = SENSITIVITY_SETTINGS.map((st) => {
      const cells = result.cells.filter((c) => c.key.setting === st.name);
      const inside = cells.filter((c) => paperInInterval(c) === true).length;
      const withPaper = cells.filter((c) => c.paper !== null);
      const bias = withPaper.reduce((s, c) => s + (c.pGlobal - c.paper!), 0) / Math.max(1, withPaper.length);
      return [st.name, `${inside}/${withPaper.length}`, fmt(bias, 2), ...cells.map((c) => `${c.pGlobal.toFixed(3)}${c.undecided > 0 ? ` (${c.undecided} undecided)` : ''}`)];
    });
    result.tables.push({
      id: 'sensitivity',
      title: 'P(global) per setting; paper in our 95% interval; mean(ours − paper)',
      columns: ['setting', 'paper in CI', 'mean bias', ...cellsKeys],
      rows,
    });
    result.tables.push({ id: 'paper', title: 'The paper’s values for these cells', columns: ['', ...cellsKeys], rows: [['paper', ...plans.slice(0, cellsKeys.length).map((p) => fmt(p.paper ?? NaN, 2))]] });
    yield { progress: finished(plans.length * o.restarts), result };
    return result;
  },
});
