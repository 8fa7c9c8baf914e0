/**
 * Kawaguchi & Kaelbling's Example 1 (src/core/kk-example1.ts, the kk-example1 preset): the
 * gradient against finite differences, min over a against a brute-force scan, the derived numbers
 * of the spec (local minimum θ = 0.20003 with L = 7.99958, the zero set [0.7931, 0.8061],
 * L(−1) = 42.9), and GD's two fates — from θ₀ ∈ {0.25, 0.35, 0.45} θ stays at 0.2 while b grows
 * like 0.53·ln t (0.65, 1.26, 2.47, 2.84 at 10³…2·10⁵ steps), from 0.5 it escapes to L = 0.
 */
import { describe, expect, it } from 'vitest';
import {
  augmentedGradient,
  augmentedLoss,
  descend,
  exampleLoss,
  exampleOutput,
  exampleOutputDerivative,
  logSpacedSteps,
  lossMinimaOn,
  minOverA,
  slopeAgainstLogT,
  zeroLossIntervals,
} from '../../src/core/kk-example1.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { collect } from '../collect.ts';

describe('the example’s functions', () => {
  it('df/dθ and ∇L̃ equal central differences', () => {
    const h = 1e-6;
    for (const t of [-0.3, 0.1, 0.2, 0.37, 0.6, 0.79, 1.1]) {
      expect(exampleOutputDerivative(t)).toBeCloseTo((exampleOutput(t + h) - exampleOutput(t - h)) / (2 * h), 6);
    }
    const lambda = 0.3;
    for (const p of [
      { theta: 0.25, a: -0.4, b: 0.7 },
      { theta: 0.5, a: 0.2, b: -1.2 },
      { theta: 0.1, a: -1.5, b: 1.9 },
    ]) {
      const g = augmentedGradient(p, lambda);
      const fd = (k: 'theta' | 'a' | 'b') => (augmentedLoss({ ...p, [k]: p[k] + h }, lambda) - augmentedLoss({ ...p, [k]: p[k] - h }, lambda)) / (2 * h);
      for (const k of ['theta', 'a', 'b'] as const) expect(g[k], k).toBeCloseTo(fd(k), 4);
    }
  });

  it('min over a is the minimum of a fine scan of a (L̃ is convex in a)', () => {
    for (const [theta, b] of [
      [0.2, -1],
      [0.2, 2],
      [0.45, 0],
      [0.8, 3],
      [0.65, 5],
    ]) {
      const best = minOverA(theta, b, 0.1);
      let scan = Infinity;
      for (let i = 0; i <= 40_000; i++) scan = Math.min(scan, augmentedLoss({ theta, a: -4 + (4.5 * i) / 40_000, b }, 0.1));
      expect(best.loss).toBeLessThanOrEqual(scan + 1e-12);
      expect(best.loss).toBeGreaterThan(scan - 1e-5 * Math.max(1, scan));
    }
  });

  it('the derived numbers: the local minimum, the zero set, L(−1)', () => {
    const minima = lossMinimaOn(-0.2, 1.2);
    expect(minima).toHaveLength(1);
    expect(minima[0].theta).toBeCloseTo(0.20003, 5);
    expect(minima[0].loss).toBeCloseTo(7.99958, 5);
    const zero = zeroLossIntervals(-0.2, 1.2);
    expect(zero).toHaveLength(1);
    expect(zero[0][0]).toBeCloseTo(0.7931, 4);
    expect(zero[0][1]).toBeCloseTo(0.8061, 4);
    expect(exampleLoss(-1)).toBeCloseTo(42.875, 3);
  });

  it('log-spaced steps run 1 … T, strictly increasing; the slope of c·ln t is c', () => {
    const s = logSpacedSteps(200_000);
    expect(s[0]).toBe(1);
    expect(s[s.length - 1]).toBe(200_000);
    for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1]);
    expect(slopeAgainstLogT(s, s.map((t) => 0.7 * Math.log(t) + 3))).toBeCloseTo(0.7, 12);
    expect(slopeAgainstLogT(s, s.map(() => 1))).toBeCloseTo(0, 12);
  });
});

