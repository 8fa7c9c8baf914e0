/**
 * The GPU engine: schedules waves of restarts and chunks of steps, and streams Snapshots.
 *
 *   experiment → prepare (validation, L_ref, tolerances: src/core/prepare.ts, shared with the CPU)
 *     → [empirical] sample + patches kernels (once)
 *     → per wave of W restarts: init
 *         → loop { step × S (one dispatch) → classify → reduce → copy stats into a readback ring }
 *
 * Each chunk is one submission; its ~400-byte statistics are copied into a ring of mappable
 * buffers and mapped without waiting, so the GPU always has the next chunk queued while the host
 * reads the previous one (dawn.node busy-waits on a pending promise, so we await only when the
 * ring is full). Waves are sized to the device's storage limits, so 10⁶ restarts run in pieces.
 */
import tgpu, { type TgpuBuffer, type TgpuRoot, type UniformFlag } from 'typegpu';
import type { Experiment } from '../src/core/experiment.ts';
import { ACTIVATION_CODE, shapeOf } from '../src/core/model.ts';
import { type Prepared, prepare } from '../src/core/prepare.ts';
import { teacherEnergy } from '../src/core/population.ts';
import { initRadius } from '../src/core/init.ts';
import { HIST_BINS, LOG_LOSS_RANGE, type Snapshot, type Tally, emptyTally, makeSnapshot, mergeTallies } from '../src/core/stats.ts';
import { Config, type ConfigValue, RESTART_STATE_BYTES, STATS_BYTES, SampleJob } from './buffers.ts';
import { INIT_KIND, LOSS_MODE, OPTIMIZER, decodeRestartStates, decodeStats } from './contract.ts';
import { type Constants, type KernelName, PipelineCache, type KernelPreference, type StepLayout, dispatchSize, COOPERATIVE_KERNELS, layoutConstants, stepGrid as stepGridOf, stepKernelFor, stepLayout, type StepTarget } from './kernels.ts';
import type { DeviceHandle } from './device.ts';
import { type Engine, type EngineRunOptions, type WaveResult, traceSlots } from '../src/engine/engine.ts';

export interface GpuRunOptions extends EngineRunOptions {
  /** Restarts per wave (default: as many as the device limits and a 256 MiB budget allow). */
  waveSize?: number;
  /** Steps per dispatch; default adapts to keep each submission near targetChunkMs (a trace fixes it to trace.every). */
  chunkSteps?: number;
  targetChunkMs?: number;
  /** 'general' runs the general per-thread kernels (the general population kernel even where the
   * span kernel applies), 'cooperative' the one-restart-per-workgroup empirical kernel. */
  kernel?: KernelPreference;
  /** Overrides the step kernel's measured default layout (host/kernels.ts stepLayout): benchmarks. */
  layout?: Partial<StepLayout>;
}

export type { WaveResult };

/** A kernel's pass for timing: what to record in the pass, and what to do before it (outside it). */
export interface KernelPass {
  encode: (pass: GPUComputePassEncoder) => void;
  prepare?: (enc: GPUCommandEncoder) => void;
}

/** GpuEngine.kernelPasses: the kernels of a run, ready to time one at a time. */
export interface KernelPasses {
  passes: Partial<Record<'sample' | 'patches' | 'init' | 'step' | 'classify' | 'reduce', KernelPass>>;
  restarts: number;
  layout: StepLayout;
  stepKernel: KernelName;
  /** The wave's buffers, for checking what the passes computed (tests). */
  buffers: { params: GPUBuffer; state: GPUBuffer; stats: GPUBuffer };
  destroy: () => void;
}

/** The fixed sample on the device (placeholders without one) and the passes that made it. */
interface SampleData {
  patches: GPUBuffer;
  labels: GPUBuffer;
  passes?: Record<'sample' | 'patches', (pass: GPUComputePassEncoder) => void>;
}

