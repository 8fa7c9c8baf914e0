/**
 * az-width-depth (src/presets/az-width-depth.ts) on the CPU engine, and the per-restart measures
 * it rests on (src/core/deep-measures.ts measureDeepRestart): the outcome classes on nets built to
 * be in each; each cell's counts re-derived by training its restarts here with deepGdStep; the
 * pilot picks the largest c without divergence; restart r of a cell is the same in any grid; the
 * m₅₀ interpolation.
 */
import { describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { type DeepNetSpec, deepGdStep, deepLossGrad, deepSgdStep, initDeepNet } from '../../src/core/deep-net.ts';
import { SUCCESS_FRACTION, measureDeepRestart } from '../../src/core/deep-measures.ts';
import { separatedData } from '../../src/core/separated-data.ts';
import { cpuEngine, trainDeepCpu } from '../../src/engine/cpu.ts';
import { dataSeed, sgdStep, widthAtHalf } from '../../src/presets/az-width-depth.ts';
import { presetByName } from '../../src/presets/index.ts';
import { validateOptions } from '../../src/presets/options.ts';
import { runExperiment } from '../../src/presets/index.ts';

const SPEC: DeepNetSpec = { inputDim: 6, L: 1, m: 24, outDim: 1, train: 'hidden' };

function smallData(n: number, seed: number) {
  const { dataset, Y } = separatedData({ n, inputDim: SPEC.inputDim, delta: 'random', outDim: 1, labels: 'gaussian', seed });
  return { n, X: dataset.X, Y };
}

describe('measureDeepRestart', () => {
  const data = smallData(5, 3);
  const theta0 = initDeepNet(SPEC, 1, 0);

  it('a net that never moved has not reached the target; its movement and flips are 0', () => {
    const F0 = deepLossGrad(SPEC, theta0, data);
    const m = measureDeepRestart(SPEC, data, theta0, theta0.slice(), new Float64Array(10).fill(F0));
    expect(m.outcome).toBe('not-reached');
    expect(m.F0).toBe(F0);
    expect(m.meanMovement).toBe(0);
    expect(m.signFlips).toBe(0);
    expect(m.thresholds).toEqual([null, null, null, null]);
  });

  it('GD run to below 10⁻⁴·F₀ is a success, with thresholds in order and a negative linear rate', async () => {
    const gen = trainDeepCpu({ spec: SPEC, data, restarts: 1, theta0, lr: 0.5 / SPEC.m, steps: 3000 });
    let u = await gen.next();
    while (!u.done) u = await gen.next();
    const out = u.value;
    const m = measureDeepRestart(SPEC, data, theta0, Float64Array.from(out.params), out.losses);
    expect(m.FT).toBeLessThanOrEqual(SUCCESS_FRACTION * m.F0);
    expect(m.outcome).toBe('success');
    const t = m.thresholds as number[];
    expect(t.every((x) => x !== null)).toBe(true);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]);
    expect(m.rate).toBeLessThan(0);
    expect(m.meanMovement).toBeGreaterThan(0);
  });

  it('a non-finite loss or a parameter norm past 10⁶ is diverged', () => {
    const losses = Float64Array.of(1, 2, NaN);
    expect(measureDeepRestart(SPEC, data, theta0, theta0.slice(), losses).outcome).toBe('diverged');
    const far = theta0.map((v) => v * 1e7);
    expect(measureDeepRestart(SPEC, data, theta0, far, Float64Array.of(1, 1)).outcome).toBe('diverged');
  });
});

describe('widthAtHalf (m₅₀)', () => {
  it('interpolates in log m between the widths either side of ½', () => {
    expect(widthAtHalf([16, 32, 64], [0, 0.25, 0.75]).m50).toBeCloseTo(Math.sqrt(32 * 64), 9);
    expect(widthAtHalf([64, 16, 32], [1, 0, 0.5])).toEqual({ m50: 32, bound: 'at' });
    expect(widthAtHalf([16, 32], [0.6, 1])).toEqual({ m50: 16, bound: 'below' });
    expect(widthAtHalf([16, 32], [0.1, 0.4])).toEqual({ m50: null, bound: 'above' });
  });
});

const SMALL = { depth: [1, 2], width: [8, 16], n: [16], restarts: 4, steps: 400, inputDim: 6, seed: 11, c: 0, sgdBatch: [0] };

