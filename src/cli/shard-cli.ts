/**
 * `reproduce <experiment> … --shard i/N`: runs shard i's cells (src/cli/shard.ts) and writes its
 * partial result, atomically (write, then rename: a killed task leaves no half part for the merge).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import type { Values } from '../presets/options.ts';
import type { Preset } from '../presets/types.ts';
import { INTERRUPTED_EXIT, listenForInterrupt } from './interrupt.ts';
import type { OutputFlags } from './outputs.ts';
import { type Shard, ShardError, runShard } from './shard.ts';

/** Where a shard's part goes: --json FILE, or DIR/<experiment>.part-i-of-N.json under --out. */
export function partPath(experiment: string, shard: Shard, flags: OutputFlags): string {
  if (flags.json) return flags.json;
  if (flags.out) return join(flags.out, `${experiment}.part-${shard.index}-of-${shard.count}.json`);
  throw new ShardError('--shard: give --out DIR or --json FILE for the partial result');
}

export async function reproduceShard(preset: Preset, values: Values, flags: OutputFlags & { shard: Shard }, open: () => Promise<{ engine: Engine; close: () => void }>): Promise<void> {
  const { shard } = flags;
  const path = partPath(preset.name, shard, flags);
  const interrupt = listenForInterrupt(() => console.error('\ninterrupted: a shard writes nothing unless it finishes (Ctrl-C again to quit now)'));
  let part;
  try {
    const { engine, close } = await open();
    try {
      console.log(`${preset.name}: shard ${shard.index}/${shard.count} on ${engine.label}`);
      part = await runShard(preset, values, engine, shard, interrupt.signal, (done, of) => console.log(`cell ${done + 1}/${of} of this shard`));
    } finally {
      close();
    }
  } catch (err) {
    if (!interrupt.requested) throw err;
    console.error('interrupted: nothing written');
    process.exitCode = INTERRUPTED_EXIT;
    return;
  } finally {
    interrupt.dispose();
  }
  if (flags.out && !flags.json) mkdirSync(flags.out, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(part));
  renameSync(tmp, path);
  console.log(`shard ${shard.index}/${shard.count}: ${part.owned.length} of ${part.cells} cells (est. cost ${part.cost.shard} of ${part.cost.total} restart-steps × parameters) in ${part.seconds.toFixed(1)} s; wrote ${path}`);
}
