/**
 * End-to-end throughput, GPU engine against the CPU reference engine, in one run on one machine:
 * restart-steps per second for a Du et al. population cell and for the empirical step, at several
 * numbers of restarts R. Every restart takes exactly `steps` steps (no early stopping), pipelines
 * are compiled by a warm-up run before timing, and each figure is the median of `reps` runs.
 *
 *   node scripts/launch.mjs bench/throughput.ts [--quick]
 */
import { getDevice } from '../host/device.ts';
import { GpuEngine } from '../host/run.ts';
import type { Experiment } from '../src/experiment.ts';
import { duCell } from '../src/experiments/du-table1.ts';
import { prepare, runRestart } from '../src/reference.ts';

const quick = process.argv.includes('--quick');
const NEVER_DECIDE = { lossTol: 1e-30, gradTol: 0, divergeNorm: 1e30, angleTol: 0.1 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Workload {
  name: string;
  make: (R: number) => Experiment;
  steps: number;
  kernel?: 'general';
}

const workloads: Workload[] = [
  { name: 'population (span kernel), Du p=6 k=100', steps: 200, make: (R) => ({ ...duCell({ k: 100, ratio: 4, restarts: R }), maxSteps: 200, outcome: NEVER_DECIDE }) },
  {
    name: 'population (general kernel), Du p=6 k=100',
    steps: 200,
    kernel: 'general',
    make: (R) => ({ ...duCell({ k: 100, ratio: 4, restarts: R }), maxSteps: 200, outcome: NEVER_DECIDE }),
  },
  {
    name: 'empirical n=1024, Du p=6 k=25',
    steps: 10,
    make: (R) => ({ ...duCell({ k: 25, ratio: 4, restarts: R, loss: { kind: 'empirical', samples: 1024 } }), maxSteps: 10, outcome: NEVER_DECIDE }),
  },
];
const Rs = quick ? [16, 256, 4096] : [1, 16, 256, 4096, 65536];
const reps = quick ? 3 : 5;

const handle = await getDevice();
const engine = new GpuEngine(handle);
console.log(`adapter: ${handle.info.label}; CPU reference: Float64, one thread, Node ${process.version}`);
console.log('workload | R | GPU restart-steps/s | CPU restart-steps/s | GPU/CPU');
for (const w of workloads) {
  // CPU: per-restart cost does not depend on R (restarts run one after another).
  const cpuExp = w.make(8);
  const prep = prepare(cpuExp);
  const cpuTimes: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const t0 = performance.now();
    for (let r = 0; r < 8; r++) runRestart(prep, r);
    cpuTimes.push(performance.now() - t0);
  }
  const cpuRate = (8 * (w.steps + 1)) / (median(cpuTimes) / 1000);
  for (const R of Rs) {
    const exp = w.make(R);
    for await (const _ of engine.run(exp, { kernel: w.kernel })) void _; // warm-up: compile, allocate
    const times: number[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const t0 = performance.now();
      for await (const _ of engine.run(exp, { chunkSteps: w.steps + 1, kernel: w.kernel })) void _;
      times.push(performance.now() - t0);
    }
    const gpuRate = (R * (w.steps + 1)) / (median(times) / 1000);
    console.log(`${w.name} | ${R} | ${gpuRate.toFixed(0)} | ${cpuRate.toFixed(0)} | ${(gpuRate / cpuRate).toFixed(2)}`);
  }
}
handle.destroy();
process.exit(0);
