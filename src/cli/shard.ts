/**
 * `--shard i/N` and the merge (src/cli/merge.ts): the unit of work is a cell (one engine.run call
 * of the preset, i.e. one Experiment of restarts), cells are dealt to shards by estimated cost
 * (restarts × steps × parameters, largest first to the least loaded shard), and a shard's partial result holds
 * the recorded engine output of its cells (src/cli/shard-engines.ts). The merge replays all of
 * them through the preset's own code, so the merged result is the unsharded one.
 *
 * Which cells a preset runs is found by running it on a stand-in engine (instant made-up
 * outcomes) twice, with two different outcomes: a preset that picks later cells from earlier
 * outcomes (bg-basin-mass --search on) shows it by asking for different cells, and is refused
 * (no shard could know its cells without the others' results).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { Engine } from '../engine/engine.ts';
import { presetByName, validateOptions } from '../presets/index.ts';
import type { Preset } from '../presets/types.ts';
import type { Values } from '../presets/options.ts';
import type { ExperimentResult } from '../results/types.ts';
import { type CellRecord, STAND_IN_OUTCOMES, decode, encode, recordingEngine, replayEngine, sha256, standInEngine } from './shard-engines.ts';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

/** commander's parser for --shard: "i/N" with 0 ≤ i < N. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`give i/N, e.g. 0/4 for the first of 4 shards (got '${text}')`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > 100_000) throw new InvalidArgumentError(`N must be an integer in [1, 100000] (got ${count})`);
  if (index >= count) throw new InvalidArgumentError(`i is 0-based: it must be in [0, ${count - 1}] for N = ${count} (got ${index})`);
  return { index, count };
}

/** An error of the sharding or the merge, for the terminal (it names the flag or the file). */
export class ShardError extends Error {
  override name = 'ShardError';
}

const PACKAGE_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** The package's version (package.json): part of every configuration hash. */
export const packageVersion = (): string => PACKAGE_VERSION;

/**
 * What a result depends on, hashed: the preset, its validated options (the seed among them), the
 * package version (code changes change results) and the engine kind (f32 GPU vs f64 CPU). The
 * adapter is not in it: shards on different GPUs of one kind make one result.
 */
export function configHash(preset: string, values: Values, engine: 'gpu' | 'cpu', version = PACKAGE_VERSION): string {
  return sha256({ preset, version, engine, options: values });
}

interface PlannedCell {
  experiment: string;
  /** Estimated cost: restarts × step budget × parameters per restart (a step's work grows with the model). */
  cost: number;
}

async function cellsOn(preset: Preset, values: Values, engine: Engine): Promise<void> {
  const gen = preset.run(values as never, { engine, catalogue: false });
  for (;;) if ((await gen.next()).done) return;
}

/** The cells `preset` runs with these options, in order; refused where they depend on outcomes. */
export async function planCells(preset: Preset, values: Values, kind: 'gpu' | 'cpu'): Promise<PlannedCell[]> {
  const runs: PlannedCell[][] = [];
  for (const how of STAND_IN_OUTCOMES) {
    const cells: PlannedCell[] = [];
    await cellsOn(preset, values, standInEngine(how, kind, (_, cost, experiment) => cells.push({ experiment, cost })));
    runs.push(cells);
  }
  const [a, b] = runs;
  if (a.length !== b.length || a.some((c, i) => c.experiment !== b[i].experiment)) {
    throw new ShardError(`--shard: ${preset.name} with these options chooses its later cells from the outcomes of earlier ones, so no shard can know its cells in advance; run it in one process (for bg-basin-mass: shard the sweep with --search off)`);
  }
  return a;
}

/** The shard of each cell: largest cost first, each to the least loaded shard (ties: the lower index). Deterministic. */
export function assignCells(costs: readonly number[], count: number): number[] {
  const owner = new Array<number>(costs.length);
  const load = new Array<number>(count).fill(0);
  const order = costs.map((c, i) => i).sort((x, y) => costs[y] - costs[x] || x - y);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    owner[i] = best;
    load[best] += costs[i];
  }
  return owner;
}

/** A shard's partial result (what `--shard i/N` writes and merge reads). */
export interface ShardPart {
  format: 'basins-shard-part';
  experiment: string;
  version: string;
  configHash: string;
  /** The run's seed (null for a preset without one, e.g. a grid). */
  seed: number | null;
  shard: Shard;
  engine: 'gpu' | 'cpu';
  adapter: string;
  /** Cells of the whole run, and those this shard ran (indices). */
  cells: number;
  owned: number[];
  /** Estimated cost of this shard's cells (restarts × steps × parameters) and of all. */
  cost: { shard: number; total: number };
  /** The validated options (typed arrays as base64), for the merge to run the preset again. */
  options: unknown;
  /** The recorded engine output of the owned cells (typed arrays as base64). */
  records: unknown;
  seconds: number;
}

