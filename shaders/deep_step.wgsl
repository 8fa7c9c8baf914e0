// deep_step.wgsl — GD (full batch) or SGD (minibatches) on the deep ReLU net of src/core/deep-net.ts, one workgroup per restart
// Why cooperative: a step is a chain of [n, m] × [m, m] products per restart (forward, the
// backward propagation and the weight gradients), far too much work for one thread; the
// workgroup's TILE×TILE threads (TILE and the register block RB from the host) compute each
// product in BLK×BLK tiles (BLK = TILE·RB), each thread an RB×RB block of it in registers,
// staging BLK×BLK blocks of both operands in workgroup memory. Several steps run per dispatch
// (cfg.chunkSteps).
//
// Per step, with the layout of deep-net.ts (row [A | W₁ … W_L | B], P = M·DIN + NL·M² + DOUT·M):
//   forward  G₀ = X Aᵀ, G_ℓ = φ(G_{ℓ−1}) W_ℓᵀ, E = φ(G_L) Bᵀ − Y, loss Σ ½E² → losses[r, t]
//   backward Δ_L = 1[G_L ≥ 0] ⊙ (E B); for ℓ = L … 1: Δ_{ℓ−1} = 1[G_{ℓ−1} ≥ 0] ⊙ (Δ_ℓ W_ℓ), then
//            W_ℓ −= lr·Δ_ℓᵀ φ(G_{ℓ−1}); with TRAIN_ALL also B −= lr·Eᵀ φ(G_L) (after Δ_L has
//            read B) and A −= lr·Δ₀ᵀ X.
// Each layer is updated once the products that need its old value are done, so no gradient
// buffer is kept. The per-restart scratch row holds G (NL + 1 blocks of NS·M), two Δ blocks
// (ping-pong: Δ_ℓ in block ℓ mod 2) and E (NS·DOUT).
//
// With Kawaguchi & Kaelbling's extra neuron (EXTRA; the row goes on with [a (DOUT) | b (DOUT) |
// W_e (DOUT×DIN)], deep-net.ts) the output gains a_o·e^{z_io}, z_io = b_o + W_e[o]·x_i, evaluated
// as exp(min(z, EXTRA_Z_MAX)) into one more scratch block EZ (NS·DOUT) before E; F gains
// ½·NS·λ·‖a‖². Where a clamp binds (or z is NaN) the step's loss is NaN and the restart stops
// there, its parameters left as they were — as trainDeepCpu stops at a non-finite loss — so a
// clamped neuron is never trained on. Its gradient needs only E and the old a: b and W_e are
// stepped first (∂b_o = Σᵢ e_io·a_o·ez_io, ∂W_e[o] = Σᵢ e_io·a_o·ez_io·xᵢ), then, after a sync,
// a (∂a_o = Σᵢ e_io·ez_io + NS·λ·a_o), all before the layers' backward pass, which never reads them.
//
// With SGD (Thm 2; NS < ND) a step runs on NS of the ND samples, drawn without replacement as
// deep-net.ts deepMinibatch does (a partial Fisher–Yates shuffle of a per-restart index row,
// PERM0, by thread 0; the same counter-RNG draws, so the same minibatches): every product's
// sample index i goes through row_of(s, i), the gradient is scaled by ND/NS through cfg.lr (the
// host's) and the recorded loss by ND/NS here, an unbiased estimate of F as on the CPU.
// provides: const OP_FWD0, const OP_FWD, const OP_OUT, const OP_BACK_OUT, const OP_BACK
// provides: const OP_GRAD_W, const OP_GRAD_B, const OP_GRAD_A, const BLK, const SCRATCH
// provides: var scratch, var losses
// provides: var tile_a, var tile_b, var loss_part, fn relu, fn g_at, fn delta_at, fn e_at
// provides: fn a_val, fn b_val, fn store, fn tile_product, fn sync, fn main
// provides: const EZ0, var clamp_part, var halted, fn ez_at, fn extra_forward, fn extra_step
// provides: const PERM0, fn row_of, fn x_at, fn y_at, fn draw_minibatch
// expects: const DIN, const NL, const M, const DOUT, const NS, const ND, const TRAIN_ALL, const TILE, const RB
// expects: const EXTRA, const EXTRA_Z_MAX, const STREAM_SAMPLE, const STREAMS_PER_STEP, fn rng_uniform_int
// expects: const E0, const P, const SGD, var cfg, var params, var xs, var ys

