import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../src/core/hessian.ts';
import type { Activation } from '../../src/core/model.ts';
import {
  empiricalM1,
  empiricalM2,
  empiricalR3,
  gaussianGamma,
  momentConstants,
  momentOrders,
  populationM1,
  populationM2,
  populationR3,
  zhongLabels,
} from '../../src/core/moments.ts';
import { recoveryError } from '../../src/core/recovery.ts';
import { decomposeSymmetricTensor } from '../../src/core/tensor-decomposition.ts';
import { tensorInitFromMoments, tensorInitFromSample, thirdMomentSpec, topAbsEigenspace } from '../../src/core/tensor-init.ts';
import { zhongSample, zhongSingularValues, zhongTeacher } from '../../src/core/zhong-teacher.ts';

const HOMOGENEOUS: Activation[] = ['squared-relu', 'relu', 'leaky-relu'];
const frob = (a: Float64Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const diffNorm = (a: Float64Array, b: Float64Array) => frob(a.map((x, i) => x - b[i]));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function exactMoments(act: Activation, d: number, k: number, seed: number) {
  const t = zhongTeacher(d, k, 2, seed);
  const spec = thirdMomentSpec(act, d, seed);
  return {
    t,
    moments: {
      d,
      k,
      m1: populationM1(act, t.w, t.a, d),
      m2: populationM2(act, t.w, t.a, d),
      r3: (V: Float64Array) => populationR3(act, t.w, t.a, d, V, spec),
    },
  };
}

describe('Zhong teacher W* = UΣVᵀ', () => {
  it('has singular values 1 … κ linearly spaced, signs ±1, and is a pure function of (seed, problem)', () => {
    const d = 9;
    const k = 5;
    const t = zhongTeacher(d, k, 2, 7);
    // W*ᵀW* (k×k, the Gram of the units) has eigenvalues σᵢ².
    const G = new Float64Array(k * k);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let p = 0; p < d; p++) G[i * k + j] += t.w[i * d + p] * t.w[j * d + p];
    const eig = symmetricEigen(G, k).values;
    const sigma = zhongSingularValues(k, 2);
    expect(Array.from(sigma)).toEqual([1, 1.25, 1.5, 1.75, 2]);
    eig.forEach((e, i) => expect(e).toBeCloseTo(sigma[i] ** 2, 12));
    expect(t.a.every((x) => x === 1 || x === -1)).toBe(true);
    expect(zhongTeacher(d, k, 2, 7).w).toEqual(t.w);
    expect(zhongTeacher(d, k, 2, 7, 1).w).not.toEqual(t.w);
    expect(zhongSample(d, 4, 7, 1)).not.toEqual(zhongSample(d, 4, 7, 0));
    expect(() => zhongTeacher(3, 5, 2, 1)).toThrow(/k ≤ d/);
    expect(() => zhongSingularValues(5, 0.5)).toThrow(/κ/);
  });
});

describe('moment constants (spec §B.2 table)', () => {
  it('match the closed forms, and the quadrature used for sigmoid/tanh is exact where symmetry fixes the answer', () => {
    const c = 1 / Math.sqrt(2 * Math.PI);
    const sq = momentConstants('squared-relu', 1);
    [2 * c, 1, 2 * c, 0].forEach((m, j) => expect(sq[j + 1]).toBeCloseTo(m, 14));
    const relu = momentConstants('relu', 1);
    [0.5, c, 0, -c].forEach((m, j) => expect(relu[j + 1]).toBeCloseTo(m, 14));
    // Homogeneity: m_j(σ) = σ^{p_h} m_j(1).
    expect(momentConstants('squared-relu', 1.7)[3]).toBeCloseTo(1.7 ** 2 * sq[3], 13);
    expect(momentOrders('squared-relu')).toEqual({ j2: 2, j3: 3 });
    expect(momentOrders('relu')).toEqual({ j2: 2, j3: 4 });
    expect(momentOrders('leaky-relu')).toEqual({ j2: 2, j3: 4 });
    // sigmoid − ½ and tanh are odd: γ₀(sigmoid) = ½, γ₀(tanh) = γ₂(tanh) = 0; tanh'(0) = 1 so γ₁(tanh, σ→0)/σ → 1.
    expect(gaussianGamma('sigmoid', 1.3, 0)).toBeCloseTo(0.5, 13);
    expect(gaussianGamma('tanh', 1.3, 2)).toBeCloseTo(0, 13);
    expect(gaussianGamma('tanh', 1e-4, 1) / 1e-4).toBeCloseTo(1, 7);
    expect(momentOrders('tanh').j2).toBe(3); // M₂ = 0 for odd φ: outside Algorithm 1's P₂ = M₂ path
  });
});

