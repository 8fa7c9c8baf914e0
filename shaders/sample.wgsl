// sample.wgsl — the fixed sample shared by every restart of an empirical-loss experiment, drawn on
// the GPU: x_s[c] = normal(seed, SHARED_RESTART, STREAM_SAMPLE, s·D_IN + c) — the same draws as
// src/core/empirical.ts drawSample — and its teacher label y_s, one thread per sample. With many
// problems (job.problemKeys) the buffers hold job.n / job.perProblem samples one after another:
// sample s is input s mod perProblem of problem p = ⌊s / perProblem⌋, drawn under that problem's
// key PROBLEM_KEY_BASE + p, labelled by its teacher (w of every problem, then a of every problem).
// provides: var job, var xs, var ys, var teacher, fn main
// expects: const D_IN, const M, const S, const K, const FT, const WORKGROUP, const SHARED_RESTART, const PROBLEM_KEY_BASE, const STREAM_SAMPLE
// expects: struct SampleJob, fn rng_normal, fn act_forward

@group(0) @binding(0) var<uniform> job: SampleJob;
@group(0) @binding(1) var<storage, read_write> xs: array<f32>;      // [n, D_IN]
@group(0) @binding(2) var<storage, read_write> ys: array<f32>;      // [n]
@group(0) @binding(3) var<storage, read> teacher: array<f32>;       // w* (problems·FT·M) then a* (problems·FT·K)

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let s = gid.x + gid.y * WORKGROUP * groups.x;
  if (s >= job.n) { return; }
  let problem = s / job.perProblem;
  let o = s * D_IN;
  let local = (s - problem * job.perProblem) * D_IN;
  for (var c = 0u; c < D_IN; c++) {
    if (job.problemKeys != 0u) {
      xs[o + c] = rng_normal(job.seed, PROBLEM_KEY_BASE + problem, STREAM_SAMPLE, local + c);
    } else {
      xs[o + c] = rng_normal(job.seed, SHARED_RESTART, STREAM_SAMPLE, o + c);
    }
  }
  let tw = problem * FT * M;
  let ta = (job.n / job.perProblem) * FT * M + problem * FT * K;
  var f = 0.0;
  for (var j = 0u; j < FT; j++) {
    for (var i = 0u; i < K; i++) {
      var z = 0.0;
      for (var u = 0u; u < M; u++) { z += teacher[tw + j * M + u] * xs[o + S * i + u]; }
      f += teacher[ta + j * K + i] * act_forward(z);
    }
  }
  ys[s] = f;
}
