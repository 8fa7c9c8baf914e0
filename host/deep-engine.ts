/**
 * A small driver for shaders/deep_step.wgsl: full-batch GD, or SGD on minibatches (Thm 2), on R
 * restarts of one deep ReLU net (src/core/deep-net.ts) over one dataset, on the GPU in f32.
 *
 *     const eng = await createDeepEngine(device, spec, data, R);
 *     eng.upload(thetas);                  // R rows of P, e.g. initDeepNet per restart
 *     await eng.run(100, lr, 25);           // 100 steps, 25 per dispatch
 *     const { params, losses } = await eng.read();
 *
 * The init is drawn on the host (initDeepNet, the counter RNG, f64 rounded to f32), so a restart
 * starts from exactly the net the CPU reference starts from; the minibatches are the CPU's too
 * (deepMinibatch's draws, made in the kernel). GpuEngine.trainDeep drives it behind the Engine.
 */
import deepStep from '../shaders/deep_step.wgsl';
import deepStepThread from '../shaders/deep_step_thread.wgsl';
import { deepLayout, validateDeepNet, type DeepData, type DeepNetSpec } from '../src/core/deep-net.ts';
import { composeShader, constantsWgsl, throwOnCompileErrors } from './shader-source.ts';
import { readBack } from './readback.ts';
import { EXTRA_Z_MAX } from '../src/core/extra-neuron.ts';
import { STREAM, STREAMS_PER_STEP } from '../src/core/rng.ts';
import rngLib from '../shaders/lib/rng.wgsl';
import deepNetLib from '../shaders/lib/deep_net.wgsl';

/**
 * The kernel's shape: a TILE × TILE workgroup, each thread an RB × RB register block, so the
 * product tiles are BLK = TILE·RB wide and workgroup memory holds 2·BLK² f32 (8 KiB at the
 * default 16 × 2, inside WebGPU's guaranteed 16 KiB).
 */
export interface DeepKernelShape {
  tile: number;
  rb: number;
}
export const DEEP_KERNEL: DeepKernelShape = { tile: 16, rb: 2 };
/**
 * Which step kernel: the tiled cooperative one (shaders/deep_step.wgsl, a workgroup per restart)
 * in a shape, or 'per-restart' (shaders/deep_step_thread.wgsl, a thread per restart, no
 * barriers: the faster on a CPU-emulated adapter, bench/deep.ts).
 */
export type DeepKernel = DeepKernelShape | 'per-restart';
/** Threads per workgroup of the per-restart kernel. */
const THREAD_WG = 64;
/** Bytes of DeepCfg (8 words). */
const CFG_BYTES = 32;

export interface DeepEngine {
  readonly spec: DeepNetSpec;
  readonly restarts: number;
  readonly P: number;
  /** Set the R·P parameters (f64 rounded to f32) and restart the step count and the loss record. */
  upload(thetas: Float64Array): void;
  /**
   * `steps` more GD steps with step size lr, `perDispatch` steps per dispatch; losses[r, t] gets
   * F at the start of step t. The total over all runs since upload must not exceed maxSteps.
   */
  run(steps: number, lr: number, perDispatch?: number): Promise<void>;
  /** Parameters [R, P] and the loss record [R, maxSteps] (steps not run are 0). */
  read(): Promise<{ params: Float32Array; losses: Float32Array }>;
  destroy(): void;
}

