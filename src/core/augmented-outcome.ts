/**
 * What became of a restart of a model with Kawaguchi & Kaelbling's extra neuron (ModelSpec.extra),
 * judged after the run from its rows at T/2 and at T (both runs without an outcome rule, so each
 * restart runs its whole budget; GD and AdaGrad are deterministic, so the first T/2 steps of the
 * T-run are the T/2-run). The classes of the spec (remaining-papers.md §D.3):
 *
 * - numerically diverged: the engine labelled it diverged (a non-finite value, or the exponent
 *   passed EXTRA_Z_MAX: src/core/extra-neuron.ts) by T/2 or T;
 * - escaped: the *original* model's loss L(θ_T) (the neuron removed) meets the baseline's global
 *   test, and the neuron has vanished on the data, max_i |a_e·e^{w_eᵀxᵢ+b_e}| ≤ vanishTol·√L_ref
 *   (Thm 1 (ii): a = 0 at every local minimum);
 * - norm diverging (Thm 4's failure mode): θ_T fails the global test and is still in the
 *   baseline's spurious region (the testbed says where that is: AugmentedThresholds.stuckAt), while
 *   ‖(a_e, b_e, w_e)‖ grew over the second half faster than slopeTol per unit of ln t, with L̃
 *   still falling — the norm grows like log t, so no norm threshold would ever catch it;
 * - stuck bounded: θ_T fails the global test in the spurious region, the norm is not growing, and
 *   ‖∇L̃‖ ≤ gradTol·√L_ref — a local minimum of L̃ at a suboptimal θ would contradict Thm 1, so
 *   each is a slow saddle or an f32 artefact to inspect;
 * - undecided: anything else (θ still on its way — a restart converging to the global minimum
 *   with the neuron still busy grows the norm too, which is why the region test is needed; or θ
 *   global with the neuron not yet switched off).
 */
import type { ModelSpec } from './model.ts';
import { shapeOf } from './model.ts';
import { empiricalLossAndGradient } from './empirical.ts';
import { EXTRA_Z_MAX, extraExponent, extraNorm, extraSlots } from './extra-neuron.ts';
import { OUTCOME, type OutcomeCode, type OutcomeRule, cosineAt, resolveOutcome } from './outcome.ts';
import type { Prepared } from './prepare.ts';

export const AUGMENTED_CLASSES = ['escaped', 'norm diverging', 'stuck bounded', 'numerically diverged', 'undecided'] as const;
export type AugmentedClass = (typeof AUGMENTED_CLASSES)[number];

export interface AugmentedThresholds {
  /** The baseline's outcome rule: its loss and angle tests judge θ_T, its gradTol the bounded class. */
  rule: OutcomeRule;
  /** The neuron has vanished when max_i |g(xᵢ)| ≤ vanishTol·√L_ref (the spec: 1e-2). */
  vanishTol: number;
  /** The norm grows when (‖·‖_T − ‖·‖_{T/2})/ln 2 > slopeTol (the spec: 0.05). */
  slopeTol: number;
  /** Whether θ_T (the row) is in the baseline's spurious region, where the stuck classes apply (absent: everywhere). */
  stuckAt?: (params: ArrayLike<number>) => boolean;
}

/** One restart's row, loss and engine outcome at a point of the run. */
export interface RunPoint {
  params: ArrayLike<number>;
  loss: number;
  code: OutcomeCode;
}

export interface AugmentedMeasure {
  cls: AugmentedClass;
  /** L(θ_T)/L_ref, the original model's loss with the neuron removed. */
  baseLossOverRef: number;
  /** L̃_T/L_ref. */
  augLossOverRef: number;
  /** max_i |a_e·e^{zᵢ}| / √L_ref on the sample. */
  neuronOverRoot: number;
  /** ‖(a_e, b_e, w_e)‖ at T and its growth per unit of ln t over the second half. */
  norm: number;
  normSlope: number;
  /** ‖∇L̃‖/√L_ref at T. */
  gradOverRoot: number;
  /** Angle between the first filter and the teacher's (radians; NaN with several filters). */
  angle: number;
}

/** The model without its extra neuron (the same base row layout). */
export const baseModel = (model: ModelSpec): ModelSpec => {
  const { extra: _, ...base } = model;
  return base;
};

/**
 * Classifies one restart of an empirical-loss run with the extra neuron from its rows at T/2 and T
 * (module comment). `prep` is the augmented experiment's (its sample and L_ref).
 */
export function measureAugmented(prep: Prepared, half: RunPoint, end: RunPoint, t: AugmentedThresholds): AugmentedMeasure {
  const { exp, shape } = prep;
  const { X, y } = prep.sample!;
  const n = y.length;
  const base = baseModel(exp.model);
  const row = Float64Array.from({ length: shape.eOffset }, (_, p) => end.params[p]);
  const L = empiricalLossAndGradient(base, row, X, y, null, n).loss;
  const aug = empiricalLossAndGradient(exp.model, end.params, X, y, null, n);
  let gg = 0;
  for (const g of aug.grad) gg += g * g;
  const ae = end.params[extraSlots(shape).a];
  let most = 0;
  for (let i = 0; i < n; i++) most = Math.max(most, Math.abs(ae * Math.exp(Math.min(extraExponent(end.params, shape, X, i * shape.d), EXTRA_Z_MAX))));
  const root = Math.sqrt(prep.lossRef);
  const judge = resolveOutcome(t.rule, prep.lossRef, shape.F, prep.teacher.filters, exp.model.output === 'learned');
  const cos = shape.F === 1 && prep.teacher.filters === 1 ? cosineAt(end.params, 0, prep.teacher.w, 0, shape.m) : NaN;
  const global = L <= judge.globalLoss && (judge.angleCos < -1 || cos >= judge.angleCos);
  const norm = extraNorm(shape, end.params);
  const normSlope = (norm - extraNorm(shape, half.params)) / Math.LN2;
  const measure = {
    baseLossOverRef: L / prep.lossRef,
    augLossOverRef: end.loss / prep.lossRef,
    neuronOverRoot: most / root,
    norm,
    normSlope,
    gradOverRoot: Math.sqrt(gg) / root,
    angle: Math.acos(Math.max(-1, Math.min(1, cos))),
  };
  const diverged = half.code === OUTCOME.diverged || end.code === OUTCOME.diverged || !Number.isFinite(aug.loss);
  const stuck = !global && (t.stuckAt?.(end.params) ?? true);
  const cls: AugmentedClass = diverged
    ? 'numerically diverged'
    : global
      ? measure.neuronOverRoot <= t.vanishTol
        ? 'escaped'
        : 'undecided'
      : !stuck
        ? 'undecided'
        : normSlope > t.slopeTol && end.loss < half.loss
        ? 'norm diverging'
        : normSlope <= t.slopeTol && measure.gradOverRoot <= t.rule.gradTol
          ? 'stuck bounded'
          : 'undecided';
  return { cls, ...measure };
}

/** The spec's thresholds beside a baseline rule and its spurious region. */
export const kkThresholds = (rule: OutcomeRule, stuckAt?: (params: ArrayLike<number>) => boolean): AugmentedThresholds => ({ rule, vanishTol: 1e-2, slopeTol: 0.05, ...(stuckAt ? { stuckAt } : {}) });

