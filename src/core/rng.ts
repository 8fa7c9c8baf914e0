/**
 * Counter-based random numbers: Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror, Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC 2011; the Random123 library).
 *
 * Every random number in basins is a pure function of (seed, restart, stream, index):
 *     key = (seed, restart), counter = (stream, index)  →  two u32 words.
 * There is no state to carry between kernels, restarts or waves, so the CPU reference
 * (src/engine/cpu.ts) and the WGSL kernels (shaders/lib/rng.wgsl) draw the *same* numbers.
 *
 * Agreement with shaders/lib/rng.wgsl:
 *   - threefry2x32 / randomBits: bit-identical (pure u32 arithmetic).
 *   - uniform / uniformInt: bit-identical. The uniform uses the top 23 bits of word 0,
 *     u = ((x0 >>> 9) · 2 + 1) · 2⁻²⁴ ∈ (0, 1), which is exactly representable in f32 (an odd
 *     multiple of 2⁻²⁴ below 1 has at most 24 significant bits), so f64 here and f32 there
 *     hold the same value. It never returns 0 or 1.
 *   - normal: Box–Muller from the two words; both uniforms are bit-identical, but log/cos/sqrt
 *     are evaluated in f64 here and in f32 on the GPU, so normals agree only to f32 rounding of
 *     those functions (≈1e-6 absolute for |z| < 6).
 */

/**
 * What each RNG stream (counter word 0) is used for. Never reuse a stream for two purposes. The
 * kernels name them STREAM_INIT, … and SHARED_RESTART (host/contract.ts injects them).
 */
export const STREAM = { init: 0, sample: 1, fresh: 2, index: 3 } as const;
/** Per-step draws use stream STREAM.x + STREAMS_PER_STEP·t: one slot per family, so families never share a stream. */
export const STREAMS_PER_STEP = 4;

/** The 'restart' key slot used for data shared by all restarts (e.g. the fixed sample). */
export const SHARED_RESTART = 0xffffffff;

/**
 * The key slot of problem p's data when an experiment carries many problems (experiment.problems):
 * key = (seed, PROBLEM_KEY_BASE + p). Restart keys are < 2^30 (restarts ≤ 2^30) and problems
 * < 2^24, so problem keys never meet a restart's key nor SHARED_RESTART. Under a problem key,
 * stream STREAM.sample holds its fixed sample (index s·d + c, as the shared sample) and stream
 * STREAM.init its teacher's filter entries (index j·m + t): the teacher is the problem's
 * "initialisation".
 */
export const PROBLEM_KEY_BASE = 0x80000000;
export const problemKey = (problem: number): number => (PROBLEM_KEY_BASE + problem) >>> 0;

/** Rotation constants R_32x2 of Threefry-2x32. */
const R0 = 13, R1 = 15, R2 = 26, R3 = 6, R4 = 17, R5 = 29, R6 = 16, R7 = 24;
/** Skein key-schedule parity constant. */
const KS_PARITY = 0x1bd11bda;

/** Module-level scratch for the allocation-free core: out[0], out[1] after each call. */
const out = new Uint32Array(2);

/**
 * Threefry-2x32-20 into the module scratch `out`. Returns nothing and allocates nothing.
 * All arithmetic is mod 2³² (`| 0` / `>>> 0` keep values in int32/uint32 range).
 */
