/**
 * One way to get a GPUDevice, in a browser (navigator.gpu) and headless in Node (dawn.node, the
 * npm package 'webgpu'). Reads top to bottom: GPU entry point → adapter → device (with the
 * adapter's real limits and the optional features we use) → error handlers.
 */
import {
  CHROMIUM_DIR_VARIABLE,
  DEFAULT_CHROMIUM_DIR,
  ENV_VARIABLES,
  chromiumDir,
  swiftshaderIcdIn,
  vulkanLoaderReachable,
  webgpuEnv,
} from './webgpu-env.mjs';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  backend: 'browser' | 'dawn.node';
  /** A CPU emulation of a GPU (SwiftShader, or an adapter that says it is a fallback). */
  emulated: boolean;
  /** The smallest subgroup size the adapter may use, where it says (GPUAdapterInfo.subgroupMinSize). */
  subgroupMinSize?: number;
  /** Human-readable one-liner, e.g. "SwiftShader (google, swiftshader) via dawn.node". */
  label: string;
}

export interface DeviceHandle {
  device: GPUDevice;
  adapter: GPUAdapter;
  info: AdapterSummary;
  features: { timestamp: boolean; subgroups: boolean };
  /** Destroys the device (idempotent). Expected loss is not logged as an error. */
  destroy(): void;
}

const HOW_TO_GET_WEBGPU = [
  'How to get WebGPU:',
  '  • Browser: Chrome or Edge ≥ 113 (or `chromium --enable-unsafe-webgpu`), with the page served',
  '    from a secure context such as http://localhost.',
  "  • Node: the npm package 'webgpu' (dawn.node). Without a GPU driver, use SwiftShader from",
  `    Debian's chromium package (${DEFAULT_CHROMIUM_DIR}, or the folder named by ${CHROMIUM_DIR_VARIABLE});`,
  '    both variables must be set before node starts (scripts/launch.mjs sets them):',
  `      LD_LIBRARY_PATH=${DEFAULT_CHROMIUM_DIR} VK_ADD_DRIVER_FILES=${swiftshaderIcdIn(DEFAULT_CHROMIUM_DIR)} node …`,
  '  • Otherwise run the CPU engine instead (--cpu).',
].join('\n');

/** No WebGPU adapter/device could be obtained; the message says how to get one. */
export class NoWebGPUError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`No WebGPU: ${reason}\n${HOW_TO_GET_WEBGPU}`, options);
    this.name = 'NoWebGPUError';
  }
}

interface GpuEntry {
  gpu: GPU;
  backend: AdapterSummary['backend'];
  /** Node only: notes on the environment, for error messages. */
  envNotes: string[];
}

/** The dawn.node GPU object, kept alive for the life of the process (one per process). */
let nodeGpu: GPU | undefined;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function getGpu(): Promise<GpuEntry> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, backend: 'browser', envNotes: [] };
  if (!isNode()) {
    throw new NoWebGPUError(
      'navigator.gpu is missing (this browser has no WebGPU, or the page is not a secure context).',
    );
  }

  const envNotes: string[] = [];
  const env = process.env;
  // Variable specifiers (here and for 'webgpu' below) keep vite from bundling Node modules into
  // the browser build; these lines only run in Node.
  const fsName = 'node:fs';
  const { existsSync } = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  const missing = webgpuEnv(env, existsSync);
  if (missing.VK_ADD_DRIVER_FILES) {
    // The Vulkan loader reads the driver list when dawn.node creates its instance, below, so it
    // can still be set from inside the process (unlike LD_LIBRARY_PATH).
    env.VK_ADD_DRIVER_FILES = missing.VK_ADD_DRIVER_FILES;
    envNotes.push(`set VK_ADD_DRIVER_FILES=${missing.VK_ADD_DRIVER_FILES} (SwiftShader) in the process`);
  }
  if (!vulkanLoaderReachable(env, existsSync)) {
    // glibc reads LD_LIBRARY_PATH once at start-up, so this cannot be fixed from here.
    envNotes.push(
      missing.LD_LIBRARY_PATH
        ? `no system libvulkan.so.1 and LD_LIBRARY_PATH does not include ${chromiumDir(env)}, so dawn.node ` +
            `finds no Vulkan loader; start node with LD_LIBRARY_PATH=${missing.LD_LIBRARY_PATH} (scripts/launch.mjs does)`
        : `no libvulkan.so.1 in the system, on LD_LIBRARY_PATH or in ${chromiumDir(env)}, so dawn.node finds no Vulkan loader`,
    );
  }

  if (!nodeGpu) {
    const name = 'webgpu';
    let mod: { create(flags: string[]): GPU; globals: object };
    try {
      mod = (await import(/* @vite-ignore */ name)) as typeof mod;
    } catch (e) {
      throw new NoWebGPUError(`could not load the npm package 'webgpu' (dawn.node): ${String(e)}`, {
        cause: e,
      });
    }
    // GPUBufferUsage, GPUMapMode, … as globals, like in a browser.
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    // Dawn rounds timestamps to ~0.1 ms by default (a browser's defence against timing attacks);
    // benchmarks of sub-millisecond kernels on a real GPU need them exact.
    nodeGpu = mod.create(['disable-dawn-features=timestamp_quantization']);
  }
  return { gpu: nodeGpu, backend: 'dawn.node', envNotes };
}

