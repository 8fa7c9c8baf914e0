/**
 * The contract between the host and the WGSL kernels, in one place. Every code a kernel branches
 * on — outcome, activation, RNG stream (and the shared-restart key), init kind, loss mode,
 * optimiser — is a named compile-time constant that the host injects into every kernel
 * (CONTRACT_WGSL), so kernels say `st.status == OUTCOME_GLOBAL`, never `== 1u`, and a value lives
 * only here or in the science it comes from (src/core: OUTCOME, ACTIVATION_CODE, STREAM; this
 * module imports them, never the other way). The buffers the host reads go through their
 * typegpu schemas (host/buffers.ts): decodeStats, decodeRestartStates, sampleJobUniform.
 *
 * checkContract reads a kernel's handwritten parts and fails where the two sides could drift:
 * a bare literal where a code is meant (compared with, assigned to or switched on a variable
 * that holds a code, or passed where a call takes one), a code name the host does not define, a
 * part that defines a code itself, a kernel that dispatches on a family of codes without naming
 * each of them, and a shared buffer declared with another type than its schema's struct.
 */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';
import { ACTIVATION_CODE, LEAKY_SLOPE } from '../src/core/model.ts';
import { EXTRA_Z_MAX } from '../src/core/extra-neuron.ts';
import { COARSE_PANEL, GAUSS_RANGE, gaussLegendre } from '../src/core/gaussian-quadrature.ts';
import { QUADRATURE_NORM_LIMIT, QUADRATURE_ORDER } from '../src/core/pair-kernels.ts';
import { OUTCOME } from '../src/core/outcome.ts';
import { PROBLEM_KEY_BASE, SHARED_RESTART, STREAM, STREAMS_PER_STEP } from '../src/core/rng.ts';
import type { Experiment } from '../src/core/experiment.ts';
import { LOG_LOSS_FLOOR, type Tally, emptyTally } from '../src/core/stats.ts';
import { DECIDED_OUTCOMES, RestartState, type SampleJobValue, SampleJob, Stats } from './buffers.ts';
import { type Constants, constantsWgsl, partName, stripComments } from './shader-source.ts';

/** cfg.initKind: how a wave's restarts are initialised (shaders/init.wgsl). */
export const INIT_KIND = { du: 0, gaussian: 1, sphere: 2, grid: 3, supplied: 4 } as const satisfies Record<Experiment['init']['kind'], number>;
/** MODE: the empirical step's batch (shaders/lib/sample_grad.wgsl) — the whole fixed sample, a minibatch of it, fresh samples. */
export const LOSS_MODE = { full: 0, minibatch: 1, fresh: 2 } as const;
/** OPT, and EXTRA_OPT for the extra neuron's coordinates: the update (shaders/lib/restart.wgsl apply_update). */
export const OPTIMIZER = { gd: 0, adagrad: 1 } as const satisfies Record<Experiment['optimizer']['kind'], number>;

/** A call argument that carries a code: argument `index` of every call to one of `fns`. */
interface CodeArgument {
  fns: readonly string[];
  index: number;
}

/** A family of codes as the kernels see them. */
export interface CodeFamily {
  what: string;
  /** WGSL constant name → value. */
  names: Readonly<Record<string, number>>;
  /** Identifiers starting with this are this family's names (so an undefined one is an error). */
  prefix?: string;
  /** Variables (or fields, after a `.`) that hold a code of this family in the kernels. */
  carriers: readonly string[];
  arguments: readonly CodeArgument[];
  /** A kernel that reads a carrier must name every code (a code with no branch would fall through). */
  exhaustive: boolean;
}

const RNG_FNS = ['rng_bits2', 'rng_bits', 'rng_uniform', 'rng_normal', 'rng_uniform_int'];

/** 'leaky-relu' → LEAKY_RELU */
const upperSnake = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();

function family(what: string, prefix: string, codes: Readonly<Record<string, number>>, rest: Omit<CodeFamily, 'what' | 'names' | 'prefix'>): CodeFamily {
  const names = Object.fromEntries(Object.entries(codes).map(([k, v]) => [prefix + upperSnake(k), v]));
  return { what, names, prefix, ...rest };
}

