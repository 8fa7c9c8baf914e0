/**
 * Restarts on your dataset: random restarts of gradient descent (or AdaGrad, or minibatch SGD) on
 * the empirical loss over a supplied dataset — inputs X [n, d] from a file (.npy, .csv, .json:
 * src/data/load.ts), the library (makeDataset) or constructed in code — with its own labels, or
 * labelled by a random teacher (src/core/teachers.ts randomTeacher) when it has none. One cell:
 * P(global) over the restarts, the final-loss histogram and notes that name the dataset (name,
 * shape, SHA-256) and every choice. No paper stands behind it: it is the engine on data it was
 * not built for.
 *
 * The model's input length is the dataset's row length d; m = 0 means a filter over the whole
 * input (m = d) and stride = 0 non-overlapping patches (stride = m), so the defaults fit any d.
 *
 * Choices no paper makes for us, and ours (each also in the result's notes):
 * - the default dataset: the Boolean cube {0, 1}⁸, every vertex once (n = 256, d = 8; BOOLEAN_CUBE),
 *   so the preset runs without a file on inputs that are plainly not Gaussian;
 * - the teacher: as many filters as the student, each uniform on the unit sphere, output weights
 *   ±1 (randomTeacher), or 1/K each for a fixed output layer (so that the student can fit it);
 *   with labels given it labels nothing, and the angle test (which compares with it) is refused;
 * - initialisation: every parameter N(0, initStd²) (default 0.5);
 * - the outcome rule: global when L ≤ lossTol·L_ref (L_ref = ½·mean(y²)), angle test off by
 *   default (global by the loss alone: labels that are not a teacher's have no reference
 *   direction); spurious when stationary, ‖∇L‖ ≤ EMPIRICAL_GRAD_TOL·√L_ref, as on Du et al.'s
 *   fixed samples (du-table1-empirical); with minibatches the loss, the gradient and so both
 *   tests are the minibatch's, and the stationarity test is off (a minibatch gradient does not
 *   vanish at a minimum of the whole loss): restarts end global, diverged or undecided;
 * - AdaGrad's ε = 1e-8.
 */
import { type Dataset, describeDataset, makeDataset } from '../core/dataset.ts';
import { type Experiment, ExperimentError, validateModel } from '../core/experiment.ts';
import { ACTIVATIONS, type Activation, type ModelSpec, OUTPUT_LAYERS, type OutputLayer, patchCount } from '../core/model.ts';
import { DEFAULT_OUTCOME_RULE } from '../core/outcome.ts';
import { prepare } from '../core/prepare.ts';
import type { Snapshot } from '../core/stats.ts';
import { randomTeacher } from '../core/teachers.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { EMPIRICAL_GRAD_TOL } from './du-table1.ts';
import { type Constraint, type OptionValues, defineOptions } from './options.ts';
import { fmt } from './quantiles.ts';
import type { Preset } from './types.ts';

/** The Boolean cube {0, 1}^8, every vertex once: row s holds the bits of s (bit j in column j). */
export const BOOLEAN_CUBE: Dataset = makeDataset({
  name: 'boolean-cube-8 (every vertex of {0,1}^8)',
  n: 256,
  d: 8,
  X: Float64Array.from({ length: 256 * 8 }, (_, i) => (Math.floor(i / 8) >> i % 8) & 1),
});

export const ADAGRAD_EPS = 1e-8;

/** The options that make the model. */
interface ModelValues {
  data: Dataset;
  m: number;
  stride: number;
  filters: number;
  activation: Activation;
  output: OutputLayer;
  weightNorm: 'off' | 'on';
}

/** The model the values describe: d from the data, m = 0 → d, stride = 0 → m. */
export function suppliedModel(v: ModelValues): ModelSpec {
  const m = v.m === 0 ? v.data.d : v.m;
  return { d: v.data.d, m, stride: v.stride === 0 ? m : v.stride, filters: v.filters, activation: v.activation, output: v.output, weightNorm: v.weightNorm === 'on' };
}

/** The model's own check (src/core/experiment.ts validateModel), as a constraint on the option it names. */
function modelFits(option: 'm' | 'stride'): Constraint<ModelValues> {
  const error = (v: ModelValues) => {
    try {
      validateModel(suppliedModel(v));
      return null;
    } catch (e) {
      if (!(e instanceof ExperimentError)) throw e;
      return e;
    }
  };
  return {
    option,
    holds: (v) => error(v)?.field !== `model.${option}`,
    message: (v) => `${error(v)!.message.replace(/^model\.\w+: /, '')} (d = ${v.data.d} from the dataset ${v.data.name})`,
  };
}

