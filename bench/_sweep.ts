import { getDevice } from '../host/device.ts';
import { GpuEngine } from '../host/run.ts';
import { duCell } from '../src/experiments/du-table1.ts';
import { duRadius } from '../src/init.ts';
const e = new GpuEngine(await getDevice());
async function run(exp: any) { let last: any; for await (const s of e.run(exp)) last = s; return last.pGlobal.toFixed(3) + ' ' + JSON.stringify(last.counts); }
for (const [k, ratio] of [[25, 4], [64, 9], [100, 16]]) {
  const base = duCell({ k, ratio });
  const R = duRadius(base);
  for (const rs of [0.25, 0.5, 1, 2, 4]) console.log(k, ratio, 'radius x', rs, await run({ ...base, init: { kind: 'du', radius: R * rs } }));
  for (const c of [0.5, 2]) {
    const t = { ...base.teacher, a: base.teacher.a.map((x: number) => x * c) };
    const b2 = { ...base, teacher: t, outcome: { ...base.outcome, trap: { ...base.outcome.trap!, a: (base.outcome.trap!.a as Float64Array).map((x) => x * c) } } };
    console.log(k, ratio, 'a* x', c, await run(b2));
  }
}
process.exit(0);
