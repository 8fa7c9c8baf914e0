import { describe, it, expect } from 'vitest';
import { shapeOf, type ModelSpec, type Teacher } from '../../src/core/model.ts';
import {
  assertPopulationSupported,
  duPopulationLoss,
  duSpuriousOutput,
  populationLoss,
  populationLossAndGradient,
  teacherEnergy,
} from '../../src/core/population.ts';

// ---------------------------------------------------------------------------------------------
// A self-contained seeded Gaussian source (mulberry32 + Box–Muller), so these tests depend on
// nothing but the module under test and the model definition.
class Gauss {
  private state: number;
  private spare = 0;
  private hasSpare = false;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform())); // 1 − u ∈ (0, 1]: no log(0)
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    this.hasSpare = true;
    return r * Math.cos(phi);
  }
  /** Bulk Box–Muller in pairs: the Monte Carlo loops draw ~10⁸ normals, so this is the hot path. */
  fill(out: Float64Array): Float64Array {
    const n = out.length;
    let i = 0;
    if (this.hasSpare && n > 0) {
      out[i++] = this.spare;
      this.hasSpare = false;
    }
    for (; i + 1 < n; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
      const phi = 2 * Math.PI * this.uniform();
      out[i] = r * Math.cos(phi);
      out[i + 1] = r * Math.sin(phi);
    }
    if (i < n) out[i] = this.normal();
    return out;
  }
  vector(n: number, mean = 0, scale = 1): Float64Array {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = mean + scale * this.normal();
    return v;
  }
}

function model(d: number, m: number, stride: number, filters: number, output: 'learned' | 'fixed', weightNorm: boolean): ModelSpec {
  return { d, m, stride, filters, activation: 'relu', output, weightNorm };
}

function norm(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function concat(...parts: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(Array.from(p), o);
    o += p.length;
  }
  return out;
}

/** Random teacher and student row for a model; a* gets a mean so that 1ᵀa* is not ~0. */
function randomProblem(spec: ModelSpec, teacherFilters: number, seed: number) {
  const g = new Gauss(seed);
  const { m, K, F } = shapeOf(spec);
  const teacher: Teacher = {
    w: g.vector(teacherFilters * m),
    a: spec.output === 'fixed' ? new Float64Array(teacherFilters * K).fill(1 / K) : g.vector(teacherFilters * K, 0.5, 1),
    filters: teacherFilters,
  };
  const v = g.vector(F * m);
  const a = spec.output === 'fixed' ? new Float64Array(F * K).fill(1 / K) : g.vector(F * K, 0.2, 1);
  return { teacher, params: concat(v, a) };
}

// ---------------------------------------------------------------------------------------------
// Finite differences.

function fdGradient(spec: ModelSpec, teacher: Teacher, params: Float64Array, h = 1e-6): Float64Array {
  const { P, aOffset } = shapeOf(spec);
  const g = new Float64Array(P);
  const x = Float64Array.from(params);
  for (let k = 0; k < P; k++) {
    if (spec.output === 'fixed' && k >= aOffset) continue; // a fixed output layer is not a parameter
    const x0 = x[k];
    x[k] = x0 + h;
    const lp = populationLoss(spec, teacher, x);
    x[k] = x0 - h;
    const lm = populationLoss(spec, teacher, x);
    x[k] = x0;
    g[k] = (lp - lm) / (2 * h);
  }
  return g;
}

function relErr(g: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0;
  for (let i = 0; i < g.length; i++) diff += (g[i] - ref[i]) ** 2;
  return Math.sqrt(diff) / Math.max(norm(ref), 1e-12);
}

// ---------------------------------------------------------------------------------------------
// An independent, naive population loss: every unit embedded in R^d, all K² pairs, Cho–Saul kernel.

function kernel(u: Float64Array, v: Float64Array): number {
  const nu = norm(u);
  const nv = norm(v);
  if (nu === 0 || nv === 0) return 0;
  let uv = 0;
  for (let i = 0; i < u.length; i++) uv += u[i] * v[i];
  const c = Math.min(1, Math.max(-1, uv / (nu * nv)));
  const th = Math.acos(c);
  return (nu * nv * (Math.sin(th) + (Math.PI - th) * c)) / (2 * Math.PI);
}

