/**
 * WGSL source composition, and compiler errors traced back to it. Kernels are single files with one entry point; shared snippets live in
 * shaders/lib/ and are prepended as text (WGSL has no import). Import both as strings:
 *
 *     import rng from '../shaders/lib/rng.wgsl';
 *     import step from '../shaders/empirical_step.wgsl';
 *     const code = composeShader(rng, step);
 *
 * Every part says, in its leading comment block, what it declares at module scope and what it
 * uses from the other parts of a composition:
 *
 *     // lib/step_chunk.wgsl — the chunk loop of the one-restart-per-thread step kernels
 *     // provides: fn step_chunk
 *     // expects: const P, var theta, var grad, fn decide, fn loss_and_grad
 *
 * and composeShader checks it, because a snippet's dependencies on its includer used to be prose
 * that went stale: each header lists exactly what the part declares, each name a part uses from
 * another part is in its `expects`, each expectation is provided by exactly one part, and no name
 * is provided twice. WGSL's module scope is order-free (lib/restart.wgsl and lib/sample_grad.wgsl
 * expect each other's private arrays), so a part's expectations may be met by any other part.
 * An `enable …;` directive is a part of its own that provides `enable <extension>`.
 */

/** What a module-scope symbol is. */
export const SYMBOL_KINDS = ['fn', 'const', 'override', 'var', 'struct', 'alias', 'enable'] as const;
export type SymbolKind = (typeof SYMBOL_KINDS)[number];

export interface WgslSymbol {
  kind: SymbolKind;
  name: string;
}

/** A part of a composition: its name (first comment line), header, and what its text declares and uses. */
export interface ShaderPart {
  name: string;
  provides: WgslSymbol[];
  expects: WgslSymbol[];
  /** Module-scope declarations found in the text. */
  declared: WgslSymbol[];
  /** Identifiers the text uses that it does not declare anywhere (not member names after a `.`). */
  uses: Set<string>;
}

/** A composition whose parts' headers disagree with their text or with each other. */
export class ShaderCompositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShaderCompositionError';
  }
}

/** Name a part for the separator comment: its first comment line, or its index. */
export function partName(part: string, i: number): string {
  const line = part.split('\n').find((l) => l.trim().length > 0)?.trim() ?? '';
  if (!line.startsWith('//')) return `part ${i}`;
  const name = line.slice(2).split(/\s[—–-]\s/)[0]!.trim();
  return name.length > 0 && name.length <= 60 ? name : `part ${i}`;
}

const show = (s: WgslSymbol) => `${s.kind} ${s.name}`;

/** The text without `//` and `/* … *\/` comments (newlines kept, so lines still count). */
export function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

const ENABLE = /^\s*enable\s+([\w\s,]+);\s*$/;

/** Builtins that need an extension: a part using one must expect `enable <extension>`. */
const EXTENSION_BUILTINS: Readonly<Record<string, RegExp>> = { subgroups: /^subgroup(?:[A-Z]\w*|_size|_invocation_id)$/ };

/** The `// provides:` and `// expects:` items of the part's leading comment block. */
function parseHeader(part: string, name: string): { provides: WgslSymbol[]; expects: WgslSymbol[]; hasProvides: boolean } {
  const provides: WgslSymbol[] = [];
  const expects: WgslSymbol[] = [];
  let hasProvides = false;
  for (const line of part.split('\n')) {
    const t = line.trim();
    if (t.length === 0) continue;
    if (!t.startsWith('//')) break;
    const m = /^\/\/\s*(provides|expects):(.*)$/.exec(t);
    if (!m) continue;
    if (m[1] === 'provides') hasProvides = true;
    for (const item of m[2]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
      const [kind, sym, ...rest] = item.split(/\s+/);
      if (!(SYMBOL_KINDS as readonly string[]).includes(kind!) || !sym || rest.length > 0 || !/^[A-Za-z_]\w*$/.test(sym)) {
        throw new ShaderCompositionError(`${name}: header item '${item}' is not '<${SYMBOL_KINDS.join('|')}> <name>'`);
      }
      (m[1] === 'provides' ? provides : expects).push({ kind: kind as SymbolKind, name: sym });
    }
  }
  return { provides, expects, hasProvides };
}

