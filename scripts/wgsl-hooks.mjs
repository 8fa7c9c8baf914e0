// Node ESM load hook: `import src from './x.wgsl'` gives the file's text as the default export.
// Registered by scripts/register-wgsl.mjs (`node --import ./scripts/register-wgsl.mjs --import tsx …`).
// The same transform as the inline plugin in vite.config.ts, so Node, vite and vitest agree.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * `*.wgsl` (with or without a query) → `export default <JSON string>`. No resolve hook is needed:
 * Node's (and tsx's) resolver already finds `.wgsl` files; only the format is unknown to them.
 */
export async function load(url, context, nextLoad) {
  const clean = url.split(/[?#]/, 1)[0];
  if (clean.startsWith('file:') && clean.endsWith('.wgsl')) {
    const text = await readFile(fileURLToPath(clean), 'utf8');
    return {
      format: 'module',
      shortCircuit: true,
      source: `export default ${JSON.stringify(text)};\n`,
    };
  }
  return nextLoad(url, context);
}
