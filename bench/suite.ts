/**
 * The benchmark suite, one code path for `npm run bench` (Node, dawn.node) and any other caller
 * holding a device: the roofline ceilings of the adapter, then end-to-end restart-steps per
 * second of the GPU engine against the CPU reference engine for Du et al.'s population cell and
 * for the empirical step, over numbers of restarts R (the GPU/CPU crossover). Every entry names
 * the adapter it ran on.
 */
import type { DeviceHandle } from '../host/device.ts';
import type { StepLayout } from '../host/kernels.ts';
import { GpuEngine, type GpuRunOptions } from '../host/gpu-engine.ts';
import type { Experiment } from '../src/core/experiment.ts';
import { duCell } from '../src/presets/du-table1.ts';
import { prepare } from '../src/core/prepare.ts';
import { runRestart } from '../src/engine/cpu.ts';
import { DEEP_BENCH, measureDeep } from './deep.ts';
import { KERNEL_SIZES, kernelEntries, measureKernels } from './kernels.ts';
import { NEVER_DECIDE } from '../src/core/outcome.ts';
import { measurePeak } from './peak.ts';
import { checkTfjsAgainstCpu, tfjsRate, useTfjsBackend } from './peers/tfjs.ts';
import { median, timeCpu } from './timing.ts';
import type { BenchEntry, Impl, SuiteSize } from './entries.ts';

export interface Workload {
  name: string;
  make: (R: number, steps: number) => Experiment;
  /** FLOPs of one restart-step (forward + backward + update), where counted. */
  flopsPerRestartStep?: number;
  /** Restart-steps per GPU measurement: enough for ~1 s on SwiftShader (half that with --quick). */
  budget: number;
  /** Steps per restart for the CPU reference's timing (enough to time reliably). */
  cpuSteps: number;
  /** Fewest steps per restart in a GPU measurement (the engine evaluates one more than it steps). */
  minSteps?: number;
}

/** FLOPs of one empirical step of a one-filter convnet: per sample, K·p multiply-adds forward
 * and K·p backward (2 FLOPs each), and ~6 per hidden unit (σ, σ', output, residual). */
export function empiricalFlops(n: number, K: number, p: number): number {
  return n * (4 * K * p + 6 * K);
}

function empirical(p: number, k: number, n: number): Workload {
  return {
    name: `empirical step n=${n}, p=${p}, k=${k}`,
    make: (R, steps) => ({ ...duCell({ p, k, ratio: Math.min(4, k), restarts: R, loss: { kind: 'empirical', samples: n } }), maxSteps: steps, outcome: NEVER_DECIDE }),
    flopsPerRestartStep: empiricalFlops(n, k, p),
    budget: p * k >= 400 ? 1_000 : 3_000,
    cpuSteps: 4,
    // Long enough at R = 4096 that the step the engine evaluates but does not take (to classify
    // the end point) costs ≤ 6%; the larger shape, 4× slower, gets half (quick stays ~2 min).
    minSteps: p * k >= 400 ? 8 : 16,
  };
}

export const WORKLOADS: Workload[] = [
  {
    name: 'population cell, Du p=6, k=100 (span kernel)',
    make: (R, steps) => ({ ...duCell({ k: 100, ratio: 4, restarts: R }), maxSteps: steps, outcome: NEVER_DECIDE }),
    budget: 8_000_000,
    cpuSteps: 2_000,
  },
  empirical(6, 25, 1024),
  empirical(25, 20, 1024),
];

interface SizePlan {
  Rs: number[];
  /** Fewest steps per restart in a GPU measurement: enough chunks for the engine's pacing to settle. */
  minSteps: number;
  /** R at which step-kernel layouts (restarts per thread × workgroup) are compared. */
  layoutRs: number[];
  budgetScale: number;
  reps: number;
  cpuReps: number;
  wasm: { Rs: number[]; steps: number };
  webgpu: { Rs: number[]; steps: number };
}

const SIZES: Record<SuiteSize, SizePlan> = {
  smoke: { Rs: [16, 256], minSteps: 2, layoutRs: [64], budgetScale: 0.05, reps: 1, cpuReps: 1, wasm: { Rs: [16], steps: 1 }, webgpu: { Rs: [], steps: 1 } },
  quick: { Rs: [16, 4096], minSteps: 8, layoutRs: [], budgetScale: 0.5, reps: 2, cpuReps: 2, wasm: { Rs: [4096], steps: 1 }, webgpu: { Rs: [16], steps: 1 } },
  full: { Rs: [1, 16, 256, 4096, 65536], minSteps: 8, layoutRs: [256, 4096], budgetScale: 1, reps: 3, cpuReps: 4, wasm: { Rs: [1, 16, 256, 4096, 65536], steps: 4 }, webgpu: { Rs: [16, 256, 1024], steps: 1 } },
};

