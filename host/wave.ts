/**
 * One wave of restarts [first, first + count) on a run's resources: its dispatch grids, its Config,
 * and the commands that initialise it and that run each chunk of steps.
 */
import { usesAdaGrad } from '../src/core/experiment.ts';
import { WORKGROUP, dispatchSize } from './dispatch.ts';
import { stepGrid } from './kernels.ts';
import type { RunResources } from './run-resources.ts';
import { CHUNK_PASSES } from './schedule.ts';
import type { TraceRecorder } from './trace-recorder.ts';

export class Wave {
  /** Workgroups of the init, classify and reduce dispatches, and of the step's. */
  readonly grid: { x: number; y: number };
  readonly stepGrid: { x: number; y: number };

  /**
   * Lays the wave out and writes its Config (chunks of `chunkSteps` from step 0); `traceRows`
   * restarts have their full parameters written after every chunk (the trace's rows).
   */
  constructor(private readonly res: RunResources, readonly first: number, readonly count: number, chunkSteps: number, traceRows = 0) {
    const maxDim = res.device.limits.maxComputeWorkgroupsPerDimension;
    this.grid = dispatchSize(count, WORKGROUP, maxDim);
    this.stepGrid = stepGrid(res.stepKernel, res.layout, count, maxDim);
    Object.assign(res.cfg, { restarts: count, restartBase: first, stepBase: 0, chunkSteps, traceRows });
    res.configBuf.write(res.cfg);
  }

  /**
   * Initialises the restarts (and clears AdaGrad's accumulators) and the wave's running
   * statistics; the trace records where they start.
   */
  encodeInit(trace?: TraceRecorder): GPUCommandEncoder {
    const { res } = this;
    const init = res.prep.exp.init;
    if (init.kind === 'supplied') {
      // Queue writes land before the command buffers submitted after them: the init pass sees the rows.
      const { P } = res.prep.shape;
      const rows = Float32Array.from(init.params.slice(this.first * P, (this.first + this.count) * P));
      res.device.queue.writeBuffer(res.params, 0, rows);
    }
    const enc = res.device.createCommandEncoder({ label: 'init wave' });
    if (usesAdaGrad(res.prep.exp.optimizer)) enc.clearBuffer(res.accum);
    enc.clearBuffer(res.stats);
    const pass = enc.beginComputePass({ label: 'init' });
    pass.setPipeline(res.pipelines.init);
    pass.setBindGroup(0, res.bindGroup);
    pass.dispatchWorkgroups(this.grid.x, this.grid.y);
    pass.end();
    trace?.recordStart(enc);
    return enc;
  }

  /**
   * `steps` fused steps from `stepBase`, then classify, then reduce of the restarts decided in
   * these steps into the wave's running statistics (host/schedule.ts CHUNK_PASSES: the same
   * passes whatever the wave's size); the trace records the parameters where a slot ends.
   */
  encodeChunk(stepBase: number, steps: number, trace?: TraceRecorder): GPUCommandEncoder {
    const { res } = this;
    res.cfg.stepBase = stepBase;
    res.cfg.chunkSteps = steps;
    res.configBuf.write(res.cfg);
    const enc = res.device.createCommandEncoder({ label: 'chunk' });
    const pass = enc.beginComputePass({ label: CHUNK_PASSES.join(', ') });
    pass.setBindGroup(0, res.bindGroup);
    for (const kernel of CHUNK_PASSES) {
      pass.setPipeline(res.pipelines[kernel]);
      const g = kernel === 'step' ? this.stepGrid : this.grid;
      pass.dispatchWorkgroups(g.x, g.y);
    }
    pass.end();
    trace?.recordChunk(enc, stepBase + steps);
    return enc;
  }
}
