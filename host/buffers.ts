/**
 * Typed layouts of what the host and the kernels share, declared once with typegpu schemas: the
 * WGSL struct declarations are generated from them (tgpu.resolve) and prepended to the
 * handwritten kernels, and the same schemas serialise the values, so the two sides cannot drift.
 */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';
import { type Counts, HIST_BINS } from '../src/core/stats.ts';
import { generatedPart } from './shader-source.ts';
import { DECIDED_OUTCOMES } from '../src/core/outcome.ts';

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
  /** outcome.recovery's tolerance (the kernels test it only when RECOVERY). */
  recoveryTol: d.f32,
  hasTrap: d.u32,
  trapHasA: d.u32,
  trapCos: d.f32,
  trapATol: d.f32,
  /** host/contract.ts INIT_KIND */
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
  /** Restarts [0, traceRows) whose full parameters a kernel that keeps other state (the span kernel) writes after every chunk: the trace's rows. */
  traceRows: d.u32,
  /** Restarts per problem (experiment.problems): restart r belongs to problem ⌊r / perProblem⌋. */
  perProblem: d.u32,
  /**
   * The extra neuron (model.extra; lib/extra_neuron.wgsl): λ of its regulariser, its own step
   * rule's lr and eps (optimizer.extra, else the optimiser's), and its init (aStd, wStd, b).
   */
  extraLambda: d.f32,
  extraLr: d.f32,
  extraEps: d.f32,
  extraAStd: d.f32,
  extraWStd: d.f32,
  extraB: d.f32,
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
/**
 * n: inputs in all (problems × inputs per problem); perProblem: inputs per problem (n with one
 * problem); problemKeys: 1 when each problem's inputs are drawn under its own key (experiment.problems,
 * src/core/rng.ts problemKey), 0 for the shared sample (key SHARED_RESTART).
 */
export const SampleJob = d.struct({ n: d.u32, seed: d.u32, perProblem: d.u32, problemKeys: d.u32 });
export type SampleJobValue = d.Infer<typeof SampleJob>;

/**
 * The count slots of Stats are the decided outcomes in code order (src/core/outcome.ts
 * DECIDED_OUTCOMES): slot = code − OUTCOME_GLOBAL (host/contract.ts checks that the codes are
 * consecutive).
 */
export { DECIDED_OUTCOMES };

const counter = d.atomic(d.u32);

/**
 * Statistics of a wave, accumulated by shaders/reduce.wgsl and read back by host/contract.ts
 * decodeStats: counts per outcome, Σ steps in two words (low, high: it can pass 2³²), and the
 * histograms of src/core/stats.ts (log10(loss / L_ref), final angle, steps), HIST_BINS bins each.
 */
export const Stats = d.struct({
  counts: d.arrayOf(counter, DECIDED_OUTCOMES.length),
  stepsLo: counter,
  stepsHi: counter,
  logLoss: d.arrayOf(counter, HIST_BINS),
  angle: d.arrayOf(counter, HIST_BINS),
  steps: d.arrayOf(counter, HIST_BINS),
});
export const STATS_BYTES = d.sizeOf(Stats);

const SCHEMAS = { Config, RestartState, SampleJob, Stats };

/**
 * WGSL declarations of the shared structs, generated from the schemas above: tgpu.resolve
 * declares the schemas a template names, ahead of the template, so the template is just the
 * names, cut off again.
 */
function structsWgsl(): string {
  const names = Object.keys(SCHEMAS).join('\n') + '\n';
  const resolved = tgpu.resolve({ template: names, externals: SCHEMAS });
  if (!resolved.endsWith(names)) throw new Error('tgpu.resolve renamed a shared struct');
  return generatedPart('structs generated from host/buffers.ts', resolved.slice(0, -names.length));
}
export const STRUCTS_WGSL: string = structsWgsl();
