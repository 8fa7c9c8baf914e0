// reduce.wgsl — statistics of a wave: counts per outcome, Σ steps (two words with carry: it can
// pass 2^32), and histograms of log10(loss / L_ref), final angle and steps, binned exactly as
// src/core/stats.ts bins them, into `stats` (the Stats schema of host/buffers.ts, read back by
// host/contract.ts decodeStats). An outcome's count slot is its code − OUTCOME_GLOBAL.
//
// Incremental: `stats` holds the wave's running totals (cleared once, when the wave starts), and
// each chunk adds only the restarts decided within it — those whose deciding step lies in
// [cfg.stepBase, cfg.stepBase + cfg.chunkSteps) — so a run makes one set of atomics per restart,
// not one per restart finished so far at every chunk. With so few, they go straight to `stats`:
// staging them in workgroup memory would cost every workgroup of every chunk its zeroing and a
// barrier (on a CPU adapter a barrier switches every invocation's context), whether or not any
// of its restarts was decided.
// provides: var stats, fn bin_of, fn main, fn log10f
// expects: const BINS, const WORKGROUP, const LOG_LOSS_LO, const LOG_LOSS_HI, const LOG_LOSS_FLOOR
// expects: const C_PROBLEM, const PROBLEM_WORDS, const MANY_PROBLEMS, var consts
// expects: const OUTCOME_RUNNING, const OUTCOME_GLOBAL, const OUTCOME_SPURIOUS, const OUTCOME_DIVERGED
// expects: struct Stats, var cfg, var state

@group(0) @binding(7) var<storage, read_write> stats: Stats;

fn bin_of(x: f32, lo: f32, hi: f32) -> u32 {
  if (!(x == x)) { return BINS - 1u; }
  let b = floor((x - lo) / (hi - lo) * f32(BINS));
  return u32(clamp(b, 0.0, f32(BINS - 1u)));
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * WORKGROUP * groups.x;
  if (r >= cfg.restarts) { return; }
  let st = state[r];
  if (st.status == OUTCOME_RUNNING || st.steps < cfg.stepBase || st.steps - cfg.stepBase >= cfg.chunkSteps) { return; }
  atomicAdd(&stats.counts[st.status - OUTCOME_GLOBAL], 1u);
  // Σ steps: each addend < 2^24 (maxSteps, validated on the host); carry into the high word when
  // the low word wraps.
  let old = atomicAdd(&stats.stepsLo, st.steps);
  if (old + st.steps < old) { atomicAdd(&stats.stepsHi, 1u); }
  if (st.status == OUTCOME_GLOBAL || st.status == OUTCOME_SPURIOUS) {
    // L_ref of the restart's problem (experiment.problems: word 2 of its block in `consts`).
    var loss_ref = cfg.lossRef;
    if (MANY_PROBLEMS) { loss_ref = consts[C_PROBLEM + ((cfg.restartBase + r) / cfg.perProblem) * PROBLEM_WORDS + 2u]; }
    let l = log10f(max(st.loss / loss_ref, LOG_LOSS_FLOOR));
    atomicAdd(&stats.logLoss[bin_of(l, LOG_LOSS_LO, LOG_LOSS_HI)], 1u);
  }
  if (st.status != OUTCOME_DIVERGED) {
    atomicAdd(&stats.angle[bin_of(st.angle, 0.0, 3.141592653589793)], 1u);
  }
  atomicAdd(&stats.steps[bin_of(f32(st.steps), 0.0, f32(cfg.maxSteps + 1u))], 1u);
}

fn log10f(x: f32) -> f32 { return log2(x) * 0.30102999566398120; }
