// lib/step_chunk.wgsl — the chunk loop of the one-restart-per-thread step kernels, with
// per-restart early stopping.
// provides: fn step_chunk
// expects: const P, const OUTCOME_RUNNING, var cfg, var state, var params, fn settle
// expects: var theta, var problem, fn decide, fn grad_norm_sq, fn apply_update, fn loss_and_grad
//
// The kernel that includes this file defines loss_and_grad(restart, t) -> f32, filling `grad`.

// Advances restart r (index within the wave) by up to cfg.chunkSteps steps.
fn step_chunk(r: u32) {
  if (r >= cfg.restarts) { return; }
  var st = state[r];
  if (st.status != OUTCOME_RUNNING) { return; }
  let row = r * P;
  for (var p = 0u; p < P; p++) { theta[p] = params[row + p]; }
  let restart = cfg.restartBase + r;
  problem = restart / cfg.perProblem;
  for (var k = 0u; k < cfg.chunkSteps; k++) {
    let t = cfg.stepBase + k;
    let loss = loss_and_grad(restart, t);
    if (settle(&st, decide(loss, grad_norm_sq(row)), t, loss)) { break; }
    apply_update(row);
  }
  for (var p = 0u; p < P; p++) { params[row + p] = theta[p]; }
  state[r] = st;
}
