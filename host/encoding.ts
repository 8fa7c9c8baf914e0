/**
 * TypeScript ↔ WGSL encoding: what the host writes for the kernels (their compile-time constants,
 * the `consts` buffer, the Config uniform) and how it assembles a wave's readback (the stats and
 * restart states themselves are decoded through their schemas in host/contract.ts).
 */
import { type Experiment, extraStepRule, keepsSuppliedOutput } from '../src/core/experiment.ts';
import { ACTIVATION_CODE, trainsOutput } from '../src/core/model.ts';
import type { Prepared } from '../src/core/prepare.ts';
import { teacherEnergy } from '../src/core/population.ts';
import { initRadius } from '../src/core/init.ts';
import { problemCount, restartsPerProblem } from '../src/core/problems.ts';
import { HIST_BINS, LOG_LOSS_RANGE } from '../src/core/stats.ts';
import type { WaveResult } from '../src/engine/engine.ts';
import type { ConfigValue } from './buffers.ts';
import { WORKGROUP } from './dispatch.ts';
import type { Constants } from './shader-source.ts';
import { INIT_KIND, LOSS_MODE, OPTIMIZER, decodeRestartStates } from './contract.ts';

/**
 * Layout of the `consts` buffer: offsets of each block, in f32 words. The teachers' blocks hold
 * one teacher per problem (PROBLEMS of them: problem p's filters at C_TW + p·FT·M), and C_PROBLEM
 * holds PROBLEM_WORDS per problem (its thresholds, L_ref and Du's radius: problemWords); with one
 * problem the layout is the one-teacher one.
 */
function constsLayout(prep: Prepared) {
  const { F, K, m, P } = prep.shape;
  const FT = prep.exp.teacher.filters;
  const PR = problemCount(prep.exp);
  const C_TW = 0;
  const C_TA = C_TW + PR * FT * m;
  const C_FIXED_A = C_TA + PR * FT * K;
  const C_TRAP_W = C_FIXED_A + F * K;
  const C_TRAP_A = C_TRAP_W + F * m;
  const C_GRID_BASE = C_TRAP_A + F * K;
  const C_PROBLEM = C_GRID_BASE + P;
  const length = C_PROBLEM + PR * PROBLEM_WORDS;
  return { C_TW, C_TA, C_FIXED_A, C_TRAP_W, C_TRAP_A, C_GRID_BASE, C_PROBLEM, length };
}

/** Words per problem in the C_PROBLEM block: global-loss threshold, gradient threshold, L_ref, Du's radius. */
export const PROBLEM_WORDS = 4;

/** Every problem's teacher (all filters, then all output layers) as the kernels read them. */
export function teachersData(prep: Prepared): Float32Array<ArrayBuffer> {
  const { m, K } = prep.shape;
  const FT = prep.exp.teacher.filters;
  const PR = problemCount(prep.exp);
  const out = new Float32Array(PR * FT * (m + K));
  for (let p = 0; p < PR; p++) {
    const t = prep.problem(p).teacher;
    out.set(t.w, p * FT * m);
    out.set(t.a, PR * FT * m + p * FT * K);
  }
  return out;
}

export function constsData(prep: Prepared): Float32Array<ArrayBuffer> {
  const L = constsLayout(prep);
  const out = new Float32Array(L.length);
  out.set(teachersData(prep), L.C_TW);
  for (let p = 0; p < problemCount(prep.exp); p++) {
    const pd = prep.problem(p);
    out.set([pd.outcome.globalLoss, pd.outcome.gradThreshold, pd.lossRef, initRadius(prep.exp, pd.teacher)], L.C_PROBLEM + p * PROBLEM_WORDS);
  }
  out.set(prep.fixedA, L.C_FIXED_A);
  if (prep.outcome.trap) {
    out.set(prep.outcome.trap.w, L.C_TRAP_W);
    if (prep.outcome.trap.a) out.set(prep.outcome.trap.a, L.C_TRAP_A);
  }
  if (prep.exp.init.kind === 'grid') out.set(prep.exp.init.base, L.C_GRID_BASE);
  return out;
}

