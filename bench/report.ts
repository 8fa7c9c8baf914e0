/**
 * Benchmark results as files: bench/results/<adapter>.json (one entry per measurement), a
 * Markdown table, and the GPU/CPU crossover curve as SVG (Observable Plot).
 */
import * as Plot from '@observablehq/plot';
import { type BenchEntry, crossovers } from './suite.ts';

/** "SwiftShader driver 5.0.0 (google, swiftshader) via dawn.node" → "swiftshader-driver-5-0-0-google-swiftshader-via-dawn-node". */
export function adapterSlug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const fmt = (x: number | undefined, digits = 0) => (x === undefined ? '—' : x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function benchMarkdown(entries: BenchEntry[]): string {
  const adapter = entries[0]?.adapter ?? '—';
  const lines = [`Adapter: ${adapter}`, ''];
  const peaks = entries.filter((e) => e.impl === 'peak');
  const fma = peaks.find((e) => e.gflops !== undefined)?.gflops;
  for (const p of peaks) lines.push(`- ${p.name}: ${p.gflops !== undefined ? `${fmt(p.gflops, 2)} GFLOP/s` : `${fmt(p.gbps, 2)} GB/s`}`);
  lines.push('', '| workload | impl | R | restart-steps/s | vs CPU | GFLOP/s | % of FMA peak |', '|---|---|---|---|---|---|---|');
  for (const e of entries.filter((x) => x.impl !== 'peak')) {
    const cpu = entries.find((x) => x.name === e.name && x.impl === 'cpu')?.restartStepsPerSec;
    const ratio = cpu && e.restartStepsPerSec ? `×${fmt(e.restartStepsPerSec / cpu, 2)}` : '—';
    // The fraction of the adapter's peak means something for the GPU rows only.
    const pf = e.impl === 'gpu' && e.gflops !== undefined && fma ? fmt((100 * e.gflops) / fma, 0) : '—';
    lines.push(`| ${e.name} | ${e.impl} | ${e.impl === 'cpu' ? 'any' : e.R} | ${fmt(e.restartStepsPerSec)} | ${ratio} | ${fmt(e.gflops, 2)} | ${pf} |`);
  }
  lines.push('');
  for (const c of crossovers(entries)) lines.push(`- ${c.name}: the GPU passes the CPU reference ${c.R === null ? 'at none of the R measured' : `from R = ${c.R}`}.`);
  return lines.join('\n') + '\n';
}

/** Restart-steps per second against R, log-log, GPU curves and CPU levels per workload. */
export function crossoverSvg(entries: BenchEntry[], document: Document): SVGSVGElement {
  const gpu = entries.filter((e) => e.impl === 'gpu');
  const Rs = gpu.map((e) => e.R);
  const lo = Math.min(...Rs);
  const hi = Math.max(...Rs);
  const cpu = entries.filter((e) => e.impl !== 'gpu' && e.impl !== 'peak').flatMap((e) => [lo, hi].map((R) => ({ ...e, R, series: `${e.name} — ${e.impl}` })));
  const rows = [...gpu.map((e) => ({ ...e, series: `${e.name} — gpu` })), ...cpu];
  const svg = Plot.plot({
    document,
    width: 760,
    height: 380,
    marginTop: 40,
    marginRight: 20,
    x: { type: 'log', label: 'restarts in parallel R' },
    y: { type: 'log', label: 'restart-steps per second', grid: true },
    color: { legend: false, type: 'categorical' },
    marks: [
      Plot.line(rows.filter((d) => d.impl === 'gpu'), { x: 'R', y: 'restartStepsPerSec', stroke: 'series' }),
      Plot.line(cpu, { x: 'R', y: 'restartStepsPerSec', stroke: 'series', strokeDasharray: '5,4' }),
      Plot.dot(gpu.map((e) => ({ ...e, series: `${e.name} — gpu` })), { x: 'R', y: 'restartStepsPerSec', fill: 'series', r: 3 }),
      Plot.text(rows, Plot.selectLast({ x: 'R', y: 'restartStepsPerSec', z: 'series', text: 'series', fill: 'series', dx: -4, dy: -8, textAnchor: 'end', fontSize: 9 })),
      Plot.text([`GPU (solid) against the CPU reference (dashed) — ${entries[0]?.adapter ?? ''}`], { frameAnchor: 'top-left', dy: -28, dx: -40, textAnchor: 'start', fontSize: 11, fontWeight: 'bold' }),
    ],
  }) as SVGSVGElement;
  svg.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  return svg;
}
