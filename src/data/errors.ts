/**
 * The one error a data file can raise: which file, and what is wrong where. It is an
 * ExperimentError (field = the file's name), so the CLI and the page print it like every other
 * input error ("invalid input — x.csv: row 12, column 3: 'abc' is not a number"), and nothing
 * runs after it.
 */
import { ExperimentError } from '../core/experiment.ts';

export class DatasetFileError extends ExperimentError {
  constructor(
    readonly file: string,
    /** What is wrong and where (row, column, JSON path, header field), without the file's name. */
    readonly problem: string,
  ) {
    super(file, problem);
    this.name = 'DatasetFileError';
  }
}

/** A parsed numeric array: its shape (C order, row-major) and its values as f64. */
export interface NumericArray {
  shape: number[];
  values: Float64Array;
}

/** Values a dataset may hold in all: validateExperiment's limit on samples × d (checked before the values are allocated). */
export const MAX_VALUES = 1 << 28;
