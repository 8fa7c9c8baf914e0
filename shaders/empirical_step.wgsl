// Fused empirical-loss training step: one thread per restart runs up to cfg.chunkSteps steps of
// forward + backward over a batch, then the update, with the outcome rule applied before every
// step (src/empirical.ts and src/reference.ts are the CPU mirror). The batch is, by the
// compile-time constant MODE:
//   0  the whole fixed sample (n = cfg.n rows of `patches` / `labels`, shared by all restarts);
//   1  a minibatch of cfg.batch rows of the fixed sample, drawn with replacement per step;
//   2  a fresh Gaussian minibatch of cfg.batch inputs per restart and step, generated here from
//      the counter-based RNG (nothing stored), labelled by the teacher in f32.
// The per-sample loops are marked `@unroll` (host/unroll.ts): unrolled, the private arrays
// below are indexed by constants and live in registers, and each input value is loaded once
// for the forward and the backward pass. Loops run patch → coordinate → filter, so one load
// of an input value serves all F filters where a loop stays a loop.
// Requires lib/restart.wgsl, lib/activation.wgsl, lib/rng.wgsl.

@group(0) @binding(5) var<storage, read> patches: array<f32>;  // [n, K, M] (im2col of the sample)
@group(0) @binding(6) var<storage, read> labels: array<f32>;   // [n]

const STREAM_FRESH: u32 = 2u;
const STREAM_INDEX: u32 = 3u;

var<private> wv: array<f32, F * M>;
var<private> vnorm: array<f32, F>;
var<private> z: array<f32, F * K>;     // pre-activations, then the back-propagated r·a·σ'(z)
var<private> xb: array<f32, XB_LEN>;   // the fresh input (MODE 2 only; length 1 otherwise)

// Coordinate u of patch i of the batch element in `row` (or of the fresh input).
fn patch_value(row: u32, i: u32, u: u32) -> f32 {
  if (MODE == 2u) { return xb[S * i + u]; }
  return patches[(row * K + i) * M + u];
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

fn loss_and_grad(restart: u32, t: u32) -> f32 {
  effective_filters();
  for (var p = 0u; p < P; p++) { grad[p] = 0.0; }
  let nb = select(cfg.batch, cfg.n, MODE == 0u);
  var loss = 0.0;
  for (var b = 0u; b < nb; b++) {
    var row = b;
    var y = 0.0;
    if (MODE == 1u) {
      row = rng_uniform_int(cfg.seed, restart, STREAM_INDEX + 4u * t, b, cfg.n);
    }
    if (MODE == 2u) {
      for (var c = 0u; c < D_IN; c++) {
        xb[c] = rng_normal(cfg.seed, restart, STREAM_FRESH + 4u * t, b * D_IN + c);
      }
      y = teacher_output();
    } else {
      y = labels[row];
    }
    // Forward: z_ji = ⟨w_j, x_i⟩, f = Σ a_ji σ(z_ji).
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
    }
    var f = 0.0;
    // @unroll
    for (var q = 0u; q < F * K; q++) { f += theta[A_OFF + q] * act_forward(z[q]); }
    let r = f - y;
    loss += 0.5 * r * r;
    // Backward. No branch on a dead ReLU unit (σ' = 0): lanes of a SIMD group would diverge.
    // @unroll
    for (var q = 0u; q < F * K; q++) {
      let zq = z[q];
      grad[A_OFF + q] += r * act_forward(zq);
      z[q] = r * theta[A_OFF + q] * act_backward(zq);
    }
    // @unroll
    for (var i = 0u; i < K; i++) {
      // @unroll
      for (var u = 0u; u < M; u++) {
        let x = patch_value(row, i, u);
        // @unroll
        for (var j = 0u; j < F; j++) { grad[j * M + u] += z[j * K + i] * x; }
      }
    }
  }
  let inv = 1.0 / f32(nb);
  for (var p = 0u; p < P; p++) { grad[p] *= inv; }
  finish_gradient();
  return loss * inv;
}

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  step_chunk(gid.x + gid.y * STEP_WORKGROUP * groups.x);
}
