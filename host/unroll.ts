/**
 * Loop unrolling for handwritten WGSL, done on the source text before compilation. A loop
 * marked on the line above with `// @unroll`,
 *
 *     // @unroll
 *     for (var i = 0u; i < F * K; i++) { … }
 *
 * whose bound is an integer expression of the kernel's compile-time constants, is replaced by
 * its body repeated once per trip, each copy in its own block that opens with
 * `const i = <trip>u;`. Why: on SwiftShader (and on GPUs for arrays in registers) a private
 * array indexed by a loop variable is a per-lane gather/scatter through memory, while with
 * constant indices the compiler keeps the array in registers and reuses loads; the empirical
 * step's per-sample loops run ~5× faster unrolled (npm run bench). The WGSL stays the
 * readable loop; a loop with more than `maxTrips` trips, or too long a body, is left a loop.
 */

export interface UnrollOptions {
  /** Loops with more trips than this stay loops. */
  maxTrips: number;
  /** Loops whose expansion would be longer than this (characters) stay loops: compile time. */
  maxChars: number;
}

const MARK = /^[ \t]*\/\/ @unroll[ \t]*\n/m;
const HEADER = /^([ \t]*)for \(var ([A-Za-z_]\w*) = 0u; \2 < ([^;]+); \2\+\+\) \{/;

/** Evaluates an integer expression of literals (optionally `u`-suffixed), constants, + − * / ( ). */
export function evalConstExpr(expr: string, constants: Readonly<Record<string, number>>): number {
  const tokens = expr.match(/\d+u?|[A-Za-z_]\w*|[-+*/()]|\S/g) ?? [];
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`@unroll: cannot evaluate loop bound '${expr.trim()}': ${why}`);
  };
  const primary = (): number => {
    const t = tokens[pos++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const v = sum();
      if (tokens[pos++] !== ')') fail("missing ')'");
      return v;
    }
    if (/^\d+u?$/.test(t)) return Number.parseInt(t, 10);
    if (/^[A-Za-z_]\w*$/.test(t)) {
      const v = constants[t];
      return v === undefined ? fail(`'${t}' is not a u32 compile-time constant`) : v;
    }
    return fail(`unexpected '${t}'`);
  };
  const product = (): number => {
    let v = primary();
    while (tokens[pos] === '*' || tokens[pos] === '/') {
      const op = tokens[pos++];
      const w = primary();
      v = op === '*' ? v * w : Math.trunc(v / w);
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[pos] === '+' || tokens[pos] === '-') {
      const op = tokens[pos++];
      const w = product();
      v = op === '+' ? v + w : v - w;
    }
    return v;
  };
  const v = sum();
  if (pos !== tokens.length) fail(`unexpected '${tokens[pos]}'`);
  return v;
}

/** Index just past the brace that closes the one at `open`. */
function matchingBrace(code: string, open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return i + 1;
    else if (code.startsWith('//', i)) i = code.indexOf('\n', i) - 1;
  }
  throw new Error('@unroll: unbalanced braces after a marked loop');
}

/** The WGSL with every `// @unroll` loop expanded (or left a loop, past maxTrips). */
export function unrollLoops(code: string, constants: Readonly<Record<string, number>>, options: UnrollOptions): string {
  const mark = MARK.exec(code);
  if (!mark) return code;
  const start = mark.index + mark[0].length;
  const header = HEADER.exec(code.slice(start));
  if (!header) throw new Error(`@unroll must precede a loop 'for (var i = 0u; i < BOUND; i++) {', found: ${code.slice(start, code.indexOf('\n', start))}`);
  const [text, indent, name, bound] = header;
  const open = start + text.length - 1;
  const close = matchingBrace(code, open);
  // Inner marked loops first, so each copy carries them expanded.
  const body = unrollLoops(code.slice(open + 1, close - 1), constants, options);
  if (/\b(break|continue)\b/.test(body)) throw new Error(`@unroll: loop over '${name}' contains break or continue`);
  const trips = evalConstExpr(bound!, constants);
  const loop = `${indent}for (var ${name} = 0u; ${name} < ${bound}; ${name}++) {${body}}`;
  const expanded =
    trips > options.maxTrips || trips * body.length > options.maxChars
      ? loop
      : Array.from({ length: trips }, (_, t) => `${indent}{ const ${name} = ${t}u;${body}}`).join('\n');
  return code.slice(0, mark.index) + expanded + unrollLoops(code.slice(close), constants, options);
}
