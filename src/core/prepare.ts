/**
 * What both engines resolve once per experiment before any step: the model's shape, the reference
 * loss L_ref that scales every tolerance, the outcome rule resolved against it, and the fixed
 * output layer. The GPU host and the CPU engine use these same f64 values, so a restart is
 * judged by bit-identical thresholds on either. For an empirical loss L_ref is half the mean
 * square of the fixed sample's labels, so the sample is drawn here in f64 (its n·d normals cost
 * microseconds; the GPU draws its own f32 copy from the same counters).
 */
import type { Experiment } from './experiment.ts';
import { ExperimentError, fixedOutputOf, validateExperiment } from './experiment.ts';
import { type Shape, shapeOf } from './model.ts';
import { teacherEnergy } from './population.ts';
import { drawSample, teacherLabels } from './empirical.ts';
import { type ResolvedOutcome, resolveOutcome } from './outcome.ts';

/** Size of the fixed-seed sample that estimates L_ref for fresh-sample SGD without a closed form. */
export const LOSS_REF_SAMPLES = 4096;

/** Everything resolved once per experiment; the GPU host uses the same values. */
export interface Prepared {
  exp: Experiment;
  shape: Shape;
  /** The shared sample and its labels (empirical loss only). */
  sample?: { X: Float64Array; y: Float64Array };
  lossRef: number;
  outcome: ResolvedOutcome;
  fixedA: Float64Array;
}

export function lossReference(exp: Experiment, sample?: { y: Float64Array }): number {
  if (exp.loss.kind === 'population') return teacherEnergy(exp.model, exp.teacher);
  if (sample) return 0.5 * meanSquare(sample.y);
  if (exp.model.activation === 'relu') return teacherEnergy(exp.model, exp.teacher);
  const { d } = shapeOf(exp.model);
  const X = drawSample(exp.seed, LOSS_REF_SAMPLES, d);
  return 0.5 * meanSquare(teacherLabels(exp.model, exp.teacher, X, LOSS_REF_SAMPLES));
}

function meanSquare(y: Float64Array): number {
  let s = 0;
  for (const v of y) s += v * v;
  return s / y.length;
}

export function prepare(exp: Experiment): Prepared {
  validateExperiment(exp);
  const shape = shapeOf(exp.model);
  let sample: Prepared['sample'];
  if (exp.loss.kind === 'empirical') {
    const data = exp.loss.data;
    const X = data ? data.X : drawSample(exp.seed, exp.loss.samples, shape.d);
    sample = { X, y: data?.y ?? teacherLabels(exp.model, exp.teacher, X, exp.loss.samples) };
  }
  const lossRef = lossReference(exp, sample);
  if (!(lossRef > 0 && Number.isFinite(lossRef))) {
    // Every tolerance is relative to L_ref: with zero labels (or a zero teacher) none has a scale.
    const field = exp.loss.kind === 'empirical' && exp.loss.data?.y ? `loss.data (${exp.loss.data.name})` : 'teacher';
    throw new ExperimentError(field, `the labels' mean square is ${lossRef} — the loss has no scale (every label is zero), so no outcome can be judged`);
  }
  const outcome = resolveOutcome(exp.outcome, lossRef, shape.F, exp.teacher.filters, exp.model.output === 'learned');
  return { exp, shape, sample, lossRef, outcome, fixedA: fixedOutputOf(exp) };
}
