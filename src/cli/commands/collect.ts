import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { serializeSnapshot, writeSnapshot } from '../../inventory/snapshot.js';
import { checkDestination, ReportSpecError } from '../../report/write.js';
import { EXIT, UsageError } from '../errors.js';
import { type CliIo, say } from '../io.js';
import { type CollectionFlags, collectInventory, resolveClock } from './common.js';
import { type OrgFlags, openOrgRun, resolveOrgFlags } from './org.js';

export interface CollectFlags extends CollectionFlags, OrgFlags {
  output: string;
}

export async function runCollect(flags: CollectFlags, io: CliIo): Promise<number> {
  const clock = resolveClock(flags);
  const org = resolveOrgFlags(flags);
  if (org) return collectOrganization(flags, org, clock, io);
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

/**
 * `collect --org` (or `--accounts`): one snapshot per member, `<dir>/<account id>.json`,
 * each written as soon as its member is read (memory stays that of a few
 * members); each carries the directory (`organization`) so that
 * `scan --snapshot` of it evaluates the directory rules. A member that cannot
 * be entered gets no file, a line on stderr and exit 3.
 */
async function collectOrganization(
  flags: CollectFlags,
  org: NonNullable<ReturnType<typeof resolveOrgFlags>>,
  clock: ReturnType<typeof resolveClock>,
  io: CliIo,
): Promise<number> {
  const dir = flags.output;
  if (dir === '-') throw new UsageError('--output: with --org/--accounts, name a directory');
  const existing = await stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(
      `--output: "${dir}" is not a directory (one snapshot per member goes there)`,
    );
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(
      `--output: cannot create "${dir}": ${(err as NodeJS.ErrnoException).code}`,
    );
  }
  const run = await openOrgRun({ flags, org, clock, io });
  const gaps = await run.each(async (outcome) => {
    if ('gap' in outcome) return 1;
    const file = path.join(dir, `${outcome.member.id}.json`);
    try {
      await writeSnapshot(file, outcome.inventory);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`--output: cannot write "${file}": ${e.code ?? e.message}`);
    }
    say(io, `account ${outcome.member.id}: ${file}`);
    return outcome.inventory.coverage.length;
  });
  const total = gaps.reduce((a, b) => a + b, 0);
  if (total > 0) {
    say(io, `snapshots written with ${total} coverage gap(s)`);
    return EXIT.COVERAGE;
  }
  return EXIT.OK;
}
