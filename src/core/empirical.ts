/**
 * Empirical squared loss L = (1/2n) Σ_s (f(x_s) − y_s)² over a batch of inputs and its gradient
 * with respect to the stored parameter row (v and a, and the extra neuron's a_e, b_e, w_e with
 * its regulariser when the model has one: src/core/extra-neuron.ts), for every activation. This is the CPU
 * mirror of shaders/empirical_step.wgsl: same loop structure (sample → filter → patch), f64.
 *
 * The inputs come from the counter-based RNG (src/core/rng.ts), so the GPU regenerates them bit for
 * bit (up to f32 rounding of the normals) instead of uploading them:
 *   fixed sample:      x_s[c] = normal(seed, SHARED_RESTART, STREAM.sample, s·d + c)
 *   fresh-sample SGD:  x_b[c] = normal(seed, r, STREAM.fresh + 4t, b·d + c)  (restart r, step t)
 *   minibatch indices: s_b   = uniformInt(seed, r, STREAM.index + 4t, b, n)
 * The step t is folded into the stream word (streams use its low two bits), which keeps every
 * index below 2^32 however long a run is.
 */
import type { Activation, ModelSpec, Shape, Teacher } from './model.ts';
import { activate, activateDerivative, forward, shapeOf } from './model.ts';
import { SHARED_RESTART, STREAM, STREAMS_PER_STEP, normal } from './rng.ts';
import { EXTRA_Z_MAX, addExtraGradient, addExtraRegulariser, extraExponent, extraSlots } from './extra-neuron.ts';

export interface EmpiricalEval {
  loss: number;
  grad: Float64Array;
}

/**
 * Draws the fixed sample of n inputs (n·d values, sample-major): the shared one, or under a
 * problem's key (rng.ts problemKey) that problem's own.
 */
export function drawSample(seed: number, n: number, d: number, key = SHARED_RESTART): Float64Array {
  const X = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) X[i] = normal(seed, key, STREAM.sample, i);
  return X;
}

/** Draws restart r's fresh minibatch of B inputs for step t into out (B·d values). */
export function drawFreshBatch(seed: number, restart: number, step: number, B: number, d: number, out: Float64Array): void {
  const stream = (STREAM.fresh + STREAMS_PER_STEP * step) >>> 0;
  for (let i = 0; i < B * d; i++) out[i] = normal(seed, restart, stream, i);
}

/** The teacher's labels for n inputs. */
export function teacherLabels(model: ModelSpec, teacher: Teacher, X: Float64Array, n: number): Float64Array {
  const shape = shapeOf(model);
  const y = new Float64Array(n);
  for (let s = 0; s < n; s++) y[s] = forward(model.activation, shape, teacher.filters, teacher.w, teacher.a, X, s * shape.d);
  return y;
}

/**
 * Loss and gradient over the samples listed in `rows` (indices into X/y; null = all n rows in
 * order). `scratch` avoids allocation in the engine's hot loop.
 */
export function empiricalLossAndGradient(
  model: ModelSpec,
  params: ArrayLike<number>,
  X: Float64Array,
  y: Float64Array,
  rows: ArrayLike<number> | null,
  n: number,
  out?: EmpiricalEval,
): EmpiricalEval {
  const shape = shapeOf(model);
  const { F, K, m, s: stride, d, P, aOffset } = shape;
  const act: Activation = model.activation;
  const result = out ?? { loss: 0, grad: new Float64Array(P) };
  const g = result.grad;
  g.fill(0);
  const extra = model.extra !== undefined;
  const ae = extra ? params[extraSlots(shape).a] : 0;
  let clamped = false;

  // Effective filters (normalised under weight normalisation).
  const w = new Float64Array(F * m);
  const norms = new Float64Array(F);
  for (let j = 0; j < F; j++) {
    let ss = 0;
    for (let t = 0; t < m; t++) ss += params[j * m + t] ** 2;
    norms[j] = model.weightNorm ? Math.sqrt(ss) : 1;
    for (let t = 0; t < m; t++) w[j * m + t] = params[j * m + t] / norms[j];
  }

  const z = new Float64Array(F * K);
  let loss = 0;
  for (let b = 0; b < n; b++) {
    const row = rows ? rows[b] : b;
    const xo = row * d;
    let f = 0;
    for (let j = 0; j < F; j++) {
      for (let i = 0; i < K; i++) {
        let zz = 0;
        for (let t = 0; t < m; t++) zz += w[j * m + t] * X[xo + stride * i + t];
        z[j * K + i] = zz;
        f += params[aOffset + j * K + i] * activate(act, zz);
      }
    }
    let ez = 0;
    if (extra) {
      // exp(min(z, EXTRA_Z_MAX)), and the step's loss NaN where the clamp binds (extra-neuron.ts).
      const ze = extraExponent(params, shape, X, xo);
      clamped ||= ze > EXTRA_Z_MAX;
      ez = Math.exp(Math.min(ze, EXTRA_Z_MAX));
      f += ae * ez;
    }
    const r = f - y[row];
    loss += 0.5 * r * r;
    if (extra) addExtraGradient(params, shape, X, xo, r, ez, g);
    for (let j = 0; j < F; j++) {
      for (let i = 0; i < K; i++) {
        const q = j * K + i;
        g[aOffset + q] += r * activate(act, z[q]);
        const back = r * params[aOffset + q] * activateDerivative(act, z[q]);
        if (back !== 0) for (let t = 0; t < m; t++) g[j * m + t] += back * X[xo + stride * i + t];
      }
    }
  }
  const inv = 1 / n;
  for (let p = 0; p < P; p++) g[p] *= inv;
  result.loss = loss * inv;
  finishGradient(model, shape, w, norms, g);
  if (extra) result.loss = clamped ? NaN : addExtraRegulariser(model, shape, params, result.loss, g);
  return result;
}

/**
 * Turns ∂L/∂w into ∂L/∂v under weight normalisation, ∂L/∂v_j = (I − w_j w_jᵀ)∂L/∂w_j / ‖v_j‖,
 * and zeroes the output layer's gradient when it is fixed. Shared with the population loss.
 */
export function finishGradient(model: ModelSpec, shape: Shape, w: Float64Array, norms: Float64Array, g: Float64Array): void {
  const { F, m, aOffset } = shape;
  if (model.weightNorm) {
    for (let j = 0; j < F; j++) {
      let dot = 0;
      for (let t = 0; t < m; t++) dot += g[j * m + t] * w[j * m + t];
      for (let t = 0; t < m; t++) g[j * m + t] = (g[j * m + t] - dot * w[j * m + t]) / norms[j];
    }
  }
  if (model.output === 'fixed') g.fill(0, aOffset, shape.eOffset);
}
