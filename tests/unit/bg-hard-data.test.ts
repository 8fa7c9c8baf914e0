/**
 * bg-hard-data (Brutzkus & Globerson Sec. 4 and 6, Fig. 3): the set-splitting instance and its
 * reduction against the paper's equations (counts, labels = the planted teacher's outputs by
 * eq. 10 and 11, ‖w*‖², ℓ(0)), the decoder and the split checker, the thresholds, the outcome
 * rule at and near w*, AdaGrad from near w* on both arms, and a tiny preset run on the CPU engine
 * producing every output.
 */
import { describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { teacherLabels } from '../../src/core/empirical.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import { initParams } from '../../src/core/init.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { BG_HARD_INSTANCE, checkSplit, decodeSplit, plantedSetSplitting, reductionModel, setSplittingDataset, splitThresholds, zeroFilterRisk } from '../../src/core/set-splitting.ts';
import { bgSplitTeacher } from '../../src/core/teachers.ts';
import { cpuEngine, runRestart } from '../../src/engine/cpu.ts';
import { armExperiment, bgHardData, hardLossTol, hardProblem, riskAt } from '../../src/presets/bg-hard-data.ts';
import { runExperiment, validateOptions } from '../../src/presets/index.ts';
import { resultJson } from '../../src/results/report.ts';

const problem = hardProblem(1);
const { instance, data, model, teacher } = problem;

describe('the set-splitting instance (Sec. 6) and its reduction (Sec. 4)', () => {
  it('a planted 20/20 split of S = {0 … 39} and 760 distinct 20-subsets, none inside S₁ or S₂', () => {
    expect(instance.split.map((s) => s.length)).toEqual([20, 20]);
    expect([...instance.split[0], ...instance.split[1]].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(instance.subsets).toHaveLength(760);
    for (const c of instance.subsets) {
      expect(c).toHaveLength(20);
      expect(new Set(c).size).toBe(20);
      expect(c.every((i) => Number.isInteger(i) && i >= 0 && i < 40)).toBe(true);
    }
    expect(new Set(instance.subsets.map((c) => c.join(','))).size).toBe(760);
    const inside = (c: number[], part: number[]) => c.every((i) => part.includes(i));
    expect(instance.subsets.filter((c) => inside(c, instance.split[0]) || inside(c, instance.split[1]))).toHaveLength(0);
    // Each element appears in about half the subsets (uniform draws: 760·20/40 = 380 on average).
    const counts = new Array(40).fill(0);
    for (const c of instance.subsets) for (const i of c) counts[i]++;
    expect(Math.min(...counts)).toBeGreaterThan(300);
    expect(Math.max(...counts)).toBeLessThan(460);
  });

  it('is a pure function of its seed', () => {
    const again = plantedSetSplitting({ ...BG_HARD_INSTANCE, seed: 1 });
    expect(again).toEqual(instance);
    const other = plantedSetSplitting({ ...BG_HARD_INSTANCE, seed: 2 });
    expect(other.split).not.toEqual(instance.split);
  });

  it('rejects every subset inside a part: a small instance takes all the admissible ones, and refuses one more', () => {
    // |S| = 6 split 3/3, subsets of size 2: 15 pairs, 3 + 3 inside a part, so 9 admissible.
    const small = plantedSetSplitting({ elements: 6, subsets: 9, subsetSize: 2, k: 2, seed: 5 });
    expect(new Set(small.subsets.map((c) => c.join(','))).size).toBe(9);
    expect(small.subsets.every((c) => checkSplit(small.split, 6, [c]).valid)).toBe(true);
    expect(() => plantedSetSplitting({ elements: 6, subsets: 10, subsetSize: 2, k: 2, seed: 5 })).toThrow(/could not draw 10 distinct split subsets/);
  });

  it('800 points in R¹⁶⁰: x_i = d(e_i) = (e_i, 0, 0, e_i) with label 1/2, x_{40+j} = d(1_{C_j}) with label 0', () => {
    expect([data.n, data.d]).toEqual([800, 160]);
    expect(model).toEqual({ d: 160, m: 80, stride: 80, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false });
    const row = (s: number) => Array.from(data.X.subarray(s * 160, (s + 1) * 160));
    const ones = (s: number) => row(s).flatMap((v, c) => (v === 1 ? [c] : []));
    for (const i of [0, 17, 39]) {
      expect(ones(i)).toEqual([i, 120 + i]);
      expect(data.y![i]).toBe(0.5);
    }
    for (const j of [0, 400, 759]) {
      const c = instance.subsets[j];
      expect(ones(40 + j)).toEqual([...c, ...c.map((i) => 120 + i)]);
      expect(data.y![40 + j]).toBe(0);
    }
    expect(Array.from(data.X).every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('the labels are exactly the planted teacher’s outputs (eq. 10: f(x_i; w*) = 1/2; eq. 11: f(x_{40+j}; w*) = 0)', () => {
    expect(Array.from(teacherLabels(model, teacher, data.X, data.n))).toEqual(Array.from(data.y!));
    expect(teacher.w.reduce((s, x) => s + x * x, 0)).toBe(64040);
    expect(Array.from(teacher.a)).toEqual([0.5, 0.5]);
    expect(new Set(teacher.w)).toEqual(new Set([1, -40]));
  });

  it('ℓ(0) = 40·(1/2)²/800 = 0.0125 (not footnote 15’s "of order 0.1"), and the engine’s L_ref is half of it', () => {
    expect(zeroFilterRisk(2, 40, 800)).toBe(0.0125);
    expect(riskAt(model, new Float64Array(80), data.X, data.y!)).toBe(0.0125);
    expect(prepare(armExperiment(validateOptions(bgHardData), problem, 'hard', 0.1)).lossRef).toBeCloseTo(0.00625, 15);
    const wStar = Float64Array.from(teacher.w);
    expect(riskAt(model, wStar, data.X, data.y!)).toBe(0);
  });

  it('the decoder S_l = {i : w_l,i > 1/4} recovers the planted split from w*, and the checker accepts it', () => {
    expect(decodeSplit(teacher.w, 2, 40)).toEqual(instance.split);
    expect(checkSplit(instance.split, 40, instance.subsets)).toEqual({ partition: true, uncovered: 0, unsplit: 0, valid: true });
    // The swapped split (S₂, S₁) is as good: zero-loss points are not unique.
    const swapped = bgSplitTeacher([instance.split[1], instance.split[0]], 40);
    expect(riskAt(model, swapped.w, data.X, data.y!)).toBe(0);
    // 1/4 is the cut: entries just above and below it.
    const w = new Float64Array(80).fill(-1);
    w[3] = 0.2500001;
    w[40 + 5] = 0.25;
    expect(decodeSplit(w, 2, 40)).toEqual([[3], []]);
  });

  it('the checker rejects a non-split: everything in one part, overlapping parts, a missing element', () => {
    const all = Array.from({ length: 40 }, (_, i) => i);
    expect(checkSplit([all, []], 40, instance.subsets)).toEqual({ partition: true, uncovered: 0, unsplit: 760, valid: false });
    const [s1, s2] = instance.split;
    expect(checkSplit([s1, [...s2, s1[0]]], 40, instance.subsets).valid).toBe(false);
    expect(checkSplit([s1, s2.slice(1)], 40, instance.subsets)).toMatchObject({ partition: false, uncovered: 1, valid: false });
    // Moving one element across keeps a partition; it fails exactly when a subset falls inside a part.
    const moved = [s1.slice(1), [...s2, s1[0]]];
    const inside = instance.subsets.filter((c) => c.every((i) => moved[0].includes(i)) || c.every((i) => moved[1].includes(i))).length;
    expect(checkSplit(moved, 40, instance.subsets).unsplit).toBe(inside);
  });

  it('the thresholds: Def. 2’s 1/(4k⁵d) = 1/5120 and the instance’s 1/(4k⁴n) = 1/51200 in ℓ units, lossTol = threshold/ℓ(0)', () => {
    expect(splitThresholds(2, 40, 800)).toEqual({ def2: 1 / 5120, instance: 1 / 51200 });
    expect(hardLossTol(problem, 'instance').lossTol).toBeCloseTo(1 / 640, 15);
    expect(hardLossTol(problem, 'definition-2').lossTol).toBeCloseTo(1 / 64, 15);
  });
});

/** An experiment of the preset started at the given filter (restart 0, a one-point grid whose axes sit at their base values). */
function startingAt(exp: Experiment, w: Float64Array, maxSteps: number): Experiment {
  const base = [...w, 0.5, 0.5];
  return { ...exp, restarts: 1, maxSteps, init: { kind: 'grid', axes: [0, 1], range: [w[0], w[0], w[1], w[1]], resolution: [1, 1], base } };
}

describe('the outcome rule and AdaGrad at and near w*', () => {
  const o = validateOptions(bgHardData);
  const hardExp = armExperiment(o, problem, 'hard', 0.01);

  it('at w = w* the hard loss is 0 and global; the swapped split is global only because the angle test is off', () => {
    const atStar = runRestart(prepare(startingAt(hardExp, Float64Array.from(teacher.w), 0)), 0);
    expect(atStar.code).toBe(OUTCOME.global);
    expect(atStar.loss).toBe(0);
    const swapped = Float64Array.from(bgSplitTeacher([instance.split[1], instance.split[0]], 40).w);
    expect(runRestart(prepare(startingAt(hardExp, swapped, 0)), 0).code).toBe(OUTCOME.global);
    const withAngle = startingAt({ ...hardExp, outcome: { ...hardExp.outcome, angleTest: true } }, swapped, 0);
    expect(runRestart(prepare(withAngle), 0).code).toBe(OUTCOME.undecided);
  });

  // A fixed perturbation of w*: ±0.1 on every entry.
  const near = Float64Array.from(teacher.w, (x, i) => x + (i % 3 === 0 ? 0.1 : -0.1));

  it('AdaGrad on the hard arm from near w* solves it: ℓ below 1/51200 and the end point decodes to a valid split', () => {
    const res = runRestart(prepare(startingAt(hardExp, near, 2000)), 0);
    expect(res.code).toBe(OUTCOME.global);
    expect(2 * res.loss).toBeLessThan(1 / 51200);
    expect(checkSplit(decodeSplit(res.params, 2, 40), 40, instance.subsets).valid).toBe(true);
  });

  it('AdaGrad on the Gaussian arm from near w* converges to w* (default rule: loss and angle)', () => {
    const exp = armExperiment(o, problem, 'gaussian', 0.1);
    const start = Float64Array.from(teacher.w, (x, i) => x + (i % 2 === 0 ? 2 : -2));
    const res = runRestart(prepare(startingAt(exp, start, 3000)), 0);
    expect(res.code).toBe(OUTCOME.global);
    expect(res.angle).toBeLessThan(0.1);
  });
});

describe('a tiny bg-hard-data run on the CPU engine', () => {
  it('gives every output: cells per (arm, lr), the tables, Fig. 3’s curves from the traced parameters, notes', async () => {
    const options = { restarts: 3, maxSteps: 30, traced: 2, traceEvery: 5, lr: [0.01, 1] };
    const { result } = await collect(runExperiment('bg-hard-data', options, { engine: cpuEngine() }));
    expect(result.cells.map((c) => c.key)).toEqual([
      { arm: 'hard', lr: 0.01 },
      { arm: 'hard', lr: 1 },
      { arm: 'gaussian', lr: 0.01 },
      { arm: 'gaussian', lr: 1 },
    ]);
    expect(result.cells.every((c) => c.restarts === 3)).toBe(true);
    // runCells's catalogue of critical points first, then the preset's own tables.
    expect(result.tables.map((t) => t.id)).toEqual(['critical-points', 'summary', 'final-loss', 'final-loss-relative', 'decode', 'instance']);
    const summary = result.tables[1];
    expect(summary.rows).toHaveLength(4);
    expect(summary.rows.filter((r) => r.at(-1) === '◀ best').map((r) => r[0])).toEqual(['hard', 'gaussian']);
    expect(result.figures.map((f) => f.id)).toEqual(['fig3', 'fig3-hard', 'fig3-gaussian']);
    const fig = result.figures[1];
    expect(fig.logY).toBe(true);
    expect(fig.series).toHaveLength(2);
    expect(fig.series[0].x).toEqual([0, 5, 10, 15, 20, 25, 30]);
    // The curve starts at ℓ of restart 0's initial point (f64 on the host, from the traced parameters).
    const best = Number(summary.rows.find((r) => r[0] === 'hard' && r.at(-1) === '◀ best')![1]);
    const exp = armExperiment(validateOptions(bgHardData, options), problem, 'hard', best);
    const row = new Float64Array(82);
    initParams(exp, 0, row);
    expect(fig.series[0].y[0]).toBeCloseTo(riskAt(model, row, data.X, data.y!), 12);
    // … and falls: AdaGrad decreases the training loss over 30 epochs.
    expect(fig.series[0].y.at(-1)!).toBeLessThan(fig.series[0].y[0]);
    expect(result.notes.join(' ')).toMatch(/ℓ\(0\) = 40·\(1\/2\)²\/800 = 0\.0125/);
    // The result names the dataset by its digest, not by its 128 000 numbers.
    const json = JSON.stringify(resultJson(result));
    expect(json).toMatch(/"sha256":"[0-9a-f]{64}"/);
    expect(json.length).toBeLessThan(200_000);
  });
});
