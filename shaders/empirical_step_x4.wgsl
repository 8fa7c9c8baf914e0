// Fused full-batch empirical step, four restarts per thread: the four parameter rows live in the
// components of vec4s, so each value of the shared fixed sample is loaded once for four restarts
// and every multiply-add of the forward and backward passes is a vec4 operation. On SwiftShader,
// where a storage load is a per-lane gather, this is ~1.7× the throughput of one restart per
// thread (empirical_step.wgsl, which still runs minibatches and fresh samples: there the four
// restarts would need different samples). Per restart, the outcome rule, the weight-norm chain
// rule and the update are lib/restart.wgsl's, applied component by component; a decided restart's
// component is carried along unchanged until all four are decided.
// Requires lib/restart.wgsl, lib/activation.wgsl.

@group(0) @binding(5) var<storage, read> patches: array<f32>;  // [n, K, M] (im2col of the sample)
@group(0) @binding(6) var<storage, read> labels: array<f32>;   // [n]

var<private> wv: array<f32, F * M>;     // one restart's effective filters (restart.wgsl)
var<private> vnorm: array<f32, F>;
var<private> th4: array<vec4f, P>;      // parameters, restart c in component c
var<private> g4: array<vec4f, P>;       // ∂L/∂w (raw, before weight norm) and ∂L/∂a, summed over the sample
var<private> w4: array<vec4f, F * M>;   // effective filters
var<private> z4: array<vec4f, F * K>;   // pre-activations, then the back-propagated r·a·σ'(z)

// Restart c's row into `theta` and its effective filters into `wv` / `vnorm`.
fn load_restart(c: u32) {
  for (var p = 0u; p < P; p++) { theta[p] = th4[p][c]; }
  effective_filters();
}

// The summed loss of the four restarts over the fixed sample, filling g4 (sums, not means).
fn sample_loss_and_grad() -> vec4f {
  for (var c = 0u; c < 4u; c++) {
    load_restart(c);
    for (var q = 0u; q < F * M; q++) { w4[q][c] = wv[q]; }
  }
  for (var p = 0u; p < P; p++) { g4[p] = vec4f(0.0); }
  var loss = vec4f(0.0);
  for (var b = 0u; b < cfg.n; b++) {
    // @unroll
    for (var i = 0u; i < K; i++) {
      // @unroll
      for (var j = 0u; j < F; j++) { z4[j * K + i] = vec4f(0.0); }
      // @unroll
      for (var u = 0u; u < M; u++) {
        let x = patches[(b * K + i) * M + u];
        // @unroll
        for (var j = 0u; j < F; j++) { z4[j * K + i] += w4[j * M + u] * x; }
      }
    }
    var f = vec4f(0.0);
    // @unroll
    for (var q = 0u; q < F * K; q++) { f += th4[A_OFF + q] * act_forward4(z4[q]); }
    let r = f - labels[b];
    loss += 0.5 * r * r;
    // @unroll
    for (var q = 0u; q < F * K; q++) {
      let zq = z4[q];
      g4[A_OFF + q] += r * act_forward4(zq);
      z4[q] = r * th4[A_OFF + q] * act_backward4(zq);
    }
    // @unroll
    for (var i = 0u; i < K; i++) {
      // @unroll
      for (var u = 0u; u < M; u++) {
        let x = patches[(b * K + i) * M + u];
        // @unroll
        for (var j = 0u; j < F; j++) { g4[j * M + u] += z4[j * K + i] * x; }
      }
    }
  }
  return loss;
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r0 = 4u * (gid.x + gid.y * WORKGROUP * groups.x);
  if (r0 >= cfg.restarts) { return; }
  var st: array<RestartState, 4>;
  var running = vec4<bool>(false);
  for (var c = 0u; c < 4u; c++) {
    let r = r0 + c;
    if (r < cfg.restarts) {
      st[c] = state[r];
      running[c] = st[c].status == RUNNING;
      for (var p = 0u; p < P; p++) { th4[p][c] = params[r * P + p]; }
    } else {
      for (var p = 0u; p < P; p++) { th4[p][c] = 0.0; }
    }
  }
  let inv = 1.0 / f32(cfg.n);
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    if (!any(running)) { break; }
    let t = cfg.stepBase + k;
    let loss4 = sample_loss_and_grad() * inv;
    for (var c = 0u; c < 4u; c++) {
      if (!running[c]) { continue; }
      load_restart(c);
      for (var p = 0u; p < P; p++) { grad[p] = g4[p][c] * inv; }
      finish_gradient();
      var gg = 0.0;
      for (var p = 0u; p < P; p++) { gg += grad[p] * grad[p]; }
      var s = st[c];
      let decided = settle(&s, decide(loss4[c], gg), t, loss4[c]);
      st[c] = s;
      if (decided) {
        running[c] = false;
      } else {
        apply_update((r0 + c) * P);
        for (var p = 0u; p < P; p++) { th4[p][c] = theta[p]; }
      }
    }
  }
  for (var c = 0u; c < 4u; c++) {
    let r = r0 + c;
    if (r < cfg.restarts) {
      for (var p = 0u; p < P; p++) { params[r * P + p] = th4[p][c]; }
      state[r] = st[c];
    }
  }
}
