/**
 * Shader composition (host/shader-source.ts, host/kernels.ts): every part's header says what it
 * provides and what it expects, and composing a kernel checks the headers against the text and
 * against each other, so a snippet's needs cannot go stale the way the old "Requires" comments did.
 */
import { describe, expect, it } from 'vitest';
import bindingsLib from '../../shaders/lib/bindings.wgsl';
import restartLib from '../../shaders/lib/restart.wgsl';
import stepChunkLib from '../../shaders/lib/step_chunk.wgsl';
import rngLib from '../../shaders/lib/rng.wgsl';
import activationLib from '../../shaders/lib/activation.wgsl';
import sampleGradLib from '../../shaders/lib/sample_grad.wgsl';
import extraNeuronLib from '../../shaders/lib/extra_neuron.wgsl';
import groupSumColumnsLib from '../../shaders/lib/group_sum_columns.wgsl';
import groupSumSubgroupLib from '../../shaders/lib/group_sum_subgroup.wgsl';
import groupSumWorkgroupLib from '../../shaders/lib/group_sum_workgroup.wgsl';
import populationStepKernel from '../../shaders/population_step.wgsl';
import empiricalStepCoopKernel from '../../shaders/empirical_step_coop.wgsl';
import { KERNEL_SOURCES, type KernelName, kernelParts, kernelSource, kernelSourceFrom } from '../../host/kernels.ts';
import { checkComposition, composeShader, describePart } from '../../host/shader-source.ts';
import { kernelConstantsFor } from './kernel-constants.ts';
import peakFmaKernel from '../../shaders/bench/peak_fma.wgsl';
import peakBandwidthKernel from '../../shaders/bench/peak_bandwidth.wgsl';
import { constantsWgsl } from '../../host/shader-source.ts';

const KERNELS = Object.keys(KERNEL_SOURCES) as KernelName[];

describe('the benchmark microkernels (bench/peak.ts composes them the same way)', () => {
  it('compose with the constant they expect, and fail without it', () => {
    expect(() => composeShader(constantsWgsl({ CHAINS: { u32: 8 } }), peakFmaKernel)).not.toThrow();
    expect(() => composeShader(peakFmaKernel)).toThrow(/expects const CHAINS/);
    expect(() => composeShader(peakBandwidthKernel)).not.toThrow();
  });
});

describe('every kernel of KERNEL_SOURCES', () => {
  for (const name of KERNELS) {
    it(`${name} composes: its parts' headers match their text, every expectation is provided once`, () => {
      expect(() => kernelSource(name, kernelConstantsFor(name))).not.toThrow();
    });
  }

  it('lists no snippet that nothing in the kernel needs', () => {
    for (const name of KERNELS) {
      const parts = checkComposition(kernelParts(KERNEL_SOURCES[name], kernelConstantsFor(name)));
      const expected = new Set(parts.flatMap((p) => p.expects.map((s) => s.name)));
      // The kernel (last part) is the entry point, the generated parts are every kernel's; every
      // snippet in between must be needed.
      for (const part of parts.slice(0, -1).filter((p) => p.name.endsWith('.wgsl'))) {
        expect(part.provides.some((s) => expected.has(s.name)), `${name}: ${part.name} is not needed`).toBe(true);
      }
    }
  });
});

describe('every item of every real header is needed', () => {
  // Each distinct part, with the first kernel that uses it.
  const owners = new Map<string, KernelName>();
  for (const name of KERNELS) for (const part of KERNEL_SOURCES[name]) if (!owners.has(part)) owners.set(part, name);
  const withoutItem = (part: string, item: string) => part.replace(new RegExp(`(// (?:provides|expects):.*?)(?:\\b${item}, |, ${item}\\b|\\b${item}\\b)`), '$1');

  for (const [part, kernel] of owners) {
    if (part.startsWith('enable ')) continue;
    const { name, provides, expects } = describePart(part);
    it(`${name}: dropping any one of its ${provides.length + expects.length} header items fails the composition`, () => {
      const compose = (p: string) => kernelSourceFrom(kernel, KERNEL_SOURCES[kernel].map((q) => (q === part ? p : q)), kernelConstantsFor(kernel));
      for (const s of expects) expect(() => compose(withoutItem(part, `${s.kind} ${s.name}`)), `without expects ${s.kind} ${s.name}`).toThrow(`${name} uses ${s.kind} ${s.name}`);
      for (const s of provides) expect(() => compose(withoutItem(part, `${s.kind} ${s.name}`)), `without provides ${s.kind} ${s.name}`).toThrow(`${name} declares ${s.kind} ${s.name}`);
    });
  }
});

