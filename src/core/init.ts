/**
 * Per-restart initialisation, identical draw for draw to shaders/init.wgsl. Every random number
 * of restart r comes from the counter-based RNG keyed by (seed, r) on stream STREAM.init, at the
 * index named below, so any restart can be initialised alone, in any order, on any device.
 *
 *   index p  (p < F·m)         normal used for filter entry p
 *   index F·m + q (q < F·K)    normal used for output weight q
 *   index F·m + F·K            uniform for the radius of the ball (Du et al. Thm 4.2)
 *   index F·m + F·K + 1 + e    normal for the extra neuron's parameter e (a_e, b_e, w_e), if drawn
 *
 * A fixed output layer then overwrites a; a sign-projected one replaces each a entry by its sign.
 * The extra neuron (ModelSpec.extra) is initialised last, from indices no base parameter uses, so
 * a restart draws the same base row with and without it (paired restarts).
 */
import type { Experiment } from './experiment.ts';
import { fixedOutputOf, keepsSuppliedOutput } from './experiment.ts';
import { type Teacher, shapeOf } from './model.ts';
import { STREAM, normal, uniform } from './rng.ts';
import { initialSign } from './sign-output.ts';

/** |1ᵀa*|·‖w*‖/√(F·K): the radius of Du et al.'s ball for a (Thm 4.2; F·K = k there). */
export function duRadius(exp: Experiment, teacher: Teacher = exp.teacher): number {
  const { F, K } = shapeOf(exp.model);
  let sumA = 0;
  for (const x of teacher.a) sumA += x;
  let ww = 0;
  for (const x of teacher.w) ww += x * x;
  return (Math.abs(sumA) * Math.sqrt(ww)) / Math.sqrt(F * K);
}

/**
 * The scalars an initialiser needs beyond its spec, resolved once (shared with the GPU); with many
 * problems Du et al.'s radius is the restart's problem's (its teacher's).
 */
export function initRadius(exp: Experiment, teacher: Teacher = exp.teacher): number {
  return exp.init.kind === 'du' ? (exp.init.radius ?? duRadius(exp, teacher)) : 0;
}

/**
 * Writes restart r's initial parameter row into out[offset .. offset + P); `teacher` is the
 * restart's problem's (experiment.problems), which only Du et al.'s default radius reads.
 */
export function initParams(exp: Experiment, restart: number, out: Float64Array, offset = 0, teacher: Teacher = exp.teacher): void {
  const shape = shapeOf(exp.model);
  const { F, K, m, P, aOffset } = shape;
  // The base row's end: the radius's index, and where every per-parameter draw stops.
  const base = shape.eOffset;
  const { seed, init } = exp;
  const nrm = (i: number) => normal(seed, restart, STREAM.init, i);
  const FK = F * K;

  if (init.kind === 'supplied') {
    for (let p = 0; p < P; p++) out[offset + p] = init.params[restart * P + p]!;
  } else if (init.kind === 'grid') {
    for (let p = 0; p < P; p++) out[offset + p] = init.base[p];
    const [g0, g1] = init.resolution;
    const [lo0, hi0, lo1, hi1] = init.range;
    const i0 = restart % g0;
    const i1 = Math.floor(restart / g0);
    out[offset + init.axes[0]] = g0 > 1 ? lo0 + ((hi0 - lo0) * i0) / (g0 - 1) : lo0;
    out[offset + init.axes[1]] = g1 > 1 ? lo1 + ((hi1 - lo1) * i1) / (g1 - 1) : lo1;
  } else if (init.kind === 'gaussian') {
    for (let p = 0; p < base; p++) out[offset + p] = init.std * nrm(p);
  } else {
    // 'du' and 'sphere': each filter uniform on the unit sphere (a normalised Gaussian vector).
    const [signV, signA] = init.kind === 'du' ? (init.signs ?? [1, 1]) : [1, 1];
    for (let j = 0; j < F; j++) {
      let ss = 0;
      for (let t = 0; t < m; t++) {
        const g = nrm(j * m + t);
        out[offset + j * m + t] = g;
        ss += g * g;
      }
      const inv = ss > 0 ? signV / Math.sqrt(ss) : 0;
      for (let t = 0; t < m; t++) out[offset + j * m + t] *= inv;
    }
    if (init.kind === 'sphere') {
      for (let q = 0; q < FK; q++) out[offset + aOffset + q] = init.aStd * nrm(aOffset + q);
    } else {
      // Uniform in the ball of radius ρ in R^{F·K}: a uniform direction times ρ·U^{1/(F·K)}.
      let ss = 0;
      for (let q = 0; q < FK; q++) {
        const g = nrm(aOffset + q);
        out[offset + aOffset + q] = g;
        ss += g * g;
      }
      const rho = initRadius(exp, teacher) * Math.pow(uniform(seed, restart, STREAM.init, base), 1 / FK);
      const scale = ss > 0 ? (signA * rho) / Math.sqrt(ss) : 0;
      for (let q = 0; q < FK; q++) out[offset + aOffset + q] *= scale;
    }
  }
  if (exp.model.output === 'fixed' && !keepsSuppliedOutput(exp)) {
    const a = fixedOutputOf(exp);
    for (let q = 0; q < FK; q++) out[offset + aOffset + q] = a[q];
  } else if (exp.model.output === 'sign') {
    // After whatever the init kind drew (src/core/sign-output.ts: a drawn 0 becomes +1).
    for (let q = 0; q < FK; q++) out[offset + aOffset + q] = initialSign(out[offset + aOffset + q]);
  }
  // A supplied or grid row already holds the extra neuron; the drawn kinds start it from its own init.
  if (shape.E > 0 && init.kind !== 'supplied' && init.kind !== 'grid') {
    const x = exp.model.extra!.init;
    for (let e = 0; e < shape.E; e++) {
      const std = e === 0 ? (x?.aStd ?? 0) : e === 1 ? 0 : (x?.wStd ?? 0);
      out[offset + base + e] = (e === 1 ? (x?.b ?? 0) : 0) + (std > 0 ? std * nrm(base + 1 + e) : 0);
    }
  }
}
