/**
 * The page's result views, each a function of data into a container: the Table-1 style heatmap of
 * cells, the generic cells table, small tables, figures and histograms (Observable Plot, via
 * src/results/plot.ts, shared with the CLI), the live estimate's curve; basin maps are in map-view.ts.
 */
import * as Plot from '@observablehq/plot';
import type { CellResult, Figure, Table } from '../results/types.ts';
import { allUndecided, paperInInterval } from '../results/types.ts';
import { plotFigure, plotHistogram } from '../results/plot.ts';
import { cellRows, estimate } from '../results/report.ts';
import type { Histogram, Snapshot } from '../core/stats.ts';
import { type BenchEntry, isWorkloadEntry } from '../../bench/entries.ts';
import { benchTables, crossoverSvg } from '../../bench/report.ts';
import { ESTIMATE_COLOUR } from '../results/palette.ts';
import { CRITICAL_POINTS_TABLE } from '../results/critical-points.ts';
import type { EstimatePoint } from './run-state.ts';

export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
};

/** P(global) → a colour of one perceptual scale, the same on every run. */
const pColour = Plot.scale({ color: { type: 'linear', scheme: 'viridis', domain: [0, 1] } });

/** Text colour readable on a viridis background. */
const inkOn = (p: number) => (p > 0.55 ? '#111' : '#fff');

/** A table of text cells (built from plain elements, so that it renders in any DOM). */
function htmlTable(head: string[], rows: (string | number)[][], caption?: string): HTMLTableElement {
  const table = el('table');
  if (caption) table.append(el('caption', caption));
  const thead = el('thead');
  const tr = el('tr');
  for (const h of head) tr.append(el('th', h));
  thead.append(tr);
  const body = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    for (const v of r) row.append(el('td', String(v)));
    body.append(row);
  }
  table.append(thead, body);
  return table;
}

const bodyRows = (table: HTMLTableElement) => Array.from(table.querySelectorAll<HTMLTableRowElement>('tbody > tr'));
const cellsOf = (row: HTMLTableRowElement) => Array.from(row.querySelectorAll<HTMLTableCellElement>('td'));

/**
 * Cells with two key fields (Table 1: k × ratio) as a heatmap grid: rows and columns from `axes`
 * (the values asked for, so pending cells show as empty) and from the cells themselves; each cell
 * our estimate [95% interval] and the paper's value, marked where the paper's value lies outside.
 * Other cells as a plain table. `active` is the cell the run is on (running) or was on when it
 * was cancelled or failed; the heatmap says which, so no cell reads "running…" after the run.
 */
