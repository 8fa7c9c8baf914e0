/**
 * PyTorch as a peer (Node only): the same step as the TF.js peer, as most users of this field
 * would write it — bench/peers/torch_step.py, run by Debian's python3 with its python3-torch on
 * the CPU threads given. Optional: where no python3 with torch is found the suite says so and
 * goes on (`BASINS_TORCH_PYTHON` names another interpreter). Checked against the CPU reference
 * before it is timed, like the TF.js peers.
 */
import type { Experiment } from '../../src/core/experiment.ts';
import { type PeerRun, checkPeerAgainstCpu, duEmpiricalInputs, parameterRows, peerRate } from './du-empirical.ts';

/** Debian's interpreter, where its python3-torch installs (a pyenv or venv python3 on PATH usually has no torch). */
const DEFAULT_PYTHON = '/usr/bin/python3';

async function python(): Promise<string> {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.BASINS_TORCH_PYTHON ?? DEFAULT_PYTHON;
}

async function run(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const { spawnSync } = await import(/* @vite-ignore */ 'node:child_process');
  const out = spawnSync(await python(), args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (out.error) return { status: null, stdout: '', stderr: String(out.error.message) };
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** The torch version, or why the peer cannot run here. */
export async function torchAvailable(): Promise<{ version: string } | { absent: string }> {
  if (typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node !== 'string') return { absent: 'not in a browser' };
  const out = await run(['-c', 'import torch; print(torch.__version__)']);
  if (out.status !== 0) return { absent: `${await python()} cannot import torch (apt-get install python3-torch): ${out.stderr.trim().split('\n').at(-1) ?? ''}` };
  return { version: out.stdout.trim() };
}

async function script(): Promise<string> {
  const { fileURLToPath } = await import(/* @vite-ignore */ 'node:url');
  return fileURLToPath(new URL('./torch_step.py', import.meta.url));
}

/** `steps` GD steps of the experiment's restarts in PyTorch on `threads` CPU threads. */
export async function torchEmpiricalSteps(exp: Experiment, steps: number, threads = 2): Promise<PeerRun> {
  const inputs = duEmpiricalInputs(exp, 'torchEmpiricalSteps');
  const { R, p, K, n, lr } = inputs;
  const request = JSON.stringify({ threads, R, p, K, n, lr, steps, X: Array.from(inputs.X), y: Array.from(inputs.y), v0: Array.from(inputs.v0), a0: Array.from(inputs.a0) });
  const out = await run([await script()], request);
  if (out.status !== 0) throw new Error(`PyTorch peer failed (exit ${out.status}): ${out.stderr.trim()}`);
  const answer = JSON.parse(out.stdout) as { initialLoss: number[]; v: number[]; a: number[]; ms: number };
  return { initialLoss: Float64Array.from(answer.initialLoss), params: parameterRows(inputs, answer.v, answer.a), ms: answer.ms };
}

export function checkTorchAgainstCpu(exp: Experiment, steps: number, threads: number): Promise<{ loss: number; params: number }> {
  return checkPeerAgainstCpu('PyTorch', (e, n) => torchEmpiricalSteps(e, n, threads), exp, steps);
}

export function torchRate(exp: Experiment, R: number, steps: number, chunk: number, threads: number): Promise<{ rate: number; ms: number }> {
  return peerRate((e, n) => torchEmpiricalSteps(e, n, threads), exp, R, steps, chunk);
}
