/**
 * The PyTorch peer of the benchmark (bench/peers/torch.ts): optional, so where no python3 with
 * torch is found it says so, naming what to install; where one is (Debian's python3-torch), it
 * computes what the CPU reference computes — the same loss at the initial points and the same
 * parameters after a few GD steps, for both benchmark shapes at a reduced sample size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { checkTorchAgainstCpu, torchAvailable } from '../../bench/peers/torch.ts';
import { duCell } from '../../src/presets/du-table1.ts';
import { NEVER_DECIDE } from '../../src/core/outcome.ts';

const installed = await torchAvailable();

describe('the PyTorch peer', () => {
  afterEach(() => {
    delete process.env.BASINS_TORCH_PYTHON;
  });

  it('without an interpreter that has torch, says it is absent and what to install', async () => {
    process.env.BASINS_TORCH_PYTHON = '/nonexistent/python3';
    const got = await torchAvailable();
    expect(got).toEqual({ absent: expect.stringContaining('apt-get install python3-torch') });
  });

  it.runIf('version' in installed)(`PyTorch ${'version' in installed ? installed.version : '(absent here)'} runs the empirical GD step of the CPU reference`, async () => {
    for (const [p, k] of [
      [6, 25],
      [25, 20],
    ]) {
      const exp = { ...duCell({ p, k, ratio: 4, restarts: 6, loss: { kind: 'empirical', samples: 128 } }), outcome: NEVER_DECIDE };
      const err = await checkTorchAgainstCpu(exp, 5, 2);
      expect(err.loss).toBeLessThan(1e-5);
      expect(err.params).toBeLessThan(0.1);
    }
  }, 60_000);
});
