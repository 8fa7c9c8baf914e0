/**
 * definePreset: a preset whose `run` refuses option values that validateOptions did not make for
 * its options — the type says so at compile time, this checks it at run time (where a spread copy
 * of validated values, or plain JavaScript, would get past the type).
 */
import { type Values, isValidatedFor } from './options.ts';
import type { Preset } from './types.ts';

export function definePreset<V extends Values>(preset: Preset<V>): Preset<V> {
  return {
    ...preset,
    run(options, ctx) {
      if (!isValidatedFor(preset.options, options)) {
        throw new TypeError(`${preset.name}: its options must come from validateOptions (runExperiment validates them)`);
      }
      return preset.run(options, ctx);
    },
  };
}
