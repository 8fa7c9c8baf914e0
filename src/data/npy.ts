/**
 * NumPy's `.npy` format (the NumPy format spec, numpy/lib/format.py, versions 1.0, 2.0 and 3.0):
 * the magic "\x93NUMPY", a major and minor version byte, the header's length (u16 in 1.0, u32
 * in 2.0 and 3.0, little-endian), the header — a Python literal dict with 'descr', 'fortran_order'
 * and 'shape', ending in '\n' — then the array's raw bytes. What `np.save(f, x)` writes for a
 * real array loads as is.
 *
 * Accepted dtypes: float16/32/64 ('<f2', '<f4', '<f8', and big-endian '>'), signed and unsigned
 * integers of 1–8 bytes ('|i1', '<i4', '<u8', …) and bool ('|b1'). Every value becomes an f64:
 * floats and integers up to 32 bits exactly; 64-bit integers exactly while |x| ≤ 2^53 (beyond
 * that an f64 cannot hold every integer, and the file is refused rather than rounded). Refused,
 * each with what to do instead: Fortran order, object, complex, string, datetime and structured
 * dtypes, a header over numpy's own 10 000-byte limit or beyond the end of the file, and data
 * that does not match the header's shape (truncated, or bytes to spare).
 */
import { DatasetFileError, MAX_VALUES, type NumericArray } from './errors.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy's np.load refuses longer headers unless told otherwise (max_header_size, numpy ≥ 1.24). */
export const MAX_HEADER_BYTES = 10_000;
/** numpy aligns the data to this (ARRAY_ALIGN), and leaves room to grow the first axis (GROWTH_AXIS_MAX_DIGITS). */
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

type PyValue = string | boolean | number | PyValue[] | { [k: string]: PyValue };

/**
 * The header's Python literal: a dict of strings, True/False, integers and tuples — the only
 * things numpy writes there. A small recursive-descent reader (numpy itself uses
 * ast.literal_eval); anything else is an error naming the offset.
 */
function readLiteral(text: string, fail: (what: string) => never): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, PyValue> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return out;
        }
        const key = value();
        if (typeof key !== 'string') fail(`a dict key at offset ${i} is not a string`);
        ws();
        if (text[i] !== ':') fail(`expected ':' at offset ${i}`);
        i++;
        out[key] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail(`expected ',' or '}' at offset ${i}`);
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const out: PyValue[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return out;
        }
        out.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected ',' or '${close}' at offset ${i}`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail(`unterminated string at offset ${i}`);
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const word = /^(True|False|\d+L?)/.exec(text.slice(i));
    if (!word) fail(`unexpected ${i < text.length ? `'${text[i]}'` : 'end'} at offset ${i}`);
    i += word[0].length;
    if (word[0] === 'True' || word[0] === 'False') return word[0] === 'True';
    return Number(word[0].replace('L', ''));
  };
  const v = value();
  ws();
  if (i !== text.length) fail(`unexpected '${text[i]}' after the dict at offset ${i}`);
  return v;
}

interface Dtype {
  size: number;
  read(view: DataView, offset: number): number;
}

/** The reader for a descr, or the reason it is refused. */
function dtypeOf(descr: PyValue): Dtype | string {
  if (typeof descr !== 'string') return `a structured dtype (descr ${JSON.stringify(descr)}) is not supported: save a plain numeric array (e.g. x.astype(np.float64))`;
  const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) return `dtype '${descr}' is not supported: use float32 or float64 ('<f4', '<f8')`;
  const [, order, kind, sizeText] = m;
  const size = Number(sizeText);
  const little = order !== '>';
  const names: Record<string, string> = { c: 'complex', O: 'object', U: 'unicode string', S: 'byte string', a: 'byte string', V: 'void/raw', M: 'datetime', m: 'timedelta' };
  if (names[kind]) return `dtype '${descr}' (${names[kind]}) is not supported: inputs and labels must be real numbers (float32, float64 or integers)`;
  const bad = () => `dtype '${descr}' has no ${size}-byte ${kind === 'f' ? 'float' : 'integer'} type here: use float32 or float64 ('<f4', '<f8')`;
  switch (kind) {
    case 'f':
      if (size === 2) return { size, read: (v, o) => half(v.getUint16(o, little)) };
      if (size === 4) return { size, read: (v, o) => v.getFloat32(o, little) };
      if (size === 8) return { size, read: (v, o) => v.getFloat64(o, little) };
      return bad();
    case 'i':
    case 'u':
    case 'b': {
      const signed = kind === 'i';
      if (kind === 'b' && size !== 1) return bad();
      if (size === 1) return { size, read: (v, o) => (signed ? v.getInt8(o) : v.getUint8(o)) };
      if (size === 2) return { size, read: (v, o) => (signed ? v.getInt16(o, little) : v.getUint16(o, little)) };
      if (size === 4) return { size, read: (v, o) => (signed ? v.getInt32(o, little) : v.getUint32(o, little)) };
      if (size === 8) {
        return {
          size,
          read: (v, o) => {
            const x = signed ? v.getBigInt64(o, little) : v.getBigUint64(o, little);
            // Beyond 2^53 an f64 does not hold every integer: refuse rather than round.
            if (x > 2n ** 53n || x < -(2n ** 53n)) throw new RangeError(`the integer ${x} is beyond ±2^53 and has no exact float64`);
            return Number(x);
          },
        };
      }
      return bad();
    }
    default:
      return `dtype '${descr}' is not supported: use float32 or float64 ('<f4', '<f8')`;
  }
}

/** IEEE 754 binary16 to a number. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const shapeText = (shape: number[]) => (shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`);

