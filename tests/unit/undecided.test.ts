/**
 * A cell whose restarts ran out of budget is not a miss: its interval covers the undecided
 * restarts either way (src/core/stats.ts pGlobalInterval), the JSON says so on such cells only,
 * and the summary does not count it against the paper. Cells without undecided restarts are
 * reported exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { UNDECIDED_INTERVAL_RULE } from '../../src/core/stats.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { cellRows, resultJson, resultMarkdown, summaryLine } from '../../src/results/report.ts';
import { type ExperimentResult, paperInInterval } from '../../src/results/types.ts';

describe('a cell where nothing was decided', () => {
  it('--max-steps 100: 16 of 16 undecided is P(global) in [0, 1], not a disagreement with the paper', async () => {
    const { result } = await collect(runExperiment('du-table1', { k: [25], ratio: [4], restarts: 16, maxSteps: 100 }, { engine: cpuEngine() }));
    const [cell] = result.cells;
    expect(cell).toMatchObject({ restarts: 16, undecided: 16, global: 0, ci95: [0, 1], paper: 0.73 });
    expect(paperInInterval(cell)).toBe(true);
    expect(cellRows(result.cells).rows[0]).toContain('undecided');
    expect(summaryLine(result)).toMatch(/lies outside our 95% interval in 0\. 1 cell has undecided restarts, .*\(1 with nothing decided, which cannot disagree\)/);
    expect((resultJson(result) as { cells: object[] }).cells[0]).toMatchObject({ ci95: [0, 1], ci95Rule: UNDECIDED_INTERVAL_RULE });
    expect(resultMarkdown(result)).toContain('the 95% interval counts them as either outcome');
  });
});

describe('cells without undecided restarts', () => {
  const result: ExperimentResult = {
    experiment: 'du-table1',
    title: 't',
    config: {},
    seed: 1,
    adapter: 'x',
    engine: 'cpu',
    cells: [{ key: { k: 25, ratio: 4 }, restarts: 5000, global: 3838, spurious: 1162, diverged: 0, undecided: 0, pGlobal: 0.7676, ci95: [0.756, 0.779], paper: 0.73, seconds: 1, restartSteps: 1 }],
    figures: [],
    tables: [],
    notes: [],
    seconds: 0.5,
  };
  it('keep their JSON, rows and summary', () => {
    expect(Object.keys((resultJson(result) as { cells: object[] }).cells[0])).toEqual(['k', 'ratio', 'restarts', 'global', 'spurious', 'diverged', 'undecided', 'pGlobal', 'ci95', 'paper', 'seconds']);
    expect(Object.keys(resultJson(result))).not.toContain('interrupted');
    expect(cellRows(result.cells).rows[0].at(-2)).toBe('no');
    expect(summaryLine(result)).toBe("1 cell in 0.5 s; the paper's value (±0.005, its rounding) lies outside our 95% interval in 1.");
    expect(resultMarkdown(result)).not.toContain('either outcome');
  });
  it('an interrupted result says so in the JSON, the report and the summary', () => {
    const partial = { ...result, interrupted: true as const };
    expect(resultJson(partial)).toMatchObject({ interrupted: true });
    expect(resultMarkdown(partial)).toContain('**Interrupted**: a partial result, the 1 cell that finished');
    expect(summaryLine(partial)).toMatch(/^interrupted: 1 cell finished in 0\.5 s; /);
  });
});
