/**
 * The engines behind --shard and merge (src/cli/shard.ts). A preset is a deterministic function
 * of its options and of what its engine hands back (snapshots, waves, traces), so a shard runs
 * the preset with an engine that computes only the cells (engine.run calls) it owns and records
 * everything they hand back, and the merge runs the preset again with an engine that replays the
 * recordings of all shards in order: every table, figure, map, note and critical-point catalogue
 * is then built by the preset's own code from the same inputs as in one process — the merged
 * JSON equals the unsharded one by construction, whatever the preset computes.
 *
 *   stand-in   the cells a shard does not own (and the planning pass): an instant made-up outcome
 *   recorder   the cells it owns: the real engine, every event kept in order
 *   replay     the merge: the recorded events of each cell, checked against the cell asked for
 *
 * A cell is an engine.run call or an engine.trainDeep call (a deep-net job), numbered in the
 * order the preset makes them.
 */
import { createHash } from 'node:crypto';
import type { Experiment } from '../core/experiment.ts';
import { shapeOf } from '../core/model.ts';
import { OUTCOME } from '../core/outcome.ts';
import { emptyTally, makeSnapshot, tallyRestart } from '../core/stats.ts';
import type { Snapshot } from '../core/stats.ts';
import { deepLayout, deepStepFmas } from '../core/deep-net.ts';
import type { DeepJob, DeepOutcome, DeepProgress, Engine, EngineRunOptions, TraceResult, WaveResult } from '../engine/engine.ts';
import { restartRange, traceSlots } from '../engine/engine.ts';

/** One thing an engine handed back, in the order it did. */
export type EngineEvent = { snapshot: Snapshot } | { wave: WaveResult } | { trace: TraceResult } | { deep: DeepOutcome };

/** The events of one cell (the `index`-th engine.run call of the preset), and what it ran. */
export interface CellRecord {
  index: number;
  /** sha256 of the cell's Experiment: the merge refuses a recording of another cell. */
  experiment: string;
  events: EngineEvent[];
}

// ---- JSON with typed arrays (waves, traces, datasets): kept bit-exact as base64 ----

