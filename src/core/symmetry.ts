/**
 * The symmetries of the one-hidden-layer model f(x) = Σ_{j,i} a_{j,i} σ(w_jᵀ x[i]): the maps of
 * the parameter row that leave the function (hence every loss) unchanged. Two end points that
 * differ by one are the same critical point, so the catalogue (src/core/catalogue.ts) compares
 * points modulo these, and the Hessian's exact zero eigenvalues along the continuous ones are
 * projected out rather than mistaken for degeneracy.
 *
 * Which hold, per model:
 * - permutations of the filters, each carrying its row of output weights — when the output layer
 *   is learned or sign-projected (a permuted row of signs is still a row of signs), or fixed with
 *   equal rows for the permuted filters (average pooling: all equal);
 * - weight normalisation's scale, v_j ↦ c·v_j (c > 0): continuous, one direction per filter;
 * - positive homogeneity of ReLU and leaky ReLU (degree 1) and squared ReLU (degree 2),
 *   (w_j, a_j) ↦ (c·w_j, a_j/c^deg), with a learned output layer and no weight normalisation:
 *   continuous, one direction per filter (not under a sign-projected layer: a/c^deg leaves {±1});
 * - the sign flip (w_j, a_j) ↦ (−w_j, −a_j) of an odd activation (tanh, erf), learned or
 *   sign-projected output.
 * So a sign-projected output layer is, for the discrete symmetries and for comparing points, a
 * trained one (its signs are part of the point), and for the continuous ones a fixed one. So is
 * an output layer fixed per restart (init.keepOutput, 'per-restart' below): each restart's own
 * layer is part of its point, never moved.
 * And what does not: for ReLU (w, a) ↦ (−w, −a) changes the function (σ(−z) ≠ −σ(z)), so Du et
 * al.'s spurious point and its mirror image are different points; sigmoid is not odd
 * (σ(−z) = 1 − σ(z) adds a constant the model has no bias to absorb); the patches are at fixed
 * positions, so shifting a filter's output weights along the patches is not a symmetry.
 */
import type { ModelSpec } from './model.ts';
import { shapeOf, trainsOutput } from './model.ts';

/** A symmetry of the model, whether it holds for this one, and in words. */
export interface Symmetry {
  name: string;
  holds: boolean;
  kind: 'discrete' | 'continuous';
  why: string;
}

/** Degree of positive homogeneity, σ(cz) = c^deg σ(z) for c > 0 (0: not homogeneous). */
function homogeneity(model: ModelSpec): number {
  switch (model.activation) {
    case 'relu':
    case 'leaky-relu':
      return 1;
    case 'squared-relu':
      return 2;
    default:
      return 0;
  }
}

const ODD: ReadonlySet<string> = new Set(['tanh', 'erf']);

/**
 * A fixed output layer as the symmetries see it: the one layer every restart shares, or
 * 'per-restart' — each restart keeps its own (init.keepOutput), so it is part of the point.
 */
export type FixedOutput = ArrayLike<number> | 'per-restart';

/** Whether the output layer is part of the point: trained (learned or sign-projected), or fixed per restart. */
const outputInPoint = (model: ModelSpec, fixedA: FixedOutput | undefined): boolean => trainsOutput(model) || fixedA === 'per-restart';

/** Whether filters p and q may be swapped: an output layer in the point, or equal fixed rows. */
function swappable(model: ModelSpec, fixedA: FixedOutput | undefined, K: number, p: number, q: number): boolean {
  if (!fixedA || fixedA === 'per-restart' || trainsOutput(model)) return true;
  for (let i = 0; i < K; i++) if (fixedA[p * K + i] !== fixedA[q * K + i]) return false;
  return true;
}

/** The symmetries of `model` (with its fixed output layer, if any), each saying whether it holds. */
export function symmetriesOf(model: ModelSpec, fixedA?: FixedOutput): Symmetry[] {
  const { F, K } = shapeOf(model);
  const learned = model.output === 'learned';
  const trained = outputInPoint(model, fixedA);
  const deg = homogeneity(model);
  let anySwap = false;
  for (let p = 0; p < F; p++) for (let q = p + 1; q < F; q++) anySwap ||= swappable(model, fixedA, K, p, q);
  return [
    {
      name: 'filter permutations',
      holds: F > 1 && anySwap,
      kind: 'discrete',
      why: F === 1 ? 'one filter' : anySwap ? 'filters (with their output weights) may be relabelled' : 'the fixed output rows differ between filters',
    },
    { name: 'weight-normalisation scale', holds: model.weightNorm, kind: 'continuous', why: model.weightNorm ? 'v_j ↦ c·v_j leaves w_j = v_j/‖v_j‖' : 'no weight normalisation' },
    {
      name: 'positive rescaling',
      holds: deg > 0 && learned && !model.weightNorm,
      kind: 'continuous',
      why:
        deg === 0
          ? `${model.activation} is not positively homogeneous`
          : !learned
            ? `the output layer is ${model.output === 'sign' ? 'sign-projected: a_j/c^deg leaves {±1}' : fixedA === 'per-restart' ? "each restart's own, fixed" : 'fixed'}`
            : model.weightNorm
              ? 'weight normalisation fixes ‖w_j‖'
              : `(w_j, a_j) ↦ (c·w_j, a_j/c^${deg})`,
    },
    {
      name: 'sign flip',
      holds: ODD.has(model.activation) && trained,
      kind: 'discrete',
      why: !ODD.has(model.activation) ? `${model.activation} is not odd: (w, a) ↦ (−w, −a) changes the function` : trained ? '(w_j, a_j) ↦ (−w_j, −a_j)' : 'the output layer is fixed',
    },
  ];
}

