/**
 * The page's result views, each a function of data into a container: the Table-1 style heatmap of
 * cells, the generic cells table, small tables, figures and histograms (Observable Plot, via
 * src/results/plot.ts, shared with the CLI), and basin maps on a canvas.
 */
import * as Plot from '@observablehq/plot';
import type { BasinMap, CellResult, Figure, Table } from '../results/types.ts';
import { paperInInterval } from '../results/types.ts';
import { OUTCOME_NAMES } from '../core/outcome.ts';
import { plotFigure, plotHistogram } from '../results/plot.ts';
import { cellRows, estimate } from '../results/report.ts';
import type { Snapshot } from '../core/stats.ts';
import { type BenchEntry, isWorkloadEntry } from '../../bench/entries.ts';
import { benchTables, crossoverSvg } from '../../bench/report.ts';
import { ESTIMATE_COLOUR, OUTCOME_COLOURS } from '../results/palette.ts';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
};

/** P(global) → a colour of one perceptual scale, the same on every run. */
const pColour = Plot.scale({ color: { type: 'linear', scheme: 'viridis', domain: [0, 1] } });

/** Text colour readable on a viridis background. */
const inkOn = (p: number) => (p > 0.55 ? '#111' : '#fff');

function htmlTable(head: string[], rows: (string | number)[][], caption?: string): HTMLTableElement {
  const table = el('table');
  if (caption) table.createCaption().textContent = caption;
  const tr = table.createTHead().insertRow();
  for (const h of head) tr.append(el('th', h));
  const body = table.createTBody();
  for (const r of rows) {
    const row = body.insertRow();
    for (const v of r) row.insertCell().textContent = String(v);
  }
  return table;
}

/**
 * Cells with two key fields (Table 1: k × ratio) as a heatmap grid: rows and columns from `axes`
 * (the values asked for, so pending cells show as empty) and from the cells themselves; each cell
 * our estimate [95% interval] and the paper's value, marked where the paper's value lies outside.
 * Other cells as a plain table. `running` is the key of the cell in progress, if any.
 */
export function renderCells(container: HTMLElement, cells: CellResult[], axes: Record<string, number[]>, running?: Record<string, number | string>): void {
  container.replaceChildren();
  const keys = cells.length > 0 ? Object.keys(cells[0].key) : Object.keys(axes);
  const numeric = cells.every((c) => keys.every((k) => typeof c.key[k] === 'number'));
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
  table.createCaption().textContent = `P(global) [95% interval] by ${rk} (rows) and ${ck} (columns); paper's value below, ✗ where it lies outside our interval`;
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
        const now = running && Number(running[rk]) === r && Number(running[ck]) === c;
        td.className = now ? 'pending running' : 'pending';
        td.textContent = now ? 'running…' : '';
        continue;
      }
      const inside = paperInInterval(cell);
      td.className = inside === false ? 'done outside' : 'done';
      td.style.background = pColour.apply(cell.pGlobal) as string;
      td.style.color = inkOn(cell.pGlobal);
      td.dataset.estimate = estimate(cell);
      td.append(el('strong', cell.pGlobal.toFixed(3)), el('small', ` [${cell.ci95[0].toFixed(3)}, ${cell.ci95[1].toFixed(3)}]`));
      if (cell.paper !== null) {
        const paper = el('span', `paper ${cell.paper.toFixed(2)}${inside ? '' : ' ✗'}`, 'paper');
        if (!inside) paper.title = "The paper's value lies outside our 95% interval";
        td.append(paper);
      }
    }
  }
  container.append(table);
}

export function renderTables(container: HTMLElement, tables: Table[]): void {
  container.replaceChildren(...tables.map((t) => htmlTable(t.columns, t.rows, t.title)));
}

export function renderFigures(container: HTMLElement, figures: Figure[]): void {
  const width = Math.min(720, Math.max(300, container.clientWidth || 720));
  container.replaceChildren(...figures.map((f) => plotFigure(f, document, width)));
}

/** The live snapshot's histograms: final angle to the teacher, final loss, steps to decide. */
export function renderHistograms(container: HTMLElement, s: Snapshot): void {
  const width = Math.min(320, Math.max(240, (container.clientWidth || 960) / 3 - 12));
  container.replaceChildren(
    plotHistogram(s.histograms.angle, 'final angle to the teacher', 'radians', document, width),
    plotHistogram(s.histograms.logLoss, 'final loss', 'log₁₀(loss / L_ref)', document, width),
    plotHistogram(s.histograms.steps, 'steps to decide', 'steps', document, width),
  );
}

