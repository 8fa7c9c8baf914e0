/**
 * Zhong et al.'s (2017) §7 recovery metric: min over permutations π of [k] of
 * max_j ‖wⱼ* − w_{π(j)}‖/‖wⱼ*‖, optionally only over π with v_{π(j)} = vⱼ* (signs matched).
 * A bottleneck assignment: k ≤ 8 enumerates all k! permutations; larger k uses the exact
 * threshold method (sort the k² costs, binary-search the smallest threshold for which a perfect
 * matching of cost ≤ threshold exists, Kuhn's augmenting paths) — exact, not a greedy.
 */

export interface Recovery {
  /** min_π max_j ‖wⱼ* − w_{π(j)}‖/‖wⱼ*‖ over all π. */
  error: number;
  permutation: number[];
  /** The same over π with v_{π(j)} = vⱼ* for all j; Infinity when no such π exists. */
  signedError: number;
  signedPermutation: number[] | undefined;
}

/** cost[j·k + l] = ‖wⱼ* − w_l‖/‖wⱼ*‖ (rows of k×d arrays). */
export function relativeErrors(Wstar: Float64Array, W: Float64Array, k: number, d: number): Float64Array {
  const cost = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let nn = 0;
    for (let p = 0; p < d; p++) nn += Wstar[j * d + p] ** 2;
    for (let l = 0; l < k; l++) {
      let ss = 0;
      for (let p = 0; p < d; p++) ss += (Wstar[j * d + p] - W[l * d + p]) ** 2;
      cost[j * k + l] = Math.sqrt(ss / nn);
    }
  }
  return cost;
}

/** Bottleneck assignment by enumerating permutations (Heap's algorithm). */
export function bottleneckByEnumeration(cost: Float64Array, k: number): { value: number; permutation: number[] | undefined } {
  const perm = Array.from({ length: k }, (_, i) => i);
  let value = Infinity;
  let best: number[] | undefined;
  const visit = () => {
    let m = 0;
    for (let j = 0; j < k && m < value; j++) m = Math.max(m, cost[j * k + perm[j]]);
    if (m < value) {
      value = m;
      best = perm.slice();
    }
  };
  const c = new Array<number>(k).fill(0);
  visit();
  let i = 1;
  while (i < k) {
    if (c[i] < i) {
      const swap = i % 2 === 0 ? 0 : c[i];
      [perm[swap], perm[i]] = [perm[i], perm[swap]];
      visit();
      c[i]++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return { value, permutation: best };
}

/** A perfect matching of rows to columns using only cost ≤ threshold, or undefined. */
function matchBelow(cost: Float64Array, k: number, threshold: number): number[] | undefined {
  const colOwner = new Array<number>(k).fill(-1);
  const tryRow = (j: number, seen: boolean[]): boolean => {
    for (let l = 0; l < k; l++) {
      if (seen[l] || !(cost[j * k + l] <= threshold)) continue;
      seen[l] = true;
      if (colOwner[l] < 0 || tryRow(colOwner[l], seen)) {
        colOwner[l] = j;
        return true;
      }
    }
    return false;
  };
  for (let j = 0; j < k; j++) if (!tryRow(j, new Array<boolean>(k).fill(false))) return undefined;
  const perm = new Array<number>(k);
  for (let l = 0; l < k; l++) perm[colOwner[l]] = l;
  return perm;
}

/** Exact bottleneck assignment by threshold search over the sorted finite costs. */
export function bottleneckByMatching(cost: Float64Array, k: number): { value: number; permutation: number[] | undefined } {
  const levels = Float64Array.from(new Set(Array.from(cost).filter(Number.isFinite))).sort();
  let lo = 0;
  let hi = levels.length - 1;
  if (hi < 0 || !matchBelow(cost, k, levels[hi])) return { value: Infinity, permutation: undefined };
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (matchBelow(cost, k, levels[mid])) hi = mid;
    else lo = mid + 1;
  }
  return { value: levels[lo], permutation: matchBelow(cost, k, levels[lo]) };
}

/** Largest k for which the metric enumerates all permutations. */
export const ENUMERATE_UP_TO = 8;

function bottleneck(cost: Float64Array, k: number) {
  return k <= ENUMERATE_UP_TO ? bottleneckByEnumeration(cost, k) : bottleneckByMatching(cost, k);
}

/** The recovery metric for W (k×d rows), v against W*, v*. */
export function recoveryError(
  Wstar: Float64Array,
  vstar: ArrayLike<number>,
  W: Float64Array,
  v: ArrayLike<number>,
  d: number,
): Recovery {
  const k = vstar.length;
  if (Wstar.length !== k * d || W.length !== k * d || v.length !== k)
    throw new RangeError(`recovery metric: W*, W must be k×d = ${k}×${d} and v, v* of length k`);
  const cost = relativeErrors(Wstar, W, k, d);
  const all = bottleneck(cost, k);
  const signed = cost.map((c, t) => (Math.sign(vstar[Math.floor(t / k)]) === Math.sign(v[t % k]) ? c : Infinity));
  const matched = bottleneck(signed, k);
  return {
    error: all.value,
    permutation: all.permutation!,
    signedError: matched.value,
    signedPermutation: Number.isFinite(matched.value) ? matched.permutation : undefined,
  };
}

/**
 * The metric modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ), the symmetry of a net of centred-odd φ
 * (sigmoid, tanh, erf: vφ(wᵀx) = (−v)φ(−wᵀx) + 2vφ(0); tensor-init.ts): every unit, the
 * teacher's and the student's, compared as sign(vᵢ)·wᵢ, so a flipped unit matches the unit it is a
 * copy of. min_π max_j ‖sign(vⱼ*)wⱼ* − sign(v_π(j))w_π(j)‖/‖wⱼ*‖. Where φ(0) ≠ 0 (sigmoid) a flip
 * also shifts the net by 2vᵢφ(0): the flipped units' v must sum to zero, i.e. Σv = Σv* for
 * v ∈ {±1}ᵏ — a condition on v the caller checks beside this metric.
 */
export function flipInvariantError(
  Wstar: Float64Array,
  vstar: ArrayLike<number>,
  W: Float64Array,
  v: ArrayLike<number>,
  d: number,
): { error: number; permutation: number[] } {
  const k = vstar.length;
  if (Wstar.length !== k * d || W.length !== k * d || v.length !== k)
    throw new RangeError(`recovery metric: W*, W must be k×d = ${k}×${d} and v, v* of length k`);
  const signed = (rows: Float64Array, signs: ArrayLike<number>) => rows.map((x, t) => (Math.sign(signs[Math.floor(t / d)]) || 1) * x);
  const best = bottleneck(relativeErrors(signed(Wstar, vstar), signed(W, v), k, d), k);
  return { error: best.value, permutation: best.permutation! };
}

/** Zhong et al.'s success: signed recovery error ≤ tolerance (their 0.01). */
export function recovered(r: Recovery, tolerance = 0.01): boolean {
  return r.signedError <= tolerance;
}
