// lib/group_sum_columns.wgsl — what the cooperative step's two reductions
// (lib/group_sum_subgroup.wgsl, lib/group_sum_workgroup.wgsl) share: rows of partial sums in
// workgroup memory, RED_COLS columns at a time, added up column by column, one thread per column.
// provides: var red, var red_total, fn partial_value, fn sum_columns, fn take_totals
// expects: const P, const RED_COLS, const RED_ROWS, var grad
//
// RED_ROWS, the number of rows, is the reduction's (group_sum_subgroup or group_sum_workgroup).

var<workgroup> red: array<f32, RED_COLS * RED_ROWS>;
var<workgroup> red_total: array<f32, P + 1u>;

// Value q of a thread's partial sums: the P entries of `grad`, then the loss (0 past the end).
fn partial_value(q: u32, part: f32) -> f32 {
  if (q < P) { return grad[q]; }
  if (q == P) { return part; }
  return 0.0;
}

// Thread c (< RED_COLS) adds up column c of the first `rows` rows into red_total[base + c].
// Call in uniform control flow, after a barrier that follows the rows' writes; ends with one.
fn sum_columns(base: u32, lid: u32, rows: u32) {
  if (lid < RED_COLS && base + lid <= P) {
    var s = 0.0;
    for (var l = 0u; l < rows; l++) { s += red[lid * RED_ROWS + l]; }
    red_total[base + lid] = s;
  }
  workgroupBarrier();
}

// Thread 0's `grad` becomes the totals; returns the total loss (in thread 0; 0 elsewhere).
fn take_totals(lid: u32) -> f32 {
  var total = 0.0;
  if (lid == 0u) {
    for (var p = 0u; p < P; p++) { grad[p] = red_total[p]; }
    total = red_total[P];
  }
  return total;
}
