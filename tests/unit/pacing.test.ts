/**
 * The pacer's decisions (host/pacing.ts) on a fake clock: when it sleeps and for how long, how it
 * measures a chunk's GPU time (halving on an oversleep), what it remembers across runs, and how
 * it adapts the chunk length. No real time passes.
 */
import { describe, expect, it } from 'vitest';
import { type Clock, FIRST_CHUNK_STEPS, MAX_CHUNK_STEPS, OVERSLEPT_MS, Pacer, type PacerOptions, PaceMemory, SLEEP_FRACTION } from '../../host/pacing.ts';

/** A clock that moves only when slept on or told to; it records every sleep. */
class FakeClock implements Clock {
  t = 1000;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

/** A GPU whose chunks finish `gpuMs` after submission, one after another. */
function setup(opts: Partial<PacerOptions> = {}) {
  const clock = new FakeClock();
  const pacer = new Pacer({ polls: true, clock, ...opts });
  /** Submits a chunk of `steps` and waits for it, the GPU taking msPerStep per step from submission. */
  const runChunk = async (steps: number, msPerStep: number, queued = false) => {
    const chunk = pacer.submitted(steps);
    const doneAt = chunk.submittedAt + msPerStep * steps;
    await pacer.wait(chunk, queued, async () => {
      clock.t = Math.max(clock.t, doneAt);
    });
  };
  return { clock, pacer, runChunk };
}

describe('Pacer: sleeping through a chunk', () => {
  it('does not sleep before it has a pace, then sleeps the last-chunk fraction of the measured time', async () => {
    const { clock, pacer, runChunk } = setup({ chunkSteps: 10 });
    pacer.startWave(64);
    await runChunk(10, 5);
    expect(clock.sleeps).toEqual([]);
    expect(pacer.pace).toBe(5);
    await runChunk(10, 5);
    expect(clock.sleeps).toEqual([SLEEP_FRACTION.last * 50]);
  });

  it('sleeps the queued fraction while other chunks are queued behind', async () => {
    const { clock, pacer, runChunk } = setup({ chunkSteps: 10 });
    pacer.startWave(64);
    await runChunk(10, 5);
    await runChunk(10, 5, true);
    expect(clock.sleeps).toEqual([SLEEP_FRACTION.queued * 50]);
  });

  it('never sleeps where waiting does not poll (a browser)', async () => {
    const { clock, pacer, runChunk } = setup({ polls: false, chunkSteps: 10 });
    pacer.startWave(64);
    for (let i = 0; i < 3; i++) await runChunk(10, 5);
    expect(clock.sleeps).toEqual([]);
    expect(pacer.pace).toBe(5);
  });

  it('does not sleep for a millisecond or less', async () => {
    const { clock, pacer, runChunk } = setup({ chunkSteps: 1 });
    pacer.startWave(64);
    await runChunk(1, 1);
    await runChunk(1, 1);
    expect(clock.sleeps).toEqual([]);
  });

  it('counts a queued chunk from the previous one\'s results, not from its own submission', async () => {
    const { clock, pacer } = setup({ chunkSteps: 10 });
    pacer.startWave(64);
    // Two chunks submitted together at t0; the GPU runs them back to back, 50 ms each.
    const t0 = clock.t;
    const a = pacer.submitted(10);
    const b = pacer.submitted(10);
    await pacer.wait(a, true, async () => void (clock.t = t0 + 50));
    expect(pacer.pace).toBe(5);
    await pacer.wait(b, false, async () => void (clock.t = t0 + 100));
    // b's wait starts at a's resolution (t0 + 50), not at b's submission (t0).
    expect(clock.sleeps).toEqual([SLEEP_FRACTION.last * 50]);
    expect(pacer.pace).toBe(5);
  });

  it('halves the pace after an oversleep (results there on waking), and not otherwise', async () => {
    const { clock, pacer, runChunk } = setup({ chunkSteps: 10 });
    pacer.startWave(64);
    await runChunk(10, 20);
    expect(pacer.pace).toBe(20);
    // The GPU got faster: the chunk finished before the host woke (0.8 × 200 ms > 100 ms).
    await runChunk(10, 10);
    expect(clock.sleeps).toEqual([SLEEP_FRACTION.last * 200]);
    expect(pacer.pace).toBe(0.5 * (SLEEP_FRACTION.last * 200) / 10);
    // Next time the wake-up finds the chunk still running (it waits > OVERSLEPT_MS): no halving.
    await runChunk(10, 10);
    expect(clock.sleeps[1]).toBe(SLEEP_FRACTION.last * 80);
    expect(100 - clock.sleeps[1]).toBeGreaterThan(OVERSLEPT_MS);
    expect(pacer.pace).toBe(10);
  });
});

describe('Pacer: remembered pace', () => {
  it('sleeps on the first chunk of a wave whose size and pipeline ran before, and only then', async () => {
    const memory = new PaceMemory();
    const pipeline = {};
    const first = setup({ chunkSteps: 10, remembered: memory.of(pipeline) });
    first.pacer.startWave(64);
    await first.runChunk(10, 5);
    expect(memory.of(pipeline).get(64)).toBe(5);

    const again = setup({ chunkSteps: 10, remembered: memory.of(pipeline) });
    again.pacer.startWave(64);
    await again.runChunk(10, 5);
    expect(again.clock.sleeps).toEqual([SLEEP_FRACTION.last * 50]);

    const otherSize = setup({ chunkSteps: 10, remembered: memory.of(pipeline) });
    otherSize.pacer.startWave(128);
    await otherSize.runChunk(10, 5);
    expect(otherSize.clock.sleeps).toEqual([]);

    const otherPipeline = setup({ chunkSteps: 10, remembered: memory.of({}) });
    otherPipeline.pacer.startWave(64);
    await otherPipeline.runChunk(10, 5);
    expect(otherPipeline.clock.sleeps).toEqual([]);
  });

  it('starts each wave from the remembered pace of its size', async () => {
    const remembered = new Map([[32, 3]]);
    const { pacer } = setup({ chunkSteps: 10, remembered });
    pacer.startWave(64);
    expect(pacer.pace).toBe(0);
    pacer.startWave(32);
    expect(pacer.pace).toBe(3);
  });
});

describe('Pacer: chunk length', () => {
  it('starts at 8 steps, doubles while a chunk takes under half the target and halves past twice it', async () => {
    const { pacer, runChunk } = setup({ polls: false, targetChunkMs: 100 });
    pacer.startWave(64);
    expect(pacer.chunkSteps).toBe(8);
    await runChunk(8, 1); // 8 ms < 50 ms
    expect(pacer.chunkSteps).toBe(16);
    await runChunk(16, 4); // 64 ms: within [50, 200]
    expect(pacer.chunkSteps).toBe(16);
    await runChunk(16, 20); // 320 ms > 200 ms
    expect(pacer.chunkSteps).toBe(8);
  });

  it('defaults to a 150 ms target', async () => {
    const { pacer, runChunk } = setup({ polls: false });
    pacer.startWave(64);
    await runChunk(8, 9); // 72 ms < 75 ms
    expect(pacer.chunkSteps).toBe(16);
    await runChunk(16, 5); // 80 ms ≥ 75 ms
    expect(pacer.chunkSteps).toBe(16);
  });

  it('stays within [1, MAX_CHUNK_STEPS]', async () => {
    const fast = setup({ polls: false, targetChunkMs: 100 });
    fast.pacer.startWave(64);
    for (let i = 0; i < 20; i++) await fast.runChunk(fast.pacer.chunkSteps, 1e-6);
    expect(fast.pacer.chunkSteps).toBe(MAX_CHUNK_STEPS);
    const slow = setup({ polls: false, targetChunkMs: 100 });
    slow.pacer.startWave(64);
    for (let i = 0; i < 10; i++) await slow.runChunk(slow.pacer.chunkSteps, 1000);
    expect(slow.pacer.chunkSteps).toBe(1);
  });

  it('keeps a fixed chunk length', async () => {
    const { pacer, runChunk } = setup({ polls: false, targetChunkMs: 100, chunkSteps: 5 });
    pacer.startWave(64);
    await runChunk(5, 1e-6);
    await runChunk(5, 1000);
    expect(pacer.chunkSteps).toBe(5);
  });
});

describe('Pacer: a new wave', () => {
  it('starts each wave at FIRST_CHUNK_STEPS, not at the long chunks of the last wave\'s tail', async () => {
    const { pacer, runChunk } = setup({ polls: false, targetChunkMs: 100 });
    pacer.startWave(64);
    for (let i = 0; i < 20; i++) await runChunk(pacer.chunkSteps, 1e-6);
    expect(pacer.chunkSteps).toBe(MAX_CHUNK_STEPS);
    pacer.startWave(64);
    expect(pacer.chunkSteps).toBe(FIRST_CHUNK_STEPS);
  });

  it('keeps a fixed length across waves', () => {
    const { pacer } = setup({ polls: false, chunkSteps: 5 });
    pacer.startWave(64);
    pacer.startWave(64);
    expect(pacer.chunkSteps).toBe(5);
  });
});
