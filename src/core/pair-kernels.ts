/**
 * Pair kernels of the population loss: for (X, Y) ~ N(0, Σ) with Σ₁₁ = n₁², Σ₂₂ = n₂², Σ₁₂ = ρ
 * (the pre-activations of two units with weight norms n₁, n₂ and inner product ρ under x ~ N(0, I)),
 *
 *     κ(n₁, n₂, ρ) = E[σ(X)σ(Y)]   and its partials ∂κ/∂ρ, ∂κ/∂n₁, ∂κ/∂n₂ (the other two fixed),
 *
 * plus the mean μ(n) = E[σ(nZ)], which gives κ for units that share no coordinate (ρ = 0 and X, Y
 * independent: κ = μ(n₁)μ(n₂)). src/core/population.ts assembles the loss from these.
 *
 * Closed forms: ReLU (Cho & Saul's arc-cosine kernel of degree 1), leaky ReLU (σ = αz + (1−α)relu:
 * the cross terms E[X relu(Y)] = ρ/2, so κ = αρ + (1−α)²κ_relu), squared ReLU (degree-2 arc-cosine
 * kernel, κ = n₁²n₂²/2π·[3 sinθ cosθ + (π−θ)(1 + 2cos²θ)]), erf (κ = (2/π) asin(2ρ/√((1+2n₁²)(1+2n₂²)))).
 * Sigmoid and tanh have none; they go by quadrature (quadratureKernel): a 1-D reduction
 * X = n₁z, Y = (ρ/n₁)z + τy with τ² = n₂² − ρ²/n₁² (the larger norm taken as n₁), each of the two
 * nested Gaussian integrals on panels graded towards its fast point (src/core/gaussian-quadrature.ts),
 * with Price's theorem for the gradient: ∂κ/∂ρ = E[σ'(X)σ'(Y)], ∂κ/∂n₁ = 2n₁·∂κ/∂Σ₁₁ = n₁E[σ''(X)σ(Y)].
 *
 * Accuracy of the quadrature (tests/unit/gaussian-quadrature.test.ts): order 12 per panel agrees with
 * order 24 and with erf's closed form to < 1e-10 absolute for norms up to QUADRATURE_NORM_LIMIT, far
 * below f32; beyond that limit quadratureKernel refuses (throws) rather than return an unchecked value.
 *
 * The GPU runs the same kernels in f32 (shaders/lib/pair_kernel.wgsl, the quadrature in
 * shaders/lib/gauss_quadrature.wgsl with this order, range and these nodes: host/contract.ts). In a
 * run, a student filter beyond the limit makes the loss NaN in both engines, so the outcome rule
 * labels that restart diverged (src/core/population.ts beyondPairKernelRange, which src/engine/cpu.ts
 * applies); a teacher beyond it is refused by validateExperiment (src/core/experiment.ts).
 */

import { type Activation, activate, activateDerivative, activateSecondDerivative, LEAKY_SLOPE } from './model.ts';
import { gaussLegendre, panelBreaks } from './gaussian-quadrature.ts';

/** The activations with no closed form, whose pair kernel is the quadrature (quadratureKernel). */
export const QUADRATURE_ACTIVATIONS: readonly Activation[] = ['sigmoid', 'tanh'];

/** Whether the activation's pair kernel goes by quadrature (and so is refused beyond QUADRATURE_NORM_LIMIT). */
export const byQuadrature = (act: Activation): boolean => QUADRATURE_ACTIVATIONS.includes(act);

/** Largest unit norm ‖w‖ for which the quadrature kernels are checked (and allowed). */
export const QUADRATURE_NORM_LIMIT = 64;

/** Gauss–Legendre order per panel of the quadrature kernels. */
export const QUADRATURE_ORDER = 12;

export interface PairKernel {
  /** Writes [κ, ∂κ/∂ρ, ∂κ/∂n₁, ∂κ/∂n₂] into out. */
  pair(n1: number, n2: number, rho: number, out: Float64Array): void;
  /** μ(n) = E[σ(nZ)]. */
  mean(n: number): number;
  /** dμ/dn. */
  meanDerivative(n: number): number;
}

const TWO_PI = 2 * Math.PI;
const INV_SQRT_2PI = 1 / Math.sqrt(TWO_PI);

