// bench/peak_bandwidth.wgsl — roofline microkernel: the adapter's memory bandwidth, as a
// streaming copy of vec4s (each thread moves `perThread` of them, strided so that a workgroup's
// accesses are contiguous). Bytes = 2 · 16 · elements (read once, written once).
// provides: struct CopyJob, var job, var src, var dst, fn main

struct CopyJob { elements: u32, perThread: u32, threads: u32, _pad: u32 }

@group(0) @binding(0) var<uniform> job: CopyJob;
@group(0) @binding(1) var<storage, read> src: array<vec4f>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  for (var j = 0u; j < job.perThread; j++) {
    let e = gid.x + j * job.threads;
    if (e < job.elements) { dst[e] = src[e]; }
  }
}
