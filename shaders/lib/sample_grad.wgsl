// lib/sample_grad.wgsl — one batch element's loss and gradient for the one-restart-per-thread
// empirical kernels (empirical_step.wgsl runs a thread's whole batch through it;
// empirical_step_coop.wgsl splits the batch over a workgroup).
// provides: var patches, var labels, var wv, var vnorm, var z, var hx, var sd, var xb
// provides: fn batch_size, fn patch_value, fn input_value, fn teacher_output, fn add_sample
// expects: const D_IN, const M, const S, const K, const F, const FT, const A_OFF, const E_A, const EXTRA, const XB_LEN, const SAMPLE_INNERMOST
// expects: const C_TW, const C_TA, const MODE, const LOSS_FULL, const LOSS_MINIBATCH, const LOSS_FRESH, const PROBLEMS
// expects: var problem
// expects: const STREAM_FRESH, const STREAM_INDEX, const STREAMS_PER_STEP, var cfg, var consts, var theta, var grad
// expects: fn act_forward, fn act_backward, fn rng_uniform_int, fn rng_normal, fn extra_exp, fn add_extra_gradient
//
// The batch is, by the compile-time constant MODE (host/contract.ts LOSS_MODE):
//   LOSS_FULL       the whole fixed sample (n = cfg.n rows of `patches` / `labels`, shared by all restarts;
//                   with many problems, PROBLEMS samples of n rows one after another, the restart's
//                   problem's rows problem·n …);
//   LOSS_MINIBATCH  a minibatch of cfg.batch rows of the fixed sample, drawn with replacement per step;
//   LOSS_FRESH      a fresh Gaussian minibatch of cfg.batch inputs per restart and step, generated
//                   here from the counter-based RNG (nothing stored), labelled by the teacher in f32.
// Element b of a step's batch depends only on (restart, step, b), not on which thread takes it.
// The per-sample loops are marked `@unroll` (host/unroll.ts): unrolled, the private arrays
// below are indexed by constants and live in registers. Loops run patch → coordinate → filter,
// so one load of an input value serves all F filters where a loop stays a loop. With the extra
// neuron (EXTRA, lib/extra_neuron.wgsl) an element's output and gradient gain its term.

@group(0) @binding(5) var<storage, read> patches: array<f32>;  // im2col of the sample: [n, K, M], or [K, M, n] with SAMPLE_INNERMOST
@group(0) @binding(6) var<storage, read> labels: array<f32>;   // [n]

var<private> wv: array<f32, F * M>;
var<private> vnorm: array<f32, F>;
var<private> z: array<f32, F * K>;     // pre-activations
var<private> hx: array<f32, F * M>;    // Σ_i a_ji σ'(z_ji) x_i: ∂f/∂w_j for one element
var<private> sd: array<f32, F>;        // a_ji σ'(z_ji) for the current patch
var<private> xb: array<f32, XB_LEN>;   // the fresh input (LOSS_FRESH only; length 1 otherwise)

// The number of elements in a step's batch.
fn batch_size() -> u32 {
  return select(cfg.batch, cfg.n, MODE == LOSS_FULL);
}

// Coordinate u of patch i of the batch element in `row` (or of the fresh input).
fn patch_value(row: u32, i: u32, u: u32) -> f32 {
  if (MODE == LOSS_FRESH) { return xb[S * i + u]; }
  let at = problem * cfg.n + row;
  if (SAMPLE_INNERMOST) { return patches[(i * M + u) * (cfg.n * PROBLEMS) + at]; }
  return patches[(at * K + i) * M + u];
}

// Coordinate c of the whole input in `row` (the extra neuron reads x, not patches), from the
// patch that holds it: patch i covers x[S·i .. S·i + M), and validation keeps S ≤ M with
// d = S·(K − 1) + M, so every coordinate lies in patch min(c / S, K − 1).
fn input_value(row: u32, c: u32) -> f32 {
  let i = min(c / S, K - 1u);
  return patch_value(row, i, c - S * i);
}

fn teacher_output() -> f32 {
  var f = 0.0;
  for (var j = 0u; j < FT; j++) {
    for (var i = 0u; i < K; i++) {
      var zz = 0.0;
      for (var u = 0u; u < M; u++) { zz += consts[C_TW + j * M + u] * xb[S * i + u]; }
      f += consts[C_TA + j * K + i] * act_forward(zz);
    }
  }
  return f;
}

// Adds element b of step t's batch to `grad` (∂ of ½r² w.r.t. the effective filters and the
// output layer, not yet averaged) and returns its loss ½r²; `wv` must hold the effective filters.
fn add_sample(restart: u32, t: u32, b: u32) -> f32 {
  var row = b;
  var y = 0.0;
  if (MODE == LOSS_MINIBATCH) {
    row = rng_uniform_int(cfg.seed, restart, STREAM_INDEX + STREAMS_PER_STEP * t, b, cfg.n);
  }
  if (MODE == LOSS_FRESH) {
    for (var c = 0u; c < D_IN; c++) {
      xb[c] = rng_normal(cfg.seed, restart, STREAM_FRESH + STREAMS_PER_STEP * t, b * D_IN + c);
    }
    y = teacher_output();
  } else {
    y = labels[problem * cfg.n + row];
  }
  // One pass over the patches: z_ji = ⟨w_j, x_i⟩, f = Σ a_ji σ(z_ji), and, since σ'(z_ji) does not
  // depend on the residual, h_j = Σ_i a_ji σ'(z_ji) x_i, so that ∂(½r²)/∂w_j = r·h_j once r is
  // known. A patch's values are read twice within its own iteration (unrolled, the compiler keeps
  // them in registers) and are dead after it: a second pass over all the patches for the backward
  // step would keep all K·M of them live (or load them all again).
  // @unroll
  for (var q = 0u; q < F * M; q++) { hx[q] = 0.0; }
  var f = 0.0;
  // @unroll
  for (var i = 0u; i < K; i++) {
    // @unroll
    for (var j = 0u; j < F; j++) { z[j * K + i] = 0.0; }
    // @unroll
    for (var u = 0u; u < M; u++) {
      let x = patch_value(row, i, u);
      // @unroll
      for (var j = 0u; j < F; j++) { z[j * K + i] += wv[j * M + u] * x; }
    }
    // @unroll
    for (var j = 0u; j < F; j++) {
      let zz = z[j * K + i];
      let a = theta[A_OFF + j * K + i];
      f += a * act_forward(zz);
      sd[j] = a * act_backward(zz);
    }
    // @unroll
    for (var u = 0u; u < M; u++) {
      let x = patch_value(row, i, u);
      // @unroll
      for (var j = 0u; j < F; j++) { hx[j * M + u] += sd[j] * x; }
    }
  }
  var ez = 0.0;
  if (EXTRA) {
    ez = extra_exp(row);
    f += theta[E_A] * ez;
  }
  let r = f - y;
  if (EXTRA) { add_extra_gradient(row, r, ez); }
  // Backward. No branch on a dead ReLU unit (σ' = 0): lanes of a SIMD group would diverge.
  // @unroll
  for (var q = 0u; q < F * K; q++) { grad[A_OFF + q] += r * act_forward(z[q]); }
  // @unroll
  for (var q = 0u; q < F * M; q++) { grad[q] += r * hx[q]; }
  return 0.5 * r * r;
}