/** One experiment's kernels, buffers and bind group on the device (GpuEngine.setup). */
interface Rig {
  prep: Prepared;
  /** Restarts per wave, and the step kernel's layout for it. */
  W: number;
  layout: StepLayout;
  stepKernel: KernelName;
  pipelines: Record<'init' | 'step' | 'classify' | 'reduce', GPUComputePipeline>;
  params: GPUBuffer;
  state: GPUBuffer;
  accum: GPUBuffer;
  stats: GPUBuffer;
  statsBytes: number;
  sample: SampleData;
  configBuf: TgpuBuffer<typeof Config> & UniformFlag;
  bindGroup: GPUBindGroup;
  cfg: ConfigValue;
  /** Allocates a buffer that destroy() frees. */
  make: (size: number, usage: number, label: string) => GPUBuffer;
  destroy: () => void;
}

const WORKGROUP = 64;
const RING = 3;
const MAX_CHUNK_STEPS = 1 << 14;
const WAVE_BYTES_BUDGET = 256 * 1024 * 1024;

const now = () => performance.now();
/**
 * dawn.node polls the device on the main thread for as long as a GPU promise is pending, taking
 * a core from SwiftShader; so in Node the host sleeps through a chunk's expected GPU time before
 * asking for its results (measured: 125 → 85 ms per step of the empirical kernel). While other
 * chunks are queued behind it the GPU stays busy whatever the host does, so it sleeps 95% of
 * the expected time (waking a little early keeps the measured pace, and so the next sleep,
 * honest); for the last chunk of a wave, 80%.
 */
const SLEEP_FRACTION = { queued: 0.95, last: 0.8 };
/** A chunk whose results are ready within this many ms of waking had finished before it. */
const OVERSLEPT_MS = 1;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A compute pass's content: one pipeline with its bind group, one dispatch of `g` workgroups. */
export function dispatchPass(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, g: { x: number; y: number }): (pass: GPUComputePassEncoder) => void {
  return (pass) => {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(g.x, g.y);
  };
}

/** Layout of the `consts` buffer: offsets of each block, in f32 words. */
function constsLayout(prep: Prepared) {
  const { F, K, m, P } = prep.shape;
  const FT = prep.exp.teacher.filters;
  const C_TW = 0;
  const C_TA = C_TW + FT * m;
  const C_FIXED_A = C_TA + FT * K;
  const C_TRAP_W = C_FIXED_A + F * K;
  const C_TRAP_A = C_TRAP_W + F * m;
  const C_GRID_BASE = C_TRAP_A + F * K;
  const length = C_GRID_BASE + P;
  return { C_TW, C_TA, C_FIXED_A, C_TRAP_W, C_TRAP_A, C_GRID_BASE, length };
}

function constsData(prep: Prepared): Float32Array<ArrayBuffer> {
  const L = constsLayout(prep);
  const out = new Float32Array(L.length);
  out.set(prep.exp.teacher.w, L.C_TW);
  out.set(prep.exp.teacher.a, L.C_TA);
  out.set(prep.fixedA, L.C_FIXED_A);
  if (prep.outcome.trap) {
    out.set(prep.outcome.trap.w, L.C_TRAP_W);
    if (prep.outcome.trap.a) out.set(prep.outcome.trap.a, L.C_TRAP_A);
  }
  if (prep.exp.init.kind === 'grid') out.set(prep.exp.init.base, L.C_GRID_BASE);
  return out;
}

/** Empirical-step mode (host/contract.ts LOSS_MODE): full fixed sample, minibatch of it, fresh samples. */
function lossMode(exp: Experiment): number {
  if (exp.loss.kind === 'sgd') return LOSS_MODE.fresh;
  if (exp.loss.kind === 'empirical' && exp.loss.batch !== undefined && exp.loss.batch < exp.loss.samples) return LOSS_MODE.minibatch;
  return LOSS_MODE.full;
}

