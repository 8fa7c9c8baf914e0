/**
 * The moments of Zhong et al. (2017) Def. 5.1 and Claim 5.2 for y = Σᵢ vᵢ φ(wᵢᵀx), x ~ N(0, I_d):
 * the constants m_{j}(σ) from Gaussian moments of φ, the empirical moments over a sample in the
 * form Algorithm 1 needs them (M̂₁ ∈ R^d, M̂₂ ∈ R^{d×d}, and P̂₃ projected to a k-dim subspace V as a
 * k×k×k tensor R̂₃ = P̂₃(V, V, V)), and the same quantities exactly from a known (W, v).
 * Spec: /work/shared/specs/remaining-papers.md §B.2. Two families of φ: the positively homogeneous
 * (ReLU, leaky ReLU, squared ReLU: m_j(σ) = σ^{p_h} m_j(1)) and the centred-odd (sigmoid, tanh,
 * erf: φ − φ(0) odd, so every even moment M₂, M₄ vanishes and m₁(σ) is not a power of σ).
 *
 * Layouts: X is n×d row-major; W is k×d (row i = wᵢ, the Teacher.w layout); V is d×k row-major with
 * orthonormal columns; tensors are k×k×k with index (a·k + b)·k + c.
 */
import { type Activation, LEAKY_SLOPE, activate, activateDerivative } from './model.ts';

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * γ_j(1) = E_{z~N(0,1)}[φ(z) z^j], j = 0…4, in closed form for the positively homogeneous
 * activations (spec §B.2 table; leaky ReLU = (1 − s)·ReLU + s·z, so its γ_j add s·E[z^{j+1}]).
 */
const GAMMA_AT_ONE: Partial<Record<Activation, readonly number[]>> = {
  'squared-relu': [1 / 2, 2 * INV_SQRT_2PI, 3 / 2, 8 * INV_SQRT_2PI, 15 / 2],
  relu: [INV_SQRT_2PI, 1 / 2, 2 * INV_SQRT_2PI, 3 / 2, 8 * INV_SQRT_2PI],
  'leaky-relu': [0, 1, 0, 3, 0].map(
    (zMoment, j) => (1 - LEAKY_SLOPE) * [INV_SQRT_2PI, 1 / 2, 2 * INV_SQRT_2PI, 3 / 2, 8 * INV_SQRT_2PI][j] + LEAKY_SLOPE * zMoment,
  ),
};

/** Degree p_h of positive homogeneity, φ(σz) = σ^{p_h} φ(z) for σ > 0; undefined when φ is not homogeneous. */
export function homogeneityDegree(act: Activation): number | undefined {
  return act === 'squared-relu' ? 2 : act === 'relu' || act === 'leaky-relu' ? 1 : undefined;
}

/**
 * E_{z~N(0,1)}[f(z)] by composite Simpson on [−12, 12] (the Gaussian tail beyond is < 1e-31),
 * 4800 panels: for the smooth activations (sigmoid, tanh, erf) and their derivatives the error is
 * far below the sampling error of any moment it is compared with.
 */
function gaussianExpectation(f: (z: number) => number): number {
  const panels = 4800;
  const h = 24 / panels;
  let s = 0;
  for (let t = 0; t <= panels; t++) {
    const z = -12 + t * h;
    const g = f(z) * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    s += (t === 0 || t === panels ? 1 : t % 2 === 1 ? 4 : 2) * g;
  }
  return (s * h) / 3;
}

/**
 * γ_j(σ) = E[φ(σz) z^j]. Homogeneous φ: σ^{p_h}·γ_j(1) in closed form; sigmoid, tanh and erf by
 * quadrature (gaussianExpectation).
 */
export function gaussianGamma(act: Activation, sigma: number, j: number): number {
  const g = GAMMA_AT_ONE[act];
  if (g) return sigma ** homogeneityDegree(act)! * g[j];
  return gaussianExpectation((z) => activate(act, sigma * z) * z ** j);
}

/** m_j(σ) for j = 1…4 (index 0 unused): γ₁, γ₂ − γ₀, γ₃ − 3γ₁, γ₄ + 3γ₀ − 6γ₂ (Def. 5.1). */
export function momentConstants(act: Activation, sigma: number): [number, number, number, number, number] {
  const g = [0, 1, 2, 3, 4].map((j) => gaussianGamma(act, sigma, j));
  return [0, g[1], g[2] - g[0], g[3] - 3 * g[1], g[4] + 3 * g[0] - 6 * g[2]];
}

