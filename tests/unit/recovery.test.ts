import { describe, expect, it } from 'vitest';
import { ENUMERATE_UP_TO, bottleneckByEnumeration, bottleneckByMatching, recovered, recoveryError } from '../../src/core/recovery.ts';
import { uniform } from '../../src/core/rng.ts';
import { zhongTeacher } from '../../src/core/zhong-teacher.ts';

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
