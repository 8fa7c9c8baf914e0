/**
 * The roofline's two ceilings, measured on the adapter: peak f32 FMA rate (shaders/bench/
 * peak_fma.wgsl) and streaming memory bandwidth (shaders/bench/peak_bandwidth.wgsl).
 */
import peakBandwidthWgsl from '../shaders/bench/peak_bandwidth.wgsl';
import peakFmaWgsl from '../shaders/bench/peak_fma.wgsl';
import type { DeviceHandle } from '../host/device.ts';
import { type Constants, UNROLL, constantsWgsl } from '../host/kernels.ts';
import { dispatchPass } from '../host/dispatch.ts';
import { unrollLoops } from '../host/unroll.ts';
import { composeShader } from '../host/shader-source.ts';
import { type Timing, timePasses } from './timing.ts';

export interface Peak {
  gflops: number;
  gbps: number;
  fma: Timing;
  copy: Timing;
}

/**
 * A benchmark kernel's pipeline: u32 compile-time constants prepended (composed like the engine's
 * kernels, so the file's provides/expects header is checked), `@unroll` loops expanded.
 */
export async function benchPipeline(device: GPUDevice, code: string, label: string, constants: Record<string, number> = {}): Promise<GPUComputePipeline> {
  const consts: Constants = Object.fromEntries(Object.entries(constants).map(([k, v]) => [k, { u32: v }]));
  const module = device.createShaderModule({ label, code: unrollLoops(composeShader(constantsWgsl(consts), code), constants, UNROLL) });
  return device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: 'main' } });
}

export const CHAINS = 16;

/** Shortest timed pass of a ceiling's microkernel, ms (launch costs and timer resolution vanish). */
const MIN_PASS_MS = 20;

/** How long a real GPU is kept busy before the first timing, ms (clocks ramp up under load). */
const WARM_MS = 2000;

const msOf = (t: Timing) => t.gpuMs ?? t.medianMs;

/**
 * What thread t of peak_fma.wgsl writes after `iterations` rounds, computed in f32 on the CPU
 * (the GPU may fuse the multiply-add, so compare with a relative tolerance of ~1e-6).
 */
export function peakFmaReference(t: number, iterations: number, chains = CHAINS): Float32Array {
  const f = Math.fround;
  const m = [0.9999, 0.9998, 0.9997, 0.9996].map(f);
  const c = [1e-7, 2e-7, 3e-7, 4e-7].map(f);
  const seed = f((t & 1023) * f(1e-6));
  const s = new Float32Array(4);
  for (let k = 0; k < chains; k++) {
    for (let l = 0; l < 4; l++) {
      let a = f(seed + k);
      for (let i = 0; i < iterations; i++) a = f(f(a * m[l]) + c[l]);
      s[l] = f(s[l] + a);
    }
  }
  return s;
}

export async function measurePeak(handle: DeviceHandle, opts: { quick: boolean }): Promise<Peak> {
  const { device } = handle;
  const buffers: GPUBuffer[] = [];
  const buffer = (size: number, usage: number, data?: Uint32Array<ArrayBuffer>) => {
    const b = device.createBuffer({ size, usage: usage | GPUBufferUsage.COPY_DST });
    if (data) device.queue.writeBuffer(b, 0, data);
    buffers.push(b);
    return b;
  };
  try {
    // FMA: enough threads to fill every core many times over (a real GPU holds ~10⁵ threads at
    // once, a CPU adapter a handful), long enough to swamp launch costs: the iterations grow
    // until one pass takes MIN_PASS_MS.
    const { emulated } = handle.info;
    const groups = emulated ? 256 : 4096;
    const threads = groups * 64;
    let iterations = opts.quick ? 2048 : 8192;
    const fmaP = await benchPipeline(device, peakFmaWgsl, 'peak_fma', { CHAINS });
    const fmaJob = buffer(16, GPUBufferUsage.UNIFORM, new Uint32Array([iterations, 0, 0, 0]));
    const sink = buffer(threads * 16, GPUBufferUsage.STORAGE);
    const fmaBind = device.createBindGroup({ layout: fmaP.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: fmaJob } }, { binding: 1, resource: { buffer: sink } }] });
    const fmaPass = dispatchPass(fmaP, fmaBind, { x: groups, y: 1 });
    // (A CPU adapter takes seconds at the starting size: no calibration passes there.)
    for (let t = emulated ? undefined : await timePasses(handle, fmaPass, { reps: 1, trials: 1 }); t && msOf(t) < MIN_PASS_MS && iterations < 1 << 24; ) {
      iterations *= Math.min(64, Math.ceil((1.5 * MIN_PASS_MS) / Math.max(msOf(t), 1e-3)));
      device.queue.writeBuffer(fmaJob, 0, new Uint32Array([iterations, 0, 0, 0]));
      t = await timePasses(handle, fmaPass, { reps: 1, trials: 1 });
    }
    // A real GPU idles at a fraction of its clock: this, the suite's first GPU work, keeps it busy
    // for WARM_MS before it is timed.
    const fma = await timePasses(handle, fmaPass, { reps: opts.quick ? 3 : 7, trials: 1, warmMs: emulated ? 0 : WARM_MS });
    const flops = threads * iterations * CHAINS * 4 * 2;

    // Bandwidth: a copy far larger than any cache.
    const elements = (opts.quick ? 4 : 16) << 20; // vec4s: 64 or 256 MiB each way
    const copyThreads = 64 * 1024;
    const copyP = await benchPipeline(device, peakBandwidthWgsl, 'peak_bandwidth');
    const copyJob = buffer(16, GPUBufferUsage.UNIFORM, new Uint32Array([elements, Math.ceil(elements / copyThreads), copyThreads, 0]));
    const src = buffer(elements * 16, GPUBufferUsage.STORAGE);
    const dst = buffer(elements * 16, GPUBufferUsage.STORAGE);
    const copyBind = device.createBindGroup({
      layout: copyP.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: copyJob } },
        { binding: 1, resource: { buffer: src } },
        { binding: 2, resource: { buffer: dst } },
      ],
    });
    // A copy takes well under a millisecond on a real GPU: repeat it inside the pass.
    const copyPass = dispatchPass(copyP, copyBind, { x: copyThreads / 64, y: 1 });
    const first = emulated ? undefined : await timePasses(handle, copyPass, { reps: 1, trials: 1 });
    const trials = first ? Math.min(64, Math.max(1, Math.ceil(MIN_PASS_MS / Math.max(msOf(first), 1e-3)))) : 1;
    const copy = await timePasses(handle, (pass) => { for (let i = 0; i < trials; i++) copyPass(pass); }, { reps: opts.quick ? 3 : 7, trials });
    const bytes = 2 * 16 * elements;
    return { gflops: flops / (msOf(fma) * 1e6), gbps: bytes / (msOf(copy) * 1e6), fma, copy };
  } finally {
    for (const b of buffers) b.destroy();
  }
}
