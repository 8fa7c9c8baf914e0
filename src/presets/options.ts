/**
 * A preset's options, declared once (defineOptions): each declaration's `kind` gives its value's
 * TypeScript type, so a preset's `run` receives a typed object. validateOptions — the one
 * validator, which runExperiment calls — fills in defaults, parses text forms (CLI flags, URL
 * parameters, form fields), checks every value and then the checks across options, and its errors
 * name the option and its allowed range: the same messages on the command line (each flag parsed
 * by parseOption, the function validateOptions uses for text) and on the page (each field likewise).
 */
import { type Dataset, describeDataset, makeDataset } from '../core/dataset.ts';
import { ExperimentError, validateDataset } from '../core/experiment.ts';
import { DATA_FORMATS } from '../data/load.ts';
import { DECIMAL } from '../data/decimal.ts';

/**
 * What every declaration has beside its kind: its help, and where it applies. `onlyWith` names
 * another (choice) option and the choices under which this one is used, e.g. `{ mode: ['sgd'] }`
 * for a minibatch size: under the other choices its value is accepted (a form or a link always
 * carries every field) but unused, and the CLI says so (ignoredOptions).
 */
interface DeclCommon {
  help: string;
  onlyWith?: Readonly<Record<string, readonly string[]>>;
}

/** A closed range [min, max]. */
export interface IntDecl extends DeclCommon {
  kind: 'int';
  default: number;
  min: number;
  max: number;
}

export interface NumberDecl extends DeclCommon {
  kind: 'number';
  default: number;
  min: number;
  max: number;
  /** min and max themselves are excluded: the range is the open interval (min, max). */
  open?: boolean;
}

/** A non-empty list, every entry in [min, max]. */
export interface ListDecl extends DeclCommon {
  kind: 'int-list' | 'number-list';
  default: readonly number[];
  min: number;
  max: number;
}

export interface ChoiceDecl extends DeclCommon {
  kind: 'choice';
  default: string;
  choices: readonly string[];
}

/**
 * A supplied dataset (src/core/dataset.ts): inputs, and labels or none. It has no text form: the
 * CLI reads it from files (--data FILE, --labels FILE: src/cli/data-flags.ts), the page from a
 * file field (src/ui/form.ts), the library takes a Dataset (makeDataset, loadDataset). Its value
 * is checked on its own (n ≥ 1, its arrays' lengths, every value finite); against the model by
 * the preset's constraints and the experiment's validation.
 */
export interface DatasetDecl extends DeclCommon {
  kind: 'dataset';
  /** The dataset a run uses when none is given (constructed in code). */
  default: Dataset;
}

export type OptionDecl = IntDecl | NumberDecl | ListDecl | ChoiceDecl | DatasetDecl;

/** A declared option with its name: one CLI flag, one form field, one key of the values. */
export type OptionSpec = OptionDecl & { name: string };

/** The type of a declared option's value: a number, a list of numbers, or one of the choices. */
export type ValueOf<D extends OptionDecl> = D extends { kind: 'choice'; choices: readonly (infer C)[] }
  ? C
  : D extends ListDecl
    ? readonly number[]
    : D extends DatasetDecl
      ? Dataset
      : number;

export type OptionValue = number | readonly number[] | string | Dataset;
export type Values = Record<string, OptionValue>;

/**
 * A check across options (e.g. every ratio ≤ every k), declared beside them and run by
 * validateOptions after each option's own check; its error names `option`.
 */
export interface Constraint<V> {
  /** The option the error names (a plain string, so that a preset's type widens to Preset<Values>). */
  option: string;
  holds(values: V): boolean;
  message(values: V): string;
}

export interface OptionSet<V extends Values> {
  /** In declaration order: the CLI's flags, the form's fields and the keys of the values (and of the JSON config). */
  readonly specs: readonly OptionSpec[];
  readonly constraints: readonly Constraint<V>[];
}

/** The values of an option set, e.g. `OptionValues<typeof BG_OPTIONS>`. */
export type OptionValues<O> = O extends OptionSet<infer V> ? V : never;