// The products of a step (the `op` of tile_product).
const OP_FWD0: u32 = 0u;
const OP_FWD: u32 = 1u;
const OP_OUT: u32 = 2u;
const OP_BACK_OUT: u32 = 3u;
const OP_BACK: u32 = 4u;
const OP_GRAD_W: u32 = 5u;
const OP_GRAD_B: u32 = 6u;
const OP_GRAD_A: u32 = 7u;

/** The side of an output tile: TILE threads × RB registers each way. */
const BLK: u32 = TILE * RB;
/** Offset of EZ in the scratch row. */
const EZ0: u32 = (NL + 3u) * NS * M + NS * DOUT;
/** Offset of the minibatch's index row in the scratch row. */
const PERM0: u32 = EZ0 + select(0u, NS * DOUT, EXTRA);
const SCRATCH: u32 = PERM0 + select(0u, ND, SGD);

@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;

var<workgroup> tile_a: array<array<f32, BLK>, BLK>;
var<workgroup> tile_b: array<array<f32, BLK>, BLK>;
var<workgroup> loss_part: array<f32, TILE * TILE>;
/** Per thread: whether one of its e^z clamped this step; `halted`: whether any did (thread 0's OR). */
var<workgroup> clamp_part: array<u32, TILE * TILE>;
var<workgroup> halted: u32;

fn relu(v: f32) -> f32 { return max(v, 0.0); }

/** (G_ℓ)[i, k] of restart scratch row s. */
fn g_at(s: u32, l: u32, i: u32, k: u32) -> f32 { return scratch[s + (l * NS + i) * M + k]; }
/** Δ_ℓ[i, k], in ping-pong block ℓ mod 2. */
fn delta_at(s: u32, l: u32, i: u32, k: u32) -> f32 { return scratch[s + ((NL + 1u + (l & 1u)) * NS + i) * M + k]; }
fn e_at(s: u32, i: u32, o: u32) -> f32 { return scratch[s + (NL + 3u) * NS * M + i * DOUT + o]; }
/** The data row of the step's sample i: i itself in full batch, else the minibatch's i-th draw. */
fn row_of(s: u32, i: u32) -> u32 {
  if (SGD) { return u32(scratch[s + PERM0 + i]); }
  return i;
}
fn x_at(s: u32, i: u32, c: u32) -> f32 { return xs[row_of(s, i) * DIN + c]; }
fn y_at(s: u32, i: u32, o: u32) -> f32 { return ys[row_of(s, i) * DOUT + o]; }

/**
 * Step t's minibatch of restart `restart` into PERM0's first NS entries (thread 0; indices as f32,
 * exact below 2²⁴): deepMinibatch's partial Fisher–Yates, draw j = rng_uniform_int(seed, restart,
 * STREAM_SAMPLE + STREAMS_PER_STEP·t, j, ND − j).
 */
fn draw_minibatch(s: u32, restart: u32, t: u32) {
  for (var j = 0u; j < ND; j++) { scratch[s + PERM0 + j] = f32(j); }
  let stream = STREAM_SAMPLE + STREAMS_PER_STEP * t;
  for (var j = 0u; j < NS; j++) {
    let k = j + rng_uniform_int(cfg.seed, restart, stream, j, ND - j);
    let tmp = scratch[s + PERM0 + j];
    scratch[s + PERM0 + j] = scratch[s + PERM0 + k];
    scratch[s + PERM0 + k] = tmp;
  }
}

