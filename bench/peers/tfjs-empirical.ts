/**
 * The peer a user would pick instead of our kernel: Du et al.'s empirical GD step (one
 * weight-normalised filter over non-overlapping patches, learned output layer, full batch) written
 * with TensorFlow.js as a fair user would — hand-written gradients rather than tf.grads, the
 * patches pre-arranged as one [n·K, p] matrix (and its transpose) so both passes are single
 * matMuls, all restarts of a chunk batched along the leading axis, and the whole step inside one
 * tf.tidy.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Experiment } from '../../src/core/experiment.ts';
import { initParams } from '../../src/core/init.ts';
import { shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';

export interface TfjsEmpiricalRun {
  /** Per restart, the loss at the initial point (for the correctness check). */
  initialLoss: Float64Array;
  /** Parameters after the steps, rows of [v (p), a (K)]. */
  params: Float32Array;
  /** Wall-clock milliseconds of the timed steps (after one warm-up step), data read back. */
  ms: number;
}

/**
 * Runs `steps` GD steps of the experiment's empirical loss for its restarts on TensorFlow.js's
 * current backend. Requires a Du et al. model (one filter, stride = m, weight norm, learned a,
 * ReLU) on a fixed sample.
 */
export async function tfjsEmpiricalSteps(tf: typeof TF, exp: Experiment, steps: number): Promise<TfjsEmpiricalRun> {
  const { model, loss } = exp;
  if (loss.kind !== 'empirical' || model.filters !== 1 || model.stride !== model.m || !model.weightNorm || model.output !== 'learned' || model.activation !== 'relu') {
    throw new Error('tfjsEmpiricalSteps: Du et al. model on a fixed sample only');
  }
  const { K, m: p, P } = shapeOf(model);
  const n = loss.samples;
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
  const lr = exp.optimizer.lr;
  // Non-overlapping patches: the sample's rows, reshaped, are already the [n·K, p] patch matrix.
  const X = tf.tensor2d(Float32Array.from(prep.sample!.X), [n * K, p]);
  const Xt = tf.transpose(X); // [p, n·K]: pre-transposed once, so the forward matMul needs no transpose
  const y = tf.tensor3d(Float32Array.from(prep.sample!.y), [1, n, 1]);
  const V = tf.variable(tf.tensor2d(v0, [R, p]));
  const A = tf.variable(tf.tensor2d(a0, [R, K]));

  // Restarts are the leading (batch) axis throughout: every matMul then runs without a transposed
  // operand, which TF.js wasm does several times faster than the transposed forms (measured:
  // X·Wᵀ takes ~20× as long as W·Xᵀ for p = 6, K = 25, 256 restarts), and the outer product
  // r·aᵀ is a broadcast multiply (7× faster than a batched matMul with inner size 1).
  /** One step; returns the loss per restart at the point before the step. */
  const step = (): TF.Tensor1D =>
    tf.tidy(() => {
      const norm = tf.sqrt(tf.sum(tf.square(V), 1, true)); // [R, 1]
      const W = tf.div(V, norm); // [R, p]
      const Z = tf.reshape(tf.matMul(W, Xt), [R, n, K]); // z_{r,s,i} = ⟨w_r, x_{s,i}⟩
      const H = tf.relu(Z);
      const f = tf.matMul(H, tf.reshape(A, [R, K, 1])); // [R, n, 1]
      const res = tf.sub(f, y); // [R, n, 1]
      const lossPerRestart = tf.mul(tf.mean(tf.square(res), [1, 2]), 0.5); // [R]
      const gA = tf.div(tf.reshape(tf.matMul(H, res, true, false), [R, K]), n); // [R, K]
      const back = tf.mul(tf.mul(res, tf.reshape(A, [R, 1, K])), tf.step(Z)); // r·a·σ'(z), [R, n, K]
      const gW = tf.div(tf.matMul(tf.reshape(back, [R, n * K]), X), n); // [R, p]
      // Weight normalisation: ∂L/∂v = (I − w wᵀ) ∂L/∂w / ‖v‖.
      const gV = tf.div(tf.sub(gW, tf.mul(tf.sum(tf.mul(gW, W), 1, true), W)), norm);
      V.assign(tf.sub(V, tf.mul(gV, lr)));
      A.assign(tf.sub(A, tf.mul(gA, lr)));
      return lossPerRestart as TF.Tensor1D;
    });

  const first = step();
  const initialLoss = Float64Array.from(await first.data());
  first.dispose();
  const t0 = performance.now();
  for (let s = 1; s < steps; s++) step().dispose();
  const vOut = await V.data();
  const aOut = await A.data();
  const ms = performance.now() - t0;
  const params = new Float32Array(R * P);
  for (let r = 0; r < R; r++) {
    for (let u = 0; u < p; u++) params[r * P + u] = vOut[r * p + u];
    for (let i = 0; i < K; i++) params[r * P + p + i] = aOut[r * K + i];
  }
  for (const t of [X, Xt, y, V, A]) t.dispose();
  return { initialLoss, params, ms };
}