/** Every family of codes the kernels use, with the names they use them by. */
export const CODE_FAMILIES: Readonly<Record<string, CodeFamily>> = {
  outcome: family('outcome code', 'OUTCOME_', OUTCOME, {
    carriers: ['status', 'code', 'rule_code'],
    arguments: [{ fns: ['RestartState'], index: 0 }, { fns: ['settle'], index: 1 }],
    exhaustive: false,
  }),
  activation: family('activation code', 'ACT_', ACTIVATION_CODE, { carriers: ['ACT'], arguments: [], exhaustive: true }),
  stream: family('RNG stream', 'STREAM_', STREAM, { carriers: [], arguments: [{ fns: RNG_FNS, index: 2 }], exhaustive: false }),
  restartKey: { what: 'RNG restart key', names: { SHARED_RESTART, PROBLEM_KEY_BASE }, carriers: [], arguments: [{ fns: RNG_FNS, index: 1 }], exhaustive: false },
  init: family('init kind', 'INIT_', INIT_KIND, { carriers: ['initKind', 'kind'], arguments: [], exhaustive: true }),
  loss: family('loss mode', 'LOSS_', LOSS_MODE, { carriers: ['MODE'], arguments: [], exhaustive: true }),
  optimizer: family('optimiser', 'OPT_', OPTIMIZER, { carriers: ['OPT', 'rule'], arguments: [], exhaustive: true }),
};

/**
 * The stats' count slots are code − OUTCOME_GLOBAL (shaders/reduce.wgsl): the decided outcomes'
 * codes must be consecutive, in DECIDED_OUTCOMES order. Checked when this module loads.
 */
export function checkCountSlots(codes: Readonly<Record<(typeof DECIDED_OUTCOMES)[number], number>> = OUTCOME): void {
  DECIDED_OUTCOMES.forEach((name, slot) => {
    if (codes[name] !== codes.global + slot) throw new Error(`the stats count slot of '${name}' would be ${codes[name] - codes.global}, not ${slot}: the decided outcome codes must be consecutive from global`);
  });
}
checkCountSlots();

/**
 * The sigmoid/tanh pair kernel's quadrature (shaders/lib/gauss_quadrature.wgsl) as the CPU's
 * (src/core/pair-kernels.ts pairExpectations): its order, range, coarse panel width and norm limit,
 * and the Gauss–Legendre nodes and weights themselves. The nodes come from here, not from Newton's
 * method in the shader, because then they are the CPU's f64 values rounded once to f32 — no
 * second, f32 iteration that could stop a few ulps away.
 */
function quadratureConstants(): Constants {
  const { nodes, weights } = gaussLegendre(QUADRATURE_ORDER);
  return {
    QUADRATURE_ORDER: { u32: QUADRATURE_ORDER },
    QUADRATURE_NORM_LIMIT: { f32: QUADRATURE_NORM_LIMIT },
    GAUSS_RANGE: { f32: GAUSS_RANGE },
    COARSE_PANEL: { f32: COARSE_PANEL },
    GL_NODES: { f32s: nodes },
    GL_WEIGHTS: { f32s: weights },
  };
}

/** The constants of the contract: every family's names, the number of count slots, and the numbers the kernels share with the science. */
export function contractConstants(families: Readonly<Record<string, CodeFamily>> = CODE_FAMILIES): Constants {
  const c: Constants = {};
  for (const f of Object.values(families)) for (const [name, value] of Object.entries(f.names)) c[name] = { u32: value };
  c.DECIDED_OUTCOMES = { u32: DECIDED_OUTCOMES.length };
  c.LEAKY_SLOPE = { f32: LEAKY_SLOPE };
  c.STREAMS_PER_STEP = { u32: STREAMS_PER_STEP };
  c.LOG_LOSS_FLOOR = { f32: LOG_LOSS_FLOOR };
  c.EXTRA_Z_MAX = { f32: EXTRA_Z_MAX };
  Object.assign(c, quadratureConstants());
  return c;
}

/** The contract's constants as a part of every kernel (host/kernels.ts kernelSource). */
export const CONTRACT_WGSL = constantsWgsl(contractConstants(), 'codes shared with the host (host/contract.ts)');

/** Statistics words or bytes (the Stats schema) → a Tally. */
export function decodeStats(stats: Uint32Array | ArrayBuffer, maxSteps: number, schema: typeof Stats = Stats): Tally {
  const words = stats instanceof Uint32Array ? stats : new Uint32Array(stats);
  const at = (pick: (s: d.Infer<typeof Stats>) => unknown) => d.memoryLayoutOf(schema, pick).offset / 4;
  const t = emptyTally(maxSteps);
  DECIDED_OUTCOMES.forEach((name, slot) => (t.counts[name] = words[at((s) => s.counts[slot])]!));
  t.restartSteps = words[at((s) => s.stepsLo)]! + words[at((s) => s.stepsHi)]! * 2 ** 32;
  for (const h of ['logLoss', 'angle', 'steps'] as const) {
    const base = at((s) => s[h][0]);
    for (let b = 0; b < t[h].counts.length; b++) t[h].counts[b] = words[base + b]!;
  }
  return t;
}

