/**
 * The resources of one run on the device: its compiled kernels, the fixed sample, one wave's
 * buffers, the Config uniform and the bind group they share. destroy() frees everything it
 * allocated, including what was made later with make().
 */
import type { TgpuBuffer, TgpuRoot, UniformFlag } from 'typegpu';
import type { Prepared } from '../src/core/prepare.ts';
import { usesAdaGrad } from '../src/core/experiment.ts';
import { Config, type ConfigValue, RESTART_STATE_BYTES, STATS_BYTES, SampleJob } from './buffers.ts';
import { WORKGROUP, dispatchPass, dispatchSize } from './dispatch.ts';
import { baseConfig, constsData, kernelConstants, teachersData } from './encoding.ts';
import { problemCount } from '../src/core/problems.ts';
import { COOPERATIVE_KERNELS, accumFloats, type KernelName, type PipelineCache, type StepLayout, type StepTarget, layoutConstants } from './kernels.ts';

/** What a run's resources are made with: the engine's device, typegpu root and pipeline cache. */
export interface RunContext {
  device: GPUDevice;
  root: TgpuRoot;
  cache: PipelineCache;
  target: StepTarget;
}

/** The step kernel a run uses, its layout, and the wave (restarts) it is laid out for. */
export interface StepPlan {
  kernel: KernelName;
  layout: StepLayout;
  W: number;
}

/** The fixed sample on the device (placeholders without one) and the passes that made it. */
export interface SampleData {
  patches: GPUBuffer;
  labels: GPUBuffer;
  passes?: Partial<Record<'sample' | 'patches', (pass: GPUComputePassEncoder) => void>>;
}

type RunPipelines = Record<'init' | 'step' | 'classify' | 'reduce', GPUComputePipeline>;
/** The kernels that put the fixed sample on the device: `sample` draws it (absent for a supplied dataset, which is uploaded). */
type SamplePipelines = { sample?: GPUComputePipeline; patches: GPUComputePipeline };

/** Whether the fixed samples are supplied (uploaded) rather than drawn on the device. */
const suppliedData = (prep: Prepared): boolean => prep.exp.loss.kind === 'empirical' && (prep.exp.loss.data !== undefined || prep.exp.problems?.data !== undefined);

export class RunResources {
  readonly device: GPUDevice;
  /** Restarts per wave, and the step kernel's layout for it. */
  readonly W: number;
  readonly layout: StepLayout;
  readonly stepKernel: KernelName;
  readonly params: GPUBuffer;
  readonly state: GPUBuffer;
  readonly accum: GPUBuffer;
  readonly stats: GPUBuffer;
  readonly statsBytes = STATS_BYTES;
  readonly sample: SampleData;
  readonly configBuf: TgpuBuffer<typeof Config> & UniformFlag;
  readonly bindGroup: GPUBindGroup;
  /** The Config the kernels see: written to configBuf per wave and per chunk. */
  readonly cfg: ConfigValue;
  private readonly owned: GPUBuffer[] = [];

  /** Compiles the run's kernels (once per engine: the cache), then allocates its buffers. */
  static async create(ctx: RunContext, prep: Prepared, plan: StepPlan): Promise<RunResources> {
    const { cache } = ctx;
    // The cooperative kernel's threads take consecutive samples: lay the patches out [K, M, n] so
    // that their loads are contiguous (coalesced) rather than K·M floats apart.
    const consts = kernelConstants(prep, COOPERATIVE_KERNELS.has(plan.kernel));
    const stepConsts = { ...consts, ...layoutConstants(plan.layout, plan.kernel, prep.shape.P, ctx.target) };
    const [init, step, classify, reduce, sample, patches] = await Promise.all([
      cache.get('init', consts),
      cache.get(plan.kernel, stepConsts),
      cache.get('classify', consts),
      cache.get('reduce', consts),
      // A supplied dataset is uploaded rather than drawn: no sample kernel, but its patches.
      ...(prep.exp.loss.kind === 'empirical' ? [suppliedData(prep) ? undefined : cache.get('sample', consts), cache.get('patches', consts)] : []),
    ]);
    return new RunResources(ctx, prep, plan, { init, step, classify, reduce }, patches ? { sample, patches } : undefined);
  }

