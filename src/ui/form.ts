/**
 * The options form of a preset, generated from its option specs (as the CLI's flags are): one
 * field per option, validated as you type by the presets' own parser, so the page shows the
 * same messages as the command line ("restarts: must be an integer in [1, 1000000] (got 0)"),
 * then checked across options by the same validation runExperiment runs.
 */
import { ExperimentError } from '../core/experiment.ts';
import { type OptionSpec, formatOption, parseOption, validateOptions } from '../presets/options.ts';
import type { Preset } from '../presets/types.ts';

export interface OptionsForm {
  /** The fields' texts, or null while any is invalid. */
  values(): Record<string, string> | null;
}

function fieldFor(spec: OptionSpec, text: string): HTMLInputElement | HTMLSelectElement {
  if (spec.kind === 'choice') {
    const select = document.createElement('select');
    for (const c of spec.choices) {
      // createElement rather than new Option(…): the same element, and it exists in DOMs without the legacy constructor (the unit tests' linkedom).
      const option = document.createElement('option');
      option.value = option.textContent = c;
      option.selected = c === text;
      select.append(option);
    }
    return select;
  }
  const input = document.createElement('input');
  input.type = 'text';
  input.inputMode = spec.kind === 'int' ? 'numeric' : 'decimal';
  input.spellcheck = false;
  input.autocomplete = 'off';
  input.value = text;
  return input;
}

/**
 * Replaces `container`'s content with the preset's fields, starting from `given` texts (e.g.
 * from the URL) where present and the defaults elsewhere; calls `onValidity` whenever the
 * form's validity may have changed.
 */
export function buildOptionsForm(
  preset: Preset,
  given: Record<string, string>,
  container: HTMLElement,
  onValidity: (valid: boolean) => void,
): OptionsForm {
  container.replaceChildren();
  const errors = new Map<string, string>();
  const shown = new Map<string, { field: HTMLInputElement | HTMLSelectElement; error: HTMLElement }>();
  let across: { name: string; message: string } | null = null;
  for (const spec of preset.options.specs) {
    const id = `opt-${spec.name}`;
    const row = document.createElement('div');
    row.className = 'field';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = spec.name;
    const field = fieldFor(spec, given[spec.name] ?? formatOption(spec.default));
    field.id = id;
    field.name = spec.name;
    const help = document.createElement('small');
    help.id = `${id}-help`;
    help.textContent = spec.help;
    const error = document.createElement('span');
    error.className = 'field-error';
    error.id = `${id}-error`;
    error.setAttribute('role', 'alert');
    field.setAttribute('aria-describedby', `${help.id} ${error.id}`);
    const check = () => {
      try {
        parseOption(spec, field.value);
        errors.delete(spec.name);
      } catch (e) {
        errors.set(spec.name, (e as Error).message);
      }
    };
    field.addEventListener('input', () => {
      check();
      refresh();
    });
    row.append(label, field, help, error);
    container.append(row);
    shown.set(spec.name, { field, error });
    check();
  }

  const texts = () => Object.fromEntries([...shown].map(([name, { field }]) => [name, field.value.trim()]));
  /**
   * Once every field parses, the checks across options (ratio ≤ k, …): the same validateOptions
   * runExperiment calls, so a run the form allows cannot fail its validation. Its message goes
   * under the field it names.
   */
  const refresh = () => {
    across = null;
    if (errors.size === 0) {
      try {
        validateOptions(preset, texts());
      } catch (e) {
        if (!(e instanceof ExperimentError)) throw e;
        across = { name: e.field, message: e.message };
      }
    }
    for (const [name, { field, error }] of shown) {
      const message = errors.get(name) ?? (across?.name === name ? across.message : '');
      error.textContent = message;
      if (message) field.setAttribute('aria-invalid', 'true');
      else field.removeAttribute('aria-invalid');
    }
    onValidity(errors.size === 0 && across === null);
  };
  refresh();
  return {
    values() {
      if (errors.size > 0 || across !== null) return null;
      return texts();
    },
  };
}
