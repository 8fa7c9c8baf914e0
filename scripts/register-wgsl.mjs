// `node --import ./scripts/register-wgsl.mjs --import tsx some.ts`
// Makes `import src from './x.wgsl'` give the file's text, as vite.config.ts does for vite/vitest,
// with the load hook in wgsl-hooks.mjs. Works in either --import order with tsx: tsx passes
// extensions it does not know on to the next hook, and ours short-circuits `.wgsl`.
// ES modules only (register() hooks do not cover require() in Node 20): every .ts here is one
// ("type": "module"), and ours cannot be required anyway (typegpu has no CommonJS build); an
// entry outside this package, where a .ts is CommonJS to tsx, must be a .mts.
import { register } from 'node:module';

register('./wgsl-hooks.mjs', import.meta.url);
