/**
 * The configuration a link carries (?experiment=…&engine=cpu&<option>=<text>…), checked like
 * typed input. A text field holds whatever the link says and the form's validator judges it; a
 * choice's <select> cannot hold a value it does not offer — the browser selects its first option
 * instead, so `?mode=quantum` became `population` with no word, the validator only ever seeing
 * the select's value. holdLinkValues gives such a field the link's value to hold (as a marked
 * extra option), so the form's own check rejects it with the message every other bad value gets;
 * the link's names that are no option, and a bad engine, are reported by linkProblems; so is a
 * dataset option, whose file no link can carry.
 */
import { validateOptions } from '../presets/options.ts';
import type { Preset } from '../presets/types.ts';
import { ENGINE_CHOICES, type EngineChoice } from './protocol.ts';

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The link's option texts: every parameter but experiment and engine. */
export function linkOptions(params: URLSearchParams): Record<string, string> {
  const given: Record<string, string> = {};
  for (const [k, v] of params) if (k !== 'experiment' && k !== 'engine') given[k] = v;
  return given;
}

/** The link's engine (WebGPU when it names none), or the message for one that is not an engine. */
export function linkEngine(params: URLSearchParams): { engine: EngineChoice } | { problem: string } {
  const text = params.get('engine') ?? 'gpu';
  return (ENGINE_CHOICES as readonly string[]).includes(text) ? { engine: text as EngineChoice } : { problem: `engine: must be one of ${ENGINE_CHOICES.join(', ')} (got ${text})` };
}

/** What no field can show: the link's names that are not options of the preset, in the validator's words. */
export function linkProblems(preset: Preset, given: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, text] of Object.entries(given)) {
    const spec = preset.options.specs.find((s) => s.name === name);
    if (spec?.kind === 'dataset') problems.push(`${name}: a link cannot carry a file ('${text}'): choose it in the form`);
    if (spec) continue;
    try {
      validateOptions(preset, { [name]: text });
    } catch (e) {
      problems.push(messageOf(e));
    }
  }
  return problems;
}

/**
 * Makes every field of the form hold the link's text where it did not take it (a select without
 * that option), and has the form check it again; returns the names so held.
 */
export function holdLinkValues(form: HTMLElement, given: Record<string, string>): string[] {
  const held: string[] = [];
  for (const [name, text] of Object.entries(given)) {
    const field = form.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${CSS.escape(name)}"]`);
    // A file field cannot be given a value (linkProblems names the link's text instead).
    if (!field || field.value === text || (field as HTMLInputElement).type === 'file') continue;
    if (field instanceof HTMLSelectElement) {
      const option = new Option(`${text} (from the link: not an option)`, text, false, true);
      option.dataset.fromLink = '';
      field.add(option);
      field.value = text;
      // Once a real choice is made, the link's value is no longer offered.
      field.addEventListener('change', () => field.value !== text && option.remove());
    } else {
      field.value = text;
    }
    field.dispatchEvent(new Event('input', { bubbles: true }));
    held.push(name);
  }
  return held;
}
