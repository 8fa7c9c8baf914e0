/**
 * node scripts/launch.mjs bench/scaling.ts [R …]: how a run's cost grows with its restarts — the
 * du-table1 cell k = 100, ratio 4 (population GD, the span kernel) at R = 10⁴, 10⁵ and 10⁶
 * restarts (or the R given), on this machine's WebGPU adapter through dawn.node. Prints, per R,
 * the seconds, the restart-steps actually taken and restart-steps per second, and the rate
 * relative to the smallest R. Two untimed runs at the smallest R come first (they compile the
 * kernels, SwiftShader's JIT included, and let the pacer learn the pace, as any later run in the
 * same page or process finds them; measured, the first timed run after only one was still ~40%
 * slower), and each R below 10⁶ is run REPS times, its median reported (SwiftShader's timings
 * vary ±30% run to run): a run's cost must be linear in restarts × steps taken
 * (host/schedule.ts), so the rates should agree. A benchmark, not a test: the figures go in
 * bench/README.md.
 */
import { GpuEngine } from '../host/gpu-engine.ts';
import { getDevice } from '../host/device.ts';
import { duCell } from '../src/presets/du-table1.ts';
import type { Snapshot } from '../src/core/stats.ts';

const sizes = process.argv.slice(2).map(Number);
const RS = sizes.length ? sizes : [10_000, 100_000, 1_000_000];
if (!RS.every((r) => Number.isInteger(r) && r >= 1)) {
  console.error('usage: node scripts/launch.mjs bench/scaling.ts [restarts …] (positive integers)');
  process.exit(2);
}
const handle = await getDevice();
const engine = new GpuEngine(handle);
console.log(`du-table1 k 100, ratio 4 (population GD, ${engine.stepPlan(duCell({ k: 100, ratio: 4 })).kernel}) on ${handle.info.label}\n`);
console.log('| restarts | waves | seconds | restart-steps | restart-steps/s | rate vs first |');
console.log('|---:|---:|---:|---:|---:|---:|');
/** Runs the cell at R restarts: its seconds and the restart-steps it took. */
async function run(R: number): Promise<{ seconds: number; restartSteps: number }> {
  const t0 = performance.now();
  let last: Snapshot | undefined;
  for await (const s of engine.run(duCell({ k: 100, ratio: 4, restarts: R }), { snapshotEveryMs: 10_000 })) last = s;
  return { seconds: (performance.now() - t0) / 1000, restartSteps: last!.restartSteps };
}

/** Timed runs per R below 10⁶ (a 10⁶ run takes minutes here, and its own length averages the noise). */
const REPS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (let i = 0; i < 2; i++) await run(RS[0]); // warm-up: compiled kernels, a measured pace
let first: number | undefined;
for (const R of RS) {
  const waves = Math.ceil(R / engine.stepPlan(duCell({ k: 100, ratio: 4, restarts: R })).W);
  const runs = [];
  for (let i = 0; i < (R < 1_000_000 ? REPS : 1); i++) runs.push(await run(R));
  const seconds = median(runs.map((r) => r.seconds));
  const { restartSteps } = runs[0]; // the same in every run: same seed, same steps
  const rate = restartSteps / seconds;
  first ??= rate;
  console.log(`| ${R} | ${waves} | ${seconds.toFixed(1)} | ${restartSteps.toExponential(3)} | ${rate.toExponential(3)} | ${(rate / first).toFixed(2)} |`);
}
handle.destroy();
process.exit(0);
