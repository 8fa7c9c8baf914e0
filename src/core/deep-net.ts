/**
 * Deep fully connected ReLU nets in the setting of Allen-Zhu, Li & Song (2019), §2
 * (/work/shared/specs/remaining-papers.md §C.1): for an input x ∈ R^𝔡,
 *
 *     g₀ = A x,        h₀ = φ(g₀),
 *     g_ℓ = W_ℓ h_{ℓ−1}, h_ℓ = φ(g_ℓ)   (ℓ = 1 … L),
 *     y = B h_L,
 *
 * A ∈ R^{m×𝔡}, W_ℓ ∈ R^{m×m}, B ∈ R^{d×m}, φ = ReLU, no biases (the data's 1/√2 coordinate is the
 * bias). Loss F = Σᵢ ½‖B h_{i,L} − yᵢ*‖² — summed over samples, not averaged, as the paper's.
 * Init (Def. 2.3; the paper's N(0, σ) has σ the variance): A, W_ℓ entries N(0, 2/m), B entries
 * N(0, 1/d). The paper trains W₁ … W_L only; `train: 'all'` trains A and B too (its remark that
 * the techniques extend to joint training).
 *
 * Parameter layout of one restart (the row of an [R, P] buffer, the same on CPU and GPU):
 *     [ A (m×𝔡, row-major) | W₁ (m×m) | … | W_L (m×m) | B (d×m) ],   P = m𝔡 + Lm² + dm.
 * Frozen layers live in the row too and are never updated, so one layout serves both options.
 * With Kawaguchi & Kaelbling's extra neuron (`extra`: one a_o·exp(w_oᵀx + b_o) per output o on the
 * whole input, src/core/extra-neuron.ts) the row goes on with [ a (d) | b (d) | W_e (d×𝔡) ],
 * always trained, initialised at 0 (so f̃ = f at step 0 and the base row is drawn as without it),
 * and F gains (n·λ/2)‖a‖² — the paper's L̃ = mean ℓ + λ‖a‖² in F's units (F = (n/2)·mean ℓ).
 * The init draws entry p of the row from normal(seed, restart, STREAM.init, p): a restart is
 * reproducible, and restart r of two runs with the same (𝔡, m, L, d) starts from the same net.
 */
import { STREAM, STREAMS_PER_STEP, normal, uniformInt } from './rng.ts';
import { EXTRA_Z_MAX } from './extra-neuron.ts';

export const DEEP_TRAINED = ['hidden', 'all'] as const;
export type DeepTrained = (typeof DEEP_TRAINED)[number];

export interface DeepNetSpec {
  /** Input dimension 𝔡 (the data's, including the 1/√2 coordinate). */
  inputDim: number;
  /** Number L ≥ 1 of trained hidden m×m layers (the net has L + 1 ReLU layers). */
  L: number;
  /** Width m. */
  m: number;
  /** Output dimension d ≥ 1. */
  outDim: number;
  /** 'hidden': W₁ … W_L only (the paper); 'all': A, W⃗ and B jointly. */
  train: DeepTrained;
  /** Kawaguchi & Kaelbling's extra neuron per output, with the regulariser's λ (the paper's). */
  extra?: { lambda: number };
}

/** Where each layer lives in the row. */
export interface DeepLayout {
  /** Offset of A, of W_ℓ (index ℓ − 1) and of B. */
  a: number;
  w: number[];
  b: number;
  /** Offset of the extra neurons [a (d) | b (d) | W_e (d×𝔡)], the end of the base row (= P without them). */
  e: number;
  /** Row length P. */
  P: number;
}

