/**
 * The sign-projected output layer (model.output 'sign', src/core/sign-output.ts) on the CPU
 * reference: a stays on {−1, +1} at every step, it flips when a step crosses 0, one GD step
 * matches a hand computation (and the outcome rule's gradient norm counts only the flipping a),
 * and the configuration errors name their field.
 */
import { describe, expect, it } from 'vitest';
import { refusal } from '../refusal.ts';
import { type Experiment, validateExperiment } from '../../src/core/experiment.ts';
import { makeDataset } from '../../src/core/dataset.ts';
import { shapeOf } from '../../src/core/model.ts';
import { NEVER_DECIDE, OUTCOME } from '../../src/core/outcome.ts';
import { prepare } from '../../src/core/prepare.ts';
import { initParams } from '../../src/core/init.ts';
import { signGradNormSq } from '../../src/core/sign-output.ts';
import { runRestart } from '../../src/engine/cpu.ts';

/** Fully connected (K = 1), F = 2 ReLU filters in d = 4, teacher a* = (+1, −1). */
function fullyConnected(over: Partial<Experiment> = {}): Experiment {
  return {
    model: { d: 4, m: 4, stride: 1, filters: 2, activation: 'relu', output: 'sign', weightNorm: false },
    teacher: { filters: 2, w: Float64Array.of(0.8, 0.6, 0, 0, 0, 0, 0.6, -0.8), a: Float64Array.of(1, -1) },
    loss: { kind: 'empirical', samples: 64 },
    optimizer: { kind: 'gd', lr: 0.1 },
    init: { kind: 'gaussian', std: 1 },
    restarts: 16,
    maxSteps: 200,
    seed: 5,
    outcome: NEVER_DECIDE,
    ...over,
  };
}

/** The output weights a (the last F·K = 2 entries) of every step the trace observer saw, and the final a. */
function outputTrace(exp: Experiment, restart: number): { seen: number[][]; final: number[]; code: number } {
  const { aOffset, P } = shapeOf(exp.model);
  const seen: number[][] = [];
  const res = runRestart(prepare(exp), restart, (_t, params) => seen.push(Array.from(params.subarray(aOffset, P))));
  return { seen, final: Array.from(res.params.subarray(aOffset, P)), code: res.code };
}

