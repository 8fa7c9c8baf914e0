/**
 * The environment a Node process gets for WebGPU (host/webgpu-env.mjs), on a fake filesystem, and
 * scripts/launch.mjs started from another directory: it finds tsx and the .wgsl loader in this
 * package, and hands the child the helper's variables.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_CHROMIUM_DIR,
  ENV_VARIABLES,
  SYSTEM_LIBVULKAN,
  vulkanLoaderReachable,
  webgpuEnv,
} from '../../host/webgpu-env.mjs';

const ROOT = join(import.meta.dirname, '../..');
const CHROMIUM = DEFAULT_CHROMIUM_DIR;
const CHROMIUM_FILES = [`${CHROMIUM}/libvulkan.so.1`, `${CHROMIUM}/vk_swiftshader_icd.json`];

/** An existence check that sees only `files`. */
const only = (...files: string[]) => (path: string) => files.includes(path);

describe('webgpuEnv', () => {
  it('without a system Vulkan loader: adds the chromium folder to LD_LIBRARY_PATH and SwiftShader to the drivers', () => {
    expect(webgpuEnv({}, only(...CHROMIUM_FILES))).toEqual({
      LD_LIBRARY_PATH: CHROMIUM,
      VK_ADD_DRIVER_FILES: `${CHROMIUM}/vk_swiftshader_icd.json`,
    });
  });

  it("appends to the user's LD_LIBRARY_PATH, and adds nothing where it already names the folder", () => {
    expect(webgpuEnv({ LD_LIBRARY_PATH: '/opt/lib:' }, only(...CHROMIUM_FILES)).LD_LIBRARY_PATH).toBe(`/opt/lib:${CHROMIUM}`);
    expect(webgpuEnv({ LD_LIBRARY_PATH: `/opt/lib:${CHROMIUM}` }, only(...CHROMIUM_FILES))).not.toHaveProperty('LD_LIBRARY_PATH');
  });

  it('with a system loader leaves LD_LIBRARY_PATH alone, but still offers SwiftShader', () => {
    for (const system of SYSTEM_LIBVULKAN) {
      expect(webgpuEnv({}, only(system, ...CHROMIUM_FILES))).toEqual({ VK_ADD_DRIVER_FILES: `${CHROMIUM}/vk_swiftshader_icd.json` });
    }
  });

  it('adds no driver where the user named drivers, in any of the three variables', () => {
    for (const k of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES']) {
      expect(webgpuEnv({ [k]: '/my/icd.json' }, only(...CHROMIUM_FILES))).toEqual({ LD_LIBRARY_PATH: CHROMIUM });
    }
  });

  it('takes the chromium folder from BASINS_CHROMIUM_DIR, and the default only when it is unset or empty', () => {
    const dir = '/opt/chromium';
    expect(webgpuEnv({ BASINS_CHROMIUM_DIR: dir }, only(`${dir}/libvulkan.so.1`, `${dir}/vk_swiftshader_icd.json`, ...CHROMIUM_FILES))).toEqual({
      LD_LIBRARY_PATH: dir,
      VK_ADD_DRIVER_FILES: `${dir}/vk_swiftshader_icd.json`,
    });
    expect(webgpuEnv({ BASINS_CHROMIUM_DIR: dir }, only(...CHROMIUM_FILES))).toEqual({});
    expect(webgpuEnv({ BASINS_CHROMIUM_DIR: '' }, only(...CHROMIUM_FILES))).toHaveProperty('LD_LIBRARY_PATH', CHROMIUM);
  });

  it('adds only what exists', () => {
    expect(webgpuEnv({}, only())).toEqual({});
    expect(webgpuEnv({}, only(`${CHROMIUM}/libvulkan.so.1`))).toEqual({ LD_LIBRARY_PATH: CHROMIUM });
    expect(webgpuEnv({}, only(`${CHROMIUM}/vk_swiftshader_icd.json`))).toEqual({ VK_ADD_DRIVER_FILES: `${CHROMIUM}/vk_swiftshader_icd.json` });
  });
});

describe('vulkanLoaderReachable', () => {
  it('a system loader, or one in a folder on LD_LIBRARY_PATH', () => {
    expect(vulkanLoaderReachable({}, only(SYSTEM_LIBVULKAN[0]!))).toBe(true);
    expect(vulkanLoaderReachable({}, only(...CHROMIUM_FILES))).toBe(false);
    expect(vulkanLoaderReachable({ LD_LIBRARY_PATH: `/x:${CHROMIUM}` }, only(...CHROMIUM_FILES))).toBe(true);
    // Once webgpuEnv's additions are applied, the loader is reachable.
    expect(vulkanLoaderReachable(webgpuEnv({}, only(...CHROMIUM_FILES)), only(...CHROMIUM_FILES))).toBe(true);
  });
});

describe('scripts/launch.mjs', () => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'basins-launch-'));
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

  it('runs an entry given by its absolute path from another directory (TypeScript, importing a .wgsl), with the WebGPU variables set', () => {
    // .mts: outside this package ("type": "module") a .ts is CommonJS to tsx, and our modules
    // (and typegpu) can only be loaded as ES modules.
    const entry = join(elsewhere, 'entry.mts');
    writeFileSync(
      entry,
      [
        "import rng from '" + join(ROOT, 'shaders/lib/rng.wgsl') + "';",
        'const names: string[] = ' + JSON.stringify(ENV_VARIABLES) + ';',
        'console.log(JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2), wgsl: rng.length, env: Object.fromEntries(names.map((k) => [k, process.env[k]])) }));',
      ].join('\n'),
    );
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/launch.mjs'), entry, '--x', '1'], {
      cwd: elsewhere,
      encoding: 'utf8',
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !ENV_VARIABLES.includes(k))),
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.cwd).toBe(elsewhere);
    expect(out.args).toEqual(['--x', '1']);
    expect(out.wgsl).toBe(readFileSync(join(ROOT, 'shaders/lib/rng.wgsl'), 'utf8').length);
    expect(out.env).toEqual(Object.fromEntries(ENV_VARIABLES.map((k) => [k, webgpuEnv({}, existsSync)[k]])));
  });
});
