/**
 * The experiment presets, their options, the reports and the CLI's parsing, on the CPU engine.
 * (GPU ≡ CPU on the presets: tests/gpu/experiments.gpu.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { PRESETS, presetByName, validateOptions, runExperiment } from '../../src/presets/index.ts';
import type { ExperimentUpdate } from '../../src/presets/types.ts';
import type { ExperimentResult } from '../../src/results/types.ts';
import { phaseOneEnd } from '../../src/presets/du-two-phase.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import type { Engine, EngineRunOptions } from '../../src/engine/engine.ts';
import { jsonText } from '../../src/results/report.ts';
import { resultCsv, resultJson, resultMarkdown } from '../../src/results/report.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { ExperimentError } from '../../src/core/experiment.ts';


describe('options', () => {
  it('every preset has a unique name and defaults that pass its own validation', () => {
    expect(new Set(PRESETS.map((p) => p.name)).size).toBe(PRESETS.length);
    for (const p of PRESETS) expect(() => validateOptions(p)).not.toThrow();
  });
  it('text values are parsed; bad ones name the option and its range', () => {
    const p = presetByName('du-table1');
    expect(validateOptions(p, { k: '25,36', restarts: '100' })).toMatchObject({ k: [25, 36], restarts: 100 });
    expect(() => validateOptions(p, { k: '25,x' })).toThrow(/^k: must be a comma-separated list of numbers in \[1, 4096\]/);
    expect(() => validateOptions(p, { restarts: 0 })).toThrow(/^restarts: must be an integer in \[1, 10000000\] \(got 0\)/);
    expect(() => validateOptions(p, { lr: -1 })).toThrow(ExperimentError);
    expect(() => validateOptions(p, { mode: 'exact' })).toThrow(/mode: must be one of population, empirical, sgd/);
    expect(() => validateOptions(p, { speed: 3 })).toThrow(/speed: is not an option of du-table1/);
    expect(() => presetByName('du-table9')).toThrow(/unknown experiment 'du-table9'/);
  });
  it('a ratio above k is rejected when runExperiment is called, before anything runs', () => {
    expect(() => runExperiment('du-table1', { k: [4], ratio: [9] }, { engine: cpuEngine() })).toThrow(/^ratio: every ratio must be ≤ every k/);
  });
});

describe('runExperiment on the CPU engine', () => {
  it('du-table1: cells, counts, progress and the final result', async () => {
    const { updates, result } = await collect(runExperiment('du-table1', { k: [9], ratio: [1, 4], restarts: 60, maxSteps: 4000 }, { engine: cpuEngine() }));
    expect(result.cells.map((c) => c.key)).toEqual([
      { k: 9, ratio: 1 },
      { k: 9, ratio: 4 },
    ]);
    for (const c of result.cells) {
      expect(c.global + c.spurious + c.diverged + c.undecided).toBe(60);
      expect(c.ci95[0]).toBeLessThanOrEqual(c.pGlobal);
      expect(c.ci95[1]).toBeGreaterThanOrEqual(c.pGlobal);
      expect(c.paper).toBeNull(); // k = 9 is not in the paper's table
    }
    // Both outcomes occur at ratio 1 (the cell is informative).
    expect(result.cells[0].global).toBeGreaterThan(0);
    expect(result.cells[0].spurious).toBeGreaterThan(0);
    const done = updates.map((u) => u.progress.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(updates.at(-1)!.progress.done).toBe(120);
    expect(result.engine).toBe('cpu');
    // Each update names the cell running as its key (what its CellResult will carry) beside a label.
    const running = updates.map((u) => u.progress.cell);
    expect([...new Map(running.map((c) => [JSON.stringify(c), c])).values()]).toEqual(result.cells.map((c) => c.key));
    for (const u of updates) expect(u.progress.label).toBe(`k=${u.progress.cell!.k} ratio=${u.progress.cell!.ratio}`);
  });

  it('du-two-phase: the trace goes to the engine as its own run option; the last update has nothing running', async () => {
    const cpu = cpuEngine();
    const asked: EngineRunOptions[] = [];
    const recording: Engine = { kind: cpu.kind, label: cpu.label, run: (exp, opts = {}) => (asked.push(opts), cpu.run(exp, opts)) };
    const { updates, result } = await collect(runExperiment('du-two-phase', { k: 4, p: 6, restarts: 8, maxSteps: 300, every: 10 }, { engine: recording }));
    expect(asked).toHaveLength(1);
    expect(asked[0].trace).toMatchObject({ every: 10, restarts: 8 });
    expect(result.figures.map((f) => f.id)).toEqual(['angle', 'a-error', 'sum-error', 'loss', 'phase-one-end']);
    expect(result.figures[0].series[0].x.length).toBeGreaterThan(1);
    expect(updates[0].progress).toMatchObject({ cell: { k: 4, p: 6, ratio: 4 }, label: 'k=4 p=6' });
    expect(updates.at(-1)!.progress).toEqual({ done: 8, total: 8, etaSeconds: 0, cell: null, label: 'done' });
  });

  it('reports: JSON keeps the core schema, Markdown puts the paper beside our interval, CSV has a row per cell', () => {
    const result: ExperimentResult = {
      experiment: 'du-table1',
      title: 't',
      config: {},
      seed: 1,
      adapter: 'x',
      engine: 'cpu',
      cells: [
        { key: { k: 25, ratio: 4 }, restarts: 5000, global: 3838, spurious: 1162, diverged: 0, undecided: 0, pGlobal: 0.7676, ci95: [0.756, 0.779], paper: 0.73, seconds: 1, restartSteps: 1 },
        { key: { k: 25, ratio: 1 }, restarts: 5000, global: 2794, spurious: 2206, diverged: 0, undecided: 0, pGlobal: 0.5588, ci95: [0.545, 0.573], paper: 0.55, seconds: 1, restartSteps: 1 },
      ],
      figures: [],
      tables: [],
      notes: [],
      seconds: 2,
    };
    const json = resultJson(result) as { cells: Record<string, unknown>[] };
    expect(json.cells[0]).toMatchObject({ k: 25, ratio: 4, restarts: 5000, global: 3838, spurious: 1162, diverged: 0, undecided: 0, pGlobal: 0.7676, ci95: [0.756, 0.779], paper: 0.73 });
    const md = resultMarkdown(result);
    expect(md).toContain('0.768 [0.756, 0.779] / 0.73 ✗');
    expect(md).toContain('0.559 [0.545, 0.573] / 0.55');
    expect(md).not.toContain('0.55 ✗');
    expect(resultCsv(result).trim().split('\n')).toHaveLength(3);
  });
});

describe('du-two-phase: the phase-I rule', () => {
  it('finds the knee of a slow-then-fast angle curve', () => {
    const steps = Array.from({ length: 101 }, (_, i) => i * 5);
    // Slow decay (rate 0.001/step) until step 200, then fast (0.05/step).
    const angle = Float64Array.from(steps, (t) => (t <= 200 ? Math.exp(-0.001 * t) : Math.exp(-0.2 - 0.05 * (t - 200))));
    expect(phaseOneEnd(steps, angle)).toBe(200);
  });
  it('is null for a curve that never moves', () => {
    expect(phaseOneEnd([0, 1, 2], Float64Array.of(1, 1, 1))).toBeNull();
  });
});

describe('CLI parsing (commander)', () => {
  const parse = async (args: string[]) => {
    const calls: { preset: string; options: Record<string, unknown>; flags: object }[] = [];
    const program = buildProgram(async (preset, options, flags) => {
      calls.push({ preset: preset.name, options, flags });
    });
    program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    for (const c of program.commands) c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    await program.parseAsync(args, { from: 'user' });
    return calls;
  };
  it('maps flags to typed options of the preset', async () => {
    const calls = await parse(['du-table1', '--k', '25,36', '--ratio', '4', '--mode', 'empirical', '--max-steps', '100', '--json', 'x.json', '--cpu']);
    expect(calls).toEqual([{ preset: 'du-table1', options: { k: [25, 36], ratio: [4], mode: 'empirical', maxSteps: 100 }, flags: { json: 'x.json', out: undefined, cpu: true } }]);
  });
  it('rejects a bad value naming the option, and an unknown experiment', async () => {
    await expect(parse(['du-table1', '--restarts', '0'])).rejects.toThrow(/restarts: must be an integer in \[1, 10000000\]/);
    await expect(parse(['du-table1', '--mode', 'exact'])).rejects.toThrow();
    await expect(parse(['du-table9'])).rejects.toThrow();
  });
});

describe('jsonText', () => {
  it('keeps arrays of numbers on one line and parses back to the same value', () => {
    const value = { ci95: [0.25, 0.75], codes: [1, -1, 2, 1e-7], names: ['a', 'b'], nested: { empty: [], xs: [3] } };
    const text = jsonText(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('"ci95": [0.25, 0.75]');
    expect(text).toContain('"codes": [1, -1, 2, 1e-7]');
    expect(text).toContain('"names": [\n');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