/** Relative size below which an m_j(1) counts as zero when choosing j₂, j₃ (they are exactly 0 or O(0.1)). */
const ZERO_MOMENT = 1e-9;

/**
 * The moment orders of Def. 5.4 for φ: j₂ = min{j ≥ 2 | M_j ≠ 0}, j₃ = min{j ≥ 3 | M_j ≠ 0},
 * read from m_j(1): for homogeneous φ the zero pattern is the same at every σ; for centred-odd φ
 * m₂ and m₄ vanish at every σ (quadrature leaves ~1e-15) and m₃(σ) < 0 for all σ > 0 (m₃ =
 * σ³E[φ‴(σz)]; the tests check its sign on a grid), so j₂ = j₃ = 3. Only j ≤ 4 is available
 * here; an activation needing more throws.
 */
export function momentOrders(act: Activation): { j2: number; j3: number } {
  const m = momentConstants(act, 1);
  const first = (from: number): number => {
    for (let j = from; j <= 4; j++) if (Math.abs(m[j]) > ZERO_MOMENT) return j;
    throw new RangeError(`activation ${act}: M_${from}…M_4 all vanish; higher moments are not implemented`);
  };
  return { j2: first(2), j3: first(3) };
}

/**
 * The two families Algorithm 1 has a derivation for (tensor-init.ts): 'homogeneous', φ(σz) =
 * σ^{p_h}φ(z); 'centred-odd', φ(−z) = 2φ(0) − φ(z). A switch over every activation, so that a
 * new one fails to compile here until its family is decided.
 */
export function activationFamily(act: Activation): 'homogeneous' | 'centred-odd' {
  switch (act) {
    case 'relu':
    case 'leaky-relu':
    case 'squared-relu':
      return 'homogeneous';
    case 'sigmoid':
    case 'tanh':
    case 'erf':
      return 'centred-odd';
  }
}

/**
 * Largest ‖wᵢ‖ read from m₁ for a centred-odd φ. m₁ rises to its supremum (φ(∞) − φ(0))·√(2/π)
 * like sup − O(1/σ²); at σ = 20 it is within 0.5% of it for sigmoid, tanh and erf, so no moment
 * estimate resolves a larger norm and φ(wᵀx) is there a step function in all but a 1/σ band.
 */
export const MAX_FIRST_MOMENT_NORM = 20;

/** dm₁/dσ = E[φ'(σz) z²] (γ₁ differentiated under the integral): > 0 for increasing φ. */
export function firstMomentSlope(act: Activation, sigma: number): number {
  return gaussianExpectation((z) => activateDerivative(act, sigma * z) * z * z);
}

/**
 * The σ ≥ 0 with m₁(σ) = target for a centred-odd φ (m₁(0) = 0). Newton from σ = 0: m₁ is
 * increasing (firstMomentSlope > 0) and concave (m₁'' = E[φ''(σz) z³] ≤ 0, as φ' is even and
 * falls with |u| for sigmoid, tanh and erf, so φ''(u) has the sign of −u), so every tangent step
 * from the left of the root lands between the iterate and the root: the iterates rise to it
 * monotonically, quadratically at the end. A target at or beyond m₁(MAX_FIRST_MOMENT_NORM) has no
 * resolvable root (sample noise can put |zᵢ| past the supremum itself): the norm is clamped to
 * the cap and flagged, never extrapolated.
 */
export function invertFirstMoment(act: Activation, target: number): { norm: number; clamped: boolean } {
  if (activationFamily(act) !== 'centred-odd') throw new RangeError(`invertFirstMoment: ${act} is homogeneous; its m₁ inverts in closed form`);
  if (!(target > 0)) return { norm: 0, clamped: false };
  if (target >= gaussianGamma(act, MAX_FIRST_MOMENT_NORM, 1)) return { norm: MAX_FIRST_MOMENT_NORM, clamped: true };
  let sigma = 0;
  for (let it = 0; it < 200; it++) {
    const step = (target - gaussianGamma(act, sigma, 1)) / firstMomentSlope(act, sigma);
    sigma += step;
    // A step of 1e-12·σ leaves an error ~1e-24·σ after it (quadratic); the quadrature's rounding
    // (~1e-14 relative) keeps later steps from shrinking much further.
    if (Math.abs(step) <= 1e-12 * sigma) return { norm: sigma, clamped: false };
  }
  throw new Error(`invertFirstMoment: Newton did not converge for ${act}, m₁ = ${target}`);
}