export function renderCells(container: HTMLElement, cells: CellResult[], axes: Record<string, number[]>, active?: ActiveCell | null): void {
  container.replaceChildren();
  // The key fields from a cell (the axes hold every list-valued option, not only the keys).
  const keys = Object.keys(cells[0]?.key ?? active?.key ?? {});
  const numeric = [...cells.map((c) => c.key), ...(active ? [active.key] : [])].every((key) => keys.every((k) => typeof key[k] === 'number'));
  if (keys.length !== 2 || !numeric) {
    if (cells.length > 0) {
      const { head, rows } = cellRows(cells);
      container.append(htmlTable(head, rows));
    }
    return;
  }
  const [rk, ck] = keys as [string, string];
  const values = (k: string) => [...new Set([...(axes[k] ?? []), ...cells.map((c) => Number(c.key[k]))])].sort((a, b) => a - b);
  const rowsV = values(rk);
  const colsV = values(ck);
  const table = el('table', undefined, 'heatmap');
  // The caption is outside the table: the table scrolls sideways on a narrow screen, its caption
  // (inside the scrolled box, as wide as the table) was cut off there; outside, it wraps.
  const caption = el('p', `P(global) [95% interval] by ${rk} (rows) and ${ck} (columns); paper's value below, ✗ where it lies outside our interval`, 'heatmap-caption');
  const scroll = el('div', undefined, 'heatmap-scroll');
  scroll.append(table);
  const head = table.createTHead().insertRow();
  head.append(el('th', `${rk} \\ ${ck}`));
  for (const c of colsV) head.append(el('th', String(c)));
  const body = table.createTBody();
  for (const r of rowsV) {
    const tr = body.insertRow();
    tr.append(el('th', String(r)));
    for (const c of colsV) {
      const td = tr.insertCell();
      const cell = cells.find((x) => Number(x.key[rk]) === r && Number(x.key[ck]) === c);
      td.dataset[rk] = String(r);
      td.dataset[ck] = String(c);
      if (!cell) {
        const state = active && Number(active.key[rk]) === r && Number(active.key[ck]) === c ? active.state : null;
        td.className = state ? `pending ${state}` : 'pending';
        td.textContent = state ? ACTIVE_TEXT[state] : '';
        continue;
      }
      const inside = paperInInterval(cell);
      td.className = inside === false ? 'done outside' : 'done';
      td.style.background = pColour.apply(cell.pGlobal) as string;
      td.style.color = inkOn(cell.pGlobal);
      td.dataset.estimate = estimate(cell);
      td.append(el('strong', cell.pGlobal.toFixed(3)), el('small', ` [${cell.ci95[0].toFixed(3)}, ${cell.ci95[1].toFixed(3)}]`));
      // Every restart ran out of steps: the interval is [0, 1] and says nothing; say so in words.
      if (allUndecided(cell)) td.append(el('small', ' nothing decided (raise maxSteps)', 'undecided-note'));
      if (cell.paper !== null) {
        const paper = el('span', `paper ${cell.paper.toFixed(2)}${inside ? '' : ' ✗'}`, 'paper');
        if (!inside) paper.title = "The paper's value lies outside our 95% interval";
        td.append(paper);
      }
    }
  }
  container.append(caption, scroll);
}

/** The cell a run is on, or was on when it stopped. */
export interface ActiveCell {
  key: Record<string, number | string>;
  state: 'running' | 'cancelled' | 'failed';
}

const ACTIVE_TEXT: Record<ActiveCell['state'], string> = { running: 'running…', cancelled: 'cancelled', failed: 'failed' };

/** A cell's leading number ("0.551 [0.504, 0.597]" → 0.551), or NaN: what a sortable column sorts by. */
export function sortKey(text: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/i.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * Makes a table sortable by clicking a column's header: numerically by the leading number where
 * both cells have one, else as text; a second click reverses.
 */
export function makeSortable(table: HTMLTableElement): void {
  const heads = Array.from(table.querySelectorAll<HTMLTableCellElement>('thead th'));
  heads.forEach((th, col) => {
    th.classList.add('sortable');
    th.title = 'sort by this column';
    th.addEventListener('click', () => {
      const dir = th.dataset.sort === 'asc' ? -1 : 1;
      for (const h of heads) delete h.dataset.sort;
      th.dataset.sort = dir === 1 ? 'asc' : 'desc';
      const body = table.querySelector('tbody')!;
      const rows = bodyRows(table);
      rows.sort((a, b) => {
        const x = cellsOf(a)[col]?.textContent ?? '';
        const y = cellsOf(b)[col]?.textContent ?? '';
        const nx = sortKey(x);
        const ny = sortKey(y);
        return dir * (Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y));
      });
      body.append(...rows);
    });
  });
}

/**
 * The result's tables. The critical-points table is sortable, and choosing one of its rows
 * (click, or Enter) calls `onPoint` with its cell and point id (null to clear), e.g. to show
 * that point's restarts on a basin map.
 */
export function renderTables(container: HTMLElement, tables: Table[], onPoint?: (cell: string, id: number | null) => void): void {
  container.replaceChildren(
    ...tables.map((t) => {
      const table = htmlTable(t.columns, t.rows, t.title);
      if (t.id === CRITICAL_POINTS_TABLE) {
        table.dataset.table = t.id;
        makeSortable(table);
        if (onPoint) {
          for (const row of bodyRows(table)) {
            const id = Number(cellsOf(row)[1]?.textContent);
            if (!Number.isInteger(id)) continue;
            row.tabIndex = 0;
            row.classList.add('pickable');
            const pick = () => {
              const on = !row.classList.contains('picked');
              for (const r of bodyRows(table)) r.classList.remove('picked');
              if (on) row.classList.add('picked');
              onPoint(cellsOf(row)[0].textContent ?? '', on ? id : null);
            };
            row.addEventListener('click', pick);
            row.addEventListener('keydown', (e) => {
              if (e.key === 'Enter') pick();
            });
          }
        }
      }
      return table;
    }),
  );
}

