/**
 * shaders/lib/rng.wgsl against src/core/rng.ts on 10⁶ draws, in Node (dawn.node) and in Chromium:
 * Threefry words and uniforms bit-identical, uniform ints identical, normals within 2e-6.
 */
import { expect } from 'vitest';
import rngWgsl from '../../shaders/lib/rng.wgsl';
import fillWgsl from './rng_fill.wgsl';
import { composeShader } from '../../host/shader-source.ts';
import { normal, threefry2x32, uniform, uniformInt, SHARED_RESTART } from '../../src/core/rng.ts';
import {
  compileShader,
  compute,
  createBuffer,
  expectAllclose,
  expectBitsEqual,
  readBuffer,
  testWithDevice,
} from './harness.ts';

const COUNT = 1_000_000;
const PER_RESTART = COUNT / 8;
const RESTARTS = [0, 1, 2, 7, 1000, 0x7fffffff, 0xfffffffe, SHARED_RESTART];
const INT_N = 1000;

/** Same grid as rng_fill.wgsl. INDEX_BASE near 2³² makes the index wrap inside the run. */
function cpuFill(seed: number, indexBase: number) {
  const bits = new Uint32Array(2 * COUNT);
  const uniforms = new Float32Array(COUNT);
  const normals = new Float64Array(COUNT);
  const ints = new Uint32Array(COUNT);
  for (let g = 0; g < COUNT; g++) {
    const restart = RESTARTS[Math.min(Math.floor(g / PER_RESTART), 7)]!;
    const stream = g % 4;
    const index = (indexBase + g) >>> 0;
    const [x0, x1] = threefry2x32(seed, restart, stream, index);
    bits[2 * g] = x0;
    bits[2 * g + 1] = x1;
    uniforms[g] = uniform(seed, restart, stream, index);
    normals[g] = normal(seed, restart, stream, index);
    ints[g] = uniformInt(seed, restart, stream, index, INT_N);
  }
  return { bits, uniforms, normals, ints };
}

for (const [seed, indexBase] of [
  [0x2a, 0],
  [0xdeadbeef, 0xffff0000],
] as const) {
  testWithDevice(`rng.wgsl matches src/core/rng.ts bit for bit (seed 0x${seed.toString(16)}, index base 0x${indexBase.toString(16)})`, async ({ device }) => {
    const code = composeShader(rngWgsl, fillWgsl);
    const bitsBuf = createBuffer(device, COUNT * 8);
    const uniBuf = createBuffer(device, COUNT * 4);
    const normBuf = createBuffer(device, COUNT * 4);
    const intBuf = createBuffer(device, COUNT * 4);
    // Poison the outputs so a kernel that did not run cannot pass.
    device.queue.writeBuffer(bitsBuf, 0, new Uint32Array(2 * COUNT).fill(0xdeadbeef));

    const t0 = performance.now();
    await compute(device, code, 'main', [bitsBuf, uniBuf, normBuf, intBuf], [Math.ceil(COUNT / 64)], {
      SEED: seed,
      INDEX_BASE: indexBase,
      PER_RESTART,
      COUNT,
      INT_N,
    });
    const t1 = performance.now();
    const gpu = {
      bits: new Uint32Array(await readBuffer(device, bitsBuf)),
      uniforms: new Float32Array(await readBuffer(device, uniBuf)),
      normals: new Float32Array(await readBuffer(device, normBuf)),
      ints: new Uint32Array(await readBuffer(device, intBuf)),
    };
    const t2 = performance.now();
    const cpu = cpuFill(seed, indexBase);
    const t3 = performance.now();

    expectBitsEqual(gpu.bits, cpu.bits, 'threefry2x32 words');
    expectBitsEqual(
      new Uint32Array(gpu.uniforms.buffer),
      new Uint32Array(cpu.uniforms.buffer),
      'rng_uniform f32 bits',
    );
    // The CPU uniforms are f64; storing them into a Float32Array above must have been exact.
    for (let g = 0; g < COUNT; g += 9973) {
      const restart = RESTARTS[Math.min(Math.floor(g / PER_RESTART), 7)]!;
      expect(cpu.uniforms[g]).toBe(uniform(seed, restart, g % 4, (indexBase + g) >>> 0));
    }
    expectBitsEqual(gpu.ints, cpu.ints, 'rng_uniform_int');
    const maxErr = expectAllclose(gpu.normals, cpu.normals, { atol: 2e-6, rtol: 0, label: 'rng_normal' });
    console.log(
      `[rng.gpu] ${COUNT} draws: kernel ${(t1 - t0).toFixed(0)} ms, readback ${(t2 - t1).toFixed(0)} ms, ` +
        `CPU ${(t3 - t2).toFixed(0)} ms; normals max |GPU − CPU| = ${maxErr.toExponential(2)}`,
    );
  });
}