  private constructor(
    private readonly ctx: RunContext,
    readonly prep: Prepared,
    plan: StepPlan,
    readonly pipelines: RunPipelines,
    samplePipelines: SamplePipelines | undefined,
  ) {
    const { device, root } = ctx;
    this.device = device;
    this.W = plan.W;
    this.layout = plan.layout;
    this.stepKernel = plan.kernel;
    this.configBuf = root.createBuffer(Config).$usage('uniform');
    try {
      const { exp } = prep;
      const { P } = prep.shape;
      const S = GPUBufferUsage.STORAGE;
      const constsHost = constsData(prep);
      const constsBuf = this.make(constsHost.byteLength, S | GPUBufferUsage.COPY_DST, 'consts');
      device.queue.writeBuffer(constsBuf, 0, constsHost);
      this.sample = samplePipelines && exp.loss.kind === 'empirical' ? this.drawSample(samplePipelines, exp.loss.samples) : { patches: this.make(16, S, 'no patches'), labels: this.make(16, S, 'no labels') };
      this.params = this.make(this.W * P * 4, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'params');
      this.state = this.make(this.W * RESTART_STATE_BYTES, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'state');
      this.accum = this.make(this.W * accumFloats(plan.kernel, usesAdaGrad(exp.optimizer) ? 'adagrad' : 'gd', P) * 4, S | GPUBufferUsage.COPY_DST, 'accum');
      this.stats = this.make(this.statsBytes, S | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'stats');
      this.bindGroup = device.createBindGroup({
        layout: ctx.cache.bindGroupLayout,
        entries: [
          { binding: 0, resource: { buffer: root.unwrap(this.configBuf) } },
          { binding: 1, resource: { buffer: this.params } },
          { binding: 2, resource: { buffer: this.state } },
          { binding: 3, resource: { buffer: constsBuf } },
          { binding: 4, resource: { buffer: this.accum } },
          { binding: 5, resource: { buffer: this.sample.patches } },
          { binding: 6, resource: { buffer: this.sample.labels } },
          { binding: 7, resource: { buffer: this.stats } },
        ],
      });
      this.cfg = baseConfig(prep);
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  /** Allocates a buffer (size rounded up to a multiple of 4, at least 16) that destroy() frees. */
  make(size: number, usage: number, label: string): GPUBuffer {
    const b = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
    this.owned.push(b);
    return b;
  }

  /** Bytes of the GPU buffers this run holds (made here, the Config uniform aside: a few words). */
  get bytes(): number {
    return this.owned.reduce((n, b) => n + b.size, 0);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.configBuf.destroy();
  }

  /**
   * The fixed sample of `n` elements (empirical loss): its patches and labels, drawn on the device
   * or, for a supplied dataset, uploaded as f32 (the labels as the host computed them in f64,
   * given or the teacher's: src/core/prepare.ts), then cut into patches there.
   */
  private drawSample(pipelines: SamplePipelines, perProblem: number): SampleData {
    const { device, root } = this.ctx;
    const { exp, shape } = this.prep;
    // All problems' samples, one after another (experiment.problems): n rows in all.
    const n = perProblem * problemCount(exp);
    const S = GPUBufferUsage.STORAGE;
    const D = GPUBufferUsage.COPY_DST;
    const xs = this.make(n * shape.d * 4, S | D, 'sample x');
    const labels = this.make(n * 4, S | D, 'sample y');
    const patches = this.make(n * shape.K * shape.m * 4, S, 'patches');
    const maxDim = device.limits.maxComputeWorkgroupsPerDimension;
    const job2 = root.createBuffer(SampleJob, { n, seed: exp.seed, perProblem, problemKeys: exp.problems ? 1 : 0 }).$usage('uniform');
    this.owned.push(root.unwrap(job2));
    const patchesBind = device.createBindGroup({
      layout: pipelines.patches.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: root.unwrap(job2) } },
        { binding: 1, resource: { buffer: xs } },
        { binding: 2, resource: { buffer: patches } },
      ],
    });
    const patchesPass = dispatchPass(pipelines.patches, patchesBind, dispatchSize(n * shape.K * shape.m, WORKGROUP, maxDim));
    const passes: SampleData['passes'] = pipelines.sample ? { sample: this.sampleDrawPass(pipelines.sample, n, perProblem, xs, labels), patches: patchesPass } : { patches: patchesPass };
    if (!pipelines.sample) {
      for (let p = 0; p < problemCount(exp); p++) {
        const sample = this.prep.problem(p).sample!;
        device.queue.writeBuffer(xs, p * perProblem * shape.d * 4, Float32Array.from(sample.X));
        device.queue.writeBuffer(labels, p * perProblem * 4, Float32Array.from(sample.y));
      }
    }
    const enc = device.createCommandEncoder({ label: 'fixed sample' });
    for (const [label, encode] of Object.entries(passes)) {
      const pass = enc.beginComputePass({ label });
      encode(pass);
      pass.end();
    }
    device.queue.submit([enc.finish()]);
    return { patches, labels, passes };
  }

  /** The pass that draws the Gaussian sample and its teacher labels on the device (shaders/sample.wgsl). */
  private sampleDrawPass(pipeline: GPUComputePipeline, n: number, perProblem: number, xs: GPUBuffer, labels: GPUBuffer): (pass: GPUComputePassEncoder) => void {
    const { device, root } = this.ctx;
    const { exp } = this.prep;
    const S = GPUBufferUsage.STORAGE;
    const t = teachersData(this.prep);
    const teacher = this.make(t.byteLength, S | GPUBufferUsage.COPY_DST, 'teacher');
    device.queue.writeBuffer(teacher, 0, t);
    const job = root.createBuffer(SampleJob, { n, seed: exp.seed, perProblem, problemKeys: exp.problems ? 1 : 0 }).$usage('uniform');
    // Destroyed with the run: the pass returned (timed by the benchmarks) binds it.
    this.owned.push(root.unwrap(job));
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: root.unwrap(job) } },
        { binding: 1, resource: { buffer: xs } },
        { binding: 2, resource: { buffer: labels } },
        { binding: 3, resource: { buffer: teacher } },
      ],
    });
    return dispatchPass(pipeline, bind, dispatchSize(n, WORKGROUP, device.limits.maxComputeWorkgroupsPerDimension));
  }
}
