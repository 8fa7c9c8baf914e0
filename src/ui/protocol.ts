/**
 * Messages between the page (src/ui/main.ts) and the engine's Web Worker (src/ui/worker.ts).
 * Everything crosses by structured clone: updates are the same ExperimentUpdate objects the CLI
 * consumes from runExperiment.
 */
import type { BenchEntry, SuiteSize } from '../../bench/entries.ts';
import type { Dataset } from '../core/dataset.ts';
import type { ExperimentUpdate } from '../presets/types.ts';
import type { ExperimentResult } from '../results/types.ts';

export const ENGINE_CHOICES = ['gpu', 'cpu'] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

export type ToWorker =
  /** options: the form's texts, and the Datasets of its file fields. */
  | { type: 'run'; id: number; experiment: string; options: Record<string, string | Dataset>; engine: EngineChoice }
  | { type: 'cancel'; id: number }
  /** The benchmark suite (bench/suite.ts), the code path of `npm run bench`. */
  | { type: 'bench'; id: number; size: Exclude<SuiteSize, 'full'>; peers: boolean };

export interface AdapterDescription {
  label: string;
  vendor: string;
  architecture: string;
}

export type FromWorker =
  /** The worker found a WebGPU adapter (sent once, at start). */
  | { type: 'adapter'; adapter: AdapterDescription }
  /** No WebGPU in this browser; the message says why and how to get it. */
  | { type: 'no-gpu'; message: string }
  | { type: 'update'; id: number; update: ExperimentUpdate }
  /** The GPU engine recovered from a fault during run `id` (host/device-faults.ts describeFault): it goes on. */
  | { type: 'fault'; id: number; message: string }
  | { type: 'done'; id: number; result: ExperimentResult }
  /** Cancelled: `result` is the result as far as it got (its finished cells), null before any update. */
  | { type: 'cancelled'; id: number; result: ExperimentResult | null }
  | { type: 'bench-log'; id: number; line: string }
  | { type: 'bench-done'; id: number; entries: BenchEntry[] }
  /** The run failed: invalid options (name = 'ExperimentError') or an engine error; `result` as for 'cancelled'. */
  | { type: 'error'; id: number; name: string; message: string; result?: ExperimentResult | null };
