import { renameSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, stat } from 'node:fs/promises';
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
 *
 * The files wait in a staging directory inside `<dir>` and are moved into
 * place once every member is read: an interrupted run (Ctrl-C, an error)
 * leaves `<dir>` as it was, never a part of the organization that could pass
 * for the whole (the staging directory goes with the process's exit).
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
  const staging = await mkdtemp(path.join(dir, '.ecs-audit-')).catch((err: unknown) => {
    throw new UsageError(
      `--output: cannot write in "${dir}": ${(err as NodeJS.ErrnoException).code}`,
    );
  });
  const discard = () => rmSync(staging, { recursive: true, force: true });
  process.once('exit', discard);
  const written: string[] = [];
  let gaps: number[];
  try {
    gaps = await run.each(async (outcome) => {
      if ('gap' in outcome) return 1;
      const name = `${outcome.member.id}.json`;
      const file = path.join(dir, name);
      try {
        await writeSnapshot(path.join(staging, name), outcome.inventory);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new UsageError(`--output: cannot write "${file}": ${e.code ?? e.message}`);
      }
      written.push(name);
      say(io, `account ${outcome.member.id}: ${file}`);
      return outcome.inventory.coverage.length;
    });
    // every member read: into place together
    for (const name of written) renameSync(path.join(staging, name), path.join(dir, name));
  } finally {
    process.off('exit', discard);
    discard();
  }
  const total = gaps.reduce((a, b) => a + b, 0);
  if (total > 0) {
    say(io, `snapshots written with ${total} coverage gap(s)`);
    return EXIT.COVERAGE;
  }
  return EXIT.OK;
}
