/**
 * Zhong et al. (2017) Algorithm 1: the tensor-method initialisation W⁽⁰⁾, v⁽⁰⁾ of the fully
 * connected one-hidden-layer net from its sample (spec /work/shared/specs/remaining-papers.md
 * §B.2, steps 1–5), for the homogeneous activations the spec's derivation covers (squared ReLU:
 * P₂ = M₂, P₃ = M₃; ReLU and leaky ReLU: P₂ = M₂, P₃ = M₄(I, I, I, α)). No partition of S (the
 * default of the spec, as the authors' Matlab): every moment uses the whole sample.
 *
 *  2. V = top-k eigenvectors of P̂₂ by |eigenvalue| (P̂₂ is indefinite for mixed signs), from a full
 *     Jacobi eigendecomposition (hessian.ts symmetricEigen; d ≤ 100 here), not a power method.
 *  3. R̂₃ = P̂₃(V, V, V) (moments.ts).
 *  4. ûᵢ from tensor-decomposition.ts: Kuleshov et al.'s two-stage QRJ1D decomposition (the paper's
 *     choice) or, as option, the earlier stand-in (best-of-L Jennrich + CP-ALS).
 *  5. Magnitudes and signs from Claim 5.2 (Q₁ = M̂₁, Q₂ = VᵀM̂₂V, least squares).
 */
import { symmetricEigen } from './hessian.ts';
import type { Activation } from './model.ts';
import { STREAM, normal } from './rng.ts';
import { type ThirdMomentSpec, empiricalM1, empiricalM2, empiricalR3, homogeneityDegree, momentConstants, momentOrders, projectVector } from './moments.ts';
import { DECOMPOSITION_KEY, type Decomposition, type DecompositionMethod, decomposeSymmetricTensor, solveLinear } from './tensor-decomposition.ts';

/** The moments Algorithm 1 consumes: empirical (tensorInitFromSample) or exact (tests). */
export interface InitMoments {
  d: number;
  k: number;
  /** M₁ ∈ R^d. */
  m1: Float64Array;
  /** P₂ = M₂, d×d. */
  m2: Float64Array;
  /** R₃ = P₃(V, V, V) for the V this function is given. */
  r3: (V: Float64Array) => Float64Array;
}

export interface TensorInitOptions {
  /** Seed of α and of the random projections. */
  seed?: number;
  /** Step 4's method (tensor-decomposition.ts; default there). */
  decomposition?: DecompositionMethod;
  /** Random projections of the decomposition (paper: L = 100). */
  projections?: number;
  alsSweeps?: number;
  /** KCL only: run its plug-in second stage (default true). */
  plugIn?: boolean;
  /** Squared ReLU only: the authors' Matlab magnitude √|zᵢ|/m₁ instead of √(|zᵢ|/m₁) (spec's discrepancy). */
  matlabMagnitude?: boolean;
}

export interface TensorInit {
  /** W⁽⁰⁾, k×d (row i = wᵢ⁽⁰⁾). */
  W: Float64Array;
  /** v⁽⁰⁾ ∈ {±1}ᵏ. */
  v: Float64Array;
  /** The subspace V (d×k), for diagnostics. */
  V: Float64Array;
  decomposition: Decomposition;
}

/** The activations Algorithm 1 is implemented for, with why the others are not. */
export function assertTensorInitSupported(act: Activation): void {
  if (homogeneityDegree(act) === undefined)
    throw new RangeError(
      `tensor initialisation: activation ${act} is not homogeneous, so magnitudes cannot be read from Claim 5.2 (supported: squared-relu, relu, leaky-relu)`,
    );
}

/** The third-moment contraction for φ, drawing α (a unit vector) from the seed when j₃ = 4. */
export function thirdMomentSpec(act: Activation, d: number, seed: number): ThirdMomentSpec {
  const { j2, j3 } = momentOrders(act);
  if (j2 !== 2) throw new RangeError(`tensor initialisation: activation ${act} has M₂ = 0 (j₂ = ${j2}); not implemented`);
  if (j3 === 3) return { j3: 3 };
  const alpha = Float64Array.from({ length: d }, (_, p) => normal(seed, DECOMPOSITION_KEY, STREAM.sample, p));
  const n = Math.hypot(...alpha);
  return { j3: 4, alpha: alpha.map((x) => x / n) };
}

