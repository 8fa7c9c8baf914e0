/**
 * Headless reproductions in Node: `npm run reproduce -- <experiment> [options]`.
 * Runs on the GPU through dawn.node (WebGPU), or on the CPU reference engine with --cpu.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Experiment } from './experiment.ts';
import { ExperimentError } from './experiment.ts';
import { runCpu } from './reference.ts';
import type { Snapshot } from './stats.ts';
import { DU_KS, DU_P, DU_RATIOS, duCell, duPaperValue } from './experiments/du-table1.ts';

const EXPERIMENTS = ['du-table1'] as const;

const USAGE = `usage: npm run reproduce -- <experiment> [options]

experiments:
  du-table1      Du et al. (2018) Table 1: P(global minimum) over k × (1ᵀa*)²/‖a*‖², p = 6

options:
  --k LIST        cells' k, comma-separated (default: ${DU_KS.join(',')})
  --ratio LIST    cells' (1ᵀa*)²/‖a*‖², comma-separated (default: ${DU_RATIOS.join(',')})
  --restarts N    random initialisations per cell (default 5000)
  --seed S        seed of the initialisations (default 2018)
  --json FILE     also write the results as JSON
  --cpu           run on the CPU reference engine instead of WebGPU
  -h, --help      this help`;

interface Cell {
  k: number;
  ratio: number;
  restarts: number;
  global: number;
  spurious: number;
  diverged: number;
  undecided: number;
  pGlobal: number;
  ci95: [number, number];
  paper: number | null;
  seconds: number;
}

function parseList(name: string, value: string | undefined, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  const xs = value.split(',').map((s) => Number(s.trim()));
  if (xs.some((x) => !Number.isFinite(x))) throw new ExperimentError(`--${name}`, `must be a comma-separated list of numbers (got '${value}')`);
  return xs;
}

function parseInteger(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!Number.isInteger(x) || x < min) throw new ExperimentError(`--${name}`, `must be an integer ≥ ${min} (got '${value}')`);
  return x;
}

type Runner = { adapter: string; run: (exp: Experiment) => AsyncIterable<Snapshot>; close: () => void };

async function gpuRunner(): Promise<Runner> {
  const { getDevice } = await import('../host/device.ts');
  const { GpuEngine } = await import('../host/run.ts');
  const handle = await getDevice();
  const engine = new GpuEngine(handle);
  return { adapter: handle.info.label, run: (exp) => engine.run(exp), close: () => handle.destroy() };
}

function cpuRunner(): Runner {
  return { adapter: 'CPU reference engine (Float64, one thread)', run: (exp) => runCpu(exp), close: () => undefined };
}

function progress(label: string, s: Snapshot): void {
  if (!process.stderr.isTTY) return;
  const width = 24;
  const filled = Math.round((s.done / s.total) * width);
  const eta = s.restartsPerSec > 0 ? (s.total - s.done) / s.restartsPerSec : Infinity;
  process.stderr.write(
    `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${s.done}/${s.total} ` +
      `p=${s.pGlobal.toFixed(3)} ETA ${Number.isFinite(eta) ? eta.toFixed(0) + 's' : '?'}   `,
  );
}

function formatTable(cells: Cell[]): string {
  const head = ['k', 'ratio', 'restarts', 'global', 'spurious', 'diverged', 'undecided', 'P(global) [95% CI]', 'paper', 'in CI', 's'];
  const rows = cells.map((c) => [
    String(c.k),
    String(c.ratio),
    String(c.restarts),
    String(c.global),
    String(c.spurious),
    String(c.diverged),
    String(c.undecided),
    `${c.pGlobal.toFixed(3)} [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}]`,
    c.paper === null ? '—' : c.paper.toFixed(2),
    c.paper === null ? '—' : c.paper >= c.ci95[0] && c.paper <= c.ci95[1] ? 'yes' : 'no',
    c.seconds.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => x.padStart(widths[i])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      k: { type: 'string' },
      ratio: { type: 'string' },
      restarts: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      cpu: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const experiment = positionals[0];
  if (!experiment || !(EXPERIMENTS as readonly string[]).includes(experiment)) {
    console.error(`${experiment ? `unknown experiment '${experiment}'` : 'no experiment given'}\n\n${USAGE}`);
    return 2;
  }
  const ks = parseList('k', values.k, DU_KS);
  const ratios = parseList('ratio', values.ratio, DU_RATIOS);
  const restarts = parseInteger('restarts', values.restarts, 5000, 1);
  const seed = parseInteger('seed', values.seed, 2018, 0);
  // Validate every cell before any GPU work.
  const cells = ks.flatMap((k) => ratios.map((ratio) => ({ k, ratio, exp: duCell({ k, ratio, restarts, seed }) })));

  const runner = values.cpu ? cpuRunner() : await gpuRunner();
  console.log(`${experiment}: p = ${DU_P}, ${restarts} restarts per cell, seed ${seed}, on ${runner.adapter}`);
  const results: Cell[] = [];
  try {
    for (const { k, ratio, exp } of cells) {
      const t0 = performance.now();
      let last: Snapshot | undefined;
      for await (const s of runner.run(exp)) {
        last = s;
        progress(`k=${k} ratio=${ratio}`, s);
      }
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      const s = last!;
      results.push({
        k,
        ratio,
        restarts: s.done,
        ...s.counts,
        pGlobal: s.pGlobal,
        ci95: s.ci95,
        paper: duPaperValue(k, ratio) ?? null,
        seconds: (performance.now() - t0) / 1000,
      });
      console.log(formatTable(results.slice(-1)).split('\n').slice(results.length === 1 ? 0 : 2).join('\n'));
    }
  } finally {
    runner.close();
  }
  const first = cells[0].exp;
  if (values.json) {
    const out = {
      experiment,
      config: {
        p: DU_P,
        restartsPerCell: restarts,
        loss: first.loss,
        optimizer: first.optimizer,
        init: first.init,
        maxSteps: first.maxSteps,
        outcome: { ...first.outcome, trap: 'Du et al. Lemma 5.1 angle-π point (per cell)' },
        teacher: 'src/teachers.ts duTeacher(p, k, ratio, seed 1)',
      },
      seed,
      adapter: runner.adapter,
      cells: results.map(({ seconds: _s, ...c }) => c),
    };
    writeFileSync(values.json, JSON.stringify(out, null, 2) + '\n');
    console.log(`wrote ${values.json}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ExperimentError) console.error(`invalid input — ${err.message}`);
    else if (err instanceof Error && err.name === 'NoWebGPUError') console.error(`${err.message}\n\nTo run on the CPU instead: add --cpu`);
    else console.error(err);
    process.exit(1);
  },
);
