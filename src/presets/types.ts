/**
 * The shape every experiment preset shares, so that the CLI, the library API and the page run
 * them through one path (src/presets/index.ts runExperiment): a preset declares its options once
 * (src/presets/options.ts: typed, with defaults, ranges and help — the CLI's flags and the page's
 * form are generated from them), receives them validated, and runs as an async generator of
 * updates, each carrying the result so far.
 */
import type { Engine } from '../engine/engine.ts';
import type { Snapshot } from '../core/stats.ts';
import type { CellResult, ExperimentResult } from '../results/types.ts';
import type { OptionSet, Validated, Values } from './options.ts';

export interface Progress {
  /** Restarts finished over the whole experiment, and in all. */
  done: number;
  total: number;
  /** Seconds left at the current rate, or null before there is a rate. */
  etaSeconds: number | null;
  /** The key of the cell running now (as its CellResult will have it), or null once all are done. */
  cell: CellResult['key'] | null;
  /** What is running now, for people: e.g. "k=25 ratio=4", or "done". */
  label: string;
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
  /** Catalogue each cell's critical points (default true; src/presets/cells.ts runCells). */
  catalogue?: boolean;
  /** Restarts of a cell that are catalogued, its first ones (default CATALOGUE_RESTARTS, src/presets/cells.ts). */
  catalogueRestarts?: number;
}

export interface Preset<V extends Values = Values> {
  name: string;
  title: string;
  /** Where in which paper, e.g. "Du et al. (2018), Sec. 6.2, Table 1". */
  source: string;
  options: OptionSet<V>;
  /** Runs on values validateOptions made (runExperiment calls both). */
  run(options: Validated<V>, ctx: RunContext): AsyncGenerator<ExperimentUpdate, ExperimentResult>;
}
