/**
 * Non-orthogonal decomposition of a symmetric k×k×k tensor T ≈ Σᵢ cᵢ uᵢ^{⊗3} (unit uᵢ, rank k),
 * for step 4 of Zhong et al.'s Algorithm 1 (spec §B.2), by one of two methods:
 *
 * - `'kcl'` (spec option (a), what the paper ran): Kuleshov, Chaganty & Liang's (2015) tensor
 *   factorisation via matrix factorisation, as their `no_tenfact` does it. Stage 1 contracts T
 *   with L random unit vectors w_l, T(I, I, w_l) = U diag(cᵢ w_l·uᵢ) Uᵀ, and jointly
 *   diagonalises all L slices with QRJ1D (joint-diagonalisation.ts); the normalised columns of
 *   B⁻¹ are the components. Stage 2 ("plug-in") contracts T again along each stage-1 component —
 *   directions that separate the components far better than random ones — and jointly
 *   diagonalises those k slices, whose components are returned (the k with the largest Σ|diag|,
 *   all of them when the tensor's side is its rank, as here). Weights by least squares.
 * - `'jennrich'` (spec option (c), the documented stand-in this engine used first): Jennrich's
 *   simultaneous diagonalisation over L random pairs of projections, keeping the candidate with
 *   the smallest residual ‖T − Σ cᵢuᵢ^{⊗3}‖_F.
 *
 * Either may be followed by CP-ALS sweeps (kept only when they lower the residual). On exact
 * tensors both are exact to rounding. Random projections come from the counter RNG, keyed by the
 * caller's seed.
 *
 * Why Jennrich works: T(I, I, a) = U D_a Uᵀ with D_a = diag(cᵢ aᵀuᵢ), so
 * T(I,I,a)·T(I,I,b)⁻¹ = U D_a D_b⁻¹ U⁻¹, whose eigenvectors are the uᵢ. KCL uses the same
 * structure but fits one U to all L slices at once, which averages the noise of sample moments
 * instead of betting on one pair.
 */
import { type JointDiagonalisationOptions, qrj1d } from './joint-diagonalisation.ts';
import { unitRows } from './moments.ts';
import { STREAM, normal } from './rng.ts';

/** Key slot for the decomposition's random projections (no restart, teacher or sample uses it). */
export const DECOMPOSITION_KEY = 0xfffffffb;

/** Solves A x = b (n×n row-major, copied) by Gaussian elimination with partial pivoting; undefined when singular. */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array | undefined {
  const a = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[piv * n + c])) piv = r;
    if (a[piv * n + c] === 0 || !Number.isFinite(a[piv * n + c])) return undefined;
    if (piv !== c) {
      for (let t = 0; t < n; t++) [a[c * n + t], a[piv * n + t]] = [a[piv * n + t], a[c * n + t]];
      [x[c], x[piv]] = [x[piv], x[c]];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / a[c * n + c];
      if (f === 0) continue;
      for (let t = c; t < n; t++) a[r * n + t] -= f * a[c * n + t];
      x[r] -= f * x[c];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c];
    for (let t = c + 1; t < n; t++) s -= a[c * n + t] * x[t];
    x[c] = s / a[c * n + c];
  }
  return x;
}

/** T(I, I, a): the k×k slice contraction Σ_c T[·,·,c] a_c. */
function contractLast(T: Float64Array, k: number, a: Float64Array): Float64Array {
  const M = new Float64Array(k * k);
  for (let p = 0; p < k * k; p++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += T[p * k + c] * a[c];
    M[p] = s;
  }
  return M;
}

/**
 * Real eigenvalues of a general k×k matrix by unshifted QR iteration (k is small, ≤ ~20), read
 * off the diagonal. Complex pairs leave a 2×2 block whose diagonal is not an eigenvalue; the
 * candidate it produces then has a large residual and loses to another projection pair.
 */
