/**
 * WGSL loading and the pipeline cache. A kernel is a handwritten file in shaders/ with one entry
 * point, composed with the library snippets it needs (shaders/lib/), the struct declarations
 * generated from host/buffers.ts, and a block of compile-time constants for the model's sizes.
 * Sizes are constants rather than `override`s because they size private arrays (the parameter
 * row, its gradient), which WGSL allows only for creation-time constants; the cache is keyed by
 * kernel and constants, so each shape compiles once. Compiler errors name the kernel, with the
 * source line of each (host/shader-source.ts throwOnCompileErrors).
 */
import activationLib from '../shaders/lib/activation.wgsl';
import bindingsLib from '../shaders/lib/bindings.wgsl';
import restartLib from '../shaders/lib/restart.wgsl';
import stepChunkLib from '../shaders/lib/step_chunk.wgsl';
import rngLib from '../shaders/lib/rng.wgsl';
import sampleGradLib from '../shaders/lib/sample_grad.wgsl';
import extraNeuronLib from '../shaders/lib/extra_neuron.wgsl';
import groupSumColumnsLib from '../shaders/lib/group_sum_columns.wgsl';
import groupSumSubgroupLib from '../shaders/lib/group_sum_subgroup.wgsl';
import groupSumWorkgroupLib from '../shaders/lib/group_sum_workgroup.wgsl';
import activationKernel from '../shaders/activation.wgsl';
import classifyKernel from '../shaders/classify.wgsl';
import empiricalStepKernel from '../shaders/empirical_step.wgsl';
import empiricalStepCoopKernel from '../shaders/empirical_step_coop.wgsl';
import empiricalStepVec4Kernel from '../shaders/empirical_step_vec4.wgsl';
import initKernel from '../shaders/init.wgsl';
import patchesKernel from '../shaders/patches.wgsl';
import populationStepKernel from '../shaders/population_step.wgsl';
import populationStepSpanKernel from '../shaders/population_step_span.wgsl';
import pairKernelLib from '../shaders/lib/pair_kernel.wgsl';
import gaussQuadratureLib from '../shaders/lib/gauss_quadrature.wgsl';
import reduceKernel from '../shaders/reduce.wgsl';
import sampleKernel from '../shaders/sample.wgsl';
import { dispatchSize } from './dispatch.ts';
import { type Constants, ShaderCompileError, ShaderCompositionError, composeShader, constantsWgsl, throwOnCompileErrors } from './shader-source.ts';
import { STRUCTS_WGSL } from './buffers.ts';
import { CONTRACT_WGSL, checkContract } from './contract.ts';
import { type UnrollOptions, unrollLoops } from './unroll.ts';
import type { Experiment } from '../src/core/experiment.ts';
import { shapeOf } from '../src/core/model.ts';

export type { ConstValue, Constants } from './shader-source.ts';
export { constantsWgsl } from './shader-source.ts';

/** Each kernel and the library snippets it is composed with, in order. */
export const KERNEL_SOURCES = {
  init: [bindingsLib, rngLib, initKernel],
  population_step: [bindingsLib, restartLib, stepChunkLib, gaussQuadratureLib, pairKernelLib, populationStepKernel],
  population_step_span: [bindingsLib, populationStepSpanKernel],
  empirical_step: [bindingsLib, restartLib, stepChunkLib, rngLib, activationLib, sampleGradLib, extraNeuronLib, empiricalStepKernel],
  // The cooperative kernels share sample_grad's element, and so its extra-neuron calls, but never run with the neuron (stepKernelFor).
  empirical_step_coop: [bindingsLib, restartLib, rngLib, activationLib, sampleGradLib, extraNeuronLib, groupSumColumnsLib, groupSumWorkgroupLib, empiricalStepCoopKernel],
  empirical_step_coop_subgroup: ['enable subgroups;', bindingsLib, restartLib, rngLib, activationLib, sampleGradLib, extraNeuronLib, groupSumColumnsLib, groupSumSubgroupLib, empiricalStepCoopKernel],
  empirical_step_vec4: [bindingsLib, restartLib, activationLib, empiricalStepVec4Kernel],
  classify: [bindingsLib, classifyKernel],
  reduce: [bindingsLib, reduceKernel],
  sample: [rngLib, activationLib, sampleKernel],
  patches: [patchesKernel],
  activation: [activationLib, activationKernel],
} as const;
export type KernelName = keyof typeof KERNEL_SOURCES;