export function kernelConstants(prep: Prepared, sampleInnermost = false): Constants {
  const { exp, shape } = prep;
  const L = constsLayout(prep);
  const u = (x: number) => ({ u32: x });
  return {
    D_IN: u(shape.d),
    M: u(shape.m),
    S: u(shape.s),
    K: u(shape.K),
    F: u(shape.F),
    FT: u(exp.teacher.filters),
    P: u(shape.P),
    A_OFF: u(shape.aOffset),
    ACT: u(ACTIVATION_CODE[exp.model.activation]),
    WEIGHT_NORM: { bool: exp.model.weightNorm },
    LEARNED: { bool: exp.model.output === 'learned' },
    OPT: u(OPTIMIZER[exp.optimizer.kind]),
    MODE: u(lossMode(exp)),
    SAMPLE_INNERMOST: { bool: sampleInnermost },
    XB_LEN: u(lossMode(exp) === LOSS_MODE.fresh ? shape.d : 1),
    BAND: u(Math.ceil(shape.m / shape.s)),
    BINS: u(HIST_BINS),
    WORKGROUP: u(WORKGROUP),
    LOG_LOSS_LO: { f32: LOG_LOSS_RANGE[0] },
    LOG_LOSS_HI: { f32: LOG_LOSS_RANGE[1] },
    C_TW: u(L.C_TW),
    C_TA: u(L.C_TA),
    C_FIXED_A: u(L.C_FIXED_A),
    C_TRAP_W: u(L.C_TRAP_W),
    C_TRAP_A: u(L.C_TRAP_A),
    C_GRID_BASE: u(L.C_GRID_BASE),
  };
}

function baseConfig(prep: Prepared): ConfigValue {
  const { exp, outcome } = prep;
  const opt = exp.optimizer;
  const init = exp.init;
  const loss = exp.loss;
  const grid = init.kind === 'grid' ? init : undefined;
  return {
    restarts: 0,
    restartBase: 0,
    groupsX: 1,
    seed: exp.seed,
    maxSteps: exp.maxSteps,
    stepBase: 0,
    chunkSteps: 1,
    n: loss.kind === 'empirical' ? loss.samples : 0,
    batch: loss.kind === 'empirical' ? (loss.batch ?? loss.samples) : loss.kind === 'sgd' ? loss.batch : 0,
    lr: opt.lr,
    eps: opt.kind === 'adagrad' ? opt.eps : 0,
    globalLoss: outcome.globalLoss,
    gradThreshold: outcome.gradThreshold,
    divergeNorm: outcome.divergeNorm,
    angleCos: outcome.angleCos,
    hasTrap: outcome.trap ? 1 : 0,
    trapHasA: outcome.trap?.a ? 1 : 0,
    trapCos: outcome.trap?.cosTol ?? 0,
    trapATol: outcome.trap?.aTol ?? 0,
    initKind: INIT_KIND[init.kind],
    initScale: init.kind === 'gaussian' ? init.std : init.kind === 'sphere' ? init.aStd : 0,
    initSignV: init.kind === 'du' ? (init.signs?.[0] ?? 1) : 1,
    initSignA: init.kind === 'du' ? (init.signs?.[1] ?? 1) : 1,
    radius: initRadius(exp),
    gridAxis0: grid?.axes[0] ?? 0,
    gridAxis1: grid?.axes[1] ?? 0,
    gridRes0: grid?.resolution[0] ?? 1,
    gridRes1: grid?.resolution[1] ?? 1,
    gridLo0: grid?.range[0] ?? 0,
    gridHi0: grid?.range[1] ?? 0,
    gridLo1: grid?.range[2] ?? 0,
    gridHi1: grid?.range[3] ?? 0,
    lossRef: prep.lossRef,
    teacherSelf: exp.loss.kind === 'population' ? teacherEnergy(exp.model, exp.teacher) : 0,
  };
}

/** Elements in one step's batch (the whole sample for full-batch GD; ∞ for the population loss). */
function batchSize(exp: Experiment): number {
  if (exp.loss.kind === 'population') return Infinity;
  if (exp.loss.kind === 'sgd') return exp.loss.batch;
  return Math.min(exp.loss.batch ?? exp.loss.samples, exp.loss.samples);
}

/** Statistics words (the Stats schema, host/buffers.ts) → a Tally. */
export function tallyFromStats(words: Uint32Array, maxSteps: number): Tally {
  return decodeStats(words, maxSteps);
}

