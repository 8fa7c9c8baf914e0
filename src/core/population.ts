/**
 * Population loss and gradient under Gaussian inputs x ~ N(0, I_d), in f64, for every activation:
 * exact for ReLU, leaky ReLU, squared ReLU and erf, by quadrature (accurate to ~1e-10 for filter
 * norms ≤ 64, refused beyond) for sigmoid and tanh — the pair kernel κ and its partials come from
 * src/core/pair-kernels.ts; below, the ReLU formulas are the worked example. This is the CPU oracle
 * for shaders/population_step.wgsl (every activation; its pair kernels in shaders/lib/pair_kernel.wgsl)
 * and the CPU side of its benchmark.
 *
 * Convention: L = ½ E[(f(x; params) − f(x; teacher))²]. The ½ is Du et al.'s (their Thm 3.1);
 * Brutzkus & Globerson (eq. 5, 7, 16) define the risk without it, so their numbers are 2L.
 *
 * Method. Every (filter j, patch i) is a "unit" whose weight vector embedded in R^d is u_{j,i}
 * (w_j placed at offset s·i). Teacher units enter with coefficient −a*, student units with a, so
 *
 *     L = ½ Σ_{units U, U'} c_U c_U' κ(u_U, u_U'),
 *     κ(u, u') = E[σ(uᵀx)σ(u'ᵀx)] = (1/2π)[√(‖u‖²‖u'‖² − ρ²) + (π − θ)ρ],   ρ = u·u'
 *
 * (Cho & Saul's order-1 arc-cosine kernel; B&G Lemma 3.1). Because ‖u_{j,i}‖ = ‖w_j‖ and
 * u_{p,i}·u_{q,i−δ} = Σ_t w_p[t] w_q[t + sδ] =: ρ_pq(δ) depends only on (p, q, δ) and vanishes for
 * |δ| ≥ D = ⌈m/s⌉ (the two patches share no coordinate, κ = ‖w_p‖‖w_q‖/2π =: b_pq; for a general
 * activation b_pq = μ(‖w_p‖)μ(‖w_q‖) with μ(n) = E[σ(nZ)]), the double sum
 * over K² patch pairs collapses to a rank-one "base" term plus a band of width 2D − 1:
 *
 *     Σ_{i,i'} c_{p,i} c_{q,i'} κ = b_pq S_p S_q + Σ_{|δ|<D} (κ_pq(δ) − b_pq) R_pq(δ),
 *     S_p = Σ_i c_{p,i},   R_pq(δ) = Σ_i c_{p,i} c_{q,i−δ}.
 *
 * Cost O(N² (K·D + D·m)) with N = F + F*, instead of O(N² K² m) for the naive unit sum, so K = 100
 * is cheap.
 *
 * Gradient. Seen as a function of (ρ, n = ‖u‖, n' = ‖u'‖) the kernel has the simple partials
 * ∂κ/∂ρ = (π − θ)/2π and ∂κ/∂n = n' sin θ / 2π (the √ and θ terms cancel), which is B&G Lemma 3.2
 * written in coordinates that stay valid when p = q (ρ_pp(0) = n², θ = 0 gives ∂/∂w = w as it must).
 * Other activations supply their own ∂κ/∂ρ and ∂κ/∂n (pair-kernels.ts); the assembly is the same.
 */

import type { ModelSpec, Teacher } from './model.ts';
import { shapeOf, trainsOutput } from './model.ts';
import { type PairKernel, QUADRATURE_NORM_LIMIT, byQuadrature, pairKernel } from './pair-kernels.ts';

export interface PopulationEval {
  loss: number;
  /** Length P, gradient w.r.t. the stored parameter row (v and a); a's entries are 0 when model.output === 'fixed'. */
  grad: Float64Array;
}

const TWO_PI = 2 * Math.PI;

/** Throws Error naming the activation if the population loss has no kernel for it (src/core/pair-kernels.ts). */
export function assertPopulationSupported(model: ModelSpec): void {
  pairKernel(model.activation);
}