describe("model.output 'sign' on the CPU reference", () => {
  it('a ∈ {±1} at initialisation and after every step, for every restart (Gaussian init draws a continuous a)', () => {
    const exp = fullyConnected({ maxSteps: 60 });
    for (let r = 0; r < exp.restarts; r++) {
      const { seen, final } = outputTrace(exp, r);
      expect(seen.length).toBe(exp.maxSteps + 1);
      for (const a of [...seen, final]) for (const x of a) expect(Math.abs(x), `restart ${r}: a = ${a}`).toBe(1);
    }
  });

  it('starting at a = (−1, −1) with v = w* (teacher a* = (+1, −1)), a must flip (f ≤ 0 cannot fit y > 0): it does', () => {
    const v = Array.from(fullyConnected().teacher.w);
    const exp = fullyConnected({ init: { kind: 'supplied', params: [...v, -1, -1] }, restarts: 1, maxSteps: 200, optimizer: { kind: 'gd', lr: 1 } });
    const { seen, final } = outputTrace(exp, 0);
    expect(seen[0]).toEqual([-1, -1]);
    for (const a of [...seen, final]) for (const x of a) expect(Math.abs(x)).toBe(1);
    const flips = seen.slice(1).filter((a, t) => a[0] !== seen[t][0] || a[1] !== seen[t][1]).length;
    expect(flips, 'no step flipped a sign').toBeGreaterThan(0);
    expect(final).toContain(1);
  });

  it('one GD step equals the hand computation: v − lr·∇v, a ← sign(a − lr·∇a), one a flipping and one not', () => {
    // Two samples, two filters in d = m = 2, chosen so that every pre-activation is ±1 or ±0.5
    // (away from ReLU's kink): x1 = (1, 0), y1 = 2; x2 = (0, 1), y2 = −0.5; v0 = (1, −0.5),
    // v1 = (−0.5, 1), a = (−1, +1). Then f(x1) = −1, r1 = −3; f(x2) = 1, r2 = 1.5, and with
    // L = (1/n)Σ ½r²: L = (4.5 + 1.125)/2 = 2.8125, ∇a = (−1.5, 0.75), ∇v0 = (1.5, 0), ∇v1 = (0, 0.75).
    // lr = 1: a0 − step = 0.5 → +1 (flips), a1 − step = 0.25 → +1 (keeps);
    // v0 = (−0.5, −0.5), v1 = (−0.5, 0.25).
    const data = makeDataset({ name: 'two points', n: 2, d: 2, X: Float64Array.of(1, 0, 0, 1), y: Float64Array.of(2, -0.5) });
    const exp: Experiment = {
      model: { d: 2, m: 2, stride: 1, filters: 2, activation: 'relu', output: 'sign', weightNorm: false },
      teacher: { filters: 2, w: Float64Array.of(1, 0, 0, 1), a: Float64Array.of(1, -1) },
      loss: { kind: 'empirical', samples: 2, data },
      optimizer: { kind: 'gd', lr: 1 },
      init: { kind: 'supplied', params: [1, -0.5, -0.5, 1, -1, 1] },
      restarts: 1,
      maxSteps: 1,
      seed: 1,
      outcome: NEVER_DECIDE,
    };
    const losses: number[] = [];
    const res = runRestart(prepare(exp), 0, (_t, _p, loss) => losses.push(loss));
    expect(losses[0]).toBeCloseTo(2.8125, 12);
    expect(res.code).toBe(OUTCOME.undecided);
    const want = [-0.5, -0.5, -0.5, 0.25, 1, 1];
    for (let p = 0; p < want.length; p++) expect(res.params[p], `param ${p}`).toBeCloseTo(want[p], 12);

    // The outcome rule's ‖∇L‖²: all of ∇v, and ∇a only for a0 (the entry this step flips).
    const grad = Float64Array.of(1.5, 0, 0, 0.75, -1.5, 0.75);
    const gg = signGradNormSq(Float64Array.of(1, -0.5, -0.5, 1, -1, 1), grad, 4, 6, (p) => grad[p]);
    expect(gg).toBeCloseTo(1.5 ** 2 + 0.75 ** 2 + 1.5 ** 2, 12);
    // A non-finite ∇a is always counted, so rule 1 still sees it.
    expect(signGradNormSq([1, 1], [0, Number.NaN], 1, 2, () => 0)).toBeNaN();
  });

  it('one AdaGrad step equals the hand computation: a ← sign(a − lr·g/(√g² + ε)), which need not flip where GD would', () => {
    // The two points of the GD test: ∇a = (−1.5, 0.75), ∇v0 = (1.5, 0), ∇v1 = (0, 0.75). AdaGrad's
    // first step is lr·g/(|g| + ε); with lr = 1, ε = 0.5: a0 − step = −1 + 1.5/2 = −0.25 → −1 (keeps,
    // where GD flipped it), a1 − step = 1 − 0.75/1.25 = 0.4 → +1; v0 = (1 − 0.75, −0.5), v1 = (−0.5, 1 − 0.6).
    const data = makeDataset({ name: 'two points', n: 2, d: 2, X: Float64Array.of(1, 0, 0, 1), y: Float64Array.of(2, -0.5) });
    const exp: Experiment = {
      model: { d: 2, m: 2, stride: 1, filters: 2, activation: 'relu', output: 'sign', weightNorm: false },
      teacher: { filters: 2, w: Float64Array.of(1, 0, 0, 1), a: Float64Array.of(1, -1) },
      loss: { kind: 'empirical', samples: 2, data },
      optimizer: { kind: 'adagrad', lr: 1, eps: 0.5 },
      init: { kind: 'supplied', params: [1, -0.5, -0.5, 1, -1, 1] },
      restarts: 1,
      maxSteps: 1,
      seed: 1,
      outcome: NEVER_DECIDE,
    };
    const res = runRestart(prepare(exp), 0);
    const want = [0.25, -0.5, -0.5, 0.4, -1, 1];
    for (let p = 0; p < want.length; p++) expect(res.params[p], `param ${p}`).toBeCloseTo(want[p], 12);
  });

  it('initialisation projects the drawn a to its sign (a drawn 0 becomes +1)', () => {
    const exp = fullyConnected({ init: { kind: 'supplied', params: [1, 2, 3, 4, 5, 6, 7, 8, -0.25, 0] }, restarts: 1 });
    const out = new Float64Array(10);
    initParams(exp, 0, out, 0);
    expect(Array.from(out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, -1, 1]);
  });

  it('validation: an unknown output layer names the field and the three allowed values', () => {
    const exp = fullyConnected();
    (exp.model as { output: string }).output = 'signed';
    refusal(() => validateExperiment(exp), 'model.output', /must be one of 'learned', 'fixed', 'sign' \(got 'signed'\)/);
  });

  it('init.axes: a basin-map grid over an output weight is refused (its sign would give two cells, not a grid)', () => {
    const exp = fullyConnected({
      init: { kind: 'grid', axes: [0, 8], range: [-1, 1, -1, 1], resolution: [4, 4], base: new Array(10).fill(0.5) },
      restarts: 16,
    });
    refusal(() => validateExperiment(exp), 'init.axes', /sign-projected output layer the grid axes must be filter entries in \[0, 7\]/);
    // The same grid over two filter entries is accepted.
    expect(() => validateExperiment({ ...exp, init: { ...exp.init, axes: [0, 7] } as Experiment['init'] })).not.toThrow();
  });
});
