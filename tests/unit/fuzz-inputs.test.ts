/**
 * Bad input, fuzzed (fast-check): every preset's options and the Experiment spec, as a user types
 * or passes them. Each generated invalid input must be refused by validation — before any engine
 * exists — with an ExperimentError that names the offending field and what it allows; never
 * accepted, never a TypeError or a stack trace, never a hang. Generated valid configurations
 * must pass validation (the GPU side of this, the same configurations on GPU and CPU, is
 * tests/gpu/fuzz.gpu.test.ts). The file loaders are fuzzed in data-formats.test.ts.
 *
 * Counts (reported in the README's reliability section): 1500 invalid option values, 1500 broken
 * experiments, 500 valid experiments.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/core/experiment.ts';
import { DECIMAL } from '../../src/data/decimal.ts';
import { PRESETS, validateOptions } from '../../src/presets/index.ts';
import type { OptionSpec } from '../../src/presets/options.ts';
import { breakage, validExperiment } from '../fuzz-configs.ts';
import { refusal } from '../refusal.ts';

export const FUZZ_COUNTS = { invalidOptions: 1500, brokenExperiments: 1500, validExperiments: 500 };

/** Every option that has a value a user can type (a dataset comes from a file: data-formats.test.ts). */
const TYPED = PRESETS.flatMap((preset) => preset.options.specs.filter((s) => s.kind !== 'dataset').map((spec) => ({ preset, spec })));

const garbage = fc.string({ maxLength: 10 }).filter((s) => !DECIMAL.test(s.trim()));

/** A value of the wrong kind or outside the spec's range, as a value or as its text form. */
function invalidValue(spec: OptionSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const below = spec.kind === 'number' && spec.open ? fc.constant(spec.min) : fc.double({ max: spec.min, maxExcluded: true, noNaN: true, min: -1e300 });
      const above = spec.kind === 'number' && spec.open ? fc.constant(spec.max) : fc.double({ min: spec.max, minExcluded: true, noNaN: true, max: 1e300 });
      const notInt = spec.kind === 'int' && spec.max - spec.min >= 2 ? [fc.constant(spec.min + 0.5)] : [];
      const invalid = (x: number) => !(x >= spec.min && x <= spec.max) || (spec.kind === 'int' && !Number.isInteger(x)) || (spec.kind === 'number' && spec.open === true && (x === spec.min || x === spec.max));
      // (−0 is not below a minimum of 0: kept out, as values and as text, by `invalid`.)
      const out = fc.oneof(below, above, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), ...notInt).filter(invalid);
      const text = out.filter(Number.isFinite).map((x) => String(x)).filter((t) => DECIMAL.test(t) && invalid(Number(t)));
      return fc.oneof(out, text, garbage, fc.constantFrom(null, true, [1], {}));
    }
    case 'int-list':
    case 'number-list': {
      const outside = fc.oneof(fc.constant(spec.min - 1), fc.constant(spec.max + 1), fc.constant(Number.NaN));
      return fc.oneof(
        fc.constant([]),
        fc.tuple(fc.constant(spec.default[0]), outside).map(([ok, no]) => [ok, no]),
        fc.constantFrom('', ',', '1,,2', `${spec.max + 1}`, `${spec.min - 1},${spec.default[0]}`),
        garbage.map((g) => `${spec.default[0]},${g}`),
      );
    }
    case 'choice':
      return fc.oneof(fc.string({ maxLength: 12 }).filter((s) => !spec.choices.includes(s.trim())), fc.constantFrom(3, null));
    case 'dataset':
      throw new Error('datasets are fuzzed as files');
  }
}

describe('fuzzed option values, every preset', () => {
  it(`${FUZZ_COUNTS.invalidOptions} invalid values are refused, naming the option and its range`, () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: TYPED.length - 1 }).chain((i) => fc.tuple(fc.constant(i), invalidValue(TYPED[i].spec))),
        ([i, value]) => {
          const { preset, spec } = TYPED[i];
          seen.add(`${preset.name}.${spec.name}`);
          const err = refusal(() => validateOptions(preset, { [spec.name]: value }));
          expect(err.field).toBe(spec.name);
          const allowed = spec.kind === 'choice' ? /must be one of / : spec.kind === 'int' || spec.kind === 'number' ? /in [[(][^,\])]+, [^\])]+[\])]/ : /(list of numbers|list of integers|a number|an integer) in [[(]/;
          expect(err.message).toMatch(allowed);
          expect(err.message.startsWith(`${spec.name}: `)).toBe(true);
        },
      ),
      { numRuns: FUZZ_COUNTS.invalidOptions },
    );
    // The generator reached most options of most presets (not one easy corner).
    expect(seen.size).toBeGreaterThan(TYPED.length * 0.8);
  });

  it('an unknown option name is refused with the preset’s list of options', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRESETS), fc.string({ minLength: 1, maxLength: 12 }), (preset, name) => {
        fc.pre(!preset.options.specs.some((s) => s.name === name) && name !== '__proto__');
        const err = refusal(() => validateOptions(preset, { [name]: '1' }));
        expect(err.message).toMatch(/is not an option of .*\(its options: /);
      }),
      { numRuns: 200 },
    );
  });
});

describe('fuzzed experiments', () => {
  it(`${FUZZ_COUNTS.validExperiments} generated valid experiments pass validation`, () => {
    fc.assert(
      fc.property(validExperiment(), (exp) => {
        expect(validateExperiment(exp)).toBe(exp);
      }),
      { numRuns: FUZZ_COUNTS.validExperiments },
    );
  });

  it(`${FUZZ_COUNTS.brokenExperiments} experiments with one broken field are refused, naming that field`, () => {
    const fields = new Set<string>();
    fc.assert(
      fc.property(validExperiment(), breakage(), (exp, b) => {
        fields.add(b.field);
        const err = refusal(() => validateExperiment(b.apply(exp)));
        expect(err.field.startsWith(b.field), `${err.message} (expected the field ${b.field})`).toBe(true);
        expect(err.message).toMatch(/must|needs|filter size|is not|length/);
      }),
      { numRuns: FUZZ_COUNTS.brokenExperiments },
    );
    expect(fields.size).toBeGreaterThan(20);
  });
});