export interface SuiteOptions {
  size: SuiteSize;
  log?: (line: string) => void;
  /** TensorFlow.js peers (default true); `gpu` gives TF.js's webgpu backend the GPU entry point. */
  peers?: boolean;
  gpu?: () => Promise<GPU>;
  /** Per-kernel timings (bench/kernels.ts; default true). */
  kernels?: boolean;
  /** Where TF.js's wasm binaries are (a page passes their URLs; Node finds them itself). */
  wasmPaths?: Record<string, string>;
}

export async function runSuite(handle: DeviceHandle, opts: SuiteOptions): Promise<BenchEntry[]> {
  const log = opts.log ?? (() => undefined);
  const adapter = handle.info.label;
  const entries: BenchEntry[] = [];
  const add = (e: Omit<BenchEntry, 'adapter'>) => {
    entries.push({ ...e, adapter });
    return e;
  };

  const plan = SIZES[opts.size];
  const peak = await measurePeak(handle, { quick: opts.size !== 'full' });
  add({ name: 'f32 FMA peak (vec4 multiply-add chains)', impl: 'peak', R: 0, medianMs: peak.fma.gpuMs ?? peak.fma.medianMs, gflops: peak.gflops });
  add({ name: 'memory bandwidth (vec4 copy)', impl: 'peak', R: 0, medianMs: peak.copy.gpuMs ?? peak.copy.medianMs, gbps: peak.gbps });
  log(`peak: ${peak.gflops.toFixed(2)} GFLOP/s f32 FMA, ${peak.gbps.toFixed(2)} GB/s copy`);

  // One engine, so that kernels compiled for the per-kernel timings serve the end-to-end runs.
  const engine = new GpuEngine(handle);
  if (opts.kernels !== false) {
    for (const e of kernelEntries(await measureKernels(handle, KERNEL_SIZES[opts.size], log, engine), peak, adapter)) entries.push(e);
  }

  const { Rs } = plan;
  // A real GPU finishes the CPU-adapter-sized step budgets in milliseconds: gpuRate lengthens them.
  const minMs = handle.info.emulated ? 0 : 500 * plan.budgetScale;
  for (const w of WORKLOADS) {
    // CPU reference: restarts run one after another, so its rate does not depend on R.
    const { cpuSteps } = w;
    const cpuExp = w.make(4, cpuSteps);
    const prep = prepare(cpuExp);
    let cpuRestartSteps = 0;
    const cpuT = timeCpu(() => {
      cpuRestartSteps = 0;
      for (let r = 0; r < 4; r++) cpuRestartSteps += runRestart(prep, r).steps;
    }, plan.cpuReps);
    const cpuRate = cpuRestartSteps / (cpuT.medianMs / 1000);
    add({ name: w.name, impl: 'cpu', R: 1, restartStepsPerSec: cpuRate, medianMs: cpuT.medianMs / cpuRestartSteps, ...flopsOf(w, cpuRate) });
    for (const R of Rs) {
      const steps = Math.max(plan.minSteps, w.minSteps ?? 0, Math.min(2000, Math.ceil((plan.budgetScale * w.budget) / R)));
      const m = await gpuRate(engine, w, R, steps, plan.reps, peak.gflops, {}, minMs);
      add({ name: w.name, impl: 'gpu', ...m });
      log(`${w.name} | R=${R} | GPU ${m.restartStepsPerSec.toFixed(0)} restart-steps/s | CPU ${cpuRate.toFixed(0)} | ×${(m.restartStepsPerSec / cpuRate).toFixed(2)}${m.gflops ? ` | ${m.gflops.toFixed(2)} GFLOP/s = ${(100 * m.peakFraction!).toFixed(0)}% of peak` : ''}`);
    }
  }
  // The step kernel and its layout by measurement: host/kernels.ts's choice against the others.
  const w = WORKLOADS.find((x) => x.name.startsWith('empirical step'))!;
  for (const R of plan.layoutRs) {
    const exp = w.make(R, 1);
    const chosen = engine.stepPlan(exp);
    for (const c of LAYOUT_CANDIDATES) {
      const candidate = engine.stepPlan(exp, { kernel: c.kernel, layout: c.layout });
      const steps = Math.max(plan.minSteps, Math.ceil((plan.budgetScale * w.budget) / R));
      const m = await gpuRate(engine, w, R, steps, plan.reps, peak.gflops, { kernel: c.kernel, layout: c.layout }, minMs);
      const isDefault = candidate.kernel === chosen.kernel && candidate.layout.workgroup === chosen.layout.workgroup && candidate.layout.restartsPerThread === chosen.layout.restartsPerThread;
      const what = c.kernel === 'cooperative' ? `one restart per workgroup of ${c.layout.workgroup}` : `${c.layout.restartsPerThread} restarts/thread, workgroup ${c.layout.workgroup}`;
      add({ name: `layout: ${w.name} — ${what}${isDefault ? ' (default)' : ''}`, impl: 'gpu', ...m });
      log(`layout ${what}${isDefault ? ' (default)' : ''} | R=${R} | ${m.restartStepsPerSec.toFixed(0)} restart-steps/s`);
    }
  }
  if (opts.peers !== false) await runPeers(entries, opts, log, add, handle.info.emulated);
  // The deep nets' cooperative step (Allen-Zhu et al.; bench/deep.ts) against its CPU reference.
  if (opts.size !== 'smoke') for (const e of await measureDeep(handle, peak.gflops, DEEP_BENCH[opts.size], log)) add(e);
  return entries;
}

