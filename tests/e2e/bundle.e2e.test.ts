/**
 * The page's main thread loads without TensorFlow.js and without the benchmark machinery: those
 * live in the worker, which imports bench/suite.ts (and through it TF.js) only when the Benchmarks
 * panel runs. Builds the page as tests/e2e/page.e2e.test.ts does (vite's build() with the
 * repository's vite.config.ts), into a scratch folder, and checks the main-thread bundle two ways:
 *   - the emitted files a browser loads before any dynamic import: index.html's module scripts and
 *     modulepreloads, and every chunk they import statically, contain no TF.js code;
 *   - the source modules bundled into those chunks (from the build's own output) include no TF.js
 *     package and nothing under bench/ but the result types and their rendering.
 * Prints the bundle sizes (main thread, worker, all), raw and gzipped.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Rolldown, build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

/** What the main thread may take from bench/: the entries' types and their tables and figures. */
const BENCH_ON_MAIN_THREAD = ['bench/entries.ts', 'bench/report.ts'];
/**
 * Text only TF.js code contains, minified or not: its package scope and kernel names of
 * tfjs-core's registry (string constants, so they survive minification).
 */
const TFJS_MARKERS = ['@tensorflow/', 'BatchMatMul', 'FusedConv2D'];

let outDir: string;
let chunks: Rolldown.OutputChunk[];

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'basins-bundle-'));
  const result = await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  chunks = outputs.flatMap((o) => o.output.filter((c): c is Rolldown.OutputChunk => c.type === 'chunk'));
});

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

const asset = (file: string) => readFileSync(join(outDir, file));

/** Relative files a chunk imports statically (`import … from"./x.js"`, `import"./x.js"`), not `import()`. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/\b(?:from|import)\s*["'`](\.\/[^"'`]+\.js)["'`]/g)].map((m) => m[1]!);
}

/** The files in `start` and every file reachable from them through `next`. */
function reachable(start: string[], next: (file: string) => string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    next(file).forEach(visit);
  };
  start.forEach(visit);
  return [...seen];
}

/** Emitted files and every file they import statically, read from the files themselves. */
function withStaticImports(files: string[]): string[] {
  return reachable(files, (file) => {
    const dir = file.slice(0, file.lastIndexOf('/') + 1);
    return staticImports(asset(file).toString('utf8')).map((spec) => dir + spec.slice(2));
  });
}

/** The scripts index.html loads: its module scripts and modulepreloads. */
function pageScripts(): string[] {
  const html = asset('index.html').toString('utf8');
  const script = [...html.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="\/([^"]+)"/g)].map((m) => m[1]!);
  const preload = [...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="\/([^"]+)"/g)].map((m) => m[1]!);
  return [...script, ...preload];
}

/** A bundled module as its npm package's name, or as a repository path. */
function packageOrFile(id: string): string {
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
  return pkg ? pkg[1]! : relative(ROOT, id);
}

/** Kilobytes of 1000 bytes, as vite prints them. */
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
function sizes(files: string[]): string {
  const raw = files.reduce((s, f) => s + asset(f).length, 0);
  const gz = files.reduce((s, f) => s + gzipSync(asset(f)).length, 0);
  return `${kB(raw)} (${kB(gz)} gz)`;
}

describe('the built page', () => {
  it("main thread: the entry and its static imports contain no TF.js code, which the worker's chunks do", () => {
    const mainThread = withStaticImports(pageScripts());
    expect(mainThread.length).toBeGreaterThan(0);
    const found = mainThread.flatMap((f) => TFJS_MARKERS.filter((m) => asset(f).includes(m)).map((m) => `${f}: ${m}`));
    expect(found).toEqual([]);

    // The markers are real: each occurs in some chunk the build emitted for the worker.
    const allJs = readdirSync(join(outDir, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
    for (const m of TFJS_MARKERS) expect(allJs.some((f) => asset(f).includes(m)), m).toBe(true);

    const workerEntry = allJs.filter((f) => /\/worker-[^/]+\.js$/.test(f));
    expect(workerEntry).toHaveLength(1);
    const all = readdirSync(join(outDir, 'assets')).map((f) => `assets/${f}`);
    console.info(
      `[bundle] main thread ${sizes(mainThread)} in ${mainThread.length} file(s); ` +
        `worker entry ${sizes(withStaticImports(workerEntry))}; all assets ${sizes(all)} in ${all.length} files`,
    );
  });

  it('main thread: no TF.js package and nothing of bench/ but its result types and rendering bundled in', () => {
    const entries = chunks.filter((c) => c.isEntry);
    expect(entries.map((c) => c.facadeModuleId && relative(ROOT, c.facadeModuleId))).toEqual(['index.html']);
    const byFile = new Map(chunks.map((c) => [c.fileName, c]));
    const mainThread = reachable(entries.map((c) => c.fileName), (f) => byFile.get(f)!.imports).map((f) => byFile.get(f)!);
    const modules = new Set(mainThread.flatMap((c) => c.moduleIds).map(packageOrFile));
    expect(modules).toContain('src/ui/main.ts');
    const forbidden = [...modules].filter((m) => m.startsWith('@tensorflow/') || (m.startsWith('bench/') && !BENCH_ON_MAIN_THREAD.includes(m)));
    expect(forbidden).toEqual([]);
  });
});
