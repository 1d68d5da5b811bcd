import { serializeSnapshot, writeSnapshot } from '../../inventory/snapshot.js';
import { checkDestination, ReportSpecError } from '../../report/write.js';
import { EXIT, UsageError } from '../errors.js';
import { type CliIo, say } from '../io.js';
import { type CollectionFlags, collectInventory, resolveClock } from './common.js';

export interface CollectFlags extends CollectionFlags {
  output: string;
}

export async function runCollect(flags: CollectFlags, io: CliIo): Promise<number> {
  const clock = resolveClock(flags);
  // a typo in -o must not cost a whole collection
  if (flags.output !== '-') {
    await checkDestination(flags.output, '--output').catch((err: unknown) => {
      throw err instanceof ReportSpecError ? new UsageError(err.message) : err;
    });
  }
  const inventory = await collectInventory(flags, clock, io);
  if (flags.output === '-') io.stdout.write(serializeSnapshot(inventory));
  else {
    try {
      await writeSnapshot(flags.output, inventory);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`--output: cannot write "${flags.output}": ${e.code ?? e.message}`);
    }
  }
  if (inventory.coverage.length > 0) {
    say(io, `snapshot written with ${inventory.coverage.length} coverage gap(s)`);
    return EXIT.COVERAGE;
  }
  return EXIT.OK;
}