/** The composed WGSL for a spec and sample size (exported for the compile test and the bench). */
export function deepStepCode(spec: DeepNetSpec, n: number, kernel: DeepKernel = DEEP_KERNEL, batch = n): string {
  const perRestart = kernel === 'per-restart';
  const { tile, rb } = perRestart ? DEEP_KERNEL : kernel;
  if (!Number.isInteger(tile) || tile < 1 || tile * tile > 256) throw new Error(`deep engine: tile must be an integer with tile² ≤ 256, got ${tile}`);
  if (!Number.isInteger(rb) || rb < 1 || 2 * 4 * (tile * rb) ** 2 > 16384) throw new Error(`deep engine: rb must be an integer ≥ 1 with 2·(tile·rb)² f32 ≤ 16 KiB, got ${rb}`);
  validateDeepNet(spec);
  if (!Number.isInteger(batch) || batch < 1 || batch > n) throw new Error(`deep engine: batch must be an integer in [1, n = ${n}], got ${batch}`);
  if (n >= 1 << 24) throw new Error(`deep engine: n must be below 2²⁴ (minibatch indices are exact f32), got ${n}`);
  const consts = constantsWgsl(
    {
      DIN: { u32: spec.inputDim },
      NL: { u32: spec.L },
      M: { u32: spec.m },
      DOUT: { u32: spec.outDim },
      NS: { u32: batch },
      ND: { u32: n },
      TRAIN_ALL: { bool: spec.train === 'all' },
      TILE: { u32: tile },
      RB: { u32: rb },
      EXTRA: { bool: spec.extra !== undefined },
      EXTRA_Z_MAX: { f32: EXTRA_Z_MAX },
      STREAM_SAMPLE: { u32: STREAM.sample },
      STREAMS_PER_STEP: { u32: STREAMS_PER_STEP },
      ...(perRestart ? { WG: { u32: THREAD_WG } } : {}),
    },
    'deep net shape (host/deep-engine.ts)',
  );
  return composeShader(consts, rngLib, deepNetLib, perRestart ? deepStepThread : deepStep);
}

/** Minibatches of `batch` samples per step, drawn as deepMinibatch(n, batch, seed, restartBase + r, t) for the engine's restart r. */
export interface DeepSgd {
  batch: number;
  seed: number;
  restartBase: number;
}

