/**
 * Zhong et al. (2017) Algorithm 1: the tensor-method initialisation W⁽⁰⁾, v⁽⁰⁾ of the fully
 * connected one-hidden-layer net from its sample (spec /work/shared/specs/remaining-papers.md
 * §B.2, steps 1–5), for the two families of Thm 3.5's activations (moments.ts activationFamily).
 * No partition of S (the default of the spec, as the authors' Matlab): every moment uses the
 * whole sample.
 *
 *  1. P̂₂ by Def. 5.4: M̂₂ where M₂ ≠ 0 (squared ReLU, ReLU, leaky ReLU); M̂₃(I, I, α) for the
 *     centred-odd φ (sigmoid, tanh, erf), whose M₂ vanishes.
 *  2. V = top-k eigenvectors of P̂₂ by |eigenvalue| (P̂₂ is indefinite for mixed signs), from a full
 *     Jacobi eigendecomposition (hessian.ts symmetricEigen; d ≤ 100 here), not a power method.
 *  3. R̂₃ = P̂₃(V, V, V) (moments.ts): P₃ = M₃ (squared ReLU, the centred-odd φ) or M₄(I, I, I, α)
 *     (ReLU and leaky ReLU, whose M₃ vanishes).
 *  4. ûᵢ from tensor-decomposition.ts: Kuleshov et al.'s two-stage QRJ1D decomposition (the paper's
 *     choice) or, as option, the earlier stand-in (best-of-L Jennrich + CP-ALS).
 *  5. Magnitudes and signs from Claim 5.2 (Q₁ = M̂₁ by least squares for both families; Q₂ = VᵀP̂₂V
 *     for the homogeneous ones; below for each).
 *
 * Step 5 for the centred-odd φ [derived from Claim 5.2, ours]. Every γ_j(σ) with j even is φ(0)·E[z^j]
 * (φ − φ(0) is odd), so m₂ = m₄ = 0 at every σ and the only non-zero moments are M₀ = E[y] =
 * φ(0)·Σᵢvᵢ* and the odd ones, Mⱼ = Σᵢ vᵢ* mⱼ(‖wᵢ*‖) w̄ᵢ*^{⊗j}. Each odd term is unchanged by
 * (vᵢ*, w̄ᵢ*) → (−vᵢ*, −w̄ᵢ*), and so is the net: vφ(wᵀx) = (−v)φ(−wᵀx) + 2vφ(0). So
 *  - Q₁: zᵢ ≈ sᵢvᵢ* m₁(‖wᵢ*‖) with ûᵢ ≈ sᵢVᵀw̄ᵢ*, as for homogeneous φ; m₁(σ) = σE[φ'(σz)] > 0 is
 *    increasing and bounded, so ‖wᵢ*‖ = m₁⁻¹(|zᵢ|) (moments.ts invertFirstMoment: |zᵢ| beyond what
 *    m₁ resolves — sample noise can put it past the supremum — is clamped to
 *    MAX_FIRST_MOMENT_NORM and the unit listed in TensorInit.clamped), and sign(zᵢ) = sᵢvᵢ*.
 *  - Q₂ = VᵀM₃(I, I, α)V gives rᵢ = vᵢ* m₃ (αᵀw̄ᵢ*) = sᵢvᵢ* m₃ (αᵀVûᵢ): the same product sᵢvᵢ* again,
 *    so it is not used. No moment separates sᵢ from vᵢ*: v* is identifiable only up to the flips,
 *    and only vᵢ*wᵢ* = sign(zᵢ)·‖wᵢ*‖·Vûᵢ is recovered, whatever vᵢ⁽⁰⁾ is chosen.
 *  - M₀ fixes Σᵢvᵢ* = M₀/φ(0) where φ(0) ≠ 0 (sigmoid: a flip shifts the net by the constant
 *    2vᵢφ(0), so only flips of units whose v* sum to zero keep it). v⁽⁰⁾: Σv⁽⁰⁾ = M̂₀/φ(0) rounded
 *    to an integer of k's parity in [−k, k], the first (k − Σv⁽⁰⁾)/2 units −1 and the rest +1;
 *    where φ(0) = 0 (tanh, erf) no moment carries it and every vᵢ⁽⁰⁾ = +1. Any such choice is the
 *    teacher's net exactly when Σv⁽⁰⁾ = Σv* (every flip then has zero v*-sum).
 *  - wᵢ⁽⁰⁾ = vᵢ⁽⁰⁾·sign(zᵢ)·m₁⁻¹(|zᵢ|)·Vûᵢ, so vᵢ⁽⁰⁾wᵢ⁽⁰⁾ ≈ vᵢ*wᵢ*. Compare with the teacher
 *    modulo the flips (recovery.ts flipInvariantError), not with the signed metric.
 */
