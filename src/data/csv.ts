/**
 * Comma-separated numbers: one input per row, one value per column, UTF-8 (a byte-order mark is
 * skipped, CRLF line ends are fine, blanks around a value are ignored). An optional header row —
 * the first row, taken as a header when none of its fields is a number — names the columns; a
 * column named `y` or `label` (any case) holds the labels. Blank lines at the end are ignored,
 * blank lines elsewhere are an error (a row lost in an edit is a different dataset).
 *
 * Every value is a plain decimal as the CLI reads its flags (src/data/decimal.ts): no hex, no
 * NaN or Infinity, no thousands separators, no quotes. Rows and columns in the messages count
 * from 1 as an editor or a spreadsheet shows them, the header being row 1 when there is one.
 */
import { DECIMAL, decimalText } from './decimal.ts';
import { DatasetFileError, type NumericArray } from './errors.ts';

export interface CsvTable extends NumericArray {
  /** The header's column names, or null without a header; shape = [rows, columns] of the data. */
  columns: string[] | null;
}

/** The file's text (UTF-8, its byte-order mark dropped), or an error naming the file. */
export function textOf(name: string, bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DatasetFileError(name, 'is not UTF-8 text (a binary file? an .npy must be named .npy)');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1').trim();

export function parseCsv(name: string, bytes: Uint8Array): CsvTable {
  const fail = (problem: string): never => {
    throw new DatasetFileError(name, problem);
  };
  const lines = textOf(name, bytes).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) fail('is empty: expected rows of comma-separated numbers');
  const first = lines[0].split(',');
  const isHeader = first.every((f) => !DECIMAL.test(f.trim()));
  const columns = isHeader ? first.map(unquote) : null;
  if (columns) {
    const blank = columns.findIndex((c) => c === '');
    if (blank >= 0) fail(`row 1, column ${blank + 1}: a header column has no name`);
    if (lines.length === 1) fail('has a header row but no data rows');
  }
  const width = first.length;
  const top = isHeader ? 1 : 0;
  const rows = lines.length - top;
  const values = new Float64Array(rows * width);
  for (let r = top; r < lines.length; r++) {
    const row = r + 1;
    if (lines[r].trim() === '') fail(`row ${row} is blank (only blank lines at the end of the file are ignored)`);
    const fields = lines[r].split(',');
    if (fields.length !== width) fail(`row ${row} has ${fields.length} column${fields.length === 1 ? '' : 's'}, but row 1 has ${width}: every row must have the same number of columns`);
    for (let c = 0; c < width; c++) {
      const text = fields[c].trim();
      if (!DECIMAL.test(text)) {
        fail(
          text === ''
            ? `row ${row}, column ${c + 1}: the value is missing`
            : `row ${row}, column ${c + 1}: '${text.length > 40 ? `${text.slice(0, 40)}…` : text}' is not a number (plain decimals only, e.g. -1.5 or 2e-3; no NaN, Infinity or hex)`,
        );
      }
      const x = Number(text);
      if (!Number.isFinite(x)) fail(`row ${row}, column ${c + 1}: '${text}' is beyond the range of a float64`);
      values[(r - top) * width + c] = x;
    }
  }
  return { columns, shape: [rows, width], values };
}

/** The index of the labels column (named y or label), or −1; two of them are an error. */
export function labelColumn(name: string, columns: string[] | null): number {
  if (!columns) return -1;
  const found = columns.flatMap((c, i) => (/^(y|label)$/i.test(c) ? [i] : []));
  if (found.length > 1) throw new DatasetFileError(name, `row 1: columns ${found.map((i) => i + 1).join(' and ')} are both named as labels ('y' or 'label'): keep one`);
  return found[0] ?? -1;
}

/**
 * A dataset as CSV: a header x1 … xd (and y with labels), one row per input, each value in its
 * shortest form that reads back to the same f64 (parseCsv(writeCsv(…)) returns the same numbers).
 */
export function writeCsv(ds: { n: number; d: number; X: ArrayLike<number>; y?: ArrayLike<number> }, header = true): string {
  const lines: string[] = [];
  if (header) lines.push([...Array.from({ length: ds.d }, (_, j) => `x${j + 1}`), ...(ds.y ? ['y'] : [])].join(','));
  for (let s = 0; s < ds.n; s++) {
    const row: string[] = [];
    for (let j = 0; j < ds.d; j++) row.push(decimalText(ds.X[s * ds.d + j]));
    if (ds.y) row.push(decimalText(ds.y[s]));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}
