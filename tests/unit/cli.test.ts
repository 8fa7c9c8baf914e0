/**
 * The CLI as a user meets it: output paths checked before any work (and a finished result never
 * lost to a failed write), messages naming the flags, --help with ranges, options the mode leaves
 * unused named as ignored, usage errors, and Ctrl-C keeping the cells that finished. The last
 * ones spawn the real command (scripts/launch.mjs, as `npm run reproduce` does) on --cpu.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExperimentError } from '../../src/core/experiment.ts';
import { cliMessage } from '../../src/cli/flags.ts';
import { OutputPathError, checkOutputPaths, writeOutputsSafely } from '../../src/cli/outputs.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { duTable1 } from '../../src/presets/du-table1.ts';
import { ignoredOptions, validateOptions } from '../../src/presets/options.ts';
import type { ExperimentResult } from '../../src/results/types.ts';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'basins-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const outputError = (flags: { json?: string; out?: string }) => {
  try {
    checkOutputPaths(flags, 'du-table1');
  } catch (e) {
    expect(e).toBeInstanceOf(OutputPathError);
    return (e as Error).message;
  }
  return null;
};

describe('output paths are checked before any work, naming the flag', () => {
  const file = join(scratch, 'a-file');
  writeFileSync(file, 'x');
  it('refuses what cannot be written', () => {
    expect(outputError({ json: '/proc/x.json' })).toMatch(/^--json: cannot create '\/proc\/x\.json'/);
    expect(outputError({ json: scratch })).toMatch(/^--json: '.*' is a directory; give a file name/);
    expect(outputError({ json: join(scratch, 'missing', 'r.json') })).toMatch(/^--json: the directory '.*missing' does not exist/);
    expect(outputError({ json: join(file, 'r.json') })).toMatch(/^--json: '.*a-file' is a file, not a directory/);
    expect(outputError({ out: file })).toMatch(/^--out: '.*a-file' is a file, not a directory/);
    expect(outputError({ out: join(file, 'sub') })).toMatch(/^--out: '.*a-file' \(on the way to '.*sub'\) is a file/);
    mkdirSync(join(scratch, 'o', 'du-table1.json'), { recursive: true });
    expect(outputError({ out: join(scratch, 'o') })).toMatch(/^--out: '.*du-table1\.json' is a directory, where the report's du-table1\.json goes/);
  });
  it('accepts what can, and leaves nothing behind', () => {
    const dir = mkdtempSync(join(scratch, 'ok-'));
    expect(outputError({ json: join(dir, 'r.json'), out: join(dir, 'new', 'deeper') })).toBeNull();
    expect(outputError({ json: file, out: dir })).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('a finished result is not lost to a failed write', () => {
  const result: ExperimentResult = { experiment: 'du-table1', title: 't', config: {}, seed: 1, adapter: 'a', engine: 'cpu', cells: [], figures: [], tables: [], notes: [], seconds: 1 };
  it('writes the JSON into the temp directory and says where', () => {
    const blocker = join(scratch, 'blocker');
    writeFileSync(blocker, '');
    const safe = mkdtempSync(join(scratch, 'safe-'));
    const json = join(scratch, 'first.json');
    // The --out directory became a file after the check (or the disk filled): the write fails.
    const r = writeOutputsSafely(result, { json, out: blocker }, safe);
    expect(r.written).toEqual([json]);
    expect(r.failed?.error).toMatch(/EEXIST|ENOTDIR/);
    expect(r.failed?.savedTo?.startsWith(safe)).toBe(true);
    expect(JSON.parse(readFileSync(r.failed!.savedTo!, 'utf8')).experiment).toBe('du-table1');
  });
});

describe('messages name the flags', () => {
  it('an option or an Experiment field, as the flag a user typed', () => {
    expect(cliMessage(new ExperimentError('maxSteps', 'must be an integer in [1, 100] (got 0)'), duTable1)).toBe('--max-steps: must be an integer in [1, 100] (got 0)');
    expect(cliMessage(new ExperimentError('loss.samples', 'samples × d must be ≤ 2^28 values'), duTable1)).toBe('--samples: samples × d must be ≤ 2^28 values');
    // A field with no flag keeps its name; so does one that is not this preset's option.
    expect(cliMessage(new ExperimentError('model.m', 'too big'), duTable1)).toBe('model.m: too big');
    expect(cliMessage(new ExperimentError('experiment', "unknown experiment 'x'"))).toBe("experiment: unknown experiment 'x'");
  });
  it('--help shows each option’s range and default, and where it applies', () => {
    const help = buildProgram().commands.find((c) => c.name() === 'du-table1')!.helpInformation();
    expect(help.replace(/\s+/g, ' ')).toContain('--restarts <N> random initialisations per cell (an integer in [1, 10000000]; default 5000)');
    expect(help.replace(/\s+/g, ' ')).toContain('(an integer in [1, 1048576]; default 1000; used only with --mode empirical)');
  });
  it('options the chosen mode does not use are named (the CLI says they are ignored)', () => {
    const values = validateOptions(duTable1, { mode: 'population', samples: 500, batch: 8 });
    expect(ignoredOptions(duTable1.options, values, ['k', 'samples', 'batch']).map((i) => i.name)).toEqual(['samples', 'batch']);
    const sgd = validateOptions(duTable1, { mode: 'sgd', batch: 8 });
    expect(ignoredOptions(duTable1.options, sgd, ['batch', 'mode']).map((i) => i.name)).toEqual([]);
  });
});

/** Runs the CLI as `npm run reproduce` does; `onStdout` may signal it (the child leads its own process group). */
function reproduce(args: string[], onStdout?: (text: string, pid: number) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'scripts/launch.mjs'), 'src/cli/main.ts', ...args], { cwd: root, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
      onStdout?.(stdout, child.pid!);
    });
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('the command', () => {
  it('with no arguments prints the usage and fails (exit 2)', async () => {
    const r = await reproduce([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: reproduce/);
  }, 60_000);

  it('refuses a bad output path before it runs anything', async () => {
    const r = await reproduce(['du-table1', '--k', '25', '--ratio', '4', '--cpu', '--json', scratch]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--json: '.*' is a directory/);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('Ctrl-C writes the cells that finished, marked interrupted, and exits 130', async () => {
    const json = join(scratch, 'partial.json');
    let sent = false;
    // A terminal's Ctrl-C signals the whole process group (launch.mjs forwards its copy too):
    // once the first cell's row is printed.
    const r = await reproduce(['du-table1', '--k', '25', '--ratio', '0,1,4,9', '--restarts', '300', '--cpu', '--json', json], (out, pid) => {
      if (!sent && /^25 +0 +300 /m.test(out)) {
        sent = true;
        process.kill(-pid, 'SIGINT');
      }
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: stopping the run and writing the cells that finished/);
    expect(r.stdout).toMatch(/wrote .*partial\.json \(partial: the cells that finished\)/);
    expect(existsSync(json)).toBe(true);
    const saved = JSON.parse(readFileSync(json, 'utf8'));
    expect(saved.interrupted).toBe(true);
    expect(saved.cells.length).toBeGreaterThanOrEqual(1);
    expect(saved.cells.length).toBeLessThan(4);
    expect(saved.cells[0]).toMatchObject({ k: 25, ratio: 0, restarts: 300 });
    // The cells that finished, and perhaps the one in progress cut to its finished units (partialOf).
    for (const c of saved.cells) expect(c.global + c.spurious + c.diverged + c.undecided).toBe(c.partialOf === undefined ? 300 : c.restarts);
    expect(saved.cells.slice(0, -1).every((c: { partialOf?: number }) => c.partialOf === undefined)).toBe(true);
  }, 120_000);

  it('Ctrl-C inside one long cell writes it cut to its finished units (its first restarts, partialOf), keeps the checkpoint, and exits 130', async () => {
    const json = join(scratch, 'one-long-cell.json');
    const checkpoint = `${json}.checkpoint.json`;
    let sent = false;
    let poll: ReturnType<typeof setInterval> | undefined;
    const r = await reproduce(['du-table1', '--k', '25', '--ratio', '4', '--restarts', '1000000', '--cpu', '--checkpoint-every', '0.3', '--json', json], (_out, pid) => {
      // Once the checkpoint holds a few finished units.
      poll ??= setInterval(() => {
        const units = existsSync(checkpoint) ? JSON.parse(readFileSync(checkpoint, 'utf8')).units.length : 0;
        if (!sent && units >= 3) {
          sent = true;
          clearInterval(poll);
          process.kill(-pid, 'SIGINT');
        }
      }, 200);
    });
    clearInterval(poll);
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/interrupted: 0 cells finished, 1 cut short \(its first restarts kept\) in [0-9.]*[1-9][0-9.]* s/);
    // Its row, restarts as "done of asked".
    expect(r.stdout).toMatch(/^ *25 +4 +\d+ of 1000000 /m);
    const saved = JSON.parse(readFileSync(json, 'utf8'));
    expect(saved.interrupted).toBe(true);
    expect(saved.cells).toHaveLength(1);
    const [c] = saved.cells;
    expect(c).toMatchObject({ k: 25, ratio: 4, partialOf: 1_000_000 });
    expect(c.restarts).toBeGreaterThan(0);
    expect(c.restarts).toBeLessThan(1_000_000);
    expect(c.global + c.spurious + c.diverged + c.undecided).toBe(c.restarts);
    expect(existsSync(checkpoint)).toBe(true);
  }, 120_000);
});
