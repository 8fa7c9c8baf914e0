/**
 * An Experiment is the whole, validated description of one batch of restarts: the model, the
 * teacher that labels the data, the loss, the optimiser, how each restart is initialised, how
 * many restarts and steps, the outcome rule and the seed. Everything the engines (CPU reference
 * and GPU kernels) do is a function of this object, so a JSON copy of it reproduces a run.
 */
import { ACTIVATIONS, OUTPUT_LAYERS, type ModelSpec, type Teacher, shapeOf, patchCount } from './model.ts';
import { type OutcomeRule, DEFAULT_OUTCOME_RULE, RECOVERY_MAX_FILTERS } from './outcome.ts';
import type { Dataset } from './dataset.ts';
import { QUADRATURE_NORM_LIMIT, byQuadrature } from './pair-kernels.ts';

export type LossSpec =
  /**
   * Exact Gaussian population loss, for every activation: closed-form pair kernels for ReLU, leaky
   * and squared ReLU and erf, quadrature for sigmoid and tanh (src/core/pair-kernels.ts), on both engines.
   */
  | { kind: 'population' }
  /**
   * Empirical loss on one fixed sample of n inputs shared by every restart: n Gaussian inputs
   * drawn from the seed, or the supplied `data` (then samples = data.n). With batch < n each step
   * uses a minibatch drawn with replacement (minibatch SGD on a fixed set).
   */
  | { kind: 'empirical'; samples: number; batch?: number; data?: Dataset }
  /** Fresh-sample SGD: a new Gaussian minibatch for every restart at every step. */
  | { kind: 'sgd'; batch: number };

/** One optimiser: GD, or AdaGrad (Duchi et al.): θ ← θ − lr·g/(√G + eps), G accumulating g². */
export type StepRule = { kind: 'gd'; lr: number } | { kind: 'adagrad'; lr: number; eps: number };

export type OptimizerSpec = StepRule & {
  /**
   * The step rule of the extra neuron's parameters (model.extra), when it differs from the base
   * one: fixed-step GD turns unstable as b_e grows (the curvature in a_e is mean e^{2z}), so
   * Kawaguchi & Kaelbling runs want AdaGrad or a smaller step on (a_e, b_e, w_e) alone.
   */
  extra?: StepRule;
};

/** The extra neuron's step rule: optimizer.extra, or the optimiser's own where it has none. */
export const extraStepRule = (opt: OptimizerSpec): StepRule => opt.extra ?? opt;

/** Whether some coordinate steps by AdaGrad, so that a run keeps AdaGrad's accumulators. */
export const usesAdaGrad = (opt: OptimizerSpec): boolean => opt.kind === 'adagrad' || opt.extra?.kind === 'adagrad';

export type InitSpec =
  /**
   * Du et al. Thm 4.2: each v_j uniform on S^{m−1}; a uniform in the ball of radius |1ᵀa*|‖w*‖/√(F·K).
   * `signs` = [s_v, s_a] ∈ {±1}² returns the same draw as (s_v·v, s_a·a): Thm 4.2's four sign flips.
   */
  | { kind: 'du'; radius?: number; signs?: [number, number] }
  /** Every parameter N(0, std²). */
  | { kind: 'gaussian'; std: number }
  /** Each filter uniform on the unit sphere; a ~ N(0, aStd²). */
  | { kind: 'sphere'; aStd: number }
  /**
   * Restart r ↦ a point of a resolution[0] × resolution[1] grid over two parameters (basin maps):
   * parameter axes[0] takes range[0] + (range[1]−range[0])·(r mod G0)/(G0−1), parameter axes[1]
   * likewise with ⌊r/G0⌋; every other parameter takes base[p].
   */
  | {
      kind: 'grid';
      axes: [number, number];
      range: [number, number, number, number];
      resolution: [number, number];
      base: number[];
    }
  /**
   * Starting points the caller chose (e.g. a tensor-method initialisation): restart r starts at
   * params[r·P … r·P + P), R×P values row-major in the stored layout (filters v, then a). A fixed
   * output layer overrides a, unless `keepOutput`: then each row's a is that restart's own fixed
   * output layer (Zhong et al.: GD on W with v fixed at the tensor method's v⁽⁰⁾, or at each
   * problem's v*).
   */
  | { kind: 'supplied'; params: Float64Array | number[]; keepOutput?: boolean };

