/**
 * Per-restart measurements of a deep-net run (spec §C.5 "Measurements", issue 19 item 4):
 * when the loss curve crosses 10⁻¹ … 10⁻⁴ of F₀, its linear rate, how far each layer moved, the
 * fraction of ReLU signs that flipped, and ‖∇F‖²/F at init (Thm 3's ratio).
 */
import { deepForward, deepLayout, deepLossGrad, trainedRanges, type DeepData, type DeepNetSpec } from './deep-net.ts';

/** The fractions of F₀ whose first crossing is recorded. */
export const LOSS_FRACTIONS = [1e-1, 1e-2, 1e-3, 1e-4] as const;

/**
 * First step t with F_t ≤ f·F₀ for each f of LOSS_FRACTIONS (null: never within the curve).
 * `curve[t]` is F at step t, curve[0] = F₀; `stride` is the steps between recorded points.
 */
export function thresholdSteps(curve: ArrayLike<number>, stride = 1): (number | null)[] {
  const F0 = curve[0]!;
  return LOSS_FRACTIONS.map((f) => {
    for (let t = 0; t < curve.length; t++) if (curve[t]! <= f * F0) return t * stride;
    return null;
  });
}

/**
 * The linear rate ρ, the rule of spec §C.5: the least-squares slope of ln F_t against t over the
 * recorded steps where F_t ∈ [10⁻⁴, 10⁻¹]·F₀, so the first transient and the floor (f32
 * round-off, or a net that stops at a positive loss) are left out. ρ < 0 for a falling loss; per
 * step (the slope is divided by `stride`). null when fewer than 3 points fall in the window.
 */
export function linearRate(curve: ArrayLike<number>, stride = 1): number | null {
  const F0 = curve[0]!;
  const ts: number[] = [];
  const ys: number[] = [];
  for (let t = 0; t < curve.length; t++) {
    const F = curve[t]!;
    if (F <= 1e-1 * F0 && F >= 1e-4 * F0 && F > 0) {
      ts.push(t * stride);
      ys.push(Math.log(F));
    }
  }
  if (ts.length < 3) return null;
  const k = ts.length;
  const mt = ts.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxy = 0;
  let sxx = 0;
  for (let q = 0; q < k; q++) {
    sxy += (ts[q]! - mt) * (ys[q]! - my);
    sxx += (ts[q]! - mt) ** 2;
  }
  return sxy / sxx;
}

/** ‖W − W⁽⁰⁾‖_F/‖W⁽⁰⁾‖_F for A, W₁ … W_L and B (in that order; frozen layers give 0). */
export function relativeMovement(spec: DeepNetSpec, theta0: Float64Array, theta: Float64Array): number[] {
  const lay = deepLayout(spec);
  const bounds = [lay.a, ...lay.w, lay.b, lay.e];
  const out: number[] = [];
  for (let q = 0; q + 1 < bounds.length; q++) {
    let num = 0;
    let den = 0;
    for (let p = bounds[q]!; p < bounds[q + 1]!; p++) {
      num += (theta[p]! - theta0[p]!) ** 2;
      den += theta0[p]! ** 2;
    }
    out.push(Math.sqrt(num / den));
  }
  return out;
}

/**
 * Fraction of the n·(L + 1)·m indicators 1[(g_{i,ℓ})_k ≥ 0] (ℓ = 0 … L) that differ between the
 * net at θ⁽⁰⁾ and at θ.
 */
export function signFlipFraction(spec: DeepNetSpec, theta0: Float64Array, theta: Float64Array, data: DeepData): number {
  const D = spec.inputDim;
  let flips = 0;
  let total = 0;
  for (let i = 0; i < data.n; i++) {
    const x = data.X.subarray(i * D, i * D + D);
    const a = deepForward(spec, theta0, x).g;
    const b = deepForward(spec, theta, x).g;
    for (let q = 0; q < a.length; q++) if (a[q]! >= 0 !== b[q]! >= 0) flips++;
    total += a.length;
  }
  return flips / total;
}

/** ‖∇F‖²/F at θ, the gradient over the trained layers only (Thm 3 bounds this ratio). */
export function gradientRatio(spec: DeepNetSpec, theta: Float64Array, data: DeepData): number {
  const grad = new Float64Array(theta.length);
  const F = deepLossGrad(spec, theta, data, grad);
  let gg = 0;
  for (const [s, e] of trainedRanges(spec)) for (let p = s; p < e; p++) gg += grad[p]! ** 2;
  return gg / F;
}

/** F at or below this fraction of F₀ by the last step is success (the spec's f32-safe target). */
export const SUCCESS_FRACTION = 1e-4;
/** A net whose parameter norm passes this has diverged (as has one with a non-finite loss). */
export const DIVERGED_NORM = 1e6;

export type DeepOutcomeClass = 'success' | 'not-reached' | 'diverged';

/** Everything az-width-depth records of one restart (spec §C.5 "Measurements" and "Outcome"). */
export interface DeepRestartMeasures {
  outcome: DeepOutcomeClass;
  /** F at init and after the last step, in f64 from the parameters. */
  F0: number;
  FT: number;
  /** First step with F ≤ f·F₀ for f of LOSS_FRACTIONS (null: not within the run). */
  thresholds: (number | null)[];
  /** The linear rate ρ (per step; null where the curve has too few points in its window). */
  rate: number | null;
  /** Relative movement of A, W₁ … W_L, B (NaN-free only where not diverged), and the mean over the trained layers. */
  movement: number[];
  meanMovement: number;
  signFlips: number;
  /** ‖∇F(θ⁽⁰⁾)‖²/F₀ over the trained layers. */
  gradRatio: number;
}

/**
 * The measures of one restart from its initial and final parameters and its loss record
 * `losses[t]` = F at the start of step t (t < T). F₀ and F_T are recomputed in f64 so every engine
 * is judged by the same arithmetic; the curve for the thresholds and the rate is the record with
 * F_T appended. Diverged: a non-finite loss anywhere, or ‖θ_T‖ > DIVERGED_NORM.
 */
export function measureDeepRestart(spec: DeepNetSpec, data: DeepData, theta0: Float64Array, theta: Float64Array, losses: ArrayLike<number>): DeepRestartMeasures {
  const F0 = deepLossGrad(spec, theta0, data);
  const gradRatio = gradientRatio(spec, theta0, data);
  let norm = 0;
  for (const v of theta) norm += v * v;
  const FT = deepLossGrad(spec, theta, data);
  const curve = Float64Array.from({ length: losses.length + 1 }, (_, t) => (t < losses.length ? losses[t]! : FT));
  const diverged = !curve.every(Number.isFinite) || !(Math.sqrt(norm) <= DIVERGED_NORM);
  if (diverged) return { outcome: 'diverged', F0, FT, thresholds: LOSS_FRACTIONS.map(() => null), rate: null, movement: [], meanMovement: NaN, signFlips: NaN, gradRatio };
  curve[0] = F0;
  const movement = relativeMovement(spec, theta0, theta);
  const trained = spec.train === 'all' ? movement : movement.slice(1, 1 + spec.L);
  return {
    outcome: FT <= SUCCESS_FRACTION * F0 ? 'success' : 'not-reached',
    F0,
    FT,
    thresholds: thresholdSteps(curve),
    rate: linearRate(curve),
    movement,
    meanMovement: trained.reduce((a, b) => a + b, 0) / trained.length,
    signFlips: signFlipFraction(spec, theta0, theta, data),
    gradRatio,
  };
}
