/**
 * Runs a list of cells (one Experiment each) on an engine, one after another, streaming updates
 * with the overall progress and ETA; the grid presets (Table 1 and its sweeps) are built on it.
 */
import type { Experiment } from '../core/experiment.ts';
import type { TraceRequest, WaveResult } from '../engine/engine.ts';
import type { Snapshot } from '../core/stats.ts';
import type { ExperimentUpdate, Progress, RunContext } from './types.ts';
import { type CellResult, type ExperimentResult, cellFromSnapshot } from '../results/types.ts';

export interface CellPlan {
  key: CellResult['key'];
  label: string;
  exp: Experiment;
  paper: number | null;
  /** Receives the cell's per-restart final states (e.g. distances to a known point). */
  onWave?: (w: WaveResult) => void;
  /** Restarts per wave handed to onWave (default: the engine's choice). */
  waveSize?: number;
  /** Record the parameter trajectories of the first restarts (the engine's own trace option). */
  trace?: TraceRequest;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function* runCells(plans: CellPlan[], ctx: RunContext, result: ExperimentResult): AsyncGenerator<ExperimentUpdate, ExperimentResult> {
  const total = plans.reduce((s, p) => s + p.exp.restarts, 0);
  const start = now();
  let before = 0;
  for (const plan of plans) {
    const t0 = now();
    let last: Snapshot | undefined;
    const running = { cell: plan.key, label: plan.label };
    for await (const s of ctx.engine.run(plan.exp, { signal: ctx.signal, onWave: plan.onWave, waveSize: plan.waveSize, trace: plan.trace })) {
      last = s;
      const done = before + s.done;
      const elapsed = (now() - start) / 1000;
      yield {
        progress: { done, total, etaSeconds: done > 0 && elapsed > 0 ? ((total - done) * elapsed) / done : null, ...running },
        snapshot: s,
        result,
      };
    }
    result.cells.push(cellFromSnapshot(plan.key, last!, plan.paper, (now() - t0) / 1000));
    before += plan.exp.restarts;
    result.seconds = (now() - start) / 1000;
    yield { progress: { done: before, total, etaSeconds: null, ...running }, snapshot: last, result };
  }
  result.seconds = (now() - start) / 1000;
  return result;
}

/** The progress of the last update, after the cells: everything done, nothing running. */
export function finished(total: number): Progress {
  return { done: total, total, etaSeconds: 0, cell: null, label: 'done' };
}

export function emptyResult(name: string, title: string, config: Record<string, unknown>, seed: number, ctx: RunContext): ExperimentResult {
  return { experiment: name, title, config, seed, adapter: ctx.engine.label, engine: ctx.engine.kind, cells: [], figures: [], tables: [], notes: [], seconds: 0 };
}