/** e^{z_io} of the extra neuron (EXTRA only). */
fn ez_at(s: u32, i: u32, o: u32) -> f32 { return scratch[s + EZ0 + i * DOUT + o]; }

/** Left operand (row, kk) of product `op` at layer l; 0 outside. */
fn a_val(op: u32, l: u32, s: u32, row: u32, kk: u32, rows: u32, inner: u32) -> f32 {
  if (row >= rows || kk >= inner) { return 0.0; }
  switch (op) {
    case OP_FWD0: { return x_at(s, row, kk); }
    case OP_GRAD_A: { return delta_at(s, 0u, kk, row); }
    case OP_FWD, OP_OUT: { return relu(g_at(s, l - 1u, row, kk)); }
    case OP_BACK_OUT: { return e_at(s, row, kk); }
    case OP_BACK: { return delta_at(s, l, row, kk); }
    case OP_GRAD_W: { return delta_at(s, l, kk, row); }
    case OP_GRAD_B: { return e_at(s, kk, row); }
    default: { return 0.0; }
  }
}

/** Right operand (kk, col) of product `op` at layer l of parameter row pr; 0 outside. */
fn b_val(op: u32, l: u32, s: u32, pr: u32, kk: u32, col: u32, inner: u32, cols: u32) -> f32 {
  if (kk >= inner || col >= cols) { return 0.0; }
  let w = pr + M * DIN + (l - 1u) * M * M;
  let b = pr + M * DIN + NL * M * M;
  switch (op) {
    case OP_FWD0: { return params[pr + col * DIN + kk]; }
    case OP_FWD: { return params[w + col * M + kk]; }
    case OP_OUT: { return params[b + col * M + kk]; }
    case OP_BACK_OUT: { return params[b + kk * M + col]; }
    case OP_BACK: { return params[w + kk * M + col]; }
    case OP_GRAD_W: { return relu(g_at(s, l - 1u, kk, col)); }
    case OP_GRAD_B: { return relu(g_at(s, NL, kk, col)); }
    case OP_GRAD_A: { return x_at(s, kk, col); }
    default: { return 0.0; }
  }
}

/** Write the product's (row, col) entry `acc` where `op` puts it. */
fn store(op: u32, l: u32, s: u32, pr: u32, row: u32, col: u32, acc: f32) {
  let w = pr + M * DIN + (l - 1u) * M * M;
  let b = pr + M * DIN + NL * M * M;
  switch (op) {
    case OP_FWD0: { scratch[s + row * M + col] = acc; }
    case OP_FWD: { scratch[s + (l * NS + row) * M + col] = acc; }
    case OP_OUT: {
      var y = acc;
      if (EXTRA) { y += params[pr + E0 + col] * ez_at(s, row, col); }
      scratch[s + (NL + 3u) * NS * M + row * DOUT + col] = y - y_at(s, row, col);
    }
    case OP_BACK_OUT: {
      scratch[s + ((NL + 1u + (NL & 1u)) * NS + row) * M + col] = select(0.0, acc, g_at(s, NL, row, col) >= 0.0);
    }
    case OP_BACK: {
      let lo = l - 1u;
      scratch[s + ((NL + 1u + (lo & 1u)) * NS + row) * M + col] = select(0.0, acc, g_at(s, lo, row, col) >= 0.0);
    }
    case OP_GRAD_W: { params[w + row * M + col] -= cfg.lr * acc; }
    case OP_GRAD_B: { params[b + row * M + col] -= cfg.lr * acc; }
    case OP_GRAD_A: { params[pr + row * DIN + col] -= cfg.lr * acc; }
    default: {}
  }
}

/** Every thread's storage writes visible to the workgroup before the next product reads them. */
fn sync() {
  storageBarrier();
  workgroupBarrier();
}