/**
 * TF.js on the empirical workloads: the wasm backend at every R (in chunks of 256 restarts), the
 * webgpu backend at fewer (it manages a few dozen restart-steps per second on SwiftShader).
 */
async function runPeers(
  entries: BenchEntry[],
  opts: SuiteOptions,
  log: (l: string) => void,
  add: (e: Omit<BenchEntry, 'adapter'>) => unknown,
  emulated: boolean,
): Promise<void> {
  const size = SIZES[opts.size];
  // On a real GPU TF.js webgpu is fast enough to time at R = 4096 too (the acceptance's comparison).
  const webgpuRs = emulated || opts.size === 'smoke' ? size.webgpu.Rs : [...new Set([...size.webgpu.Rs, 4096])];
  const plans: { backend: 'wasm' | 'webgpu'; impl: Impl; Rs: number[]; steps: number }[] = [
    { backend: 'wasm', impl: 'tfjs-wasm', ...size.wasm },
    { backend: 'webgpu', impl: 'tfjs-webgpu', ...size.webgpu, Rs: webgpuRs },
  ];
  for (const plan of plans.filter((x) => x.Rs.length > 0)) {
    const ready = await useTfjsBackend(plan.backend, { gpu: opts.gpu, wasmPaths: opts.wasmPaths });
    if (ready !== true) {
      log(`TF.js ${plan.backend}: not measured (${ready})`);
      continue;
    }
    for (const w of WORKLOADS.filter((x) => x.flopsPerRestartStep !== undefined)) {
      const check = await checkTfjsAgainstCpu(w.make(8, 3), 3);
      log(`TF.js ${plan.backend}, ${w.name}: same loss as the CPU reference (rel. ${check.loss.toExponential(1)}), parameters after 3 steps within ${check.params.toFixed(3)} of the tolerance`);
      for (const R of plan.Rs) {
        const { rate, ms } = await tfjsRate(w.make(R, plan.steps), R, plan.steps, 256);
        const f = flopsOf(w, rate);
        add({ name: w.name, impl: plan.impl, R, restartStepsPerSec: rate, medianMs: ms, ...f });
        const ours = entries.find((e) => e.name === w.name && e.impl === 'gpu' && e.R === R)?.restartStepsPerSec;
        log(`${w.name} | R=${R} | TF.js ${plan.backend} ${rate.toFixed(1)} restart-steps/s${ours ? ` | ours ÷ TF.js = ${(ours / rate).toFixed(2)}` : ''}`);
      }
    }
  }
  await runTorchPeer(entries, size.wasm, log, add);
}

/**
 * PyTorch on the CPU (bench/peers/torch.ts), at the sizes of the TF.js wasm peer, with all the
 * machine's cores: optional — measured where a python3 with torch is installed, said absent
 * otherwise (and always in a browser).
 */
