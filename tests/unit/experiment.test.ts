import { describe, expect, it } from 'vitest';
import { refusal } from '../refusal.ts';
import { type Experiment, ExperimentError, validateExperiment } from '../../src/core/experiment.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { NEVER_DECIDE, OUTCOME } from '../../src/core/outcome.ts';
import { QUADRATURE_NORM_LIMIT } from '../../src/core/pair-kernels.ts';

const base = () => duCell({ k: 4, ratio: 1, restarts: 10 });

function expectError(mutate: (e: Experiment) => void, field: string, fragment: RegExp) {
  const exp = base();
  mutate(exp);
  refusal(() => validateExperiment(exp), field, fragment);
}

describe('bad input gets a clear error naming the field and the allowed range', () => {
  it('accepts the Du et al. cell', () => expect(() => validateExperiment(base())).not.toThrow());
  it('non-integer number of patches K', () => expectError((e) => Object.assign(e.model, { d: 25, m: 6, stride: 4 }), 'model.stride', /integer number of patches K/));
  it('stride > m', () => expectError((e) => Object.assign(e.model, { stride: 7 }), 'model.stride', /\[1, m = 6\]/));
  it('m > d', () => expectError((e) => Object.assign(e.model, { m: 30 }), 'model.m', /≤ d = 24/));
  it('non-positive step size', () => expectError((e) => (e.optimizer = { kind: 'gd', lr: 0 }), 'optimizer.lr', /finite number > 0/));
  it('non-finite step size', () => expectError((e) => (e.optimizer = { kind: 'gd', lr: Number.NaN }), 'optimizer.lr', /finite number > 0/));
  it('infinite step size', () => expectError((e) => (e.optimizer = { kind: 'adagrad', lr: Infinity, eps: 1e-8 }), 'optimizer.lr', /finite/));
  it('zero restarts', () => expectError((e) => (e.restarts = 0), 'restarts', /integer in \[1,/));
  it('unknown activation', () => expectError((e) => Object.assign(e.model, { activation: 'gelu' }), 'model.activation', /one of relu, leaky-relu, squared-relu, sigmoid, tanh, erf \(got 'gelu'\)/));
  it('teacher of the wrong shape', () => expectError((e) => (e.teacher = { ...e.teacher, a: new Float64Array(5) }), 'teacher.a', /length 4 \(got 5\)/));
  it('teacher filter of the wrong shape', () => expectError((e) => (e.teacher = { ...e.teacher, w: new Float64Array(7) }), 'teacher.w', /length 6/));
  it('accepts the population loss of sigmoid and tanh (quadrature, on both engines)', () => {
    for (const activation of ['sigmoid', 'tanh'] as const) {
      const exp = base();
      Object.assign(exp.model, { activation });
      expect(() => validateExperiment(exp)).not.toThrow();
    }
  });
  it('population loss of tanh with a teacher beyond the quadrature norm limit', () =>
    expectError(
      (e) => {
        Object.assign(e.model, { activation: 'tanh' });
        e.teacher.w = e.teacher.w.map((x) => x * (1.01 * QUADRATURE_NORM_LIMIT));
      },
      'teacher.w',
      /filter 0 must have norm ≤ 64 for the population loss of 'tanh'/,
    ));
  it('non-finite teacher entry', () => expectError((e) => (e.teacher.w[2] = Number.POSITIVE_INFINITY), 'teacher.w[2]', /finite/));
  it('minibatch larger than the sample', () => expectError((e) => (e.loss = { kind: 'empirical', samples: 10, batch: 20 }), 'loss.batch', /\[1, 10\]/));
  it('seed out of range', () => expectError((e) => (e.seed = -1), 'seed', /2\^32/));
  it('grid with the wrong number of restarts', () =>
    expectError(
      (e) => (e.init = { kind: 'grid', axes: [0, 1], range: [-1, 1, -1, 1], resolution: [3, 3], base: new Array(10).fill(0) }),
      'restarts',
      /3×3 = 9/,
    ));
  it('the CPU engine validates before it runs', () => {
    const exp = base();
    exp.restarts = 0;
    expect(() => prepare(exp)).toThrow(ExperimentError);
  });
});

describe('a NaN or Inf inside a restart marks it diverged and never poisons the statistics', () => {
  it('a student filter beyond the quadrature norm limit is diverged at that step, not an error that stops the run', () => {
    // Row 0's filter has norm 1.1·limit; row 1's is small and runs its 3 steps.
    const big = (1.1 * QUADRATURE_NORM_LIMIT) / Math.SQRT2;
    const exp: Experiment = {
      model: { d: 2, m: 2, stride: 2, filters: 1, activation: 'tanh', output: 'learned', weightNorm: false },
      teacher: { filters: 1, w: Float64Array.of(0.9, -0.6), a: Float64Array.of(0.5) },
      loss: { kind: 'population' },
      optimizer: { kind: 'gd', lr: 0.05 },
      init: { kind: 'supplied', params: [big, big, 0.3, 0.5, 0.2, 0.1] },
      restarts: 2,
      maxSteps: 3,
      seed: 1,
      outcome: NEVER_DECIDE,
    };
    const prep = prepare(exp);
    const [outside, inside] = [runRestart(prep, 0), runRestart(prep, 1)];
    expect([outside.code, outside.steps]).toEqual([OUTCOME.diverged, 0]);
    expect([inside.code, inside.steps]).toEqual([OUTCOME.undecided, 3]);
    expect(Number.isFinite(inside.loss)).toBe(true);
  });
  it('a huge step size diverges every restart, with finite statistics', async () => {
    const exp = { ...duCell({ k: 4, ratio: 4, restarts: 20, maxSteps: 200 }), optimizer: { kind: 'gd' as const, lr: 1e30 } };
    const prep = prepare(exp);
    const codes = Array.from({ length: exp.restarts }, (_, r) => runRestart(prep, r).code);
    expect(codes.every((c) => c === OUTCOME.diverged)).toBe(true);
    const { runCpu } = await import('../../src/engine/cpu.ts');
    let last;
    for await (const s of runCpu(exp)) last = s;
    expect(last!.counts.diverged).toBe(20);
    expect(last!.pGlobal).toBe(0);
    expect(Number.isFinite(last!.ci95[1])).toBe(true);
    expect(last!.histograms.angle.counts.reduce((a: number, b: number) => a + b, 0)).toBe(0);
  });
});
