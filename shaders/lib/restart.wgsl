// lib/restart.wgsl — the per-restart machinery shared by the fused step kernels: the parameter
// row and its gradient in private memory, the outcome rule (src/core/outcome.ts, same order, same
// tests) and the optimiser update.
// provides: var theta, var grad, var problem, var step_overflow, fn problem_word, fn cosine_to_const, const RECOVERY_NO_MATCH, var recovery_cost, fn recovery_error, fn decide, fn apply_update, fn effective_filters, fn finish_gradient
// provides: fn rule_of, fn lr_of, fn eps_of, fn update_step, fn grad_norm_sq
// expects: const P, const M, const F, const K, const A_OFF, const E_OFF, const FT, const C_TW, const C_TA, const C_TRAP_W, const C_TRAP_A
// expects: const RECOVERY, const RECOVERY_SIGNS, const RECOVERY_FLIPS
// expects: const C_PROBLEM, const PROBLEM_WORDS, const MANY_PROBLEMS
// expects: const LEARNED, const SIGN_OUTPUT, const WEIGHT_NORM, const OPT, const EXTRA_OPT, const OPT_GD, const OPT_ADAGRAD
// expects: const OUTCOME_RUNNING, const OUTCOME_GLOBAL, const OUTCOME_SPURIOUS, const OUTCOME_DIVERGED
// expects: var cfg, var consts, var accum, fn is_finite
// expects: var wv, var vnorm
//
// `wv` (at least F·M floats) and `vnorm` (F) are the including kernel's: effective_filters writes
// the student's effective filters and norms there, and the population kernel keeps the teacher's
// filters after the student's in the same array.
//
// The row is [filters | output layer | extra neuron] (src/core/model.ts): the output layer is
// [A_OFF, E_OFF), Kawaguchi & Kaelbling's extra neuron [E_OFF, P) (empty, E_OFF = P, without one).
// A fixed output layer is never updated, the extra neuron always is, by its own step rule
// (rule_of), and a sign projection is the output layer's alone.

var<private> theta: array<f32, P>;
var<private> grad: array<f32, P>;
// The restart's problem (experiment.problems), set by the per-thread step loop (lib/step_chunk.wgsl);
// 0 in the kernels that run one problem. It picks the teacher and the thresholds below.
var<private> problem: u32;
// Set by a loss function whose step cannot be evaluated in f32 — the extra neuron's exponent past
// EXTRA_Z_MAX (lib/extra_neuron.wgsl) — and cleared at the start of each step: decide labels that
// step diverged, as the CPU labels the NaN loss it gives it. No other kernel sets it.
var<private> step_overflow: bool;

// Word w of the restart's problem's block in `consts` (host/encoding.ts PROBLEM_WORDS: global-loss
// threshold, gradient threshold, L_ref, Du's radius), or the Config's value with one problem.
fn problem_word(w: u32, one: f32) -> f32 {
  if (MANY_PROBLEMS) { return consts[C_PROBLEM + problem * PROBLEM_WORDS + w]; }
  return one;
}

// cos of the angle between filter j of theta and M values of consts at offset o (0 if either is 0).
fn cosine_to_const(j: u32, o: u32) -> f32 {
  var uv = 0.0;
  var uu = 0.0;
  var vv = 0.0;
  for (var t = 0u; t < M; t++) {
    let u = theta[j * M + t];
    let v = consts[o + t];
    uv += u * v;
    uu += u * u;
    vv += v * v;
  }
  if (uu > 0.0 && vv > 0.0) { return uv / sqrt(uu * vv); }
  return 0.0;
}

// Zhong et al.'s recovery metric (src/core/recovery.ts; K = 1, F = FT ≤ 8: filter j is hidden unit
// j, a_j its output weight): min over permutations π of max_j ‖w_j* − w_π(j)‖/‖w_j*‖ against the
// restart's problem's teacher, over the π with sign(a_π(j)) = sign(a_j*) when RECOVERY_SIGNS (a
// mismatch costs RECOVERY_NO_MATCH), or with every unit taken as sign(a_j)·w_j when RECOVERY_FLIPS
// (modulo the flips (a_j, w_j) → (−a_j, −w_j); sign 0 counts as +, as the CPU's). All F! permutations by Heap's algorithm, as the CPU
// reference enumerates them; it runs only when the loss is below the global threshold.
const RECOVERY_NO_MATCH: f32 = 1e30;
var<private> recovery_cost: array<f32, F * F>;

