/**
 * The outcome rule: the one place that decides where a restart ended up. The CPU reference
 * (src/engine/cpu.ts) and the WGSL step kernels (shaders/lib/restart.wgsl decide, and
 * shaders/population_step_span.wgsl on its coordinates; lib/bindings.wgsl settle records the
 * outcome) apply exactly this rule, in this order, at every step t = 0 … maxSteps, to the
 * parameters θ_t *before* the update of step t:
 *
 *   1. diverged  — the loss or any gradient entry is not finite, or ‖θ‖₂ > divergeNorm;
 *   2. global    — L(θ_t) ≤ lossTol · L_ref and, when student and teacher both have one filter
 *                  (and the rule's angleTest is on), the filter's angle to the teacher's is
 *                  ≤ angleTol (the teacher up to the model's symmetries: positive rescaling of w
 *                  against a, and ‖v‖ under weight normalisation). With angleTest off, the loss
 *                  alone decides: for data whose zero-loss solutions are not unique (Brutzkus &
 *                  Globerson's set-splitting instance), where any zero-loss point is a global one.
 *                  With a recovery rule (outcome.recovery; fully connected nets, Zhong et al.),
 *                  global also needs the teacher's hidden units recovered: min over permutations π
 *                  of max_j ‖w_j* − w_π(j)‖/‖w_j*‖ ≤ recovery.tolerance, over the π that match
 *                  output signs (sign a_π(j) = sign a_j*) unless recovery.signs is false, or,
 *                  with recovery.flips (centred-odd φ: tanh, sigmoid), every unit compared as
 *                  sign(a_j)·w_j, modulo the flips (a_j, w_j) → (−a_j, −w_j) that leave such a
 *                  net unchanged (src/core/recovery.ts); a zero-loss point that is not the teacher (e.g. Zhong's
 *                  unconstrained v, which fits with |v_i| ≠ 1) is then not global;
 *   3. spurious  — θ_t sits at the experiment's known non-global critical point (outcome.trap:
 *                  every filter within trap.angleTol of the trap's direction and, for a learned
 *                  output layer, ‖a − trap.a‖₂ ≤ trap.aTol; e.g. Du et al. Lemma 5.1's angle-π point),
 *                  or it is stationary: ‖∇L(θ_t)‖₂ ≤ gradTol · √L_ref while the loss is above the
 *                  global tolerance (with a recovery rule: at any loss, once step 2 did not
 *                  find it global — a stationary zero-loss point away from the teacher). Under a
 *                  sign-projected output layer (model.output 'sign') an output weight is at rest
 *                  when this step keeps its sign, whatever its gradient, so ‖∇L‖ there counts ∇_a
 *                  only for the entries this step would flip (a·(a − step) < 0) or whose gradient
 *                  is not finite, and every filter entry as usual (src/core/sign-output.ts
 *                  signGradNormSq; restart.wgsl grad_norm_sq likewise);
 *   4. otherwise the restart takes its step; after the last step it is undecided.
 *
 * A decided restart stops moving (per-restart early stopping) and records the step t at which it
 * was decided and its loss there. L_ref is the loss of the zero predictor, ½E[f*(x)²] (population,
 * closed form), ½·mean(y²) over the fixed sample (empirical), or the closed form / a fixed-seed
 * estimate for fresh-sample SGD; it makes the tolerances scale-free.
 */

import { flipInvariantError, recoveryError } from './recovery.ts';

/** Outcome codes; the kernels name them OUTCOME_RUNNING, … (host/contract.ts injects them). */
export const OUTCOME = { running: 0, global: 1, spurious: 2, diverged: 3, undecided: 4 } as const;
export type OutcomeCode = (typeof OUTCOME)[keyof typeof OUTCOME];
export const OUTCOME_NAMES = ['running', 'global', 'spurious', 'diverged', 'undecided'] as const;
export type OutcomeName = (typeof OUTCOME_NAMES)[number];
/** The outcomes a restart ends with, in code order (global = 1 … undecided = 4). */
export const DECIDED_OUTCOMES = ['global', 'spurious', 'diverged', 'undecided'] as const satisfies readonly Exclude<OutcomeName, 'running'>[];

/** A known non-global critical point, in the coordinates that the model's symmetries leave. */
export interface Trap {
  /** Direction of each filter (F·m); compared by angle, so its scale does not matter. */
  w: Float64Array | number[];
  /** Output layer at the trap (F·K); ignored for a fixed output layer. */
  a?: Float64Array | number[];
  angleTol: number;
  aTol: number;
}

