/**
 * zhong-three-inits (Zhong et al. Fig. 1(c) and the basin mass of random initialisation): a small
 * run on the CPU engine whose every recovery count is recomputed from the end points of the same
 * experiments, whose first-passage iterations are checked against the f64 objective of traced
 * trajectories, and the helpers (the log-linear tail, the moments-once tensor initialisations,
 * the hitLoss refusal) against closed forms.
 */
import { describe, expect, it } from 'vitest';
import { OUTCOME, recoveryErrorOf } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { tensorInitFromSample } from '../../src/core/tensor-init.ts';
import { cpuEngine, runCpu } from '../../src/engine/cpu.ts';
import type { TraceResult } from '../../src/engine/engine.ts';
import { runExperiment, validateOptions } from '../../src/presets/index.ts';
import { APPROACHES, approachExperiment, hitExperiment, logLinearTail, objectiveCurve, passageSeries, tensorRows, threeInitsTeacher, zhongThreeInits } from '../../src/presets/zhong-three-inits.ts';
import { collect } from '../collect.ts';

const SMALL = { d: 5, n: 400, k: 2, restarts: 6, maxSteps: 1500, projections: 5, curveEvery: 25, massD: [5], massN: [200, 400], massRestarts: 6 };

describe('zhong-three-inits', () => {
  it('runs on the CPU engine; every count, first passage and curve agrees with the end points and trajectories recomputed', async () => {
    const { result, updates } = await collect(runExperiment('zhong-three-inits', SMALL, { engine: cpuEngine() }));
    const o = validateOptions(zhongThreeInits, SMALL);
    expect(result.cells.map((c) => [c.key.approach, c.key.d, c.key.n, c.restarts])).toEqual([
      ['I', 5, 400, 6], ['II-sign', 5, 400, 6], ['II-free', 5, 400, 6], ['III', 5, 400, 6], ['III', 5, 200, 6], ['III', 5, 400, 6],
    ]);
    expect(updates.some((u) => u.progress.label.includes('tensor initialisations'))).toBe(true);
    const teacher = threeInitsTeacher(o);
    const shape = { d: 5, n: 400, restarts: 6 };
    const placeholder = prepare(approachExperiment(o, 'I', teacher, { ...shape, restarts: 1 }, new Float64Array(12)));
    const table = result.tables.find((t) => t.id === 'approaches')!;
    const passage = result.figures.find((f) => f.id === 'first-passage')!;
    for (const [i, approach] of APPROACHES.entries()) {
      const exp = approachExperiment(o, approach, teacher, shape, approach === 'I' ? tensorRows(placeholder, 6, o).params : undefined);
      const prep = prepare(exp);
      // Recovery: the preset's count is the end points' recovery error, recomputed.
      let recovered = 0;
      for await (const _ of runCpu(exp, {
        onWave: (w) => {
          for (let r = 0; r < w.count; r++) {
            const err = recoveryErrorOf(prep.shape, w.params.subarray(r * prep.shape.P, (r + 1) * prep.shape.P), teacher, 'signs');
            if (w.status[r] === OUTCOME.global) {
              recovered++;
              expect(err).toBeLessThanOrEqual(o.tolerance);
            }
          }
        },
      }));
      expect(result.cells[i].global).toBe(recovered);
      expect(table.rows[i][2]).toBe(recovered);
      // First passage: the step decided under the loss-alone rule is the first traced step with f̂_S ≤ hitLoss (f64).
      let trace: TraceResult | undefined;
      const hitSteps: number[] = [];
      for await (const _ of runCpu(hitExperiment(exp, o.hitLoss, prep.lossRef), {
        trace: { every: 1, restarts: 6, onTrace: (t) => (trace = t) },
        onWave: (w) => {
          for (let r = 0; r < w.count; r++) hitSteps[w.first + r] = w.status[r] === OUTCOME.global ? w.steps[r] : -1;
        },
      }));
      for (let r = 0; r < 6; r++) {
        const P = prep.shape.P;
        const one: TraceResult = { restarts: 1, P, steps: trace!.steps, params: Float64Array.from({ length: trace!.steps.length * P }, (_, j) => trace!.params[Math.floor(j / P) * 6 * P + r * P + (j % P)]) };
        const curve = objectiveCurve(prep, one, null);
        const first = curve.loss.findIndex((l) => l <= o.hitLoss);
        expect(hitSteps[r]).toBe(first === -1 ? -1 : curve.t[first]);
      }
      const reached = hitSteps.filter((s) => s >= 0);
      expect(table.rows[i][7]).toBe(reached.length);
      const series = passage.series.find((s) => s.name.startsWith(approach === 'I' ? '(I)' : approach === 'III' ? '(III)' : '(II)') && (approach !== 'II-free' || s.name.includes('unconstrained')) && (approach !== 'II-sign' || s.name.includes('sign')));
      if (reached.length > 0) expect(series!.x).toEqual([...reached].sort((a, b) => a - b));
    }
    // The tensor initialisation and v = v* recover here, so the comparison is not empty.
    expect(result.cells[0].global + result.cells[3].global).toBeGreaterThan(0);
    // The objective curves start at iteration 0 and fall for (III).
    const curves = result.figures.find((f) => f.id === 'objective')!;
    expect(curves.logY).toBe(true);
    for (const s of curves.series) expect(s.x[0]).toBe(0);
    const iii = curves.series[3];
    expect(iii.y[iii.y.length - 1]).toBeLessThan(iii.y[0]);
    // The basin-mass map holds the mass cells' rates.
    expect(result.maps![0].field!.values).toEqual([result.cells[4].pGlobal, result.cells[5].pGlobal]);
    // Same seed, same teacher and sample, same W₀: the mass cell at the comparison's (d, n) is approach (III).
    expect(result.cells[5].global).toBe(result.cells[3].global);
  }, 180_000);

  it('computes the moments once: restart r of (I) is Algorithm 1 on the sample under seed cellSeed + r', () => {
    const o = validateOptions(zhongThreeInits, SMALL);
    const prep = prepare(approachExperiment(o, 'I', threeInitsTeacher(o), { d: 5, n: 400, restarts: 1 }, new Float64Array(12)));
    const rows = tensorRows(prep, 3, o);
    for (let r = 0; r < 3; r++) {
      const init = tensorInitFromSample('squared-relu', prep.sample!.X, prep.sample!.y, 400, 5, 2, { seed: (prep.exp.seed + r) >>> 0, projections: 5 });
      expect(Array.from(rows.params.subarray(r * 12, r * 12 + 10))).toEqual(Array.from(init.W));
      expect(Array.from(rows.params.subarray(r * 12 + 10, r * 12 + 12))).toEqual(Array.from(init.v));
    }
  });

  it('refuses a hitLoss the zero predictor already meets, naming the option', () => {
    const o = validateOptions(zhongThreeInits, SMALL);
    const exp = approachExperiment(o, 'III', threeInitsTeacher(o), { d: 5, n: 400, restarts: 2 });
    const lossRef = prepare(exp).lossRef;
    expect(() => hitExperiment(exp, 2 * lossRef, lossRef)).toThrow(/^hitLoss: must be below the zero predictor's loss/);
    expect(hitExperiment(exp, lossRef / 10, lossRef).outcome!.lossTol).toBeCloseTo(0.1, 15);
  });

  it('fits the log-linear tail of an exponential curve exactly, and only below the threshold', () => {
    const t = Array.from({ length: 50 }, (_, i) => 10 * i);
    const loss = t.map((x) => (x < 200 ? 5 : 3e-3 * 10 ** (-0.01 * x)));
    const fit = logLinearTail({ t, loss }, 1e-3);
    expect(fit!.slope).toBeCloseTo(-0.01, 12);
    expect(fit!.r2).toBeCloseTo(1, 12);
    expect(fit!.points).toBe(loss.filter((l) => l <= 1e-3).length);
    expect(logLinearTail({ t: [0, 1], loss: [1e-4, 1e-5] }, 1e-3)).toBeNull();
    const s = passageSeries('x', [30, 10, 20], 4);
    expect(s.x).toEqual([10, 20, 30]);
    expect(s.y).toEqual([0.25, 0.5, 0.75]);
  });
});
