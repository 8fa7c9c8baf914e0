/**
 * The sign-projected output layer (ModelSpec.output = 'sign', Zhong et al. 2017 Fig. 1(c)
 * approach (II)): a is trained, then projected onto {−1, +1} after every update, as their Matlab
 * (diff_initial_grad.m) does with v ← sign(v − η∇_v f). The CPU engine (src/engine/cpu.ts),
 * src/core/init.ts and the GPU (shaders/lib/restart.wgsl apply_update, grad_norm_sq;
 * shaders/init.wgsl) apply exactly these rules.
 *
 * sign(0) is our choice: Matlab's sign(0) = 0 would silence the unit for good (its a stays 0, and
 * so does its gradient with respect to w). So an update that lands exactly on 0 — or on NaN,
 * which the outcome rule sees in the gradient anyway — keeps the entry's previous sign, and an
 * initial draw of 0 becomes +1.
 *
 * Stationarity: a projected entry is at rest when the step keeps its sign, whatever its gradient
 * (the sign-projected runs of Fig. 1(c) stop at a loss of ≈ 5 with ∇_a far from 0). So the outcome
 * rule's gradient norm (outcome.ts, rule 3) counts an output weight's gradient only where this
 * step would flip it, and always where that gradient is not finite (rule 1 must still see it).
 */

/** The projected update of one output weight: the sign of `next`, the previous sign `prev` where next is 0 (or NaN). */
export function projectSign(prev: number, next: number): number {
  return next > 0 ? 1 : next < 0 ? -1 : prev;
}

/** The initial projection: the sign of the drawn value, +1 for 0. */
export function initialSign(x: number): number {
  return x < 0 ? -1 : 1;
}

/**
 * Whether output weight `a` (±1), moved by `step` (the optimiser's displacement, lr·g for GD),
 * keeps its sign: a·(a − step) ≥ 0 (an exact 0 keeps it, projectSign). NaN: false.
 */
export function keepsSign(a: number, step: number): boolean {
  return a * (a - step) >= 0;
}

/**
 * ‖∇L‖² as the outcome rule reads it under a sign-projected output layer: every filter entry,
 * and the output weights that the step `stepOf(p)` would flip or whose gradient is not finite.
 */
export function signGradNormSq(params: ArrayLike<number>, grad: ArrayLike<number>, aOffset: number, P: number, stepOf: (p: number) => number): number {
  let gg = 0;
  for (let p = 0; p < aOffset; p++) gg += grad[p] * grad[p];
  for (let p = aOffset; p < P; p++) {
    const g = grad[p];
    if (!Number.isFinite(g) || !keepsSign(params[p], stepOf(p))) gg += g * g;
  }
  return gg;
}
