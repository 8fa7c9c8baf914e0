/**
 * The run loop's scheduling (host/schedule.ts) without a GPU: waves are capped so that a run of
 * 10⁶ restarts is a sequence of waves like a run of 10⁴; a chunk records the same passes whatever
 * the wave; chunk lengths respect the budget and the trace's slots; and, with the pacer on a fake
 * clock and a GPU whose chunk costs a fixed amount per restart of the wave plus an amount per
 * restart-step taken, the chunks (so the passes) a run records grow linearly with its restarts.
 */
import { describe, expect, it } from 'vitest';
import { type Clock, Pacer } from '../../host/pacing.ts';
import { CHUNK_PASSES, WAVE_CAP, chunkLength, waveSize } from '../../host/schedule.ts';

describe('waveSize', () => {
  it('holds all restarts up to WAVE_CAP, then WAVE_CAP, within the device limit', () => {
    expect(waveSize(10_000, 1 << 20)).toBe(10_000);
    expect(waveSize(1_000_000, 1 << 20)).toBe(WAVE_CAP);
    expect(waveSize(1_000_000, 1000)).toBe(1000);
  });

  it('takes an explicit size (a basin map, a test) within the device limit', () => {
    expect(waveSize(441, 1 << 20, 100)).toBe(100);
    expect(waveSize(1 << 20, 1 << 18, 1 << 19)).toBe(1 << 18);
    expect(waveSize(10, 1 << 20, 100)).toBe(10);
  });
});

describe('chunkLength', () => {
  it('is the paced length, cut so that the last chunk evaluates step maxSteps', () => {
    expect(chunkLength(0, 64, 1000)).toBe(64);
    expect(chunkLength(960, 64, 1000)).toBe(41);
    expect(chunkLength(1000, 64, 1000)).toBe(1);
  });

  it('ends a chunk at every trace slot, whatever the pacing', () => {
    const every = 10;
    const ends = new Set<number>();
    let paced = 1;
    for (let t = 0; t <= 300; ) {
      t += chunkLength(t, paced, 300, every);
      ends.add(t);
      paced = (paced * 7) % 23 + 1; // lengths all over the place
    }
    for (let slot = every; slot <= 300; slot += every) expect(ends.has(slot), `slot ${slot}`).toBe(true);
  });
});

/** A clock that moves only when slept on or told to. */
class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }
}

/**
 * The chunks a run of R restarts records, with the pacer adapting their length on a GPU where a
 * chunk costs `perSlot` ms per restart of the wave (every pass dispatches a thread for each) plus
 * `perStep` ms per restart-step taken; restart r decides after 100 + (r mod 3000) steps.
 */
async function simulate(R: number): Promise<{ chunks: number; restartSteps: number; gpuMs: number }> {
  const perSlot = 1e-4;
  const perStep = 1e-5;
  const maxSteps = 20_000;
  const clock = new FakeClock();
  const pacer = new Pacer({ polls: false, clock });
  const W = waveSize(R, 1 << 20);
  let chunks = 0;
  let restartSteps = 0;
  for (let first = 0; first < R; first += W) {
    const count = Math.min(W, R - first);
    // Steps each restart of the wave takes, sorted: how many still run at a step is a search.
    const lengths = Array.from({ length: count }, (_, i) => 100 + ((first + i) % 3000)).sort((a, b) => a - b);
    const longest = lengths[count - 1];
    pacer.startWave(count);
    for (let stepBase = 0; stepBase <= Math.min(longest, maxSteps); ) {
      const steps = chunkLength(stepBase, pacer.chunkSteps, maxSteps);
      let taken = 0;
      for (const l of lengths) taken += Math.max(0, Math.min(l + 1, stepBase + steps) - stepBase);
      const chunk = pacer.submitted(steps);
      const done = chunk.submittedAt + perSlot * count * CHUNK_PASSES.length + perStep * taken;
      await pacer.wait(chunk, false, async () => void (clock.t = Math.max(clock.t, done)));
      chunks++;
      restartSteps += taken;
      stepBase += steps;
    }
  }
  return { chunks, restartSteps, gpuMs: clock.t };
}

describe('a run\'s chunks and passes', () => {
  it('records the same passes in every chunk, whatever the wave', () => {
    expect([...CHUNK_PASSES]).toEqual(['step', 'classify', 'reduce']);
  });

  it('grow linearly with the restarts: the GPU time per restart-step at 10⁶ is that at 10⁴', async () => {
    const small = await simulate(10_000);
    const large = await simulate(1_000_000);
    const rate = (s: { restartSteps: number; gpuMs: number }) => s.restartSteps / s.gpuMs;
    expect(rate(large) / rate(small)).toBeGreaterThan(0.8);
    // Chunks per restart do not grow either (one wave of 10⁴ against sixteen of 2¹⁶).
    expect(large.chunks / 1_000_000).toBeLessThanOrEqual((1.2 * small.chunks) / 10_000);
  }, 60_000);
});
