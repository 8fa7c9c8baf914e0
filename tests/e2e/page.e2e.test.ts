/**
 * The page end to end: build it (vite), serve it on localhost (vite preview), drive it in headless
 * Chromium with WebGPU. Runs a small Table 1 grid and checks the numbers on screen against the
 * downloaded JSON, runs a basin map, measures that the page answers a UI action within 100 ms
 * while 5000 restarts per cell run, cancels a run and runs again, and fails on any console error.
 * Screenshots go to tests/e2e/screenshots/ (not committed) for review.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.ts';

const ROOT = join(import.meta.dirname, '../..');
const OUT = join(ROOT, 'tests/e2e/.dist');
const SHOTS = join(ROOT, 'tests/e2e/screenshots');

let server: PreviewServer;
let browser: Browser;
let page: Page;
let base: string;
const consoleErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: OUT, emptyOutDir: true } });
  server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir: OUT }, preview: { host: 'localhost', port: 0 } });
  base = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 1300 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && consoleErrors.push(`worker: ${m.text()}`)));
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.httpServer.close(() => resolve()) : resolve()));
});

async function open(query: string): Promise<void> {
  await page.goto(`${base}?${query}`);
  await expect.poll(() => page.textContent('#adapter'), { timeout: 60_000 }).toMatch(/^Adapter: /);
}

/** Starts a run from the keyboard, like a user without a mouse, and waits until it is done. */
async function runToEnd(timeout = 240_000): Promise<void> {
  const before = Number((await page.getAttribute('body', 'data-runs')) ?? 0);
  await page.focus('#run');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`body[data-state="done"][data-runs="${before + 1}"]`, { timeout });
}

async function downloadJson(): Promise<{ cells: Record<string, unknown>[]; maps?: { codes: number[] }[] } & Record<string, unknown>> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  return JSON.parse(readFileSync((await download.path())!, 'utf8'));
}

const fmt = (c: { pGlobal: number; ci95: number[] }) => `${c.pGlobal.toFixed(3)} [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}]`;

