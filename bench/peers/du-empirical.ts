/**
 * What every peer of the empirical step (TF.js, PyTorch) starts from: Du et al.'s model on a fixed
 * sample, its restarts' initial points drawn by our initialiser (so the peers do the same work as
 * the engine, restart for restart), the sample as the [n·K, p] patch matrix, and the parameter
 * rows the peer's answer goes back into. The CPU check of a peer's answer is here too.
 */
import type { Experiment } from '../../src/core/experiment.ts';
import { initParams } from '../../src/core/init.ts';
import { shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';

/** A peer's run: the loss at the initial points, the parameters after the steps, the timed milliseconds. */
export interface PeerRun {
  /** Per restart, the loss at the initial point (for the correctness check). */
  initialLoss: Float64Array;
  /** Parameters after the steps, rows of [v (p), a (K)]. */
  params: Float32Array;
  /** Wall-clock milliseconds of the timed steps (after one warm-up step), data read back. */
  ms: number;
}

export interface DuEmpiricalInputs {
  R: number;
  p: number;
  K: number;
  n: number;
  P: number;
  lr: number;
  /** Non-overlapping patches: the sample's rows, reshaped, are already the [n·K, p] patch matrix. */
  X: Float32Array;
  y: Float32Array;
  v0: Float32Array;
  a0: Float32Array;
}

/** The inputs of a peer's run; only Du et al.'s model (one filter, stride = m, weight norm, learned a, ReLU) on a fixed sample. */
export function duEmpiricalInputs(exp: Experiment, peer: string): DuEmpiricalInputs {
  const { model, loss } = exp;
  if (loss.kind !== 'empirical' || model.filters !== 1 || model.stride !== model.m || !model.weightNorm || model.output !== 'learned' || model.activation !== 'relu') {
    throw new Error(`${peer}: Du et al. model on a fixed sample only`);
  }
  if (exp.optimizer.kind !== 'gd') throw new Error(`${peer}: plain GD only`);
  const { K, m: p, P } = shapeOf(model);
  const prep = prepare(exp);
  const R = exp.restarts;
  const init = new Float64Array(R * P);
  for (let r = 0; r < R; r++) initParams(exp, r, init, r * P);
  const v0 = new Float32Array(R * p);
  const a0 = new Float32Array(R * K);
  for (let r = 0; r < R; r++) {
    for (let u = 0; u < p; u++) v0[r * p + u] = init[r * P + u];
    for (let i = 0; i < K; i++) a0[r * K + i] = init[r * P + p + i];
  }
  return { R, p, K, n: loss.samples, P, lr: exp.optimizer.lr, X: Float32Array.from(prep.sample!.X), y: Float32Array.from(prep.sample!.y), v0, a0 };
}

/** The parameter rows [v | a] from a peer's v [R, p] and a [R, K]. */
export function parameterRows(inputs: Pick<DuEmpiricalInputs, 'R' | 'p' | 'K' | 'P'>, v: ArrayLike<number>, a: ArrayLike<number>): Float32Array {
  const { R, p, K, P } = inputs;
  const params = new Float32Array(R * P);
  for (let r = 0; r < R; r++) {
    for (let u = 0; u < p; u++) params[r * P + u] = v[r * p + u];
    for (let i = 0; i < K; i++) params[r * P + p + i] = a[r * K + i];
  }
  return params;
}

/**
 * Checks a peer against the CPU reference on `checkRestarts` restarts: the loss at the initial
 * point (relative 1e-4) and the parameters after `steps` steps (1e-3 + 1e-3·|x|, the kernel
 * tests' f32 tolerance). Returns the worst relative errors; throws if beyond, so that no number
 * is reported for different work.
 */
export async function checkPeerAgainstCpu(peer: string, run: (exp: Experiment, steps: number) => Promise<PeerRun>, exp: Experiment, steps: number, checkRestarts = 8): Promise<{ loss: number; params: number }> {
  const small = { ...exp, restarts: checkRestarts, maxSteps: steps };
  const out = await run(small, steps);
  const prep = prepare(small);
  const { P } = shapeOf(exp.model);
  let lossErr = 0;
  let paramErr = 0;
  for (let r = 0; r < checkRestarts; r++) {
    const initial = runRestart({ ...prep, exp: { ...small, maxSteps: 0 } }, r);
    lossErr = Math.max(lossErr, Math.abs(out.initialLoss[r] - initial.loss) / Math.abs(initial.loss));
    const after = runRestart(prep, r).params;
    for (let p = 0; p < P; p++) paramErr = Math.max(paramErr, Math.abs(out.params[r * P + p] - after[p]) / (1e-3 + 1e-3 * Math.abs(after[p])));
  }
  if (!(lossErr <= 1e-4 && paramErr <= 1)) {
    throw new Error(`${peer} disagrees with the CPU reference: loss rel. error ${lossErr.toExponential(2)}, parameters ${paramErr.toFixed(2)}× the tolerance`);
  }
  return { loss: lossErr, params: paramErr };
}

/** Restart-steps per second of a peer on R restarts, in chunks of at most `chunk` restarts. */
export async function peerRate(run: (exp: Experiment, steps: number) => Promise<PeerRun>, exp: Experiment, R: number, steps: number, chunk: number): Promise<{ rate: number; ms: number }> {
  let ms = 0;
  for (let first = 0; first < R; first += chunk) {
    const count = Math.min(chunk, R - first);
    ms += (await run({ ...exp, restarts: count }, steps + 1)).ms;
  }
  return { rate: (R * steps) / (ms / 1000), ms };
}
