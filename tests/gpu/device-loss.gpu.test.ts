/**
 * Faults the GPU engine recovers from (host/device-faults.ts), in Node (dawn.node) and in
 * Chromium (the same file runs in both projects): a device destroyed mid-run — at a wave's end
 * and in the middle of one — is replaced and the run continues from the first unfinished wave,
 * with the uninterrupted run's counts and every restart's end state; a device that keeps failing
 * ends the run with a DeviceLostError; an allocation that runs out of memory is retried with a
 * wave half as large, in the layout planned for the whole one (every restart computes as before),
 * and later runs start from the wave that fitted.
 *
 * The devices these tests destroy are their own (getDevice), never the file's shared one.
 */
import { afterAll, expect } from 'vitest';
import { type DeviceHandle, getDevice } from '../../host/device.ts';
import { type EngineFault, GpuEngine, type WaveResult } from '../../host/gpu-engine.ts';
import type { Experiment } from '../../src/core/experiment.ts';
import type { Snapshot } from '../../src/core/stats.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { testWithDevice } from './harness.ts';

const RESTARTS = 100;
const WAVE = 16;
const EXP: Experiment = { ...duCell({ k: 4, ratio: 1, p: 4, loss: { kind: 'empirical', samples: 32 } }), restarts: RESTARTS, maxSteps: 400 };

const victims: DeviceHandle[] = [];
afterAll(() => {
  for (const h of victims) h.destroy();
});

async function victimEngine(faults: EngineFault[]): Promise<GpuEngine> {
  const h = await getDevice();
  victims.push(h);
  return new GpuEngine(h, { onFault: (f) => faults.push(f) });
}

interface Ran {
  waves: WaveResult[];
  last: Snapshot;
}

/** Runs EXP in waves of WAVE; `onSnapshot` and `onWave` may destroy the engine's device. */
async function run(engine: GpuEngine, hooks: { onSnapshot?: (s: Snapshot) => void; onWave?: (w: WaveResult) => void } = {}, waveSize = WAVE): Promise<Ran> {
  const waves: WaveResult[] = [];
  let last: Snapshot | undefined;
  const onWave = (w: WaveResult) => {
    waves.push(w);
    hooks.onWave?.(w);
  };
  for await (const s of engine.run(EXP, { waveSize, snapshotEveryMs: 0, onWave })) {
    last = s;
    hooks.onSnapshot?.(s);
  }
  return { waves, last: last! };
}

/** Every restart's final parameters and outcome, in restart order. */
function endStates(waves: WaveResult[]): unknown[] {
  return [...waves].sort((a, b) => a.first - b.first).flatMap((w) => Array.from({ length: w.count }, (_, i) => [w.status[i], w.steps[i], w.loss[i], w.angle[i]]));
}

testWithDevice('a device destroyed after a wave and again mid-wave: the run resumes on new devices with the uninterrupted counts and end states', async (h) => {
  const whole = await run(new GpuEngine(h));
  expect(new Set(whole.waves.map((w) => w.status[0])).size + whole.last.counts.spurious, 'a run with outcomes to compare').toBeGreaterThan(1);

  const faults: EngineFault[] = [];
  const engine = await victimEngine(faults);
  let atWave = false;
  let midWave = false;
  let inFourth = 0;
  const ran = await run(engine, {
    // At the end of the second wave (restarts 16…31 done), before the third starts.
    onWave: (w) => {
      if (!atWave && w.first === WAVE) {
        atWave = true;
        engine.device.destroy();
      }
    },
    // Inside the fourth wave (restarts 48…63): at its second snapshot, chunks of it run, more to come.
    onSnapshot: (s) => {
      if (atWave && !midWave && s.done === 3 * WAVE && ++inFourth === 2) {
        midWave = true;
        engine.device.destroy();
      }
    },
  });
  engine.destroy();

  expect([atWave, midWave]).toEqual([true, true]);
  expect(faults.map((f) => f.kind)).toEqual(['device-lost', 'device-lost']);
  expect(faults.map((f) => (f.kind === 'device-lost' ? f.resumeAt : -1))).toEqual([2 * WAVE, 3 * WAVE]);
  // Each wave handed over once, in order, covering every restart.
  expect(ran.waves.map((w) => w.first)).toEqual(whole.waves.map((w) => w.first));
  expect(ran.last.counts).toEqual(whole.last.counts);
  expect(ran.last.histograms).toEqual(whole.last.histograms);
  expect(ran.last.restartSteps).toBe(whole.last.restartSteps);
  expect(endStates(ran.waves)).toEqual(endStates(whole.waves));
  for (let i = 0; i < ran.waves.length; i++) expect(Array.from(ran.waves[i].params), `wave ${i} parameters`).toEqual(Array.from(whole.waves[i].params));
}, 180_000);

testWithDevice('a device lost at every wave: the fourth loss ends the run with a DeviceLostError', async () => {
  const faults: EngineFault[] = [];
  const engine = await victimEngine(faults);
  const failing = run(engine, { onWave: () => engine.device.destroy() });
  await expect(failing).rejects.toMatchObject({ name: 'DeviceLostError', message: expect.stringMatching(/4th time.*giving up/) });
  engine.destroy();
  expect(faults.map((f) => f.kind)).toEqual(['device-lost', 'device-lost', 'device-lost']);
}, 180_000);

testWithDevice('an allocation out of memory: the run goes on in waves half as large, with the same counts', async (h) => {
  const whole = await run(new GpuEngine(h), {}, RESTARTS);
  const faults: EngineFault[] = [];
  const engine = await victimEngine(faults);
  // The device reports its first out-of-memory error scope as failed (a real device would, for a
  // wave too large for its memory); the scope itself is popped as usual.
  const device = engine.device;
  const push = device.pushErrorScope.bind(device);
  const pop = device.popErrorScope.bind(device);
  const filters: GPUErrorFilter[] = [];
  let failed = false;
  device.pushErrorScope = (filter) => {
    filters.push(filter);
    push(filter);
  };
  device.popErrorScope = async () => {
    const real = await pop();
    if (filters.pop() !== 'out-of-memory' || failed) return real;
    failed = true;
    return { message: 'simulated: not enough memory for the wave' } as GPUError;
  };
  const ran = await run(engine, {}, RESTARTS);
  expect(faults).toEqual([{ kind: 'out-of-memory', from: RESTARTS, to: RESTARTS / 2, message: 'simulated: not enough memory for the wave' }]);
  expect(ran.waves.map((w) => [w.first, w.count])).toEqual([
    [0, RESTARTS / 2],
    [RESTARTS / 2, RESTARTS / 2],
  ]);
  // The halved waves run in the layout planned for the whole one: every restart as before.
  expect(ran.last.counts).toEqual(whole.last.counts);
  expect(endStates(ran.waves)).toEqual(endStates(whole.waves));
  const params = (waves: WaveResult[]) => waves.flatMap((w) => Array.from(w.params));
  expect(params(ran.waves)).toEqual(params(whole.waves));
  // Remembered: the next run starts from the wave that fitted, with no new fault.
  const again = await run(engine, {}, RESTARTS);
  expect(again.waves.map((w) => w.count)).toEqual([RESTARTS / 2, RESTARTS / 2]);
  expect(faults).toHaveLength(1);
}, 120_000);