function naiveLoss(spec: ModelSpec, teacher: Teacher, params: Float64Array): number {
  const { d, m, s, F, K, aOffset } = shapeOf(spec);
  const units: { u: Float64Array; c: number }[] = [];
  const add = (w: ArrayLike<number>, off: number, coeffs: ArrayLike<number>, cOff: number, sign: number) => {
    for (let i = 0; i < K; i++) {
      const u = new Float64Array(d);
      for (let t = 0; t < m; t++) u[s * i + t] = w[off + t];
      units.push({ u, c: sign * coeffs[cOff + i] });
    }
  };
  for (let j = 0; j < F; j++) {
    const v = params.subarray(j * m, (j + 1) * m);
    // A weight-normalised v = 0 has no direction; population.ts treats it as the zero filter.
    const w = spec.weightNorm ? v.map((x) => (norm(v) > 0 ? x / norm(v) : 0)) : v;
    add(w, 0, params, aOffset + j * K, 1);
  }
  for (let j = 0; j < teacher.filters; j++) add(teacher.w, j * m, teacher.a, j * K, -1);
  let total = 0;
  for (const p of units) for (const q of units) total += p.c * q.c * kernel(p.u, q.u);
  return 0.5 * total;
}

// ---------------------------------------------------------------------------------------------
// Monte Carlo: ½(f − f*)² averaged over N Gaussian inputs, with its standard error; optionally the
// per-sample gradient w.r.t. the stored row averaged likewise (coordinate-wise SE).

interface McResult {
  mean: number;
  se: number;
  grad?: Float64Array;
  gradSe?: Float64Array;
}

function monteCarlo(spec: ModelSpec, teacher: Teacher, params: Float64Array, n: number, seed: number, withGrad: boolean): McResult {
  const { d, m, s, F, K, P, aOffset } = shapeOf(spec);
  const Fs = teacher.filters;
  const w = new Float64Array(F * m);
  const vNorm = new Float64Array(F);
  for (let j = 0; j < F; j++) {
    const v = params.subarray(j * m, (j + 1) * m);
    vNorm[j] = norm(v);
    for (let t = 0; t < m; t++) w[j * m + t] = spec.weightNorm ? v[t] / vNorm[j] : v[t];
  }
  const a = params.subarray(aOffset);
  const g = new Gauss(seed);
  const x = new Float64Array(d);
  const z = new Float64Array(F * K);
  const gs = new Float64Array(P);
  const gw = new Float64Array(m);
  const sum = new Float64Array(P);
  const sumSq = new Float64Array(P);
  let acc = 0;
  let accSq = 0;
  for (let k = 0; k < n; k++) {
    g.fill(x);
    let fStar = 0;
    for (let j = 0; j < Fs; j++) {
      for (let i = 0; i < K; i++) {
        let zz = 0;
        for (let t = 0; t < m; t++) zz += teacher.w[j * m + t] * x[s * i + t];
        if (zz > 0) fStar += teacher.a[j * K + i] * zz;
      }
    }
    let f = 0;
    for (let j = 0; j < F; j++) {
      for (let i = 0; i < K; i++) {
        let zz = 0;
        for (let t = 0; t < m; t++) zz += w[j * m + t] * x[s * i + t];
        z[j * K + i] = zz;
        if (zz > 0) f += a[j * K + i] * zz;
      }
    }
    const r = f - fStar;
    const l = 0.5 * r * r;
    acc += l;
    accSq += l * l;
    if (!withGrad) continue;
    for (let j = 0; j < F; j++) {
      gw.fill(0);
      for (let i = 0; i < K; i++) {
        const zz = z[j * K + i];
        if (zz <= 0) {
          gs[aOffset + j * K + i] = 0;
          continue;
        }
        gs[aOffset + j * K + i] = spec.output === 'learned' ? r * zz : 0;
        const coef = r * a[j * K + i];
        for (let t = 0; t < m; t++) gw[t] += coef * x[s * i + t];
      }
      if (spec.weightNorm) {
        let wg = 0;
        for (let t = 0; t < m; t++) wg += w[j * m + t] * gw[t];
        for (let t = 0; t < m; t++) gs[j * m + t] = (gw[t] - wg * w[j * m + t]) / vNorm[j];
      } else {
        for (let t = 0; t < m; t++) gs[j * m + t] = gw[t];
      }
    }
    for (let k2 = 0; k2 < P; k2++) {
      sum[k2] += gs[k2];
      sumSq[k2] += gs[k2] * gs[k2];
    }
  }
  const mean = acc / n;
  const se = Math.sqrt(Math.max(0, accSq / n - mean * mean) / n);
  if (!withGrad) return { mean, se };
  const grad = new Float64Array(P);
  const gradSe = new Float64Array(P);
  for (let k = 0; k < P; k++) {
    grad[k] = sum[k] / n;
    gradSe[k] = Math.sqrt(Math.max(0, sumSq[k] / n - grad[k] * grad[k]) / n);
  }
  return { mean, se, grad, gradSe };
}