/** Which contraction R̂₃ uses: P₃ = M₃ (j₃ = 3) needs no α; P₃ = M₄(I, I, I, α) (j₃ = 4) does. */
export interface ThirdMomentSpec {
  j3: 3 | 4;
  /** α ∈ R^d, required when j3 = 4. */
  alpha?: Float64Array;
}

/** Both contractions of Def. 5.4: P₂ = M₂ (j₂ = 2) or M₃(I, I, α) (j₂ = 3), and R̂₃'s; α where either needs it. */
export interface MomentSpec extends ThirdMomentSpec {
  j2: 2 | 3;
}

/** y_t = Σᵢ vᵢ φ(wᵢᵀx_t) for the n rows of X. */
export function zhongLabels(act: Activation, W: Float64Array, v: Float64Array, X: Float64Array, n: number, d: number): Float64Array {
  const k = v.length;
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let i = 0; i < k; i++) {
      let z = 0;
      for (let p = 0; p < d; p++) z += W[i * d + p] * X[t * d + p];
      s += v[i] * activate(act, z);
    }
    y[t] = s;
  }
  return y;
}

/** M̂₁ = (1/n) Σ y x. */
export function empiricalM1(X: Float64Array, y: Float64Array, n: number, d: number): Float64Array {
  const m = new Float64Array(d);
  for (let t = 0; t < n; t++) for (let p = 0; p < d; p++) m[p] += y[t] * X[t * d + p];
  for (let p = 0; p < d; p++) m[p] /= n;
  return m;
}

/** M̂₂ = (1/n) Σ y (x xᵀ − I), d×d symmetric (P̂₂ of Algorithm 1 for j₂ = 2). */
export function empiricalM2(X: Float64Array, y: Float64Array, n: number, d: number): Float64Array {
  const M = new Float64Array(d * d);
  let ybar = 0;
  for (let t = 0; t < n; t++) {
    const yt = y[t];
    ybar += yt;
    const o = t * d;
    for (let p = 0; p < d; p++) {
      const yp = yt * X[o + p];
      for (let q = p; q < d; q++) M[p * d + q] += yp * X[o + q];
    }
  }
  for (let p = 0; p < d; p++)
    for (let q = p; q < d; q++) {
      const value = (M[p * d + q] - (p === q ? ybar : 0)) / n;
      M[p * d + q] = value;
      M[q * d + p] = value;
    }
  return M;
}

/** ȳ = (1/n) Σ y, the estimate of M₀ = E[y] = Σᵢ vᵢ γ₀(‖wᵢ‖). */
export function empiricalM0(y: Float64Array): number {
  let s = 0;
  for (const yt of y) s += yt;
  return s / y.length;
}

/**
 * M̂₃(I, I, α) = (1/n) Σ y [t x xᵀ − x αᵀ − α xᵀ − t I], t = αᵀx: M₃'s Hermite tensor
 * x^{⊗3} − x ⊗̃ I contracted with α in its third slot, d×d symmetric (P̂₂ for j₂ = 3).
 */
export function empiricalM3Alpha(X: Float64Array, y: Float64Array, n: number, d: number, alpha: Float64Array): Float64Array {
  const M = new Float64Array(d * d);
  const b = new Float64Array(d);
  let c = 0;
  for (let s = 0; s < n; s++) {
    const o = s * d;
    let t = 0;
    for (let p = 0; p < d; p++) t += alpha[p] * X[o + p];
    const yt = y[s] * t;
    c += yt;
    for (let p = 0; p < d; p++) {
      b[p] += y[s] * X[o + p];
      const yp = yt * X[o + p];
      for (let q = p; q < d; q++) M[p * d + q] += yp * X[o + q];
    }
  }
  for (let p = 0; p < d; p++)
    for (let q = p; q < d; q++) {
      const value = (M[p * d + q] - b[p] * alpha[q] - alpha[p] * b[q] - (p === q ? c : 0)) / n;
      M[p * d + q] = value;
      M[q * d + p] = value;
    }
  return M;
}

