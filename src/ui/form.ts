/**
 * The options form of a preset, generated from its option specs (as the CLI's flags are): one
 * field per option, validated as you type by the presets' own parser, so the page shows the
 * same messages as the command line ("restarts: must be an integer in [1, 1000000] (got 0)").
 */
import { type OptionSpec, formatOption, parseOption } from '../presets/options.ts';
import type { Preset } from '../presets/types.ts';

export interface OptionsForm {
  /** The fields' texts, or null while any is invalid. */
  values(): Record<string, string> | null;
}

function fieldFor(spec: OptionSpec, text: string): HTMLInputElement | HTMLSelectElement {
  if (spec.kind === 'choice') {
    const select = document.createElement('select');
    for (const c of spec.choices) select.add(new Option(c, c, false, c === text));
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
  const fields = new Map<string, HTMLInputElement | HTMLSelectElement>();
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
        error.textContent = '';
        field.removeAttribute('aria-invalid');
      } catch (e) {
        errors.set(spec.name, (e as Error).message);
        error.textContent = (e as Error).message;
        field.setAttribute('aria-invalid', 'true');
      }
      onValidity(errors.size === 0);
    };
    field.addEventListener('input', check);
    row.append(label, field, help, error);
    container.append(row);
    fields.set(spec.name, field);
    check();
  }
  return {
    values() {
      if (errors.size > 0) return null;
      return Object.fromEntries([...fields].map(([name, f]) => [name, f.value.trim()]));
    },
  };
}
