/**
 * The refusal a user should see: `run` throws an ExperimentError (not a TypeError, not nothing).
 * With `field` and `message`, the error must also name that field and match the message.
 */
import { expect } from 'vitest';
import { ExperimentError } from '../src/core/experiment.ts';

export function refusal(run: () => unknown, field?: string, message?: RegExp): ExperimentError {
  let caught: unknown;
  try {
    run();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'accepted').toBeInstanceOf(ExperimentError);
  const err = caught as ExperimentError;
  if (field !== undefined) expect(err.field).toBe(field);
  if (message !== undefined) expect(err.message).toMatch(message);
  return err;
}