/** `count` RestartStates at `byteOffset` of `bytes`, one typed array per field (offsets from the schema). */
export function decodeRestartStates(bytes: ArrayBuffer, byteOffset: number, count: number) {
  const stride = d.sizeOf(RestartState) / 4;
  const u32 = new Uint32Array(bytes, byteOffset, count * stride);
  const f32 = new Float32Array(bytes, byteOffset, count * stride);
  const column = <A extends Uint32Array | Float32Array>(from: A, out: A, pick: (s: d.Infer<typeof RestartState>) => unknown): A => {
    const o = d.memoryLayoutOf(RestartState, pick).offset / 4;
    for (let r = 0; r < count; r++) out[r] = from[r * stride + o]!;
    return out;
  };
  return {
    status: column(u32, new Uint32Array(count), (s) => s.status),
    steps: column(u32, new Uint32Array(count), (s) => s.steps),
    loss: column(f32, new Float32Array(count), (s) => s.loss),
    angle: column(f32, new Float32Array(count), (s) => s.angle),
  };
}

/** A SampleJob uniform written through its schema; the caller destroys it. */
export function sampleJobUniform(device: GPUDevice, given: Pick<SampleJobValue, 'n' | 'seed'> & Partial<SampleJobValue>): GPUBuffer {
  // One problem (the shared sample) unless told otherwise.
  const job: SampleJobValue = { perProblem: given.n, problemKeys: 0, ...given };
  const root = tgpu.initFromDevice({ device });
  return root.unwrap(root.createBuffer(SampleJob, job).$usage('uniform'));
}

/** Bindings the host reads or writes through a schema, and the WGSL type each must be declared with. */
export const SCHEMA_BINDINGS: Readonly<Record<string, string>> = { cfg: 'Config', state: 'array<RestartState>', stats: 'Stats', job: 'SampleJob' };

/** A kernel whose parts break the contract. */
export class ShaderContractError extends Error {
  constructor(kernel: string, problems: string[]) {
    super(`kernel '${kernel}' breaks the host/WGSL contract (host/contract.ts):\n  ${problems.join('\n  ')}`);
    this.name = 'ShaderContractError';
  }
}

interface Token {
  text: string;
  type: 'ident' | 'number' | 'punct';
  line: number;
}

const TOKEN = /([A-Za-z_]\w*)|(0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*(?:[pP][+-]?\d+)?[fhiu]?|\d+\.?\d*(?:[eE][+-]?\d+)?[fhiu]?)|(==|!=|<=|>=|&&|\|\||->|\S)/g;

function tokenize(code: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let last = 0;
  for (const m of code.matchAll(TOKEN)) {
    for (let i = last; i < m.index; i++) if (code[i] === '\n') line++;
    last = m.index;
    out.push({ text: m[0], type: m[1] ? 'ident' : m[2] ? 'number' : 'punct', line });
  }
  return out;
}

/** Operators that put a carrier and a literal into one expression about the code. */
const CODE_OPS = new Set(['==', '!=', '<', '>', '<=', '>=', '=', '+', '-']);

/** The token lists of a call's arguments, starting at the '(' at `open`. */
function callArguments(toks: Token[], open: number): Token[][] {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = open; i < toks.length; i++) {
    const t = toks[i]!.text;
    if (t === '(' || t === '[') depth++;
    if (t === ')' || t === ']') depth--;
    if (depth === 0) break;
    if (depth === 1 && t === ',') args.push([]);
    else if (i > open) args[args.length - 1]!.push(toks[i]!);
  }
  return args;
}

