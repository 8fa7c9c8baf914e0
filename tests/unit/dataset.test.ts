/**
 * Supplied datasets in the science: what a run records about them (a description with a content
 * digest, never the numbers), how they are checked against the model before any work, and that
 * the CPU reference trains on them (src/core/prepare.ts), with labels given or the teacher's. The
 * GPU against the CPU on such data: tests/gpu/engine.gpu.test.ts ("supplied non-Gaussian dataset").
 */
import { describe, expect, it } from 'vitest';
import { refusal } from '../refusal.ts';
import { sha256 } from '@noble/hashes/sha256';
import { type Dataset, datasetBytes, datasetDigest, describeDataset, makeDataset } from '../../src/core/dataset.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import { teacherLabels } from '../../src/core/empirical.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME, resolveOutcome } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { duCell } from '../../src/presets/du-table1.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Du et al.'s p = 3, k = 4 cell (d = 12) on a supplied dataset. */
function cellOn(data: Dataset): Experiment {
  return duCell({ k: 4, ratio: 1, p: 3, restarts: 8, maxSteps: 50, loss: { kind: 'empirical', samples: data.n, data } });
}

const binary = (n: number, d: number) => Float64Array.from({ length: n * d }, (_, i) => ((i * 7) % 5 === 0 ? 1 : 0));

