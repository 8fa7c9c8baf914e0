/**
 * A real single-node Slurm cluster for a test, in a temp directory: munged on its own socket and
 * key, slurmctld and slurmd in the foreground (their pids are ours: stop() ends those, and only
 * those), clients pointed at it through SLURM_CONF. Installs slurm-wlm and munge with apt-get
 * as root when they are missing; otherwise fails saying what to install.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, cpus } from 'node:os';
import { join } from 'node:path';

const BINARIES = ['sbatch', 'sinfo', 'slurmctld', 'slurmd', 'munged', 'mungekey'];
const INSTALL = 'apt-get install -y slurm-wlm munge';

const has = (bin: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
    return true;
  } catch {
    return false;
  }
};

/** Installs Slurm and MUNGE where missing (as root), or throws saying what to install. */
export function ensureSlurm(): void {
  if (BINARIES.every(has)) return;
  if (process.getuid?.() !== 0) throw new Error(`the Slurm test needs Slurm and MUNGE (${BINARIES.filter((b) => !has(b)).join(', ')} missing): install them as root: ${INSTALL}`);
  try {
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${INSTALL} -qq`], { stdio: 'inherit' });
  } catch (e) {
    throw new Error(`could not install Slurm (${(e as Error).message}): install it yourself: ${INSTALL}`);
  }
  if (!BINARIES.every(has)) throw new Error(`after ${INSTALL}, still missing: ${BINARIES.filter((b) => !has(b)).join(', ')}`);
}

export interface Cluster {
  /** Environment for Slurm clients (sbatch, sinfo): SLURM_CONF. */
  env: NodeJS.ProcessEnv;
  dir: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts munged, slurmctld and slurmd under `dir`; resolves once the node is idle. */
export async function startCluster(dir: string): Promise<Cluster> {
  const host = hostname().split('.')[0];
  const ncpu = Math.max(1, cpus().length);
  const p = (f: string) => join(dir, f);
  for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(p(d), { recursive: true, mode: 0o700 });
  const socket = p('munge/munge.socket');
  execFileSync('mungekey', ['-c', '-f', '-k', p('munge/munge.key')], { stdio: 'ignore' });
  // Ports of our own, so that a Slurm already on the machine is left alone.
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = p('slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=basins-test',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      'AuthType=auth/munge',
      `AuthInfo=socket=${socket}`,
      'CredType=cred/munge',
      `StateSaveLocation=${p('state')}`,
      `SlurmdSpoolDir=${p('spool')}`,
      `SlurmctldPidFile=${p('slurmctld.pid')}`,
      `SlurmdPidFile=${p('slurmd.pid')}`,
      `SlurmctldLogFile=${p('log/slurmctld.log')}`,
      `SlurmdLogFile=${p('log/slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'AccountingStorageType=accounting_storage/none',
      'JobAcctGatherType=jobacct_gather/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'SchedulerType=sched/backfill',
      `NodeName=${host} CPUs=${ncpu} State=UNKNOWN`,
      `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf, PATH: `${process.env.PATH}:/usr/sbin:/sbin` };
  const daemons: ChildProcess[] = [];
  /** Ends the daemons started here, by their pids, newest first, and waits (≤ 10 s) until they have. */
  const stop = async () => {
    for (const d of [...daemons].reverse()) {
      if (!d.pid || d.exitCode !== null || d.signalCode !== null) continue;
      const exited = new Promise((r) => d.once('exit', r));
      try {
        process.kill(d.pid, 'SIGTERM');
      } catch {
        continue; // already gone
      }
      await Promise.race([exited, sleep(10_000)]);
    }
  };
  const start = (cmd: string, args: string[]) => {
    const d = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    d.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    daemons.push(d);
    return () => err;
  };
  try {
    start('munged', ['-F', '-f', `--socket=${socket}`, `--key-file=${p('munge/munge.key')}`, `--pid-file=${p('munge/munged.pid')}`, `--log-file=${p('log/munged.log')}`, `--seed-file=${p('munge/seed')}`]);
    await sleep(500);
    const ctldErr = start('slurmctld', ['-D', '-i', '-f', conf]);
    await sleep(1000);
    const dErr = start('slurmd', ['-D', '-f', conf]);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = (() => {
        try {
          return execFileSync('sinfo', ['-h', '-N', '-o', '%t'], { env, encoding: 'utf8' }).trim();
        } catch {
          return '';
        }
      })();
      if (/^idle/.test(state)) break;
      const dead = daemons.find((d) => d.exitCode !== null);
      if (dead || Date.now() > deadline) {
        throw new Error(`the Slurm cluster did not come up (node state '${state}'${dead ? `; ${dead.spawnargs[0]} exited ${dead.exitCode}` : ''}): slurmctld: ${ctldErr().slice(-500)} slurmd: ${dErr().slice(-500)} (logs in ${p('log')})`);
      }
      await sleep(500);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { env, dir, stop };
}