/** Check a spec, naming the field that is wrong. */
export function validateDeepNet(spec: DeepNetSpec): void {
  const ints: [keyof DeepNetSpec, number][] = [['inputDim', 1], ['L', 1], ['m', 1], ['outDim', 1]];
  for (const [k, min] of ints) {
    const v = spec[k] as number;
    if (!Number.isInteger(v) || v < min) throw new Error(`deep net: ${k} must be an integer ≥ ${min}, got ${v}`);
  }
  if (!DEEP_TRAINED.includes(spec.train)) throw new Error(`deep net: train must be one of ${DEEP_TRAINED.join(', ')}, got ${spec.train}`);
  if (spec.extra !== undefined && !(Number.isFinite(spec.extra.lambda) && spec.extra.lambda >= 0)) {
    throw new Error(`deep net: extra.lambda must be a finite number ≥ 0, got ${spec.extra.lambda}`);
  }
}

export function deepLayout(spec: DeepNetSpec): DeepLayout {
  const { inputDim: D, L, m, outDim: d } = spec;
  const w = Array.from({ length: L }, (_, l) => m * D + l * m * m);
  const b = m * D + L * m * m;
  const e = b + d * m;
  return { a: 0, w, b, e, P: e + (spec.extra ? d * (2 + D) : 0) };
}

/** Index ranges [start, end) of the row that GD updates. */
export function trainedRanges(spec: DeepNetSpec): [number, number][] {
  const lay = deepLayout(spec);
  const base: [number, number][] = spec.train === 'all' ? [[0, lay.e]] : [[lay.w[0]!, lay.b]];
  return lay.e < lay.P ? [...base, [lay.e, lay.P]] : base;
}

/** Def. 2.3 init of restart `restart` (f64). */
export function initDeepNet(spec: DeepNetSpec, seed: number, restart: number): Float64Array {
  validateDeepNet(spec);
  const lay = deepLayout(spec);
  const theta = new Float64Array(lay.P);
  const sHidden = Math.sqrt(2 / spec.m);
  const sOut = Math.sqrt(1 / spec.outDim);
  for (let p = 0; p < lay.e; p++) theta[p] = (p < lay.b ? sHidden : sOut) * normal(seed, restart, STREAM.init, p);
  return theta;
}

/** One sample's forward pass: pre-activations g_ℓ (ℓ = 0 … L, each m long) and the output. */
export interface DeepForward {
  /** g[ℓ·m + k] = (g_ℓ)_k. */
  g: Float64Array;
  /** y = B h_L (d long), plus the extra neurons' a_o·e^{z_o} when the net has them. */
  y: Float64Array;
  /** e^{z_o} of the extra neurons (absent without them), and whether an exponent passed EXTRA_Z_MAX. */
  ez?: Float64Array;
  clamped?: boolean;
}

const relu = (v: number) => (v > 0 ? v : 0);

/** Forward pass of one input x (𝔡 long). */
export function deepForward(spec: DeepNetSpec, theta: Float64Array, x: ArrayLike<number>): DeepForward {
  const { inputDim: D, L, m, outDim: d } = spec;
  const lay = deepLayout(spec);
  const g = new Float64Array((L + 1) * m);
  for (let k = 0; k < m; k++) {
    let s = 0;
    for (let c = 0; c < D; c++) s += theta[lay.a + k * D + c]! * x[c]!;
    g[k] = s;
  }
  for (let l = 1; l <= L; l++) {
    const W = lay.w[l - 1]!;
    for (let k = 0; k < m; k++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += theta[W + k * m + j]! * relu(g[(l - 1) * m + j]!);
      g[l * m + k] = s;
    }
  }
  const y = new Float64Array(d);
  for (let o = 0; o < d; o++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += theta[lay.b + o * m + j]! * relu(g[L * m + j]!);
    y[o] = s;
  }
  let ez: Float64Array | undefined;
  let clamped = false;
  if (spec.extra) {
    // a_o·exp(min(z_o, EXTRA_Z_MAX)): where the clamp binds the loss is NaN (extra-neuron.ts).
    ez = new Float64Array(d);
    for (let o = 0; o < d; o++) {
      let z = theta[lay.e + d + o]!;
      for (let c = 0; c < D; c++) z += theta[lay.e + 2 * d + o * D + c]! * x[c]!;
      clamped ||= z > EXTRA_Z_MAX;
      ez[o] = Math.exp(Math.min(z, EXTRA_Z_MAX));
      y[o] += theta[lay.e + o]! * ez[o];
    }
  }
  return { g, y, ez, clamped };
}

