/**
 * `npm run merge -- part-*.json --out DIR [--json FILE]`: puts the partial results of
 * `reproduce … --shard i/N` together (src/cli/shard.ts mergeParts: one configuration, each of the
 * N shards once) into the result the unsharded run writes, and writes the same outputs.
 * Exit status: 0 done, 1 parts that do not make one run (the message names the file) or an
 * output that could not be written, 2 usage.
 */
import { Command } from 'commander';
import { ExperimentError } from '../core/experiment.ts';
import { cliMessage } from './flags.ts';
import { OutputPathError, checkOutputPaths } from './outputs.ts';
import { printAndWrite } from './program.ts';
import { ShardError, mergeParts, readPart } from './shard.ts';

export function buildMergeProgram(): Command {
  return new Command('merge')
    .description('Merge the partial results of `reproduce <experiment> … --shard i/N` (all N of them) into the unsharded result.')
    .argument('<parts...>', 'the partial results (JSON files written with --shard)')
    .option('--json <FILE>', 'write the merged result as JSON')
    .option('--out <DIR>', 'write a Markdown report, CSV, JSON and SVG figures into DIR')
    .showHelpAfterError()
    .exitOverride()
    .action(async (files: string[], flags: { json?: string; out?: string }) => {
      const parts = files.map(readPart);
      checkOutputPaths(flags, parts[0].experiment);
      const result = await mergeParts(files, parts);
      console.log(`${result.experiment}: merged ${files.length} shards (${result.adapter})`);
      printAndWrite(result, flags);
    });
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildMergeProgram().parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' ? 0 : (e.exitCode ?? 2);
    if (err instanceof ShardError || err instanceof OutputPathError) console.error(`cannot merge — ${err.message}`);
    else if (err instanceof ExperimentError) console.error(`cannot merge — the parts' options are invalid: ${cliMessage(err)}`);
    else throw err;
    return 1;
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