/** Step 2: orthonormal V (d×k) spanning the k eigenvectors of P₂ of largest |eigenvalue|. */
export function topAbsEigenspace(P2: Float64Array, d: number, k: number): Float64Array {
  const { values, vectors } = symmetricEigen(P2, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
  const V = new Float64Array(d * k);
  for (let c = 0; c < k; c++) for (let p = 0; p < d; p++) V[p * k + c] = vectors[p * d + order[c]];
  return V;
}

/** Algorithm 1 steps 2–5 from given moments. */
export function tensorInitFromMoments(act: Activation, moments: InitMoments, options: TensorInitOptions = {}): TensorInit {
  assertTensorInitSupported(act);
  if (options.matlabMagnitude && act !== 'squared-relu')
    throw new RangeError(`tensor initialisation: matlabMagnitude is the squared-ReLU Matlab constant; it does not apply to ${act}`);
  const { d, k } = moments;
  const V = topAbsEigenspace(moments.m2, d, k);
  const decomposition = decomposeSymmetricTensor(moments.r3(V), k, {
    seed: options.seed ?? 0,
    method: options.decomposition,
    projections: options.projections,
    alsSweeps: options.alsSweeps,
    plugIn: options.plugIn,
  });
  const U = decomposition.U; // row i = ûᵢ ∈ R^k
  // G = ÛᵀÛ (Gram of the ûᵢ) serves Q₁'s normal equations, since (VÛ)ᵀ(VÛ) = ÛᵀÛ.
  const dot = (i: number, j: number) => {
    let s = 0;
    for (let a = 0; a < k; a++) s += U[i * k + a] * U[j * k + a];
    return s;
  };
  const G1 = new Float64Array(k * k);
  const G2 = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    const g = dot(i, j);
    G1[i * k + j] = g;
    G2[i * k + j] = g * g;
  }
  // Q₁: min ‖(VÛ)z − M₁‖ → ÛᵀÛ z = Ûᵀ(VᵀM₁).
  const q1 = projectVector(V, d, k, moments.m1);
  const b1 = Float64Array.from({ length: k }, (_, i) => q1.reduce((s, x, a) => s + x * U[i * k + a], 0));
  // Q₂ = VᵀM₂V: min ‖Σ rᵢ ûᵢûᵢᵀ − Q₂‖_F → Σⱼ (ûᵢ·ûⱼ)² rⱼ = ûᵢᵀQ₂ûᵢ.
  const Q2 = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let s = 0;
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) s += V[p * k + a] * moments.m2[p * d + q] * V[q * k + b];
    Q2[a * k + b] = s;
  }
  const b2 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += U[i * k + a] * Q2[a * k + b] * U[i * k + b];
    b2[i] = s;
  }
  const z = solveLinear(G1, b1, k);
  const r = solveLinear(G2, b2, k);
  if (!z || !r) throw new Error('tensor initialisation: the recovered components are linearly dependent');
  const m = momentConstants(act, 1);
  const ph = homogeneityDegree(act)!;
  const W = new Float64Array(k * d);
  const v = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    // rᵢ ≈ vᵢ m₂ ‖wᵢ‖^{p_h}; zᵢ ≈ sᵢ vᵢ m₁ ‖wᵢ‖^{p_h} with ûᵢ ≈ sᵢ Vᵀw̄ᵢ.
    v[i] = Math.sign(r[i]) * Math.sign(m[2]) || 1;
    const s = Math.sign(z[i]) * v[i] * Math.sign(m[1]) || 1;
    const norm = options.matlabMagnitude ? Math.sqrt(Math.abs(z[i])) / m[1] : (Math.abs(z[i]) / Math.abs(m[1])) ** (1 / ph);
    for (let p = 0; p < d; p++) {
      let u = 0;
      for (let a = 0; a < k; a++) u += V[p * k + a] * U[i * k + a];
      W[i * d + p] = s * norm * u;
    }
  }
  return { W, v, V, decomposition };
}

/** Algorithm 1 on a sample: X n×d, y the labels. */
export function tensorInitFromSample(
  act: Activation,
  X: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  k: number,
  options: TensorInitOptions = {},
): TensorInit {
  assertTensorInitSupported(act);
  if (!(k >= 1 && k <= d)) throw new RangeError(`tensor initialisation needs 1 ≤ k ≤ d (got k = ${k}, d = ${d})`);
  const spec = thirdMomentSpec(act, d, options.seed ?? 0);
  return tensorInitFromMoments(
    act,
    { d, k, m1: empiricalM1(X, y, n, d), m2: empiricalM2(X, y, n, d), r3: (V) => empiricalR3(X, y, n, d, V, k, spec) },
    options,
  );
}