export async function createDeepEngine(
  device: GPUDevice,
  spec: DeepNetSpec,
  data: DeepData,
  restarts: number,
  maxSteps = 10_000,
  kernel: DeepKernel = DEEP_KERNEL,
  sgd?: DeepSgd,
): Promise<DeepEngine> {
  if (!Number.isInteger(restarts) || restarts < 1 || restarts > 65535) throw new Error(`deep engine: restarts must be an integer in [1, 65535], got ${restarts}`);
  if (data.X.length !== data.n * spec.inputDim) throw new Error(`deep engine: data.X has ${data.X.length} values, expected n·inputDim = ${data.n * spec.inputDim}`);
  if (data.Y.length !== data.n * spec.outDim) throw new Error(`deep engine: data.Y has ${data.Y.length} values, expected n·outDim = ${data.n * spec.outDim}`);
  const batch = sgd?.batch ?? data.n;
  const code = deepStepCode(spec, data.n, kernel, batch);
  const perRestart = kernel === 'per-restart';
  const module = device.createShaderModule({ code, label: 'deep_step' });
  await throwOnCompileErrors(module, code, 'deep_step');
  const pipeline = await device.createComputePipelineAsync({ label: 'deep_step', layout: 'auto', compute: { module, entryPoint: 'main' } });

  const { P } = deepLayout(spec);
  const sgdRow = batch < data.n ? data.n : 0;
  // Tiled: G, the two Δ blocks, E, and EZ with the extra neuron (shaders/deep_step.wgsl SCRATCH;
  // the blocks of NS rows hold the step's minibatch; with SGD the index row PERM0 follows, ND long).
  // Per restart: the gradient row (P), the vec4 blocks (4 floats each: G, Δ, X4, E4, EZ4) and the
  // index row (shaders/deep_step_thread.wgsl).
  const vec4s = (spec.L + 3) * spec.m + spec.inputDim + 2 * spec.outDim;
  const scratchFloats = perRestart ? [P, 4 * vec4s, sgdRow] : [(spec.L + 3) * batch * spec.m + batch * spec.outDim * (spec.extra ? 2 : 1) + sgdRow];
  const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const make = (floats: number, label: string, usage = storage) => device.createBuffer({ size: Math.max(16, 4 * floats), usage, label });
  const cfg = make(CFG_BYTES / 4, 'deep cfg', GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  const params = make(restarts * P, 'deep params');
  const xs = make(data.X.length, 'deep X');
  const ys = make(data.Y.length, 'deep Y');
  const scratch = scratchFloats.map((floats, i) => make(restarts * floats, `deep scratch ${i}`));

  const losses = make(restarts * maxSteps, 'deep losses');
  device.queue.writeBuffer(xs, 0, Float32Array.from(data.X));
  device.queue.writeBuffer(ys, 0, Float32Array.from(data.Y));
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [cfg, params, xs, ys, ...scratch, losses].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  let stepBase = 0;

  return {
    spec,
    restarts,
    P,
    upload(thetas) {
      if (thetas.length !== restarts * P) throw new Error(`deep engine: upload expects R·P = ${restarts * P} values, got ${thetas.length}`);
      device.queue.writeBuffer(params, 0, perRestart ? interleave(thetas, restarts, P) : Float32Array.from(thetas));
      device.queue.writeBuffer(losses, 0, new Float32Array(restarts * maxSteps));
      stepBase = 0;
    },
    async run(steps, lr, perDispatch = 10) {
      if (stepBase + steps > maxSteps) throw new Error(`deep engine: ${stepBase + steps} steps exceed maxSteps = ${maxSteps}`);
      const enc = device.createCommandEncoder({ label: 'deep steps' });
      const stagings: GPUBuffer[] = [];
      // One uniform write per dispatch would be overwritten before the queue runs; each dispatch
      // gets its own staging copy into cfg instead.
      for (let done = 0; done < steps; done += perDispatch) {
        const chunk = Math.min(perDispatch, steps - done);
        const words = new ArrayBuffer(CFG_BYTES);
        new Uint32Array(words, 0, 4).set([restarts, chunk, stepBase + done, maxSteps]);
        // SGD's gradient is the minibatch's times n/b (deepSgdStep): folded into the step size.
        new Float32Array(words, 16, 2).set([(lr * data.n) / batch, spec.extra?.lambda ?? 0]);
        new Uint32Array(words, 24, 2).set([sgd?.seed ?? 0, sgd?.restartBase ?? 0]);
        const staging = device.createBuffer({ size: CFG_BYTES, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
        new Uint8Array(staging.getMappedRange()).set(new Uint8Array(words));
        staging.unmap();
        stagings.push(staging);
        enc.copyBufferToBuffer(staging, 0, cfg, 0, CFG_BYTES);
        const pass = enc.beginComputePass({ label: 'deep_step' });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(perRestart ? Math.ceil(restarts / THREAD_WG) : restarts);
        pass.end();
      }
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      for (const b of stagings) b.destroy();
      stepBase += steps;
    },
    async read() {
      const all = await readBack(device, [
        { buffer: params, bytes: 4 * restarts * P },
        { buffer: losses, bytes: 4 * restarts * maxSteps },
      ]);
      const got = new Float32Array(all, 0, restarts * P);
      return { params: perRestart ? deinterleave(got, restarts, P) : got, losses: new Float32Array(all, 4 * restarts * P, restarts * maxSteps) };
    },
    destroy() {
      for (const b of [cfg, params, xs, ys, ...scratch, losses]) b.destroy();
    },
  };
}

/** [R, P] rows → the per-restart kernel's layout, entry q of restart r at q·R + r (f32). */
function interleave(rows: ArrayLike<number>, R: number, P: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(R * P);
  for (let r = 0; r < R; r++) for (let q = 0; q < P; q++) out[q * R + r] = rows[r * P + q]!;
  return out;
}

/** The per-restart kernel's layout → [R, P] rows. */
function deinterleave(cols: Float32Array, R: number, P: number): Float32Array {
  const out = new Float32Array(R * P);
  for (let r = 0; r < R; r++) for (let q = 0; q < P; q++) out[r * P + q] = cols[q * R + r]!;
  return out;
}