export class GpuEngine implements Engine {
  readonly kind = 'gpu' as const;
  readonly device: GPUDevice;
  readonly root: TgpuRoot;
  readonly cache: PipelineCache;
  /** Milliseconds per step of a step pipeline, per wave size, as last measured (see retire). */
  private readonly pace = new WeakMap<GPUComputePipeline, Map<number, number>>();
  /** What the step kernel's choice depends on in this adapter (host/kernels.ts stepKernelFor). */
  readonly target: StepTarget;

  /** `subgroups: false` ignores the adapter's subgroups (tests of the fallback kernels). */
  constructor(readonly handle: DeviceHandle, opts: { subgroups?: boolean } = {}) {
    this.device = handle.device;
    this.target = {
      emulated: handle.info.emulated,
      subgroups: handle.features.subgroups && opts.subgroups !== false,
      subgroupMinSize: handle.info.subgroupMinSize,
      workgroupStorage: handle.device.limits.maxComputeWorkgroupStorageSize,
    };
    this.root = tgpu.initFromDevice({ device: this.device });
    this.cache = new PipelineCache(this.device);
  }

  get label(): string {
    return this.handle.info.label;
  }

  /** Whether awaiting the GPU busy-waits on this thread (dawn.node). */
  private get pollsWhileWaiting(): boolean {
    return this.handle.info.backend === 'dawn.node';
  }

