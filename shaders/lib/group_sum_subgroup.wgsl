// lib/group_sum_subgroup.wgsl — the cooperative step's reduction with subgroups: subgroupAdd
// sums each value over a subgroup, one elected lane per subgroup writes the sums as a row of
// workgroup memory (a row taken with an atomic counter, so nothing is assumed about how subgroups
// map to invocation indices), and thread c adds up column c over those rows
// (lib/group_sum_columns.wgsl). RED_ROWS = STEP_WORKGROUP / the adapter's smallest subgroup
// size. Call in uniform control flow.
// provides: const RED_ROWS, var red_rows, fn group_sum
// expects: enable subgroups, const P, const STEP_WORKGROUP, const SUBGROUP_MIN, const RED_COLS
// expects: var red, fn partial_value, fn sum_columns, fn take_totals

const RED_ROWS: u32 = STEP_WORKGROUP / SUBGROUP_MIN;
var<workgroup> red_rows: atomic<u32>;

// Thread 0's `grad` becomes the workgroup's sum of `grad`; returns the sum of `part` (in thread 0).
fn group_sum(part: f32, lid: u32) -> f32 {
  if (lid == 0u) { atomicStore(&red_rows, 0u); }
  workgroupBarrier();
  let leader = subgroupElect();
  var slot = 0u;
  if (leader) { slot = atomicAdd(&red_rows, 1u); }
  for (var base = 0u; base <= P; base += RED_COLS) {
    for (var c = 0u; c < RED_COLS; c++) {
      let s = subgroupAdd(partial_value(base + c, part));
      if (leader) { red[c * RED_ROWS + slot] = s; }
    }
    workgroupBarrier();
    sum_columns(base, lid, atomicLoad(&red_rows));
  }
  return take_totals(lid);
}
