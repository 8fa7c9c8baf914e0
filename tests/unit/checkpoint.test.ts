/**
 * Checkpoint and --resume (src/cli/checkpoint.ts): a run cut into tiny restart ranges, and one
 * resumed after none, half or all of its recorded units, give the plain run's result (a preset of
 * cells and one with a trace and per-restart waves); a checkpoint of another configuration, or a
 * truncated one, is refused by name; and the real CLI killed with SIGKILL mid-run, then rerun with
 * --resume, writes the same result JSON as an uninterrupted run (timings and adapter aside).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { Checkpoint, CheckpointError, type UnitRecord, checkpointingEngine } from '../../src/cli/checkpoint.ts';
import { withoutRunSpecific } from '../../src/cli/shard.ts';
import { decode, encode } from '../../src/cli/shard-engines.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { presetByName, runExperiment, validateOptions } from '../../src/presets/index.ts';
import { resultJsonText } from '../../src/results/report.ts';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'basins-checkpoint-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SMALL: Record<string, Record<string, unknown>> = {
  'du-table1': { k: [4, 9], ratio: [1, 2], restarts: 8, maxSteps: 200 },
  'du-two-phase': { k: 4, p: 6, restarts: 8, maxSteps: 200, every: 10 },
};

async function resultOf(name: string, engine: Engine): Promise<unknown> {
  const values = validateOptions(presetByName(name), SMALL[name]);
  return withoutRunSpecific(resultJsonText((await collect(runExperiment(name, values, { engine }))).result));
}

/** A probe unit of 3 restarts, then units of 1 (a budget of 0 ms is enough for no more), recorded as the CLI records them. */
const tiny = (units: UnitRecord[], resumed?: UnitRecord[]) => checkpointingEngine(cpuEngine(), { unitMs: 0, probe: 3 }, (u) => units.push(u), resumed && { units: resumed });

describe('a run in tiny ranges, and one resumed after none, half or all of its units, give the plain run', () => {
  for (const name of Object.keys(SMALL)) {
    it(name, { timeout: 30_000 }, async () => {
      const plain = await resultOf(name, cpuEngine());
      const units: UnitRecord[] = [];
      expect(await resultOf(name, tiny(units))).toEqual(plain);
      const cells = [...new Set(units.map((u) => u.cell))];
      if (name === 'du-two-phase') {
        // Every restart is traced, and a trace comes from the one range holding restarts 0, 1, …: one unit per cell, its trace recorded.
        expect(units.every((u) => u.first === 0 && u.count === 8 && u.trace !== undefined && u.waves.length > 0)).toBe(true);
      } else {
        // Tiny indeed: the first cell's probe of 3 restarts, then (no time is enough for more) units of 1, the rate carrying over to later cells.
        for (const c of cells) expect(units.filter((u) => u.cell === c).map((u) => u.count), `units of cell ${c}`).toEqual(c === 0 ? [3, 1, 1, 1, 1, 1] : Array(8).fill(1));
      }
      // Resumed from a checkpoint after none, half and all of the units: the recorded ones
      // replayed, the rest run live (in units sized afresh), covering exactly the restarts left.
      for (const kept of [0, Math.floor(units.length / 2), units.length]) {
        const half = units.slice(0, kept);
        const later: UnitRecord[] = [];
        expect(await resultOf(name, tiny(later, half)), `resumed after ${kept} units`).toEqual(plain);
        const covered = (us: UnitRecord[], c: number) => us.filter((u) => u.cell === c).reduce((n, u) => n + u.count, 0);
        for (const c of cells) expect(covered(half, c) + covered(later, c), `cell ${c} after ${kept} units`).toBe(covered(units, c));
        if (kept === units.length) expect(later).toEqual([]);
      }
    });
  }
});

describe('on a GPU engine a unit never drops below the probe', () => {
  it('du-table1 with no time for more: units of 3 (the probe), the rest last, and the plain result', { timeout: 30_000 }, async () => {
    const plain = await resultOf('du-table1', cpuEngine());
    const units: UnitRecord[] = [];
    // The CPU engine labelled a GPU: the unit planner sees a GPU, the numbers stay the CPU's.
    const asGpu: Engine = { ...cpuEngine(), kind: 'gpu' };
    const engine = checkpointingEngine(asGpu, { unitMs: 0, probe: 3 }, (u) => units.push(u));
    const values = validateOptions(presetByName('du-table1'), SMALL['du-table1']);
    const got = (await collect(runExperiment('du-table1', values, { engine }))).result;
    expect(withoutRunSpecific(resultJsonText({ ...got, engine: 'cpu' }))).toEqual(plain);
    for (const c of new Set(units.map((u) => u.cell))) expect(units.filter((u) => u.cell === c).map((u) => u.count), `cell ${c}`).toEqual([3, 3, 2]);
  });
});

