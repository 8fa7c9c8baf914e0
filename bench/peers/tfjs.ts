/**
 * TensorFlow.js as the peer: its wasm backend (the fastest CPU choice) and its webgpu backend on
 * the same adapter as ours, running bench/peers/tfjs-empirical.ts. Every measurement is checked
 * first: the TF.js loss at the initial points, and the parameters after a few steps, must equal
 * the CPU reference's (else the suite fails rather than report a number for different work).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Experiment } from '../../src/core/experiment.ts';
import { checkPeerAgainstCpu, peerRate } from './du-empirical.ts';
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

/** Checks TF.js (its current backend) against the CPU reference (du-empirical.ts checkPeerAgainstCpu). */
export function checkTfjsAgainstCpu(exp: Experiment, steps: number, checkRestarts = 8): Promise<{ loss: number; params: number }> {
  return checkPeerAgainstCpu(`TF.js (${tf.getBackend()})`, (e, n) => tfjsEmpiricalSteps(tf, e, n), exp, steps, checkRestarts);
}

/** Restart-steps per second of TF.js on R restarts, in chunks of at most `chunk` restarts. */
export function tfjsRate(exp: Experiment, R: number, steps: number, chunk: number): Promise<{ rate: number; ms: number }> {
  return peerRate((e, n) => tfjsEmpiricalSteps(tf, e, n), exp, R, steps, chunk);
}
