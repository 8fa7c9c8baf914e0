// `node --import ./scripts/register-wgsl.mjs --import tsx some.ts`
// Makes `import src from './x.wgsl'` give the file's text, as vite.config.ts does for vite/vitest.
//  - ESM (every .ts in this package, which is "type": "module"): the load hook in wgsl-hooks.mjs,
//    registered with node:module register(). Works in either --import order with tsx: tsx passes
//    extensions it does not know on to the next hook, and ours short-circuits `.wgsl`.
//  - CommonJS (a .cts file, or a .ts outside this package that tsx compiles to require()):
//    register() hooks do not cover require() in Node 20, so `.wgsl` is also added to
//    Module._extensions, exporting { default: text } with __esModule for import interop.
import { readFileSync } from 'node:fs';
import Module, { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);

// @ts-ignore -- Module._extensions is not in the public types
Module._extensions['.wgsl'] = (module, filename) => {
  module.exports = { __esModule: true, default: readFileSync(filename, 'utf8') };
};
