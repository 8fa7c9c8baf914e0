/**
 * The deep ReLU net of Allen-Zhu, Li & Song (src/core/deep-net.ts), its δ-separated data
 * (separated-data.ts) and per-restart measures (deep-measures.ts): gradients against central
 * differences for every option, the Def. 2.3 init statistics, the data's norms and separation,
 * GD on a wide net, and the measures on curves and nets whose answers are known by construction.
 */
import { describe, expect, it } from 'vitest';
import {
  type DeepData,
  type DeepNetSpec,
  DEEP_TRAINED,
  deepForward,
  deepGdStep,
  deepLayout,
  deepLossGrad,
  deepMinibatch,
  deepSgdStep,
  initDeepNet,
  trainedRanges,
  validateDeepNet,
} from '../../src/core/deep-net.ts';
import { gradientRatio, linearRate, relativeMovement, signFlipFraction, thresholdSteps } from '../../src/core/deep-measures.ts';
import { minSeparation, separatedData } from '../../src/core/separated-data.ts';
import { deepStepCode } from '../../host/deep-engine.ts';

/** Deterministic values not from the engine's RNG (so a bug there cannot hide one here). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function data(spec: DeepNetSpec, n: number, seed: number): DeepData {
  const r = lcg(seed);
  return {
    n,
    X: Float64Array.from({ length: n * spec.inputDim }, r),
    Y: Float64Array.from({ length: n * spec.outDim }, r),
  };
}

function relErr(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe('deep net gradients (central differences, every option)', () => {
  for (const L of [1, 2, 4])
    for (const outDim of [1, 3])
      for (const train of DEEP_TRAINED) {
        it(`L=${L}, d=${outDim}, train=${train}`, () => {
          const spec: DeepNetSpec = { inputDim: 5, L, m: 6, outDim, train };
          const theta = initDeepNet(spec, 7, 3);
          const D = data(spec, 4, 11 + L + outDim);
          const grad = new Float64Array(theta.length);
          deepLossGrad(spec, theta, D, grad);
          const h = 1e-6;
          const fd = new Float64Array(theta.length);
          for (let p = 0; p < theta.length; p++) {
            const keep = theta[p]!;
            theta[p] = keep + h;
            const up = deepLossGrad(spec, theta, D);
            theta[p] = keep - h;
            const down = deepLossGrad(spec, theta, D);
            theta[p] = keep;
            fd[p] = (up - down) / (2 * h);
          }
          expect(relErr(grad, fd)).toBeLessThan(1e-6);
          // A GD step moves exactly the trained ranges.
          const before = theta.slice();
          deepGdStep(spec, theta, D, 1e-2);
          const trained = new Uint8Array(theta.length);
          for (const [s, e] of trainedRanges(spec)) trained.fill(1, s, e);
          for (let p = 0; p < theta.length; p++) {
            if (trained[p]) expect(theta[p]).toBeCloseTo(before[p]! - 1e-2 * grad[p]!, 12);
            else expect(theta[p]).toBe(before[p]);
          }
        });
      }

  it('the minibatch gradient is the gradient of the chosen samples; SGD with b = n is GD', () => {
    const spec: DeepNetSpec = { inputDim: 4, L: 2, m: 5, outDim: 2, train: 'hidden' };
    const D = data(spec, 6, 5);
    const idx = deepMinibatch(6, 3, 9, 2, 17);
    expect(new Set(idx).size).toBe(3);
    for (const i of idx) expect(i).toBeLessThan(6);
    expect(deepMinibatch(6, 3, 9, 2, 17)).toEqual(idx);
    expect(deepMinibatch(6, 3, 9, 2, 18)).not.toEqual(idx);
    const theta = initDeepNet(spec, 1, 0);
    const gSub = new Float64Array(theta.length);
    const gOne = new Float64Array(theta.length);
    const sum = new Float64Array(theta.length);
    const F = deepLossGrad(spec, theta, D, gSub, idx);
    let Fs = 0;
    for (const i of idx) {
      Fs += deepLossGrad(spec, theta, D, gOne, [i]);
      for (let p = 0; p < sum.length; p++) sum[p]! += gOne[p]!;
    }
    expect(F).toBeCloseTo(Fs, 12);
    expect(relErr(gSub, sum)).toBeLessThan(1e-12);
    const a = theta.slice();
    const b = theta.slice();
    deepGdStep(spec, a, D, 0.01);
    deepSgdStep(spec, b, D, 0.01, 6, 1, 0, 0);
    expect(relErr(b, a)).toBeLessThan(1e-12);
  });

  it('rejects a bad spec, naming the field', () => {
    expect(() => validateDeepNet({ inputDim: 4, L: 0, m: 5, outDim: 1, train: 'hidden' })).toThrow(/L must be/);
    expect(() => validateDeepNet({ inputDim: 4, L: 1, m: 5, outDim: 1, train: 'both' as never })).toThrow(/train must be/);
    expect(() => deepMinibatch(4, 5, 0, 0, 0)).toThrow(/batch must be/);
  });
});

describe('Def. 2.3 init', () => {
  const spec: DeepNetSpec = { inputDim: 16, L: 3, m: 256, outDim: 4, train: 'hidden' };
  const lay = deepLayout(spec);
  const theta = initDeepNet(spec, 42, 5);

  function moments(s: number, e: number): { mean: number; variance: number; count: number } {
    let a = 0;
    let b = 0;
    for (let p = s; p < e; p++) {
      a += theta[p]!;
      b += theta[p]! ** 2;
    }
    const count = e - s;
    return { mean: a / count, variance: b / count - (a / count) ** 2, count };
  }

  it('A and W_ℓ entries have variance 2/m, B entries 1/d (within 5 standard errors)', () => {
    const parts: [number, number, number][] = [
      [lay.a, lay.w[0]!, 2 / spec.m],
      ...lay.w.map((w): [number, number, number] => [w, w + spec.m * spec.m, 2 / spec.m]),
      [lay.b, lay.P, 1 / spec.outDim],
    ];
    for (const [s, e, v] of parts) {
      const { mean, variance, count } = moments(s, e);
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(v / count));
      expect(Math.abs(variance - v)).toBeLessThan(5 * v * Math.sqrt(2 / count));
    }
  });

  it('is a function of (seed, restart): reproducible, different across restarts', () => {
    const small: DeepNetSpec = { inputDim: 4, L: 2, m: 6, outDim: 2, train: 'hidden' };
    const a = initDeepNet(small, 42, 5);
    expect(initDeepNet(small, 42, 5)).toEqual(a);
    expect(initDeepNet(small, 42, 6)).not.toEqual(a);
    expect(initDeepNet(small, 43, 5)).not.toEqual(a);
    // Restart r's init does not depend on the other options' sizes beyond the layout: the same
    // (seed, restart, entry) gives the same normal, scaled by the layer's standard deviation.
    expect(theta[0]! / Math.sqrt(2 / spec.m)).toBeCloseTo(initDeepNet({ ...small, m: 9 }, 42, 5)[0]! / Math.sqrt(2 / 9), 12);
  });

  it('keeps ‖h_ℓ‖ ≈ 1 through the layers on a unit input (§4, at init)', () => {
    const { dataset } = separatedData({ n: 4, inputDim: 16, delta: 'random', outDim: 1, labels: 'gaussian', seed: 3 });
    for (let i = 0; i < 4; i++) {
      const { g } = deepForward(spec, theta, dataset.X.subarray(16 * i, 16 * i + 16));
      for (let l = 0; l <= spec.L; l++) {
        let s = 0;
        for (let k = 0; k < spec.m; k++) s += Math.max(0, g[l * spec.m + k]!) ** 2;
        expect(Math.sqrt(s)).toBeGreaterThan(0.75);
        expect(Math.sqrt(s)).toBeLessThan(1.25);
      }
    }
  });
});

describe('δ-separated data', () => {
  it('lies on the unit sphere with the 1/√2 coordinate, and its minimum separation is δ', () => {
    for (const delta of [0.1, 0.02, 0.005]) {
      const { dataset, minSeparation: sep, Y } = separatedData({ n: 17, inputDim: 16, delta, outDim: 1, labels: 'sign', seed: 8 });
      expect(dataset.n).toBe(17);
      expect(dataset.d).toBe(16);
      for (let i = 0; i < 17; i++) {
        const x = dataset.X.subarray(16 * i, 16 * i + 16);
        expect(Math.hypot(...x)).toBeCloseTo(1, 12);
        expect(x[15]).toBe(Math.SQRT1_2);
      }
      expect(sep).toBeGreaterThanOrEqual(delta * (1 - 1e-9));
      expect(sep).toBeCloseTo(delta, 10);
      expect(minSeparation(dataset.X, 17, 16)).toBe(sep);
      expect(dataset.y).toEqual(Y);
      for (const y of Y) expect(Math.abs(y)).toBe(1);
    }
  });

  it('random points are far apart, Gaussian labels for d > 1 come as Y, and bad input names its field', () => {
    const r = separatedData({ n: 32, inputDim: 16, delta: 'random', outDim: 3, labels: 'gaussian', seed: 1 });
    expect(r.minSeparation).toBeGreaterThan(0.2);
    expect(r.dataset.y).toBeUndefined();
    expect(r.Y.length).toBe(96);
    expect(new Set(r.Y).size).toBe(96);
    expect(JSON.stringify(r.dataset)).toContain('sha256');
    expect(() => separatedData({ n: 4, inputDim: 16, delta: 2, outDim: 1, labels: 'sign', seed: 1 })).toThrow(/delta/);
    expect(() => separatedData({ n: 4, inputDim: 2, delta: 0.1, outDim: 1, labels: 'sign', seed: 1 })).toThrow(/inputDim/);
    expect(() => separatedData({ n: 64, inputDim: 3, delta: 1.3, outDim: 1, labels: 'sign', seed: 1 })).toThrow(/could not place/);
  });
});

describe('GD on a wide net', () => {
  it('drives the summed loss of random labels down linearly (m = 128, L = 2, n = 8)', () => {
    const spec: DeepNetSpec = { inputDim: 8, L: 2, m: 128, outDim: 1, train: 'hidden' };
    const { dataset, Y } = separatedData({ n: 8, inputDim: 8, delta: 'random', outDim: 1, labels: 'gaussian', seed: 2 });
    const D: DeepData = { n: 8, X: dataset.X, Y };
    const theta = initDeepNet(spec, 1, 0);
    const theta0 = theta.slice();
    const ratio = gradientRatio(spec, theta, D);
    const lr = 0.5 / ratio;
    const curve: number[] = [];
    const grad = new Float64Array(theta.length);
    for (let t = 0; t < 300; t++) curve.push(deepGdStep(spec, theta, D, lr, grad));
    for (let t = 1; t < curve.length; t++) expect(curve[t]).toBeLessThanOrEqual(curve[t - 1]! * (1 + 1e-9));
    const steps = thresholdSteps(curve);
    expect(steps[1]).not.toBeNull();
    const rate = linearRate(curve);
    expect(rate).not.toBeNull();
    expect(rate!).toBeLessThan(0);
    const move = relativeMovement(spec, theta0, theta);
    expect(move[0]).toBe(0);
    expect(move[move.length - 1]).toBe(0);
    for (const v of move.slice(1, -1)) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(0.5);
    }
    expect(signFlipFraction(spec, theta0, theta, D)).toBeLessThan(0.1);
  });
});

describe('measures on hand-built inputs', () => {
  it('thresholds and the linear rate of F_t = F₀·e^{−0.05t} with a floor', () => {
    const curve = Array.from({ length: 400 }, (_, t) => Math.max(10 * Math.exp(-0.05 * t), 10 * 1e-6));
    const want = [1, 2, 3, 4].map((k) => Math.ceil((k * Math.log(10)) / 0.05 - 1e-9));
    expect(thresholdSteps(curve)).toEqual(want);
    expect(thresholdSteps(curve.filter((_, t) => t % 10 === 0), 10)).toEqual(want.map((t) => 10 * Math.ceil(t / 10)));
    expect(linearRate(curve)).toBeCloseTo(-0.05, 10);
    expect(linearRate(curve.filter((_, t) => t % 10 === 0), 10)).toBeCloseTo(-0.05, 10);
    const flat = Array.from({ length: 100 }, (_, t) => 1 - t * 1e-4);
    expect(thresholdSteps(flat)).toEqual([null, null, null, null]);
    expect(linearRate(flat)).toBeNull();
  });

  it('relative movement, sign flips and the gradient ratio of constructed nets', () => {
    const spec: DeepNetSpec = { inputDim: 4, L: 2, m: 8, outDim: 1, train: 'all' };
    const lay = deepLayout(spec);
    const D = data(spec, 5, 3);
    const t0 = initDeepNet(spec, 2, 1);
    const t1 = t0.slice();
    for (let p = lay.w[1]!; p < lay.b; p++) t1[p] = 1.5 * t0[p]!; // W₂ scaled: moves by exactly 0.5
    for (let p = lay.a; p < lay.w[0]!; p++) t1[p] = -t0[p]!; // A negated: moves by exactly 2
    const mv = relativeMovement(spec, t0, t1);
    expect(mv[0]).toBeCloseTo(2, 12);
    expect(mv[1]).toBe(0);
    expect(mv[2]).toBeCloseTo(0.5, 12);
    expect(mv[3]).toBe(0);
    expect(signFlipFraction(spec, t0, t0, D)).toBe(0);
    // Negating A flips every layer-0 sign (g ≠ 0 almost surely): at least a third of (L + 1) = 3 layers.
    expect(signFlipFraction(spec, t0, t1, D)).toBeGreaterThanOrEqual(1 / 3);
    const grad = new Float64Array(t0.length);
    const F = deepLossGrad(spec, t0, D, grad);
    const all = grad.reduce((a, g) => a + g * g, 0) / F;
    expect(gradientRatio(spec, t0, D)).toBeCloseTo(all, 10);
    const hidden = { ...spec, train: 'hidden' as const };
    let gw = 0;
    for (let p = lay.w[0]!; p < lay.b; p++) gw += grad[p]! ** 2;
    expect(gradientRatio(hidden, t0, D)).toBeCloseTo(gw / F, 10);
  });
});

describe('deep_step.wgsl composition (host/deep-engine.ts)', () => {
  it('composes with its header checked for both options, and rejects a kernel shape past the limits', () => {
    for (const train of DEEP_TRAINED) {
      const code = deepStepCode({ inputDim: 16, L: 4, m: 128, outDim: 1, train }, 32);
      expect(code).toContain(`const TRAIN_ALL: bool = ${train === 'all'};`);
      expect(code).toContain('const RB: u32 = 2u;');
    }
    const spec: DeepNetSpec = { inputDim: 4, L: 1, m: 8, outDim: 1, train: 'hidden' };
    expect(() => deepStepCode(spec, 4, { tile: 32, rb: 1 })).toThrow(/tile must be/);
    expect(() => deepStepCode(spec, 4, { tile: 16, rb: 4 })).toThrow(/rb must be/);
    expect(() => deepStepCode({ ...spec, m: 0 }, 4)).toThrow(/m must be/);
  });

  it('the per-restart kernel (deep_step_thread.wgsl) and the SGD, extra-neuron variants of both compose with their headers checked', () => {
    const spec: DeepNetSpec = { inputDim: 4, L: 2, m: 8, outDim: 2, train: 'all', extra: { lambda: 0.1 } };
    for (const kernel of ['per-restart', { tile: 4, rb: 2 }] as const) {
      const code = deepStepCode(spec, 10, kernel, 3);
      expect(code).toContain('const NS: u32 = 3u;');
      expect(code).toContain('const ND: u32 = 10u;');
      expect(code).toContain('fn rng_uniform_int');
    }
    expect(deepStepCode(spec, 10, 'per-restart')).toContain('fn step_restart');
    expect(() => deepStepCode(spec, 10, 'per-restart', 11)).toThrow(/batch must be/);
  });
});

describe('deep nets with the extra neuron (Kawaguchi & Kaelbling)', () => {
  for (const train of DEEP_TRAINED) {
    it(`central differences of F̃ = F + (n·λ/2)‖a‖² over every parameter, d = 3, train=${train}; the neuron always trained`, () => {
      const spec: DeepNetSpec = { inputDim: 5, L: 2, m: 6, outDim: 3, train, extra: { lambda: 0.3 } };
      const lay = deepLayout(spec);
      expect(lay.P - lay.e).toBe(3 * (2 + 5));
      const theta = initDeepNet(spec, 7, 3);
      // Drawn as without the neuron (its parameters start at 0): the same base row.
      expect(Array.from(theta.subarray(0, lay.e))).toEqual(Array.from(initDeepNet({ ...spec, extra: undefined }, 7, 3)));
      expect(Array.from(theta.subarray(lay.e)).every((v) => v === 0)).toBe(true);
      const r = lcg(5);
      for (let p = lay.e; p < lay.P; p++) theta[p] = 0.4 * r();
      const D = data(spec, 4, 13);
      const grad = new Float64Array(theta.length);
      deepLossGrad(spec, theta, D, grad);
      const fd = new Float64Array(theta.length);
      for (let p = 0; p < theta.length; p++) {
        const keep = theta[p]!;
        theta[p] = keep + 1e-6;
        const up = deepLossGrad(spec, theta, D);
        theta[p] = keep - 1e-6;
        const down = deepLossGrad(spec, theta, D);
        theta[p] = keep;
        fd[p] = (up - down) / 2e-6;
      }
      expect(relErr(grad, fd)).toBeLessThan(1e-6);
      for (let p = lay.e; p < lay.P; p++) expect(Math.abs(grad[p]!)).toBeGreaterThan(0);
      expect(trainedRanges(spec).at(-1)).toEqual([lay.e, lay.P]);
      // With a = 0 the net is the base net: the same F.
      const off = theta.slice();
      off.fill(0, lay.e, lay.e + 3);
      expect(deepLossGrad(spec, off, D)).toBeCloseTo(deepLossGrad({ ...spec, extra: undefined }, off.subarray(0, lay.e), D), 12);
      // An exponent past EXTRA_Z_MAX: F is NaN (the restart stops; never clamped on).
      off[lay.e] = 1e-30;
      off[lay.e + 3] = 81;
      expect(deepLossGrad(spec, off, D)).toBeNaN();
    });
  }
});