/** P̂₂ of Def. 5.4 for `spec`: M̂₂ (j₂ = 2) or M̂₃(I, I, α) (j₂ = 3). */
export function empiricalP2(X: Float64Array, y: Float64Array, n: number, d: number, spec: MomentSpec): Float64Array {
  if (spec.j2 === 2) return empiricalM2(X, y, n, d);
  if (!(spec.alpha && spec.alpha.length === d)) throw new RangeError(`P̂₂ with j₂ = 3 needs α of length d = ${d}`);
  return empiricalM3Alpha(X, y, n, d, spec.alpha);
}

/** Vᵀu for V d×k. */
export function projectVector(V: Float64Array, d: number, k: number, u: ArrayLike<number>, offset = 0): Float64Array {
  const z = new Float64Array(k);
  for (let p = 0; p < d; p++) {
    const up = u[offset + p];
    for (let a = 0; a < k; a++) z[a] += V[p * k + a] * up;
  }
  return z;
}

/** Adds c·(e ⊗̃ I_k) = c·Σⱼ [e⊗eⱼ⊗eⱼ + eⱼ⊗e⊗eⱼ + eⱼ⊗eⱼ⊗e] to the k×k×k tensor T. */
function addSymmetrisedIdentity(T: Float64Array, k: number, e: Float64Array, c: number): void {
  for (let a = 0; a < k; a++)
    for (let j = 0; j < k; j++) {
      T[(a * k + j) * k + j] += c * e[a];
      T[(j * k + a) * k + j] += c * e[a];
      T[(j * k + j) * k + a] += c * e[a];
    }
}

/**
 * R̂₃ = P̂₃(V, V, V), k×k×k, with z = Vᵀx (exact because VᵀV = I_k, spec §B.2 step 3):
 *  - j₃ = 3: (1/n) Σ y z^{⊗3} − (VᵀM̂₁) ⊗̃ I_k;
 *  - j₃ = 4: M̂₄(V, V, V, α) with the 4th Hermite tensor (spec's caution: 6 placements of δ, 3
 *    pairings), t = αᵀx, β = Vᵀα:
 *      (1/n) Σ y [t z⊗z⊗z − t (z ⊗̃ I) − Σ_{3 placements} β z z] + ȳ (β ⊗̃ I)
 *    (β ⊗̃ I here is the sum of the 3 pairings I_ab β_c + I_ac β_b + I_bc β_a).
 */
export function empiricalR3(
  X: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  V: Float64Array,
  k: number,
  spec: ThirdMomentSpec,
): Float64Array {
  const T = new Float64Array(k * k * k);
  const alpha = spec.alpha;
  if (spec.j3 === 4 && !(alpha && alpha.length === d)) throw new RangeError(`R̂₃ with j₃ = 4 needs α of length d = ${d}`);
  const mhat = new Float64Array(k);
  const beta = alpha ? projectVector(V, d, k, alpha) : new Float64Array(k);
  let ybar = 0;
  for (let s = 0; s < n; s++) {
    const z = projectVector(V, d, k, X, s * d);
    const ys = y[s];
    ybar += ys;
    let scale = ys;
    if (spec.j3 === 4) {
      let t = 0;
      for (let p = 0; p < d; p++) t += alpha![p] * X[s * d + p];
      scale = ys * t;
      // −y Σ_{3 placements} β z z
      for (let a = 0; a < k; a++)
        for (let b = 0; b < k; b++)
          for (let c = 0; c < k; c++)
            T[(a * k + b) * k + c] -= ys * (beta[a] * z[b] * z[c] + beta[b] * z[a] * z[c] + beta[c] * z[a] * z[b]);
    }
    for (let a = 0; a < k; a++) {
      mhat[a] += scale * z[a];
      for (let b = 0; b < k; b++) {
        const zab = scale * z[a] * z[b];
        for (let c = 0; c < k; c++) T[(a * k + b) * k + c] += zab * z[c];
      }
    }
  }
  for (let i = 0; i < T.length; i++) T[i] /= n;
  for (let a = 0; a < k; a++) mhat[a] /= n;
  // j₃ = 3: mhat = VᵀM̂₁; j₃ = 4: mhat = (1/n) Σ y t z, the coefficient of −(z ⊗̃ I).
  addSymmetrisedIdentity(T, k, mhat, -1);
  if (spec.j3 === 4) addSymmetrisedIdentity(T, k, beta, ybar / n);
  return T;
}

