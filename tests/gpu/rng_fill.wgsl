// rng_fill.wgsl — test-only kernel: evaluates shaders/lib/rng.wgsl on a grid of
// (seed, restart, stream, index) so tests/gpu/rng.gpu.test.ts can compare with src/core/rng.ts.
// Composed after rng.wgsl (host/shader-source.ts composeShader).
// provides: override SEED, override INDEX_BASE, override PER_RESTART, override COUNT, override INT_N
// provides: const RESTARTS, var bits, var uniforms, var normals, var ints, fn main
// expects: fn threefry2x32, fn rng_uniform, fn rng_normal, fn rng_uniform_int
//
// Thread g: restart = RESTARTS[g / PER_RESTART], stream = g % 4, index = INDEX_BASE + g.

override SEED: u32;
override INDEX_BASE: u32;
override PER_RESTART: u32;
override COUNT: u32;
override INT_N: u32;

const RESTARTS = array<u32, 8>(0u, 1u, 2u, 7u, 1000u, 0x7fffffffu, 0xfffffffeu, 0xffffffffu);

@group(0) @binding(0) var<storage, read_write> bits: array<vec2u>;
@group(0) @binding(1) var<storage, read_write> uniforms: array<f32>;
@group(0) @binding(2) var<storage, read_write> normals: array<f32>;
@group(0) @binding(3) var<storage, read_write> ints: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * 64u;
  if (g >= COUNT) { return; }
  let restart = RESTARTS[min(g / PER_RESTART, 7u)];
  let stream = g % 4u;
  let index = INDEX_BASE + g;
  bits[g] = threefry2x32(vec2u(SEED, restart), vec2u(stream, index));
  uniforms[g] = rng_uniform(SEED, restart, stream, index);
  normals[g] = rng_normal(SEED, restart, stream, index);
  ints[g] = rng_uniform_int(SEED, restart, stream, index, INT_N);
}
