/**
 * Crash and resume for long CLI runs: the run is cut into units — consecutive restart ranges of
 * each cell (EngineRunOptions first/count), sized from the measured rate to about `unitMs` of
 * work — and after each finished unit the checkpoint file holds the recorded engine output of
 * every unit so far (waves, trace, the range's final tally), with the configuration hash of
 * src/cli/shard.ts. `--resume` reads it, replays the recorded units to the preset (as the merge
 * replays shards) and runs the rest live: the preset sees the same events as in one run, so its
 * result is the same (every restart is a function of (seed, restart) alone, and tallies of ranges
 * add up exactly). A kill -9 loses the unit in progress and at most WRITE_EVERY_MS of finished ones.
 *
 * The file is rewritten whole (temp file in the same directory, then rename: a crash mid-write
 * leaves the previous checkpoint), from the units' JSON kept as text, so a write costs only the
 * copy. Cells whose events include per-restart waves make it grow with the restarts done, as a
 * shard's part does.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Experiment } from '../core/experiment.ts';
import { type Snapshot, type Tally, emptyTally, makeSnapshot, mergeTallies, snapshotTally } from '../core/stats.ts';
import { type DeepOutcome, type DeepProgress, type Engine, type TraceResult, type WaveResult, InterruptedRun, restartRange } from '../engine/engine.ts';
import type { Values } from '../presets/options.ts';
import { decode, deepJobHash, encode, sha256 } from './shard-engines.ts';
import { configHash, packageVersion } from './shard.ts';

/** A checkpoint that cannot be used: another configuration, damaged, missing; the message names the file. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** One finished unit: restarts [first, first + count) of the `cell`-th engine.run call, and what the engine handed back. */
export interface UnitRecord {
  cell: number;
  /** sha256 of the cell's Experiment: a unit of another cell is never replayed into this one. */
  experiment: string;
  first: number;
  count: number;
  waves: WaveResult[];
  trace?: TraceResult;
  /** The range's final statistics, and the time it took. */
  tally: Tally;
  elapsedMs: number;
  /** A deep-net job's outcome (the cell is an engine.trainDeep call: one unit, all its restarts). */
  deep?: DeepOutcome;
}

const FORMAT = 'basins-checkpoint';
/** Finished units are written at most this often (and at least this soon after one finishes). */
export const WRITE_EVERY_MS = 1000;

interface Header {
  format: typeof FORMAT;
  experiment: string;
  version: string;
  engine: 'gpu' | 'cpu';
  seed: number | null;
  configHash: string;
  options: unknown;
}

/** What a resumed run starts from: the recorded units, by cell. */
export interface Resumed {
  units: UnitRecord[];
}

