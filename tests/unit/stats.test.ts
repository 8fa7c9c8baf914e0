import { describe, expect, it } from 'vitest';
import { binOf, emptyTally, makeSnapshot, mergeTallies, pGlobalInterval, tallyRestart, wilsonInterval } from '../../src/core/stats.ts';
import { OUTCOME } from '../../src/core/outcome.ts';

describe('wilsonInterval', () => {
  it('matches a textbook value (Newcombe 1998, 81/263)', () => {
    const [lo, hi] = wilsonInterval(81, 263);
    expect(lo).toBeCloseTo(0.2553, 4);
    expect(hi).toBeCloseTo(0.3662, 4);
  });
  it('stays inside [0, 1] at 0 and n successes and contains p', () => {
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
    expect(wilsonInterval(0, 10)[1]).toBeGreaterThan(0.2);
    const [lo, hi] = wilsonInterval(3650, 5000);
    expect(lo).toBeLessThan(0.73);
    expect(hi).toBeGreaterThan(0.73);
    expect(hi - lo).toBeLessThan(0.03);
  });
  it('covers the true p about 95% of the time (simulation)', () => {
    let s = 12345;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const p = 0.3;
    const n = 200;
    let covered = 0;
    const trials = 4000;
    for (let t = 0; t < trials; t++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (rand() < p) k++;
      const [lo, hi] = wilsonInterval(k, n);
      if (lo <= p && p <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.97);
  });
});

describe('tallies merge by addition', () => {
  it('two halves equal the whole', () => {
    const a = emptyTally(100);
    const b = emptyTally(100);
    const all = emptyTally(100);
    const recs = [
      [OUTCOME.global, 10, 1e-6, 0.01],
      [OUTCOME.spurious, 90, 0.3, 3.1],
      [OUTCOME.diverged, 5, Number.NaN, Number.NaN],
      [OUTCOME.undecided, 100, 0.01, 1],
    ] as const;
    recs.forEach(([c, st, l, ang], i) => {
      tallyRestart(i % 2 ? a : b, c, st, l, ang);
      tallyRestart(all, c, st, l, ang);
    });
    expect(mergeTallies(a, b)).toEqual(all);
    const snap = makeSnapshot(all, 4, 1000, 'cpu', 'test');
    expect(snap.done).toBe(4);
    expect(snap.pGlobal).toBe(0.25);
    expect(snap.restartSteps).toBe(205);
    expect(snap.restartStepsPerSec).toBeCloseTo(205, 6);
  });
  it('bins clamp at the edges and send NaN to the last bin', () => {
    expect(binOf({ lo: 0, hi: 1 }, 10, -5)).toBe(0);
    expect(binOf({ lo: 0, hi: 1 }, 10, 5)).toBe(9);
    expect(binOf({ lo: 0, hi: 1 }, 10, Number.NaN)).toBe(9);
    expect(binOf({ lo: 0, hi: 1 }, 10, 0.55)).toBe(5);
  });
});

describe('pGlobalInterval: undecided restarts count as either outcome', () => {
  const counts = (global: number, spurious: number, undecided: number) => ({ global, spurious, diverged: 0, undecided });
  it('is the Wilson interval, bit for bit, when every restart is decided', () => {
    expect(pGlobalInterval(counts(3838, 1162, 0))).toEqual(wilsonInterval(3838, 5000));
  });
  it('spans all-missed to all-global over the undecided ones', () => {
    expect(pGlobalInterval(counts(5, 5, 6))).toEqual([wilsonInterval(5, 16)[0], wilsonInterval(11, 16)[1]]);
    // Nothing decided: nothing known (not "P(global) = 0 [0, 0.194]").
    expect(pGlobalInterval(counts(0, 0, 16))).toEqual([0, 1]);
  });
});
