/**
 * The CLI's names for things: option names become flags (maxSteps → --max-steps), and an error
 * that names an option or an Experiment field is reworded to name the flag a user typed.
 */
import { ExperimentError } from '../core/experiment.ts';
import { DatasetFileError } from '../data/errors.ts';
import type { Preset } from '../presets/types.ts';

export const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export const flagOf = (option: string) => `--${kebab(option)}`;

/**
 * Fields of an Experiment (src/core/experiment.ts validateExperiment) that a preset sets straight
 * from an option of the same meaning; other fields have no flag and keep their name.
 */
const EXPERIMENT_FIELD_OPTIONS: Record<string, string> = {
  'loss.samples': 'samples',
  'loss.batch': 'batch',
  'optimizer.lr': 'lr',
};

/** The flag of `preset` that an ExperimentError's field stands for, if it has one. */
export function flagForField(field: string, preset?: Preset): string | null {
  const option = EXPERIMENT_FIELD_OPTIONS[field] ?? field;
  return preset?.options.specs.some((s) => s.name === option) ? flagOf(option) : null;
}

/** An error's message for the terminal, naming the flag: "--max-steps: must be an integer in [1, 100000] (got 2.5)". */
export function cliMessage(err: ExperimentError, preset?: Preset): string {
  // A data file's error names the file (whatever it is called), not a flag.
  const flag = err instanceof DatasetFileError ? null : flagForField(err.field, preset);
  const prefix = `${err.field}: `;
  const reason = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return `${flag ?? err.field}: ${reason}`;
}
