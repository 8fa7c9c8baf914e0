/**
 * The step kernel's choice and layout (host/kernels.ts): per-thread kernels on CPU adapters,
 * the cooperative kernel on GPUs, and the reduction's shape within the workgroup.
 */
import { describe, expect, it } from 'vitest';
import { type StepTarget, layoutConstants, stepGrid, stepKernelFor, stepLayout } from '../../host/kernels.ts';
import { duCell } from '../../src/presets/du-table1.ts';

const GPU: StepTarget = { emulated: false, subgroups: true, subgroupMinSize: 32, workgroupStorage: 49152 };
const CPU: StepTarget = { emulated: true, subgroups: true };
const empirical = duCell({ p: 6, k: 25, ratio: 4, restarts: 4096, loss: { kind: 'empirical', samples: 1024 } });

describe('stepKernelFor', () => {
  it('runs the per-thread kernels on a CPU adapter and the cooperative one on a GPU', () => {
    expect(stepKernelFor(empirical, 'auto', CPU)).toBe('empirical_step_vec4');
    expect(stepKernelFor(empirical, 'auto', GPU)).toBe('empirical_step_coop_subgroup');
    expect(stepKernelFor(empirical, 'auto', { ...GPU, subgroups: false })).toBe('empirical_step_coop');
    expect(stepKernelFor(empirical, 'per-thread', GPU)).toBe('empirical_step_vec4');
    expect(stepKernelFor(empirical, 'general-per-thread', GPU)).toBe('empirical_step');
    expect(stepKernelFor(empirical, 'cooperative', CPU)).toBe('empirical_step_coop_subgroup');
    expect(stepKernelFor({ ...empirical, loss: { kind: 'sgd', batch: 16 } }, 'auto', CPU)).toBe('empirical_step');
    expect(stepKernelFor({ ...empirical, loss: { kind: 'sgd', batch: 16 } }, 'auto', GPU)).toBe('empirical_step_coop_subgroup');
    expect(stepKernelFor(duCell({ k: 25, ratio: 4 }), 'auto', GPU)).toBe('population_step_span');
  });

  it('each preference forces its family of kernels', () => {
    const span = duCell({ k: 25, ratio: 4 });
    expect(stepKernelFor(span, 'per-thread', GPU)).toBe('population_step_span');
    expect(stepKernelFor(span, 'general-per-thread', GPU)).toBe('population_step');
    expect(() => stepKernelFor(span, 'cooperative', GPU)).toThrow(RangeError);
    const minibatch = { ...empirical, loss: { kind: 'empirical' as const, samples: 1024, batch: 32 } };
    expect(stepKernelFor(minibatch, 'per-thread', GPU)).toBe('empirical_step');
    expect(stepKernelFor(minibatch, 'general-per-thread', CPU)).toBe('empirical_step');
    expect(stepKernelFor(empirical, 'general-per-thread', CPU)).toBe('empirical_step');
    expect(stepKernelFor(empirical, 'per-thread', CPU)).toBe('empirical_step_vec4');
  });

  it("runs Kawaguchi & Kaelbling's extra neuron on the one-restart-per-thread kernel only, on every adapter", () => {
    const extra = { ...empirical, model: { ...empirical.model, extra: { lambda: 0.1 } } };
    for (const target of [CPU, GPU]) {
      for (const prefer of ['auto', 'per-thread', 'general-per-thread'] as const) expect(stepKernelFor(extra, prefer, target)).toBe('empirical_step');
      expect(stepKernelFor({ ...extra, loss: { kind: 'sgd', batch: 16 } }, 'auto', target)).toBe('empirical_step');
      expect(() => stepKernelFor(extra, 'cooperative', target)).toThrow(/extra neuron \(model\.extra\) has no cooperative step kernel/);
    }
  });

  it('keeps the per-thread kernel where the cooperative one\'s workgroup memory would not fit', () => {
    const wide = { ...empirical, model: { ...empirical.model, d: 3000, m: 3000, stride: 1 }, teacher: { filters: 1, w: new Float64Array(3000), a: new Float64Array(1) } };
    expect(stepKernelFor(wide, 'auto', { ...GPU, workgroupStorage: 16384 })).toBe('empirical_step_vec4');
    expect(() => stepKernelFor(wide, 'cooperative', { ...GPU, workgroupStorage: 16384 })).toThrow(RangeError);
  });
});

describe('stepLayout', () => {
  it('per thread: eight restarts per thread from R = 256, at least eight workgroups', () => {
    expect(stepLayout('empirical_step_vec4', 4096)).toEqual({ restartsPerThread: 8, workgroup: 64 });
    expect(stepLayout('empirical_step_vec4', 256)).toEqual({ restartsPerThread: 8, workgroup: 4 });
    expect(stepLayout('empirical_step_vec4', 64)).toEqual({ restartsPerThread: 4, workgroup: 4 });
    expect(() => stepLayout('empirical_step_vec4', 64, { restartsPerThread: 2 })).toThrow(RangeError);
  });

  it('cooperative: 64 threads per restart, more for small waves, no more than the batch', () => {
    const coop = 'empirical_step_coop_subgroup';
    expect(stepLayout(coop, 4096, {}, 1024).workgroup).toBe(64);
    expect(stepLayout(coop, 256, {}, 1024).workgroup).toBe(128);
    expect(stepLayout(coop, 16, {}, 1024).workgroup).toBe(256);
    expect(stepLayout(coop, 16, {}, 48).workgroup).toBe(32);
    expect(stepLayout(coop, 4096, {}, 16).workgroup).toBe(16);
    expect(stepLayout(coop, 4096, { workgroup: 8 }, 1024).workgroup).toBe(8);
    expect(() => stepLayout(coop, 4096, { workgroup: 48 })).toThrow(RangeError);
    expect(() => stepLayout(coop, 4096, { restartsPerThread: 4 })).toThrow(RangeError);
  });

  it('dispatches one workgroup per restart for the cooperative kernel', () => {
    const layout = stepLayout('empirical_step_coop', 100_000, {}, 1024);
    const g = stepGrid('empirical_step_coop', layout, 100_000, 65535);
    expect(g.x * g.y).toBeGreaterThanOrEqual(100_000);
    expect(g.x).toBeLessThanOrEqual(65535);
    expect(stepGrid('empirical_step_vec4', { restartsPerThread: 8, workgroup: 64 }, 4096, 65535)).toEqual({ x: 8, y: 1 });
  });
});

describe('layoutConstants', () => {
  it('sizes the reduction: at most one column per thread, rows per subgroup', () => {
    const P = 321;
    const sub = layoutConstants({ restartsPerThread: 1, workgroup: 64 }, 'empirical_step_coop_subgroup', P, { ...GPU, subgroupMinSize: 4 });
    expect(sub.SUBGROUP_MIN).toEqual({ u32: 4 });
    expect(sub.RED_COLS).toEqual({ u32: 64 }); // 2048 floats / 16 rows = 128, capped at 64 threads
    const wg = layoutConstants({ restartsPerThread: 1, workgroup: 64 }, 'empirical_step_coop', P, GPU);
    expect(wg.SUBGROUP_MIN).toEqual({ u32: 1 });
    expect(wg.RED_COLS).toEqual({ u32: 32 }); // 2048 floats / 64 rows
    const small = layoutConstants({ restartsPerThread: 1, workgroup: 64 }, 'empirical_step_coop_subgroup', 30, GPU);
    expect(small.RED_COLS).toEqual({ u32: 31 }); // P + 1 values in one round
  });
});
