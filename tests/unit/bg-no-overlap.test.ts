/**
 * bg-no-overlap (Brutzkus & Globerson Sec. 5) on the CPU engine with small options: eq. 8 as the
 * paper prints it against our population loss, the saddle's place, loss and Hessian against the
 * closed forms of remaining-papers.md §A.1, and a small run of the whole preset: P(global) = 1,
 * the angle never rising (eq. 15), the escape time growing like 1/φ₀ (a cubic saddle), the
 * T(ε) fit, and Fig. 2's field map.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { bgBetaGamma, eq8Loss, growthFit, lossMap, noOverlapModel, noOverlapTeacher, saddleCheck, saddleCoefficient, saddleLoss, sphereAngleTail } from '../../src/presets/bg-no-overlap.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { populationLoss } from '../../src/core/population.ts';
import { plotBasinMap } from '../../src/results/plot.ts';
import { mapCsv } from '../../src/results/report.ts';
import type { ExperimentResult, Table } from '../../src/results/types.ts';
import { parseHTML } from 'linkedom';
import { withDocument } from './dom.ts';

withDocument();

/** §A.1's table: c(k), ℓ at the saddle and ℓ(0) for ‖w*‖ = 1. */
const TABLE: [number, number, number, number][] = [
  [2, 0.241453, 0.310363, 0.329577],
  [4, 0.488473, 0.186059, 0.244366],
  [10, 0.741254, 0.087063, 0.193239],
  [25, 0.884252, 0.037685, 0.172789],
  [100, 0.969243, 0.009846, 0.162563],
];

const table = (r: ExperimentResult, id: string): Table => {
  const t = r.tables.find((x) => x.id === id);
  if (!t) throw new Error(`no table ${id}`);
  return t;
};
const col = (t: Table, name: string) => t.columns.indexOf(name);

describe('eq. 8 and its closed forms', () => {
  it('our ℓ = 2L equals eq. 8 (with its constant restored) at random points', () => {
    for (const [k, m] of [[2, 2], [4, 5], [10, 3]]) {
      const model = noOverlapModel(k, m);
      const t = noOverlapTeacher(k, m, 7);
      for (let i = 0; i < 5; i++) {
        const w = Array.from({ length: m }, (_, j) => Math.sin(3 * i + 7 * j + k));
        const row = [...w, ...new Array(k).fill(1 / k)];
        expect(2 * populationLoss(model, t, row)).toBeCloseTo(eq8Loss(k, w, t.w), 10);
      }
    }
  });

  it('c(k), ℓ at the saddle and ℓ(0) match the spec table', () => {
    for (const [k, c, ls, l0] of TABLE) {
      expect(saddleCoefficient(k)).toBeCloseTo(c, 6);
      expect(saddleLoss(k).saddle).toBeCloseTo(ls, 6);
      expect(saddleLoss(k).zero).toBeCloseTo(l0, 6);
    }
  });

  it('the saddle: ∇ℓ ≈ 0 in f64, one eigenvalue 2γ/k², m − 1 zeros, degenerate', () => {
    for (const [k] of TABLE) {
      for (const m of [2, 5]) {
        const s = saddleCheck(k, m, 3);
        expect(s.gradNorm).toBeLessThan(1e-12);
        expect(s.loss).toBeCloseTo(saddleLoss(k).saddle, 9);
        const ev = [...s.eigenvalues].sort((a, b) => b - a);
        expect(ev).toHaveLength(m);
        const { gamma } = bgBetaGamma(k);
        expect(ev[0] / ((2 * gamma) / (k * k))).toBeCloseTo(1, 5);
        for (const v of ev.slice(1)) expect(Math.abs(v)).toBeLessThan(1e-6 * ev[0]);
        expect(s.kind).toBe('degenerate');
      }
    }
  });

  it('the sphere angle tail: δ for m = 2, less for m = 3', () => {
    expect(sphereAngleTail(2, 0.1)).toBeCloseTo(0.1, 6);
    // m = 3: density sin θ / 2, tail (1 − cos(δπ))/2.
    expect(sphereAngleTail(3, 0.1)).toBeCloseTo((1 - Math.cos(0.1 * Math.PI)) / 2, 6);
  });

  it('growthFit tells 1/x from log(1/x)', () => {
    const x = [1e-1, 3e-2, 1e-2, 3e-3, 1e-3];
    expect(growthFit(x, x.map((v) => 5 + 2 / v), 1).better).toBe('power');
    expect(growthFit(x, x.map((v) => 5 + 2 * Math.log(1 / v)), 1).better).toBe('log');
    expect(growthFit(x, [null, null, 3, null, null], 1).better).toBe('undetermined');
  });
});

