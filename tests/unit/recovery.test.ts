import { describe, expect, it } from 'vitest';
import { ENUMERATE_UP_TO, bottleneckByEnumeration, bottleneckByMatching, flipInvariantError, recovered, recoveryError } from '../../src/core/recovery.ts';
import { uniform } from '../../src/core/rng.ts';
import { zhongTeacher } from '../../src/core/zhong-teacher.ts';
import { validateExperiment } from '../../src/core/experiment.ts';
import { OUTCOME, decide, resolveOutcome } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { ProblemCounts } from '../../src/core/problems.ts';
import { runCpu, runRestart } from '../../src/engine/cpu.ts';
import { FIXTURE, recoveryExperiment } from '../recovery-fixture.ts';
import { refusal } from '../refusal.ts';

const permuteRows = (W: Float64Array, perm: number[], d: number) => {
  const out = new Float64Array(W.length);
  perm.forEach((src, dst) => out.set(W.subarray(src * d, src * d + d), dst * d));
  return out;
};

describe('recovery metric (Zhong et al. §7)', () => {
  const d = 7;
  const k = 5;
  const t = zhongTeacher(d, k, 2, 11);

  it('is zero on the truth and invariant to permuting the units (W and v together)', () => {
    expect(recoveryError(t.w, t.a, t.w, t.a, d).signedError).toBe(0);
    const perm = [3, 0, 4, 1, 2];
    const W = permuteRows(t.w, perm, d);
    const v = Float64Array.from(perm, (i) => t.a[i]);
    const r = recoveryError(t.w, t.a, W, v, d);
    expect(r.error).toBe(0);
    expect(r.signedError).toBe(0);
    // π maps teacher unit j to the student row holding it.
    for (let j = 0; j < k; j++) expect(perm[r.signedPermutation![j]]).toBe(j);
  });

  it('is the largest relative error of the matched units', () => {
    const W = Float64Array.from(t.w);
    const scales = [1.01, 0.97, 1.002, 1.05, 0.999];
    for (let i = 0; i < k; i++) for (let p = 0; p < d; p++) W[i * d + p] *= scales[i];
    const r = recoveryError(t.w, t.a, W, t.a, d);
    expect(r.signedError).toBeCloseTo(0.05, 12);
    expect(recovered(r)).toBe(false);
    expect(recovered(r, 0.06)).toBe(true);
  });

  it('requires matched output signs: a flipped v keeps the unsigned error but not the signed one', () => {
    const v = Float64Array.from(t.a);
    v[2] = -v[2];
    const r = recoveryError(t.w, t.a, t.w, v, d);
    expect(r.error).toBe(0);
    expect(r.signedError).toBeGreaterThan(0);
    // v = −v* with k = 5 odd: the +1 and −1 counts differ, so no sign-matched permutation exists.
    const r2 = recoveryError(t.w, t.a, t.w, t.a.map((x) => -x), d);
    expect(r2.signedError).toBe(Infinity);
    expect(r2.signedPermutation).toBeUndefined();
    expect(recovered(r2)).toBe(false);
  });

  it('modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ): a flipped, permuted copy is exact; a flipped v alone or a flipped w alone is not', () => {
    const perm = [3, 0, 4, 1, 2];
    const flip = [1, -1, -1, 1, -1];
    const W = permuteRows(t.w, perm, d).map((x, e) => flip[Math.floor(e / d)] * x);
    const v = Float64Array.from(perm, (i, l) => flip[l] * t.a[i]);
    const r = flipInvariantError(t.w, t.a, W, v, d);
    expect(r.error).toBe(0);
    for (let j = 0; j < k; j++) expect(perm[r.permutation[j]]).toBe(j);
    expect(recoveryError(t.w, t.a, W, v, d).error).toBeGreaterThan(1);
    const vOnly = Float64Array.from(t.a);
    vOnly[1] = -vOnly[1];
    expect(flipInvariantError(t.w, t.a, t.w, vOnly, d).error).toBeGreaterThan(1);
    const wOnly = Float64Array.from(t.w);
    for (let p = 0; p < d; p++) wOnly[2 * d + p] = -wOnly[2 * d + p];
    expect(flipInvariantError(t.w, t.a, wOnly, t.a, d).error).toBeGreaterThan(1);
    expect(() => flipInvariantError(t.w, t.a, W, v.subarray(1), d)).toThrow(/length k/);
  });

  it('enumeration and threshold matching agree on random cost matrices (so k > 8 is exact too)', () => {
    let draw = 0;
    for (let k2 = 1; k2 <= 7; k2++) {
      for (let trial = 0; trial < 40; trial++) {
        const cost = Float64Array.from({ length: k2 * k2 }, () => {
          const u = uniform(5, trial, k2, draw++);
          return u < 0.15 ? Infinity : u;
        });
        const a = bottleneckByEnumeration(cost, k2);
        const b = bottleneckByMatching(cost, k2);
        expect(b.value).toBe(a.value);
        if (Number.isFinite(a.value)) {
          const worst = (p: number[]) => Math.max(...p.map((l, j) => cost[j * k2 + l]));
          expect(worst(b.permutation!)).toBe(a.value);
          expect(new Set(b.permutation).size).toBe(k2);
        }
      }
    }
  });

  it(`k = 12 > ${ENUMERATE_UP_TO} (matching path) finds a known permutation and bottleneck`, () => {
    const k12 = 12;
    const d12 = 15;
    const big = zhongTeacher(d12, k12, 3, 4);
    const perm = [5, 11, 0, 3, 9, 1, 7, 2, 10, 4, 8, 6];
    const W = permuteRows(big.w, perm, d12);
    // Perturb row 4 (teacher unit perm[4] = 9) by a relative 2%.
    for (let p = 0; p < d12; p++) W[4 * d12 + p] *= 1.02;
    const r = recoveryError(big.w, big.a, W, Float64Array.from(perm, (i) => big.a[i]), d12);
    expect(r.signedError).toBeCloseTo(0.02, 12);
    for (let j = 0; j < k12; j++) expect(perm[r.signedPermutation![j]]).toBe(j);
  });

  it('names the shapes on a mismatch', () => {
    expect(() => recoveryError(t.w, t.a, t.w.subarray(0, d), t.a, d)).toThrow(/k×d/);
  });
});

