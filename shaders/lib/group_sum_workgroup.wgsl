// lib/group_sum_workgroup.wgsl — the cooperative step's reduction without subgroups: every
// thread writes its partial sums as one row of workgroup memory and thread c adds up column c
// (lib/group_sum_columns.wgsl). Call in uniform control flow.
// provides: const RED_ROWS, fn group_sum
// expects: const P, const STEP_WORKGROUP, const RED_COLS, var red, fn partial_value, fn sum_columns, fn take_totals

const RED_ROWS: u32 = STEP_WORKGROUP;

// Thread 0's `grad` becomes the workgroup's sum of `grad`; returns the sum of `part` (in thread 0).
fn group_sum(part: f32, lid: u32) -> f32 {
  for (var base = 0u; base <= P; base += RED_COLS) {
    for (var c = 0u; c < RED_COLS; c++) { red[c * RED_ROWS + lid] = partial_value(base + c, part); }
    workgroupBarrier();
    sum_columns(base, lid, RED_ROWS);
  }
  return take_totals(lid);
}
