/**
 * QRJ1D (Afsari's non-orthogonal joint diagonalisation) and Kuleshov–Chaganty–Liang's tensor
 * decomposition built on it, through to Zhong et al.'s tensor initialisation.
 */
import { describe, expect, it } from 'vitest';
import { qrj1d } from '../../src/core/joint-diagonalisation.ts';
import { populationM0, populationM1, populationM2, populationR3, zhongLabels } from '../../src/core/moments.ts';
import { recoveryError } from '../../src/core/recovery.ts';
import { normal } from '../../src/core/rng.ts';
import { type DecompositionMethod, decomposeSymmetricTensor, invertMatrix } from '../../src/core/tensor-decomposition.ts';
import { tensorInitFromMoments, tensorInitFromSample, momentSpec } from '../../src/core/tensor-init.ts';
import { zhongSample, zhongTeacher } from '../../src/core/zhong-teacher.ts';

/** A random, well-conditioned, clearly non-orthogonal n×n matrix: 2I + Gaussian. */
function randomMixing(n: number, seed: number): Float64Array {
  return Float64Array.from({ length: n * n }, (_, e) => normal(seed, 1, 0, e) + (e % (n + 1) === 0 ? 2 : 0));
}

/** Cₜ = A Dₜ Aᵀ (+ symmetric noise of std `noise`), Dₜ with Gaussian diagonals. */
function slices(A: Float64Array, n: number, N: number, seed: number, noise = 0): Float64Array[] {
  return Array.from({ length: N }, (_, t) => {
    const D = Array.from({ length: n }, (_, i) => normal(seed, 2, 0, t * n + i));
    const C = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      let s = 0;
      for (let q = 0; q < n; q++) s += A[r * n + q] * D[q] * A[c * n + q];
      C[r * n + c] = s;
    }
    for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) {
      const e = noise * normal(seed, 3, t, r * n + c);
      C[r * n + c] += e;
      if (c !== r) C[c * n + r] += e;
    }
    return C;
  });
}

/** Worst over A's columns of min over B⁻¹'s columns and signs of ‖a/‖a‖ − ±b/‖b‖‖, and whether the match is a permutation. */
function columnError(A: Float64Array, Bi: Float64Array, n: number): { error: number; permutation: boolean } {
  const col = (M: Float64Array, c: number) => {
    const v = Float64Array.from({ length: n }, (_, r) => M[r * n + c]);
    const nrm = Math.hypot(...v);
    return v.map((x) => x / nrm);
  };
  let worst = 0;
  const used = new Set<number>();
  for (let q = 0; q < n; q++) {
    const a = col(A, q);
    let best = Infinity;
    let arg = -1;
    for (let c = 0; c < n; c++) {
      const b = col(Bi, c);
      const dot = a.reduce((s, x, r) => s + x * b[r], 0);
      const e = Math.hypot(...a.map((x, r) => x - Math.sign(dot) * b[r]));
      if (e < best) [best, arg] = [e, c];
    }
    used.add(arg);
    worst = Math.max(worst, best);
  }
  return { error: worst, permutation: used.size === n };
}