describe('empirical moments against the exact ones (Monte Carlo)', () => {
  // n = 10⁵: each M̂₂ and R̂₃ entry is checked against ≤ 5 of its own standard errors, M̂₁ in relative
  // norm. A wrong Hermite tensor (e.g. the literal I⊗̃I counting each pairing twice) fails.
  const d = 6;
  const k = 3;
  const n = 100_000;
  for (const act of HOMOGENEOUS) {
    it(`${act}: M̂₁, M̂₂ and R̂₃ = P̂₃(V, V, V) converge to Claim 5.2's`, () => {
      const t = zhongTeacher(d, k, 2, 3);
      const X = zhongSample(d, n, 3);
      const y = zhongLabels(act, t.w, t.a, X, n, d);
      const M2 = empiricalM2(X, y, n, d);
      const P2 = populationM2(act, t.w, t.a, d);
      for (let p = 0; p < d; p++)
        for (let q = 0; q < d; q++) {
          let s = 0;
          let ss = 0;
          for (let r = 0; r < n; r++) {
            const f = y[r] * (X[r * d + p] * X[r * d + q] - (p === q ? 1 : 0));
            s += f;
            ss += f * f;
          }
          const se = Math.sqrt((ss / n - (s / n) ** 2) / n);
          expect(Math.abs(M2[p * d + q] - P2[p * d + q])).toBeLessThan(5 * se);
        }
      const m1 = empiricalM1(X, y, n, d);
      const p1 = populationM1(act, t.w, t.a, d);
      expect(diffNorm(m1, p1) / frob(p1)).toBeLessThan(0.05);
      const V = topAbsEigenspace(P2, d, k);
      const spec = thirdMomentSpec(act, d, 3);
      const r3 = empiricalR3(X, y, n, d, V, k, spec);
      const p3 = populationR3(act, t.w, t.a, d, V, spec);
      // R̂₃ is a mean of per-sample terms (it is linear in the sample), so each entry's standard
      // error comes from the one-row R̂₃ of every sample.
      const sum = new Float64Array(k ** 3);
      const sumSq = new Float64Array(k ** 3);
      for (let r = 0; r < n; r++) {
        const one = empiricalR3(X.subarray(r * d, r * d + d), y.subarray(r, r + 1), 1, d, V, k, spec);
        for (let e = 0; e < one.length; e++) {
          sum[e] += one[e];
          sumSq[e] += one[e] ** 2;
        }
      }
      for (let e = 0; e < r3.length; e++) {
        expect(sum[e] / n).toBeCloseTo(r3[e], 10);
        const se = Math.sqrt((sumSq[e] / n - (sum[e] / n) ** 2) / n);
        expect(Math.abs(r3[e] - p3[e])).toBeLessThan(5 * se);
      }
    });
  }
});

