/**
 * A Figure or a BasinMap (src/results/types.ts) drawn with Observable Plot, as one
 * self-contained SVG element of the given document (the title and the series labels are marks
 * inside it, so the CLI can save it as a file): the page passes its own document, the CLI a
 * server-side one (linkedom).
 */
import * as Plot from '@observablehq/plot';
import type { BasinMap, Figure } from '../results/types.ts';
import type { Histogram } from '../core/stats.ts';
import { ESTIMATE_COLOUR, mapCategories } from './palette.ts';
import { FIELD_LEVELS, fieldRange, fieldRgb } from './field.ts';

export function plotFigure(fig: Figure, document: Document, width = 720): SVGSVGElement {
  const rows = fig.series
    .flatMap((s) => s.x.map((x, i) => ({ x, y: s.y[i], series: s.name })))
    .filter((d) => Number.isFinite(d.x) && Number.isFinite(d.y) && (!fig.logY || d.y > 0));
  const vmarks = (fig.marks ?? []).filter((m) => Number.isFinite(m.x));
  const marks: Plot.Markish[] = [
    Plot.frame({ stroke: '#ccc' }),
    Plot.line(rows, { x: 'x', y: 'y', stroke: 'series', z: 'series', strokeWidth: 1.5 }),
    // Series labels at the end of each line instead of a legend (a legend would be HTML).
    Plot.text(rows, Plot.selectLast({ x: 'x', y: 'y', z: 'series', text: 'series', fill: 'series', dx: 4, textAnchor: 'start', fontSize: 10 })),
    ...vmarks.map((m) => Plot.ruleX([m.x], { stroke: '#888', strokeDasharray: '4,3' })),
    ...vmarks.map((m) => Plot.text([m], { x: 'x', text: 'label', frameAnchor: 'top', dy: 6, dx: 4, textAnchor: 'start', fill: '#555' })),
    Plot.text([fig.title], { frameAnchor: 'top-left', dy: -36, dx: -50, textAnchor: 'start', fontSize: 12, fontWeight: 'bold' }),
  ];
  const svg = Plot.plot({
    document,
    width,
    height: 320,
    marginTop: 48,
    marginLeft: 60,
    marginRight: 120,
    x: { label: fig.x },
    y: { label: fig.y, type: fig.logY ? 'log' : 'linear', grid: true },
    color: { type: 'categorical' },
    marks,
  }) as SVGSVGElement;
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return svg;
}

/** A histogram (src/core/stats.ts) as bars, one self-contained SVG; bins are equal-width over [lo, hi]. */
export function plotHistogram(h: Histogram, title: string, xLabel: string, document: Document, width = 320): SVGSVGElement {
  const w = (h.hi - h.lo) / h.counts.length;
  const bars = h.counts.map((count, i) => ({ x1: h.lo + i * w, x2: h.lo + (i + 1) * w, count }));
  const svg = Plot.plot({
    document,
    width,
    height: 190,
    marginTop: 42,
    marginLeft: 44,
    x: { label: xLabel, domain: [h.lo, h.hi] },
    y: { label: null, grid: true },
    marks: [
      Plot.rectY(bars, { x1: 'x1', x2: 'x2', y: 'count', fill: ESTIMATE_COLOUR, insetLeft: 0.5, insetRight: 0.5 }),
      Plot.ruleY([0]),
      Plot.text([`${title} (restarts)`], { frameAnchor: 'top-left', dy: -34, dx: -38, textAnchor: 'start', fontSize: 11, fontWeight: 'bold' }),
    ],
  }) as SVGSVGElement;
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return svg;
}


/** Spacing of a map axis's grid points (1 for a single point, whose cell is then 1 wide). */
const gridStep = (a: BasinMap['x']) => (a.n > 1 ? (a.hi - a.lo) / (a.n - 1) : 1);

/**
 * Horizontal runs of equal outcome in each grid row, as rectangles in parameter coordinates: a
 * few hundred rects for a 201 × 201 map instead of 40 401 cells, so the SVG stays small.
 */
export function mapRuns(map: BasinMap): { x1: number; x2: number; y1: number; y2: number; outcome: string }[] {
  const { x, y } = map;
  // Categories in code order (the outcomes, codes 1–4, unless the map has its own); −1, not run yet, is left blank.
  const names = mapCategories(map).map((c) => c.name);
  const dx = gridStep(x);
  const dy = gridStep(y);
  const runs: { x1: number; x2: number; y1: number; y2: number; outcome: string }[] = [];
  for (let iy = 0; iy < y.n; iy++) {
    let start = 0;
    for (let ix = 1; ix <= x.n; ix++) {
      const code = map.codes[iy * x.n + start];
      if (ix < x.n && map.codes[iy * x.n + ix] === code) continue;
      if (code >= 1 && code <= names.length) {
        const yc = y.lo + iy * dy;
        runs.push({ x1: x.lo + (start - 0.5) * dx, x2: x.lo + (ix - 0.5) * dx, y1: yc - dy / 2, y2: yc + dy / 2, outcome: names[code - 1] });
      }
      start = ix;
    }
  }
  return runs;
}

const rgbText = ([r, g, b]: [number, number, number]) => `rgb(${r},${g},${b})`;

