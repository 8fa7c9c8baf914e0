/** One-off reads of GPU buffers into host memory (the end of a wave: its restarts, the trace). */

/** Copies `parts` (the first `bytes` of each buffer), one after another, into fresh host memory. */
export async function readBack(device: GPUDevice, parts: { buffer: GPUBuffer; bytes: number }[]): Promise<ArrayBuffer> {
  const total = parts.reduce((sum, p) => sum + p.bytes, 0);
  const staging = device.createBuffer({ size: Math.max(4, total), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  let offset = 0;
  for (const p of parts) {
    enc.copyBufferToBuffer(p.buffer, 0, staging, offset, p.bytes);
    offset += p.bytes;
  }
  device.queue.submit([enc.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ);
    const all = staging.getMappedRange().slice(0);
    staging.unmap();
    return all;
  } finally {
    // Also where the map failed (a lost device): the staging buffer is this call's.
    staging.destroy();
  }
}
