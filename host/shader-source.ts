/**
 * WGSL source composition. Kernels are single files with one entry point; shared snippets live in
 * shaders/lib/ and are prepended as text (WGSL has no import). Import both as strings:
 *
 *     import rng from '../shaders/lib/rng.wgsl';
 *     import step from '../shaders/empirical_step.wgsl';
 *     const code = composeShader(rng, step);
 */

/** Name a part for the separator comment: its first comment line, or its index. */
export function partName(part: string, i: number): string {
  const line = part.split('\n').find((l) => l.trim().length > 0)?.trim() ?? '';
  if (!line.startsWith('//')) return `part ${i}`;
  const name = line.slice(2).split(/\s[—–-]\s/)[0]!.trim();
  return name.length > 0 && name.length <= 60 ? name : `part ${i}`;
}

/** The text without `//` and `/* … *\/` comments (newlines kept, so lines still count). */
export function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

/**
 * Join library snippets and a kernel into one module, each preceded by `// ---- <name> ----`
 * (the name is taken from the part's first `//` comment line, e.g. `rng.wgsl`), so compiler
 * messages can be traced back to a file. Empty parts are skipped.
 */
export function composeShader(...parts: string[]): string {
  return parts
    .filter((p) => p.trim().length > 0)
    .map((p, i) => `// ---- ${partName(p, i)} ----\n${p.endsWith('\n') ? p : p + '\n'}`)
    .join('\n');
}

export type ConstValue = { u32: number } | { f32: number } | { bool: boolean };
export type Constants = Record<string, ConstValue>;

/** A block of compile-time constants, `title` its first comment line. */
export function constantsWgsl(c: Constants, title = 'compile-time constants (host/kernels.ts)'): string {
  const lines = [`// ${title}`];
  for (const [name, v] of Object.entries(c)) {
    if ('u32' in v) {
      if (!Number.isInteger(v.u32) || v.u32 < 0 || v.u32 > 0xffffffff) throw new Error(`constant ${name} = ${v.u32} is not a u32`);
      lines.push(`const ${name}: u32 = ${v.u32}u;`);
    } else if ('f32' in v) {
      if (!Number.isFinite(v.f32)) throw new Error(`constant ${name} = ${v.f32} is not finite`);
      lines.push(`const ${name}: f32 = ${formatF32(v.f32)};`);
    } else {
      lines.push(`const ${name}: bool = ${v.bool};`);
    }
  }
  return lines.join('\n') + '\n';
}

function formatF32(x: number): string {
  const s = String(Math.fround(x));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