/** Kernels that use the shared per-restart bind group (shaders/lib/bindings.wgsl + extras). */
const RESTART_KERNELS: ReadonlySet<KernelName> = new Set(['init', 'population_step', 'population_step_span', 'empirical_step', 'empirical_step_vec4', 'empirical_step_coop', 'empirical_step_coop_subgroup', 'classify', 'reduce']);

/** Step kernels that run one restart per workgroup (the others run one or more per thread). */
export const COOPERATIVE_KERNELS: ReadonlySet<KernelName> = new Set(['empirical_step_coop', 'empirical_step_coop_subgroup']);

/** What the step kernel's choice depends on in the adapter (DeviceHandle: info.emulated, features). */
export interface StepTarget {
  /** A CPU-emulated adapter (SwiftShader): a few cores, so the per-thread kernels fill it. */
  emulated: boolean;
  subgroups: boolean;
  /** The adapter's smallest subgroup size (4, the least WGSL allows, where it does not say). */
  subgroupMinSize?: number;
  /** Workgroup memory per workgroup, bytes (16384, the least WebGPU guarantees, by default). */
  workgroupStorage?: number;
}

/** A CPU adapter, as the kernel choice sees it where no device is named. */
const CPU_TARGET: StepTarget = { emulated: true, subgroups: false };

/** Floats of workgroup memory the cooperative kernel's reduction rows may take (8 KiB). */
const REDUCE_FLOATS = 2048;

/** Whether the cooperative kernel's workgroup memory (rows, totals, shared parameters) fits. */
function cooperativeFits(P: number, target: StepTarget): boolean {
  return (2 * P + 1) * 4 + REDUCE_FLOATS * 4 <= (target.workgroupStorage ?? 16384);
}

/**
 * Which step kernels a run may use, each named for what it forces:
 * - 'auto': the measured choice for the adapter (stepKernelFor);
 * - 'per-thread': the per-thread kernels, the specialised one (span, vec4) where it applies, as a
 *   CPU adapter gets them;
 * - 'general-per-thread': the general per-thread kernels only (the banded population kernel, the
 *   one-restart-per-thread empirical kernel), even where a specialised one applies;
 * - 'cooperative': the one-restart-per-workgroup empirical kernel (an error where it does not
 *   fit, and for the population loss, which has none).
 */
export type KernelPreference = 'auto' | 'per-thread' | 'general-per-thread' | 'cooperative';

/**
 * The fused step kernel for an experiment. For the population loss the span kernel where it is
 * exact (one student and one teacher filter, non-overlapping patches, GD, an output layer that is
 * not sign-projected) and the general banded
 * kernel otherwise. For the empirical and SGD losses on a real GPU, one restart per workgroup
 * (the cooperative kernel, with subgroups where the adapter has them): the per-thread kernels
 * leave all but R/8 of its lanes idle. On a CPU adapter, the four-restarts-per-thread kernel for a
 * full fixed sample and the one-restart-per-thread one for minibatches and fresh samples. With
 * Kawaguchi & Kaelbling's extra neuron (model.extra) the one-restart-per-thread kernel on every
 * adapter: only it has the neuron (lib/extra_neuron.wgsl).
 * `prefer` forces a family of kernels (KernelPreference: tests, benchmarks).
 */