/** The checkpoint file of one run: reads it (resume), records finished units, writes atomically, removes it at the end. */
export class Checkpoint {
  private readonly head: string;
  private readonly units: string[] = [];
  private dirty = false;
  private lastWrite = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly path: string,
    preset: string,
    values: Values,
    engine: 'gpu' | 'cpu',
  ) {
    const header: Header = {
      format: FORMAT,
      experiment: preset,
      version: packageVersion(),
      engine,
      seed: typeof values.seed === 'number' ? values.seed : null,
      configHash: configHash(preset, values, engine),
      options: encode(values),
    };
    this.head = JSON.stringify(header).slice(0, -1);
  }

  /** Units finished so far (recorded or carried over from the resumed file). */
  get count(): number {
    return this.units.length;
  }

  /**
   * Reads the checkpoint at `path` for this configuration, keeping its units for the next
   * writes; refuses one of another configuration or version, or a damaged file.
   */
  resume(preset: string, values: Values, engine: 'gpu' | 'cpu'): Resumed {
    const { path } = this;
    if (!existsSync(path)) throw new CheckpointError(`--resume: there is no checkpoint ${path} (the run wrote none, or finished): run without --resume`);
    let file: Header & { units?: unknown };
    try {
      file = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new CheckpointError(`${path}: damaged, not a readable checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); delete it and run without --resume`);
    }
    if (file?.format !== FORMAT || !Array.isArray(file.units)) throw new CheckpointError(`${path}: not a basins checkpoint (no "format": "${FORMAT}" and units); delete it and run without --resume`);
    const hash = configHash(preset, values, engine);
    if (file.configHash !== hash) {
      const differs: string[] = [];
      if (file.experiment !== preset) differs.push(`experiment ${file.experiment} (this run: ${preset})`);
      if (file.version !== packageVersion()) differs.push(`basins ${file.version} (this is ${packageVersion()})`);
      if (file.engine !== engine) differs.push(`engine ${file.engine} (this run: ${engine})`);
      const theirs = (decode(file.options) ?? {}) as Record<string, unknown>;
      const names = [...new Set([...Object.keys(theirs), ...Object.keys(values)])].filter((k) => sha256(theirs[k] ?? null) !== sha256(values[k] ?? null));
      if (names.length) differs.push(`options ${names.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
      throw new CheckpointError(
        `${path}: a checkpoint of another configuration (${differs.join('; ') || 'the file was edited'}); it is never mixed into this run: rerun with the command line that wrote it, or delete it to start again`,
      );
    }
    const units: UnitRecord[] = [];
    for (const [k, u] of (file.units as unknown[]).entries()) {
      const r = decode(u) as UnitRecord;
      const ok = r && Number.isInteger(r.cell) && typeof r.experiment === 'string' && Number.isInteger(r.first) && Number.isInteger(r.count) && Array.isArray(r.waves) && r.tally?.counts !== undefined;
      if (!ok) throw new CheckpointError(`${path}: unit ${k} is damaged; delete the file and run without --resume`);
      units.push(r);
      this.units.push(JSON.stringify(u));
    }
    return { units };
  }

  /** Keeps a finished unit; the file is rewritten now, or within WRITE_EVERY_MS of the last write. */
  add(unit: UnitRecord): void {
    this.units.push(JSON.stringify(encode(unit)));
    this.dirty = true;
    const wait = this.lastWrite + WRITE_EVERY_MS - Date.now();
    if (wait <= 0) this.write();
    else this.timer ??= setTimeout(() => this.write(), wait);
  }

  /** Writes the units kept so far: a temp file in the same directory, then rename (atomic). */
  write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${this.head},"units":[${this.units.join(',')}]}`);
    renameSync(tmp, this.path);
    this.dirty = false;
    this.lastWrite = Date.now();
  }

  /** The run is over and its outputs written: the checkpoint has nothing left to give. */
  remove(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    if (existsSync(this.path)) unlinkSync(this.path);
  }
}

/** How big the units are: about `unitMs` of work each, from the rate measured so far. */
export interface UnitPlan {
  unitMs: number;
  /** Restarts of a cell's first unit before any rate is known. */
  probe?: number;
}

/**
 * An engine that runs each cell of `inner` as units, replaying those `resumed` holds and handing
 * each live one to `onUnit` when it finishes. To the preset it is one run per cell: waves as they
 * come (with their global first), the trace from the unit holding restart 0 (made large enough
 * for it), snapshots of everything finished so far over the cell's restarts, and a final one whose
 * tally is the sum of the units'. A run of a restart range (EngineRunOptions first/count) is cut
 * into units within it, and its snapshots are over the range.
 */
