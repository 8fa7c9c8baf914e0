/**
 * --shard i/N and merge (src/cli/shard.ts): for every preset, the merge of 3 shards' partial
 * results is the unsharded result — the same JSON but for the run-specific fields
 * (RUN_SPECIFIC_FIELDS: timings, adapter) — and parts that do not make one run are refused,
 * naming the file and the problem. CPU engine, small options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { PRESETS, presetByName, runExperiment, validateOptions } from '../../src/presets/index.ts';
import { CATALOGUE_RESTARTS } from '../../src/presets/cells.ts';
import { type ShardPart, assignCells, mergeParts, parseShard, planCells, runShard, withoutRunSpecific } from '../../src/cli/shard.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { decode } from '../../src/cli/shard-engines.ts';
import { resultJsonText } from '../../src/results/report.ts';
import type { ExperimentResult } from '../../src/results/types.ts';

const scratch = mkdtempSync(join(tmpdir(), 'basins-shard-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Small options per preset: several cells of unequal cost wherever the preset has cells. */
const SMALL: Record<string, Record<string, unknown>> = {
  'du-table1': { k: [4, 9], ratio: [1, 2], restarts: 8, maxSteps: 200 },
  'du-table1-empirical': { k: [4, 6], ratio: [1, 2], restarts: 6, maxSteps: 150, samples: 40 },
  'du-table1-sgd': { k: [4], ratio: [1, 2, 3], restarts: 6, maxSteps: 150, samples: 40, batch: 8 },
  'du-table1-sensitivity': { k: [4], ratio: [1, 4], restarts: 2 },
  'du-two-phase': { k: 4, p: 6, restarts: 8, maxSteps: 200, every: 10 },
  'du-spurious': { k: [4, 9], ratio: [0, 1], restarts: 6, maxSteps: 200 },
  'bg-overlap-map': { k: 4, resolution: 5, maxSteps: 200 },
  'bg-hard-data': { lr: [0.1, 1], restarts: 2, maxSteps: 60, traced: 2, traceEvery: 30, batch: 100 },
  'bg-basin-mass': { settings: 2, perSupport: 0, restarts: 6, maxSteps: 200, search: 'off' },
  'supplied-data': { restarts: 6, maxSteps: 100 },
  'bg-no-overlap': { k: [2, 4], m: [2], lr: [0.1, 0.5], restarts: 8, steps: 400, traced: 2, traceSteps: 60, traceK: 4, rateRestarts: 2, rateEvery: 5, eps: [1e-1, 1e-2], escapeK: 4, escapeLr: 0.5, phi: [1e-1, 3e-2], escapeSteps: 2000, mapResolution: 5 },
  // No engine cells (three parameters in f64): every shard is empty, the merge computes it all.
  'kk-example1': { theta0: [0.3, 0.6], steps: 2000 },
  'kk-bg': { resolution: 3, samples: 40, steps: [60], lambda: [0.1], extraStep: 'both', traced: 1 },
  'kk-du': { k: 4, ratio: [1], samples: 30, restarts: 4, steps: [60], lambda: [0.1], extraStep: 'adagrad', traced: 1 },
  // No engine cells either: the initialisations run on the host.
  'zhong-init-error': { d: [4, 6], n: [200, 800], k: 2, trials: 3, projections: 4 },
  'zhong-recovery': { d: [4, 6], n: [150, 400], k: 2, trials: 3, maxSteps: 300, projections: 4 },
  // Deep-net jobs (engine.trainDeep), one per cell, dealt and recorded like engine.run cells.
  'az-width-depth': { depth: [1, 2], width: [4, 8], n: [6], restarts: 3, steps: 60, inputDim: 5, c: 0.3 },
  'zhong-three-inits': { d: 4, n: 200, k: 2, restarts: 4, maxSteps: 300, projections: 4, curveEvery: 20, massD: [4], massN: [100, 200], massRestarts: 3 },
};

/** The result as JSON, without what differs between runs of one configuration. */
const comparable = (r: ExperimentResult) => withoutRunSpecific(resultJsonText(r));

async function shardFiles(name: string, options: Record<string, unknown>, n: number, tag = ''): Promise<{ files: string[]; parts: ShardPart[] }> {
  const preset = presetByName(name);
  const values = validateOptions(preset, options);
  const parts: ShardPart[] = [];
  for (let i = 0; i < n; i++) parts.push(await runShard(preset, values, cpuEngine(), { index: i, count: n }));
  const files = parts.map((p, i) => join(scratch, `${name}${tag}.part-${i}-of-${n}.json`));
  parts.forEach((p, i) => writeFileSync(files[i], JSON.stringify(p)));
  return { files, parts };
}

describe('merge of 3 shards = the unsharded run, for every preset', () => {
  it('has small options for every preset', () => expect(Object.keys(SMALL).sort()).toEqual(PRESETS.map((p) => p.name).sort()));
  for (const preset of PRESETS) {
    it(preset.name, { timeout: 30_000 }, async () => {
      const options = SMALL[preset.name];
      const { result: whole } = await collect(runExperiment(preset.name, options, { engine: cpuEngine() }));
      const { files, parts } = await shardFiles(preset.name, options, 3);
      // Each cell in exactly one part.
      const owned = parts.flatMap((p) => p.owned).sort((a, b) => a - b);
      expect(owned).toEqual(Array.from({ length: parts[0].cells }, (_, i) => i));
      // The work is spread (each shard has a cell while there are enough), and a part holds the recordings of its own cells only.
      expect(parts.filter((p) => p.owned.length > 0).length).toBe(Math.min(3, parts[0].cells));
      for (const p of parts) expect((decode(p.records) as { index: number }[]).map((r) => r.index)).toEqual(p.owned);
      const merged = await mergeParts(files);
      expect(comparable(merged)).toEqual(comparable(whole));
      expect(merged.cells.map((c) => c.restarts)).toEqual(whole.cells.map((c) => c.restarts));
    });
  }
});

