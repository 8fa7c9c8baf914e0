/**
 * The benchmark's own correctness: every kernel the suite times computes what the CPU computes.
 * The roofline microkernels against their f32 recurrences on the CPU; each end-to-end workload's
 * parameters after a few steps against the CPU reference engine, same seed; the per-kernel
 * passes (the step continued pass after pass, classify, reduce) against the CPU reference.
 */
import { expect } from 'vitest';
import { CHAINS, benchPipeline, peakFmaReference } from '../../bench/peak.ts';
import { WORKLOADS } from '../../bench/suite.ts';
import peakBandwidthWgsl from '../../shaders/bench/peak_bandwidth.wgsl';
import peakFmaWgsl from '../../shaders/bench/peak_fma.wgsl';
import { decodeStats } from '../../host/contract.ts';
import { GpuEngine } from '../../host/gpu-engine.ts';
import { type KernelPass, kernelPasses } from '../../host/kernel-passes.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { emptyTally, tallyRestart } from '../../src/core/stats.ts';
import type { WaveResult } from '../../src/engine/engine.ts';
import { shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { createBuffer, expectAllclose, readBuffer, testWithDevice } from './harness.ts';
import { NEVER_DECIDE } from '../../src/core/outcome.ts';

const UNIFORM = 0x40 | 0x08; // GPUBufferUsage.UNIFORM | COPY_DST (the globals exist only once dawn.node is loaded)

async function dispatch(device: GPUDevice, pipeline: GPUComputePipeline, buffers: GPUBuffer[], groups: number): Promise<void> {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })) }));
  pass.dispatchWorkgroups(groups);
  pass.end();
  device.queue.submit([enc.finish()]);
}

testWithDevice('peak_fma computes its multiply-add chains as the CPU does in f32', async ({ device }) => {
  const groups = 2;
  const iterations = 37;
  const pipeline = await benchPipeline(device, peakFmaWgsl, 'peak_fma', { CHAINS });
  const job = createBuffer(device, new Uint32Array([iterations, 0, 0, 0]), UNIFORM);
  const sink = createBuffer(device, groups * 64 * 16);
  await dispatch(device, pipeline, [job, sink], groups);
  const got = new Float32Array(await readBuffer(device, sink));
  const expected = new Float32Array(groups * 64 * 4);
  for (let t = 0; t < groups * 64; t++) expected.set(peakFmaReference(t, iterations), 4 * t);
  expectAllclose(got, expected, { rtol: 2e-6, atol: 0, label: 'peak_fma sink' });
});

testWithDevice('peak_bandwidth copies every element, strided over the threads', async ({ device }) => {
  const elements = 1000;
  const threads = 128;
  const pipeline = await benchPipeline(device, peakBandwidthWgsl, 'peak_bandwidth');
  const job = createBuffer(device, new Uint32Array([elements, Math.ceil(elements / threads), threads, 0]), UNIFORM);
  const data = Float32Array.from({ length: elements * 4 }, (_, i) => Math.sin(i));
  const src = createBuffer(device, data);
  const dst = createBuffer(device, elements * 16);
  await dispatch(device, pipeline, [job, src, dst], threads / 64);
  expect(Array.from(new Float32Array(await readBuffer(device, dst)))).toEqual(Array.from(data));
});

for (const w of WORKLOADS) {
  testWithDevice(`bench workload '${w.name}': GPU parameters after 6 steps equal the CPU reference`, async (h) => {
    const R = 24;
    const exp = w.make(R, 6);
    const { P } = shapeOf(exp.model);
    const waves: WaveResult[] = [];
    for await (const _ of new GpuEngine(h).run(exp, { onWave: (wave) => waves.push(wave) })) void _;
    const prep = prepare(exp);
    let worst = 0;
    for (const wave of waves) {
      for (let i = 0; i < wave.count; i++) {
        const cpu = runRestart(prep, wave.first + i).params;
        for (let p = 0; p < P; p++) worst = Math.max(worst, Math.abs(wave.params[i * P + p] - cpu[p]) / (1e-3 + 1e-3 * Math.abs(cpu[p])));
      }
    }
    expect(waves.reduce((n, x) => n + x.count, 0)).toBe(R);
    expect(worst, 'largest |GPU − CPU| / (1e-3 + 1e-3·|CPU|)').toBeLessThanOrEqual(1);
  });
}

/** Records one pass of a kernel (with what must precede it) and waits for it. */
async function runPass(device: GPUDevice, p: KernelPass): Promise<void> {
  const enc = device.createCommandEncoder();
  p.prepare?.(enc);
  const pass = enc.beginComputePass();
  p.encode(pass);
  pass.end();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
}

testWithDevice('per-kernel passes (host/kernel-passes.ts): the timed step, classify and reduce compute what the CPU reference does', async (h) => {
  const { device } = h;
  const engine = new GpuEngine(h);
  const base = duCell({ p: 4, k: 6, ratio: 1, restarts: 40, loss: { kind: 'empirical', samples: 64 } });
  const { P } = shapeOf(base.model);

  // Step: the set-up's first step, then two timed passes of three steps each = 7 GD steps.
  const running = await kernelPasses(engine, { ...base, maxSteps: 1 << 20, outcome: NEVER_DECIDE }, { steps: 3 });
  try {
    expect(Object.keys(running.passes).sort()).toEqual(['classify', 'init', 'patches', 'reduce', 'sample', 'step']);
    for (let i = 0; i < 2; i++) await runPass(device, running.passes.step!);
    const gpu = new Float32Array(await readBuffer(device, running.buffers.params));
    const prep = prepare({ ...base, maxSteps: 7, outcome: NEVER_DECIDE });
    let worst = 0;
    for (let r = 0; r < base.restarts; r++) {
      const cpu = runRestart(prep, r).params;
      for (let p = 0; p < P; p++) worst = Math.max(worst, Math.abs(gpu[r * P + p] - cpu[p]) / (1e-3 + 1e-3 * Math.abs(cpu[p])));
    }
    expect(worst, 'largest |GPU − CPU| / (1e-3 + 1e-3·|CPU|) after 7 steps').toBeLessThanOrEqual(1);
  } finally {
    running.destroy();
  }

  // classify + reduce on restarts all decided at step 0 (undecided, the budget being 0): the
  // angle of every initial filter to the teacher's, counted into the histogram.
  const decided = await kernelPasses(engine, { ...base, maxSteps: 0 }, { steps: 1 });
  try {
    await runPass(device, decided.passes.classify!);
    await runPass(device, decided.passes.reduce!);
    const tally = decodeStats(new Uint32Array(await readBuffer(device, decided.buffers.stats)), 0);
    expect(tally.counts).toEqual({ global: 0, spurious: 0, diverged: 0, undecided: base.restarts });
    // The CPU reference engine's tally of the same restarts (runRestart with a budget of 0).
    const expected = emptyTally(0);
    const prepDecided = prepare({ ...base, maxSteps: 0 });
    for (let r = 0; r < base.restarts; r++) {
      const res = runRestart(prepDecided, r);
      tallyRestart(expected, res.code, res.steps, res.loss / prepDecided.lossRef, res.angle);
    }
    expect(expected.counts).toEqual(tally.counts);
    expect(tally.angle.counts.reduce((a, b) => a + b, 0)).toBe(base.restarts);
    let moved = 0;
    for (let b = 0; b < expected.angle.counts.length; b++) moved += Math.abs(expected.angle.counts[b] - tally.angle.counts[b]);
    expect(moved, 'restarts in a different angle bin than on the CPU (f32 at bin edges)').toBeLessThanOrEqual(2);
  } finally {
    decided.destroy();
  }
});
