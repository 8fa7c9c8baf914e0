/**
 * A run on the page as a small state machine, without the DOM: it is running until the worker
 * says how it ended — done, cancelled or failed — and every view reads its phase rather than
 * guessing from the last update (a cancelled run used to keep its cell "running…" and its last,
 * empty snapshot on screen). What a phase means for each view is decided here, once: the words
 * of the live panel, the state of the cell that was running, and what can be downloaded (after
 * Cancel or a failure, the finished cells, marked partial).
 */
import type { ExperimentUpdate, Progress } from '../presets/types.ts';
import type { Snapshot } from '../core/stats.ts';
import type { CellResult, ExperimentResult } from '../results/types.ts';
import { jsonText, mapCsv, resultCsv, resultJson } from '../results/report.ts';

export type RunPhase = 'running' | 'done' | 'cancelled' | 'failed';

export interface PageRun {
  id: number;
  /** The form's texts the run was started with (also the heatmap's axes). */
  options: Record<string, string>;
  phase: RunPhase;
  /** The last progress the worker reported (null before the first update). */
  progress: Progress | null;
  /** The result so far: the finished cells; complete once done. */
  result: ExperimentResult | null;
  /** The cell the run was on at its last update: its key, label, last snapshot and its estimate so far, one point per update with data. */
  cell: { key: CellResult['key']; label: string; snapshot: Snapshot | null; points: EstimatePoint[] } | null;
  /** Faults the engine recovered from during the run (a lost GPU device, a wave too large for memory), as it said them. */
  faults: string[];
}

/** One point of a cell's live estimate: restarts finished, P(global) and its 95% interval. */
export interface EstimatePoint {
  done: number;
  p: number;
  lo: number;
  hi: number;
}

export function startRun(id: number, options: Record<string, string>): PageRun {
  return { id, options, phase: 'running', progress: null, result: null, cell: null, faults: [] };
}

/** The engine recovered from a fault during the run: said on the page for as long as the run is shown. */
export function noteFault(run: PageRun, message: string): PageRun {
  const during = run.progress?.label ? ` (during ${run.progress.label})` : '';
  return { ...run, faults: [...run.faults, `${message}${during}`] };
}

/**
 * A running run after an update: a new cell starts a new estimate curve; a snapshot with no
 * restart finished adds no point (0 of 0 is no estimate). The update after the last cell (cell
 * null) keeps that cell as the last one seen.
 */
export function applyUpdate(run: PageRun, u: ExperimentUpdate): PageRun {
  if (run.phase !== 'running') return run;
  if (!u.progress.cell) return { ...run, progress: u.progress, result: u.result };
  const same = run.cell?.label === u.progress.label;
  const s = u.snapshot ?? null;
  const points = same ? [...run.cell!.points] : [];
  if (hasData(s) && s.done !== points.at(-1)?.done) points.push({ done: s.done, p: s.pGlobal, lo: s.ci95[0], hi: s.ci95[1] });
  const cell = { key: u.progress.cell, label: u.progress.label, snapshot: s ?? (same ? run.cell!.snapshot : null), points };
  return { ...run, progress: u.progress, result: u.result, cell };
}

/**
 * The run ended: done with its complete result, or cancelled / failed with the result as far as it
 * got (the worker sends the last one it had; without one, the last update's).
 */
export function endRun(run: PageRun, phase: Exclude<RunPhase, 'running'>, result?: ExperimentResult | null): PageRun {
  if (run.phase !== 'running') return run;
  return { ...run, phase, result: result ?? run.result };
}

/** Whether a snapshot has anything to draw: with no restart finished, its estimate (0 of 0) and histograms are no data. */
export const hasData = (s: Snapshot | null | undefined): s is Snapshot => !!s && s.done > 0;

/** Whether the last cell seen is in the result (it finished) rather than interrupted. */
function cellFinished(run: PageRun): boolean {
  const key = run.cell?.key;
  return !!key && !!run.result?.cells.some((c) => Object.keys(key).every((k) => c.key[k] === key[k]));
}