/**
 * out[rows × cols] = Σ_kk a(row, kk)·b(kk, col), BLK×BLK output tiles in turn (BLK = TILE·RB),
 * each thread an RB×RB block of the tile held in registers (entries ly + TILE·u, lx + TILE·v),
 * the inner dimension staged BLK at a time through tile_a / tile_b: per staged block a thread does
 * BLK·RB² multiply-adds for 2·BLK·RB workgroup-memory reads, RB× fewer reads per FMA than one
 * output per thread. All bounds are uniform, so the barriers are in uniform control flow.
 */
fn tile_product(op: u32, l: u32, s: u32, pr: u32, rows: u32, cols: u32, inner: u32, lx: u32, ly: u32) {
  let tilesR = (rows + BLK - 1u) / BLK;
  let tilesC = (cols + BLK - 1u) / BLK;
  let tilesK = (inner + BLK - 1u) / BLK;
  for (var tr = 0u; tr < tilesR; tr++) {
    for (var tc = 0u; tc < tilesC; tc++) {
      // Zeroed explicitly: a declaration without initializer inside a loop is not re-zeroed
      // each iteration by every compiler (SwiftShader's was not).
      var acc = array<array<f32, RB>, RB>();
      for (var tk = 0u; tk < tilesK; tk++) {
        for (var u = 0u; u < RB; u++) {
          for (var v = 0u; v < RB; v++) {
            let rr = ly + TILE * u;
            let cc = lx + TILE * v;
            tile_a[rr][cc] = a_val(op, l, s, tr * BLK + rr, tk * BLK + cc, rows, inner);
            tile_b[rr][cc] = b_val(op, l, s, pr, tk * BLK + rr, tc * BLK + cc, inner, cols);
          }
        }
        workgroupBarrier();
        for (var q = 0u; q < BLK; q++) {
          var av: array<f32, RB>;
          var bv: array<f32, RB>;
          for (var u = 0u; u < RB; u++) { av[u] = tile_a[ly + TILE * u][q]; bv[u] = tile_b[q][lx + TILE * u]; }
          for (var u = 0u; u < RB; u++) {
            for (var v = 0u; v < RB; v++) { acc[u][v] += av[u] * bv[v]; }
          }
        }
        workgroupBarrier();
      }
      for (var u = 0u; u < RB; u++) {
        for (var v = 0u; v < RB; v++) {
          let row = tr * BLK + ly + TILE * u;
          let col = tc * BLK + lx + TILE * v;
          if (row < rows && col < cols) { store(op, l, s, pr, row, col, acc[u][v]); }
        }
      }
    }
  }
  sync();
}

/** EZ of restart r from its b and W_e, this thread's share; returns whether a clamp bound in it. */
fn extra_forward(s: u32, pr: u32, li: u32) -> u32 {
  var clamped = 0u;
  for (var q = li; q < NS * DOUT; q += TILE * TILE) {
    let i = q / DOUT;
    let o = q % DOUT;
    var z = params[pr + E0 + DOUT + o];
    for (var c = 0u; c < DIN; c++) { z += params[pr + E0 + 2u * DOUT + o * DIN + c] * x_at(s, i, c); }
    if (!(z <= EXTRA_Z_MAX)) { clamped = 1u; }
    scratch[s + EZ0 + q] = exp(min(z, EXTRA_Z_MAX));
  }
  return clamped;
}

/** One GD step of the extra neurons from E and EZ: b and W_e (which read the old a), then a. */
fn extra_step(s: u32, pr: u32, li: u32) {
  // Entry q of [b (DOUT) | W_e (DOUT×DIN)]: q < DOUT is b_q, else W_e[o, c] with o·DIN + c = q − DOUT.
  for (var q = li; q < DOUT * (1u + DIN); q += TILE * TILE) {
    let o = select((q - DOUT) / DIN, q, q < DOUT);
    let c = (q - DOUT) % DIN;
    let a = params[pr + E0 + o];
    var g = 0.0;
    for (var i = 0u; i < NS; i++) {
      let r = e_at(s, i, o) * a * ez_at(s, i, o);
      g += select(r * x_at(s, i, c), r, q < DOUT);
    }
    params[pr + E0 + DOUT + q] -= cfg.lr * g;
  }
  sync();
  for (var o = li; o < DOUT; o += TILE * TILE) {
    let a = params[pr + E0 + o];
    var g = f32(NS) * cfg.lambda * a;
    for (var i = 0u; i < NS; i++) { g += e_at(s, i, o) * ez_at(s, i, o); }
    params[pr + E0 + o] = a - cfg.lr * g;
  }
  sync();
}