/** The text with the inside of every brace pair blanked out: what is left is module scope. */
function moduleScope(code: string): string {
  let depth = 0;
  let out = '';
  for (const ch of code) {
    if (ch === '}') depth--;
    out += depth > 0 && ch !== '\n' ? ' ' : ch;
    if (ch === '{') depth++;
  }
  return out;
}

/** Module-scope declarations of WGSL text (comments stripped). */
export function declarationsOf(code: string): WgslSymbol[] {
  const top = moduleScope(code);
  const found: WgslSymbol[] = [];
  for (const m of top.matchAll(/\b(fn|const|override|struct|alias)\s+([A-Za-z_]\w*)/g)) found.push({ kind: m[1] as SymbolKind, name: m[2]! });
  for (const m of top.matchAll(/\bvar\s*(?:<[^>]*>)?\s+([A-Za-z_]\w*)/g)) found.push({ kind: 'var', name: m[1]! });
  return found;
}

/** Every name the text declares at any scope: module scope, locals, loop variables, parameters. */
function namesDeclared(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/\b(?:fn|const|override|struct|alias|let)\s+([A-Za-z_]\w*)/g)) names.add(m[1]!);
  for (const m of code.matchAll(/\bvar\s*(?:<[^>]*>)?\s+([A-Za-z_]\w*)/g)) names.add(m[1]!);
  for (const sig of code.matchAll(/\bfn\s+\w+\s*\(([^)]*(?:\([^)]*\)[^)]*)*)\)/g)) {
    for (const p of sig[1]!.matchAll(/([A-Za-z_]\w*)\s*:/g)) names.add(p[1]!);
  }
  return names;
}

/** Identifiers of the text that are not member names (after a `.`) and not declared in it. */
function usedNames(code: string): Set<string> {
  const declared = namesDeclared(code);
  const used = new Set<string>();
  for (const m of code.matchAll(/(\.\s*)?\b([A-Za-z_]\w*)/g)) {
    if (m[1] === undefined && !declared.has(m[2]!)) used.add(m[2]!);
  }
  return used;
}

/**
 * Parts already described, by text: the library parts are the same strings on every lookup, and
 * describing one scans all of it (a kernel's parts take ~10 ms, on every pipeline-cache lookup).
 */
const DESCRIBED = new Map<string, ShaderPart>();

/** A part's header and what its text declares and uses; throws where the two disagree. */
export function describePart(part: string, index = 0): ShaderPart {
  let described = DESCRIBED.get(part);
  if (!described) {
    described = describe(part, index);
    if (!described.name.startsWith('part ')) DESCRIBED.set(part, described);
  }
  return described;
}

function describe(part: string, index: number): ShaderPart {
  const enable = ENABLE.exec(part);
  if (enable) {
    const provides = enable[1]!.split(',').map((s) => ({ kind: 'enable' as const, name: s.trim() }));
    return { name: `enable ${enable[1]!.trim()}`, provides, expects: [], declared: provides, uses: new Set() };
  }
  const name = partName(part, index);
  const header = parseHeader(part, name);
  if (!header.hasProvides) throw new ShaderCompositionError(`${name} has no '// provides:' line in its header`);
  const code = stripComments(part);
  const declared = declarationsOf(code);
  const key = (s: WgslSymbol) => show(s);
  const listed = new Set(header.provides.map(key));
  const actual = new Set(declared.map(key));
  for (const s of declared) if (!listed.has(key(s))) throw new ShaderCompositionError(`${name} declares ${show(s)}, which its header does not list under provides`);
  for (const s of header.provides) if (!actual.has(key(s))) throw new ShaderCompositionError(`${name} lists ${show(s)} under provides but does not declare it`);
  const uses = usedNames(code);
  for (const s of header.expects) {
    if (s.kind !== 'enable' && !uses.has(s.name)) throw new ShaderCompositionError(`${name} lists ${show(s)} under expects but never uses it`);
  }
  for (const [extension, builtin] of Object.entries(EXTENSION_BUILTINS)) {
    const needs = [...uses].filter((u) => builtin.test(u));
    const listed = header.expects.some((s) => s.kind === 'enable' && s.name === extension);
    if (needs.length > 0 && !listed) throw new ShaderCompositionError(`${name} uses enable ${extension} (${needs.join(', ')}) but does not list it under expects`);
    if (needs.length === 0 && listed) throw new ShaderCompositionError(`${name} lists enable ${extension} under expects but never uses it`);
  }
  return { name, provides: header.provides, expects: header.expects, declared, uses };
}