export function stepKernelFor(exp: Experiment, prefer: KernelPreference = 'auto', target: StepTarget = CPU_TARGET): KernelName {
  const specialised = prefer === 'auto' || prefer === 'per-thread';
  if (exp.loss.kind === 'population') {
    if (prefer === 'cooperative') throw new RangeError('the population loss has no cooperative step kernel');
    const m = exp.model.m;
    // The span kernel's algebra is the ReLU kernel's (population_step_span.wgsl SELF_DIAG …); it
    // sees θ only through its coordinates, so the recovery rule (per filter entry) is not in it, and
    // a sign-projected output layer leaves span{a, 1, a*} at every step, so it is not exact there.
    const span =
      exp.model.activation === 'relu' && exp.model.filters === 1 && exp.teacher.filters === 1 && exp.model.stride >= m &&
      exp.optimizer.kind === 'gd' && exp.outcome.recovery === undefined && exp.model.output !== 'sign';
    return span && specialised ? 'population_step_span' : 'population_step';
  }
  if (exp.model.extra !== undefined) {
    // Correctness before breadth: the vec4 kernel would need the neuron's term per component,
    // and the cooperative kernel a reduction of the overflow flag its threads set
    // (lib/restart.wgsl step_overflow) before thread 0 decides; neither is written, and both
    // refuse the neuron at compile time (const_assert !EXTRA).
    if (prefer === 'cooperative') throw new RangeError('the extra neuron (model.extra) has no cooperative step kernel');
    return 'empirical_step';
  }
  if (exp.problems !== undefined) {
    // Many problems: only the per-thread kernel indexes the sample, teacher and thresholds by the
    // restart's problem (lib/step_chunk.wgsl sets it); the vec4 kernel's four restarts of a
    // thread, and the cooperative kernel's workgroup, would need it per lane.
    if (prefer === 'cooperative') throw new RangeError('many problems per run (experiment.problems) have no cooperative step kernel');
    return 'empirical_step';
  }
  const coop = target.subgroups ? 'empirical_step_coop_subgroup' : 'empirical_step_coop';
  const { P } = shapeOf(exp.model);
  if (prefer === 'cooperative') {
    if (!cooperativeFits(P, target)) throw new RangeError(`the cooperative step kernel's workgroup memory does not fit ${P} parameters`);
    return coop;
  }
  if (prefer === 'auto' && !target.emulated && cooperativeFits(P, target)) return coop;
  if (exp.loss.kind === 'sgd') return 'empirical_step';
  const fullBatch = exp.loss.batch === undefined || exp.loss.batch >= exp.loss.samples;
  return fullBatch && specialised ? 'empirical_step_vec4' : 'empirical_step';
}

/**
 * How a step kernel's threads are laid out: restarts per thread (the vec4 kernel holds 4·V of
 * them, V groups of four) and the workgroup size of its dispatch.
 */
export interface StepLayout {
  restartsPerThread: number;
  workgroup: number;
}

/**
 * The step kernels' layout for a wave of `restarts`, chosen by measurement (npm run bench, its
 * layout table; SwiftShader, p=6 k=25 and p=25 k=20, n=1024): eight restarts per thread beat
 * four by 1.2–1.5× wherever there are enough restarts to occupy the cores (one sample value
 * then serves eight restarts); and a small wave must not be packed into one or two workgroups,
 * which run on one or two cores — at R = 256, workgroups of 4 run 1.8× faster than one of 64.
 * So: the largest workgroup (≤ 64, ≥ 4) that still leaves at least MIN_GROUPS of them.
 */
export function stepLayout(kernel: KernelName, restarts: number, override: Partial<StepLayout> = {}, batch = Infinity): StepLayout {
  if (COOPERATIVE_KERNELS.has(kernel)) {
    if ((override.restartsPerThread ?? 1) !== 1) throw new RangeError(`${kernel} runs one restart per workgroup (got ${override.restartsPerThread} per thread)`);
    // Few restarts: more threads each, so that the GPU still has COOPERATIVE_THREADS to run; but
    // no more threads than the batch has elements.
    let auto = COOPERATIVE_WORKGROUP;
    while (auto < 256 && restarts * auto < COOPERATIVE_THREADS && auto * 2 <= batch) auto *= 2;
    while (auto > 4 && auto > batch) auto /= 2;
    const workgroup = override.workgroup ?? auto;
    if (!(Number.isInteger(workgroup) && workgroup >= 4 && workgroup <= 256 && (workgroup & (workgroup - 1)) === 0)) {
      throw new RangeError(`${kernel}'s workgroup must be a power of two in [4, 256] (got ${workgroup})`);
    }
    return { restartsPerThread: 1, workgroup };
  }
  const perThread = override.restartsPerThread ?? (kernel === 'empirical_step_vec4' ? (restarts >= 256 ? 8 : 4) : 1);
  if (kernel === 'empirical_step_vec4' ? perThread !== 4 && perThread !== 8 : perThread !== 1) {
    throw new RangeError(`${kernel} runs ${kernel === 'empirical_step_vec4' ? '4 or 8' : '1'} restarts per thread (got ${perThread})`);
  }
  const threads = Math.ceil(restarts / perThread);
  let workgroup = 64;
  while (workgroup > 4 && threads / workgroup < MIN_GROUPS) workgroup /= 2;
  workgroup = override.workgroup ?? workgroup;
  if (!(Number.isInteger(workgroup) && workgroup >= 1 && workgroup <= 256)) throw new RangeError(`step workgroup size must be an integer in [1, 256] (got ${workgroup})`);
  return { restartsPerThread: perThread, workgroup };
}