describe('a kernel composed without a snippet it needs fails, naming the symbol and the file', () => {
  const consts = kernelConstantsFor('empirical_step_coop');

  it('population_step without lib/restart.wgsl', () => {
    expect(() => kernelSourceFrom('population_step', [bindingsLib, stepChunkLib, populationStepKernel], kernelConstantsFor('population_step'))).toThrow(
      /^kernel 'population_step': lib\/step_chunk\.wgsl expects var theta, which no part provides/,
    );
  });

  it('the cooperative kernel without its reduction', () => {
    const parts = [bindingsLib, restartLib, rngLib, activationLib, sampleGradLib, extraNeuronLib, groupSumColumnsLib, empiricalStepCoopKernel];
    expect(() => kernelSourceFrom('empirical_step_coop', parts, consts)).toThrow(/lib\/group_sum_columns\.wgsl expects const RED_ROWS, which no part provides/);
  });

  it('both reductions at once', () => {
    const parts = [bindingsLib, restartLib, rngLib, activationLib, sampleGradLib, extraNeuronLib, groupSumColumnsLib, groupSumWorkgroupLib, groupSumSubgroupLib, empiricalStepCoopKernel];
    expect(() => kernelSourceFrom('empirical_step_coop', parts, consts)).toThrow(/const RED_ROWS is provided by both lib\/group_sum_workgroup\.wgsl and lib\/group_sum_subgroup\.wgsl/);
  });

  it('the subgroup reduction without `enable subgroups;`', () => {
    const parts = KERNEL_SOURCES.empirical_step_coop_subgroup.filter((p) => !p.startsWith('enable '));
    expect(() => kernelSourceFrom('empirical_step_coop_subgroup', parts, consts)).toThrow(/lib\/group_sum_subgroup\.wgsl expects enable subgroups, which no part provides/);
  });

  it('a constant the host did not pass', () => {
    const { SAMPLE_INNERMOST: _, ...without } = kernelConstantsFor('empirical_step');
    expect(() => kernelSource('empirical_step', without)).toThrow(/lib\/sample_grad\.wgsl expects const SAMPLE_INNERMOST, which no part provides/);
  });

  it('lib/rng.wgsl alone for the sample kernel (no activations)', () => {
    expect(() => kernelSourceFrom('sample', [rngLib, KERNEL_SOURCES.sample[2]], kernelConstantsFor('sample'))).toThrow(/sample\.wgsl expects fn act_forward, which no part provides/);
  });
});

describe('a header that disagrees with its text is refused', () => {
  const lib = `// lib/a.wgsl — a snippet
// provides: const A, fn twice
const A: u32 = 2u;
fn twice(x: u32) -> u32 { return A * x; }
`;
  const kernel = (header: string, body = 'fn main() { let y = twice(B); }') => `// k.wgsl — a kernel\n${header}\nconst B: u32 = 1u;\n${body}\n`;

  it('accepts a matching pair, and composes it with separators naming the files', () => {
    const code = composeShader(lib, kernel('// provides: const B, fn main\n// expects: fn twice'));
    expect(code).toMatch(/^\/\/ ---- lib\/a\.wgsl ----\n/);
    expect(code).toContain('// ---- k.wgsl ----\n');
  });
  it('a use not listed under expects', () => {
    expect(() => composeShader(lib, kernel('// provides: const B, fn main'))).toThrow("k.wgsl uses fn twice (from lib/a.wgsl) but does not list it under expects");
  });
  it('an expectation never used', () => {
    expect(() => composeShader(lib, kernel('// provides: const B, fn main\n// expects: fn twice, const A'))).toThrow('k.wgsl lists const A under expects but never uses it');
  });
  it('an expectation of the wrong kind', () => {
    expect(() => composeShader(lib, kernel('// provides: const B, fn main\n// expects: var twice'))).toThrow('k.wgsl expects var twice, but lib/a.wgsl provides fn twice');
  });
  it('a declaration the header does not list', () => {
    expect(() => describePart(kernel('// provides: fn main'))).toThrow('k.wgsl declares const B, which its header does not list under provides');
  });
  it('a listed symbol the text does not declare', () => {
    expect(() => describePart(kernel('// provides: const B, fn main, var C'))).toThrow('k.wgsl lists var C under provides but does not declare it');
  });
  it('no header at all, or a malformed item', () => {
    expect(() => composeShader('// plain.wgsl\nfn main() {}')).toThrow("plain.wgsl has no '// provides:' line in its header");
    expect(() => describePart('// bad.wgsl\n// provides: main\nfn main() {}')).toThrow("bad.wgsl: header item 'main' is not");
  });
  it('locals, parameters and member names are not uses of another part\'s symbols', () => {
    const shadow = kernel('// provides: const B, fn main\n// expects: fn twice', 'fn main() { let A = twice(B); var s: S; s.A = A; }\nfn f(A: u32) {}');
    expect(() => composeShader(lib, shadow)).toThrow(/k\.wgsl declares fn f/);
    expect(() => composeShader(lib, shadow.replace('// provides: const B, fn main', '// provides: const B, fn main, fn f'))).not.toThrow();
  });
});
