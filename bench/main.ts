/**
 * npm run bench [-- --quick | --smoke] [--hardware "<name>"]: the benchmark suite (bench/suite.ts)
 * on this machine's WebGPU adapter through dawn.node; writes bench/results/<adapter>.json, .md and
 * -crossover.svg and prints the table. --hardware names the machine in the Markdown where the
 * adapter's own label does not (Vulkan drivers often report only the driver version). --quick (R = 16 and 4096, fewer repetitions, smaller microkernels, no layout table) takes ~2 minutes on
 * a 2-core SwiftShader machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { getDevice, gpuEntry } from '../host/device.ts';
import { adapterSlug, benchMarkdown, crossoverSvg } from './report.ts';
import { runSuite } from './suite.ts';

const size = process.argv.includes('--smoke') ? 'smoke' : process.argv.includes('--quick') ? 'quick' : 'full';
const hw = process.argv.indexOf('--hardware');
const hardware = hw >= 0 ? process.argv[hw + 1] : undefined;
if (hw >= 0 && !hardware) {
  console.error('--hardware needs a name, e.g. --hardware "NVIDIA H100 80GB HBM3"');
  process.exit(2);
}
const handle = await getDevice();
console.log(`${hardware ? `hardware: ${hardware}; ` : ''}adapter: ${handle.info.label} (vendor ${handle.info.vendor || '—'}, architecture ${handle.info.architecture || '—'}, ${handle.info.description || 'no driver description'}); timestamp queries: ${handle.features.timestamp ? 'yes' : 'no'}`);
const t0 = performance.now();
const entries = await runSuite(handle, { size, log: (l) => console.log(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${l}`), gpu: gpuEntry });
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const base = join(dir, adapterSlug(handle.info.label) + (size === 'full' ? '' : `.${size}`));
writeFileSync(`${base}.json`, JSON.stringify(entries, null, 2) + '\n');
const md = benchMarkdown(entries, hardware);
writeFileSync(`${base}.md`, md);
const { document } = parseHTML('<!doctype html><html><body></body></html>');
writeFileSync(`${base}-crossover.svg`, crossoverSvg(entries, document as unknown as Document).outerHTML + '\n');
console.log(`\n${md}\n${((performance.now() - t0) / 1000).toFixed(0)} s; wrote ${base}.json, .md, -crossover.svg`);
handle.destroy();
process.exit(0);
