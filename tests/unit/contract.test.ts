/**
 * The host/WGSL contract (host/contract.ts). The codes' values live on the host only: every
 * kernel names them (OUTCOME_GLOBAL, ACT_RELU, STREAM_INIT, INIT_GRID, LOSS_FRESH, OPT_GD) and the
 * host injects their definitions. What could still drift is caught here, without a GPU:
 *
 *   - the WGSL side writing a bare number where a code is meant, or a name the host does not
 *     define, or defining a code itself, or declaring a shared buffer with another layout than its
 *     schema's: each real kernel is altered in one place per kind of code and checkContract
 *     must refuse it;
 *   - the host side adding, removing or renaming a code: the kernels that dispatch on the family
 *     must have a branch for every code, and every name they use must still be defined.
 *
 * tests/gpu/contract.gpu.test.ts runs the statistics kernel against the CPU tally for the
 * layout's and the values' side (a decoder or a code value that disagreed would show there).
 */
import { describe, expect, it } from 'vitest';
import { KERNEL_SOURCES, type KernelName, kernelSource } from '../../host/kernels.ts';
import { CODE_FAMILIES, type CodeFamily, CONTRACT_WGSL, checkContract, checkCountSlots, contractConstants } from '../../host/contract.ts';
import { OUTCOME } from '../../src/core/outcome.ts';
import { ACTIVATION_CODE } from '../../src/core/model.ts';
import { STREAM } from '../../src/core/rng.ts';
import { COARSE_PANEL, GAUSS_RANGE, gaussLegendre } from '../../src/core/gaussian-quadrature.ts';
import { QUADRATURE_NORM_LIMIT, QUADRATURE_ORDER } from '../../src/core/pair-kernels.ts';
import { kernelConstantsFor } from './kernel-constants.ts';

const KERNELS = Object.keys(KERNEL_SOURCES) as KernelName[];

/** The kernel's parts with `from` replaced by `to` in the part named `file` (which must contain it). */
function altered(kernel: KernelName, file: string, from: string, to: string): string[] {
  let hits = 0;
  const parts = KERNEL_SOURCES[kernel].map((p) => {
    if (!p.startsWith(`// ${file} `)) return p;
    expect(p, `${file} contains '${from}'`).toContain(from);
    hits++;
    return p.replace(from, to);
  });
  expect(hits, `${kernel} has ${file}`).toBe(1);
  return parts;
}

describe('the real kernels meet the contract', () => {
  for (const name of KERNELS) it(name, () => expect(() => checkContract(name, KERNEL_SOURCES[name])).not.toThrow());

  it('every code is injected by name, with its value from the science', () => {
    const c = contractConstants();
    expect(c.OUTCOME_GLOBAL).toEqual({ u32: OUTCOME.global });
    expect(c.OUTCOME_UNDECIDED).toEqual({ u32: OUTCOME.undecided });
    expect(c.ACT_LEAKY_RELU).toEqual({ u32: ACTIVATION_CODE['leaky-relu'] });
    expect(c.STREAM_INDEX).toEqual({ u32: STREAM.index });
    expect(c.SHARED_RESTART).toEqual({ u32: 0xffffffff });
    expect(c.INIT_GRID).toEqual({ u32: 3 });
    expect(c.LOSS_FRESH).toEqual({ u32: 2 });
    expect(c.OPT_ADAGRAD).toEqual({ u32: 1 });
    expect(CONTRACT_WGSL).toContain(`const OUTCOME_SPURIOUS: u32 = ${OUTCOME.spurious}u;`);
    // ... and nowhere in the handwritten WGSL: no kernel declares a code itself.
    for (const name of KERNELS) expect(kernelSource(name, kernelConstantsFor(name)).match(/^const OUTCOME_SPURIOUS\b/gm)).toHaveLength(1);
  });

  it("the sigmoid/tanh quadrature's order, range, norm limit and Gauss–Legendre rule are the CPU's, rounded once to f32", () => {
    const c = contractConstants();
    const { nodes, weights } = gaussLegendre(QUADRATURE_ORDER);
    expect(c.QUADRATURE_ORDER).toEqual({ u32: QUADRATURE_ORDER });
    expect(c.QUADRATURE_NORM_LIMIT).toEqual({ f32: QUADRATURE_NORM_LIMIT });
    expect([c.GAUSS_RANGE, c.COARSE_PANEL]).toEqual([{ f32: GAUSS_RANGE }, { f32: COARSE_PANEL }]);
    const table = (name: string) => {
      const m = new RegExp(`^const ${name} = array<f32, (\\d+)>\\(([^)]*)\\);$`, 'm').exec(CONTRACT_WGSL);
      expect(m, name).not.toBeNull();
      expect(Number(m![1])).toBe(QUADRATURE_ORDER);
      return m![2]!.split(', ').map(Number);
    };
    expect(table('GL_NODES')).toEqual(Array.from(nodes, Math.fround));
    expect(table('GL_WEIGHTS')).toEqual(Array.from(weights, Math.fround));
  });
});