fn recovery_error() -> f32 {
  let tw = C_TW + problem * FT * M;
  let ta = C_TA + problem * FT * K;
  for (var j = 0u; j < F; j++) {
    var nn = 0.0;
    for (var t = 0u; t < M; t++) { nn += consts[tw + j * M + t] * consts[tw + j * M + t]; }
    // The teacher's and the student's unit signs under the flips (1 without them).
    let sj = select(1.0, select(1.0, -1.0, consts[ta + j] < 0.0), RECOVERY_FLIPS);
    for (var l = 0u; l < F; l++) {
      let sl = select(1.0, select(1.0, -1.0, theta[A_OFF + l] < 0.0), RECOVERY_FLIPS);
      var ss = 0.0;
      for (var t = 0u; t < M; t++) {
        let e = sj * consts[tw + j * M + t] - sl * theta[l * M + t];
        ss += e * e;
      }
      var c = sqrt(ss / nn);
      if (RECOVERY_SIGNS && sign(consts[ta + j]) != sign(theta[A_OFF + l])) { c = RECOVERY_NO_MATCH; }
      recovery_cost[j * F + l] = c;
    }
  }
  var perm: array<u32, F>;
  var counter: array<u32, F>;
  for (var i = 0u; i < F; i++) { perm[i] = i; counter[i] = 0u; }
  var best = 0.0;
  for (var j = 0u; j < F; j++) { best = max(best, recovery_cost[j * F + perm[j]]); }
  var i = 1u;
  while (i < F) {
    if (counter[i] < i) {
      let s = select(counter[i], 0u, i % 2u == 0u);
      let tmp = perm[s];
      perm[s] = perm[i];
      perm[i] = tmp;
      var worst = 0.0;
      for (var j = 0u; j < F; j++) { worst = max(worst, recovery_cost[j * F + perm[j]]); }
      best = min(best, worst);
      counter[i]++;
      i = 1u;
    } else {
      counter[i] = 0u;
      i++;
    }
  }
  return best;
}

fn decide(loss: f32, gnorm_sq: f32) -> u32 {
  var ss = 0.0;
  for (var p = 0u; p < P; p++) { ss += theta[p] * theta[p]; }
  // ‖θ‖₂ (overflows to Inf, or is NaN, for a non-finite row)
  if (step_overflow || !(is_finite(loss) && is_finite(gnorm_sq) && is_finite(ss)) || sqrt(ss) > cfg.divergeNorm) { return OUTCOME_DIVERGED; }
  let global_loss = problem_word(0u, cfg.globalLoss);
  if (loss <= global_loss) {
    let angle_holds = cfg.angleCos < -1.0 || cosine_to_const(0u, C_TW + problem * FT * M) >= cfg.angleCos;
    if (angle_holds && (!RECOVERY || recovery_error() <= cfg.recoveryTol)) { return OUTCOME_GLOBAL; }
  }
  if (cfg.hasTrap != 0u) {
    var in_trap = true;
    for (var j = 0u; j < F; j++) {
      in_trap = in_trap && cosine_to_const(j, C_TRAP_W + j * M) >= cfg.trapCos;
    }
    if (in_trap && cfg.trapHasA != 0u) {
      var dd = 0.0;
      for (var q = 0u; q < F * K; q++) {
        let e = theta[A_OFF + q] - consts[C_TRAP_A + q];
        dd += e * e;
      }
      in_trap = sqrt(dd) <= cfg.trapATol;
    }
    if (in_trap) { return OUTCOME_SPURIOUS; }
  }
  // With a recovery rule a stationary point is spurious at any loss once it was not found global above.
  if ((RECOVERY || loss > global_loss) && sqrt(gnorm_sq) <= problem_word(1u, cfg.gradThreshold)) { return OUTCOME_SPURIOUS; }
  return OUTCOME_RUNNING;
}

