/**
 * Zhong, Song, Jain, Bartlett & Dhillon (2017) §7: the teacher W* = UΣVᵀ with condition number κ,
 * output signs v* ∈ {±1}ᵏ, and its Gaussian sample (spec §B.3). The fully connected net is the
 * model family with K = 1 (m = d) and F = k filters; W*'s column i is hidden unit w_i*, stored here
 * as row i of a k×d filter-major array, the layout of Teacher.w.
 *
 * Every draw comes from the counter RNG, keyed (seed, TEACHER_RESTART) for the teacher and
 * (seed, SAMPLE_KEY) for the sample, with the problem index in the counter, so a problem is a pure
 * function of (seed, problem) and problems of one seed never share draws.
 */
import type { Teacher } from './model.ts';
import { STREAM, normal, uniform } from './rng.ts';
import { TEACHER_RESTART } from './teachers.ts';

/** Key slot for Zhong samples: distinct from every restart, SHARED_RESTART, TEACHER_RESTART and DATASET_RESTART. */
export const ZHONG_SAMPLE_KEY = 0xfffffffc;

/** Σ = diag(1, 1 + (κ−1)/(k−1), …, κ): the paper's linearly spaced singular values. */
export function zhongSingularValues(k: number, kappa: number): Float64Array {
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer (got ${k})`);
  if (!(kappa >= 1 && Number.isFinite(kappa))) throw new RangeError(`condition number κ must be ≥ 1 (got ${kappa})`);
  return Float64Array.from({ length: k }, (_, i) => (k === 1 ? 1 : 1 + (i * (kappa - 1)) / (k - 1)));
}

/**
 * Orthonormal columns of a rows×cols Gaussian matrix (cols ≤ rows) by modified Gram–Schmidt with
 * one re-orthogonalisation pass: the Q of its thin QR (up to column signs, which do not matter for
 * a Haar-like draw). Row-major rows×cols.
 */
function gaussianOrthonormal(rows: number, cols: number, draw: (index: number) => number): Float64Array {
  const Q = new Float64Array(rows * cols);
  for (let t = 0; t < rows * cols; t++) Q[t] = draw(t);
  for (let c = 0; c < cols; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let b = 0; b < c; b++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += Q[r * cols + b] * Q[r * cols + c];
        for (let r = 0; r < rows; r++) Q[r * cols + c] -= dot * Q[r * cols + b];
      }
    }
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += Q[r * cols + c] ** 2;
    const inv = 1 / Math.sqrt(ss);
    for (let r = 0; r < rows; r++) Q[r * cols + c] *= inv;
  }
  return Q;
}

/**
 * W* = UΣVᵀ (d×k; U d×k and V k×k orthonormal from Gaussian draws, as generate_syn.m's qr(randn))
 * and v* uniform on {±1}ᵏ. Returned as a Teacher of k filters of size d (w = rows w_i*, a = v*).
 * Problem `problem` of a seed uses its own counter range.
 */
export function zhongTeacher(d: number, k: number, kappa: number, seed: number, problem = 0): Teacher {
  if (!(Number.isInteger(d) && d >= k)) throw new RangeError(`Zhong et al. need k ≤ d (got d = ${d}, k = ${k})`);
  const sigma = zhongSingularValues(k, kappa);
  const per = d * k + k * k + k;
  const base = problem * per;
  const U = gaussianOrthonormal(d, k, (t) => normal(seed, TEACHER_RESTART, STREAM.init, base + t));
  const V = gaussianOrthonormal(k, k, (t) => normal(seed, TEACHER_RESTART, STREAM.init, base + d * k + t));
  const w = new Float64Array(k * d);
  // Column i of W* = Σ_j U[:, j] σ_j V[i, j].
  for (let i = 0; i < k; i++)
    for (let p = 0; p < d; p++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += U[p * k + j] * sigma[j] * V[i * k + j];
      w[i * d + p] = s;
    }
  const a = Float64Array.from({ length: k }, (_, i) =>
    uniform(seed, TEACHER_RESTART, STREAM.init, base + d * k + k * k + i) < 0.5 ? -1 : 1,
  );
  return { filters: k, w, a };
}

/** x ~ N(0, I_d), n rows (n×d row-major), for problem `problem` of a seed. */
export function zhongSample(d: number, n: number, seed: number, problem = 0): Float64Array {
  const X = new Float64Array(n * d);
  // The problem index goes in the stream word (above the STREAM values) so any n fits in the index.
  const stream = STREAM.sample + 4 * problem;
  for (let t = 0; t < n * d; t++) X[t] = normal(seed, ZHONG_SAMPLE_KEY, stream, t);
  return X;
}
