/**
 * Runs a list of cells (one Experiment each) on an engine, one after another, streaming updates
 * with the overall progress and ETA; the grid presets (Table 1 and its sweeps) are built on it.
 */
import type { Experiment } from '../core/experiment.ts';
import { type Catalogue, CatalogueBuilder, type CatalogueOptions, type EndPointCatalogue } from '../core/catalogue.ts';
import { prepare } from '../core/prepare.ts';
import { criticalPointsTable, polishNote } from '../results/critical-points.ts';
import { InterruptedRun, type TraceRequest, type WaveResult } from '../engine/engine.ts';
import { type Snapshot, doneOf, emptyTally, makeSnapshot, mergeTallies, snapshotTally } from '../core/stats.ts';
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
  /** Receives the cell's catalogue of critical points, with each restart's point (e.g. to colour a map). */
  onCatalogue?: (c: Catalogue) => void;
  /** false: no catalogue for this cell (its end points are not critical points, e.g. stopped at a loss threshold); or its options. */
  catalogue?: false | Partial<CatalogueOptions>;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Restarts of a cell whose end points are catalogued: its first CATALOGUE_RESTARTS. The rest run
 * as a second restart range without handing back their waves, so that a cell of 10⁷ restarts keeps
 * — and a checkpoint records (src/cli/checkpoint.ts), or a shard's part — no per-restart data
 * beyond these, while its counts are over all of its restarts. At 2·10⁴ a basin's mass is known to
 * ±0.7% (95%), and every run the README reports is smaller.
 */
export const CATALOGUE_RESTARTS = 20_000;

/**
 * Runs the cells in order. Unless ctx.catalogue is false, each cell's end points are catalogued as
 * its waves arrive (src/core/catalogue.ts: clustered modulo symmetry, polished, classified), the
 * catalogue kept in its CellResult, and the table of every cell's critical points added to the
 * result's tables once all have run.
 */
export async function* runCells(plans: CellPlan[], ctx: RunContext, result: ExperimentResult): AsyncGenerator<ExperimentUpdate, ExperimentResult> {
  const total = plans.reduce((s, p) => s + p.exp.restarts, 0);
  const start = now();
  let before = 0;
  let cappedCatalogue = false;
  for (const plan of plans) {
    const t0 = now();
    let last: Snapshot | undefined;
    const running = { cell: plan.key, label: plan.label };
    // Which point each restart reached is kept only for a plan that asks (a basin map's colours).
    const catalogueable = plan.catalogue === false ? null : CatalogueBuilder.for(prepare(plan.exp), plan.catalogue, plan.onCatalogue !== undefined);
    // A shard runs without a catalogue (ctx.catalogue false) but hands its waves on all the same:
    // the merge catalogues them, and cuts the cell into the same ranges (below) as the shards did.
    const builder = ctx.catalogue === false ? null : catalogueable;
    const onWave =
      catalogueable || plan.onWave
        ? (w: WaveResult) => {
            plan.onWave?.(w);
            if (builder) catalogueWave(builder, w);
          }
        : undefined;
    // Which restarts hand back their waves: all of them, or only the catalogued first ones.
    const R = plan.exp.restarts;
    const cap = ctx.catalogueRestarts ?? CATALOGUE_RESTARTS;
    const catalogued = catalogueable && !plan.onWave && R > cap ? cap : R;
    const ranges =
      catalogued < R
        ? [
            { first: 0, count: catalogued, onWave, trace: plan.trace },
            { first: catalogued, count: R - catalogued, onWave: undefined, trace: undefined },
          ]
        : [{ onWave, trace: plan.trace }];
    // The ranges before the one running: their final tally and time.
    let before0 = emptyTally(plan.exp.maxSteps);
    let beforeMs = 0;
    try {
      for (const range of ranges) {
        let rangeLast: Snapshot | undefined;
        for await (const s of ctx.engine.run(plan.exp, { signal: ctx.signal, waveSize: plan.waveSize, ...range })) {
          rangeLast = s;
          last = ranges.length === 1 ? s : makeSnapshot(mergeTallies(before0, snapshotTally(s)), R, beforeMs + s.elapsedMs, s.engine, s.adapter);
          const done = before + last.done;
          const elapsed = (now() - start) / 1000;
          yield {
            progress: { done, total, etaSeconds: done > 0 && elapsed > 0 ? ((total - done) * elapsed) / done : null, ...running },
            snapshot: last,
            result,
          };
        }
        before0 = mergeTallies(before0, snapshotTally(rangeLast!));
        beforeMs += rangeLast!.elapsedMs;
      }
    } catch (e) {
      // Interrupted with whole units finished (src/cli/checkpoint.ts): they are the cell so far.
      if (e instanceof InterruptedRun) {
        const tally = mergeTallies(before0, snapshotTally(e.finished));
        const n = doneOf(tally.counts);
        if (n > 0) {
          const cell = cellFromSnapshot(plan.key, makeSnapshot(tally, n, beforeMs + e.finished.elapsedMs, e.finished.engine, e.finished.adapter), plan.paper, (now() - t0) / 1000);
          cell.partial = { of: R };
          // The catalogue where its restarts all finished (the cell was past them).
          if (builder && n >= catalogued) cell.catalogue = (({ pointOf: _, ...cat }) => cat)(builder.finish(catalogued));
          result.cells.push(cell);
        }
      }
      result.seconds = (now() - start) / 1000;
      throw e;
    }
    if (catalogued < R) cappedCatalogue = true;
    const cell = cellFromSnapshot(plan.key, last!, plan.paper, 0);
    if (builder) {
      const { pointOf, ...cat } = builder.finish(catalogued);
      plan.onCatalogue?.({ ...cat, pointOf });
      cell.catalogue = cat;
    }
    cell.seconds = (now() - t0) / 1000;
    result.cells.push(cell);
    before += plan.exp.restarts;
    result.seconds = (now() - start) / 1000;
    yield { progress: { done: before, total, etaSeconds: null, ...running }, snapshot: last, result };
  }
  const table = criticalPointsTable(result.cells);
  if (table) result.tables.push(table);
  const polished = polishNote(result.cells);
  if (polished) result.notes.push(polished);
  if (cappedCatalogue) {
    const cap = (ctx.catalogueRestarts ?? CATALOGUE_RESTARTS).toLocaleString('en');
    result.notes.push(`Critical points: a cell of more than ${cap} restarts catalogues its first ${cap} (the basin masses are over those); its counts and P(global) are over all of its restarts.`);
  }
  result.seconds = (now() - start) / 1000;
  return result;
}

