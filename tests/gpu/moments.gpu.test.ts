/**
 * shaders/moments_m2.wgsl and moments_r3.wgsl (via host/moments.ts) against the f64 CPU moments of
 * src/core/moments.ts on the same f32-rounded sample: Zhong et al.'s M̂₂ and squared-ReLU R̂₃.
 */
import { gpuMoments } from '../../host/moments.ts';
import { empiricalM2, empiricalR3, zhongLabels } from '../../src/core/moments.ts';
import { topAbsEigenspace } from '../../src/core/tensor-init.ts';
import { zhongSample, zhongTeacher } from '../../src/core/zhong-teacher.ts';
import { expectAllclose, testWithDevice } from './harness.ts';

testWithDevice('GPU M̂₂ and R̂₃ = M̂₃(V, V, V) match the CPU within f32 tolerance (d = 10, k = 5, n = 3000)', async ({ device }) => {
  const d = 10;
  const k = 5;
  const n = 3000;
  const t = zhongTeacher(d, k, 2, 21);
  // The GPU sees f32 inputs; the reference uses the same rounded values in f64.
  const X = zhongSample(d, n, 21).map(Math.fround);
  const y = zhongLabels('squared-relu', t.w, t.a, X, n, d).map(Math.fround);
  const m2 = empiricalM2(X, y, n, d);
  const V = topAbsEigenspace(m2, d, k).map(Math.fround);
  const r3 = empiricalR3(X, y, n, d, V, k, { j3: 3 });
  const gpu = await gpuMoments(device, X, y, n, d, { V, k });
  const scale2 = Math.max(...m2.map(Math.abs));
  const scale3 = Math.max(...r3.map(Math.abs));
  expectAllclose(gpu.m2, m2, { rtol: 1e-4, atol: 1e-5 * scale2 });
  expectAllclose(gpu.r3!, r3, { rtol: 1e-4, atol: 1e-5 * scale3 });
}, 120_000);
