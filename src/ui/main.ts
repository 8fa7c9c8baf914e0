/**
 * The page: pick an experiment preset, edit its options in a form that validates as you type,
 * run it in a Web Worker (src/ui/worker.ts) on WebGPU or on the CPU reference engine, and watch
 * the estimate, its interval, the Table-1 grid, curves, histograms and basin maps fill in; then
 * download the same JSON the CLI writes, or CSV. The URL holds the configuration
 * (?experiment=du-table1&k=25,36&ratio=1,4&restarts=500), so a link brings a run back.
 */
import { PRESETS, presetByName } from '../presets/index.ts';
import type { ExperimentUpdate, Preset } from '../presets/types.ts';
import type { CellResult, ExperimentResult } from '../results/types.ts';
import { estimate, resultCsv, resultJsonText } from '../results/report.ts';
import { buildOptionsForm, type OptionsForm } from './form.ts';
import type { EngineChoice, FromWorker, ToWorker } from './protocol.ts';
import { adapterSlug } from '../../bench/report.ts';
import type { BenchEntry } from '../../bench/entries.ts';
import { type EstimatePoint, renderBench, renderCells, renderConvergence, renderFigures, renderHistograms, renderMap, renderTables } from './views.ts';

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
let current: { id: number; options: Record<string, string>; startedAt: number } | undefined;
let nextId = 1;
let benchId: number | undefined;
let benchEntries: BenchEntry[] | undefined;
let lastResult: ExperimentResult | undefined;
/** The live estimate of the cell in progress, one point per update (reset when a cell starts). */
let trail: { label: string; points: EstimatePoint[] } = { label: '', points: [] };

for (const p of PRESETS) presetSelect.add(new Option(`${p.name} — ${p.title}`, p.name));

function updateButtons(): void {
  const canRun = formValid && !current && (engineSelect.value === 'cpu' || gpuAvailable === true);
  runButton.disabled = !canRun;
  cancelButton.disabled = !current;
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

/** The configuration from the URL: ?experiment=…&engine=cpu&<option>=<text>… */
function fromUrl(): void {
  const params = new URLSearchParams(location.search);
  const name = params.get('experiment') ?? PRESETS[0].name;
  const given: Record<string, string> = {};
  for (const [k, v] of params) if (k !== 'experiment' && k !== 'engine') given[k] = v;
  if (params.get('engine') === 'cpu') engineSelect.value = 'cpu';
  try {
    selectPreset(name, given);
  } catch (e) {
    showError((e as Error).message);
    selectPreset(PRESETS[0].name, {});
  }
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

function showUpdate(u: ExperimentUpdate): void {
  const { progress, snapshot, result } = u;
  const bar = $<HTMLProgressElement>('progress');
  bar.max = Math.max(1, progress.total);
  bar.value = progress.done;
  const eta = progress.etaSeconds === null || progress.done >= progress.total ? '' : ` · about ${seconds(progress.etaSeconds)} left`;
  const rate = snapshot ? ` · ${Math.round(snapshot.restartStepsPerSec).toLocaleString('en')} restart-steps/s` : '';
  $('status').textContent = `${progress.done.toLocaleString('en')} / ${progress.total.toLocaleString('en')} restarts${eta}${rate}${progress.label ? ` · ${progress.label}` : ''}`;
  if (snapshot) {
    $('live').hidden = false;
    $('estimate').textContent = estimate(snapshot);
    const c = snapshot.counts;
    // Runs that reach the global minimum tend to finish first, so mid-cell the estimate over the
    // finished restarts leans high; whatever the unfinished ones do, P lies between these bounds.
    const pending = snapshot.total - snapshot.done;
    const bounds = pending > 0 ? ` · ${pending} still running, so P(global) of the cell lies in [${(c.global / snapshot.total).toFixed(3)}, ${((c.global + pending) / snapshot.total).toFixed(3)}]` : '';
    $('counts').textContent = `${c.global} global · ${c.spurious} spurious · ${c.diverged} diverged · ${c.undecided} undecided (of ${snapshot.done} finished)${bounds}`;
    renderHistograms($('histograms'), snapshot);
    if (trail.label !== progress.label || (trail.points.at(-1)?.done ?? 0) > snapshot.done) trail = { label: progress.label, points: [] };
    trail.points.push({ done: snapshot.done, p: snapshot.pGlobal, lo: snapshot.ci95[0], hi: snapshot.ci95[1] });
    renderConvergence($('convergence'), trail.points, snapshot.total);
  }
  showResult(result, current ? axesOf(current.options) : {}, progress.cell ?? undefined);
}

function showResult(result: ExperimentResult, axes: Record<string, number[]>, running?: CellResult['key']): void {
  renderCells($('cells'), result.cells, axes, running);
  for (const map of result.maps ?? []) renderMap($('maps'), map);
  if (result.figures.length > 0) renderFigures($('figures'), result.figures);
  renderTables($('tables'), result.tables);
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
  trail = { label: '', points: [] };
  $('live').hidden = true;
  $<HTMLButtonElement>('download-json').disabled = true;
  $<HTMLButtonElement>('download-csv').disabled = true;
}

function finish(status: string): void {
  current = undefined;
  $('status').textContent = status;
  document.body.dataset.state = 'idle';
  updateButtons();
}

function run(): void {
  const options = form.values();
  if (!options || current) return;
  errorBox.hidden = true;
  clearResults();
  lastResult = undefined;
  toUrl(options);
  current = { id: nextId++, options, startedAt: performance.now() };
  document.body.dataset.state = 'running';
  document.body.dataset.runs = String(current.id); // runs started so far (lets a test wait for this one)
  $('status').textContent = 'Starting…';
  send({ type: 'run', id: current.id, experiment: preset.name, options, engine: engineSelect.value as EngineChoice });
  updateButtons();
}

function download(name: string, type: string, text: string): void {
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
      if (m.id === current?.id) showUpdate(m.update);
      break;
    case 'done':
      if (m.id !== current?.id) break;
      lastResult = m.result;
      showResult(m.result, axesOf(current.options));
      $<HTMLProgressElement>('progress').value = $<HTMLProgressElement>('progress').max;
      $<HTMLButtonElement>('download-json').disabled = false;
      $<HTMLButtonElement>('download-csv').disabled = false;
      finish(`Done: ${m.result.cells.reduce((n, c) => n + c.restarts, 0).toLocaleString('en')} restarts in ${m.result.seconds.toFixed(1)} s on ${m.result.adapter}.`);
      document.body.dataset.state = 'done';
      break;
    case 'cancelled':
      if (m.id === current?.id) finish('Cancelled.');
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
      if (m.id !== current?.id) break;
      showError(m.name === 'ExperimentError' ? `Invalid input — ${m.message}` : m.message);
      finish('Failed.');
      break;
  }
  updateButtons();
});
worker.addEventListener('error', (ev) => {
  showError(`The engine's worker failed: ${ev.message}`);
  if (current) finish('Failed.');
});

$('form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  run();
});
cancelButton.addEventListener('click', () => {
  if (current) send({ type: 'cancel', id: current.id });
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
  if (lastResult) download(`${lastResult.experiment}.json`, 'application/json', resultJsonText(lastResult));
});
$('download-csv').addEventListener('click', () => {
  if (lastResult) download(`${lastResult.experiment}.csv`, 'text/csv', resultCsv(lastResult));
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
  if (benchEntries) download(`${adapterSlug(benchEntries[0]?.adapter ?? 'results')}.json`, 'application/json', JSON.stringify(benchEntries, null, 2) + '\n');
});

fromUrl();
updateButtons();