/** The GPU entry point itself (navigator.gpu, or dawn.node's), for libraries that need it (TF.js). */
export async function gpuEntry(): Promise<GPU> {
  return (await getGpu()).gpu;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function summarize(adapter: GPUAdapter, backend: AdapterSummary['backend']): AdapterSummary {
  // adapter.info fields are getters (on dawn.node too); copy them out. Older browsers lack .info.
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const vendor = str(info?.vendor);
  const architecture = str(info?.architecture);
  const device = str(info?.device);
  const description = str(info?.description);

  const swift = [vendor, architecture, device, description].some((s) => /swiftshader/i.test(s));
  const name =
    description ||
    (swift ? 'SwiftShader' : '') ||
    device ||
    [vendor, architecture].filter(Boolean).join(' ') ||
    'unknown adapter';
  const details = [vendor, architecture].filter((s) => s && !name.includes(s));
  const label = `${name}${details.length ? ` (${details.join(', ')})` : ''} via ${backend}`;
  const fallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter === true;
  const minSize = (info as { subgroupMinSize?: number } | undefined)?.subgroupMinSize;
  return { vendor, architecture, device, description, backend, emulated: swift || fallback, ...(typeof minSize === 'number' && minSize > 0 ? { subgroupMinSize: minSize } : {}), label };
}

/**
 * Get a device: navigator.gpu in a browser, dawn.node in Node. Requests every numeric limit at the
 * adapter's maximum, plus 'timestamp-query' and 'subgroups' when the adapter has them (and any
 * `requiredFeatures`, which must be supported). Throws NoWebGPUError when there is no adapter.
 */
export async function getDevice(
  opts: { powerPreference?: GPUPowerPreference; requiredFeatures?: GPUFeatureName[] } = {},
): Promise<DeviceHandle> {
  const { gpu, backend, envNotes } = await getGpu();

  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter(
      opts.powerPreference ? { powerPreference: opts.powerPreference } : undefined,
    );
  } catch (e) {
    throw new NoWebGPUError(`requestAdapter() failed: ${String(e)}`, { cause: e });
  }
  if (!adapter) {
    if (backend === 'dawn.node') {
      for (const k of ENV_VARIABLES) {
        if (process.env[k]) envNotes.push(`${k}=${process.env[k]}`);
      }
    }
    const notes = envNotes.length ? ` (${envNotes.join('; ')})` : '';
    throw new NoWebGPUError(`requestAdapter() returned null on ${backend}${notes}.`);
  }

  const features = new Set<GPUFeatureName>(opts.requiredFeatures ?? []);
  for (const f of opts.requiredFeatures ?? []) {
    if (!adapter.features.has(f)) {
      throw new Error(`getDevice: the adapter does not support required feature '${f}'`);
    }
  }
  const timestamp = adapter.features.has('timestamp-query');
  const subgroups = adapter.features.has('subgroups');
  if (timestamp) features.add('timestamp-query');
  if (subgroups) features.add('subgroups');

  // Every numeric limit at the adapter's value (the defaults are much lower, e.g. 128 MiB buffers).
  // Limits are prototype getters, so walk the prototype chain, not just own keys.
  const requiredLimits: Record<string, number> = {};
  for (let o: object | null = adapter.limits; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || key in requiredLimits) continue;
      const v = (adapter.limits as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number') requiredLimits[key] = v;
    }
  }

  const info = summarize(adapter, backend);
  const device = await adapter.requestDevice({
    label: `basins (${info.label})`,
    requiredFeatures: [...features],
    requiredLimits,
  });

  let destroyed = false;
  void device.lost.then((lost) => {
    if (destroyed && lost.reason === 'destroyed') return;
    console.error(
      `[basins] GPU device lost (${lost.reason || 'unknown reason'}) on ${info.label}: ${lost.message}`,
    );
  });
  device.addEventListener('uncapturederror', (ev) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    console.error(
      `[basins] uncaptured WebGPU ${err?.constructor?.name ?? 'error'} on ${info.label}: ${err?.message}`,
    );
  });

  return {
    device,
    adapter,
    info,
    features: { timestamp, subgroups },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      device.destroy();
    },
  };
}
