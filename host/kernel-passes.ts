/**
 * The kernels of a run as passes to time one at a time (bench/kernels.ts) and to check one at a
 * time (tests/gpu/bench.gpu.test.ts), on the run's own pipelines, buffers and data.
 */
import type { Experiment } from '../src/core/experiment.ts';
import { RESTART_STATE_BYTES } from './buffers.ts';
import { dispatchPass } from './dispatch.ts';
import type { GpuEngine, GpuRunOptions } from './gpu-engine.ts';
import type { KernelName, StepLayout } from './kernels.ts';
import { Wave } from './wave.ts';

/** A kernel's pass for timing: what to record in the pass, and what to do before it (outside it). */
export interface KernelPass {
  encode: (pass: GPUComputePassEncoder) => void;
  prepare?: (enc: GPUCommandEncoder) => void;
}

/** kernelPasses: the kernels of a run, ready to time one at a time. */
export interface KernelPasses {
  passes: Partial<Record<'sample' | 'patches' | 'init' | 'step' | 'classify' | 'reduce', KernelPass>>;
  restarts: number;
  layout: StepLayout;
  stepKernel: KernelName;
  /** The wave's buffers, for checking what the passes computed (tests). */
  buffers: { params: GPUBuffer; state: GPUBuffer; stats: GPUBuffer };
  destroy: () => void;
}

/**
 * Each kernel of a run as a pass on the run's own pipelines, buffers and data, for timing one
 * kernel at a time (bench/kernels.ts): the fixed sample's two kernels, init, `steps` fused steps,
 * classify and reduce, over one wave of the experiment's restarts. The restarts are initialised
 * and stepped once; each step pass continues from where the last left them (give the experiment
 * a step budget and outcome rule that keep them running). classify sees the state after that
 * first step, restored before each pass, so with maxSteps = 0 it does its full work on every
 * restart (all decided) each time; reduce counts the state as it is (run classify first), into
 * statistics cleared before each pass. The span kernel is the exception to "continues": every
 * pass has stepBase 0, where it takes its bases from `params`, which it rewrites only for decided
 * restarts (shaders/population_step_span.wgsl), so each pass starts again from the initial point
 * and its time includes that O(K + M) start.
 */
export async function kernelPasses(engine: GpuEngine, exp: Experiment, opts: GpuRunOptions & { steps: number }): Promise<KernelPasses> {
  const res = await engine.resources(exp, opts);
  try {
    const { device } = engine;
    const { W, bindGroup, cfg, pipelines } = res;
    const wave = new Wave(res, 0, W, 1);
    const dispatch = (pipeline: GPUComputePipeline, g: { x: number; y: number }) => dispatchPass(pipeline, bindGroup, g);
    const saved = res.make(W * RESTART_STATE_BYTES, GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, 'saved state');
    const enc = device.createCommandEncoder({ label: 'kernel passes: init, first step' });
    for (const encode of [dispatch(pipelines.init, wave.grid), dispatch(pipelines.step, wave.stepGrid)]) {
      const pass = enc.beginComputePass();
      encode(pass);
      pass.end();
    }
    enc.copyBufferToBuffer(res.state, 0, saved, 0, W * RESTART_STATE_BYTES);
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    cfg.chunkSteps = opts.steps;
    res.configBuf.write(cfg);
    const restore = (e: GPUCommandEncoder) => e.copyBufferToBuffer(saved, 0, res.state, 0, W * RESTART_STATE_BYTES);
    const passes: KernelPasses['passes'] = {
      init: { encode: dispatch(pipelines.init, wave.grid) },
      step: { encode: dispatch(pipelines.step, wave.stepGrid) },
      classify: { encode: dispatch(pipelines.classify, wave.grid), prepare: restore },
      reduce: { encode: dispatch(pipelines.reduce, wave.grid), prepare: (e) => e.clearBuffer(res.stats) },
    };
    const { sample, patches } = res.sample.passes ?? {};
    if (sample) passes.sample = { encode: sample };
    if (patches) passes.patches = { encode: patches };
    return { passes, restarts: W, layout: res.layout, stepKernel: res.stepKernel, buffers: { params: res.params, state: res.state, stats: res.stats }, destroy: () => res.destroy() };
  } catch (e) {
    res.destroy();
    throw e;
  }
}
