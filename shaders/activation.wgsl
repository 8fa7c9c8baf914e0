// activation.wgsl — batched activation forward and backward: σ(z) and σ'(z) for every
// pre-activation of a batch (the building block the fused steps inline; a kernel of its own for
// tests and benchmarks).
// provides: var job, var zs, var out, fn main
// expects: const WORKGROUP, struct SampleJob, fn act_forward, fn act_backward

@group(0) @binding(0) var<uniform> job: SampleJob;                  // job.n = number of values
@group(0) @binding(1) var<storage, read> zs: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec2f>;   // (σ(z), σ'(z))

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let e = gid.x + gid.y * WORKGROUP * groups.x;
  if (e >= job.n) { return; }
  let z = zs[e];
  out[e] = vec2f(act_forward(z), act_backward(z));
}
