/**
 * The CPU engine (Float64): the same initialisation, losses, optimiser steps and outcome rule as
 * the GPU kernels, step for step and draw for draw. It is the oracle every kernel is tested
 * against, the CPU side of the benchmarks, and the explicit fallback when there is no WebGPU.
 */
import { type Experiment, extraStepRule, usesAdaGrad } from '../core/experiment.ts';
import { type ModelSpec, trainsOutput } from '../core/model.ts';
import { initParams } from '../core/init.ts';
import { projectSign, signGradNormSq } from '../core/sign-output.ts';
import { beyondPairKernelRange, populationLossAndGradient } from '../core/population.ts';
import { drawFreshBatch, empiricalLossAndGradient, teacherLabels, type EmpiricalEval } from '../core/empirical.ts';
import { OUTCOME, type OutcomeCode, cosineAt, decide } from '../core/outcome.ts';
import { type Prepared, type ProblemData, prepare } from '../core/prepare.ts';
import { problemOf } from '../core/problems.ts';
import { STREAM, STREAMS_PER_STEP, uniformInt } from '../core/rng.ts';
import { type Snapshot, type Tally, emptyTally, makeSnapshot, tallyRestart } from '../core/stats.ts';
import { applyStep, deepLossGrad, deepMinibatch } from '../core/deep-net.ts';
import { type DeepJob, type DeepOutcome, type DeepProgress, type Engine, type EngineRunOptions, type WaveResult, checkDeepJob, restartRange, traceSlots } from './engine.ts';

export interface RestartResult {
  code: OutcomeCode;
  /** The step at which it was decided (maxSteps when undecided). */
  steps: number;
  loss: number;
  /** L_ref of the restart's problem (the loss's scale). */
  lossRef: number;
  /** Angle between filter 0 and the teacher's filter 0. */
  angle: number;
  params: Float64Array;
}

/** Optional per-step observer (curves for the two-phase figures); called before each update. */
export type TraceFn = (t: number, params: Float64Array, loss: number) => void;

/** Builds the loss-and-gradient function of one restart (of problem `pd`) for the experiment's loss kind. */
function lossFunction(prep: Prepared, pd: ProblemData, restart: number): (params: Float64Array, t: number) => EmpiricalEval {
  const { exp, shape } = prep;
  const model: ModelSpec = exp.model;
  const loss = exp.loss;
  if (loss.kind === 'population') {
    // Beyond the pair kernel's checked norms the loss has no value: NaN, diverged, as on the GPU.
    const none: EmpiricalEval = { loss: Number.NaN, grad: new Float64Array(shape.P).fill(Number.NaN) };
    return (params) => (beyondPairKernelRange(model, params) ? none : populationLossAndGradient(model, exp.teacher, params));
  }
  const out: EmpiricalEval = { loss: 0, grad: new Float64Array(shape.P) };
  if (loss.kind === 'empirical') {
    const { X, y } = pd.sample!;
    const n = loss.samples;
    const batch = loss.batch ?? n;
    if (batch === n) return (params) => empiricalLossAndGradient(model, params, X, y, null, n, out);
    const rows = new Int32Array(batch);
    return (params, t) => {
      const stream = (STREAM.index + STREAMS_PER_STEP * t) >>> 0;
      for (let b = 0; b < batch; b++) rows[b] = uniformInt(exp.seed, restart, stream, b, n);
      return empiricalLossAndGradient(model, params, X, y, rows, batch, out);
    };
  }
  const B = loss.batch;
  const Xb = new Float64Array(B * shape.d);
  let yb: Float64Array;
  return (params, t) => {
    drawFreshBatch(exp.seed, restart, t, B, shape.d, Xb);
    yb = teacherLabels(model, exp.teacher, Xb, B);
    return empiricalLossAndGradient(model, params, Xb, yb, null, B, out);
  };
}

