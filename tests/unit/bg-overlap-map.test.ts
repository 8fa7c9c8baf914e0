/**
 * bg-overlap-map (Brutzkus & Globerson Sec. 7.1) on the CPU engine: the paper's loss against ours
 * (ℓ = 2L), Prop. 7.1 and 7.2 on a 21 × 21 grid, the map filling in wave by wave, the option
 * checks, and the map's CSV and SVG. (GPU ≡ CPU on the map: tests/gpu/experiments.gpu.test.ts.)
 */
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import type { WaveResult } from '../../src/engine/engine.ts';
import { bgBound, bgExperiment, bgH, bgModel, bgSpuriousPoint } from '../../src/presets/bg-overlap-map.ts';
import { presetByName, validateOptions, runExperiment } from '../../src/presets/index.ts';
import type { ExperimentUpdate } from '../../src/presets/types.ts';
import type { BasinMap, ExperimentResult } from '../../src/results/types.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import { mapRuns, plotBasinMap } from '../../src/results/plot.ts';
import { populationLoss } from '../../src/core/population.ts';
import { cpuEngine, runCpu } from '../../src/engine/cpu.ts';
import { mapCsv, resultJson, resultMarkdown } from '../../src/results/report.ts';
import { bgOverlapTeacher } from '../../src/core/teachers.ts';

const N = 21;
const R = 2;


/** Our L at filter w (average pooling over k patches). */
function lossAt(k: number, w1: number, w2: number): number {
  const row = new Float64Array(2 + k).fill(1 / k);
  row[0] = w1;
  row[1] = w2;
  return populationLoss(bgModel(k), bgOverlapTeacher(k), row);
}

/** g(u, v) = E[σ(u·x)σ(v·x)] (B&G Lemma 3.1). */
function g(u: number[], v: number[]): number {
  const nu = Math.hypot(...u);
  const nv = Math.hypot(...v);
  if (nu === 0 || nv === 0) return 0;
  const c = Math.max(-1, Math.min(1, u.reduce((s, x, i) => s + x * v[i], 0) / (nu * nv)));
  const t = Math.acos(c);
  return (nu * nv * (Math.sin(t) + (Math.PI - t) * c)) / (2 * Math.PI);
}

/**
 * The paper's eq. 16 for w* = (−1, 1). As printed, α carries the 1/k² of eq. 7 but β, γ and the
 * (β − 2) bracket do not; with it on them too (as eq. 7 gives) it is the risk ℓ.
 */
function paperRisk(k: number, w: [number, number]): number {
  const ws: [number, number] = [-1, 1];
  const alpha = (k / 2 + (k * k - 3 * k + 2) / (2 * Math.PI)) / (k * k);
  const beta = 2 * k;
  const gamma = (k * k - 3 * k + 2) / Math.PI;
  const [wr, wl, wsr, wsl] = [[w[0], w[1], 0], [0, w[0], w[1]], [ws[0], ws[1], 0], [0, ws[0], ws[1]]];
  const bracket = g(wr, wl) - g(wl, wsr) - g(wr, wsl) + g(wsr, wsl);
  const rest = -beta * g(w, ws) + (beta - 2) * bracket - gamma * Math.hypot(...w) * Math.hypot(...ws);
  return alpha * (w[0] ** 2 + w[1] ** 2 + 2) + rest / (k * k);
}

describe('the paper’s loss and ours', () => {
  for (const k of [2, 4, 7]) {
    it(`k = ${k}: eq. 16 (ℓ) is 2L, so Prop. 7.2's bound on L is half the printed one and is attained at w̃`, () => {
      for (const w of [
        [0.3, -1.2],
        [-0.7, 0.4],
        [1.1, 0.9],
      ] as [number, number][]) {
        expect(paperRisk(k, w)).toBeCloseTo(2 * lossAt(k, ...w), 12);
      }
      const [s1, s2] = bgSpuriousPoint(k);
      expect(s1).toBeGreaterThan(0);
      expect(s2).toBeLessThan(0);
      expect(lossAt(k, s1, s2)).toBeCloseTo(bgBound(k).L, 12);
      expect(bgBound(k).ell).toBeCloseTo(2 * bgBound(k).L, 15);
      // … and it is a lower bound over the (closed) fourth quadrant, on a fine grid.
      let min = Infinity;
      for (let i = 0; i <= 80; i++) for (let j = 0; j <= 80; j++) min = Math.min(min, lossAt(k, (2 * i) / 80, (-2 * j) / 80));
      expect(min).toBeGreaterThanOrEqual(bgBound(k).L - 1e-12);
      expect(min).toBeLessThan(bgBound(k).L + 1e-3);
    });
  }
  it('h(4) from its formula', () => expect(bgH(4)).toBeCloseTo(6 / Math.PI + (3 * Math.sqrt(3)) / Math.PI + 2, 12));
});