/** Empirical-step mode (host/contract.ts LOSS_MODE): full fixed sample, minibatch of it, fresh samples. */
function lossMode(exp: Experiment): number {
  if (exp.loss.kind === 'sgd') return LOSS_MODE.fresh;
  if (exp.loss.kind === 'empirical' && exp.loss.batch !== undefined && exp.loss.batch < exp.loss.samples) return LOSS_MODE.minibatch;
  return LOSS_MODE.full;
}

export function kernelConstants(prep: Prepared, sampleInnermost = false): Constants {
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
    // The extra neuron (model.extra, lib/extra_neuron.wgsl): its row [a_e, b_e, w_e] from E_OFF
    // (P without it), E_LEN parameters and EXTRA_D input weights (0 without it: its loops vanish),
    // and its own step rule (optimizer.extra, else the optimiser's).
    EXTRA: { bool: shape.E > 0 },
    E_OFF: u(shape.eOffset),
    E_LEN: u(shape.E),
    EXTRA_D: u(shape.E > 0 ? shape.d : 0),
    EXTRA_OPT: u(OPTIMIZER[extraStepRule(exp.optimizer).kind]),
    ACT: u(ACTIVATION_CODE[exp.model.activation]),
    WEIGHT_NORM: { bool: exp.model.weightNorm },
    // LEARNED: the optimiser updates a ('learned' and 'sign'); SIGN_OUTPUT: it then projects a to ±1.
    LEARNED: { bool: trainsOutput(exp.model) },
    SIGN_OUTPUT: { bool: exp.model.output === 'sign' },
    KEEP_OUTPUT: { bool: keepsSuppliedOutput(exp) },
    RECOVERY: { bool: prep.outcome.recovery !== undefined },
    RECOVERY_SIGNS: { bool: prep.outcome.recovery?.match === 'signs' },
    RECOVERY_FLIPS: { bool: prep.outcome.recovery?.match === 'flips' },
    OPT: u(OPTIMIZER[exp.optimizer.kind]),
    MODE: u(lossMode(exp)),
    SAMPLE_INNERMOST: { bool: sampleInnermost },
    XB_LEN: u(lossMode(exp) === LOSS_MODE.fresh ? shape.d : 1),
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
    C_PROBLEM: u(L.C_PROBLEM),
    PROBLEM_WORDS: u(PROBLEM_WORDS),
    PROBLEMS: u(problemCount(exp)),
    MANY_PROBLEMS: { bool: exp.problems !== undefined },
  };
}

export function baseConfig(prep: Prepared): ConfigValue {
  const { exp, outcome } = prep;
  const opt = exp.optimizer;
  const init = exp.init;
  const loss = exp.loss;
  const grid = init.kind === 'grid' ? init : undefined;
  return {
    restarts: 0,
    restartBase: 0,
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
    recoveryTol: outcome.recovery?.tolerance ?? 0,
    hasTrap: outcome.trap ? 1 : 0,
    trapHasA: outcome.trap?.a ? 1 : 0,
    trapCos: outcome.trap?.cosTol ?? 0,
    trapATol: outcome.trap?.aTol ?? 0,
    initKind: INIT_KIND[init.kind],
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
    traceRows: 0,
    perProblem: restartsPerProblem(exp),
    ...extraConfig(exp),
  };
}

/** The extra neuron's words of the Config: λ, its step rule's lr and eps, its init (zeros without it). */
function extraConfig(exp: Experiment): Pick<ConfigValue, 'extraLambda' | 'extraLr' | 'extraEps' | 'extraAStd' | 'extraWStd' | 'extraB'> {
  const rule = extraStepRule(exp.optimizer);
  const init = exp.model.extra?.init;
  return {
    extraLambda: exp.model.extra?.lambda ?? 0,
    extraLr: rule.lr,
    extraEps: rule.kind === 'adagrad' ? rule.eps : 0,
    extraAStd: init?.aStd ?? 0,
    extraWStd: init?.wStd ?? 0,
    extraB: init?.b ?? 0,
  };
}

/** A wave's readback (parameters [count, P], then its RestartStates) → a WaveResult. */
export function decodeWave(all: ArrayBuffer, first: number, count: number, P: number): WaveResult {
  const params = new Float32Array(all, 0, count * P);
  return { first, count, params, ...decodeRestartStates(all, count * P * 4, count) };
}