/**
 * Many independent problems in one run. Restart r belongs to problem ⌊r / (restarts / count)⌋
 * (problems take consecutive blocks of restarts), and each problem has its own teacher and its own
 * fixed sample, hence its own L_ref, outcome thresholds and labels. Without it a run is one
 * problem: the experiment's teacher on the shared sample.
 */
export interface ProblemsSpec {
  /** Number of problems P ≥ 1; restarts must be a multiple of it. */
  count: number;
  /**
   * Each problem's teacher: 'drawn' (default) — filter entries N(0, 1) from the counter RNG under
   * the problem's key (src/core/rng.ts problemKey), the output layer the experiment teacher's a,
   * its shape (filters) the experiment teacher's; or `count` supplied teachers of that shape.
   */
  teachers?: 'drawn' | Teacher[];
  /** Optional: one supplied dataset per problem (each loss.samples inputs), instead of drawn Gaussian samples. */
  data?: Dataset[];
}

export interface Experiment {
  model: ModelSpec;
  teacher: Teacher;
  /** The output layer when model.output is 'fixed' (F·K values; default 1/K: average pooling). */
  fixedOutput?: Float64Array;
  loss: LossSpec;
  optimizer: OptimizerSpec;
  init: InitSpec;
  restarts: number;
  /** Independent problems sharing the run (empirical loss only); absent = one problem. */
  problems?: ProblemsSpec;
  /** Step budget per restart; a restart still running after it is 'undecided'. */
  maxSteps: number;
  seed: number;
  outcome: OutcomeRule;
}

/** A configuration error: names the field and what it allows. Thrown before any GPU work. */
export class ExperimentError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ExperimentError';
  }
}

const isPositiveInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) > 0;
const isFinitePositive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

function requirePositiveInt(field: string, x: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (!isPositiveInt(x) || x > max) {
    throw new ExperimentError(field, `must be an integer in [1, ${max}] (got ${String(x)})`);
  }
}

function requireFinitePositive(field: string, x: unknown): void {
  if (!isFinitePositive(x)) throw new ExperimentError(field, `must be a finite number > 0 (got ${String(x)})`);
}

/** Validates the model alone (shared with the page's form, which validates as the user types). */
export function validateModel(model: ModelSpec): void {
  requirePositiveInt('model.d', model.d, 1 << 20);
  requirePositiveInt('model.m', model.m, 4096);
  requirePositiveInt('model.stride', model.stride, 4096);
  requirePositiveInt('model.filters', model.filters, 1024);
  if (model.m > model.d) throw new ExperimentError('model.m', `filter size must be ≤ d = ${model.d} (got ${model.m})`);
  if (model.stride > model.m) {
    throw new ExperimentError('model.stride', `must be in [1, m = ${model.m}] so that patches cover the input (got ${model.stride})`);
  }
  const K = patchCount(model.d, model.m, model.stride);
  if (!Number.isInteger(K)) {
    throw new ExperimentError(
      'model.stride',
      `(d − m)/stride + 1 must be an integer number of patches K (d = ${model.d}, m = ${model.m}, stride = ${model.stride} gives K = ${K.toFixed(3)})`,
    );
  }
  if (!(ACTIVATIONS as readonly string[]).includes(model.activation)) {
    throw new ExperimentError('model.activation', `must be one of ${ACTIVATIONS.join(', ')} (got '${String(model.activation)}')`);
  }
  if (!(OUTPUT_LAYERS as readonly string[]).includes(model.output)) {
    throw new ExperimentError('model.output', `must be one of ${OUTPUT_LAYERS.map((o) => `'${o}'`).join(', ')} (got '${String(model.output)}')`);
  }
  if (typeof model.weightNorm !== 'boolean') throw new ExperimentError('model.weightNorm', 'must be true or false');
  if (model.extra !== undefined) validateExtraNeuron(model.extra);
}