type ValuesOf<D extends Record<string, OptionDecl>> = { -readonly [K in keyof D]: ValueOf<D[K]> };

/** Options keyed by name, in the order given; `constraints` check values across them. */
export function defineOptions<const D extends Record<string, OptionDecl>>(decls: D, constraints: Constraint<ValuesOf<D>>[] = []): OptionSet<ValuesOf<D>> {
  return { specs: Object.entries(decls).map(([name, decl]) => ({ ...decl, name })), constraints };
}

type RangeSpec = OptionSpec & { min: number; max: number; open?: boolean };

/**
 * A bound as the messages print it: a simple fraction where the decimal would run on (1/3 rather
 * than 0.3333333333333333), else the number itself.
 */
function boundText(x: number): string {
  const text = String(x);
  if (Number.isInteger(x) || text.length <= 8) return text;
  for (let q = 2; q <= 12; q++) {
    const p = Math.round(x * q);
    if (p / q === x) return `${p}/${q}`;
  }
  return text;
}

/** "[min, max]", or "(min, max)" for an open range. */
function rangeText(spec: RangeSpec): string {
  const [l, r] = spec.open ? ['(', ')'] : ['[', ']'];
  return `${l}${boundText(spec.min)}, ${boundText(spec.max)}${r}`;
}

function checkNumber(spec: RangeSpec, x: number, integer: boolean): number {
  const inside = spec.open ? x > spec.min && x < spec.max : x >= spec.min && x <= spec.max;
  if (typeof x !== 'number' || !Number.isFinite(x) || (integer && !Number.isInteger(x)) || !inside) {
    throw new ExperimentError(spec.name, `must be ${integer ? 'an integer' : 'a number'} in ${rangeText(spec)} (got ${String(x)})`);
  }
  return x;
}

/** Validates one value against its spec (numbers in range, lists non-empty, choices known). */
export function checkOption(spec: OptionSpec, value: unknown): OptionValue {
  switch (spec.kind) {
    case 'int':
    case 'number':
      return checkNumber(spec, value as number, spec.kind === 'int');
    case 'int-list':
    case 'number-list': {
      if (!Array.isArray(value) || value.length === 0) throw new ExperimentError(spec.name, `must be a non-empty list of numbers in ${rangeText(spec)}`);
      return value.map((x) => checkNumber(spec, x as number, spec.kind === 'int-list'));
    }
    case 'choice':
      if (typeof value !== 'string' || !spec.choices.includes(value)) {
        throw new ExperimentError(spec.name, `must be one of ${spec.choices.join(', ')} (got ${String(value)})`);
      }
      return value;
    case 'dataset': {
      const ds = value as Partial<Dataset> | null;
      if (typeof ds !== 'object' || ds === null || typeof ds.name !== 'string' || !(ds.X instanceof Float64Array)) {
        throw new ExperimentError(spec.name, 'must be a dataset {name, n, d, X: Float64Array, y?: Float64Array} (makeDataset, loadDataset)');
      }
      // Made again: a structured clone (the page's worker) drops the JSON form makeDataset attaches.
      const made = makeDataset(ds as Dataset);
      if (!Number.isInteger(made.d) || made.d < 1) throw new ExperimentError(spec.name, `its inputs must have length d ≥ 1 (got d = ${String(made.d)})`);
      validateDataset(made, made.d, made.n);
      return made;
    }
  }
}

