/**
 * What the benchmark suite records (bench/results/<adapter>.json) and how entries are read back:
 * the types the page's main thread and the reports need, without the suite's machinery (the
 * engine runs, TensorFlow.js peers), which only the worker loads.
 */

export type Impl = 'gpu' | 'cpu' | 'tfjs-webgpu' | 'tfjs-wasm' | 'torch-cpu' | 'peak';

/** One measurement, as bench/results/<adapter>.json stores it. */
export interface BenchEntry {
  name: string;
  /** Per-kernel entries (bench/kernels.ts): the kernel, and the work of one timed pass. */
  kernel?: string;
  work?: string;
  impl: Impl;
  R: number;
  restartStepsPerSec?: number;
  /** GPU milliseconds (timestamp queries where the adapter has them, else wall-clock) or CPU ms. */
  medianMs: number;
  /** For a GPU kernel timed with timestamps: the wall-clock bracket, submit → onSubmittedWorkDone. */
  wallMs?: number;
  minMs?: number;
  maxMs?: number;
  gflops?: number;
  gbps?: number;
  peakFraction?: number;
  adapter: string;
}

/** How much to measure: smoke (seconds: checks that everything runs), quick (~2 min here), full. */
export type SuiteSize = 'smoke' | 'quick' | 'full';

/** End-to-end workload entries (not peaks, per-kernel timings or layout comparisons). */
export function isWorkloadEntry(e: BenchEntry): boolean {
  return e.impl !== 'peak' && e.kernel === undefined && !e.name.startsWith('layout: ');
}

/** The smallest R at which the GPU's rate passes the CPU's, per workload (null: never here). */
export function crossovers(entries: BenchEntry[]): { name: string; R: number | null }[] {
  const names = [...new Set(entries.filter(isWorkloadEntry).filter((e) => e.impl === 'gpu').map((e) => e.name))];
  return names.map((name) => {
    const cpu = entries.find((e) => e.name === name && e.impl === 'cpu')?.restartStepsPerSec ?? Infinity;
    const gpu = entries.filter((e) => e.name === name && e.impl === 'gpu').sort((a, b) => a.R - b.R);
    return { name, R: gpu.find((e) => (e.restartStepsPerSec ?? 0) > cpu)?.R ?? null };
  });
}

