// lib/bindings.wgsl — the bindings every per-restart kernel shares (one explicit bind group
// layout, host/kernels.ts) and the recording of a restart's outcome.
// provides: fn is_finite, fn settle, var cfg, var params, var state, var consts, var accum
// expects: struct Config, struct RestartState, const OUTCOME_RUNNING, const OUTCOME_UNDECIDED
//
// `consts` holds the teacher and the outcome rule's points at offsets the host passes as
// constants (C_TW, C_TA, C_FIXED_A, C_TRAP_W, C_TRAP_A, C_GRID_BASE: host/encoding.ts constsLayout);
// `Config` and `RestartState` are declared from the typegpu schemas in host/buffers.ts.

fn is_finite(x: f32) -> bool {
  // NaN fails both comparisons; ±Inf fails the bound.
  return abs(x) <= 3.4028234e38;
}

// Records the outcome the rule gave at step t (undecided once the budget is spent) into the
// restart's state; true when the restart is decided and must stop stepping.
fn settle(st: ptr<function, RestartState>, rule_code: u32, t: u32, loss: f32) -> bool {
  var code = rule_code;
  if (code == OUTCOME_RUNNING && t >= cfg.maxSteps) { code = OUTCOME_UNDECIDED; }
  if (code == OUTCOME_RUNNING) { return false; }
  (*st).status = code;
  (*st).steps = t;
  (*st).loss = loss;
  return true;
}

@group(0) @binding(0) var<uniform> cfg: Config;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> state: array<RestartState>;
@group(0) @binding(3) var<storage, read> consts: array<f32>;
@group(0) @binding(4) var<storage, read_write> accum: array<f32>;
