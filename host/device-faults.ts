/**
 * What the GPU engine does when the device fails under it (host/gpu-engine.ts): a lost device
 * (driver reset, GPU process crash, a backgrounded tab's device reclaimed, device.destroy()) is
 * replaced by a new one and the run continues from its last finished wave; an allocation that
 * runs out of memory is retried with a wave half as large. Both are reported as EngineFaults, so
 * the CLI and the page can say what happened; neither changes which restarts run or how — every
 * restart is a function of (seed, restart) alone.
 */

/** Device losses one run survives; the next one ends it (a device that keeps failing is broken). */
export const MAX_DEVICE_LOSSES = 3;

/**
 * How long a failed GPU call waits for the device's `lost` promise before the failure is taken
 * for an ordinary error: a destroyed device rejects the pending mapAsync at once, but Chromium
 * resolves `lost` up to about a second later.
 */
export const LOSS_GRACE_MS = 3000;

/** What the engine reports when it recovers from a fault (GpuEngineOptions.onFault). */
export type EngineFault =
  /** The device was lost; the run goes on, on a new device, from restart `resumeAt`. */
  | { kind: 'device-lost'; reason: string; message: string; resumeAt: number; loss: number }
  /** Allocating a wave of `from` restarts ran out of GPU memory; the run goes on in waves of `to`. */
  | { kind: 'out-of-memory'; from: number; to: number; message: string };

/** Why a device was lost, as its lost info says ("unknown: GPU process crashed"). */
export function lossReason(info: { reason?: string; message: string }): string {
  return [info.reason, info.message].filter(Boolean).join(': ') || 'no reason given';
}

/** One line for a log or the page. */
export function describeFault(f: EngineFault): string {
  if (f.kind === 'device-lost') {
    return `GPU device lost (${lossReason(f)}); the run went on, on a new device, from restart ${f.resumeAt} (loss ${f.loss} of at most ${MAX_DEVICE_LOSSES})`;
  }
  return `out of GPU memory for a wave of ${f.from} restarts (${f.message}); the run went on in waves of ${f.to}`;
}

/** The run lost its device more often than MAX_DEVICE_LOSSES, or no new device could be had. */
export class DeviceLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeviceLostError';
  }
}

/** Not even a wave of one restart fits in the device's memory. */
export class OutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

/**
 * A device's loss as it becomes known: `info` once its `lost` promise has resolved, and `within`
 * to wait (at most `ms`) for that after a GPU call failed.
 */
export class LossWatch {
  info?: GPUDeviceLostInfo;
  private readonly lost: Promise<GPUDeviceLostInfo>;

  constructor(device: GPUDevice) {
    this.lost = device.lost.then((info) => (this.info = info));
  }

  /** The loss, if the device is lost or becomes so within `ms`; undefined otherwise. */
  async within(ms: number): Promise<GPUDeviceLostInfo | undefined> {
    if (this.info) return this.info;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
    try {
      return await Promise.race([this.lost, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs `allocate` inside an out-of-memory error scope: its result, or 'out-of-memory' (with what
 * the device said) where an allocation failed — by the scope's error, or a RangeError thrown by
 * createBuffer (a mapped-at-creation buffer too large for host memory). What was allocated is
 * the caller's to free through `dispose`.
 */
export async function withinMemory<T>(device: GPUDevice, allocate: () => Promise<T>, dispose: (made: T) => void): Promise<{ made: T } | { oom: string }> {
  device.pushErrorScope('out-of-memory');
  let made: T | undefined;
  let thrown: unknown;
  try {
    made = await allocate();
  } catch (e) {
    thrown = e;
  }
  const error = await device.popErrorScope();
  if (error || thrown instanceof RangeError) {
    if (made !== undefined) dispose(made);
    return { oom: error?.message || (thrown as Error).message || 'out of memory' };
  }
  if (thrown !== undefined) throw thrown;
  return { made: made as T };
}