describe('the WGSL side changed in one place is caught', () => {
  // [what, kernel, file, from, to, message]: `to` is what the kernels used to say, or a slip.
  const cases: [string, KernelName, string, string, string, RegExp][] = [
    ['outcome compared with a literal', 'reduce', 'reduce.wgsl', 'st.status == OUTCOME_GLOBAL', 'st.status == 1u', /reduce\.wgsl:\d+: status meets the bare literal 1u; name the outcome code/],
    ['outcome as a count slot by hand', 'reduce', 'reduce.wgsl', 'st.status - OUTCOME_GLOBAL', 'st.status - 1u', /status meets the bare literal 1u/],
    ['outcome assigned as a literal', 'population_step_span', 'population_step_span.wgsl', 'code = OUTCOME_DIVERGED;', 'code = 3u;', /code meets the bare literal 3u/],
    ['outcome passed as a literal', 'init', 'init.wgsl', 'RestartState(OUTCOME_RUNNING,', 'RestartState(0u,', /RestartState\(…\) takes a outcome code as argument 1, given the bare literal 0u/],
    ['activation case as a literal', 'activation', 'lib/activation.wgsl', 'case ACT_SIGMOID:', 'case 3u:', /case 3u of switch ACT; name the activation code/],
    ['activation code misspelt', 'activation', 'lib/activation.wgsl', 'case ACT_SIGMOID:', 'case ACT_SIGMOIDAL:', /ACT_SIGMOIDAL is not a activation code the host defines/],
    ['init kind as a literal', 'init', 'init.wgsl', 'kind == INIT_GRID', 'kind == 3u', /kind meets the bare literal 3u; name the init kind/],
    ['init kind branch dropped', 'init', 'init.wgsl', 'kind == INIT_DU || ', '', /has no branch for INIT_DU/],
    ['loss mode as a literal', 'empirical_step', 'lib/sample_grad.wgsl', 'MODE == LOSS_FRESH', 'MODE == 2u', /MODE meets the bare literal 2u; name the loss mode/],
    ['optimiser as a literal', 'population_step', 'lib/restart.wgsl', 'rule == OPT_GD', 'rule == 0u', /rule meets the bare literal 0u; name the optimiser/],
    ['RNG stream as a literal', 'init', 'init.wgsl', 'STREAM_INIT, p)', '0u, p)', /rng_normal\(…\) takes a RNG stream as argument 3, given the bare literal 0u/],
    ['RNG stream defined by the kernel', 'empirical_step', 'lib/sample_grad.wgsl', '@group(0) @binding(5)', 'const STREAM_FRESH: u32 = 2u;\n@group(0) @binding(5)', /declares STREAM_FRESH, which only host\/contract\.ts defines/],
    ['shared-restart key as a literal', 'sample', 'sample.wgsl', 'rng_normal(job.seed, SHARED_RESTART', 'rng_normal(job.seed, 0xffffffffu', /takes a RNG restart key as argument 2, given the bare literal 0xffffffffu/],
    ['stats offsets by hand', 'reduce', 'reduce.wgsl', 'var<storage, read_write> stats: Stats;', 'var<storage, read_write> stats: array<atomic<u32>>;', /binding stats is declared array<atomic<u32>>, not Stats/],
    ['restart state by hand', 'classify', 'lib/bindings.wgsl', 'state: array<RestartState>', 'state: array<vec4u>', /binding state is declared array<vec4u>, not array<RestartState>/],
  ];
  for (const [what, kernel, file, from, to, message] of cases) {
    it(`${what} (${file})`, () => {
      expect(() => checkContract(kernel, KERNEL_SOURCES[kernel])).not.toThrow();
      expect(() => checkContract(kernel, altered(kernel, file, from, to))).toThrow(message);
    });
  }

  it('through kernelSource too: composing the kernel fails, naming it', () => {
    expect(() => checkContract('reduce', altered('reduce', 'reduce.wgsl', 'st.status == OUTCOME_SPURIOUS', 'st.status == 2u'))).toThrow(/^kernel 'reduce' breaks the host\/WGSL contract/);
  });
});

