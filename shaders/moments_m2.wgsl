// moments_m2.wgsl — Zhong et al. Algorithm 1, step 1: the empirical second moment
// M̂₂ = (1/n) Σ y (x xᵀ − I), d×d (src/core/moments.ts empiricalM2 is the f64 reference). One
// workgroup per entry (p, q): its threads stride over the n samples, then workgroup_total
// (lib/workgroup_total.wgsl) sums their partial sums. X is n×d row-major, y has n entries; OUT
// has d·d entries.
// provides: override N, override D, var X, var Y, var OUT, fn main
// expects: const TOTAL_WG, fn workgroup_total

override N: u32;
override D: u32;

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;

@compute @workgroup_size(TOTAL_WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = wg.x;
  let p = e / D;
  let q = e % D;
  let delta = select(0.0, 1.0, p == q);
  var s = 0.0;
  for (var t = lid; t < N; t += TOTAL_WG) {
    s += Y[t] * (X[t * D + p] * X[t * D + q] - delta);
  }
  let total = workgroup_total(s, lid);
  if (lid == 0u) {
    OUT[e] = total / f32(N);
  }
}
