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
import { prepare } from '../src/core/prepare.ts';
import { problemCount } from '../src/core/problems.ts';
import { type Snapshot, type Tally, emptyTally, makeSnapshot, mergeTallies } from '../src/core/stats.ts';
import { type DeepJob, type DeepOutcome, type DeepProgress, type Engine, type EngineRunOptions, type WaveResult, checkDeepJob, restartRange } from '../src/engine/engine.ts';
import { DEEP_KERNEL, type DeepKernelShape, createDeepEngine } from './deep-engine.ts';
import { RESTART_STATE_BYTES } from './buffers.ts';
import { ChunkRing } from './chunk-ring.ts';
import type { DeviceHandle } from './device.ts';
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

const WAVE_BYTES_BUDGET = 256 * 1024 * 1024;
/** Restarts of one deep-net dispatch (one workgroup each, along one dimension). */
const MAX_DEEP_GROUP = 65535;
/** GD steps inside one deep_step dispatch (its loop over steps; a dispatch per chunk of them). */
const DEEP_STEPS_PER_DISPATCH = 10;
/**
 * The deep step's workgroup on a CPU-emulated adapter: SwiftShader pays for every barrier per
 * thread, so a 4 × 4 workgroup of 4 × 4 register blocks ran 1.5–3× faster than the 16 × 2 default
 * (L = 2, m = 32 and 64, n = 16, 16 restarts: 397 and 100 restart-steps/s against 119 and 43).
 */
const EMULATED_DEEP_KERNEL: DeepKernelShape = { tile: 4, rb: 4 };

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

export class GpuEngine implements Engine {
  readonly kind = 'gpu' as const;
  readonly device: GPUDevice;
  readonly root: TgpuRoot;
  readonly cache: PipelineCache;
  /** Milliseconds per step of each step pipeline, per wave size, as last measured (host/pacing.ts). */
  private readonly pace = new PaceMemory();
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
    return RunResources.create(this, prep, this.stepPlan(exp, opts));
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

  /** Runs the experiment, yielding Snapshots as statistics arrive; the last one is final. */
  async *run(exp: Experiment, opts: GpuRunOptions = {}): AsyncGenerator<Snapshot> {
    // The wave size and the step layout are those of the whole experiment whatever the range, so
    // a restart computes the same in a range as in the whole run (restartBase is its global index).
    const range = restartRange(exp, opts);
    const res = await this.resources(exp, opts);
    const end = range.first + range.count;
    try {
      const trace = opts.trace ? new TraceRecorder(res, opts.trace, range.count) : undefined;
      const pacer = new Pacer({
        // Awaiting the GPU busy-waits on this thread in dawn.node.
        polls: this.handle.info.backend === 'dawn.node',
        chunkSteps: opts.chunkSteps,
        targetChunkMs: opts.targetChunkMs,
        remembered: this.pace.of(res.pipelines.step),
      });
      const ring = new ChunkRing(res, pacer);
      const every = opts.snapshotEveryMs ?? 200;
      const start = performance.now();
      let lastSnapshot = start;
      let finished = emptyTally(exp.maxSteps);

      for (let first = range.first; first < end; first += res.W) {
        const waveTrace = first === 0 ? trace : undefined;
        const wave = new Wave(res, first, Math.min(res.W, end - first), pacer.chunkSteps, waveTrace?.restarts);
        this.device.queue.submit([wave.encodeInit(waveTrace).finish()]);
        pacer.startWave(wave.count);
        let tally = emptyTally(exp.maxSteps);
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
        if (opts.onWave) opts.onWave(await this.readWave(res, wave));
        if (waveTrace) await waveTrace.deliver();
        finished = mergeTallies(finished, tally);
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
    for (let first = 0; first < R; first += group) {
      const count = Math.min(group, R - first);
      const eng = await createDeepEngine(this.device, job.spec, job.data, count, T, this.target.emulated ? EMULATED_DEEP_KERNEL : DEEP_KERNEL);
      try {
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
      } finally {
        eng.destroy();
      }
    }
    return { params, losses };
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