describe('the recovery outcome rule (outcome.recovery) and supplied fixed output layers (init.keepOutput)', () => {
  const exp = recoveryExperiment(6);
  const prep = prepare(exp);
  const byStart = (s: number) => Array.from({ length: 6 }, (_, p) => runRestart(prep, p * FIXTURE.starts + s));

  it('a permuted teacher is global at step 0; a perturbed one converges back to it', () => {
    for (const r of byStart(0)) expect([r.code, r.steps]).toEqual([OUTCOME.global, 0]);
    for (const r of byStart(1)) expect(r.code).toBe(OUTCOME.global);
  });

  it('keeps each row’s supplied output layer as its fixed one (a never moves, and is not the default 1/K)', () => {
    const P = FIXTURE.k * FIXTURE.d + FIXTURE.k;
    const rows = exp.init.kind === 'supplied' ? exp.init.params : [];
    for (const [p, r] of byStart(2).entries()) {
      const start = (p * FIXTURE.starts + 2) * P;
      expect(Array.from(r.params.subarray(FIXTURE.k * FIXTURE.d))).toEqual(Array.from(rows).slice(start + FIXTURE.k * FIXTURE.d, start + P));
    }
    // Without keepOutput the fixed output layer (1/K = 1 here) overrides the rows.
    const plain = prepare({ ...exp, init: { ...(exp.init as { kind: 'supplied'; params: Float64Array }), keepOutput: false } });
    expect(Array.from(runRestart(plain, 2).params.subarray(FIXTURE.k * FIXTURE.d))).toEqual([1, 1, 1]);
  });

  it('a zero-loss point is not global unless it is the teacher: signs matched, or not', () => {
    // The teacher with one output sign flipped is never recovered with signs matched: not global.
    for (const r of byStart(2)) expect(r.code).not.toBe(OUTCOME.global);
    // decide() at the teacher itself: global; with the loss at zero but the units 10% off: not
    // global and, stationary, spurious (the rule's stationarity test holds at any loss with recovery).
    const pd = prep.problem(0);
    const row = new Float64Array(FIXTURE.k * FIXTURE.d + FIXTURE.k);
    row.set(pd.teacher.w, 0);
    row.set(pd.teacher.a, FIXTURE.k * FIXTURE.d);
    expect(decide(pd.outcome, prep.shape, row, pd.teacher, 0, 0)).toBe(OUTCOME.global);
    const off = row.map((x, i) => (i < FIXTURE.k * FIXTURE.d ? 1.1 * x : x));
    expect(decide(pd.outcome, prep.shape, off, pd.teacher, 0, 0)).toBe(OUTCOME.spurious);
    expect(decide(pd.outcome, prep.shape, off, pd.teacher, 0, 1)).toBe(OUTCOME.running);
    // Without the recovery rule the same point is global by its loss.
    const lossOnly = resolveOutcome({ ...exp.outcome, recovery: undefined }, pd.lossRef, FIXTURE.k, FIXTURE.k, false);
    expect(decide(lossOnly, prep.shape, off, pd.teacher, 0, 0)).toBe(OUTCOME.global);
    // signs: false matches any permutation: the sign-flipped teacher is then recovered.
    const flipped = Float64Array.from(row);
    flipped[FIXTURE.k * FIXTURE.d] *= -1;
    const unsigned = resolveOutcome({ ...exp.outcome, recovery: { tolerance: 0.01, signs: false } }, pd.lossRef, FIXTURE.k, FIXTURE.k, false);
    expect(decide(unsigned, prep.shape, flipped, pd.teacher, 0, 0)).toBe(OUTCOME.global);
    expect(decide(pd.outcome, prep.shape, flipped, pd.teacher, 0, 0)).toBe(OUTCOME.spurious);
  });

  it('modulo the flips (tanh): a unit flipped whole is the teacher, one with only its sign flipped is not', () => {
    const odd = recoveryExperiment(2, { model: { ...exp.model, activation: 'tanh' }, outcome: { ...exp.outcome, recovery: { tolerance: 0.01, flips: true } } }, { flipUnit: true });
    const oddPrep = prepare(odd);
    const pd = oddPrep.problem(0);
    const P = FIXTURE.k * FIXTURE.d + FIXTURE.k;
    const rows = Float64Array.from(odd.init.kind === 'supplied' ? odd.init.params : []);
    const flippedWhole = rows.subarray(2 * P, 3 * P);
    expect(pd.outcome.recovery?.match).toBe('flips');
    expect(decide(pd.outcome, oddPrep.shape, flippedWhole, pd.teacher, 0, 0)).toBe(OUTCOME.global);
    // The same point under the sign-matched rule: stationary at zero loss, not the teacher — spurious.
    const signed = resolveOutcome({ ...odd.outcome, recovery: { tolerance: 0.01 } }, pd.lossRef, FIXTURE.k, FIXTURE.k, false);
    expect(decide(signed, oddPrep.shape, flippedWhole, pd.teacher, 0, 0)).toBe(OUTCOME.spurious);
    // Only v flipped is a different net, and under the flips a different unit: not recovered.
    const signOnly = Float64Array.from(flippedWhole);
    for (let i = FIXTURE.d; i < 2 * FIXTURE.d; i++) signOnly[i] = -signOnly[i];
    expect(decide(pd.outcome, oddPrep.shape, signOnly, pd.teacher, 0, 0)).toBe(OUTCOME.spurious);
    // On the CPU engine every problem's whole-flipped start is global at step 0.
    for (let p = 0; p < 2; p++) expect([runRestart(oddPrep, p * FIXTURE.starts + 2).code, runRestart(oddPrep, p * FIXTURE.starts + 2).steps]).toEqual([OUTCOME.global, 0]);
  });

  it('is refused, naming the field, where hidden units cannot be matched', () => {
    const model = exp.model;
    refusal(() => validateExperiment({ ...exp, model: { ...model, d: 8, m: 4, stride: 4 }, problems: undefined, init: { kind: 'gaussian', std: 1 }, teacher: { filters: 3, w: new Float64Array(12), a: new Float64Array(6) } }), 'outcome.recovery', /fully connected.*K = 2/);
    refusal(() => validateExperiment({ ...exp, model: { ...model, weightNorm: true } }), 'outcome.recovery', /weightNorm/);
    refusal(() => validateExperiment({ ...exp, outcome: { ...exp.outcome, recovery: { tolerance: 0 } } }), 'outcome.recovery.tolerance');
    refusal(() => validateExperiment({ ...exp, outcome: { ...exp.outcome, recovery: { tolerance: 0.01, flips: true, signs: true } } }), 'outcome.recovery.flips', /excludes signs/);
    const nine = { filters: 9, w: new Float64Array(36).fill(1), a: new Float64Array(9).fill(1) };
    refusal(() => validateExperiment({ ...exp, problems: undefined, init: { kind: 'gaussian', std: 1 }, model: { ...model, filters: 9 }, teacher: nine }), 'outcome.recovery', /at most 8/);
    refusal(() => validateExperiment({ ...exp, problems: undefined, init: { kind: 'gaussian', std: 1 }, model: { ...model, filters: 2 } }), 'outcome.recovery', /as many filters as the teacher/);
  });

  it('CPU counts per problem: every outcome the fixture predicts, and random starts split by basin', async () => {
    const counts = new ProblemCounts(exp);
    for await (const _ of runCpu(exp, { onWave: (w) => counts.add(w.first, w.status) }));
    for (let p = 0; p < 6; p++) expect(counts.of(p).global).toBeGreaterThanOrEqual(2);
  });
});
