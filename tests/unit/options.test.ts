/**
 * Typed preset options: a declaration's kind gives its value's type; one validator (runExperiment's)
 * whose messages the CLI's flags and the page's form share; presets receive only validated values;
 * checks across options run in the same validation.
 */
import { describe, expect, it } from 'vitest';
import { withDocument } from './dom.ts';
import { ExperimentError } from '../../src/core/experiment.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { buildOptionsForm } from '../../src/ui/form.ts';
import { presetByName, runExperiment } from '../../src/presets/index.ts';
import { defineOptions, parseOption, validateOptions } from '../../src/presets/options.ts';
import { duTable1, duTable1Sgd } from '../../src/presets/du-table1.ts';
import { duTwoPhase } from '../../src/presets/du-two-phase.ts';

const ctx = { engine: cpuEngine() };

describe('a declaration’s kind gives its value’s type', () => {
  const options = defineOptions({
    n: { kind: 'int', default: 3, min: 1, max: 10, help: 'n' },
    xs: { kind: 'number-list', default: [0.5], min: 0, max: 1, help: 'xs' },
    how: { kind: 'choice', default: 'fast', choices: ['fast', 'exact'], help: 'how' },
  });
  const toy = { name: 'toy', options };

  it('validated values have the declared types (checked by tsc) and the defaults in declaration order', () => {
    const v = validateOptions(toy, { n: '7' });
    const typed: { n: number; xs: readonly number[]; how: 'fast' | 'exact' } = v;
    // @ts-expect-error — a choice is one of its choices, not any string
    const loose: { how: 'fast' } = v;
    void loose;
    expect(typed).toEqual({ n: 7, xs: [0.5], how: 'fast' });
    expect(Object.keys(v)).toEqual(['n', 'xs', 'how']);
    expect(options.specs.map((s) => s.name)).toEqual(['n', 'xs', 'how']);
  });

  it('validated values are frozen: what was checked is what the preset sees', () => {
    const v = validateOptions(toy, {});
    // @ts-expect-error — validated values are read-only
    expect(() => (v.n = 0)).toThrow(TypeError);
    expect(() => (v.xs as number[]).push(2)).toThrow(TypeError);
  });
});

