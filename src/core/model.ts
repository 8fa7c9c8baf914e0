/**
 * The model family: a one-hidden-layer net with F filters of size m, shared over the K patches
 * of an input of length d taken with stride s (K = (d − m)/s + 1; s = m means no overlap),
 * activation σ and output
 *
 *     f(x) = Σ_{j<F} Σ_{i<K} a[j·K + i] · σ(w_jᵀ x[s·i .. s·i + m − 1]).
 *
 * Brutzkus & Globerson: F = 1, a fixed to 1/K. Du et al.: F = 1, a learned, w = v/‖v‖.
 * Zhong et al.: K = 1 (m = d), F = k filters, a fixed to the teacher's signs, learned, or learned
 * and projected to signs after every step (their Fig. 1(c) approach (II), output 'sign').
 *
 * The output layer (ModelSpec.output):
 * - 'learned': a is a parameter like the filters, updated by the optimiser;
 * - 'fixed': a is the experiment's fixed layer (default 1/K, average pooling), never updated;
 * - 'sign': a is trained but lives on {−1, +1}: at initialisation a ← sign(a) after whatever the
 *   init kind drew, and after every update a ← sign(a − step) (GD and AdaGrad alike; AdaGrad's
 *   accumulator still sums g²), as Zhong et al.'s Matlab (diff_initial_grad.m) does. sign(0) is
 *   our choice, not Matlab's (whose sign(0) = 0 would silence a unit for good): an update that
 *   lands exactly on 0 keeps the entry's previous sign, and a drawn 0 at initialisation becomes
 *   +1 (src/core/sign-output.ts). Since a is then not a continuous parameter, the outcome rule's
 *   gradient test and the catalogue's polish treat it as fixed at the row's own signs.
 *
 * Parameter layout of one restart (the row of the [R, P] buffer, identical on CPU and GPU):
 *     [ v_0 (m) | v_1 (m) | … | v_{F−1} (m) | a (F·K, filter-major) | extra ],   P = F·m + F·K + E,
 * where `extra` is Kawaguchi & Kaelbling's extra exponential neuron when the model has one
 * (ModelSpec.extra, src/core/extra-neuron.ts): [a_e, b_e, w_e (d)], E = d + 2; else E = 0. It comes
 * after the base row so that the same seed draws the same base parameters with and without it.
 * With weight normalisation the stored v is the raw vector and the filter is w = v/‖v‖; without,
 * w = v. A fixed output layer still lives in the row (so one layout serves every model) and is
 * simply never updated.
 */

export const ACTIVATIONS = ['relu', 'leaky-relu', 'squared-relu', 'sigmoid', 'tanh', 'erf'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** Activation codes; the kernels name them ACT_RELU, … (host/contract.ts injects them; shaders/lib/activation.wgsl). */
export const ACTIVATION_CODE: Record<Activation, number> = {
  relu: 0,
  'leaky-relu': 1,
  'squared-relu': 2,
  sigmoid: 3,
  tanh: 4,
  erf: 5,
};

/** The output layers (the module comment says what each does). */
export const OUTPUT_LAYERS = ['learned', 'fixed', 'sign'] as const;
export type OutputLayer = (typeof OUTPUT_LAYERS)[number];

/** Whether the optimiser updates a: 'learned' and 'sign' (which then projects it), not 'fixed'. */
export function trainsOutput(model: Pick<ModelSpec, 'output'>): boolean {
  return model.output !== 'fixed';
}

/** Slope of the leaky ReLU on the negative side (fixed so that CPU and GPU agree). */
export const LEAKY_SLOPE = 0.01;

export interface ModelSpec {
  /** Input length d. */
  d: number;
  /** Filter size m (patch length). */
  m: number;
  /** Stride s between patches; s = m is the non-overlapping case. */
  stride: number;
  /** Number of filters F. */
  filters: number;
  activation: Activation;
  /** Learned output layer (Du et al.), fixed (Brutzkus & Globerson: average pooling), or learned on signs (Zhong et al. Fig. 1(c)). */
  output: OutputLayer;
  /** w = v/‖v‖ (Salimans & Kingma weight normalisation, as in Du et al.). */
  weightNorm: boolean;
  /** Kawaguchi & Kaelbling's extra neuron a_e·exp(w_eᵀx + b_e) on the whole input, with λ‖a_e‖² (src/core/extra-neuron.ts). */
  extra?: ExtraNeuronSpec;
}

/**
 * The extra exponential neuron (Kawaguchi & Kaelbling 2020): f̃(x) = f(x) + a_e·exp(w_eᵀx + b_e),
 * and the loss gains (λ/2)·a_e² — the paper's L̃ = mean ℓ + λ‖a‖² halved, as the engine's ½-mean
 * squared loss halves the paper's (so λ here is the paper's λ).
 */
export interface ExtraNeuronSpec {
  /** λ ≥ 0 of the regulariser (λ/2)·a_e². */
  lambda: number;
  /** Initialisation: a_e ~ N(0, aStd²), w_e ~ N(0, wStd²) entrywise, b_e = b; default all 0 (f̃ = f at step 0). */
  init?: { aStd: number; wStd: number; b: number };
}

/** A teacher network of the same family: it labels the data. */
export interface Teacher {
  /** Filters, F*·m, filter-major. Not normalised (its norm matters for the loss). */
  w: Float64Array;
  /** Output weights, F*·K, filter-major. */
  a: Float64Array;
  /** Number of teacher filters F* (may differ from the student's F). */
  filters: number;
}

/** Derived sizes of a model. */
export interface Shape {
  d: number;
  m: number;
  s: number;
  F: number;
  K: number;
  /** Parameters per restart: F·m + F·K + E. */
  P: number;
  /** Offset of a in the parameter row. */
  aOffset: number;
  /** Offset of the extra neuron [a_e, b_e, w_e] in the row: the end of the base row, F·m + F·K. */
  eOffset: number;
  /** Extra parameters: d + 2 with the extra neuron, else 0. */
  E: number;
}

export function patchCount(d: number, m: number, stride: number): number {
  return (d - m) / stride + 1;
}

export function shapeOf(model: ModelSpec): Shape {
  const K = patchCount(model.d, model.m, model.stride);
  const F = model.filters;
  const eOffset = F * model.m + F * K;
  const E = model.extra ? model.d + 2 : 0;
  return { d: model.d, m: model.m, s: model.stride, F, K, P: eOffset + E, aOffset: F * model.m, eOffset, E };
}

/** σ(z). */
export function activate(act: Activation, z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'leaky-relu':
      return z > 0 ? z : LEAKY_SLOPE * z;
    case 'squared-relu':
      return z > 0 ? z * z : 0;
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'tanh':
      return Math.tanh(z);
    case 'erf':
      return erf(z);
  }
}

