/**
 * GPU reductions for Zhong et al.'s tensor initialisation (src/core/tensor-init.ts): the empirical
 * M̂₂ (shaders/moments_m2.wgsl) and, for P₃ = M₃ (squared ReLU), the projected R̂₃ = M̂₃(V, V, V)
 * (shaders/moments_r3.wgsl), in f32. The CPU f64 versions are src/core/moments.ts; the GPU test
 * (tests/gpu/moments.gpu.test.ts) checks these against them. ReLU's M₄(V, V, V, α) stays on the CPU.
 */
import m2Wgsl from '../shaders/moments_m2.wgsl';
import r3Wgsl from '../shaders/moments_r3.wgsl';
import totalLib from '../shaders/lib/workgroup_total.wgsl';
import { readBack } from './readback.ts';
import { composeShader, throwOnCompileErrors } from './shader-source.ts';

/** Largest workgroup count of one dispatch dimension (WebGPU's default limit). */
const MAX_WORKGROUPS = 65535;

function storage(device: GPUDevice, data: Float64Array, label: string): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(4, data.length * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label });
  device.queue.writeBuffer(buffer, 0, Float32Array.from(data));
  return buffer;
}

/** One kernel over `entries` workgroups, its output read back. */
async function reduce(
  device: GPUDevice,
  kernelCode: string,
  kernel: string,
  inputs: GPUBuffer[],
  entries: number,
  constants: Record<string, number>,
): Promise<Float32Array> {
  if (entries > MAX_WORKGROUPS) throw new RangeError(`${kernel}: ${entries} output entries exceed one dispatch (${MAX_WORKGROUPS})`);
  const code = composeShader(totalLib, kernelCode);
  const module = device.createShaderModule({ code, label: kernel });
  await throwOnCompileErrors(module, code, kernel);
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants } });
  const out = device.createBuffer({ size: entries * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, label: `${kernel} out` });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [...inputs, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder({ label: kernel });
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(entries);
  pass.end();
  device.queue.submit([enc.finish()]);
  const result = new Float32Array(await readBack(device, [{ buffer: out, bytes: entries * 4 }]));
  out.destroy();
  return result;
}

export interface GpuMoments {
  /** M̂₂, d×d. */
  m2: Float32Array;
  /** R̂₃ = M̂₃(V, V, V), k×k×k, when V was given. */
  r3?: Float32Array;
}

/** M̂₂ and (given V, d×k with orthonormal columns) the projected M̂₃ of the sample X (n×d), y on the GPU. */
export async function gpuMoments(
  device: GPUDevice,
  X: Float64Array,
  y: Float64Array,
  n: number,
  d: number,
  projection?: { V: Float64Array; k: number },
): Promise<GpuMoments> {
  if (X.length !== n * d || y.length !== n) throw new RangeError(`gpuMoments: X must be n×d = ${n}×${d} and y of length n`);
  const xBuf = storage(device, X, 'moments X');
  const yBuf = storage(device, y, 'moments y');
  try {
    const m2 = await reduce(device, m2Wgsl, 'moments_m2', [xBuf, yBuf], d * d, { N: n, D: d });
    if (!projection) return { m2 };
    const { V, k } = projection;
    if (V.length !== d * k) throw new RangeError(`gpuMoments: V must be d×k = ${d}×${k}`);
    const vBuf = storage(device, V, 'moments V');
    const r3 = await reduce(device, r3Wgsl, 'moments_r3', [xBuf, yBuf, vBuf], k ** 3, { N: n, D: d, K: k });
    vBuf.destroy();
    return { m2, r3 };
  } finally {
    xBuf.destroy();
    yBuf.destroy();
  }
}
