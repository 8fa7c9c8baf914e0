/**
 * The Zhong et al. presets: zhong-recovery (Fig. 1(a)) — its batching of a cell’s problems, the
 * sample-complexity boundary and fit, and a small grid run on the CPU engine whose every count is
 * checked against the recovery metric recomputed from the same batch's end points.
 */
import { CRITICAL_POINTS_TABLE } from '../../src/results/critical-points.ts';
import { describe, expect, it } from 'vitest';
import { OUTCOME, recoveryErrorOf } from '../../src/core/outcome.ts';
import type { Teacher } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { cpuEngine, runCpu } from '../../src/engine/cpu.ts';
import { runExperiment, validateOptions } from '../../src/presets/index.ts';
import { FlipRecovery, initRecord, tensorInitialisations } from '../../src/presets/zhong.ts';
import { SAMPLE_VALUES_PER_RUN, batchExperiment, batchesOf, fullRecoveryBoundary, sampleComplexityFit, zhongRecovery } from '../../src/presets/zhong-recovery.ts';
import { fallsWithN, isoErrorSamples } from '../../src/presets/zhong-init-error.ts';
import { parseHTML } from 'linkedom';
import { FIELD_MISSING } from '../../src/results/field.ts';
import { fieldRuns, plotBasinMap } from '../../src/results/plot.ts';
import { initErrorMap } from '../../src/presets/zhong.ts';
import { collect } from '../collect.ts';

describe('zhong-recovery', () => {
  it('splits a cell into batches of whole problems within the sample budget', () => {
    for (const [trials, n, d] of [[100, 1000, 10], [100, 10_000, 100], [7, 1 << 20, 64], [3, 10, 10]]) {
      const b = batchesOf(trials, n, d);
      expect(b.reduce((s, x) => s + x.count, 0)).toBe(trials);
      b.forEach((x, i) => expect(x.first).toBe(i === 0 ? 0 : b[i - 1].first + b[i - 1].count));
      for (const x of b) expect(x.count === 1 || x.count * n * d <= SAMPLE_VALUES_PER_RUN).toBe(true);
    }
    expect(batchesOf(100, 10_000, 100)).toHaveLength(Math.ceil(100 / Math.floor(SAMPLE_VALUES_PER_RUN / 1e6)));
  });

  it('finds n₁₀₀% as the smallest n from which every larger n recovered all trials, and fits c·d', () => {
    const rate = (d: number, n: number) => (n >= 100 * d ? 1 : n === 50 * d ? 1 : 0.5);
    // d = 10: n = 500 is 1 but 600 is not, so the boundary is 1000 (not 500); d = 20: 1000 = 50·d and up.
    const ns = [500, 600, 1000, 2000, 3000];
    expect(fullRecoveryBoundary([10, 20, 40], ns, (d, n) => (d === 40 ? 0.9 : rate(d, n)))).toEqual([1000, 1000, null]);
    const fit = sampleComplexityFit([{ d: 10, n: 1000 }, { d: 20, n: 2000 }, { d: 30, n: 3000 }]);
    expect(fit.c).toBeCloseTo(100, 12);
    for (const r of fit.residuals) expect(Math.abs(r)).toBeLessThan(1e-9);
    expect(fit.line.slope).toBeCloseTo(100, 9);
  });

  it('runs a small grid on the CPU engine; every count agrees with the recovery metric of the end points', async () => {
    const options = { d: [4, 6], n: [200, 2000], k: 2, trials: 4, maxSteps: 2000, projections: 10 };
    const { result, updates } = await collect(runExperiment('zhong-recovery', options, { engine: cpuEngine() }));
    expect(result.cells.map((c) => [c.key.d, c.key.n, c.restarts])).toEqual([[4, 200, 4], [4, 2000, 4], [6, 200, 4], [6, 2000, 4]]);
    expect(updates.some((u) => u.progress.label.includes('tensor initialisation'))).toBe(true);
    expect(result.maps!.map((m) => m.id)).toEqual(['recovery-rate', 'init-error']);
    expect(result.maps![0].field!.values).toEqual(result.cells.map((c) => c.pGlobal));
    // Independently: the same batch through the CPU engine, each restart's recovery error from its end point.
    const o = validateOptions(zhongRecovery, options);
    for (const c of result.cells) {
      const cell = { d: c.key.d as number, n: c.key.n as number, k: 2, kappa: 2, activation: 'squared-relu' as const, trials: 4, seed: o.seed };
      const placeholder = batchExperiment(o, cell, { first: 0, count: 4 }, 0);
      const exp = batchExperiment(o, cell, { first: 0, count: 4 }, 0, tensorInitialisations(placeholder, { projections: 10 }).params);
      const prep = prepare(exp);
      let global = 0;
      for await (const _ of runCpu(exp, {
        onWave: (w) => {
          for (let i = 0; i < w.count; i++) {
            const err = recoveryErrorOf(prep.shape, w.params.subarray(i * prep.shape.P, (i + 1) * prep.shape.P), prep.problem(w.first + i).teacher, 'signs');
            if (w.status[i] === OUTCOME.global) {
              global++;
              expect(err).toBeLessThanOrEqual(0.01);
            }
          }
        },
      }));
      expect(c.global).toBe(global);
      // The catalogue of its first problems (4 by default: all of them), each on its own loss:
      // a recovered problem's point is its own teacher, modulo the permutation.
      const cat = c.catalogue!;
      expect(cat.problems).toEqual({ catalogued: 4, of: 4 });
      for (const p of cat.points) {
        expect(p.problem!.lossRef).toBe(prep.problem(p.problem!.index).lossRef);
        if (p.outcome === 'global') expect(p.distanceToTeacher!).toBeLessThan(1e-6);
      }
    }
    expect(result.tables.find((t) => t.id === CRITICAL_POINTS_TABLE)!.rows.some((r) => /problem=3$/.test(String(r[0])))).toBe(true);
    // Not trivial: recovery happens somewhere on this grid.
    expect(result.cells.some((c) => c.global > 0)).toBe(true);
  }, 120_000);
});