/** Hands a wave's end points to the catalogue. */
function catalogueWave(builder: EndPointCatalogue, w: WaveResult): void {
  const P = w.params.length / Math.max(1, w.count);
  for (let r = 0; r < w.count; r++) builder.add({ restart: w.first + r, code: w.status[r] as never, params: w.params.subarray(r * P, (r + 1) * P) });
}

/**
 * Runs cells one plan list at a time with the progress of the whole run, for presets that decide
 * or build later cells as earlier ones finish (bg-basin-mass's search, the Zhong presets' tensor
 * initialisations): each list's results go into `into` (the result, or a scratch one), the
 * updates carry the result and the whole run's progress and ETA over `total` restarts.
 */
export class CellRunner {
  private done = 0;
  private readonly start = now();

  constructor(
    private readonly ctx: RunContext,
    readonly result: ExperimentResult,
    private readonly total: number,
  ) {}

  async *run(plans: CellPlan[], into = this.result): AsyncGenerator<ExperimentUpdate, CellResult[]> {
    const first = into.cells.length;
    for await (const u of runCells(plans, this.ctx, into)) {
      const done = this.done + u.progress.done;
      const elapsed = this.seconds();
      yield { ...u, result: this.result, progress: { ...u.progress, done, total: this.total, etaSeconds: done > 0 ? ((this.total - done) * elapsed) / done : null } };
    }
    this.done += plans.reduce((n, p) => n + p.exp.restarts, 0);
    this.result.seconds = this.seconds();
    return into.cells.slice(first);
  }

  seconds(): number {
    return (now() - this.start) / 1000;
  }
}

/** The progress of the last update, after the cells: everything done, nothing running. */
export function finished(total: number): Progress {
  return { done: total, total, etaSeconds: 0, cell: null, label: 'done' };
}

export function emptyResult(name: string, title: string, config: Record<string, unknown>, seed: number, ctx: RunContext): ExperimentResult {
  return { experiment: name, title, config, seed, adapter: ctx.engine.label, engine: ctx.engine.kind, cells: [], figures: [], tables: [], notes: [], seconds: 0 };
}

/** Whether a list is evenly spaced (a map axis can then be labelled in its own units). */
export function evenlySpaced(xs: readonly number[]): boolean {
  if (xs.length < 3) return true;
  const step = xs[1] - xs[0];
  return xs.every((x, i) => Math.abs(x - (xs[0] + i * step)) <= 1e-9 * Math.max(1, Math.abs(x)));
}

/** A map axis over a list: its own values where evenly spaced, else its index. */
export function listAxis(label: string, xs: readonly number[], param: number) {
  return evenlySpaced(xs)
    ? { label, param, lo: xs[0], hi: xs[xs.length - 1], n: xs.length }
    : { label: `${label} (index into ${xs.join(', ')})`, param, lo: 0, hi: xs.length - 1, n: xs.length };
}