describe('a cell of more restarts than are catalogued keeps no per-restart data past them', () => {
  it('du-table1, 40 restarts, the first 10 catalogued: the counts of the plain run; waves recorded for restarts 0…9 only; resumed mid-way, the same result', { timeout: 60_000 }, async () => {
    const values = validateOptions(presetByName('du-table1'), { k: [4], ratio: [1], restarts: 40, maxSteps: 200 });
    const run = async (engine: Engine, catalogueRestarts?: number) => (await collect(runExperiment('du-table1', values, { engine, catalogueRestarts }))).result;
    const plain = await run(cpuEngine());
    const units: UnitRecord[] = [];
    const capped = await run(tiny(units), 10);
    const counts = (r: typeof plain) => r.cells.map((c) => [c.restarts, c.global, c.spurious, c.diverged, c.undecided, c.restartSteps]);
    expect(counts(capped)).toEqual(counts(plain));
    expect(capped.cells[0].catalogue!.total).toBe(10);
    expect(capped.cells[0].catalogue!.points.reduce((n, p) => n + p.restarts, 0) + capped.cells[0].catalogue!.unclustered).toBeLessThanOrEqual(10);
    expect(capped.notes.some((n) => /catalogues its first 10 \(/.test(n))).toBe(true);
    // Two engine runs of the cell: restarts [0, 10) with their waves, [10, 40) without.
    expect(units.map((u) => [u.cell, u.first, u.waves.reduce((n, w) => n + w.count, 0) === u.count, u.waves.length === 0])).toEqual(
      units.map((u) => [u.cell, u.first, u.cell === 0, u.cell === 1]),
    );
    expect(units.filter((u) => u.cell === 0).reduce((n, u) => n + u.count, 0)).toBe(10);
    expect(units.filter((u) => u.cell === 1).reduce((n, u) => n + u.count, 0)).toBe(30);
    expect(units.find((u) => u.cell === 1)!.first).toBe(10);
    const json = (r: typeof plain) => withoutRunSpecific(resultJsonText(r));
    const later: UnitRecord[] = [];
    const half = decode(JSON.parse(JSON.stringify(encode(units.slice(0, Math.floor(units.length / 2)))))) as UnitRecord[];
    expect(json(await run(tiny(later, half), 10))).toEqual(json(capped));
  });
});

describe('deep-net jobs (engine.trainDeep) are units too', () => {
  it('az-width-depth: one unit per job, its outcome recorded; resumed after none, half or all of them, the plain run', { timeout: 30_000 }, async () => {
    const options = { depth: [1, 2], width: [4, 8], n: [6], restarts: 3, steps: 60, inputDim: 5, c: 0.3, sgdBatch: [0] };
    const values = validateOptions(presetByName('az-width-depth'), options);
    const run = async (engine: Engine) => withoutRunSpecific(resultJsonText((await collect(runExperiment('az-width-depth', values, { engine }))).result));
    const plain = await run(cpuEngine());
    const units: UnitRecord[] = [];
    expect(await run(tiny(units))).toEqual(plain);
    expect(units.map((u) => [u.cell, u.first, u.count, u.deep !== undefined])).toEqual([0, 1, 2, 3].map((c) => [c, 0, 3, true]));
    for (const kept of [0, 2, 4]) {
      const later: UnitRecord[] = [];
      // Read back through JSON as a resumed file would be (typed arrays as base64).
      const resumed = decode(JSON.parse(JSON.stringify(encode(units.slice(0, kept))))) as UnitRecord[];
      expect(await run(tiny(later, resumed)), `resumed after ${kept} units`).toEqual(plain);
      expect(later.map((u) => u.cell)).toEqual([0, 1, 2, 3].slice(kept));
    }
  });
});

/** A checkpoint file of du-table1 on `options`, holding one recorded unit. */
async function checkpointFile(path: string, options: Record<string, unknown>): Promise<void> {
  const units: UnitRecord[] = [];
  const values = validateOptions(presetByName('du-table1'), options);
  await collect(runExperiment('du-table1', values, { engine: tiny(units) }));
  const file = new Checkpoint(path, 'du-table1', values, 'cpu');
  file.add(units[0]);
  file.write();
}

const refusal = (path: string, options: Record<string, unknown>, engine: 'cpu' | 'gpu' = 'cpu') => {
  const values = validateOptions(presetByName('du-table1'), options);
  try {
    new Checkpoint(path, 'du-table1', values, engine).resume('du-table1', values, engine);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  return null;
};

describe('a checkpoint this run cannot use is refused, naming the file and why', () => {
  const path = join(scratch, 'refuse.checkpoint.json');
  it('one of another configuration: names the differing option, or engine', async () => {
    await checkpointFile(path, SMALL['du-table1']);
    expect(refusal(path, SMALL['du-table1'])).toBeNull();
    const msg = refusal(path, { ...SMALL['du-table1'], restarts: 9 });
    expect(msg).toContain(path);
    expect(msg).toMatch(/another configuration \(options --restarts\)/);
    expect(msg).toMatch(/never mixed into this run/);
    expect(refusal(path, { ...SMALL['du-table1'], maxSteps: 300 })).toMatch(/options --max-steps\)/);
    expect(refusal(path, SMALL['du-table1'], 'gpu')).toMatch(/engine cpu \(this run: gpu\)/);
  });
  it('a truncated file: damaged, delete it', async () => {
    await checkpointFile(path, SMALL['du-table1']);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, Math.floor(text.length / 2)));
    expect(refusal(path, SMALL['du-table1'])).toMatch(new RegExp(`^${path.replace(/[.\\]/g, '\\$&')}: damaged, not a readable checkpoint .*delete it and run without --resume$`));
  });
  it('none at all', () => {
    expect(refusal(join(scratch, 'none.json'), SMALL['du-table1'])).toMatch(/there is no checkpoint .*none\.json/);
  });
});

