/**
 * Gaussian expectations E[f(Z)], Z ~ N(0, 1), in f64, for integrands that change fast near a
 * known point: the building block of the population losses of smooth activations
 * (src/core/pair-kernels.ts).
 *
 * Why not one Gauss–Hermite rule. σ(‖w‖z) turns step-like as ‖w‖ grows (tanh(nz) has poles at
 * z = ±iπ/2n), and a fixed Hermite rule of order 64 has node spacing ≈ 0.3 near 0, so it is
 * accurate to f32 only for norms ≲ 1 (tanh) / ≲ 2 (sigmoid) — the failure of an earlier attempt.
 * Here the line [−L, L] (L = 8: the mass beyond is 2Φ(−8) ≈ 1e-15) is cut into panels of Gauss–Legendre order n:
 * width-2 panels far from the fast point z0, and panels graded geometrically towards z0
 * (widths h, 2h, 4h, … on each side, h the integrand's scale there). Each panel then sees its
 * nearest complex singularity at a distance comparable to its width, so the error falls
 * geometrically with n whatever h is; the panel count grows only like log(1/h).
 *
 * shaders/lib/gauss_quadrature.wgsl is the f32 twin (the same panels, walked rather than listed; the
 * range, coarse width and nodes reach it through host/contract.ts).
 */

/** Half-width of the integration range; the Gaussian mass outside is 2·Φ(−8) ≈ 1.2e-15. */
export const GAUSS_RANGE = 8;

export interface Rule {
  nodes: Float64Array;
  weights: Float64Array;
}

const legendreCache = new Map<number, Rule>();

/** [P_n(x), P_n'(x)] by the three-term recurrence. */
function legendre(n: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  for (let k = 2; k <= n; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  return [p1, n === 1 ? 1 : (n * (x * p1 - p0)) / (x * x - 1)];
}

/** Gauss–Legendre nodes and weights on [−1, 1] by Newton's method on P_n (exact for degree ≤ 2n − 1). */
export function gaussLegendre(n: number): Rule {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Gauss–Legendre order must be a positive integer (got ${n})`);
  const hit = legendreCache.get(n);
  if (hit) return hit;
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < Math.floor(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let it = 0; it < 100; it++) {
      const [p, dp] = legendre(n, x);
      const dx = p / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    const dp = legendre(n, x)[1];
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = 2 / ((1 - x * x) * dp * dp);
  }
  if (n % 2 === 1) {
    const dp = legendre(n, 0)[1];
    weights[(n - 1) / 2] = 2 / (dp * dp);
  }
  const rule = { nodes, weights };
  legendreCache.set(n, rule);
  return rule;
}

/** Width of the panels away from the fast point (Gauss–Legendre of order 12 on a width-2 panel of φ is exact to f64). */
export const COARSE_PANEL = 2;

/**
 * Panel break points on [−L, L]: multiples of COARSE_PANEL, and z0 ± h·2^k (k ≥ 0) while the step
 * is below COARSE_PANEL. h ≥ COARSE_PANEL means the integrand is smooth at that scale: no grading.
 */
export function panelBreaks(z0: number, h: number): Float64Array {
  const L = GAUSS_RANGE;
  const pts: number[] = [];
  for (let z = -L; z <= L; z += COARSE_PANEL) pts.push(z);
  if (z0 > -L && z0 < L) {
    pts.push(z0);
    for (let step = h; step < COARSE_PANEL; step *= 2) {
      if (z0 - step > -L) pts.push(z0 - step);
      if (z0 + step < L) pts.push(z0 + step);
    }
  }
  const sorted = Float64Array.from(pts).sort();
  // Drop break points that coincide (within rounding) with their neighbour: a zero-width panel adds nothing.
  let n = 1;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]! - sorted[n - 1]! > 1e-12) sorted[n++] = sorted[i]!;
  return sorted.subarray(0, n);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** E[f(Z)], Z ~ N(0, 1), by Gauss–Legendre of order n on the panels panelBreaks(z0, h). */
export function gaussianExpectation(f: (z: number) => number, z0: number, h: number, n = 12): number {
  const { nodes, weights } = gaussLegendre(n);
  const br = panelBreaks(z0, h);
  let total = 0;
  for (let b = 0; b + 1 < br.length; b++) {
    const mid = 0.5 * (br[b]! + br[b + 1]!);
    const half = 0.5 * (br[b + 1]! - br[b]!);
    let acc = 0;
    for (let k = 0; k < n; k++) {
      const z = mid + half * nodes[k]!;
      acc += weights[k]! * Math.exp(-0.5 * z * z) * f(z);
    }
    total += half * acc;
  }
  return total * INV_SQRT_2PI;
}