export interface OutcomeRule {
  /** Global when the loss is ≤ lossTol · L_ref. */
  lossTol: number;
  /** Stationary when ‖∇L‖₂ ≤ gradTol · √L_ref (0 disables the stationarity test; 'sign' output: ∇a only where the step flips a, rule 3). */
  gradTol: number;
  /** Diverged when the parameter row's Euclidean norm exceeds this. */
  divergeNorm: number;
  /** With one student and one teacher filter, global also needs angle(w, w*) ≤ angleTol (radians). */
  angleTol: number;
  /**
   * Whether the angle test applies at all (default true). false: global by the loss alone, for
   * problems whose global minimum is not the teacher alone (many zero-loss solutions).
   */
  angleTest?: boolean;
  trap?: Trap;
  /** Global also needs the teacher's hidden units recovered (fully connected nets: K = 1). */
  recovery?: RecoveryRule;
}

/** Zhong et al. (2017) §7's success: the teacher's hidden units recovered up to a permutation. */
export interface RecoveryRule {
  /** Largest relative error max_j ‖w_j* − w_π(j)‖/‖w_j*‖ that counts as recovered (Zhong et al.: 0.01). */
  tolerance: number;
  /** Only permutations that match the output signs, sign a_π(j) = sign a_j* (default true, as Zhong et al.). */
  signs?: boolean;
  /**
   * Compare modulo the flips (a_j, w_j) → (−a_j, −w_j): every unit, the teacher's and the
   * student's, as sign(a_j)·w_j (recovery.ts flipInvariantError). For centred-odd φ (tanh;
   * sigmoid up to a constant the loss test catches) the flips leave the net unchanged, so the
   * output signs are not identifiable and a sign-matched rule would call a flipped copy of the
   * teacher spurious. Default false; excludes `signs: true` (the flip is the sign's alternative).
   */
  flips?: boolean;
}

/** How the recovery rule matches units: signs matched, any permutation, or modulo the flips. */
export type RecoveryMatch = 'signs' | 'any' | 'flips';

/** The match a rule asks for (flips, else signs unless signs is false). */
export const recoveryMatch = (rule: RecoveryRule): RecoveryMatch => (rule.flips === true ? 'flips' : rule.signs === false ? 'any' : 'signs');

/** Most hidden units the recovery rule takes: the kernels enumerate all F! permutations (8! = 40 320, once per decision). */
export const RECOVERY_MAX_FILTERS = 8;

/**
 * Defaults chosen for f32 kernels: the population loss of a k = 100 output layer is a sum of
 * O(k) terms of size L_ref, so f32 rounding alone leaves ~1e-6·L_ref; 1e-4 keeps well clear of
 * it while sitting orders of magnitude below every known spurious value (Ω(‖a*‖²)).
 */
export const DEFAULT_OUTCOME_RULE: OutcomeRule = {
  lossTol: 1e-4,
  gradTol: 1e-5,
  divergeNorm: 1e6,
  angleTol: 0.1,
};

/**
 * A rule under which no restart is ever decided (no loss is below 1e-30·L_ref, no gradient below
 * 0, no norm reaches 1e30): every restart takes exactly maxSteps steps. For benchmarks and kernel
 * tests that time or compare a fixed number of steps.
 */
export const NEVER_DECIDE: OutcomeRule = { lossTol: 1e-30, gradTol: 0, divergeNorm: 1e30, angleTol: 0.1 };

/** Everything the per-step rule needs, resolved once per experiment (shared by CPU and GPU). */
export interface ResolvedOutcome {
  globalLoss: number;
  gradThreshold: number;
  divergeNorm: number;
  /** cos(angleTol) for the angle-to-teacher test, or −2 (always passes) when it does not apply. */
  angleCos: number;
  trap?: { w: Float64Array; a?: Float64Array; cosTol: number; aTol: number };
  /** The recovery rule's tolerance and how units are matched (absent: no recovery test). */
  recovery?: { tolerance: number; match: RecoveryMatch };
  lossRef: number;
}

