/** What scan and collect share: the clock, the window, credentials and collection. */

import { CallerIdentityError, CollectError } from '../../collectors/errors.js';
import type { ResolvedCredentials } from '../../credentials/index.js';
import { narrowToRegions } from '../../inventory/narrow.js';
import type { Inventory } from '../../inventory/schema.js';
import { UsageError } from '../errors.js';
import { relaxHeapGrowth, tuneHeapGrowth } from '../heap.js';
import { type CliIo, say } from '../io.js';
import { parseEndpoint, parseNow, parseRegions, parseSince } from '../parse.js';
import { createProgress } from '../progress.js';

export interface CollectionFlags {
  regions?: string;
  endpoint?: string;
  /** absent: the config file's `since`, else DEFAULT_SINCE */
  since?: string;
  now?: string;
  profile?: string;
  /** absent: DEFAULT_TIMEOUT_MS (no commander default, so a snapshot scan can tell it was given) */
  timeout?: string;
  progress: boolean;
}

export interface Clock {
  now: Date;
  /** true when --now pinned the clock */
  pinned: boolean;
  since: Date;
}

/** the look-back window when neither --since nor a config file sets one */
export const DEFAULT_SINCE = '90d';

export function resolveClock(flags: { now?: string; since?: string }): Clock {
  const now = parseNow(flags.now);
  return {
    now,
    pinned: flags.now !== undefined,
    since: parseSince(flags.since ?? DEFAULT_SINCE, now),
  };
}

/** the read timeout of each API call when --timeout is not given */
export const DEFAULT_TIMEOUT_MS = 30_000;

export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 100 || n > 600_000) {
    throw new UsageError(`--timeout: expected milliseconds between 100 and 600000, got "${value}"`);
  }
  return n;
}

/** Credentials → caller identity → every collector. Errors that mean "nothing was scanned" become UsageError (exit 2). */
export async function collectInventory(
  flags: CollectionFlags,
  clock: Clock,
  io: CliIo,
  regionsOverride?: string[] | 'all',
  /** told the caller's account right after GetCallerIdentity, before anything else is read; may throw */
  onAccount?: (accountId: string) => void,
): Promise<Inventory> {
  const regions =
    flags.regions !== undefined ? parseRegions(flags.regions) : (regionsOverride ?? 'all');
  // `--endpoint ""` is an error, never "no endpoint" (that would reach the public cloud);
  // an empty ECS_AUDIT_ENDPOINT counts as unset, as environment variables usually do
  const endpointRaw = flags.endpoint ?? (io.env['ECS_AUDIT_ENDPOINT'] || undefined);
  const endpoint = endpointRaw !== undefined ? parseEndpoint(endpointRaw) : undefined;
  const readTimeoutMs = parseTimeout(flags.timeout);
  // The SDKs take most of a second to load: only a live scan pays for them,
  // `scan --snapshot`, `rules` and `policy` never load them.
  const { collect, releaseSdks } = await import('../../collectors/index.js');
  const { CredentialsError, resolveCredentials } = await import('../../credentials/index.js');
  let credentials: ResolvedCredentials;
  try {
    credentials = await resolveCredentials({ profile: flags.profile });
  } catch (err) {
    if (err instanceof CredentialsError) throw new UsageError(err.message);
    throw err;
  }
  const progress = createProgress(io, flags.progress);
  tuneHeapGrowth();
  try {
    const inventory = await collect({
      credentials,
      endpoint,
      regions,
      since: clock.since,
      now: clock.now,
      readTimeoutMs,
      onProgress: progress.update,
      onIdentity: (caller) => {
        say(
          io,
          `credentials from ${credentials.source} (AccessKey ${credentials.accessKeyIdMasked}); caller ${caller.identityType} ${caller.arn}`,
        );
        if (caller.identityType === 'Account') {
          say(
            io,
            'warning: scanning as the root identity (Alibaba Cloud account); use a RAM user with the policy from `ecs-audit policy`',
          );
        }
        onAccount?.(caller.accountId);
      },
    });
    return inventory;
  } catch (err) {
    if (err instanceof CallerIdentityError || err instanceof CollectError) {
      throw new UsageError(err.message);
    }
    throw err;
  } finally {
    progress.stop();
    // one collection per command: the SDKs are not needed by the rules
    releaseSdks();
    relaxHeapGrowth();
  }
}

/**
 * `scan --snapshot`: narrow the snapshot to `--regions` (or the config's
 * regions); a region the snapshot does not cover is bad input.
 */
export function snapshotScope(
  inventory: Inventory,
  file: string,
  flags: CollectionFlags,
  regionsOverride?: string[] | 'all',
): Inventory {
  const regions =
    flags.regions !== undefined ? parseRegions(flags.regions) : (regionsOverride ?? 'all');
  if (regions === 'all') return inventory;
  const covered = inventory.scope.regions;
  const missing = regions.filter((r) => !covered.includes(r));
  if (missing.length > 0) {
    throw new UsageError(
      `--regions: ${missing.join(', ')} not in the snapshot ${file} (it covers ${covered.join(', ') || 'no region'})`,
    );
  }
  return narrowToRegions(inventory, regions);
}

/**
 * The flags a snapshot scan cannot use, checked before anything is read: each
 * one only shapes API calls, which a snapshot scan never makes, so a command
 * line giving one expects something that will not happen.
 */
export function checkSnapshotFlags(flags: CollectionFlags): void {
  for (const [name, value] of [
    ['--endpoint', flags.endpoint],
    ['--profile', flags.profile],
    ['--timeout', flags.timeout],
  ] as const) {
    if (value !== undefined) {
      throw new UsageError(
        `${name} cannot be used with --snapshot: a snapshot scan makes no API call`,
      );
    }
  }
}
