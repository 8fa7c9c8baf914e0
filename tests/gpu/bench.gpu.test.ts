/**
 * The benchmark's own correctness: every kernel the suite times computes what the CPU computes.
 * The roofline microkernels against their f32 recurrences on the CPU; each end-to-end workload's
 * parameters after a few steps against the CPU reference engine, same seed.
 */
import { expect } from 'vitest';
import { CHAINS, benchPipeline, peakFmaReference } from '../../bench/peak.ts';
import { WORKLOADS } from '../../bench/suite.ts';
import peakBandwidthWgsl from '../../shaders/bench/peak_bandwidth.wgsl';
import peakFmaWgsl from '../../shaders/bench/peak_fma.wgsl';
import { GpuEngine } from '../../host/run.ts';
import type { WaveResult } from '../../src/engine.ts';
import { shapeOf } from '../../src/model.ts';
import { prepare, runRestart } from '../../src/reference.ts';
import { createBuffer, expectAllclose, readBuffer, testWithDevice } from './harness.ts';

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
  const job = createBuffer(device, new Uint32Array([iterations, groups, 0, 0]), UNIFORM);
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
