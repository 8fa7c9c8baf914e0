// Statistics of a wave: counts per outcome, Σ steps (two words with carry: it can pass 2^32), and
// histograms of log10(loss / L_ref), final angle and steps, binned exactly as src/core/stats.ts bins
// them. Accumulated in workgroup memory first so that global atomics are few.
// Requires lib/bindings.wgsl. Layout of `stats` (u32): [0..4) counts global, spurious, diverged,
// undecided; [4] steps low word, [5] steps high word; then 3 histograms of BINS bins.

@group(0) @binding(7) var<storage, read_write> stats: array<atomic<u32>>;

const STATS_HIST: u32 = 6u;
var<workgroup> wg_counts: array<atomic<u32>, 4>;
var<workgroup> wg_hist: array<atomic<u32>, 3 * BINS>;
var<workgroup> wg_steps: atomic<u32>;

fn bin_of(x: f32, lo: f32, hi: f32) -> u32 {
  if (!(x == x)) { return BINS - 1u; }
  let b = floor((x - lo) / (hi - lo) * f32(BINS));
  return u32(clamp(b, 0.0, f32(BINS - 1u)));
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * WORKGROUP * groups.x;
  if (r < cfg.restarts) {
    let st = state[r];
    if (st.status != RUNNING) {
      atomicAdd(&wg_counts[st.status - 1u], 1u);
      atomicAdd(&wg_steps, st.steps);
      if (st.status == GLOBAL || st.status == SPURIOUS) {
        let l = log10f(max(st.loss / cfg.lossRef, 1e-30));
        atomicAdd(&wg_hist[bin_of(l, LOG_LOSS_LO, LOG_LOSS_HI)], 1u);
      }
      if (st.status != DIVERGED) {
        atomicAdd(&wg_hist[BINS + bin_of(st.angle, 0.0, 3.141592653589793)], 1u);
      }
      atomicAdd(&wg_hist[2u * BINS + bin_of(f32(st.steps), 0.0, f32(cfg.maxSteps + 1u))], 1u);
    }
  }
  workgroupBarrier();
  if (lid < 4u) {
    let c = atomicLoad(&wg_counts[lid]);
    if (c > 0u) { atomicAdd(&stats[lid], c); }
  }
  if (lid == 0u) {
    // Σ steps of one workgroup fits in u32 (maxSteps ≤ 2^24 and WORKGROUP ≤ 256, validated on the
    // host); carry into the high word when the global low word wraps.
    let add = atomicLoad(&wg_steps);
    let old = atomicAdd(&stats[4], add);
    if (old + add < old) { atomicAdd(&stats[5], 1u); }
  }
  for (var b = lid; b < 3u * BINS; b += WORKGROUP) {
    let c = atomicLoad(&wg_hist[b]);
    if (c > 0u) { atomicAdd(&stats[STATS_HIST + b], c); }
  }
}

fn log10f(x: f32) -> f32 { return log2(x) * 0.30102999566398120; }