const OPTIONS = defineOptions(
  {
    data: { kind: 'dataset', default: BOOLEAN_CUBE, help: 'the dataset: inputs X [n, d], with labels y [n] or labelled by the teacher (.npy, .csv or .json)' },
    m: { kind: 'int', default: 0, min: 0, max: 4096, help: 'filter size m (0: the whole input, m = d)' },
    stride: { kind: 'int', default: 0, min: 0, max: 4096, help: 'stride between patches (0: = m, non-overlapping); (d − m)/stride must be an integer' },
    filters: { kind: 'int', default: 1, min: 1, max: 1024, help: 'filters of the student (and of the teacher)' },
    activation: { kind: 'choice', default: 'relu', choices: ACTIVATIONS, help: 'activation' },
    output: { kind: 'choice', default: 'learned', choices: OUTPUT_LAYERS, help: 'output layer: learned, fixed average pooling 1/K, or sign (learned, projected to ±1 after every step)' },
    weightNorm: { kind: 'choice', default: 'off', choices: ['off', 'on'] as const, help: 'weight-normalised filters (w = v/‖v‖)' },
    optimizer: { kind: 'choice', default: 'gd', choices: ['gd', 'adagrad'] as const, help: 'gradient descent, or AdaGrad (ε = 1e-8)' },
    lr: { kind: 'number', default: 0.5, min: 1e-9, max: 100, help: 'step size' },
    initStd: { kind: 'number', default: 0.5, min: 1e-9, max: 100, help: 'initialisation: every parameter N(0, initStd²)' },
    restarts: { kind: 'int', default: 1000, min: 1, max: 10_000_000, help: 'random initialisations' },
    maxSteps: { kind: 'int', default: 5000, min: 1, max: 1 << 24, help: 'step budget per restart' },
    batch: { kind: 'int', default: 0, min: 0, max: 1 << 24, help: 'minibatch size, drawn with replacement each step (0: the whole dataset, plain GD)' },
    seed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, help: 'seed of the initialisations (and minibatches)' },
    teacherSeed: { kind: 'int', default: 1, min: 0, max: 0xffffffff, help: 'seed of the random teacher that labels a dataset without labels' },
    angleTest: { kind: 'choice', default: 'off', choices: ['off', 'on'] as const, help: 'global also needs the filter within 0.1 rad of the teacher’s (one filter, teacher labels only)' },
    lossTol: { kind: 'number', default: DEFAULT_OUTCOME_RULE.lossTol, min: 0, max: 1, open: true, help: 'global when the loss is ≤ lossTol × L_ref (L_ref = ½·mean(y²))' },
  },
  [
    modelFits('m'),
    modelFits('stride'),
    { option: 'batch', holds: (v) => v.batch <= v.data.n, message: (v) => `must be ≤ the dataset's ${v.data.n} inputs (got ${v.batch})` },
    {
      option: 'angleTest',
      holds: (v) => v.angleTest === 'off' || v.data.y === undefined,
      message: (v) => `the angle test compares with the teacher, but ${v.data.name} has labels of its own (the teacher labels nothing): use off`,
    },
  ],
);

export type SuppliedOptions = OptionValues<typeof OPTIONS>;

export function suppliedExperiment(o: SuppliedOptions): Experiment {
  const model = suppliedModel(o);
  const K = patchCount(model.d, model.m, model.stride);
  const teacher = randomTeacher(o.filters, model.m, K, o.teacherSeed);
  if (model.output === 'fixed') teacher.a.fill(1 / K);
  const minibatch = o.batch > 0 && o.batch < o.data.n;
  return {
    model,
    teacher,
    loss: { kind: 'empirical', samples: o.data.n, data: o.data, ...(minibatch ? { batch: o.batch } : {}) },
    optimizer: o.optimizer === 'gd' ? { kind: 'gd', lr: o.lr } : { kind: 'adagrad', lr: o.lr, eps: ADAGRAD_EPS },
    init: { kind: 'gaussian', std: o.initStd },
    restarts: o.restarts,
    maxSteps: o.maxSteps,
    seed: o.seed,
    outcome: { ...DEFAULT_OUTCOME_RULE, lossTol: o.lossTol, gradTol: minibatch ? 0 : EMPIRICAL_GRAD_TOL, angleTest: o.angleTest === 'on' },
  };
}