testWithDevice('rng_uniform_int stays in range for awkward n', async ({ device }) => {
  // n = 1 (always 0), a prime, 2²⁴ (largest exact f32 integer), 2²⁴ + 1 and 2³² − 1 (rounded in f32).
  const ns = [1, 3, 1_000_003, 1 << 24, (1 << 24) + 1, 0xffffffff];
  const perN = 4096;
  const code = composeShader(
    rngWgsl,
    `// rng_int_range.wgsl
// provides: var ns, var out, fn main
// expects: fn rng_uniform_int
@group(0) @binding(0) var<storage, read> ns: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let g = gid.x;
  if (g >= arrayLength(&out)) { return; }
  out[g] = rng_uniform_int(7u, g, 3u, g * 2654435761u, ns[g / ${perN}u]);
}`,
  );
  const nsBuf = createBuffer(device, new Uint32Array(ns));
  const outBuf = createBuffer(device, ns.length * perN * 4);
  await compute(device, code, 'main', [nsBuf, outBuf], [(ns.length * perN) / 64]);
  const got = new Uint32Array(await readBuffer(device, outBuf));
  const want = new Uint32Array(got.length);
  for (let g = 0; g < got.length; g++) {
    const n = ns[Math.floor(g / perN)]!;
    want[g] = uniformInt(7, g, 3, Math.imul(g, 2654435761) >>> 0, n);
    if (!(want[g]! < n)) throw new Error(`uniformInt(…, ${n}) = ${want[g]}`);
  }
  expectBitsEqual(got, want, 'rng_uniform_int');
});

testWithDevice('rng_log and rng_cos_2pi over every uniform the RNG can produce (2²³ values)', async ({ device }) => {
  // u = (2i + 1)·2⁻²⁴ for i < 2²³ is the whole range of rng_word_to_uniform.
  const M = 1 << 23;
  const code = composeShader(
    rngWgsl,
    `// rng_exhaustive.wgsl
// provides: var radius, var cosine, fn main
// expects: fn rng_word_to_uniform, fn rng_log, fn rng_cos_2pi
@group(0) @binding(0) var<storage, read_write> radius: array<f32>;
@group(0) @binding(1) var<storage, read_write> cosine: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= ${M}u) { return; }
  let u = rng_word_to_uniform(i << 9u);
  radius[i] = sqrt(-2.0 * rng_log(u));
  cosine[i] = rng_cos_2pi(u - 0.5);
}`,
  );
  const rBuf = createBuffer(device, M * 4);
  const cBuf = createBuffer(device, M * 4);
  await compute(device, code, 'main', [rBuf, cBuf], [512, M / 64 / 512]);
  const r = new Float32Array(await readBuffer(device, rBuf));
  const c = new Float32Array(await readBuffer(device, cBuf));
  let maxR = 0;
  let maxRelR = 0;
  let maxC = 0;
  for (let i = 0; i < M; i++) {
    const u = (2 * i + 1) * 2 ** -24;
    const rr = Math.sqrt(-2 * Math.log(u));
    const dr = Math.abs(r[i]! - rr);
    if (dr > maxR) maxR = dr;
    if (dr / rr > maxRelR) maxRelR = dr / rr;
    const dc = Math.abs(c[i]! - Math.cos(2 * Math.PI * (u - 0.5)));
    if (dc > maxC) maxC = dc;
  }
  // |Δz| ≤ |Δr|·|cos| + r·|Δcos| + rounding of the product, over every possible (u1, u2).
  const zBound = maxR + 5.8 * maxC + 2 ** -21;
  console.log(
    `[rng.gpu] exhaustive: sqrt(-2 ln u) max abs err ${maxR.toExponential(2)} (rel ${maxRelR.toExponential(2)}), ` +
      `cos(2πt) max abs err ${maxC.toExponential(2)}; ⇒ |Δ normal| ≤ ${zBound.toExponential(2)}`,
  );
  expect(maxRelR).toBeLessThan(2.5e-7); // ~4 f32 ulp
  expect(maxC).toBeLessThan(1.8e-7); // ~3 f32 ulp at 1
  expect(zBound).toBeLessThan(2e-6);
});

// The harness itself (it lives here because this is the first GPU test file): compile errors are
// reported with their line, and error scopes really capture validation errors.
testWithDevice('harness: compile errors are listed and validation errors are captured', async ({ device }) => {
  device.pushErrorScope('validation');
  await expect(
    compileShader(device, '// bad.wgsl\nfn f() -> u32 { return 1.5; }', 'bad'),
  ).rejects.toThrow(/WGSL kernel 'bad' failed to compile:\n\s+2:\d+ .*\n\s+\| fn f\(\) -> u32/);
  const err = await device.popErrorScope();
  expect(err?.message).toBeTruthy();

  // Binding a buffer that is too small is a validation error the scope must see.
  device.pushErrorScope('validation');
  const tiny = createBuffer(device, 4);
  const pipelineCode = `@group(0) @binding(0) var<storage, read_write> x: array<vec4f, 4>;
@compute @workgroup_size(1) fn main() { x[0] = vec4f(1.0); }`;
  await compute(device, pipelineCode, 'main', [tiny], [1]).catch(() => undefined);
  expect(await device.popErrorScope()).not.toBeNull();

  expectAllclose([1, 2, 3], [1, 2, 3 + 1e-9], { atol: 1e-8 });
  expect(() => expectAllclose([1, 2, 3, 4], [1, 2.5, 3, 4.1], { atol: 0.2, rtol: 0 })).toThrow(
    /1 of 4 elements differ.*worst at index 1: actual 2, expected 2.5/,
  );
  expect(() => expectBitsEqual([1, 2], [1, 3])).toThrow(/first at index 1: actual 0x00000002, expected 0x00000003/);
});