describe('bg-no-overlap on the CPU engine (small options)', () => {
  let result: ExperimentResult;
  beforeAll(async () => {
    ({ result } = await collect(
      runExperiment(
        'bg-no-overlap',
        { k: [2, 4], m: [2, 5], lr: [0.1, 0.5], restarts: 200, steps: 4000, traced: 16, traceSteps: 600, traceK: 4, rateRestarts: 2, rateEvery: 5, eps: [1e-1, 1e-2, 1e-3, 1e-4], escapeK: 4, escapeLr: 0.5, phi: [1e-1, 3e-2, 1e-2, 3e-3], escapeSteps: 20000, mapResolution: 21 },
        { engine: cpuEngine() },
      ),
    ));
  }, 60_000);

  it('the critical-points table comes first, then P(global) = 1 in every cell', () => {
    expect(result.tables[0].id).toBe('critical-points');
    const t = table(result, 'p-global');
    expect(t.rows).toHaveLength(8);
    for (const row of t.rows) {
      // k = 2: every restart global. k = 4: any non-global one stopped at the degenerate saddle
      // (its gradient ∝ φ² passes the stationarity test), none diverged or elsewhere.
      if (row[0] === 2) expect(row[col(t, 'P(global) [95% CI]')]).toMatch(/^1\.0000 /);
      expect(row[col(t, 'spurious')]).toBe(row[col(t, '… stopped on the saddle’s ray (θ > π − 0.1)')]);
      expect(row[col(t, 'diverged')]).toBe(0);
      expect(Number(row[col(t, 'global')])).toBeGreaterThanOrEqual(195);
    }
  });

  it('the angle never rises above the f32 floor (eq. 15)', () => {
    const t = table(result, 'angle');
    for (const row of t.rows) expect(row[col(t, 'angle ever rose (eq. 15: 0)')]).toBe(0);
  });

  it('the escape time from π − φ₀ grows like 1/φ₀ (a degenerate, cubic saddle)', () => {
    const t = table(result, 'escape');
    const steps = t.rows.map((r) => Number(r[1]));
    for (const s of steps) expect(Number.isFinite(s)).toBe(true);
    // φ₀ · steps tends to a constant: the last two (φ₀ = 1e-2, 3e-3) within 25%, and far from a log law.
    const prod = t.rows.map((r) => Number(r[2]));
    expect(prod[3] / prod[2]).toBeGreaterThan(0.75);
    expect(prod[3] / prod[2]).toBeLessThan(1.25);
    expect(steps[3] / steps[0]).toBeGreaterThan(10);
    expect(result.notes.some((n) => n.includes('∝ 1/φ₀, the cubic'))).toBe(true);
  });

  it('the ray θ₀ = π converges to −c(k)w* and the trap labels it spurious', () => {
    const note = result.notes.find((n) => n.startsWith('BG5-4 (ii)'))!;
    expect(note).toMatch(/ended 'spurious'/);
    expect(note).toMatch(/labelled 'spurious'/);
    const dist = Number(/at distance ([0-9.e-]+)/.exec(note)![1]);
    expect(dist).toBeLessThan(1e-3);
  });

  it('T(ε) is reached and fits log(1/ε) better than 1/ε²', () => {
    const t = table(result, 'rate');
    // Each k at m = 2, then m = 5 at traceK = 4: λ = traceLr = 0.1.
    expect(t.rows.map((r) => [r[0], r[1], r[2]])).toEqual([[2, 2, 0.1], [4, 2, 0.1], [4, 5, 0.1]]);
    for (const row of t.rows) expect(row[col(t, 'T(0.001)')]).not.toBe('—');
    const better = t.rows.map((r) => r[col(t, 'fits better')]);
    expect(better.filter((b) => b === 'log').length).toBeGreaterThan(better.length / 2);
  });

  it('Fig. 2: the loss field is eq. 8 on the grid, min at w* (0), and renders as SVG', () => {
    const map = result.maps![0];
    expect(map.field!.values).toHaveLength(21 * 21);
    const at = (ix: number, iy: number) => map.field!.values[iy * 21 + ix];
    // Grid step 0.2: (1, 1) is (15, 15).
    expect(at(15, 15)).toBeCloseTo(0, 12);
    expect(at(3, 8)).toBeCloseTo(eq8Loss(10, [-2 + 0.6, -2 + 1.6], [1, 1]), 10);
    expect(Math.min(...map.field!.values)).toBe(at(15, 15));
    const { document } = parseHTML('<html><body></body></html>');
    const svg = plotBasinMap(map, document as unknown as Document).outerHTML;
    expect(svg).toContain('ℓ(w)');
    expect((svg.match(/<rect/g) ?? []).length).toBeGreaterThan(21);
    // The CSV holds the values, top row (w₂ = 2) first: its first value is ℓ(−2, 2).
    const csv = mapCsv(map).split('\n');
    expect(Number(csv[1].split(',')[1])).toBeCloseTo(eq8Loss(10, [-2, 2], [1, 1]), 6);
  });

  it('a field map with a NaN (a cell not run) writes NaN in its CSV, also read back from the result JSON (null there)', () => {
    const map = { ...result.maps![0], field: { label: 'ℓ', values: result.maps![0].field!.values.map((v, i) => (i === 0 ? NaN : v)) } };
    const back = JSON.parse(JSON.stringify(map));
    expect(back.field.values[0]).toBeNull();
    for (const m of [map, back]) {
      const bottom = mapCsv(m).trim().split('\n').at(-1)!.split(',');
      expect(bottom[1]).toBe('NaN');
      expect(Number(bottom[2])).toBeCloseTo(map.field.values[1], 6);
    }
  });

  it('the page renders every table of the result', async () => {
    const { renderTables } = await import('../../src/ui/views.ts');
    const box = document.createElement('div');
    renderTables(box, result.tables);
    expect(box.querySelectorAll('table')).toHaveLength(result.tables.length);
    expect(box.textContent).toContain('BG5-4 (i)');
  });

  it('result.seconds covers the whole run', () => {
    const sum = result.cells.reduce((s, c) => s + c.seconds, 0);
    expect(result.seconds).toBeGreaterThanOrEqual(sum);
  });
});

it('lossMap marks w*, the saddle and 0', () => {
  const m = lossMap({ mapK: 10, mapRange: 2, mapResolution: 5 });
  expect(m.points!.map((p) => p.label)).toEqual(['w*', 'saddle −c(k)w*', '0 (max)']);
});
