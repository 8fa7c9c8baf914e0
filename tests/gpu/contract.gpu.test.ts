/**
 * The statistics kernel (shaders/reduce.wgsl) against the CPU tally (src/core/stats.ts), with the
 * restart states written and read through the RestartState schema and the statistics decoded
 * through the Stats schema (host/contract.ts): the values' and the layout's side of the host/WGSL
 * contract, which tests/unit/contract.test.ts cannot see without a GPU. Each agreement is shown
 * to fail when one side is changed: a decoder with another field order, and a kernel compiled
 * with two outcome codes swapped.
 */
import { expect } from 'vitest';
import tgpu from 'typegpu';
import * as d from 'typegpu/data';
import { Config, type ConfigValue, RestartState, STATS_BYTES, Stats } from '../../host/buffers.ts';
import { CODE_FAMILIES, contractConstants, decodeRestartStates, decodeStats } from '../../host/contract.ts';
import { KERNEL_SOURCES, kernelParts, kernelSource } from '../../host/kernels.ts';
import { composeShader, constantsWgsl } from '../../host/shader-source.ts';
import { OUTCOME, type OutcomeCode } from '../../src/core/outcome.ts';
import { HIST_BINS, LOG_LOSS_RANGE, type Tally, emptyTally, tallyRestart } from '../../src/core/stats.ts';
import { createBuffer, readBuffer, testWithDevice } from './harness.ts';

const R = 1000;
const WORKGROUP = 64;
/** Steps up to 2²⁴ − 1, so that Σ steps passes 2³² and carries into the high word. */
const MAX_STEPS = (1 << 24) - 1;
const u = (x: number) => ({ u32: x });
const CONSTS = { BINS: u(HIST_BINS), WORKGROUP: u(WORKGROUP), LOG_LOSS_LO: { f32: LOG_LOSS_RANGE[0] }, LOG_LOSS_HI: { f32: LOG_LOSS_RANGE[1] }, C_PROBLEM: u(0), PROBLEM_WORDS: u(4), MANY_PROBLEMS: { bool: false } };

/** Per ten restarts: 4 global, 3 spurious, 1 diverged, 1 undecided, 1 running (not counted). */
const STATUS_CYCLE = [1, 1, 1, 2, 3, 4, 0, 1, 2, 2];

/** Restart r's state: values at bin centres, where f32 rounding cannot move them across a bin edge. */
function states() {
  const bin = (k: number, lo: number, hi: number) => lo + ((hi - lo) * ((k % HIST_BINS) + 0.5)) / HIST_BINS;
  return Array.from({ length: R }, (_, r) => ({
    status: STATUS_CYCLE[r % STATUS_CYCLE.length]!,
    steps: Math.floor(bin(r * 7, 0, MAX_STEPS + 1)),
    loss: Math.fround(10 ** bin(r * 13, LOG_LOSS_RANGE[0], LOG_LOSS_RANGE[1])),
    angle: Math.fround(bin(r * 5, 0, Math.PI)),
  }));
}

function cpuTally(s: ReturnType<typeof states>): Tally {
  const t = emptyTally(MAX_STEPS);
  for (const x of s) if (x.status !== OUTCOME.running) tallyRestart(t, x.status as OutcomeCode, x.steps, x.loss, x.angle);
  return t;
}

