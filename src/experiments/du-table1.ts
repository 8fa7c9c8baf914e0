/**
 * Du, Lee, Tian, Póczos & Singh (ICML 2018), Sec. 6.2 and Table 1: the probability that gradient
 * descent on the population loss (Algorithm 1: weight-normalised filter, learned output layer),
 * started from Thm 4.2's random initialisation, reaches the global minimum; p = 6, 5000
 * initialisations per (k, (1ᵀa*)²/‖a*‖²) cell.
 *
 * Choices the paper leaves open, and ours: a* as in src/teachers.ts duTeacher (teacher seed
 * fixed per cell); step size η = 0.1 (below Lemma 5.4's 2π/(k + π − 1) for every k here);
 * a budget of 20 000 steps; the outcome rule of src/outcome.ts with Lemma 5.1's angle-π point as
 * the known spurious critical point.
 */
import type { Experiment } from '../experiment.ts';
import { DEFAULT_OUTCOME_RULE } from '../outcome.ts';
import { duSpuriousOutput } from '../population.ts';
import { duTeacher } from '../teachers.ts';

export const DU_P = 6;
export const DU_KS = [25, 36, 49, 64, 81, 100] as const;
export const DU_RATIOS = [0, 1, 4, 9, 16, 25] as const;

/** Table 1 as printed: rows k, columns (1ᵀa*)²/‖a*‖² ∈ {0, 1, 4, 9, 16, 25}. */
export const DU_TABLE1: Record<number, readonly number[]> = {
  25: [0.5, 0.55, 0.73, 1, 1, 1],
  36: [0.5, 0.53, 0.66, 0.89, 1, 1],
  49: [0.5, 0.53, 0.61, 0.78, 1, 1],
  64: [0.5, 0.51, 0.59, 0.71, 0.89, 1],
  81: [0.5, 0.53, 0.57, 0.66, 0.81, 0.97],
  100: [0.5, 0.5, 0.57, 0.63, 0.75, 0.9],
};

export function duPaperValue(k: number, ratio: number): number | undefined {
  const i = DU_RATIOS.indexOf(ratio as (typeof DU_RATIOS)[number]);
  return i >= 0 ? DU_TABLE1[k]?.[i] : undefined;
}

export interface DuCellOptions {
  k: number;
  ratio: number;
  p?: number;
  restarts?: number;
  seed?: number;
  teacherSeed?: number;
  lr?: number;
  maxSteps?: number;
  loss?: Experiment['loss'];
}

export function duCell(o: DuCellOptions): Experiment {
  const p = o.p ?? DU_P;
  const teacher = duTeacher(p, o.k, o.ratio, o.teacherSeed ?? 1);
  const aSpurious = duSpuriousOutput(teacher.w, teacher.a);
  return {
    model: { d: p * o.k, m: p, stride: p, filters: 1, activation: 'relu', output: 'learned', weightNorm: true },
    teacher,
    loss: o.loss ?? { kind: 'population' },
    optimizer: { kind: 'gd', lr: o.lr ?? 0.1 },
    init: { kind: 'du' },
    restarts: o.restarts ?? 5000,
    maxSteps: o.maxSteps ?? 20000,
    seed: o.seed ?? 2018,
    outcome: {
      ...DEFAULT_OUTCOME_RULE,
      trap: { w: teacher.w.map((x) => -x), a: aSpurious, angleTol: 0.1, aTol: 0.05 },
    },
  };
}