describe('the host side changed in one place is caught', () => {
  const withCodes = (family: string, codes: Record<string, number>): Record<string, CodeFamily> => {
    const f = CODE_FAMILIES[family]!;
    const names = Object.fromEntries(Object.entries(codes).map(([k, v]) => [f.prefix + k, v]));
    return { ...CODE_FAMILIES, [family]: { ...f, names } };
  };
  const namesOf = (family: string) => Object.fromEntries(Object.entries(CODE_FAMILIES[family]!.names).map(([k, v]) => [k.slice(CODE_FAMILIES[family]!.prefix!.length), v]));

  it('a new activation with no branch in lib/activation.wgsl', () => {
    for (const kernel of ['activation', 'sample', 'empirical_step'] as const) {
      expect(() => checkContract(kernel, KERNEL_SOURCES[kernel], withCodes('activation', { ...namesOf('activation'), GELU: 5 }))).toThrow(/reads ACT but has no branch for ACT_GELU/);
    }
  });
  it('a new init kind with no branch in init.wgsl', () => {
    expect(() => checkContract('init', KERNEL_SOURCES.init, withCodes('init', { ...namesOf('init'), TENSOR: 4 }))).toThrow(/reads initKind\/kind but has no branch for INIT_TENSOR/);
  });
  it('a new loss mode with no branch in lib/sample_grad.wgsl', () => {
    expect(() => checkContract('empirical_step', KERNEL_SOURCES.empirical_step, withCodes('loss', { ...namesOf('loss'), STREAMED: 3 }))).toThrow(/has no branch for LOSS_STREAMED/);
  });
  it('a new optimiser with no branch in lib/restart.wgsl', () => {
    expect(() => checkContract('population_step', KERNEL_SOURCES.population_step, withCodes('optimizer', { ...namesOf('optimizer'), ADAM: 2 }))).toThrow(/reads OPT\/rule but has no branch for OPT_ADAM/);
  });
  it('an outcome renamed on the host', () => {
    const { UNDECIDED: _, ...rest } = namesOf('outcome');
    expect(() => checkContract('population_step', KERNEL_SOURCES.population_step, withCodes('outcome', { ...rest, TIMEOUT: 4 }))).toThrow(/lib\/bindings\.wgsl:\d+: OUTCOME_UNDECIDED is not a outcome code the host defines/);
  });
  it('an RNG stream renamed on the host', () => {
    const { INIT: _, ...rest } = namesOf('stream');
    expect(() => checkContract('init', KERNEL_SOURCES.init, withCodes('stream', { ...rest, INITIAL: 0 }))).toThrow(/init\.wgsl:\d+: STREAM_INIT is not a RNG stream the host defines/);
  });
  it('outcome codes that would put a count in the wrong stats slot', () => {
    expect(() => checkCountSlots(OUTCOME)).not.toThrow();
    expect(() => checkCountSlots({ ...OUTCOME, diverged: 4, undecided: 3 })).toThrow(/count slot of 'diverged' would be 3, not 2/);
  });
});