/** Runs the CLI as `npm run reproduce` does, in its own process group; `whileRunning` is polled every 50 ms. */
function reproduce(args: string[], whileRunning?: (pid: number) => void): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'scripts/launch.mjs'), 'src/cli/main.ts', ...args], { cwd: root, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const poll = whileRunning && setInterval(() => whileRunning(child.pid!), 50);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      done({ code, signal, stdout, stderr });
    });
  });
}

/** Units in the checkpoint at `path` (0 while there is none); the file is replaced whole, never half written. */
const unitsIn = (path: string): number => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')).units.length : 0);

describe('the command killed with SIGKILL, then rerun with --resume', () => {
  const args = ['du-table1', '--cpu', '--k', '4,9', '--ratio', '1', '--restarts', '600', '--max-steps', '2000', '--checkpoint-every', '0.2'];

  it('writes the uninterrupted run’s result, and removes the checkpoint', { timeout: 90_000 }, async () => {
    const whole = join(scratch, 'whole');
    const cut = join(scratch, 'cut');
    const checkpoint = join(cut, 'du-table1.checkpoint.json');
    const plain = await reproduce([...args, '--out', whole]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(existsSync(join(whole, 'du-table1.checkpoint.json'))).toBe(false);

    let killedAt = 0;
    const killed = await reproduce([...args, '--out', cut], (pid) => {
      if (killedAt === 0 && unitsIn(checkpoint) >= 1) {
        killedAt = unitsIn(checkpoint);
        process.kill(-pid, 'SIGKILL');
      }
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThanOrEqual(1);
    // Killed mid-run: no result yet, and the checkpoint it left is whole.
    expect(existsSync(join(cut, 'du-table1.json'))).toBe(false);
    const left = unitsIn(checkpoint);
    expect(left).toBeGreaterThanOrEqual(killedAt);

    // The same command without --resume refuses to overwrite it.
    const again = await reproduce([...args, '--out', cut]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/checkpoint — .*du-table1\.checkpoint\.json exists: .*add --resume/);

    const resumed = await reproduce([...args, '--out', cut, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming from ${checkpoint}: ${left} finished unit${left === 1 ? '' : 's'} replayed`);
    const json = (dir: string) => withoutRunSpecific(readFileSync(join(dir, 'du-table1.json'), 'utf8'));
    expect(json(cut)).toEqual(json(whole));
    expect(existsSync(checkpoint)).toBe(false);
  });

  it('a truncated checkpoint: a one-line refusal, no stack trace, exit 1', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(scratch, 'trunc-'));
    const path = join(dir, 'du-table1.checkpoint.json');
    await checkpointFile(path, { k: [4], ratio: [1], restarts: 8, maxSteps: 200 });
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 40));
    const r = await reproduce(['du-table1', '--cpu', '--k', '4', '--ratio', '1', '--restarts', '8', '--max-steps', '200', '--out', dir, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`^checkpoint — ${path.replace(/[.\\]/g, '\\$&')}: damaged, not a readable checkpoint`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
