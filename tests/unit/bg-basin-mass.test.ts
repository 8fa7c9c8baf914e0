/**
 * bg-basin-mass (Brutzkus & Globerson Sec. 7.2) on the CPU engine: the settings grid, the
 * statistics over teachers against a hand-made list of cells, a tiny sweep whose tables agree
 * with its own cells, Sec. 7.1's trap seen through this preset's experiment (every N(0, I) start
 * in the open fourth quadrant ends spurious, so P(global) ≤ 3/4 up to sampling), and the
 * homogeneity that lets the sphere inits run as the unit sphere against a rescaled teacher.
 */
import { describe, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import {
  BG_MASS_BOUND,
  BG_SETTINGS,
  type BasinMassOptions,
  basinExperiment,
  bgStrides,
  boundSide,
  massStats,
  selectedSettings,
  teacherFamily,
} from '../../src/presets/bg-basin-mass.ts';
import { presetByName, runExperiment, validateOptions } from '../../src/presets/index.ts';
import { cpuEngine, runCpu } from '../../src/engine/cpu.ts';
import { initParams } from '../../src/core/init.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import { wilsonInterval } from '../../src/core/stats.ts';
import { bgDeterministicTeacher } from '../../src/core/teachers.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import type { CellResult } from '../../src/results/types.ts';
import type { Snapshot } from '../../src/core/stats.ts';

/** A cell with `global` of `restarts` restarts and nothing undecided. */
function cell(teacher: string, global: number, restarts = 1000): CellResult {
  return {
    key: { d: 6, m: 2, stride: 1, K: 5, teacher },
    restarts,
    global,
    spurious: restarts - global,
    diverged: 0,
    undecided: 0,
    pGlobal: global / restarts,
    ci95: wilsonInterval(global, restarts),
    paper: null,
    seconds: 0,
    restartSteps: 0,
  };
}

/** The CPU runs take 1–3 s alone; the build machine's two cores are shared, so allow for a loaded one. */
const CPU_TIMEOUT_MS = 30_000;

const options = (given: Record<string, unknown> = {}) => validateOptions(presetByName('bg-basin-mass'), given) as unknown as BasinMassOptions;

async function finalSnapshot(exp: Experiment): Promise<Snapshot> {
  let last: Snapshot | undefined;
  for await (const s of runCpu(exp)) last = s;
  return last!;
}

describe('the settings grid', () => {
  it('strides 1, ⌈m/2⌉, m − 1 deduplicated; 36 distinct settings with K ∈ {5, 10, 20} and d = m + (K − 1)s', () => {
    expect(bgStrides(2)).toEqual([1]);
    expect(bgStrides(3)).toEqual([1, 2]);
    expect(bgStrides(4)).toEqual([1, 2, 3]);
    expect(bgStrides(5)).toEqual([1, 3, 4]);
    expect(bgStrides(8)).toEqual([1, 4, 7]);
    expect(BG_SETTINGS).toHaveLength(36);
    expect(new Set(BG_SETTINGS.map((x) => `${x.d},${x.m},${x.s}`)).size).toBe(36);
    for (const x of BG_SETTINGS) {
      expect(x.s).toBeLessThan(x.m);
      expect([5, 10, 20]).toContain(x.K);
      expect((x.d - x.m) / x.s + 1).toBe(x.K);
    }
  });
  it('the default 14 hold every (m, s) pair and every K; settings/skip select a slice', () => {
    const first = selectedSettings(options());
    expect(first).toHaveLength(14);
    expect(new Set(first.map((x) => `${x.m},${x.s}`)).size).toBe(12);
    expect(new Set(first.map((x) => x.K))).toEqual(new Set([5, 10, 20]));
    expect(selectedSettings(options({ settings: 36 }))).toEqual(BG_SETTINGS);
    expect(selectedSettings(options({ skip: 7, settings: 7 }))).toEqual(BG_SETTINGS.slice(7, 14));
    expect(() => options({ skip: 30, settings: 7 })).toThrow(/skip \+ settings must be ≤ 36/);
  });
});

describe('statistics over teachers', () => {
  // P(global) 0.9, 0.05, 0.5, 0.03, 0.7: sorted 0.03, 0.05, 0.5, 0.7, 0.9.
  const cells = [cell('a', 900), cell('b', 50), cell('c', 500), cell('d', 30), cell('e', 700)];
  it('min, median, mean and the worst teacher of a hand-made list', () => {
    const s = massStats(cells);
    expect(s.teachers).toBe(5);
    expect(s.min).toBeCloseTo(0.03, 15);
    expect(s.median).toBeCloseTo(0.5, 15);
    expect(s.mean).toBeCloseTo((0.9 + 0.05 + 0.5 + 0.03 + 0.7) / 5, 15);
    expect(s.worst.key.teacher).toBe('d');
    // 30/1000: Wilson [0.021, 0.043], wholly below 1/17; 50/1000: [0.038, 0.065], across it.
    expect(s.below).toBe(1);
    expect(s.straddles).toBe(1);
    expect(massStats(cells.slice(0, 4)).median).toBeCloseTo((0.05 + 0.5) / 2, 15);
  });
  it('where an interval lies against 1/17', () => {
    expect(boundSide({ ci95: [0.06, 0.08] })).toBe('above');
    expect(boundSide({ ci95: [0.05, 0.07] })).toBe('straddles');
    expect(boundSide({ ci95: [0.02, 0.058] })).toBe('below');
    expect(boundSide({ ci95: [BG_MASS_BOUND, 0.1] })).toBe('above');
    expect(teacherFamily('U[-5, 5] #12')).toBe('U[-5, 5]');
    expect(teacherFamily('e1')).toBe('e1');
  });
});

describe('a tiny sweep on the CPU engine', () => {
  it('one setting × 10 teachers, and a 2-step search: the tables are the statistics of the cells', async () => {
    const given = { settings: 1, perSupport: 1, restarts: 16, maxSteps: 2000, searchStarts: 1, searchSteps: 2, searchRestarts: 12, confirmRestarts: 16 };
    const { result } = await collect(runExperiment('bg-basin-mass', given, { engine: cpuEngine() }));
    expect(result.cells).toHaveLength(11);
    const sweep = result.cells.slice(0, 10);
    expect(sweep.map((c) => c.restarts)).toEqual(new Array(10).fill(16));
    const p = sweep.map((c) => c.pGlobal).sort((a, b) => a - b);
    const row = result.tables.find((t) => t.id === 'settings')!.rows[0];
    expect(row.slice(0, 5)).toEqual([6, 2, 1, 5, 10]);
    expect(Number(row[5])).toBeCloseTo(p[0], 3);
    expect(Number(row[6])).toBeCloseTo((p[4] + p[5]) / 2, 3);
    expect(Number(row[7])).toBeCloseTo(p.reduce((s, x) => s + x, 0) / 10, 3);
    const worst = sweep.find((c) => c.pGlobal === p[0])!;
    expect(row[8]).toBe(worst.key.teacher);
    // The search starts from the worst teacher and confirms on its own cell.
    const search = result.tables.find((t) => t.id === 'search')!.rows[0];
    expect(search[1]).toBe(worst.key.teacher);
    expect(result.cells[10].restarts).toBe(16);
    expect(String(result.cells[10].key.teacher)).toMatch(/^search 1 best/);
    expect(result.cells.every((c) => c.paper === null)).toBe(true);
    expect(result.figures[0].series[0].y).toEqual(p);
    // The sweep's critical points come first, one table over its ten teachers (not the search's
    // candidates): every decided sweep restart is in a cluster or counted unclustered.
    expect(result.tables[0].id).toBe('critical-points');
    const clustered = sweep.reduce((n, c) => n + c.catalogue!.unclustered + c.catalogue!.points.reduce((m, q) => m + q.restarts, 0), 0);
    expect(clustered).toBe(sweep.reduce((n, c) => n + c.global + c.spurious, 0));
    expect(result.notes.some((n) => n.startsWith('Polish:'))).toBe(true);
  }, CPU_TIMEOUT_MS);
});

describe('Sec. 7.1 through this preset: w* = (−1, 1), K = 4', () => {
  const R = 240;
  it('every N(0, I) start in the open fourth quadrant ends spurious (Prop. 7.1), so P(global) ≤ 3/4 up to sampling', async () => {
    const o = options({ restarts: R });
    const exp = basinExperiment(o, { d: 5, m: 2, s: 1, K: 4 }, bgDeterministicTeacher('minus-ones-then-one', 2, 4), R, o.seed);
    expect(Array.from(exp.teacher.w)).toEqual([-1, 1]);
    const status: number[] = [];
    let last: Snapshot | undefined;
    for await (const s of runCpu(exp, { onWave: (w) => status.push(...w.status) })) last = s;
    const row = new Float64Array(6);
    let q4 = 0;
    for (let r = 0; r < R; r++) {
      initParams(exp, r, row);
      if (row[0] > 0 && row[1] < 0) {
        q4++;
        expect(status[r]).toBe(OUTCOME.spurious);
      }
    }
    expect(q4).toBeGreaterThan(R / 6); // R/4 expected
    expect(last!.counts.undecided).toBe(0);
    expect(last!.ci95[0]).toBeLessThan(0.75);
    expect(last!.counts.spurious).toBeGreaterThanOrEqual(q4);
  }, CPU_TIMEOUT_MS);
});

describe('homogeneity: an init of scale r against w* is an init of scale 1 against w*/r', () => {
  it('N(0, r²I) against w* and N(0, I) against w*/r give the same outcomes (CPU, f64)', async () => {
    const r = 2.5;
    const base = options({ restarts: 60, maxSteps: 4000 });
    const x = { d: 6, m: 2, s: 1, K: 5 };
    const teacher = bgDeterministicTeacher('alternating', 2, 5);
    const scaled = basinExperiment(options({ restarts: 60, maxSteps: 4000, initScale: r }), x, teacher, 60, base.seed);
    const unit = basinExperiment(base, x, { ...teacher, w: teacher.w.map((v) => v / r) }, 60, base.seed);
    const [a, b] = [await finalSnapshot(scaled), await finalSnapshot(unit)];
    expect(a.counts).toEqual(b.counts);
    expect(a.restartSteps).toBe(b.restartSteps);
    expect(a.counts.global).toBeGreaterThan(0);
    expect(a.counts.spurious).toBeGreaterThan(0);
  }, CPU_TIMEOUT_MS);
  it('the sphere of radius ‖w*‖ runs as the unit sphere against w*/‖w*‖', () => {
    const teacher = bgDeterministicTeacher('ones', 4, 5);
    const exp = basinExperiment(options({ init: 'teacher-sphere' }), { d: 8, m: 4, s: 1, K: 5 }, teacher, 10, 1);
    expect(exp.init).toEqual({ kind: 'sphere', aStd: 0 });
    expect(Array.from(exp.teacher.w)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
});
