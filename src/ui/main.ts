/**
 * The page: pick an experiment preset, edit its options in a form that validates as you type,
 * run it in a Web Worker (src/ui/worker.ts) on WebGPU or on the CPU reference engine, and watch
 * the estimate, its interval, the Table-1 grid, curves, histograms and basin maps fill in; then
 * download the same JSON the CLI writes, or CSV (after Cancel, the finished cells, marked partial).
 * A run's phase (src/ui/run-state.ts) decides what every view shows. The URL holds the
 * configuration (?experiment=du-table1&k=25,36&ratio=1,4&restarts=500), so a link brings a run
 * back; its values are checked like typed ones (src/ui/link.ts).
 */
import { PRESETS, presetByName } from '../presets/index.ts';
import type { Preset } from '../presets/types.ts';
import type { ExperimentResult } from '../results/types.ts';
import { buildOptionsForm, type OptionsForm } from './form.ts';
import type { EngineChoice, FromWorker, ToWorker } from './protocol.ts';
import { adapterSlug } from '../../bench/report.ts';
import type { BenchEntry } from '../../bench/entries.ts';
import { renderBench, renderCells, renderFigures, renderTables } from './views.ts';
import { renderMap } from './map-view.ts';
import { renderLive } from './live-view.ts';
import { type PageFile, type PageRun, activeCell, applyUpdate, downloads, endRun, noteFault, startRun } from './run-state.ts';
import { holdLinkValues, linkEngine, linkOptions, linkProblems } from './link.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const presetSelect = $<HTMLSelectElement>('experiment');
const engineSelect = $<HTMLSelectElement>('engine');
const runButton = $<HTMLButtonElement>('run');
const cancelButton = $<HTMLButtonElement>('cancel');
const errorBox = $('error');

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

let preset: Preset = PRESETS[0];
let form: OptionsForm;
let formValid = true;
let gpuAvailable: boolean | undefined; // undefined until the worker has looked
/** The run on screen: running, or how it ended (src/ui/run-state.ts); undefined before the first. */
let run: PageRun | undefined;
const running = () => run?.phase === 'running';
let nextId = 1;
let benchId: number | undefined;
let benchEntries: BenchEntry[] | undefined;

for (const p of PRESETS) presetSelect.add(new Option(`${p.name} — ${p.title}`, p.name));

function updateButtons(): void {
  const canRun = formValid && !running() && (engineSelect.value === 'cpu' || gpuAvailable === true);
  runButton.disabled = !canRun;
  cancelButton.disabled = !running();
}

function selectPreset(name: string, given: Record<string, string>): void {
  preset = presetByName(name);
  presetSelect.value = preset.name;
  $('source').textContent = preset.source;
  form = buildOptionsForm(preset, given, $('options'), (valid) => {
    formValid = valid;
    updateButtons();
  });
}

/**
 * The configuration from the URL: ?experiment=…&engine=cpu&<option>=<text>…, every value checked
 * like typed input (src/ui/link.ts): the fields hold the link's values, bad ones marked by the
 * form's own check; what no field can show is reported above the form.
 */
function fromUrl(): void {
  const params = new URLSearchParams(location.search);
  const name = params.get('experiment') ?? PRESETS[0].name;
  const given = linkOptions(params);
  const engine = linkEngine(params);
  const problems = 'problem' in engine ? [engine.problem] : [];
  if ('engine' in engine) engineSelect.value = engine.engine;
  try {
    selectPreset(name, given);
    holdLinkValues($('options'), given);
    problems.push(...linkProblems(preset, given));
  } catch (e) {
    problems.push((e as Error).message);
    selectPreset(PRESETS[0].name, {});
  }
  if (problems.length > 0) showError(`This link's configuration is not valid:\n${problems.join('\n')}`);
}

function toUrl(options: Record<string, string>): void {
  const params = new URLSearchParams({ experiment: preset.name, ...(engineSelect.value === 'cpu' ? { engine: 'cpu' } : {}), ...options });
  history.replaceState(null, '', `${location.pathname}?${params}`);
}

