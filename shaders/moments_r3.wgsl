// moments_r3.wgsl — Zhong et al. Algorithm 1, step 3 for P₃ = M₃ (squared ReLU): R̂₃ = M̂₃(V, V, V),
// k×k×k, with z = Vᵀx. Since m̂ ⊗̃ I_k = m̂_a δ_bc + m̂_b δ_ac + m̂_c δ_ab and m̂ = (1/n) Σ y z, every
// entry is one mean: (1/n) Σ y (z_a z_b z_c − z_a δ_bc − z_b δ_ac − z_c δ_ab) (src/core/moments.ts
// empiricalR3 is the f64 reference). One workgroup per entry (a, b, c), its threads over the
// samples, then workgroup_total (lib/workgroup_total.wgsl). X is n×d, y has n entries, V is d×k
// row-major; OUT has k³ entries.
// provides: override N, override D, override K, var X, var Y, var V, var OUT, fn project, fn main
// expects: const TOTAL_WG, fn workgroup_total

override N: u32;
override D: u32;
override K: u32;

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> Y: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;

/** (Vᵀx_t)_a. */
fn project(t: u32, a: u32) -> f32 {
  var s = 0.0;
  for (var p = 0u; p < D; p++) {
    s += V[p * K + a] * X[t * D + p];
  }
  return s;
}

@compute @workgroup_size(TOTAL_WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = wg.x;
  let a = e / (K * K);
  let b = (e / K) % K;
  let c = e % K;
  var s = 0.0;
  for (var t = lid; t < N; t += TOTAL_WG) {
    let za = project(t, a);
    let zb = project(t, b);
    let zc = project(t, c);
    var term = za * zb * zc;
    if (b == c) { term -= za; }
    if (a == c) { term -= zb; }
    if (a == b) { term -= zc; }
    s += Y[t] * term;
  }
  let total = workgroup_total(s, lid);
  if (lid == 0u) {
    OUT[e] = total / f32(N);
  }
}
