/**
 * The page end to end: build it (vite), serve it on localhost (vite preview), drive it in headless
 * Chromium with WebGPU. Runs a small Table 1 grid and checks the numbers on screen against the
 * downloaded JSON, runs a basin map, measures that the page answers a UI action within 100 ms
 * while 5000 restarts per cell run, cancels a run (its state: no cell left "running…", no empty
 * histogram drawn, the finished cells downloadable as partial) and runs again, checks a link's
 * bad values are refused like typed ones, the layout at a phone's width, and fails on any console
 * error. Screenshots go to tests/e2e/screenshots/ (not committed) for review.
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

/** Clicks a download button; the file's suggested name and text. */
async function downloadText(button: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8') };
}

async function downloadJson(): Promise<{ cells: Record<string, unknown>[]; maps?: { codes: number[] }[] } & Record<string, unknown>> {
  return JSON.parse((await downloadText('#download-json')).text);
}

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The live panel's words once a run has ended: nothing there may say a cell is still in progress. */
async function expectLivePanelEnded(): Promise<void> {
  const words = await page.$$eval('#live-heading, #hist-summary, #convergence figcaption', (es) => es.map((e) => e.textContent ?? ''));
  expect(words.length).toBeGreaterThanOrEqual(2);
  for (const w of words) expect(w).not.toMatch(/in progress/);
}

