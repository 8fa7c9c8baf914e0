/**
 * A run's numbers do not depend on how its steps were grouped into submissions: the same
 * configuration run with chunks of different fixed lengths, and with the pacer's own adaptive
 * length, gives the same result JSON, timings aside, byte for byte — counts, histograms, every
 * end-point statistic and, for a traced run, every point of its curves. (A kernel that re-derived
 * its state from rounded stored values at each chunk — the span kernel's bases did — fails this.)
 */
import { expect } from 'vitest';
import { GpuEngine } from '../../host/gpu-engine.ts';
import type { Engine } from '../../src/engine/engine.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { resultJson } from '../../src/results/report.ts';
import { testWithDevice } from './harness.ts';

/** The GPU engine with every run's chunks fixed at `chunkSteps` (undefined: the pacer adapts them). */
function chunked(gpu: GpuEngine, chunkSteps?: number, targetChunkMs?: number): Engine {
  return { kind: 'gpu', label: gpu.label, run: (exp, opts) => gpu.run(exp, { ...opts, chunkSteps, targetChunkMs }) };
}

/** The result JSON of a run, its timings removed (what /tmp's behaviour check compares too). */
async function resultText(experiment: string, options: Record<string, unknown>, engine: Engine): Promise<string> {
  const gen = runExperiment(experiment, options, { engine });
  for (;;) {
    const u = await gen.next();
    if (u.done) return JSON.stringify(resultJson(u.value), (k, v) => (k === 'seconds' || k === 's' || k === 'restartStepsPerSecond' ? undefined : v));
  }
}

/** Each case: an experiment small enough for SwiftShader, whose end points are more than counts. */
const CASES: [string, Record<string, unknown>][] = [
  // The span kernel (population GD, Du et al.'s model): where the spurious runs end (‖a − ã‖,
  // angles); long enough for most to end there (the kernel that re-took its bases per chunk
  // fails here and on the traced case below).
  ['du-spurious', { k: [16], ratio: [1], restarts: 64, maxSteps: 20000 }],
  // A traced run (the two-phase curves: medians of every trace slot), span kernel.
  ['du-two-phase', { restarts: 16, maxSteps: 300 }],
  // The fixed-sample kernel (four or eight restarts per thread) and the fresh-sample SGD kernel.
  ['du-table1-empirical', { k: [9], ratio: [4], restarts: 32, samples: 64, maxSteps: 400 }],
  ['du-table1-sgd', { k: [9], ratio: [4], restarts: 32, batch: 8, maxSteps: 300 }],
];

for (const [experiment, options] of CASES) {
  testWithDevice(
    `${experiment}: chunks of 1, 13 and 128 steps and the adaptive pacer give byte-identical results`,
    async (h) => {
      const gpu = new GpuEngine(h);
      const reference = await resultText(experiment, options, chunked(gpu, 13));
      expect(reference).toContain('"cells"');
      for (const [steps, target] of [[128], [undefined, 5], [1]] as [number | undefined, number?][]) {
        if (steps === 1 && Number(options.maxSteps) > 400) continue; // one submission per step: kept to the short runs
        expect(await resultText(experiment, options, chunked(gpu, steps, target)), `chunkSteps ${steps ?? 'adaptive'}`).toBe(reference);
      }
    },
    300_000,
  );
}
