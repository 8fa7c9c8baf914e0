/**
 * Per-kernel timings: every kernel of a run, one at a time, on the run's own pipelines and data
 * (host/kernel-passes.ts), against the CPU reference doing the same work. GPU time comes from
 * timestamp queries where the adapter has them, the wall-clock bracket (submit →
 * onSubmittedWorkDone) always; each kernel reports GB/s (bytes it must read and write once) or
 * GFLOP/s (counted multiply-adds) and its fraction of the adapter's measured peak. The batched
 * activation kernel, which the fused steps inline, is timed on its own.
 */
import type { DeviceHandle } from '../host/device.ts';
import { RESTART_STATE_BYTES } from '../host/buffers.ts';
import { sampleJobUniform } from '../host/contract.ts';
import { dispatchPass, dispatchSize } from '../host/dispatch.ts';
import { GpuEngine } from '../host/gpu-engine.ts';
import { type KernelPass, kernelPasses } from '../host/kernel-passes.ts';
import { kernelSource } from '../host/kernels.ts';
import type { Experiment } from '../src/core/experiment.ts';
import { drawSample, teacherLabels } from '../src/core/empirical.ts';
import { duCell } from '../src/presets/du-table1.ts';
import { initParams } from '../src/core/init.ts';
import { ACTIVATION_CODE, activate, activateDerivative, angleBetween, effectiveFilters, shapeOf } from '../src/core/model.ts';
import { NEVER_DECIDE, OUTCOME } from '../src/core/outcome.ts';
import { prepare } from '../src/core/prepare.ts';
import { runRestart } from '../src/engine/cpu.ts';
import { emptyTally, tallyRestart } from '../src/core/stats.ts';
import type { BenchEntry } from './entries.ts';
import { type Timing, timeCpu, timePasses } from './timing.ts';


export interface KernelMeasurement {
  kernel: string;
  /** What one pass does, in words (sizes). */
  work: string;
  R: number;
  gpu: Timing;
  cpuMs: number;
  flops?: number;
  bytes?: number;
}

interface KernelCase {
  kernel: string;
  work: string;
  pass: KernelPass;
  cpu: () => void;
  /** The CPU function does `cpuScale` times less work than the pass (scaled up after timing). */
  cpuScale?: number;
  flops?: number;
  bytes?: number;
}

/** im2col of a fixed sample, as patches.wgsl does it: x[s, i·stride + u] → patches[s, i, u]. */
function im2col(X: Float64Array, n: number, d: number, K: number, m: number, stride: number): Float64Array {
  const out = new Float64Array(n * K * m);
  for (let s = 0; s < n; s++) for (let i = 0; i < K; i++) for (let u = 0; u < m; u++) out[(s * K + i) * m + u] = X[s * d + i * stride + u];
  return out;
}

/** The fused step, sample and outcome kernels of an empirical run; sizes from `R`, `n`. */
async function empiricalCases(engine: GpuEngine, R: number, n: number, steps: number): Promise<{ cases: KernelCase[]; destroy: () => void }> {
  const base = duCell({ p: 6, k: 25, ratio: 4, restarts: R, loss: { kind: 'empirical', samples: n } });
  const running: Experiment = { ...base, maxSteps: 1 << 20, outcome: NEVER_DECIDE };
  const decided: Experiment = { ...base, maxSteps: 0 };
  const a = await kernelPasses(engine, running, { steps });
  const b = await kernelPasses(engine, decided, { steps: 1 });
  const { model, teacher } = base;
  const { d, K, m, s: stride, P } = shapeOf(model);
  const prep = prepare({ ...running, maxSteps: steps });
  const X = drawSample(base.seed, n, d);
  const params = new Float64Array(R * P);
  for (let r = 0; r < R; r++) initParams(base, r, params, r * P);
  const cpuRestarts = 4;
  const cases: KernelCase[] = [
    {
      kernel: 'sample (fixed sample + teacher labels)',
      work: `n=${n}, d=${d}`,
      pass: a.passes.sample!,
      cpu: () => teacherLabels(model, teacher, drawSample(base.seed, n, d), n),
      bytes: 4 * n * (d + 1),
    },
    { kernel: 'patch extraction (im2col)', work: `n=${n}, K=${K}, m=${m}`, pass: a.passes.patches!, cpu: () => im2col(X, n, d, K, m, stride), bytes: 8 * n * K * m },
    {
      kernel: 'init (Du et al. initialisation)',
      work: `R=${R}, P=${P}`,
      pass: a.passes.init!,
      cpu: () => {
        for (let r = 0; r < R; r++) initParams(base, r, params, r * P);
      },
      bytes: R * (P * 4 + RESTART_STATE_BYTES),
    },
    {
      kernel: `fused empirical step (${a.stepKernel}, ${a.layout.restartsPerThread} restarts/thread, workgroup ${a.layout.workgroup})`,
      work: `R=${R} × ${steps} steps, n=${n}, p=6, k=25`,
      pass: a.passes.step!,
      cpu: () => {
        for (let r = 0; r < cpuRestarts; r++) runRestart(prep, r);
      },
      cpuScale: (R * steps) / (cpuRestarts * (steps + 1)),
      flops: R * steps * n * (4 * K * m + 6 * K),
    },
    {
      kernel: 'classify (angle to the teacher)',
      work: `R=${R}, all decided`,
      pass: b.passes.classify!,
      cpu: () => {
        for (let r = 0; r < R; r++) angleBetween(effectiveFilters(model, params.subarray(r * P, (r + 1) * P)), teacher.w, m);
      },
      bytes: R * (m * 4 + RESTART_STATE_BYTES),
    },
    {
      kernel: 'reduce (counts + histograms)',
      work: `R=${R}`,
      pass: b.passes.reduce!,
      cpu: () => {
        const t = emptyTally(1);
        for (let r = 0; r < R; r++) tallyRestart(t, OUTCOME.undecided, 1, 1, r / R);
      },
      bytes: R * RESTART_STATE_BYTES,
    },
  ];
  return {
    cases,
    destroy: () => {
      a.destroy();
      b.destroy();
    },
  };
}

