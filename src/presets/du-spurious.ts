/**
 * Du et al. (2018), Thm 4.3 / Lemma 5.1 and Thm 4.2, measured.
 *
 * Part 1 — where the spurious runs end. Population GD from Thm 4.2's initialisation with an
 * outcome rule that knows nothing of the spurious point (global by loss and angle, spurious by
 * stationarity only: ‖∇L‖ ≤ gradTol·√L_ref). For every restart labelled spurious we measure the
 * angle between v and w* (Lemma 5.1: π) and ‖a − ã‖ with ã = (11ᵀ + (π−1)I)⁻¹(11ᵀ − I)a*‖w*‖.
 *
 * Part 2 — the four sign flips. For each random draw (v, a), GD from each of (±v, ±a) (same draw,
 * same seed); Thm 4.2 says at least one of the four reaches the global minimum, Thm 4.3 that (for
 * small (1ᵀa*)²/‖a*‖²) one reaches the spurious point. We report the measured rates.
 */
import type { WaveResult } from '../engine/engine.ts';
import type { Experiment } from '../core/experiment.ts';
import { DEFAULT_OUTCOME_RULE, OUTCOME } from '../core/outcome.ts';
import { type CellPlan, emptyResult, finished, runCells } from './cells.ts';
import { definePreset } from './define-preset.ts';
import { DU_P, RATIO_AT_MOST_K, duCell } from './du-table1.ts';
import { type OptionValues, defineOptions } from './options.ts';
import { fmt, quantile, sortedCopy } from './quantiles.ts';
import type { Preset } from './types.ts';

const SIGNS: [number, number][] = [
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
];

const SPURIOUS_OPTIONS = defineOptions({
  k: { kind: 'int-list', default: [25, 100], min: 1, max: 4096, help: 'numbers of patches k' },
  ratio: { kind: 'number-list', default: [0, 1, 4], min: 0, max: 4096, help: '(1ᵀa*)²/‖a*‖² values, each ≤ k' },
  restarts: { kind: 'int', default: 2000, min: 1, max: 10_000_000, help: 'random draws per cell' },
  seed: { kind: 'int', default: 2018, min: 0, max: 0xffffffff, help: 'seed of the draws' },
  lr: { kind: 'number', default: 0.1, min: 1e-6, max: 10, help: 'step size η' },
  maxSteps: { kind: 'int', default: 50000, min: 1, max: 1 << 24, help: 'step budget per restart' },
  gradTol: { kind: 'number', default: 1e-5, min: 1e-9, max: 1, help: 'stationarity tolerance (× √L_ref) that labels a run spurious' },
}, [RATIO_AT_MOST_K]);

export const duSpurious: Preset<OptionValues<typeof SPURIOUS_OPTIONS>> = definePreset({
  name: 'du-spurious',
  title: 'Du et al.: the spurious local minimum (Lemma 5.1) and the four sign flips (Thm 4.2, 4.3)',
  source: 'Du et al. (2018), Thm 4.2, Thm 4.3, Lemma 5.1',
  options: SPURIOUS_OPTIONS,
  async *run(o, ctx) {
    const plans: CellPlan[] = [];
    const locations: { k: number; ratio: number; angle: number[]; dist: number[] }[] = [];
    const flips = new Map<string, Uint32Array[]>();
    for (const k of o.k) {
      for (const ratio of o.ratio) {
        const base = duCell({ k, ratio, restarts: o.restarts, seed: o.seed, lr: o.lr, maxSteps: o.maxSteps });
        const trapA = Float64Array.from(base.outcome.trap!.a!);
        const loc = { k, ratio, angle: [] as number[], dist: [] as number[] };
        locations.push(loc);
        const statuses: Uint32Array[] = SIGNS.map(() => new Uint32Array(o.restarts));
        flips.set(`${k}/${ratio}`, statuses);
        SIGNS.forEach(([sv, sa], f) => {
          const exp: Experiment = {
            ...base,
            init: { kind: 'du', signs: [sv, sa] },
            // No trap: spurious means stationary above the global loss, wherever that is.
            outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: o.gradTol },
          };
          const onWave = (w: WaveResult) => {
            statuses[f].set(w.status, w.first);
            if (f !== 0) return;
            const P = w.params.length / w.count;
            for (let r = 0; r < w.count; r++) {
              if (w.status[r] !== OUTCOME.spurious) continue;
              loc.angle.push(w.angle[r]);
              let d = 0;
              for (let i = 0; i < k; i++) d += (w.params[r * P + DU_P + i] - trapA[i]) ** 2;
              loc.dist.push(Math.sqrt(d));
            }
          };
          plans.push({
            key: { k, ratio, v: sv > 0 ? '+v' : '−v', a: sa > 0 ? '+a' : '−a' },
            label: `k=${k} ratio=${ratio} (${sv > 0 ? '+' : '−'}v, ${sa > 0 ? '+' : '−'}a)`,
            exp,
            paper: null,
            onWave,
          });
        });
      }
    }
    const result = emptyResult(duSpurious.name, duSpurious.title, { ...o, p: DU_P, outcome: 'global by loss and angle; spurious by stationarity only (no trap)' }, o.seed, ctx);
    yield* runCells(plans, ctx, result);
    result.tables.push({
      id: 'spurious-location',
      title: 'Where the runs labelled spurious (from the unflipped draw) end: angle(v, w*) and ‖a − ã‖, Lemma 5.1 predicts π and 0',
      columns: ['k', 'ratio', 'spurious runs', 'angle median', 'angle min', 'π − angle (max)', '‖a − ã‖ median', '‖a − ã‖ max'],
      rows: locations.map((l) => {
        const a = sortedCopy(l.angle);
        const d = sortedCopy(l.dist);
        return [l.k, l.ratio, a.length, fmt(quantile(a, 0.5), 5), fmt(a[0] ?? NaN, 5), fmt(Math.PI - (a[0] ?? NaN)), fmt(quantile(d, 0.5)), fmt(d[d.length - 1] ?? NaN)];
      }),
    });
    const rows: (string | number)[][] = [];
    let worstGlobal = 1;
    for (const [key, st] of flips) {
      const [k, ratio] = key.split('/').map(Number);
      let anyGlobal = 0;
      let anySpurious = 0;
      let allFinished = 0;
      for (let r = 0; r < o.restarts; r++) {
        const codes = st.map((s) => s[r]);
        if (codes.includes(OUTCOME.global)) anyGlobal++;
        if (codes.includes(OUTCOME.spurious)) anySpurious++;
        if (!codes.includes(OUTCOME.undecided)) allFinished++;
      }
      rows.push([k, ratio, o.restarts, fmt(anyGlobal / o.restarts, 4), fmt(anySpurious / o.restarts, 4), fmt(allFinished / o.restarts, 4)]);
      worstGlobal = Math.min(worstGlobal, anyGlobal / o.restarts);
    }
    result.notes.push(
      `Thm 4.2 (at least one of the four sign flips of every draw reaches the global minimum) holds for a fraction ${fmt(worstGlobal, 4)} of the draws in the worst cell.`,
    );
    result.tables.push({
      id: 'sign-flips',
      title: 'Thm 4.2 / 4.3: fraction of draws (v, a) for which at least one of (±v, ±a) reaches each minimum',
      columns: ['k', 'ratio', 'draws', '≥1 flip global', '≥1 flip spurious', 'all four decided'],
      rows,
    });
    yield { progress: finished(plans.length * o.restarts), result };
    return result;
  },
});