/** ‖wᵢ‖ and w̄ᵢ = wᵢ/‖wᵢ‖ of the rows of W (k×d). */
export function unitRows(W: Float64Array, k: number, d: number): { norms: Float64Array; unit: Float64Array } {
  const norms = new Float64Array(k);
  const unit = new Float64Array(k * d);
  for (let i = 0; i < k; i++) {
    let ss = 0;
    for (let p = 0; p < d; p++) ss += W[i * d + p] ** 2;
    norms[i] = Math.sqrt(ss);
    for (let p = 0; p < d; p++) unit[i * d + p] = W[i * d + p] / norms[i];
  }
  return { norms, unit };
}

/** Exact M₁ = Σᵢ vᵢ m₁(‖wᵢ‖) w̄ᵢ (Claim 5.2). */
export function populationM1(act: Activation, W: Float64Array, v: Float64Array, d: number): Float64Array {
  const k = v.length;
  const { norms, unit } = unitRows(W, k, d);
  const M = new Float64Array(d);
  for (let i = 0; i < k; i++) {
    const c = v[i] * momentConstants(act, norms[i])[1];
    for (let p = 0; p < d; p++) M[p] += c * unit[i * d + p];
  }
  return M;
}

/** Exact M₀ = E[y] = Σᵢ vᵢ γ₀(‖wᵢ‖). */
export function populationM0(act: Activation, W: Float64Array, v: Float64Array, d: number): number {
  const { norms } = unitRows(W, v.length, d);
  return v.reduce((s, vi, i) => s + vi * gaussianGamma(act, norms[i], 0), 0);
}

/** Exact M₂ = Σᵢ vᵢ m₂(‖wᵢ‖) w̄ᵢ w̄ᵢᵀ (Claim 5.2), d×d. */
export function populationM2(act: Activation, W: Float64Array, v: Float64Array, d: number): Float64Array {
  return populationP2(act, W, v, d, { j2: 2 });
}

/** Exact P₂ = Σᵢ vᵢ m_{j₂}(‖wᵢ‖) (αᵀw̄ᵢ)^{j₂−2} w̄ᵢ w̄ᵢᵀ (Claim 5.5), d×d. */
export function populationP2(act: Activation, W: Float64Array, v: Float64Array, d: number, spec: Pick<MomentSpec, 'j2' | 'alpha'>): Float64Array {
  const k = v.length;
  const { norms, unit } = unitRows(W, k, d);
  const M = new Float64Array(d * d);
  for (let i = 0; i < k; i++) {
    let c = v[i] * momentConstants(act, norms[i])[spec.j2];
    if (spec.j2 === 3) {
      let dot = 0;
      for (let p = 0; p < d; p++) dot += spec.alpha![p] * unit[i * d + p];
      c *= dot;
    }
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) M[p * d + q] += c * unit[i * d + p] * unit[i * d + q];
  }
  return M;
}

/** Exact R₃ = P₃(V, V, V) = Σᵢ vᵢ m_{j₃}(‖wᵢ‖) (αᵀw̄ᵢ)^{j₃−3} (Vᵀw̄ᵢ)^{⊗3} (Claim 5.5). */
export function populationR3(
  act: Activation,
  W: Float64Array,
  v: Float64Array,
  d: number,
  V: Float64Array,
  spec: ThirdMomentSpec,
): Float64Array {
  const k = v.length;
  const kv = V.length / d;
  const { norms, unit } = unitRows(W, k, d);
  const T = new Float64Array(kv * kv * kv);
  for (let i = 0; i < k; i++) {
    let c = v[i] * momentConstants(act, norms[i])[spec.j3];
    if (spec.j3 === 4) {
      let dot = 0;
      for (let p = 0; p < d; p++) dot += spec.alpha![p] * unit[i * d + p];
      c *= dot;
    }
    const u = projectVector(V, d, kv, unit, i * d);
    for (let a = 0; a < kv; a++) for (let b = 0; b < kv; b++) for (let e = 0; e < kv; e++) T[(a * kv + b) * kv + e] += c * u[a] * u[b] * u[e];
  }
  return T;
}