describe('QRJ1D joint diagonalisation', () => {
  it('diagonalises exact A Dₜ Aᵀ: the columns of B⁻¹ are A’s up to scale, sign and order (to 1e-8)', () => {
    for (const [n, N, seed] of [[5, 20, 1], [5, 100, 2], [8, 30, 3], [3, 2, 4]] as const) {
      const A = randomMixing(n, seed);
      // Not a near-orthogonal A: some pair of columns is far from perpendicular.
      let maxCos = 0;
      for (let p = 0; p < n; p++) for (let q = 0; q < p; q++) {
        let dot = 0, np = 0, nq = 0;
        for (let r = 0; r < n; r++) {
          dot += A[r * n + p] * A[r * n + q];
          np += A[r * n + p] ** 2;
          nq += A[r * n + q] ** 2;
        }
        maxCos = Math.max(maxCos, Math.abs(dot) / Math.sqrt(np * nq));
      }
      expect(maxCos).toBeGreaterThan(0.2);
      const jd = qrj1d(slices(A, n, N, seed), n, { tolerance: 1e-15, maxSweeps: 1000 });
      const { error, permutation } = columnError(A, invertMatrix(jd.B, n)!, n);
      expect(permutation).toBe(true);
      expect(error).toBeLessThan(1e-8);
      expect(jd.offDiagonal).toBeLessThan(1e-20);
    }
  });

  it("stops by the reference's rule: B's change per sweep ≤ tolerance·n (the 1e-4 default leaves ~1e-3)", () => {
    const n = 5;
    const A = randomMixing(n, 5);
    const C = slices(A, n, 50, 5);
    const loose = qrj1d(C, n);
    const tight = qrj1d(C, n, { tolerance: 1e-15, maxSweeps: 1000 });
    expect(loose.converged).toBe(true);
    expect(tight.sweeps).toBeGreaterThan(loose.sweeps);
    const el = columnError(A, invertMatrix(loose.B, n)!, n).error;
    const et = columnError(A, invertMatrix(tight.B, n)!, n).error;
    expect(el).toBeGreaterThan(1e-6);
    expect(el).toBeLessThan(1e-2);
    expect(et).toBeLessThan(1e-10);
    const capped = qrj1d(C, n, { tolerance: 1e-15, maxSweeps: 3 });
    expect(capped.sweeps).toBe(3);
    expect(capped.converged).toBe(false);
  });

  it('with noise of std ε the columns are off by O(ε): the error scales with the noise', () => {
    const n = 5;
    const errs = [1e-7, 1e-5, 1e-3].map((eps) => {
      let worst = 0;
      for (const seed of [11, 12, 13]) {
        const A = randomMixing(n, seed);
        const jd = qrj1d(slices(A, n, 40, seed, eps), n, { tolerance: 1e-12, maxSweeps: 500 });
        worst = Math.max(worst, columnError(A, invertMatrix(jd.B, n)!, n).error);
      }
      return worst;
    });
    errs.forEach((e, i) => {
      const eps = [1e-7, 1e-5, 1e-3][i];
      expect(e).toBeGreaterThan(eps / 100);
      expect(e).toBeLessThan(eps * 100);
    });
    // Two decades of noise, about two decades of error.
    for (let i = 1; i < errs.length; i++) {
      expect(errs[i] / errs[i - 1]).toBeGreaterThan(20);
      expect(errs[i] / errs[i - 1]).toBeLessThan(500);
    }
  });

  it('rejects an empty set and mis-sized matrices', () => {
    expect(() => qrj1d([], 3)).toThrow(/at least one/);
    expect(() => qrj1d([new Float64Array(4)], 3)).toThrow(/3×3/);
  });
});

/** T = Σ cᵢ uᵢ^{⊗3} from the unit rows of a zhongTeacher(k, k, κ) (non-orthogonal). */
function exactTensor(k: number, kappa: number, seed: number, c: number[]) {
  const t = zhongTeacher(k, k, kappa, seed);
  const U = new Float64Array(k * k);
  const T = new Float64Array(k ** 3);
  for (let i = 0; i < k; i++) {
    const row = t.w.subarray(i * k, i * k + k);
    const nrm = Math.hypot(...row);
    for (let a = 0; a < k; a++) U[i * k + a] = row[a] / nrm;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) for (let e = 0; e < k; e++)
      T[(a * k + b) * k + e] += c[i] * U[i * k + a] * U[i * k + b] * U[i * k + e];
  }
  return { U, T };
}

