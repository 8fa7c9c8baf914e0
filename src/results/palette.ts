/**
 * The colours every figure uses, on the page and in the SVG files alike, so that an outcome looks
 * the same wherever it is drawn.
 */

import { DECIDED_OUTCOMES, type OutcomeName } from '../core/outcome.ts';
import type { AugmentedClass } from '../core/augmented-outcome.ts';

/** Colour of each decided outcome (src/core/outcome.ts), and of a grid point not run yet. */
export const OUTCOME_COLOURS: Record<Exclude<OutcomeName, 'running'> | 'pending', string> = {
  global: '#1a9850',
  spurious: '#d73027',
  diverged: '#542788',
  undecided: '#9e9e9e',
  pending: '#eeeeee',
};


/** Estimates and histograms: one blue for a measured quantity. */
export const ESTIMATE_COLOUR = '#4a7bb7';

/**
 * The classes of a run with Kawaguchi & Kaelbling's extra neuron (src/core/augmented-outcome.ts):
 * escaped as global, stuck bounded as spurious, numerically diverged as diverged; the norm
 * diverging — stuck, with the neuron running away — orange, between the two.
 */
export const AUGMENTED_COLOURS: Record<AugmentedClass, string> = {
  escaped: OUTCOME_COLOURS.global,
  'norm diverging': '#f28e2b',
  'stuck bounded': OUTCOME_COLOURS.spurious,
  'numerically diverged': OUTCOME_COLOURS.diverged,
  undecided: OUTCOME_COLOURS.undecided,
};

/** The categories of a map in code order (1, 2, …) with their colours: its own, or the decided outcomes. */
export function mapCategories(map: { categories?: { name: string; colour: string }[] }): { name: string; colour: string }[] {
  return map.categories ?? DECIDED_OUTCOMES.map((name) => ({ name, colour: OUTCOME_COLOURS[name] }));
}
