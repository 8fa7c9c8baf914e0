/**
 * Brutzkus & Globerson (2017), Sec. 4 and 6: the set-splitting instance that their reduction
 * (proof of Thm 4.2) turns into a training set for the no-overlap network, the split decoder of
 * the converse proof, and the thresholds of Def. 2 / eq. 9.
 *
 * The instance (Sec. 6): a set S = {0, …, d_S − 1} (the paper's 1 … 40; d_S is *not* the network's
 * input length), k parts, a planted split S_1 ∪ … ∪ S_k = S and a collection C of subsets, none
 * contained in any S_l. The reduction embeds v ∈ R^{d_S} as
 *
 *     d_l(v) = (0_{(l−1)d_S}, v, 0_{(k−l)d_S}) ∈ R^{k·d_S},   d(v) = (d_1(v), …, d_k(v)) ∈ R^{k²·d_S},
 *
 * and the training set is x_i = d(e_i) with label 1/k (i ∈ S) and x_{d_S+j} = d(1_{C_j}) with
 * label 0. A no-overlap network with filter w = (w_1, …, w_k) ∈ R^{k·d_S}, stride k·d_S and
 * average pooling 1/k sees patch l of d(v) as d_l(v), so w·d_l(v) = w_l·v and
 * f(d(v); w) = (1/k)Σ_l σ(w_l·v).
 *
 * Choices the paper leaves open (named in the preset's notes too): the planted parts' sizes (as
 * equal as possible: 20/20), the split (a uniformly random permutation of S from the seed), and
 * how C was drawn (distinct, uniformly random subsets of the given size, rejecting any contained
 * in a part; with 20/20 and size 20 only S_1 and S_2 themselves are rejected). Every draw comes
 * from the counter RNG (src/core/rng.ts) under the key slot DATASET_RESTART, which no restart uses,
 * so the instance is a pure function of its parameters and seed.
 */
import { type Dataset, makeDataset } from './dataset.ts';
import type { ModelSpec } from './model.ts';
import { STREAM, uniformInt } from './rng.ts';

/** The 'restart' key slot of the instance's draws (TEACHER_RESTART − 1; no restart uses it). */
export const DATASET_RESTART = 0xfffffffd;

export interface SetSplittingSpec {
  /** |S| = d_S. */
  elements: number;
  /** |C|. */
  subsets: number;
  /** |C_j|, the same for every subset. */
  subsetSize: number;
  /** Number of parts k (the network's patches). */
  k: number;
  seed: number;
}

/** The paper's instance (Sec. 6): |S| = 40, 760 subsets of size 20, k = 2 (800 points in R¹⁶⁰). */
export const BG_HARD_INSTANCE = { elements: 40, subsets: 760, subsetSize: 20, k: 2 } as const;

export interface SetSplittingInstance {
  spec: SetSplittingSpec;
  /** The planted split: split[l] is S_{l+1}, sorted element indices (0-based). */
  split: number[][];
  /** The collection C: each C_j sorted (0-based), in the order drawn. */
  subsets: number[][];
}

/** The first `size` entries of a uniformly random permutation of {0 … n−1} (a partial Fisher–Yates shuffle); `counter` numbers the draws. */
function shuffled(seed: number, counter: { next: number }, n: number, size: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < size; t++) {
    const j = t + uniformInt(seed, DATASET_RESTART, STREAM.sample, counter.next++, n - t);
    [pool[t], pool[j]] = [pool[j], pool[t]];
  }
  return pool.slice(0, size);
}

/** Sorted indices of a uniformly random `size`-subset of {0 … n−1}. */
const randomSubset = (seed: number, counter: { next: number }, n: number, size: number) => shuffled(seed, counter, n, size).sort((a, b) => a - b);

/** Whether the sorted subset c lies inside the part whose membership is `inPart`. */
const containedIn = (c: readonly number[], inPart: ArrayLike<boolean>) => c.every((i) => inPart[i]);

/**
 * The instance with a planted split, from its seed. Throws when the spec cannot be met: the
 * subsets would all be rejected (every subset of that size fits in a part) or fewer distinct
 * admissible subsets exist than asked for (checked by giving up after many rejections in a row).
 */
export function plantedSetSplitting(spec: SetSplittingSpec): SetSplittingInstance {
  const { elements: n, subsets, subsetSize, k, seed } = spec;
  if (!(Number.isInteger(n) && n >= k && Number.isInteger(k) && k >= 2)) throw new RangeError(`need k ≥ 2 parts of |S| = n ≥ k elements (got n = ${n}, k = ${k})`);
  if (!(Number.isInteger(subsetSize) && subsetSize >= 1 && subsetSize <= n)) throw new RangeError(`subset size must be in [1, ${n}] (got ${subsetSize})`);
  if (!(Number.isInteger(subsets) && subsets >= 0)) throw new RangeError(`the number of subsets must be an integer ≥ 0 (got ${subsets})`);
  const counter = { next: 0 };
  // The planted split: a random permutation of S cut into k parts of sizes ⌈n/k⌉ or ⌊n/k⌋.
  const perm = shuffled(seed, counter, n, n);
  const split: number[][] = [];
  let at = 0;
  for (let l = 0; l < k; l++) {
    const size = Math.floor(n / k) + (l < n % k ? 1 : 0);
    split.push(perm.slice(at, at + size).sort((a, b) => a - b));
    at += size;
  }
  const members = split.map((part) => {
    const inPart = new Array<boolean>(n).fill(false);
    for (const i of part) inPart[i] = true;
    return inPart;
  });
  const seen = new Set<string>();
  const chosen: number[][] = [];
  let rejectedInARow = 0;
  while (chosen.length < subsets) {
    const c = randomSubset(seed, counter, n, subsetSize);
    const key = c.join(',');
    if (seen.has(key) || members.some((inPart) => containedIn(c, inPart))) {
      if (++rejectedInARow > 10_000) throw new RangeError(`could not draw ${subsets} distinct split subsets of size ${subsetSize} (got ${chosen.length})`);
      continue;
    }
    rejectedInARow = 0;
    seen.add(key);
    chosen.push(c);
  }
  return { spec: { ...spec }, split, subsets: chosen };
}