const isFiniteAtLeast0 = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/** The extra neuron's λ and initialisation (src/core/extra-neuron.ts). */
function validateExtraNeuron(x: NonNullable<ModelSpec['extra']>): void {
  if (typeof x !== 'object' || x === null) throw new ExperimentError('model.extra', 'must be an object { lambda, init? }');
  if (!isFiniteAtLeast0(x.lambda)) throw new ExperimentError('model.extra.lambda', `must be a finite number ≥ 0 (got ${String(x.lambda)})`);
  if (x.init === undefined) return;
  for (const key of ['aStd', 'wStd'] as const) {
    if (!isFiniteAtLeast0(x.init[key])) throw new ExperimentError(`model.extra.init.${key}`, `must be a finite number ≥ 0 (got ${String(x.init[key])})`);
  }
  if (!(typeof x.init.b === 'number' && Number.isFinite(x.init.b))) throw new ExperimentError('model.extra.init.b', `must be finite (got ${String(x.init.b)})`);
}

/** One step rule (the optimiser's, or the extra neuron's under `field`). */
function validateStepRule(field: string, opt: StepRule): void {
  switch (opt?.kind) {
    case 'gd':
      requireFinitePositive(`${field}.lr`, opt.lr);
      break;
    case 'adagrad':
      requireFinitePositive(`${field}.lr`, opt.lr);
      requireFinitePositive(`${field}.eps`, opt.eps);
      break;
    default:
      throw new ExperimentError(`${field}.kind`, `must be 'gd' or 'adagrad' (got '${String((opt as { kind?: unknown })?.kind)}')`);
  }
}

function requireFiniteArray(field: string, x: unknown, length: number): void {
  if (!(x instanceof Float64Array) && !Array.isArray(x)) throw new ExperimentError(field, `must be an array of ${length} numbers`);
  const arr = x as ArrayLike<number>;
  if (arr.length !== length) throw new ExperimentError(field, `must have length ${length} (got ${arr.length})`);
  for (let i = 0; i < arr.length; i++) {
    if (typeof arr[i] !== 'number' || !Number.isFinite(arr[i])) throw new ExperimentError(`${field}[${i}]`, `must be finite (got ${String(arr[i])})`);
  }
}

/**
 * A supplied dataset against the model: its shape, its size, and every value finite. Errors name
 * the dataset and the row (and column) at fault, so that a bad file is found without a debugger.
 * With d = ds.d and samples = ds.n it checks the dataset on its own (a preset's dataset option).
 */
export function validateDataset(ds: Dataset, d: number, samples: number): void {
  const field = `loss.data (${String(ds?.name)})`;
  if (!isPositiveInt(ds?.n)) throw new ExperimentError(field, `must hold at least one input (got n = ${String(ds?.n)})`);
  if (ds.d !== d) throw new ExperimentError(field, `its inputs have length ${String(ds.d)}, but the model takes inputs of length d = ${d}`);
  if (samples !== ds.n) throw new ExperimentError('loss.samples', `must equal the dataset's ${ds.n} inputs (got ${samples})`);
  if (!(ds.X instanceof Float64Array) || ds.X.length !== ds.n * d) {
    throw new ExperimentError(field, `X must be a Float64Array of n·d = ${ds.n * d} values (got ${ds.X?.length ?? 'none'})`);
  }
  for (let i = 0; i < ds.X.length; i++) {
    if (!Number.isFinite(ds.X[i])) throw new ExperimentError(field, `row ${Math.floor(i / d)}, column ${i % d}: every input must be finite (got ${ds.X[i]})`);
  }
  if (ds.y !== undefined) {
    if (!(ds.y instanceof Float64Array) || ds.y.length !== ds.n) {
      throw new ExperimentError(field, `needs one label per input: ${ds.n} (got ${ds.y?.length ?? 'none'})`);
    }
    for (let s = 0; s < ds.n; s++) {
      if (!Number.isFinite(ds.y[s])) throw new ExperimentError(field, `label of row ${s}: must be finite (got ${ds.y[s]})`);
    }
  }
}

function validateTeacher(field: string, t: Teacher, shape: { m: number; K: number }): void {
  requirePositiveInt(`${field}.filters`, t?.filters, 1024);
  requireFiniteArray(`${field}.w`, t.w, t.filters * shape.m);
  requireFiniteArray(`${field}.a`, t.a, t.filters * shape.K);
}

