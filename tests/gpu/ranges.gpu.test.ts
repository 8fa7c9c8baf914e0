/**
 * Restart ranges on the GPU engine (EngineRunOptions first/count): a run split into the ranges
 * [0, 37) and [37, 100) gives what one full run gives — counts, histograms and Σ steps of the
 * final Snapshots summed (mergeTallies), and every restart's final parameters and status, bit for
 * bit. This is what the checkpointing runner (src/cli/checkpoint.ts) rests on. Cases: one fixed
 * sample (Du et al.'s model, empirical loss), many problems in one run (experiment.problems: 10 ×
 * 10, so a range starts inside a problem), and waves of 16 restarts, so the ranges' waves start
 * at other restarts (37, 53, …) than the full run's (0, 16, 32, …).
 */
import { expect } from 'vitest';
import type { Experiment } from '../../src/core/experiment.ts';
import { DEFAULT_OUTCOME_RULE } from '../../src/core/outcome.ts';
import { shapeOf } from '../../src/core/model.ts';
import { type Snapshot, emptyTally, mergeTallies, snapshotTally } from '../../src/core/stats.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import { testWithDevice } from './harness.ts';

const RESTARTS = 100;
const SPLIT = 37;

/** One fixed sample, Du et al.'s model: long enough that restarts are decided at different steps. */
const EMPIRICAL: Experiment = { ...duCell({ k: 4, ratio: 1, p: 4, loss: { kind: 'empirical', samples: 32 } }), restarts: RESTARTS, maxSteps: 400 };

/** Ten problems × ten restarts, each problem with its own teacher and sample. */
const PROBLEMS: Experiment = {
  model: { d: 4, m: 2, stride: 2, filters: 1, activation: 'relu', output: 'learned', weightNorm: false },
  teacher: { filters: 1, w: Float64Array.of(1, 0), a: Float64Array.of(1, 1) },
  loss: { kind: 'empirical', samples: 32 },
  optimizer: { kind: 'gd', lr: 0.2 },
  init: { kind: 'gaussian', std: 0.7 },
  restarts: RESTARTS,
  problems: { count: 10 },
  maxSteps: 600,
  seed: 5,
  outcome: { ...DEFAULT_OUTCOME_RULE, gradTol: 1e-3 },
};

interface Ran {
  waves: WaveResult[];
  last: Snapshot;
  snapshots: number;
}

async function run(gpu: GpuEngine, exp: Experiment, range: { first?: number; count?: number }, waveSize?: number): Promise<Ran> {
  const waves: WaveResult[] = [];
  let last: Snapshot | undefined;
  let snapshots = 0;
  for await (const s of gpu.run(exp, { ...range, waveSize, onWave: (w) => waves.push(w) })) {
    last = s;
    snapshots++;
  }
  return { waves, last: last!, snapshots };
}


/** Restart r's final parameters and state from whichever wave holds it. */
function restart(waves: WaveResult[], r: number, P: number) {
  const w = waves.find((x) => r >= x.first && r < x.first + x.count);
  if (!w) throw new Error(`no wave holds restart ${r}`);
  const i = r - w.first;
  return { params: Array.from(w.params.subarray(i * P, (i + 1) * P)), status: w.status[i], steps: w.steps[i], loss: w.loss[i], angle: w.angle[i] };
}

const CASES: [string, Experiment, number | undefined][] = [
  ['one fixed sample', EMPIRICAL, undefined],
  ['one fixed sample, waves of 16', EMPIRICAL, 16],
  ['10 problems × 10 restarts', PROBLEMS, undefined],
  ['10 problems × 10 restarts, waves of 16', PROBLEMS, 16],
];

for (const [name, exp, waveSize] of CASES) {
  testWithDevice(`${name}: ranges [0, ${SPLIT}) and [${SPLIT}, ${RESTARTS}) give the full run's tallies and every restart's end state`, async (h) => {
    const gpu = new GpuEngine(h);
    const { P } = shapeOf(exp.model);
    const full = await run(gpu, exp, {}, waveSize);
    const a = await run(gpu, exp, { first: 0, count: SPLIT }, waveSize);
    const b = await run(gpu, exp, { first: SPLIT, count: RESTARTS - SPLIT }, waveSize);

    // Each range reports over its own restarts, and covers exactly them with its waves.
    expect([a.last.total, a.last.done, b.last.total, b.last.done]).toEqual([SPLIT, SPLIT, RESTARTS - SPLIT, RESTARTS - SPLIT]);
    expect(a.waves.map((w) => w.first)[0]).toBe(0);
    expect(b.waves.map((w) => w.first)[0]).toBe(SPLIT);
    expect(a.waves.reduce((s, w) => s + w.count, 0)).toBe(SPLIT);
    expect(b.waves.reduce((s, w) => s + w.count, 0)).toBe(RESTARTS - SPLIT);
    if (waveSize) expect(b.waves.map((w) => w.first)).toEqual([37, 53, 69, 85]);

    // The tallies add up to the full run's: counts, every histogram bin, Σ steps.
    const merged = mergeTallies(mergeTallies(emptyTally(exp.maxSteps), snapshotTally(a.last)), snapshotTally(b.last));
    expect(merged.counts).toEqual(full.last.counts);
    expect(merged.logLoss).toEqual(full.last.histograms.logLoss);
    expect(merged.angle).toEqual(full.last.histograms.angle);
    expect(merged.steps).toEqual(full.last.histograms.steps);
    expect(merged.restartSteps).toBe(full.last.restartSteps);

    // Not a trivial run: restarts end in more than one way, at more than one step.
    const statuses = new Set<number>();
    const steps = new Set<number>();
    for (let r = 0; r < RESTARTS; r++) {
      const got = restart(r < SPLIT ? a.waves : b.waves, r, P);
      const want = restart(full.waves, r, P);
      expect(got, `restart ${r}`).toEqual(want);
      statuses.add(want.status);
      steps.add(want.steps);
    }
    expect(statuses.size, 'outcomes seen').toBeGreaterThan(1);
    expect(steps.size, 'decision steps seen').toBeGreaterThan(1);
  }, 120_000);
}

testWithDevice('a range outside the experiment, or a trace with a range not starting at 0, is refused', async (h) => {
  const gpu = new GpuEngine(h);
  const drain = async (opts: Parameters<GpuEngine['run']>[1]) => {
    for await (const _ of gpu.run(EMPIRICAL, opts));
  };
  await expect(drain({ first: 90, count: 20 })).rejects.toThrow(/\[90, 110\).*100 restarts/);
  await expect(drain({ first: 10, count: 5, trace: { every: 10, restarts: 2, onTrace: () => undefined } })).rejects.toThrow(/first = 10/);
});
