// empirical_step_coop.wgsl — cooperative fused empirical step: one workgroup per restart. Its
// STEP_WORKGROUP threads split the step's batch (thread l takes elements l, l + STEP_WORKGROUP, …;
// lib/sample_grad.wgsl), each sums its elements' loss and gradient in private memory, the sums are
// added across the workgroup (group_sum: subgroupAdd where the adapter has subgroups, workgroup
// memory otherwise), and thread 0 applies the outcome rule and the update and shares the new
// parameters. Why: the per-thread kernels give R restarts R (or R/8) threads, which fill a CPU
// adapter's cores but leave a real GPU's tens of thousands of lanes idle; this has
// R·STEP_WORKGROUP threads. Same steps, same rule, same order of operations per element as
// empirical_step.wgsl; only the order in which the per-element terms are summed differs.
// provides: var shared_theta, var shared_running, fn main
// expects: const P, const STEP_WORKGROUP, const OUTCOME_RUNNING, const EXTRA, struct RestartState
// expects: var cfg, var state, var params, var theta, var grad, fn settle, fn decide, fn grad_norm_sq, fn apply_update
// expects: fn effective_filters, fn finish_gradient, fn batch_size, fn add_sample, fn group_sum
//
// group_sum is lib/group_sum_subgroup.wgsl's or lib/group_sum_workgroup.wgsl's.
//
// Not for Kawaguchi & Kaelbling's extra neuron: its overflow flag (step_overflow) is set per
// thread by the elements each takes and would need a reduction of its own before thread 0
// decides; host/kernels.ts stepKernelFor runs empirical_step.wgsl for it instead, and this
// assertion keeps the kernel from being composed with it.

const_assert !EXTRA;

var<workgroup> shared_theta: array<f32, P>;
var<workgroup> shared_running: u32;

@compute @workgroup_size(STEP_WORKGROUP)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = wid.x + wid.y * groups.x;
  if (r >= cfg.restarts) { return; }
  let row = r * P;
  var st: RestartState;
  if (lid == 0u) {
    st = state[r];
    shared_running = select(0u, 1u, st.status == OUTCOME_RUNNING);
  }
  for (var p = 0u; p < P; p++) { theta[p] = params[row + p]; }
  let restart = cfg.restartBase + r;
  let nb = batch_size();
  let inv = 1.0 / f32(nb);
  var stepped = false;
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    if (workgroupUniformLoad(&shared_running) == 0u) { break; }
    stepped = true;
    let t = cfg.stepBase + k;
    effective_filters();
    for (var p = 0u; p < P; p++) { grad[p] = 0.0; }
    var part = 0.0;
    for (var b = lid; b < nb; b += STEP_WORKGROUP) { part += add_sample(restart, t, b); }
    // The workgroup's sums into thread 0's `grad`, and its loss.
    let loss = group_sum(part, lid) * inv;
    if (lid == 0u) {
      for (var p = 0u; p < P; p++) { grad[p] *= inv; }
      finish_gradient();
      if (settle(&st, decide(loss, grad_norm_sq(row)), t, loss)) {
        shared_running = 0u;
      } else {
        apply_update(row);
      }
      for (var p = 0u; p < P; p++) { shared_theta[p] = theta[p]; }
    }
    workgroupBarrier();
    for (var p = 0u; p < P; p++) { theta[p] = shared_theta[p]; }
  }
  if (lid == 0u && stepped) {
    for (var p = 0u; p < P; p++) { params[row + p] = theta[p]; }
    state[r] = st;
  }
}