import { symmetricEigen } from './hessian.ts';
import { type Activation, activate } from './model.ts';
import { STREAM, normal } from './rng.ts';
import {
  type MomentSpec,
  activationFamily,
  empiricalM0,
  empiricalM1,
  empiricalP2,
  empiricalR3,
  homogeneityDegree,
  invertFirstMoment,
  momentConstants,
  momentOrders,
  projectVector,
} from './moments.ts';
import { DECOMPOSITION_KEY, type Decomposition, type DecompositionMethod, decomposeSymmetricTensor, solveLinear } from './tensor-decomposition.ts';

/** The moments Algorithm 1 consumes: empirical (tensorInitFromSample) or exact (tests). */
export interface InitMoments {
  d: number;
  k: number;
  /** M₀ = E[y] (read by the centred-odd φ with φ(0) ≠ 0 for Σv*). */
  m0: number;
  /** M₁ ∈ R^d. */
  m1: Float64Array;
  /** P₂ of Def. 5.4 (M₂, or M₃(I, I, α) for the centred-odd φ), d×d. */
  p2: Float64Array;
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
  /** Units whose ‖wᵢ⁽⁰⁾‖ is the cap MAX_FIRST_MOMENT_NORM because m₁ could not be inverted (centred-odd φ only). */
  clamped: number[];
}

/** The contractions P₂, P₃ for φ (Def. 5.4), drawing α (a unit vector) from the seed where either needs it. */
export function momentSpec(act: Activation, d: number, seed: number): MomentSpec {
  const { j2, j3 } = momentOrders(act);
  if (j2 !== 2 && j2 !== 3) throw new RangeError(`tensor initialisation: activation ${act} has M₂ = M₃ = 0 (j₂ = ${j2}); not implemented`);
  if (j3 !== 3 && j3 !== 4) throw new RangeError(`tensor initialisation: activation ${act} has j₃ = ${j3}; not implemented`);
  if (j2 === 2 && j3 === 3) return { j2, j3 };
  const alpha = Float64Array.from({ length: d }, (_, p) => normal(seed, DECOMPOSITION_KEY, STREAM.sample, p));
  const n = Math.hypot(...alpha);
  return { j2, j3, alpha: alpha.map((x) => x / n) };
}

/** Step 2: orthonormal V (d×k) spanning the k eigenvectors of P₂ of largest |eigenvalue|. */
export function topAbsEigenspace(P2: Float64Array, d: number, k: number): Float64Array {
  const { values, vectors } = symmetricEigen(P2, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
  const V = new Float64Array(d * k);
  for (let c = 0; c < k; c++) for (let p = 0; p < d; p++) V[p * k + c] = vectors[p * d + order[c]];
  return V;
}

/** G = ÛᵀÛ, the Gram of the ûᵢ (rows of U, k×k): (VÛ)ᵀ(VÛ) = ÛᵀÛ serves both least squares. */
function gram(U: Float64Array, k: number): Float64Array {
  const G = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < k; a++) s += U[i * k + a] * U[j * k + a];
      G[i * k + j] = s;
    }
  return G;
}

/** Q₁: min ‖(VÛ)z − M₁‖ → ÛᵀÛ z = Ûᵀ(VᵀM₁); zᵢ ≈ sᵢvᵢ* m₁(‖wᵢ*‖). */
function firstMomentWeights(V: Float64Array, U: Float64Array, G: Float64Array, d: number, k: number, m1: Float64Array): Float64Array | undefined {
  const q1 = projectVector(V, d, k, m1);
  const b1 = Float64Array.from({ length: k }, (_, i) => q1.reduce((s, x, a) => s + x * U[i * k + a], 0));
  return solveLinear(G, b1, k);
}

/** Q₂ = VᵀP₂V: min ‖Σ rᵢ ûᵢûᵢᵀ − Q₂‖_F → Σⱼ (ûᵢ·ûⱼ)² rⱼ = ûᵢᵀQ₂ûᵢ. */
function secondMomentWeights(V: Float64Array, U: Float64Array, G: Float64Array, d: number, k: number, p2: Float64Array): Float64Array | undefined {
  const Q2 = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
    let s = 0;
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) s += V[p * k + a] * p2[p * d + q] * V[q * k + b];
    Q2[a * k + b] = s;
  }
  const b2 = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) s += U[i * k + a] * Q2[a * k + b] * U[i * k + b];
    b2[i] = s;
  }
  return solveLinear(G.map((g) => g * g), b2, k);
}

/** Per unit: v⁽⁰⁾ᵢ and the factor c with wᵢ⁽⁰⁾ = c·Vûᵢ; the units whose magnitude was clamped. */
interface MagnitudesAndSigns {
  v: Float64Array;
  scale: Float64Array;
  clamped: number[];
}

