/**
 * The engine's thread: owns the WebGPU device (WebGPU is available in workers), runs one
 * experiment at a time through runExperiment — the CLI's path — and streams its updates to the
 * page, which therefore never waits on the GPU or the CPU engine.
 */
import { getDevice, type DeviceHandle } from '../../host/device.ts';
import { GpuEngine } from '../../host/gpu-engine.ts';
import { describeFault } from '../../host/device-faults.ts';
import type { Engine } from '../engine/engine.ts';
import { runExperiment } from '../presets/index.ts';
import { cpuEngine } from '../engine/cpu.ts';
import type { FromWorker, ToWorker } from './protocol.ts';
import type { ExperimentResult } from '../results/types.ts';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

let gpu: GpuEngine | undefined;
/** The runs on the GPU engine now: told of each fault it recovers from (a lost device, say). */
const onGpu = new Set<number>();
const ready: Promise<void> = getDevice()
  .then((handle: DeviceHandle) => {
    gpu = new GpuEngine(handle, { onFault: (f) => onGpu.forEach((id) => post({ type: 'fault', id, message: describeFault(f) })) });
    const { label, vendor, architecture } = handle.info;
    post({ type: 'adapter', adapter: { label, vendor, architecture } });
  })
  .catch((e: unknown) => post({ type: 'no-gpu', message: e instanceof Error ? e.message : String(e) }));

const running = new Map<number, AbortController>();

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  await ready;
  const controller = new AbortController();
  running.set(m.id, controller);
  // The result as far as the run got, for the page to keep (and offer, marked partial) if it stops.
  let sofar: ExperimentResult | null = null;
  try {
    let engine: Engine;
    if (m.engine === 'cpu') engine = cpuEngine();
    else if (gpu) {
      engine = gpu;
      onGpu.add(m.id);
    }
    else throw new Error('No WebGPU adapter in this browser: run on the CPU engine instead.');
    const stream = runExperiment(m.experiment, m.options, { engine, signal: controller.signal });
    for (;;) {
      const next = await stream.next();
      if (next.done) {
        post({ type: 'done', id: m.id, result: next.value });
        break;
      }
      sofar = next.value.result;
      post({ type: 'update', id: m.id, update: next.value });
    }
  } catch (e) {
    const err = e as Error;
    if (controller.signal.aborted) post({ type: 'cancelled', id: m.id, result: sofar });
    else post({ type: 'error', id: m.id, name: err?.name ?? 'Error', message: err?.message ?? String(e), result: sofar });
  } finally {
    running.delete(m.id);
    onGpu.delete(m.id);
  }
}

/** TF.js's wasm binaries as URLs the bundler serves (Node finds them on disk instead). */
async function tfjsWasmPaths(): Promise<Record<string, string>> {
  const [plain, simd, threaded] = await Promise.all([
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
  ]);
  return { 'tfjs-backend-wasm.wasm': plain.default, 'tfjs-backend-wasm-simd.wasm': simd.default, 'tfjs-backend-wasm-threaded-simd.wasm': threaded.default };
}

async function bench(m: Extract<ToWorker, { type: 'bench' }>): Promise<void> {
  await ready;
  try {
    if (!gpu) throw new Error('No WebGPU adapter in this browser: the benchmarks measure WebGPU kernels.');
    // Loaded on demand: the suite brings TensorFlow.js, which runs otherwise never need.
    const { runSuite } = await import('../../bench/suite.ts');
    const entries = await runSuite(gpu.handle, {
      size: m.size,
      peers: m.peers,
      wasmPaths: m.peers ? await tfjsWasmPaths() : undefined,
      log: (line) => post({ type: 'bench-log', id: m.id, line }),
    });
    post({ type: 'bench-done', id: m.id, entries });
  } catch (e) {
    const err = e as Error;
    post({ type: 'error', id: m.id, name: err?.name ?? 'Error', message: err?.message ?? String(e) });
  }
}

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'run') void run(m);
  else if (m.type === 'bench') void bench(m);
  else running.get(m.id)?.abort(new DOMException('The run was cancelled', 'AbortError'));
});