describe('a supplied dataset', () => {
  it('serialises as its description: name, shape, labels and the SHA-256 of its values', () => {
    const ds = makeDataset({ name: 'x.npy', n: 3, d: 2, X: Float64Array.of(1, 2, 3, 4, 5, 6), y: Float64Array.of(0, 1, 0) });
    const json = JSON.parse(JSON.stringify({ data: ds }));
    expect(json.data).toEqual({ name: 'x.npy', n: 3, d: 2, labels: 'given', sha256: datasetDigest(ds) });
    expect(datasetDigest(ds)).toBe(hex(sha256(datasetBytes(ds))));
    expect(datasetDigest(ds)).toMatch(/^[0-9a-f]{64}$/);
    // The data itself still travels where it must (the page's worker gets a structured clone).
    expect(Object.keys(ds)).toEqual(['name', 'n', 'd', 'X', 'y']);
    expect(structuredClone(ds).X).toEqual(ds.X);
  });

  it('its digest depends on the values, the shape and the labels, not on the name', () => {
    const X = Float64Array.of(1, 2, 3, 4, 5, 6);
    const base = datasetDigest(makeDataset({ name: 'a', n: 3, d: 2, X }));
    expect(datasetDigest(makeDataset({ name: 'b.csv', n: 3, d: 2, X: X.slice() }))).toBe(base);
    expect(datasetDigest(makeDataset({ name: 'a', n: 2, d: 3, X }))).not.toBe(base);
    expect(datasetDigest(makeDataset({ name: 'a', n: 3, d: 2, X: Float64Array.of(1, 2, 3, 4, 5, 6.000000001) }))).not.toBe(base);
    expect(datasetDigest(makeDataset({ name: 'a', n: 3, d: 2, X, y: new Float64Array(3) }))).not.toBe(base);
    expect(describeDataset(makeDataset({ name: 'a', n: 3, d: 2, X })).labels).toBe('teacher');
  });

  const fails = (data: Dataset, field: string, message: RegExp, samples = data.n) => {
    const exp = cellOn(data);
    exp.loss = { kind: 'empirical', samples, data };
    refusal(() => prepare(exp), field, message);
  };

  it('is checked against the model before any work, each error naming the dataset and where', () => {
    fails(makeDataset({ name: 'wide.csv', n: 2, d: 13, X: new Float64Array(26) }), 'loss.data (wide.csv)', /length 13, but the model takes inputs of length d = 12/);
    const X = binary(4, 12);
    X[2 * 12 + 5] = Number.NaN;
    fails(makeDataset({ name: 'nan.npy', n: 4, d: 12, X }), 'loss.data (nan.npy)', /row 2, column 5: every input must be finite \(got NaN\)/);
    fails(makeDataset({ name: 'y.json', n: 4, d: 12, X: binary(4, 12), y: Float64Array.of(0, 1, Infinity, 0) }), 'loss.data (y.json)', /label of row 2: must be finite/);
    fails(makeDataset({ name: 'short-y', n: 4, d: 12, X: binary(4, 12), y: Float64Array.of(0, 1) }), 'loss.data (short-y)', /one label per input: 4 \(got 2\)/);
    fails(makeDataset({ name: 'empty.csv', n: 0, d: 12, X: new Float64Array(0) }), 'loss.data (empty.csv)', /at least one input/);
    fails(makeDataset({ name: 'short-X', n: 4, d: 12, X: new Float64Array(40) }), 'loss.data (short-X)', /n·d = 48 values \(got 40\)/);
    fails(makeDataset({ name: 'ok', n: 4, d: 12, X: binary(4, 12) }), 'loss.samples', /equal the dataset's 4 inputs \(got 5\)/, 5);
    fails(makeDataset({ name: 'zeros.csv', n: 4, d: 12, X: binary(4, 12), y: new Float64Array(4) }), 'loss.data (zeros.csv)', /no scale \(every label is zero\)/);
  });

  it('is what the CPU reference trains on: its inputs, and its labels or the teacher’s', () => {
    const n = 16;
    const X = binary(n, 12);
    const teacherMade = prepare(cellOn(makeDataset({ name: 'binary', n, d: 12, X })));
    expect(teacherMade.sample!.X).toBe(X);
    expect(Array.from(teacherMade.sample!.y)).toEqual(Array.from(teacherLabels(teacherMade.exp.model, teacherMade.exp.teacher, X, n)));
    const y = Float64Array.from({ length: n }, (_, s) => (s % 2 ? 1 : -1));
    const given = prepare(cellOn(makeDataset({ name: 'binary', n, d: 12, X, y })));
    expect(given.sample!.y).toBe(y);
    expect(given.lossRef).toBeCloseTo(0.5, 12);
    // Different labels, different runs from the same initial points.
    const a = runRestart(teacherMade, 0).params;
    const b = runRestart(given, 0).params;
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

describe("the outcome rule's angle test, off by name", () => {
  it('angleTest false resolves to the loss alone; the default keeps the angle test', () => {
    expect(resolveOutcome(DEFAULT_OUTCOME_RULE, 1, 1, 1, true).angleCos).toBeCloseTo(Math.cos(0.1), 15);
    expect(resolveOutcome({ ...DEFAULT_OUTCOME_RULE, angleTest: false }, 1, 1, 1, true).angleCos).toBe(-2);
  });

  it('a zero-loss point away from the teacher is global only with the angle test off', () => {
    // Labels all equal to 1 on inputs whose first coordinate is 1: the single ReLU unit w = e₀,
    // a = 1 fits them exactly, far from the teacher's direction.
    const n = 8;
    const d = 3;
    const X = Float64Array.from({ length: n * d }, (_, i) => (i % d === 0 ? 1 : ((i * 5) % 7) / 7 - 0.5));
    const data = makeDataset({ name: 'ones', n, d, X, y: new Float64Array(n).fill(1) });
    const exp: Experiment = {
      model: { d, m: d, stride: d, filters: 1, activation: 'relu', output: 'learned', weightNorm: false },
      teacher: { filters: 1, w: Float64Array.of(0, 0, 1), a: Float64Array.of(1) },
      loss: { kind: 'empirical', samples: n, data },
      optimizer: { kind: 'gd', lr: 0.1 },
      init: { kind: 'grid', axes: [1, 2], range: [0, 0, 0, 0], resolution: [1, 1], base: [1, 0, 0, 1] },
      restarts: 1,
      maxSteps: 0,
      seed: 1,
      outcome: DEFAULT_OUTCOME_RULE,
    };
    expect(runRestart(prepare(exp), 0).code).toBe(OUTCOME.undecided);
    expect(runRestart(prepare({ ...exp, outcome: { ...DEFAULT_OUTCOME_RULE, angleTest: false } }), 0).code).toBe(OUTCOME.global);
  });

  it('refuses a non-boolean angleTest', () => {
    const exp = cellOn(makeDataset({ name: 'b', n: 4, d: 12, X: binary(4, 12) }));
    expect(() => prepare({ ...exp, outcome: { ...exp.outcome, angleTest: 'no' as never } })).toThrow(/outcome.angleTest: must be true or false/);
  });
});
