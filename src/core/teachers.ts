/**
 * Teachers the papers use. Random pieces come from the counter-based RNG under a key slot no
 * restart uses (TEACHER_RESTART), so a teacher is a pure function of its arguments and seed.
 */
import type { Teacher } from './model.ts';
import { STREAM, normal, uniform } from './rng.ts';

export const TEACHER_RESTART = 0xfffffffe;

/**
 * Du et al. (2018) Sec. 6: one filter w* with ‖w*‖ = 1 and an output layer a* ∈ R^k with
 * ‖a*‖ = 1 and a chosen ratio (1ᵀa*)²/‖a*‖². The paper does not say how a* was built; we take
 * a* = α·1/√k + β·u with u a random unit vector orthogonal to 1, α = √(ratio/k), β = √(1 − α²),
 * which meets both constraints exactly (ratio must be ≤ k). w* is a random unit vector.
 */
export function duTeacher(p: number, k: number, ratio: number, seed: number): Teacher {
  if (!(ratio >= 0 && ratio <= k)) throw new RangeError(`ratio (1ᵀa*)²/‖a*‖² must be in [0, k = ${k}] (got ${ratio})`);
  const w = new Float64Array(p);
  let ww = 0;
  for (let t = 0; t < p; t++) {
    w[t] = normal(seed, TEACHER_RESTART, STREAM.init, t);
    ww += w[t] * w[t];
  }
  for (let t = 0; t < p; t++) w[t] /= Math.sqrt(ww);

  const u = new Float64Array(k);
  let mean = 0;
  for (let i = 0; i < k; i++) {
    u[i] = normal(seed, TEACHER_RESTART, STREAM.init, p + i);
    mean += u[i] / k;
  }
  let uu = 0;
  for (let i = 0; i < k; i++) {
    u[i] -= mean;
    uu += u[i] * u[i];
  }
  const alpha = Math.sqrt(ratio / k);
  const beta = Math.sqrt(Math.max(0, 1 - alpha * alpha));
  const a = new Float64Array(k);
  for (let i = 0; i < k; i++) a[i] = alpha / Math.sqrt(k) + (uu > 0 ? (beta * u[i]) / Math.sqrt(uu) : 0);
  return { filters: 1, w, a };
}

/**
 * Brutzkus & Globerson (2017) Sec. 7.1: one filter w* = (−1, 1) of size m = 2 slid with stride 1
 * over an input of length d = k + 1, averaged over the k patches (their fixed output layer 1/k).
 */
export function bgOverlapTeacher(k: number): Teacher {
  return { filters: 1, w: Float64Array.of(-1, 1), a: new Float64Array(k).fill(1 / k) };
}

/**
 * A random teacher of F* filters for a model with K patches and filter size m: filters uniform on
 * the unit sphere and output weights ±1 (Zhong et al.'s v* ∈ {±1}ᵏ when K = 1), from the seed.
 */
export function randomTeacher(filters: number, m: number, K: number, seed: number): Teacher {
  const w = new Float64Array(filters * m);
  for (let j = 0; j < filters; j++) {
    let ss = 0;
    for (let t = 0; t < m; t++) {
      w[j * m + t] = normal(seed, TEACHER_RESTART, STREAM.init, j * m + t);
      ss += w[j * m + t] ** 2;
    }
    for (let t = 0; t < m; t++) w[j * m + t] /= Math.sqrt(ss);
  }
  const a = new Float64Array(filters * K);
  for (let q = 0; q < a.length; q++) a[q] = normal(seed, TEACHER_RESTART, STREAM.init, filters * m + q) >= 0 ? 1 : -1;
  return { filters, w, a };
}

/**
 * Brutzkus & Globerson (2017) Sec. 4 (proof of Thm 4.2) and Sec. 6: the planted teacher of the
 * set-splitting reduction, w* = (a^{S_1}, …, a^{S_k}) ∈ R^{k·d_S} with a^{S_l}_i = 1 for i ∈ S_l
 * and −d_S otherwise (d_S = |S| = `elements`), over k patches with average pooling 1/k
 * (src/core/set-splitting.ts reductionModel). By eq. 10 and 11 it labels the reduction's data
 * exactly: f(d(e_i)) = 1/k and f(d(1_{C_j})) = 0 for every split C_j.
 */
