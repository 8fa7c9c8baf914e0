/**
 * The classes of a restart with the extra neuron (src/core/augmented-outcome.ts), on Brutzkus &
 * Globerson's overlap trap (k = 4, m = 2, stride 1, w* = (−1, 1), a fixed at 1/4) with a fixed
 * sample, on the CPU reference: from w* the neuron stays off (escaped); from the open fourth
 * quadrant, where the baseline is stuck (Prop. 7.1), θ stays stuck while ‖(a_e, b_e, w_e)‖ grows
 * with ln t — Thm 4's failure mode — once the neuron has a step it can take (AdaGrad on it alone);
 * with the base step 0.2 on it too, GD oscillates in (a_e, b_e) instead (the spec's pitfall 2: the
 * curvature in a_e is mean e^{2z}), neither stationary nor growing: undecided.
 */
import { describe, expect, it } from 'vitest';
import { type AugmentedMeasure, kkThresholds, measureAugmented } from '../../src/core/augmented-outcome.ts';
import type { Experiment, OptimizerSpec } from '../../src/core/experiment.ts';
import { shapeOf } from '../../src/core/model.ts';
import { DEFAULT_OUTCOME_RULE, NEVER_DECIDE } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { runRestart } from '../../src/engine/cpu.ts';

/** w* itself, then three starts in the open fourth quadrant (w₁ > 0 > w₂). */
const STARTS = [[-1, 1], [1, -1], [0.5, -1.5], [1.5, -0.2]];

function classes(optimizer: OptimizerSpec, T: number): AugmentedMeasure[] {
  const model = { d: 5, m: 2, stride: 1, filters: 1, activation: 'relu' as const, output: 'fixed' as const, weightNorm: false, extra: { lambda: 0.1 } };
  const shape = shapeOf(model);
  const params = new Float64Array(STARTS.length * shape.P);
  STARTS.forEach((w, r) => params.set(w, r * shape.P));
  const exp = (steps: number): Experiment => ({
    model,
    teacher: { filters: 1, w: Float64Array.from([-1, 1]), a: new Float64Array(4).fill(0.25) },
    loss: { kind: 'empirical', samples: 200 },
    optimizer,
    init: { kind: 'supplied', params },
    restarts: STARTS.length,
    maxSteps: steps,
    seed: 3,
    outcome: NEVER_DECIDE,
  });
  const half = prepare(exp(T / 2));
  const end = prepare(exp(T));
  return STARTS.map((_, r) => measureAugmented(end, runRestart(half, r), runRestart(end, r), kkThresholds(DEFAULT_OUTCOME_RULE)));
}

describe('the extra neuron on the overlap trap: escaped, or stuck with the norm diverging', () => {
  it('AdaGrad on the neuron: w* escaped with a vanished neuron; every fourth-quadrant start stuck, its norm growing with ln t, L̃ below L', () => {
    const [teacher, ...stuck] = classes({ kind: 'gd', lr: 0.2, extra: { kind: 'adagrad', lr: 0.05, eps: 1e-8 } }, 4000);
    expect(teacher.cls).toBe('escaped');
    expect(teacher.neuronOverRoot).toBe(0);
    for (const m of stuck) {
      expect(m.cls).toBe('norm diverging');
      expect(m.baseLossOverRef).toBeGreaterThan(0.3); // θ still at the trap's loss
      expect(m.augLossOverRef).toBeLessThan(m.baseLossOverRef / 2); // the neuron fits much of the residual
      expect(m.normSlope).toBeGreaterThan(0.05);
      expect(m.angle).toBeGreaterThan(Math.PI / 2);
    }
  });

  it('the base step 0.2 on the neuron too: it oscillates — not stationary, norm flat — undecided', () => {
    const [teacher, ...stuck] = classes({ kind: 'gd', lr: 0.2 }, 4000);
    expect(teacher.cls).toBe('escaped');
    for (const m of stuck) {
      expect(m.cls).toBe('undecided');
      expect(Math.abs(m.normSlope)).toBeLessThan(0.05);
      expect(m.gradOverRoot).toBeGreaterThan(1e-2);
    }
  });
});
