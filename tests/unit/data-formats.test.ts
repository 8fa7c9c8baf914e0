/**
 * The file formats of supplied datasets (src/data): NumPy's .npy as np.save writes it (the
 * literal bytes below were written by NumPy 2.4's np.save and numpy.lib.format.write_array; the
 * headers are spelled out as the format spec defines them), CSV with and without a header and a
 * label column, and JSON; round trips through each writer; a table of malformed files, each
 * refused with a message naming the file and the problem; and random inputs (fast-check) that
 * round-trip, or — random bytes — never raise anything but a DatasetFileError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { datasetDigest, makeDataset } from '../../src/core/dataset.ts';
import { labelColumn, parseCsv, writeCsv } from '../../src/data/csv.ts';
import { DatasetFileError } from '../../src/data/errors.ts';
import { parseJsonDataset, parseJsonLabels, writeJson } from '../../src/data/json.ts';
import { type DataFile, loadDataset } from '../../src/data/load.ts';
import { MAX_HEADER_BYTES, parseNpy, writeNpy } from '../../src/data/npy.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const hex = (h: string) => Uint8Array.from(h.replace(/\s+/g, '').match(/../g) ?? [], (b) => parseInt(b, 16));
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * An .npy file per the spec: magic \x93NUMPY, version, header length (u16 LE for 1.0, u32 for
 * 2.0/3.0), the dict padded with spaces and a final '\n'. `pad` spaces before the '\n' (np.save
 * pads the whole prefix to a multiple of 64; the reader does not require it).
 */
function npyFile(dict: string, data: Uint8Array, opts: { major?: number; pad?: number; headerLen?: number } = {}): Uint8Array {
  const major = opts.major ?? 1;
  const header = enc(dict + ' '.repeat(opts.pad ?? 0) + '\n');
  const len = new Uint8Array(major === 1 ? 2 : 4);
  const view = new DataView(len.buffer);
  if (major === 1) view.setUint16(0, opts.headerLen ?? header.length, true);
  else view.setUint32(0, opts.headerLen ?? header.length, true);
  return cat(hex('93 4e 55 4d 50 59'), Uint8Array.of(major, 0), len, header, data);
}

/** np.save's header for a C-order array of the given descr and shape, padded exactly as NumPy 2.x pads it. */
const npSaveDict = (descr: string, shape: string) => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