/**
 * Homogeneous φ (spec §B.2 step 5): rᵢ ≈ vᵢ m₂ ‖wᵢ‖^{p_h} and zᵢ ≈ sᵢ vᵢ m₁ ‖wᵢ‖^{p_h} with
 * ûᵢ ≈ sᵢ Vᵀw̄ᵢ, so v from r, s from z and v, the norm from |zᵢ|/m₁.
 */
function homogeneousMagnitudesAndSigns(act: Activation, z: Float64Array, r: Float64Array, matlabMagnitude: boolean | undefined): MagnitudesAndSigns {
  const k = z.length;
  const m = momentConstants(act, 1);
  const ph = homogeneityDegree(act)!;
  const v = new Float64Array(k);
  const scale = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    v[i] = Math.sign(r[i]) * Math.sign(m[2]) || 1;
    const s = Math.sign(z[i]) * v[i] * Math.sign(m[1]) || 1;
    const norm = matlabMagnitude ? Math.sqrt(Math.abs(z[i])) / m[1] : (Math.abs(z[i]) / Math.abs(m[1])) ** (1 / ph);
    scale[i] = s * norm;
  }
  return { v, scale, clamped: [] };
}

/** Σv⁽⁰⁾ from M₀ = φ(0)·Σv*: the nearest integer of k's parity in [−k, k]; k (all +1) where φ(0) = 0 says nothing. */
export function signSumFromMean(act: Activation, m0: number, k: number): number {
  const phi0 = activate(act, 0);
  if (phi0 === 0) return k;
  const estimate = m0 / phi0;
  const nearest = 2 * Math.round((estimate - k) / 2) + k;
  return Math.max(-k, Math.min(k, nearest));
}

/** Centred-odd φ (the module comment's derivation): the norm from m₁⁻¹(|zᵢ|), sign(zᵢ) = sᵢvᵢ*, Σv⁽⁰⁾ from M₀. */
function centredOddMagnitudesAndSigns(act: Activation, z: Float64Array, m0: number): MagnitudesAndSigns {
  const k = z.length;
  const negatives = (k - signSumFromMean(act, m0, k)) / 2;
  const v = Float64Array.from({ length: k }, (_, i) => (i < negatives ? -1 : 1));
  const scale = new Float64Array(k);
  const clamped: number[] = [];
  for (let i = 0; i < k; i++) {
    const { norm, clamped: capped } = invertFirstMoment(act, Math.abs(z[i]));
    if (capped) clamped.push(i);
    scale[i] = v[i] * (Math.sign(z[i]) || 1) * norm;
  }
  return { v, scale, clamped };
}

/** Algorithm 1 steps 2–5 from given moments. */
export function tensorInitFromMoments(act: Activation, moments: InitMoments, options: TensorInitOptions = {}): TensorInit {
  if (options.matlabMagnitude && act !== 'squared-relu')
    throw new RangeError(`tensor initialisation: matlabMagnitude is the squared-ReLU Matlab constant; it does not apply to ${act}`);
  const { d, k } = moments;
  const V = topAbsEigenspace(moments.p2, d, k);
  const decomposition = decomposeSymmetricTensor(moments.r3(V), k, {
    seed: options.seed ?? 0,
    method: options.decomposition,
    projections: options.projections,
    alsSweeps: options.alsSweeps,
    plugIn: options.plugIn,
  });
  const U = decomposition.U; // row i = ûᵢ ∈ R^k
  const G = gram(U, k);
  const z = firstMomentWeights(V, U, G, d, k, moments.m1);
  const homogeneous = activationFamily(act) === 'homogeneous';
  const r = homogeneous ? secondMomentWeights(V, U, G, d, k, moments.p2) : undefined;
  if (!z || (homogeneous && !r)) throw new Error('tensor initialisation: the recovered components are linearly dependent');
  const { v, scale, clamped } = homogeneous ? homogeneousMagnitudesAndSigns(act, z, r!, options.matlabMagnitude) : centredOddMagnitudesAndSigns(act, z, moments.m0);
  const W = new Float64Array(k * d);
  for (let i = 0; i < k; i++)
    for (let p = 0; p < d; p++) {
      let u = 0;
      for (let a = 0; a < k; a++) u += V[p * k + a] * U[i * k + a];
      W[i * d + p] = scale[i] * u;
    }
  return { W, v, V, decomposition, clamped };
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
  if (!(k >= 1 && k <= d)) throw new RangeError(`tensor initialisation needs 1 ≤ k ≤ d (got k = ${k}, d = ${d})`);
  const spec = momentSpec(act, d, options.seed ?? 0);
  return tensorInitFromMoments(
    act,
    { d, k, m0: empiricalM0(y), m1: empiricalM1(X, y, n, d), p2: empiricalP2(X, y, n, d, spec), r3: (V) => empiricalR3(X, y, n, d, V, k, spec) },
    options,
  );
}
