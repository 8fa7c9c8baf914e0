/**
 * Chunks in flight. Each chunk is one submission; its ~400-byte statistics are copied into a ring
 * of mappable buffers and mapped without waiting, so the GPU always has the next chunk queued
 * while the host reads the previous one (dawn.node busy-waits on a pending promise, so the run
 * loop awaits only when the ring is full).
 */
import type { PacedChunk, Pacer } from './pacing.ts';
import type { RunResources } from './run-resources.ts';

/** Mappable statistics buffers in the ring: chunks in flight at most. */
export const RING = 3;

export class ChunkRing {
  private readonly slots: GPUBuffer[];
  /** Oldest first: the slot each chunk's statistics go to, and when it was submitted. */
  private readonly inflight: { slot: number; chunk: PacedChunk }[] = [];
  private next = 0;

  constructor(private readonly res: RunResources, private readonly pacer: Pacer) {
    this.slots = Array.from({ length: RING }, (_, i) => res.make(res.statsBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `stats ring ${i}`));
  }

  get full(): boolean {
    return this.inflight.length === this.slots.length;
  }

  get empty(): boolean {
    return this.inflight.length === 0;
  }

  /** Copies the statistics into the next slot at the end of `enc`, a chunk of `steps` steps, and submits it. */
  submit(enc: GPUCommandEncoder, steps: number): void {
    const { device, stats, statsBytes } = this.res;
    enc.copyBufferToBuffer(stats, 0, this.slots[this.next], 0, statsBytes);
    device.queue.submit([enc.finish()]);
    this.inflight.push({ slot: this.next, chunk: this.pacer.submitted(steps) });
    this.next = (this.next + 1) % this.slots.length;
  }

  /** Waits (paced) for the oldest chunk in flight; its statistics words. */
  async retire(): Promise<Uint32Array> {
    const { slot, chunk } = this.inflight.shift()!;
    const buf = this.slots[slot];
    await this.pacer.wait(chunk, this.inflight.length > 0, () => buf.mapAsync(GPUMapMode.READ));
    const words = new Uint32Array(buf.getMappedRange().slice(0));
    buf.unmap();
    return words;
  }
}
