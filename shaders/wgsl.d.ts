/** `import src from './x.wgsl'` gives the file's text (vite.config.ts plugin; scripts/register-wgsl.mjs in Node). */
declare module '*.wgsl' {
  const src: string;
  export default src;
}
