/**
 * Headless reproductions in Node: `npm run reproduce -- <experiment> [options]` (see
 * src/cli/program.ts; `npm run reproduce -- --help` lists the experiments and their options).
 * The exit status: 0 done, 1 invalid input or an output that could not be written, 2 usage
 * (no experiment, unknown flag), 130 interrupted (Ctrl-C; the finished cells are written).
 */
import { ExperimentError } from '../core/experiment.ts';
import { PRESETS } from '../presets/index.ts';
import { cliMessage } from './flags.ts';
import { OutputPathError } from './outputs.ts';
import { buildProgram } from './program.ts';
import { ShardError } from './shard.ts';
import { CheckpointError } from './checkpoint.ts';

const USAGE_EXIT = 2;

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    // Nothing to run is a usage error, not success: the help goes to stderr.
    program.outputHelp({ error: true });
    return USAGE_EXIT;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander has printed its message (or the help) already.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : (e.exitCode ?? USAGE_EXIT);
    }
    throw err;
  }
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ExperimentError) console.error(`invalid input — ${cliMessage(err, PRESETS.find((p) => p.name === argv[0]))}`);
    else if (err instanceof ShardError) console.error(`cannot shard — ${err.message}`);
    else if (err instanceof CheckpointError) console.error(`checkpoint — ${err.message}`);
    else if (err instanceof OutputPathError) console.error(`cannot write the output — ${err.message} (checked before running anything)`);
    else if (err instanceof Error && err.name === 'NoWebGPUError') console.error(`${err.message}\n\nTo run on the CPU instead: add --cpu`);
    else console.error(err);
    process.exit(1);
  },
);