describe('.npy as NumPy writes it', () => {
  // np.save(f, np.array([[1.5, -2.0], [0.25, 3.0], [1e-3, -0.0]], dtype='<f8')): 176 bytes.
  // The header: the dict (59 characters), 58 spaces (20 of them NumPy's room to grow the first
  // axis, GROWTH_AXIS_MAX_DIGITS = 21 less the digits of 3), '\n': 118 bytes, so that
  // 6 + 2 + 2 + 118 = 128 is a multiple of 64.
  const f8 = cat(
    hex('93 4e 55 4d 50 59 01 00 76 00'),
    enc(npSaveDict('<f8', '(3, 2)') + ' '.repeat(58) + '\n'),
    hex('000000000000f83f 00000000000000c0 000000000000d03f 0000000000000840 fca9f1d24d62503f 0000000000000080'),
  );
  // np.save(f, np.array([[1.5, -2.0, 0.1], [0.25, 3.0, 1e30]], dtype='<f4')): 152 bytes.
  const f4 = cat(hex('93 4e 55 4d 50 59 01 00 76 00'), enc(npSaveDict('<f4', '(2, 3)') + ' '.repeat(58) + '\n'), hex('0000c03f 000000c0 cdcccc3d 0000803e 00004040 caf24971'));

  it('float64, C order: the values, the shape, and writeNpy writes the same bytes', () => {
    expect(f8.length).toBe(176);
    expect((f8.length - 48) % 64).toBe(0);
    const a = parseNpy('x.npy', f8);
    expect(a.shape).toEqual([3, 2]);
    expect(Array.from(a.values)).toEqual([1.5, -2, 0.25, 3, 1e-3, -0]);
    expect(Object.is(a.values[5], -0)).toBe(true);
    expect(writeNpy({ shape: [3, 2], values: a.values, dtype: '<f8' })).toEqual(f8);
  });

  it('float32, C order: exactly the f32 values as f64, and the same bytes back', () => {
    const a = parseNpy('x32.npy', f4);
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.values)).toEqual(Array.from(Float32Array.of(1.5, -2, 0.1, 0.25, 3, 1e30)));
    expect(a.values[2]).not.toBe(0.1); // float32's 0.1, held exactly
    expect(writeNpy({ shape: [2, 3], values: a.values, dtype: '<f4' })).toEqual(f4);
  });

  it('loads as a dataset: the same digest as the same numbers in CSV and JSON', () => {
    const ds = loadDataset({ data: { name: 'x.npy', bytes: f8 } });
    expect([ds.name, ds.n, ds.d, ds.y]).toEqual(['x.npy', 3, 2, undefined]);
    const csv = loadDataset({ data: { name: 'x.csv', bytes: enc('1.5,-2\n0.25,3\n0.001,-0\n') } });
    const json = loadDataset({ data: { name: 'x.json', bytes: enc('[[1.5,-2],[0.25,3],[0.001,-0]]') } });
    expect(datasetDigest(csv)).toBe(datasetDigest(ds));
    expect(datasetDigest(json)).toBe(datasetDigest(ds));
  });

  it('big-endian, integers, bytes, format 2.0 and 3.0, and a 1-D labels file (all as NumPy writes them)', () => {
    const h = (descr: string, shape: string, spaces = 58) => npSaveDict(descr, shape) + ' '.repeat(spaces);
    expect(Array.from(parseNpy('be.npy', npyFile(h('>f8', '(1, 2)'), hex('3ff8000000000000 c000000000000000'))).values)).toEqual([1.5, -2]);
    const i8 = parseNpy('i8.npy', npyFile(h('<i8', '(2, 2)'), hex('0100000000000000 feffffffffffffff 0300000000000000 0000000000002000')));
    expect(Array.from(i8.values)).toEqual([1, -2, 3, 2 ** 53]);
    expect(Array.from(parseNpy('u1.npy', npyFile(h('|u1', '(1, 2)'), hex('00ff'))).values)).toEqual([0, 255]);
    // write_array(f, np.array([[1.0, 2.0]]), version=(2, 0)) and (3, 0): a u32 header length, 116 bytes.
    for (const major of [2, 3]) {
      const file = npyFile(h('<f8', '(1, 2)', 56), hex('000000000000f03f 0000000000000040'), { major });
      expect(file.length % 16).toBe(0);
      expect(Array.from(parseNpy(`v${major}.npy`, file).values)).toEqual([1, 2]);
    }
    const y = npyFile(npSaveDict('<f8', '(3,)') + ' '.repeat(60), hex('000000000000f03f 000000000000f0bf 000000000000f03f'));
    const ds = loadDataset({ data: { name: 'x.npy', bytes: writeNpy({ shape: [3, 1], values: [0, 1, 2], dtype: '<f8' }) }, labels: { name: 'y.npy', bytes: y } });
    expect(Array.from(ds.y!)).toEqual([1, -1, 1]);
    expect(ds.name).toBe('x.npy + y.npy');
  });
});

