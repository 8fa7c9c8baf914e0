/**
 * The pipeline cache (host/kernels.ts) is keyed by kernel and constants: a hit builds no source
 * (no composition, no unrolling) and compiles nothing; a miss builds and compiles once. On a fake
 * device that records the shader modules it is asked for.
 */
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
import { type Constants, PipelineCache, pipelineKey } from '../../host/kernels.ts';
import { composeShader } from '../../host/shader-source.ts';
import { unrollLoops } from '../../host/unroll.ts';
import { kernelConstantsFor } from './kernel-constants.ts';

vi.mock('../../host/unroll.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../host/unroll.ts')>();
  return { ...m, unrollLoops: vi.fn(m.unrollLoops) };
});
vi.mock('../../host/shader-source.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../host/shader-source.ts')>();
  return { ...m, composeShader: vi.fn(m.composeShader) };
});

/** A device that compiles everything and records each shader module's label. */
function fakeDevice(modules: string[]): GPUDevice {
  return {
    createBindGroupLayout: (d: GPUBindGroupLayoutDescriptor) => ({ label: d.label }),
    createPipelineLayout: (d: GPUPipelineLayoutDescriptor) => ({ label: d.label }),
    createShaderModule: (d: GPUShaderModuleDescriptor) => {
      modules.push(d.label ?? '');
      return { getCompilationInfo: async () => ({ messages: [] }) };
    },
    pushErrorScope: () => undefined,
    popErrorScope: async () => null,
    createComputePipelineAsync: async (d: GPUComputePipelineDescriptor) => ({ label: d.label }),
  } as unknown as GPUDevice;
}

const u = (x: number) => ({ u32: x });
/** What the engine composes reduce and classify with (every constant their parts expect). */
const CONSTS: Constants = kernelConstantsFor('reduce');

beforeAll(() => {
  // The bind group layout names the compute stage (a WebGPU global, absent in plain Node).
  vi.stubGlobal('GPUShaderStage', { COMPUTE: 4 });
});
afterAll(() => {
  vi.unstubAllGlobals();
});
beforeEach(() => {
  vi.mocked(unrollLoops).mockClear();
  vi.mocked(composeShader).mockClear();
});

it('a hit neither composes nor unrolls the source, nor compiles it again', async () => {
  const modules: string[] = [];
  const cache = new PipelineCache(fakeDevice(modules));
  const first = await cache.get('reduce', CONSTS);
  expect(vi.mocked(composeShader)).toHaveBeenCalledTimes(1);
  expect(vi.mocked(unrollLoops)).toHaveBeenCalledTimes(1);
  expect(modules).toEqual(['reduce']);

  const again = await cache.get('reduce', { ...CONSTS });
  // The same constants listed in another order are the same kernel.
  const reordered = await cache.get('reduce', Object.fromEntries(Object.entries(CONSTS).reverse()));
  expect(again).toBe(first);
  expect(reordered).toBe(first);
  expect(vi.mocked(composeShader)).toHaveBeenCalledTimes(1);
  expect(vi.mocked(unrollLoops)).toHaveBeenCalledTimes(1);
  expect(modules).toEqual(['reduce']);
});

it('a miss (another kernel, another constant value or type) builds and compiles once each', async () => {
  const modules: string[] = [];
  const cache = new PipelineCache(fakeDevice(modules));
  const a = await cache.get('reduce', CONSTS);
  const b = await cache.get('classify', CONSTS);
  const c = await cache.get('reduce', { ...CONSTS, BINS: u(33) });
  const d = await cache.get('reduce', { ...CONSTS, LOG_LOSS_HI: { f32: 3 } });
  expect(new Set([a, b, c, d]).size).toBe(4);
  expect(modules).toEqual(['reduce', 'classify', 'reduce', 'reduce']);
  expect(vi.mocked(composeShader)).toHaveBeenCalledTimes(4);
  expect(vi.mocked(unrollLoops)).toHaveBeenCalledTimes(4);
});

it('keys by name and by each constant\'s type and value, not by the order they are listed in', () => {
  const key = pipelineKey('reduce', CONSTS);
  expect(pipelineKey('reduce', Object.fromEntries(Object.entries(CONSTS).reverse()))).toBe(key);
  expect(pipelineKey('classify', CONSTS)).not.toBe(key);
  expect(pipelineKey('reduce', { ...CONSTS, BINS: { f32: 32 } })).not.toBe(key);
  expect(pipelineKey('reduce', { ...CONSTS, WEIGHT_NORM: { bool: false } })).not.toBe(key);
  expect(pipelineKey('reduce', { ...CONSTS, EXTRA: u(0) })).not.toBe(key);
});

it('holds at most its capacity, letting the least recently used go (a hit makes a pipeline the most recent)', async () => {
  const modules: string[] = [];
  const cache = new PipelineCache(fakeDevice(modules), 2);
  const a = await cache.get('reduce', CONSTS);
  await cache.get('classify', CONSTS);
  expect(await cache.get('reduce', CONSTS)).toBe(a); // reduce is now the most recent
  await cache.get('reduce', { ...CONSTS, BINS: u(33) }); // classify goes
  expect(cache.size).toBe(2);
  expect(await cache.get('reduce', CONSTS)).toBe(a);
  expect(modules).toEqual(['reduce', 'classify', 'reduce']);
  await cache.get('classify', CONSTS); // compiled again; reduce BINS=33 goes
  expect(modules).toEqual(['reduce', 'classify', 'reduce', 'classify']);
  expect(cache.size).toBe(2);
});