function showError(message: string): void {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

const seconds = (s: number) => (s < 90 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** The list-valued options of the run (the heatmap's axes, so pending cells show). */
function axesOf(options: Record<string, string>): Record<string, number[]> {
  const axes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(options)) {
    const xs = v.split(',').map(Number);
    if (xs.length > 0 && xs.every(Number.isFinite)) axes[k] = xs;
  }
  return axes;
}

/** The status line: progress while running; how the run ended, and what was kept, after. */
function statusText(r: PageRun): string {
  const p = r.progress;
  const restarts = (r.result?.cells ?? []).reduce((n, c) => n + c.restarts, 0).toLocaleString('en');
  switch (r.phase) {
    case 'running': {
      if (!p) return 'Starting…';
      const s = r.cell?.snapshot;
      const eta = p.etaSeconds === null || p.done >= p.total ? '' : ` · about ${seconds(p.etaSeconds)} left`;
      const rate = s ? ` · ${Math.round(s.restartStepsPerSec).toLocaleString('en')} restart-steps/s` : '';
      return `${p.done.toLocaleString('en')} / ${p.total.toLocaleString('en')} restarts${eta}${rate}${p.label ? ` · ${p.label}` : ''}`;
    }
    case 'done':
      return `Done: ${restarts} restarts in ${r.result!.seconds.toFixed(1)} s on ${r.result!.adapter}.`;
    case 'cancelled':
    case 'failed': {
      const how = r.phase === 'cancelled' ? 'Cancelled' : 'Failed';
      const cells = r.result?.cells.length ?? 0;
      const kept = downloads(r) ? ` ${cells} finished cell${cells === 1 ? '' : 's'} (${restarts} restarts) kept: download them, marked partial.` : ' No cell had finished: nothing to download.';
      return `${how}.${kept}`;
    }
  }
}

/** Draws the run as its phase says: every view reads the same state. */
function show(r: PageRun): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.max = Math.max(1, r.progress?.total ?? 1);
  bar.value = r.phase === 'done' ? bar.max : (r.progress?.done ?? 0);
  $('status').textContent = statusText(r);
  // What the engine recovered from (a lost GPU device: the run went on, on a new one).
  $('fault').hidden = r.faults.length === 0;
  $('fault').textContent = r.faults.map((f) => `${f[0].toUpperCase()}${f.slice(1)}.`).join(' ');
  if (r.result) showResult(r.result, axesOf(r.options), activeCell(r));
  renderLive(r);
  const files = downloads(r);
  const partial = files && r.phase !== 'done' ? ' (partial)' : '';
  for (const [id, what] of [['download-json', 'JSON'], ['download-csv', 'CSV']]) {
    $<HTMLButtonElement>(id).disabled = !files;
    $(id).textContent = `Download ${what}${partial}`;
  }
  document.body.dataset.state = r.phase;
  updateButtons();
}

function showResult(result: ExperimentResult, axes: Record<string, number[]>, active: ReturnType<typeof activeCell>): void {
  renderCells($('cells'), result.cells, axes, active);
  for (const map of result.maps ?? []) renderMap($('maps'), map);
  if (result.figures.length > 0) renderFigures($('figures'), result.figures);
  // Choosing a critical point shows its restarts on the basin map (the map's cell is the run's one cell).
  renderTables($('tables'), result.tables, (_cell, id) => {
    for (const map of result.maps ?? []) renderMap($('maps'), map, id);
  });
  $('notes').replaceChildren(
    ...result.notes.map((n) => {
      const li = document.createElement('li');
      li.textContent = n;
      return li;
    }),
  );
}

function clearResults(): void {
  for (const id of ['cells', 'maps', 'figures', 'tables', 'notes', 'histograms', 'convergence']) $(id).replaceChildren();
  renderLive(undefined);
  for (const id of ['download-json', 'download-csv']) $<HTMLButtonElement>(id).disabled = true;
}

function startRunning(): void {
  const options = form.values();
  const datasets = form.datasets();
  if (!options || !datasets || running()) return;
  errorBox.hidden = true;
  clearResults();
  toUrl(options);
  run = startRun(nextId++, options);
  document.body.dataset.runs = String(run.id); // runs started so far (lets a test wait for this one)
  // The URL and the run's record hold the texts; the worker also gets the datasets (structured clone).
  send({ type: 'run', id: run.id, experiment: preset.name, options: { ...options, ...datasets }, engine: engineSelect.value as EngineChoice });
  show(run);
}

/** The run's next state, if the message is about the run on screen and it is still running. */
function advance(id: number, next: (r: PageRun) => PageRun): void {
  if (!run || id !== run.id || run.phase !== 'running') return;
  run = next(run);
  show(run);
}

function download({ name, type, text }: PageFile): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

worker.addEventListener('message', (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'adapter':
      gpuAvailable = true;
      $('adapter').textContent = `Adapter: ${m.adapter.label}`;
      $('adapter').title = `vendor ${m.adapter.vendor || '—'}, architecture ${m.adapter.architecture || '—'}`;
      break;
    case 'no-gpu':
      gpuAvailable = false;
      $('adapter').textContent = 'No WebGPU adapter: runs need the CPU reference engine.';
      $('no-gpu-text').textContent = m.message;
      $('no-gpu').hidden = false;
      break;
    case 'update':
      advance(m.id, (r) => applyUpdate(r, m.update));
      break;
    case 'fault':
      advance(m.id, (r) => noteFault(r, m.message));
      break;
    case 'done':
      advance(m.id, (r) => endRun(r, 'done', m.result));
      break;
    case 'cancelled':
      advance(m.id, (r) => endRun(r, 'cancelled', m.result));
      break;
    case 'bench-log':
      if (m.id === benchId) $('bench-log').textContent += `${m.line}\n`;
      break;
    case 'bench-done':
      if (m.id !== benchId) break;
      benchEntries = m.entries;
      renderBench($('bench-results'), m.entries);
      $('bench-log').textContent += 'Done.\n';
      benchId = undefined;
      $<HTMLButtonElement>('bench-run').disabled = false;
      $<HTMLButtonElement>('bench-download').disabled = false;
      document.body.dataset.bench = 'done';
      break;
    case 'error':
      if (m.id === benchId) {
        $('bench-log').textContent += `Failed: ${m.message}\n`;
        benchId = undefined;
        $<HTMLButtonElement>('bench-run').disabled = false;
        document.body.dataset.bench = 'failed';
        break;
      }
      if (m.id !== run?.id || !running()) break;
      showError(m.name === 'ExperimentError' ? `Invalid input — ${m.message}` : m.message);
      advance(m.id, (r) => endRun(r, 'failed', m.result));
      break;
  }
  updateButtons();
});
worker.addEventListener('error', (ev) => {
  showError(`The engine's worker failed: ${ev.message}`);
  if (run) advance(run.id, (r) => endRun(r, 'failed'));
});

