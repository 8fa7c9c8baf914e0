/**
 * Kawaguchi & Kaelbling's extra exponential neuron on the CPU reference (src/core/extra-neuron.ts):
 * finite-difference gradients of the augmented loss L̃ = L + (λ/2)a_e² for every base model, f̃ = f
 * where a_e = 0, the paired draw (the same base row with and without the neuron), the per-group
 * step rule, the f32 overflow guard (a restart whose exponent passes EXTRA_Z_MAX is labelled
 * diverged, never clamped on), and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { type ModelSpec, type Activation, effectiveFilters, shapeOf } from '../../src/core/model.ts';
import { drawSample, empiricalLossAndGradient, teacherLabels } from '../../src/core/empirical.ts';
import { EXTRA_Z_MAX, extraNorm, extraSlots } from '../../src/core/extra-neuron.ts';
import { type Experiment, validateExperiment } from '../../src/core/experiment.ts';
import { initParams } from '../../src/core/init.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runCpu, runRestart } from '../../src/engine/cpu.ts';
import type { Snapshot } from '../../src/core/stats.ts';
import { numericGradient, relativeError } from '../finite-differences.ts';
import { refusal } from '../refusal.ts';

/** Deterministic parameters in [−scale, scale] (not the engine's RNG). */
function lcg(P: number, seed: number, scale = 1): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: P }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * ((s / 2 ** 32) * 2 - 1);
  });
}

const BASES: { name: string; model: Omit<ModelSpec, 'activation'> }[] = [
  { name: 'Du: no overlap, learned a, weight norm', model: { d: 24, m: 6, stride: 6, filters: 1, output: 'learned', weightNorm: true } },
  { name: 'BG: overlap m=2 stride 1, fixed a', model: { d: 5, m: 2, stride: 1, filters: 1, output: 'fixed', weightNorm: false } },
  { name: 'Zhong: fully connected K=1, F=3, fixed', model: { d: 5, m: 5, stride: 1, filters: 3, output: 'fixed', weightNorm: false } },
  { name: 'overlap m=3 stride 2, F=2, learned', model: { d: 9, m: 3, stride: 2, filters: 2, output: 'learned', weightNorm: false } },
];

const withExtra = (model: ModelSpec, lambda = 0.1): ModelSpec => ({ ...model, extra: { lambda } });

describe('the augmented loss L̃ = L(f + a_e·e^{w_eᵀx + b_e}) + (λ/2)a_e² (finite differences, f64)', () => {
  for (const act of ['relu', 'tanh', 'squared-relu'] as Activation[]) {
    for (const c of BASES) {
      it(`${act} — ${c.name}`, () => {
        const model = withExtra({ ...c.model, activation: act });
        const shape = shapeOf(model);
        expect(shape.E).toBe(shape.d + 2);
        const n = 48;
        const X = drawSample(7, n, shape.d);
        const y = teacherLabels(model, { filters: 1, w: lcg(shape.m, 3), a: lcg(shape.K, 4) }, X, n);
        const params = lcg(shape.P, 11);
        // A moderate neuron: |w_eᵀx| of order 1, so e^z neither vanishes nor dominates.
        params.set(lcg(shape.d, 5, 0.3), extraSlots(shape).w);
        const { loss, grad } = empiricalLossAndGradient(model, params, X, y, null, n);
        expect(Number.isFinite(loss)).toBe(true);
        const fd = numericGradient((p) => empiricalLossAndGradient(model, p, X, y, null, n).loss, params.slice(), 1e-6);
        if (model.output === 'fixed') fd.fill(0, shape.aOffset, shape.eOffset);
        expect(relativeError(grad, fd)).toBeLessThan(1e-6);
        // Every extra coordinate has a gradient of its own (the check above is not over zeros).
        for (let p = shape.eOffset; p < shape.P; p++) expect(Math.abs(grad[p])).toBeGreaterThan(0);
      });
    }
  }

  it('with a_e = 0 the neuron is off: the base loss and gradient, ∂/∂b_e = ∂/∂w_e = 0, ∂/∂a_e = mean(r·e^{z})', () => {
    const base: ModelSpec = { ...BASES[0].model, activation: 'relu' };
    const model = withExtra(base, 0.5);
    const s0 = shapeOf(base);
    const shape = shapeOf(model);
    const n = 32;
    const X = drawSample(9, n, shape.d);
    const y = teacherLabels(base, { filters: 1, w: lcg(s0.m, 1), a: lcg(s0.K, 2) }, X, n);
    const theta = lcg(s0.P, 3);
    const row = new Float64Array(shape.P);
    row.set(theta);
    row[extraSlots(shape).b] = 0.2;
    row.set(lcg(shape.d, 4, 0.1), extraSlots(shape).w);
    const plain = empiricalLossAndGradient(base, theta, X, y, null, n);
    const aug = empiricalLossAndGradient(model, row, X, y, null, n);
    expect(aug.loss).toBe(plain.loss);
    expect(Array.from(aug.grad.subarray(0, s0.P))).toEqual(Array.from(plain.grad));
    expect(Array.from(aug.grad.subarray(extraSlots(shape).b))).toEqual(new Array(shape.d + 1).fill(0));
    // r_i = f(x_i) − y_i from the base model itself (its effective filters as a teacher).
    const f = teacherLabels(base, { filters: 1, w: effectiveFilters(base, theta), a: theta.slice(s0.aOffset) }, X, n);
    let expected = 0;
    for (let i = 0; i < n; i++) {
      let z = row[extraSlots(shape).b];
      for (let t = 0; t < shape.d; t++) z += row[extraSlots(shape).w + t] * X[i * shape.d + t];
      expected += ((f[i] - y[i]) * Math.exp(z)) / n;
    }
    expect(aug.grad[extraSlots(shape).a]).toBeCloseTo(expected, 12);
    expect(Math.abs(expected)).toBeGreaterThan(1e-3);
  });
});

