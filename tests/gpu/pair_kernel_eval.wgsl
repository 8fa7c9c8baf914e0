// pair_kernel_eval.wgsl — test-only kernel: evaluates shaders/lib/pair_kernel.wgsl at given points so
// tests/gpu/population-activations.gpu.test.ts can compare it with src/core/pair-kernels.ts. Composed
// after the contract's constants, ACT, lib/gauss_quadrature.wgsl and lib/pair_kernel.wgsl.
// provides: const PI, const INV_2PI, var points, var values, fn main
// expects: fn pair_kernel, fn act_mean
//
// Thread i: points[i] = (n₁, n₂, ρ, unused) ↦ values[i] = (κ, ∂κ/∂ρ, ∂κ/∂n₁, μ(n₁)).

const PI: f32 = 3.141592653589793;
const INV_2PI: f32 = 0.15915494309189535;

@group(0) @binding(0) var<storage, read> points: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> values: array<vec4f>;

@compute @workgroup_size(1)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let p = points[gid.x];
  values[gid.x] = vec4f(pair_kernel(p.x, p.y, p.z), act_mean(p.x));
}