/** Runs one restart to its outcome, on its problem's teacher, sample and thresholds. */
export function runRestart(prep: Prepared, restart: number, trace?: TraceFn): RestartResult {
  const { exp, shape } = prep;
  const { P, m } = shape;
  const pd = prep.problem(problemOf(exp, restart));
  const { outcome, teacher } = pd;
  const params = new Float64Array(P);
  initParams(exp, restart, params, 0, teacher);
  const opt = exp.optimizer;
  const extraRule = extraStepRule(opt);
  // Which step rule each coordinate follows: the extra neuron's (after eOffset) may differ.
  const ruleOf = (p: number) => (p >= shape.eOffset ? extraRule : opt);
  const accum = usesAdaGrad(opt) ? new Float64Array(P) : undefined;
  const evaluate = lossFunction(prep, pd, restart);
  // Updated: the filters, the output layer unless fixed, and the extra neuron.
  const trainsA = trainsOutput(exp.model);
  const updates = (p: number) => p < shape.aOffset || p >= shape.eOffset || trainsA;
  const sign = exp.model.output === 'sign';
  // The displacement step t gives parameter p (before a sign projection): what apply_update does.
  const stepOf = (grad: Float64Array) => (p: number) => {
    const rule = ruleOf(p);
    return rule.kind === 'gd' ? rule.lr * grad[p] : (rule.lr * grad[p]) / (Math.sqrt(accum![p] + grad[p] * grad[p]) + rule.eps);
  };

  for (let t = 0; ; t++) {
    const { loss, grad } = evaluate(params, t);
    let gg = 0;
    if (sign) {
      gg = signGradNormSq(params, grad, shape.aOffset, shape.eOffset, stepOf(grad));
      for (let p = shape.eOffset; p < P; p++) gg += grad[p] * grad[p];
    } else for (let p = 0; p < P; p++) gg += grad[p] * grad[p];
    trace?.(t, params, loss);
    let code = decide(outcome, shape, params, teacher, loss, gg);
    if (code === OUTCOME.running && t === exp.maxSteps) code = OUTCOME.undecided;
    if (code !== OUTCOME.running) {
      const c = cosineAt(params, 0, teacher.w, 0, m);
      return { code, steps: t, loss, lossRef: pd.lossRef, angle: Math.acos(Math.min(1, Math.max(-1, c))), params };
    }
    for (let p = 0; p < P; p++) {
      if (!updates(p)) continue;
      const rule = ruleOf(p);
      let step: number;
      if (rule.kind === 'gd') step = rule.lr * grad[p];
      else {
        accum![p] += grad[p] * grad[p];
        step = (rule.lr * grad[p]) / (Math.sqrt(accum![p]) + rule.eps);
      }
      const next = params[p] - step;
      params[p] = sign && p >= shape.aOffset && p < shape.eOffset ? projectSign(params[p], next) : next;
    }
  }
}

