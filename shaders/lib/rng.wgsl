// lib/rng.wgsl — counter-based random numbers: Threefry-2x32 with 20 rounds
// (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011; Random123).
// provides: const RNG_KS_PARITY, const RNG_TWO_M24, const RNG_TWO_PI, fn rng_rotl, fn rng_round, fn threefry2x32
// provides: fn rng_word_to_uniform, fn rng_bits2, fn rng_bits, fn rng_uniform, fn rng_log, fn rng_cos_2pi
// provides: fn rng_normal, fn rng_uniform_int
//
// Every random number is a pure function of (seed, restart, stream, index):
//     key = (seed, restart), counter = (stream, index)  ->  two u32 words.
// The TypeScript twin is src/core/rng.ts; keep the two in lockstep.
//   - threefry2x32:                 bit-identical to src/core/rng.ts (pure u32 arithmetic, wrapping).
//   - rng_uniform, rng_uniform_int: bit-identical. u = ((x0 >> 9) * 2 + 1) * 2^-24 in (0, 1) is an
//                                   odd multiple of 2^-24 below 1, exact in f32 and f64 alike.
//   - rng_normal:                   Box-Muller from the same two uniforms; agrees with the CPU only
//                                   to f32 rounding of log / cos / sqrt (< 2e-6 absolute). log and
//                                   cos are computed here (rng_log, rng_cos_2pi), not by the
//                                   builtins, whose WGSL accuracy (2^-11 for cos) is far coarser.
// Streams (counter word 0) are src/core/rng.ts STREAM, which the host injects as STREAM_INIT, …
// (host/contract.ts); restart SHARED_RESTART keys data shared by all restarts.

const RNG_KS_PARITY: u32 = 0x1bd11bdau;
const RNG_TWO_M24: f32 = 5.9604644775390625e-8;   // 2^-24
const RNG_TWO_PI: f32 = 6.283185307179586;

fn rng_rotl(x: u32, r: u32) -> u32 {
  return (x << r) | (x >> (32u - r));
}

// One Threefry-2x32 round: x0 += x1; x1 = rotl(x1, r) ^ x0.
fn rng_round(x: vec2u, r: u32) -> vec2u {
  let x0 = x.x + x.y;
  return vec2u(x0, rng_rotl(x.y, r) ^ x0);
}

// Threefry-2x32-20: rotations R = [13, 15, 26, 6, 17, 29, 16, 24], key injection every 4 rounds.
fn threefry2x32(key: vec2u, ctr: vec2u) -> vec2u {
  let ks = array<u32, 3>(key.x, key.y, RNG_KS_PARITY ^ key.x ^ key.y);
  var x = ctr + key;
  x = rng_round(x, 13u); x = rng_round(x, 15u); x = rng_round(x, 26u); x = rng_round(x, 6u);
  x += vec2u(ks[1], ks[2] + 1u);
  x = rng_round(x, 17u); x = rng_round(x, 29u); x = rng_round(x, 16u); x = rng_round(x, 24u);
  x += vec2u(ks[2], ks[0] + 2u);
  x = rng_round(x, 13u); x = rng_round(x, 15u); x = rng_round(x, 26u); x = rng_round(x, 6u);
  x += vec2u(ks[0], ks[1] + 3u);
  x = rng_round(x, 17u); x = rng_round(x, 29u); x = rng_round(x, 16u); x = rng_round(x, 24u);
  x += vec2u(ks[1], ks[2] + 4u);
  x = rng_round(x, 13u); x = rng_round(x, 15u); x = rng_round(x, 26u); x = rng_round(x, 6u);
  x += vec2u(ks[2], ks[0] + 5u);
  return x;
}

// A u32 word -> (0, 1), exactly representable in f32.
fn rng_word_to_uniform(x: u32) -> f32 {
  return f32((x >> 9u) * 2u + 1u) * RNG_TWO_M24;
}

// Both words of the block for (seed, restart, stream, index).
fn rng_bits2(seed: u32, restart: u32, stream: u32, index: u32) -> vec2u {
  return threefry2x32(vec2u(seed, restart), vec2u(stream, index));
}