describe('tensor decomposition (KCL, and best-of-L Jennrich + CP-ALS)', () => {
  for (const method of ['kcl', 'jennrich'] as const) it(`${method}: decomposes an exact non-orthogonal symmetric rank-k tensor to rounding`, () => {
    const k = 5;
    const t = zhongTeacher(k, k, 4, 9); // rows: k non-orthogonal vectors in R^k
    const U = new Float64Array(k * k);
    const c = [1.5, -0.7, 2.2, -1.1, 0.4];
    const T = new Float64Array(k ** 3);
    for (let i = 0; i < k; i++) {
      const row = t.w.subarray(i * k, i * k + k);
      const nrm = frob(row);
      for (let a = 0; a < k; a++) U[i * k + a] = row[a] / nrm;
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let e = 0; e < k; e++)
        T[(a * k + b) * k + e] += c[i] * U[i * k + a] * U[i * k + b] * U[i * k + e];
    }
    const dec = decomposeSymmetricTensor(T, k, { seed: 1, method });
    expect(dec.residual).toBeLessThan(1e-12);
    // Every true component is found up to sign, with its weight (c·s³ = c·s).
    for (let i = 0; i < k; i++) {
      let best = Infinity;
      for (let j = 0; j < k; j++) {
        const dot = U.subarray(i * k, i * k + k).reduce((s, x, a) => s + x * dec.U[j * k + a], 0);
        if (Math.abs(Math.abs(dot) - 1) < 1e-10) best = Math.abs(dec.weights[j] * Math.sign(dot) - c[i]);
      }
      expect(best).toBeLessThan(1e-10);
    }
  });
});

describe('Algorithm 1 (tensor initialisation)', () => {
  for (const act of HOMOGENEOUS) {
    it(`${act}: exact population moments recover W* and v* to 1e-12 (d = 10, k = 5, three teachers)`, () => {
      for (const seed of [1, 2, 3]) {
        const { t, moments } = exactMoments(act, 10, 5, seed);
        const init = tensorInitFromMoments(act, moments, { seed });
        const r = recoveryError(t.w, t.a, init.W, init.v, 10);
        expect(r.signedError).toBeLessThan(1e-12);
        r.signedPermutation!.forEach((l, j) => expect(init.v[l]).toBe(t.a[j]));
      }
    });
  }

  it("squared ReLU with the Matlab magnitude √|z|/m₁ is off by exactly 1/√m₁ − 1 ≈ 0.12 (the spec's discrepancy)", () => {
    const { t, moments } = exactMoments('squared-relu', 10, 5, 4);
    const init = tensorInitFromMoments('squared-relu', moments, { seed: 4, matlabMagnitude: true });
    const m1 = 2 / Math.sqrt(2 * Math.PI);
    expect(recoveryError(t.w, t.a, init.W, init.v, 10).signedError).toBeCloseTo(1 / Math.sqrt(m1) - 1, 10);
  });

  it('with sample moments the median error falls as n grows (squared ReLU, d = 10, k = 3, 5 seeds)', () => {
    const d = 10;
    const k = 3;
    const medians = [1000, 10_000, 100_000].map((n) => {
      const errors = [1, 2, 3, 4, 5].map((seed) => {
        const t = zhongTeacher(d, k, 2, seed);
        const X = zhongSample(d, n, seed);
        const y = zhongLabels('squared-relu', t.w, t.a, X, n, d);
        const init = tensorInitFromSample('squared-relu', X, y, n, d, k, { seed });
        return recoveryError(t.w, t.a, init.W, init.v, d).signedError;
      });
      return median(errors);
    });
    expect(medians[1]).toBeLessThan(medians[0]);
    expect(medians[2]).toBeLessThan(medians[1]);
    expect(medians[2]).toBeLessThan(0.2);
  }, 60_000);

  it('names the activation it cannot handle', () => {
    const { moments } = exactMoments('squared-relu', 6, 3, 1);
    expect(() => tensorInitFromMoments('sigmoid', moments)).toThrow(/sigmoid is not homogeneous/);
    expect(() => tensorInitFromMoments('relu', moments, { matlabMagnitude: true })).toThrow(/does not apply to relu/);
    expect(() => tensorInitFromSample('relu', new Float64Array(12), new Float64Array(2), 2, 6, 7)).toThrow(/k ≤ d/);
  });
});