/** Runs `code` (a reduce kernel) over the states; returns the stats bytes and the state buffer. */
async function runReduce(device: GPUDevice, code: string, s: ReturnType<typeof states>) {
  const root = tgpu.initFromDevice({ device });
  const cfg: ConfigValue = { ...(Object.fromEntries(Object.keys(Config.propTypes).map((k) => [k, 0])) as ConfigValue), restarts: R, maxSteps: MAX_STEPS, lossRef: 1, stepBase: 0, chunkSteps: MAX_STEPS + 1 };
  // reduce adds the restarts decided within the chunk [stepBase, stepBase + chunkSteps): one chunk
  // spanning the whole budget tallies every decided restart, as the CPU tally does.
  const cfgBuf = root.createBuffer(Config, cfg).$usage('uniform');
  const stateBuf = root.createBuffer(d.arrayOf(RestartState, R), s).$usage('storage');
  const stats = createBuffer(device, STATS_BYTES);
  const module = device.createShaderModule({ label: 'reduce', code });
  const pipeline = await device.createComputePipelineAsync({ label: 'reduce', layout: 'auto', compute: { module, entryPoint: 'main' } });
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: root.unwrap(cfgBuf) } },
      { binding: 2, resource: { buffer: root.unwrap(stateBuf) } },
      // consts: read only with many problems (per-problem L_ref), but statically used.
      { binding: 3, resource: { buffer: createBuffer(device, 16) } },
      { binding: 7, resource: { buffer: stats } },
    ],
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(Math.ceil(R / WORKGROUP));
  pass.end();
  device.queue.submit([enc.finish()]);
  const words = await readBuffer(device, stats);
  const stateBytes = await readBuffer(device, root.unwrap(stateBuf));
  cfgBuf.destroy();
  stateBuf.destroy();
  stats.destroy();
  return { words, stateBytes };
}

testWithDevice('reduce.wgsl counts and bins as the CPU tally does, through the Stats and RestartState schemas', async ({ device }) => {
  const s = states();
  const { words, stateBytes } = await runReduce(device, kernelSource('reduce', CONSTS), s);
  const expected = cpuTally(s);
  expect(expected.restartSteps).toBeGreaterThan(2 ** 32);
  expect(decodeStats(words, MAX_STEPS)).toEqual(expected);

  // The states as the kernel saw them, decoded through the schema, are the ones written.
  const back = decodeRestartStates(stateBytes, 0, R);
  expect(Array.from(back.status)).toEqual(s.map((x) => x.status));
  expect(Array.from(back.steps)).toEqual(s.map((x) => x.steps));
  expect(Array.from(back.loss)).toEqual(s.map((x) => x.loss));
  expect(Array.from(back.angle)).toEqual(s.map((x) => x.angle));

  // A decoder that disagreed with the kernel's layout (the steps words, or two histograms,
  // swapped) gives another tally: this comparison would catch it.
  const counter = d.atomic(d.u32);
  const hist = d.arrayOf(counter, HIST_BINS);
  const stepsSwapped = d.struct({ counts: d.arrayOf(counter, 4), stepsHi: counter, stepsLo: counter, logLoss: hist, angle: hist, steps: hist });
  const histSwapped = d.struct({ counts: d.arrayOf(counter, 4), stepsLo: counter, stepsHi: counter, angle: hist, logLoss: hist, steps: hist });
  expect(decodeStats(words, MAX_STEPS, stepsSwapped as unknown as typeof Stats).restartSteps).not.toBe(expected.restartSteps);
  expect(decodeStats(words, MAX_STEPS, histSwapped as unknown as typeof Stats).logLoss).not.toEqual(expected.logLoss);
});

testWithDevice('reduce.wgsl compiled with two outcome codes swapped on its side disagrees with the CPU tally', async ({ device }) => {
  const s = states();
  const outcome = CODE_FAMILIES.outcome!;
  const swapped = { ...CODE_FAMILIES, outcome: { ...outcome, names: { ...outcome.names, OUTCOME_GLOBAL: OUTCOME.spurious, OUTCOME_SPURIOUS: OUTCOME.global } } };
  const contract = constantsWgsl(contractConstants(swapped), 'codes shared with the host (host/contract.ts), two swapped');
  const code = composeShader(...kernelParts(KERNEL_SOURCES.reduce, CONSTS, contract));
  const { words } = await runReduce(device, code, s);
  const got = decodeStats(words, MAX_STEPS);
  const expected = cpuTally(s);
  // Counted in slot code − OUTCOME_GLOBAL with OUTCOME_GLOBAL = 2: the spurious restarts land in
  // the global slot (and the global ones out of bounds), so the counts no longer match.
  expect(got.counts).not.toEqual(expected.counts);
  expect(got.counts.global).toBe(expected.counts.spurious);
});
