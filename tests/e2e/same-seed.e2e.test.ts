/**
 * Same seed, same answer everywhere (issue 18, item 7): one small configuration of each loss kind
 * run in Node on dawn.node, in the page in headless Chromium (its own WebGPU), on the CPU
 * reference engine, and as 3 shards merged — the outcome counts of every cell compared.
 *
 * What must be identical and what may differ, and why:
 *   - Node GPU = 3 shards merged, exactly: the same engine on the same device, each restart a
 *     function of (seed, restart) alone, so where a cell runs cannot change a bit of it.
 *   - Node GPU = Chromium's GPU, exactly: the same kernels through two WebGPU implementations
 *     (dawn.node and Chromium's Dawn, both on SwiftShader here). A difference would be a
 *     compiler or a host-side difference (the seed, the wave layout, the uploaded sample).
 *   - GPU (f32) vs CPU (f64): a restart whose decision sits on a boundary may fall either side
 *     in another precision, so each count within a small allowance (≤ 1% of the cell's restarts,
 *     at least 1), the restart totals exactly.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.ts';
import { collect } from '../collect.ts';
import { type DeviceHandle, getDevice } from '../../host/device.ts';
import { GpuEngine } from '../../host/gpu-engine.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { mergeParts, runShard } from '../../src/cli/shard.ts';
import { presetByName, runExperiment, validateOptions } from '../../src/presets/index.ts';
import { resultJsonText } from '../../src/results/report.ts';
import type { ExperimentResult } from '../../src/results/types.ts';

const ROOT = join(import.meta.dirname, '../..');
const OUT = join(ROOT, 'tests/e2e/.dist-same-seed');
const scratch = mkdtempSync(join(tmpdir(), 'basins-same-seed-'));

/** One population and one empirical configuration, several cells each, small enough for SwiftShader. */
const CONFIGS: { name: string; options: Record<string, string> }[] = [
  { name: 'du-table1', options: { k: '4,9', ratio: '1,4', restarts: '300', seed: '7' } },
  { name: 'du-table1-empirical', options: { k: '4,9', ratio: '1,2', restarts: '120', samples: '60', maxSteps: '3000', seed: '11' } },
];

type Counts = { global: number; spurious: number; diverged: number; undecided: number };
const OUTCOMES = ['global', 'spurious', 'diverged', 'undecided'] as const;
/**
 * Each cell's coordinates and outcome counts, as the result JSON (what the page downloads) has
 * them: the key fields spread beside the counts.
 */
function countsOf(json: { cells: Record<string, unknown>[] }): { key: string; restarts: number; counts: Counts }[] {
  return json.cells.map((c) => ({
    key: JSON.stringify([c.k, c.ratio]),
    restarts: c.restarts as number,
    counts: Object.fromEntries(OUTCOMES.map((o) => [o, c[o]])) as Counts,
  }));
}
const jsonOf = (r: ExperimentResult) => JSON.parse(resultJsonText(r)) as { cells: Record<string, unknown>[] };
/** Σ steps to decide per cell (not in the JSON): equal only where every restart ran the same steps. */
const stepsOf = (r: ExperimentResult) => r.cells.map((c) => c.restartSteps);

let server: PreviewServer;
let browser: Browser;
let page: Page;
let base: string;
let handle: DeviceHandle;

beforeAll(async () => {
  await build({ root: ROOT, logLevel: 'warn', build: { outDir: OUT, emptyOutDir: true } });
  server = await preview({ root: ROOT, logLevel: 'warn', build: { outDir: OUT }, preview: { host: 'localhost', port: 0 } });
  base = server.resolvedUrls!.local[0]!;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  handle = await getDevice();
}, 180_000);

afterAll(async () => {
  handle?.destroy();
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.httpServer.close(() => resolve()) : resolve()));
  rmSync(scratch, { recursive: true, force: true });
  rmSync(OUT, { recursive: true, force: true });
});

/** The configuration run on the page (URL parameters, Run from the keyboard, the downloaded JSON). */
async function onPage(name: string, options: Record<string, string>): Promise<{ adapter: string; cells: Record<string, unknown>[] }> {
  await page.goto(`${base}?${new URLSearchParams({ experiment: name, ...options })}`);
  await expect.poll(() => page.textContent('#adapter'), { timeout: 60_000 }).toMatch(/^Adapter: /);
  await page.focus('#run');
  await page.keyboard.press('Enter');
  await page.waitForSelector('body[data-state="done"]', { timeout: 300_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  return JSON.parse(readFileSync((await download.path())!, 'utf8'));
}

/** The configuration as 3 shards on `engine`, written as part files and merged. */
async function sharded(name: string, options: Record<string, string>, engine: GpuEngine): Promise<ExperimentResult> {
  const preset = presetByName(name);
  const values = validateOptions(preset, options);
  const files: string[] = [];
  for (let i = 0; i < 3; i++) {
    const part = await runShard(preset, values, engine, { index: i, count: 3 });
    files.push(join(scratch, `${name}.part-${i}-of-3.json`));
    writeFileSync(files[i], JSON.stringify(part));
  }
  return mergeParts(files);
}

describe('same seed, same counts: Node (dawn.node), Chromium, CPU, 3 shards', () => {
  for (const { name, options } of CONFIGS) {
    it(name, { timeout: 600_000 }, async () => {
      const gpu = new GpuEngine(handle);
      const nodeRun = (await collect(runExperiment(name, options, { engine: gpu }))).result;
      const shardRun = await sharded(name, options, gpu);
      const node = countsOf(jsonOf(nodeRun));
      const shards = countsOf(jsonOf(shardRun));
      const cpu = countsOf(jsonOf((await collect(runExperiment(name, options, { engine: cpuEngine() }))).result));
      const browserRun = await onPage(name, options);
      expect(browserRun.adapter).toMatch(/browser|WebGPU|swiftshader/i);
      const chromiumCounts = countsOf(browserRun);

      expect(node.length).toBeGreaterThan(1);
      expect(shards, 'Node GPU vs 3 shards merged').toEqual(node);
      expect(stepsOf(shardRun), 'Σ steps: Node GPU vs 3 shards merged').toEqual(stepsOf(nodeRun));
      expect(chromiumCounts, 'Node GPU vs Chromium GPU').toEqual(node);
      expect(cpu.map((c) => [c.key, c.restarts])).toEqual(node.map((c) => [c.key, c.restarts]));
      for (const [i, c] of cpu.entries()) {
        const allowance = Math.max(1, Math.floor(0.01 * c.restarts));
        for (const o of OUTCOMES) expect(Math.abs(c.counts[o] - node[i].counts[o]), `${name} cell ${c.key} ${o}: CPU ${c.counts[o]} vs GPU ${node[i].counts[o]}`).toBeLessThanOrEqual(allowance);
      }
    });
  }
});