describe('az-width-depth on the CPU engine', () => {
  it('each cell counts what training its restarts here gives; the pilot picks the largest c with no divergence', { timeout: 60_000 }, async () => {
    const { result } = await collect(runExperiment('az-width-depth', SMALL, { engine: cpuEngine() }));
    expect(result.cells).toHaveLength(4);
    const pilot = result.tables.find((t) => t.id === 'pilot')!;
    const cs = [...new Set(pilot.rows.map((r) => r[0] as number))];
    const chosen = cs[cs.length - 1];
    // Every c tried before the chosen one had an unstable restart (diverged, or F_T > F₀); the chosen one none.
    expect(cs.length).toBeGreaterThan(1);
    for (const c of cs) {
      const unstable = pilot.rows.filter((r) => r[0] === c).reduce((s, r) => s + (r[5] as number), 0);
      if (c === chosen) expect(unstable, `c = ${c}`).toBe(0);
      else expect(unstable, `c = ${c}`).toBeGreaterThan(0);
    }
    expect(result.notes[0]).toMatch(new RegExp(`^c = ${chosen} \\(chosen by the pilot\\)`));
    const { n, X, Y } = (() => {
      const d = separatedData({ n: 16, inputDim: 6, delta: 'random', outDim: 1, labels: 'gaussian', seed: dataSeed(11, 16, 0) });
      return { n: 16, X: d.dataset.X, Y: d.Y };
    })();
    for (const cell of result.cells) {
      const spec: DeepNetSpec = { inputDim: 6, L: cell.key.L as number, m: cell.key.m as number, outDim: 1, train: 'hidden' };
      let success = 0;
      let diverged = 0;
      for (let r = 0; r < SMALL.restarts; r++) {
        const theta = initDeepNet(spec, 11, r);
        const F0 = deepLossGrad(spec, theta, { n, X, Y });
        let finite = true;
        for (let t = 0; t < SMALL.steps && finite; t++) finite = Number.isFinite(deepGdStep(spec, theta, { n, X, Y }, chosen / spec.m));
        const FT = deepLossGrad(spec, theta, { n, X, Y });
        if (!finite || !Number.isFinite(FT) || Math.hypot(...theta) > 1e6) diverged++;
        else if (FT > F0) expect.fail(`restart ${r} of L=${cell.key.L} m=${cell.key.m} ended above its initial loss at the chosen c = ${chosen}`);
        else if (FT <= 1e-4 * F0) success++;
      }
      expect([cell.global, cell.diverged, cell.spurious], `cell L=${cell.key.L} m=${cell.key.m}`).toEqual([success, diverged, SMALL.restarts - success - diverged]);
    }
    // The figures and the maps of a run: one map per (n, δ), the width × depth grid of P(success).
    expect(result.maps).toHaveLength(1);
    expect(result.maps![0].field!.values).toEqual([1, 2].flatMap((L) => [8, 16].map((m) => result.cells.find((c) => c.key.L === L && c.key.m === m)!.pGlobal)));
    expect(result.figures.map((f) => f.id)).toEqual(expect.arrayContaining(['rate-16-0', 'movement-16-0', 'flips-16-0', 'grad-ratio-16-0', 'curves']));
  });

  it('a cell is the same whatever else the grid holds (restart r starts from the same net, the data is keyed by n and δ)', { timeout: 60_000 }, async () => {
    const one = { ...SMALL, depth: [2], width: [16], c: 0.3 };
    const two = { ...SMALL, depth: [1, 2], width: [8, 16], c: 0.3 };
    const a = (await collect(runExperiment('az-width-depth', one, { engine: cpuEngine() }))).result;
    const b = (await collect(runExperiment('az-width-depth', two, { engine: cpuEngine() }))).result;
    const rowOf = (r: typeof a) => r.tables.find((t) => t.id === 'cells')!.rows.find((row) => row[0] === 2 && row[1] === 16);
    expect(rowOf(a)).toEqual(rowOf(b));
    expect(a.tables.find((t) => t.id === 'pilot')).toBeUndefined();
  });

  it("the SGD arm (Thm 2): each SGD cell counts what deepSgdStep gives on the same restarts at η = c·b/(m·ln²m); b must be below n", { timeout: 60_000 }, async () => {
    const o = { ...SMALL, depth: [1], width: [16], restarts: 3, steps: 300, c: 0.3, sgdBatch: [4] };
    const { result } = await collect(runExperiment('az-width-depth', o, { engine: cpuEngine() }));
    expect(result.cells.map((c) => c.key.optimizer)).toEqual(['GD', 'SGD b=4']);
    const cell = result.cells[1]!;
    const d = separatedData({ n: 16, inputDim: 6, delta: 'random', outDim: 1, labels: 'gaussian', seed: dataSeed(11, 16, 0) });
    const data = { n: 16, X: d.dataset.X, Y: d.Y };
    const spec: DeepNetSpec = { inputDim: 6, L: 1, m: 16, outDim: 1, train: 'hidden' };
    let success = 0;
    for (let r = 0; r < o.restarts; r++) {
      const theta = initDeepNet(spec, 11, r);
      const F0 = deepLossGrad(spec, theta, data);
      for (let t = 0; t < o.steps; t++) deepSgdStep(spec, theta, data, sgdStep(0.3, 4, 16), 4, 11, r, t);
      if (deepLossGrad(spec, theta, data) <= 1e-4 * F0) success++;
    }
    expect(cell.global).toBe(success);
    expect(cell.diverged).toBe(0);
    expect(result.tables.find((t) => t.id === 'sgd')!.rows).toHaveLength(1);
    expect(result.figures.map((f) => f.id)).toContain('sgd-1');
    expect(() => validateOptions(presetByName('az-width-depth'), { ...o, sgdBatch: [16] })).toThrow(/minibatch size must be below the first n = 16/);
  });
});
