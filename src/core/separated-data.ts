/**
 * δ-separated data on the sphere for the Allen-Zhu, Li & Song experiments (spec §C.5, "AZ"):
 * xᵢ = (uᵢ/√2, 1/√2) with uᵢ uniform on S^{𝔡−2}, so ‖xᵢ‖ = 1 and (xᵢ)_𝔡 = 1/√2 exactly (§2's
 * normalisation). With a separation δ, the points come in pairs: a random base u and a
 * near-duplicate u′ = cos θ·u + sin θ·g (g a unit vector ⊥ u), θ = 2·asin(δ/√2), so that
 * ‖x − x′‖ = ‖u − u′‖/√2 = √2·sin(θ/2) = δ exactly. A pair is redrawn while one of its points
 * lies closer than δ to an earlier point, so the minimum separation is exactly δ (the pairs),
 * and Assumption 2.1 holds with that δ. Without δ ('random') every point is an independent base.
 *
 * Labels are arbitrary (the theorem's): i.i.d. N(0, 1) (the spec's choice) or random ±1.
 *
 * Randomness: every draw is keyed (seed, SHARED_RESTART) — the data is shared by all restarts —
 * with the points on stream STREAM.fresh and the labels on STREAM.index, so this dataset never
 * reuses the numbers of the engine's own fixed sample (stream STREAM.sample).
 */
import { makeDataset, type Dataset } from './dataset.ts';
import { SHARED_RESTART, STREAM, normal, uniform } from './rng.ts';

export type LabelKind = 'gaussian' | 'sign';

export interface SeparatedDataSpec {
  /** Number of points n ≥ 1. */
  n: number;
  /** Input dimension 𝔡 ≥ 3 (the last coordinate is the 1/√2 one). */
  inputDim: number;
  /** The separation δ ∈ (0, √2), or 'random' (independent points). */
  delta: number | 'random';
  /** Output dimension d ≥ 1 (labels per point). */
  outDim: number;
  labels: LabelKind;
  seed: number;
}

export interface SeparatedData {
  /** The inputs and, for d = 1, the labels, as a supplied Dataset. */
  dataset: Dataset;
  /** All labels, n·d row-major (the same as dataset.y when d = 1). */
  Y: Float64Array;
  /** min_{i≠j} ‖xᵢ − xⱼ‖ of the points drawn. */
  minSeparation: number;
}

/** Give up on a pair after this many redraws: δ is too large for n points in this dimension. */
const MAX_ATTEMPTS = 10_000;

function check(spec: SeparatedDataSpec): void {
  const { n, inputDim, outDim, delta } = spec;
  if (!Number.isInteger(n) || n < 1) throw new Error(`separated data: n must be an integer ≥ 1, got ${n}`);
  if (!Number.isInteger(inputDim) || inputDim < 3) throw new Error(`separated data: inputDim must be an integer ≥ 3, got ${inputDim}`);
  if (!Number.isInteger(outDim) || outDim < 1) throw new Error(`separated data: outDim must be an integer ≥ 1, got ${outDim}`);
  if (delta !== 'random' && !(delta > 0 && delta < Math.SQRT2)) throw new Error(`separated data: delta must be 'random' or in (0, √2), got ${delta}`);
  if (spec.labels !== 'gaussian' && spec.labels !== 'sign') throw new Error(`separated data: labels must be 'gaussian' or 'sign', got ${spec.labels}`);
}

/** A standard normal vector of length k from (seed, SHARED, STREAM.fresh, base + c). */
function gaussianVector(seed: number, k: number, base: number): Float64Array {
  const v = new Float64Array(k);
  for (let c = 0; c < k; c++) v[c] = normal(seed, SHARED_RESTART, STREAM.fresh, (base + c) >>> 0);
  return v;
}

function normalise(v: Float64Array): Float64Array {
  let s = 0;
  for (const a of v) s += a * a;
  const inv = 1 / Math.sqrt(s);
  for (let c = 0; c < v.length; c++) v[c] = v[c]! * inv;
  return v;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let c = 0; c < a.length; c++) s += (a[c]! - b[c]!) ** 2;
  return Math.sqrt(s);
}

/** x = (u/√2, 1/√2). */
function lift(u: Float64Array): Float64Array {
  const x = new Float64Array(u.length + 1);
  for (let c = 0; c < u.length; c++) x[c] = u[c]! * Math.SQRT1_2;
  x[u.length] = Math.SQRT1_2;
  return x;
}

/** Minimum pairwise distance of n rows of length D. */
export function minSeparation(X: Float64Array, n: number, D: number): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) best = Math.min(best, distance(X.subarray(i * D, i * D + D), X.subarray(j * D, j * D + D)));
  return best;
}

export function separatedData(spec: SeparatedDataSpec): SeparatedData {
  check(spec);
  const { n, inputDim: D, outDim: d, delta, seed } = spec;
  const k = D - 1;
  const X = new Float64Array(n * D);
  // Each draw attempt consumes 2k normals (base and the tangent direction) of stream STREAM.fresh.
  let counter = 0;
  const draw = () => {
    const g = gaussianVector(seed, k, counter);
    counter += k;
    return g;
  };
  let filled = 0;
  const farEnough = (x: Float64Array) => {
    for (let j = 0; j < filled; j++) if (distance(x, X.subarray(j * D, j * D + D)) < (delta as number)) return false;
    return true;
  };
  const groupSize = delta === 'random' ? 1 : 2;
  while (filled < n) {
    const size = Math.min(groupSize, n - filled);
    let placed = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS && !placed; attempt++) {
      const u = normalise(draw());
      const pts = [lift(u)];
      if (size === 2) {
        // g ⊥ u: a Gaussian vector minus its component along u, normalised.
        const g = draw();
        let dot = 0;
        for (let c = 0; c < k; c++) dot += g[c]! * u[c]!;
        for (let c = 0; c < k; c++) g[c] = g[c]! - dot * u[c]!;
        normalise(g);
        const theta = 2 * Math.asin((delta as number) / Math.SQRT2);
        const u2 = new Float64Array(k);
        for (let c = 0; c < k; c++) u2[c] = Math.cos(theta) * u[c]! + Math.sin(theta) * g[c]!;
        pts.push(lift(normalise(u2)));
      }
      if (delta !== 'random' && !pts.every(farEnough)) continue;
      pts.forEach((x, q) => X.set(x, (filled + q) * D));
      filled += size;
      placed = true;
    }
    if (!placed) throw new Error(`separated data: could not place ${n} points ${delta} apart in dimension ${D} (${MAX_ATTEMPTS} attempts); lower delta or n`);
  }
  const Y = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) {
    Y[i] = spec.labels === 'gaussian' ? normal(seed, SHARED_RESTART, STREAM.index, i) : uniform(seed, SHARED_RESTART, STREAM.index, i) < 0.5 ? -1 : 1;
  }
  const name = `separated sphere (n ${n}, 𝔡 ${D}, δ ${delta}, ${spec.labels} labels, seed ${seed})`;
  const dataset = makeDataset({ name, n, d: D, X, ...(d === 1 ? { y: Y } : {}) });
  return { dataset, Y, minSeparation: minSeparation(X, n, D) };
}
