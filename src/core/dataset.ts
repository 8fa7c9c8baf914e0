/**
 * A supplied dataset: inputs the user brings (or a preset constructs, e.g. Brutzkus & Globerson's
 * set-splitting instance) instead of the engine's own N(0, I) sample, for the empirical loss and
 * minibatch SGD over it. Labels are either given with the inputs or made by the experiment's
 * teacher on them.
 *
 * A run must name what it was trained on without carrying the data: a Dataset serialises (JSON,
 * the result's config) as its description (name, shape, where the labels come from, and the
 * SHA-256 of its contents), never as its n·d numbers.
 */
import { sha256 } from '@noble/hashes/sha256';

export interface Dataset {
  /** Where it came from, for people: a file name, 'set-splitting (seed 1)', … */
  readonly name: string;
  /** Inputs, and their length (the model's d). */
  readonly n: number;
  readonly d: number;
  /** The inputs, n·d values, row-major (input s is X[s·d … s·d + d)). */
  readonly X: Float64Array;
  /** One label per input; absent: the experiment's teacher labels the inputs. */
  readonly y?: Float64Array;
}

/** What a result records about its dataset (Dataset's JSON form). */
export interface DatasetDescription {
  name: string;
  n: number;
  d: number;
  labels: 'given' | 'teacher';
  /** SHA-256 (hex) of datasetBytes: the same inputs and labels give the same digest in any format. */
  sha256: string;
}

/**
 * A Dataset from its parts; shape and values are checked against the model later, with the rest
 * of the experiment (src/core/experiment.ts validateExperiment), so that every error names the
 * option it came from. The result carries a non-enumerable toJSON: JSON.stringify (and so every
 * result file) writes the description, and structured cloning (the page's worker) copies the
 * data itself.
 */
export function makeDataset(parts: { name: string; n: number; d: number; X: Float64Array; y?: Float64Array }): Dataset {
  const ds: Dataset = { name: parts.name, n: parts.n, d: parts.d, X: parts.X, ...(parts.y ? { y: parts.y } : {}) };
  Object.defineProperty(ds, 'toJSON', { value: () => describeDataset(ds), enumerable: false });
  return ds;
}

/**
 * The bytes the digest is taken over: a header naming the format version and the shape, then X
 * and y as little-endian f64. Hashing the values (not a file's bytes) makes a `.npy` and the
 * `.csv` of the same numbers name the same dataset, and float32 data hashes as its exact f64 values.
 */
export function datasetBytes(ds: Dataset): Uint8Array {
  const header = new TextEncoder().encode(`basins-dataset-v1 n=${ds.n} d=${ds.d} labels=${ds.y ? 'given' : 'teacher'}\n`);
  const values = ds.X.length + (ds.y?.length ?? 0);
  const out = new Uint8Array(header.length + 8 * values);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length);
  let o = 0;
  for (const v of ds.X) view.setFloat64(8 * o++, v, true);
  if (ds.y) for (const v of ds.y) view.setFloat64(8 * o++, v, true);
  return out;
}

const digests = new WeakMap<Dataset, string>();

/** SHA-256 of datasetBytes, hex (computed once per Dataset object). */
export function datasetDigest(ds: Dataset): string {
  let h = digests.get(ds);
  if (h === undefined) {
    h = Array.from(sha256(datasetBytes(ds)), (b) => b.toString(16).padStart(2, '0')).join('');
    digests.set(ds, h);
  }
  return h;
}

export function describeDataset(ds: Dataset): DatasetDescription {
  return { name: ds.name, n: ds.n, d: ds.d, labels: ds.y ? 'given' : 'teacher', sha256: datasetDigest(ds) };
}