/** cos θ, θ and sin θ of the angle between the two units (θ = π/2 when either is zero). */
function angle(n1: number, n2: number, rho: number): [number, number, number] {
  const nn = n1 * n2;
  let cs = nn > 0 ? rho / nn : 0;
  cs = cs > 1 ? 1 : cs < -1 ? -1 : cs;
  return [cs, Math.acos(cs), Math.sqrt(Math.max(0, 1 - cs * cs))];
}

const relu: PairKernel = {
  pair(n1, n2, rho, out) {
    const [cs, th, sn] = angle(n1, n2, rho);
    out[0] = (n1 * n2 * (sn + (Math.PI - th) * cs)) / TWO_PI;
    out[1] = (Math.PI - th) / TWO_PI;
    out[2] = (n2 * sn) / TWO_PI;
    out[3] = (n1 * sn) / TWO_PI;
  },
  mean: (n) => n * INV_SQRT_2PI,
  meanDerivative: () => INV_SQRT_2PI,
};

const leakyRelu: PairKernel = {
  pair(n1, n2, rho, out) {
    relu.pair(n1, n2, rho, out);
    const b = (1 - LEAKY_SLOPE) ** 2;
    out[0] = LEAKY_SLOPE * rho + b * out[0]!;
    out[1] = LEAKY_SLOPE + b * out[1]!;
    out[2] = b * out[2]!;
    out[3] = b * out[3]!;
  },
  mean: (n) => (1 - LEAKY_SLOPE) * n * INV_SQRT_2PI,
  meanDerivative: () => (1 - LEAKY_SLOPE) * INV_SQRT_2PI,
};

const squaredRelu: PairKernel = {
  pair(n1, n2, rho, out) {
    const [cs, th, sn] = angle(n1, n2, rho);
    const nn = n1 * n2;
    out[0] = ((nn * nn) / TWO_PI) * (3 * sn * cs + (Math.PI - th) * (1 + 2 * cs * cs));
    // Price: ∂κ/∂ρ = E[σ'σ'] = 4E[relu relu]; ∂κ/∂n₁ by differentiating κ at fixed ρ, n₂.
    out[1] = (2 / Math.PI) * nn * (sn + (Math.PI - th) * cs);
    out[2] = ((n1 * n2 * n2) / Math.PI) * (cs * sn + Math.PI - th);
    out[3] = ((n2 * n1 * n1) / Math.PI) * (cs * sn + Math.PI - th);
  },
  mean: (n) => 0.5 * n * n,
  meanDerivative: (n) => n,
};

const erfKernel: PairKernel = {
  pair(n1, n2, rho, out) {
    const d1 = 1 + 2 * n1 * n1;
    const d2 = 1 + 2 * n2 * n2;
    const root = Math.sqrt(d1 * d2);
    const q = Math.min(1, Math.max(-1, (2 * rho) / root));
    const c = 2 / Math.PI / Math.sqrt(Math.max(1e-300, 1 - q * q));
    out[0] = (2 / Math.PI) * Math.asin(q);
    out[1] = (c * 2) / root;
    out[2] = (-c * q * 2 * n1) / d1;
    out[3] = (-c * q * 2 * n2) / d2;
  },
  mean: () => 0,
  meanDerivative: () => 0,
};

/** Throws if a unit norm is beyond the range where the quadrature kernels are checked. */
export function assertQuadratureNorm(act: Activation, n: number): void {
  if (!(n <= QUADRATURE_NORM_LIMIT)) {
    throw new Error(
      `population loss for activation '${act}' is computed by quadrature, checked only for filter norms ‖w‖ ≤ ${QUADRATURE_NORM_LIMIT} (got ${n})`,
    );
  }
}

/** [σ(v), σ'(v), σ''(v)] into t: one exp for sigmoid and tanh (the quadrature's hot path). */
function derivatives(act: Activation, v: number, t: Float64Array): void {
  if (act === 'sigmoid') {
    const e = 1 / (1 + Math.exp(-v));
    const d = e * (1 - e);
    t[0] = e;
    t[1] = d;
    t[2] = d * (1 - 2 * e);
  } else if (act === 'tanh') {
    const th = Math.tanh(v);
    const d = 1 - th * th;
    t[0] = th;
    t[1] = d;
    t[2] = -2 * th * d;
  } else {
    t[0] = activate(act, v);
    t[1] = activateDerivative(act, v);
    t[2] = activateSecondDerivative(act, v);
  }
}

