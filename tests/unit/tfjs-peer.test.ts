/**
 * The TensorFlow.js peer of the benchmark (bench/peers/) computes what the CPU reference computes:
 * the same loss at the initial points and the same parameters after a few GD steps, on its wasm
 * backend (no GPU needed), for both benchmark shapes at a reduced sample size.
 */
import { expect, it } from 'vitest';
import { checkTfjsAgainstCpu, useTfjsBackend } from '../../bench/peers/tfjs.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { NEVER_DECIDE } from '../../src/core/outcome.ts';


it('TF.js (wasm) runs the empirical GD step of the CPU reference', async () => {
  expect(await useTfjsBackend('wasm')).toBe(true);
  for (const [p, k] of [
    [6, 25],
    [25, 20],
  ]) {
    const exp = { ...duCell({ p, k, ratio: 4, restarts: 6, loss: { kind: 'empirical', samples: 128 } }), outcome: NEVER_DECIDE };
    const err = await checkTfjsAgainstCpu(exp, 5, 6);
    expect(err.loss).toBeLessThan(1e-5);
    expect(err.params).toBeLessThan(0.1);
  }
}, 60_000);