/** Horizontal runs of equal quantised field level, as rectangles with their fill (see mapRuns). */
export function fieldRuns(map: BasinMap): { x1: number; x2: number; y1: number; y2: number; fill: string }[] {
  const { x, y } = map;
  const values = map.field!.values;
  const [lo, hi] = fieldRange(values);
  // A point without a value (NaN) is level −1: one run of FIELD_MISSING grey, not a level of the ramp.
  const level = (v: number) => (Number.isFinite(v) ? Math.min(FIELD_LEVELS - 1, Math.floor((FIELD_LEVELS * (v - lo)) / (hi - lo))) : -1);
  const dx = gridStep(x);
  const dy = gridStep(y);
  const runs: { x1: number; x2: number; y1: number; y2: number; fill: string }[] = [];
  for (let iy = 0; iy < y.n; iy++) {
    let start = 0;
    for (let ix = 1; ix <= x.n; ix++) {
      const l = level(values[iy * x.n + start]);
      if (ix < x.n && level(values[iy * x.n + ix]) === l) continue;
      const yc = y.lo + iy * dy;
      runs.push({ x1: x.lo + (start - 0.5) * dx, x2: x.lo + (ix - 0.5) * dx, y1: yc - dy / 2, y2: yc + dy / 2, fill: rgbText(fieldRgb(l < 0 ? NaN : (l + 0.5) / FIELD_LEVELS)) });
      start = ix;
    }
  }
  return runs;
}

/**
 * A BasinMap as one self-contained SVG: outcome per grid point (or, with a field, its value on a
 * colour ramp), the marked points, a key.
 */
export function plotBasinMap(map: BasinMap, document: Document, width = 600): SVGSVGElement {
  const { x, y } = map;
  const runs = map.field ? [] : mapRuns(map);
  const categories = mapCategories(map);
  const present = categories.map((c) => c.name).filter((o) => runs.some((r) => r.outcome === o));
  const range = map.field ? fieldRange(map.field.values) : null;
  const key = map.field && range ? [`${map.field.label}: ${range[0].toPrecision(3)} (dark) … ${range[1].toPrecision(3)} (light)`] : [];
  const marks: Plot.Markish[] = [
    // crispEdges: no anti-aliased seams between the rows of cells.
    map.field
      ? Plot.rect(fieldRuns(map), { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill: (d: { fill: string }) => d.fill, shapeRendering: 'crispEdges' })
      : Plot.rect(runs, { x1: 'x1', x2: 'x2', y1: 'y1', y2: 'y2', fill: 'outcome', shapeRendering: 'crispEdges' }),
    // The coordinate axes, where the map contains them (the quadrants of Brutzkus & Globerson).
    ...(x.lo < 0 && x.hi > 0 ? [Plot.ruleX([0], { stroke: '#fff', strokeOpacity: 0.7 })] : []),
    ...(y.lo < 0 && y.hi > 0 ? [Plot.ruleY([0], { stroke: '#fff', strokeOpacity: 0.7 })] : []),
    Plot.dot(map.points ?? [], { x: 'x', y: 'y', r: 4, fill: '#fff', stroke: '#000' }),
    Plot.text(map.points ?? [], { x: 'x', y: 'y', text: 'label', dx: 8, textAnchor: 'start', fontSize: 13, fontWeight: 'bold', fill: '#000', stroke: '#fff', strokeWidth: 3, paintOrder: 'stroke' }),
    Plot.frame({ stroke: '#ccc' }),
    // The key as text in the right margin, one line per outcome present (a legend would be HTML).
    ...present.map((outcome, i) => Plot.text([outcome], { text: (d: string) => `■ ${d}`, fill: (d: string) => d, frameAnchor: 'top-right', dx: 12, dy: 4 + 16 * i, textAnchor: 'start', fontSize: 12 })),
    ...key.map((text) => Plot.text([text], { frameAnchor: 'bottom-left', dy: 34, dx: -40, textAnchor: 'start', fontSize: 12 })),
    Plot.text([map.title], { frameAnchor: 'top-left', dy: -40, dx: -40, textAnchor: 'start', fontSize: 12, fontWeight: 'bold' }),
  ];
  const dx = gridStep(x);
  const dy = gridStep(y);
  const marginLeft = 50;
  const marginRight = 100;
  const inner = width - marginLeft - marginRight;
  const svg = Plot.plot({
    document,
    width,
    // Square cells: the plot's height follows the aspect ratio of the ranges — within [½, 1½] of the
    // width, so that axes of unlike units (θ against b) still give a readable plot.
    height: Math.round(inner * Math.min(1.5, Math.max(0.5, (y.hi - y.lo + dy) / (x.hi - x.lo + dx)))) + 56 + 40,
    marginTop: 56,
    marginBottom: 40,
    marginLeft,
    marginRight,
    x: { label: x.label, domain: [x.lo - dx / 2, x.hi + dx / 2] },
    y: { label: y.label, domain: [y.lo - dy / 2, y.hi + dy / 2] },
    color: { domain: categories.map((c) => c.name), range: categories.map((c) => c.colour) },
    marks,
  }) as SVGSVGElement;
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return svg;
}