/**
 * Whether a student filter of the row is beyond the norms where the activation's pair kernel is
 * checked (the quadrature activations: ‖w_j‖ > QUADRATURE_NORM_LIMIT), where the loss has no value.
 * The engines then take it as NaN, so the restart is diverged (src/core/outcome.ts rule 1), rather
 * than stop the run (src/engine/cpu.ts; on the GPU, shaders/lib/pair_kernel.wgsl).
 */
export function beyondPairKernelRange(model: ModelSpec, params: ArrayLike<number>): boolean {
  // Weight-normalised filters have norm 1 (or 0).
  if (!byQuadrature(model.activation) || model.weightNorm) return false;
  const { F, m } = shapeOf(model);
  for (let j = 0; j < F; j++) {
    let vv = 0;
    for (let t = 0; t < m; t++) vv += params[j * m + t] ** 2;
    if (!(Math.sqrt(vv) <= QUADRATURE_NORM_LIMIT)) return true;
  }
  return false;
}

/**
 * The units of a loss evaluation in a flat layout: N filters (students first, then teachers), each
 * with its effective filter, norm and K patch coefficients.
 */
interface Units {
  N: number;
  m: number;
  s: number;
  K: number;
  /** Half-width of the band: pairs with |δ| ≥ Db never overlap (Db = min(⌈m/s⌉, K)). */
  Db: number;
  w: Float64Array; // N·m
  norm: Float64Array; // N
  c: Float64Array; // N·K
}

function checkShapes(model: ModelSpec, teacher: Teacher): void {
  assertPopulationSupported(model);
  const { K, m } = shapeOf(model);
  if (!Number.isInteger(K) || K < 1) {
    throw new Error(`(d − m)/stride + 1 must be a positive integer (d=${model.d}, m=${m}, stride=${model.stride})`);
  }
  if (teacher.w.length !== teacher.filters * m || teacher.a.length !== teacher.filters * K) {
    throw new Error(
      `teacher has w of length ${teacher.w.length} and a of length ${teacher.a.length}; ` +
        `expected ${teacher.filters * m} and ${teacher.filters * K} for ${teacher.filters} filters`,
    );
  }
}

/**
 * Collects student units (if params given) and teacher units. A weight-normalised filter with
 * v = 0 has no direction; we treat it as the zero filter (output 0) rather than propagate NaN.
 */
function buildUnits(model: ModelSpec, teacher: Teacher, params: ArrayLike<number> | null, teacherSign: number): Units {
  const { m, s, K, F, P, aOffset } = shapeOf(model);
  if (params && params.length !== P) throw new Error(`parameter row has length ${params.length}, expected P = ${P}`);
  const Fs = params ? F : 0;
  const N = Fs + teacher.filters;
  const w = new Float64Array(N * m);
  const norm = new Float64Array(N);
  const c = new Float64Array(N * K);
  for (let j = 0; j < Fs; j++) {
    let vv = 0;
    for (let t = 0; t < m; t++) vv += params![j * m + t] ** 2;
    const scale = model.weightNorm ? (vv > 0 ? 1 / Math.sqrt(vv) : 0) : 1;
    for (let t = 0; t < m; t++) w[j * m + t] = params![j * m + t] * scale;
    for (let i = 0; i < K; i++) c[j * K + i] = params![aOffset + j * K + i];
  }
  for (let j = 0; j < teacher.filters; j++) {
    const p = Fs + j;
    for (let t = 0; t < m; t++) w[p * m + t] = teacher.w[j * m + t];
    for (let i = 0; i < K; i++) c[p * K + i] = teacherSign * teacher.a[j * K + i];
  }
  for (let p = 0; p < N; p++) {
    let ss = 0;
    for (let t = 0; t < m; t++) ss += w[p * m + t] ** 2;
    norm[p] = Math.sqrt(ss);
  }
  return { N, m, s, K, Db: Math.min(Math.ceil(m / s), K), w, norm, c };
}

