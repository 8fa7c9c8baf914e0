/**
 * The CLI's output files. Every path is checked before any work (a run can take hours: finding
 * then that --json names a directory loses it), and a finished result is never lost to an I/O
 * error: if writing fails after all, the JSON goes to the OS temp directory and the message says where.
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseHTML } from 'linkedom';
import type { ExperimentResult } from '../results/types.ts';
import { plotBasinMap, plotFigure } from '../results/plot.ts';
import { mapCsv, resultCsv, resultJsonText, resultMarkdown, tableCsv } from '../results/report.ts';
import { CRITICAL_POINTS_TABLE } from '../results/critical-points.ts';

/** An output path that cannot be written, naming its flag. */
export class OutputPathError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'OutputPathError';
  }
}

export interface OutputFlags {
  json?: string;
  out?: string;
}

const why = (e: unknown) => (e as NodeJS.ErrnoException).code ?? String(e);

/** The nearest existing directory at or above `path` (which may not exist yet). */
function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) p = dirname(p);
  return p;
}

/** A directory we can create files in: tried, not inferred from permission bits (root, /proc, read-only mounts). */
function requireWritableDir(flag: string, dir: string, of?: string): void {
  if (!statSync(dir).isDirectory()) throw new OutputPathError(flag, `'${dir}'${of ? ` (on the way to '${of}')` : ''} is a file, not a directory`);
  try {
    rmdirSync(mkdtempSync(join(dir, '.basins-probe-')));
  } catch (e) {
    throw new OutputPathError(flag, `cannot create files in '${dir}' (${why(e)})`);
  }
}

function checkJsonPath(file: string): void {
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new OutputPathError('--json', `'${file}' is a directory; give a file name, e.g. ${join(file, 'result.json')}`);
    try {
      closeSync(openSync(file, 'r+'));
    } catch (e) {
      throw new OutputPathError('--json', `cannot write '${file}' (${why(e)})`);
    }
    return;
  }
  const dir = dirname(resolve(file));
  if (!existsSync(dir)) throw new OutputPathError('--json', `the directory '${dirname(file)}' does not exist`);
  if (!statSync(dir).isDirectory()) throw new OutputPathError('--json', `'${dirname(file)}' is a file, not a directory`);
  try {
    closeSync(openSync(file, 'wx'));
    unlinkSync(file);
  } catch (e) {
    throw new OutputPathError('--json', `cannot create '${file}' (${why(e)})`);
  }
}

/** The files writeOutputs names before it knows the figures: none may be a directory. */
const fixedOutFiles = (experiment: string) => [`${experiment}.md`, `${experiment}.csv`, `${experiment}.json`];

function checkOutDir(dir: string, experiment: string): void {
  if (existsSync(dir)) {
    requireWritableDir('--out', dir);
    for (const f of fixedOutFiles(experiment)) {
      const p = join(dir, f);
      if (existsSync(p) && statSync(p).isDirectory()) throw new OutputPathError('--out', `'${p}' is a directory, where the report's ${f} goes`);
    }
    return;
  }
  // Created when the result is written; what must hold now is that it can be.
  requireWritableDir('--out', existingAncestor(dir), dir);
}

/** Throws OutputPathError for the first output path that could not be written. */
export function checkOutputPaths(flags: OutputFlags, experiment: string): void {
  if (flags.json) checkJsonPath(flags.json);
  if (flags.out) checkOutDir(flags.out, experiment);
}

/** Writes the JSON, Markdown, CSV and SVG figures (and each basin map as SVG and CSV), each path into `written` once written. */
export function writeOutputs(result: ExperimentResult, flags: OutputFlags, written: string[] = []): string[] {
  const write = (path: string, text: string) => {
    writeFileSync(path, text);
    written.push(path);
  };
  if (flags.json) write(flags.json, resultJsonText(result));
  const out = flags.out;
  if (out) {
    mkdirSync(out, { recursive: true });
    const { document } = parseHTML('<!doctype html><html><body></body></html>');
    const svgs: string[] = [];
    for (const fig of result.figures) {
      const file = `${result.experiment}-${fig.id}.svg`;
      write(join(out, file), plotFigure(fig, document as unknown as Document).outerHTML + '\n');
      svgs.push(file);
    }
    for (const map of result.maps ?? []) {
      const file = `${result.experiment}-${map.id}`;
      write(join(out, `${file}.svg`), plotBasinMap(map, document as unknown as Document).outerHTML + '\n');
      write(join(out, `${file}.csv`), mapCsv(map));
      svgs.push(`${file}.svg`);
    }
    write(join(out, `${result.experiment}.md`), resultMarkdown(result, svgs));
    write(join(out, `${result.experiment}.csv`), resultCsv(result));
    const points = result.tables.find((t) => t.id === CRITICAL_POINTS_TABLE);
    if (points) write(join(out, `${result.experiment}-${CRITICAL_POINTS_TABLE}.csv`), tableCsv(points));
    write(join(out, `${result.experiment}.json`), resultJsonText(result));
  }
  return written;
}

export interface WriteReport {
  written: string[];
  /** Set when writing failed: what failed, and where the JSON was saved instead (null if that failed too). */
  failed?: { error: string; savedTo: string | null };
}

/** writeOutputs, and if it fails part-way, the JSON into the OS temp directory instead. */
export function writeOutputsSafely(result: ExperimentResult, flags: OutputFlags, tempDir = tmpdir()): WriteReport {
  const written: string[] = [];
  try {
    writeOutputs(result, flags, written);
    return { written };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    const savedTo = join(tempDir, `basins-${result.experiment}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    try {
      writeFileSync(savedTo, resultJsonText(result));
      return { written, failed: { error, savedTo } };
    } catch {
      return { written, failed: { error, savedTo: null } };
    }
  }
}