/** problems: its count against restarts, the loss it supports, and its supplied teachers and data. */
function validateProblems(exp: Experiment, shape: { d: number; m: number; K: number }): void {
  const pr = exp.problems!;
  requirePositiveInt('problems.count', pr?.count, 1 << 24);
  if (exp.restarts % pr.count !== 0) {
    throw new ExperimentError('problems.count', `restarts (${exp.restarts}) must be a multiple of the number of problems (${pr.count}): each problem takes restarts / count consecutive restarts`);
  }
  if (exp.loss.kind !== 'empirical') {
    throw new ExperimentError(
      'problems',
      `many problems per run need the empirical loss (a fixed sample or minibatches of it) — the ${exp.loss.kind === 'population' ? 'population loss' : 'fresh-sample SGD loss'} draws on one teacher shared by every restart; run one problem per experiment instead`,
    );
  }
  if (exp.loss.data !== undefined) {
    throw new ExperimentError('loss.data', 'with problems, supply one dataset per problem in problems.data (loss.data is one sample shared by every restart)');
  }
  if (pr.teachers !== undefined && pr.teachers !== 'drawn') {
    if (!Array.isArray(pr.teachers) || pr.teachers.length !== pr.count) {
      throw new ExperimentError('problems.teachers', `must be 'drawn' or an array of ${pr.count} teachers (got ${Array.isArray(pr.teachers) ? `${pr.teachers.length} teachers` : String(pr.teachers)})`);
    }
    for (const [p, t] of pr.teachers.entries()) {
      validateTeacher(`problems.teachers[${p}]`, t, shape);
      if (t.filters !== exp.teacher.filters) {
        throw new ExperimentError(`problems.teachers[${p}].filters`, `every problem's teacher has the experiment teacher's ${exp.teacher.filters} filters (got ${t.filters})`);
      }
    }
  }
  if (pr.data !== undefined) {
    if (!Array.isArray(pr.data) || pr.data.length !== pr.count) {
      throw new ExperimentError('problems.data', `must be an array of ${pr.count} datasets, one per problem (got ${Array.isArray(pr.data) ? pr.data.length : String(pr.data)})`);
    }
    for (const ds of pr.data) validateDataset(ds, shape.d, exp.loss.samples);
  }
}

/** outcome.recovery: a tolerance, and a model whose filters are hidden units the teacher's can be matched to. */
function validateRecovery(exp: Experiment, shape: { K: number; F: number }): void {
  const rec = exp.outcome.recovery!;
  requireFinitePositive('outcome.recovery.tolerance', rec?.tolerance);
  if (rec.signs !== undefined && typeof rec.signs !== 'boolean') throw new ExperimentError('outcome.recovery.signs', `must be true or false (got ${String(rec.signs)})`);
  if (rec.flips !== undefined && typeof rec.flips !== 'boolean') throw new ExperimentError('outcome.recovery.flips', `must be true or false (got ${String(rec.flips)})`);
  if (rec.flips === true && rec.signs === true) {
    throw new ExperimentError('outcome.recovery.flips', 'excludes signs: true (modulo the flips each unit is compared as sign(a_j)·w_j, so its output sign is not matched separately): drop one');
  }
  if (shape.K !== 1) {
    throw new ExperimentError('outcome.recovery', `compares hidden units of a fully connected net: it needs one patch, m = d (got K = ${shape.K})`);
  }
  if (exp.model.weightNorm) throw new ExperimentError('outcome.recovery', 'compares the filters themselves: it needs model.weightNorm false (under weight normalisation only their directions are determined)');
  if (shape.F !== exp.teacher.filters) {
    throw new ExperimentError('outcome.recovery', `matches student and teacher hidden units one to one: it needs as many filters as the teacher's ${exp.teacher.filters} (got ${shape.F})`);
  }
  if (shape.F > RECOVERY_MAX_FILTERS) {
    throw new ExperimentError('outcome.recovery', `takes at most ${RECOVERY_MAX_FILTERS} hidden units (the kernels enumerate every permutation; got ${shape.F})`);
  }
}

/**
 * Sigmoid and tanh's population loss goes by quadrature (src/core/pair-kernels.ts), checked only for
 * filter norms up to QUADRATURE_NORM_LIMIT: a teacher beyond it has no loss to descend, in either
 * engine. (A student that grows beyond it is labelled diverged: population.ts beyondPairKernelRange.)
 */
