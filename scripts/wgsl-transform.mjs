/**
 * `import src from './x.wgsl'` gives the file's text as the default export: the one transform
 * behind vite's plugin (vite.config.ts: dev, build, vitest, the library build) and Node's load hook
 * (scripts/wgsl-hooks.mjs), so every way of running the code sees the same module.
 */

/**
 * The file path of a `.wgsl` module id or URL (any `?query` or `#hash` dropped), or null if it is
 * not one.
 * @param {string} id
 */
export function wgslFile(id) {
  const file = id.split(/[?#]/, 1)[0] ?? '';
  return file.endsWith('.wgsl') ? file : null;
}

/**
 * The JavaScript module for a shader's text: its default export is the text, as a string literal.
 * @param {string} text
 */
export function wgslModule(text) {
  return `export default ${JSON.stringify(text)};\n`;
}
