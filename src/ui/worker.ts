/**
 * The engine's thread: owns the WebGPU device (WebGPU is available in workers), runs one
 * experiment at a time through runExperiment — the CLI's path — and streams its updates to the
 * page, which therefore never waits on the GPU or the CPU engine.
 */
import { getDevice, type DeviceHandle } from '../../host/device.ts';
import { GpuEngine } from '../../host/run.ts';
import type { Engine } from '../engine.ts';
import { runExperiment } from '../experiments/index.ts';
import { cpuEngine } from '../reference.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

let gpu: GpuEngine | undefined;
const ready: Promise<void> = getDevice()
  .then((handle: DeviceHandle) => {
    gpu = new GpuEngine(handle);
    const { label, vendor, architecture } = handle.info;
    post({ type: 'adapter', adapter: { label, vendor, architecture } });
  })
  .catch((e: unknown) => post({ type: 'no-gpu', message: e instanceof Error ? e.message : String(e) }));

const running = new Map<number, AbortController>();

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  await ready;
  const controller = new AbortController();
  running.set(m.id, controller);
  try {
    let engine: Engine;
    if (m.engine === 'cpu') engine = cpuEngine();
    else if (gpu) engine = gpu;
    else throw new Error('No WebGPU adapter in this browser: run on the CPU engine instead.');
    const stream = runExperiment(m.experiment, m.options, { engine, signal: controller.signal });
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        post({ type: 'done', id: m.id, result: next.value });
        break;
      }
      post({ type: 'update', id: m.id, update: next.value });
    }
  } catch (e) {
    const err = e as Error;
    if (controller.signal.aborted) post({ type: 'cancelled', id: m.id });
    else post({ type: 'error', id: m.id, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
  } finally {
    running.delete(m.id);
  }
}

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'run') void run(m);
  else running.get(m.id)?.abort(new DOMException('The run was cancelled', 'AbortError'));
});