describe('the page', () => {
  it('loads with the adapter named and one option field per preset option; rejects bad input with the engine\'s message', async () => {
    await open('experiment=du-table1&k=16,25&ratio=1,4&restarts=400');
    expect(await page.inputValue('#opt-k')).toBe('16,25');
    await page.fill('#opt-restarts', '0');
    expect(await page.textContent('#opt-restarts-error')).toBe('restarts: must be an integer in [1, 10000000] (got 0)');
    expect(await page.isDisabled('#run')).toBe(true);
    await page.fill('#opt-restarts', '400');
    expect(await page.isDisabled('#run')).toBe(false);
  });

  it('runs a small Table 1 grid; the heatmap shows exactly the downloaded JSON', async () => {
    await runToEnd();
    await page.screenshot({ path: join(SHOTS, 'table1-small-done.png'), fullPage: true });
    const shown = await page.$$eval('#cells td.done', (tds) => tds.map((td) => ({ k: Number((td as HTMLElement).dataset.k), ratio: Number((td as HTMLElement).dataset.ratio), text: (td as HTMLElement).dataset.estimate })));
    const json = await downloadJson();
    expect(json.experiment).toBe('du-table1');
    expect(json.cells).toHaveLength(4);
    expect(shown).toHaveLength(4);
    for (const c of json.cells as { k: number; ratio: number; pGlobal: number; ci95: number[]; restarts: number }[]) {
      expect(c.restarts).toBe(400);
      expect(shown.find((s) => s.k === c.k && s.ratio === c.ratio)?.text).toBe(fmt(c));
    }
    expect(await page.textContent('#status')).toMatch(/^Done: 1,600 restarts/);
  });

  it('draws a basin map as it fills in; its counts equal the downloaded JSON', async () => {
    await open('experiment=bg-overlap-map&resolution=41');
    await runToEnd();
    await page.screenshot({ path: join(SHOTS, 'basin-map-done.png'), fullPage: true });
    const json = await downloadJson();
    const codes = json.maps![0].codes;
    expect(codes).toHaveLength(41 * 41);
    const legend = await page.$$eval('figure[data-map] .legend li', (lis) => Object.fromEntries(lis.map((li) => [(li as HTMLElement).dataset.outcome, li.textContent])));
    const names = ['pending', 'global', 'spurious', 'diverged', 'undecided'];
    for (const [code, name] of names.entries()) {
      const n = codes.filter((c) => (code === 0 ? c < 1 : c === code)).length;
      expect(legend[name]).toMatch(new RegExp(`: ${n}$`));
    }
    expect(codes.filter((c) => c === 1).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 2).length).toBeGreaterThan(0);
  });

  it('draws the two-phase curves and their tables', async () => {
    await open('experiment=du-two-phase&restarts=64');
    await runToEnd();
    const json = await downloadJson();
    const figures = json.figures as { title: string }[];
    expect(figures.length).toBeGreaterThan(0);
    expect(await page.$$eval('#figures svg', (svgs) => svgs.length)).toBe(figures.length);
    expect(await page.$$eval('#tables table', (ts) => ts.length)).toBe((json.tables as unknown[]).length);
    await page.screenshot({ path: join(SHOTS, 'two-phase-done.png'), fullPage: true });
  });

  it('keeps answering UI actions within 100 ms while 5000 restarts per cell run; Cancel stops the run and Run runs again', async () => {
    await open('experiment=du-table1&k=25,36,49&ratio=0,1,4,9&restarts=5000');
    await page.evaluate(() => {
      const w = window as unknown as { latencies: number[] };
      w.latencies = [];
      document.querySelector('#hist-details summary')!.addEventListener('click', (e) => w.latencies.push(performance.now() - e.timeStamp));
    });
    await page.click('#run');
    await page.waitForSelector('body[data-state="running"]');
    // Wait for a few cells to be in, then act on the page while the engine works.
    await page.waitForFunction(() => document.querySelectorAll('#cells td.done').length >= 3, undefined, { timeout: 120_000 });
    for (let i = 0; i < 6; i++) {
      await page.click('#hist-details summary');
      await page.waitForTimeout(150);
    }
    const stillRunning = await page.getAttribute('body', 'data-state');
    await page.screenshot({ path: join(SHOTS, 'table1-mid-run.png'), fullPage: true });
    const latencies = await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies);
    expect(latencies).toHaveLength(6);
    expect(Math.max(...latencies), `latencies ${latencies.map((x) => x.toFixed(1)).join(', ')} ms`).toBeLessThan(100);
    expect(stillRunning).toBe('running');
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="idle"]');
    expect(await page.textContent('#status')).toBe('Cancelled.');
    const doneBefore = await page.$$eval('#cells td.done', (tds) => tds.length);
    expect(doneBefore).toBeLessThan(12);
    // Run again, smaller: it completes.
    await page.fill('#opt-k', '25');
    await page.fill('#opt-ratio', '4');
    await page.fill('#opt-restarts', '1000');
    await runToEnd();
    expect(await page.$$eval('#cells td.done', (tds) => tds.length)).toBe(1);
    expect(new URL(page.url()).searchParams.get('restarts')).toBe('1000');
  });

  it('runs the benchmark suite in the page (smoke size, with the TF.js peers) and shows its table', async () => {
    await open('experiment=du-table1');
    await page.click('#bench-panel summary');
    await page.selectOption('#bench-size', 'smoke');
    await page.click('#bench-run');
    await page.waitForSelector('body[data-bench="done"], body[data-bench="failed"]', { timeout: 240_000 });
    expect(await page.getAttribute('body', 'data-bench'), (await page.textContent('#bench-log')) ?? '').toBe('done');
    const column = (id: string, i: number) => page.$$eval(`#${id} tbody tr`, (rows, i) => rows.map((r) => r.children[i].textContent ?? ''), i);
    const impls = await column('bench-table', 1);
    for (const impl of ['cpu', 'gpu', 'tfjs-wasm']) expect(impls).toContain(impl);
    expect(await column('bench-roofline', 1)).toEqual([expect.stringMatching(/GFLOP\/s$/), expect.stringMatching(/GB\/s$/)]);
    // Every kernel timed, each with its CPU counterpart's time.
    const kernels = await column('bench-kernels', 0);
    for (const k of ['sample', 'patch extraction', 'init', 'fused empirical step', 'classify', 'reduce', 'population step', 'activation']) expect(kernels.some((x) => x.startsWith(k)), k).toBe(true);
    expect((await column('bench-kernels', 4)).every((ms) => Number(ms.replace(/,/g, '')) > 0)).toBe(true);
    expect(await page.textContent('#bench-log')).toMatch(/TF\.js wasm, .*same loss as the CPU reference/);
    expect(await page.$$eval('#bench-results svg', (svgs) => svgs.length)).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#bench-download')]);
    const entries = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { impl: string; adapter: string }[];
    // One entry per row, two (GPU and CPU) per kernel row.
    // Smoke compares the step kernels' layouts at one R: four per thread, four cooperative.
    const layouts = await column('bench-layouts', 0);
    expect(layouts.length).toBe(8);
    expect(entries.length).toBe(2 + impls.length + 2 * kernels.length + layouts.length);
    expect(entries.every((e) => e.adapter === entries[0].adapter && e.adapter.length > 0)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'benchmarks.png'), fullPage: true });
  });

  it('reads at a phone\'s width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('without WebGPU explains why and runs on the CPU engine at a click', async () => {
    const noGpu = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'), headless: true });
    try {
      const p = await noGpu.newPage({ acceptDownloads: true });
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(`${base}?experiment=du-table1&k=9&ratio=1&restarts=40`);
      await p.waitForSelector('#no-gpu:not([hidden])');
      expect(await p.textContent('#no-gpu-text')).toMatch(/No WebGPU/);
      expect(await p.isDisabled('#run')).toBe(true);
      await p.click('#use-cpu');
      expect(await p.inputValue('#engine')).toBe('cpu');
      await p.click('#run');
      await p.waitForSelector('body[data-state="done"]', { timeout: 120_000 });
      expect(await p.textContent('#status')).toMatch(/^Done: 40 restarts .* on CPU reference engine/);
      await p.screenshot({ path: join(SHOTS, 'no-webgpu-cpu.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await noGpu.close();
    }
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