/** Du et al. Thm 3.1 exactly as printed: the last term has no 1/2π. */
function duPrintedLoss(wStar: Float64Array, aStar: Float64Array, v: Float64Array, a: Float64Array): number {
  let sa = 0;
  let sas = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i];
    sas += aStar[i];
  }
  const ws = norm(wStar);
  // Corrected − ½·(−2‖w*‖ 1ᵀa 1ᵀa*/2π) + ½·(−2‖w*‖ 1ᵀa 1ᵀa*).
  return duPopulationLoss(wStar, aStar, v, a) + ws * sa * sas * (1 / (2 * Math.PI) - 1);
}

// ---------------------------------------------------------------------------------------------

describe('population loss: structure', () => {
  const configs: [string, ModelSpec, number][] = [
    ['no overlap, F=1 (Du)', model(36, 6, 6, 1, 'learned', true), 1],
    ['m=2 s=1 d=5 fixed (B&G 7.1)', model(5, 2, 1, 1, 'fixed', false), 1],
    ['m=3 s=2 F=2 vs F*=2', model(11, 3, 2, 2, 'learned', false), 2],
    ['m=5 s=2 (m not a multiple of s), F=2 vs F*=3', model(13, 5, 2, 2, 'learned', true), 3],
    ['m=5 s=1 d=7: band wider than K', model(7, 5, 1, 2, 'learned', false), 1],
    ['m=d: fully connected (K=1), F=3 vs F*=2', model(6, 6, 1, 3, 'learned', false), 2],
  ];
  for (const [name, spec, Fs] of configs) {
    it(`banded sum equals the naive sum over all K² unit pairs: ${name}`, () => {
      const { teacher, params } = randomProblem(spec, Fs, 11);
      const fast = populationLoss(spec, teacher, params);
      const slow = naiveLoss(spec, teacher, params);
      expect(Math.abs(fast - slow)).toBeLessThan(1e-12 * Math.max(1, Math.abs(slow)));
      expect(populationLossAndGradient(spec, teacher, params).loss).toBeCloseTo(fast, 14);
    });
  }

  it('teacherEnergy is the loss of the zero predictor and has the no-overlap closed form', () => {
    const spec = model(20, 4, 4, 1, 'learned', false);
    const { teacher } = randomProblem(spec, 1, 5);
    const { P, K } = shapeOf(spec);
    const e = teacherEnergy(spec, teacher);
    expect(e).toBeCloseTo(populationLoss(spec, teacher, new Float64Array(P)), 13);
    // ½E[f*²] = ½‖w*‖²[(π−1)‖a*‖² + (1ᵀa*)²]/2π with no overlap.
    let aa = 0;
    let sa = 0;
    for (let i = 0; i < K; i++) {
      aa += teacher.a[i] ** 2;
      sa += teacher.a[i];
    }
    const closed = (0.5 * norm(teacher.w) ** 2 * ((Math.PI - 1) * aa + sa * sa)) / (2 * Math.PI);
    expect(Math.abs(e - closed)).toBeLessThan(1e-13 * closed);
  });

  it('a zero filter gives finite loss and gradient (no NaN)', () => {
    for (const wn of [false, true]) {
      const spec = model(10, 4, 2, 2, 'learned', wn);
      const { teacher, params } = randomProblem(spec, 1, 3);
      params.fill(0, 0, 4);
      const { loss, grad } = populationLossAndGradient(spec, teacher, params);
      expect(Number.isFinite(loss)).toBe(true);
      expect(grad.every(Number.isFinite)).toBe(true);
      expect(Math.abs(loss - naiveLoss(spec, teacher, params))).toBeLessThan(1e-12 * loss);
    }
  });

  it('fixed output: the a-entries of the gradient are zero', () => {
    const spec = model(5, 2, 1, 1, 'fixed', false);
    const { teacher, params } = randomProblem(spec, 1, 2);
    const { grad } = populationLossAndGradient(spec, teacher, params);
    const { aOffset } = shapeOf(spec);
    expect(Array.from(grad.subarray(aOffset))).toEqual([0, 0, 0, 0]);
    expect(norm(grad.subarray(0, aOffset))).toBeGreaterThan(0);
  });

  it('rejects mismatched shapes', () => {
    const spec = model(10, 4, 2, 1, 'learned', false);
    const { teacher, params } = randomProblem(spec, 1, 1);
    expect(() => populationLoss(spec, teacher, params.subarray(1))).toThrow(/length/);
    expect(() => populationLoss({ ...spec, stride: 4 }, teacher, params)).toThrow(/integer/);
  });
});