/** A small Brutzkus & Globerson overlap problem on a fixed sample, with or without the neuron. */
function overlapExperiment(extra?: ModelSpec['extra'], over: Partial<Experiment> = {}): Experiment {
  return {
    model: { d: 5, m: 2, stride: 1, filters: 1, activation: 'relu', output: 'fixed', weightNorm: false, ...(extra ? { extra } : {}) },
    teacher: { filters: 1, w: Float64Array.from([-1, 1]), a: new Float64Array(4).fill(0.25) },
    loss: { kind: 'empirical', samples: 200 },
    optimizer: { kind: 'gd', lr: 0.1 },
    init: { kind: 'gaussian', std: 1 },
    restarts: 8,
    maxSteps: 300,
    seed: 5,
    outcome: DEFAULT_OUTCOME_RULE,
    ...over,
  };
}

describe('the engine with the extra neuron (CPU reference)', () => {
  it('draws the same base row with and without it (paired restarts), the neuron at 0 by default or from its own init', () => {
    for (const init of [{ kind: 'gaussian', std: 1 }, { kind: 'sphere', aStd: 0.5 }, { kind: 'du' }] as Experiment['init'][]) {
      const plain = overlapExperiment(undefined, { init, model: { d: 6, m: 3, stride: 3, filters: 1, activation: 'relu', output: 'learned', weightNorm: true } });
      const aug = { ...plain, model: { ...plain.model, extra: { lambda: 0.1 } } };
      const drawn = { ...plain, model: { ...plain.model, extra: { lambda: 0.1, init: { aStd: 0.01, wStd: 0.1, b: 0.5 } } } };
      const s0 = shapeOf(plain.model);
      const s1 = shapeOf(aug.model);
      for (let r = 0; r < 4; r++) {
        const a = new Float64Array(s0.P);
        const b = new Float64Array(s1.P);
        const c = new Float64Array(s1.P);
        initParams(plain, r, a, 0);
        initParams(aug, r, b, 0);
        initParams(drawn, r, c, 0);
        expect(Array.from(b.subarray(0, s0.P))).toEqual(Array.from(a));
        expect(Array.from(c.subarray(0, s0.P))).toEqual(Array.from(a));
        expect(extraNorm(s1, b)).toBe(0);
        expect(c[extraSlots(s1).b]).toBe(0.5);
        expect(c[extraSlots(s1).a]).not.toBe(0);
        expect(Math.abs(c[extraSlots(s1).a])).toBeLessThan(0.1);
      }
    }
  });

  it('the first step from a_e = 0 moves θ as the baseline does; the extra neuron may take its own step rule', () => {
    const plain = overlapExperiment(undefined, { maxSteps: 1, outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 0 } });
    const aug = overlapExperiment({ lambda: 0.1 }, { maxSteps: 1, outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 0 }, optimizer: { kind: 'gd', lr: 0.1, extra: { kind: 'adagrad', lr: 0.01, eps: 1e-8 } } });
    const s0 = shapeOf(plain.model);
    const s1 = shapeOf(aug.model);
    const p0 = runRestart(prepare(plain), 2).params;
    const p1 = runRestart(prepare(aug), 2).params;
    expect(Array.from(p1.subarray(0, s0.P))).toEqual(Array.from(p0));
    // AdaGrad's first step is lr·g/(|g| + ε) = ±lr where g ≠ 0: only a_e has a gradient at a_e = 0.
    expect(Math.abs(p1[extraSlots(s1).a])).toBeCloseTo(0.01, 5);
    expect(p1[extraSlots(s1).b]).toBe(0);
  });

  it('an exponent past EXTRA_Z_MAX labels the restart diverged (never clamped on), with no NaN in the statistics', async () => {
    const exp = overlapExperiment({ lambda: 0.1 }, { init: { kind: 'supplied', params: [] } });
    const shape = shapeOf(exp.model);
    const rows = new Float64Array(exp.restarts * shape.P);
    for (let r = 0; r < exp.restarts; r++) {
      const row = rows.subarray(r * shape.P, (r + 1) * shape.P);
      row.set([0.8, -0.3, 0.25, 0.25, 0.25, 0.25]);
      row[extraSlots(shape).a] = 1e-30; // tiny: a_e·e^z stays finite, e^z alone would not
      row[extraSlots(shape).b] = r < 4 ? EXTRA_Z_MAX + 1 : 0;
    }
    const prep = prepare({ ...exp, init: { kind: 'supplied', params: rows } });
    for (let r = 0; r < exp.restarts; r++) {
      const res = runRestart(prep, r);
      if (r < 4) {
        expect(res.code).toBe(OUTCOME.diverged);
        expect(res.steps).toBe(0);
      } else expect(res.code).not.toBe(OUTCOME.diverged);
    }
    let last: Snapshot | undefined;
    for await (const snap of runCpu({ ...exp, init: { kind: 'supplied', params: rows } })) last = snap;
    expect(last!.counts.diverged).toBe(4);
    // NaN would be written as null: the histograms and rates hold none.
    expect(JSON.stringify({ h: last!.histograms, p: last!.pGlobal, ci: last!.ci95 })).not.toContain('null');
    const X = prep.sample!.X;
    const row = rows.subarray(0, shape.P);
    expect(empiricalLossAndGradient(exp.model, row, X, prep.sample!.y, null, 200).loss).toBeNaN();
    row[extraSlots(shape).b] = EXTRA_Z_MAX - 10;
    expect(Number.isFinite(empiricalLossAndGradient(exp.model, row, X, prep.sample!.y, null, 200).loss)).toBe(true);
  });

  it('refuses what it cannot run, naming the field', () => {
    const bad = (exp: Experiment, field: string, msg: RegExp) => refusal(() => validateExperiment(exp), field, msg);
    bad(overlapExperiment({ lambda: -1 }), 'model.extra.lambda', /≥ 0/);
    bad(overlapExperiment({ lambda: 0.1, init: { aStd: NaN, wStd: 0, b: 0 } }), 'model.extra.init.aStd', /finite/);
    bad(overlapExperiment({ lambda: 0.1 }, { loss: { kind: 'population' } }), 'model.extra', /finite sample/);
    bad(overlapExperiment(undefined, { optimizer: { kind: 'gd', lr: 0.1, extra: { kind: 'gd', lr: 0.01 } } }), 'optimizer.extra', /has none/);
    bad(overlapExperiment({ lambda: 0.1 }, { optimizer: { kind: 'gd', lr: 0.1, extra: { kind: 'adagrad', lr: 0.01, eps: 0 } } }), 'optimizer.extra.eps', /> 0/);
  });
});
