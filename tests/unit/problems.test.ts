import { describe, expect, it } from 'vitest';
import { refusal } from '../refusal.ts';
import { type Experiment, validateExperiment } from '../../src/core/experiment.ts';
import { makeDataset } from '../../src/core/dataset.ts';
import { drawSample } from '../../src/core/empirical.ts';
import { initParams } from '../../src/core/init.ts';
import { shapeOf } from '../../src/core/model.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { ProblemCounts, problemOf, problemTeacher } from '../../src/core/problems.ts';
import { problemKey } from '../../src/core/rng.ts';
import { runCpu, runRestart } from '../../src/engine/cpu.ts';

/** 6 problems × 3 restarts of a small two-filter ReLU net on its own fixed sample of 40 inputs. */
function many(over: Partial<Experiment> = {}): Experiment {
  return {
    model: { d: 6, m: 3, stride: 3, filters: 2, activation: 'relu', output: 'learned', weightNorm: false },
    teacher: { filters: 2, w: new Float64Array([1, 0, 0, 0, 1, 0]), a: new Float64Array([1, 1, 1, 1]) },
    loss: { kind: 'empirical', samples: 40 },
    optimizer: { kind: 'gd', lr: 0.05 },
    init: { kind: 'gaussian', std: 0.5 },
    restarts: 18,
    problems: { count: 6 },
    maxSteps: 150,
    seed: 11,
    outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 1e-4 },
    ...over,
  };
}

function expectError(exp: Experiment, field: string, fragment: RegExp) {
  refusal(() => validateExperiment(exp), field, fragment);
}

/**
 * Problem p of `exp` as an experiment of its own: its teacher, its drawn sample as a supplied
 * dataset, and (so that restart r starts where it does in `exp`) the initial rows of `exp`.
 */
function alone(exp: Experiment, p: number): Experiment {
  const { P, d } = shapeOf(exp.model);
  const samples = (exp.loss as { samples: number }).samples;
  const rows = new Float64Array(exp.restarts * P);
  for (let r = 0; r < exp.restarts; r++) initParams(exp, r, rows, r * P, problemTeacher(exp, problemOf(exp, r)));
  const X = drawSample(exp.seed, samples, d, problemKey(p));
  const { problems: _, ...rest } = exp;
  return {
    ...rest,
    teacher: problemTeacher(exp, p),
    loss: { ...(exp.loss as { kind: 'empirical'; samples: number; batch?: number }), data: makeDataset({ name: `problem ${p}`, n: samples, d, X }) },
    init: { kind: 'supplied', params: rows },
  };
}