/** The population step on Du et al.'s p=6, k=100 cell: the general banded kernel and the span kernel. */
async function populationCases(engine: GpuEngine, R: number, steps: number): Promise<{ cases: KernelCase[]; destroy: () => void }> {
  const exp: Experiment = { ...duCell({ k: 100, ratio: 4, restarts: R }), maxSteps: 1 << 20, outcome: NEVER_DECIDE };
  const general = await kernelPasses(engine, exp, { steps, kernel: 'general-per-thread' });
  const span = await kernelPasses(engine, exp, { steps });
  const cpuRestarts = 2;
  const cpuSteps = 20;
  const prep = prepare({ ...exp, maxSteps: cpuSteps });
  const cpu = () => {
    for (let r = 0; r < cpuRestarts; r++) runRestart(prep, r);
  };
  const cpuScale = (R * steps) / (cpuRestarts * (cpuSteps + 1));
  return {
    cases: [
      { kernel: `population step (${general.stepKernel}, general: banded closed form)`, work: `R=${R} × ${steps} steps, p=6, k=100`, pass: general.passes.step!, cpu, cpuScale },
      { kernel: `population step (${span.stepKernel}: 5-dimensional span)`, work: `R=${R} × ${steps} steps, p=6, k=100`, pass: span.passes.step!, cpu, cpuScale },
    ],
    destroy: () => {
      general.destroy();
      span.destroy();
    },
  };
}

/** The batched activation kernel (ReLU, forward and backward) on N values. */
async function activationCase(handle: DeviceHandle, N: number): Promise<{ cases: KernelCase[]; destroy: () => void }> {
  const { device } = handle;
  const u = (x: number) => ({ u32: x });
  const code = kernelSource('activation', { ACT: u(ACTIVATION_CODE.relu), WORKGROUP: u(64) });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ label: 'activation', code }), entryPoint: 'main' } });
  const g = dispatchSize(N, 64, device.limits.maxComputeWorkgroupsPerDimension);
  const job = sampleJobUniform(device, { n: N, seed: 0 });
  const z = Float32Array.from({ length: N }, (_, i) => Math.sin(i));
  const zs = device.createBuffer({ size: N * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(zs, 0, z);
  const out = device.createBuffer({ size: N * 8, usage: GPUBufferUsage.STORAGE });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: job } },
      { binding: 1, resource: { buffer: zs } },
      { binding: 2, resource: { buffer: out } },
    ],
  });
  const host = new Float64Array(2 * N);
  return {
    cases: [
      {
        kernel: 'activation forward + backward (ReLU)',
        work: `N=${N}`,
        pass: { encode: dispatchPass(pipeline, bind, g) },
        cpu: () => {
          for (let i = 0; i < N; i++) {
            host[2 * i] = activate('relu', z[i]);
            host[2 * i + 1] = activateDerivative('relu', z[i]);
          }
        },
        bytes: 12 * N,
      },
    ],
    destroy: () => {
      for (const b of [job, zs, out]) b.destroy();
    },
  };
}

