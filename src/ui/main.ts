/**
 * A minimal page over the engine: pick a Du et al. Table 1 cell, run it on WebGPU (or, without
 * WebGPU, on the CPU engine when asked), and watch the estimate and its 95% interval converge.
 */
import { getDevice, NoWebGPUError } from '../../host/device.ts';
import { GpuEngine } from '../../host/run.ts';
import { DU_KS, DU_RATIOS, duCell, duPaperValue } from '../experiments/du-table1.ts';
import { ExperimentError } from '../experiment.ts';
import { runCpu } from '../reference.ts';
import type { Snapshot } from '../stats.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('form');
const runButton = $<HTMLButtonElement>('run');
const cancelButton = $<HTMLButtonElement>('cancel');

for (const [name, values, chosen] of [
  ['k', DU_KS, 25],
  ['ratio', DU_RATIOS, 4],
] as const) {
  const select = form.elements.namedItem(name) as HTMLSelectElement;
  for (const v of values) select.add(new Option(String(v), String(v), v === chosen, v === chosen));
}

let engine: GpuEngine | undefined;
let useCpu = false;
let controller: AbortController | undefined;

async function connect(): Promise<void> {
  try {
    const handle = await getDevice();
    engine = new GpuEngine(handle);
    $('adapter').textContent = `Adapter: ${handle.info.label}`;
  } catch (e) {
    $('adapter').textContent = 'No WebGPU adapter.';
    $('no-gpu-text').textContent = e instanceof NoWebGPUError ? e.message : String(e);
    $('no-gpu').hidden = false;
  }
}

function show(s: Snapshot, k: number, ratio: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.value = s.done / s.total;
  const eta = s.restartsPerSec > 0 ? (s.total - s.done) / s.restartsPerSec : Infinity;
  $('status').textContent = `${s.done} / ${s.total} restarts${s.done < s.total && Number.isFinite(eta) ? `, about ${eta.toFixed(0)} s left` : ''}`;
  $('result').hidden = false;
  $('p').textContent = s.pGlobal.toFixed(3);
  $('ci').textContent = `[${s.ci95[0].toFixed(3)}, ${s.ci95[1].toFixed(3)}]`;
  const paper = duPaperValue(k, ratio);
  $('paper').textContent = paper === undefined ? '—' : `${paper.toFixed(2)}${paper >= s.ci95[0] && paper <= s.ci95[1] ? '' : ' (outside our interval)'}`;
  $('counts').textContent = `${s.counts.global} / ${s.counts.spurious} / ${s.counts.diverged} / ${s.counts.undecided}`;
  $('throughput').textContent = `${Math.round(s.restartStepsPerSec).toLocaleString()} restart-steps/s on ${s.adapter}`;
}

async function run(): Promise<void> {
  const data = new FormData(form);
  const k = Number(data.get('k'));
  const ratio = Number(data.get('ratio'));
  $('error').hidden = true;
  let exp;
  try {
    exp = duCell({ k, ratio, restarts: Number(data.get('restarts')), seed: Number(data.get('seed')) });
    if (!engine && !useCpu) throw new Error('No WebGPU adapter: choose "Run on the CPU engine instead".');
  } catch (e) {
    $('error').textContent = e instanceof ExperimentError ? `Invalid input — ${e.message}` : String((e as Error).message ?? e);
    $('error').hidden = false;
    return;
  }
  controller = new AbortController();
  runButton.disabled = true;
  cancelButton.disabled = false;
  try {
    const stream = engine && !useCpu ? engine.run(exp, { signal: controller.signal }) : runCpu(exp, { signal: controller.signal });
    for await (const s of stream) show(s, k, ratio);
  } catch (e) {
    if ((e as Error).name === 'AbortError' || (e as Error).name === 'ExperimentError' || e instanceof ExperimentError) {
      $('status').textContent = (e as Error).name === 'AbortError' ? 'Cancelled.' : String((e as Error).message);
    } else {
      $('error').textContent = String((e as Error).message ?? e);
      $('error').hidden = false;
    }
  } finally {
    runButton.disabled = false;
    cancelButton.disabled = true;
  }
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void run();
});
cancelButton.addEventListener('click', () => controller?.abort());
$('use-cpu').addEventListener('click', () => {
  useCpu = true;
  $('no-gpu').hidden = true;
  $('adapter').textContent = 'Running on the CPU reference engine (Float64).';
});
void connect();