export function resolveOutcome(
  rule: OutcomeRule,
  lossRef: number,
  studentFilters: number,
  teacherFilters: number,
  learnedOutput: boolean,
): ResolvedOutcome {
  return {
    globalLoss: rule.lossTol * lossRef,
    gradThreshold: rule.gradTol * Math.sqrt(lossRef),
    divergeNorm: rule.divergeNorm,
    angleCos: studentFilters === 1 && teacherFilters === 1 && rule.angleTest !== false ? Math.cos(rule.angleTol) : -2,
    trap: rule.trap && {
      w: Float64Array.from(rule.trap.w),
      a: learnedOutput && rule.trap.a ? Float64Array.from(rule.trap.a) : undefined,
      cosTol: Math.cos(rule.trap.angleTol),
      aTol: rule.trap.aTol,
    },
    recovery: rule.recovery && { tolerance: rule.recovery.tolerance, match: recoveryMatch(rule.recovery) },
    lossRef,
  };
}

/** Cosine of the angle between segments u[uo..uo+n) and v[vo..vo+n) (0 when either is zero). */
export function cosineAt(u: ArrayLike<number>, uo: number, v: ArrayLike<number>, vo: number, n: number): number {
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let t = 0; t < n; t++) {
    uv += u[uo + t] * v[vo + t];
    uu += u[uo + t] * u[uo + t];
    vv += v[vo + t] * v[vo + t];
  }
  return uu > 0 && vv > 0 ? uv / Math.sqrt(uu * vv) : 0;
}

/**
 * The recovery metric of a stored row against the teacher (K = 1: filter j is hidden unit j, a_j
 * its output weight): min over permutations π of max_j ‖w_j* − w_π(j)‖/‖w_j*‖, signs matched
 * for 'signs' (Infinity when no permutation matches them), over every π for 'any', and with each
 * unit as sign(a_j)·w_j for 'flips'.
 */
export function recoveryErrorOf(
  sizes: { m: number; F: number; aOffset: number },
  params: ArrayLike<number>,
  teacher: { w: ArrayLike<number>; a: ArrayLike<number> },
  match: RecoveryMatch,
): number {
  const { m, F, aOffset } = sizes;
  const W = Float64Array.from({ length: F * m }, (_, i) => params[i]);
  const v = Float64Array.from({ length: F }, (_, j) => params[aOffset + j]);
  if (match === 'flips') return flipInvariantError(Float64Array.from(teacher.w), teacher.a, W, v, m).error;
  const rec = recoveryError(Float64Array.from(teacher.w), teacher.a, W, v, m);
  return match === 'signs' ? rec.signedError : rec.error;
}

/**
 * The rule above for one restart at one step. `params` is the stored row (v and a), `teacher`
 * the restart's problem's teacher; m, F, K, aOffset the model's sizes.
 */
export function decide(
  r: ResolvedOutcome,
  sizes: { m: number; F: number; K: number; aOffset: number },
  params: ArrayLike<number>,
  teacher: { w: ArrayLike<number>; a: ArrayLike<number> },
  loss: number,
  gradNormSq: number,
): OutcomeCode {
  // The Euclidean norm rather than max |θ_p|: the span kernel (shaders/population_step_span.wgsl)
  // sees θ only through norms and inner products. A NaN parameter makes the norm NaN.
  let ss = 0;
  for (let p = 0; p < params.length; p++) ss += params[p] * params[p];
  if (!Number.isFinite(loss) || !Number.isFinite(gradNormSq) || !(Math.sqrt(ss) <= r.divergeNorm)) return OUTCOME.diverged;
  if (loss <= r.globalLoss) {
    const angleHolds = r.angleCos < -1 || cosineAt(params, 0, teacher.w, 0, sizes.m) >= r.angleCos;
    if (angleHolds && (!r.recovery || recoveryErrorOf(sizes, params, teacher, r.recovery.match) <= r.recovery.tolerance)) return OUTCOME.global;
  }
  if (r.trap) {
    let inTrap = true;
    for (let j = 0; j < sizes.F && inTrap; j++) {
      inTrap = cosineAt(params, j * sizes.m, r.trap.w, j * sizes.m, sizes.m) >= r.trap.cosTol;
    }
    if (inTrap && r.trap.a) {
      let dd = 0;
      for (let q = 0; q < sizes.F * sizes.K; q++) dd += (params[sizes.aOffset + q] - r.trap.a[q]) ** 2;
      inTrap = Math.sqrt(dd) <= r.trap.aTol;
    }
    if (inTrap) return OUTCOME.spurious;
  }
  if ((r.recovery !== undefined || loss > r.globalLoss) && Math.sqrt(gradNormSq) <= r.gradThreshold) return OUTCOME.spurious;
  return OUTCOME.running;
}