/** What a value may be, for help texts: "an integer in [1, 100]", "one of a, b". */
export function allowedText(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer in ${rangeText(spec)}`;
    case 'number':
      return `a number in ${rangeText(spec)}`;
    case 'int-list':
      return `a comma-separated list of integers in ${rangeText(spec)}`;
    case 'number-list':
      return `a comma-separated list of numbers in ${rangeText(spec)}`;
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'dataset':
      return `a dataset file (${DATA_FORMATS.join(', ')})`;
  }
}

/** Parses and checks the text form of a value: "25", "0.1", "25,36,49", "population" (numbers: plain decimals only, src/data/decimal.ts). */
export function parseOption(spec: OptionSpec, text: string): OptionValue {
  const num = (s: string) => (DECIMAL.test(s.trim()) ? Number(s.trim()) : NaN);
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const x = num(text);
      if (!Number.isFinite(x)) throw new ExperimentError(spec.name, `must be a number in ${rangeText(spec)} (got '${text}')`);
      return checkOption(spec, x);
    }
    case 'int-list':
    case 'number-list': {
      const xs = text.split(',').map(num);
      if (xs.some((x) => !Number.isFinite(x))) throw new ExperimentError(spec.name, `must be a comma-separated list of numbers in ${rangeText(spec)} (got '${text}')`);
      return checkOption(spec, xs);
    }
    case 'choice':
      return checkOption(spec, text.trim());
    case 'dataset':
      throw new ExperimentError(spec.name, `a dataset has no text form: give a file (${DATA_FORMATS.join(', ')}) — on the command line ${'--'}${spec.name} FILE, on the page the file field`);
  }
}

/** The text form of a value (inverse of parseOption), for URLs, forms and help; a dataset's is its description (it has no inverse). */
export function formatOption(value: OptionValue): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') {
    const d = describeDataset(value as Dataset);
    return `${d.name} (${d.n} × ${d.d}, labels ${d.labels === 'given' ? 'given' : 'by the teacher'}, sha256 ${d.sha256.slice(0, 12)}…)`;
  }
  return String(value);
}

/**
 * The options in `given` (names the caller set explicitly) that the values make unused: those
 * whose onlyWith excludes the chosen value of the option it names. Each with why, for a notice.
 */
export function ignoredOptions(options: OptionSet<Values>, values: Values, given: Iterable<string>): { name: string; onlyWith: Record<string, readonly string[]> }[] {
  const set = new Set(given);
  const out: { name: string; onlyWith: Record<string, readonly string[]> }[] = [];
  for (const spec of options.specs) {
    if (!set.has(spec.name) || !spec.onlyWith) continue;
    const applies = Object.entries(spec.onlyWith).every(([other, choices]) => choices.includes(String(values[other])));
    if (!applies) out.push({ name: spec.name, onlyWith: { ...spec.onlyWith } });
  }
  return out;
}

declare const validated: unique symbol;

/**
 * Values that validateOptions made: the type a preset's `run` takes, so a plain object does not
 * compile there; at run time definePreset checks the same (a spread copy carries the type, not the check).
 */
export type Validated<V> = Readonly<V> & { readonly [validated]: true };

/** Each object validateOptions returned, with the option set it was checked against. */
const checkedAgainst = new WeakMap<object, object>();

export function isValidatedFor<V extends Values>(options: OptionSet<V>, values: object): boolean {
  return checkedAgainst.get(values) === options;
}

/**
 * The one validator: defaults overridden by `given` (values or their text forms; undefined means
 * the default), every value checked, then the constraints across options; unknown names are an
 * error. The result is frozen, so the values checked are the values the preset sees.
 */
export function validateOptions<V extends Values>(preset: { name: string; options: OptionSet<V> }, given: Record<string, unknown> = {}): Validated<V> {
  const { specs, constraints } = preset.options;
  const out: Values = {};
  for (const spec of specs) out[spec.name] = Array.isArray(spec.default) ? [...spec.default] : (spec.default as OptionValue);
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = specs.find((o) => o.name === name);
    if (!spec) throw new ExperimentError(name, `is not an option of ${preset.name} (its options: ${specs.map((o) => o.name).join(', ')})`);
    out[name] = typeof value === 'string' ? parseOption(spec, value) : checkOption(spec, value);
  }
  for (const value of Object.values(out)) if (Array.isArray(value)) Object.freeze(value);
  // Every spec's value is now of its declared kind: this is the one place the specs' runtime
  // shape becomes the declared type V.
  const values = Object.freeze(out) as V;
  for (const c of constraints) if (!c.holds(values)) throw new ExperimentError(c.option, c.message(values));
  checkedAgainst.set(values, preset.options);
  return values as Validated<V>;
}
