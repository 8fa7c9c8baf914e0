/**
 * The options form of a preset, generated from its option specs (as the CLI's flags are): one
 * field per option, validated as you type by the presets' own parser, so the page shows the
 * same messages as the command line ("restarts: must be an integer in [1, 1000000] (got 0)"),
 * then checked across options by the same validation runExperiment runs. A dataset option is a
 * pair of file fields (inputs, optional labels) read with File.arrayBuffer() and parsed by the
 * CLI's loader (src/data/load.ts): the field shows the dataset's shape and digest, or the file's
 * error, and Run waits until it is valid. A link cannot carry a file; the field says so.
 */
import { type Dataset, describeDataset } from '../core/dataset.ts';
import { ExperimentError } from '../core/experiment.ts';
import { DATA_FORMATS, type DataFile, loadDataset } from '../data/load.ts';
import { type OptionSpec, checkOption, formatOption, parseOption, validateOptions } from '../presets/options.ts';
import type { Preset } from '../presets/types.ts';

export interface OptionsForm {
  /** The fields' texts (the options with a text form: what a link carries), or null while any field is invalid. */
  values(): Record<string, string> | null;
  /** The datasets the file fields hold (none: the option's default), or null while any field is invalid. */
  datasets(): Record<string, Dataset> | null;
}

/** A file field's file as the loader takes it (File.arrayBuffer: every browser, and the tests' stand-in). */
async function dataFile(input: HTMLInputElement): Promise<DataFile | undefined> {
  const file = input.files?.[0];
  return file ? { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) } : undefined;
}

/** What the dataset field shows of a dataset: its name, shape, where its labels come from and its digest. */
export function datasetSummary(ds: Dataset): string {
  const d = describeDataset(ds);
  return `${d.name}: n = ${d.n} inputs of length d = ${d.d}, labels ${d.labels === 'given' ? 'given' : 'by the teacher'}, SHA-256 ${d.sha256}`;
}

/**
 * The file fields of a dataset option: `onChange` receives the dataset they hold (undefined: none
 * chosen, the default), or the error of the files, or 'reading' while they are read.
 */
function datasetField(spec: OptionSpec, id: string, onChange: (state: Dataset | undefined | Error | 'reading') => void): { element: HTMLElement; field: HTMLInputElement; shown: HTMLElement } {
  const box = document.createElement('div');
  box.className = 'dataset-field';
  const fileInput = (name: string, inputId: string) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = DATA_FORMATS.join(',');
    input.name = name;
    input.id = inputId;
    return input;
  };
  const data = fileInput(spec.name, id);
  const labelsId = `${id}-labels`;
  const labels = fileInput(`${spec.name}-labels`, labelsId);
  const labelsLabel = document.createElement('label');
  labelsLabel.htmlFor = labelsId;
  labelsLabel.textContent = 'labels (optional)';
  const shown = document.createElement('output');
  shown.id = `${id}-dataset`;
  shown.setAttribute('for', `${id} ${labelsId}`);
  const note = document.createElement('small');
  note.textContent = `Files: ${DATA_FORMATS.join(', ')} (np.save's .npy loads as is). A link to this page cannot carry a file: after opening one, choose the file again.`;
  let reading = 0;
  const read = async () => {
    const mine = ++reading;
    onChange('reading');
    let state: Dataset | undefined | Error;
    try {
      const [d, l] = await Promise.all([dataFile(data), dataFile(labels)]);
      if (!d && l) throw new ExperimentError(spec.name, 'labels need their inputs: choose the data file too');
      state = d ? (checkOption(spec, loadDataset({ data: d, ...(l ? { labels: l } : {}) })) as Dataset) : undefined;
    } catch (e) {
      state = e instanceof Error ? e : new Error(String(e));
    }
    // A later choice supersedes this one.
    if (mine === reading) onChange(state);
  };
  data.addEventListener('change', () => void read());
  labels.addEventListener('change', () => void read());
  box.append(data, labelsLabel, labels, shown, note);
  return { element: box, field: data, shown };
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

/** A field's row, its label, its help line and its error slot (the error announced as it changes). */
function fieldParts(spec: { name: string; help: string }, id: string, className: string) {
  const row = document.createElement('div');
  row.className = className;
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = spec.name;
  const help = document.createElement('small');
  help.id = `${id}-help`;
  help.textContent = spec.help;
  const error = document.createElement('span');
  error.className = 'field-error';
  error.id = `${id}-error`;
  error.setAttribute('role', 'alert');
  return { row, label, help, error };
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
  const isDataset = (name: string) => preset.options.specs.some((s) => s.name === name && s.kind === 'dataset');
  const errors = new Map<string, string>();
  const shown = new Map<string, { field: HTMLInputElement | HTMLSelectElement; error: HTMLElement }>();
  const datasets = new Map<string, Dataset>();
  let across: { name: string; message: string } | null = null;
  for (const spec of preset.options.specs) {
    const id = `opt-${spec.name}`;
    if (spec.kind === 'dataset') {
      const { row, label, help, error } = fieldParts(spec, id, 'field field-dataset');
      const f = datasetField(spec, id, (state) => {
        datasets.delete(spec.name);
        errors.delete(spec.name);
        if (state === 'reading') errors.set(spec.name, `${spec.name}: reading the file…`);
        else if (state instanceof Error) errors.set(spec.name, state.message);
        else if (state) datasets.set(spec.name, state);
        f.shown.textContent =
          state === 'reading' ? 'reading…' : state instanceof Error ? '' : `${state ? 'chosen' : 'default (no file chosen)'}: ${datasetSummary(state ?? (spec.default as Dataset))}`;
        refresh();
      });
      f.field.setAttribute('aria-describedby', `${help.id} ${error.id} ${f.shown.id}`);
      f.shown.textContent = `default (no file chosen): ${datasetSummary(spec.default as Dataset)}`;
      row.append(label, f.element, help, error);
      container.append(row);
      shown.set(spec.name, { field: f.field, error });
      continue;
    }
    const { row, label, help, error } = fieldParts(spec, id, 'field');
    const field = fieldFor(spec, given[spec.name] ?? formatOption(spec.default));
    field.id = id;
    field.name = spec.name;
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

  const texts = () => Object.fromEntries([...shown].filter(([name]) => !isDataset(name)).map(([name, { field }]) => [name, field.value.trim()]));
  /**
   * Once every field parses, the checks across options (ratio ≤ k, …): the same validateOptions
   * runExperiment calls, so a run the form allows cannot fail its validation. Its message goes
   * under the field it names.
   */
  const refresh = () => {
    across = null;
    if (errors.size === 0) {
      try {
        validateOptions(preset, { ...texts(), ...Object.fromEntries(datasets) });
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
    datasets() {
      if (errors.size > 0 || across !== null) return null;
      return Object.fromEntries(datasets);
    },
  };
}