describe('gradient descent on L̃ (λ = 0.1, lr 10⁻³, a₀ = b₀ = 0)', () => {
  it('from θ₀ = 0.25, 0.35, 0.45: θ stays at the local minimum, b grows like 0.53·ln t', () => {
    for (const theta0 of [0.25, 0.35, 0.45]) {
      const tr = descend({ theta: theta0, a: 0, b: 0 }, 0.1, 1e-3, 200_000);
      const at = (t: number) => tr.steps.indexOf(t);
      expect(tr.nonFinite).toBeNull();
      expect(tr.theta[at(200_000)]).toBeCloseTo(0.2, 3);
      expect(tr.loss[at(200_000)]).toBeCloseTo(8, 2);
      for (const [t, b] of [
        [1000, 0.65],
        [10_000, 1.26],
        [100_000, 2.47],
        [200_000, 2.84],
      ]) {
        expect(tr.b[at(t)], `θ₀ ${theta0}, step ${t}`).toBeCloseTo(b, 2);
      }
      expect(tr.a[at(200_000)]).toBeCloseTo(-0.115, 3);
      expect(tr.augmented[at(200_000)]).toBeLessThan(1.4e-3);
      expect(slopeAgainstLogT(tr.steps, tr.b)).toBeCloseTo(0.53, 1);
    }
  });

  it('from θ₀ = 0.5: θ reaches the global set, the neuron vanishes, b stays put', () => {
    const tr = descend({ theta: 0.5, a: 0, b: 0 }, 0.1, 1e-3, 200_000);
    const end = tr.steps.length - 1;
    expect(tr.theta[end]).toBeGreaterThan(0.79);
    expect(tr.loss[end]).toBeLessThan(1e-6);
    expect(Math.abs(tr.a[end])).toBeLessThan(1e-4);
    expect(Math.abs(tr.b[end])).toBeLessThan(0.01);
  });
});

describe('the kk-example1 preset', () => {
  it('classifies each trajectory and reports the paper’s words beside the numbers', async () => {
    const { result } = await collect(runExperiment('kk-example1', { theta0: [0.25, 0.5, 0.9], steps: 50_000, mapResolution: 41 }, { engine: cpuEngine() }));
    const rows = result.tables.find((t) => t.id === 'trajectories')!.rows;
    expect(rows.map((r) => r[0])).toEqual([0.25, 0.5, 0.9]);
    expect(rows.map((r) => r[r.length - 1])).toEqual(['stuck, b diverging', 'escaped', 'escaped']);
    const [cell] = result.cells;
    expect(cell).toMatchObject({ restarts: 3, global: 2, spurious: 1, diverged: 0, undecided: 0 });
    expect(result.figures.map((f) => f.id)).toEqual(['fig1a', 'fig1b', 'b-vs-log-t', 'theta-vs-log-t', 'augmented-vs-log-t']);
    expect(result.figures[2].series).toHaveLength(3);
    expect(result.engine).toBe('cpu');
    const map = result.maps![0];
    expect(map.field!.values).toHaveLength(map.x.n * map.y.n);
    // The map's lowest values lie in the global set θ ∈ [0.7931, 0.8061] (L = 0 there for every b).
    const lowest = map.field!.values.indexOf(Math.min(...map.field!.values));
    const theta = map.x.lo + ((lowest % map.x.n) * (map.x.hi - map.x.lo)) / (map.x.n - 1);
    expect(theta).toBeGreaterThan(0.79);
    expect(theta).toBeLessThan(0.81);
    expect(result.notes[0]).toMatch(/2 escaped .* 1 stuck with b still growing/);
  });

  it('a large step blows up: the trajectory is labelled numerically diverged, not dropped', async () => {
    const { result } = await collect(runExperiment('kk-example1', { theta0: [0.3], steps: 1000, lr: 30 }, { engine: cpuEngine() }));
    expect(result.cells[0]).toMatchObject({ restarts: 1, diverged: 1, global: 0 });
    expect(result.tables.find((t) => t.id === 'trajectories')!.rows[0].at(-1)).toBe('numerically diverged');
  });
});
