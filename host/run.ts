/**
 * The GPU engine: schedules waves of restarts and chunks of steps, and streams Snapshots.
 *
 *   experiment → prepare (validation, L_ref, tolerances: src/reference.ts, shared with the CPU)
 *     → [empirical] sample + patches kernels (once)
 *     → per wave of W restarts: init
 *         → loop { step × S (one dispatch) → classify → reduce → copy stats into a readback ring }
 *
 * Each chunk is one submission; its ~400-byte statistics are copied into a ring of mappable
 * buffers and mapped without waiting, so the GPU always has the next chunk queued while the host
 * reads the previous one (dawn.node busy-waits on a pending promise, so we await only when the
 * ring is full). Waves are sized to the device's storage limits, so 10⁶ restarts run in pieces.
 */
import tgpu, { type TgpuRoot } from 'typegpu';
import type { Experiment } from '../src/experiment.ts';
import { ACTIVATION_CODE } from '../src/model.ts';
import { type Prepared, prepare } from '../src/reference.ts';
import { teacherEnergy } from '../src/population.ts';
import { initRadius } from '../src/init.ts';
import { HIST_BINS, LOG_LOSS_RANGE, type Snapshot, type Tally, emptyTally, makeSnapshot, mergeTallies } from '../src/stats.ts';
import { Config, type ConfigValue, RESTART_STATE_BYTES, STATS_WORDS, SampleJob } from './buffers.ts';
import { type Constants, PipelineCache, dispatchSize, restartsPerThread, stepKernelFor } from './kernels.ts';
import type { DeviceHandle } from './device.ts';
import { type Engine, type EngineRunOptions, type WaveResult, traceSlots } from '../src/engine.ts';

export interface GpuRunOptions extends EngineRunOptions {
  /** Restarts per wave (default: as many as the device limits and a 256 MiB budget allow). */
  waveSize?: number;
  /** Steps per dispatch; default adapts to keep each submission near targetChunkMs (a trace fixes it to trace.every). */
  chunkSteps?: number;
  targetChunkMs?: number;
  /** 'general' runs the general population kernel even where the span kernel applies. */
  kernel?: 'auto' | 'general';
}

export type { WaveResult };

const WORKGROUP = 64;
const RING = 3;
const MAX_CHUNK_STEPS = 1 << 14;
const WAVE_BYTES_BUDGET = 256 * 1024 * 1024;

const now = () => performance.now();
/**
 * dawn.node polls the device on the main thread for as long as a GPU promise is pending, taking
 * a core from SwiftShader; so in Node the host sleeps through most of a chunk's expected GPU
 * time before asking for its results (measured: 125 → 85 ms per step of the empirical kernel).
 */
const SLEEP_FRACTION = 0.8;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** Empirical-step mode: 0 full fixed sample, 1 minibatch of it, 2 fresh samples. */
function lossMode(exp: Experiment): number {
  if (exp.loss.kind === 'sgd') return 2;
  if (exp.loss.kind === 'empirical' && exp.loss.batch !== undefined && exp.loss.batch < exp.loss.samples) return 1;
  return 0;
}

