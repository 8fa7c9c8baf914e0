// empirical_step_vec4.wgsl — fused full-batch empirical step, four restarts per thread: the four
// parameter rows live in the components of vec4s, so each value of the shared fixed sample is
// loaded once for four restarts and every multiply-add of the forward and backward passes is a
// vec4 operation. On SwiftShader, where a storage load is a per-lane gather, this is ~1.7× the
// throughput of one restart per thread (empirical_step.wgsl, which still runs minibatches and
// fresh samples: there the four restarts would need different samples). Per restart, the outcome
// rule, the weight-norm chain rule and the update are lib/restart.wgsl's, applied component by
// component; a decided restart's component is carried along unchanged until all four are decided.
// Not for Kawaguchi & Kaelbling's extra neuron (its term, per component, is not written here):
// host/kernels.ts stepKernelFor runs empirical_step.wgsl for it, and the const_assert below keeps
// this kernel from being composed with it.
// provides: var patches, var labels, var wv, var vnorm, var th4, var g4, var w4, var z4, var loss4
// provides: fn sample_loss_and_grad, fn main
// expects: const P, const M, const F, const K, const A_OFF, const V, const STEP_WORKGROUP, const OUTCOME_RUNNING, const EXTRA
// expects: struct RestartState, var cfg, var state, var params, var theta, var grad
// expects: fn settle, fn decide, fn grad_norm_sq, fn apply_update, fn effective_filters, fn finish_gradient
// expects: fn act_forward4, fn act_backward4

const_assert !EXTRA;

@group(0) @binding(5) var<storage, read> patches: array<f32>;  // [n, K, M] (im2col of the sample)
@group(0) @binding(6) var<storage, read> labels: array<f32>;   // [n]

var<private> wv: array<f32, F * M>;     // one restart's effective filters (restart.wgsl)
var<private> vnorm: array<f32, F>;

// V groups of four restarts per thread: restart 4v + c in component c of group v. Every access
// to these arrays has a constant index once the host has unrolled the marked loops, so the
// shader compiler can keep them in registers (a loop-variable index makes the whole array a
// memory-backed, per-lane gathered one).
var<private> th4: array<vec4f, V * P>;      // parameters, [v·P + p]
var<private> g4: array<vec4f, V * P>;       // ∂L/∂w (raw, before weight norm) and ∂L/∂a, summed over the sample
var<private> w4: array<vec4f, V * F * M>;   // effective filters, [v·F·M + q]
var<private> z4: array<vec4f, V * F * K>;   // pre-activations, then the back-propagated r·a·σ'(z), [v·F·K + q]
var<private> loss4: array<vec4f, V>;

// The summed loss of the restarts over the fixed sample into loss4, and its gradient into g4
// (sums, not means); w4 must hold the effective filters.
fn sample_loss_and_grad() {
  // @unroll
  for (var p = 0u; p < V * P; p++) { g4[p] = vec4f(0.0); }
  // @unroll
  for (var v = 0u; v < V; v++) { loss4[v] = vec4f(0.0); }
  for (var b = 0u; b < cfg.n; b++) {
    // @unroll
    for (var i = 0u; i < K; i++) {
      // @unroll
      for (var q = 0u; q < V * F; q++) { z4[q * K + i] = vec4f(0.0); }
      // @unroll
      for (var u = 0u; u < M; u++) {
        let x = patches[(b * K + i) * M + u];
        // @unroll
        for (var q = 0u; q < V * F; q++) { z4[q * K + i] += w4[q * M + u] * x; }
      }
    }
    let y = labels[b];
    // @unroll
    for (var v = 0u; v < V; v++) {
      var f = vec4f(0.0);
      // @unroll
      for (var q = 0u; q < F * K; q++) { f += th4[v * P + A_OFF + q] * act_forward4(z4[v * F * K + q]); }
      let r = f - y;
      loss4[v] += 0.5 * r * r;
      // @unroll
      for (var q = 0u; q < F * K; q++) {
        let zq = z4[v * F * K + q];
        g4[v * P + A_OFF + q] += r * act_forward4(zq);
        z4[v * F * K + q] = r * th4[v * P + A_OFF + q] * act_backward4(zq);
      }
    }
    // ∂/∂w: each accumulator g4[v, j, u] is read and written once per sample, the sum over the
    // K patches kept in a register (i innermost), rather than once per patch.
    // @unroll
    for (var u = 0u; u < M; u++) {
      var acc: array<vec4f, V * F>;
      // @unroll
      for (var q = 0u; q < V * F; q++) { acc[q] = g4[(q / F) * P + (q % F) * M + u]; }
      // @unroll
      for (var i = 0u; i < K; i++) {
        let x = patches[(b * K + i) * M + u];
        // @unroll
        for (var q = 0u; q < V * F; q++) { acc[q] += z4[q * K + i] * x; }
      }
      // @unroll
      for (var q = 0u; q < V * F; q++) { g4[(q / F) * P + (q % F) * M + u] = acc[q]; }
    }
  }
}

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r0 = 4u * V * (gid.x + gid.y * STEP_WORKGROUP * groups.x);
  if (r0 >= cfg.restarts) { return; }
  var st: array<RestartState, 4 * V>;
  var running: array<bool, 4 * V>;
  var live = 0u;
  // @unroll
  for (var c = 0u; c < 4u * V; c++) {
    let r = r0 + c;
    let present = r < cfg.restarts;
    let row = min(r, cfg.restarts - 1u) * P;
    if (present) { st[c] = state[r]; }
    running[c] = present && st[c].status == OUTCOME_RUNNING;
    // @unroll
    for (var p = 0u; p < P; p++) { th4[(c / 4u) * P + p][c % 4u] = select(0.0, params[row + p], present); }
    if (running[c]) { live++; }
  }
  let inv = 1.0 / f32(cfg.n);
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    if (live == 0u) { break; }
    let t = cfg.stepBase + k;
    // @unroll
    for (var c = 0u; c < 4u * V; c++) {
      // @unroll
      for (var p = 0u; p < P; p++) { theta[p] = th4[(c / 4u) * P + p][c % 4u]; }
      effective_filters();
      // @unroll
      for (var q = 0u; q < F * M; q++) { w4[(c / 4u) * F * M + q][c % 4u] = wv[q]; }
    }
    sample_loss_and_grad();
    // @unroll
    for (var c = 0u; c < 4u * V; c++) {
      if (running[c]) {
        // @unroll
        for (var p = 0u; p < P; p++) { theta[p] = th4[(c / 4u) * P + p][c % 4u]; }
        effective_filters();
        // @unroll
        for (var p = 0u; p < P; p++) { grad[p] = g4[(c / 4u) * P + p][c % 4u] * inv; }
        finish_gradient();
        let loss = loss4[c / 4u][c % 4u] * inv;
        var s = st[c];
        let decided = settle(&s, decide(loss, grad_norm_sq((r0 + c) * P)), t, loss);
        st[c] = s;
        if (decided) {
          running[c] = false;
          live--;
        } else {
          apply_update((r0 + c) * P);
          // @unroll
          for (var p = 0u; p < P; p++) { th4[(c / 4u) * P + p][c % 4u] = theta[p]; }
        }
      }
    }
  }
  // @unroll
  for (var c = 0u; c < 4u * V; c++) {
    let r = r0 + c;
    if (r < cfg.restarts) {
      // @unroll
      for (var p = 0u; p < P; p++) { params[r * P + p] = th4[(c / 4u) * P + p][c % 4u]; }
      state[r] = st[c];
    }
  }
}
