/**
 * Timing GPU work honestly: pipelines compiled and one warm-up submission before timing; each
 * repetition is one submission of `trials` dispatches (no readback inside it); the figure is the
 * median over repetitions, per trial, with min and max as the spread. Where the adapter has
 * timestamp queries the GPU time of the pass is read too; the wall-clock bracket always is (submit
 * → onSubmittedWorkDone). In Node the wait sleeps through most of the expected time first, since
 * dawn.node polls on this thread — and takes a core from SwiftShader — while a promise is pending
 * (the engine's pacer, host/pacing.ts, one submission per step).
 */
import type { DeviceHandle } from '../host/device.ts';
import { Pacer } from '../host/pacing.ts';

export interface Timing {
  /** Median wall-clock milliseconds per trial, and the spread over repetitions. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Median GPU milliseconds per trial from timestamp queries, where the adapter has them. */
  gpuMs?: number;
  reps: number;
  trials: number;
}

/** The median (the mean of the two middle values for an even count). */
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Times `encode` (which records `trials` dispatches into one compute pass) over `reps`
 * submissions after one warm-up.
 */
export async function timePasses(
  handle: DeviceHandle,
  encode: (pass: GPUComputePassEncoder) => void,
  opts: { reps: number; trials: number; prepare?: (enc: GPUCommandEncoder) => void; warmMs?: number },
): Promise<Timing> {
  const { device } = handle;
  const timestamps = handle.features.timestamp;
  const querySet = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolve = timestamps ? device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : undefined;
  const read = timestamps ? device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : undefined;
  const pacer = new Pacer({ polls: handle.info.backend === 'dawn.node', chunkSteps: 1 });
  const wall: number[] = [];
  const gpu: number[] = [];
  // `prepare` goes outside the pass: in the wall-clock bracket, not in the GPU time.
  const record = (enc: GPUCommandEncoder, desc: GPUComputePassDescriptor = {}) => {
    opts.prepare?.(enc);
    const pass = enc.beginComputePass(desc);
    encode(pass);
    pass.end();
  };
  try {
    // A real GPU lowers its clocks within milliseconds of idling (while the CPU reference of the
    // last kernel ran, say): keep it busy with this pass for warmMs first, a few per submission.
    for (const until = performance.now() + (opts.warmMs ?? 0); performance.now() < until; ) {
      const enc = device.createCommandEncoder({ label: 'bench warm-up' });
      for (let i = 0; i < 4; i++) record(enc);
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
    }
    for (let rep = -1; rep < opts.reps; rep++) {
      const enc = device.createCommandEncoder({ label: 'bench' });
      record(enc, querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
      if (querySet) {
        enc.resolveQuerySet(querySet, 0, 2, resolve!, 0);
        enc.copyBufferToBuffer(resolve!, 0, read!, 0, 16);
      }
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await pacer.wait(pacer.submitted(1), false, () => device.queue.onSubmittedWorkDone());
      const ms = performance.now() - t0;
      if (querySet) {
        await read!.mapAsync(GPUMapMode.READ);
        const [b, e] = new BigUint64Array(read!.getMappedRange().slice(0));
        read!.unmap();
        if (rep >= 0 && e > b) gpu.push(Number(e - b) / 1e6 / opts.trials);
      }
      if (rep >= 0) wall.push(ms / opts.trials);
    }
  } finally {
    querySet?.destroy();
    resolve?.destroy();
    read?.destroy();
  }
  return {
    medianMs: median(wall),
    minMs: Math.min(...wall),
    maxMs: Math.max(...wall),
    ...(gpu.length > 0 ? { gpuMs: median(gpu) } : {}),
    reps: opts.reps,
    trials: opts.trials,
  };
}

/**
 * Median milliseconds of a CPU function over `reps` runs after one warm-up. A function faster
 * than MIN_CPU_MS runs several times per repetition (and the time is divided), since a page's
 * clock may tick in steps of 0.1 ms.
 */
export function timeCpu(fn: () => void, reps: number): Pick<Timing, 'medianMs' | 'minMs' | 'maxMs' | 'reps'> {
  const t0 = performance.now();
  fn();
  const once = performance.now() - t0;
  const inner = once >= MIN_CPU_MS ? 1 : Math.min(1000, Math.ceil(MIN_CPU_MS / Math.max(once, 0.01)));
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    for (let j = 0; j < inner; j++) fn();
    times.push((performance.now() - t) / inner);
  }
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), reps };
}

const MIN_CPU_MS = 20;
