/**
 * The presets on the GPU engine against the CPU reference engine, same seed: identical counts on
 * Table 1 cells, the parameter trace (what the two-phase figures are drawn from) within the f32
 * tolerance of the kernel tests, the two-phase and spurious presets producing their figures
 * and tables, and the same basin map (bg-overlap-map) on both.
 */
import { expect } from 'vitest';
import { GpuEngine } from '../../host/gpu-engine.ts';
import type { TraceResult, WaveResult } from '../../src/engine/engine.ts';
import { runExperiment } from '../../src/presets/index.ts';
import type { ExperimentUpdate } from '../../src/presets/types.ts';
import type { ExperimentResult } from '../../src/results/types.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { bgExperiment } from '../../src/presets/bg-overlap-map.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { expectAllclose, testWithDevice } from './harness.ts';

async function finalResult(gen: AsyncGenerator<ExperimentUpdate, ExperimentResult>): Promise<ExperimentResult> {
  for (;;) {
    const u = await gen.next();
    if (u.done) return u.value;
  }
}

testWithDevice(
  'du-table1: GPU and CPU engines give the same counts on the same seed (two cells)',
  async (h) => {
    const options = { k: [16, 25], ratio: [1], restarts: 400, seed: 7 };
    const gpu = await finalResult(runExperiment('du-table1', options, { engine: new GpuEngine(h) }));
    const cpu = await finalResult(runExperiment('du-table1', options, { engine: cpuEngine() }));
    expect(gpu.engine).toBe('gpu');
    expect(cpu.engine).toBe('cpu');
    expect(gpu.cells).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      const { global, spurious, diverged, undecided } = gpu.cells[i];
      expect({ global, spurious, diverged, undecided }).toEqual({ global: cpu.cells[i].global, spurious: cpu.cells[i].spurious, diverged: cpu.cells[i].diverged, undecided: cpu.cells[i].undecided });
      expect(global).toBeGreaterThan(0);
      expect(spurious).toBeGreaterThan(0);
    }
    // k = 25, ratio 1 is a cell of the paper's table.
    expect(gpu.cells[1].paper).toBe(0.55);
  },
  120_000,
);

testWithDevice('trace: the GPU records the same trajectories as the CPU reference', async (h) => {
  const exp = duCell({ k: 9, ratio: 4, restarts: 48, maxSteps: 300 });
  const traces: TraceResult[] = [];
  const run = async (engine: { run: GpuEngine['run'] }) => {
    for await (const _ of engine.run(exp, { trace: { every: 10, restarts: 32, onTrace: (t) => traces.push(t) } })) void _;
  };
  await run(new GpuEngine(h));
  await run(cpuEngine());
  const [g, c] = traces;
  expect(g.steps).toEqual(c.steps);
  expect(g.steps).toHaveLength(31);
  expect(g.restarts).toBe(32);
  expectAllclose(g.params, c.params, { rtol: 1e-3, atol: 1e-3, label: 'trace' });
  // The trajectories move: the first and last slots differ.
  let moved = 0;
  for (let i = 0; i < 32 * g.P; i++) if (Math.abs(g.params[i] - g.params[30 * 32 * g.P + i]) > 1e-3) moved++;
  expect(moved).toBeGreaterThan(32 * 5);
});

testWithDevice(
  'du-two-phase and du-spurious produce their figures and tables on the GPU',
  async (h) => {
    const engine = new GpuEngine(h);
    const two = await finalResult(runExperiment('du-two-phase', { restarts: 64, maxSteps: 800 }, { engine }));
    expect(two.figures.map((f) => f.id)).toEqual(['angle', 'a-error', 'sum-error', 'loss', 'phase-one-end']);
    const loss = two.figures.find((f) => f.id === 'loss')!;
    const median = loss.series.find((s) => s.name === 'median')!;
    // GD decreases the population loss by orders of magnitude (phase II).
    expect(median.y.at(-1)!).toBeLessThan(1e-3 * median.y[0]);
    const end = Number(two.tables.find((t) => t.id === 'phase-one-end')!.rows[0][3]);
    expect(end).toBeGreaterThan(0);
    expect(end).toBeLessThan(800);

    const sp = await finalResult(runExperiment('du-spurious', { k: [16], ratio: [1], restarts: 200, maxSteps: 20000 }, { engine }));
    expect(sp.cells).toHaveLength(4); // the four sign flips
    const loc = sp.tables.find((t) => t.id === 'spurious-location')!;
    const [, , runs, angleMedian, , , distMedian] = loc.rows[0];
    expect(Number(runs)).toBeGreaterThan(0);
    expect(Math.abs(Number(angleMedian) - Math.PI)).toBeLessThan(0.05); // Lemma 5.1: angle π
    expect(Number(distMedian)).toBeLessThan(1e-3); // … and a = ã
    const flips = sp.tables.find((t) => t.id === 'sign-flips')!;
    expect(Number(flips.rows[0][3])).toBe(1); // Thm 4.2: every draw has a flip that succeeds
  },
  300_000,
);

testWithDevice(
  'bg-overlap-map: GPU and CPU engines give the same basin map (21 × 21), delivered wave by wave',
  async (h) => {
    const options = { resolution: 21 };
    const gpu = await finalResult(runExperiment('bg-overlap-map', options, { engine: new GpuEngine(h) }));
    const cpu = await finalResult(runExperiment('bg-overlap-map', options, { engine: cpuEngine() }));
    const codes = gpu.maps![0].codes;
    // Exactly equal although the GPU steps in f32: no grid point starts close enough to the basin
    // boundary for rounding to carry it across (measured: no difference at 201 × 201 either).
    expect(codes).toEqual(cpu.maps![0].codes);
    expect(codes.filter((c) => c === OUTCOME.spurious).length).toBeGreaterThan(100);
    expect(codes.filter((c) => c === OUTCOME.global).length).toBeGreaterThan(100);
    // Prop. 7.2 from the GPU's (f32) end points, their losses taken in f64: at w̃, at the bound.
    const t = gpu.tables.find((x) => x.id === 'prop-7-2')!;
    const value = (label: string) => Number(t.rows.find((r) => String(r[0]).startsWith(label))![1]);
    expect(value('… minus the bound')).toBeGreaterThanOrEqual(-1e-9);
    expect(value('… minus the bound')).toBeLessThan(1e-7);
    expect(value('largest ‖w_end − w̃‖')).toBeLessThan(1e-3);
    expect(value('… farther than')).toBe(0);

    // The GPU hands each wave to onWave: five waves of ≤ 100, the same outcomes.
    const waves: WaveResult[] = [];
    const exp = bgExperiment({ k: 4, resolution: 21, range: 2, lr: 0.1, maxSteps: 20000 });
    for await (const _ of new GpuEngine(h).run(exp, { waveSize: 100, onWave: (w) => waves.push(w) })) void _;
    expect(waves.map((w) => [w.first, w.count])).toEqual([
      [0, 100],
      [100, 100],
      [200, 100],
      [300, 100],
      [400, 41],
    ]);
    expect(waves.flatMap((w) => Array.from(w.status))).toEqual(codes);
  },
  120_000,
);
