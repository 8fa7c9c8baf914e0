/**
 * Kawaguchi & Kaelbling (2020), Example 1 (§6.1, Fig. 1): one sample x₁ = 0 with label y₁ = −1,
 * one parameter θ, the cubic hinge loss L(θ) = max(0, 1 − y₁f(θ))³ = max(0, 1 + f(θ))³ with
 *
 *     f(θ) = 5·(−0.3·e^{−16(θ−0.2)²} − 0.7·e^{−32(θ−0.8)²} + 0.5),
 *
 * and the same loss with the extra exponential neuron a·exp(wᵀx₁ + b) — w drops out because
 * x₁ = 0 — plus the regulariser λa²:
 *
 *     L̃(θ, a, b) = max(0, 1 + f(θ) + a·e^b)³ + λa².
 *
 * The paper's own objective, not the engine's ½-mean convention (this example never touches the
 * engine: three parameters, one sample, f64). Thm 1 says every local minimum of L̃ has θ global
 * and a = 0; Thm 4 says gradient descent started near L's local minimum (θ ≈ 0.2) may instead
 * keep θ there while b → ∞ — the failure mode this module makes visible.
 */

/** The example's network output at x₁ = 0. */
export function exampleOutput(theta: number): number {
  return 5 * (-0.3 * Math.exp(-16 * (theta - 0.2) ** 2) - 0.7 * Math.exp(-32 * (theta - 0.8) ** 2) + 0.5);
}

/** df/dθ. */
export function exampleOutputDerivative(theta: number): number {
  const u = theta - 0.2;
  const v = theta - 0.8;
  return 5 * (0.3 * 32 * u * Math.exp(-16 * u * u) + 0.7 * 64 * v * Math.exp(-32 * v * v));
}

/** L(θ) = max(0, 1 + f(θ))³. */
export function exampleLoss(theta: number): number {
  return Math.max(0, 1 + exampleOutput(theta)) ** 3;
}

export interface AugmentedPoint {
  theta: number;
  a: number;
  b: number;
}

/** L̃(θ, a, b) = max(0, 1 + f(θ) + a·e^b)³ + λa². */
export function augmentedLoss(p: AugmentedPoint, lambda: number): number {
  return Math.max(0, 1 + exampleOutput(p.theta) + p.a * Math.exp(p.b)) ** 3 + lambda * p.a * p.a;
}

/** ∇L̃ at p: with h = max(0, 1 + f + a·e^b), (3h²f′, 3h²e^b + 2λa, 3h²a·e^b). */
export function augmentedGradient(p: AugmentedPoint, lambda: number): AugmentedPoint {
  const eb = Math.exp(p.b);
  const h = Math.max(0, 1 + exampleOutput(p.theta) + p.a * eb);
  const h2 = 3 * h * h;
  return { theta: h2 * exampleOutputDerivative(p.theta), a: h2 * eb + 2 * lambda * p.a, b: h2 * p.a * eb };
}

/**
 * min over a of L̃(θ, a, b), and the minimiser (Fig. 1(b)). L̃ is convex in a (a convex increasing
 * function of an affine one, plus λa²). With c = 1 + f(θ) ≤ 0 the minimum is 0 at a = 0; otherwise
 * the minimiser lies in [−c·e^{−b}, 0], where ∂L̃/∂a goes from −2λc·e^{−b} < 0 to 3c²e^b > 0, and
 * is monotone: bisection to machine precision (no step size to tune, no failure to converge).
 */
export function minOverA(theta: number, b: number, lambda: number): { a: number; loss: number } {
  const c = 1 + exampleOutput(theta);
  if (c <= 0) return { a: 0, loss: 0 };
  const eb = Math.exp(b);
  const slope = (a: number) => 3 * Math.max(0, c + a * eb) ** 2 * eb + 2 * lambda * a;
  let lo = -c / eb;
  let hi = 0;
  for (let i = 0; i < 200 && hi - lo > 1e-17 * Math.max(1, Math.abs(lo)); i++) {
    const mid = 0.5 * (lo + hi);
    if (slope(mid) > 0) hi = mid;
    else lo = mid;
  }
  const a = 0.5 * (lo + hi);
  return { a, loss: augmentedLoss({ theta, a, b }, lambda) };
}