async function runTorchPeer(entries: BenchEntry[], plan: { Rs: number[]; steps: number }, log: (l: string) => void, add: (e: Omit<BenchEntry, 'adapter'>) => unknown): Promise<void> {
  const torch = await import('./peers/torch.ts');
  const available = await torch.torchAvailable();
  if ('absent' in available) {
    log(`PyTorch CPU: not measured (${available.absent})`);
    return;
  }
  const { availableParallelism } = await import(/* @vite-ignore */ 'node:os');
  const threads = availableParallelism();
  for (const w of WORKLOADS.filter((x) => x.flopsPerRestartStep !== undefined)) {
    const check = await torch.checkTorchAgainstCpu(w.make(8, 3), 3, threads);
    log(`PyTorch ${available.version} (${threads} threads), ${w.name}: same loss as the CPU reference (rel. ${check.loss.toExponential(1)}), parameters after 3 steps within ${check.params.toFixed(3)} of the tolerance`);
    for (const R of plan.Rs) {
      const { rate, ms } = await torch.torchRate(w.make(R, plan.steps), R, plan.steps, 256, threads);
      add({ name: w.name, impl: 'torch-cpu', R, restartStepsPerSec: rate, medianMs: ms, ...flopsOf(w, rate) });
      const ours = entries.find((e) => e.name === w.name && e.impl === 'gpu' && e.R === R)?.restartStepsPerSec;
      log(`${w.name} | R=${R} | PyTorch CPU ${rate.toFixed(1)} restart-steps/s${ours ? ` | ours ÷ PyTorch = ${(ours / rate).toFixed(2)}` : ''}`);
    }
  }
}

/**
 * The engine's end-to-end rate on R restarts of a workload: compiled and paced by a one-evaluation run
 * on the same wave first (so that even its first chunks are slept through in Node), then the
 * median over repetitions of full runs, with the engine's own chunking (~150 ms submissions).
 * The step counts are sized for a CPU adapter; where a run ends in under `minMs` (a real GPU), the
 * steps grow until it does not, so that launch and readback costs do not pass for the rate.
 */
async function gpuRate(engine: GpuEngine, w: Workload, R: number, steps: number, reps: number, peakGflops: number, choice: Pick<GpuRunOptions, 'kernel' | 'layout'> = {}, minMs = 0) {
  for await (const _ of engine.run({ ...w.make(R, steps), restarts: R <= 4096 ? R : 64, maxSteps: 0 }, choice)) void _;
  const timed = async (n: number) => {
    const t0 = performance.now();
    let restartSteps = 0;
    for await (const snap of engine.run(w.make(R, n), choice)) restartSteps = snap.restartSteps;
    return { ms: performance.now() - t0, restartSteps };
  };
  let first = await timed(steps);
  while (first.ms < minMs && steps < MAX_STEPS) {
    steps = Math.min(MAX_STEPS, Math.ceil(steps * Math.min(16, (1.5 * minMs) / Math.max(first.ms, 0.1))));
    first = await timed(steps);
  }
  const times = [first.ms];
  let restartSteps = first.restartSteps;
  for (let rep = 1; rep < (R * steps >= 30_000 && minMs === 0 ? 1 : reps); rep++) {
    const m = await timed(steps);
    times.push(m.ms);
    restartSteps = m.restartSteps;
  }
  const ms = median(times);
  // The steps actually taken: a restart whose loss reaches exactly 0 (f32) stops as global.
  const rate = restartSteps / (ms / 1000);
  const f = flopsOf(w, rate);
  return { R, restartStepsPerSec: rate, medianMs: ms, minMs: Math.min(...times), maxMs: Math.max(...times), ...f, ...(f.gflops ? { peakFraction: f.gflops / peakGflops } : {}) };
}

/** The step kernels and layouts the suite compares (per thread: CPU adapters' choice; cooperative: GPUs'). */
const LAYOUT_CANDIDATES: { kernel: 'per-thread' | 'cooperative'; layout: Partial<StepLayout> & { workgroup: number } }[] = [
  { kernel: 'per-thread', layout: { restartsPerThread: 4, workgroup: 64 } },
  { kernel: 'per-thread', layout: { restartsPerThread: 8, workgroup: 64 } },
  { kernel: 'per-thread', layout: { restartsPerThread: 8, workgroup: 16 } },
  { kernel: 'per-thread', layout: { restartsPerThread: 8, workgroup: 4 } },
  { kernel: 'cooperative', layout: { workgroup: 32 } },
  { kernel: 'cooperative', layout: { workgroup: 64 } },
  { kernel: 'cooperative', layout: { workgroup: 128 } },
  { kernel: 'cooperative', layout: { workgroup: 256 } },
];

/** Most steps per restart a calibrated GPU measurement may take. */
const MAX_STEPS = 200_000;

function flopsOf(w: Workload, rate: number): { gflops?: number } {
  return w.flopsPerRestartStep ? { gflops: (rate * w.flopsPerRestartStep) / 1e9 } : {};
}
