/**
 * The teachers of Brutzkus & Globerson Sec. 7.2's grid (src/core/teachers.ts): uniform supports
 * (ranges, i.i.d. draws that repeat for a seed and differ across seeds and draws), the five
 * deterministic ones, and the 90-per-setting list.
 */
import { describe, expect, it } from 'vitest';
import { BG_DETERMINISTIC, BG_SUPPORTS, bgBasinTeachers, bgDeterministicTeacher, uniformTeacher } from '../../src/core/teachers.ts';

describe('uniform-support teachers', () => {
  it('entries lie in [lo, hi], fill it, and average near its middle', () => {
    for (const [lo, hi] of BG_SUPPORTS) {
      const xs: number[] = [];
      for (let draw = 0; draw < 400; draw++) xs.push(...uniformTeacher(5, 3, lo, hi, 11, draw).w);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...xs)).toBeLessThanOrEqual(hi);
      // 2000 draws: the extremes come within 1% of the ends, the mean within 5 standard errors.
      expect(Math.min(...xs)).toBeLessThan(lo + 0.01 * (hi - lo));
      expect(Math.max(...xs)).toBeGreaterThan(hi - 0.01 * (hi - lo));
      const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
      expect(Math.abs(mean - (lo + hi) / 2)).toBeLessThan((5 * (hi - lo)) / Math.sqrt(12 * xs.length));
    }
  });
  it('repeat for a seed and draw, differ across seeds and draws; output weights 1/K', () => {
    const t = uniformTeacher(4, 5, -1, 1, 3, 2);
    expect(Array.from(t.w)).toEqual(Array.from(uniformTeacher(4, 5, -1, 1, 3, 2).w));
    expect(Array.from(t.w)).not.toEqual(Array.from(uniformTeacher(4, 5, -1, 1, 4, 2).w));
    expect(Array.from(t.w)).not.toEqual(Array.from(uniformTeacher(4, 5, -1, 1, 3, 3).w));
    expect(Array.from(t.a)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
    expect(t.filters).toBe(1);
    expect(() => uniformTeacher(4, 5, 1, -1, 3)).toThrow(/lo ≤ hi/);
  });
});

describe('the deterministic teachers', () => {
  it('(−1, 1, −1, …), (1, …, 1), (−1, …, −1, 1), e₁, (1, −1, 0, …, 0) at m = 5; (−1, 1) is Sec. 7.1’s at m = 2', () => {
    const w = (kind: (typeof BG_DETERMINISTIC)[number], m = 5) => Array.from(bgDeterministicTeacher(kind, m, 4).w);
    expect(w('alternating')).toEqual([-1, 1, -1, 1, -1]);
    expect(w('ones')).toEqual([1, 1, 1, 1, 1]);
    expect(w('minus-ones-then-one')).toEqual([-1, -1, -1, -1, 1]);
    expect(w('e1')).toEqual([1, 0, 0, 0, 0]);
    expect(w('one-minus-one')).toEqual([1, -1, 0, 0, 0]);
    expect(w('minus-ones-then-one', 2)).toEqual([-1, 1]);
    expect(Array.from(bgDeterministicTeacher('e1', 3, 4).a)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});

describe('the list of one setting', () => {
  it('17 per support and the 5 deterministic: 90, each random one in its support; a shorter list is a prefix per support', () => {
    const list = bgBasinTeachers(4, 10, 17, 99);
    expect(list).toHaveLength(90);
    expect(new Set(list.map((t) => t.label)).size).toBe(90);
    BG_SUPPORTS.forEach(([lo, hi], j) => {
      const own = list.slice(17 * j, 17 * (j + 1));
      expect(own.every((t) => t.label.startsWith(`U[${lo}, ${hi}] #`))).toBe(true);
      expect(own.every((t) => t.teacher.w.every((v) => v >= lo && v <= hi))).toBe(true);
    });
    expect(list.slice(85).map((t) => t.label)).toEqual([...BG_DETERMINISTIC]);
    const short = bgBasinTeachers(4, 10, 3, 99);
    expect(short).toHaveLength(20);
    BG_SUPPORTS.forEach((_, j) => {
      for (let i = 0; i < 3; i++) expect(Array.from(short[3 * j + i].teacher.w)).toEqual(Array.from(list[17 * j + i].teacher.w));
    });
    expect(Array.from(bgBasinTeachers(4, 10, 17, 98)[0].teacher.w)).not.toEqual(Array.from(list[0].teacher.w));
  });
});