/** Problems of one handwritten part: literals at code positions, unknown or redefined code names, binding types. */
function partProblems(name: string, code: string, families: readonly CodeFamily[], defined: ReadonlyMap<string, CodeFamily>): string[] {
  const toks = tokenize(stripComments(code));
  const problems: string[] = [];
  const at = (t: Token) => `${name}:${t.line}`;
  const carrierOf = new Map<string, CodeFamily>();
  for (const f of families) for (const c of f.carriers) carrierOf.set(c, f);
  const isLiteral = (t: Token | undefined) => t?.type === 'number';
  toks.forEach((t, i) => {
    if (t.type !== 'ident') return;
    const owner = families.find((f) => f.prefix && t.text.startsWith(f.prefix));
    if (owner && !defined.has(t.text)) problems.push(`${at(t)}: ${t.text} is not a ${owner.what} the host defines (${Object.keys(owner.names).join(', ')})`);
    if (defined.has(t.text) && ['const', 'override', 'let', 'var'].includes(toks[i - 1]?.text ?? '')) {
      problems.push(`${at(t)}: declares ${t.text}, which only host/contract.ts defines`);
    }
    const carried = carrierOf.get(t.text);
    if (carried) {
      // `x.status`: the expression starts at `x`.
      let s = i;
      while (toks[s - 1]?.text === '.' && toks[s - 2]?.type === 'ident') s -= 2;
      const next = toks[i + 1]?.text ?? '';
      const prev = toks[s - 1]?.text ?? '';
      const lit = CODE_OPS.has(next) && isLiteral(toks[i + 2]) ? toks[i + 2] : CODE_OPS.has(prev) && prev !== '=' && isLiteral(toks[s - 2]) ? toks[s - 2] : undefined;
      if (lit) problems.push(`${at(t)}: ${t.text} meets the bare literal ${lit.text}; name the ${carried.what} (${Object.keys(carried.names).join(', ')})`);
      if (prev === 'switch' || (prev === '(' && toks[s - 2]?.text === 'switch')) problems.push(...switchProblems(toks, i, carried, at));
    }
    for (const f of families) {
      for (const arg of f.arguments) {
        if (!arg.fns.includes(t.text) || toks[i + 1]?.text !== '(' || toks[i - 1]?.text === 'fn') continue;
        const a = callArguments(toks, i + 1)[arg.index];
        if (a && a.length > 0 && a.every((x) => x.type !== 'ident')) {
          problems.push(`${at(t)}: ${t.text}(…) takes a ${f.what} as argument ${arg.index + 1}, given the bare literal ${a.map((x) => x.text).join(' ')}`);
        }
      }
    }
    const schema = SCHEMA_BINDINGS[t.text];
    if (schema && toks[i - 1]?.text === '>' && toks[i + 1]?.text === ':') {
      let type = '';
      for (let j = i + 2; j < toks.length && toks[j]!.text !== ';'; j++) type += toks[j]!.text;
      if (type !== schema.replace(/\s/g, '')) problems.push(`${at(t)}: binding ${t.text} is declared ${type}, not ${schema} (its schema in host/buffers.ts)`);
    }
  });
  return problems;
}

/** Case labels of `switch <carrier> { … }` that are bare literals. */
function switchProblems(toks: Token[], i: number, f: CodeFamily, at: (t: Token) => string): string[] {
  const problems: string[] = [];
  let j = i + 1;
  while (j < toks.length && toks[j]!.text !== '{') j++;
  for (let depth = 0; j < toks.length; j++) {
    const t = toks[j]!;
    if (t.text === '{') depth++;
    if (t.text === '}' && --depth === 0) break;
    if (depth === 1 && t.text === 'case') {
      for (let k = j + 1; k < toks.length && toks[k]!.text !== ':' && toks[k]!.text !== '{'; k++) {
        if (toks[k]!.type === 'number') problems.push(`${at(toks[k]!)}: case ${toks[k]!.text} of switch ${toks[i]!.text}; name the ${f.what}`);
      }
    }
  }
  return problems;
}

/** Part lists (KERNEL_SOURCES' entries: the same arrays on every lookup) that met the host's contract. */
const CHECKED = new WeakSet<readonly string[]>();

/**
 * Checks a kernel's handwritten parts (not the generated constants and structs) against the
 * contract; throws a ShaderContractError listing every problem. `families` defaults to the
 * host's (tests pass altered ones to show a disagreement is caught).
 */
export function checkContract(kernel: string, parts: readonly string[], families: Readonly<Record<string, CodeFamily>> = CODE_FAMILIES): void {
  if (families === CODE_FAMILIES && CHECKED.has(parts)) return;
  const list = Object.values(families);
  const defined = new Map<string, CodeFamily>();
  for (const f of list) for (const n of Object.keys(f.names)) defined.set(n, f);
  const problems: string[] = [];
  const used = new Set<string>();
  parts.forEach((part, i) => {
    if (/^\s*enable\s/.test(part)) return;
    problems.push(...partProblems(partName(part, i), part, list, defined));
    for (const t of tokenize(stripComments(part))) if (t.type === 'ident') used.add(t.text);
  });
  for (const f of list) {
    if (!f.exhaustive || !f.carriers.some((c) => used.has(c))) continue;
    const missing = Object.keys(f.names).filter((n) => !used.has(n));
    if (missing.length > 0) problems.push(`reads ${f.carriers.filter((c) => used.has(c)).join('/')} but has no branch for ${missing.join(', ')} (every ${f.what} needs one)`);
  }
  if (problems.length > 0) throw new ShaderContractError(kernel, problems);
  if (families === CODE_FAMILIES) CHECKED.add(parts);
}
