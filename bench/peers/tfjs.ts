/**
 * TensorFlow.js as the peer: its wasm backend (the fastest CPU choice) and its webgpu backend on
 * the same adapter as ours, running bench/peers/tfjs-empirical.ts. Every measurement is checked
 * first: the TF.js loss at the initial points, and the parameters after a few steps, must equal
 * the CPU reference's (else the suite fails rather than report a number for different work).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Experiment } from '../../src/core/experiment.ts';
import { shapeOf } from '../../src/core/model.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';
import { tfjsEmpiricalSteps } from './tfjs-empirical.ts';

export type TfjsBackend = 'wasm' | 'webgpu';

const isNode = () => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Registers and selects a backend; false (with the reason) when it cannot run here. */
export async function useTfjsBackend(name: TfjsBackend, where: { gpu?: () => Promise<GPU>; wasmPaths?: Record<string, string> } = {}): Promise<true | string> {
  const { gpu } = where;
  try {
    if (name === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (where.wasmPaths) {
        wasm.setWasmPaths(where.wasmPaths);
      } else if (isNode()) {
        const { createRequire } = await import(/* @vite-ignore */ 'node:module');
        const { dirname } = await import(/* @vite-ignore */ 'node:path');
        const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
        wasm.setWasmPaths(dist);
      }
    } else {
      if (isNode() && !(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu && gpu) {
        Object.defineProperty(globalThis, 'navigator', { value: { gpu: await gpu() }, configurable: true });
      }
      await import('@tensorflow/tfjs-backend-webgpu');
    }
    if (!(await tf.setBackend(name))) return `tf.setBackend('${name}') failed`;
    await tf.ready();
    return true;
  } catch (e) {
    return String((e as Error).message ?? e);
  }
}

/**
 * Checks TF.js against the CPU reference on `checkRestarts` restarts of the experiment: the loss
 * at the initial point (relative 1e-4) and the parameters after `steps` steps (1e-3 + 1e-3·|x|,
 * the kernel tests' f32 tolerance). Returns the worst relative errors; throws if beyond.
 */
export async function checkTfjsAgainstCpu(exp: Experiment, steps: number, checkRestarts = 8): Promise<{ loss: number; params: number }> {
  const small = { ...exp, restarts: checkRestarts, maxSteps: steps };
  const run = await tfjsEmpiricalSteps(tf, small, steps);
  const prep = prepare(small);
  const { P } = shapeOf(exp.model);
  let lossErr = 0;
  let paramErr = 0;
  for (let r = 0; r < checkRestarts; r++) {
    const initial = runRestart({ ...prep, exp: { ...small, maxSteps: 0 } }, r);
    lossErr = Math.max(lossErr, Math.abs(run.initialLoss[r] - initial.loss) / Math.abs(initial.loss));
    const after = runRestart(prep, r).params;
    for (let p = 0; p < P; p++) paramErr = Math.max(paramErr, Math.abs(run.params[r * P + p] - after[p]) / (1e-3 + 1e-3 * Math.abs(after[p])));
  }
  if (!(lossErr <= 1e-4 && paramErr <= 1)) {
    throw new Error(`TF.js (${tf.getBackend()}) disagrees with the CPU reference: loss rel. error ${lossErr.toExponential(2)}, parameters ${paramErr.toFixed(2)}× the tolerance`);
  }
  return { loss: lossErr, params: paramErr };
}

/** Restart-steps per second of TF.js on R restarts, in chunks of at most `chunk` restarts. */
export async function tfjsRate(exp: Experiment, R: number, steps: number, chunk: number): Promise<{ rate: number; ms: number }> {
  let ms = 0;
  for (let first = 0; first < R; first += chunk) {
    const count = Math.min(chunk, R - first);
    const run = await tfjsEmpiricalSteps(tf, { ...exp, restarts: count }, steps + 1);
    ms += run.ms;
  }
  return { rate: (R * steps) / (ms / 1000), ms };
}
