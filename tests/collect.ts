import type { ExperimentUpdate } from '../src/presets/types.ts';
import type { ExperimentResult } from '../src/results/types.ts';

/** Drains an experiment's update stream: every update, and the final result. */
export async function collect(gen: AsyncGenerator<ExperimentUpdate, ExperimentResult>) {
  const updates: ExperimentUpdate[] = [];
  for (;;) {
    const u = await gen.next();
    if (u.done) return { updates, result: u.value };
    updates.push(u.value);
  }
}
