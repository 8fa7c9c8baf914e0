/**
 * A basin map on the page: a canvas, one pixel per grid point (scaled up by CSS), y upwards, with
 * ticks on both axes, the marked points (w*, w̃) over it, and a legend with the counts so far.
 * Redrawn wave by wave into the same figure.
 */
import type { BasinMap } from '../results/types.ts';
import { OUTCOME_COLOURS, mapCategories } from '../results/palette.ts';
import { fieldRange, fieldRgb } from '../results/field.ts';
import { el } from './views.ts';

type Axis = BasinMap['x'];

/** Round values 1, 2 or 5 × 10ⁿ apart covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const mag = 10 ** Math.floor(Math.log10(span / count));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count)!;
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

/**
 * Where value v of an axis lies across the canvas, 0 (left or bottom edge) to 1: grid point i is
 * pixel i of n, so its value sits at the pixel's centre, (i + ½)/n.
 */
export function axisFraction(a: Axis, v: number): number {
  if (a.n <= 1) return 0.5;
  return (((v - a.lo) / (a.hi - a.lo)) * (a.n - 1) + 0.5) / a.n;
}

const percent = (f: number) => `${(100 * f).toFixed(3)}%`;

function ticks(a: Axis, side: 'x' | 'y'): HTMLElement[] {
  return niceTicks(a.lo, a.hi).map((v) => {
    const t = el('span', String(v), `map-tick map-tick-${side}`);
    t.dataset.value = String(v);
    const f = axisFraction(a, v);
    if (side === 'x') t.style.left = percent(f);
    else t.style.top = percent(1 - f);
    return t;
  });
}

function newFigure(map: BasinMap): HTMLElement {
  const figure = el('figure');
  figure.dataset.map = map.id;
  const canvas = el('canvas');
  canvas.width = map.x.n;
  canvas.height = map.y.n;
  canvas.setAttribute('role', 'img');
  const frame = el('div', undefined, 'map-frame');
  frame.append(canvas, el('div', undefined, 'map-points'));
  const yAxis = el('div', undefined, 'map-y');
  yAxis.append(...ticks(map.y, 'y'));
  const xAxis = el('div', undefined, 'map-x');
  xAxis.append(...ticks(map.x, 'x'));
  const plot = el('div', undefined, 'map-plot');
  plot.append(el('span', map.y.label, 'map-y-label'), el('span'), yAxis, frame, el('span'), xAxis, el('span'), el('span', map.x.label, 'map-x-label'));
  figure.append(el('figcaption', map.title), plot, el('p', undefined, 'map-axes'), el('ul', undefined, 'legend'));
  return figure;
}

/** [category name, colour] of a map's categories (mapCategories) and of a point not run yet. */
const colourOf = (map: BasinMap): [string, string][] => [...mapCategories(map).map((c): [string, string] => [c.name, c.colour]), ['pending', OUTCOME_COLOURS.pending]];

/**
 * Paints the outcome of every grid point; with `highlight` (a critical point's id), the grid points
 * whose restarts ended elsewhere are faded, so that the point's basin stands out.
 */
function paint(canvas: HTMLCanvasElement, map: BasinMap, highlight: number | null): Record<string, number> {
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(map.x.n, map.y.n);
  if (map.field) return paintField(ctx, image, map);
  const categories = mapCategories(map);
  const rgb = Object.fromEntries(colourOf(map).map(([k, hex]) => [k, [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))]));
  const counts: Record<string, number> = Object.fromEntries([...categories.map((c) => [c.name, 0]), ['pending', 0]]);
  for (let iy = 0; iy < map.y.n; iy++) {
    for (let ix = 0; ix < map.x.n; ix++) {
      const code = map.codes[iy * map.x.n + ix];
      const name = code >= 1 ? categories[code - 1].name : 'pending';
      counts[name]++;
      const o = ((map.y.n - 1 - iy) * map.x.n + ix) * 4; // row 0 of the image is the top: y = hi
      const [r, g, b] = rgb[name];
      const fade = highlight !== null && map.criticalPoint?.[iy * map.x.n + ix] !== highlight ? 0.8 : 0;
      image.data[o] = r + fade * (255 - r);
      image.data[o + 1] = g + fade * (255 - g);
      image.data[o + 2] = b + fade * (255 - b);
      image.data[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  return counts;
}

/** Paints a map's scalar field on the colour ramp of src/results/plot.ts (min dark, max light). */
function paintField(ctx: CanvasRenderingContext2D, image: ImageData, map: BasinMap): Record<string, number> {
  const { values } = map.field!;
  const [lo, hi] = fieldRange(values);
  for (let iy = 0; iy < map.y.n; iy++) {
    for (let ix = 0; ix < map.x.n; ix++) {
      const o = ((map.y.n - 1 - iy) * map.x.n + ix) * 4; // row 0 of the image is the top: y = hi
      const [r, g, b] = fieldRgb((values[iy * map.x.n + ix] - lo) / (hi - lo));
      image.data.set([r, g, b, 255], o);
    }
  }
  ctx.putImageData(image, 0, 0);
  return {};
}

/**
 * Draws (or redraws) the map; `highlight` fades every grid point not in that critical point's basin
 * (BasinMap.criticalPoint; the figure says which point it shows).
 */
export function renderMap(container: HTMLElement, map: BasinMap, highlight: number | null = null): void {
  let figure = container.querySelector<HTMLElement>(`figure[data-map="${map.id}"]`);
  if (!figure) {
    figure = newFigure(map);
    container.append(figure);
  }
  const shown = highlight !== null && map.criticalPoint ? highlight : null;
  if (shown === null) delete figure.dataset.highlight;
  else figure.dataset.highlight = String(shown);
  const canvas = figure.querySelector('canvas')!;
  const counts = paint(canvas, map, shown);
  canvas.setAttribute('aria-label', `${map.title}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`);
  figure.querySelector<HTMLElement>('.map-points')!.replaceChildren(
    ...(map.points ?? []).map((p) => {
      const dot = el('span', p.label, 'map-point');
      dot.style.left = percent(axisFraction(map.x, p.x));
      dot.style.top = percent(1 - axisFraction(map.y, p.y));
      return dot;
    }),
  );
  figure.querySelector('.map-axes')!.textContent =
    `${map.x.label} from ${map.x.lo} to ${map.x.hi} (left to right), ${map.y.label} from ${map.y.lo} to ${map.y.hi} (bottom to top); ${map.x.n} × ${map.y.n} initial points`;
  const range = map.field ? fieldRange(map.field.values) : null;
  if (map.field && range) canvas.setAttribute('aria-label', `${map.title}: ${map.field.label} from ${range[0].toPrecision(3)} to ${range[1].toPrecision(3)}`);
  const colours = Object.fromEntries(colourOf(map));
  figure.querySelector('.legend')!.replaceChildren(
    ...(map.field && range ? [el('li', `${map.field.label}: ${range[0].toPrecision(3)} (dark) to ${range[1].toPrecision(3)} (light)`)] : []),
    ...Object.entries(counts).map(([name, n]) => {
      const li = el('li');
      const swatch = el('span', undefined, 'swatch');
      swatch.style.background = colours[name];
      li.dataset.outcome = name;
      li.append(swatch, `${name === 'pending' ? 'not run yet' : name}: ${n}`);
      return li;
    }),
  );
}
