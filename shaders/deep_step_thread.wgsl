// deep_step_thread.wgsl — GD or SGD on the deep ReLU net of src/core/deep-net.ts, one thread per restart
// Why a second kernel: on a CPU-emulated adapter (SwiftShader) a workgroup barrier costs a
// switch of every invocation, and deep_step.wgsl's tiled products need dozens per step, so
// there it runs 10× below this one (measured: bench/deep.ts). Here a thread owns a restart and
// follows deepLossGrad (deep-net.ts) sample by sample — forward, backward, gradient accumulated
// into its own row of `grad` — then applies the step: no barrier anywhere. The samples go four
// at a time as the lanes of a vec4 (one parameter load feeds four multiply-adds); a group of
// fewer than four is padded with masked-out lanes (their e is 0, so they add no loss and no
// gradient).
//
// Layouts are restart-interleaved (entry q of restart r at q·R + r, R = cfg.restarts): the
// lanes of one SIMD group are consecutive restarts, so their loads are consecutive words. The
// host transposes [R, P] rows on upload and read (host/deep-engine.ts).
//   params  P per restart, the row of deep-net.ts: [A | W₁ … W_L | B | (extra) a | b | W_e]
//   grad    P per restart, ∂F of the step
//   vecs    (vec4, one per four samples) G_ℓ (NL + 1 blocks of M), Δ and its predecessor (2·M),
//           the group's inputs X4 (DIN), E4 and EZ4 (DOUT each)
//   perm    ND per restart with SGD: the minibatch's index row (deep-net.ts deepMinibatch)
// The minibatch, the NaN on a clamped exponent (the restart stops, as trainDeepCpu does), the
// ND/NS scaling of the loss and the folding of n/b into cfg.lr are deep_step.wgsl's.
// provides: const G0, const D0, const X0, const EV0, const EZV0, const VECS
// provides: var grad, var vecs, var perm, var losses, var clamp_hit
// provides: fn relu4, fn at, fn vat, fn row_of, fn draw_minibatch, fn step_restart, fn main
// expects: const DIN, const NL, const M, const DOUT, const NS, const ND, const TRAIN_ALL, const EXTRA
// expects: const EXTRA_Z_MAX, const STREAM_SAMPLE, const STREAMS_PER_STEP, const WG, fn rng_uniform_int
// expects: const E0, const P, const SGD, var cfg, var params, var xs, var ys

/** Offsets in `vecs` (units of vec4): G_ℓ, the two Δ blocks, X4, E4, EZ4; VECS per restart. */
const G0: u32 = 0u;
const D0: u32 = (NL + 1u) * M;
const X0: u32 = D0 + 2u * M;
const EV0: u32 = X0 + DIN;
const EZV0: u32 = EV0 + DOUT;
const VECS: u32 = EZV0 + DOUT;

@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> vecs: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> perm: array<f32>;
@group(0) @binding(7) var<storage, read_write> losses: array<f32>;

/** Set by step_restart where an exponent clamped (a flag, not a NaN test: NaN handling is not guaranteed in WGSL). */
var<private> clamp_hit: bool = false;

fn relu4(v: vec4f) -> vec4f { return max(v, vec4f(0.0)); }
/** Index of entry q of restart r in an interleaved f32 row (params, grad, perm). */
fn at(q: u32, r: u32) -> u32 { return q * cfg.restarts + r; }
/** Index of vec4 q of restart r in `vecs`. */
fn vat(q: u32, r: u32) -> u32 { return q * cfg.restarts + r; }

fn row_of(r: u32, i: u32) -> u32 {
  if (SGD) { return u32(perm[at(i, r)]); }
  return i;
}

/** deep_step.wgsl's draw_minibatch on this thread's own index row. */
fn draw_minibatch(r: u32, restart: u32, t: u32) {
  for (var j = 0u; j < ND; j++) { perm[at(j, r)] = f32(j); }
  let stream = STREAM_SAMPLE + STREAMS_PER_STEP * t;
  for (var j = 0u; j < NS; j++) {
    let k = j + rng_uniform_int(cfg.seed, restart, stream, j, ND - j);
    let tmp = perm[at(j, r)];
    perm[at(j, r)] = perm[at(k, r)];
    perm[at(k, r)] = tmp;
  }
}