/** How the cell the run was on stands: the heatmap marks it, the live panel names it. */
export function activeCell(run: PageRun): { key: CellResult['key']; state: 'running' | 'cancelled' | 'failed' } | null {
  if (!run.cell || run.phase === 'done' || cellFinished(run)) return null;
  return { key: run.cell.key, state: run.phase };
}

/** The cell the live panel shows, named by how the run stands: "the cell in progress" only while it is. */
export function cellPhrase(run: PageRun): string {
  switch (run.phase) {
    case 'running':
      return 'the cell in progress';
    case 'done':
      return 'the last cell';
    case 'cancelled':
      return cellFinished(run) ? 'the last cell' : 'the interrupted cell';
    case 'failed':
      return cellFinished(run) ? 'the last cell' : 'the cell the run failed on';
  }
}

/** The live panel's heading: which cell, and for one that did not finish, how far it got. */
export function liveHeading(run: PageRun): string {
  const phrase = cellPhrase(run);
  const head = `${phrase[0].toUpperCase()}${phrase.slice(1)}, ${run.cell?.label ?? ''}`;
  const s = run.cell?.snapshot;
  if (!activeCell(run) || run.phase === 'running' || !s) return head;
  return `${head}: ${s.done.toLocaleString('en')} of ${s.total.toLocaleString('en')} restarts had finished when the run ${run.phase === 'cancelled' ? 'was cancelled' : 'failed'} (not in the result)`;
}

/** Whether the result holds anything finished: a cell, or decided points of a basin map. */
function hasFinished(r: ExperimentResult | null): r is ExperimentResult {
  return !!r && (r.cells.length > 0 || (r.maps ?? []).some((m) => m.codes.some((c) => c >= 1)));
}

/** A downloadable file. */
export interface PageFile {
  name: string;
  type: string;
  text: string;
}

/**
 * What the page offers to download: the complete result once done; after Cancel or a failure, the
 * finished part, marked partial (in the JSON, a `partial` object saying how far the run got; in
 * every file name, "-partial"). Nothing while running or when nothing finished.
 */
export function downloads(run: PageRun | undefined): { json: PageFile; csv: PageFile[] } | null {
  if (!run || run.phase === 'running' || !hasFinished(run.result)) return null;
  const r = run.result;
  const partial = run.phase !== 'done';
  const suffix = partial ? '-partial' : '';
  // `interrupted` is the mark the CLI writes on Ctrl-C (src/results/types.ts); the page adds how
  // far the run got and why it stopped.
  const json = partial ? { ...resultJson({ ...r, interrupted: true }), partial: partialMark(run, r) } : resultJson(r);
  // A basin map's CSV is the per-point matrix the CLI's --out writes (same writer, same name);
  // other results, one row per cell, as the CLI's <experiment>.csv.
  const csv = r.maps?.length
    ? r.maps.map((m) => ({ name: `${r.experiment}-${m.id}${suffix}.csv`, type: 'text/csv', text: mapCsv(m) }))
    : [{ name: `${r.experiment}${suffix}.csv`, type: 'text/csv', text: resultCsv(r) }];
  return { json: { name: `${r.experiment}${suffix}.json`, type: 'application/json', text: jsonText(json) }, csv };
}

/** How far a run that did not finish got: why it stopped, restarts and cells finished, the cell interrupted. */
function partialMark(run: PageRun, r: ExperimentResult): Record<string, unknown> {
  const restarts = r.cells.reduce((n, c) => n + c.restarts, 0);
  const active = activeCell(run);
  return {
    reason: run.phase,
    cellsFinished: r.cells.length,
    restartsFinished: restarts,
    restartsPlanned: run.progress?.total ?? null,
    interruptedCell: active && run.cell ? { ...active.key, restartsFinished: run.cell.snapshot?.done ?? 0, restarts: run.cell.snapshot?.total ?? null } : null,
  };
}