/**
 * Per ordered pair (p, q) and band offset δ ∈ (−Db, Db): the kernel value κ_pq(δ), its partials
 * ∂κ/∂ρ and ∂κ/∂‖w_p‖ (the norm of the first unit), and the patch correlation R_pq(δ).
 * Index ((p·N + q)·nb + δ + Db − 1).
 */
interface PairTables {
  nb: number;
  kap: Float64Array;
  dRho: Float64Array;
  dNorm: Float64Array;
  R: Float64Array;
  S: Float64Array; // S_p = Σ_i c_{p,i}
}

function pairTables(u: Units, kernel: PairKernel, withGrad: boolean): PairTables {
  const { N, m, s, K, Db, w, norm, c } = u;
  const nb = 2 * Db - 1;
  const size = N * N * nb;
  const kap = new Float64Array(size);
  const dRho = withGrad ? new Float64Array(size) : kap;
  const dNorm = withGrad ? new Float64Array(size) : kap;
  const R = new Float64Array(size);
  const S = new Float64Array(N);
  const out = new Float64Array(4);
  for (let p = 0; p < N; p++) {
    let acc = 0;
    for (let i = 0; i < K; i++) acc += c[p * K + i];
    S[p] = acc;
  }
  // Only p ≤ q is computed: ρ_qp(δ) = ρ_pq(−δ) and R_qp(δ) = R_pq(−δ), so the rest is a mirror.
  for (let p = 0; p < N; p++) {
    for (let q = p; q < N; q++) {
      for (let delta = 1 - Db; delta < Db; delta++) {
        // ρ_pq(δ) = Σ_t w_p[t] w_q[t + sδ] over the overlap of the two patches.
        const sh = s * delta;
        const t0 = Math.max(0, -sh);
        const t1 = Math.min(m, m - sh);
        let rho = 0;
        for (let t = t0; t < t1; t++) rho += w[p * m + t] * w[q * m + t + sh];
        // R_pq(δ) = Σ_i c_{p,i} c_{q,i−δ}, i and i − δ both in [0, K).
        const i0 = Math.max(0, delta);
        const i1 = Math.min(K, K + delta);
        let r = 0;
        for (let i = i0; i < i1; i++) r += c[p * K + i] * c[q * K + i - delta];
        const a = (p * N + q) * nb + delta + Db - 1;
        const b = (q * N + p) * nb - delta + Db - 1;
        kernel.pair(norm[p], norm[q], rho, out);
        kap[a] = kap[b] = out[0]!;
        R[a] = R[b] = r;
        if (withGrad) {
          dRho[a] = dRho[b] = out[1]!;
          dNorm[a] = out[2]!;
          dNorm[b] = out[3]!;
        }
      }
    }
  }
  return { nb, kap, dRho, dNorm, R, S };
}

/** ½ cᵀGc from the tables: the base term b_pq S_p S_q plus the banded correction. */
function quadraticForm(u: Units, t: PairTables, mu: Float64Array): number {
  const { N } = u;
  const { nb, kap, R, S } = t;
  let total = 0;
  for (let p = 0; p < N; p++) {
    for (let q = 0; q < N; q++) {
      const base = mu[p] * mu[q];
      let band = 0;
      const o = (p * N + q) * nb;
      for (let e = 0; e < nb; e++) band += (kap[o + e] - base) * R[o + e];
      total += base * S[p] * S[q] + band;
    }
  }
  return 0.5 * total;
}

export function populationLoss(model: ModelSpec, teacher: Teacher, params: ArrayLike<number>): number {
  checkShapes(model, teacher);
  const kernel = pairKernel(model.activation);
  const u = buildUnits(model, teacher, params, -1);
  return quadraticForm(u, pairTables(u, kernel, false), means(u, kernel));
}