// First word; matches randomBits in src/core/rng.ts.
fn rng_bits(seed: u32, restart: u32, stream: u32, index: u32) -> u32 {
  return rng_bits2(seed, restart, stream, index).x;
}

// Uniform in (0, 1); bit-identical to uniform() in src/core/rng.ts.
fn rng_uniform(seed: u32, restart: u32, stream: u32, index: u32) -> f32 {
  return rng_word_to_uniform(rng_bits(seed, restart, stream, index));
}

// ln(x) for positive normal f32 x, to about 1 ulp (musl's logf). The builtin log() only promises
// 2^-21 absolute near 1 (SwiftShader's relative error there is ~1%), too coarse for CPU agreement.
fn rng_log(x: f32) -> f32 {
  // x = 2^k * (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)).
  var ix = bitcast<u32>(x) + (0x3f800000u - 0x3f3504f3u);
  let k = f32(i32(ix >> 23u) - 127);
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  let f = bitcast<f32>(ix) - 1.0;
  let s = f / (2.0 + f);
  let z = s * s;
  let w = z * z;
  let t1 = w * (0xccce13.0p-25f + w * 0xf89e26.0p-26f);
  let t2 = z * (0xaaaaaa.0p-24f + w * 0x91e9ee.0p-25f);
  let r = t2 + t1;
  let hfsq = 0.5 * f * f;
  // ln 2 split into hi (exact times k) + lo.
  return s * (hfsq + r) + k * 9.0580006145e-06 - hfsq + f + k * 6.9313812256e-01;
}

// cos(2 pi t) for t in [-1/2, 1/2], to about 1 ulp absolute. The builtin cos() only promises
// 2^-11 absolute (SwiftShader: ~2e-4). Reduces to x = 2 pi b, b in [0, 1/8], with exact f32
// subtractions, then Taylor polynomials (truncation < 2e-9 on [0, pi/4]).
fn rng_cos_2pi(t: f32) -> f32 {
  let a = abs(t);                       // cos is even
  let flip = a > 0.25;                  // cos(2 pi a) = -cos(2 pi (1/2 - a))
  let b = select(a, 0.5 - a, flip);     // [0, 1/4], exact
  let use_sin = b > 0.125;              // cos(2 pi b) = sin(2 pi (1/4 - b))
  let x = RNG_TWO_PI * select(b, 0.25 - b, use_sin);   // [0, pi/4]
  let z = x * x;
  let c = 1.0 + z * (-0.5 + z * (4.16666679e-2 + z * (-1.38888892e-3 + z * (2.48015876e-5 + z * -2.75573200e-7))));
  let s = x * (1.0 + z * (-1.66666672e-1 + z * (8.33333377e-3 + z * (-1.98412701e-4 + z * 2.75573188e-6))));
  let v = select(c, s, use_sin);
  return select(v, -v, flip);
}

// Standard normal, Box-Muller: u1 from word 0, u2 from word 1,
// z = sqrt(-2 ln u1) * cos(2 pi u2) = -sqrt(-2 ln u1) * cos(2 pi (u2 - 1/2)) (u2 - 1/2 is exact).
// Agrees with normal() in src/core/rng.ts (f64 Math.log / Math.cos) to f32 rounding: |diff| < 2e-6.
fn rng_normal(seed: u32, restart: u32, stream: u32, index: u32) -> f32 {
  let w = rng_bits2(seed, restart, stream, index);
  let u1 = rng_word_to_uniform(w.x);
  let u2 = rng_word_to_uniform(w.y);
  return -sqrt(-2.0 * rng_log(u1)) * rng_cos_2pi(u2 - 0.5);
}

// Uniform integer in [0, n): floor(u * n) with the f32 product, clamped to n - 1;
// bit-identical to uniformInt() in src/core/rng.ts.
fn rng_uniform_int(seed: u32, restart: u32, stream: u32, index: u32, n: u32) -> u32 {
  let k = u32(floor(rng_uniform(seed, restart, stream, index) * f32(n)));
  return min(k, n - 1u);
}
