// lib/extra_neuron.wgsl — Kawaguchi & Kaelbling's extra exponential neuron a_e·exp(w_eᵀx + b_e)
// in one batch element's output and gradient, and its regulariser (λ/2)·a_e²: the WGSL mirror of
// src/core/extra-neuron.ts, for the one-restart-per-thread empirical kernel (empirical_step.wgsl).
// provides: const E_A, const E_B, const E_W, fn extra_exp, fn add_extra_gradient, fn add_extra_regulariser
// expects: const EXTRA, const E_OFF, const EXTRA_D, const EXTRA_Z_MAX, var cfg, var theta, var grad, var step_overflow
// expects: fn input_value
//
// Its parameters are a_e, b_e, then w_e (d entries) from E_OFF on (src/core/model.ts); without
// the neuron EXTRA is false and EXTRA_D = 0, so nothing here runs.
// f32 safety as on the CPU: e^z is evaluated as exp(min(z, EXTRA_Z_MAX)) — finite in f32 — and
// an element where the clamp binds sets step_overflow, so that the outcome rule labels the step
// diverged (lib/restart.wgsl decide) where the CPU gives it a NaN loss: a restart is never
// carried on with a clamped neuron.

// The slots of a_e, b_e and w_e[0] in the row. Without the neuron they point at the row's start
// (P ≥ 2), so that the dead accesses by constant index (unrolled) stay in bounds and compile.
const E_A: u32 = select(0u, E_OFF, EXTRA);
const E_B: u32 = E_A + 1u;
const E_W: u32 = E_A + 2u;

// e^z of the element in `row`, z = w_eᵀx + b_e over its whole input, clamped as above. A NaN z
// counts as overflow too (the CPU's loss is NaN there).
fn extra_exp(row: u32) -> f32 {
  var z = theta[E_B];
  // @unroll
  for (var c = 0u; c < EXTRA_D; c++) { z += theta[E_W + c] * input_value(row, c); }
  step_overflow = step_overflow || !(z <= EXTRA_Z_MAX);
  return exp(min(z, EXTRA_Z_MAX));
}

// Adds the element's r·∂f̃/∂(a_e, b_e, w_e) to `grad`, with ez = e^z: (r·ez, r·a_e·ez, r·a_e·ez·x).
fn add_extra_gradient(row: u32, r: f32, ez: f32) {
  grad[E_A] += r * ez;
  let rg = r * theta[E_A] * ez;
  grad[E_B] += rg;
  // @unroll
  for (var c = 0u; c < EXTRA_D; c++) { grad[E_W + c] += rg * input_value(row, c); }
}

// The regulariser added to a loss already averaged over the batch, and λ·a_e to ∂/∂a_e.
fn add_extra_regulariser(loss: f32) -> f32 {
  if (!EXTRA) { return loss; }
  let ae = theta[E_A];
  grad[E_A] += cfg.extraLambda * ae;
  return loss + 0.5 * cfg.extraLambda * ae * ae;
}