/** Reads a `.npy` file; every error a DatasetFileError naming `name` and the part at fault. */
export function parseNpy(name: string, bytes: Uint8Array): NumericArray {
  const fail = (problem: string): never => {
    throw new DatasetFileError(name, problem);
  };
  if (bytes.length >= 2 && bytes[0] === 0x50 && bytes[1] === 0x4b) fail('is a zip archive (an .npz from np.savez?), not an .npy: save one array with np.save(file, x)');
  if (bytes.length === 0) fail('is empty (0 bytes): expected an .npy file starting with \\x93NUMPY');
  if (MAGIC.some((b, i) => bytes[i] !== b)) fail('is not an .npy file: it does not start with the magic \\x93NUMPY (save it with np.save)');
  if (bytes.length < 8) fail(`header: truncated: the file ends after ${bytes.length} bytes, inside the format version`);
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) fail(`header: format version ${major}.${minor} is not one of 1.0, 2.0, 3.0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail(`header: truncated: the file ends inside the header length (${bytes.length} bytes)`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (headerLen > MAX_HEADER_BYTES) fail(`header: its length ${headerLen} bytes is over the limit of ${MAX_HEADER_BYTES} (numpy's own np.load refuses such headers too)`);
  if (start + headerLen > bytes.length) fail(`header: truncated: the header says it is ${headerLen} bytes, but the file ends ${bytes.length - start} bytes after its start`);
  const raw = bytes.subarray(start, start + headerLen);
  // 1.0 and 2.0 headers are latin-1 (in practice ASCII), 3.0 UTF-8.
  const header = major === 3 ? new TextDecoder('utf-8').decode(raw) : String.fromCharCode(...raw);
  if (!header.endsWith('\n')) fail("header: does not end in '\\n' (is the file cut short or not written by np.save?)");
  const dict = readLiteral(header.trim(), (what) => fail(`header: not a Python literal dict: ${what}`));
  if (typeof dict !== 'object' || Array.isArray(dict)) fail('header: is not a dict');
  const d = dict as Record<string, PyValue>;
  for (const key of ['descr', 'fortran_order', 'shape']) if (!(key in d)) fail(`header: has no '${key}' key (the keys must be 'descr', 'fortran_order', 'shape')`);
  if (typeof d.fortran_order !== 'boolean') fail(`header: 'fortran_order' must be True or False`);
  if (d.fortran_order) fail("header: the array is in Fortran order (fortran_order: True); save it in C order: np.save(file, np.ascontiguousarray(x))");
  const shape = d.shape;
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s))) fail(`header: 'shape' must be a tuple of integers (got ${JSON.stringify(shape)})`);
  const dims = shape as number[];
  const dtype = dtypeOf(d.descr);
  if (typeof dtype === 'string') fail(`header: ${dtype}`);
  const { size, read } = dtype as Dtype;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_VALUES) fail(`header: the shape ${shapeText(dims)} holds ${count} values, more than the ${MAX_VALUES} (2^28) a run can hold`);
  const need = count * size;
  const have = bytes.length - start - headerLen;
  if (have < need) fail(`data: truncated: the shape ${shapeText(dims)} of '${String(d.descr)}' needs ${need} bytes after the header, the file has ${have}`);
  if (have > need) fail(`data: ${have - need} bytes more than the shape ${shapeText(dims)} of '${String(d.descr)}' needs (${need}): not one array as np.save writes it`);
  const values = new Float64Array(count);
  const base = start + headerLen;
  try {
    for (let i = 0; i < count; i++) values[i] = read(view, base + i * size);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    fail(`data: ${e.message}`);
  }
  return { shape: dims, values };
}

/** The f64 or f32 array to write; `shape` in C order. */
export interface NpyArray {
  shape: readonly number[];
  values: ArrayLike<number>;
  dtype: '<f8' | '<f4';
}

/**
 * The `.npy` bytes np.save writes for this array (format 1.0, the header padded exactly as numpy
 * pads it), so an exported dataset loads in NumPy and back here unchanged.
 */
export function writeNpy(a: NpyArray): Uint8Array {
  const count = a.shape.reduce((x, y) => x * y, 1);
  if (count !== a.values.length) throw new RangeError(`writeNpy: shape ${shapeText([...a.shape])} holds ${count} values, got ${a.values.length}`);
  let dict = `{'descr': '${a.dtype}', 'fortran_order': False, 'shape': ${a.shape.length === 0 ? '()' : shapeText([...a.shape])}, }`;
  if (a.shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(a.shape[0]).length));
  // Magic (6), version (2), u16 length (2), then the header and its '\n', padded to ALIGN.
  const pad = ALIGN - ((10 + dict.length + 1) % ALIGN);
  const text = dict + ' '.repeat(pad) + '\n';
  const size = a.dtype === '<f8' ? 8 : 4;
  const out = new Uint8Array(10 + text.length + size * count);
  out.set(MAGIC, 0);
  out[6] = 1;
  const view = new DataView(out.buffer);
  view.setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  const base = 10 + text.length;
  for (let i = 0; i < count; i++) {
    if (size === 8) view.setFloat64(base + 8 * i, a.values[i], true);
    else view.setFloat32(base + 4 * i, a.values[i], true);
  }
  return out;
}