describe('CSV and JSON', () => {
  it('CSV without a header, with a header, and with a label column (y or label, anywhere)', () => {
    const plain = loadDataset({ data: { name: 'a.csv', bytes: enc('1,2,3\r\n4,5,6\r\n\r\n\n') } });
    expect([plain.n, plain.d, Array.from(plain.X), plain.y]).toEqual([2, 3, [1, 2, 3, 4, 5, 6], undefined]);
    const header = loadDataset({ data: { name: 'b.csv', bytes: enc('\ufeffx1, x2 ,x3\n1,2,3\n4,5,6\n') } });
    expect(datasetDigest(header)).toBe(datasetDigest(plain));
    const labelled = loadDataset({ data: { name: 'c.csv', bytes: enc('x1,"Label",x2\n1,-1,2\n3,1,4\n+5,.5,6e0\n') } });
    expect([labelled.n, labelled.d, Array.from(labelled.X), Array.from(labelled.y!)]).toEqual([3, 2, [1, 2, 3, 4, 5, 6], [-1, 1, 0.5]]);
    expect(labelColumn('d.csv', ['a', 'Y'])).toBe(1);
    expect(parseCsv('e.csv', enc('y\n1\n2\n')).columns).toEqual(['y']);
  });

  it('writeCsv and writeJson read back to the same dataset (labels included)', () => {
    const ds = makeDataset({ name: 'w', n: 2, d: 2, X: Float64Array.of(0.1, -0, 1e-300, 12345.678), y: Float64Array.of(1, -1) });
    for (const [name, text] of [
      ['w.csv', writeCsv(ds)],
      ['w.json', writeJson(ds)],
    ]) {
      const back = loadDataset({ data: { name, bytes: enc(text) } });
      expect(datasetDigest(back)).toBe(datasetDigest(ds));
    }
    expect(writeCsv(ds)).toBe('x1,x2,y\n0.1,-0,1\n1e-300,12345.678,-1\n');
  });

  it('JSON: {"X", "y"}, a bare matrix, and labels as an array or {"y"}', () => {
    const both = parseJsonDataset('a.json', enc('{"X": [[1, 2], [3, 4]], "y": [0.5, -0.5]}'));
    expect([both.X.shape, Array.from(both.X.values), Array.from(both.y!)]).toEqual([[2, 2], [1, 2, 3, 4], [0.5, -0.5]]);
    expect(parseJsonDataset('b.json', enc('[[1], [2]]')).X.shape).toEqual([2, 1]);
    expect(Array.from(parseJsonLabels('y.json', enc('[1, 2]')))).toEqual([1, 2]);
    expect(Array.from(parseJsonLabels('y.json', enc('{"y": [3]}')))).toEqual([3]);
    const ds = loadDataset({ data: { name: 'x.csv', bytes: enc('1\n2\n') }, labels: { name: 'y.json', bytes: enc('[1,-1]') } });
    expect(Array.from(ds.y!)).toEqual([1, -1]);
  });
});

/** A malformed file: its name, bytes (and a labels file), and what the message must say. */
type Malformed = [what: string, data: DataFile, labels: DataFile | undefined, message: RegExp];

const npyOf = (descr: string, shape: string, data: Uint8Array, opts?: Parameters<typeof npyFile>[2]) => npyFile(npSaveDict(descr, shape), data, opts);
const f8s = (...xs: number[]) => new Uint8Array(Float64Array.from(xs).buffer);
const file = (name: string, bytes: Uint8Array | string): DataFile => ({ name, bytes: typeof bytes === 'string' ? enc(bytes) : bytes });
const good = file('x.npy', writeNpy({ shape: [3, 2], values: [1, 2, 3, 4, 5, 6], dtype: '<f8' }));

