import { readFile } from 'node:fs/promises';
import { defineConfig, type Plugin } from 'vite';
import { wgslFile, wgslModule } from './scripts/wgsl-transform.mjs';

/**
 * `import src from './x.wgsl'` → the file's text as the default export (scripts/wgsl-transform.mjs).
 * Shared by vite dev/build and both vitest environments (vitest.config.ts); plain Node uses the
 * same transform through the loader hook in scripts/wgsl-hooks.mjs.
 */
export function wgsl(): Plugin {
  return {
    name: 'basins:wgsl',
    enforce: 'pre',
    async load(id) {
      const file = wgslFile(id);
      if (!file) return null;
      return { code: wgslModule(await readFile(file, 'utf8')), map: null };
    },
  };
}

export default defineConfig({
  plugins: [wgsl()],
  build: {
    target: 'es2022',
  },
  // The engine runs in a module Web Worker (src/ui/worker.ts), bundled separately: it needs the
  // .wgsl loader too.
  worker: {
    format: 'es',
    plugins: () => [wgsl()],
  },
  // dawn.node is a native Node module reached only through a variable dynamic import in
  // host/device.ts; keep it out of dependency pre-bundling for the browser.
  optimizeDeps: {
    exclude: ['webgpu'],
  },
});
