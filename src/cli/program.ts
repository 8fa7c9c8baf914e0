/**
 * The command line of `npm run reproduce -- <experiment> [options]` (entry point: src/cli/main.ts): one
 * subcommand per preset in src/presets/, its flags generated from the preset's option specs
 * (commander). Runs on the GPU through dawn.node (WebGPU), or on the CPU reference engine with
 * --cpu; prints a table as cells finish, a progress bar with ETA on a terminal, and writes
 * --json / --out files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { parseHTML } from 'linkedom';
import type { Engine } from '../engine/engine.ts';
import { ExperimentError } from '../core/experiment.ts';
import { PRESETS, runExperiment } from '../presets/index.ts';
import { type OptionSpec, type OptionValue, formatOption, parseOption } from '../presets/options.ts';
import type { Preset, Progress } from '../presets/types.ts';
import { type ExperimentResult, paperInInterval } from '../results/types.ts';
import { plotBasinMap, plotFigure } from '../results/plot.ts';
import { cpuEngine } from '../engine/cpu.ts';
import { cellRows, mapCsv, resultCsv, resultJsonText, resultMarkdown, tableMarkdown, textTable } from '../results/report.ts';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

async function gpuEngine(): Promise<{ engine: Engine; close: () => void }> {
  const { getDevice } = await import('../../host/device.ts');
  const { GpuEngine } = await import('../../host/gpu-engine.ts');
  const handle = await getDevice();
  return { engine: new GpuEngine(handle), close: () => handle.destroy() };
}

function progressBar(p: Progress, pGlobal: number | undefined): void {
  if (!process.stderr.isTTY) return;
  const width = 24;
  const filled = Math.round((p.done / Math.max(1, p.total)) * width);
  const eta = p.etaSeconds === null ? '?' : p.etaSeconds < 90 ? `${p.etaSeconds.toFixed(0)}s` : `${(p.etaSeconds / 60).toFixed(1)}min`;
  const est = pGlobal === undefined ? '' : ` P(global)=${pGlobal.toFixed(3)}`;
  process.stderr.write(`\r\x1b[K${p.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${est} ETA ${eta}`);
}

function clearProgress(): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
}

/** Writes the JSON, Markdown, CSV and SVG figures (and each basin map as SVG and CSV); returns the paths written. */
function writeOutputs(result: ExperimentResult, json: string | undefined, out: string | undefined): string[] {
  const written: string[] = [];
  if (json) {
    writeFileSync(json, resultJsonText(result));
    written.push(json);
  }
  if (out) {
    mkdirSync(out, { recursive: true });
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const svgs: string[] = [];
    for (const fig of result.figures) {
      const file = `${result.experiment}-${fig.id}.svg`;
      writeFileSync(join(out, file), plotFigure(fig, document as unknown as Document).outerHTML + '\n');
      svgs.push(file);
      written.push(join(out, file));
    }
    for (const map of result.maps ?? []) {
      const file = `${result.experiment}-${map.id}`;
      writeFileSync(join(out, `${file}.svg`), plotBasinMap(map, document as unknown as Document).outerHTML + '\n');
      writeFileSync(join(out, `${file}.csv`), mapCsv(map));
      svgs.push(`${file}.svg`);
      written.push(join(out, `${file}.svg`), join(out, `${file}.csv`));
    }
    const md = join(out, `${result.experiment}.md`);
    writeFileSync(md, resultMarkdown(result, svgs));
    const csv = join(out, `${result.experiment}.csv`);
    writeFileSync(csv, resultCsv(result));
    const js = join(out, `${result.experiment}.json`);
    writeFileSync(js, resultJsonText(result));
    written.push(md, csv, js);
  }
  return written;
}

export async function reproduce(preset: Preset, options: Record<string, unknown>, flags: { cpu?: boolean; json?: string; out?: string }): Promise<void> {
  const { engine, close } = flags.cpu ? { engine: cpuEngine(), close: () => undefined } : await gpuEngine();
  const shown = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${kebab(k)} ${formatOption(v as OptionValue)}`)
    .join(', ');
  console.log(`${preset.name}: ${preset.title}\n${preset.source}${shown ? `; ${shown}` : ''}; on ${engine.label}`);
  let printedCells = 0;
  let result: ExperimentResult | undefined;
  try {
    const gen = runExperiment(preset.name, options, { engine });
    for (;;) {
      const u = await gen.next();
      if (u.done) {
        result = u.value;
        break;
      }
      progressBar(u.value.progress, u.value.snapshot?.pGlobal);
      const cells = u.value.result.cells;
      if (cells.length > printedCells) {
        clearProgress();
        const { head, rows } = cellRows(cells);
        const lines = textTable(head, rows).split('\n');
        // The header once, then each finished cell as it comes.
        console.log((printedCells === 0 ? lines : lines.slice(2 + printedCells)).join('\n'));
        printedCells = cells.length;
      }
    }
  } finally {
    clearProgress();
    close();
  }
  for (const t of result.tables) console.log(`\n${tableMarkdown(t)}`);
  for (const n of result.notes) console.log(`\n- ${n}`);
  const outside = result.cells.filter((c) => paperInInterval(c) === false);
  if (result.cells.some((c) => c.paper !== null)) {
    console.log(`\n${result.cells.length} cell${result.cells.length === 1 ? '' : 's'} in ${result.seconds.toFixed(1)} s; the paper's value (±0.005, its rounding) lies outside our 95% interval in ${outside.length}.`);
  } else {
    console.log(`\n${result.seconds.toFixed(1)} s.`);
  }
  const written = writeOutputs(result, flags.json, flags.out);
  if (written.length) console.log(`wrote ${written.join(', ')}`);
}

/**
 * One flag per option: its text parsed by the presets' own parser (the one runExperiment's
 * validator uses for text), so a bad value fails with the same message before anything runs.
 */
function addPresetOption(cmd: Command, spec: OptionSpec): void {
  const range = spec.kind === 'choice' ? spec.choices.join('|') : spec.kind.endsWith('list') ? 'LIST' : spec.kind === 'int' ? 'N' : 'X';
  const opt = new Option(`--${kebab(spec.name)} <${range}>`, `${spec.help} (default ${formatOption(spec.default)})`).argParser((text: string) => parseOption(spec, text));
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
    cmd.exitOverride();
    cmd.action(async (opts: Record<string, unknown>) => {
      const { json, out, cpu, ...rest } = opts;
      await run(preset, rest, { json: json as string | undefined, out: out as string | undefined, cpu: cpu as boolean | undefined });
    });
  }
  return program;
}