export interface KernelSizes {
  R: number;
  n: number;
  steps: number;
  populationSteps: number;
  activationN: number;
  reps: number;
}

export const KERNEL_SIZES: Record<'smoke' | 'quick' | 'full', KernelSizes> = {
  smoke: { R: 256, n: 128, steps: 1, populationSteps: 4, activationN: 1 << 14, reps: 1 },
  quick: { R: 4096, n: 1024, steps: 2, populationSteps: 16, activationN: 1 << 20, reps: 2 },
  full: { R: 4096, n: 1024, steps: 4, populationSteps: 256, activationN: 1 << 22, reps: 5 },
};

/**
 * How long a real GPU runs a kernel's pass before it is timed, ms. Measured on an H100: right after
 * the previous kernel's CPU reference, the fused step's pass took 2.9× as long as back to back.
 */
const KERNEL_WARM_MS = 100;

/** Times every kernel on the GPU and its CPU counterpart. */
export async function measureKernels(handle: DeviceHandle, sizes: KernelSizes, log: (l: string) => void = () => undefined, engine = new GpuEngine(handle)): Promise<KernelMeasurement[]> {
  const groups = [
    await empiricalCases(engine, sizes.R, sizes.n, sizes.steps),
    await populationCases(engine, sizes.R, sizes.populationSteps),
    await activationCase(handle, sizes.activationN),
  ];
  const out: KernelMeasurement[] = [];
  try {
    for (const c of groups.flatMap((g) => g.cases)) {
      handle.device.pushErrorScope('validation');
      const gpu = await timePasses(handle, c.pass.encode, { reps: sizes.reps, trials: 1, prepare: c.pass.prepare, warmMs: handle.info.emulated ? 0 : KERNEL_WARM_MS });
      const error = await handle.device.popErrorScope();
      if (error) throw new Error(`kernel ${c.kernel}: ${error.message}`);
      const cpu = timeCpu(c.cpu, Math.max(1, Math.min(sizes.reps, 3)));
      const cpuMs = cpu.medianMs * (c.cpuScale ?? 1);
      const m: KernelMeasurement = { kernel: c.kernel, work: c.work, R: sizes.R, gpu, cpuMs, flops: c.flops, bytes: c.bytes };
      out.push(m);
      log(`kernel ${c.kernel} | ${c.work} | GPU ${(gpu.gpuMs ?? gpu.medianMs).toFixed(3)} ms${gpu.gpuMs !== undefined ? ` (timestamps; wall ${gpu.medianMs.toFixed(3)} ms)` : ' (wall)'} | CPU ${cpuMs.toFixed(3)} ms | CPU÷GPU ${(cpuMs / (gpu.gpuMs ?? gpu.medianMs)).toFixed(2)}`);
    }
  } finally {
    for (const g of groups) g.destroy();
  }
  return out;
}

/** The measurements as result entries, with rates and fractions of the measured peaks. */
export function kernelEntries(ms: KernelMeasurement[], peak: { gflops: number; gbps: number }, adapter: string): BenchEntry[] {
  const entries: BenchEntry[] = [];
  for (const m of ms) {
    const gpuMs = m.gpu.gpuMs ?? m.gpu.medianMs;
    const name = `kernel: ${m.kernel} — ${m.work}`;
    const gflops = m.flops !== undefined ? m.flops / (gpuMs * 1e6) : undefined;
    const gbps = m.bytes !== undefined ? m.bytes / (gpuMs * 1e6) : undefined;
    entries.push({
      name,
      kernel: m.kernel,
      work: m.work,
      impl: 'gpu',
      R: m.R,
      medianMs: gpuMs,
      ...(m.gpu.gpuMs !== undefined ? { wallMs: m.gpu.medianMs } : {}),
      minMs: m.gpu.minMs,
      maxMs: m.gpu.maxMs,
      ...(gflops !== undefined ? { gflops, peakFraction: gflops / peak.gflops } : {}),
      ...(gbps !== undefined ? { gbps, peakFraction: gbps / peak.gbps } : {}),
      adapter,
    });
    entries.push({
      name,
      kernel: m.kernel,
      work: m.work,
      impl: 'cpu',
      R: m.R,
      medianMs: m.cpuMs,
      ...(m.flops !== undefined ? { gflops: m.flops / (m.cpuMs * 1e6) } : {}),
      ...(m.bytes !== undefined ? { gbps: m.bytes / (m.cpuMs * 1e6) } : {}),
      adapter,
    });
  }
  return entries;
}