/** Workgroups a step dispatch should have at least (cores of a CPU adapter run one each). */
const MIN_GROUPS = 8;

/**
 * Threads per restart of the cooperative kernel (each takes every 64th element of the batch),
 * doubled up to 256 while a wave has fewer than COOPERATIVE_THREADS threads. Measured on an H100
 * (npm run bench, layout table, p=6 k=25, n=1024): at R = 4096, workgroups of 32–128 within 15%
 * of each other, 256 slower; at R = 256, 128 ahead of 64 by 23% and 66% in two runs.
 */
const COOPERATIVE_WORKGROUP = 64;
const COOPERATIVE_THREADS = 1 << 15;

/**
 * The compile-time constants of a step kernel's layout: V (vec4 groups per thread) and
 * STEP_WORKGROUP; for the cooperative kernels also the reduction's shape (RED_COLS columns of
 * workgroup memory at a time, at most one per thread; SUBGROUP_MIN) for P parameters on `target`.
 */
export function layoutConstants(layout: StepLayout, kernel?: KernelName, P = 0, target: StepTarget = CPU_TARGET): Constants {
  const c: Constants = { V: { u32: Math.max(1, layout.restartsPerThread / 4) }, STEP_WORKGROUP: { u32: layout.workgroup } };
  if (kernel === 'population_step_span') c.SPAN_ROW = { u32: P + SPAN_SCALARS };
  if (kernel && COOPERATIVE_KERNELS.has(kernel)) {
    const subgroupMin = kernel === 'empirical_step_coop_subgroup' ? Math.max(1, Math.min(layout.workgroup, target.subgroupMinSize ?? 4)) : 1;
    const rows = layout.workgroup / subgroupMin;
    c.SUBGROUP_MIN = { u32: subgroupMin };
    // Thread c sums column c, so a round has at most one column per thread.
    c.RED_COLS = { u32: Math.max(1, Math.min(P + 1, Math.floor(REDUCE_FLOATS / rows), layout.workgroup)) };
  }
  return c;
}

/**
 * Floats per restart of the span kernel's own state after its two basis vectors (P floats): its
 * five coordinates and the bases' scalars (shaders/population_step_span.wgsl, S_C … S_NQ).
 */
export const SPAN_SCALARS = 17;

/**
 * Floats per restart of the `accum` buffer: AdaGrad's accumulators (P), the span kernel's state
 * (P + SPAN_SCALARS: it runs GD only, so the buffer is free), or none.
 */
export function accumFloats(kernel: KernelName, optimizer: 'gd' | 'adagrad', P: number): number {
  if (kernel === 'population_step_span') return P + SPAN_SCALARS;
  return optimizer === 'adagrad' ? P : 0;
}

/** Workgroups of a step dispatch over `restarts` (2-D past the device's per-dimension limit). */
export function stepGrid(kernel: KernelName, layout: StepLayout, restarts: number, maxPerDim: number): { x: number; y: number } {
  if (COOPERATIVE_KERNELS.has(kernel)) return dispatchSize(restarts, 1, maxPerDim);
  return dispatchSize(Math.ceil(restarts / layout.restartsPerThread), layout.workgroup, maxPerDim);
}

/**
 * How far `@unroll` loops are expanded: enough for Du et al.'s shapes (K·M up to a few hundred)
 * while keeping a kernel's source, and so its compile time, bounded for large models.
 */
export const UNROLL: UnrollOptions = { maxTrips: 128, maxChars: 200_000 };

/** The full WGSL of a kernel for the given constants, `@unroll` loops expanded. */
export function kernelSource(name: KernelName, constants: Constants, unroll: UnrollOptions = UNROLL): string {
  return kernelSourceFrom(name, KERNEL_SOURCES[name], constants, unroll);
}

/**
 * Everything a kernel is composed of, in order: `enable` directives first (they must precede
 * every declaration), the contract's codes (host/contract.ts), the constants, the shared
 * structs, then its parts. (`contract` is for tests that alter the host's side.)
 */
export function kernelParts(parts: readonly string[], constants: Constants, contract = CONTRACT_WGSL): string[] {
  const enables = parts.filter((p) => p.startsWith('enable '));
  const rest = parts.filter((p) => !p.startsWith('enable '));
  return [...enables, contract, constantsWgsl(constants), STRUCTS_WGSL, ...rest];
}

/**
 * A kernel's WGSL from its parts (kernelParts), after checking the parts' headers
 * (host/shader-source.ts) and the contract (host/contract.ts checkContract), naming the kernel in
 * the error; `@unroll` loops expanded.
 */
