/**
 * The command line of `npm run reproduce -- <experiment> [options]` (entry point: src/cli/main.ts): one
 * subcommand per preset in src/presets/, its flags generated from the preset's option specs
 * (commander). Runs on the GPU through dawn.node (WebGPU), or on the CPU reference engine with
 * --cpu; prints a table as cells finish, a progress bar with ETA on a terminal, and writes
 * --json / --out files.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Engine } from '../engine/engine.ts';
import { PRESETS, runExperiment } from '../presets/index.ts';
import { type OptionSpec, type OptionValue, type Values, allowedText, formatOption, ignoredOptions, parseOption, validateOptions } from '../presets/options.ts';
import type { Preset, Progress } from '../presets/types.ts';
import type { ExperimentResult } from '../results/types.ts';
import { cpuEngine } from '../engine/cpu.ts';
import { cellRows, summaryLine, tableMarkdown, textTable } from '../results/report.ts';
import { labelsOptionOf, readDatasetFlags } from './data-flags.ts';
import { flagOf, kebab } from './flags.ts';
import { INTERRUPTED_EXIT, listenForInterrupt } from './interrupt.ts';
import { type OutputFlags, checkOutputPaths, writeOutputsSafely } from './outputs.ts';
import { type Shard, parseShard } from './shard.ts';
import { reproduceShard } from './shard-cli.ts';
import { Checkpoint, CheckpointError, type Resumed, WRITE_EVERY_MS, checkpointingEngine } from './checkpoint.ts';

async function gpuEngine(): Promise<{ engine: Engine; close: () => void }> {
  const { getDevice } = await import('../../host/device.ts');
  const { GpuEngine } = await import('../../host/gpu-engine.ts');
  const { describeFault } = await import('../../host/device-faults.ts');
  const handle = await getDevice();
  // A fault the engine recovers from is said on stderr (on a line of its own, past any progress bar).
  const engine = new GpuEngine(handle, { onFault: (f) => console.error(`\n[basins] ${describeFault(f)}`) });
  return {
    engine,
    close: () => {
      engine.destroy();
      handle.destroy();
    },
  };
}

/** Where stderr is not a terminal (a batch job's log), a progress line this often. */
const LOGGED_PROGRESS_MS = 30_000;
let lastLoggedProgress = Date.now();

function progressBar(p: Progress, pGlobal: number | undefined): void {
  const eta = p.etaSeconds === null ? '?' : p.etaSeconds < 90 ? `${p.etaSeconds.toFixed(0)}s` : `${(p.etaSeconds / 60).toFixed(1)}min`;
  const est = pGlobal === undefined ? '' : ` P(global)=${pGlobal.toFixed(3)}`;
  if (!process.stderr.isTTY) {
    if (Date.now() - lastLoggedProgress < LOGGED_PROGRESS_MS || p.done >= p.total) return;
    lastLoggedProgress = Date.now();
    console.error(`progress: ${p.label} ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} restarts${est} ETA ${eta}`);
    return;
  }
  const width = 24;
  const filled = Math.round((p.done / Math.max(1, p.total)) * width);
  process.stderr.write(`\r\x1b[K${p.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${est} ETA ${eta}`);
}

const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;