describe('bg-overlap-map on the CPU engine (21 × 21)', () => {
  let updates: ExperimentUpdate[];
  let result: ExperimentResult;
  let map: BasinMap;
  let points: { w1: number; w2: number; code: number }[];
  beforeAll(async () => {
    ({ updates, result } = await collect(runExperiment('bg-overlap-map', { resolution: N }, { engine: cpuEngine() })));
    map = result.maps![0];
    // The grid of src/core/init.ts, recomputed: restart r at (r mod N, ⌊r/N⌋).
    const at = (i: number) => -R + (2 * R * i) / (N - 1);
    points = map.codes.map((code, r) => ({ w1: at(r % N), w2: at(Math.floor(r / N)), code }));
  });

  it('fills every grid point and marks w* and w̃', () => {
    expect(map.codes).toHaveLength(N * N);
    expect(map.codes.every((c) => c >= OUTCOME.global && c <= OUTCOME.undecided)).toBe(true);
    expect(map.points!.map((p) => p.label)).toEqual(['w*', 'w̃']);
    expect(map.x).toEqual({ label: 'w₁', param: 0, lo: -R, hi: R, n: N });
    expect(updates.at(-1)!.progress.done).toBe(N * N);
  });

  it('Prop. 7.1: every start in the open fourth quadrant ends spurious', () => {
    const q4 = points.filter((p) => p.w1 > 0 && p.w2 < 0);
    expect(q4).toHaveLength(((N - 1) / 2) ** 2);
    expect(q4.filter((p) => p.code !== OUTCOME.spurious)).toEqual([]);
  });

  it('the second quadrant, around w* = (−1, 1), ends global', () => {
    const q2 = points.filter((p) => p.w1 < 0 && p.w2 > 0);
    expect(q2.filter((p) => p.code !== OUTCOME.global)).toEqual([]);
  });

  it('Prop. 7.2: the spurious runs end at w̃, at the bound', () => {
    const t = result.tables.find((x) => x.id === 'prop-7-2')!;
    const value = (label: string) => Number(t.rows.find((r) => String(r[0]).startsWith(label))![1]);
    const bound = bgBound(4).L;
    expect(value('bound on L')).toBeCloseTo(bound, 6);
    expect(value('L(w̃)')).toBeCloseTo(bound, 6);
    expect(value('spurious restarts')).toBe(result.cells[0].spurious);
    expect(value('smallest L at their end points')).toBeCloseTo(bound, 6);
    expect(value('… minus the bound')).toBeGreaterThanOrEqual(-1e-9);
    expect(value('… minus the bound')).toBeLessThan(1e-7);
    expect(value('largest ‖w_end − w̃‖')).toBeLessThan(1e-3);
    expect(value('… farther than')).toBe(0);
    expect(value('smallest L over the grid points')).toBeGreaterThanOrEqual(bound - 1e-9);
  });

  it('one cell with P(global) over the grid and no paper value; the quadrant table and notes agree', () => {
    const c = result.cells[0];
    expect(c.key).toEqual({ k: 4, grid: '21×21' });
    expect(c.global + c.spurious).toBe(N * N);
    expect(c.paper).toBeNull();
    const q = result.tables.find((x) => x.id === 'quadrant')!;
    expect(q.rows[1].slice(1)).toEqual([100, '0.2268']);
    expect(q.rows[2][1]).toBe(100);
    expect(q.rows[3][1]).toBe(c.spurious);
    // Thm 7.3: at least a quarter of a uniform start gets stuck.
    expect(c.spurious / c.restarts).toBeGreaterThan(0.25);
    expect(result.notes.join('\n')).toContain('Prop. 7.1 holds on the grid: all 100 grid points');
  });

  it('reports: the JSON carries the map, the CSV is its matrix, the SVG draws it', () => {
    expect((resultJson(result) as { maps: unknown[] }).maps).toHaveLength(1);
    const lines = mapCsv(map).trim().split('\n');
    expect(lines).toHaveLength(N + 1);
    expect(lines[0].split(',')).toHaveLength(N + 1);
    // Top row w₂ = 2 (all global), bottom row w₂ = −2 ends in the fourth quadrant (spurious).
    expect(lines[1].split(',').slice(1).every((x) => x === '1')).toBe(true);
    expect(lines[N].split(',').at(-1)).toBe('2');
    expect(resultMarkdown(result, ['bg-overlap-map-basins.svg'])).toContain('![bg-overlap-map-basins.svg]');
    const runs = mapRuns(map);
    // Each row is one or two runs (global then spurious), far fewer rects than cells.
    expect(runs.length).toBeLessThanOrEqual(2 * N);
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const svg = plotBasinMap(map, document as unknown as Document).outerHTML;
    expect(svg).toContain('w̃');
    expect(svg.match(/<rect/g)!.length).toBeGreaterThanOrEqual(runs.length);
  });
});

