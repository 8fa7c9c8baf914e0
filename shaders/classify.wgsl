// classify.wgsl — outcome record of each finished restart: the angle between its filter 0 and
// the teacher's filter 0 (src/engine/cpu.ts reports the same), computed once, when the restart
// has been decided by the step kernel's outcome rule (lib/restart.wgsl) and its parameters are frozen.
// provides: fn main
// expects: const WORKGROUP, const P, const M, const FT, const C_TW, const OUTCOME_RUNNING, var cfg, var state, var params, var consts

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * WORKGROUP * groups.x;
  if (r >= cfg.restarts) { return; }
  let st = state[r];
  if (st.status == OUTCOME_RUNNING || st.angle >= 0.0) { return; }
  let row = r * P;
  // The restart's problem's teacher (experiment.problems; problem 0 with one).
  let tw = C_TW + ((cfg.restartBase + r) / cfg.perProblem) * FT * M;
  var uv = 0.0;
  var uu = 0.0;
  var vv = 0.0;
  for (var u = 0u; u < M; u++) {
    let a = params[row + u];
    let b = consts[tw + u];
    uv += a * b;
    uu += a * a;
    vv += b * b;
  }
  var c = 0.0;
  if (uu > 0.0 && vv > 0.0) { c = clamp(uv / sqrt(uu * vv), -1.0, 1.0); }
  state[r].angle = acos(c);
}
