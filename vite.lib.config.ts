import { isAbsolute } from 'node:path';
import { defineConfig } from 'vite';
import { wgsl } from './vite.config.ts';

/**
 * The library build (`npm run build:lib`, and `prepack` before `npm pack`): src/index.ts as one
 * ES module in dist-lib/, with every `.wgsl` inlined as a string so that a user's project needs
 * no loader. Every package import stays an import (typegpu, dawn.node, node: built-ins): the
 * dependencies are installed with the package, and a devDependency reached at run time fails the
 * packed-package test (tests/e2e/package.e2e.test.ts) instead of being bundled in unseen. Not
 * minified, with a source map: it is a library a user may step into. Types come from tsc
 * (tsconfig.lib.json) into dist-lib/types/.
 */
const isPackageImport = (id: string) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0');

export default defineConfig({
  plugins: [wgsl()],
  publicDir: false,
  build: {
    outDir: 'dist-lib',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'index' },
    rolldownOptions: {
      external: isPackageImport,
    },
  },
});
