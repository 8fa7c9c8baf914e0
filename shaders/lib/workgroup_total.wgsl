// lib/workgroup_total.wgsl — the sum of one f32 over a 64-thread workgroup by a shared-memory
// tree (the moment reductions, shaders/moments_*.wgsl). Call in uniform control flow.
// provides: const TOTAL_WG, var total_partial, fn workgroup_total

const TOTAL_WG: u32 = 64u;
var<workgroup> total_partial: array<f32, 64>;

// The sum of `value` over the workgroup's threads, valid in thread 0.
fn workgroup_total(value: f32, lid: u32) -> f32 {
  total_partial[lid] = value;
  workgroupBarrier();
  for (var half = TOTAL_WG / 2u; half > 0u; half /= 2u) {
    if (lid < half) {
      total_partial[lid] += total_partial[lid + half];
    }
    workgroupBarrier();
  }
  return total_partial[0];
}