export function bgSplitTeacher(split: readonly (readonly number[])[], elements: number): Teacher {
  const k = split.length;
  const w = new Float64Array(k * elements).fill(-elements);
  split.forEach((part, l) => {
    for (const i of part) w[l * elements + i] = 1;
  });
  return { filters: 1, w, a: new Float64Array(k).fill(1 / k) };
}

/**
 * Brutzkus & Globerson (2017) Sec. 7.2: one filter w* ∈ R^m with entries i.i.d. uniform on
 * [lo, hi], averaged over the K patches (output weights 1/K). Draw `draw` of a seed uses the
 * counter indices draw·m … draw·m + m − 1, so the draws of one seed are distinct teachers.
 */
export function uniformTeacher(m: number, K: number, lo: number, hi: number, seed: number, draw = 0): Teacher {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new RangeError(`a uniform teacher needs finite lo ≤ hi (got [${lo}, ${hi}])`);
  const w = new Float64Array(m);
  for (let t = 0; t < m; t++) w[t] = lo + (hi - lo) * uniform(seed, TEACHER_RESTART, STREAM.init, draw * m + t);
  return { filters: 1, w, a: new Float64Array(K).fill(1 / K) };
}

/**
 * The five deterministic teachers of our Sec. 7.2 grid (the paper's are not stated; ours, from
 * /work/shared/specs/remaining-papers.md §A.3): alternating (−1, 1, −1, …); all ones; (−1, …, −1, 1),
 * which is Sec. 7.1's (−1, 1) at m = 2; e₁; and (1, −1, 0, …, 0).
 */
export const BG_DETERMINISTIC = ['alternating', 'ones', 'minus-ones-then-one', 'e1', 'one-minus-one'] as const;
export type BgDeterministic = (typeof BG_DETERMINISTIC)[number];

export function bgDeterministicTeacher(kind: BgDeterministic, m: number, K: number): Teacher {
  const w = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    w[t] =
      kind === 'alternating' ? (t % 2 === 0 ? -1 : 1)
      : kind === 'ones' ? 1
      : kind === 'minus-ones-then-one' ? (t === m - 1 ? 1 : -1)
      : kind === 'e1' ? (t === 0 ? 1 : 0)
      : t === 0 ? 1 : t === 1 ? -1 : 0;
  }
  return { filters: 1, w, a: new Float64Array(K).fill(1 / K) };
}

/** The supports of our Sec. 7.2 grid's random teachers, in list order (ours: the paper's are not stated). */
export const BG_SUPPORTS: readonly (readonly [number, number])[] = [
  [-1, 1],
  [0, 1],
  [-1, 0],
  [-5, 5],
  [0.5, 1.5],
];

/** A teacher of the Sec. 7.2 list with what it is, for reports: "U[−1, 1] #3", "alternating". */
export interface LabelledTeacher {
  label: string;
  teacher: Teacher;
}

/**
 * The Sec. 7.2 teachers of one setting (filter size m, K patches): `perSupport` i.i.d. uniform
 * teachers from each of BG_SUPPORTS, then the five deterministic ones; at perSupport = 17 that is
 * the spec's 90 per setting. Draw i of support j is uniformTeacher(…, seed, i·5 + j), so a shorter
 * list holds the first teachers of each support of a longer one.
 */
export function bgBasinTeachers(m: number, K: number, perSupport: number, seed: number): LabelledTeacher[] {
  const out: LabelledTeacher[] = [];
  BG_SUPPORTS.forEach(([lo, hi], j) => {
    for (let i = 0; i < perSupport; i++) out.push({ label: `U[${lo}, ${hi}] #${i + 1}`, teacher: uniformTeacher(m, K, lo, hi, seed, i * BG_SUPPORTS.length + j) });
  });
  for (const kind of BG_DETERMINISTIC) out.push({ label: kind, teacher: bgDeterministicTeacher(kind, m, K) });
  return out;
}