export function renderFigures(container: HTMLElement, figures: Figure[]): void {
  const width = Math.min(720, Math.max(300, container.clientWidth || 720));
  container.replaceChildren(...figures.map((f) => plotFigure(f, document, width)));
}

/**
 * The live snapshot's histograms: final angle to the teacher, final loss, steps to decide. A
 * histogram with nothing in it (no restart finished yet, or none of the kind it counts) says so
 * instead of being drawn: Plot draws an all-zero histogram as full bins on a 0…0 axis.
 */
export function renderHistograms(container: HTMLElement, s: Snapshot): void {
  const width = Math.min(320, Math.max(240, (container.clientWidth || 960) / 3 - 12));
  const one = (h: Histogram, title: string, xLabel: string) => {
    const restarts = h.counts.reduce((a, b) => a + b, 0);
    if (restarts === 0) return el('p', `${title}: no restart in it yet`, 'empty-histogram');
    const svg = plotHistogram(h, title, xLabel, document, width);
    svg.dataset.restarts = String(restarts);
    return svg;
  };
  container.replaceChildren(
    one(s.histograms.angle, 'final angle to the teacher', 'radians'),
    one(s.histograms.logLoss, 'final loss', 'log₁₀(loss / L_ref)'),
    one(s.histograms.steps, 'steps to decide', 'steps'),
  );
}

/**
 * A cell's estimate and 95% interval against restarts finished, as they tighten. The title is the
 * figure's caption, outside the SVG: inside, it collided with Plot's "↑ P(global)" axis label.
 * Points with no restart finished (0 of 0: no estimate) are not drawn.
 */
export function renderConvergence(container: HTMLElement, title: string, points: EstimatePoint[], total: number): void {
  const shown = points.filter((p) => p.done > 0);
  if (shown.length === 0) {
    container.replaceChildren();
    return;
  }
  const width = Math.min(720, Math.max(300, container.clientWidth || 720));
  const svg = Plot.plot({
    document,
    width,
    height: 200,
    x: { label: 'restarts finished', domain: [0, total] },
    y: { label: 'P(global)', domain: [0, 1], grid: true },
    marks: [
      Plot.areaY(shown, { x: 'done', y1: 'lo', y2: 'hi', fill: ESTIMATE_COLOUR, fillOpacity: 0.25 }),
      Plot.line(shown, { x: 'done', y: 'p', stroke: ESTIMATE_COLOUR, strokeWidth: 1.5 }),
      Plot.ruleX(shown.slice(-1), { x: 'done', y1: 'lo', y2: 'hi', stroke: ESTIMATE_COLOUR, strokeWidth: 2 }),
      Plot.dot(shown.slice(-1), { x: 'done', y: 'p', fill: ESTIMATE_COLOUR, r: 3 }),
    ],
  });
  const figure = el('figure', undefined, 'convergence');
  figure.append(el('figcaption', title), svg);
  container.replaceChildren(figure);
}

/** Benchmark entries as a table (restart-steps/s, against the CPU, GFLOP/s, % of the FMA peak) and the crossover plot. */
export function renderBench(container: HTMLElement, entries: BenchEntry[]): void {
  const tables = benchTables(entries).map((t) => {
    const table = htmlTable(t.header, t.rows, `${t.title} — on ${entries[0]?.adapter ?? '—'}`);
    table.id = t.id;
    return table;
  });
  const hasCurve = entries.some((e) => isWorkloadEntry(e) && e.impl === 'gpu');
  container.replaceChildren(...tables, ...(hasCurve ? [crossoverSvg(entries, document)] : []));
}