function qrEigenvalues(A: Float64Array, k: number, iterations = 400): Float64Array {
  let a = Float64Array.from(A);
  const Q = new Float64Array(k * k);
  const R = new Float64Array(k * k);
  for (let it = 0; it < iterations; it++) {
    // Gram–Schmidt QR of a (columns).
    Q.set(a);
    R.fill(0);
    for (let c = 0; c < k; c++) {
      for (let b = 0; b < c; b++) {
        let dot = 0;
        for (let r = 0; r < k; r++) dot += Q[r * k + b] * Q[r * k + c];
        R[b * k + c] = dot;
        for (let r = 0; r < k; r++) Q[r * k + c] -= dot * Q[r * k + b];
      }
      let ss = 0;
      for (let r = 0; r < k; r++) ss += Q[r * k + c] ** 2;
      const nrm = Math.sqrt(ss);
      R[c * k + c] = nrm;
      if (nrm > 0) for (let r = 0; r < k; r++) Q[r * k + c] /= nrm;
    }
    const next = new Float64Array(k * k);
    for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) {
      let s = 0;
      for (let t = r; t < k; t++) s += R[r * k + t] * Q[t * k + c];
      next[r * k + c] = s;
    }
    a = next;
  }
  return Float64Array.from({ length: k }, (_, i) => a[i * k + i]);
}

/** Unit eigenvector of A for the eigenvalue near λ, by three steps of inverse iteration. */
function inverseIteration(A: Float64Array, k: number, lambda: number, scale: number): Float64Array | undefined {
  const shifted = Float64Array.from(A);
  // A tiny offset keeps the shifted matrix invertible when λ is exact to rounding.
  const mu = lambda + 1e-10 * scale;
  for (let i = 0; i < k; i++) shifted[i * k + i] -= mu;
  let x: Float64Array | undefined = Float64Array.from({ length: k }, (_, i) => 1 + 0.1 * i);
  for (let step = 0; step < 3; step++) {
    x = solveLinear(shifted, x, k);
    if (!x) return undefined;
    const nrm = Math.hypot(...x);
    if (!(nrm > 0 && Number.isFinite(nrm))) return undefined;
    for (let i = 0; i < k; i++) x[i] /= nrm;
  }
  return x;
}

export interface Decomposition {
  /** Unit components, k×k row-major: row i is uᵢ (sign arbitrary). */
  U: Float64Array;
  /** Weights cᵢ. */
  weights: Float64Array;
  /** ‖T − Σ cᵢ uᵢ^{⊗3}‖_F / ‖T‖_F. */
  residual: number;
}

/** Least-squares weights for fixed unit components, and the relative residual. */
function fitWeights(T: Float64Array, k: number, U: Float64Array, r: number): Decomposition | undefined {
  const G = new Float64Array(r * r);
  const b = new Float64Array(r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      let dot = 0;
      for (let a = 0; a < k; a++) dot += U[i * k + a] * U[j * k + a];
      G[i * r + j] = dot ** 3;
    }
    let s = 0;
    for (let a = 0; a < k; a++) for (let bb = 0; bb < k; bb++) for (let c = 0; c < k; c++)
      s += T[(a * k + bb) * k + c] * U[i * k + a] * U[i * k + bb] * U[i * k + c];
    b[i] = s;
  }
  const weights = solveLinear(G, b, r);
  if (!weights || !weights.every(Number.isFinite)) return undefined;
  let res = 0;
  let tot = 0;
  for (let a = 0; a < k; a++) for (let bb = 0; bb < k; bb++) for (let c = 0; c < k; c++) {
    let s = 0;
    for (let i = 0; i < r; i++) s += weights[i] * U[i * k + a] * U[i * k + bb] * U[i * k + c];
    const t = T[(a * k + bb) * k + c];
    res += (t - s) ** 2;
    tot += t * t;
  }
  return { U, weights, residual: Math.sqrt(res / (tot || 1)) };
}