export function kernelSourceFrom(name: string, parts: readonly string[], constants: Constants, unroll: UnrollOptions = UNROLL): string {
  const u32s: Record<string, number> = {};
  for (const [k, v] of Object.entries(constants)) if ('u32' in v) u32s[k] = v.u32;
  let code: string;
  try {
    code = composeShader(...kernelParts(parts, constants));
  } catch (e) {
    if (e instanceof ShaderCompositionError) e.message = `kernel '${name}': ${e.message}`;
    throw e;
  }
  checkContract(name, parts);
  return unrollLoops(code, u32s, unroll);
}

/** The layout shared by the per-restart kernels; bindings 5–7 are used by some of them only. */
export function restartBindGroupLayout(device: GPUDevice): GPUBindGroupLayout {
  const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
    binding,
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type },
  });
  return device.createBindGroupLayout({
    label: 'restart kernels',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      storage(1, 'storage'), // params [R, P]
      storage(2, 'storage'), // state [R]
      storage(3, 'read-only-storage'), // consts
      storage(4, 'storage'), // AdaGrad accumulators [R, P]
      storage(5, 'read-only-storage'), // patches of the fixed sample
      storage(6, 'read-only-storage'), // labels of the fixed sample
      storage(7, 'storage'), // stats
    ],
  });
}

/**
 * A kernel's cache key: its name and its constants sorted by name, each with its type. The source
 * is a function of these alone (the kernel files, the snippets and UNROLL are fixed), and listing
 * the same constants in another order changes only the order of their declarations.
 */
export function pipelineKey(name: KernelName, constants: Constants): string {
  const sorted = Object.entries(constants).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${name} ${JSON.stringify(sorted)}`;
}

/**
 * Compiles kernels once per (device, kernel, constants) and remembers them. A hit costs the key
 * only: composing and unrolling a kernel's source (up to UNROLL.maxChars) happens on a miss.
 */
/** PipelineCache's default bound: a few cells' worth of kernels (a run uses ~10 per cell). */
export const PIPELINE_CACHE_CAPACITY = 48;

export class PipelineCache {
  /** In least- to most-recently used order (a Map keeps insertion order; a hit re-inserts). */
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private restartLayout?: GPUPipelineLayout;
  readonly bindGroupLayout: GPUBindGroupLayout;

  /**
   * `capacity`: the most pipelines kept. A grid preset compiles its kernels once per cell's
   * constants, and an emulated adapter's compiled pipelines are large (bg-no-overlap's 72 cells
   * held 2.6 GiB), so the least recently used are let go past it; a cell's run reuses its
   * pipelines within the bound.
   */
  constructor(
    readonly device: GPUDevice,
    readonly capacity = PIPELINE_CACHE_CAPACITY,
  ) {
    this.bindGroupLayout = restartBindGroupLayout(device);
  }

  /** How many pipelines are held now. */
  get size(): number {
    return this.pipelines.size;
  }

  /** The kernel's pipeline for `constants`; its source is composed, unrolled and compiled on a miss only. */
  get(name: KernelName, constants: Constants): Promise<GPUComputePipeline> {
    const key = pipelineKey(name, constants);
    let p = this.pipelines.get(key);
    if (p) {
      this.pipelines.delete(key);
    } else {
      p = this.compile(name, kernelSource(name, constants));
      const mine = p;
      p.catch(() => {
        if (this.pipelines.get(key) === mine) this.pipelines.delete(key);
      });
    }
    this.pipelines.set(key, p);
    while (this.pipelines.size > this.capacity) this.pipelines.delete(this.pipelines.keys().next().value!);
    return p;
  }

  private async compile(name: KernelName, code: string): Promise<GPUComputePipeline> {
    const { device } = this;
    const module = device.createShaderModule({ label: name, code });
    await throwOnCompileErrors(module, code, name);
    let layout: GPUPipelineLayout | 'auto' = 'auto';
    if (RESTART_KERNELS.has(name)) {
      this.restartLayout ??= device.createPipelineLayout({ bindGroupLayouts: [this.bindGroupLayout] });
      layout = this.restartLayout;
    }
    device.pushErrorScope('validation');
    const pipeline = await device.createComputePipelineAsync({ label: name, layout, compute: { module, entryPoint: 'main' } });
    const err = await device.popErrorScope();
    if (err) throw new ShaderCompileError(name, [err.message]);
    return pipeline;
  }
}
