/**
 * Many independent problems in one run (experiment.problems): which problem a restart belongs to,
 * each problem's teacher, and the outcome counts per problem. Restart r belongs to problem
 * ⌊r / perProblem⌋ with perProblem = restarts / count: problems take consecutive blocks of
 * restarts, so a wave (a contiguous range of restarts) holds whole problems or runs of one.
 */
import type { Experiment } from './experiment.ts';
import { type Teacher, shapeOf } from './model.ts';
import { DECIDED_OUTCOMES, OUTCOME } from './outcome.ts';
import { STREAM, normal, problemKey } from './rng.ts';

/** Number of problems of an experiment (1 without `problems`). */
export const problemCount = (exp: Experiment): number => exp.problems?.count ?? 1;

/** Restarts per problem. */
export const restartsPerProblem = (exp: Experiment): number => exp.restarts / problemCount(exp);

/** The problem restart r belongs to. */
export const problemOf = (exp: Experiment, restart: number): number => Math.floor(restart / restartsPerProblem(exp));

/**
 * Problem p's teacher: the experiment's teacher without `problems`; else the supplied one, or one
 * drawn from (seed, problemKey(p)) on stream STREAM.init — filter entries N(0, 1) at index j·m + t —
 * with the experiment teacher's output layer a and number of filters.
 */
export function problemTeacher(exp: Experiment, p: number): Teacher {
  const pr = exp.problems;
  if (!pr) return exp.teacher;
  if (Array.isArray(pr.teachers)) return pr.teachers[p]!;
  const { m } = shapeOf(exp.model);
  const FT = exp.teacher.filters;
  const w = new Float64Array(FT * m);
  const key = problemKey(p);
  for (let i = 0; i < w.length; i++) w[i] = normal(exp.seed, key, STREAM.init, i);
  return { filters: FT, w, a: Float64Array.from(exp.teacher.a) };
}

/** Outcome counts per problem: counts[p·4 + (code − global)] over global, spurious, diverged, undecided. */
export class ProblemCounts {
  readonly counts: Uint32Array;
  constructor(readonly exp: Experiment) {
    this.counts = new Uint32Array(problemCount(exp) * DECIDED_OUTCOMES.length);
  }

  /** Adds the outcome codes of restarts [first, first + status.length). */
  add(first: number, status: ArrayLike<number>): void {
    for (let i = 0; i < status.length; i++) {
      const code = status[i]!;
      if (code < OUTCOME.global || code > OUTCOME.undecided) throw new Error(`restart ${first + i}: not decided (code ${code})`);
      this.counts[problemOf(this.exp, first + i) * DECIDED_OUTCOMES.length + code - OUTCOME.global]++;
    }
  }

  /** Problem p's counts by outcome name. */
  of(p: number): Record<(typeof DECIDED_OUTCOMES)[number], number> {
    const o = p * DECIDED_OUTCOMES.length;
    return Object.fromEntries(DECIDED_OUTCOMES.map((name, i) => [name, this.counts[o + i]!])) as Record<(typeof DECIDED_OUTCOMES)[number], number>;
  }
}
