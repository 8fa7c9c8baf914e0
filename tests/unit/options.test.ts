/**
 * Typed preset options: a declaration's kind gives its value's type; one validator (runExperiment's)
 * whose messages the CLI's flags and the page's form share; presets receive only validated values;
 * checks across options run in the same validation.
 */
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentError } from '../../src/core/experiment.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { buildOptionsForm } from '../../src/ui/form.ts';
import { presetByName, runExperiment } from '../../src/presets/index.ts';
import { defineOptions, validateOptions } from '../../src/presets/options.ts';
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
  let restore: () => void;
  beforeAll(() => {
    const { document, Event } = parseHTML('<!doctype html><html><body></body></html>');
    const g = globalThis as Record<string, unknown>;
    const saved = { document: g.document, Event: g.Event };
    Object.assign(g, { document, Event });
    restore = () => Object.assign(g, saved);
  });
  afterAll(() => restore());

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