/** The CPU engine's options are the Engine's (a restart range among them). */
export type RunOptions = EngineRunOptions;

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** The CPU engine as an async iterable of Snapshots, like the GPU engine's run(). */
export async function* runCpu(exp: Experiment, opts: RunOptions = {}): AsyncGenerator<Snapshot> {
  const prep = prepare(exp);
  const { first, count } = restartRange(exp, opts);
  const every = opts.snapshotEveryMs ?? 250;
  const tally: Tally = emptyTally(exp.maxSteps);
  const start = now();
  let last = start;
  const { P } = prep.shape;
  const waveSize = opts.waveSize !== undefined && opts.waveSize >= 1 ? Math.min(count, Math.floor(opts.waveSize)) : count;
  // Fresh arrays for every wave, as the GPU engine hands over: a consumer may keep them.
  const newWave = (waveFirst: number): WaveResult => {
    const n = Math.min(waveSize, first + count - waveFirst);
    return {
      first: waveFirst,
      count: n,
      params: new Float64Array(n * P),
      status: new Uint32Array(n),
      steps: new Uint32Array(n),
      loss: new Float64Array(n),
      angle: new Float64Array(n),
    };
  };
  let wave = opts.onWave && newWave(first);
  const tr = opts.trace;
  const slots = tr ? traceSlots(exp.maxSteps, tr.every) : 0;
  const traced = tr ? Math.min(tr.restarts, count) : 0;
  const traceParams = new Float64Array(slots * traced * P);
  for (let r = first; r < first + count; r++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('aborted', 'AbortError');
    const i = r - first;
    let recorded = 0;
    const record =
      i < traced
        ? (t: number, params: Float64Array) => {
            if (t % tr!.every === 0) traceParams.set(params, ((recorded++) * traced + i) * P);
          }
        : undefined;
    const res = runRestart(prep, r, record);
    // A decided restart stays where it stopped: repeat its last point in the remaining slots.
    for (let s = recorded; i < traced && s < slots; s++) traceParams.set(res.params, (s * traced + i) * P);
    if (wave) {
      const j = r - wave.first;
      wave.params.set(res.params, j * P);
      wave.status[j] = res.code;
      wave.steps[j] = res.steps;
      wave.loss[j] = res.loss;
      wave.angle[j] = res.angle;
      if (j === wave.count - 1) {
        opts.onWave!(wave);
        wave = r + 1 < first + count ? newWave(r + 1) : undefined;
      }
    }
    tallyRestart(tally, res.code, res.steps, res.loss / res.lossRef, res.angle);
    const t = now();
    if (t - last >= every) {
      last = t;
      yield makeSnapshot(tally, count, t - start, 'cpu', CPU_LABEL);
      // Let the event loop breathe so an abort (or a UI event) gets through between chunks.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  if (tr) tr.onTrace({ restarts: traced, P, steps: Array.from({ length: slots }, (_, s) => s * tr.every), params: traceParams });
  yield makeSnapshot(tally, count, now() - start, 'cpu', CPU_LABEL);
}

export const CPU_LABEL = 'CPU reference engine (Float64, one thread)';

/**
 * A DeepJob in f64, restart after restart (src/core/deep-net.ts deepGdStep, or deepSgdStep). A restart whose loss
 * is no longer finite stops there: its remaining losses are NaN and its parameters stay where
 * they were (every later step would be NaN too).
 */
export async function* trainDeepCpu(job: DeepJob, opts: { signal?: AbortSignal } = {}): AsyncGenerator<DeepProgress, DeepOutcome> {
  const P = checkDeepJob(job);
  const { spec, data, restarts: R, steps: T, lr, sgd } = job;
  const scale = sgd ? data.n / sgd.batch : 1;
  const params = job.theta0.slice();
  const losses = new Float64Array(R * T).fill(NaN);
  const grad = new Float64Array(P);
  let last = now();
  for (let r = 0; r < R; r++) {
    const theta = params.subarray(r * P, (r + 1) * P);
    for (let t = 0; t < T; t++) {
      // deepGdStep (deepSgdStep with job.sgd) split in two, so a non-finite loss stops the
      // restart before its step is applied.
      const idx = sgd ? deepMinibatch(data.n, sgd.batch, sgd.seed, r, t) : undefined;
      const F = deepLossGrad(spec, theta, data, grad, idx);
      losses[r * T + t] = F * scale;
      if (!Number.isFinite(F)) break;
      applyStep(spec, theta, grad, lr, scale);
      if (now() - last >= 200) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new DOMException('The run was cancelled', 'AbortError');
        last = now();
        yield { stepsDone: Math.floor((r * T + t + 1) / R) };
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
  }
  return { params, losses };
}

/** The CPU reference engine behind the Engine interface (the explicit no-WebGPU fallback). */
export function cpuEngine(): Engine {
  return { kind: 'cpu', label: CPU_LABEL, run: (exp, opts) => runCpu(exp, opts), trainDeep: (job, opts) => trainDeepCpu(job, opts) };
}
