/**
 * The page's critical-points table (src/ui/views.ts renderTables), in linkedom's DOM: sortable by
 * any column, numerically by the leading number; choosing a row reports its point (and clears on a
 * second choice), which the page uses to show that point's restarts on the basin map.
 */
import { describe, expect, it } from 'vitest';
import { withDocument } from './dom.ts';
import { CRITICAL_POINTS_TABLE } from '../../src/results/critical-points.ts';
import type { Table } from '../../src/results/types.ts';

withDocument();

const table: Table = {
  id: CRITICAL_POINTS_TABLE,
  title: 'Critical points found',
  columns: ['cell', 'point', 'restarts by label', 'basin mass [95% CI]', 'L/L_ref'],
  rows: [
    ['k=4', 1, 'global 243', '0.551 [0.504, 0.597]', '-2.71e-16'],
    ['k=4', 2, 'spurious 198', '0.449 [0.403, 0.496]', '0.281'],
    ['k=4', 3, 'spurious 9', '0.0204 [0.0100, 0.0400]', '1.5e-3'],
  ],
};

describe('the critical-points table on the page', () => {
  it('sorts by a column numerically, and reverses on a second click', async () => {
    const { renderTables, sortKey } = await import('../../src/ui/views.ts');
    expect(sortKey('0.551 [0.504, 0.597]')).toBe(0.551);
    expect(sortKey('-2.71e-16')).toBe(-2.71e-16);
    expect(sortKey('—')).toBeNaN();
    const box = document.createElement('div');
    renderTables(box, [table]);
    const t = box.querySelector('table')!;
    const points = () => Array.from(t.querySelectorAll('tbody > tr')).map((r) => r.querySelectorAll('td')[1].textContent);
    const heads = t.querySelectorAll('thead th');
    const massHead = heads[3];
    massHead.dispatchEvent(new Event('click'));
    expect(points()).toEqual(['3', '2', '1']);
    massHead.dispatchEvent(new Event('click'));
    expect(points()).toEqual(['1', '2', '3']);
    heads[4].dispatchEvent(new Event('click'));
    expect(points()).toEqual(['1', '3', '2']);
  });

  it('choosing a row reports its cell and point; choosing it again clears', async () => {
    const { renderTables } = await import('../../src/ui/views.ts');
    const box = document.createElement('div');
    const picked: (number | null)[] = [];
    renderTables(box, [table], (_cell, id) => picked.push(id));
    const rows = box.querySelectorAll('tbody > tr');
    rows[1].dispatchEvent(new Event('click'));
    rows[1].dispatchEvent(new Event('click'));
    rows[0].dispatchEvent(new Event('click'));
    expect(picked).toEqual([2, null, 1]);
    expect(rows[0].classList.contains('picked')).toBe(true);
  });
});
