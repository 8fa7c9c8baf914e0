/**
 * The environment dawn.node (the npm package 'webgpu') needs in Node, described once. Dawn reaches
 * the GPU through Vulkan; without a GPU driver it needs SwiftShader, and Debian's chromium package
 * ships both a Vulkan loader and SwiftShader's ICD. Used where a Node process is started
 * (scripts/launch.mjs, vitest.config.ts: glibc reads LD_LIBRARY_PATH only at process start) and by
 * host/device.ts (the driver variable, which the loader reads later, and its error hints).
 *
 * Plain JavaScript because scripts/launch.mjs runs before tsx is loaded; no imports because
 * host/device.ts runs in browsers too: callers pass their own existence check (node:fs existsSync).
 */

/** Where Debian's chromium package puts libvulkan.so.1 and vk_swiftshader_icd.json. */
export const DEFAULT_CHROMIUM_DIR = '/usr/lib/chromium';

/** Overrides DEFAULT_CHROMIUM_DIR (another Chromium build, another distribution's layout). */
export const CHROMIUM_DIR_VARIABLE = 'BASINS_CHROMIUM_DIR';

/** Where a distribution's own Vulkan loader would be; one of them present means LD_LIBRARY_PATH is not needed. */
export const SYSTEM_LIBVULKAN = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

/** Variables that choose the Vulkan drivers; any of them set means the user chose, and we add none. */
export const DRIVER_VARIABLES = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'];

/** Every variable the above touches or reads, for error messages that show the environment. */
export const ENV_VARIABLES = ['LD_LIBRARY_PATH', ...DRIVER_VARIABLES, CHROMIUM_DIR_VARIABLE];

/**
 * @typedef {Record<string, string | undefined>} Env
 * @typedef {(path: string) => boolean} Exists
 */

/** The Chromium binary the browser tests drive (and bootstrap installs when missing): BASINS_CHROMIUM, else Debian's. */
export const CHROMIUM_BINARY_VARIABLE = 'BASINS_CHROMIUM';
export const DEFAULT_CHROMIUM_BINARY = '/usr/bin/chromium';

/** @param {Env} env */
export function chromiumBinary(env) {
  return env[CHROMIUM_BINARY_VARIABLE] || DEFAULT_CHROMIUM_BINARY;
}

/** @param {Env} env */
export function chromiumDir(env) {
  return env[CHROMIUM_DIR_VARIABLE] || DEFAULT_CHROMIUM_DIR;
}

/** @param {Env} env */
const libraryPath = (env) => (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);

/** @param {string} dir */
export const libvulkanIn = (dir) => `${dir}/libvulkan.so.1`;

/** @param {string} dir */
export const swiftshaderIcdIn = (dir) => `${dir}/vk_swiftshader_icd.json`;

/**
 * The variables to add to `env` so that dawn.node finds a Vulkan loader and SwiftShader (an empty
 * object when nothing is missing or nothing can be found):
 *  - LD_LIBRARY_PATH: the chromium folder appended (the user's entries keep precedence), when there
 *    is no system libvulkan.so.1, the folder has one, and the path does not already name it;
 *  - VK_ADD_DRIVER_FILES: SwiftShader's ICD *added* to the drivers (VK_ICD_FILENAMES would replace
 *    them, and a real GPU should still win), unless a driver variable is already set.
 * @param {Env} env
 * @param {Exists} exists
 * @returns {Record<string, string>}
 */
export function webgpuEnv(env, exists) {
  const dir = chromiumDir(env);
  /** @type {Record<string, string>} */
  const add = {};
  const ld = libraryPath(env);
  if (!SYSTEM_LIBVULKAN.some(exists) && !ld.includes(dir) && exists(libvulkanIn(dir))) {
    add.LD_LIBRARY_PATH = [...ld, dir].join(':');
  }
  if (!DRIVER_VARIABLES.some((k) => env[k]) && exists(swiftshaderIcdIn(dir))) {
    add.VK_ADD_DRIVER_FILES = swiftshaderIcdIn(dir);
  }
  return add;
}

/**
 * Whether a process started with `env` has a Vulkan loader to find: a system one, or one in a
 * folder on LD_LIBRARY_PATH.
 * @param {Env} env
 * @param {Exists} exists
 */
export function vulkanLoaderReachable(env, exists) {
  return SYSTEM_LIBVULKAN.some(exists) || libraryPath(env).some((dir) => exists(libvulkanIn(dir)));
}
