/**
 * What a run produces, whichever preset ran it: cells (estimated probabilities with their 95%
 * intervals beside the paper's value), figures, tables, basin maps and notes. The reports
 * (report.ts), the figures (plot.ts), the CLI and the page read only these types.
 */
import type { Snapshot } from '../core/stats.ts';
import type { Catalogue } from '../core/catalogue.ts';

/** One estimated probability: a cell of a table or one setting of a sweep. */
export interface CellResult {
  /** The cell's coordinates, e.g. { k: 25, ratio: 4 }, also spread at top level in the JSON. */
  key: Record<string, number | string>;
  restarts: number;
  global: number;
  spurious: number;
  diverged: number;
  undecided: number;
  pGlobal: number;
  ci95: [number, number];
  /** The paper's number for this cell, or null where the paper has none. */
  paper: number | null;
  seconds: number;
  /** Σ steps over the cell's restarts (throughput). */
  restartSteps: number;
  /**
   * The critical points its restarts ended at (src/core/catalogue.ts; reports:
   * src/results/critical-points.ts), where the loss has a deterministic form to polish on.
   */
  catalogue?: Omit<Catalogue, 'pointOf'>;
  /**
   * Only in an interrupted run: the cell stopped after its first `restarts` of `of` restarts (a
   * prefix, so an unbiased sample; its counts and interval are over those).
   */
  partial?: { of: number };
}

export interface Series {
  name: string;
  x: number[];
  y: number[];
}

export interface Figure {
  id: string;
  title: string;
  x: string;
  y: string;
  logY?: boolean;
  series: Series[];
  /** Vertical marks (e.g. the detected end of phase I), labelled. */
  marks?: { x: number; label: string }[];
}

/** A small table of named values (e.g. distances to the spurious point), printed and saved. */
export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

/**
 * Outcomes over a 2-D grid of initial points (grid initialisation): a basin map. Grid point
 * (ix, iy) is the initial point with parameter x.param = x.lo + ix·(x.hi − x.lo)/(x.n − 1), and
 * likewise for y.
 */
export interface BasinMap {
  id: string;
  title: string;
  x: { label: string; param: number; lo: number; hi: number; n: number };
  y: { label: string; param: number; lo: number; hi: number; n: number };
  /** Outcome code per grid point (src/core/outcome.ts OUTCOME), row-major iy·x.n + ix; −1 = not run yet. */
  codes: number[];
  /**
   * Other categories than the outcomes: codes 1…n name categories[0…n−1], each with its colour
   * (e.g. the classes of a run with the extra neuron, src/core/augmented-outcome.ts).
   */
  categories?: { name: string; colour: string }[];
  /** Points to mark on the map, e.g. the global minimum and the spurious one. */
  points?: { x: number; y: number; label: string }[];
  /** Per grid point, the id of the critical point its restart ended at (the cell's catalogue; 0: none). */
  criticalPoint?: number[];
  /**
   * A scalar per grid point (row-major like codes), e.g. the loss itself (Brutzkus & Globerson's
   * Fig. 2): the renderers colour by it instead of by outcome where present.
   */
  field?: { label: string; values: number[] };
}

export interface ExperimentResult {
  experiment: string;
  title: string;
  /** Everything needed to rerun it: the options and the resolved settings of each cell. */
  config: Record<string, unknown>;
  seed: number;
  adapter: string;
  engine: 'gpu' | 'cpu';
  cells: CellResult[];
  figures: Figure[];
  tables: Table[];
  /** Basin maps of grid experiments (absent for the others). */
  maps?: BasinMap[];
  /** Findings computed by the run, in words (e.g. the detected phase-I rule and its median). */
  notes: string[];
  seconds: number;
  /**
   * Set when the run was stopped before the end (Ctrl-C, Cancel): `cells` holds the cells that
   * finished, the one in progress is dropped, and what a preset computes after its last cell
   * (tables, figures, notes) is absent.
   */
  interrupted?: true;
}

/** A cell's result from its final snapshot. */
export function cellFromSnapshot(key: CellResult['key'], s: Snapshot, paper: number | null, seconds: number): CellResult {
  return { key, restarts: s.done, ...s.counts, pGlobal: s.pGlobal, ci95: s.ci95, paper, seconds, restartSteps: s.restartSteps };
}

/** A cell all of whose restarts ran out of budget: its interval is [0, 1] and it says nothing about the paper. */
export const allUndecided = (c: Pick<CellResult, 'restarts' | 'undecided'>) => c.restarts > 0 && c.undecided === c.restarts;

/** The papers print probabilities to two decimals: a printed p stands for [p − 0.005, p + 0.005]. */
export const PAPER_ROUNDING = 0.005;

/**
 * Whether the paper's value is consistent with our 95% interval: its rounding interval overlaps
 * ours (null where there is no paper value).
 */
export function paperInInterval(c: CellResult): boolean | null {
  return c.paper === null ? null : c.paper + PAPER_ROUNDING >= c.ci95[0] && c.paper - PAPER_ROUNDING <= c.ci95[1];
}