/**
 * One step of restart r: F (and whether an exponent clamped) at the current parameters, the
 * gradient into `grad`, then the update. Returns F; where a clamp bound, sets clamp_hit and returns
 * before the update.
 */
fn step_restart(r: u32) -> f32 {
  let wBase = M * DIN;
  let bBase = M * DIN + NL * M * M;
  for (var q = 0u; q < P; q++) { grad[at(q, r)] = 0.0; }
  var loss = 0.0;
  var clamped = false;
  for (var i0 = 0u; i0 < NS; i0 += 4u) {
    // The group's rows, its lane mask, and X4 (inputs of four samples per coordinate).
    var rows = vec4u(0u);
    var mask = vec4f(0.0);
    for (var u = 0u; u < 4u; u++) {
      if (i0 + u < NS) { rows[u] = row_of(r, i0 + u); mask[u] = 1.0; }
    }
    for (var c = 0u; c < DIN; c++) {
      vecs[vat(X0 + c, r)] = vec4f(xs[rows.x * DIN + c], xs[rows.y * DIN + c], xs[rows.z * DIN + c], xs[rows.w * DIN + c]);
    }
    // Forward: G₀ = A x, G_ℓ = W_ℓ φ(G_{ℓ−1}).
    for (var k = 0u; k < M; k++) {
      var acc = vec4f(0.0);
      for (var c = 0u; c < DIN; c++) { acc += params[at(k * DIN + c, r)] * vecs[vat(X0 + c, r)]; }
      vecs[vat(G0 + k, r)] = acc;
    }
    for (var l = 1u; l <= NL; l++) {
      let w = wBase + (l - 1u) * M * M;
      for (var k = 0u; k < M; k++) {
        var acc = vec4f(0.0);
        for (var j = 0u; j < M; j++) { acc += params[at(w + k * M + j, r)] * relu4(vecs[vat(G0 + (l - 1u) * M + j, r)]); }
        vecs[vat(G0 + l * M + k, r)] = acc;
      }
    }
    // Output, the extra neurons, E = (y − Y)·mask and the loss.
    for (var o = 0u; o < DOUT; o++) {
      var y = vec4f(0.0);
      for (var j = 0u; j < M; j++) { y += params[at(bBase + o * M + j, r)] * relu4(vecs[vat(G0 + NL * M + j, r)]); }
      if (EXTRA) {
        var z = vec4f(params[at(E0 + DOUT + o, r)]);
        for (var c = 0u; c < DIN; c++) { z += params[at(E0 + 2u * DOUT + o * DIN + c, r)] * vecs[vat(X0 + c, r)]; }
        // Masked-out lanes are not evaluated; a NaN z fails the test too.
        let bad = !(z <= vec4f(EXTRA_Z_MAX)) & (mask > vec4f(0.0));
        if (any(bad)) { clamped = true; }
        let ez = exp(min(z, vec4f(EXTRA_Z_MAX)));
        vecs[vat(EZV0 + o, r)] = ez;
        y += params[at(E0 + o, r)] * ez;
      }
      let want = vec4f(ys[rows.x * DOUT + o], ys[rows.y * DOUT + o], ys[rows.z * DOUT + o], ys[rows.w * DOUT + o]);
      let e = (y - want) * mask;
      vecs[vat(EV0 + o, r)] = e;
      loss += 0.5 * dot(e, e);
    }
    // Backward: the extra neurons, B, Δ_L = 1[G_L ≥ 0] ⊙ Bᵀe.
    for (var o = 0u; o < DOUT; o++) {
      let e = vecs[vat(EV0 + o, r)];
      if (EXTRA) {
        let ez = vecs[vat(EZV0 + o, r)];
        let rr = e * params[at(E0 + o, r)] * ez;
        grad[at(E0 + o, r)] += dot(e, ez);
        grad[at(E0 + DOUT + o, r)] += dot(rr, vec4f(1.0));
        for (var c = 0u; c < DIN; c++) { grad[at(E0 + 2u * DOUT + o * DIN + c, r)] += dot(rr, vecs[vat(X0 + c, r)]); }
      }
      if (TRAIN_ALL) {
        for (var j = 0u; j < M; j++) { grad[at(bBase + o * M + j, r)] += dot(e, relu4(vecs[vat(G0 + NL * M + j, r)])); }
      }
    }
    for (var j = 0u; j < M; j++) {
      var s = vec4f(0.0);
      for (var o = 0u; o < DOUT; o++) { s += params[at(bBase + o * M + j, r)] * vecs[vat(EV0 + o, r)]; }
      vecs[vat(D0 + (NL & 1u) * M + j, r)] = select(vec4f(0.0), s, vecs[vat(G0 + NL * M + j, r)] >= vec4f(0.0));
    }
    // For ℓ = L … 1: ∇W_ℓ += Δ_ℓ φ(G_{ℓ−1})ᵀ, then Δ_{ℓ−1} = 1[G_{ℓ−1} ≥ 0] ⊙ W_ℓᵀΔ_ℓ (Δ_ℓ in block ℓ mod 2).
    for (var l = NL; l >= 1u; l--) {
      let w = wBase + (l - 1u) * M * M;
      let dl = D0 + (l & 1u) * M;
      let dp = D0 + ((l - 1u) & 1u) * M;
      for (var k = 0u; k < M; k++) {
        let d = vecs[vat(dl + k, r)];
        for (var j = 0u; j < M; j++) { grad[at(w + k * M + j, r)] += dot(d, relu4(vecs[vat(G0 + (l - 1u) * M + j, r)])); }
      }
      if (l > 1u || TRAIN_ALL) {
        for (var j = 0u; j < M; j++) {
          var s = vec4f(0.0);
          for (var k = 0u; k < M; k++) { s += params[at(w + k * M + j, r)] * vecs[vat(dl + k, r)]; }
          vecs[vat(dp + j, r)] = select(vec4f(0.0), s, vecs[vat(G0 + (l - 1u) * M + j, r)] >= vec4f(0.0));
        }
      }
    }
    if (TRAIN_ALL) {
      for (var k = 0u; k < M; k++) {
        let d = vecs[vat(D0 + k, r)];
        for (var c = 0u; c < DIN; c++) { grad[at(k * DIN + c, r)] += dot(d, vecs[vat(X0 + c, r)]); }
      }
    }
  }
  if (EXTRA) {
    if (clamped) {
      clamp_hit = true;
      return 0.0;
    }
    for (var o = 0u; o < DOUT; o++) {
      let a = params[at(E0 + o, r)];
      loss += 0.5 * f32(NS) * cfg.lambda * a * a;
      grad[at(E0 + o, r)] += f32(NS) * cfg.lambda * a;
    }
  }
  // The update on the trained ranges (deep-net.ts trainedRanges).
  let first = select(wBase, 0u, TRAIN_ALL);
  let last = select(bBase, E0, TRAIN_ALL);
  for (var q = first; q < last; q++) { params[at(q, r)] -= cfg.lr * grad[at(q, r)]; }
  for (var q = E0; q < P; q++) { params[at(q, r)] -= cfg.lr * grad[at(q, r)]; }
  return loss * (f32(ND) / f32(NS));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r = gid.x;
  if (r >= cfg.restarts) { return; }
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    if (SGD) { draw_minibatch(r, cfg.restartBase + r, cfg.stepBase + k); }
    let f = step_restart(r);
    if (clamp_hit) {
      // A clamped exponent: NaN (no constant NaN in WGSL) for this step and the rest of the
      // dispatch, the restart stopped.
      let nan = bitcast<f32>(0x7fc00000u | (cfg.restarts & 0u));
      for (var kk = k; kk < cfg.chunkSteps; kk++) { losses[r * cfg.totalSteps + cfg.stepBase + kk] = nan; }
      return;
    }
    losses[r * cfg.totalSteps + cfg.stepBase + k] = f;
  }
}
