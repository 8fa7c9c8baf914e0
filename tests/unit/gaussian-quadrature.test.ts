import { describe, it, expect } from 'vitest';
import { gaussLegendre, gaussianExpectation } from '../../src/core/gaussian-quadrature.ts';
import { pairExpectations, pairKernel, QUADRATURE_NORM_LIMIT, quadratureKernel } from '../../src/core/pair-kernels.ts';
import { ACTIVATIONS, activate, activateDerivative, erf, shapeOf, type Activation, type ModelSpec, type Teacher } from '../../src/core/model.ts';
import { populationLoss, populationLossAndGradient } from '../../src/core/population.ts';

/** Seeded standard normals (xorshift32 → Box–Muller), enough for 10⁶-sample Monte Carlo. */
function normals(seed: number): () => number {
  let x = seed >>> 0 || 1;
  const u = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) + 0.5) / 4294967296;
  };
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

const out = new Float64Array(4);
const kernelAt = (k: { pair: (a: number, b: number, c: number, o: Float64Array) => void }, n1: number, n2: number, rho: number) => {
  k.pair(n1, n2, rho, out);
  return Array.from(out);
};

describe('Gauss–Legendre rule', () => {
  it('integrates x^k exactly on [−1, 1] up to k = 2n − 1, and not k = 2n', () => {
    for (const n of [1, 2, 5, 12, 24]) {
      const { nodes, weights } = gaussLegendre(n);
      const moment = (k: number) => nodes.reduce((acc, x, i) => acc + weights[i]! * x ** k, 0);
      for (let k = 0; k <= 2 * n - 1; k++) expect(moment(k)).toBeCloseTo(k % 2 ? 0 : 2 / (k + 1), 13);
      if (n <= 12) expect(Math.abs(moment(2 * n) - 2 / (2 * n + 1))).toBeGreaterThan(1e-9);
    }
  });

  it('graded panels give the Gaussian moments (to 1e-9: the range is ±8) and a step-like E[tanh(100(Z − 0.3))] to 1e-12', () => {
    for (const [k, m] of [[0, 1], [2, 1], [4, 3], [6, 15]] as const) expect(gaussianExpectation((z) => z ** k, 0.3, 0.01)).toBeCloseTo(m, 9);
    // E[sign(Z − 0.3)] = 1 − 2Φ(0.3) = −erf(0.3/√2); tanh(100·) differs from sign by O(1e-4)·φ(0.3).
    const exact = gaussianExpectation((z) => Math.tanh(100 * (z - 0.3)), 0.3, 0.01, 24);
    expect(gaussianExpectation((z) => Math.tanh(100 * (z - 0.3)), 0.3, 0.01, 12)).toBeCloseTo(exact, 12);
    expect(Math.abs(exact + erf(0.3 / Math.SQRT2))).toBeLessThan(1e-3);
  });
});

describe('erf in f64', () => {
  it('matches tabulated values (Abramowitz & Stegun Table 7.1, and erfc(4), erfc(6))', () => {
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.5, 0.9995930479825550],
      [3, 0.9999779095030014],
    ];
    for (const [x, v] of table) {
      expect(Math.abs(erf(x) - v)).toBeLessThan(2e-15);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(Math.abs(1 - erf(4) - 1.541725790028002e-8)).toBeLessThan(1e-20 + 1e-15);
    expect(1 - erf(6)).toBeCloseTo(0, 15);
  });
});

/**
 * shaders/lib/activation.wgsl's erf_approx, step by step in f32 (Math.fround after every operation,
 * as the GPU rounds), so its accuracy against the f64 erf is checked here without a device; the
 * GPU's own values are checked against src/core/model.ts in tests/gpu/data.gpu.test.ts.
 */
