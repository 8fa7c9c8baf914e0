/**
 * The GPU engine: schedules waves of restarts and chunks of steps, and streams Snapshots.
 *
 *   experiment → prepare (validation, L_ref, tolerances: src/core/prepare.ts, shared with the CPU)
 *     → [empirical] sample + patches kernels (once)           host/run-resources.ts
 *     → per wave of W restarts: init                           host/wave.ts
 *         → loop { step × S (one dispatch) → classify → reduce (the newly decided) → copy stats into a readback ring }
 *                                                              host/chunk-ring.ts, host/pacing.ts
 *
 * Waves hold at most WAVE_CAP restarts (within the device's storage limits) and run one after
 * another, so a run's cost is linear in its restarts (host/schedule.ts says why).
 */
import tgpu, { type TgpuRoot } from 'typegpu';
import { type Experiment, ExperimentError } from '../src/core/experiment.ts';
import { shapeOf } from '../src/core/model.ts';
import { type Prepared, prepare } from '../src/core/prepare.ts';
import { problemCount } from '../src/core/problems.ts';
import { type Snapshot, type Tally, emptyTally, makeSnapshot, mergeTallies } from '../src/core/stats.ts';
import { type DeepJob, type DeepOutcome, type DeepProgress, type Engine, type EngineRunOptions, type WaveResult, checkDeepJob, restartRange } from '../src/engine/engine.ts';
import { DEEP_KERNEL, type DeepKernel, createDeepEngine } from './deep-engine.ts';
import { RESTART_STATE_BYTES } from './buffers.ts';
import { ChunkRing } from './chunk-ring.ts';
import { type DeviceHandle, getDevice } from './device.ts';
import { DeviceLostError, type EngineFault, LOSS_GRACE_MS, LossWatch, MAX_DEVICE_LOSSES, OutOfMemoryError, lossReason, withinMemory } from './device-faults.ts';
import { decodeWave } from './encoding.ts';
import { decodeStats } from './contract.ts';
import { type KernelPreference, PipelineCache, type StepLayout, type StepTarget, stepKernelFor, stepLayout } from './kernels.ts';
import { PaceMemory, Pacer } from './pacing.ts';
import { chunkLength, waveSize } from './schedule.ts';
import { readBack } from './readback.ts';
import { RunResources, type StepPlan } from './run-resources.ts';
import { TraceRecorder } from './trace-recorder.ts';
import { Wave } from './wave.ts';

export interface GpuRunOptions extends EngineRunOptions {
  /** Restarts per wave (default: WAVE_CAP, within the device limits and a 256 MiB budget: host/schedule.ts). */
  waveSize?: number;
  /** Steps per dispatch; default adapts to keep each submission near targetChunkMs (a trace's slots also end chunks). */
  chunkSteps?: number;
  targetChunkMs?: number;
  /** Which step kernels the run may use (host/kernels.ts KernelPreference; default 'auto'). */
  kernel?: KernelPreference;
  /** Overrides the step kernel's measured default layout (host/kernels.ts stepLayout): benchmarks. */
  layout?: Partial<StepLayout>;
}

export type { WaveResult };
export type { EngineFault };

const WAVE_BYTES_BUDGET = 256 * 1024 * 1024;
/** Restarts of one deep-net dispatch (one workgroup each, along one dimension). */
const MAX_DEEP_GROUP = 65535;
/** GD steps inside one deep_step dispatch (its loop over steps; a dispatch per chunk of them). */
const DEEP_STEPS_PER_DISPATCH = 10;
/**
 * The deep step on a CPU-emulated adapter: SwiftShader pays for every barrier per thread, so the
 * per-restart kernel (no barriers) runs there — at m = 128, L = 4, n = 32 it made 29.5
 * restart-steps/s (R = 256) against 8.9 for the tiled kernel's best shape on it, a 4 × 4
 * workgroup of 4 × 4 register blocks (itself 1.5–3× the 16 × 2 default).
 */
const EMULATED_DEEP_KERNEL: DeepKernel = 'per-restart';

