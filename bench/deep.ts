/**
 * The deep ReLU step (shaders/deep_step.wgsl via host/deep-engine.ts): restart-steps/s and GFLOP/s
 * against the f64 CPU reference (src/core/deep-net.ts deepGdStep) and the fraction of the
 * measured f32 FMA peak (bench/peak.ts), at the spec's headline size m = 128, L = 4 (n = 32,
 * 𝔡 = 16, d = 1, W⃗ trained).
 *
 *     node scripts/launch.mjs bench/deep.ts [--quick]
 *
 * measureDeep is the entry the suite can call; run directly this file prints its entries as JSON.
 * GFLOP/s counts 2 flops per multiply-add of deepStepFmas (the kernel's own products).
 */
import type { DeviceHandle } from '../host/device.ts';
import { createDeepEngine } from '../host/deep-engine.ts';
import { type DeepNetSpec, deepGdStep, deepStepFmas, initDeepNet } from '../src/core/deep-net.ts';
import { separatedData } from '../src/core/separated-data.ts';
import type { BenchEntry } from './entries.ts';
import { measurePeak } from './peak.ts';
import { median, timeCpu } from './timing.ts';

export interface DeepBenchSize {
  Rs: number[];
  steps: number;
  reps: number;
  n: number;
  spec: DeepNetSpec;
}

export const DEEP_BENCH: Record<'quick' | 'full', DeepBenchSize> = {
  quick: { Rs: [8], steps: 2, reps: 3, n: 32, spec: { inputDim: 16, L: 4, m: 128, outDim: 1, train: 'hidden' } },
  full: { Rs: [16, 128, 1024], steps: 20, reps: 5, n: 32, spec: { inputDim: 16, L: 4, m: 128, outDim: 1, train: 'hidden' } },
};

export async function measureDeep(handle: DeviceHandle, peakGflops: number, size: DeepBenchSize, log: (l: string) => void = () => undefined): Promise<BenchEntry[]> {
  const { spec, n, steps, reps } = size;
  const adapter = handle.info.label;
  const name = `deep ReLU GD step (m=${spec.m}, L=${spec.L}, n=${n})`;
  const { dataset, Y } = separatedData({ n, inputDim: spec.inputDim, delta: 'random', outDim: spec.outDim, labels: 'gaussian', seed: 1 });
  const data = { n, X: dataset.X, Y };
  const flopsPerRestartStep = 2 * deepStepFmas(spec, n);
  const entries: BenchEntry[] = [];

  const theta = initDeepNet(spec, 1, 0);
  const cpu = timeCpu(() => deepGdStep(spec, theta, data, 1e-4), reps);
  const cpuRate = 1000 / cpu.medianMs;
  entries.push({ name, impl: 'cpu', R: 1, restartStepsPerSec: cpuRate, medianMs: cpu.medianMs, gflops: (cpuRate * flopsPerRestartStep) / 1e9, adapter: 'CPU f64 (src/core/deep-net.ts)' });
  log(`${name} | CPU f64 ${cpuRate.toFixed(1)} restart-steps/s`);

  for (const R of size.Rs) {
    const eng = await createDeepEngine(handle.device, spec, data, R, steps * (reps + 1));
    const thetas = new Float64Array(R * eng.P);
    for (let r = 0; r < R; r++) thetas.set(initDeepNet(spec, 1, r), r * eng.P);
    eng.upload(thetas);
    await eng.run(steps, 1e-4, steps); // compile + warm-up
    const times: number[] = [];
    for (let k = 0; k < reps; k++) {
      const t0 = performance.now();
      await eng.run(steps, 1e-4, steps);
      times.push(performance.now() - t0);
    }
    eng.destroy();
    const ms = median(times);
    const rate = (R * steps * 1000) / ms;
    const gflops = (rate * flopsPerRestartStep) / 1e9;
    entries.push({ name, impl: 'gpu', R, restartStepsPerSec: rate, medianMs: ms, minMs: Math.min(...times), maxMs: Math.max(...times), gflops, peakFraction: gflops / peakGflops, adapter });
    log(`${name} | R=${R} | GPU ${rate.toFixed(1)} restart-steps/s | ${gflops.toFixed(2)} GFLOP/s = ${((100 * gflops) / peakGflops).toFixed(1)}% of the ${peakGflops.toFixed(1)} GFLOP/s FMA peak | ×${(rate / cpuRate).toFixed(1)} CPU`);
  }
  return entries;
}

const direct = typeof process !== 'undefined' && /bench[\\/]deep\.ts$/.test(process.argv[1] ?? '');
if (direct) {
  const { getDevice } = await import('../host/device.ts');
  const handle = await getDevice();
  const quick = process.argv.includes('--quick');
  const peak = await measurePeak(handle, { quick: true });
  console.log(`adapter: ${handle.info.label}; FMA peak ${peak.gflops.toFixed(2)} GFLOP/s`);
  const entries = await measureDeep(handle, peak.gflops, DEEP_BENCH[quick ? 'quick' : 'full'], console.log);
  console.log(JSON.stringify(entries, null, 2));
  handle.destroy();
  process.exit(0);
}
