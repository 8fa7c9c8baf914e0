/**
 * The shape every experiment preset shares, so that the CLI, the library API and the page run
 * them through one path (src/presets/index.ts runExperiment): a preset declares its options
 * (typed, with defaults, ranges and help — the CLI's flags and the page's form are generated from
 * them), and runs as an async generator of updates, each carrying the result so far.
 */
import type { Engine } from '../engine/engine.ts';
import type { Snapshot } from '../core/stats.ts';
import type { ExperimentResult } from '../results/types.ts';

export type Mode = 'population' | 'empirical' | 'sgd';

export type OptionSpec =
  | { name: string; kind: 'int'; default: number; min: number; max: number; help: string }
  /** `open`: min and max themselves are excluded, the range is the open interval (min, max). */
  | { name: string; kind: 'number'; default: number; min: number; max: number; open?: boolean; help: string }
  | { name: string; kind: 'int-list'; default: number[]; min: number; max: number; help: string }
  | { name: string; kind: 'number-list'; default: number[]; min: number; max: number; help: string }
  | { name: string; kind: 'choice'; default: string; choices: readonly string[]; help: string };

export type OptionValue = number | number[] | string;
export type Options = Record<string, OptionValue>;

export interface Progress {
  /** Restarts finished over the whole experiment, and in all. */
  done: number;
  total: number;
  /** Seconds left at the current rate, or null before there is a rate. */
  etaSeconds: number | null;
  /** What is running now, e.g. "k=25 ratio=4". */
  current: string;
}

export interface ExperimentUpdate {
  progress: Progress;
  /** The live snapshot of the cell (or run) in progress. */
  snapshot?: Snapshot;
  /** The result so far (complete in the last update). */
  result: ExperimentResult;
}

export interface RunContext {
  engine: Engine;
  signal?: AbortSignal;
}

export interface Preset {
  name: string;
  title: string;
  /** Where in which paper, e.g. "Du et al. (2018), Sec. 6.2, Table 1". */
  source: string;
  options: OptionSpec[];
  run(options: Options, ctx: RunContext): AsyncGenerator<ExperimentUpdate, ExperimentResult>;
}