function erfApproxF32(x: number): number {
  const f = Math.fround;
  const z = Math.abs(x);
  if (z < 0.5) {
    const x2 = f(x * x);
    let p = f(-1 / 1320);
    for (const c of [1 / 216, -1 / 42, 1 / 10, -1 / 3, 1]) p = f(f(p * x2) + f(c));
    return f(f(f(1.1283791670955126) * x) * p);
  }
  const t = f(1 / f(1 + f(0.5 * z)));
  const cheb = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
  let p = f(cheb[9]!);
  for (let k = 8; k >= 0; k--) p = f(f(p * t) + f(cheb[k]!));
  const e = f(1 - f(t * f(Math.exp(f(f(-z * z) + p)))));
  return x >= 0 ? e : -e;
}

describe("the kernels' erf approximation", () => {
  it('is within 2e-7 of the f64 erf on [−6, 6] in f32 arithmetic', () => {
    let worst = 0;
    for (let i = -60_000; i <= 60_000; i++) worst = Math.max(worst, Math.abs(erfApproxF32(i * 1e-4) - erf(i * 1e-4)));
    expect(worst).toBeLessThan(2e-7);
    expect(worst).toBeGreaterThan(1e-8); // f32 rounding is visible: the mirror really rounds
  });
});

/** E[σ(X)σ(Y)] by Monte Carlo with its standard error. */
function mcPair(act: Activation, n1: number, n2: number, rho: number, samples: number, seed: number) {
  const g = normals(seed);
  const c = rho / n1;
  const tau = Math.sqrt(Math.max(0, n2 * n2 - c * c));
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < samples; i++) {
    const z = g();
    const v = activate(act, n1 * z) * activate(act, c * z + tau * g());
    s += v;
    s2 += v * v;
  }
  const mean = s / samples;
  return { mean, se: Math.sqrt((s2 / samples - mean * mean) / samples) };
}

const PAIRS: [number, number, number][] = [
  [1, 0.7, 0.4],
  [3, 2, -4.5],
];

