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
import { type Shape, shapeOf, trainsOutput } from './model.ts';
import { teacherEnergy } from './population.ts';
import { drawSample, teacherLabels } from './empirical.ts';
import { type ResolvedOutcome, resolveOutcome } from './outcome.ts';
import type { Teacher } from './model.ts';
import { problemTeacher, restartsPerProblem } from './problems.ts';
import { problemKey } from './rng.ts';

/** Size of the fixed-seed sample that estimates L_ref for fresh-sample SGD without a closed form. */
export const LOSS_REF_SAMPLES = 4096;

/** What depends on the teacher and the sample: one per problem (experiment.problems). */
export interface ProblemData {
  teacher: Teacher;
  /** The fixed sample and its labels (empirical loss only). */
  sample?: { X: Float64Array; y: Float64Array };
  lossRef: number;
  outcome: ResolvedOutcome;
}

/** Everything resolved once per experiment; the GPU host uses the same values. */
export interface Prepared extends ProblemData {
  exp: Experiment;
  shape: Shape;
  fixedA: Float64Array;
  /**
   * Problem p's teacher, sample, L_ref and thresholds (p = 0 without `problems`: the fields above).
   * Built on demand and the last one kept: P samples of n·d f64 need not fit in memory at once.
   */
  problem(p: number): ProblemData;
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

/** Problem p's data (p = 0 and the experiment's own teacher and sample without `problems`). */
function problemData(exp: Experiment, p: number): ProblemData {
  const shape = shapeOf(exp.model);
  const teacher = problemTeacher(exp, p);
  const many = exp.problems !== undefined;
  let sample: ProblemData['sample'];
  let dataField: string | undefined;
  if (exp.loss.kind === 'empirical') {
    const data = many ? exp.problems!.data?.[p] : exp.loss.data;
    if (data?.y) dataField = many ? `problems.data[${p}] (${data.name})` : `loss.data (${data.name})`;
    const X = data ? data.X : drawSample(exp.seed, exp.loss.samples, shape.d, many ? problemKey(p) : undefined);
    sample = { X, y: data?.y ?? teacherLabels(exp.model, teacher, X, exp.loss.samples) };
  }
  const lossRef = lossReference({ ...exp, teacher }, sample);
  if (!(lossRef > 0 && Number.isFinite(lossRef))) {
    // Every tolerance is relative to L_ref: with zero labels (or a zero teacher) none has a scale.
    const field = dataField ?? (Array.isArray(exp.problems?.teachers) ? `problems.teachers[${p}]` : 'teacher');
    throw new ExperimentError(field, `the labels' mean square is ${lossRef} — the loss has no scale (every label is zero), so no outcome can be judged`);
  }
  const outcome = resolveOutcome(exp.outcome, lossRef, shape.F, teacher.filters, trainsOutput(exp.model));
  return { teacher, sample, lossRef, outcome };
}

export function prepare(exp: Experiment): Prepared {
  validateExperiment(exp);
  const shape = shapeOf(exp.model);
  const first = problemData(exp, 0);
  let last = { p: 0, data: first };
  const problem = (p: number): ProblemData => {
    if (p !== last.p) last = { p, data: problemData(exp, p) };
    return last.data;
  };
  return { exp, shape, ...first, fixedA: fixedOutputOf(exp), problem };
}

/**
 * Problem p of a many-problem run as a run of its own: its teacher, sample, L_ref and thresholds,
 * and its share of the restarts — for what is judged per problem, such as its catalogue of
 * critical points (each problem minimises its own loss). Its init is the whole run's (a supplied
 * one still holds every problem's rows): read the init's kind from it, not its rows.
 */
export function problemPrepared(prep: Prepared, p: number): Prepared {
  const data = prep.problem(p);
  const { problems, ...exp } = prep.exp;
  const own = problems?.data?.[p];
  const loss = own && exp.loss.kind === 'empirical' ? { ...exp.loss, data: own } : exp.loss;
  return { ...prep, ...data, exp: { ...exp, loss, teacher: data.teacher, restarts: restartsPerProblem(prep.exp) }, problem: () => data };
}