/** One Jennrich candidate from projections a, b. */
function jennrich(T: Float64Array, k: number, a: Float64Array, b: Float64Array): Decomposition | undefined {
  const Ma = contractLast(T, k, a);
  const Mb = contractLast(T, k, b);
  // A = Ma·Mb⁻¹ = (Mb⁻ᵀ Maᵀ)ᵀ; Mb is symmetric, so column c of Mb⁻¹Maᵀ = Mb⁻¹·(row c of Ma).
  const X = new Float64Array(k * k); // X = Mb⁻¹ Ma (Ma symmetric), A = Xᵀ
  for (let c = 0; c < k; c++) {
    const col = solveLinear(Mb, Float64Array.from({ length: k }, (_, r) => Ma[r * k + c]), k);
    if (!col) return undefined;
    for (let r = 0; r < k; r++) X[r * k + c] = col[r];
  }
  const A = new Float64Array(k * k);
  for (let r = 0; r < k; r++) for (let c = 0; c < k; c++) A[r * k + c] = X[c * k + r];
  const lambdas = qrEigenvalues(A, k);
  const scale = Math.max(...lambdas.map(Math.abs)) || 1;
  const U = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const u = inverseIteration(A, k, lambdas[i], scale);
    if (!u) return undefined;
    U.set(u, i * k);
  }
  return fitWeights(T, k, U, k);
}

/** X[p, r] = Σ_{q,s} T[p,q,s] Y[q,r] Z[s,r] (Y, Z k×r column factors, row-major k×r). */
function mttkrp(T: Float64Array, k: number, Y: Float64Array, Z: Float64Array, r: number): Float64Array {
  const X = new Float64Array(k * r);
  for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) for (let s = 0; s < k; s++) {
    const t = T[(p * k + q) * k + s];
    if (t === 0) continue;
    for (let c = 0; c < r; c++) X[p * r + c] += t * Y[q * r + c] * Z[s * r + c];
  }
  return X;
}

/** CP-ALS on three factors started from a decomposition, symmetrised at the end (signs aligned to the first factor). */
function refineByAls(T: Float64Array, k: number, start: Decomposition, sweeps: number): Decomposition | undefined {
  const r = k;
  // Factors as k×r (column c = component c): A = U diag(c), B = C = U.
  const A = new Float64Array(k * r);
  const B = new Float64Array(k * r);
  const C = new Float64Array(k * r);
  for (let c = 0; c < r; c++) for (let p = 0; p < k; p++) {
    const u = start.U[c * k + p];
    A[p * r + c] = start.weights[c] * u;
    B[p * r + c] = u;
    C[p * r + c] = u;
  }
  const gram = (F: Float64Array): Float64Array => {
    const G = new Float64Array(r * r);
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += F[p * r + i] * F[p * r + j];
      G[i * r + j] = s;
    }
    return G;
  };
  // Solve F·(G₁∘G₂) = X for F, row by row (G symmetric).
  const update = (target: Float64Array, Y: Float64Array, Z: Float64Array): boolean => {
    const X = mttkrp(T, k, Y, Z, r);
    const G1 = gram(Y);
    const G2 = gram(Z);
    const H = G1.map((g, i) => g * G2[i]);
    for (let p = 0; p < k; p++) {
      const row = solveLinear(H, X.subarray(p * r, p * r + r), r);
      if (!row) return false;
      target.set(row, p * r);
    }
    return true;
  };
  for (let sweep = 0; sweep < sweeps; sweep++) {
    if (!update(A, B, C) || !update(B, A, C) || !update(C, A, B)) return undefined;
  }
  const U = new Float64Array(k * k);
  for (let c = 0; c < r; c++) {
    const col = (F: Float64Array) => {
      const v = Float64Array.from({ length: k }, (_, p) => F[p * r + c]);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const a = col(A), b = col(B), cc = col(C);
    const sb = Math.sign(a.reduce((s, x, p) => s + x * b[p], 0)) || 1;
    const sc = Math.sign(a.reduce((s, x, p) => s + x * cc[p], 0)) || 1;
    const u = a.map((x, p) => x + sb * b[p] + sc * cc[p]);
    const n = Math.hypot(...u);
    for (let p = 0; p < k; p++) U[c * k + p] = u[p] / n;
  }
  return fitWeights(T, k, U, r);
}

/** The inverse of an n×n matrix (row-major), column by column; undefined when singular. */
export function invertMatrix(A: Float64Array, n: number): Float64Array | undefined {
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    const col = solveLinear(A, Float64Array.from({ length: n }, (_, r) => (r === c ? 1 : 0)), n);
    if (!col || !col.every(Number.isFinite)) return undefined;
    for (let r = 0; r < n; r++) inv[r * n + c] = col[r];
  }
  return inv;
}

