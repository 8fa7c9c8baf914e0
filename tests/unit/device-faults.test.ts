/**
 * The GPU engine's fault handling as logic (host/device-faults.ts), on a stand-in device: what an
 * allocation that runs out of memory returns (and that what it made is freed), when a failed call
 * counts as a loss, and the lines the CLI and the page print. The recoveries themselves run on real
 * devices in tests/gpu/device-loss.gpu.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LossWatch, describeFault, withinMemory } from '../../host/device-faults.ts';

/** A device whose next popErrorScope resolves to `error`, and whose loss is resolved by `lose`. */
function fakeDevice(error: { message: string } | null = null) {
  let lose!: (info: GPUDeviceLostInfo) => void;
  const lost = new Promise<GPUDeviceLostInfo>((resolve) => (lose = resolve));
  const scopes: string[] = [];
  const device = {
    lost,
    pushErrorScope: (filter: string) => void scopes.push(filter),
    popErrorScope: async () => (scopes.pop(), error),
  } as unknown as GPUDevice;
  return { device, scopes, lose };
}

describe('withinMemory', () => {
  it('hands back what was allocated when the out-of-memory scope is clean, the scope popped', async () => {
    const f = fakeDevice();
    expect(await withinMemory(f.device, async () => 42, () => expect.unreachable())).toEqual({ made: 42 });
    expect(f.scopes).toEqual([]);
  });

  it('an out-of-memory error in the scope: what was made is freed, and the message returned', async () => {
    const f = fakeDevice({ message: 'no room' });
    const freed: number[] = [];
    expect(await withinMemory(f.device, async () => 7, (x) => freed.push(x))).toEqual({ oom: 'no room' });
    expect(freed).toEqual([7]);
  });

  it('a RangeError from createBuffer counts as out of memory; any other error is the caller\'s', async () => {
    expect(await withinMemory(fakeDevice().device, async () => Promise.reject(new RangeError('too large')), () => undefined)).toEqual({ oom: 'too large' });
    await expect(withinMemory(fakeDevice().device, async () => Promise.reject(new TypeError('bad')), () => undefined)).rejects.toThrow('bad');
  });
});

describe('LossWatch', () => {
  it('a device not lost within the wait is not lost; one lost later is, with its reason', async () => {
    const f = fakeDevice();
    const watch = new LossWatch(f.device);
    expect(await watch.within(20)).toBeUndefined();
    setTimeout(() => f.lose({ reason: 'unknown', message: 'GPU process crashed' } as GPUDeviceLostInfo), 10);
    expect(await watch.within(2000)).toMatchObject({ reason: 'unknown', message: 'GPU process crashed' });
    expect(watch.info?.reason).toBe('unknown');
  });
});

describe('describeFault', () => {
  it('says what was lost, where the run went on, and how many losses are left', () => {
    expect(describeFault({ kind: 'device-lost', reason: 'unknown', message: 'reset', resumeAt: 4096, loss: 2 })).toBe(
      'GPU device lost (unknown: reset); the run went on, on a new device, from restart 4096 (loss 2 of at most 3)',
    );
    expect(describeFault({ kind: 'device-lost', reason: '', message: '', resumeAt: 0, loss: 1 })).toMatch(/^GPU device lost \(no reason given\)/);
    expect(describeFault({ kind: 'out-of-memory', from: 65536, to: 32768, message: 'no room' })).toBe(
      'out of GPU memory for a wave of 65536 restarts (no room); the run went on in waves of 32768',
    );
  });
});
