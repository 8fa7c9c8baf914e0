/**
 * The data kernels against the CPU reference, in Node and in Chromium: sample.wgsl (the fixed
 * sample and its teacher labels, src/core/empirical.ts drawSample/teacherLabels), patches.wgsl
 * (im2col for overlapping and non-overlapping strides) and activation.wgsl (σ and σ' for every
 * activation, src/core/model.ts).
 */
import { expect } from 'vitest';
import { ACTIVATIONS, ACTIVATION_CODE, type ModelSpec, activate, activateDerivative, shapeOf } from '../../src/core/model.ts';
import { drawSample, teacherLabels } from '../../src/core/empirical.ts';
import { dispatchSize } from '../../host/dispatch.ts';
import { kernelSource } from '../../host/kernels.ts';
import { sampleJobUniform } from '../../host/contract.ts';
import { compute, createBuffer, expectAllclose, readBuffer, testWithDevice } from './harness.ts';

function constantsFor(model: ModelSpec, FT: number, sampleInnermost = false) {
  const s = shapeOf(model);
  const u = (x: number) => ({ u32: x });
  return { D_IN: u(s.d), M: u(s.m), S: u(s.s), K: u(s.K), FT: u(FT), ACT: u(ACTIVATION_CODE[model.activation]), WORKGROUP: u(64), SAMPLE_INNERMOST: { bool: sampleInnermost } };
}

/** A SampleJob uniform, written through its schema (host/buffers.ts). */
function job(device: GPUDevice, n: number, seed: number): GPUBuffer {
  return sampleJobUniform(device, { n, seed });
}

for (const [name, model] of [
  ['no overlap (Du p=6, k=8)', { d: 48, m: 6, stride: 6, filters: 1, activation: 'relu', output: 'learned', weightNorm: true }],
  ['overlap m=3 stride 1, tanh', { d: 7, m: 3, stride: 1, filters: 1, activation: 'tanh', output: 'learned', weightNorm: false }],
  ['overlap m=4 stride 2, squared ReLU', { d: 10, m: 4, stride: 2, filters: 1, activation: 'squared-relu', output: 'learned', weightNorm: false }],
] as [string, ModelSpec][]) {
  testWithDevice(`sample and patches kernels equal the CPU sample, labels and im2col — ${name}`, async ({ device }) => {
    const shape = shapeOf(model);
    const n = 3000;
    const seed = 77;
    const FT = 2;
    const teacher = {
      filters: FT,
      w: Float64Array.from({ length: FT * shape.m }, (_, i) => Math.sin(i + 1)),
      a: Float64Array.from({ length: FT * shape.K }, (_, i) => Math.cos(i + 2)),
    };
    const consts = constantsFor(model, FT);
    const xs = createBuffer(device, n * shape.d * 4);
    const ys = createBuffer(device, n * 4);
    const t = new Float32Array([...teacher.w, ...teacher.a]);
    const groups = Math.ceil(n / 64);
    await compute(device, kernelSource('sample', consts), 'main', [job(device, n, seed), xs, ys, createBuffer(device, t)], [groups]);
    const gx = new Float32Array(await readBuffer(device, xs));
    const gy = new Float32Array(await readBuffer(device, ys));
    const X = drawSample(seed, n, shape.d);
    const y = teacherLabels(model, teacher, X, n);
    expectAllclose(gx, X, { atol: 2e-6, rtol: 0, label: 'x' });
    expectAllclose(gy, y, { atol: 1e-4, rtol: 1e-4, label: 'y' });

    const total = n * shape.K * shape.m;
    // Both layouts: [n, K, M] (per-thread step kernels) and [K, M, n] (the cooperative kernel);
    // one row of workgroups, and a 2-D grid as a device with at most 7 per dimension gets it
    // (host/dispatch.ts: the kernel flattens it with num_workgroups).
    for (const [innermost, maxPerDim] of [[false, 65535], [true, 65535], [false, 7]] as const) {
      const patches = createBuffer(device, total * 4);
      const g = dispatchSize(total, 64, maxPerDim);
      await compute(device, kernelSource('patches', constantsFor(model, FT, innermost)), 'main', [job(device, n, seed), xs, patches], [g.x, g.y]);
      const gp = new Float32Array(await readBuffer(device, patches));
      const expected = new Float32Array(total);
      for (let s = 0; s < n; s++)
        for (let i = 0; i < shape.K; i++)
          for (let u = 0; u < shape.m; u++) {
            const at = innermost ? (i * shape.m + u) * n + s : (s * shape.K + i) * shape.m + u;
            expected[at] = gx[s * shape.d + shape.s * i + u];
          }
      // im2col only moves values: bit-identical to the GPU's own sample.
      expect(Array.from(gp), `${innermost ? '[K, M, n]' : '[n, K, M]'}, ${g.x}×${g.y} workgroups`).toEqual(Array.from(expected));
    }
  });
}

testWithDevice('activation kernel: σ and σ′ for every activation equal src/core/model.ts', async ({ device }) => {
  const n = 4001;
  const z = Float32Array.from({ length: n }, (_, i) => -8 + (16 * i) / (n - 1));
  for (const act of ACTIVATIONS) {
    const model: ModelSpec = { d: 1, m: 1, stride: 1, filters: 1, activation: act, output: 'learned', weightNorm: false };
    const out = createBuffer(device, n * 8);
    const groups = Math.ceil(n / 64);
    await compute(device, kernelSource('activation', constantsFor(model, 1)), 'main', [job(device, n, 0), createBuffer(device, z), out], [groups]);
    const got = new Float32Array(await readBuffer(device, out));
    const fwd = new Float64Array(n);
    const bwd = new Float64Array(n);
    const gf = new Float32Array(n);
    const gb = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      fwd[i] = activate(act, z[i]);
      bwd[i] = activateDerivative(act, z[i]);
      gf[i] = got[2 * i];
      gb[i] = got[2 * i + 1];
    }
    // SwiftShader's exp/tanh are approximations: 1e-5 relative is the WGSL accuracy budget here.
    expectAllclose(gf, fwd, { rtol: 1e-5, atol: 1e-6, label: `${act} forward` });
    expectAllclose(gb, bwd, { rtol: 1e-4, atol: 1e-5, label: `${act} backward` });
  }
});