/** Elements in one step's batch (the whole sample for full-batch GD; ∞ for the population loss). */
function batchSize(exp: Experiment): number {
  if (exp.loss.kind === 'population') return Infinity;
  if (exp.loss.kind === 'sgd') return exp.loss.batch;
  return Math.min(exp.loss.batch ?? exp.loss.samples, exp.loss.samples);
}

/** Restarts decided (global, spurious or diverged, or undecided at the step budget) in a tally. */
function decided(t: Tally): number {
  return t.counts.global + t.counts.spurious + t.counts.diverged + t.counts.undecided;
}

const fitKey = (kernel: string, P: number) => `${kernel}/${P}`;

/** What a GpuEngine is made with besides its device. */
export interface GpuEngineOptions {
  /** `false` ignores the adapter's subgroups (tests of the fallback kernels). */
  subgroups?: boolean;
  /** A new device when the current one is lost (default: getDevice(), a fresh adapter and device). */
  reacquire?: () => Promise<DeviceHandle>;
  /** Told of each fault the engine recovers from (host/device-faults.ts). */
  onFault?: (fault: EngineFault) => void;
}

/** The device the engine runs on now, and what is made for it. */
interface DeviceSession {
  handle: DeviceHandle;
  root: TgpuRoot;
  cache: PipelineCache;
  target: StepTarget;
  loss: LossWatch;
}

export class GpuEngine implements Engine {
  readonly kind = 'gpu' as const;
  /** Milliseconds per step of each step pipeline, per wave size, as last measured (host/pacing.ts). */
  private readonly pace = new PaceMemory();
  private session: DeviceSession;
  /** Devices this engine got for itself after a loss (it destroys them; the first is the caller's). */
  private readonly acquired: DeviceHandle[] = [];

  constructor(handle: DeviceHandle, private readonly opts: GpuEngineOptions = {}) {
    this.session = this.open(handle);
  }

  private open(handle: DeviceHandle): DeviceSession {
    const { device } = handle;
    const target: StepTarget = {
      emulated: handle.info.emulated,
      subgroups: handle.features.subgroups && this.opts.subgroups !== false,
      subgroupMinSize: handle.info.subgroupMinSize,
      workgroupStorage: device.limits.maxComputeWorkgroupStorageSize,
    };
    return { handle, root: tgpu.initFromDevice({ device }), cache: new PipelineCache(device), target, loss: new LossWatch(device) };
  }

  /** The device in use now: a lost one is replaced during a run (recover). */
  get handle(): DeviceHandle {
    return this.session.handle;
  }
  get device(): GPUDevice {
    return this.session.handle.device;
  }
  get root(): TgpuRoot {
    return this.session.root;
  }
  get cache(): PipelineCache {
    return this.session.cache;
  }
  /** What the step kernel's choice depends on in this adapter (host/kernels.ts stepKernelFor). */
  get target(): StepTarget {
    return this.session.target;
  }

  get label(): string {
    return this.handle.info.label;
  }

  /** Destroys the devices this engine acquired after losses (the one it was made with is the caller's). */
  destroy(): void {
    for (const h of this.acquired.splice(0)) h.destroy();
  }

