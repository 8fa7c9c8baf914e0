/**
 * src/core/rng.ts: Random123 known-answer vectors for Threefry-2x32-20, the exact-f32 uniform
 * conversion, moments over 10⁶ draws, and independence of streams keyed by seed/restart/stream.
 */
import { describe, expect, test } from 'vitest';
import {
  normal,
  randomBits,
  SHARED_RESTART,
  STREAM,
  threefry2x32,
  uniform,
  uniformInt,
} from '../../src/core/rng.ts';

describe('threefry2x32 (Random123 kat_vectors, threefry2x32_20)', () => {
  // Format in Random123's kat_vectors: "threefry2x32 20 <ctr0> <ctr1> <key0> <key1> <out0> <out1>".
  const kat: [ctr: [number, number], key: [number, number], out: [number, number]][] = [
    [[0x00000000, 0x00000000], [0x00000000, 0x00000000], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x243f6a88, 0x85a308d3], [0x13198a2e, 0x03707344], [0xc4923a9c, 0x483df7a0]],
  ];
  for (const [[c0, c1], [k0, k1], [o0, o1]] of kat) {
    test(`ctr (${c0.toString(16)}, ${c1.toString(16)}) key (${k0.toString(16)}, ${k1.toString(16)})`, () => {
      expect(threefry2x32(k0, k1, c0, c1)).toEqual([o0, o1]);
    });
  }

  test('randomBits is word 0 of the block keyed (seed, restart), counter (stream, index)', () => {
    expect(randomBits(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toBe(0xc4923a9c);
    expect(randomBits(0, 0, 0, 0)).toBe(0x6b200159);
  });

  test('outputs are unsigned and the wrapper returns a fresh array', () => {
    const a = threefry2x32(1, 2, 3, 4);
    const b = threefry2x32(1, 2, 3, 4);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
    for (const v of a) expect(v >>> 0).toBe(v);
  });

  test('stream constants are distinct and SHARED_RESTART is the top u32', () => {
    expect(new Set(Object.values(STREAM)).size).toBe(Object.keys(STREAM).length);
    expect(SHARED_RESTART).toBe(2 ** 32 - 1);
  });
});

const N = 1_000_000;

describe('uniform', () => {
  test('in (0, 1) and exactly f32; the conversion maps 0 and 2³²−1 to 2⁻²⁴ and 1 − 2⁻²⁴', () => {
    for (let i = 0; i < 100_000; i++) {
      // Plain checks in hot loops: expect() costs ~10 µs a call.
      const u = uniform(1, 2, STREAM.init, i);
      if (!(u > 0 && u < 1)) throw new Error(`uniform(1,2,0,${i}) = ${u} is outside (0, 1)`);
      if (Math.fround(u) !== u) throw new Error(`uniform(1,2,0,${i}) = ${u} is not an f32`);
    }
    // Conversion extremes (the formula of src/core/rng.ts): word 0 → 2⁻²⁴, word 0xffffffff → 1 − 2⁻²⁴.
    const lo = ((0 >>> 9) * 2 + 1) * 2 ** -24;
    const hi = ((0xffffffff >>> 9) * 2 + 1) * 2 ** -24;
    expect(lo).toBe(2 ** -24);
    expect(hi).toBe(1 - 2 ** -24);
    expect(Math.fround(hi)).toBe(hi);
  });

  test(`moments over ${N} draws`, () => {
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const u = uniform(12345, 7, STREAM.sample, i) - 0.5;
      s1 += u;
      s2 += u * u;
    }
    const mean = s1 / N + 0.5;
    const variance = s2 / N - (s1 / N) ** 2;
    // SE(mean) = sqrt(1/12 / N); SE(var) = sqrt((μ4 − σ⁴)/N) with μ4 = 1/80, σ⁴ = 1/144.
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt((1 / 80 - 1 / 144) / N));
  });

  test('histogram of 10 bins is flat (chi² with 9 dof)', () => {
    const bins = new Float64Array(10);
    for (let i = 0; i < N; i++) bins[Math.floor(uniform(99, 3, STREAM.fresh, i) * 10)]!++;
    let chi2 = 0;
    for (const b of bins) chi2 += (b - N / 10) ** 2 / (N / 10);
    expect(chi2).toBeLessThan(27.88); // p = 0.001 quantile of chi²(9)
  });
});

