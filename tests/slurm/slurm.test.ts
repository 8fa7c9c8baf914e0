/**
 * The Slurm job array on a real (single-node) Slurm cluster that the test starts itself
 * (tests/slurm/cluster.ts): scripts/slurm/submit.sh --wait submits 3 shards as an array job and
 * the dependent merge, and the merged JSON equals the single-process run's (apart from
 * RUN_SPECIFIC_FIELDS). CPU engine, a tiny configuration.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collect } from '../collect.ts';
import { withoutRunSpecific } from '../../src/cli/shard.ts';
import { cpuEngine } from '../../src/engine/cpu.ts';
import { runExperiment } from '../../src/presets/index.ts';
import { resultJsonText } from '../../src/results/report.ts';
import { type Cluster, ensureSlurm, startCluster } from './cluster.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'basins-slurm-'));
let cluster: Cluster | undefined;

beforeAll(async () => {
  ensureSlurm();
  cluster = await startCluster(join(dir, 'cluster'));
}, 300_000); // apt-get install on a fresh machine takes a while

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('3 shards as a Slurm array job and the dependent merge give the single-process result', { timeout: 120_000 }, async () => {
  const options = { k: [4, 9], ratio: [1, 4], restarts: 8, maxSteps: 200 };
  const flags = ['--k', '4,9', '--ratio', '1,4', '--restarts', '8', '--max-steps', '200', '--cpu'];
  const out = join(dir, 'run');
  let log = '';
  try {
    log = execFileSync('scripts/slurm/submit.sh', ['--wait', '3', out, 'du-table1', ...flags], { cwd: root, env: cluster!.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const jobLogs = readdirSync(out).filter((f) => f.endsWith('.out')).map((f) => `${f}:\n${readFileSync(join(out, f), 'utf8').slice(-1500)}`);
    throw new Error(`submit.sh failed: ${(e as { stderr?: string }).stderr ?? e}\n${jobLogs.join('\n')}`);
  }
  expect(log).toMatch(/shards: job \d+ \(array 0-2\)\nmerge: job \d+ \(after job \d+ succeeds\)/);
  expect(readdirSync(join(out, 'parts')).sort()).toEqual([0, 1, 2].map((i) => `du-table1.part-${i}-of-3.json`));
  const { result } = await collect(runExperiment('du-table1', options, { engine: cpuEngine() }));
  const merged = readFileSync(join(out, 'du-table1.json'), 'utf8');
  expect(withoutRunSpecific(merged)).toEqual(withoutRunSpecific(resultJsonText(result)));
  expect(readdirSync(out)).toEqual(expect.arrayContaining(['du-table1.md', 'du-table1.csv']));
});

it('a failed shard cancels the merge, and submit.sh --wait says so and fails', { timeout: 60_000 }, () => {
  const out = join(dir, 'failing');
  let failure: { status?: number; stderr?: string } | undefined;
  try {
    execFileSync('scripts/slurm/submit.sh', ['--wait', '1', out, 'du-table1', '--cpu', '--restarts', '0'], { cwd: root, env: cluster!.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    failure = e as typeof failure;
  }
  expect(failure?.status).toBe(1);
  expect(failure?.stderr).toMatch(/the merge did not complete \(JobState=CANCELLED\): a shard failed; see .*basins-shard-\d+_\*\.out/);
  // The shard's own log says why.
  const logs = readdirSync(out).filter((f) => /^basins-shard-\d+_\d\.out$/.test(f));
  expect(logs.length).toBe(1);
  expect(readFileSync(join(out, logs[0]), 'utf8')).toMatch(/--restarts: must be an integer in \[1, /);
});