  /** Largest wave the device's limits (and our memory budget) allow for P parameters per restart. */
  maxWave(P: number): number {
    const lim = this.device.limits;
    const perBinding = Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize, WAVE_BYTES_BUDGET);
    return Math.max(1, Math.min(Math.floor(perBinding / (P * 4)), Math.floor(perBinding / RESTART_STATE_BYTES), 1 << 20));
  }

  /** The step kernel a run of `exp` uses on this adapter, its layout, and the wave it is laid out for. */
  stepPlan(exp: Experiment, opts: GpuRunOptions = {}): StepPlan {
    const kernel = stepKernelFor(exp, opts.kernel, this.target);
    const W = waveSize(exp.restarts, this.maxWave(shapeOf(exp.model).P), opts.waveSize);
    return { kernel, layout: stepLayout(kernel, W, opts.layout, batchSize(exp)), W };
  }

  /** Everything a run of `exp` needs on the device (host/run-resources.ts). The caller destroys it. */
  async resources(exp: Experiment, opts: GpuRunOptions = {}): Promise<RunResources> {
    const prep = prepare(exp);
    this.checkSampleFits(prep.exp, prep.shape);
    return this.allocate(prep, this.stepPlan(exp, opts));
  }

  /**
   * RunResources for `plan`, or for the largest wave (halving) that the device's memory holds: an
   * allocation that runs out of memory is a smaller wave, not a failed run.
   */
  private async allocate(prep: Prepared, plan: StepPlan): Promise<RunResources> {
    const key = fitKey(plan.kernel, prep.shape.P);
    plan = { ...plan, W: Math.min(plan.W, this.fits.get(key) ?? Infinity) };
    for (;;) {
      const got = await withinMemory(this.device, () => RunResources.create(this, prep, plan), (res) => res.destroy());
      if ('made' in got) return got.made;
      if (plan.W === 1) throw new OutOfMemoryError(`out of GPU memory on ${this.label} even for a wave of one restart (${got.oom})`);
      // Half the wave, in the layout planned for the whole one (a last, smaller wave runs in it
      // too), so every restart computes as it would have; later runs of this kernel and size
      // start from what fitted.
      const W = Math.max(1, Math.floor(plan.W / 2));
      this.opts.onFault?.({ kind: 'out-of-memory', from: plan.W, to: W, message: got.oom });
      this.fits.set(key, W);
      plan = { ...plan, W };
    }
  }

  /** The largest wave that fitted in memory, per step kernel and parameters per restart, after an out-of-memory error. */
  private readonly fits = new Map<string, number>();

  /**
   * After a GPU call failed with `e`: where the device was lost (or is within LOSS_GRACE_MS), a new
   * device replaces it and the caller redoes its unfinished work; otherwise `e` is rethrown. The
   * `losses`-th loss of a run past MAX_DEVICE_LOSSES ends it.
   */
  private async recover(e: unknown, losses: number, resumeAt: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw e;
    // Only a failed GPU call (a rejected mapAsync: AbortError or OperationError) may be a loss
    // not yet reported; any other error is the caller's at once.
    const gpuFailure = e instanceof Error && (e.name === 'AbortError' || e.name === 'OperationError');
    const lost = this.session.loss.info ?? (gpuFailure ? await this.session.loss.within(LOSS_GRACE_MS) : undefined);
    if (!lost) throw e;
    const what = `GPU device lost (${lossReason(lost)}) on ${this.label}`;
    if (losses > MAX_DEVICE_LOSSES) throw new DeviceLostError(`${what}, for the ${losses}th time in this run: giving up`, { cause: e });
    let handle: DeviceHandle;
    try {
      handle = await (this.opts.reacquire ?? getDevice)();
    } catch (err) {
      throw new DeviceLostError(`${what}, and no new device could be had: ${String(err)}`, { cause: err });
    }
    this.acquired.push(handle);
    this.session = this.open(handle);
    this.opts.onFault?.({ kind: 'device-lost', reason: lost.reason ?? '', message: lost.message, resumeAt, loss: losses });
  }

  /**
   * The fixed sample's buffers (its inputs [n, d] and their patches [n, K, m], f32) within what one
   * storage binding of this device holds: refused before anything is allocated, naming the option.
   */
  private checkSampleFits(exp: Experiment, shape: { d: number; K: number; m: number }): void {
    if (exp.loss.kind !== 'empirical') return;
    const lim = this.device.limits;
    const most = Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize);
    const n = exp.loss.samples * problemCount(exp);
    const bytes = 4 * n * Math.max(shape.d, shape.K * shape.m);
    if (bytes > most) {
      const field = exp.loss.data ? `loss.data (${exp.loss.data.name})` : exp.problems ? 'problems.count' : 'loss.samples';
      const perInput = 4 * Math.max(shape.d, shape.K * shape.m);
      throw new ExperimentError(
        field,
        `${n} inputs need ${bytes} bytes in one GPU buffer (as f32 patches), more than this device's ${most}: at most ${Math.floor(most / perInput)} inputs of this model fit`,
      );
    }
  }

  /**
   * Runs the experiment, yielding Snapshots as statistics arrive; the last one is final. A wave
   * counts once it is read back: where the device is lost mid-wave, the wave runs again from its
   * start on a new device (recover), with the same wave size, so the counts are the uninterrupted
   * run's.
   */
  async *run(exp: Experiment, opts: GpuRunOptions = {}): AsyncGenerator<Snapshot> {
    // The wave size and the step layout are those of the whole experiment whatever the range, so
    // a restart computes the same in a range as in the whole run (restartBase is its global index).
    const range = restartRange(exp, opts);
    const prep = prepare(exp);
    this.checkSampleFits(prep.exp, prep.shape);
    const end = range.first + range.count;
    let losses = 0;
    // The run's resources on the device in use; where it is lost meanwhile, on a new one.
    const allocate = async (plan: StepPlan, resumeAt: number): Promise<RunResources> => {
      for (;;) {
        try {
          return await this.allocate(prep, plan);
        } catch (e) {
          await this.recover(e, ++losses, resumeAt, opts.signal);
        }
      }
    };
    let res = await allocate(this.stepPlan(exp, opts), range.first);
    const pacer = new Pacer({
      // Awaiting the GPU busy-waits on this thread in dawn.node.
      polls: this.handle.info.backend === 'dawn.node',
      chunkSteps: opts.chunkSteps,
      targetChunkMs: opts.targetChunkMs,
      remembered: this.pace.of(res.pipelines.step),
    });
    const every = opts.snapshotEveryMs ?? 200;
    const start = performance.now();
    let lastSnapshot = start;
    let finished = emptyTally(exp.maxSteps);
    let trace = opts.trace ? new TraceRecorder(res, opts.trace, range.count) : undefined;
    let ring = new ChunkRing(res, pacer);
    this.notePeak(res.bytes + (opts.onWave ? this.waveReadBytes(res) : 0));
    try {
      for (let first = range.first; first < end; ) {
        const waveTrace = first === 0 ? trace : undefined;
        let tally = emptyTally(exp.maxSteps);
        let result: WaveResult | undefined;
        try {
          const wave = new Wave(res, first, Math.min(res.W, end - first), pacer.chunkSteps, waveTrace?.restarts);
          this.device.queue.submit([wave.encodeInit(waveTrace).finish()]);
          pacer.startWave(wave.count);
          for (let stepBase = 0; decided(tally) < wave.count && stepBase <= exp.maxSteps; ) {
            if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('The run was cancelled', 'AbortError');
            const steps = chunkLength(stepBase, pacer.chunkSteps, exp.maxSteps, waveTrace && opts.trace?.every);
            ring.submit(wave.encodeChunk(stepBase, steps, waveTrace), steps);
            stepBase += steps;
            if (ring.full || stepBase > exp.maxSteps) {
              tally = decodeStats(await ring.retire(), exp.maxSteps);
              const t = performance.now();
              if (t - lastSnapshot >= every) {
                lastSnapshot = t;
                yield makeSnapshot(mergeTallies(finished, tally), range.count, t - start, 'gpu', this.label);
              }
            }
          }
          while (!ring.empty) tally = decodeStats(await ring.retire(), exp.maxSteps);
          if (opts.onWave) result = await this.readWave(res, wave);
          if (waveTrace) await waveTrace.deliver();
        } catch (e) {
          await this.recover(e, ++losses, first, opts.signal);
          // The lost device's buffers went with it. The same step kernel, layout and wave size on
          // the new one where its adapter allows (so every restart computes as it would have).
          res.destroy();
          const plan = this.stepPlan(exp, opts);
          res = await allocate(plan.kernel === res.stepKernel ? { ...plan, layout: res.layout, W: Math.min(res.W, plan.W) } : { ...plan, W: Math.min(res.W, plan.W) }, first);
          if (trace && first === 0) trace = new TraceRecorder(res, opts.trace!, range.count);
          ring = new ChunkRing(res, pacer);
          continue;
        }
        // Outside the recovery: an error of the caller's is not taken for a lost device.
        if (result) opts.onWave!(result);
        finished = mergeTallies(finished, tally);
        first += Math.min(res.W, end - first);
      }
      yield makeSnapshot(finished, range.count, performance.now() - start, 'gpu', this.label);
    } finally {
      res.destroy();
    }
  }

  /**
   * A DeepJob on shaders/deep_step.wgsl (host/deep-engine.ts): all restarts at once, one workgroup
   * each, in submissions of a few dispatches paced to about targetMs each (dawn.node busy-waits
   * while one is pending), progress after each. The restarts go in groups of at most 65535 (one
   * dispatch dimension).
   */
  async *trainDeep(job: DeepJob, opts: { signal?: AbortSignal; targetMs?: number } = {}): AsyncGenerator<DeepProgress, DeepOutcome> {
    const P = checkDeepJob(job);
    const { restarts: R, steps: T } = job;
    const targetMs = opts.targetMs ?? 250;
    const params = new Float32Array(R * P);
    const losses = new Float32Array(R * T);
    const group = Math.min(R, MAX_DEEP_GROUP);
    let lossCount = 0;
    for (let first = 0; first < R; ) {
      const count = Math.min(group, R - first);
      let eng: Awaited<ReturnType<typeof createDeepEngine>> | undefined;
      try {
        const sgd = job.sgd && { ...job.sgd, restartBase: first };
        eng = await createDeepEngine(this.device, job.spec, job.data, count, T, this.target.emulated ? EMULATED_DEEP_KERNEL : DEEP_KERNEL, sgd);
        eng.upload(job.theta0.subarray(first * P, (first + count) * P));
        // Steps per submission: start small, then sized from the last one's time.
        let chunk = Math.min(T, 8);
        for (let done = 0; done < T; ) {
          if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('The run was cancelled', 'AbortError');
          const steps = Math.min(chunk, T - done);
          const t0 = performance.now();
          await eng.run(steps, job.lr, DEEP_STEPS_PER_DISPATCH);
          const ms = Math.max(1, performance.now() - t0);
          done += steps;
          chunk = Math.max(1, Math.min(4 * chunk, Math.round((steps * targetMs) / ms)));
          yield { stepsDone: Math.floor(((first + (done / T) * count) / R) * T) };
        }
        const got = await eng.read();
        params.set(got.params, first * P);
        losses.set(got.losses, first * T);
      } catch (e) {
        // A lost device: this group again from its initial nets, on a new one.
        await this.recover(e, ++lossCount, first, opts.signal);
        continue;
      } finally {
        eng?.destroy();
      }
      first += count;
    }
    return { params, losses };
  }

  /**
   * The most bytes of GPU buffers one run of this engine held at once (its RunResources and the
   * read-back of a wave): what a run needs of the device's memory, whatever its restarts.
   */
  get peakBufferBytes(): number {
    return this.peakBytes;
  }
  private peakBytes = 0;

  private notePeak(bytes: number): void {
    this.peakBytes = Math.max(this.peakBytes, bytes);
  }

  /** The staging buffer of readWave for a full wave. */
  private waveReadBytes(res: RunResources): number {
    return res.W * (res.prep.shape.P * 4 + RESTART_STATE_BYTES);
  }

  /** The wave's final parameters and restart states. */
  private async readWave(res: RunResources, wave: Wave): Promise<WaveResult> {
    const { count } = wave;
    const { P } = res.prep.shape;
    const all = await readBack(this.device, [
      { buffer: res.params, bytes: count * P * 4 },
      { buffer: res.state, bytes: count * RESTART_STATE_BYTES },
    ]);
    return decodeWave(all, wave.first, count, P);
  }
}
