/**
 * node scripts/launch.mjs bench/problems.ts [problems] [restarts per problem] [steps]: many
 * independent problems in one run (experiment.problems: each problem its own teacher and fixed
 * sample, all advancing in one dispatch) against one problem per run (the same experiments run
 * one after another), same total work — problems × restarts × steps restart-steps, every
 * restart taking every step (NEVER_DECIDE) — on this machine's WebGPU adapter through dawn.node.
 * Prints restart-steps per second of each and their ratio. Both are warmed up first (compiled
 * kernels, a measured pace). Defaults: 64 problems × 4 restarts × 50 steps of a one-filter ReLU
 * net, d = 8, m = 4, n = 64 — a shape like Zhong et al.'s Fig. 1 cells, small enough for SwiftShader.
 * A benchmark, not a test: the figures go in the README.
 */
import { GpuEngine } from '../host/gpu-engine.ts';
import { getDevice } from '../host/device.ts';
import type { Experiment } from '../src/core/experiment.ts';
import { NEVER_DECIDE } from '../src/core/outcome.ts';
import type { Snapshot } from '../src/core/stats.ts';

const [PROBLEMS = 64, PER = 4, STEPS = 50] = process.argv.slice(2).map(Number);
if (![PROBLEMS, PER, STEPS].every((x) => Number.isInteger(x) && x >= 1)) {
  console.error('usage: node scripts/launch.mjs bench/problems.ts [problems] [restarts per problem] [steps] (positive integers)');
  process.exit(2);
}

function experiment(problems: number | undefined, restarts: number, seed: number): Experiment {
  return {
    model: { d: 8, m: 4, stride: 4, filters: 1, activation: 'relu', output: 'learned', weightNorm: false },
    teacher: { filters: 1, w: Float64Array.of(1, 0, 0, 0), a: Float64Array.of(1, 1) },
    loss: { kind: 'empirical', samples: 64 },
    optimizer: { kind: 'gd', lr: 0.1 },
    init: { kind: 'gaussian', std: 0.5 },
    restarts,
    ...(problems ? { problems: { count: problems } } : {}),
    maxSteps: STEPS,
    seed,
    outcome: NEVER_DECIDE,
  };
}

const handle = await getDevice();
const engine = new GpuEngine(handle);

async function run(exp: Experiment): Promise<number> {
  let last: Snapshot | undefined;
  for await (const s of engine.run(exp, { snapshotEveryMs: 10_000 })) last = s;
  return last!.restartSteps;
}

async function timed(f: () => Promise<number>): Promise<{ seconds: number; restartSteps: number }> {
  const t0 = performance.now();
  const restartSteps = await f();
  return { seconds: (performance.now() - t0) / 1000, restartSteps };
}

const many = () => run(experiment(PROBLEMS, PROBLEMS * PER, 1));
const onePerRun = async () => {
  let total = 0;
  for (let p = 0; p < PROBLEMS; p++) total += await run(experiment(undefined, PER, 1 + p));
  return total;
};
// Warm-up: both paths' kernels compiled and paced.
await run(experiment(PROBLEMS, PROBLEMS * PER, 1));
await run(experiment(undefined, PER, 1));

console.log(`${PROBLEMS} problems × ${PER} restarts × ${STEPS} steps (d 8, m 4, n 64, ReLU) on ${handle.info.label}; step kernel ${engine.stepPlan(experiment(PROBLEMS, PROBLEMS * PER, 1)).kernel} (many), ${engine.stepPlan(experiment(undefined, PER, 1)).kernel} (one per run)\n`);
console.log('| how | runs | seconds | restart-steps | restart-steps/s |');
console.log('|---|---:|---:|---:|---:|');
const a = await timed(many);
const b = await timed(onePerRun);
console.log(`| all problems in one run | 1 | ${a.seconds.toFixed(2)} | ${a.restartSteps} | ${(a.restartSteps / a.seconds).toExponential(3)} |`);
console.log(`| one problem per run | ${PROBLEMS} | ${b.seconds.toFixed(2)} | ${b.restartSteps} | ${(b.restartSteps / b.seconds).toExponential(3)} |`);
console.log(`\nspeed-up of one run over one per run: ×${(b.seconds / a.seconds).toFixed(1)}`);
handle.destroy();
process.exit(0);
