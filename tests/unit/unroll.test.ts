import { describe, expect, it } from 'vitest';
import { kernelSource } from '../../host/kernels.ts';
import { evalConstExpr, unrollLoops } from '../../host/unroll.ts';
import { duTeacher } from '../../src/core/teachers.ts';
import { SMALL_EXPERIMENT, kernelConstantsFor } from './kernel-constants.ts';

const WIDE = { maxTrips: 100, maxChars: 1e6 };

describe('evalConstExpr', () => {
  it('evaluates integer expressions of constants with WGSL precedence and truncating division', () => {
    expect(evalConstExpr('F * K', { F: 2, K: 25 })).toBe(50);
    expect(evalConstExpr('A_OFF + 2u * (M - 1) / 4', { A_OFF: 6, M: 6 })).toBe(8);
    expect(evalConstExpr('7 / 2', {})).toBe(3);
  });
  it('names what it cannot evaluate', () => {
    expect(() => evalConstExpr('cfg.n', {})).toThrow(/'cfg' is not a u32 compile-time constant/);
    expect(() => evalConstExpr('K +', { K: 1 })).toThrow(/unexpected end/);
    expect(() => evalConstExpr('(K', { K: 1 })).toThrow(/missing '\)'/);
  });
});

describe('unrollLoops', () => {
  it('repeats the body once per trip, each copy in a block opening with a const', () => {
    const src = 'fn f() {\n  // @unroll\n  for (var i = 0u; i < N; i++) { s += a[i]; }\n  t = 1;\n}\n';
    const out = unrollLoops(src, { N: 3 }, WIDE);
    expect(out).toBe('fn f() {\n  { const i = 0u; s += a[i]; }\n  { const i = 1u; s += a[i]; }\n  { const i = 2u; s += a[i]; }\n  t = 1;\n}\n');
  });

  it('expands nested marked loops and leaves unmarked loops alone', () => {
    const src = [
      '// @unroll',
      'for (var i = 0u; i < 2u; i++) {',
      '  // @unroll',
      '  for (var j = 0u; j < K; j++) { x[i * K + j] = 0.0; }',
      '  for (var b = 0u; b < n; b++) { y += 1.0; }',
      '}',
      '',
    ].join('\n');
    const out = unrollLoops(src, { K: 2 }, WIDE);
    expect(out.match(/const i = \du;/g)).toEqual(['const i = 0u;', 'const i = 1u;']);
    expect(out.match(/const j = \du;/g)).toHaveLength(4);
    expect(out.match(/for \(var b = 0u; b < n; b\+\+\)/g)).toHaveLength(2);
    expect(out).not.toContain('@unroll');
  });

  it('keeps a loop past maxTrips or maxChars, with its inner loops still expanded', () => {
    const src = '// @unroll\nfor (var i = 0u; i < 200u; i++) {\n  // @unroll\n  for (var u = 0u; u < 2u; u++) { z += w[u] * x[i]; }\n}\n';
    const out = unrollLoops(src, {}, { maxTrips: 100, maxChars: 1e6 });
    expect(out).toContain('for (var i = 0u; i < 200u; i++) {');
    expect(out.match(/const u = \du;/g)).toEqual(['const u = 0u;', 'const u = 1u;']);
    const short = unrollLoops('// @unroll\nfor (var i = 0u; i < 50u; i++) { z += 1.0; }\n', {}, { maxTrips: 100, maxChars: 100 });
    expect(short).toContain('for (var i = 0u; i < 50u; i++)');
  });

  it('refuses what it cannot expand faithfully', () => {
    expect(() => unrollLoops('// @unroll\nfor (var i = 0u; i < 4u; i++) { if (x) { break; } }\n', {}, WIDE)).toThrow(/break or continue/);
    expect(() => unrollLoops('// @unroll\nwhile (true) {}\n', {}, WIDE)).toThrow(/must precede a loop/);
    expect(() => unrollLoops('// @unroll\nfor (var i = 0u; i < 4u; i++) { {\n', {}, WIDE)).toThrow(/unbalanced/);
  });

  it('ignores braces inside comments', () => {
    const out = unrollLoops('// @unroll\nfor (var i = 0u; i < 2u; i++) { // a } in a comment\n  s += 1.0;\n}\n', {}, WIDE);
    expect(out.match(/const i/g)).toHaveLength(2);
  });
});

it('the empirical step kernel comes out of the unroller with no marks left and its loops expanded', () => {
  // Du et al.'s p = 6, k = 25 (the shapes the benchmarks time), with the constants the engine passes.
  const consts = kernelConstantsFor('empirical_step', { ...SMALL_EXPERIMENT, model: { ...SMALL_EXPERIMENT.model, d: 150 }, teacher: duTeacher(6, 25, 4, 1) });
  const code = kernelSource('empirical_step', consts);
  expect(code).not.toMatch(/^\s*\/\/ @unroll\s*$/m);
  // K · M coordinates, once in the forward and once in the backward pass.
  expect(code.match(/const u = \d+u;/g)).toHaveLength(2 * 25 * 6);
});