describe('problems and supplied initial points: validation names the field', () => {
  it('accepts many problems', () => expect(() => validateExperiment(many())).not.toThrow());
  it('restarts not a multiple of the count', () => expectError(many({ restarts: 19 }), 'problems.count', /multiple of the number of problems \(6\)/));
  it('a count of zero', () => expectError(many({ problems: { count: 0 } }), 'problems.count', /integer in \[1,/));
  it('the population loss is refused', () => {
    const e = many({ loss: { kind: 'population' } });
    expectError(e, 'problems', /empirical loss.*population loss/);
  });
  it('fresh-sample SGD is refused', () => expectError(many({ loss: { kind: 'sgd', batch: 8 } }), 'problems', /fresh-sample SGD/));
  it('a shared dataset with problems', () => {
    const ds = makeDataset({ name: 'x', n: 40, d: 6, X: new Float64Array(240).fill(1) });
    expectError(many({ loss: { kind: 'empirical', samples: 40, data: ds } }), 'loss.data', /problems\.data/);
  });
  it('the wrong number of supplied teachers', () => expectError(many({ problems: { count: 6, teachers: [many().teacher] } }), 'problems.teachers', /array of 6 teachers \(got 1 teachers\)/));
  it('a supplied teacher of another shape', () => {
    const t = many().teacher;
    const bad = { filters: 1, w: new Float64Array(3).fill(1), a: new Float64Array(2).fill(1) };
    expectError(many({ problems: { count: 2, teachers: [t, bad] }, restarts: 4 }), 'problems.teachers[1].filters', /2 filters \(got 1\)/);
  });
  it('a non-finite supplied teacher', () => {
    const t = many().teacher;
    const bad = { ...t, w: Float64Array.from(t.w, (x, i) => (i === 4 ? NaN : x)) };
    expectError(many({ problems: { count: 2, teachers: [t, bad] }, restarts: 4 }), 'problems.teachers[1].w[4]', /finite/);
  });
  it('supplied datasets of the wrong size', () => {
    const ds = makeDataset({ name: 'small', n: 30, d: 6, X: new Float64Array(180).fill(1) });
    expectError(many({ problems: { count: 1, data: [ds] }, restarts: 3 }), 'loss.samples', /equal the dataset's 30 inputs/);
  });
  it('supplied initial points of the wrong shape', () => expectError(many({ init: { kind: 'supplied', params: new Float64Array(17 * 10) } }), 'init.params', /length 180 \(got 170\)/));
  it('a non-finite supplied initial point', () => {
    const params = new Float64Array(18 * 10);
    params[30] = Infinity;
    expectError(many({ init: { kind: 'supplied', params } }), 'init.params[30]', /finite/);
  });
});

describe('many problems on the CPU engine', () => {
  it('each problem has its own teacher, sample, L_ref and thresholds', () => {
    const prep = prepare(many());
    const refs = new Set<number>();
    const firstW = new Set<number>();
    for (let p = 0; p < 6; p++) {
      const pd = prep.problem(p);
      refs.add(pd.lossRef);
      firstW.add(pd.teacher.w[0]!);
      expect(pd.outcome.globalLoss).toBeCloseTo(DEFAULT_OUTCOME_RULE.lossTol * pd.lossRef, 15);
      expect(pd.sample!.X).toEqual(drawSample(11, 40, 6, problemKey(p)));
    }
    expect(refs.size).toBe(6);
    expect(firstW.size).toBe(6);
    // Problem 0 is the default view; teachers are the drawn ones, not the template's.
    expect(prep.lossRef).toBe(prep.problem(0).lossRef);
    expect(prep.problem(3).teacher.w).not.toEqual(many().teacher.w);
    expect(prep.problem(3).teacher.a).toEqual(many().teacher.a);
  });

  it('restart r belongs to problem ⌊r / perProblem⌋', () => {
    const exp = many();
    expect([0, 2, 3, 5, 17].map((r) => problemOf(exp, r))).toEqual([0, 0, 1, 1, 5]);
  });

  for (const batch of [undefined, 8]) {
    it(`every restart equals the same restart of its problem run alone (${batch ? 'minibatch' : 'full batch'})`, () => {
      const exp = many({ loss: { kind: 'empirical', samples: 40, batch } });
      const prep = prepare(exp);
      for (const p of [0, 4]) {
        const single = prepare(alone(exp, p));
        for (let r = 3 * p; r < 3 * p + 3; r++) {
          const a = runRestart(prep, r);
          const b = runRestart(single, r);
          expect(a.code).toBe(b.code);
          expect(a.steps).toBe(b.steps);
          expect(a.params).toEqual(b.params);
          expect(a.lossRef).toBe(b.lossRef);
        }
      }
    });
  }

  it('supplied teachers are used as given; outcome counts per problem add up', async () => {
    const t0 = many().teacher;
    const t1 = { filters: 2, w: new Float64Array([0, 0, 2, 1, 0, 0]), a: new Float64Array([1, -1, 0.5, 1]) };
    const exp = many({ problems: { count: 2, teachers: [t0, t1] }, restarts: 8, maxSteps: 400 });
    const prep = prepare(exp);
    expect(prep.problem(1).teacher).toBe(t1);
    const counts = new ProblemCounts(exp);
    let final;
    for await (const s of runCpu(exp, { onWave: (w) => counts.add(w.first, w.status), waveSize: 3 })) final = s;
    for (let p = 0; p < 2; p++) {
      const c = counts.of(p);
      expect(c.global + c.spurious + c.diverged + c.undecided).toBe(4);
    }
    expect(final!.counts.global).toBe(counts.of(0).global + counts.of(1).global);
    // And each problem's counts are those of its restarts run one by one.
    const byHand = new ProblemCounts(exp);
    byHand.add(0, Array.from({ length: 8 }, (_, r) => runRestart(prep, r).code));
    expect(byHand.counts).toEqual(counts.counts);
    expect(() => byHand.add(0, [OUTCOME.running])).toThrow(/not decided/);
  });
});

describe('supplied initial points on the CPU engine', () => {
  it('restart r starts at row r; a fixed output layer still overrides a', () => {
    const exp = many({ problems: undefined, init: { kind: 'supplied', params: Float64Array.from({ length: 18 * 10 }, (_, i) => Math.sin(i)) } });
    const row = new Float64Array(10);
    initParams(exp, 5, row);
    expect(Array.from(row)).toEqual(Array.from({ length: 10 }, (_, i) => Math.sin(50 + i)));
    const fixed: Experiment = { ...exp, model: { ...exp.model, output: 'fixed' } };
    initParams(fixed, 5, row);
    expect(Array.from(row.subarray(0, 6))).toEqual(Array.from({ length: 6 }, (_, i) => Math.sin(50 + i)));
    expect(Array.from(row.subarray(6))).toEqual([0.5, 0.5, 0.5, 0.5]);
    const res = runRestart(prepare({ ...exp, maxSteps: 0 }), 5);
    expect(Array.from(res.params)).toEqual(Array.from({ length: 10 }, (_, i) => Math.sin(50 + i)));
  });
});
