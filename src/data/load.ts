/**
 * A Dataset from the files a user brings: the inputs X [n, d] (with or without labels) and,
 * optionally, a separate labels file y [n]. The format follows the extension (.npy, .csv, .json);
 * every problem is a DatasetFileError naming the file and where in it. What this checks is what a
 * file can get wrong on its own — its format, its shape, every value finite, n ≥ 1, d ≥ 1, a size
 * a run can hold; the shape against the model and the size against the device are checked with
 * the rest of the experiment (src/core/experiment.ts, host/gpu-engine.ts), before any work.
 */
import { type Dataset, makeDataset } from '../core/dataset.ts';
import { labelColumn, parseCsv } from './csv.ts';
import { DatasetFileError, MAX_VALUES, type NumericArray } from './errors.ts';
import { parseJsonDataset, parseJsonLabels } from './json.ts';
import { parseNpy } from './npy.ts';

export interface DataFile {
  /** The file's name as the user knows it (messages and the result name it). */
  name: string;
  bytes: Uint8Array;
}

export const DATA_FORMATS = ['.npy', '.csv', '.json'] as const;

function formatOf(file: DataFile): (typeof DATA_FORMATS)[number] {
  const ext = /\.[^./\\]+$/.exec(file.name)?.[0].toLowerCase();
  const f = DATA_FORMATS.find((x) => x === ext);
  if (!f) throw new DatasetFileError(file.name, `${ext ? `the extension '${ext}' is` : 'a name without an extension is'} not a supported format: name the file .npy (np.save), .csv or .json`);
  return f;
}

const shapeText = (shape: number[]) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/** The inputs of an .npy: a 2-D array (n, d). */
function npyInputs(name: string, a: NumericArray): NumericArray {
  if (a.shape.length !== 2) {
    const hint = a.shape.length === 1 ? ' (one input of length d: x.reshape(1, -1); n inputs of length 1: x.reshape(-1, 1))' : '';
    throw new DatasetFileError(name, `has shape ${shapeText(a.shape)}: the inputs must be a 2-D array (n, d)${hint}`);
  }
  return a;
}

/** Every value finite, each non-finite one named where its format would put it. */
function checkFinite(name: string, values: Float64Array, d: number, where: (row: number, col: number) => string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new DatasetFileError(name, `${where(Math.floor(i / d), i % d)} is ${values[i]}: every value must be finite`);
  }
}

/** The inputs and any labels the data file holds. */
function readData(file: DataFile): { X: NumericArray; y?: Float64Array } {
  switch (formatOf(file)) {
    case '.npy': {
      const X = npyInputs(file.name, parseNpy(file.name, file.bytes));
      checkFinite(file.name, X.values, X.shape[1], (r, c) => `X[${r}, ${c}]`);
      return { X };
    }
    case '.csv': {
      const t = parseCsv(file.name, file.bytes);
      const yc = labelColumn(file.name, t.columns);
      if (yc < 0) return { X: t };
      const [rows, width] = t.shape;
      if (width === 1) throw new DatasetFileError(file.name, `has only the labels column '${t.columns![yc]}': the inputs are missing (a labels-only file goes to --labels)`);
      const X = new Float64Array(rows * (width - 1));
      const y = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        for (let c = 0, o = 0; c < width; c++) {
          if (c === yc) y[r] = t.values[r * width + c];
          else X[r * (width - 1) + o++] = t.values[r * width + c];
        }
      }
      return { X: { shape: [rows, width - 1], values: X }, y };
    }
    case '.json':
      return parseJsonDataset(file.name, file.bytes);
  }
}

function readLabels(file: DataFile): Float64Array {
  switch (formatOf(file)) {
    case '.npy': {
      const a = parseNpy(file.name, file.bytes);
      const ok = a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1);
      if (!ok) throw new DatasetFileError(file.name, `has shape ${shapeText(a.shape)}: labels must be a 1-D array (n,) or a column (n, 1)`);
      checkFinite(file.name, a.values, 1, (r) => `y[${r}]`);
      return a.values;
    }
    case '.csv': {
      const t = parseCsv(file.name, file.bytes);
      if (t.shape[1] !== 1) throw new DatasetFileError(file.name, `has ${t.shape[1]} columns: a labels file has one column (one label per row)`);
      return t.values;
    }
    case '.json':
      return parseJsonLabels(file.name, file.bytes);
  }
}

/**
 * The dataset the files describe: inputs from `data`, labels from `labels` or from `data` itself
 * (a CSV's y/label column, a JSON's "y"), or none (the experiment's teacher labels the inputs).
 * Its name is the data file's (and the labels file's) name.
 */
export function loadDataset(files: { data: DataFile; labels?: DataFile }): Dataset {
  const { data, labels } = files;
  const { X, y: own } = readData(data);
  const [n, d] = X.shape;
  if (n === 0) throw new DatasetFileError(data.name, `holds no inputs (shape ${shapeText(X.shape)}): at least one is needed`);
  if (d === 0) throw new DatasetFileError(data.name, `its inputs have length 0 (shape ${shapeText(X.shape)}): each input needs at least one value`);
  if (n * d > MAX_VALUES) throw new DatasetFileError(data.name, `holds ${n} × ${d} = ${n * d} values, more than the ${MAX_VALUES} (2^28) a run can hold`);
  let y = own;
  if (labels) {
    if (own) throw new DatasetFileError(labels.name, `${data.name} has labels of its own (its ${data.name.toLowerCase().endsWith('.csv') ? 'y/label column' : '"y"'}): give them in one place only`);
    y = readLabels(labels);
  }
  if (y && y.length !== n) {
    throw new DatasetFileError(labels?.name ?? data.name, `has ${y.length} label${y.length === 1 ? '' : 's'}, but ${data.name} has ${n} input${n === 1 ? '' : 's'}: one label per input`);
  }
  return makeDataset({ name: labels ? `${data.name} + ${labels.name}` : data.name, n, d, X: X.values, ...(y ? { y } : {}) });
}