export function checkpointingEngine(inner: Engine, plan: UnitPlan, onUnit: (u: UnitRecord) => void, resumed: Resumed = { units: [] }): Engine {
  let index = 0;
  // Measured cost rate: ms per (restart × step budget), across cells.
  let msPerRestartStep: number | undefined;
  return {
    kind: inner.kind,
    label: inner.label,
    run(exp: Experiment, opts = {}) {
      const cell = index++;
      const hash = sha256(exp);
      const range = restartRange(exp, opts);
      const end = range.first + range.count;
      const prior = resumed.units.filter((u) => u.cell === cell).sort((a, b) => a.first - b.first);
      let next = range.first;
      for (const u of prior) {
        if (u.experiment !== hash) throw new CheckpointError(`the checkpoint's cell ${cell} ran another experiment than this run asks for (the preset chose its cells differently); delete it and run without --resume`);
        if (u.first !== next || u.first + u.count > end) throw new CheckpointError(`the checkpoint's units of cell ${cell} do not follow on from each other (restarts ${u.first} after ${next}); delete it and run without --resume`);
        next += u.count;
      }
      const cost = Math.max(1, exp.maxSteps);
      const traceNeeds = opts.trace ? Math.min(opts.trace.restarts, exp.restarts) : 1;
      return (async function* () {
        let finished = emptyTally(exp.maxSteps);
        let elapsedMs = 0;
        const snapshot = (t: Tally, ms: number) => makeSnapshot(t, range.count, ms, inner.kind, inner.label);
        for (const u of prior) {
          for (const w of u.waves) opts.onWave?.(w);
          if (u.trace) opts.trace?.onTrace(u.trace);
          finished = mergeTallies(finished, u.tally);
          elapsedMs += u.elapsedMs;
          yield snapshot(finished, elapsedMs);
        }
        let grown = 0;
        // Stopped by the signal: the finished units, a prefix of the range, go with the error.
        const interrupted = (reason: unknown) => new InterruptedRun(reason ?? new DOMException('aborted', 'AbortError'), makeSnapshot(finished, next - range.first, elapsedMs, inner.kind, inner.label));
        while (next < end) {
          if (opts.signal?.aborted) throw interrupted(opts.signal.reason);
          const left = end - next;
          let count = msPerRestartStep === undefined ? (plan.probe ?? 16) : Math.floor(plan.unitMs / (msPerRestartStep * cost));
          // Grow at most 4× per unit: a small probe measures a GPU below its full rate.
          if (grown > 0) count = Math.min(count, 4 * grown);
          // A GPU runs a unit's restarts side by side, so its time does not shrink with fewer of
          // them: where one restart alone outlasts unitMs, the rate says 1 and every unit would
          // be a one-restart run (a zhong-three-inits cell took ~2 s per restart so). Never below
          // the probe on a GPU; the CPU engine's time is linear in restarts.
          const floor = inner.kind === 'gpu' ? (plan.probe ?? 16) : 1;
          count = Math.min(left, Math.max(floor, count, next === 0 ? traceNeeds : 1));
          const unit: UnitRecord = { cell, experiment: hash, first: next, count, waves: [], tally: emptyTally(exp.maxSteps), elapsedMs: 0 };
          // Copied as they come (engines may reuse their buffers), then passed on.
          const onWave = (w: WaveResult) => {
            const copy = decode(encode(w)) as WaveResult;
            unit.waves.push(copy);
            opts.onWave?.(w);
          };
          const trace = next === 0 && opts.trace ? { ...opts.trace, onTrace: (t: TraceResult) => ((unit.trace = decode(encode(t)) as TraceResult), opts.trace!.onTrace(t)) } : undefined;
          const t0 = performance.now();
          let last: Snapshot | undefined;
          try {
            for await (const s of inner.run(exp, { ...opts, first: next, count, onWave: opts.onWave && onWave, trace })) {
              last = s;
              yield snapshot(mergeTallies(finished, snapshotTally(s)), elapsedMs + s.elapsedMs);
            }
          } catch (e) {
            throw opts.signal?.aborted ? interrupted(opts.signal.reason) : e;
          }
          const ms = performance.now() - t0;
          unit.tally = snapshotTally(last!);
          unit.elapsedMs = last!.elapsedMs;
          finished = mergeTallies(finished, unit.tally);
          elapsedMs += unit.elapsedMs;
          msPerRestartStep = Math.max(ms, 0.01) / (count * cost);
          grown = count;
          next += count;
          onUnit(unit);
        }
        yield snapshot(finished, elapsedMs);
      })();
    },
    // A deep job is one unit: its outcome replayed when the checkpoint has it, else run and recorded.
    trainDeep(job, opts) {
      const cell = index++;
      const hash = deepJobHash(job);
      const prior = resumed.units.find((u) => u.cell === cell);
      if (prior && (prior.experiment !== hash || !prior.deep)) throw new CheckpointError(`the checkpoint's cell ${cell} ran another job than this run asks for (the preset chose its cells differently); delete it and run without --resume`);
      if (prior) return (async function* (): AsyncGenerator<DeepProgress, DeepOutcome> {
        return prior.deep!;
      })();
      if (!inner.trainDeep) throw new Error(`${inner.label} cannot train deep nets`);
      const live = inner.trainDeep(job, opts);
      return (async function* () {
        const t0 = performance.now();
        const out = yield* live;
        onUnit({ cell, experiment: hash, first: 0, count: job.restarts, waves: [], tally: emptyTally(job.steps), elapsedMs: performance.now() - t0, deep: decode(encode(out)) as DeepOutcome });
        return out;
      })();
    },
  };
}
