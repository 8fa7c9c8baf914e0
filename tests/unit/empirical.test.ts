import { describe, expect, it } from 'vitest';
import { type ModelSpec, type Activation, ACTIVATIONS, shapeOf } from '../../src/core/model.ts';
import { drawSample, empiricalLossAndGradient, teacherLabels } from '../../src/core/empirical.ts';
import { numericGradient, relativeError } from '../finite-differences.ts';

/** Deterministic pseudo-random parameters (not the engine's RNG, so a bug there cannot hide one here). */
function lcgParams(P: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[p] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

const configs: { name: string; model: Omit<ModelSpec, 'activation'> }[] = [
  { name: 'Du: no overlap, learned a, weight norm', model: { d: 24, m: 6, stride: 6, filters: 1, output: 'learned', weightNorm: true } },
  { name: 'BG: no overlap, fixed a', model: { d: 12, m: 3, stride: 3, filters: 1, output: 'fixed', weightNorm: false } },
  { name: 'overlap m=2 stride 1, fixed a', model: { d: 5, m: 2, stride: 1, filters: 1, output: 'fixed', weightNorm: false } },
  { name: 'overlap m=3 stride 2, F=2, learned', model: { d: 9, m: 3, stride: 2, filters: 2, output: 'learned', weightNorm: false } },
  { name: 'Zhong: fully connected K=1, F=3', model: { d: 5, m: 5, stride: 1, filters: 3, output: 'learned', weightNorm: false } },
  { name: 'overlap with weight norm, F=2', model: { d: 8, m: 4, stride: 2, filters: 2, output: 'learned', weightNorm: true } },
];

describe('empirical loss gradient (finite differences, f64)', () => {
  for (const act of ACTIVATIONS) {
    for (const c of configs) {
      it(`${act} — ${c.name}`, () => {
        const model: ModelSpec = { ...c.model, activation: act as Activation };
        const shape = shapeOf(model);
        const n = 64;
        const X = drawSample(7, n, shape.d);
        const teacher = { filters: 1, w: lcgParams(shape.m, 3), a: lcgParams(shape.K, 4) };
        const y = teacherLabels(model, teacher, X, n);
        const params = lcgParams(shape.P, 11);
        const { loss, grad } = empiricalLossAndGradient(model, params, X, y, null, n);
        expect(Number.isFinite(loss)).toBe(true);
        expect(loss).toBeGreaterThan(0);
        const fd = numericGradient((p) => empiricalLossAndGradient(model, p, X, y, null, n).loss, params.slice(), 1e-6);
        // A fixed output layer has no gradient: finite differences would see one, the engine must not.
        if (model.output === 'fixed') fd.fill(0, shape.aOffset);
        const err = relativeError(grad, fd);
        expect(err, `relative error ${err}`).toBeLessThan(1e-6);
      });
    }
  }

  it('a minibatch of rows equals the loss over those rows', () => {
    const model: ModelSpec = { d: 12, m: 4, stride: 4, filters: 1, activation: 'relu', output: 'learned', weightNorm: true };
    const shape = shapeOf(model);
    const X = drawSample(1, 10, shape.d);
    const teacher = { filters: 1, w: lcgParams(4, 5), a: lcgParams(3, 6) };
    const y = teacherLabels(model, teacher, X, 10);
    const params = lcgParams(shape.P, 8);
    const rows = [3, 3, 7];
    const sub = new Float64Array(3 * shape.d);
    const ySub = new Float64Array(3);
    rows.forEach((r, b) => {
      sub.set(X.subarray(r * shape.d, (r + 1) * shape.d), b * shape.d);
      ySub[b] = y[r];
    });
    const viaRows = empiricalLossAndGradient(model, params, X, y, rows, 3);
    const direct = empiricalLossAndGradient(model, params, sub, ySub, null, 3);
    expect(viaRows.loss).toBeCloseTo(direct.loss, 14);
    expect(relativeError(viaRows.grad, direct.grad)).toBeLessThan(1e-14);
  });
});