/** The columns of an n×n matrix as unit rows (row i = column i / its norm), with the norms. */
function unitColumns(A: Float64Array, n: number): { rows: Float64Array; norms: Float64Array } {
  const At = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) At[c * n + r] = A[r * n + c];
  const { unit, norms } = unitRows(At, n, n);
  return { rows: unit, norms };
}

/**
 * Kuleshov, Chaganty & Liang's two-stage decomposition of a symmetric p×p×p tensor of rank r ≤ p
 * (their `no_tenfact(T, L, r)`): returns r unit components (rows of U, r×p) with least-squares
 * weights, or undefined when a diagonaliser is singular. `draw(l)` gives the l-th random vector.
 * The engine calls it with r = p (R̂₃ lives in the k-dim subspace V); r < p follows the reference
 * but is untested here.
 */
export function kclDecompose(
  T: Float64Array,
  p: number,
  r: number,
  L: number,
  draw: (l: number) => Float64Array,
  options: { plugIn?: boolean; jointDiagonalisation?: JointDiagonalisationOptions } = {},
): Decomposition | undefined {
  // Stage 1: L random unit projections, jointly diagonalised.
  const W: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const w = draw(l);
    const nrm = Math.hypot(...w);
    W.push(w.map((x) => x / nrm));
  }
  const slices1 = W.map((w) => contractLast(T, p, w));
  const jd1 = qrj1d(slices1, p, options.jointDiagonalisation);
  const inv1 = invertMatrix(jd1.B, p);
  if (!inv1) return undefined;
  const { rows: cand1, norms: norms1 } = unitColumns(inv1, p);
  // Weight estimates per slice: diag(B M_l Bᵀ)_i = cᵢ (w_l·aᵢ) / ‖B⁻¹ column i‖², so
  // cᵢ = diag · ‖·‖² / (w_l·aᵢ); the reference keeps the r components of largest mean |cᵢ|.
  const meanAbs = Float64Array.from({ length: p }, (_, i) => {
    let s = 0;
    for (let l = 0; l < L; l++) {
      let dot = 0;
      for (let a = 0; a < p; a++) dot += cand1[i * p + a] * W[l][a];
      s += Math.abs((jd1.diagonalised[l][i * p + i] / dot) * norms1[i] ** 2);
    }
    return s / L;
  });
  const pick = (score: Float64Array, rows: Float64Array): Float64Array => {
    const order = Array.from({ length: p }, (_, i) => i).sort((a, b) => score[b] - score[a]);
    const U = new Float64Array(r * p);
    for (let i = 0; i < r; i++) U.set(rows.subarray(order[i] * p, order[i] * p + p), i * p);
    return U;
  };
  if (options.plugIn === false) return fitWeights(T, p, pick(meanAbs, cand1), r);
  // Stage 2: project along every stage-1 component (all p, as the reference) and diagonalise again.
  const slices2 = Array.from({ length: p }, (_, i) => contractLast(T, p, cand1.subarray(i * p, i * p + p)));
  // Stage 2 converges far more slowly per sweep than stage 1 (p slices instead of L: on an exact
  // rank-5 tensor 200 sweeps leave a residual of ~1e-6 where stage 1 is exact by 100), but a sweep
  // costs p/L of one of stage 1's, so it gets 10× the sweeps (still half of stage 1's work at L = 100).
  const jdOptions = options.jointDiagonalisation ?? {};
  const jd2 = qrj1d(slices2, p, { ...jdOptions, maxSweeps: 10 * (jdOptions.maxSweeps ?? 200) });
  const inv2 = invertMatrix(jd2.B, p);
  if (!inv2) return undefined;
  const { rows: cand2 } = unitColumns(inv2, p);
  // Rank by Σ_l |diag(Z M_l Zᵀ)| with Z = (normalised B⁻¹)⁻¹, the weights' magnitudes in the
  // normalised basis (up to the projections' dot products).
  const V1 = new Float64Array(p * p); // columns = cand2 rows
  for (let i = 0; i < p; i++) for (let a = 0; a < p; a++) V1[a * p + i] = cand2[i * p + a];
  const Z = invertMatrix(V1, p);
  if (!Z) return undefined;
  const score = new Float64Array(p);
  for (const M of slices2) {
    const ZM = new Float64Array(p * p);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
      let s = 0;
      for (let q = 0; q < p; q++) s += Z[a * p + q] * M[q * p + b];
      ZM[a * p + b] = s;
    }
    for (let i = 0; i < p; i++) {
      let s = 0;
      for (let q = 0; q < p; q++) s += ZM[i * p + q] * Z[i * p + q];
      score[i] += Math.abs(s);
    }
  }
  return fitWeights(T, p, pick(score, cand2), r);
}

