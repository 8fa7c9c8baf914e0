// reduce.wgsl — statistics of a wave: counts per outcome, Σ steps (two words with carry: it can
// pass 2^32), and histograms of log10(loss / L_ref), final angle and steps, binned exactly as
// src/core/stats.ts bins them, into `stats` (the Stats schema of host/buffers.ts, read back by
// host/contract.ts decodeStats). Accumulated in workgroup memory first so that global atomics
// are few. An outcome's count slot is its code − OUTCOME_GLOBAL.
// provides: var stats, var wg_counts, var wg_log_loss, var wg_angle, var wg_steps_hist, var wg_steps
// provides: fn bin_of, fn main, fn log10f
// expects: const BINS, const WORKGROUP, const LOG_LOSS_LO, const LOG_LOSS_HI, const LOG_LOSS_FLOOR, const DECIDED_OUTCOMES
// expects: const OUTCOME_RUNNING, const OUTCOME_GLOBAL, const OUTCOME_SPURIOUS, const OUTCOME_DIVERGED
// expects: struct Stats, var cfg, var state

@group(0) @binding(7) var<storage, read_write> stats: Stats;

var<workgroup> wg_counts: array<atomic<u32>, DECIDED_OUTCOMES>;
var<workgroup> wg_log_loss: array<atomic<u32>, BINS>;
var<workgroup> wg_angle: array<atomic<u32>, BINS>;
var<workgroup> wg_steps_hist: array<atomic<u32>, BINS>;
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
    if (st.status != OUTCOME_RUNNING) {
      atomicAdd(&wg_counts[st.status - OUTCOME_GLOBAL], 1u);
      atomicAdd(&wg_steps, st.steps);
      if (st.status == OUTCOME_GLOBAL || st.status == OUTCOME_SPURIOUS) {
        let l = log10f(max(st.loss / cfg.lossRef, LOG_LOSS_FLOOR));
        atomicAdd(&wg_log_loss[bin_of(l, LOG_LOSS_LO, LOG_LOSS_HI)], 1u);
      }
      if (st.status != OUTCOME_DIVERGED) {
        atomicAdd(&wg_angle[bin_of(st.angle, 0.0, 3.141592653589793)], 1u);
      }
      atomicAdd(&wg_steps_hist[bin_of(f32(st.steps), 0.0, f32(cfg.maxSteps + 1u))], 1u);
    }
  }
  workgroupBarrier();
  if (lid < DECIDED_OUTCOMES) {
    let c = atomicLoad(&wg_counts[lid]);
    if (c > 0u) { atomicAdd(&stats.counts[lid], c); }
  }
  if (lid == 0u) {
    // Σ steps of one workgroup fits in u32 (maxSteps ≤ 2^24 and WORKGROUP ≤ 256, validated on the
    // host); carry into the high word when the global low word wraps.
    let add = atomicLoad(&wg_steps);
    let old = atomicAdd(&stats.stepsLo, add);
    if (old + add < old) { atomicAdd(&stats.stepsHi, 1u); }
  }
  for (var b = lid; b < BINS; b += WORKGROUP) {
    let l = atomicLoad(&wg_log_loss[b]);
    if (l > 0u) { atomicAdd(&stats.logLoss[b], l); }
    let a = atomicLoad(&wg_angle[b]);
    if (a > 0u) { atomicAdd(&stats.angle[b], a); }
    let s = atomicLoad(&wg_steps_hist[b]);
    if (s > 0u) { atomicAdd(&stats.steps[b], s); }
  }
}

fn log10f(x: f32) -> f32 { return log2(x) * 0.30102999566398120; }
