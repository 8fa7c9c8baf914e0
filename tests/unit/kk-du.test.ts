/**
 * kk-du (Kawaguchi & Kaelbling's extra neuron on Du et al.'s convnet, fixed sample) at a small
 * size on the CPU engine: the baseline cells are du-table1-empirical's, the paired table covers
 * every restart, the augmented cells count the classes, a restart's class recomputed from the
 * engine is the table's, and no restart is stuck with a bounded norm (Thm 1).
 */
import { describe, expect, it } from 'vitest';
import { AUGMENTED_CLASSES, kkThresholds, measureAugmented } from '../../src/core/augmented-outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { cpuEngine, runRestart } from '../../src/engine/cpu.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { kkDu, kkDuExperiment, nearAntipode } from '../../src/presets/kk-du.ts';
import { augmented } from '../../src/presets/kk-paired.ts';
import { validateOptions } from '../../src/presets/options.ts';
import { collect } from '../collect.ts';

const OPTIONS = { k: 4, ratio: [1, 4], samples: 60, restarts: 8, steps: [400], lambda: [0.1], extraStep: 'adagrad', traced: 1 };

describe('kk-du', () => {
  it('runs on the CPU engine: baseline and augmented cells, the paired table over every restart, classes recomputed', async () => {
    const { result } = await collect(runExperiment('kk-du', OPTIONS, { engine: cpuEngine() }));
    expect(result.cells.map((c) => [c.key.arm, c.restarts])).toEqual([['baseline', 8], ['baseline', 8], ['adagrad', 8], ['adagrad', 8]]);
    const o = validateOptions(kkDu, OPTIONS);
    const paired = result.tables.find((t) => t.id === 'paired')!;
    const classes = result.tables.find((t) => t.id === 'classes')!;
    for (const [i, ratio] of [[0, 1], [1, 4]] as const) {
      const rows = paired.rows.filter((r) => r[0] === `ratio=${ratio}`);
      expect(rows.reduce((n, r) => n + (r[5] as number), 0)).toBe(8);
      // The baseline's counts in the paired table are its cell's.
      const base = result.cells[i];
      for (const r of rows) expect(r[5]).toBe(base[r[4] as 'global' | 'spurious' | 'diverged' | 'undecided']);
      const counts = AUGMENTED_CLASSES.map((_, c) => rows.reduce((n, r) => n + (r[6 + c] as number), 0));
      expect(counts[AUGMENTED_CLASSES.indexOf('stuck bounded')]).toBe(0);
      expect(result.cells[2 + i].global).toBe(counts[AUGMENTED_CLASSES.indexOf('escaped')]);
      expect(classes.rows[i][0]).toBe(`ratio=${ratio}`);
      // Restart 0 recomputed from the engine: the same class as counted.
      const exp = kkDuExperiment(o, ratio, 400);
      const s = { lambda: 0.1, arm: 'adagrad' as const };
      const m = measureAugmented(prepare(augmented(exp, s, o.extraLr, 400)), runRestart(prepare(augmented(exp, s, o.extraLr, 200)), 0), runRestart(prepare(augmented(exp, s, o.extraLr, 400)), 0), kkThresholds(exp.outcome, nearAntipode(exp)));
      expect(String(classes.rows[i][4 + AUGMENTED_CLASSES.indexOf(m.cls)])).toMatch(/^[1-8] /);
    }
    expect(result.figures).toHaveLength(2);
  }, 60_000);
});