const TYPED = { Float64Array, Float32Array, Uint32Array, Int32Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;

/** A JSON-able copy of `v`: typed arrays become { $typed, base64 } (their bytes, exactly). */
export function encode(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) {
    const name = v.constructor.name as TypedName;
    if (!(name in TYPED)) throw new TypeError(`cannot store a ${name}`);
    return { $typed: name, base64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

/** The inverse of encode. */
export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$typed === 'string' && typeof o.base64 === 'string' && o.$typed in TYPED) {
      const bytes = Buffer.from(o.base64, 'base64');
      const Ctor = TYPED[o.$typed as TypedName];
      const copy = new Uint8Array(bytes); // aligned, owned
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

export const sha256 = (v: unknown) => createHash('sha256').update(JSON.stringify(encode(v))).digest('hex');

// ---- the engines ----

/** Receives each cell (its index, estimated cost and hash) as the preset asks for it; returns whether to compute it. */
export type CellHook = (index: number, cost: number, hash: string) => boolean;

/** Estimated cost of a cell: restarts × step budget × parameters per restart (a step's work grows with the model). */
export const cellCost = (exp: Experiment, opts: EngineRunOptions = {}): number => restartRange(exp, opts).count * Math.max(1, exp.maxSteps) * shapeOf(exp.model).P;

/** Estimated cost of a deep job in the same units: restarts × steps × FMAs of a step over P (one FMA per parameter and sample in a Du et al. step). */
export const deepJobCost = (job: DeepJob): number => job.restarts * job.steps * Math.max(1, deepStepFmas(job.spec, job.sgd?.batch ?? job.data.n) / job.data.n);

/** What identifies a deep job (its hash: the merge refuses a recording of another). */
export const deepJobHash = (job: DeepJob): string => sha256({ deep: job });

/**
 * The stand-in's instant deep outcome: every net left where it started, its loss 1 throughout —
 * or, 'mixed', some nets (drawn from the hash, as for cells) blown up 10⁷-fold, so that a preset
 * choosing later jobs from earlier outcomes (az-width-depth's pilot) asks for other jobs.
 */
async function* standInDeep(job: DeepJob, how: StandIn, hash: string): AsyncGenerator<DeepProgress, DeepOutcome> {
  const { P } = deepLayout(job.spec);
  const params = job.theta0.slice();
  for (let r = 0; r < job.restarts; r++) if (standInCode(how, hash, r) !== OUTCOME.global) for (let p = r * P; p < (r + 1) * P; p++) params[p] = params[p]! * 1e7;
  return { params, losses: new Float64Array(job.restarts * job.steps).fill(1) };
}

/**
 * How the stand-in makes outcomes up: every restart global, or a mix that differs from cell to
 * cell (drawn from the cell's hash), so that a preset choosing cells from outcomes (a search
 * that keeps the worse candidate) asks for different cells under the two.
 */
export type StandIn = 'global' | 'mixed';
export const STAND_IN_OUTCOMES: readonly StandIn[] = ['global', 'mixed'];

function standInCode(how: StandIn, hash: string, restart: number): number {
  if (how === 'global') return OUTCOME.global;
  const f = parseInt(hash.slice(0, 8), 16) / 2 ** 32;
  return ((restart + 1) * f) % 1 < 0.5 ? OUTCOME.global : OUTCOME.spurious;
}

/**
 * An instant made-up run of `exp`: every restart ends at step 0 with zero parameters, global or
 * as `how` says (one wave, one snapshot, a zero trace if asked for). Stands in for cells another
 * shard computes; nothing of it reaches a partial result.
 */
async function* standIn(exp: Experiment, hash: string, opts: EngineRunOptions, how: StandIn, kind: 'gpu' | 'cpu', label: string): AsyncGenerator<Snapshot> {
  const { P } = shapeOf(exp.model);
  const { first, count: n } = restartRange(exp, opts);
  const status = Uint32Array.from({ length: n }, (_, r) => standInCode(how, hash, first + r));
  opts.onWave?.({ first, count: n, params: new Float64Array(n * P), status, steps: new Uint32Array(n), loss: new Float64Array(n), angle: new Float64Array(n) });
  if (opts.trace) {
    const steps = Array.from({ length: traceSlots(exp.maxSteps, opts.trace.every) }, (_, i) => i * opts.trace!.every);
    const restarts = Math.min(opts.trace.restarts, n);
    opts.trace.onTrace({ restarts, P, steps, params: new Float64Array(steps.length * restarts * P) });
  }
  const t = emptyTally(exp.maxSteps);
  for (let r = 0; r < n; r++) tallyRestart(t, status[r] as never, 0, 1, 0);
  yield makeSnapshot(t, n, 0, kind, label);
}

/** An engine that only makes outcomes up (planning: which cells, in which order, at what cost). */
export function standInEngine(how: StandIn, kind: 'gpu' | 'cpu', onCell: (index: number, cost: number, hash: string) => void): Engine {
  let index = 0;
  return {
    kind,
    label: 'stand-in (planning)',
    run(exp, opts = {}) {
      const hash = sha256(exp);
      onCell(index++, cellCost(exp, opts), hash);
      return standIn(exp, hash, opts, how, kind, 'stand-in');
    },
    trainDeep(job) {
      const hash = deepJobHash(job);
      onCell(index++, deepJobCost(job), hash);
      return standInDeep(job, how, hash);
    },
  };
}

/**
 * A shard's engine: `inner` computes the cells `own` accepts (their events go into `records`),
 * the stand-in answers the others.
 */
export function recordingEngine(inner: Engine, own: CellHook, records: CellRecord[]): Engine {
  let index = 0;
  return {
    kind: inner.kind,
    label: inner.label,
    run(exp, opts = {}) {
      const i = index++;
      const hash = sha256(exp);
      if (!own(i, cellCost(exp, opts), hash)) return standIn(exp, hash, opts, 'global', inner.kind, inner.label);
      const record: CellRecord = { index: i, experiment: hash, events: [] };
      records.push(record);
      // Copied as they come (engines may reuse their buffers), then passed on to the preset.
      const keep = (e: EngineEvent) => record.events.push(decode(encode(e)) as EngineEvent);
      const trace = opts.trace && { ...opts.trace, onTrace: (t: TraceResult) => (keep({ trace: t }), opts.trace!.onTrace(t)) };
      // Waves only where the preset takes them (a cell past its catalogued restarts hands back none).
      const onWave = opts.onWave && ((w: WaveResult) => (keep({ wave: w }), opts.onWave!(w)));
      return (async function* () {
        for await (const s of inner.run(exp, { ...opts, onWave, trace })) {
          keep({ snapshot: s });
          yield s;
        }
      })();
    },
    trainDeep(job, opts) {
      const i = index++;
      const hash = deepJobHash(job);
      if (!own(i, deepJobCost(job), hash)) return standInDeep(job, 'global', hash);
      if (!inner.trainDeep) throw new Error(`${inner.label} cannot train deep nets`);
      const record: CellRecord = { index: i, experiment: hash, events: [] };
      records.push(record);
      const live = inner.trainDeep(job, opts);
      return (async function* () {
        const out = yield* live;
        record.events.push({ deep: decode(encode(out)) as DeepOutcome });
        return out;
      })();
    },
  };
}

/** A recording that does not fit the cell the preset asks for: another configuration, or a preset that chose differently. */
export class ReplayError extends Error {
  override name = 'ReplayError';
}

/** The merge's engine: hands back each cell's recorded events (`cells` by index), checking it is the same cell. */
export function replayEngine(cells: Map<number, CellRecord>, kind: 'gpu' | 'cpu', label: string): Engine {
  let index = 0;
  return {
    kind,
    label,
    run(exp, opts = {}) {
      const i = index++;
      const record = cells.get(i);
      if (!record) throw new ReplayError(`cell ${i} is in no part: the preset asked for more cells than the shards ran`);
      if (record.experiment !== sha256(exp)) throw new ReplayError(`cell ${i} of the parts ran another experiment than the merge asks for (the preset chose its cells differently)`);
      return (async function* () {
        for (const e of record.events) {
          if ('wave' in e) opts.onWave?.(e.wave);
          else if ('trace' in e) opts.trace?.onTrace(e.trace);
          else if ('snapshot' in e) yield e.snapshot;
        }
      })();
    },
    trainDeep(job) {
      const i = index++;
      const record = cells.get(i);
      if (!record) throw new ReplayError(`cell ${i} is in no part: the preset asked for more cells than the shards ran`);
      const event = record.events[0];
      if (record.experiment !== deepJobHash(job) || !event || !('deep' in event)) throw new ReplayError(`cell ${i} of the parts ran another job than the merge asks for (the preset chose its cells differently)`);
      return (async function* (): AsyncGenerator<DeepProgress, DeepOutcome> {
        return event.deep;
      })();
    },
  };
}
