/**
 * Pacing the host against the GPU: how long to sleep before asking for a submission's results, and
 * how many steps to put in the next one. The engine's run loop and the benchmarks' timer share it.
 */

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Where the pacer reads the time and how it sleeps (a fake one in the tests). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: Clock = { now: () => performance.now(), sleep };

/**
 * dawn.node polls the device on the main thread for as long as a GPU promise is pending, taking
 * a core from SwiftShader; so in Node the host sleeps through a chunk's expected GPU time before
 * asking for its results (measured: 125 → 85 ms per step of the empirical kernel). While other
 * chunks are queued behind it the GPU stays busy whatever the host does, so it sleeps 95% of
 * the expected time (waking a little early keeps the measured pace, and so the next sleep,
 * honest); for the last chunk of a wave, 80%.
 */
export const SLEEP_FRACTION = { queued: 0.95, last: 0.8 };
/** A chunk whose results are ready within this many ms of waking had finished before it. */
export const OVERSLEPT_MS = 1;
/** Steps in the first chunk of each wave, before any measurement of it. */
export const FIRST_CHUNK_STEPS = 8;
/** Most steps in one chunk. */
export const MAX_CHUNK_STEPS = 1 << 14;

/** A submission of `steps` steps, and when it was submitted. */
export interface PacedChunk {
  submittedAt: number;
  steps: number;
}

/** Milliseconds per step of each step pipeline, per wave size, as last measured (kept across runs). */
export class PaceMemory {
  private readonly byPipeline = new WeakMap<object, Map<number, number>>();

  /** The remembered pace of `pipeline`, by wave size. */
  of(pipeline: object): Map<number, number> {
    let m = this.byPipeline.get(pipeline);
    if (!m) this.byPipeline.set(pipeline, (m = new Map()));
    return m;
  }
}

export interface PacerOptions {
  /** Whether awaiting the GPU busy-waits on this thread (dawn.node): only then does the pacer sleep. */
  polls: boolean;
  /** Steps per chunk, fixed; without it the length adapts to keep each chunk near targetChunkMs. */
  chunkSteps?: number;
  targetChunkMs?: number;
  /** The step pipeline's pace by wave size, from earlier runs (PaceMemory.of); updated as measured. */
  remembered?: Map<number, number>;
  clock?: Clock;
}

/**
 * Paces one run: sleeps through most of each chunk's expected GPU time where waiting would poll,
 * measures the chunk's GPU time from when its results arrive, and adapts the chunk length.
 */
export class Pacer {
  private readonly clock: Clock;
  private readonly fixed: boolean;
  private readonly targetMs: number;
  private steps: number;
  private restarts = 0;
  private msPerStep = 0;
  private lastResolvedAt = -Infinity;

  constructor(private readonly opts: PacerOptions) {
    this.clock = opts.clock ?? REAL_CLOCK;
    this.fixed = opts.chunkSteps !== undefined;
    this.steps = opts.chunkSteps ?? FIRST_CHUNK_STEPS;
    this.targetMs = opts.targetChunkMs ?? 150;
  }

  /** Steps to put in the next chunk. */
  get chunkSteps(): number {
    return this.steps;
  }

  /** The measured milliseconds per step (0 before the first measurement). */
  get pace(): number {
    return this.msPerStep;
  }

  /**
   * A new wave of `restarts`: the pace of this pipeline on a wave of this size in an earlier run,
   * so that even the first chunks are slept through rather than polled for; and the chunk length
   * back to FIRST_CHUNK_STEPS, since the last wave's last chunks, with few restarts still
   * running, grew long (up to MAX_CHUNK_STEPS), and a wave starts with all of its restarts running.
   */
  startWave(restarts: number): void {
    this.restarts = restarts;
    if (!this.fixed) this.steps = FIRST_CHUNK_STEPS;
    this.msPerStep = this.opts.remembered?.get(restarts) ?? 0;
    this.lastResolvedAt = -Infinity;
  }

  /** A chunk of `steps` submitted now. */
  submitted(steps: number): PacedChunk {
    return { submittedAt: this.clock.now(), steps };
  }

  /**
   * Waits for `chunk` (`ready` resolves when its results are there): first sleeps through most of
   * its expected time where waiting polls; `queued` says whether other chunks are queued behind it.
   */
  async wait(chunk: PacedChunk, queued: boolean, ready: () => Promise<unknown>): Promise<void> {
    const slept = await this.sleepThrough(chunk, queued);
    const woke = this.clock.now();
    await ready();
    this.measure(chunk, slept, woke, this.clock.now());
  }

  private async sleepThrough(c: PacedChunk, queued: boolean): Promise<boolean> {
    if (!this.opts.polls || this.msPerStep <= 0) return false;
    const fraction = queued ? SLEEP_FRACTION.queued : SLEEP_FRACTION.last;
    const wait = Math.max(c.submittedAt, this.lastResolvedAt) + fraction * this.msPerStep * c.steps - this.clock.now();
    if (wait <= 1) return false;
    await this.clock.sleep(wait);
    return true;
  }

  private measure(c: PacedChunk, slept: boolean, woke: number, t: number): void {
    // The chunk's GPU time: with the ring full, the interval between retirements. If the
    // host slept past the chunk's end (its results were there at once on waking), that
    // interval is only an upper bound, and trusting it would keep the sleeps as long as
    // they were; so the estimate is halved until a wake-up finds the chunk still running.
    const interval = t - Math.max(this.lastResolvedAt, c.submittedAt);
    this.lastResolvedAt = t;
    const overslept = slept && t - woke < OVERSLEPT_MS;
    this.msPerStep = (overslept ? 0.5 : 1) * (interval / c.steps);
    this.opts.remembered?.set(this.restarts, this.msPerStep);
    // Adapt the chunk length so that one submission takes about targetMs.
    const took = this.msPerStep * c.steps;
    if (!this.fixed) {
      if (took < this.targetMs / 2 && this.steps < MAX_CHUNK_STEPS) this.steps *= 2;
      else if (took > this.targetMs * 2 && this.steps > 1) this.steps = Math.max(1, this.steps >> 1);
    }
  }
}
