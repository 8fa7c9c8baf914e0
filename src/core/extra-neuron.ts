/**
 * Kawaguchi & Kaelbling (2020)'s extra exponential neuron, on any model of the family: the output
 * f̃(x) = f(x) + a_e·exp(w_eᵀx + b_e) (w_e over the whole input) and the loss L̃ = L + (λ/2)·a_e².
 * Their Thm 1: every local minimum of L̃ has a_e = 0 and a globally optimal θ; their Thm 4: from a
 * suboptimal θ gradient descent can only send ‖(a_e, b_e, w_e)‖ to infinity. The engine measures
 * which happens, on the same restarts with and without the neuron (its parameters come after the
 * base row: src/core/model.ts).
 *
 * f32 safety. e^z overflows f32 at z > 88.72; the kernels evaluate exp(min(z, EXTRA_Z_MAX)) and,
 * where the clamp binds for any input of a step, make that step's loss NaN — the restart is then
 * labelled diverged (numerically), never carried on with a clamped neuron. The f64 reference does
 * the same at the same threshold, so both engines label the same restarts.
 */
import type { ModelSpec, Shape } from './model.ts';

/** Largest exponent evaluated: e^80 ≈ 5.5e34 is finite in f32 (so are r·e^z for moderate residuals). */
export const EXTRA_Z_MAX = 80;

/** Offsets of the extra neuron's parameters in the row: a_e, b_e, then w_e (d entries). */
export const extraSlots = (shape: Shape) => ({ a: shape.eOffset, b: shape.eOffset + 1, w: shape.eOffset + 2 });

/** z = w_eᵀx + b_e for the input at X[xo .. xo + d). */
export function extraExponent(params: ArrayLike<number>, shape: Shape, X: ArrayLike<number>, xo: number): number {
  const { b, w } = extraSlots(shape);
  let z = params[b];
  for (let t = 0; t < shape.d; t++) z += params[w + t] * X[xo + t];
  return z;
}

/**
 * Adds one input's share of the extra neuron's gradient, r·∂f̃/∂(a_e, b_e, w_e) with ez = e^z:
 * (r·ez, r·a_e·ez, r·a_e·ez·x).
 */
export function addExtraGradient(params: ArrayLike<number>, shape: Shape, X: ArrayLike<number>, xo: number, r: number, ez: number, g: Float64Array): void {
  const { a, b, w } = extraSlots(shape);
  g[a] += r * ez;
  const rg = r * params[a] * ez;
  g[b] += rg;
  if (rg !== 0) for (let t = 0; t < shape.d; t++) g[w + t] += rg * X[xo + t];
}

/** The regulariser (λ/2)·a_e² added to a loss already averaged, and λ·a_e to its gradient. */
export function addExtraRegulariser(model: ModelSpec, shape: Shape, params: ArrayLike<number>, loss: number, g: Float64Array): number {
  const lambda = model.extra!.lambda;
  const ae = params[extraSlots(shape).a];
  g[shape.eOffset] += lambda * ae;
  return loss + 0.5 * lambda * ae * ae;
}

/** ‖(a_e, b_e, w_e)‖: the norm Thm 4 says diverges when GD cannot leave a suboptimal θ. */
export function extraNorm(shape: Shape, params: ArrayLike<number>, offset = 0): number {
  let ss = 0;
  for (let p = shape.eOffset; p < shape.P; p++) ss += params[offset + p] ** 2;
  return Math.sqrt(ss);
}