describe("Kuleshov et al.'s decomposition (method 'kcl')", () => {
  for (const plugIn of [true, false]) {
    it(`decomposes an exact non-orthogonal symmetric rank-k tensor: factors and weights to 1e-8 (${plugIn ? 'both stages' : 'stage 1 only'}, no ALS)`, () => {
      for (const [k, kappa, seed, c] of [
        [5, 4, 9, [1.5, -0.7, 2.2, -1.1, 0.4]],
        [4, 2, 3, [0.3, 1, -2, 0.8]],
        [6, 3, 7, [1, 1.2, -0.5, 0.9, -1.4, 0.6]],
      ] as const) {
        const { U, T } = exactTensor(k, kappa, seed, [...c]);
        const dec = decomposeSymmetricTensor(T, k, { method: 'kcl', alsSweeps: 0, plugIn, seed });
        expect(dec.residual).toBeLessThan(1e-10);
        const matched = new Set<number>();
        for (let i = 0; i < k; i++) {
          let best = Infinity;
          for (let j = 0; j < k; j++) {
            const dot = U.subarray(i * k, i * k + k).reduce((s, x, a) => s + x * dec.U[j * k + a], 0);
            const e = Math.hypot(...Array.from({ length: k }, (_, a) => U[i * k + a] - Math.sign(dot) * dec.U[j * k + a]));
            // (−u)^{⊗3} = −u^{⊗3}: a flipped component carries a flipped weight.
            const w = Math.abs(dec.weights[j] * Math.sign(dot) - c[i]);
            if (e < 1e-8 && w < 1e-8) {
              best = Math.max(e, w);
              matched.add(j);
            }
          }
          expect(best).toBeLessThan(1e-8);
        }
        expect(matched.size).toBe(k);
      }
    });
  }

  it('is deterministic given the seed, and the seed changes the projections', () => {
    const { T } = exactTensor(5, 2, 1, [1, -1, 2, 0.5, -0.3]);
    const noisy = T.map((x, e) => x + 1e-3 * normal(4, 5, 0, e));
    const a = decomposeSymmetricTensor(noisy, 5, { seed: 3 });
    expect(decomposeSymmetricTensor(noisy, 5, { seed: 3 }).U).toEqual(a.U);
    expect(decomposeSymmetricTensor(noisy, 5, { seed: 4 }).U).not.toEqual(a.U);
  });
});

describe("Zhong et al.'s tensor initialisation with either decomposition", () => {
  for (const method of ['kcl', 'jennrich'] as DecompositionMethod[]) {
    it(`${method}: exact population moments recover W* and v* (squared ReLU and ReLU, d = 10, k = 5, three teachers)`, () => {
      for (const act of ['squared-relu', 'relu'] as const) {
        for (const seed of [1, 2, 3]) {
          const d = 10;
          const k = 5;
          const t = zhongTeacher(d, k, 2, seed);
          const spec = momentSpec(act, d, seed);
          const moments = {
            d,
            k,
            m0: populationM0(act, t.w, t.a, d),
            m1: populationM1(act, t.w, t.a, d),
            p2: populationM2(act, t.w, t.a, d),
            r3: (V: Float64Array) => populationR3(act, t.w, t.a, d, V, spec),
          };
          const init = tensorInitFromMoments(act, moments, { seed, decomposition: method });
          const r = recoveryError(t.w, t.a, init.W, init.v, d);
          expect(r.signedError).toBeLessThan(1e-12);
          r.signedPermutation!.forEach((l, j) => expect(init.v[l]).toBe(t.a[j]));
        }
      }
    });
  }

  it("on sample moments at d = 10, k = 5, n = 2000 (squared ReLU), 'kcl' beats 'jennrich': lower median error, fewer wrong Σv⁽⁰⁾", () => {
    const d = 10;
    const k = 5;
    const n = 2000;
    const stats = (['kcl', 'jennrich'] as const).map((method) => {
      const errors: number[] = [];
      let wrongSum = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const t = zhongTeacher(d, k, 2, seed);
        const X = zhongSample(d, n, seed);
        const y = zhongLabels('squared-relu', t.w, t.a, X, n, d);
        const init = tensorInitFromSample('squared-relu', X, y, n, d, k, { seed, decomposition: method });
        errors.push(recoveryError(t.w, t.a, init.W, init.v, d).signedError);
        if (init.v.reduce((s, x) => s + x, 0) !== t.a.reduce((s, x) => s + x, 0)) wrongSum++;
      }
      errors.sort((a, b) => a - b);
      return { median: (errors[5] + errors[6]) / 2, wrongSum };
    });
    const [kcl, jennrich] = stats;
    expect(kcl.median).toBeLessThan(0.75 * jennrich.median);
    expect(kcl.wrongSum).toBeLessThanOrEqual(jennrich.wrongSum);
  }, 60_000);
});
