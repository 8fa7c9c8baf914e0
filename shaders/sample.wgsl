// sample.wgsl — the fixed sample shared by every restart of an empirical-loss experiment, drawn on
// the GPU: x_s[c] = normal(seed, SHARED_RESTART, STREAM_SAMPLE, s·D_IN + c) — the same draws as
// src/core/empirical.ts drawSample — and its teacher label y_s, one thread per sample.
// provides: var job, var xs, var ys, var teacher, fn main
// expects: const D_IN, const M, const S, const K, const FT, const WORKGROUP, const SHARED_RESTART, const STREAM_SAMPLE
// expects: struct SampleJob, fn rng_normal, fn act_forward

@group(0) @binding(0) var<uniform> job: SampleJob;
@group(0) @binding(1) var<storage, read_write> xs: array<f32>;      // [n, D_IN]
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;      // [n]
@group(0) @binding(3) var<storage, read> teacher: array<f32>;       // w* (FT·M) then a* (FT·K)

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let s = gid.x + gid.y * WORKGROUP * groups.x;
  if (s >= job.n) { return; }
  let o = s * D_IN;
  for (var c = 0u; c < D_IN; c++) {
    xs[o + c] = rng_normal(job.seed, SHARED_RESTART, STREAM_SAMPLE, o + c);
  }
  var f = 0.0;
  for (var j = 0u; j < FT; j++) {
    for (var i = 0u; i < K; i++) {
      var z = 0.0;
      for (var u = 0u; u < M; u++) { z += teacher[j * M + u] * xs[o + S * i + u]; }
      f += teacher[FT * M + j * K + i] * act_forward(z);
    }
  }
  ys[s] = f;
}