describe('sigmoid and tanh: recovery modulo the flips (vᵢ, wᵢ) → (−vᵢ, −wᵢ)', () => {
  it('FlipRecovery counts an end point at a flipped copy of the teacher, not one off by a flip of v alone or above the loss threshold; initRecord takes the error modulo the flips', () => {
    const o = validateOptions(zhongRecovery, { d: [4], n: [50], k: 2, trials: 4 });
    const cell = { d: 4, n: 50, k: 2, kappa: 2, activation: 'tanh' as const, trials: 4, seed: o.seed };
    const exp = batchExperiment(o, cell, { first: 0, count: 4 }, 0);
    const teachers = exp.problems!.teachers as Teacher[];
    const P = 2 * 4 + 2;
    // Restart r ↔ problem r: 0 the teacher itself, 1 its units swapped and flipped, 2 v flipped alone, 3 like 1 but above the loss threshold.
    const params = new Float64Array(4 * P);
    teachers.forEach((t, r) => {
      const flipped = r === 1 || r === 3;
      for (let i = 0; i < 2; i++) {
        const src = flipped ? 1 - i : i;
        const s = flipped ? -1 : 1;
        for (let p = 0; p < 4; p++) params[r * P + i * 4 + p] = s * t.w[src * 4 + p];
        params[r * P + 8 + i] = (r === 2 && i === 0 ? -1 : s) * t.a[src];
      }
    });
    const flips = new FlipRecovery(exp, () => 1e-9, 0.01);
    const status = Uint32Array.from([OUTCOME.global, OUTCOME.spurious, OUTCOME.spurious, OUTCOME.spurious]);
    flips.onWave({ first: 0, count: 4, params, status, steps: new Uint32Array(4), loss: Float64Array.from([0, 0, 0, 1e-3]), angle: new Float64Array(4) });
    expect(flips.recovered).toBe(2);
    const t = teachers[1];
    const rec = initRecord('tanh', t, params.subarray(P, P + 8), params.subarray(P + 8, P + 10), 4, []);
    expect(rec).toEqual({ error: 0, signedError: 0, signSumMatches: true, clamped: false });
    // sigmoid: the same flips are the teacher's net only where the flipped v* sum to zero (Σv⁽⁰⁾ = Σv*).
    const sigmoid = initRecord('sigmoid', t, params.subarray(P, P + 8), params.subarray(P + 8, P + 10), 4, [1]);
    expect(sigmoid.error).toBe(0);
    expect(sigmoid.clamped).toBe(true);
    expect(sigmoid.signSumMatches).toBe(t.a[0] + t.a[1] === 0);
  });
});

describe('zhong-init-error', () => {
  it('finds the least n reaching an error level and counts the falls along n', () => {
    const err = (d: number, n: number) => d / n;
    expect(isoErrorSamples([10, 20, 40], [100, 200, 400, 800], err, 0.05)).toEqual([200, 400, 800]);
    expect(isoErrorSamples([10], [100], err, 0.01)).toEqual([null]);
    expect(fallsWithN([300, 100, 200], (n) => (n === 300 ? 0.5 : 1 / n))).toEqual({ falls: 1, steps: 2 });
  });

  it('runs a small grid: per cell the trials’ errors, and the error falls with n at fixed d (exact at large n)', async () => {
    const { result } = await collect(runExperiment('zhong-init-error', { d: [5], n: [500, 50_000], k: 2, trials: 4, projections: 10 }, { engine: cpuEngine() }));
    const rows = result.tables.find((t) => t.id === 'cells')!.rows;
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([[5, 500, 4], [5, 50_000, 4]]);
    const mean = result.maps![0].field!.values;
    expect(mean[1]).toBeLessThan(mean[0]);
    // With 50 000 samples of a 2-unit net on R⁵ the moments are close to exact: the error is small.
    expect(mean[1]).toBeLessThan(0.2);
  }, 120_000);
});

describe('a field map with cells not run (NaN), as an interrupted grid leaves it', () => {
  it('renders them grey, each finite value on the ramp, without throwing', () => {
    const map = initErrorMap([4, 6], [100, 200], [{ d: 4, n: 100, records: [{ error: 0.5, signedError: 0.5, signSumMatches: true }] }], 'partial');
    expect(map.field!.values.filter(Number.isNaN)).toHaveLength(3);
    const runs = fieldRuns(map);
    const grey = `rgb(${FIELD_MISSING.join(',')})`;
    expect(runs.filter((r) => r.fill.replace(/\s/g, '') === grey).length).toBeGreaterThan(0);
    expect(runs.some((r) => r.fill.replace(/\s/g, '') !== grey)).toBe(true);
    const { document } = parseHTML('<html><body></body></html>');
    expect(plotBasinMap(map, document as unknown as Document).outerHTML).toContain('<svg');
  });
});
