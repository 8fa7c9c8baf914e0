/**
 * The constants the GPU engine passes each kernel (host/encoding.ts kernelConstants, plus the step
 * layout's for the step kernels), for a small experiment: what the composition and contract tests
 * compose the real kernels with.
 */
import { DEFAULT_OUTCOME_RULE } from '../../src/core/outcome.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import { duTeacher } from '../../src/core/teachers.ts';
import { prepare } from '../../src/core/prepare.ts';
import { COOPERATIVE_KERNELS, type Constants, type KernelName, layoutConstants, stepLayout } from '../../host/kernels.ts';
import { kernelConstants } from '../../host/encoding.ts';

/** Du et al.'s model, p = 6, k = 8, on a fixed sample. */
export const SMALL_EXPERIMENT: Experiment = {
  model: { d: 48, m: 6, stride: 6, filters: 1, activation: 'relu', output: 'learned', weightNorm: true },
  teacher: duTeacher(6, 8, 4, 1),
  loss: { kind: 'empirical', samples: 64 },
  optimizer: { kind: 'gd', lr: 0.1 },
  init: { kind: 'du' },
  restarts: 16,
  maxSteps: 10,
  seed: 1,
  outcome: DEFAULT_OUTCOME_RULE,
};

const STEP_KERNELS: ReadonlySet<KernelName> = new Set(['population_step', 'population_step_span', 'empirical_step', 'empirical_step_vec4', 'empirical_step_coop', 'empirical_step_coop_subgroup']);

export function kernelConstantsFor(kernel: KernelName, exp: Experiment = SMALL_EXPERIMENT): Constants {
  const prep = prepare(exp);
  const consts = kernelConstants(prep, COOPERATIVE_KERNELS.has(kernel));
  if (!STEP_KERNELS.has(kernel)) return consts;
  return { ...consts, ...layoutConstants(stepLayout(kernel, exp.restarts), kernel, prep.shape.P) };
}