export function kernelConstants(prep: Prepared): Constants {
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
    OPT: u(exp.optimizer.kind === 'adagrad' ? 1 : 0),
    MODE: u(lossMode(exp)),
    XB_LEN: u(lossMode(exp) === 2 ? shape.d : 1),
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
    initKind: { du: 0, gaussian: 1, sphere: 2, grid: 3 }[init.kind],
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

/** Statistics words (shaders/reduce.wgsl layout) → a Tally. */
export function tallyFromStats(words: Uint32Array, maxSteps: number): Tally {
  const t = emptyTally(maxSteps);
  t.counts = { global: words[0], spurious: words[1], diverged: words[2], undecided: words[3] };
  t.restartSteps = words[4] + words[5] * 2 ** 32;
  const B = HIST_BINS;
  for (let b = 0; b < B; b++) {
    t.logLoss.counts[b] = words[6 + b];
    t.angle.counts[b] = words[6 + B + b];
    t.steps.counts[b] = words[6 + 2 * B + b];
  }
  return t;
}

export class GpuEngine implements Engine {
  readonly kind = 'gpu' as const;
  readonly device: GPUDevice;
  readonly root: TgpuRoot;
  readonly cache: PipelineCache;

  constructor(readonly handle: DeviceHandle) {
    this.device = handle.device;
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

  /** Runs the experiment, yielding Snapshots as statistics arrive; the last one is final. */
  async *run(exp: Experiment, opts: GpuRunOptions = {}): AsyncGenerator<Snapshot> {
    const prep = prepare(exp);
    const { device } = this;
    const { P } = prep.shape;
    const consts = kernelConstants(prep);
    const stepKernel = stepKernelFor(exp, opts.kernel);
    const kernels = {
      init: this.cache.get('init', consts),
      step: this.cache.get(stepKernel, consts),
      classify: this.cache.get('classify', consts),
      reduce: this.cache.get('reduce', consts),
    };
    const [initP, stepP, classifyP, reduceP] = await Promise.all([kernels.init, kernels.step, kernels.classify, kernels.reduce]);

    const S = GPUBufferUsage.STORAGE;
    const owned: GPUBuffer[] = [];
    const make = (size: number, usage: number, label: string) => {
      const b = this.buffer(size, usage, label);
      owned.push(b);
      return b;
    };
    try {
      const constsHost = constsData(prep);
      const constsBuf = make(constsHost.byteLength, S | GPUBufferUsage.COPY_DST, 'consts');
      device.queue.writeBuffer(constsBuf, 0, constsHost);
      const data = await this.prepareSample(prep, consts, make);

      const W = Math.min(exp.restarts, opts.waveSize ?? this.maxWave(P));
      const paramsBuf = make(W * P * 4, S | GPUBufferUsage.COPY_SRC, 'params');
      const stateBuf = make(W * RESTART_STATE_BYTES, S | GPUBufferUsage.COPY_SRC, 'state');
      const accumBuf = make(exp.optimizer.kind === 'adagrad' ? W * P * 4 : 16, S | GPUBufferUsage.COPY_DST, 'accum');
      const statsBytes = STATS_WORDS(HIST_BINS) * 4;
      const statsBuf = make(statsBytes, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'stats');
      const ring = Array.from({ length: RING }, (_, i) => make(statsBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `stats ring ${i}`));
      const configBuf = this.root.createBuffer(Config).$usage('uniform');
      const bindGroup = device.createBindGroup({
        layout: this.cache.bindGroupLayout,
        entries: [
          { binding: 0, resource: { buffer: this.root.unwrap(configBuf) } },
          { binding: 1, resource: { buffer: paramsBuf } },
          { binding: 2, resource: { buffer: stateBuf } },
          { binding: 3, resource: { buffer: constsBuf } },
          { binding: 4, resource: { buffer: accumBuf } },
          { binding: 5, resource: { buffer: data.patches } },
          { binding: 6, resource: { buffer: data.labels } },
          { binding: 7, resource: { buffer: statsBuf } },
        ],
      });

      const cfg = baseConfig(prep);
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
        const stepGrid = dispatchSize(Math.ceil(count / restartsPerThread(stepKernel)), WORKGROUP, device.limits.maxComputeWorkgroupsPerDimension);
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
        let msPerStep = 0;

        const retire = async () => {
          const c = inflight.shift()!;
          if (this.pollsWhileWaiting && msPerStep > 0) {
            const wait = Math.max(c.submittedAt, lastResolvedAt) + SLEEP_FRACTION * msPerStep * c.steps - now();
            if (wait > 1) await sleep(wait);
          }
          await ring[c.slot].mapAsync(GPUMapMode.READ);
          const words = new Uint32Array(ring[c.slot].getMappedRange().slice(0));
          ring[c.slot].unmap();
          waveTally = tallyFromStats(words, exp.maxSteps);
          const doneInWave = waveTally.counts.global + waveTally.counts.spurious + waveTally.counts.diverged + waveTally.counts.undecided;
          if (doneInWave >= count) waveDone = true;
          // Adapt the chunk length so that one submission takes about targetMs: with the ring
          // full, the interval between retirements is the GPU time of one chunk.
          const t = now();
          const took = t - Math.max(lastResolvedAt, c.submittedAt);
          lastResolvedAt = t;
          msPerStep = took / c.steps;
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
      configBuf.destroy();
    } finally {
      for (const b of owned) b.destroy();
    }
  }

  /** The fixed sample's patches and labels (empirical loss), or 16-byte placeholders. */
  private async prepareSample(
    prep: Prepared,
    consts: Constants,
    make: (size: number, usage: number, label: string) => GPUBuffer,
  ): Promise<{ patches: GPUBuffer; labels: GPUBuffer }> {
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
    const enc = this.device.createCommandEncoder({ label: 'fixed sample' });
    const p1 = enc.beginComputePass({ label: 'sample' });
    p1.setPipeline(sampleP);
    p1.setBindGroup(
      0,
      this.device.createBindGroup({
        layout: sampleP.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.root.unwrap(job1) } },
          { binding: 1, resource: { buffer: xs } },
          { binding: 2, resource: { buffer: labels } },
          { binding: 3, resource: { buffer: teacher } },
        ],
      }),
    );
    p1.dispatchWorkgroups(g1.x, g1.y);
    p1.end();
    const p2 = enc.beginComputePass({ label: 'patches' });
    p2.setPipeline(patchesP);
    p2.setBindGroup(
      0,
      this.device.createBindGroup({
        layout: patchesP.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: this.root.unwrap(job2) } },
          { binding: 1, resource: { buffer: xs } },
          { binding: 2, resource: { buffer: patches } },
        ],
      }),
    );
    p2.dispatchWorkgroups(g2.x, g2.y);
    p2.end();
    this.device.queue.submit([enc.finish()]);
    return { patches, labels };
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
    const words = new Uint32Array(all, pBytes, count * 4);
    const floats = new Float32Array(all, pBytes, count * 4);
    const status = new Uint32Array(count);
    const steps = new Uint32Array(count);
    const loss = new Float32Array(count);
    const angle = new Float32Array(count);
    for (let r = 0; r < count; r++) {
      status[r] = words[4 * r];
      steps[r] = words[4 * r + 1];
      loss[r] = floats[4 * r + 2];
      angle[r] = floats[4 * r + 3];
    }
    return { first, count, params, status, steps, loss, angle };
  }
}