function threefryInto(k0: number, k1: number, c0: number, c1: number): void {
  const ks0 = k0 | 0;
  const ks1 = k1 | 0;
  const ks2 = (KS_PARITY ^ ks0 ^ ks1) | 0;
  let x0 = (c0 + ks0) | 0;
  let x1 = (c1 + ks1) | 0;

  // Rounds 1-4
  x0 = (x0 + x1) | 0; x1 = (x1 << R0) | (x1 >>> (32 - R0)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R1) | (x1 >>> (32 - R1)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R2) | (x1 >>> (32 - R2)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R3) | (x1 >>> (32 - R3)); x1 ^= x0;
  // Key injection 1
  x0 = (x0 + ks1) | 0; x1 = (x1 + ks2 + 1) | 0;
  // Rounds 5-8
  x0 = (x0 + x1) | 0; x1 = (x1 << R4) | (x1 >>> (32 - R4)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R5) | (x1 >>> (32 - R5)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R6) | (x1 >>> (32 - R6)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R7) | (x1 >>> (32 - R7)); x1 ^= x0;
  // Key injection 2
  x0 = (x0 + ks2) | 0; x1 = (x1 + ks0 + 2) | 0;
  // Rounds 9-12
  x0 = (x0 + x1) | 0; x1 = (x1 << R0) | (x1 >>> (32 - R0)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R1) | (x1 >>> (32 - R1)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R2) | (x1 >>> (32 - R2)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R3) | (x1 >>> (32 - R3)); x1 ^= x0;
  // Key injection 3
  x0 = (x0 + ks0) | 0; x1 = (x1 + ks1 + 3) | 0;
  // Rounds 13-16
  x0 = (x0 + x1) | 0; x1 = (x1 << R4) | (x1 >>> (32 - R4)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R5) | (x1 >>> (32 - R5)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R6) | (x1 >>> (32 - R6)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R7) | (x1 >>> (32 - R7)); x1 ^= x0;
  // Key injection 4
  x0 = (x0 + ks1) | 0; x1 = (x1 + ks2 + 4) | 0;
  // Rounds 17-20
  x0 = (x0 + x1) | 0; x1 = (x1 << R0) | (x1 >>> (32 - R0)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R1) | (x1 >>> (32 - R1)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R2) | (x1 >>> (32 - R2)); x1 ^= x0;
  x0 = (x0 + x1) | 0; x1 = (x1 << R3) | (x1 >>> (32 - R3)); x1 ^= x0;
  // Key injection 5
  x0 = (x0 + ks2) | 0; x1 = (x1 + ks0 + 5) | 0;

  out[0] = x0;
  out[1] = x1;
}

/** Threefry-2x32-20 block: key (k0, k1), counter (c0, c1) → [x0, x1] as unsigned 32-bit ints. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number): [number, number] {
  threefryInto(k0, k1, c0, c1);
  return [out[0]!, out[1]!];
}

/** First output word (u32) for key (seed, restart), counter (stream, index). */
export function randomBits(seed: number, restart: number, stream: number, index: number): number {
  threefryInto(seed, restart, stream, index);
  return out[0]!;
}

/** 2⁻²⁴ */
const TWO_M24 = 5.9604644775390625e-8;

/** A u32 word → (0, 1): ((x >>> 9)·2 + 1)·2⁻²⁴, exactly representable in f32. */
function wordToUniform(x: number): number {
  return ((x >>> 9) * 2 + 1) * TWO_M24;
}

/** Uniform in the open interval (0, 1), bit-identical to rng_uniform in rng.wgsl. */
export function uniform(seed: number, restart: number, stream: number, index: number): number {
  threefryInto(seed, restart, stream, index);
  return wordToUniform(out[0]!);
}

/**
 * Standard normal by Box–Muller: u1 from word 0, u2 from word 1,
 * z = sqrt(−2 ln u1) · cos(2π u2) (evaluated as −sqrt(−2 ln u1) · cos(2π (u2 − ½))). Matches rng_normal in rng.wgsl to f32 rounding.
 */
export function normal(seed: number, restart: number, stream: number, index: number): number {
  threefryInto(seed, restart, stream, index);
  const u1 = wordToUniform(out[0]!);
  const u2 = wordToUniform(out[1]!);
  // cos(2π u2) = −cos(2π (u2 − ½)); the shifted form keeps the f32 argument in [−π, π], where GPU
  // cos is most accurate. u2 − ½ is exact in f32 and f64 alike.
  return -Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * (u2 - 0.5));
}

/**
 * Uniform integer in [0, n) for 1 ≤ n < 2³²: floor(uniform · n) clamped to n − 1, with the product
 * rounded to f32 exactly as the GPU computes it (f32(u) · f32(n), correctly rounded), so it is
 * bit-identical to rng_uniform_int in rng.wgsl. (The f32 rounding can push u·n up to n; the clamp
 * catches that. For n ≫ 2²⁴ not every integer is reachable.)
 */
export function uniformInt(
  seed: number,
  restart: number,
  stream: number,
  index: number,
  n: number,
): number {
  threefryInto(seed, restart, stream, index);
  // u has ≤ 24 significant bits and fround(n) ≤ 24, so the f64 product is exact and
  // fround gives the correctly rounded f32 product, as WGSL's f32 multiply does.
  const k = Math.floor(Math.fround(wordToUniform(out[0]!) * Math.fround(n)));
  return k < n - 1 ? k : n - 1;
}
