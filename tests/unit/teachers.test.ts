import { describe, expect, it } from 'vitest';
import { bgOverlapTeacher, duTeacher, randomTeacher } from '../../src/core/teachers.ts';

const norm = (x: Float64Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);

describe('teachers the papers use', () => {
  for (const [k, ratio] of [
    [25, 0],
    [25, 4],
    [100, 25],
    [36, 9],
  ]) {
    it(`Du et al.: ‖w*‖ = 1, ‖a*‖ = 1, (1ᵀa*)²/‖a*‖² = ${ratio} for k = ${k}`, () => {
      const t = duTeacher(6, k, ratio, 3);
      expect(norm(t.w)).toBeCloseTo(1, 12);
      expect(norm(t.a)).toBeCloseTo(1, 12);
      expect(sum(t.a) ** 2 / norm(t.a) ** 2).toBeCloseTo(ratio, 10);
      expect(t.a.length).toBe(k);
    });
  }
  it('Du et al.: a ratio above k is rejected', () => expect(() => duTeacher(6, 4, 5, 1)).toThrow(/\[0, k = 4\]/));
  it('Du et al.: teachers differ across seeds and repeat for a seed', () => {
    expect(Array.from(duTeacher(6, 9, 1, 1).w)).toEqual(Array.from(duTeacher(6, 9, 1, 1).w));
    expect(Array.from(duTeacher(6, 9, 1, 1).w)).not.toEqual(Array.from(duTeacher(6, 9, 1, 2).w));
  });
  it('Brutzkus & Globerson 7.1: w* = (−1, 1), average pooling', () => {
    const t = bgOverlapTeacher(4);
    expect(Array.from(t.w)).toEqual([-1, 1]);
    expect(Array.from(t.a)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
  it('random teacher: unit filters and ±1 output weights', () => {
    const t = randomTeacher(3, 5, 1, 7);
    for (let j = 0; j < 3; j++) expect(norm(t.w.subarray(j * 5, j * 5 + 5))).toBeCloseTo(1, 12);
    expect(Array.from(t.a).every((x) => x === 1 || x === -1)).toBe(true);
  });
});