export function populationLossAndGradient(model: ModelSpec, teacher: Teacher, params: ArrayLike<number>): PopulationEval {
  checkShapes(model, teacher);
  const { F, P, aOffset } = shapeOf(model);
  const kernel = pairKernel(model.activation);
  const u = buildUnits(model, teacher, params, -1);
  const tab = pairTables(u, kernel, true);
  const mu = means(u, kernel);
  const loss = quadraticForm(u, tab, mu);
  const { N, m, s, K, Db, w, norm, c } = u;
  const { nb, kap, dRho, dNorm, R, S } = tab;
  const grad = new Float64Array(P);

  // ∂L/∂c_{p,i} = Σ_q [b_pq S_q + Σ_δ (κ_pq(δ) − b_pq) c_{q,i−δ}]   (G is symmetric, so the ½ goes).
  if (trainsOutput(model)) {
    for (let p = 0; p < F; p++) {
      const g = grad.subarray(aOffset + p * K, aOffset + (p + 1) * K);
      for (let q = 0; q < N; q++) {
        const base = mu[p] * mu[q];
        const flat = base * S[q];
        for (let i = 0; i < K; i++) g[i] += flat;
        const o = (p * N + q) * nb;
        for (let delta = 1 - Db; delta < Db; delta++) {
          const diff = kap[o + delta + Db - 1] - base;
          if (diff === 0) continue;
          const i0 = Math.max(0, delta);
          const i1 = Math.min(K, K + delta);
          for (let i = i0; i < i1; i++) g[i] += diff * c[q * K + i - delta];
        }
      }
    }
  }

  // ∂L/∂w_p = Σ_q [ (n_q/2π)(S_p S_q − Σ_δ R_pq(δ)) ŵ_p
  //               + Σ_δ R_pq(δ) ( (n_q sin θ_pq(δ)/2π) ŵ_p + ((π − θ_pq(δ))/2π) w_q[· + sδ] ) ]
  // with ŵ_p = w_p/‖w_p‖ (0 at w_p = 0, where the kernel has no gradient along ŵ).
  const gw = new Float64Array(m);
  for (let p = 0; p < F; p++) {
    gw.fill(0);
    const dmu = kernel.meanDerivative(norm[p]);
    let radial = 0; // coefficient of ŵ_p
    for (let q = 0; q < N; q++) {
      const o = (p * N + q) * nb;
      let rsum = 0;
      for (let e = 0; e < nb; e++) {
        const r = R[o + e];
        if (r === 0) continue;
        rsum += r;
        radial += r * dNorm[o + e];
        const coef = r * dRho[o + e];
        const sh = s * (e - Db + 1);
        const t0 = Math.max(0, -sh);
        const t1 = Math.min(m, m - sh);
        for (let t = t0; t < t1; t++) gw[t] += coef * w[q * m + t + sh];
      }
      radial += dmu * mu[q] * (S[p] * S[q] - rsum);
    }
    const n = norm[p];
    if (n > 0) for (let t = 0; t < m; t++) gw[t] += (radial * w[p * m + t]) / n;

    if (model.weightNorm) {
      // w = v/‖v‖ ⇒ ∂L/∂v = (1/‖v‖)(I − wwᵀ) ∂L/∂w. At v = 0 there is no direction: gradient 0.
      let vv = 0;
      for (let t = 0; t < m; t++) vv += params[p * m + t] ** 2;
      const vn = Math.sqrt(vv);
      if (vn > 0) {
        let wg = 0;
        for (let t = 0; t < m; t++) wg += w[p * m + t] * gw[t];
        for (let t = 0; t < m; t++) grad[p * m + t] = (gw[t] - wg * w[p * m + t]) / vn;
      }
    } else {
      for (let t = 0; t < m; t++) grad[p * m + t] = gw[t];
    }
  }
  return { loss, grad };
}

/** μ(‖w_p‖) = E[σ(w_pᵀx)] per unit: the kernel of units that share no coordinate is μ_p μ_q. */
function means(u: Units, kernel: PairKernel): Float64Array {
  const mu = new Float64Array(u.N);
  for (let p = 0; p < u.N; p++) mu[p] = kernel.mean(u.norm[p]);
  return mu;
}

