// patches.wgsl — convolutional patch extraction (im2col) for any filter size and stride: patch i
// of sample s is x_s[S·i .. S·i + M), laid out [n, K, M] so that a thread stepping through the
// sample reads each patch contiguously (the per-thread step kernels), or with SAMPLE_INNERMOST
// [K, M, n], so that threads taking consecutive samples read adjacent floats (the cooperative
// kernel). One thread per output element.
// provides: var job, var xs, var patches, fn main
// expects: const D_IN, const M, const S, const K, const SAMPLE_INNERMOST, const WORKGROUP, struct SampleJob

@group(0) @binding(0) var<uniform> job: SampleJob;
@group(0) @binding(1) var<storage, read> xs: array<f32>;            // [n, D_IN]
@group(0) @binding(2) var<storage, read_write> patches: array<f32>; // [n, K, M] or [K, M, n]

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = gid.x + gid.y * WORKGROUP * groups.x;
  if (e >= job.n * K * M) { return; }
  let u = e % M;
  let i = (e / M) % K;
  let s = e / (M * K);
  patches[select(e, (i * M + u) * job.n + s, SAMPLE_INNERMOST)] = xs[s * D_IN + S * i + u];
}
