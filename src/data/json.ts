/**
 * Datasets as JSON: {"X": number[][], "y"?: number[]} (inputs, and optionally one label per
 * input), or a bare number[][] (inputs only); a labels file is a bare number[] or {"y": number[]}.
 * Errors name the JSON path of the value at fault, e.g. X[3][1], counting from 0 as JavaScript
 * and Python index.
 */
import { decimalText } from './decimal.ts';
import { DatasetFileError, type NumericArray } from './errors.ts';
import { textOf } from './csv.ts';

export interface JsonDataset {
  X: NumericArray;
  y?: Float64Array;
}

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}` : typeof v === 'object' ? 'an object' : String(v));

function parseText(name: string, bytes: Uint8Array): unknown {
  const text = textOf(name, bytes);
  if (text.trim() === '') throw new DatasetFileError(name, 'is empty: expected {"X": [[…], …], "y": […]} or [[…], …]');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DatasetFileError(name, `is not valid JSON: ${(e as Error).message}`);
  }
}

/** One finite number at `path`. */
function number(name: string, v: unknown, path: string): number {
  if (typeof v !== 'number') throw new DatasetFileError(name, `${path}: expected a number, got ${kindOf(v)}`);
  // JSON has no NaN; a literal beyond the f64 range (1e999) parses as ±Infinity.
  if (!Number.isFinite(v)) throw new DatasetFileError(name, `${path}: the number is beyond the range of a float64 (${v})`);
  return v;
}

/** number[][] at `path` with rows of equal length: the shape [rows, columns] and the values. */
function matrix(name: string, v: unknown, path: string): NumericArray {
  if (!Array.isArray(v)) throw new DatasetFileError(name, `${path || 'the file'}: expected an array of rows (number[][]), got ${kindOf(v)}`);
  if (v.length === 0) throw new DatasetFileError(name, `${path || 'the file'}: has no rows (at least one input is needed)`);
  const at = (i: number) => `${path}[${i}]`;
  if (!Array.isArray(v[0])) throw new DatasetFileError(name, `${at(0)}: expected a row (an array of numbers), got ${kindOf(v[0])}`);
  const d = v[0].length;
  const values = new Float64Array(v.length * d);
  v.forEach((row: unknown, i) => {
    if (!Array.isArray(row)) throw new DatasetFileError(name, `${at(i)}: expected a row (an array of numbers), got ${kindOf(row)}`);
    if (row.length !== d) throw new DatasetFileError(name, `${at(i)}: has ${row.length} numbers, but ${at(0)} has ${d}: every row must have the same length`);
    row.forEach((x: unknown, j) => (values[i * d + j] = number(name, x, `${at(i)}[${j}]`)));
  });
  return { shape: [v.length, d], values };
}

function vector(name: string, v: unknown, path: string): Float64Array {
  if (!Array.isArray(v)) throw new DatasetFileError(name, `${path || 'the file'}: expected an array of numbers, got ${kindOf(v)}`);
  return Float64Array.from(v, (x: unknown, i) => number(name, x, `${path}[${i}]`));
}

function checkKeys(name: string, o: object, allowed: string[]): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new DatasetFileError(name, `unknown key '${extra[0]}' (expected ${allowed.map((k) => `'${k}'`).join(' and optionally ')})`);
}

export function parseJsonDataset(name: string, bytes: Uint8Array): JsonDataset {
  const v = parseText(name, bytes);
  if (Array.isArray(v)) return { X: matrix(name, v, '') };
  if (typeof v !== 'object' || v === null) throw new DatasetFileError(name, `expected {"X": [[…], …], "y": […]} or [[…], …], got ${kindOf(v)}`);
  if (!('X' in v)) throw new DatasetFileError(name, `has no key 'X' (the inputs: {"X": [[…], …], "y": […]})`);
  checkKeys(name, v, ['X', 'y']);
  const o = v as { X: unknown; y?: unknown };
  return { X: matrix(name, o.X, 'X'), ...(o.y !== undefined ? { y: vector(name, o.y, 'y') } : {}) };
}

/** A labels file: number[] or {"y": number[]}. */
export function parseJsonLabels(name: string, bytes: Uint8Array): Float64Array {
  const v = parseText(name, bytes);
  if (Array.isArray(v)) return vector(name, v, '');
  if (typeof v !== 'object' || v === null || !('y' in v)) throw new DatasetFileError(name, `expected the labels as [y₀, y₁, …] or {"y": […]}, got ${kindOf(v)}`);
  checkKeys(name, v, ['y']);
  return vector(name, (v as { y: unknown }).y, 'y');
}

/** A dataset as JSON ({"X": …, "y": …}), every number in a form that reads back to the same f64 (−0 included). */
export function writeJson(ds: { n: number; d: number; X: ArrayLike<number>; y?: ArrayLike<number> }): string {
  const rows: string[] = [];
  for (let s = 0; s < ds.n; s++) rows.push(`[${Array.from({ length: ds.d }, (_, j) => decimalText(ds.X[s * ds.d + j])).join(',')}]`);
  const y = ds.y ? `,\n "y": [${Array.from(ds.y, decimalText).join(',')}]` : '';
  return `{"X": [\n  ${rows.join(',\n  ')}\n ]${y}}\n`;
}