// The step rule coordinate p follows, with its lr and eps: the extra neuron's own (EXTRA_OPT,
// cfg.extraLr, cfg.extraEps: optimizer.extra, or the optimiser's where it has none) from E_OFF on,
// the optimiser's before (src/engine/cpu.ts ruleOf).
fn rule_of(p: u32) -> u32 { return select(OPT, EXTRA_OPT, p >= E_OFF); }
fn lr_of(p: u32) -> f32 { return select(cfg.lr, cfg.extraLr, p >= E_OFF); }
fn eps_of(p: u32) -> f32 { return select(cfg.eps, cfg.extraEps, p >= E_OFF); }

// The displacement of parameter p by this step (AdaGrad: with this step's g² in the accumulator,
// without writing it), as apply_update takes it.
fn update_step(row: u32, p: u32) -> f32 {
  if (rule_of(p) == OPT_ADAGRAD) { return lr_of(p) * grad[p] / (sqrt(accum[row + p] + grad[p] * grad[p]) + eps_of(p)); }
  return lr_of(p) * grad[p];
}

// ‖grad‖² as the outcome rule reads it (src/core/outcome.ts). Under a sign-projected output layer
// (SIGN_OUTPUT, src/core/sign-output.ts signGradNormSq) an output weight counts only where this
// step would flip its sign, or where its gradient is not finite: one the step keeps is at rest.
fn grad_norm_sq(row: u32) -> f32 {
  var gg = 0.0;
  for (var p = 0u; p < P; p++) {
    let g = grad[p];
    var counts = true;
    if (SIGN_OUTPUT && p >= A_OFF && p < E_OFF) {
      counts = !is_finite(g) || !(theta[p] * (theta[p] - update_step(row, p)) >= 0.0);
    }
    if (counts) { gg += g * g; }
  }
  return gg;
}

// The step on the trained coordinates, each by its rule (rule_of); a sign-projected output weight
// then takes the sign of its updated value, keeping its previous sign where that is 0 (or NaN;
// sign-output.ts).
fn apply_update(row: u32) {
  for (var p = 0u; p < P; p++) {
    if (!LEARNED && p >= A_OFF && p < E_OFF) { continue; }
    var next = theta[p];
    let rule = rule_of(p);
    if (rule == OPT_GD) {
      next = theta[p] - lr_of(p) * grad[p];
    } else if (rule == OPT_ADAGRAD) {
      let g2 = accum[row + p] + grad[p] * grad[p];
      accum[row + p] = g2;
      next = theta[p] - lr_of(p) * grad[p] / (sqrt(g2) + eps_of(p));
    }
    if (SIGN_OUTPUT && p >= A_OFF && p < E_OFF) {
      next = select(select(theta[p], -1.0, next < 0.0), 1.0, next > 0.0);
    }
    theta[p] = next;
  }
}

// The student's effective filters w_j (v_j/‖v_j‖ under weight normalisation) into the first F·M
// entries of `wv`, and ‖v_j‖ into `vnorm`.
fn effective_filters() {
  for (var j = 0u; j < F; j++) {
    var ss = 0.0;
    for (var u = 0u; u < M; u++) { ss += theta[j * M + u] * theta[j * M + u]; }
    let n = sqrt(ss);
    vnorm[j] = n;
    let scale = select(1.0, 1.0 / n, WEIGHT_NORM);
    for (var u = 0u; u < M; u++) { wv[j * M + u] = theta[j * M + u] * scale; }
  }
}

// Weight normalisation's chain rule, ∂L/∂v_j = (I − w_j w_jᵀ)∂L/∂w_j / ‖v_j‖, with w and ‖v‖
// as the loss function left them in `wv` / `vnorm`; and no gradient for a fixed output layer
// (the extra neuron's, after it, stays).
fn finish_gradient() {
  if (WEIGHT_NORM) {
    for (var j = 0u; j < F; j++) {
      var dot = 0.0;
      for (var t = 0u; t < M; t++) { dot += grad[j * M + t] * wv[j * M + t]; }
      for (var t = 0u; t < M; t++) {
        grad[j * M + t] = (grad[j * M + t] - dot * wv[j * M + t]) / vnorm[j];
      }
    }
  }
  if (!LEARNED) {
    for (var q = A_OFF; q < E_OFF; q++) { grad[q] = 0.0; }
  }
}