/** Runs shard `shard` of `preset` on `engine`: only its cells are computed. */
export async function runShard(preset: Preset, values: Values, engine: Engine, shard: Shard, signal?: AbortSignal, onCell?: (done: number, of: number) => void): Promise<ShardPart> {
  const t0 = performance.now();
  const plan = await planCells(preset, values, engine.kind);
  const owner = assignCells(
    plan.map((c) => c.cost),
    shard.count,
  );
  const owned = owner.flatMap((s, i) => (s === shard.index ? [i] : []));
  const records: CellRecord[] = [];
  const mine = recordingEngine(
    engine,
    (i, _exp, hash) => {
      if (plan[i]?.experiment !== hash) throw new ShardError(`--shard: cell ${i} is not the one planned (the preset chose its cells differently); run it in one process`);
      if (owner[i] !== shard.index) return false;
      onCell?.(records.length, owned.length);
      return true;
    },
    records,
  );
  const gen = preset.run(values as never, { engine: mine, signal, catalogue: false });
  for (;;) if ((await gen.next()).done) break;
  const cost = (of: number[]) => of.reduce((s, i) => s + plan[i].cost, 0);
  return {
    format: 'basins-shard-part',
    experiment: preset.name,
    version: PACKAGE_VERSION,
    configHash: configHash(preset.name, values, engine.kind),
    seed: typeof values.seed === 'number' ? values.seed : null,
    shard,
    engine: engine.kind,
    adapter: engine.label,
    cells: plan.length,
    owned,
    cost: { shard: cost(owned), total: cost(plan.map((_, i) => i)) },
    options: encode(values),
    records: encode(records),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** A part file read and checked on its own; errors name the file. */
export function readPart(file: string): ShardPart {
  let part: ShardPart;
  try {
    part = JSON.parse(readFileSync(file, 'utf8')) as ShardPart;
  } catch (e) {
    throw new ShardError(`${file}: cannot read it as JSON (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (part?.format !== 'basins-shard-part') throw new ShardError(`${file}: not a shard's partial result (write one with reproduce … --shard i/N)`);
  return part;
}

/**
 * Checks that the parts make one whole run — one configuration, one N, each shard once — and
 * returns the merged result: the preset run again on the replayed recordings.
 */
export async function mergeParts(files: readonly string[], parts: readonly ShardPart[] = files.map(readPart)): Promise<ExperimentResult> {
  if (parts.length === 0) throw new ShardError('no parts given: merge part-0.json part-1.json … --out DIR');
  const first = parts[0];
  const byIndex = new Map<number, string>();
  parts.forEach((p, k) => {
    const file = files[k];
    if (p.configHash !== first.configHash) {
      throw new ShardError(`${file}: another configuration than ${files[0]} (configuration hash ${p.configHash.slice(0, 12)}… vs ${first.configHash.slice(0, 12)}…: ${p.experiment} ${p.version} ${p.engine}, seed ${p.seed} vs ${first.experiment} ${first.version} ${first.engine}, seed ${first.seed})`);
    }
    if (p.shard.count !== first.shard.count) throw new ShardError(`${file}: shard ${p.shard.index}/${p.shard.count}, but ${files[0]} is one of ${first.shard.count}`);
    const other = byIndex.get(p.shard.index);
    if (other !== undefined) throw new ShardError(`${file}: shard ${p.shard.index}/${p.shard.count} is given twice (also ${other})`);
    byIndex.set(p.shard.index, file);
  });
  const missing = Array.from({ length: first.shard.count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new ShardError(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${first.shard.count}`).join(', ')} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`);
  const preset = presetByName(first.experiment);
  const values = validateOptions(preset, decode(first.options) as Record<string, unknown>);
  if (first.version !== PACKAGE_VERSION || configHash(preset.name, values, first.engine) !== first.configHash) {
    throw new ShardError(`${files[0]}: made by basins ${first.version}; this is ${PACKAGE_VERSION} (or the part was edited): rerun the shards with this version`);
  }
  const cells = new Map<number, CellRecord>();
  for (const p of parts) for (const r of decode(p.records) as CellRecord[]) cells.set(r.index, r);
  const adapters = [...new Set(parts.map((p) => p.adapter))].join(' + ');
  const gen = preset.run(values as never, { engine: replayEngine(cells, first.engine, adapters) });
  for (;;) {
    const u = await gen.next();
    if (u.done) {
      // The replay takes no time: the run's time is the shards' (planning included), summed.
      u.value.seconds = parts.reduce((s, p) => s + p.seconds, 0);
      return u.value;
    }
  }
}

/** The fields of a result that differ between runs of one configuration: timings, and where it ran. */
export const RUN_SPECIFIC_FIELDS = ['seconds', 'adapter'] as const;

/** A result's JSON text parsed without the RUN_SPECIFIC_FIELDS (at any depth): what merge = unsharded compares. */
export const withoutRunSpecific = (json: string): unknown => JSON.parse(json, (k, v) => ((RUN_SPECIFIC_FIELDS as readonly string[]).includes(k) ? undefined : v));
