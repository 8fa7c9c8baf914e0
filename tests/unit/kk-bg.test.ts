/**
 * kk-bg (Kawaguchi & Kaelbling's extra neuron on Brutzkus & Globerson's overlap trap) at a small
 * size on the CPU engine: its tables and maps agree with each other and with the restarts' own
 * classes recomputed from the engine, and Thm 1's prediction holds on this grid: no start ends
 * stuck with a bounded norm. (Per start nothing more is predicted: at this budget some of the
 * baseline's global starts are still undecided with the neuron on, one is even stuck with its norm
 * growing, and some of its stuck starts are undecided.)
 */
import { describe, expect, it } from 'vitest';
import { AUGMENTED_CLASSES, kkThresholds, measureAugmented } from '../../src/core/augmented-outcome.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { cpuEngine, runRestart } from '../../src/engine/cpu.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { inTrap, kkBg, kkBgExperiment } from '../../src/presets/kk-bg.ts';
import { augmented, recheckTable, runArm } from '../../src/presets/kk-paired.ts';
import { CellRunner, emptyResult } from '../../src/presets/cells.ts';
import { validateOptions } from '../../src/presets/options.ts';
import { CRITICAL_POINTS_TABLE } from '../../src/results/critical-points.ts';
import { collect } from '../collect.ts';

const OPTIONS = { resolution: 5, samples: 100, steps: [600], lambda: [0.1], extraStep: 'both', traced: 2 };

describe('kk-bg', () => {
  it('runs on the CPU engine: the paired table, the class maps and the cells agree; the theorems’ predictions hold', async () => {
    const { result } = await collect(runExperiment('kk-bg', OPTIONS, { engine: cpuEngine() }));
    const R = 25;
    expect(result.cells.map((c) => [c.key.arm, c.restarts])).toEqual([['baseline', R], ['same', R], ['adagrad', R]]);
    expect(result.tables[0].id).toBe(CRITICAL_POINTS_TABLE);
    const base = result.maps!.find((m) => m.id === 'baseline-600')!;
    expect(base.codes.filter((c) => c === OUTCOME.global).length).toBe(result.cells[0].global);
    const paired = result.tables.find((t) => t.id === 'paired')!;
    const o = validateOptions(kkBg, OPTIONS);
    for (const [ci, arm] of [[1, 'same'], [2, 'adagrad']] as const) {
      const map = result.maps!.find((m) => m.id === `neuron-0.1-600-${arm}`)!;
      expect(map.categories!.map((c) => c.name)).toEqual([...AUGMENTED_CLASSES]);
      const rows = paired.rows.filter((r) => r[3] === arm);
      expect(rows.reduce((n, r) => n + (r[5] as number), 0)).toBe(R);
      for (const r of rows) expect((r.slice(6) as number[]).reduce((a, b) => a + b, 0)).toBe(r[5]);
      // The cell counts escaped as global.
      expect(result.cells[ci].global).toBe(map.codes.filter((c) => c === 1).length);
      // Nothing stuck with a bounded norm (Thm 1: no local minimum of L̃ at a suboptimal θ).
      expect(map.codes.filter((c) => c === AUGMENTED_CLASSES.indexOf('stuck bounded') + 1)).toHaveLength(0);
      // Two starts recomputed: the same class from the engine's own rows.
      const full = augmented(kkBgExperiment(o, 600), { lambda: 0.1, arm }, o.extraLr, 600);
      const half = prepare(augmented(kkBgExperiment(o, 600), { lambda: 0.1, arm }, o.extraLr, 300));
      const prep = prepare(full);
      for (const r of [0, 12]) {
        const m = measureAugmented(prep, runRestart(half, r), runRestart(prep, r), kkThresholds(DEFAULT_OUTCOME_RULE, inTrap(o)));
        expect(map.codes[r]).toBe(AUGMENTED_CLASSES.indexOf(m.cls) + 1);
      }
    }
    // Not trivial: under AdaGrad on the neuron some start is stuck with its norm growing (Thm 4), some escaped.
    const classes = result.maps!.find((m) => m.id === 'neuron-0.1-600-adagrad')!.codes;
    expect(classes).toContain(AUGMENTED_CLASSES.indexOf('norm diverging') + 1);
    expect(classes).toContain(AUGMENTED_CLASSES.indexOf('escaped') + 1);
    expect(result.figures.map((f) => f.series.length)).toEqual([4, 4]);
  }, 60_000);
});

describe('the f64 re-run of stuck-bounded restarts', () => {
  it('re-runs each on the CPU reference and reports its class (here forced: a stationarity test that every point passes)', async () => {
    const o = validateOptions(kkBg, { ...OPTIONS, resolution: 3 });
    // gradTol 1e9: a stuck start whose norm is flat counts as bounded (the base step oscillates there).
    const base = { ...kkBgExperiment(o, 600), outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 1e9 } };
    const ctx = { engine: cpuEngine() };
    const result = emptyResult('kk-bg', 'test', {}, 0, ctx);
    const runner = new CellRunner(ctx, result, 2 * base.restarts);
    const gen = runArm(runner, result, base, { setting: '', lambda: 0.1, steps: 600, arm: 'same' }, { extraLr: o.extraLr, traced: 0 }, new Array(base.restarts).fill(OUTCOME.spurious), inTrap(o));
    let r = await gen.next();
    while (!r.done) r = await gen.next();
    const { arm } = r.value;
    const bounded = arm.measures.map((m, i) => (m.cls === 'stuck bounded' ? i : -1)).filter((i) => i >= 0);
    expect(bounded.length).toBeGreaterThan(0);
    expect(arm.rechecked.map((x) => x.restart)).toEqual(bounded.slice(0, 16));
    // On the CPU engine the f64 re-run is the same computation: the same class and numbers.
    for (const x of arm.rechecked) expect(x.measure).toEqual(arm.measures[x.restart]);
    const table = recheckTable([arm])!;
    expect(table.rows).toHaveLength(arm.rechecked.length);
    expect(recheckTable([{ ...arm, rechecked: [] }])).toBeNull();
  }, 60_000);
});