describe('pair kernels', () => {
  it.each(ACTIVATIONS)('%s: κ(n₁, n₂, ρ) within 4 standard errors of Monte Carlo (10⁶ samples)', (act) => {
    PAIRS.forEach(([n1, n2, rho], i) => {
      const mc = mcPair(act, n1, n2, rho, 1_000_000, 17 + i);
      const [k] = kernelAt(pairKernel(act), n1, n2, rho);
      expect(Math.abs(k! - mc.mean), `${act} at (${n1}, ${n2}, ${rho}): ${k} vs ${mc.mean} ± ${mc.se}`).toBeLessThan(4 * mc.se);
    });
  }, 60_000);

  it('quadrature of erf agrees with the arcsin closed form (value, ∂ρ, ∂n₁, ∂n₂) to 1e-10 up to the norm limit', () => {
    const quad = quadratureKernel('erf');
    const exact = pairKernel('erf');
    for (const n1 of [0.05, 1, 8, QUADRATURE_NORM_LIMIT]) {
      for (const n2 of [0.2, 3, QUADRATURE_NORM_LIMIT]) {
        for (const c of [-1, -0.6, 0, 0.3, 0.99999, 1]) {
          const q = kernelAt(quad, n1, n2, c * n1 * n2);
          const e = kernelAt(exact, n1, n2, c * n1 * n2);
          // The partials scale like 1/n (the kernel saturates): compare them relative to that scale.
          expect(Math.abs(q[0]! - e[0]!), `erf κ at ${n1}, ${n2}, ${c}`).toBeLessThan(1e-10);
          if (Math.abs(c) < 0.999) {
            expect(Math.abs(q[1]! - e[1]!) * n1 * n2, `erf ∂ρ at ${n1}, ${n2}, ${c}`).toBeLessThan(1e-9);
            expect(Math.abs(q[2]! - e[2]!) * n1, `erf ∂n₁ at ${n1}, ${n2}, ${c}`).toBeLessThan(1e-9);
            expect(Math.abs(q[3]! - e[3]!) * n2, `erf ∂n₂ at ${n1}, ${n2}, ${c}`).toBeLessThan(1e-9);
          }
        }
      }
    }
  }, 60_000);

  it('quadrature of ReLU, leaky ReLU and squared ReLU agrees with their closed forms', () => {
    const e = new Float64Array(4);
    for (const act of ['relu', 'leaky-relu', 'squared-relu'] as const) {
      for (const [n1, n2, c] of [[1, 1, 0.3], [2, 0.5, -0.8], [5, 3, 0.99], [0.4, 7, 0], [3, 3, 1]]) {
        const k = kernelAt(pairKernel(act), n1!, n2!, c! * n1! * n2!);
        pairExpectations(act, n1!, n2!, c! * n1! * n2!, 12, e);
        const scale = act === 'squared-relu' ? (n1! * n2!) ** 2 : n1! * n2!;
        expect(Math.abs(e[0]! - k[0]!) / scale, `${act} κ`).toBeLessThan(1e-11);
        expect(Math.abs(e[1]! - k[1]!) / (scale / (n1! * n2!)), `${act} ∂ρ`).toBeLessThan(1e-11);
        // σ'' of squared ReLU is a bounded jump (Price's theorem applies); of (leaky) ReLU a delta (it does not).
        if (act === 'squared-relu') expect(Math.abs(n1! * e[2]! - k[2]!) / (n1! * n2! ** 2)).toBeLessThan(1e-11);
      }
    }
  });

  it('sigmoid and tanh: order 12 agrees with order 24 to 1e-10 on a grid up to the norm limit', () => {
    for (const act of ['sigmoid', 'tanh'] as const) {
      const lo = quadratureKernel(act, 12);
      const hi = quadratureKernel(act, 24);
      for (const n1 of [0.01, 2, QUADRATURE_NORM_LIMIT]) {
        for (const n2 of [0.3, 5, QUADRATURE_NORM_LIMIT]) {
          for (const c of [-0.9999, 0.5, 1]) {
            const a = kernelAt(lo, n1, n2, c * n1 * n2);
            const b = kernelAt(hi, n1, n2, c * n1 * n2);
            for (let i = 0; i < 4; i++) expect(Math.abs(a[i]! - b[i]!), `${act} [${i}] at ${n1}, ${n2}, ${c}`).toBeLessThan(1e-10);
          }
        }
      }
    }
  }, 60_000);

  it('refuses norms beyond the checked range, naming the limit', () => {
    expect(() => kernelAt(quadratureKernel('tanh'), QUADRATURE_NORM_LIMIT * 1.01, 1, 0)).toThrow(/‖w‖ ≤ 64/);
    const spec: ModelSpec = { d: 4, m: 2, stride: 1, filters: 1, activation: 'sigmoid', output: 'learned', weightNorm: false };
    const teacher: Teacher = { w: Float64Array.of(100, 0), a: Float64Array.of(1, 1, 1), filters: 1 };
    expect(() => populationLoss(spec, teacher, Float64Array.of(1, 0, 1, 1, 1))).toThrow(/sigmoid.*‖w‖ ≤ 64 \(got 100\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// Whole population losses: overlapping patches (d = 3, m = 2, stride 1: K = 2), two student filters
// (so student–student pairs of different filters are covered), one teacher filter.

const SPEC = (activation: Activation, weightNorm: boolean): ModelSpec => ({ d: 3, m: 2, stride: 1, filters: 2, activation, output: 'learned', weightNorm });
const TEACHER: Teacher = { w: Float64Array.of(1.2, -0.7), a: Float64Array.of(0.9, -0.6), filters: 1 };
const PARAMS = Float64Array.of(0.8, 0.5, -0.3, 1.1, 0.7, -0.5, 0.4, 0.6);

/** ½(f − f*)² and its gradient w.r.t. the row (no weight normalisation), averaged over n inputs, with SEs. */
function mcLoss(spec: ModelSpec, teacher: Teacher, params: Float64Array, n: number, seed: number) {
  const { m, s, K, F, P, aOffset } = shapeOf(spec);
  const act = spec.activation;
  const g = normals(seed);
  const x = new Float64Array(spec.d);
  const pre = new Float64Array(F * K);
  const gi = new Float64Array(P + 1);
  const sum = new Float64Array(P + 1);
  const sq = new Float64Array(P + 1);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < spec.d; t++) x[t] = g();
    let fStar = 0;
    for (let i = 0; i < K; i++) {
      let z = 0;
      for (let t = 0; t < m; t++) z += teacher.w[t]! * x[s * i + t]!;
      fStar += teacher.a[i]! * activate(act, z);
    }
    let f = 0;
    for (let j = 0; j < F; j++) {
      for (let i = 0; i < K; i++) {
        let z = 0;
        for (let t = 0; t < m; t++) z += params[j * m + t]! * x[s * i + t]!;
        pre[j * K + i] = z;
        f += params[aOffset + j * K + i]! * activate(act, z);
      }
    }
    const r = f - fStar;
    gi.fill(0);
    gi[P] = 0.5 * r * r;
    for (let j = 0; j < F; j++) {
      for (let i = 0; i < K; i++) {
        const z = pre[j * K + i]!;
        gi[aOffset + j * K + i] = r * activate(act, z);
        const c = r * params[aOffset + j * K + i]! * activateDerivative(act, z);
        for (let t = 0; t < m; t++) gi[j * m + t] += c * x[s * i + t]!;
      }
    }
    for (let p = 0; p <= P; p++) {
      sum[p] += gi[p]!;
      sq[p] += gi[p]! * gi[p]!;
    }
  }
  const mean = sum.map((v) => v / n);
  const se = mean.map((v, p) => Math.sqrt(Math.max(0, sq[p]! / n - v * v) / n));
  return { mean, se };
}

describe('population loss for every activation', () => {
  it.each(ACTIVATIONS.filter((a) => a !== 'relu'))('%s: loss and gradient within 4 standard errors of Monte Carlo (10⁶ inputs)', (act) => {
    {
      // One student filter here (the finite-difference test below has two): Monte Carlo is the slow part.
      const spec = { ...SPEC(act, false), filters: 1 };
      const params = Float64Array.of(0.8, 0.5, 0.7, -0.5);
      const { loss, grad } = populationLossAndGradient(spec, TEACHER, params);
      const mc = mcLoss(spec, TEACHER, params, 1_000_000, 99);
      const P = grad.length;
      expect(Math.abs(loss - mc.mean[P]!), `${act} loss ${loss} vs ${mc.mean[P]} ± ${mc.se[P]}`).toBeLessThan(4 * mc.se[P]!);
      for (let p = 0; p < P; p++) {
        expect(Math.abs(grad[p]! - mc.mean[p]!), `${act} grad[${p}] ${grad[p]} vs ${mc.mean[p]} ± ${mc.se[p]}`).toBeLessThan(4 * mc.se[p]!);
      }
    }
  }, 60_000);

  it.each(ACTIVATIONS)('%s: gradient matches central finite differences (weight-normalised filters, learned output)', (act) => {
    {
      const spec = SPEC(act, true);
      const { grad } = populationLossAndGradient(spec, TEACHER, PARAMS);
      const x = Float64Array.from(PARAMS);
      const h = 1e-5;
      let diff = 0;
      let ref = 0;
      for (let p = 0; p < x.length; p++) {
        const x0 = x[p]!;
        x[p] = x0 + h;
        const lp = populationLoss(spec, TEACHER, x);
        x[p] = x0 - h;
        const lm = populationLoss(spec, TEACHER, x);
        x[p] = x0;
        const fd = (lp - lm) / (2 * h);
        diff += (fd - grad[p]!) ** 2;
        ref += fd * fd;
      }
      expect(Math.sqrt(diff / ref), act).toBeLessThan(1e-6);
    }
  }, 60_000);
});