describe('population gradient: finite differences', () => {
  const cases: [string, ModelSpec, number, number][] = [
    ['Du: F=1 no overlap, learned, weightNorm, d=36 m=6', model(36, 6, 6, 1, 'learned', true), 1, 21],
    ['Du: p=6, k=25 (d=150)', model(150, 6, 6, 1, 'learned', true), 1, 22],
    ['B&G: F=1 fixed a=1/K, no weightNorm, no overlap', model(20, 4, 4, 1, 'fixed', false), 1, 23],
    ['B&G 7.1: m=2 stride 1 d=5, fixed', model(5, 2, 1, 1, 'fixed', false), 1, 24],
    ['overlap m=3 stride 2, F=2 learned', model(11, 3, 2, 2, 'learned', false), 2, 25],
    ['F=2 student vs F*=1 teacher', model(16, 4, 4, 2, 'learned', false), 1, 26],
    ['weightNorm with overlap, m=4 s=1, F=2 vs F*=2', model(10, 4, 1, 2, 'learned', true), 2, 27],
    ['m=5 s=2, F=3 vs F*=2, weightNorm, fixed', model(13, 5, 2, 3, 'fixed', true), 2, 28],
  ];
  for (const [name, spec, Fs, seed] of cases) {
    it(name, () => {
      const { teacher, params } = randomProblem(spec, Fs, seed);
      if (spec.m === 2 && spec.stride === 1) teacher.w.set([-1, 1]);
      const { grad } = populationLossAndGradient(spec, teacher, params);
      const fd = fdGradient(spec, teacher, params);
      expect(norm(fd)).toBeGreaterThan(1e-3); // not a vacuous comparison at a critical point
      expect(relErr(grad, fd)).toBeLessThan(1e-6);
    });
  }
});

