/**
 * Headless reproductions in Node: `npm run reproduce -- <experiment> [options]` (see
 * src/cli/program.ts; `npm run reproduce -- --help` lists the experiments and their options).
 */
import { ExperimentError } from '../core/experiment.ts';
import { buildProgram } from './program.ts';

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // commander has printed its message (or the help) already.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : (e.exitCode ?? 2);
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ExperimentError) console.error(`invalid input — ${err.message}`);
    else if (err instanceof Error && err.name === 'NoWebGPUError') console.error(`${err.message}\n\nTo run on the CPU instead: add --cpu`);
    else console.error(err);
    process.exit(1);
  },
);
