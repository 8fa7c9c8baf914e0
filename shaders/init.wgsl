// init.wgsl — per-restart initialisation, draw for draw as src/core/init.ts: restart r's numbers
// come from the counter-based RNG keyed by (seed, r) on stream STREAM_INIT, normals at index p
// for filter entry p and at A_OFF + q for output weight q, the ball-radius uniform at index E_OFF
// (the base row's end: P without the extra neuron), and the extra neuron's normals (model.extra
// init) at E_OFF + 1 + e, indices no base parameter uses, so that a seed draws the same base row
// with and without it. Supplied starting points (INIT_SUPPLIED) are written into `params` by the
// host before this pass (host/wave.ts), as f32 of the f64 rows src/core/init.ts copies; they, and
// a grid's rows, hold the extra neuron already. Also resets the restart's state to running.
// provides: fn init_extra, fn init_restart, fn main
// expects: const P, const M, const F, const K, const A_OFF, const E_OFF, const E_LEN, const EXTRA, const LEARNED, const KEEP_OUTPUT, const SIGN_OUTPUT, const WORKGROUP
// expects: const C_GRID_BASE, const C_FIXED_A, const C_PROBLEM, const PROBLEM_WORDS, const MANY_PROBLEMS, const STREAM_INIT, const OUTCOME_RUNNING
// expects: const INIT_DU, const INIT_GAUSSIAN, const INIT_SPHERE, const INIT_GRID, const INIT_SUPPLIED
// expects: struct RestartState, var cfg, var params, var consts, var state, fn rng_normal, fn rng_uniform

// The extra neuron's own start (model.extra.init; src/core/init.ts): a_e ~ N(0, aStd²), b_e = b,
// w_e ~ N(0, wStd²) entrywise; a zero std draws nothing, so the default start is exactly 0.
fn init_extra(row: u32, restart: u32) {
  for (var e = 0u; e < E_LEN; e++) {
    let sd = select(select(cfg.extraWStd, 0.0, e == 1u), cfg.extraAStd, e == 0u);
    var x = select(0.0, cfg.extraB, e == 1u);
    if (sd > 0.0) { x += sd * rng_normal(cfg.seed, restart, STREAM_INIT, E_OFF + 1u + e); }
    params[row + E_OFF + e] = x;
  }
}

fn init_restart(r: u32) {
  if (r >= cfg.restarts) { return; }
  let restart = cfg.restartBase + r;
  let row = r * P;
  let kind = cfg.initKind;
  if (kind == INIT_SUPPLIED) {
    // The row is already in place (uploaded by the host); only a fixed output layer overrides it
    // (unless the rows carry their own, KEEP_OUTPUT: experiment init.keepOutput) or a sign-projected
    // one changes it, below.
  } else if (kind == INIT_GRID) {
    // Grid (basin maps): two axes over a rectangle, every other parameter at its base value.
    for (var p = 0u; p < P; p++) { params[row + p] = consts[C_GRID_BASE + p]; }
    let i0 = restart % cfg.gridRes0;
    let i1 = restart / cfg.gridRes0;
    let d0 = f32(max(cfg.gridRes0, 2u) - 1u);
    let d1 = f32(max(cfg.gridRes1, 2u) - 1u);
    params[row + cfg.gridAxis0] = cfg.gridLo0 + (cfg.gridHi0 - cfg.gridLo0) * f32(i0) / d0;
    params[row + cfg.gridAxis1] = cfg.gridLo1 + (cfg.gridHi1 - cfg.gridLo1) * f32(i1) / d1;
  } else if (kind == INIT_GAUSSIAN) {
    for (var p = 0u; p < E_OFF; p++) {
      params[row + p] = cfg.initScale * rng_normal(cfg.seed, restart, STREAM_INIT, p);
    }
  } else if (kind == INIT_DU || kind == INIT_SPHERE) {
    // Du et al. Thm 4.2 and 'sphere': filters uniform on the unit sphere.
    for (var j = 0u; j < F; j++) {
      var ss = 0.0;
      for (var u = 0u; u < M; u++) {
        let g = rng_normal(cfg.seed, restart, STREAM_INIT, j * M + u);
        params[row + j * M + u] = g;
        ss += g * g;
      }
      let inv = select(0.0, cfg.initSignV / sqrt(ss), ss > 0.0);
      for (var u = 0u; u < M; u++) { params[row + j * M + u] *= inv; }
    }
    if (kind == INIT_SPHERE) {
      for (var q = 0u; q < F * K; q++) {
        params[row + A_OFF + q] = cfg.initScale * rng_normal(cfg.seed, restart, STREAM_INIT, A_OFF + q);
      }
    } else {
      // INIT_DU: a uniform in the ball of radius cfg.radius in R^{F·K}: uniform direction × radius·U^{1/(F·K)}.
      var ss = 0.0;
      for (var q = 0u; q < F * K; q++) {
        let g = rng_normal(cfg.seed, restart, STREAM_INIT, A_OFF + q);
        params[row + A_OFF + q] = g;
        ss += g * g;
      }
      // Du et al.'s radius is the restart's problem's (its teacher's: word 3 of its block).
      var radius = cfg.radius;
      if (MANY_PROBLEMS) { radius = consts[C_PROBLEM + (restart / cfg.perProblem) * PROBLEM_WORDS + 3u]; }
      let rho = radius * pow(rng_uniform(cfg.seed, restart, STREAM_INIT, E_OFF), 1.0 / f32(F * K));
      let scale = select(0.0, cfg.initSignA * rho / sqrt(ss), ss > 0.0);
      for (var q = 0u; q < F * K; q++) { params[row + A_OFF + q] *= scale; }
    }
  }
  if (EXTRA && kind != INIT_SUPPLIED && kind != INIT_GRID) { init_extra(row, restart); }
  if (!LEARNED && !KEEP_OUTPUT) {
    for (var q = 0u; q < F * K; q++) { params[row + A_OFF + q] = consts[C_FIXED_A + q]; }
  } else if (SIGN_OUTPUT) {
    // A sign-projected output layer: the sign of what was drawn, +1 for 0 (src/core/sign-output.ts).
    for (var q = 0u; q < F * K; q++) { params[row + A_OFF + q] = select(1.0, -1.0, params[row + A_OFF + q] < 0.0); }
  }
  state[r] = RestartState(OUTCOME_RUNNING, 0u, 0.0, -1.0);
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  init_restart(gid.x + gid.y * WORKGROUP * groups.x);
}
