/**
 * WGSL source composition, and compiler errors traced back to it. Kernels are single files with one entry point; shared snippets live in
 * shaders/lib/ and are prepended as text (WGSL has no import). Import both as strings:
 *
 *     import rng from '../shaders/lib/rng.wgsl';
 *     import step from '../shaders/empirical_step.wgsl';
 *     const code = composeShader(rng, step);
 */

/** Name a part for the separator comment: its first comment line, or its index. */
function partName(part: string, i: number): string {
  const line = part.split('\n').find((l) => l.trim().length > 0)?.trim() ?? '';
  if (!line.startsWith('//')) return `part ${i}`;
  const name = line.slice(2).split(/\s[—–-]\s/)[0]!.trim();
  return name.length > 0 && name.length <= 60 ? name : `part ${i}`;
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

/** A WGSL compile error, with the kernel's name and the compiler's messages (line:col). */
export class ShaderCompileError extends Error {
  constructor(kernel: string, messages: string[]) {
    super(`WGSL kernel '${kernel}' failed to compile:\n${messages.join('\n')}`);
    this.name = 'ShaderCompileError';
  }
}

/**
 * Throws a ShaderCompileError naming `kernel` if `module`, compiled from `code`, has errors: each
 * as line:col and the compiler's message, then the source line it points at.
 */
export async function throwOnCompileErrors(module: GPUShaderModule, code: string, kernel: string): Promise<void> {
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length === 0) return;
  const lines = code.split('\n');
  throw new ShaderCompileError(kernel, errors.map((m) => `  ${m.lineNum}:${m.linePos} ${m.message}\n    | ${lines[m.lineNum - 1] ?? ''}`));
}
