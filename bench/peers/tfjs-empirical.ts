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
import { type PeerRun, duEmpiricalInputs, parameterRows } from './du-empirical.ts';

/**
 * Runs `steps` GD steps of the experiment's empirical loss for its restarts on TensorFlow.js's
 * current backend. Requires a Du et al. model (one filter, stride = m, weight norm, learned a,
 * ReLU) on a fixed sample.
 */
export async function tfjsEmpiricalSteps(tf: typeof TF, exp: Experiment, steps: number): Promise<PeerRun> {
  const inputs = duEmpiricalInputs(exp, 'tfjsEmpiricalSteps');
  const { R, p, K, n, lr, v0, a0 } = inputs;
  const X = tf.tensor2d(inputs.X, [n * K, p]);
  const Xt = tf.transpose(X); // [p, n·K]: pre-transposed once, so the forward matMul needs no transpose
  const y = tf.tensor3d(inputs.y, [1, n, 1]);
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
  const params = parameterRows(inputs, vOut, aOut);
  for (const t of [X, Xt, y, V, A]) t.dispose();
  return { initialLoss, params, ms };
}