function validateQuadratureTeacher(exp: Experiment): void {
  if (!byQuadrature(exp.model.activation)) return;
  const { m } = shapeOf(exp.model);
  for (let j = 0; j < exp.teacher.filters; j++) {
    let ss = 0;
    for (let t = 0; t < m; t++) ss += exp.teacher.w[j * m + t] ** 2;
    if (Math.sqrt(ss) > QUADRATURE_NORM_LIMIT) {
      throw new ExperimentError(
        'teacher.w',
        `filter ${j} must have norm ≤ ${QUADRATURE_NORM_LIMIT} for the population loss of '${exp.model.activation}', whose quadrature is checked only that far (got ${Math.sqrt(ss).toPrecision(4)})`,
      );
    }
  }
}

/** Throws ExperimentError naming the first offending field; returns the experiment unchanged. */
export function validateExperiment(exp: Experiment): Experiment {
  validateModel(exp.model);
  const shape = shapeOf(exp.model);
  validateTeacher('teacher', exp.teacher, shape);
  if (exp.model.output === 'fixed' && exp.fixedOutput !== undefined) {
    requireFiniteArray('fixedOutput', exp.fixedOutput, shape.F * shape.K);
  }

  const loss = exp.loss;
  switch (loss?.kind) {
    case 'population':
      validateQuadratureTeacher(exp);
      // Kawaguchi & Kaelbling's theorems are about finitely many inputs; the Gaussian closed form
      // of the augmented population loss (spec §D.3, an extension) is not built.
      if (exp.model.extra) throw new ExperimentError('model.extra', "the extra neuron needs a finite sample: use loss 'empirical' (or 'sgd'); its population loss is not built");
      break;
    case 'empirical':
      // A dataset first: its own errors (empty, wrong width) say more than samples' would.
      if (loss.data !== undefined) validateDataset(loss.data, shape.d, loss.samples);
      requirePositiveInt('loss.samples', loss.samples, 1 << 24);
      if (loss.batch !== undefined) requirePositiveInt('loss.batch', loss.batch, loss.samples);
      if (loss.samples * shape.d > 1 << 28) {
        throw new ExperimentError('loss.samples', `samples × d must be ≤ 2^28 values (got ${loss.samples * shape.d})`);
      }
      break;
    case 'sgd':
      requirePositiveInt('loss.batch', loss.batch, 1 << 16);
      break;
    default:
      throw new ExperimentError('loss.kind', `must be 'population', 'empirical' or 'sgd' (got '${String((loss as { kind?: unknown })?.kind)}')`);
  }

  validateStepRule('optimizer', exp.optimizer);
  if (exp.optimizer.extra !== undefined) {
    if (!exp.model.extra) throw new ExperimentError('optimizer.extra', 'is the step rule of the extra neuron: the model has none (model.extra)');
    validateStepRule('optimizer.extra', exp.optimizer.extra);
  }

  const init = exp.init;
  switch (init?.kind) {
    case 'du':
      if (init.radius !== undefined && !(Number.isFinite(init.radius) && init.radius >= 0)) {
        throw new ExperimentError('init.radius', `must be a finite number ≥ 0 (got ${init.radius})`);
      }
      if (init.signs !== undefined) {
        for (const i of [0, 1]) {
          if (init.signs[i] !== 1 && init.signs[i] !== -1) throw new ExperimentError(`init.signs[${i}]`, `must be 1 or −1 (got ${String(init.signs[i])})`);
        }
      }
      break;
    case 'gaussian':
      requireFinitePositive('init.std', init.std);
      break;
    case 'sphere':
      if (!(Number.isFinite(init.aStd) && init.aStd >= 0)) throw new ExperimentError('init.aStd', `must be a finite number ≥ 0 (got ${init.aStd})`);
      break;
    case 'grid': {
      const [p0, p1] = init.axes ?? [];
      for (const [i, p] of [p0, p1].entries()) {
        if (!Number.isInteger(p) || p < 0 || p >= shape.P) {
          throw new ExperimentError(`init.axes[${i}]`, `must be a parameter index in [0, ${shape.P - 1}] (got ${String(p)})`);
        }
      }
      if (exp.model.output !== 'learned' && Math.max(p0, p1) >= shape.aOffset) {
        // A sign-projected layer would map the axis to its sign: two cells, not a grid.
        const layer = exp.model.output === 'fixed' ? 'a fixed' : 'a sign-projected';
        throw new ExperimentError('init.axes', `with ${layer} output layer the grid axes must be filter entries in [0, ${shape.aOffset - 1}]`);
      }
      if (p0 === p1) throw new ExperimentError('init.axes', 'the two grid axes must be different parameters');
      requireFiniteArray('init.range', init.range, 4);
      requirePositiveInt('init.resolution[0]', init.resolution?.[0], 1 << 14);
      requirePositiveInt('init.resolution[1]', init.resolution?.[1], 1 << 14);
      requireFiniteArray('init.base', init.base, shape.P);
      if (exp.restarts !== init.resolution[0] * init.resolution[1]) {
        throw new ExperimentError('restarts', `a grid initialisation needs restarts = ${init.resolution[0]}×${init.resolution[1]} = ${init.resolution[0] * init.resolution[1]} (got ${exp.restarts})`);
      }
      break;
    }
    case 'supplied':
      requireFiniteArray('init.params', init.params, exp.restarts * shape.P);
      if (init.keepOutput !== undefined && typeof init.keepOutput !== 'boolean') throw new ExperimentError('init.keepOutput', `must be true or false (got ${String(init.keepOutput)})`);
      break;
    default:
      throw new ExperimentError('init.kind', `must be 'du', 'gaussian', 'sphere', 'grid' or 'supplied' (got '${String((init as { kind?: unknown })?.kind)}')`);
  }

  requirePositiveInt('restarts', exp.restarts, 1 << 30);
  if (exp.problems !== undefined) validateProblems(exp, shape);
  // maxSteps = 0 evaluates the initial points only (e.g. the initial loss over a grid).
  if (!Number.isInteger(exp.maxSteps) || exp.maxSteps < 0 || exp.maxSteps > 1 << 24) {
    throw new ExperimentError('maxSteps', `must be an integer in [0, 2^24] (got ${String(exp.maxSteps)})`);
  }
  if (!Number.isInteger(exp.seed) || exp.seed < 0 || exp.seed > 0xffffffff) {
    throw new ExperimentError('seed', `must be an integer in [0, 2^32 − 1] (got ${String(exp.seed)})`);
  }
  const o = exp.outcome;
  requireFinitePositive('outcome.lossTol', o?.lossTol);
  if (!(Number.isFinite(o.gradTol) && o.gradTol >= 0)) throw new ExperimentError('outcome.gradTol', `must be a finite number ≥ 0 (got ${o.gradTol})`);
  requireFinitePositive('outcome.divergeNorm', o.divergeNorm);
  requireFinitePositive('outcome.angleTol', o.angleTol);
  if (o.angleTest !== undefined && typeof o.angleTest !== 'boolean') throw new ExperimentError('outcome.angleTest', `must be true or false (got ${String(o.angleTest)})`);
  if (o.trap) {
    requireFiniteArray('outcome.trap.w', o.trap.w, shape.F * shape.m);
    if (o.trap.a) requireFiniteArray('outcome.trap.a', o.trap.a, shape.F * shape.K);
    requireFinitePositive('outcome.trap.angleTol', o.trap.angleTol);
    requireFinitePositive('outcome.trap.aTol', o.trap.aTol);
  }
  if (o.recovery !== undefined) validateRecovery(exp, shape);
  return exp;
}

/** Whether each restart keeps its supplied output layer as its fixed one (init.keepOutput). */
export const keepsSuppliedOutput = (exp: Experiment): boolean => exp.model.output === 'fixed' && exp.init.kind === 'supplied' && exp.init.keepOutput === true;

/** The fixed output layer of an experiment (average pooling 1/K unless given). */
export function fixedOutputOf(exp: Experiment): Float64Array {
  const { F, K } = shapeOf(exp.model);
  return exp.fixedOutput ?? new Float64Array(F * K).fill(1 / K);
}

export { DEFAULT_OUTCOME_RULE };
