/**
 * Statistics of finished restarts: outcome counts, the success probability with its 95% Wilson
 * score interval, and fixed-bin histograms that merge by addition (so waves, workers and
 * machines combine exactly). The GPU reduce kernel (shaders/reduce.wgsl) bins with the same edges.
 */
import { OUTCOME, type OutcomeCode } from './outcome.ts';

export interface Histogram {
  /** Left edge of bin 0 and width of each bin; values outside are clamped into the end bins. */
  lo: number;
  hi: number;
  counts: number[];
}

export interface Counts {
  global: number;
  spurious: number;
  diverged: number;
  undecided: number;
}

export interface Snapshot {
  /** Restarts finished (decided or out of budget) so far, and in all. */
  done: number;
  total: number;
  counts: Counts;
  /** global / done, and its 95% interval (pGlobalInterval: Wilson's, widened over undecided restarts). */
  pGlobal: number;
  ci95: [number, number];
  histograms: {
    /** log10(final loss / L_ref) of decided restarts (global and spurious). */
    logLoss: Histogram;
    /** Final angle between filter 0 and the teacher's filter 0, radians. */
    angle: Histogram;
    /** Step at which the restart was decided (the budget for undecided ones). */
    steps: Histogram;
  };
  /** Σ over finished restarts of the steps they took. */
  restartSteps: number;
  elapsedMs: number;
  restartsPerSec: number;
  restartStepsPerSec: number;
  engine: 'gpu' | 'cpu';
  adapter: string;
}

export const HIST_BINS = 32;
export const LOG_LOSS_RANGE: [number, number] = [-12, 2];
/** loss / L_ref is floored here before its log is binned (a zero loss lands in the first bin). */
export const LOG_LOSS_FLOOR = 1e-30;

export function emptyHistogram(lo: number, hi: number, bins = HIST_BINS): Histogram {
  return { lo, hi, counts: new Array(bins).fill(0) };
}

/** The bin of x; NaN goes to the last bin (it only arises for diverged restarts). */
export function binOf(h: Pick<Histogram, 'lo' | 'hi'>, bins: number, x: number): number {
  if (!(x === x)) return bins - 1;
  const b = Math.floor(((x - h.lo) / (h.hi - h.lo)) * bins);
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

export function addToHistogram(h: Histogram, x: number): void {
  h.counts[binOf(h, h.counts.length, x)]++;
}

export function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  if (a.lo !== b.lo || a.hi !== b.hi || a.counts.length !== b.counts.length) throw new Error('cannot merge histograms with different bins');
  return { lo: a.lo, hi: a.hi, counts: a.counts.map((c, i) => c + b.counts[i]) };
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927): unlike the normal
 * approximation it stays inside [0, 1] and behaves at 0 and n successes.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // At 0 or n successes the interval touches 0 or 1 exactly (rounding would leave 1 − 1e-16).
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === n ? 1 : Math.min(1, centre + half)];
}

/** The rule pGlobalInterval applies when some restarts are undecided, in words (the JSON states it on such cells). */
export const UNDECIDED_INTERVAL_RULE =
  'undecided restarts counted as either outcome: [Wilson lower bound of global/n, Wilson upper bound of (global + undecided)/n]';

/**
 * The 95% interval of P(global) over n finished restarts. An undecided restart (out of budget)
 * might have reached the global minimum or not, so the interval covers both: from the Wilson
 * lower bound with all of them missing to the upper bound with all of them global. Without
 * undecided restarts it is the plain Wilson interval; with all of them undecided it is [0, 1] —
 * the cell says nothing, rather than "P(global) = 0".
 */
export function pGlobalInterval(c: Counts): [number, number] {
  const n = doneOf(c);
  if (c.undecided === 0) return wilsonInterval(c.global, n);
  return [wilsonInterval(c.global, n)[0], wilsonInterval(c.global + c.undecided, n)[1]];
}

export function emptyCounts(): Counts {
  return { global: 0, spurious: 0, diverged: 0, undecided: 0 };
}

export function countOutcome(c: Counts, code: OutcomeCode): void {
  if (code === OUTCOME.global) c.global++;
  else if (code === OUTCOME.spurious) c.spurious++;
  else if (code === OUTCOME.diverged) c.diverged++;
  else if (code === OUTCOME.undecided) c.undecided++;
}

/** The running tallies a snapshot is made from; GPU and CPU engines both fill one. */
export interface Tally {
  counts: Counts;
  logLoss: Histogram;
  angle: Histogram;
  steps: Histogram;
  restartSteps: number;
}

export function emptyTally(maxSteps: number): Tally {
  return {
    counts: emptyCounts(),
    logLoss: emptyHistogram(LOG_LOSS_RANGE[0], LOG_LOSS_RANGE[1]),
    angle: emptyHistogram(0, Math.PI),
    steps: emptyHistogram(0, maxSteps + 1),
    restartSteps: 0,
  };
}

export function mergeTallies(a: Tally, b: Tally): Tally {
  return {
    counts: {
      global: a.counts.global + b.counts.global,
      spurious: a.counts.spurious + b.counts.spurious,
      diverged: a.counts.diverged + b.counts.diverged,
      undecided: a.counts.undecided + b.counts.undecided,
    },
    logLoss: mergeHistograms(a.logLoss, b.logLoss),
    angle: mergeHistograms(a.angle, b.angle),
    steps: mergeHistograms(a.steps, b.steps),
    restartSteps: a.restartSteps + b.restartSteps,
  };
}

/** Adds one finished restart to a tally. */
export function tallyRestart(t: Tally, code: OutcomeCode, steps: number, lossOverRef: number, angle: number): void {
  countOutcome(t.counts, code);
  if (code === OUTCOME.global || code === OUTCOME.spurious) addToHistogram(t.logLoss, Math.log10(Math.max(lossOverRef, LOG_LOSS_FLOOR)));
  if (code !== OUTCOME.diverged) addToHistogram(t.angle, angle);
  addToHistogram(t.steps, steps);
  t.restartSteps += steps;
}

export function doneOf(c: Counts): number {
  return c.global + c.spurious + c.diverged + c.undecided;
}

/** The tally a snapshot was made from (makeSnapshot's inverse, but for the rates): to add snapshots of restart ranges. */
export function snapshotTally(s: Snapshot): Tally {
  return { counts: { ...s.counts }, logLoss: s.histograms.logLoss, angle: s.histograms.angle, steps: s.histograms.steps, restartSteps: s.restartSteps };
}

export function makeSnapshot(t: Tally, total: number, elapsedMs: number, engine: 'gpu' | 'cpu', adapter: string): Snapshot {
  const done = doneOf(t.counts);
  const sec = Math.max(elapsedMs, 1e-9) / 1000;
  return {
    done,
    total,
    counts: { ...t.counts },
    pGlobal: done > 0 ? t.counts.global / done : 0,
    ci95: pGlobalInterval(t.counts),
    histograms: {
      logLoss: { ...t.logLoss, counts: [...t.logLoss.counts] },
      angle: { ...t.angle, counts: [...t.angle.counts] },
      steps: { ...t.steps, counts: [...t.steps.counts] },
    },
    restartSteps: t.restartSteps,
    elapsedMs,
    restartsPerSec: done / sec,
    restartStepsPerSec: t.restartSteps / sec,
    engine,
    adapter,
  };
}
