/**
 * Option values of a preset: defaults, parsing from text (CLI flags, URL parameters, form fields)
 * and validation, with errors that name the option and its allowed range — the same messages on
 * the command line and on the page.
 */
import { ExperimentError } from '../core/experiment.ts';
import type { OptionSpec, OptionValue, Options, Preset } from './types.ts';

export function defaultOptions(preset: Preset): Options {
  const out: Options = {};
  for (const o of preset.options) out[o.name] = Array.isArray(o.default) ? [...o.default] : o.default;
  return out;
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
  }
}

/** Parses the text form of a value: "25", "0.1", "25,36,49", "population". */
export function parseOption(spec: OptionSpec, text: string): OptionValue {
  const num = (s: string) => (s.trim() === '' ? NaN : Number(s.trim()));
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
  }
}

/** The text form of a value (inverse of parseOption), for URLs and forms. */
export function formatOption(value: OptionValue): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** Defaults overridden by `given`, every value checked; unknown names are an error. */
export function resolveOptions(preset: Preset, given: Record<string, unknown> = {}): Options {
  const out = defaultOptions(preset);
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = preset.options.find((o) => o.name === name);
    if (!spec) throw new ExperimentError(name, `is not an option of ${preset.name} (its options: ${preset.options.map((o) => o.name).join(', ')})`);
    out[name] = typeof value === 'string' && spec.kind !== 'choice' ? parseOption(spec, value) : checkOption(spec, value);
  }
  return out;
}