/**
 * E[f(X)g(Y)] for the four pairs (σ,σ), (σ',σ'), (σ'',σ), (σ,σ'') in one nested pass, by the 1-D
 * reduction in the header: out = [E σσ, E σ'σ', E σ''σ, E σσ''] with X of norm n1, Y of norm n2.
 */
export function pairExpectations(act: Activation, n1: number, n2: number, rho: number, order: number, out: Float64Array): void {
  if (n1 < n2) {
    pairExpectations(act, n2, n1, rho, order, out);
    const t = out[2]!;
    out[2] = out[3]!;
    out[3] = t;
    return;
  }
  const tr = new Float64Array(3);
  derivatives(act, 0, tr);
  const s0 = tr[0]!;
  const d0 = tr[1]!;
  const e0 = tr[2]!;
  if (n1 === 0) {
    out[0] = s0 * s0;
    out[1] = d0 * d0;
    out[2] = out[3] = e0 * s0;
    return;
  }
  const { nodes, weights } = gaussLegendre(order);
  const tau = Math.sqrt(Math.max(0, n2 * n2 - (rho * rho) / (n1 * n1)));
  const outer = panelBreaks(0, 1 / n1);
  let ss = 0;
  let dd = 0;
  let es = 0;
  let se = 0;
  for (let b = 0; b + 1 < outer.length; b++) {
    const mid = 0.5 * (outer[b]! + outer[b + 1]!);
    const half = 0.5 * (outer[b + 1]! - outer[b]!);
    for (let k = 0; k < order; k++) {
      const z = mid + half * nodes[k]!;
      const wz = half * weights[k]! * Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
      const x = n1 * z;
      const a = (rho / n1) * z;
      // Inner expectations over y of σ(Y), σ'(Y), σ''(Y), Y = a + τy.
      let gs = 0;
      let gd = 0;
      let ge = 0;
      if (tau === 0) {
        derivatives(act, a, tr);
        gs = tr[0]!;
        gd = tr[1]!;
        ge = tr[2]!;
      } else {
        const inner = panelBreaks(-a / tau, 1 / tau);
        for (let c = 0; c + 1 < inner.length; c++) {
          const m2 = 0.5 * (inner[c]! + inner[c + 1]!);
          const h2 = 0.5 * (inner[c + 1]! - inner[c]!);
          for (let l = 0; l < order; l++) {
            const y = m2 + h2 * nodes[l]!;
            const wy = h2 * weights[l]! * Math.exp(-0.5 * y * y) * INV_SQRT_2PI;
            derivatives(act, a + tau * y, tr);
            gs += wy * tr[0]!;
            gd += wy * tr[1]!;
            ge += wy * tr[2]!;
          }
        }
      }
      derivatives(act, x, tr);
      ss += wz * tr[0]! * gs;
      dd += wz * tr[1]! * gd;
      es += wz * tr[2]! * gs;
      se += wz * tr[0]! * ge;
    }
  }
  out[0] = ss;
  out[1] = dd;
  out[2] = es;
  out[3] = se;
}

/** A pair kernel by quadrature (any activation with σ''), refusing norms beyond QUADRATURE_NORM_LIMIT. */
export function quadratureKernel(act: Activation, order = QUADRATURE_ORDER): PairKernel {
  const m = activate(act, 0);
  return {
    pair(n1, n2, rho, out) {
      assertQuadratureNorm(act, n1);
      assertQuadratureNorm(act, n2);
      pairExpectations(act, n1, n2, rho, order, out);
      const e = out[2]!;
      const f = out[3]!;
      out[2] = n1 * e;
      out[3] = n2 * f;
    },
    // Both sigmoid − ½ and tanh are odd: E[σ(nZ)] = σ(0) for every n.
    mean: () => m,
    meanDerivative: () => 0,
  };
}

const KERNELS: Partial<Record<Activation, PairKernel>> = {
  relu,
  'leaky-relu': leakyRelu,
  'squared-relu': squaredRelu,
  erf: erfKernel,
  ...Object.fromEntries(QUADRATURE_ACTIVATIONS.map((act) => [act, quadratureKernel(act)])),
};

/** The pair kernel of an activation (closed form where one exists). */
export function pairKernel(act: Activation): PairKernel {
  const k = KERNELS[act];
  if (!k) throw new Error(`no population loss for activation '${act}'`);
  return k;
}