@compute @workgroup_size(TILE, TILE)
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u) {
  let r = wid.x;
  if (r >= cfg.restarts) { return; }
  let pr = r * P;
  let s = r * SCRATCH;
  let lx = lid.x;
  let ly = lid.y;
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    if (SGD) {
      if (li == 0u) { draw_minibatch(s, cfg.restartBase + r, cfg.stepBase + k); }
      sync();
    }
    // EZ before the products: OP_FWD0's closing sync makes it visible to OP_OUT.
    var clamped = 0u;
    if (EXTRA) { clamped = extra_forward(s, pr, li); }
    tile_product(OP_FWD0, 0u, s, pr, NS, M, DIN, lx, ly);
    for (var l = 1u; l <= NL; l++) { tile_product(OP_FWD, l, s, pr, NS, M, M, lx, ly); }
    tile_product(OP_OUT, NL + 1u, s, pr, NS, DOUT, M, lx, ly);
    // The loss, before the update (deepGdStep returns F at the step's start).
    var part = 0.0;
    for (var q = li; q < NS * DOUT; q += TILE * TILE) {
      let e = e_at(s, q / DOUT, q % DOUT);
      part += 0.5 * e * e;
    }
    loss_part[li] = part;
    clamp_part[li] = clamped;
    workgroupBarrier();
    if (li == 0u) {
      var total = 0.0;
      var any = 0u;
      for (var q = 0u; q < TILE * TILE; q++) { total += loss_part[q]; any |= clamp_part[q]; }
      if (EXTRA) {
        for (var o = 0u; o < DOUT; o++) { let a = params[pr + E0 + o]; total += 0.5 * f32(NS) * cfg.lambda * a * a; }
        if (any != 0u) {
          // A NaN (no constant NaN in WGSL) for this step and every later one of the dispatch.
          let nan = bitcast<f32>(0x7fc00000u | (cfg.restarts & 0u));
          for (var kk = k; kk < cfg.chunkSteps; kk++) { losses[r * cfg.totalSteps + cfg.stepBase + kk] = nan; }
        }
      }
      halted = any;
      // A minibatch's loss times ND/NS: the estimate of F (1 in full batch).
      if (any == 0u) { losses[r * cfg.totalSteps + cfg.stepBase + k] = total * (f32(ND) / f32(NS)); }
    }
    // The restart stops where a clamp bound (a uniform value: the load includes the barrier).
    if (EXTRA) {
      if (workgroupUniformLoad(&halted) != 0u) { break; }
      extra_step(s, pr, li);
    }
    tile_product(OP_BACK_OUT, NL + 1u, s, pr, NS, M, DOUT, lx, ly);
    if (TRAIN_ALL) { tile_product(OP_GRAD_B, NL + 1u, s, pr, DOUT, M, NS, lx, ly); }
    for (var l = NL; l >= 1u; l--) {
      // Δ_{ℓ−1} needs the old W_ℓ; Δ₀ only matters when A is trained.
      if (l > 1u || TRAIN_ALL) { tile_product(OP_BACK, l, s, pr, NS, M, M, lx, ly); }
      tile_product(OP_GRAD_W, l, s, pr, M, M, NS, lx, ly);
    }
    if (TRAIN_ALL) { tile_product(OP_GRAD_A, 0u, s, pr, M, DIN, NS, lx, ly); }
  }
}
