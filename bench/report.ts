/**
 * Benchmark results as files: bench/results/<adapter>.json (one entry per measurement), a
 * Markdown table, and the GPU/CPU crossover curve as SVG (Observable Plot).
 */
import * as Plot from '@observablehq/plot';
import { type BenchEntry, crossovers, isWorkloadEntry } from './entries.ts';

/** "SwiftShader driver 5.0.0 (google, swiftshader) via dawn.node" → "swiftshader-driver-5-0-0-google-swiftshader-via-dawn-node". */
export function adapterSlug(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

const fmt = (x: number | undefined, digits = 0) => (x === undefined ? '—' : x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const pct = (f: number | undefined) => (f === undefined ? '—' : fmt(100 * f, 0));

/** A results table, for Markdown (benchMarkdown) and for the page (src/ui/views.ts). */
export interface BenchTable {
  /** The page's element id for it. */
  id: string;
  title: string;
  header: string[];
  rows: string[][];
}

/** The suite's tables: end-to-end workloads, per-kernel timings, step-kernel layouts. */
export function benchTables(entries: BenchEntry[]): BenchTable[] {
  const workloads = entries.filter(isWorkloadEntry).map((e) => {
    const cpu = entries.find((x) => x.name === e.name && x.impl === 'cpu')?.restartStepsPerSec;
    const ratio = cpu && e.restartStepsPerSec ? `×${fmt(e.restartStepsPerSec / cpu, 2)}` : '—';
    return [e.name, e.impl, e.impl === 'cpu' ? 'any' : String(e.R), fmt(e.restartStepsPerSec), ratio, fmt(e.gflops, 2), pct(e.peakFraction)];
  });
  const kernels = entries
    .filter((e) => e.kernel !== undefined && e.impl === 'gpu')
    .map((e) => {
      const cpu = entries.find((x) => x.name === e.name && x.impl === 'cpu');
      const timed = e.wallMs !== undefined ? 'timestamps' : 'wall clock';
      const rate = e.gflops !== undefined ? `${fmt(e.gflops, 2)} GFLOP/s` : e.gbps !== undefined ? `${fmt(e.gbps, 2)} GB/s` : '—';
      return [e.kernel!, e.work ?? '', `${fmt(e.medianMs, 3)} (${timed})`, fmt(e.wallMs ?? e.medianMs, 3), fmt(cpu?.medianMs, 3), cpu ? `×${fmt(cpu.medianMs / e.medianMs, 2)}` : '—', rate, pct(e.peakFraction)];
    });
  const layouts = entries
    .filter((e) => e.name.startsWith('layout: '))
    .map((e) => [e.name.slice('layout: '.length), String(e.R), fmt(e.restartStepsPerSec), fmt(e.gflops, 2), pct(e.peakFraction)]);
  const roofline = entries.filter((e) => e.impl === 'peak').map((e) => [e.name, e.gflops !== undefined ? `${fmt(e.gflops, 2)} GFLOP/s` : `${fmt(e.gbps, 2)} GB/s`, fmt(e.medianMs, 3)]);
  return [
    { id: 'bench-roofline', title: 'Roofline (measured peaks)', header: ['microkernel', 'peak', 'ms'], rows: roofline },
    { id: 'bench-table', title: 'End to end', header: ['workload', 'impl', 'R', 'restart-steps/s', 'vs CPU', 'GFLOP/s', '% of FMA peak'], rows: workloads },
    { id: 'bench-kernels', title: 'Per kernel', header: ['kernel', 'one pass', 'GPU ms', 'wall ms', 'CPU ms', 'CPU ÷ GPU', 'achieved', '% of peak (FMA or copy)'], rows: kernels },
    { id: 'bench-layouts', title: 'Step-kernel layout', header: ['layout', 'R', 'restart-steps/s', 'GFLOP/s', '% of FMA peak'], rows: layouts },
  ].filter((t) => t.rows.length > 0);
}

/** The tables as Markdown; `hardware` names the machine where the adapter's label does not. */
export function benchMarkdown(entries: BenchEntry[], hardware?: string): string {
  const adapter = entries[0]?.adapter ?? '—';
  const lines = [`Adapter: ${adapter}`];
  if (hardware) lines.push('', `Hardware: ${hardware} (as named with --hardware)`);
  for (const t of benchTables(entries)) {
    lines.push('', `**${t.title}**`, '', `| ${t.header.join(' | ')} |`, `|${t.header.map(() => '---').join('|')}|`);
    for (const r of t.rows) lines.push(`| ${r.join(' | ')} |`);
  }
  lines.push('');
  for (const c of crossovers(entries)) lines.push(`- ${c.name}: the GPU passes the CPU reference ${c.R === null ? 'at none of the R measured' : `from R = ${c.R}`}.`);
  return lines.join('\n') + '\n';
}

/** Restart-steps per second against R, log-log, GPU curves and CPU levels per workload. */
export function crossoverSvg(entries: BenchEntry[], document: Document): SVGSVGElement {
  const gpu = entries.filter((e) => isWorkloadEntry(e) && e.impl === 'gpu');
  const Rs = gpu.map((e) => e.R);
  const lo = Math.min(...Rs);
  const hi = Math.max(...Rs);
  const cpu = entries.filter((e) => isWorkloadEntry(e) && e.impl !== 'gpu').flatMap((e) => [lo, hi].map((R) => ({ ...e, R, series: `${e.name} — ${e.impl}` })));
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
