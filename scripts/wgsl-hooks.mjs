// Node ESM load hook: `import src from './x.wgsl'` gives the file's text as the default export.
// Registered by scripts/register-wgsl.mjs (`node --import ./scripts/register-wgsl.mjs --import tsx …`).
// The transform is scripts/wgsl-transform.mjs, the same one vite.config.ts's plugin uses.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { wgslFile, wgslModule } from './wgsl-transform.mjs';

/**
 * `*.wgsl` (with or without a query) → the transform's module. No resolve hook is needed: Node's
 * (and tsx's) resolver already finds `.wgsl` files; only the format is unknown to them.
 * @type {import('node:module').LoadHook}
 */
export const load = async (url, context, nextLoad) => {
  const file = url.startsWith('file:') ? wgslFile(url) : null;
  if (file) return { format: 'module', shortCircuit: true, source: wgslModule(await readFile(fileURLToPath(file), 'utf8')) };
  return nextLoad(url, context);
};
