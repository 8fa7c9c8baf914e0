import { getDevice } from '../host/device.ts';
import { GpuEngine } from '../host/gpu-engine.ts';
import { runExperiment } from '../src/presets/index.ts';
const h = await getDevice();
const engine = new GpuEngine(h);
for (const catalogue of [false, true, false, true]) {
  const t0 = performance.now();
  const gen = runExperiment('du-table1', { k: '100', ratio: '4', restarts: '100000' } as any, { engine, catalogue });
  let r; for (;;) { const u = await gen.next(); if (u.done) { r = u.value; break; } }
  console.log(`catalogue ${catalogue}: ${((performance.now() - t0) / 1000).toFixed(1)} s, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
process.exit(0);