const MALFORMED: Malformed[] = [
  // .npy
  ['an empty .npy', file('x.npy', new Uint8Array(0)), undefined, /^x\.npy: is empty \(0 bytes\)/],
  ['text named .npy', file('x.npy', '1,2,3\n'), undefined, /does not start with the magic \\x93NUMPY/],
  ['an .npz named .npy', file('x.npy', hex('504b0304 1400')), undefined, /zip archive \(an \.npz from np\.savez\?\)/],
  ['cut inside the magic', file('x.npy', hex('934e55')), undefined, /does not start with the magic/],
  ['cut inside the header length', file('x.npy', hex('934e554d5059 0100 76')), undefined, /truncated: the file ends inside the header length/],
  ['format version 4.0', file('x.npy', npyOf('<f8', '(1, 1)', f8s(1), { major: 4 })), undefined, /format version 4\.0 is not one of 1\.0, 2\.0, 3\.0/],
  ['a header length beyond the file', file('x.npy', npyOf('<f8', '(1, 1)', f8s(1), { headerLen: 5000 })), undefined, /truncated: the header says it is 5000 bytes, but the file ends 68 bytes after its start/],
  ['a huge header', file('x.npy', npyFile(npSaveDict('<f8', '(1, 1)'), f8s(1), { pad: 20_000, major: 2 })), undefined, new RegExp(`length 20060 bytes is over the limit of ${MAX_HEADER_BYTES}`)],
  ['a header without its newline', file('x.npy', cat(hex('934e554d5059 0100 0400'), enc('{}  '))), undefined, /does not end in '\\n'/],
  ['a header that is no literal', file('x.npy', npyFile("{'descr': <f8}", f8s())), undefined, /not a Python literal dict: unexpected '<' at offset 10/],
  ['a header without shape', file('x.npy', npyFile("{'descr': '<f8', 'fortran_order': False}", f8s())), undefined, /has no 'shape' key/],
  ['Fortran order', file('x.npy', npyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }", f8s(1, 2))), undefined, /Fortran order .* np\.ascontiguousarray\(x\)/],
  ['complex128', file('x.npy', npyOf('<c16', '(1, 1)', new Uint8Array(16))), undefined, /dtype '<c16' \(complex\) is not supported/],
  ['object', file('x.npy', npyOf('|O', '(1, 1)', new Uint8Array(8))), undefined, /dtype '\|O' \(object\) is not supported/],
  ['strings', file('x.npy', npyOf('<U3', '(1, 1)', new Uint8Array(12))), undefined, /dtype '<U3' \(unicode string\) is not supported/],
  ['a structured dtype', file('x.npy', npyFile("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", f8s(1))), undefined, /structured dtype/],
  ['long double', file('x.npy', npyOf('<f16', '(1, 1)', new Uint8Array(16))), undefined, /no 16-byte float type/],
  ['int64 beyond 2^53', file('x.npy', npyOf('<i8', '(1, 1)', hex('0100000000002000'))), undefined, /the integer 9007199254740993 is beyond ±2\^53/],
  ['truncated data', file('x.npy', npyOf('<f8', '(3, 2)', f8s(1, 2, 3, 4, 5))), undefined, /data: truncated: the shape \(3, 2\) of '<f8' needs 48 bytes after the header, the file has 40/],
  ['bytes to spare', file('x.npy', npyOf('<f8', '(1, 2)', f8s(1, 2, 3))), undefined, /data: 8 bytes more than the shape \(1, 2\)/],
  ['a shape beyond what a run holds', file('x.npy', npyOf('|u1', '(100000, 100000)', new Uint8Array(1))), undefined, /holds 10000000000 values, more than the 268435456/],
  ['1-D inputs', file('x.npy', npyOf('<f8', '(3,)', f8s(1, 2, 3))), undefined, /has shape \(3,\): the inputs must be a 2-D array \(n, d\) .*reshape\(1, -1\)/],
  ['3-D inputs', file('x.npy', npyOf('<f8', '(1, 1, 2)', f8s(1, 2))), undefined, /has shape \(1, 1, 2\): the inputs must be a 2-D array/],
  ['NaN', file('x.npy', npyOf('<f8', '(2, 2)', f8s(1, 2, NaN, 4))), undefined, /^x\.npy: X\[1, 0\] is NaN: every value must be finite/],
  ['infinity', file('x.npy', npyOf('<f4', '(1, 2)', new Uint8Array(Float32Array.of(1, -Infinity).buffer))), undefined, /X\[0, 1\] is -Infinity/],
  ['no inputs', file('x.npy', npyOf('<f8', '(0, 3)', f8s())), undefined, /holds no inputs \(shape \(0, 3\)\)/],
  ['inputs of length 0', file('x.npy', npyOf('<f8', '(2, 0)', f8s())), undefined, /its inputs have length 0/],
  // .csv
  ['an empty .csv', file('x.csv', '\n\n'), undefined, /^x\.csv: is empty/],
  ['a word in the data', file('x.csv', '1,2,3\n4,5,6\n7,abc,9\n'), undefined, /^x\.csv: row 3, column 2: 'abc' is not a number/],
  ['hex', file('x.csv', 'a,b\n1,0x10\n'), undefined, /row 2, column 2: '0x10' is not a number/],
  ['NaN in text', file('x.csv', '1,NaN\n'), undefined, /row 1, column 2: 'NaN' is not a number/],
  ['ragged rows', file('x.csv', '1,2,3\n4,5,6\n7,8\n'), undefined, /row 3 has 2 columns, but row 1 has 3/],
  ['a missing value', file('x.csv', '1,,3\n'), undefined, /row 1, column 2: the value is missing/],
  ['a blank row inside', file('x.csv', '1,2\n\n3,4\n'), undefined, /row 2 is blank/],
  ['a header alone', file('x.csv', 'x1,x2,y\n'), undefined, /has a header row but no data rows/],
  ['two label columns', file('x.csv', 'y,label\n1,2\n'), undefined, /columns 1 and 2 are both named as labels/],
  ['labels and no inputs', file('x.csv', 'y\n1\n'), undefined, /has only the labels column 'y': the inputs are missing/],
  ['beyond float64', file('x.csv', '1e999\n'), undefined, /row 1, column 1: '1e999' is beyond the range of a float64/],
  ['binary named .csv', file('x.csv', hex('ff fe 00 93')), undefined, /is not UTF-8 text/],
  // .json
  ['invalid JSON', file('x.json', '{"X": [[1, 2], [3'), undefined, /^x\.json: is not valid JSON/],
  ['an empty .json', file('x.json', ''), undefined, /is empty: expected/],
  ['a string in X', file('x.json', '{"X": [[1, 2], ["a", 4]]}'), undefined, /X\[1\]\[0\]: expected a number, got the string "a"/],
  ['ragged X', file('x.json', '{"X": [[1, 2], [3]]}'), undefined, /X\[1\]: has 1 numbers, but X\[0\] has 2/],
  ['no X', file('x.json', '{"x": [[1]]}'), undefined, /has no key 'X'/],
  ['an unknown key', file('x.json', '{"X": [[1]], "Y": [1]}'), undefined, /unknown key 'Y'/],
  ['no rows', file('x.json', '[]'), undefined, /has no rows/],
  ['empty rows', file('x.json', '[[], []]'), undefined, /its inputs have length 0/],
  ['a number beyond float64', file('x.json', '[[1e999]]'), undefined, /\[0\]\[0\]: the number is beyond the range of a float64/],
  ['a null label', file('x.json', '{"X": [[1]], "y": [null]}'), undefined, /y\[0\]: expected a number, got null/],
  // the pair, and the extension
  ['an unknown extension', file('x.txt', '1,2\n'), undefined, /^x\.txt: the extension '\.txt' is not a supported format: name the file \.npy \(np\.save\), \.csv or \.json/],
  ['no extension', file('data', '1,2\n'), undefined, /a name without an extension is not a supported format/],
  ['too few labels', good, file('y.npy', writeNpy({ shape: [2], values: [1, 2], dtype: '<f8' })), /^y\.npy: has 2 labels, but x\.npy has 3 inputs: one label per input/],
  ['2-D labels', good, file('y.npy', writeNpy({ shape: [3, 2], values: [1, 2, 3, 4, 5, 6], dtype: '<f8' })), /has shape \(3, 2\): labels must be a 1-D array \(n,\) or a column \(n, 1\)/],
  ['a NaN label', good, file('y.npy', writeNpy({ shape: [3], values: [1, NaN, 2], dtype: '<f8' })), /^y\.npy: y\[1\] is NaN/],
  ['a two-column labels CSV', good, file('y.csv', '1,2\n3,4\n5,6\n'), /has 2 columns: a labels file has one column/],
  ['labels twice', file('x.csv', 'x,y\n1,2\n'), file('y.csv', '1\n'), /x\.csv has labels of its own .* give them in one place only/],
];

describe(`${MALFORMED.length} malformed files, each refused with a message naming the file and the problem`, () => {
  it('there are at least 20', () => expect(MALFORMED.length).toBeGreaterThanOrEqual(20));
  for (const [what, data, labels, message] of MALFORMED) {
    it(what, () => {
      let caught: unknown;
      try {
        loadDataset({ data, ...(labels ? { labels } : {}) });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DatasetFileError);
      const err = caught as DatasetFileError;
      expect(err.message).toMatch(message);
      // The file at fault is named first (the faces print "invalid input — <file>: …").
      expect([data.name, labels?.name]).toContain(err.field);
      expect(err.message.startsWith(`${err.field}: `)).toBe(true);
    });
  }
});

describe('random inputs (fast-check)', () => {
  const matrix = <T>(value: fc.Arbitrary<T>) =>
    fc.record({ n: fc.integer({ min: 1, max: 6 }), d: fc.integer({ min: 1, max: 5 }) }).chain(({ n, d }) => fc.record({ n: fc.constant(n), d: fc.constant(d), values: fc.array(value, { minLength: n * d, maxLength: n * d }) }));
  const f64 = fc.double({ noNaN: true, noDefaultInfinity: true });
  const f32 = fc.float({ noNaN: true, noDefaultInfinity: true });
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

  it('finite matrices round-trip through each writer and its parser, bit for bit', () => {
    fc.assert(
      fc.property(matrix(f64), fc.boolean(), ({ n, d, values }, header) => {
        const X = Float64Array.from(values);
        const y = Float64Array.from({ length: n }, (_, s) => values[s * d]);
        const npy = parseNpy('p.npy', writeNpy({ shape: [n, d], values: X, dtype: '<f8' }));
        const csv = parseCsv('p.csv', enc(writeCsv({ n, d, X }, header)));
        const json = parseJsonDataset('p.json', enc(writeJson({ n, d, X, y })));
        return same(npy.values, X) && same(csv.values, X) && csv.shape[0] === n && same(json.X.values, X) && same(json.y!, y);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(matrix(f32), ({ n, d, values }) => {
        const back = parseNpy('p.npy', writeNpy({ shape: [n, d], values, dtype: '<f4' }));
        return same(back.values, values) && back.shape[0] === n && back.shape[1] === d;
      }),
      { numRuns: 200 },
    );
  });

  /** Runs the loader and returns what it threw, if anything. */
  const thrown = (f: DataFile) => {
    try {
      loadDataset({ data: f });
      return null;
    } catch (e) {
      return e;
    }
  };
  const onlyFileErrors = (e: unknown) => e === null || e instanceof DatasetFileError;

  it('random bytes, in every format, raise nothing but a DatasetFileError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('r.npy', 'r.csv', 'r.json'), (bytes, name) => onlyFileErrors(thrown({ name, bytes }))),
      { numRuns: 1000 },
    );
  });

  it('a valid .npy cut short or with one byte changed raises nothing but a DatasetFileError', () => {
    const base = writeNpy({ shape: [4, 3], values: Array.from({ length: 12 }, (_, i) => i / 3), dtype: '<f8' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: base.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: base.length }), (at, byte, cut) => {
        const changed = base.slice();
        changed[at] = byte;
        return onlyFileErrors(thrown({ name: 'm.npy', bytes: changed })) && onlyFileErrors(thrown({ name: 'm.npy', bytes: base.slice(0, cut) }));
      }),
      { numRuns: 1000 },
    );
  });

  it('random text headers and CSV/JSON-like text raise nothing but a DatasetFileError', () => {
    const chars = fc.string({ unit: fc.constantFrom(..."{}()[]',: <>|fiuO0123456789TrueFalsedescrshapefortran_order\n\"-.eE".split('')), maxLength: 80 });
    fc.assert(
      fc.property(chars, fc.uint8Array({ maxLength: 64 }), (header, data) => onlyFileErrors(thrown({ name: 'h.npy', bytes: npyFile(header, data) }))),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(chars, fc.constantFrom('t.csv', 't.json'), (text, name) => onlyFileErrors(thrown({ name, bytes: enc(text) }))),
      { numRuns: 1000 },
    );
  });
});
