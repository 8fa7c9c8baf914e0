/**
 * The colour ramp of a BasinMap's scalar field (src/results/types.ts BasinMap.field), shared by the
 * SVG (plot.ts) and the page's canvas (src/ui/map-view.ts).
 */
/** Colour stops of a scalar field (low → high: dark blue, teal, yellow), as RGB. */
export const FIELD_STOPS: [number, number, number][] = [
  [48, 18, 112],
  [33, 145, 140],
  [253, 231, 37],
];

/** Levels a field is quantised to in the SVG (its runs stay few), and the shown range. */
export const FIELD_LEVELS = 32;

export function fieldRange(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return lo < hi ? [lo, hi] : [lo, lo + 1];
}

/** The colour of a point without a value (NaN: a cell not run yet, or an interrupted run's). */
export const FIELD_MISSING: [number, number, number] = [200, 200, 200];

/** The colour of t ∈ [0, 1] on the field's ramp (FIELD_MISSING for a non-finite t). */
export function fieldRgb(t: number): [number, number, number] {
  if (!Number.isFinite(t)) return [...FIELD_MISSING];
  const u = Math.min(1, Math.max(0, t)) * (FIELD_STOPS.length - 1);
  const i = Math.min(FIELD_STOPS.length - 2, Math.floor(u));
  const f = u - i;
  return [0, 1, 2].map((c) => Math.round(FIELD_STOPS[i][c] + f * (FIELD_STOPS[i + 1][c] - FIELD_STOPS[i][c]))) as [number, number, number];
}