  /** Largest wave the device's limits (and our memory budget) allow for P parameters per restart. */
  maxWave(P: number): number {
    const lim = this.device.limits;
    const perBinding = Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize, WAVE_BYTES_BUDGET);
    return Math.max(1, Math.min(Math.floor(perBinding / (P * 4)), Math.floor(perBinding / RESTART_STATE_BYTES), 1 << 20));
  }

  private buffer(size: number, usage: number, label: string): GPUBuffer {
    return this.device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
  }

  /** The step kernel a run of `exp` uses on this adapter, its layout, and the wave it is laid out for. */
  stepPlan(exp: Experiment, opts: GpuRunOptions = {}): { kernel: KernelName; layout: StepLayout; W: number } {
    const kernel = stepKernelFor(exp, opts.kernel, this.target);
    const W = Math.min(exp.restarts, opts.waveSize ?? this.maxWave(shapeOf(exp.model).P));
    return { kernel, layout: stepLayout(kernel, W, opts.layout, batchSize(exp)), W };
  }

  /**
   * Everything a run needs on the device for `exp`: the compiled kernels, the fixed sample, one
   * wave's buffers and the bind group they share. The caller destroys it.
   */
  private async setup(exp: Experiment, opts: GpuRunOptions): Promise<Rig> {
    const prep = prepare(exp);
    const { device } = this;
    const { P } = prep.shape;
    const { kernel: stepKernel, layout, W } = this.stepPlan(exp, opts);
    // The cooperative kernel's threads take consecutive samples: lay the patches out [K, M, n] so
    // that their loads are contiguous (coalesced) rather than K·M floats apart.
    const consts = kernelConstants(prep, COOPERATIVE_KERNELS.has(stepKernel));
    const [init, step, classify, reduce] = await Promise.all([
      this.cache.get('init', consts),
      this.cache.get(stepKernel, { ...consts, ...layoutConstants(layout, stepKernel, P, this.target) }),
      this.cache.get('classify', consts),
      this.cache.get('reduce', consts),
    ]);

    const S = GPUBufferUsage.STORAGE;
    const owned: GPUBuffer[] = [];
    const make = (size: number, usage: number, label: string) => {
      const b = this.buffer(size, usage, label);
      owned.push(b);
      return b;
    };
    const configBuf = this.root.createBuffer(Config).$usage('uniform');
    const destroy = () => {
      for (const b of owned) b.destroy();
      configBuf.destroy();
    };
    try {
      const constsHost = constsData(prep);
      const constsBuf = make(constsHost.byteLength, S | GPUBufferUsage.COPY_DST, 'consts');
      device.queue.writeBuffer(constsBuf, 0, constsHost);
      const sample = await this.prepareSample(prep, consts, make, (b) => owned.push(b));
      const params = make(W * P * 4, S | GPUBufferUsage.COPY_SRC, 'params');
      const state = make(W * RESTART_STATE_BYTES, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'state');
      const accum = make(exp.optimizer.kind === 'adagrad' ? W * P * 4 : 16, S | GPUBufferUsage.COPY_DST, 'accum');
      const statsBytes = STATS_BYTES;
      const stats = make(statsBytes, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'stats');
      const bindGroup = device.createBindGroup({
        layout: this.cache.bindGroupLayout,
        entries: [
          { binding: 0, resource: { buffer: this.root.unwrap(configBuf) } },
          { binding: 1, resource: { buffer: params } },
          { binding: 2, resource: { buffer: state } },
          { binding: 3, resource: { buffer: constsBuf } },
          { binding: 4, resource: { buffer: accum } },
          { binding: 5, resource: { buffer: sample.patches } },
          { binding: 6, resource: { buffer: sample.labels } },
          { binding: 7, resource: { buffer: stats } },
        ],
      });
      return { prep, W, layout, stepKernel, pipelines: { init, step, classify, reduce }, params, state, accum, stats, statsBytes, sample, configBuf, bindGroup, cfg: baseConfig(prep), make, destroy };
    } catch (e) {
      destroy();
      throw e;
    }
  }

  /**
   * Each kernel of a run as a pass on the run's own pipelines, buffers and data, for timing one
   * kernel at a time (bench/kernels.ts): the fixed sample's two kernels, init, `steps` fused steps,
   * classify and reduce, over one wave of the experiment's restarts. The restarts are initialised
   * and stepped once; each step pass continues from where the last left them (give the experiment
   * a step budget and outcome rule that keep them running). classify sees the state after that
   * first step, restored before each pass, so with maxSteps = 0 it does its full work on every
   * restart (all decided) each time; reduce counts the state as it is (run classify first), into
   * statistics cleared before each pass.
   */
  async kernelPasses(exp: Experiment, opts: GpuRunOptions & { steps: number }): Promise<KernelPasses> {
    const rig = await this.setup(exp, opts);
    try {
      const { device } = this;
      const { W, layout, bindGroup, cfg, pipelines } = rig;
      const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
      const grid = dispatchSize(W, WORKGROUP, maxDim);
      const stepGrid = stepGridOf(rig.stepKernel, layout, W, maxDim);
      Object.assign(cfg, { restarts: W, restartBase: 0, groupsX: grid.x, stepBase: 0, chunkSteps: 1 });
      const dispatch = (pipeline: GPUComputePipeline, g: { x: number; y: number }) => dispatchPass(pipeline, bindGroup, g);
      const saved = rig.make(W * RESTART_STATE_BYTES, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'saved state');
      rig.configBuf.write(cfg);
      const enc = device.createCommandEncoder({ label: 'kernel passes: init, first step' });
      for (const encode of [dispatch(pipelines.init, grid), dispatch(pipelines.step, stepGrid)]) {
        const pass = enc.beginComputePass();
        encode(pass);
        pass.end();
      }
      enc.copyBufferToBuffer(rig.state, 0, saved, 0, W * RESTART_STATE_BYTES);
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      cfg.chunkSteps = opts.steps;
      rig.configBuf.write(cfg);
      const restore = (e: GPUCommandEncoder) => e.copyBufferToBuffer(saved, 0, rig.state, 0, W * RESTART_STATE_BYTES);
      const passes: KernelPasses['passes'] = {
        init: { encode: dispatch(pipelines.init, grid) },
        step: { encode: dispatch(pipelines.step, stepGrid) },
        classify: { encode: dispatch(pipelines.classify, grid), prepare: restore },
        reduce: { encode: dispatch(pipelines.reduce, grid), prepare: (e) => e.clearBuffer(rig.stats) },
      };
      if (rig.sample.passes) {
        passes.sample = { encode: rig.sample.passes.sample };
        passes.patches = { encode: rig.sample.passes.patches };
      }
      return { passes, restarts: W, layout, stepKernel: rig.stepKernel, buffers: { params: rig.params, state: rig.state, stats: rig.stats }, destroy: rig.destroy };
    } catch (e) {
      rig.destroy();
      throw e;
    }
  }

  /** Runs the experiment, yielding Snapshots as statistics arrive; the last one is final. */
  async *run(exp: Experiment, opts: GpuRunOptions = {}): AsyncGenerator<Snapshot> {
    const rig = await this.setup(exp, opts);
    const { device } = this;
    const { prep, W, layout, configBuf, bindGroup, cfg, statsBytes, make } = rig;
    const { P } = prep.shape;
    const { init: initP, step: stepP, classify: classifyP, reduce: reduceP } = rig.pipelines;
    const { params: paramsBuf, state: stateBuf, accum: accumBuf, stats: statsBuf } = rig;
    try {
      const ring = Array.from({ length: RING }, (_, i) => make(statsBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `stats ring ${i}`));
      const every = opts.snapshotEveryMs ?? 200;
      const targetMs = opts.targetChunkMs ?? 150;
      const tr = opts.trace;
      if (tr && !(Number.isInteger(tr.every) && tr.every >= 1)) throw new RangeError(`trace.every must be an integer ≥ 1 (got ${tr.every})`);
      const fixedChunk = tr ? tr.every : opts.chunkSteps;
      let chunkSteps = fixedChunk ?? 8;
      // The trace: rows of the first `traced` restarts copied on the GPU after every chunk of
      // trace.every steps into one buffer, read back once at the end of the first wave.
      const traced = tr ? Math.min(tr.restarts, W) : 0;
      const slots = tr ? traceSlots(exp.maxSteps, tr.every) : 0;
      const rowBytes = traced * P * 4;
      const traceBuf = tr ? make(slots * rowBytes, GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC, 'trace') : undefined;
      let recorded = 0;
      let finished: Tally = emptyTally(exp.maxSteps);
      const start = now();
      let lastSnapshot = start;
      const label = this.label;

      for (let first = 0; first < exp.restarts; first += W) {
        const count = Math.min(W, exp.restarts - first);
        const grid = dispatchSize(count, WORKGROUP, device.limits.maxComputeWorkgroupsPerDimension);
        const stepGrid = stepGridOf(rig.stepKernel, layout, count, device.limits.maxComputeWorkgroupsPerDimension);
        Object.assign(cfg, { restarts: count, restartBase: first, groupsX: grid.x, stepBase: 0, chunkSteps });
        configBuf.write(cfg);
        {
          const enc = device.createCommandEncoder({ label: 'init wave' });
          if (exp.optimizer.kind === 'adagrad') enc.clearBuffer(accumBuf);
          const pass = enc.beginComputePass({ label: 'init' });
          pass.setPipeline(initP);
          pass.setBindGroup(0, bindGroup);
          pass.dispatchWorkgroups(grid.x, grid.y);
          pass.end();
          if (traceBuf && first === 0) enc.copyBufferToBuffer(paramsBuf, 0, traceBuf, 0, rowBytes);
          device.queue.submit([enc.finish()]);
          recorded = 1;
        }

        // Chunks in flight: the ring slot each used and when it was submitted.
        const inflight: { slot: number; submittedAt: number; steps: number }[] = [];
        let waveTally: Tally = emptyTally(exp.maxSteps);
        let stepBase = 0;
        let slot = 0;
        let waveDone = false;
        let lastResolvedAt = now();
        // The pace of this pipeline on a wave of this size in an earlier run, so that even the
        // first chunks are slept through rather than polled for.
        let msPerStep = this.pace.get(stepP)?.get(count) ?? 0;

        const retire = async () => {
          const c = inflight.shift()!;
          let slept = false;
          if (this.pollsWhileWaiting && msPerStep > 0) {
            const fraction = inflight.length > 0 ? SLEEP_FRACTION.queued : SLEEP_FRACTION.last;
            const wait = Math.max(c.submittedAt, lastResolvedAt) + fraction * msPerStep * c.steps - now();
            if (wait > 1) {
              await sleep(wait);
              slept = true;
            }
          }
          const woke = now();
          await ring[c.slot].mapAsync(GPUMapMode.READ);
          const t = now();
          const words = new Uint32Array(ring[c.slot].getMappedRange().slice(0));
          ring[c.slot].unmap();
          waveTally = tallyFromStats(words, exp.maxSteps);
          const doneInWave = waveTally.counts.global + waveTally.counts.spurious + waveTally.counts.diverged + waveTally.counts.undecided;
          if (doneInWave >= count) waveDone = true;
          // The chunk's GPU time: with the ring full, the interval between retirements. If the
          // host slept past the chunk's end (its results were there at once on waking), that
          // interval is only an upper bound, and trusting it would keep the sleeps as long as
          // they were; so the estimate is halved until a wake-up finds the chunk still running.
          const interval = t - Math.max(lastResolvedAt, c.submittedAt);
          lastResolvedAt = t;
          const overslept = slept && t - woke < OVERSLEPT_MS;
          msPerStep = (overslept ? 0.5 : 1) * (interval / c.steps);
          if (!this.pace.has(stepP)) this.pace.set(stepP, new Map());
          this.pace.get(stepP)!.set(count, msPerStep);
          // Adapt the chunk length so that one submission takes about targetMs.
          const took = msPerStep * c.steps;
          if (fixedChunk === undefined) {
            if (took < targetMs / 2 && chunkSteps < MAX_CHUNK_STEPS) chunkSteps *= 2;
            else if (took > targetMs * 2 && chunkSteps > 1) chunkSteps = Math.max(1, chunkSteps >> 1);
          }
        };

        while (!waveDone && stepBase <= exp.maxSteps) {
          if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('The run was cancelled', 'AbortError');
          const steps = Math.min(chunkSteps, exp.maxSteps + 1 - stepBase);
          cfg.stepBase = stepBase;
          cfg.chunkSteps = steps;
          configBuf.write(cfg);
          const enc = device.createCommandEncoder({ label: 'chunk' });
          const pass = enc.beginComputePass({ label: 'step, classify, reduce' });
          pass.setBindGroup(0, bindGroup);
          pass.setPipeline(stepP);
          pass.dispatchWorkgroups(stepGrid.x, stepGrid.y);
          pass.setPipeline(classifyP);
          pass.dispatchWorkgroups(grid.x, grid.y);
          pass.end();
          const reached = stepBase + steps;
          if (traceBuf && first === 0 && reached % tr!.every === 0 && reached / tr!.every < slots) {
            enc.copyBufferToBuffer(paramsBuf, 0, traceBuf, (reached / tr!.every) * rowBytes, rowBytes);
            recorded = reached / tr!.every + 1;
          }
          enc.clearBuffer(statsBuf);
          const pass2 = enc.beginComputePass({ label: 'reduce' });
          pass2.setBindGroup(0, bindGroup);
          pass2.setPipeline(reduceP);
          pass2.dispatchWorkgroups(grid.x, grid.y);
          pass2.end();
          enc.copyBufferToBuffer(statsBuf, 0, ring[slot], 0, statsBytes);
          device.queue.submit([enc.finish()]);
          inflight.push({ slot, submittedAt: now(), steps });
          slot = (slot + 1) % RING;
          stepBase += steps;
          if (inflight.length === RING || stepBase > exp.maxSteps) {
            await retire();
            const t = now();
            if (t - lastSnapshot >= every) {
              lastSnapshot = t;
              yield makeSnapshot(mergeTallies(finished, waveTally), exp.restarts, t - start, 'gpu', label);
            }
          }
        }
        while (inflight.length > 0) await retire();
        if (opts.onWave) opts.onWave(await this.readWave(paramsBuf, stateBuf, first, count, P));
        if (traceBuf && first === 0) tr!.onTrace(await this.readTrace(traceBuf, recorded, slots, traced, P, tr!.every));
        finished = mergeTallies(finished, waveTally);
      }
      yield makeSnapshot(finished, exp.restarts, now() - start, 'gpu', label);
    } finally {
      rig.destroy();
    }
  }

  /** The fixed sample's patches and labels (empirical loss), or 16-byte placeholders. */
  private async prepareSample(
    prep: Prepared,
    consts: Constants,
    make: (size: number, usage: number, label: string) => GPUBuffer,
    adopt: (b: GPUBuffer) => void,
  ): Promise<SampleData> {
    const { exp, shape } = prep;
    const S = GPUBufferUsage.STORAGE;
    if (exp.loss.kind !== 'empirical') {
      return { patches: make(16, S, 'no patches'), labels: make(16, S, 'no labels') };
    }
    const n = exp.loss.samples;
    const [sampleP, patchesP] = await Promise.all([this.cache.get('sample', consts), this.cache.get('patches', consts)]);
    const xs = make(n * shape.d * 4, S, 'sample x');
    const labels = make(n * 4, S, 'sample y');
    const patches = make(n * shape.K * shape.m * 4, S, 'patches');
    const teacher = make((exp.teacher.w.length + exp.teacher.a.length) * 4, S | GPUBufferUsage.COPY_DST, 'teacher');
    const t = new Float32Array(exp.teacher.w.length + exp.teacher.a.length);
    t.set(exp.teacher.w, 0);
    t.set(exp.teacher.a, exp.teacher.w.length);
    this.device.queue.writeBuffer(teacher, 0, t);
    const maxDim = this.device.limits.maxComputeWorkgroupsPerDimension;
    const g1 = dispatchSize(n, WORKGROUP, maxDim);
    const g2 = dispatchSize(n * shape.K * shape.m, WORKGROUP, maxDim);
    const job1 = this.root.createBuffer(SampleJob, { n, seed: exp.seed, groupsX: g1.x }).$usage('uniform');
    const job2 = this.root.createBuffer(SampleJob, { n, seed: exp.seed, groupsX: g2.x }).$usage('uniform');
    // Destroyed with the rig: the passes returned below (timed by the benchmarks) bind them.
    adopt(this.root.unwrap(job1));
    adopt(this.root.unwrap(job2));
    const sampleBind = this.device.createBindGroup({
      layout: sampleP.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.root.unwrap(job1) } },
        { binding: 1, resource: { buffer: xs } },
        { binding: 2, resource: { buffer: labels } },
        { binding: 3, resource: { buffer: teacher } },
      ],
    });
    const patchesBind = this.device.createBindGroup({
      layout: patchesP.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.root.unwrap(job2) } },
        { binding: 1, resource: { buffer: xs } },
        { binding: 2, resource: { buffer: patches } },
      ],
    });
    const passes = { sample: dispatchPass(sampleP, sampleBind, g1), patches: dispatchPass(patchesP, patchesBind, g2) };
    const enc = this.device.createCommandEncoder({ label: 'fixed sample' });
    for (const [label, encode] of Object.entries(passes)) {
      const pass = enc.beginComputePass({ label });
      encode(pass);
      pass.end();
    }
    this.device.queue.submit([enc.finish()]);
    return { patches, labels, passes };
  }

  /** The trace buffer's recorded slots, the rest filled with the last one (decided restarts stay put). */
  private async readTrace(buf: GPUBuffer, recorded: number, slots: number, restarts: number, P: number, every: number) {
    const rowFloats = restarts * P;
    const staging = this.device.createBuffer({ size: Math.max(4, recorded * rowFloats * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, recorded * rowFloats * 4);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const params = new Float32Array(slots * rowFloats);
    params.set(new Float32Array(staging.getMappedRange(), 0, recorded * rowFloats));
    staging.unmap();
    staging.destroy();
    for (let s = recorded; s < slots; s++) params.copyWithin(s * rowFloats, (recorded - 1) * rowFloats, recorded * rowFloats);
    return { restarts, P, steps: Array.from({ length: slots }, (_, s) => s * every), params };
  }

  private async readWave(paramsBuf: GPUBuffer, stateBuf: GPUBuffer, first: number, count: number, P: number): Promise<WaveResult> {
    const { device } = this;
    const pBytes = count * P * 4;
    const sBytes = count * RESTART_STATE_BYTES;
    const staging = device.createBuffer({ size: pBytes + sBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(paramsBuf, 0, staging, 0, pBytes);
    enc.copyBufferToBuffer(stateBuf, 0, staging, pBytes, sBytes);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    const params = new Float32Array(all, 0, count * P);
    return { first, count, params, ...decodeRestartStates(all, pBytes, count) };
  }
}