/** The final-loss histogram of a snapshot as a figure: decided restarts per bin of log₁₀(L / L_ref). */
function lossFigure(s: Snapshot) {
  const h = s.histograms.logLoss;
  const width = (h.hi - h.lo) / h.counts.length;
  return {
    id: 'final-loss',
    title: `Final loss of the ${s.counts.global + s.counts.spurious} decided restarts (global and spurious; end bins hold everything beyond)`,
    x: 'log₁₀(final loss / L_ref)',
    y: 'restarts',
    series: [{ name: 'restarts', x: h.counts.map((_, b) => h.lo + (b + 0.5) * width), y: [...h.counts] }],
  };
}

function notes(o: SuppliedOptions, exp: Experiment, lossRef: number): string[] {
  const ds = describeDataset(o.data);
  const m = exp.model;
  const K = patchCount(m.d, m.m, m.stride);
  const minibatch = exp.loss.kind === 'empirical' && exp.loss.batch !== undefined;
  return [
    `Dataset: ${ds.name}, n = ${ds.n} inputs of length d = ${ds.d}, labels ${ds.labels === 'given' ? 'given with the data' : `made by the random teacher (seed ${o.teacherSeed})`}; SHA-256 of its values ${ds.sha256}.`,
    `Model: ${m.filters} filter${m.filters === 1 ? '' : 's'} of size m = ${m.m}, stride ${m.stride} (K = ${K} patch${K === 1 ? '' : 'es'}), ${m.activation}, ${m.output === 'sign' ? 'sign-projected (±1)' : m.output} output layer${m.weightNorm ? ', weight-normalised' : ''}.`,
    `Teacher: ${exp.teacher.filters} filter${exp.teacher.filters === 1 ? '' : 's'} uniform on the unit sphere (src/core/teachers.ts randomTeacher, seed ${o.teacherSeed}), output weights ${m.output === 'fixed' ? `1/K = ${fmt(1 / K, 4)} (the fixed output layer)` : '±1'}${ds.labels === 'given' ? '; unused, the labels are given' : ''}.`,
    `Training: ${o.optimizer === 'gd' ? 'gradient descent' : `AdaGrad (ε = ${ADAGRAD_EPS})`}, step ${o.lr}, ${minibatch ? `minibatches of ${o.batch} drawn with replacement at every step` : 'on the whole dataset'}; every parameter initialised N(0, ${o.initStd}²); ${o.restarts} restarts of at most ${o.maxSteps} steps, seed ${o.seed}.`,
    `Outcome: global when the loss is ≤ ${o.lossTol} × L_ref (L_ref = ½·mean(y²) = ${fmt(lossRef, 6)})${o.angleTest === 'on' ? ' and, with one filter, the filter within 0.1 rad of the teacher’s' : ', by the loss alone (no angle test)'}; ${minibatch ? 'no stationarity test (minibatch gradients do not vanish): restarts end global, diverged or undecided' : `spurious when stationary (‖∇L‖ ≤ ${EMPIRICAL_GRAD_TOL}·√L_ref) above that loss`}; diverged when ‖θ‖ > ${DEFAULT_OUTCOME_RULE.divergeNorm}.`,
    ds.labels === 'given'
      ? 'With labels of your own there may be no network of this shape that fits them to lossTol: then no restart is global, and the final-loss histogram says how close they come.'
      : 'The teacher has the student’s shape, so a zero-loss fit exists; a restart that is not global ended elsewhere (or ran out of steps).',
  ];
}

export const suppliedData: Preset<SuppliedOptions> = definePreset({
  name: 'supplied-data',
  title: 'Restarts on your dataset',
  source: 'your data (.npy, .csv, .json): no paper',
  options: OPTIONS,
  async *run(o, ctx) {
    const exp = suppliedExperiment(o);
    // Validates the experiment (the dataset against the model among it) and gives L_ref, before any run.
    const { lossRef } = prepare(exp);
    const result = emptyResult(
      suppliedData.name,
      suppliedData.title,
      // The dataset by its description, never its numbers (each update to the page carries the config).
      { ...o, data: describeDataset(o.data), model: exp.model, teacher: `randomTeacher(filters ${o.filters}, seed ${o.teacherSeed})`, loss: { ...exp.loss, data: describeDataset(o.data) }, optimizer: exp.optimizer, init: exp.init, outcome: exp.outcome },
      exp.seed,
      ctx,
    );
    const plan: CellPlan = { key: { data: o.data.name, n: o.data.n, d: o.data.d }, label: `${o.data.name} (${o.data.n} × ${o.data.d})`, exp, paper: null };
    let last: Snapshot | undefined;
    for await (const u of runCells([plan], ctx, result)) {
      last = u.snapshot ?? last;
      yield u;
    }
    if (last) result.figures.push(lossFigure(last));
    result.notes.push(...notes(o, exp, lossRef));
    yield { progress: finished(exp.restarts), result };
    return result;
  },
});