describe('normal', () => {
  test(`moments over ${N} draws`, () => {
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let i = 0; i < N; i++) {
      const z = normal(2024, 11, STREAM.init, i);
      if (!Number.isFinite(z)) throw new Error(`normal(…, ${i}) = ${z}`);
      const z2 = z * z;
      s1 += z;
      s2 += z2;
      s3 += z2 * z;
      s4 += z2 * z2;
    }
    const m1 = s1 / N;
    const m2 = s2 / N - m1 * m1;
    const skew = (s3 / N - 3 * m1 * (s2 / N) + 2 * m1 ** 3) / m2 ** 1.5;
    const kurt =
      (s4 / N - 4 * m1 * (s3 / N) + 6 * m1 * m1 * (s2 / N) - 3 * m1 ** 4) / (m2 * m2);
    // Standard errors for a normal sample: mean 1/√N, var √(2/N), skew √(6/N), kurtosis √(24/N).
    expect(Math.abs(m1)).toBeLessThan(4 / Math.sqrt(N));
    expect(Math.abs(m2 - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
    expect(Math.abs(skew)).toBeLessThan(4 * Math.sqrt(6 / N));
    expect(Math.abs(kurt - 3)).toBeLessThan(4 * Math.sqrt(24 / N));
  });

  test('tail mass beyond ±3 matches 2·Φ(−3) = 0.0026998', () => {
    let tail = 0;
    for (let i = 0; i < N; i++) if (Math.abs(normal(5, SHARED_RESTART, STREAM.sample, i)) > 3) tail++;
    const p = 0.0026997960632601866;
    expect(Math.abs(tail / N - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
  });
});

describe('uniformInt', () => {
  test('range, clamp and uniformity', () => {
    const n = 7;
    const counts = new Float64Array(n);
    for (let i = 0; i < 700_000; i++) {
      const k = uniformInt(3, 4, STREAM.index, i, n);
      if (!(Number.isInteger(k) && k >= 0 && k < n)) throw new Error(`uniformInt(…, ${i}, 7) = ${k}`);
      counts[k]!++;
    }
    let chi2 = 0;
    for (const c of counts) chi2 += (c - 100_000) ** 2 / 100_000;
    expect(chi2).toBeLessThan(22.46); // p = 0.001 quantile of chi²(6)
    let bad = 0;
    for (let i = 0; i < 100_000; i++) {
      if (uniformInt(1, 1, STREAM.index, i, 1) !== 0) bad++;
      const k = uniformInt(1, 1, STREAM.index, i, 0xffffffff);
      if (!(Number.isInteger(k) && k >= 0 && k < 0xffffffff)) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe('independence of streams', () => {
  /** Pearson correlation of two uniform sequences of length M. */
  function corr(a: (i: number) => number, b: (i: number) => number, M: number): number {
    let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (let i = 0; i < M; i++) {
      const x = a(i);
      const y = b(i);
      sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
    }
    const cov = sab / M - (sa / M) * (sb / M);
    return cov / Math.sqrt((saa / M - (sa / M) ** 2) * (sbb / M - (sb / M) ** 2));
  }
  const M = 200_000;
  const bound = 4 / Math.sqrt(M); // 4 SE of a correlation of independent sequences
  const base = (i: number) => uniform(1, 0, STREAM.init, i);
  const cases: [string, (i: number) => number][] = [
    ['seed + 1', (i) => uniform(2, 0, STREAM.init, i)],
    ['restart + 1', (i) => uniform(1, 1, STREAM.init, i)],
    ['shared restart', (i) => uniform(1, SHARED_RESTART, STREAM.init, i)],
    ['stream sample', (i) => uniform(1, 0, STREAM.sample, i)],
    ['stream fresh', (i) => uniform(1, 0, STREAM.fresh, i)],
    ['index + 1 (lag 1)', (i) => uniform(1, 0, STREAM.init, i + 1)],
    ['word 1 of the same block', (i) => ((threefry2x32(1, 0, STREAM.init, i)[1] >>> 9) * 2 + 1) * 2 ** -24],
  ];
  for (const [name, other] of cases) {
    test(`|corr| with ${name} < ${bound.toFixed(4)}`, () => {
      expect(Math.abs(corr(base, other, M))).toBeLessThan(bound);
    });
  }
  test('restarts do not collide: 10⁵ restarts × 1 draw give distinct words', () => {
    const seen = new Set<number>();
    for (let r = 0; r < 100_000; r++) seen.add(randomBits(77, r, STREAM.init, 0));
    // Birthday bound: expected collisions among 10⁵ 32-bit words ≈ 1.2.
    expect(seen.size).toBeGreaterThan(100_000 - 10);
  });
});