/** L's minima on an interval, found on a fine grid and refined by golden section (the derived numbers). */
export function lossMinimaOn(lo: number, hi: number, points = 20_001): { theta: number; loss: number }[] {
  const h = (hi - lo) / (points - 1);
  const out: { theta: number; loss: number }[] = [];
  for (let i = 1; i < points - 1; i++) {
    const t = lo + i * h;
    const [l0, l1, l2] = [exampleLoss(t - h), exampleLoss(t), exampleLoss(t + h)];
    if (l1 < l0 && l1 <= l2 && l1 > 0) out.push(goldenMin(exampleLoss, t - h, t + h));
  }
  return out;
}

function goldenMin(fn: (x: number) => number, a: number, b: number): { theta: number; loss: number } {
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  while (b - a > 1e-13) {
    if (fn(c) < fn(d)) b = d;
    else a = c;
    c = b - g * (b - a);
    d = a + g * (b - a);
  }
  const theta = 0.5 * (a + b);
  return { theta, loss: fn(theta) };
}

/** The set {θ : L(θ) = 0} on [lo, hi], as intervals (ends found by bisection on 1 + f = 0). */
export function zeroLossIntervals(lo: number, hi: number, points = 20_001): [number, number][] {
  const c = (t: number) => 1 + exampleOutput(t);
  const h = (hi - lo) / (points - 1);
  const out: [number, number][] = [];
  let start: number | null = c(lo) <= 0 ? lo : null;
  for (let i = 1; i < points; i++) {
    const [t0, t1] = [lo + (i - 1) * h, lo + i * h];
    if (c(t0) > 0 && c(t1) <= 0) start = root(c, t0, t1);
    if (c(t0) <= 0 && c(t1) > 0 && start !== null) {
      out.push([start, root(c, t0, t1)]);
      start = null;
    }
  }
  if (start !== null) out.push([start, hi]);
  return out;
}

function root(fn: (x: number) => number, a: number, b: number): number {
  const sa = Math.sign(fn(a));
  for (let i = 0; i < 200 && b - a > 1e-15; i++) {
    const m = 0.5 * (a + b);
    if (Math.sign(fn(m)) === sa) a = m;
    else b = m;
  }
  return 0.5 * (a + b);
}

export interface Trajectory {
  theta0: number;
  /** Recorded steps (1-based: after that many updates), log-spaced, with the state there. */
  steps: number[];
  theta: number[];
  a: number[];
  b: number[];
  /** L(θ_t) and L̃(θ_t, a_t, b_t). */
  loss: number[];
  augmented: number[];
  /** The first step at which a value was not finite (numerically diverged), or null. */
  nonFinite: number | null;
}

/** Step indices 1, …, T, log-spaced (perDecade per factor 10), always ending at T. */
export function logSpacedSteps(total: number, perDecade = 20): number[] {
  const out = new Set<number>();
  for (let e = 0; e <= Math.log10(total) * perDecade; e++) out.add(Math.min(total, Math.round(10 ** (e / perDecade))));
  out.add(total);
  return [...out].sort((x, y) => x - y);
}

/** Plain gradient descent on L̃ from (θ₀, a₀, b₀) with step lr, recorded at log-spaced steps. */
export function descend(start: AugmentedPoint, lambda: number, lr: number, steps: number, perDecade = 20): Trajectory {
  const at = logSpacedSteps(steps, perDecade);
  const tr: Trajectory = { theta0: start.theta, steps: [], theta: [], a: [], b: [], loss: [], augmented: [], nonFinite: null };
  let p = { ...start };
  let next = 0;
  for (let t = 1; t <= steps; t++) {
    const g = augmentedGradient(p, lambda);
    p = { theta: p.theta - lr * g.theta, a: p.a - lr * g.a, b: p.b - lr * g.b };
    if (!(Number.isFinite(p.theta) && Number.isFinite(p.a) && Number.isFinite(p.b))) {
      tr.nonFinite = t;
      break;
    }
    if (t === at[next]) {
      tr.steps.push(t);
      tr.theta.push(p.theta);
      tr.a.push(p.a);
      tr.b.push(p.b);
      tr.loss.push(exampleLoss(p.theta));
      tr.augmented.push(augmentedLoss(p, lambda));
      next++;
    }
  }
  return tr;
}

/**
 * The least-squares slope of y against ln t over the run's last decade (t ≥ T/10): how fast b
 * grows per e-fold of time. Thm 4's failure mode grows like log t, so this slope stays positive
 * where a norm threshold would never fire.
 */
export function slopeAgainstLogT(steps: number[], y: number[]): number {
  const T = steps[steps.length - 1];
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    if (steps[i] >= T / 10) {
      xs.push(Math.log(steps[i]));
      ys.push(y[i]);
    }
  }
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, x) => s + x, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  return sxy / sxx;
}