/** Every histogram drawn counts some restarts (an empty snapshot is said, not drawn). */
async function expectNoEmptyHistograms(): Promise<void> {
  const drawn = await page.$$eval('#histograms svg', (svgs) => svgs.map((s) => Number((s as SVGElement).dataset.restarts)));
  for (const n of drawn) expect(n).toBeGreaterThan(0);
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
    await expectLivePanelEnded();
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
    await expectLivePanelEnded();
    // Ticks on both axes, at their values: w = 0 is the middle grid point (20 of 41), whose
    // centre is (20 + ½)/41 of the way across.
    for (const side of ['x', 'y']) {
      const ticks = await page.$$eval(`figure[data-map] .map-tick-${side}`, (ts, side) => ts.map((t) => ({ value: Number((t as HTMLElement).dataset.value), at: (t as HTMLElement).style[side === 'x' ? 'left' : 'top'] })), side);
      expect(ticks.map((t) => t.value), side).toEqual([-2, -1, 0, 1, 2]);
      const zero = Number.parseFloat(ticks[2].at) / 100;
      expect(zero).toBeCloseTo(side === 'x' ? 20.5 / 41 : 1 - 20.5 / 41, 6);
    }
    const frame = (await page.locator('figure[data-map] .map-frame').boundingBox())!;
    const xTick = (await page.locator('figure[data-map] .map-tick-x').first().boundingBox())!;
    const yTick = (await page.locator('figure[data-map] .map-tick-y').first().boundingBox())!;
    expect(xTick.y).toBeGreaterThanOrEqual(frame.y + frame.height - 1); // below the map
    expect(yTick.x + yTick.width).toBeLessThanOrEqual(frame.x + 1); // left of it
    // The CSV is the map point by point, as the CLI's --out writes it: a row per w₂ (top row the
    // largest), a column per w₁, each grid point's outcome code.
    const csv = await downloadText('#download-csv');
    expect(csv.name).toBe('bg-overlap-map-basins.csv');
    const rows = csv.text.trim().split('\n').map((r) => r.split(','));
    expect(rows).toHaveLength(1 + 41);
    expect(rows.every((r) => r.length === 1 + 41)).toBe(true);
    const fromCsv = rows.slice(1).reverse().flatMap((r) => r.slice(1).map(Number));
    expect(fromCsv).toEqual(codes);
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

  // The presets added with Brutzkus & Globerson and supplied data, each at a small size: what the
  // downloaded JSON holds (figures, tables — the critical-point catalogue first, sortable — and
  // notes) is what the page shows.
  // (kk-example1 runs in f64 beside the engine: no restarts of the engine, no catalogue; nor do
  // az-width-depth's deep-net jobs, engine.trainDeep, have one.)
  for (const [query, catalogue] of [
    ['experiment=bg-basin-mass&settings=1&perSupport=1&restarts=64&maxSteps=3000&search=off', true],
    ['experiment=bg-hard-data&restarts=4&maxSteps=60&lr=0.1&traced=4&traceEvery=10', true],
    ['experiment=supplied-data&restarts=64&maxSteps=500', true],
    ['experiment=kk-example1&steps=20000&theta0=0.3,0.6', false],
    // The extra neuron: kk-bg on the page's GPU (WebGPU in the worker), kk-du on its CPU engine (both kinds covered).
    ['experiment=kk-bg&resolution=3&samples=40&steps=60&lambda=0.1&traced=1', true],
    ['experiment=kk-du&engine=cpu&k=4&ratio=1&samples=30&restarts=4&steps=60&lambda=0.1&extraStep=adagrad&traced=1', true],
    ['experiment=az-width-depth&depth=1,2&width=4,8&n=6&restarts=3&steps=60&inputDim=5&c=0.3', false],
  ] as const) {
    const name = new URLSearchParams(query).get('experiment')!;
    it(`runs ${name} at a small size; its figures, tables and notes are on the page`, async () => {
      await open(query);
      await runToEnd();
      await page.screenshot({ path: join(SHOTS, `${name}-small-done.png`), fullPage: true });
      const json = await downloadJson();
      expect(json.experiment).toBe(name);
      const tables = json.tables as { id?: string; rows: unknown[] }[];
      expect(await page.$$eval('#tables table', (ts) => ts.length)).toBe(tables.length);
      if (catalogue) {
        expect(tables[0]?.id).toBe('critical-points');
        expect(await page.$$eval('#tables table[data-table="critical-points"] tbody tr', (rs) => rs.length)).toBe(tables[0].rows.length);
      }
      expect(await page.$$eval('#figures svg', (svgs) => svgs.length)).toBe((json.figures as unknown[]).length);
      const restarts = (json.cells as { restarts: number }[]).reduce((n, c) => n + c.restarts, 0);
      expect(restarts).toBeGreaterThan(0);
      expect(await page.textContent('#status')).toMatch(new RegExp(`^Done: ${restarts.toLocaleString('en')} restarts`));
      expect(await page.$$eval('#notes li', (lis) => lis.length)).toBe((json.notes as unknown[]).length);
      if (name === 'kk-bg') {
        // The class maps beside the baseline's, their legends in the classes' own names.
        const maps = json.maps as unknown as { id: string; categories?: { name: string }[] }[];
        expect(await page.$$eval('figure[data-map]', (fs) => fs.length)).toBe(maps.length);
        const classes = maps.find((m) => m.categories)!;
        const legend = await page.$$eval(`figure[data-map="${classes.id}"] .legend li`, (lis) => lis.map((li) => (li as HTMLElement).dataset.outcome));
        expect(legend).toEqual([...classes.categories!.map((c) => c.name), 'pending']);
      }
      await expectLivePanelEnded();
    });
  }

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
    // The convergence chart's title and its "↑ P(global)" axis label do not overlap.
    // (Both measured in one go: the chart is redrawn on every update.)
    const { title, yLabel } = await page.$eval('#convergence', (c) => {
      const box = (e: Element) => JSON.parse(JSON.stringify(e.getBoundingClientRect())) as Box;
      const label = [...c.querySelectorAll('svg text')].find((t) => t.textContent?.includes('P(global)'))!;
      return { title: box(c.querySelector('figcaption')!), yLabel: box(label) };
    });
    expect(yLabel.height).toBeGreaterThan(0);
    expect(overlaps(title, yLabel), `title ${JSON.stringify(title)}, label ${JSON.stringify(yLabel)}`).toBe(false);
    const latencies = await page.evaluate(() => (window as unknown as { latencies: number[] }).latencies);
    expect(latencies).toHaveLength(6);
    expect(Math.max(...latencies), `latencies ${latencies.map((x) => x.toFixed(1)).join(', ')} ms`).toBeLessThan(100);
    expect(stillRunning).toBe('running');
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="cancelled"]');
    await page.screenshot({ path: join(SHOTS, 'table1-cancelled.png'), fullPage: true });
    const doneBefore = await page.$$eval('#cells td.done', (tds) => tds.length);
    expect(doneBefore).toBeLessThan(12);
    expect(await page.textContent('#status')).toMatch(new RegExp(`^Cancelled\\. ${doneBefore} finished cells \\(${(doneBefore * 5000).toLocaleString('en')} restarts\\) kept`));
    // No cell still says it is running; the interrupted one says it was cancelled.
    expect(await page.$$eval('#cells td', (tds) => tds.filter((td) => /running/.test(td.textContent ?? '') || td.classList.contains('running')).length)).toBe(0);
    expect(await page.$$eval('#cells td.cancelled', (tds) => tds.length)).toBeLessThanOrEqual(1);
    await expectLivePanelEnded();
    await expectNoEmptyHistograms();
    expect(await page.textContent('#estimate')).not.toBe('0.000 [0.000, 1.000]');
    // The finished cells download, marked partial: as JSON and as CSV.
    expect(await page.isDisabled('#download-json')).toBe(false);
    const partial = await downloadText('#download-json');
    expect(partial.name).toBe('du-table1-partial.json');
    const pj = JSON.parse(partial.text) as { cells: { restarts: number }[]; partial: { reason: string; cellsFinished: number; restartsFinished: number; restartsPlanned: number } };
    expect(pj.cells).toHaveLength(doneBefore);
    expect(pj.cells.every((c) => c.restarts === 5000)).toBe(true);
    expect(pj.partial).toMatchObject({ reason: 'cancelled', cellsFinished: doneBefore, restartsFinished: doneBefore * 5000, restartsPlanned: 60_000 });
    const csv = await downloadText('#download-csv');
    expect(csv.name).toBe('du-table1-partial.csv');
    expect(csv.text.trim().split('\n')).toHaveLength(1 + doneBefore);
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
    const cpuMs = await column('bench-kernels', 4);
    expect(cpuMs.every((ms) => Number(ms.replace(/,/g, '')) > 0), `CPU ms per kernel: ${kernels.map((k, i) => `${k}: ${cpuMs[i]}`).join('; ')}`).toBe(true);
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

  it('Cancel before any cell finished: nothing to download, no estimate from no data, no cell running', async () => {
    await open('experiment=du-table1&k=25&ratio=4&restarts=20000');
    await page.click('#run');
    // At the first update (often none of the cell's restarts finished yet).
    await page.waitForSelector('#live:not([hidden])');
    await page.click('#cancel');
    await page.waitForSelector('body[data-state="cancelled"]');
    await page.screenshot({ path: join(SHOTS, 'table1-cancelled-early.png'), fullPage: true });
    expect(await page.textContent('#status')).toBe('Cancelled. No cell had finished: nothing to download.');
    // The heatmap shows the one cell asked for, marked cancelled.
    expect(await page.$$eval('#cells td', (tds) => tds.map((td) => td.className))).toEqual(['pending cancelled']);
    expect(await page.isDisabled('#download-json')).toBe(true);
    expect(await page.isDisabled('#download-csv')).toBe(true);
    expect(await page.$$eval('#cells td.running', (tds) => tds.length)).toBe(0);
    await expectLivePanelEnded();
    await expectNoEmptyHistograms();
    // Either no restart had finished, and it says so, or the estimate is over some that had.
    const shown = (await page.textContent('#estimate'))!;
    if (/^none yet/.test(shown)) expect(await page.$$eval('#histograms svg', (svgs) => svgs.length)).toBe(0);
    else expect(Number(/of (\d+) finished/.exec((await page.textContent('#counts'))!)?.[1])).toBeGreaterThan(0);
  });

  it('refuses a link\'s bad values as it refuses typed ones, choices included', async () => {
    await open('experiment=du-table1&k=25&ratio=4&mode=quantum');
    // The select holds the link's value (a <select> would silently show its first option) and the
    // form's own check rejects it, with the message a bad typed value gets.
    expect(await page.inputValue('#opt-mode')).toBe('quantum');
    expect(await page.textContent('#opt-mode-error')).toBe('mode: must be one of population, empirical, sgd (got quantum)');
    expect(await page.getAttribute('#opt-mode', 'aria-invalid')).toBe('true');
    expect(await page.isDisabled('#run')).toBe(true);
    await page.selectOption('#opt-mode', 'population');
    expect(await page.textContent('#opt-mode-error')).toBe('');
    expect(await page.isDisabled('#run')).toBe(false);
    expect(await page.$$eval('#opt-mode option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['population', 'empirical', 'sgd']);
    // What no field shows — a name that is no option, an engine that is none — is said above the form.
    await open('experiment=du-table1&k=25&ratio=4&engine=quantum&maxstep=5');
    const error = await page.textContent('#error');
    expect(error).toMatch(/engine: must be one of gpu, cpu \(got quantum\)/);
    expect(error).toMatch(/maxstep: is not an option of du-table1/);
    expect(await page.isHidden('#error')).toBe(false);
  });

  it('reads at a phone\'s width: nothing overflows, the heatmap\'s caption is not cut off', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open('experiment=du-table1&k=25,36,49&ratio=0,1,4,9&restarts=40');
    await runToEnd();
    await page.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const caption = await page.$eval('.heatmap-caption', (c) => {
      const r = c.getBoundingClientRect();
      return { left: r.left, right: r.right, scroll: c.scrollWidth, client: c.clientWidth, viewport: document.documentElement.clientWidth };
    });
    expect(caption.left).toBeGreaterThanOrEqual(0);
    expect(caption.right).toBeLessThanOrEqual(caption.viewport);
    expect(caption.scroll).toBeLessThanOrEqual(caption.client);
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

  it('forbids inline script by its Content-Security-Policy: an injected inline script does not run', async () => {
    await open('experiment=du-table1&k=9&ratio=1&restarts=40');
    const csp = (await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')) ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc).toContain("'self'");
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(scriptSrc).not.toContain("'unsafe-eval'");
    // The built page has no inline script of its own.
    expect(await page.$$eval('script:not([src])', (ss) => ss.length)).toBe(0);
    const outcome = await page.evaluate(async () => {
      const w = window as unknown as { injected?: boolean };
      const violation = new Promise<string>((resolve) => document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true }));
      const el = document.createElement('script');
      el.textContent = 'window.injected = true';
      document.body.append(el);
      const directive = await violation;
      return { ran: w.injected === true, directive };
    });
    expect(outcome).toEqual({ ran: false, directive: expect.stringMatching(/^script-src/) });
    // The refusal is logged as a console error by the browser; it is this test's, not the page's.
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !/Content Security Policy/.test(e)));
  });

  it('a GPU device lost mid-run: the page says so, the run resumes on a new device, and its counts equal an uninterrupted run', async () => {
    const query = 'experiment=du-table1&k=9,16&ratio=1&restarts=300';
    await open(query);
    await runToEnd();
    const whole = await downloadJson();
    expect(await page.isHidden('#fault')).toBe(true);

    await open(query);
    // Inside the engine's worker: its device is destroyed when the run makes its 15th command
    // encoder (some chunks into the first cell), as a driver reset would lose it.
    const worker = page.workers()[0]!;
    await worker.evaluate(() => {
      const proto = GPUDevice.prototype;
      const make = proto.createCommandEncoder;
      let made = 0;
      proto.createCommandEncoder = function (this: GPUDevice, ...args: Parameters<GPUDevice['createCommandEncoder']>) {
        if (++made === 15) this.destroy();
        return make.apply(this, args);
      };
    });
    await runToEnd();
    await page.screenshot({ path: join(SHOTS, 'device-lost-resumed.png'), fullPage: true });
    expect(await page.textContent('#fault')).toMatch(/^GPU device lost \(destroyed.*\); the run went on, on a new device, from restart 0 \(loss 1 of at most 3\)( \(during [^)]+\))?\.$/);
    expect(await page.textContent('#status')).toMatch(/^Done: 600 restarts/);
    const resumed = await downloadJson();
    const counts = (j: typeof whole) => j.cells.map((c) => [c.k, c.ratio, c.counts]);
    expect(counts(resumed)).toEqual(counts(whole));
    // The worker logs the loss as an error when it happens; it is this test's.
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((e) => !/GPU device lost \(destroyed\)/.test(e)));
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