$('form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  startRunning();
});
cancelButton.addEventListener('click', () => {
  if (run && running()) send({ type: 'cancel', id: run.id });
});
presetSelect.addEventListener('change', () => {
  selectPreset(presetSelect.value, {});
  clearResults();
});
engineSelect.addEventListener('change', updateButtons);
$('use-cpu').addEventListener('click', () => {
  engineSelect.value = 'cpu';
  $('no-gpu').hidden = true;
  updateButtons();
});
$('download-json').addEventListener('click', () => {
  const files = downloads(run);
  if (files) download(files.json);
});
$('download-csv').addEventListener('click', () => {
  // One file per basin map (the CLI's per-point matrix), else the one-row-per-cell table.
  for (const f of downloads(run)?.csv ?? []) download(f);
});

$('bench-run').addEventListener('click', () => {
  if (benchId !== undefined) return;
  benchId = nextId++;
  $('bench-log').textContent = '';
  $('bench-results').replaceChildren();
  $<HTMLButtonElement>('bench-run').disabled = true;
  document.body.dataset.bench = 'running';
  send({ type: 'bench', id: benchId, size: $<HTMLSelectElement>('bench-size').value as 'smoke' | 'quick', peers: $<HTMLInputElement>('bench-peers').checked });
});
$('bench-download').addEventListener('click', () => {
  if (benchEntries) download({ name: `${adapterSlug(benchEntries[0]?.adapter ?? 'results')}.json`, type: 'application/json', text: JSON.stringify(benchEntries, null, 2) + '\n' });
});

fromUrl();
updateButtons();