/** What the run took of this machine: the process's peak resident memory, and the GPU buffers it held at most at once. */
function memoryLine(engine: Engine): string {
  const rss = process.resourceUsage().maxRSS * 1024;
  const gpu = (engine as { peakBufferBytes?: number }).peakBufferBytes;
  // A deep-net run's buffers are not counted (host/deep-engine.ts): no GPU figure rather than 0.
  return `memory: peak RSS ${MiB(rss)}${gpu ? `; GPU buffers at most ${MiB(gpu)} at once` : ''}`;
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

/** Says which given options the chosen values leave unused (e.g. --samples under --mode population); returns their names. */
function noteIgnored(preset: Preset, values: Values, given: string[]): Set<string> {
  const ignored = ignoredOptions(preset.options, values, given);
  for (const { name, onlyWith } of ignored) {
    const when = Object.entries(onlyWith)
      .map(([other, choices]) => `${flagOf(other)} ${choices.join('|')}`)
      .join(' and ');
    const got = Object.keys(onlyWith)
      .map((other) => `${flagOf(other)} ${formatOption(values[other])}`)
      .join(', ');
    console.error(`note: ${flagOf(name)} is ignored: it applies only with ${when} (this run has ${got})`);
  }
  return new Set(ignored.map((i) => i.name));
}

/** Prints each cell as it finishes (the table header once), clearing the progress bar first. */
function cellPrinter(): (cells: ExperimentResult['cells']) => void {
  let printed = 0;
  return (cells) => {
    if (cells.length <= printed) return;
    clearProgress();
    const { head, rows } = cellRows(cells);
    const lines = textTable(head, rows).split('\n');
    console.log((printed === 0 ? lines : lines.slice(2 + printed)).join('\n'));
    printed = cells.length;
  };
}

/**
 * Runs a preset and writes its outputs; the exit status goes to process.exitCode (0; 130 after
 * Ctrl-C, with the finished cells written; 1 when an output could not be written after all).
 * Options are validated and output paths checked before the engine is opened.
 */
export async function reproduce(preset: Preset, options: Record<string, unknown>, flags: { cpu?: boolean; shard?: Shard } & OutputFlags & CheckpointFlags): Promise<void> {
  const values = validateOptions(preset, options);
  checkOutputPaths(flags, preset.name);
  if (flags.shard && flags.resume) throw new CheckpointError('--resume does not apply to --shard (a shard writes its part only when it finishes): rerun the shard');
  // Checked before the engine opens: a checkpoint this run cannot use stops it at once.
  const checkpoint = flags.shard ? undefined : openCheckpoint(preset.name, values, flags.cpu ? 'cpu' : 'gpu', flags);
  if (flags.shard) return reproduceShard(preset, values, { ...flags, shard: flags.shard }, flags.cpu ? async () => ({ engine: cpuEngine(), close: () => undefined }) : gpuEngine);
  const given = Object.keys(options).filter((k) => options[k] !== undefined);
  const ignored = noteIgnored(preset, values, given);
  // Listening from here: a Ctrl-C while the adapter opens stops the run before its first step.
  const interrupt = listenForInterrupt(() => {
    clearProgress();
    console.error('\ninterrupted: stopping the run and writing the cells that finished (Ctrl-C again to quit without them)');
  });
  const { engine, close } = flags.cpu ? { engine: cpuEngine(), close: () => undefined } : await gpuEngine().catch((e: unknown) => {
    interrupt.dispose();
    throw e;
  });
  const shown = given
    .filter((k) => !ignored.has(k))
    .map((k) => `${kebab(k)} ${formatOption(values[k] as OptionValue)}`)
    .join(', ');
  console.log(`${preset.name}: ${preset.title}\n${preset.source}${shown ? `; ${shown}` : ''}; on ${engine.label}`);
  const printCells = cellPrinter();
  let result: ExperimentResult | undefined;
  const runOn = checkpoint ? checkpointingEngine(engine, { unitMs: 1000 * (flags.checkpointEvery ?? DEFAULT_UNIT_SECONDS) }, (u) => checkpoint.file.add(u), checkpoint.resumed) : engine;
  if (checkpoint?.resumed) console.log(`resuming from ${checkpoint.file.path}: ${checkpoint.resumed.units.length} finished unit${checkpoint.resumed.units.length === 1 ? '' : 's'} replayed`);
  try {
    const gen = runExperiment(preset.name, values, { engine: runOn, signal: interrupt.signal });
    for (;;) {
      const u = await gen.next();
      if (u.done) {
        result = u.value;
        break;
      }
      result = u.value.result;
      progressBar(u.value.progress, u.value.snapshot?.pGlobal);
      printCells(u.value.result.cells);
    }
  } catch (err) {
    if (!interrupt.requested) throw err;
    // The result holds the cells that finished, and the one in progress cut to its finished
    // checkpoint units where it had some (runCells: partial).
    if (result) {
      result.interrupted = true;
      printCells(result.cells);
    }
  } finally {
    interrupt.dispose();
    clearProgress();
    close();
    // Whatever stopped the run, the finished units are on disk for --resume.
    checkpoint?.file.write();
  }
  const kept = checkpoint && checkpoint.file.count > 0 ? `; the checkpoint ${checkpoint.file.path} keeps the ${checkpoint.file.count} finished unit${checkpoint.file.count === 1 ? '' : 's'}: add --resume to the same command to continue` : '';
  if (result === undefined) {
    console.log(`\ninterrupted before anything finished: nothing written${kept}.`);
    process.exitCode = INTERRUPTED_EXIT;
    return;
  }
  printAndWrite(result, flags);
  console.log(memoryLine(engine));
  if (result.interrupted) {
    if (kept) console.log(kept.slice(2));
    process.exitCode ??= INTERRUPTED_EXIT;
  } else if (checkpoint && process.exitCode !== 1) {
    // Kept when an output could not be written: the result can still be had with --resume.
    checkpoint.file.remove();
  }
}

/** Seconds of work per checkpointed unit, by default (a kill -9 loses about this much, plus WRITE_EVERY_MS). */
export const DEFAULT_UNIT_SECONDS = 2;

export interface CheckpointFlags {
  resume?: boolean;
  checkpointEvery?: number;
}

/** Where a run's checkpoint lies: beside its outputs (--out DIR: DIR/<experiment>.checkpoint.json; --json FILE: FILE.checkpoint.json). */
export function checkpointPath(experiment: string, flags: OutputFlags): string | undefined {
  if (flags.out) return join(flags.out, `${experiment}.checkpoint.json`);
  if (flags.json) return `${flags.json}.checkpoint.json`;
  return undefined;
}

/** The run's checkpoint (none without outputs to resume into), read when resuming; refuses to overwrite one silently. */
function openCheckpoint(experiment: string, values: Values, kind: 'gpu' | 'cpu', flags: OutputFlags & CheckpointFlags): { file: Checkpoint; resumed?: Resumed } | undefined {
  const path = checkpointPath(experiment, flags);
  if (!path) {
    if (flags.resume) throw new CheckpointError('--resume: give the --out DIR or --json FILE of the run to continue (its checkpoint lies beside them)');
    return undefined;
  }
  const file = new Checkpoint(path, experiment, values, kind);
  if (flags.resume) return { file, resumed: file.resume(experiment, values, kind) };
  if (existsSync(path)) throw new CheckpointError(`${path} exists: an unfinished run of these outputs left it; add --resume to continue it, or delete it to start again`);
  mkdirSync(dirname(path), { recursive: true });
  return { file };
}

/** commander's parser for --checkpoint-every. */
function parseSeconds(text: string): number {
  const x = Number(text);
  if (!(x > 0 && x <= 3600)) throw new InvalidArgumentError(`give seconds in (0, 3600] (got '${text}')`);
  return x;
}

/** Prints a result's tables, notes and summary and writes its outputs (exit status 1 where that failed); the merge's too. */
export function printAndWrite(result: ExperimentResult, flags: OutputFlags): void {
  for (const t of result.tables) console.log(`\n${tableMarkdown(t)}`);
  for (const n of result.notes) console.log(`\n- ${n}`);
  console.log(`\n${summaryLine(result)}`);
  const { written, failed } = writeOutputsSafely(result, flags);
  if (written.length) console.log(`wrote ${written.join(', ')}${result.interrupted ? ' (partial: the cells that finished)' : ''}`);
  if (failed) {
    console.error(`could not write the outputs: ${failed.error}`);
    console.error(failed.savedTo ? `the result is saved in ${failed.savedTo}` : 'and could not save the result in the temp directory either');
    process.exitCode = 1;
  }
}

/**
 * One flag per option: its text parsed by the presets' own parser (the one runExperiment's
 * validator uses for text), so a bad value fails with the same message before anything runs.
 */
function addPresetOption(cmd: Command, spec: OptionSpec): void {
  if (spec.kind === 'dataset') {
    // Read as paths; the action loads the files (src/cli/data-flags.ts).
    cmd.option(`${flagOf(spec.name)} <FILE>`, `${spec.help} (${allowedText(spec)}; default ${formatOption(spec.default)})`);
    cmd.option(`${flagOf(labelsOptionOf(spec.name))} <FILE>`, `labels for ${flagOf(spec.name)}, one per input (a 1-D .npy, a one-column .csv, a JSON array); without it, the file's own labels or the teacher's`);
    return;
  }
  const range = spec.kind === 'choice' ? spec.choices.join('|') : spec.kind.endsWith('list') ? 'LIST' : spec.kind === 'int' ? 'N' : 'X';
  const only = spec.onlyWith ? `; used only with ${Object.entries(spec.onlyWith).map(([o, c]) => `${flagOf(o)} ${c.join('|')}`).join(' and ')}` : '';
  const opt = new Option(`${flagOf(spec.name)} <${range}>`, `${spec.help} (${spec.kind === 'choice' ? '' : `${allowedText(spec)}; `}default ${formatOption(spec.default)}${only})`).argParser((text: string) =>
    parseOption(spec, text),
  );
  if (spec.kind === 'choice') opt.choices(spec.choices as string[]);
  cmd.addOption(opt);
}

/** The program; `run` replaces the action (tests check parsing without running anything). */
export function buildProgram(run: typeof reproduce = reproduce): Command {
  const program = new Command('reproduce')
    .description('Reproduce the papers’ experiments on WebGPU (dawn.node), or on the CPU reference engine with --cpu.')
    .showHelpAfterError()
    .exitOverride();
  for (const preset of PRESETS) {
    const cmd = program.command(preset.name).description(`${preset.title} — ${preset.source}`);
    for (const spec of preset.options.specs) addPresetOption(cmd, spec);
    cmd.option('--json <FILE>', 'write the results as JSON');
    cmd.option('--out <DIR>', 'write a Markdown report, CSV, JSON and SVG figures (basin maps also as CSV) into DIR');
    cmd.option('--cpu', 'run on the CPU reference engine instead of WebGPU');
    cmd.addOption(
      new Option('--shard <i/N>', 'run only shard i of N (i is 0-based: 0 … N−1) and write its partial result (--json FILE, or --out DIR/<experiment>.part-i-of-N.json); put the N parts together with npm run merge').argParser(parseShard),
    );
    cmd.option('--resume', 'continue the run that these outputs (--out / --json) belong to from its checkpoint, after a crash or Ctrl-C; the command line must be the same');
    cmd.addOption(
      new Option('--checkpoint-every <SECONDS>', `work per checkpointed unit: a crash loses about this much, plus ${WRITE_EVERY_MS / 1000} s (default ${DEFAULT_UNIT_SECONDS})`).argParser(parseSeconds),
    );
    cmd.exitOverride();
    cmd.action(async (opts: Record<string, unknown>) => {
      const { json, out, cpu, shard, resume, checkpointEvery, ...flags } = opts;
      // Data files read and parsed first: a bad file is named before anything else is checked.
      const rest = readDatasetFlags(preset, flags);
      // Every check across options before anything else (the engine, the run): same messages as the page.
      validateOptions(preset, rest);
      await run(preset, rest, { json: json as string | undefined, out: out as string | undefined, cpu: cpu as boolean | undefined, shard: shard as Shard | undefined, resume: resume as boolean | undefined, checkpointEvery: checkpointEvery as number | undefined });
    });
  }
  return program;
}

