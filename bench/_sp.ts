import { getDevice } from '../host/device.ts';
import { GpuEngine } from '../host/run.ts';
import { duCell } from '../src/experiments/du-table1.ts';
import { DEFAULT_OUTCOME_RULE } from '../src/outcome.ts';
const e = new GpuEngine(await getDevice());
for (const gradTol of [1e-5, 1e-4, 1e-3]) {
  const base = duCell({ k: 25, ratio: 1, restarts: 2000, maxSteps: 50000 });
  const exp = { ...base, outcome: { ...DEFAULT_OUTCOME_RULE, gradTol } };
  const trap = base.outcome.trap!;
  const t0 = performance.now();
  let last: any; const dist: number[] = []; const ang: number[] = [];
  for await (const s of e.run(exp, { onWave: (w) => { for (let r = 0; r < w.count; r++) if (w.status[r] === 2) { ang.push(w.angle[r]); let d = 0; for (let i = 0; i < 25; i++) d += (w.params[r * 31 + 6 + i] - (trap.a as Float64Array)[i]) ** 2; dist.push(Math.sqrt(d)); } } })) last = s;
  dist.sort((a, b) => a - b); ang.sort((a, b) => a - b);
  console.log(gradTol, last.counts, ((performance.now() - t0) / 1000).toFixed(1), 'angle med', ang[ang.length >> 1], 'min', ang[0], 'dist med', dist[dist.length >> 1], 'max', dist[dist.length - 1]);
}
process.exit(0);