/**
 * Checks that the parts fit together: every expectation provided by exactly one part (of the
 * kind expected), every name a part uses from another part listed under its expects, and no
 * name provided twice. Throws a ShaderCompositionError naming the symbol and the part.
 */
export function checkComposition(parts: readonly string[]): ShaderPart[] {
  const described = parts.map((p, i) => describePart(p, i));
  const provider = new Map<string, { symbol: WgslSymbol; part: ShaderPart }>();
  for (const part of described) {
    for (const symbol of part.provides) {
      const other = provider.get(symbol.name);
      if (other) throw new ShaderCompositionError(`${symbol.kind} ${symbol.name} is provided by both ${other.part.name} and ${part.name}`);
      provider.set(symbol.name, { symbol, part });
    }
  }
  const names = described.map((p) => p.name).join(', ');
  for (const part of described) {
    for (const want of part.expects) {
      const got = provider.get(want.name);
      if (!got) throw new ShaderCompositionError(`${part.name} expects ${show(want)}, which no part provides (composed: ${names})`);
      if (got.symbol.kind !== want.kind) throw new ShaderCompositionError(`${part.name} expects ${show(want)}, but ${got.part.name} provides ${show(got.symbol)}`);
    }
    const expected = new Set(part.expects.map((s) => s.name));
    for (const name of part.uses) {
      const got = provider.get(name);
      if (got && got.part !== part && !expected.has(name)) {
        throw new ShaderCompositionError(`${part.name} uses ${show(got.symbol)} (from ${got.part.name}) but does not list it under expects`);
      }
    }
  }
  return described;
}

/**
 * Join library snippets and a kernel into one module, each preceded by `// ---- <name> ----`
 * (the name is taken from the part's first `//` comment line, e.g. `lib/rng.wgsl`), so compiler
 * messages can be traced back to a file, after checking their headers (checkComposition). Empty
 * parts are skipped.
 */
export function composeShader(...parts: string[]): string {
  const kept = parts.filter((p) => p.trim().length > 0);
  checkComposition(kept);
  return kept.map((p, i) => `// ---- ${partName(p, i)} ----\n${p.endsWith('\n') ? p : p + '\n'}`).join('\n');
}

/** A generated part: `title` as its first comment line and a provides header listing what `code` declares. */
export function generatedPart(title: string, code: string): string {
  const provides = declarationsOf(stripComments(code)).map(show);
  return `// ${title}\n// provides: ${provides.join(', ')}\n${code.endsWith('\n') ? code : code + '\n'}`;
}

/** A compile-time constant: a scalar, or a table of f32 (`f32s`, indexed at run time: quadrature nodes). */
export type ConstValue = { u32: number } | { f32: number } | { bool: boolean } | { f32s: ArrayLike<number> };
export type Constants = Record<string, ConstValue>;

/** A block of compile-time constants (a generated part: its header lists them). */
export function constantsWgsl(c: Constants, title = 'compile-time constants (host/kernels.ts)'): string {
  const lines: string[] = [];
  for (const [name, v] of Object.entries(c)) {
    if ('u32' in v) {
      if (!Number.isInteger(v.u32) || v.u32 < 0 || v.u32 > 0xffffffff) throw new Error(`constant ${name} = ${v.u32} is not a u32`);
      lines.push(`const ${name}: u32 = ${v.u32}u;`);
    } else if ('f32' in v) {
      if (!Number.isFinite(v.f32)) throw new Error(`constant ${name} = ${v.f32} is not finite`);
      lines.push(`const ${name}: f32 = ${formatF32(v.f32)};`);
    } else if ('f32s' in v) {
      const xs = Array.from(v.f32s);
      if (xs.length === 0 || !xs.every(Number.isFinite)) throw new Error(`constant ${name} must be a non-empty table of finite numbers`);
      lines.push(`const ${name} = array<f32, ${xs.length}>(${xs.map(formatF32).join(', ')});`);
    } else {
      lines.push(`const ${name}: bool = ${v.bool};`);
    }
  }
  return generatedPart(title, lines.join('\n'));
}

function formatF32(x: number): string {
  const s = String(Math.fround(x));
  return /[.eE]/.test(s) ? s : `${s}.0`;
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