/** σ'(z); at the ReLU kink we take the derivative from the left (0), as the kernels do. */
export function activateDerivative(act: Activation, z: number): number {
  switch (act) {
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'leaky-relu':
      return z > 0 ? 1 : LEAKY_SLOPE;
    case 'squared-relu':
      return z > 0 ? 2 * z : 0;
    case 'sigmoid': {
      const e = 1 / (1 + Math.exp(-z));
      return e * (1 - e);
    }
    case 'tanh': {
      const t = Math.tanh(z);
      return 1 - t * t;
    }
    case 'erf':
      return TWO_OVER_SQRT_PI * Math.exp(-z * z);
  }
}

/** σ''(z) (0 away from the kinks of the piecewise activations; what Price's theorem needs). */
export function activateSecondDerivative(act: Activation, z: number): number {
  switch (act) {
    case 'relu':
    case 'leaky-relu':
      return 0;
    case 'squared-relu':
      return z > 0 ? 2 : 0;
    case 'sigmoid': {
      const e = 1 / (1 + Math.exp(-z));
      return e * (1 - e) * (1 - 2 * e);
    }
    case 'tanh': {
      const t = Math.tanh(z);
      return -2 * t * (1 - t * t);
    }
    case 'erf':
      return -2 * z * TWO_OVER_SQRT_PI * Math.exp(-z * z);
  }
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf in f64 (JavaScript has none): the Maclaurin series for |z| < 2.5 (terms ≤ e^{6.25}, so
 * ≈ 1e-14 absolute after cancellation) and the continued fraction of erfc beyond (60 levels,
 * converged to f64 for z ≥ 2.5). Tested against tabulated values in tests/unit/gaussian-quadrature.test.ts.
 */
export function erf(z: number): number {
  const x = Math.abs(z);
  if (Number.isNaN(z)) return NaN;
  let r: number;
  if (x < 2.5) {
    let term = x;
    let acc = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      acc += add;
      if (Math.abs(add) < 1e-17 * Math.abs(acc)) break;
    }
    r = TWO_OVER_SQRT_PI * acc;
  } else {
    // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
    let f = x;
    for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
    r = 1 - Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
  }
  return z < 0 ? -r : r;
}

/** The effective filters w_j (normalised when weightNorm), F·m, from a parameter row. */
export function effectiveFilters(model: ModelSpec, params: ArrayLike<number>): Float64Array {
  const { F, m } = shapeOf(model);
  const w = new Float64Array(F * m);
  for (let j = 0; j < F; j++) {
    let norm = 1;
    if (model.weightNorm) {
      let ss = 0;
      for (let t = 0; t < m; t++) ss += params[j * m + t] ** 2;
      norm = Math.sqrt(ss);
    }
    for (let t = 0; t < m; t++) w[j * m + t] = params[j * m + t] / norm;
  }
  return w;
}

/**
 * The network output for one input x (length d), given effective filters w (F·m) and output
 * weights a (F·K). Used for the teacher's labels and by the empirical loss.
 */
export function forward(
  act: Activation,
  shape: Pick<Shape, 'm' | 's' | 'K'>,
  filters: number,
  w: ArrayLike<number>,
  a: ArrayLike<number>,
  x: ArrayLike<number>,
  xOffset = 0,
): number {
  const { m, s, K } = shape;
  let f = 0;
  for (let j = 0; j < filters; j++) {
    for (let i = 0; i < K; i++) {
      let z = 0;
      for (let t = 0; t < m; t++) z += w[j * m + t] * x[xOffset + s * i + t];
      f += a[j * K + i] * activate(act, z);
    }
  }
  return f;
}

/** The teacher's label for input x. */
export function teacherOutput(model: ModelSpec, teacher: Teacher, x: ArrayLike<number>, xOffset = 0): number {
  return forward(model.activation, shapeOf(model), teacher.filters, teacher.w, teacher.a, x, xOffset);
}

/** Angle in [0, π] between two vectors (π/2 when either is zero). */
export function angleBetween(u: ArrayLike<number>, v: ArrayLike<number>, n = u.length): number {
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let t = 0; t < n; t++) {
    uv += u[t] * v[t];
    uu += u[t] * u[t];
    vv += v[t] * v[t];
  }
  if (uu === 0 || vv === 0) return Math.PI / 2;
  const c = uv / Math.sqrt(uu * vv);
  return Math.acos(Math.min(1, Math.max(-1, c)));
}
