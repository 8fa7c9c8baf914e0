/**
 * The run loop's scheduling decisions, as pure functions (tests/unit/schedule.test.ts): how many
 * restarts a wave holds, how many steps a chunk takes, and which passes a chunk records.
 *
 * The cost a run must keep is linear in restarts × steps actually taken. What a chunk costs
 * beyond its steps scales with the wave (every pass dispatches a thread per restart of the
 * wave, decided or not), and the pacer keeps a chunk near a fixed GPU time; so a wave of all R
 * restarts made chunks shorter as R grew, down to one step each, and the cost per restart-step
 * grew with R (10⁴ → 2.7 s, 8·10⁴ → 616 s before). Hence: waves of at most WAVE_CAP restarts,
 * one after another; per chunk a fixed list of passes whose statistics work is proportional to
 * the restarts decided in it (shaders/reduce.wgsl); and step kernels that resume a restart in
 * O(1) (shaders/population_step_span.wgsl).
 */

/**
 * Most restarts in one wave. Large enough that a wave fills any adapter (an H100 runs 2¹⁶
 * threads at once; SwiftShader's cores are busy from a few hundred), small enough that a chunk
 * of the per-thread kernels still holds tens of steps within the pacer's target on a CPU
 * adapter, and that each wave's memory (params, state, accumulators) stays a few tens of MiB.
 */
export const WAVE_CAP = 1 << 16;

/** Restarts per wave: an explicit `override` (tests, basin maps) within the device's limit; else at most WAVE_CAP. */
export function waveSize(restarts: number, deviceMax: number, override?: number): number {
  const cap = override !== undefined ? Math.min(override, deviceMax) : Math.min(WAVE_CAP, deviceMax);
  return Math.max(1, Math.min(restarts, cap));
}

/**
 * Steps in the chunk that starts at `stepBase`: the pacer's length, cut at the step budget (the
 * last chunk evaluates step maxSteps, where the rule marks the undecided) and, for a traced run,
 * at the next multiple of `traceEvery` (so that every slot of the trace ends a chunk whatever the
 * pacing). Where chunks fall changes no result (tests/gpu/chunking.gpu.test.ts).
 */
export function chunkLength(stepBase: number, paced: number, maxSteps: number, traceEvery?: number): number {
  let steps = Math.min(Math.max(1, paced), maxSteps + 1 - stepBase);
  if (traceEvery !== undefined) steps = Math.min(steps, traceEvery - (stepBase % traceEvery));
  return steps;
}

/**
 * The passes of every chunk, in order, whatever the wave's size: the fused steps, classify (the
 * angle of each restart decided in them) and reduce (the same restarts into the wave's running
 * statistics). The statistics are cleared once per wave (host/wave.ts encodeInit), not per chunk.
 */
export const CHUNK_PASSES = ['step', 'classify', 'reduce'] as const;
