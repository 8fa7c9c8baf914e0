/**
 * What the experiments need from an engine, whichever it is: the GPU engine (host/gpu-engine.ts) and the
 * CPU reference engine (src/engine/cpu.ts, cpuEngine) both run an Experiment as an async iterable
 * of Snapshots, and can hand back each restart's final state (onWave) and the parameter
 * trajectories of the first few restarts (trace), which the figures are drawn from.
 */
import { type DeepData, type DeepNetSpec, deepLayout, validateDeepNet } from '../core/deep-net.ts';
import type { Experiment } from '../core/experiment.ts';
import type { Snapshot } from '../core/stats.ts';

/** Final parameters and states of restarts [first, first + count). */
export interface WaveResult {
  first: number;
  count: number;
  /** [count, P] final parameters. */
  params: Float32Array | Float64Array;
  /** Outcome code (src/core/outcome.ts), step decided, loss there, final angle to the teacher. */
  status: Uint32Array;
  steps: Uint32Array;
  loss: Float32Array | Float64Array;
  angle: Float32Array | Float64Array;
}

/** Parameters of restarts 0 … restarts−1 at steps 0, every, 2·every, … (a decided restart stays put). */
export interface TraceResult {
  restarts: number;
  P: number;
  steps: number[];
  /** [steps.length, restarts, P] */
  params: Float32Array | Float64Array;
}

export interface TraceRequest {
  every: number;
  restarts: number;
  onTrace: (t: TraceResult) => void;
}

export interface EngineRunOptions {
  signal?: AbortSignal;
  /** Minimum time between snapshots (the last one always comes). */
  snapshotEveryMs?: number;
  onWave?: (wave: WaveResult) => void;
  /**
   * Restarts per wave: each wave is handed to onWave as soon as it is done, so a smaller wave lets
   * a page show per-restart results (a basin map) filling in. Default: the engine's choice (the
   * CPU engine runs all restarts as one wave; the GPU engine as many as its limits allow).
   */
  waveSize?: number;
  /** Only with `first` = 0: the trace records restarts 0, 1, … (a range holding restart 0). */
  trace?: TraceRequest;
  /**
   * Restarts [first, first + count) only (default: all): snapshots, waves and tallies cover the
   * range, so a run split into consecutive ranges adds up (mergeTallies) to the whole run, every
   * restart being a function of (seed, restart) alone. The checkpointing runner
   * (src/cli/checkpoint.ts) runs long cells this way.
   */
  first?: number;
  count?: number;
}

/**
 * Full-batch GD, or SGD on minibatches (`sgd`, Thm 2), on R restarts of one deep ReLU net
 * (src/core/deep-net.ts, Allen-Zhu et al.) over one dataset, for a fixed number of steps. The caller draws the initial nets (initDeepNet per
 * restart), so the same restarts start from the same nets on every engine; the measures
 * (src/core/deep-measures.ts) are the caller's, in f64, from what comes back.
 */
export interface DeepJob {
  spec: DeepNetSpec;
  data: DeepData;
  restarts: number;
  /** [restarts, P] initial parameters. */
  theta0: Float64Array;
  lr: number;
  steps: number;
  /**
   * SGD: each step on `batch` of the n samples, restart r's step t on deepMinibatch(n, batch,
   * seed, r, t), the gradient times n/b; the loss record is then the minibatch estimate of F.
   */
  sgd?: { batch: number; seed: number };
}

/** What a DeepJob hands back. */
export interface DeepOutcome {
  /** [restarts, P] parameters after the last step. */
  params: Float32Array | Float64Array;
  /** [restarts, steps] F at the start of step t (F₀ first). */
  losses: Float32Array | Float64Array;
}

/** Steps done (of the job's) so far: the progress of a long DeepJob. */
export interface DeepProgress {
  stepsDone: number;
}

export interface Engine {
  readonly kind: 'gpu' | 'cpu';
  /** The adapter (GPU) or the CPU engine's description, for every printed figure. */
  readonly label: string;
  run(exp: Experiment, opts?: EngineRunOptions): AsyncGenerator<Snapshot>;
  /**
   * Runs a DeepJob, yielding progress now and then (and stopping with the signal's reason when it
   * is aborted); returns the outcome. Absent on an engine that cannot (the presets say so).
   */
  trainDeep?(job: DeepJob, opts?: { signal?: AbortSignal }): AsyncGenerator<DeepProgress, DeepOutcome>;
}

/** The job checked (its net, then against itself), naming the field, before any engine work; returns P. */
export function checkDeepJob(job: DeepJob): number {
  const { restarts, steps, lr, theta0, data, spec } = job;
  validateDeepNet(spec);
  const { P } = deepLayout(spec);
  if (!Number.isInteger(restarts) || restarts < 1) throw new RangeError(`deep job: restarts must be an integer ≥ 1, got ${restarts}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`deep job: steps must be an integer ≥ 1, got ${steps}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`deep job: lr must be a finite number > 0, got ${lr}`);
  if (theta0.length !== restarts * P) throw new RangeError(`deep job: theta0 has ${theta0.length} values, expected restarts·P = ${restarts * P}`);
  if (data.X.length !== data.n * spec.inputDim) throw new RangeError(`deep job: data.X has ${data.X.length} values, expected n·inputDim = ${data.n * spec.inputDim}`);
  if (data.Y.length !== data.n * spec.outDim) throw new RangeError(`deep job: data.Y has ${data.Y.length} values, expected n·outDim = ${data.n * spec.outDim}`);
  if (job.sgd) {
    const { batch, seed } = job.sgd;
    if (!Number.isInteger(batch) || batch < 1 || batch > data.n) throw new RangeError(`deep job: sgd.batch must be an integer in [1, n = ${data.n}], got ${batch}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`deep job: sgd.seed must be a u32, got ${seed}`);
  }
  return P;
}

/**
 * A run stopped by its signal, with the restarts it had finished as whole ranges — its first
 * `finished.done` restarts of the range, a prefix, so an unbiased sample of the cell, unlike the
 * restarts decided so far (those that reach a minimum fast come first) — and their statistics.
 * The checkpointing runner (src/cli/checkpoint.ts) throws it from its finished units; runCells
 * keeps them as a partial cell.
 */
export class InterruptedRun extends Error {
  override name = 'AbortError';
  constructor(
    reason: unknown,
    /** Over the finished restarts only (total = done). */
    readonly finished: Snapshot,
  ) {
    super(reason instanceof Error ? reason.message : String(reason ?? 'interrupted'), { cause: reason });
  }
}

/** The range `opts` asks for, checked: whole restarts within the experiment's, and a trace only where it starts at 0. */
export function restartRange(exp: Experiment, opts: EngineRunOptions): { first: number; count: number } {
  const first = opts.first ?? 0;
  const count = opts.count ?? exp.restarts - first;
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > exp.restarts) {
    throw new RangeError(`restart range [${first}, ${first + count}) is not a non-empty range within the experiment's ${exp.restarts} restarts`);
  }
  if (opts.trace && first !== 0) throw new RangeError(`a trace records restarts 0, 1, …: ask for it only with the range that starts at restart 0 (got first = ${first})`);
  return { first, count };
}

/** Number of trace slots for a budget of maxSteps steps recorded every `every` steps. */
export function traceSlots(maxSteps: number, every: number): number {
  return Math.floor(maxSteps / every) + 1;
}