/** One point of the live estimate: restarts finished, P(global) and its 95% interval. */
export interface EstimatePoint {
  done: number;
  p: number;
  lo: number;
  hi: number;
}

/** The cell in progress: its estimate and 95% interval against restarts finished, as they tighten. */
export function renderConvergence(container: HTMLElement, points: EstimatePoint[], total: number): void {
  const width = Math.min(720, Math.max(300, container.clientWidth || 720));
  const svg = Plot.plot({
    document,
    width,
    height: 200,
    marginTop: 30,
    x: { label: 'restarts finished', domain: [0, total] },
    y: { label: 'P(global)', domain: [0, 1], grid: true },
    marks: [
      Plot.areaY(points, { x: 'done', y1: 'lo', y2: 'hi', fill: ESTIMATE_COLOUR, fillOpacity: 0.25 }),
      Plot.line(points, { x: 'done', y: 'p', stroke: ESTIMATE_COLOUR, strokeWidth: 1.5 }),
      Plot.ruleX(points.slice(-1), { x: 'done', y1: 'lo', y2: 'hi', stroke: ESTIMATE_COLOUR, strokeWidth: 2 }),
      Plot.dot(points.slice(-1), { x: 'done', y: 'p', fill: ESTIMATE_COLOUR, r: 3 }),
      Plot.text(['P(global) of the cell in progress and its 95% interval'], { frameAnchor: 'top-left', dy: -22, dx: -38, textAnchor: 'start', fontSize: 11, fontWeight: 'bold' }),
    ],
  });
  container.replaceChildren(svg);
}


/**
 * A basin map on a canvas, one pixel per grid point (scaled up by CSS), y upwards; a legend with
 * the counts so far and the marked points.
 */
export function renderMap(container: HTMLElement, map: BasinMap): void {
  let figure = container.querySelector<HTMLElement>(`figure[data-map="${map.id}"]`);
  if (!figure) {
    figure = el('figure');
    figure.dataset.map = map.id;
    const canvas = el('canvas');
    canvas.width = map.x.n;
    canvas.height = map.y.n;
    canvas.setAttribute('role', 'img');
    const overlay = el('div', undefined, 'map-points');
    const frame = el('div', undefined, 'map-frame');
    frame.append(canvas, overlay);
    figure.append(el('figcaption', map.title), frame, el('p', undefined, 'map-axes'), el('ul', undefined, 'legend'));
    container.append(figure);
  }
  const canvas = figure.querySelector('canvas')!;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(map.x.n, map.y.n);
  const rgb = Object.fromEntries(Object.entries(OUTCOME_COLOURS).map(([k, hex]) => [k, [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))]));
  const counts: Record<string, number> = { global: 0, spurious: 0, diverged: 0, undecided: 0, pending: 0 };
  for (let iy = 0; iy < map.y.n; iy++) {
    for (let ix = 0; ix < map.x.n; ix++) {
      const code = map.codes[iy * map.x.n + ix];
      const name = code >= 1 ? OUTCOME_NAMES[code] : 'pending';
      counts[name]++;
      const o = ((map.y.n - 1 - iy) * map.x.n + ix) * 4; // row 0 of the image is the top: y = hi
      const [r, g, b] = rgb[name];
      image.data[o] = r;
      image.data[o + 1] = g;
      image.data[o + 2] = b;
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  canvas.setAttribute('aria-label', `${map.title}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  const overlay = figure.querySelector<HTMLElement>('.map-points')!;
  overlay.replaceChildren(
    ...(map.points ?? []).map((p) => {
      const dot = el('span', p.label, 'map-point');
      dot.style.left = `${(100 * (p.x - map.x.lo)) / (map.x.hi - map.x.lo)}%`;
      dot.style.top = `${(100 * (map.y.hi - p.y)) / (map.y.hi - map.y.lo)}%`;
      return dot;
    }),
  );
  figure.querySelector('.map-axes')!.textContent =
    `${map.x.label} from ${map.x.lo} to ${map.x.hi} (left to right), ${map.y.label} from ${map.y.lo} to ${map.y.hi} (bottom to top); ${map.x.n} × ${map.y.n} initial points`;
  figure.querySelector('.legend')!.replaceChildren(
    ...Object.entries(counts).map(([name, n]) => {
      const li = el('li');
      const swatch = el('span', undefined, 'swatch');
      swatch.style.background = OUTCOME_COLOURS[name as keyof typeof OUTCOME_COLOURS];
      li.dataset.outcome = name;
      li.append(swatch, `${name === 'pending' ? 'not run yet' : name}: ${n}`);
      return li;
    }),
  );
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
