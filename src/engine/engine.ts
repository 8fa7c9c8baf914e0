/**
 * What the experiments need from an engine, whichever it is: the GPU engine (host/gpu-engine.ts) and the
 * CPU reference engine (src/engine/cpu.ts, cpuEngine) both run an Experiment as an async iterable
 * of Snapshots, and can hand back each restart's final state (onWave) and the parameter
 * trajectories of the first few restarts (trace), which the figures are drawn from.
 */
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

export interface Engine {
  readonly kind: 'gpu' | 'cpu';
  /** The adapter (GPU) or the CPU engine's description, for every printed figure. */
  readonly label: string;
  run(exp: Experiment, opts?: EngineRunOptions): AsyncGenerator<Snapshot>;
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
