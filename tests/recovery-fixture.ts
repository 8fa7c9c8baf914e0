/**
 * A small Zhong-like experiment for the recovery outcome rule (outcome.recovery) and supplied
 * fixed output layers (init.keepOutput), shared by the CPU tests (tests/unit/recovery.test.ts) and
 * the GPU = CPU test (tests/gpu/recovery.gpu.test.ts): a fully connected squared-ReLU net of k = 3
 * hidden units on d = 4 (K = 1), `problems` problems each with its own Zhong teacher (κ = 2) and
 * drawn sample, and per problem four supplied starts whose fate is known in advance:
 *   0  the teacher, its units permuted (and v with them)  → global at step 0 (recovered modulo π);
 *   1  the teacher perturbed by 5% per entry               → GD converges back: global;
 *   2  the teacher with one unit's output sign flipped      → cannot recover with signs matched;
 *   3  a random start N(0, 1), v = v*                       → either, by its basin.
 * With `flipUnit` start 2 flips the whole unit, (v₁, w₁) → (−v₁, −w₁): for an odd φ (tanh) the
 * teacher's own net, global at step 0 under the rule modulo the flips (outcome.recovery.flips).
 * gradTol 1e-5 against lossTol 1e-8: near the teacher a gradient of 1e-5·√L_ref means a loss of
 * ~1e-10·L_ref, so a restart converging there meets the loss tolerance first (with 1e-4 it was
 * labelled stationary at 1.5e-8·L_ref: spurious); and 1e-5 is above f32's gradient floor (with
 * 1e-6 the GPU left slow spurious restarts undecided where the f64 CPU decided them).
 */
import type { Experiment } from '../src/core/experiment.ts';
import { DEFAULT_OUTCOME_RULE } from '../src/core/outcome.ts';
import { STREAM, normal } from '../src/core/rng.ts';
import { zhongTeacher } from '../src/core/zhong-teacher.ts';

export const FIXTURE = { d: 4, k: 3, starts: 4 } as const;

export function recoveryExperiment(problems: number, over: Partial<Experiment> = {}, { flipUnit = false } = {}): Experiment {
  const { d, k, starts } = FIXTURE;
  const P = k * d + k;
  const teachers = Array.from({ length: problems }, (_, p) => zhongTeacher(d, k, 2, 31, p));
  const params = new Float64Array(problems * starts * P);
  const noise = (p: number, s: number, i: number) => normal(77, p * starts + s, STREAM.init, i);
  teachers.forEach((t, p) => {
    const row = (s: number) => params.subarray((p * starts + s) * P, (p * starts + s + 1) * P);
    const perm = [2, 0, 1];
    perm.forEach((src, dst) => {
      row(0).set(t.w.subarray(src * d, src * d + d), dst * d);
      row(0)[k * d + dst] = t.a[src];
    });
    for (let i = 0; i < k * d; i++) row(1)[i] = t.w[i] * (1 + 0.05 * noise(p, 1, i));
    row(1).set(t.a, k * d);
    row(2).set(t.w, 0);
    row(2).set(t.a, k * d);
    row(2)[k * d + 1] = -t.a[1];
    if (flipUnit) for (let i = d; i < 2 * d; i++) row(2)[i] = -t.w[i];
    for (let i = 0; i < k * d; i++) row(3)[i] = noise(p, 3, i);
    row(3).set(t.a, k * d);
  });
  return {
    model: { d, m: d, stride: d, filters: k, activation: 'squared-relu', output: 'fixed', weightNorm: false },
    teacher: teachers[0],
    loss: { kind: 'empirical', samples: 64 },
    optimizer: { kind: 'gd', lr: 0.02 },
    init: { kind: 'supplied', params, keepOutput: true },
    restarts: problems * starts,
    problems: { count: problems, teachers },
    maxSteps: 4000,
    seed: 9,
    outcome: { ...DEFAULT_OUTCOME_RULE, lossTol: 1e-8, gradTol: 1e-5, recovery: { tolerance: 0.01 } },
    ...over,
  };
}
