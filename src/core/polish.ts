/**
 * Polishing an end point: the f32 GPU trajectory decides which basin a restart is in; a few f64
 * second-order steps on the same loss decide where that basin's bottom is. Levenberg–Marquardt
 * on ½‖∇L‖² (its Jacobian is the Hessian H): δ = −(H² + μI)⁻¹ H g, μ adapted — it converges to
 * the nearby critical point whatever its kind (minimum, saddle, degenerate), which is what a
 * catalogue of critical points needs (a descent method would slide off a saddle GD lingered at).
 *
 * The objective is the experiment's deterministic loss: the population loss; the full fixed
 * sample or supplied dataset for the empirical loss (also when it was trained by minibatches); and
 * for fresh-sample SGD its expectation, the population loss, where that has a form.
 */
import type { Prepared } from './prepare.ts';
import { keepsSuppliedOutput } from './experiment.ts';
import { assertPopulationSupported, populationLossAndGradient } from './population.ts';
import { empiricalLossAndGradient } from './empirical.ts';
import { hessianByDifferences } from './hessian.ts';

/** The loss and gradient of a parameter row (grad: a fresh array). */
export type Objective = (theta: Float64Array) => { loss: number; grad: Float64Array };

export interface ObjectiveOf {
  evaluate: Objective;
  /**
   * The coordinates that move: all of them under a learned output layer; the filters only under a
   * fixed one, and under a sign-projected one, which polishing holds at the row's own signs (a
   * point of {±1}^{F·K} is not a continuous parameter to refine).
   */
  free: number;
  /** What is minimised, in words. */
  name: string;
}

/** The experiment's deterministic objective (see the module comment), or null where it has none. */
export function objectiveOf(prep: Prepared): ObjectiveOf | null {
  const { exp, shape } = prep;
  // Many problems (each its own teacher and sample) minimise different losses: one objective per
  // problem (prepare.ts problemPrepared). Restarts with their own fixed output layers
  // (init.keepOutput) share this one: the loss reads each row's output layer and moves only W.
  if (exp.problems !== undefined) return null;
  const free = exp.model.output === 'learned' ? shape.P : shape.aOffset;
  const own = keepsSuppliedOutput(exp) ? " (each restart's own fixed output layer)" : '';
  const population = (): ObjectiveOf | null => {
    try {
      assertPopulationSupported(exp.model);
    } catch {
      return null;
    }
    return { evaluate: (t) => populationLossAndGradient(exp.model, exp.teacher, t), free, name: `population loss${own}` };
  };
  switch (exp.loss.kind) {
    case 'population':
      return population();
    case 'sgd': {
      const p = population();
      return p && { ...p, name: 'population loss (the expected fresh-sample loss)' };
    }
    case 'empirical': {
      const { X, y } = prep.sample!;
      const n = exp.loss.samples;
      return {
        evaluate: (t) => {
          const r = empiricalLossAndGradient(exp.model, t, X, y, null, n);
          return { loss: r.loss, grad: r.grad };
        },
        free,
        name: (exp.loss.data ? `empirical loss on ${exp.loss.data.name} (all ${n} inputs)` : `empirical loss on the fixed sample (all ${n} inputs)`) + own,
      };
    }
  }
}

export interface PolishOptions {
  /** Stop once ‖∇L‖ ≤ gradTarget (absolute). */
  gradTarget: number;
  maxIterations?: number;
}

export interface Polished {
  params: Float64Array;
  loss: number;
  gradNorm: number;
  iterations: number;
  /** ‖∇L‖ reached gradTarget; false: the refinement could not get there (its last point is kept). */
  converged: boolean;
}

const norm = (g: Float64Array, n: number) => {
  let s = 0;
  for (let p = 0; p < n; p++) s += g[p] * g[p];
  return Math.sqrt(s);
};

/** Solves the symmetric positive-definite system A x = b (n×n, row-major) by Cholesky; null if A is not SPD. */
function choleskySolve(A: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) x[i] -= L[i * n + k] * x[k];
    x[i] /= L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) x[i] -= L[k * n + i] * x[k];
    x[i] /= L[i * n + i];
  }
  return x;
}

/** Refines `start` to the nearby critical point of `objective` (module comment). */
export function polish(objective: ObjectiveOf, start: ArrayLike<number>, opts: PolishOptions): Polished {
  const { evaluate, free: n } = objective;
  const maxIterations = opts.maxIterations ?? 100;
  let theta = Float64Array.from(start);
  let cur = evaluate(theta);
  let g = Float64Array.from(cur.grad);
  let gn = norm(g, n);
  let mu = -1;
  let it = 0;
  for (; it < maxIterations && gn > opts.gradTarget; it++) {
    const H = hessianByDifferences((t) => evaluate(t).grad, theta, n);
    // H² and Hg.
    const H2 = new Float64Array(n * n);
    const Hg = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += H[i * n + k] * g[k];
      Hg[i] = -s;
      for (let j = 0; j <= i; j++) {
        let t = 0;
        for (let k = 0; k < n; k++) t += H[i * n + k] * H[k * n + j];
        H2[i * n + j] = t;
        H2[j * n + i] = t;
      }
    }
    if (mu < 0) {
      let trace = 0;
      for (let i = 0; i < n; i++) trace += H2[i * n + i];
      mu = Math.max(1e-300, (1e-8 * trace) / n);
    }
    let accepted = false;
    for (let tries = 0; tries < 40 && !accepted; tries++) {
      const A = Float64Array.from(H2);
      for (let i = 0; i < n; i++) A[i * n + i] += mu;
      const delta = choleskySolve(A, Hg, n);
      if (delta) {
        const next = Float64Array.from(theta);
        for (let p = 0; p < n; p++) next[p] += delta[p];
        const e = evaluate(next);
        const en = norm(e.grad, n);
        if (en < gn) {
          theta = next;
          cur = e;
          g = Float64Array.from(e.grad);
          gn = en;
          mu = Math.max(1e-300, mu / 3);
          accepted = true;
          break;
        }
      }
      mu *= 4;
    }
    if (!accepted) break; // No step reduces ‖∇L‖: at its f64 floor, or not a critical point nearby.
  }
  return { params: theta, loss: cur.loss, gradNorm: gn, iterations: it, converged: gn <= opts.gradTarget };
}
