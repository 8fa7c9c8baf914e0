// bench/peak_fma.wgsl — roofline microkernel: the adapter's f32 FMA rate. Each thread runs
// `iterations` rounds of CHAINS independent vec4 multiply-adds (independent so the pipeline never
// waits on a result), all in registers; the sum is written out so the compiler cannot drop the
// work. FLOPs = threads · iterations · CHAINS · 4 lanes · 2. CHAINS is a compile-time constant
// from the host (bench/peak.ts).
// provides: struct PeakJob, var job, var sink, fn main
// expects: const CHAINS

struct PeakJob { iterations: u32 }

@group(0) @binding(0) var<uniform> job: PeakJob;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4f>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let t = gid.x + gid.y * 64u * groups.x;
  let seed = f32(t & 1023u) * 1e-6;
  let m = vec4f(0.9999, 0.9998, 0.9997, 0.9996);
  let c = vec4f(1e-7, 2e-7, 3e-7, 4e-7);
  var a: array<vec4f, CHAINS>;
  // @unroll
  for (var k = 0u; k < CHAINS; k++) { a[k] = vec4f(seed + f32(k)); }
  for (var i = 0u; i < job.iterations; i++) {
    // @unroll
    for (var k = 0u; k < CHAINS; k++) { a[k] = a[k] * m + c; }
  }
  var s = vec4f(0.0);
  // @unroll
  for (var k = 0u; k < CHAINS; k++) { s += a[k]; }
  sink[t] = s;
}
