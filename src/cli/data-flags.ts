/**
 * A preset's dataset option on the command line: `--data FILE` (inputs, and labels if the file
 * has them) and `--labels FILE` (a separate labels file), for an option named `data`; another
 * dataset option `train` would take `--train FILE` and `--train-labels FILE`. The files are read
 * and parsed here (src/data/load.ts), so a bad file fails with its own message before the
 * options' validation, the engine or the run.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ExperimentError } from '../core/experiment.ts';
import { type DataFile, loadDataset } from '../data/load.ts';
import type { OptionSpec } from '../presets/options.ts';
import type { Preset } from '../presets/types.ts';
import { flagOf } from './flags.ts';

/** The option (commander's key) of a dataset option's labels flag. */
export const labelsOptionOf = (name: string) => (name === 'data' ? 'labels' : `${name}Labels`);

/** A file's bytes, named by its base name (what the result records; a path may be private). */
function readFile(option: string, path: string): DataFile {
  try {
    return { name: basename(path), bytes: new Uint8Array(readFileSync(path)) };
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new ExperimentError(option, `cannot read '${path}': ${why}`);
  }
}

/**
 * The options with each dataset option's file paths replaced by the Dataset they hold (and the
 * labels flags removed); a labels flag without its data flag is an error naming both.
 */
export function readDatasetFlags(preset: Preset, given: Record<string, unknown>): Record<string, unknown> {
  const out = { ...given };
  for (const spec of preset.options.specs.filter((s: OptionSpec) => s.kind === 'dataset')) {
    const labelsKey = labelsOptionOf(spec.name);
    const dataPath = out[spec.name] as string | undefined;
    const labelsPath = out[labelsKey] as string | undefined;
    delete out[labelsKey];
    if (dataPath === undefined) {
      if (labelsPath !== undefined) throw new ExperimentError(labelsKey, `labels need their inputs: give ${flagOf(spec.name)} FILE too`);
      continue;
    }
    out[spec.name] = loadDataset({
      data: readFile(spec.name, dataPath),
      ...(labelsPath !== undefined ? { labels: readFile(labelsKey, labelsPath) } : {}),
    });
  }
  return out;
}