/** ½E[f*(x)²]: the loss of the zero predictor; the scale for the outcome rule's tolerances. */
export function teacherEnergy(model: ModelSpec, teacher: Teacher): number {
  checkShapes(model, teacher);
  const kernel = pairKernel(model.activation);
  const u = buildUnits(model, teacher, null, 1);
  return quadraticForm(u, pairTables(u, kernel, false), means(u, kernel));
}

function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`length mismatch: ${x.length} vs ${y.length}`);
  let acc = 0;
  for (let t = 0; t < x.length; t++) acc += x[t] * y[t];
  return acc;
}

function sum(x: ArrayLike<number>): number {
  let acc = 0;
  for (let t = 0; t < x.length; t++) acc += x[t];
  return acc;
}

/**
 * Du et al. Thm 3.1 for F = F* = 1, no overlap, learned a, w = v/‖v‖:
 *
 *   ℓ = ½ · (1/2π) · [ (π−1)‖w*‖²‖a*‖² + (π−1)‖a‖² − 2(g(φ)−1)‖w*‖ aᵀa*
 *                      + ‖w*‖²(1ᵀa*)² + (1ᵀa)² − 2‖w*‖ (1ᵀa)(1ᵀa*) ],   g(φ) = (π−φ)cos φ + sin φ.
 *
 * The printed theorem lacks the 1/2π on the last term; the cross term between different patches is
 * E[σ(wᵀz)]E[σ(w*ᵀz')] = ‖w‖‖w*‖/2π like every other off-diagonal term, so the 1/2π belongs there
 * (and the tests confirm it by Monte Carlo). An independent closed form, used as a cross-check.
 */
export function duPopulationLoss(
  wStar: ArrayLike<number>,
  aStar: ArrayLike<number>,
  v: ArrayLike<number>,
  a: ArrayLike<number>,
): number {
  if (a.length !== aStar.length) throw new Error(`a has length ${a.length}, a* has ${aStar.length}`);
  const ws = Math.sqrt(dot(wStar, wStar));
  const vn = Math.sqrt(dot(v, v));
  let cosPhi = vn > 0 && ws > 0 ? dot(v, wStar) / (vn * ws) : 0;
  cosPhi = Math.min(1, Math.max(-1, cosPhi));
  const phi = Math.acos(cosPhi);
  const g = (Math.PI - phi) * cosPhi + Math.sin(phi);
  const sa = sum(a);
  const sas = sum(aStar);
  return (
    0.5 *
    (((Math.PI - 1) * ws * ws * dot(aStar, aStar)) / TWO_PI +
      ((Math.PI - 1) * dot(a, a)) / TWO_PI -
      (2 * (g - 1) * ws * dot(a, aStar)) / TWO_PI +
      (ws * ws * sas * sas) / TWO_PI +
      (sa * sa) / TWO_PI -
      (2 * ws * sa * sas) / TWO_PI)
  );
}

/**
 * Du et al. Lemma 5.1's spurious critical point (θ(v, w*) = π) has output layer
 * (11ᵀ + (π−1)I)⁻¹(11ᵀ − I)‖w*‖a*. By Sherman–Morrison, (αI + 11ᵀ)⁻¹ = (I − 11ᵀ/(α + k))/α with
 * α = π − 1, so the solve is O(k).
 */
export function duSpuriousOutput(wStar: ArrayLike<number>, aStar: ArrayLike<number>): Float64Array {
  const k = aStar.length;
  const ws = Math.sqrt(dot(wStar, wStar));
  const alpha = Math.PI - 1;
  const sas = sum(aStar);
  const b = new Float64Array(k);
  for (let i = 0; i < k; i++) b[i] = ws * (sas - aStar[i]);
  const shift = sum(b) / (alpha + k);
  for (let i = 0; i < k; i++) b[i] = (b[i] - shift) / alpha;
  return b;
}
