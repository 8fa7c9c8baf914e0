/**
 * Typed layouts of what the host and the kernels share, declared once with typegpu schemas: the
 * WGSL struct declarations are generated from them (tgpu.resolve) and prepended to the
 * handwritten kernels, and the same schemas serialise the values, so the two sides cannot drift.
 */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';

/** Per-wave (and per-chunk: stepBase) settings of the per-restart kernels. */
export const Config = d.struct({
  restarts: d.u32,
  restartBase: d.u32,
  seed: d.u32,
  maxSteps: d.u32,
  stepBase: d.u32,
  chunkSteps: d.u32,
  n: d.u32,
  batch: d.u32,
  lr: d.f32,
  eps: d.f32,
  globalLoss: d.f32,
  gradThreshold: d.f32,
  divergeNorm: d.f32,
  angleCos: d.f32,
  hasTrap: d.u32,
  trapHasA: d.u32,
  trapCos: d.f32,
  trapATol: d.f32,
  initKind: d.u32,
  initScale: d.f32,
  initSignV: d.f32,
  initSignA: d.f32,
  radius: d.f32,
  gridAxis0: d.u32,
  gridAxis1: d.u32,
  gridRes0: d.u32,
  gridRes1: d.u32,
  gridLo0: d.f32,
  gridHi0: d.f32,
  gridLo1: d.f32,
  gridHi1: d.f32,
  lossRef: d.f32,
  teacherSelf: d.f32,
});
export type ConfigValue = d.Infer<typeof Config>;

/** Where a restart stands: outcome code (src/core/outcome.ts), step decided, loss there, final angle (−1 until classified). */
export const RestartState = d.struct({
  status: d.u32,
  steps: d.u32,
  loss: d.f32,
  angle: d.f32,
});
export const RESTART_STATE_BYTES = d.sizeOf(RestartState);

/** Settings of the data kernels (sample, patches, activation). */
export const SampleJob = d.struct({ n: d.u32, seed: d.u32 });
export type SampleJobValue = d.Infer<typeof SampleJob>;

/** WGSL declarations of the shared structs, generated from the schemas above. */
export const STRUCTS_WGSL: string = tgpu.resolve({
  template: '// structs generated from host/buffers.ts\nfn _uses(c: Config, s: RestartState, j: SampleJob) {}',
  externals: { Config, RestartState, SampleJob },
});

/** Histogram bins (src/core/stats.ts HIST_BINS) and the stats buffer layout (shaders/reduce.wgsl). */
export const STATS_WORDS = (bins: number) => 6 + 3 * bins;