describe('the CPU engine hands over waves as they finish', () => {
  it('waveSize 100 over 441 restarts: five waves, the same outcomes as one', async () => {
    const exp = bgExperiment({ k: 4, resolution: N, range: R, lr: 0.1, maxSteps: 20000 });
    const run = async (waveSize?: number) => {
      const waves: WaveResult[] = [];
      for await (const _ of runCpu(exp, { waveSize, onWave: (w) => waves.push(w) })) void _;
      return waves;
    };
    const waves = await run(100);
    expect(waves.map((w) => [w.first, w.count])).toEqual([
      [0, 100],
      [100, 100],
      [200, 100],
      [300, 100],
      [400, 41],
    ]);
    const [one] = await run();
    expect(one.count).toBe(N * N);
    expect(waves.flatMap((w) => Array.from(w.status))).toEqual(Array.from(one.status));
  });
});

describe('options', () => {
  const p = presetByName('bg-overlap-map');
  it('lr is the paper’s λ and must lie in the open interval (0, 1/3) of Prop. 7.1', () => {
    expect(validateOptions(p, { lr: '0.3' })).toMatchObject({ lr: 0.3 });
    expect(() => validateOptions(p, { lr: 0 })).toThrow(/^lr: must be a number in \(0, 1\/3\) \(got 0\)$/);
    expect(() => validateOptions(p, { lr: 1 / 3 })).toThrow(/^lr: must be a number in \(0, 1\/3\)/);
    expect(() => validateOptions(p, { lr: '0.34' })).toThrow(/^lr: must be a number in \(0, 1\/3\) \(got 0.34\)$/);
    expect(() => validateOptions(p, { lr: 'fast' })).toThrow(/^lr: must be a number in \(0, 1\/3\) \(got 'fast'\)$/);
    // The engine steps L = ℓ/2 with 2λ.
    expect(bgExperiment({ k: 4, resolution: 3, range: 1, lr: 0.1, maxSteps: 10 }).optimizer).toEqual({ kind: 'gd', lr: 0.2 });
  });
  it('resolution, range and k are checked with their ranges', () => {
    expect(() => validateOptions(p, { resolution: 1 })).toThrow(/^resolution: must be an integer in \[2, 1001\] \(got 1\)$/);
    expect(() => validateOptions(p, { range: 0 })).toThrow(/^range: must be a number in \[0.001, 1000\] \(got 0\)$/);
    expect(() => validateOptions(p, { k: 1 })).toThrow(/^k: must be an integer in \[2, 64\] \(got 1\)$/);
    expect(() => validateOptions(p, { seed: 1 })).toThrow(/seed: is not an option of bg-overlap-map/);
  });
});