/** The network the reduction targets: input k²·d_S, filter k·d_S, stride k·d_S (k patches), ReLU, average pooling 1/k. */
export function reductionModel(k: number, elements: number): ModelSpec {
  return { d: k * k * elements, m: k * elements, stride: k * elements, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false };
}

/** Writes d(v) for the 0/1 vector v = 1_{set} into row `row` of X (k²·d_S columns). */
function embedIndicator(X: Float64Array, row: number, set: readonly number[], k: number, elements: number): void {
  const D = k * k * elements;
  for (let l = 0; l < k; l++) for (const i of set) X[row * D + l * k * elements + l * elements + i] = 1;
}

/**
 * The reduction's training set as a Dataset with its labels: rows 0 … d_S − 1 are x_i = d(e_i)
 * (label 1/k), rows d_S … d_S + |C| − 1 are x_{d_S+j} = d(1_{C_j}) (label 0).
 */
export function setSplittingDataset(inst: SetSplittingInstance): Dataset {
  const { elements, k, seed } = inst.spec;
  const n = elements + inst.subsets.length;
  const D = k * k * elements;
  const X = new Float64Array(n * D);
  const y = new Float64Array(n);
  for (let i = 0; i < elements; i++) {
    embedIndicator(X, i, [i], k, elements);
    y[i] = 1 / k;
  }
  inst.subsets.forEach((c, j) => embedIndicator(X, elements + j, c, k, elements));
  const name = `set-splitting |S|=${elements} |C|=${inst.subsets.length} size ${inst.spec.subsetSize} k=${k} (seed ${seed})`;
  return makeDataset({ name, n, d: D, X, y });
}

/**
 * The converse proof's decoder: S_l = {i : w_{l,i} > 1/(2k)} from the filter w = (w_1, …, w_k)
 * (its first k·d_S entries). An element in more than one S_l is kept in the one where w_{l,i} is
 * largest (the proof: "arbitrarily"; any choice splits C when the loss is below the threshold).
 */
export function decodeSplit(w: ArrayLike<number>, k: number, elements: number): number[][] {
  const parts: number[][] = Array.from({ length: k }, () => []);
  const cut = 1 / (2 * k);
  for (let i = 0; i < elements; i++) {
    let best = -1;
    for (let l = 0; l < k; l++) if (w[l * elements + i] > cut && (best < 0 || w[l * elements + i] > w[best * elements + i])) best = l;
    if (best >= 0) parts[best].push(i);
  }
  return parts;
}

export interface SplitCheck {
  /** The parts are disjoint and cover S. */
  partition: boolean;
  /** Elements in no part. */
  uncovered: number;
  /** Subsets C_j contained in some part (not split). */
  unsplit: number;
  /** A valid split: a partition that splits every C_j. */
  valid: boolean;
}

/** Whether `parts` is a partition of S = {0 … elements − 1} that splits every subset of C. */
export function checkSplit(parts: readonly (readonly number[])[], elements: number, subsets: readonly (readonly number[])[]): SplitCheck {
  const owner = new Array<number>(elements).fill(-1);
  let disjoint = true;
  parts.forEach((part, l) => {
    for (const i of part) {
      if (!(Number.isInteger(i) && i >= 0 && i < elements) || owner[i] !== -1) disjoint = false;
      else owner[i] = l;
    }
  });
  const uncovered = owner.filter((o) => o === -1).length;
  // C_j lies in a part exactly when all its elements have the same (covered) owner.
  const unsplit = subsets.filter((c) => c.length > 0 && owner[c[0]] !== -1 && c.every((i) => owner[i] === owner[c[0]])).length;
  const partition = disjoint && uncovered === 0;
  return { partition, uncovered, unsplit, valid: partition && unsplit === 0 };
}

/**
 * The thresholds on the paper's risk ℓ = E[(f − y)²] (the engine's L is ℓ/2):
 * - def2: eq. 9, 1/(4k⁵d) with d = d_S, the risk Def. 2 asks for (1/5120 at k = 2, d_S = 40).
 *   Its converse proof uses p(x) ≥ 1/(kd) per point, which needs |C| ≤ (k − 1)d (Def. 1); the
 *   paper's instance has |C| = 760 > 40, so here it does not guarantee a split;
 * - instance: 1/(4k⁴n), what the proof's step (f − y)²·p(x) < ε needs for eq. 12 when each of the
 *   n points has mass 1/n (1/51200 at k = 2, n = 800): below it the decoder always finds a split.
 */
export function splitThresholds(k: number, elements: number, n: number): { def2: number; instance: number } {
  return { def2: 1 / (4 * k ** 5 * elements), instance: 1 / (4 * k ** 4 * n) };
}

/** ℓ(0), the risk of the zero filter on the reduction's data: d_S·(1/k)²/n (0.0125 for the paper's instance). */
export function zeroFilterRisk(k: number, elements: number, n: number): number {
  return (elements * (1 / k) ** 2) / n;
}
