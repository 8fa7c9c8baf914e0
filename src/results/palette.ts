/**
 * The colours every figure uses, on the page and in the SVG files alike, so that an outcome looks
 * the same wherever it is drawn.
 */

import type { OutcomeName } from '../core/outcome.ts';

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
