/**
 * The supplied-data preset from each face: the library (typed arrays through makeDataset), the
 * CLI (--data FILE read, parsed and named in the JSON by its SHA-256; a malformed file refused
 * before anything runs) and the page's form (a file field that parses as you choose, shows the
 * shape and digest or the file's error, and holds Run until valid; a link cannot carry a file).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { withDocument } from './dom.ts';
import { collect } from '../collect.ts';
import { cpuEngine, datasetDigest, describeDataset, loadDataset, makeDataset, runExperiment, writeNpy } from '../../src/index.ts';
import { teacherLabels } from '../../src/core/empirical.ts';
import { ExperimentError } from '../../src/core/experiment.ts';
import { buildOptionsForm } from '../../src/ui/form.ts';
import { linkProblems } from '../../src/ui/link.ts';
import { BOOLEAN_CUBE, suppliedData, suppliedExperiment } from '../../src/presets/supplied-data.ts';
import { validateOptions } from '../../src/presets/options.ts';

const root = resolve(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'basins-data-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** 40 inputs of length 6 with heavy-ish, non-Gaussian entries (a fixed pattern, no RNG). */
const X = Float64Array.from({ length: 40 * 6 }, (_, i) => ((i * 37) % 11) / 5 - 1 + (i % 7 === 0 ? 2 : 0));
const small = { restarts: 24, maxSteps: 400, m: 3, stride: 3 };

