/**
 * The folder tree shows the layers, and this test holds the code to it: imports point towards the
 * science (src/core), never back; no import cycle between files anywhere in src/, host/ or bench/.
 *
 *   src/core ← src/engine ← host ← src/presets, src/results ← src/cli, src/ui ; bench beside
 *   src/core ← src/data (file formats of supplied datasets) ← src/presets, src/cli, src/ui, src
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

/** Each layer and the layers it may import (itself always allowed). */
const ALLOWED: Record<string, string[]> = {
  'src/core': [],
  'src/engine': ['src/core'],
  'src/results': ['src/core'],
  'src/data': ['src/core'],
  host: ['src/core', 'src/engine', 'shaders'],
  'src/presets': ['src/core', 'src/engine', 'src/results', 'src/data'],
  'src/cli': ['src/core', 'src/engine', 'src/results', 'src/presets', 'host', 'src/data'],
  'src/ui': ['src/core', 'src/engine', 'src/results', 'src/presets', 'host', 'bench', 'src/data'],
  bench: ['src/core', 'src/engine', 'src/results', 'src/presets', 'host', 'shaders'],
  src: ['src/core', 'src/engine', 'src/results', 'src/presets', 'host', 'src/data'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Relative imports of a file (static, dynamic, re-exports), as repository paths. */
export function importsOf(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  const specs = [...src.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

/** The layer a file belongs to: the longest ALLOWED key its path starts with. */
function layerOf(file: string): string | undefined {
  return Object.keys(ALLOWED)
    .filter((l) => file === l || file.startsWith(l + '/'))
    .sort((a, b) => b.length - a.length)[0];
}

const FILES = ['src', 'host', 'bench'].flatMap(sourceFiles);

describe('layers', () => {
  it('every source file is in a known layer', () => {
    expect(FILES.filter((f) => layerOf(f) === undefined)).toEqual([]);
    expect(FILES.length).toBeGreaterThan(30);
  });

  it('imports point only towards the science', () => {
    const wrong: string[] = [];
    for (const f of FILES) {
      const from = layerOf(f)!;
      for (const target of importsOf(f)) {
        const to = target.startsWith('shaders/') ? 'shaders' : layerOf(target);
        if (to !== from && !ALLOWED[from].includes(to ?? '?')) wrong.push(`${f} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no import cycle between files', () => {
    const graph = new Map(FILES.map((f) => [f, importsOf(f).filter((t) => t.endsWith('.ts'))]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of FILES) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the checker sees a wrong import (the test can fail)', () => {
    const to = layerOf('src/ui/main.ts');
    expect(ALLOWED['src/core'].includes(to!)).toBe(false);
    expect(importsOf('src/engine/cpu.ts')).toContain('src/core/prepare.ts');
  });
});