describe('population loss: Monte Carlo (10⁶ Gaussian inputs)', () => {
  const N = 1_000_000;
  const MC_TIMEOUT_MS = 60_000;

  it('(a) Du learned layer p=6 k=25, weightNorm: loss and gradient, Du Thm 3.1 corrected, and not as printed', () => {
    const spec = model(150, 6, 6, 1, 'learned', true);
    const { teacher, params } = randomProblem(spec, 1, 101);
    const v = params.subarray(0, 6);
    const a = params.subarray(6);
    const { loss: closed, grad } = populationLossAndGradient(spec, teacher, params);
    const mc = monteCarlo(spec, teacher, params, N, 1001, true);
    expect(Math.abs(closed - mc.mean)).toBeLessThan(4 * mc.se);
    for (let k = 0; k < grad.length; k++) {
      expect(Math.abs(grad[k] - mc.grad![k])).toBeLessThan(4 * mc.gradSe![k] + 1e-12);
    }
    expect(Math.abs(duPopulationLoss(teacher.w, teacher.a, v, a) - closed)).toBeLessThan(1e-12 * closed);
    // The erratum: the printed last term (no 1/2π) is far outside the Monte Carlo interval.
    const printed = duPrintedLoss(teacher.w, teacher.a, Float64Array.from(v), Float64Array.from(a));
    expect(Math.abs(printed - mc.mean)).toBeGreaterThan(20 * mc.se);
  }, MC_TIMEOUT_MS);

  it('(b) m=2 stride 1 d=5, fixed average pooling, w* = (−1, 1), random w', () => {
    const spec = model(5, 2, 1, 1, 'fixed', false);
    const { teacher, params } = randomProblem(spec, 1, 102);
    teacher.w.set([-1, 1]);
    const closed = populationLoss(spec, teacher, params);
    const mc = monteCarlo(spec, teacher, params, N, 1002, false);
    expect(Math.abs(closed - mc.mean)).toBeLessThan(4 * mc.se);
  }, MC_TIMEOUT_MS);

  it('(c) overlapping m=3 stride 2, F=2 vs F*=2, learned + weightNorm: loss and gradient', () => {
    const spec = model(11, 3, 2, 2, 'learned', true);
    const { teacher, params } = randomProblem(spec, 2, 103);
    const { loss, grad } = populationLossAndGradient(spec, teacher, params);
    const mc = monteCarlo(spec, teacher, params, N, 1003, true);
    expect(Math.abs(loss - mc.mean)).toBeLessThan(4 * mc.se);
    for (let k = 0; k < grad.length; k++) {
      expect(Math.abs(grad[k] - mc.grad![k])).toBeLessThan(4 * mc.gradSe![k] + 1e-12);
    }
  }, MC_TIMEOUT_MS);

  it('(d) heavy overlap m=4 stride 1, F=2 vs F*=1, no weightNorm: loss and gradient', () => {
    const spec = model(9, 4, 1, 2, 'learned', false);
    const { teacher, params } = randomProblem(spec, 1, 104);
    const { loss, grad } = populationLossAndGradient(spec, teacher, params);
    const mc = monteCarlo(spec, teacher, params, N, 1004, true);
    expect(Math.abs(loss - mc.mean)).toBeLessThan(4 * mc.se);
    for (let k = 0; k < grad.length; k++) {
      expect(Math.abs(grad[k] - mc.grad![k])).toBeLessThan(4 * mc.gradSe![k] + 1e-12);
    }
  }, MC_TIMEOUT_MS);
});

describe('Du et al. closed forms and critical points', () => {
  it('duPopulationLoss equals populationLoss on Du-type configs', () => {
    for (const [p, k, seed] of [
      [6, 25, 1],
      [6, 6, 2],
      [10, 3, 3],
      [3, 1, 4],
    ]) {
      const spec = model(p * k, p, p, 1, 'learned', true);
      const { teacher, params } = randomProblem(spec, 1, 200 + seed);
      const ours = populationLoss(spec, teacher, params);
      const du = duPopulationLoss(teacher.w, teacher.a, params.subarray(0, p), params.subarray(p));
      expect(Math.abs(du - ours)).toBeLessThan(1e-12 * ours);
    }
  });

  it('duSpuriousOutput solves (11ᵀ + (π−1)I) a = (11ᵀ − I)‖w*‖a*', () => {
    const g = new Gauss(7);
    const k = 25;
    const wStar = g.vector(6);
    const aStar = g.vector(k, 0.5);
    const a = duSpuriousOutput(wStar, aStar);
    let sa = 0;
    let sas = 0;
    for (let i = 0; i < k; i++) {
      sa += a[i];
      sas += aStar[i];
    }
    const ws = norm(wStar);
    for (let i = 0; i < k; i++) {
      const lhs = sa + (Math.PI - 1) * a[i];
      const rhs = ws * (sas - aStar[i]);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * Math.max(1, Math.abs(rhs)));
    }
  });

  it('the gradient vanishes at the spurious point (v = −w*, a = duSpuriousOutput) but not nearby', () => {
    const spec = model(150, 6, 6, 1, 'learned', true);
    const { teacher } = randomProblem(spec, 1, 301);
    const aSp = duSpuriousOutput(teacher.w, teacher.a);
    const params = concat(teacher.w.map((x) => -x), aSp);
    const { loss, grad } = populationLossAndGradient(spec, teacher, params);
    expect(Math.max(...grad.map(Math.abs))).toBeLessThan(1e-10);
    expect(loss).toBeGreaterThan(0.01 * teacherEnergy(spec, teacher)); // spurious: the loss is not ~0
    params[6] += 1e-3;
    expect(Math.max(...populationLossAndGradient(spec, teacher, params).grad.map(Math.abs))).toBeGreaterThan(1e-5);
  });

  it('loss and gradient vanish at the global point', () => {
    const spec = model(150, 6, 6, 1, 'learned', true);
    const { teacher } = randomProblem(spec, 1, 302);
    // Unit teacher filter: (v, a) = (w*, a*).
    const unit = { ...teacher, w: teacher.w.map((x) => x / norm(teacher.w)) };
    let r = populationLossAndGradient(spec, unit, concat(unit.w, unit.a));
    expect(Math.abs(r.loss)).toBeLessThan(1e-12 * teacherEnergy(spec, unit));
    expect(Math.max(...r.grad.map(Math.abs))).toBeLessThan(1e-10);
    // General ‖w*‖ and any positive scale of v: a = ‖w*‖a* (Du Lemma 5.1).
    const ws = norm(teacher.w);
    r = populationLossAndGradient(spec, teacher, concat(teacher.w.map((x) => 3 * x), teacher.a.map((x) => ws * x)));
    expect(Math.abs(r.loss)).toBeLessThan(1e-12 * teacherEnergy(spec, teacher));
    expect(Math.max(...r.grad.map(Math.abs))).toBeLessThan(1e-10);
  });
});