/**
 * The data a net is trained on: n inputs of length 𝔡 (row-major X) and n·d targets (row-major Y).
 * A Dataset (src/core/dataset.ts) with d = 1 passes as { n, X, Y: y }.
 */
export interface DeepData {
  n: number;
  X: Float64Array;
  Y: Float64Array;
}

/**
 * F over the samples `idx` (all when absent), and, with `grad`, its gradient with respect to every
 * parameter of the row (frozen layers included: the caller masks). Backprop of Fact 2.6:
 * e = B h_L − y*, δ_L = D_L Bᵀ e, δ_{ℓ−1} = D_{ℓ−1} W_ℓᵀ δ_ℓ; ∇W_ℓ += δ_ℓ h_{ℓ−1}ᵀ, ∇A += δ₀ xᵀ,
 * ∇B += e h_Lᵀ, with D the indicator 1[g ≥ 0] (the paper's; φ′ at 0 never matters in f64).
 */
export function deepLossGrad(
  spec: DeepNetSpec,
  theta: Float64Array,
  data: DeepData,
  grad?: Float64Array,
  idx?: ArrayLike<number>,
): number {
  const { inputDim: D, L, m, outDim: d } = spec;
  const lay = deepLayout(spec);
  if (grad) grad.fill(0);
  const count = idx ? idx.length : data.n;
  let F = 0;
  let clampedAny = false;
  const delta = new Float64Array(m);
  const prev = new Float64Array(m);
  const e = new Float64Array(d);
  for (let q = 0; q < count; q++) {
    const i = idx ? idx[q]! : q;
    const x = data.X.subarray(i * D, i * D + D);
    const { g, y, ez, clamped } = deepForward(spec, theta, x);
    clampedAny ||= clamped === true;
    for (let o = 0; o < d; o++) {
      e[o] = y[o]! - data.Y[i * d + o]!;
      F += 0.5 * e[o]! * e[o]!;
    }
    if (!grad) continue;
    if (ez) {
      // ∂/∂a_o = e_o·e^{z_o}, ∂/∂b_o = e_o·a_o·e^{z_o}, ∂/∂W_e[o] = that times x.
      for (let o = 0; o < d; o++) {
        grad[lay.e + o]! += e[o]! * ez[o]!;
        const r = e[o]! * theta[lay.e + o]! * ez[o]!;
        grad[lay.e + d + o]! += r;
        if (r !== 0) for (let c = 0; c < D; c++) grad[lay.e + 2 * d + o * D + c]! += r * x[c]!;
      }
    }
    const hL = L * m;
    for (let o = 0; o < d; o++) for (let j = 0; j < m; j++) grad[lay.b + o * m + j]! += e[o]! * relu(g[hL + j]!);
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let o = 0; o < d; o++) s += theta[lay.b + o * m + j]! * e[o]!;
      delta[j] = g[hL + j]! >= 0 ? s : 0;
    }
    for (let l = L; l >= 1; l--) {
      const W = lay.w[l - 1]!;
      const hPrev = (l - 1) * m;
      for (let k = 0; k < m; k++) {
        const dk = delta[k]!;
        if (dk === 0) continue;
        for (let j = 0; j < m; j++) grad[W + k * m + j]! += dk * relu(g[hPrev + j]!);
      }
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += theta[W + k * m + j]! * delta[k]!;
        prev[j] = g[hPrev + j]! >= 0 ? s : 0;
      }
      delta.set(prev);
    }
    for (let k = 0; k < m; k++) for (let c = 0; c < D; c++) grad[lay.a + k * D + c]! += delta[k]! * x[c]!;
  }
  if (spec.extra) {
    if (clampedAny) return NaN;
    // (n·λ/2)‖a‖² over the whole data (a minibatch's share: its count), so that n/b scaling stays unbiased.
    const lambda = spec.extra.lambda * count;
    for (let o = 0; o < d; o++) {
      const a = theta[lay.e + o]!;
      F += 0.5 * lambda * a * a;
      if (grad) grad[lay.e + o]! += lambda * a;
    }
  }
  return F;
}