describe('a cell of more restarts than are catalogued (CATALOGUE_RESTARTS)', () => {
  it('shards as its two restart ranges; the parts hold waves of the catalogued restarts only; the merge = the unsharded run', { timeout: 120_000 }, async () => {
    const options = { k: [4], ratio: [1], restarts: CATALOGUE_RESTARTS + 50, maxSteps: 40 };
    const { result: whole } = await collect(runExperiment('du-table1', options, { engine: cpuEngine() }));
    expect(whole.cells[0].catalogue?.total).toBe(CATALOGUE_RESTARTS);
    const { files, parts } = await shardFiles('du-table1', options, 3, '-capped');
    expect(parts[0].cells).toBe(2);
    type Rec = { index: number; events: ({ wave: { first: number; count: number } } | object)[] };
    const records = parts.flatMap((p) => decode(p.records) as Rec[]);
    const waved = (i: number) => records.find((r) => r.index === i)!.events.flatMap((e) => ('wave' in e ? [e.wave] : []));
    expect(waved(0).reduce((n, w) => n + w.count, 0)).toBe(CATALOGUE_RESTARTS);
    expect(waved(1)).toEqual([]);
    expect(comparable(await mergeParts(files))).toEqual(comparable(whole));
  });
});

describe('cells are dealt by cost', () => {
  it('largest first to the least loaded shard', () => {
    expect(assignCells([5, 1, 1, 1, 1, 1], 2)).toEqual([0, 1, 1, 1, 1, 1]);
    expect(assignCells([1, 2, 3, 4], 2)).toEqual([0, 1, 1, 0]);
    expect(assignCells([3], 3)).toEqual([0]);
  });
  it('a preset that picks cells from outcomes is refused', async () => {
    const preset = presetByName('bg-basin-mass');
    const values = validateOptions(preset, { settings: 1, perSupport: 0, restarts: 4, maxSteps: 20, search: 'on', searchStarts: 1, searchSteps: 1, searchRestarts: 4, confirmRestarts: 4 });
    await expect(planCells(preset, values, 'cpu')).rejects.toThrow(/chooses its later cells from the outcomes of earlier ones/);
  });
  it("so is az-width-depth's pilot for c (its later deep jobs depend on earlier ones' outcomes); a given c shards", async () => {
    const preset = presetByName('az-width-depth');
    const small = { depth: [1], width: [4, 8], n: [6], restarts: 3, steps: 20, inputDim: 5, sgdBatch: [0] };
    await expect(planCells(preset, validateOptions(preset, { ...small, c: 0 }), 'cpu')).rejects.toThrow(/chooses its later cells from the outcomes of earlier ones/);
    expect(await planCells(preset, validateOptions(preset, { ...small, c: 1 }), 'cpu')).toHaveLength(2);
  });
});

describe('parts that do not make one run are refused, naming the file', () => {
  const name = 'du-table1';
  const options = { k: [4], ratio: [1, 2, 3], restarts: 4, maxSteps: 50 };
  it('mixed configurations, a missing shard, a duplicate', async () => {
    const { files, parts } = await shardFiles(name, options, 3);
    const { files: other } = await shardFiles(name, { ...options, seed: 7 }, 3, '-seed7');
    await expect(mergeParts([files[0], other[1], files[2]])).rejects.toThrow(new RegExp(`^${other[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: another configuration than .*seed 7 vs .*seed 2018`));
    await expect(mergeParts([files[0], files[2]])).rejects.toThrow(/^shard 1\/3 missing \(given: 0, 2\)/);
    await expect(mergeParts([files[0], files[1], files[1], files[2]])).rejects.toThrow(/part-1-of-3\.json: shard 1\/3 is given twice \(also .*part-1-of-3\.json\)/);
    const { files: two } = await shardFiles(name, options, 2, '-two');
    await expect(mergeParts([files[0], two[1]])).rejects.toThrow(/: shard 1\/2, but .* is one of 3/);
    const edited = join(scratch, 'edited.json');
    writeFileSync(edited, JSON.stringify({ ...parts[0], version: '0.0.0-other' }));
    await expect(mergeParts([edited, files[1], files[2]])).rejects.toThrow(/edited\.json: made by basins 0\.0\.0-other/);
    const notPart = join(scratch, 'not-a-part.json');
    writeFileSync(notPart, '{"experiment": "du-table1"}');
    await expect(mergeParts([notPart])).rejects.toThrow(/not-a-part\.json: not a shard's partial result/);
    await expect(mergeParts([join(scratch, 'nope.json')])).rejects.toThrow(/nope\.json: cannot read it as JSON \(ENOENT\)/);
  });
  it('bad --shard text', () => {
    for (const [text, why] of [
      ['3/3', /i is 0-based: it must be in \[0, 2\] for N = 3 \(got 3\)/],
      ['0/0', /N must be an integer in \[1, 100000\] \(got 0\)/],
      ['a/b', /give i\/N, e.g. 0\/4 .*got 'a\/b'/],
      ['-1/3', /give i\/N/],
      ['1', /give i\/N/],
    ] as const) {
      expect(() => parseShard(text)).toThrow(why);
    }
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    // Through the command line: commander names the flag.
    const program = buildProgram(async () => undefined);
    program.commands.forEach((c) => c.configureOutput({ writeErr: () => undefined }));
    expect(() => program.parse(['du-table1', '--cpu', '--shard', '3/3'], { from: 'user' })).toThrow(/option '--shard <i\/N>' argument '3\/3' is invalid\. i is 0-based/);
  });
});
