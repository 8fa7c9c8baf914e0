/**
 * The library as a user gets it: `npm pack` (whose prepack builds dist-lib/: one ES module with
 * the shaders inlined, and its declarations), the tarball unpacked into a scratch project's
 * node_modules as `npm install <tarball>` would, a user's TypeScript file type-checked against
 * the packed declarations and compiled by tsc, then run by plain node (no loader, no tsx): one
 * Table 1 cell on the CPU engine, and on the GPU engine with the same counts.
 *
 * Dependencies come from this repository's installed tree, not the registry: the scratch project
 * links exactly the production closure of package-lock.json (no devDependency is reachable, so a
 * runtime import of one — vite, TF.js, tsx — fails here as it would for a user). Only npm's own
 * resolution of the version ranges is not exercised; it is the lockfile's by construction.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const RESTARTS = 200;

/** A user's code: typed against the package, one cell on each engine, the cells as JSON. */
const CONSUMER = `
import { type CellResult, type Engine, type ExperimentResult, GpuEngine, NoWebGPUError, cpuEngine, getDevice, runExperiment } from 'basins';

async function oneCell(engine: Engine): Promise<CellResult[]> {
  const run = runExperiment('du-table1', { k: [25], ratio: [4], restarts: ${RESTARTS} }, { engine });
  for (;;) {
    const next = await run.next();
    if (next.done) return (next.value satisfies ExperimentResult).cells;
  }
}

const cpu = await oneCell(cpuEngine());
let gpu: CellResult[] | string;
try {
  const handle = await getDevice();
  gpu = await oneCell(new GpuEngine(handle));
  handle.destroy();
} catch (e) {
  if (!(e instanceof NoWebGPUError)) throw e;
  gpu = e.message;
}
console.log(JSON.stringify({ cpu, gpu }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: [],
    strict: true,
    // Checks the packed declarations too. Errors inside third-party declarations (typegpu's,
    // against this TypeScript and lib) are theirs, and filtered out below.
    skipLibCheck: false,
    rootDir: '.',
    outDir: 'out',
  },
  files: ['consumer.ts'],
};

let scratch: string;
let packed: string[];
let tscErrors: string[];

/** package-lock.json's top-level packages that a production install has (no dev-only ones). */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, e]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !e.dev && !e.devOptional)
    .map(([path]) => path);
}

function run(cmd: string, args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'basins-package-'));
  const pack = run('npm', ['pack', '--pack-destination', scratch], ROOT);
  expect(pack.status, pack.out).toBe(0);
  const tarball = join(scratch, readdirSync(scratch).find((f) => f.endsWith('.tgz'))!);
  packed = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);

  const installed = join(scratch, 'node_modules/basins');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const path of productionPackages()) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    symlinkSync(join(ROOT, path), join(scratch, path), 'dir');
  }

  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'a-user', private: true, type: 'module' }));
  writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  writeFileSync(join(scratch, 'consumer.ts'), CONSUMER);
  const tsc = run(process.execPath, [TSC, '-p', '.'], scratch);
  tscErrors = tsc.out.split('\n').filter((l) => /^\S.*\(\d+,\d+\): error TS/.test(l));
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed library', () => {
  it('holds the built module, its declarations and no sources: no .ts outside the declarations, no .wgsl', () => {
    expect(packed).toContain('package/package.json');
    expect(packed).toContain('package/dist-lib/index.js');
    expect(packed).toContain('package/dist-lib/types/src/index.d.ts');
    expect(packed.filter((f) => (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.wgsl'))).toEqual([]);
  });

  it("type-checks a user's TypeScript file against the packed declarations (strict, NodeNext)", () => {
    const ours = tscErrors.filter((l) => l.startsWith('consumer.ts') || l.startsWith('node_modules/basins/'));
    expect(ours).toEqual([]);
  });

  it('runs a one-cell du-table1 from the compiled file with plain node: CPU engine, and GPU engine with the same counts', () => {
    const r = run(process.execPath, ['out/consumer.js'], scratch);
    expect(r.status, r.out).toBe(0);
    const { cpu, gpu } = JSON.parse(r.out.trim().split('\n').at(-1)!) as { cpu: CountsOf[]; gpu: CountsOf[] | string };
    expect(cpu).toHaveLength(1);
    const [cell] = cpu;
    expect(cell.key).toEqual({ k: 25, ratio: 4 });
    expect(cell.restarts).toBe(RESTARTS);
    expect(cell.global + cell.spurious + cell.diverged + cell.undecided).toBe(RESTARTS);
    // P(global) ≈ 0.73 in the paper: both outcomes occur in a couple of hundred restarts.
    expect(cell.global).toBeGreaterThan(RESTARTS / 2);
    expect(cell.spurious).toBeGreaterThan(0);

    if (typeof gpu === 'string') {
      expect(process.env.BASINS_ALLOW_NO_GPU, gpu).toBe('1');
      return;
    }
    const counts = (c: CountsOf) => ({ global: c.global, spurious: c.spurious, diverged: c.diverged, undecided: c.undecided });
    expect(gpu.map(counts)).toEqual(cpu.map(counts));
  });
});

interface CountsOf {
  key: Record<string, number>;
  restarts: number;
  global: number;
  spurious: number;
  diverged: number;
  undecided: number;
}