/** θ ← θ − η·grad on the trained ranges only. */
export function applyStep(spec: DeepNetSpec, theta: Float64Array, grad: Float64Array, lr: number, scale = 1): void {
  for (const [s, e] of trainedRanges(spec)) for (let p = s; p < e; p++) theta[p] = theta[p]! - lr * scale * grad[p]!;
}

/** One full-batch GD step on F, in place; returns F before the step. */
export function deepGdStep(spec: DeepNetSpec, theta: Float64Array, data: DeepData, lr: number, grad = new Float64Array(theta.length)): number {
  const F = deepLossGrad(spec, theta, data, grad);
  applyStep(spec, theta, grad, lr);
  return F;
}

/**
 * The minibatch of step t of restart `restart`: b distinct indices of [0, n), uniform without
 * replacement (a partial Fisher–Yates shuffle; draw j is uniformInt(seed, restart,
 * STREAM.sample + STREAMS_PER_STEP·t, j, n − j), the engine's per-step stream convention).
 */
export function deepMinibatch(n: number, b: number, seed: number, restart: number, t: number): Uint32Array {
  if (!Number.isInteger(b) || b < 1 || b > n) throw new Error(`deep net: batch must be an integer in [1, n = ${n}], got ${b}`);
  const perm = Uint32Array.from({ length: n }, (_, i) => i);
  const stream = STREAM.sample + STREAMS_PER_STEP * t;
  for (let j = 0; j < b; j++) {
    const k = j + uniformInt(seed, restart, stream, j, n - j);
    const tmp = perm[j]!;
    perm[j] = perm[k]!;
    perm[k] = tmp;
  }
  return perm.slice(0, b);
}

/**
 * One SGD step (Thm 2): the gradient of the minibatch's summed loss times n/b, an unbiased
 * estimate of ∇F, so the same η means the same expected step as GD. Returns the minibatch's
 * loss times n/b (the estimate of F).
 */
export function deepSgdStep(
  spec: DeepNetSpec,
  theta: Float64Array,
  data: DeepData,
  lr: number,
  batch: number,
  seed: number,
  restart: number,
  t: number,
  grad = new Float64Array(theta.length),
): number {
  const idx = deepMinibatch(data.n, batch, seed, restart, t);
  const scale = data.n / batch;
  const F = deepLossGrad(spec, theta, data, grad, idx);
  applyStep(spec, theta, grad, lr, scale);
  return F * scale;
}

/**
 * Multiply-adds of one full-batch GD step as shaders/deep_step.wgsl does it (for GFLOP/s):
 * forward m𝔡 + Lm² + dm per sample; backward dm (Δ_L), Lm² (the W_ℓ gradients) and (L − 1)m²
 * (propagation to Δ₁); training A and B adds m² (Δ₀), dm (∇B) and m𝔡 (∇A). The extra neurons
 * add d𝔡 forward (their exponents) and d(𝔡 + 2) backward (∇W_e, ∇b, ∇a).
 */
export function deepStepFmas(spec: DeepNetSpec, n: number): number {
  const { inputDim: D, L, m, outDim: d } = spec;
  const extra = spec.extra ? 1 : 0;
  const forward = m * D + L * m * m + d * m + extra * d * D;
  const backward = d * m + (2 * L - 1) * m * m + (spec.train === 'all' ? m * m + d * m + m * D : 0) + extra * d * (D + 2);
  return n * (forward + backward);
}