/**
 * QRJ1D's stopping tolerance under KCL. The reference stops at 1e-4 (·n), which leaves ~1e-3 of
 * error in the components even of an exact tensor (QRJ1D converges linearly); 1e-15 makes exact
 * inputs exact to ~1e-14 (~50 sweeps), which Zhong's exact-moment test (1e-12) needs. On sample
 * moments the noise floor is reached long before either, so the choice hardly changes the init
 * error there (d = 10, k = 5, n = 10³–10⁵: medians within 0.005 of 1e-4's); noisy inputs just run
 * to maxSweeps (≈25 ms a decomposition at k = 5, L = 100).
 */
export const KCL_JD_TOLERANCE = 1e-15;

export const DECOMPOSITION_METHODS = ['kcl', 'jennrich'] as const;
export type DecompositionMethod = (typeof DECOMPOSITION_METHODS)[number];

export interface DecompositionOptions {
  /** 'kcl' (Kuleshov et al., the paper's; default) or 'jennrich' (best of L pairs, the earlier stand-in). */
  method?: DecompositionMethod;
  /** Random projections: KCL's L slices, or Jennrich's L pairs (the paper's L = 100). */
  projections?: number;
  /**
   * CP-ALS sweeps after the decomposition (0 = none; default 50 for 'jennrich', 0 for 'kcl').
   * Not after KCL by default: on Zhong's sample moments (d = 10, k = 5) ALS from the KCL answer
   * nearly always lands on the same residual minimiser as from Jennrich's, whose components are
   * further from W* (median init error at n = 2000: 1.41 with ALS against 0.80 without, 20 trials).
   */
  alsSweeps?: number;
  /** KCL only: run the plug-in second stage (default true, as the reference). */
  plugIn?: boolean;
  /** KCL only: QRJ1D's stopping rule. */
  jointDiagonalisation?: JointDiagonalisationOptions;
  seed?: number;
}

/**
 * Decomposes the symmetric k×k×k tensor T into k rank-one terms by `method`, then CP-ALS (kept
 * only when it lowers the residual). Throws when the method failed outright.
 */
export function decomposeSymmetricTensor(T: Float64Array, k: number, options: DecompositionOptions = {}): Decomposition {
  const method = options.method ?? 'kcl';
  const L = options.projections ?? 100;
  const sweeps = options.alsSweeps ?? (method === 'jennrich' ? 50 : 0);
  const seed = options.seed ?? 0;
  if (T.length !== k * k * k) throw new RangeError(`tensor must have k³ = ${k ** 3} entries (got ${T.length})`);
  let best: Decomposition | undefined;
  if (method === 'kcl') {
    const draw = (l: number) => Float64Array.from({ length: k }, (_, i) => normal(seed, DECOMPOSITION_KEY, STREAM.init, l * k + i));
    best = kclDecompose(T, k, k, L, draw, {
      plugIn: options.plugIn,
      jointDiagonalisation: { tolerance: KCL_JD_TOLERANCE, ...options.jointDiagonalisation },
    });
    if (!best || !Number.isFinite(best.residual)) throw new Error('tensor decomposition failed: the joint diagonaliser is singular');
  } else {
    for (let l = 0; l < L; l++) {
      const draw = (which: number) =>
        Float64Array.from({ length: k }, (_, i) => normal(seed, DECOMPOSITION_KEY, STREAM.init, (2 * l + which) * k + i));
      const cand = jennrich(T, k, draw(0), draw(1));
      if (cand && Number.isFinite(cand.residual) && (!best || cand.residual < best.residual)) best = cand;
    }
    if (!best) throw new Error('tensor decomposition failed: every random projection pair gave a singular slice');
  }
  if (sweeps > 0) {
    const refined = refineByAls(T, k, best, sweeps);
    if (refined && refined.residual < best.residual) best = refined;
  }
  return best;
}