describe('Brutzkus & Globerson Sec. 7.1 (m=2, stride 1, k = d − 1)', () => {
  // Eq. 16 as printed puts 1/k² inside α only; the loss of eq. 7 has 1/k² on every term, so the
  // −βg, (β−2)(…) and −γ terms must be divided by k² too (as printed, the "loss" goes negative).
  it('eq. 16 with the 1/k² applied to every term equals 2L; as printed it does not', () => {
    const g = (u: number[], v: number[]) => kernel(Float64Array.from(u), Float64Array.from(v));
    const rng = new Gauss(71);
    for (const k of [4, 8]) {
      const spec = model(k + 1, 2, 1, 1, 'fixed', false);
      const teacher: Teacher = { w: Float64Array.from([-1, 1]), a: new Float64Array(k).fill(1 / k), filters: 1 };
      const w = [rng.normal(), rng.normal()];
      const ws = [-1, 1];
      const alpha = (k / 2 + (k * k - 3 * k + 2) / (2 * Math.PI)) / (k * k);
      const beta = 2 * k;
      const gamma = (k * k - 3 * k + 2) / Math.PI;
      const overlap =
        (beta - 2) * (g([w[0], w[1], 0], [0, w[0], w[1]]) - g([0, w[0], w[1]], [-1, 1, 0]) - g([w[0], w[1], 0], [0, -1, 1]) + g([-1, 1, 0], [0, -1, 1]));
      const rest = -beta * g(w, ws) + overlap - gamma * norm(w) * norm(ws);
      const printed = alpha * (norm(w) ** 2 + 2) + rest;
      const corrected = alpha * (norm(w) ** 2 + 2) + rest / (k * k);
      const twoL = 2 * populationLoss(spec, teacher, concat(w, teacher.a));
      expect(Math.abs(corrected - twoL)).toBeLessThan(1e-13);
      expect(Math.abs(printed - twoL)).toBeGreaterThan(0.1);
    }
  });

  it('Prop. 7.2: 2L at w̃ = −h/(h+1)·w* equals (2h+1)/(k²(2h+2))‖w*‖², and w̃ is critical', () => {
    for (const k of [4, 8]) {
      const spec = model(k + 1, 2, 1, 1, 'fixed', false);
      const teacher: Teacher = { w: Float64Array.from([-1, 1]), a: new Float64Array(k).fill(1 / k), filters: 1 };
      const h = (k * k - 3 * k + 2) / Math.PI + (Math.sqrt(3) * (k - 1)) / Math.PI + (2 * (k - 1)) / 3;
      const wt = teacher.w.map((x) => (-h / (h + 1)) * x);
      const { loss, grad } = populationLossAndGradient(spec, teacher, concat(wt, teacher.a));
      // B&G's risk has no ½: it is 2L.
      expect(2 * loss).toBeCloseTo(((2 * h + 1) / (k * k * (2 * h + 2))) * 2, 12);
      expect(norm(grad)).toBeLessThan(1e-12);
    }
  });
});

describe('assertPopulationSupported', () => {
  it('accepts every activation (closed forms or quadrature: tests/unit/gaussian-quadrature.test.ts)', () => {
    const spec = model(10, 5, 5, 1, 'learned', true);
    for (const activation of ['relu', 'leaky-relu', 'squared-relu', 'sigmoid', 'tanh', 'erf'] as const) {
      expect(() => assertPopulationSupported({ ...spec, activation })).not.toThrow();
    }
  });
});
