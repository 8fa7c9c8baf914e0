/**
 * The page's run state machine (src/ui/run-state.ts): a run that is cancelled or fails leaves no
 * cell "running", an empty snapshot is no data (no estimate point), and what can be downloaded in
 * each phase — after Cancel, the finished cells, marked partial; a basin map's CSV is the CLI's
 * per-point matrix.
 */
import { describe, expect, it } from 'vitest';
import { emptyTally, makeSnapshot, tallyRestart } from '../../src/core/stats.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import type { ExperimentUpdate } from '../../src/presets/types.ts';
import { type CellResult, type ExperimentResult, cellFromSnapshot } from '../../src/results/types.ts';
import { mapCsv, resultCsv } from '../../src/results/report.ts';
import { activeCell, applyUpdate, cellPhrase, downloads, endRun, hasData, liveHeading, noteFault, startRun } from '../../src/ui/run-state.ts';

/** A snapshot of `total` restarts of which `global` reached the global minimum and `spurious` did not. */
function snapshot(total: number, global: number, spurious = 0) {
  const t = emptyTally(100);
  for (let i = 0; i < global; i++) tallyRestart(t, OUTCOME.global, 10, 1e-6, 0.1);
  for (let i = 0; i < spurious; i++) tallyRestart(t, OUTCOME.spurious, 20, 1, 3);
  return makeSnapshot(t, total, 1000, 'cpu', 'test');
}

const result = (cells: CellResult[] = []): ExperimentResult => ({ experiment: 'du-table1', title: 't', config: {}, seed: 1, adapter: 'test', engine: 'cpu', cells, figures: [], tables: [], notes: [], seconds: 1 });

function update(key: CellResult['key'], s: ReturnType<typeof snapshot>, r: ExperimentResult, done: number): ExperimentUpdate {
  return { progress: { done, total: 40, etaSeconds: 1, cell: key, label: `k=${key.k} ratio=${key.ratio}` }, snapshot: s, result: r };
}

/** Two cells of 20: the first finished, the second interrupted with `second` of its restarts done. */
function cancelledAfterOne(second: number) {
  const first = cellFromSnapshot({ k: 25, ratio: 1 }, snapshot(20, 15, 5), null, 1);
  let run = startRun(1, { k: '25', ratio: '1,4' });
  run = applyUpdate(run, update({ k: 25, ratio: 1 }, snapshot(20, 15, 5), result(), 20));
  run = applyUpdate(run, update({ k: 25, ratio: 4 }, snapshot(20, second), result([first]), 20 + second));
  return endRun(run, 'cancelled');
}

describe('the page run state', () => {
  it('an empty snapshot is no data: no estimate point, no estimate', () => {
    const empty = snapshot(20, 0);
    expect(hasData(empty)).toBe(false);
    expect(empty.ci95).toEqual([0, 1]); // what used to be shown as "0.000 [0.000, 1.000]"
    const run = applyUpdate(startRun(1, {}), update({ k: 25, ratio: 4 }, empty, result(), 0));
    expect(run.cell?.points).toEqual([]);
    expect(applyUpdate(run, update({ k: 25, ratio: 4 }, snapshot(20, 3), result(), 3)).cell?.points).toHaveLength(1);
  });

  it('after Cancel, the interrupted cell is cancelled, not running; the panel does not say "in progress"', () => {
    const run = cancelledAfterOne(0);
    expect(run.phase).toBe('cancelled');
    expect(activeCell(run)).toEqual({ key: { k: 25, ratio: 4 }, state: 'cancelled' });
    expect(cellPhrase(run)).toBe('the interrupted cell');
    expect(liveHeading(run)).toMatch(/^The interrupted cell, k=25 ratio=4: 0 of 20 restarts had finished when the run was cancelled/);
    // Later messages do not move a run that has ended.
    expect(applyUpdate(run, update({ k: 36, ratio: 4 }, snapshot(20, 1), result(), 41))).toBe(run);
    expect(endRun(run, 'done', result())).toBe(run);
  });

  it('after Cancel, the finished cells download, marked partial; nothing while running or with nothing finished', () => {
    const run = cancelledAfterOne(7);
    const files = downloads(run)!;
    expect(files.json.name).toBe('du-table1-partial.json');
    const json = JSON.parse(files.json.text);
    expect(json.cells).toHaveLength(1);
    expect(json.partial).toEqual({
      reason: 'cancelled',
      cellsFinished: 1,
      restartsFinished: 20,
      restartsPlanned: 40,
      interruptedCell: { k: 25, ratio: 4, restartsFinished: 7, restarts: 20 },
    });
    expect(files.csv).toEqual([{ name: 'du-table1-partial.csv', type: 'text/csv', text: resultCsv(run.result!) }]);
    expect(downloads({ ...run, phase: 'running' })).toBeNull();
    expect(downloads(endRun(applyUpdate(startRun(2, {}), update({ k: 25, ratio: 4 }, snapshot(20, 3), result(), 3)), 'cancelled'))).toBeNull();
  });

  it('once done: no active cell, the last cell named as such, the complete result unmarked', () => {
    const first = cellFromSnapshot({ k: 25, ratio: 4 }, snapshot(20, 15, 5), null, 1);
    let run = applyUpdate(startRun(1, {}), update({ k: 25, ratio: 4 }, snapshot(20, 15, 5), result([first]), 20));
    run = applyUpdate(run, { progress: { done: 20, total: 20, etaSeconds: 0, cell: null, label: 'done' }, result: result([first]) });
    run = endRun(run, 'done', result([first]));
    expect(activeCell(run)).toBeNull();
    expect(liveHeading(run)).toBe('The last cell, k=25 ratio=4');
    const files = downloads(run)!;
    expect(files.json.name).toBe('du-table1.json');
    expect(JSON.parse(files.json.text).partial).toBeUndefined();
  });

  it("a basin map's CSV is the CLI's per-point matrix, one file per map", () => {
    const map = { id: 'basins', title: 'm', x: { label: 'w₁', param: 0, lo: -1, hi: 1, n: 3 }, y: { label: 'w₂', param: 1, lo: -1, hi: 1, n: 3 }, codes: [1, 2, 1, 2, 1, 2, -1, -1, -1] };
    const run = endRun(startRun(1, {}), 'cancelled', { ...result(), experiment: 'bg-overlap-map', maps: [map] });
    const files = downloads(run)!;
    expect(files.csv).toEqual([{ name: 'bg-overlap-map-basins-partial.csv', type: 'text/csv', text: mapCsv(map) }]);
    expect(files.csv[0].text.trim().split('\n')).toHaveLength(1 + 3);
  });

  it('a fault the engine recovered from is kept with the cell it happened in, through the end of the run', () => {
    let run = noteFault(startRun(1, {}), 'GPU device lost (unknown); the run went on');
    run = applyUpdate(run, update({ k: 25, ratio: 4 }, snapshot(20, 15, 5), result(), 10));
    run = noteFault(run, 'out of GPU memory');
    run = endRun(run, 'done', result());
    expect(run.faults).toEqual(['GPU device lost (unknown); the run went on', 'out of GPU memory (during k=25 ratio=4)']);
  });
});