/**
 * The parameter row with its continuous symmetries quotiented out: each effective filter (unit
 * under weight normalisation), and under positive rescaling each filter normalised with its output
 * weights scaled by ‖w_j‖^deg. Comparing these vectors (modulo the discrete symmetries,
 * distanceModulo) compares functions' parameters.
 */
export function canonicalForm(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { F, K, m, aOffset, P } = shapeOf(model);
  const out = Float64Array.from({ length: P }, (_, p) => params[p]);
  const deg = homogeneity(model);
  const rescale = deg > 0 && model.output === 'learned' && !model.weightNorm;
  for (let j = 0; j < F; j++) {
    if (!model.weightNorm && !rescale) continue;
    let ss = 0;
    for (let t = 0; t < m; t++) ss += out[j * m + t] ** 2;
    const n = Math.sqrt(ss);
    if (n === 0) continue;
    for (let t = 0; t < m; t++) out[j * m + t] /= n;
    if (rescale) for (let i = 0; i < K; i++) out[aOffset + j * K + i] *= n ** deg;
  }
  return out;
}

/** All permutations of [0, n) (n ≤ 6: 720). */
function permutations(n: number): number[][] {
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = 0; at <= rest.length; at++) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}

/** Most filters for which every permutation is tried; above it filters are matched greedily. */
export const EXHAUSTIVE_FILTERS = 6;

/**
 * The Euclidean distance between two canonical forms (canonicalForm) modulo the discrete
 * symmetries that hold: the best filter permutation (exhaustive up to EXHAUSTIVE_FILTERS filters,
 * greedy above: an upper bound there) and, for odd activations, each filter's best sign.
 */
export function distanceModulo(model: ModelSpec, u: Float64Array, v: Float64Array, fixedA?: FixedOutput): number {
  const { F, K, m, aOffset } = shapeOf(model);
  const learned = outputInPoint(model, fixedA); // a sign-projected layer's signs, or a restart's own layer, are part of the point
  const flips = ODD.has(model.activation) && learned;
  // cost[p][q]: filter p of u against filter q of v, at the better sign.
  const cost = (p: number, q: number): number => {
    let same = 0;
    let flipped = 0;
    for (let t = 0; t < m; t++) {
      same += (u[p * m + t] - v[q * m + t]) ** 2;
      flipped += (u[p * m + t] + v[q * m + t]) ** 2;
    }
    if (learned) {
      for (let i = 0; i < K; i++) {
        same += (u[aOffset + p * K + i] - v[aOffset + q * K + i]) ** 2;
        flipped += (u[aOffset + p * K + i] + v[aOffset + q * K + i]) ** 2;
      }
    }
    return flips ? Math.min(same, flipped) : same;
  };
  const C = Array.from({ length: F }, (_, p) => Array.from({ length: F }, (_, q) => (p === q || (swappable(model, fixedA, K, p, q) && F > 1) ? cost(p, q) : Infinity)));
  let best = Infinity;
  if (F <= EXHAUSTIVE_FILTERS) {
    for (const perm of permutations(F)) {
      let s = 0;
      for (let p = 0; p < F && s < best; p++) s += C[p][perm[p]];
      best = Math.min(best, s);
    }
  } else {
    const used = new Set<number>();
    best = 0;
    for (let p = 0; p < F; p++) {
      let q = -1;
      for (let c = 0; c < F; c++) if (!used.has(c) && (q < 0 || C[p][c] < C[p][q])) q = c;
      used.add(q);
      best += C[p][q];
    }
  }
  return Math.sqrt(best);
}

/**
 * Tangent directions, at `params`, of the continuous symmetries that hold (each a vector over the
 * first `free` coordinates): the loss is constant along each, so the Hessian has an exact zero
 * there. Named, so that a report says what it projected out.
 */
export function symmetryDirections(model: ModelSpec, params: ArrayLike<number>, free: number): { name: string; directions: Float64Array[] } {
  const { F, K, m, aOffset } = shapeOf(model);
  const deg = homogeneity(model);
  const directions: Float64Array[] = [];
  if (model.weightNorm) {
    for (let j = 0; j < F; j++) {
      const d = new Float64Array(free);
      for (let t = 0; t < m; t++) d[j * m + t] = params[j * m + t];
      directions.push(d);
    }
    return { name: `${F} weight-normalisation scale direction${F > 1 ? 's' : ''}`, directions };
  }
  if (deg > 0 && model.output === 'learned') {
    for (let j = 0; j < F; j++) {
      const d = new Float64Array(free);
      for (let t = 0; t < m; t++) d[j * m + t] = params[j * m + t];
      for (let i = 0; i < K; i++) d[aOffset + j * K + i] = -deg * params[aOffset + j * K + i];
      directions.push(d);
    }
    return { name: `${F} positive-rescaling direction${F > 1 ? 's' : ''}`, directions };
  }
  return { name: 'none', directions };
}
