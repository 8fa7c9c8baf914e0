/**
 * The experiment presets, and runExperiment: the one path by which the CLI, the page and user
 * code run them.
 *
 *   for await (const u of runExperiment('du-table1', { k: [25], ratio: [4] }, { engine })) {
 *     console.log(u.progress.done, u.progress.total, u.snapshot?.pGlobal);
 *   }
 */
import { ExperimentError } from '../core/experiment.ts';
import { bgHardData } from './bg-hard-data.ts';
import { bgBasinMass } from './bg-basin-mass.ts';
import { bgNoOverlap } from './bg-no-overlap.ts';
import { bgOverlapMap } from './bg-overlap-map.ts';
import { duSensitivity } from './du-sensitivity.ts';
import { duSpurious } from './du-spurious.ts';
import { duTable1, duTable1Empirical, duTable1Sgd } from './du-table1.ts';
import { duTwoPhase } from './du-two-phase.ts';
import { kkExample1 } from './kk-example1.ts';
import { kkBg } from './kk-bg.ts';
import { kkDu } from './kk-du.ts';
import { validateOptions } from './options.ts';
import { suppliedData } from './supplied-data.ts';
import { zhongInitError } from './zhong-init-error.ts';
import { zhongRecovery } from './zhong-recovery.ts';
import { azWidthDepth } from './az-width-depth.ts';
import { zhongThreeInits } from './zhong-three-inits.ts';
import type { ExperimentUpdate, Preset, RunContext } from './types.ts';
import type { ExperimentResult } from '../results/types.ts';

export const PRESETS: readonly Preset[] = [duTable1, duTable1Empirical, duTable1Sgd, duSensitivity, duTwoPhase, duSpurious, bgOverlapMap, bgNoOverlap, bgHardData, bgBasinMass, suppliedData, kkExample1, kkBg, kkDu, zhongRecovery, zhongInitError, zhongThreeInits, azWidthDepth];

export function presetByName(name: string): Preset {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new ExperimentError('experiment', `unknown experiment '${name}' (known: ${PRESETS.map((x) => x.name).join(', ')})`);
  return p;
}

/**
 * Runs a preset with the given options (defaults for the rest; values may be numbers, lists or
 * their text forms), streaming updates; the generator's return value (and the last update's
 * `result`) is the complete result. Options are validated here, once, before anything runs: the
 * preset receives them typed.
 */
export function runExperiment(name: string, options: Record<string, unknown>, ctx: RunContext): AsyncGenerator<ExperimentUpdate, ExperimentResult> {
  const preset = presetByName(name);
  return preset.run(validateOptions(preset, options), ctx);
}

export type * from './types.ts';
export type { Constraint, OptionDecl, OptionSet, OptionSpec, OptionValue, OptionValues, Validated, Values } from './options.ts';
export { validateOptions, defineOptions, parseOption, formatOption } from './options.ts';
export { definePreset } from './define-preset.ts';