describe('the library: a dataset from typed arrays', () => {
  it('runs, and the result names the dataset by description and digest, not its numbers', async () => {
    const data = makeDataset({ name: 'pattern', n: 40, d: 6, X });
    const { result } = await collect(runExperiment('supplied-data', { data, ...small }, { engine: cpuEngine() }));
    const c = result.cells[0];
    expect(c.global + c.spurious + c.diverged + c.undecided).toBe(24);
    expect(c.key).toEqual({ data: 'pattern', n: 40, d: 6 });
    const json = JSON.parse(JSON.stringify(result.config));
    expect(json.data).toEqual({ name: 'pattern', n: 40, d: 6, labels: 'teacher', sha256: datasetDigest(data) });
    expect(JSON.stringify(result.config)).not.toContain(String(X[1]));
    expect(result.notes.join('\n')).toContain(datasetDigest(data));
    expect(result.figures[0].series[0].y.reduce((a, b) => a + b, 0)).toBe(c.global + c.spurious);
  });

  it('labels given equal to the teacher’s give the same outcomes as the teacher labelling the data', async () => {
    const data = makeDataset({ name: 'pattern', n: 40, d: 6, X });
    const exp = suppliedExperiment(validateOptions(suppliedData, { data, ...small }));
    const y = teacherLabels(exp.model, exp.teacher, X, 40);
    const run = async (ds: typeof data) => (await collect(runExperiment('supplied-data', { data: ds, ...small }, { engine: cpuEngine() }))).result.cells[0];
    const byTeacher = await run(data);
    const given = await run(makeDataset({ name: 'pattern+y', n: 40, d: 6, X, y }));
    // The same in everything but the dataset's name (which the catalogue's objective repeats).
    const unnamed = (c: typeof given) => ({ ...c, seconds: 0, key: null, catalogue: c.catalogue && { ...c.catalogue, objective: '' } });
    expect(unnamed(given)).toEqual(unnamed(byTeacher));
    // And other labels give other outcomes' statistics (the labels are used).
    const other = await run(makeDataset({ name: 'signs', n: 40, d: 6, X, y: Float64Array.from(y, (v, s) => (s % 2 ? v : -v)) }));
    expect(other.restartSteps).not.toBe(byTeacher.restartSteps);
  });

  it('checks the model against the data and the options against each other before any run', () => {
    const data = makeDataset({ name: 'pattern', n: 40, d: 6, X });
    const engine = cpuEngine();
    const err = (o: Record<string, unknown>) => {
      try {
        runExperiment('supplied-data', { data, ...o }, { engine });
      } catch (e) {
        expect(e).toBeInstanceOf(ExperimentError);
        return `${(e as ExperimentError).field} | ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(err({ m: 4, stride: 0 })).toMatch(/^stride \| stride: \(d − m\)\/stride \+ 1 must be an integer .* \(d = 6 from the dataset pattern\)$/);
    expect(err({ m: 7 })).toMatch(/^m \| m: filter size must be ≤ d = 6 \(got 7\)/);
    expect(err({ batch: 41 })).toBe("batch | batch: must be ≤ the dataset's 40 inputs (got 41)");
    expect(err({ angleTest: 'on', data: makeDataset({ name: 'y', n: 40, d: 6, X, y: new Float64Array(40).fill(1) }) })).toMatch(/^angleTest \| .*has labels of its own/);
    expect(err({ data: makeDataset({ name: 'nan', n: 2, d: 1, X: Float64Array.of(1, NaN) }) })).toMatch(/^loss\.data \(nan\) \| .*row 1, column 0: every input must be finite/);
    expect(err({ data: 'x.npy' })).toMatch(/^data \| data: a dataset has no text form/);
    expect(err({ m: 4, stride: 2 })).toBe('accepted');
  });

  it('defaults to the Boolean cube, every vertex once', () => {
    expect([BOOLEAN_CUBE.n, BOOLEAN_CUBE.d]).toEqual([256, 8]);
    const rows = new Set(Array.from({ length: 256 }, (_, s) => Array.from(BOOLEAN_CUBE.X.subarray(8 * s, 8 * s + 8)).join('')));
    expect(rows.size).toBe(256);
    expect(validateOptions(suppliedData).data).toBe(BOOLEAN_CUBE);
  });
});

function reproduce(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'scripts/launch.mjs'), 'src/cli/main.ts', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('the command: reproduce supplied-data --data FILE', () => {
  const npy = join(scratch, 'x.npy');
  writeFileSync(npy, writeNpy({ shape: [40, 6], values: X, dtype: '<f4' }));

  it('runs on the file and the JSON names its SHA-256', async () => {
    const json = join(scratch, 'r.json');
    const r = await reproduce(['supplied-data', '--data', npy, '--m', '3', '--restarts', '16', '--max-steps', '300', '--cpu', '--json', json]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const digest = datasetDigest(loadDataset({ data: { name: 'x.npy', bytes: new Uint8Array(readFileSync(npy)) } }));
    const saved = JSON.parse(readFileSync(json, 'utf8'));
    expect(saved.config.data).toEqual({ name: 'x.npy', n: 40, d: 6, labels: 'teacher', sha256: digest });
    expect(saved.cells[0]).toMatchObject({ data: 'x.npy', n: 40, d: 6, restarts: 16 });
  }, 60_000);

  it('a malformed file: its message, exit 1 (invalid input), nothing run or written', async () => {
    const bad = join(scratch, 'bad.csv');
    writeFileSync(bad, '1,2,3\n4,5\n');
    const json = join(scratch, 'never.json');
    const r = await reproduce(['supplied-data', '--data', bad, '--cpu', '--json', json]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('invalid input — bad.csv: row 2 has 2 columns, but row 1 has 3: every row must have the same number of columns');
    expect(r.stdout).toBe('');
    expect(() => readFileSync(json)).toThrow();
    const labelsOnly = await reproduce(['supplied-data', '--labels', npy, '--cpu']);
    expect(labelsOnly.stderr.trim()).toBe('invalid input — labels: labels need their inputs: give --data FILE too');
  }, 60_000);
});

describe('the page: a file field', () => {
  withDocument();

  /** Chooses a file in a file field (linkedom has no FileList: a stand-in with File's name and arrayBuffer). */
  const choose = (input: HTMLInputElement, name: string, bytes: Uint8Array | string) => {
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    Object.defineProperty(input, 'files', { configurable: true, value: [{ name, arrayBuffer: async () => data.slice().buffer }] });
    input.dispatchEvent(new Event('change'));
  };

  it('shows the parsed shape and digest, or the file’s error, and holds Run until valid', async () => {
    const container = document.createElement('div');
    let valid: boolean | undefined;
    const form = buildOptionsForm(suppliedData, {}, container, (v) => (valid = v));
    const field = container.querySelector('#opt-data') as HTMLInputElement;
    const shown = container.querySelector('#opt-data-dataset')!;
    const error = container.querySelector('#opt-data-error')!;
    expect(field.type).toBe('file');
    expect(shown.textContent).toContain(`default (no file chosen): ${BOOLEAN_CUBE.name}`);
    expect(valid).toBe(true);
    expect(container.textContent).toContain('A link to this page cannot carry a file');

    const bytes = writeNpy({ shape: [40, 6], values: X, dtype: '<f8' });
    choose(field, 'x.npy', bytes);
    await vi.waitFor(() => expect(shown.textContent).toMatch(/^chosen: x\.npy: n = 40 inputs of length d = 6, labels by the teacher, SHA-256 [0-9a-f]{64}$/));
    const ds = form.datasets()!.data;
    expect(describeDataset(ds).sha256).toBe(datasetDigest(makeDataset({ name: 'x', n: 40, d: 6, X })));
    // The default m = 0 (m = d) fits; Run is allowed, and the texts (what a link carries) hold no file.
    expect(valid).toBe(true);
    expect(form.values()).not.toHaveProperty('data');

    // A stride that does not fit d = 6 is named under its field, from the data's d.
    const m = container.querySelector('#opt-m') as HTMLInputElement;
    m.value = '4';
    m.dispatchEvent(new Event('input'));
    expect(valid).toBe(false);
    expect(container.querySelector('#opt-stride-error')!.textContent).toMatch(/\(d = 6 from the dataset x\.npy\)$/);
    m.value = '3';
    m.dispatchEvent(new Event('input'));
    expect(valid).toBe(true);

    choose(field, 'x.npy', bytes.slice(0, bytes.length - 8));
    await vi.waitFor(() => expect(error.textContent).toBe("x.npy: data: truncated: the shape (40, 6) of '<f8' needs 1920 bytes after the header, the file has 1912"));
    expect(valid).toBe(false);
    expect(form.values()).toBeNull();
    expect(form.datasets()).toBeNull();

    // Labels from a second field: one per input, or the error names the labels file.
    choose(field, 'x.npy', bytes);
    choose(container.querySelector('#opt-data-labels') as HTMLInputElement, 'y.csv', '1\n2\n');
    await vi.waitFor(() => expect(error.textContent).toBe('y.csv: has 2 labels, but x.npy has 40 inputs: one label per input'));
    choose(container.querySelector('#opt-data-labels') as HTMLInputElement, 'y.csv', '1\n'.repeat(40));
    await vi.waitFor(() => expect(shown.textContent).toMatch(/^chosen: x\.npy \+ y\.csv: n = 40 inputs of length d = 6, labels given/));
    expect(error.textContent).toBe('');
    expect(valid).toBe(true);
  });

  it('a link naming a file is told it cannot carry one', () => {
    expect(linkProblems(suppliedData, { data: 'x.npy', restarts: '10' })).toEqual(["data: a link cannot carry a file ('x.npy'): choose it in the form"]);
  });
});
