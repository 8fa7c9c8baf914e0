/**
 * How a kernel's dispatch is sized, and one compute pass of it. A dispatch of more workgroups than
 * the device allows in one dimension becomes a 2-D grid, and every kernel flattens it the same
 * way, from the dispatch itself:
 *
 *     gid.x + gid.y · WORKGROUP · num_workgroups.x      (one restart per workgroup: wid.x + wid.y · num_workgroups.x)
 *
 * Why @builtin(num_workgroups) rather than a width the host writes into a uniform: the kernels
 * of one chunk are dispatched on different grids (the step kernels have their own layout), so
 * one uniform width cannot serve them all, and a width written beside each dispatch is one
 * more thing that can disagree with the grid it was dispatched on.
 */

/**
 * Threads per workgroup of the per-restart kernels other than the step (init, classify, reduce)
 * and of the data kernels (sample, patches, activation); the step kernels have their own layout
 * (host/kernels.ts stepLayout).
 */
export const WORKGROUP = 64;

/** Workgroup counts for `items` threads: a 2-D grid when one dimension would pass the device's limit. */
export function dispatchSize(items: number, workgroup: number, maxPerDim: number): { x: number; y: number } {
  const groups = Math.max(1, Math.ceil(items / workgroup));
  if (groups <= maxPerDim) return { x: groups, y: 1 };
  const y = Math.ceil(groups / maxPerDim);
  return { x: Math.ceil(groups / y), y };
}

/** A compute pass's content: one pipeline with its bind group, one dispatch of `g` workgroups. */
export function dispatchPass(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, g: { x: number; y: number }): (pass: GPUComputePassEncoder) => void {
  return (pass) => {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(g.x, g.y);
  };
}
