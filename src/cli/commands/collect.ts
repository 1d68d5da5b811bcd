import { serializeSnapshot, writeSnapshot } from '../../inventory/snapshot.js';
import { EXIT } from '../errors.js';
import { type CliIo, say } from '../io.js';
import { type CollectionFlags, collectInventory, resolveClock } from './common.js';

export interface CollectFlags extends CollectionFlags {
  output: string;
}

export async function runCollect(flags: CollectFlags, io: CliIo): Promise<number> {
  const clock = resolveClock(flags);
  const inventory = await collectInventory(flags, clock, io);
  if (flags.output === '-') io.stdout.write(serializeSnapshot(inventory));
  else await writeSnapshot(flags.output, inventory);
  if (inventory.coverage.length > 0) {
    say(io, `snapshot written with ${inventory.coverage.length} coverage gap(s)`);
    return EXIT.COVERAGE;
  }
  return EXIT.OK;
}