describe('one message for a bad value: the CLI’s parser, the page’s form and runExperiment', () => {
  withDocument();

  async function cliMessage(args: string[]): Promise<string> {
    const program = buildProgram(async () => {
      throw new Error('a bad value must fail before the run');
    });
    for (const c of [program, ...program.commands]) c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    const err = await program.parseAsync(args, { from: 'user' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ExperimentError);
    return (err as Error).message;
  }

  function formMessage(presetName: string, option: string, text: string): string {
    const container = document.createElement('div');
    const validity: boolean[] = [];
    buildOptionsForm(presetByName(presetName), {}, container, (valid) => validity.push(valid));
    const field = container.querySelector(`#opt-${option}`) as HTMLInputElement;
    field.value = text;
    field.dispatchEvent(new Event('input'));
    expect(validity.at(-1)).toBe(false);
    return container.querySelector(`#opt-${option}-error`)!.textContent!;
  }

  function runMessage(presetName: string, option: string, text: string): string {
    try {
      runExperiment(presetName, { [option]: text }, ctx);
    } catch (e) {
      expect(e).toBeInstanceOf(ExperimentError);
      return (e as Error).message;
    }
    throw new Error('runExperiment accepted a bad value');
  }

  const cases: [preset: string, option: string, flag: string, text: string, message: string][] = [
    ['bg-overlap-map', 'lr', '--lr', '0.34', 'lr: must be a number in (0, 1/3) (got 0.34)'],
    ['bg-overlap-map', 'resolution', '--resolution', 'fine', "resolution: must be a number in [2, 1001] (got 'fine')"],
    ['du-two-phase', 'restarts', '--restarts', '0', 'restarts: must be an integer in [1, 65536] (got 0)'],
    ['du-two-phase', 'maxSteps', '--max-steps', '2.5', 'maxSteps: must be an integer in [1, 100000] (got 2.5)'],
    ['du-spurious', 'k', '--k', '25,x', "k: must be a comma-separated list of numbers in [1, 4096] (got '25,x')"],
  ];
  for (const [preset, option, flag, text, message] of cases) {
    it(`${preset} ${flag} ${text}`, async () => {
      expect(await cliMessage([preset, flag, text])).toBe(message);
      expect(formMessage(preset, option, text)).toBe(message);
      expect(runMessage(preset, option, text)).toBe(message);
    });
  }
});

describe('a preset receives only values validateOptions made for its options', () => {
  it('runs on validated values', async () => {
    const gen = duTwoPhase.run(validateOptions(duTwoPhase, { restarts: 4, maxSteps: 20, every: 10 }), ctx);
    const first = await gen.next();
    expect(first.done).toBe(false);
    await gen.return(undefined as never);
  });
  it('refuses plain values (at compile time and at run time)', () => {
    const plain = { k: 20, p: 25, ratio: 4, restarts: 4, seed: 1, lr: 0.1, maxSteps: 20, every: 10 };
    // @ts-expect-error — plain values are not Validated
    expect(() => duTwoPhase.run(plain, ctx)).toThrow(/du-two-phase: its options must come from validateOptions/);
  });
  it('refuses a copy of validated values, or another preset’s', () => {
    const v = validateOptions(duTwoPhase, {});
    expect(() => duTwoPhase.run({ ...v }, ctx)).toThrow(TypeError);
    // Table 1's values have the SGD variant's type, but were checked against other specs (defaults).
    expect(() => duTable1Sgd.run(validateOptions(duTable1, {}), ctx)).toThrow(TypeError);
  });
});

describe('checks across options run in the same validation, after each option’s own', () => {
  const options = defineOptions(
    {
      samples: { kind: 'int', default: 100, min: 1, max: 1000, help: 'n' },
      batch: { kind: 'int', default: 10, min: 1, max: 1000, help: 'b' },
    },
    [{ option: 'batch', holds: (v) => v.batch <= v.samples, message: (v) => `must be ≤ samples = ${v.samples} (got ${v.batch})` }],
  );
  const toy = { name: 'toy', options };
  it('a value that breaks one is an error naming its option', () => {
    expect(validateOptions(toy, { batch: '100' })).toEqual({ samples: 100, batch: 100 });
    expect(() => validateOptions(toy, { batch: '101' })).toThrow(new ExperimentError('batch', 'must be ≤ samples = 100 (got 101)'));
  });
  it('sees only values that passed their own checks', () => {
    expect(() => validateOptions(toy, { samples: 0, batch: 5 })).toThrow(/^samples: must be an integer in \[1, 1000\] \(got 0\)$/);
  });
});

describe('checks across options: before any work, in the CLI, the page’s form and runExperiment alike', () => {
  withDocument();

  const toFlag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

  async function cliError(preset: string, given: Record<string, string>): Promise<unknown> {
    let ran = false;
    const program = buildProgram(async () => {
      ran = true;
    });
    for (const c of [program, ...program.commands]) c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    const args = [preset, ...Object.entries(given).flatMap(([k, v]) => [toFlag(k), v])];
    const err = await program.parseAsync(args, { from: 'user' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ran).toBe(false);
    return err;
  }

  /** Types the texts into the form; returns the error under each field and whether Run is allowed. */
  function formState(preset: string, given: Record<string, string>): { errors: Record<string, string>; valid: boolean } {
    const container = document.createElement('div');
    let valid = true;
    buildOptionsForm(presetByName(preset), {}, container, (v) => (valid = v));
    for (const [name, text] of Object.entries(given)) {
      const field = container.querySelector(`#opt-${name}`) as HTMLInputElement | HTMLSelectElement;
      // A <select> is set by choosing its option (linkedom has no select.value setter).
      if (field.tagName === 'SELECT') for (const o of field.querySelectorAll('option')) o.toggleAttribute('selected', o.value === text);
      else field.value = text;
      field.dispatchEvent(new Event('input'));
    }
    const errors: Record<string, string> = {};
    for (const e of container.querySelectorAll('.field-error')) if (e.textContent) errors[e.id.replace(/^opt-|-error$/g, '')] = e.textContent;
    return { errors, valid };
  }

  const cases: [preset: string, given: Record<string, string>, option: string, message: RegExp][] = [
    ['du-table1', { k: '25', ratio: '30' }, 'ratio', /^ratio: every ratio must be ≤ every k, .*\(got ratio 30 with k = 25\)$/],
    ['du-table1', { k: '4,36', ratio: '0,9' }, 'ratio', /^ratio: every ratio must be ≤ every k, .*\(got ratio 9 with k = 4\)$/],
    ['du-table1-empirical', { k: '4096', samples: '1048576' }, 'samples', /^samples: samples × d \(d = 6·k\) must be ≤ 2\^28 values/],
    ['du-spurious', { k: '4', ratio: '9' }, 'ratio', /^ratio: every ratio must be ≤ every k/],
    ['du-table1-sensitivity', { k: '4', ratio: '9,16' }, 'ratio', /^ratio: at least one ratio must be ≤ some k/],
    ['du-two-phase', { k: '4', ratio: '9' }, 'ratio', /^ratio: must be ≤ k = 4, /],
    ['du-two-phase', { restarts: '65536', maxSteps: '100000', every: '1' }, 'restarts', /^restarts: the trace .* must fit in 256 MiB/],
  ];
  for (const [preset, given, option, message] of cases) {
    it(`${preset} ${JSON.stringify(given)}`, async () => {
      const err = await cliError(preset, given);
      expect(err).toBeInstanceOf(ExperimentError);
      expect((err as ExperimentError).field).toBe(option);
      expect((err as Error).message).toMatch(message);
      const form = formState(preset, given);
      expect(form.valid).toBe(false);
      expect(form.errors).toEqual({ [option]: (err as Error).message });
      expect(() => runExperiment(preset, given, ctx)).toThrow((err as Error).message);
    });
  }

  it('the form allows Run again once the values agree', () => {
    expect(formState('du-table1', { k: '25', ratio: '30' }).valid).toBe(false);
    expect(formState('du-table1', { k: '25', ratio: '25' })).toEqual({ errors: {}, valid: true });
    // The sample-size check applies to the empirical mode only.
    expect(formState('du-table1', { k: '4096', samples: '1048576', mode: 'population' })).toEqual({ errors: {}, valid: true });
    expect(formState('du-table1', { k: '4096', samples: '1048576', mode: 'empirical' }).errors).toEqual({ samples: expect.stringMatching(/^samples: samples × d/) });
  });
});

describe('numbers are plain decimals, in the CLI, the form and the URL (one parser)', () => {
  const restarts = duTable1.options.specs.find((s) => s.name === 'restarts')!;
  const lr = duTable1.options.specs.find((s) => s.name === 'lr')!;
  const k = duTable1.options.specs.find((s) => s.name === 'k')!;
  it('refuses hexadecimal, binary, octal, Infinity and blanks', () => {
    for (const text of ['0x10', '0b11', '0o7', 'Infinity', '1_000', ' ', '1e', '.']) {
      expect(() => parseOption(restarts, text), text).toThrow(/^restarts: must be a number in \[1, 10000000\]/);
    }
    expect(() => parseOption(k, '25,0x24')).toThrow(/^k: must be a comma-separated list/);
  });
  it('accepts decimal forms', () => {
    expect(parseOption(restarts, '16')).toBe(16);
    expect(parseOption(restarts, ' 1e3 ')).toBe(1000);
    expect(parseOption(restarts, '+20')).toBe(20);
    expect(parseOption(lr, '.5')).toBe(0.5);
    expect(parseOption(lr, '5e-2')).toBe(0.05);
    expect(parseOption(k, '25, 36')).toEqual([25, 36]);
  });
});
