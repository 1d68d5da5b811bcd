/**
 * Organization scans (`scan --org`, `--accounts`, `--member-role`, `--shard`):
 * the caller lists the Resource Directory's members, enters each with STS
 * AssumeRole (the management account itself with the caller's own
 * credentials), collects and evaluates one member at a time under one global
 * bound, keeps only its report (findings, coverage) and drops its inventory,
 * then assembles the members' reports with `mergeReports` — the very function
 * `ecs-audit merge` uses, so shards merge into exactly this report.
 */

import type { Suppression } from '../../config/index.js';
import type { ResolvedCredentials } from '../../credentials/index.js';
import { fingerprint } from '../../engine/finding.js';
import type { LoadedRule } from '../../engine/registry.js';
import { evaluate, type RuleSettings } from '../../engine/run.js';
import { applySuppressions, type ExpiredSuppression } from '../../engine/suppress.js';
import type { Inventory, OrgAccount } from '../../inventory/schema.js';
import { buildReport, reportRules } from '../../report/build.js';
import { mergeReports } from '../../report/merge.js';
import type { Report } from '../../report/schema.js';
import { keepHeapNearLive } from '../../util/memory.js';
import { VERSION } from '../../version.js';
import { UsageError } from '../errors.js';
import { type CliIo, say } from '../io.js';
import { parseEndpoint, parseRegions } from '../parse.js';
import { type Clock, parseTimeout } from './common.js';

export interface OrgFlags {
  org?: boolean;
  accounts?: string;
  memberRole?: string;
  shard?: string;
  memberConcurrency?: string;
}

export interface Shard {
  k: number;
  n: number;
}

/** `k/n`, 1 ≤ k ≤ n */
export function parseShard(value: string): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(value.trim());
  const k = m ? Number(m[1]) : Number.NaN;
  const n = m ? Number(m[2]) : Number.NaN;
  if (!m || n < 1 || k < 1 || k > n) {
    throw new UsageError(`--shard: expected k/n with 1 <= k <= n (e.g. 2/3), got "${value}"`);
  }
  return { k, n };
}

/** comma-separated account ids */
export function parseAccountIds(value: string): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = ids.find((id) => !/^\d{6,32}$/.test(id));
  if (ids.length === 0 || bad !== undefined) {
    throw new UsageError(
      `--accounts: expected comma-separated account ids, got ${JSON.stringify(bad ?? value)}`,
    );
  }
  return [...new Set(ids)];
}

const ROLE_NAME = /^[A-Za-z0-9.-]{1,64}$/;

/** the members this process scans: sorted by id, filtered by --accounts, then the shard's positions */
export function selectMembers(
  all: readonly OrgAccount[],
  ids: readonly string[] | undefined,
  shard: Shard | undefined,
): OrgAccount[] {
  const sorted = [...all].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const chosen = ids ? sorted.filter((a) => ids.includes(a.id)) : sorted;
  // position p (1-based) belongs to shard ((p - 1) mod n) + 1
  return shard ? chosen.filter((_, i) => (i % shard.n) + 1 === shard.k) : chosen;
}

export interface OrgFlagsResolved {
  org: boolean;
  ids: string[] | undefined;
  memberRole: string;
  shard: Shard | undefined;
  concurrency: number;
}

/** check the organization flags before anything is read; undefined when this is not an organization scan */
export function resolveOrgFlags(flags: OrgFlags): OrgFlagsResolved | undefined {
  const org = Boolean(flags.org);
  if (!org && flags.accounts === undefined) {
    for (const [name, v] of [
      ['--shard', flags.shard],
      ['--member-role', flags.memberRole],
      ['--member-concurrency', flags.memberConcurrency],
    ] as const) {
      if (v !== undefined) throw new UsageError(`${name} needs --org or --accounts`);
    }
    return undefined;
  }
  const memberRole = flags.memberRole ?? 'ResourceDirectoryAccountAccessRole';
  if (!ROLE_NAME.test(memberRole)) {
    throw new UsageError(`--member-role: not a RAM role name: ${JSON.stringify(memberRole)}`);
  }
  const concurrency = Number(flags.memberConcurrency ?? '4');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(
      `--member-concurrency: expected a number between 1 and 64, got "${flags.memberConcurrency}"`,
    );
  }
  return {
    org,
    ids: flags.accounts !== undefined ? parseAccountIds(flags.accounts) : undefined,
    memberRole,
    shard: flags.shard !== undefined ? parseShard(flags.shard) : undefined,
    concurrency,
  };
}

export interface OrgScanInput {
  flags: { regions?: string; endpoint?: string; profile?: string; timeout: string };
  org: OrgFlagsResolved;
  clock: Clock;
  io: CliIo;
  regionsOverride?: string[] | 'all';
  rules: readonly LoadedRule[];
  settings: Readonly<Record<string, RuleSettings>>;
  suppressions: readonly Suppression[];
  startedAt: Date;
}

export interface OrgScanResult {
  report: Report;
  expired: ExpiredSuppression[];
}

/**
 * Hook for "not evaluated" (issue #14): the (rule, resource: null, account)
 * pairs of a member that could not be entered. The report has no
 * `unevaluated` list on this branch yet; when it does, return one entry per
 * evaluated rule here and put them into the member's report.
 */
export function unevaluatedForUnenteredMember(
  _rules: readonly LoadedRule[],
  _accountId: string,
): never[] {
  return [];
}

export async function scanOrganization(input: OrgScanInput): Promise<OrgScanResult> {
  const { flags, org, clock, io, rules, settings } = input;
  const regions =
    flags.regions !== undefined ? parseRegions(flags.regions) : (input.regionsOverride ?? 'all');
  const endpointRaw = flags.endpoint ?? (io.env['ECS_AUDIT_ENDPOINT'] || undefined);
  const endpoint = endpointRaw !== undefined ? parseEndpoint(endpointRaw) : undefined;
  const readTimeoutMs = parseTimeout(flags.timeout);
  const { collect, CallerIdentityError, CollectError } = await import('../../collectors/index.js');
  const { openOrganization, isEnterFailure } = await import('../../collectors/organization.js');
  const { CredentialsError, resolveCredentials } = await import('../../credentials/index.js');
  let credentials: ResolvedCredentials;
  try {
    credentials = await resolveCredentials({ profile: flags.profile });
  } catch (err) {
    if (err instanceof CredentialsError) throw new UsageError(err.message);
    throw err;
  }

  // 1. the caller, in the management account; a root caller stops here
  let session: Awaited<ReturnType<typeof openOrganization>>;
  try {
    session = await openOrganization({
      credential: credentials.credential,
      redact: credentials.redact,
      endpoint,
      readTimeoutMs,
      memberRole: org.memberRole,
    });
  } catch (err) {
    if (err instanceof CallerIdentityError || err instanceof CollectError) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  const caller = session.caller;
  say(
    io,
    `credentials from ${credentials.source} (AccessKey ${credentials.accessKeyIdMasked}); caller ${caller.identityType} ${caller.arn}`,
  );

  // 2. the members
  let directory: OrgAccount[] | undefined;
  if (org.org) {
    try {
      directory = await session.listAccounts();
    } catch (err) {
      if (err instanceof CollectError) throw new UsageError(err.message);
      throw err;
    }
    const known = new Set(directory.map((a) => a.id));
    const unknown = (org.ids ?? []).filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new UsageError(
        `--accounts: not a member of the Resource Directory: ${unknown.join(', ')}`,
      );
    }
  }
  const candidates: OrgAccount[] =
    directory ?? (org.ids ?? []).map((id) => ({ id, name: '', type: '', status: '' }));
  const members = selectMembers(candidates, org.ids, org.shard);
  const managementAccountId = caller.accountId;
  say(
    io,
    `organization: ${members.length} of ${candidates.length} account(s) to scan${org.shard ? ` (shard ${org.shard.k}/${org.shard.n})` : ''}`,
  );

  const enabled = new Set(
    rules.filter((r) => settings[r.rule.meta.id]?.enabled !== false).map((r) => r.rule.meta.id),
  );
  const ruleMeta = reportRules(rules, enabled);
  const accountRef = {
    id: caller.accountId,
    callerArn: caller.arn,
    identityType: caller.identityType,
  };
  let expired: ExpiredSuppression[] = [];

  // 3. one member at a time per slot: collect, evaluate, keep the report, drop the inventory
  const scanMember = async (member: OrgAccount): Promise<Report> => {
    const started = new Date();
    const base = (coverage: Report['coverage']): Report => ({
      schemaVersion: 1,
      tool: { name: 'ecs-audit', version: VERSION },
      account: accountRef,
      scan: {
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        regions: [],
        since: clock.since.toISOString(),
        ...(clock.pinned ? { now: clock.now.toISOString() } : {}),
        source: 'api',
      },
      accounts: [member],
      coverage,
      findings: [],
      summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0 },
      rules: ruleMeta,
    });
    let memberCredentials: Parameters<typeof collect>[0]['credentials'];
    if (member.id === managementAccountId) {
      memberCredentials = credentials;
    } else {
      const entered = await session.enter(member.id);
      if (isEnterFailure(entered)) {
        say(io, `account ${member.id}: cannot be entered: ${entered.code}: ${entered.message}`);
        unevaluatedForUnenteredMember(rules, member.id);
        return base([
          {
            service: 'sts',
            region: null,
            operation: 'AssumeRole',
            resource: `acs:ram::${member.id}:role/${org.memberRole}`,
            error: entered,
            account: member.id,
          },
        ]);
      }
      memberCredentials = entered;
    }
    let inventory: Inventory | undefined;
    try {
      inventory = await collect({
        credentials: memberCredentials,
        endpoint,
        regions,
        since: clock.since,
        now: clock.now,
        readTimeoutMs,
      });
    } catch (err) {
      if (!(err instanceof CallerIdentityError || err instanceof CollectError)) throw err;
      say(io, `account ${member.id}: not scanned: ${err.message}`);
      return base([
        {
          service: err instanceof CallerIdentityError ? 'sts' : 'ecs',
          region: null,
          operation: err instanceof CallerIdentityError ? 'GetCallerIdentity' : 'DescribeRegions',
          error: { code: err.name, message: err.message },
          account: member.id,
        },
      ]);
    }
    if (directory) inventory.organization = { managementAccountId, accounts: directory };
    const evaluation = evaluate(inventory, {
      rules,
      now: clock.now,
      since: clock.since,
      settings,
    });
    for (const e of evaluation.ruleErrors)
      say(io, `account ${member.id}: rule ${e.ruleId} failed (${e.source}): ${e.message}`);
    const tagged = evaluation.findings.map((f) => {
      const resource = { ...f.resource, account: member.id };
      return { ...f, resource, fingerprint: fingerprint(f.ruleId, resource) };
    });
    const suppressed = applySuppressions(tagged, input.suppressions, clock.now);
    expired = suppressed.expired;
    const report = buildReport({
      inventory,
      evaluation: { ...evaluation, findings: suppressed.findings },
      rules,
      startedAt: started,
      finishedAt: new Date(),
      since: clock.since,
      now: clock.pinned ? clock.now : undefined,
      source: 'api',
    });
    inventory = undefined;
    say(
      io,
      `account ${member.id}${member.name ? ` (${member.name})` : ''}: ${report.findings.length} finding(s), ${report.coverage.length} coverage gap(s)`,
    );
    return {
      ...report,
      account: accountRef,
      accounts: [member],
      coverage: report.coverage.map((c) => ({ ...c, account: member.id })),
    };
  };

  const stopGovernor = keepHeapNearLive();
  let reports: Report[];
  try {
    const { boundedMap } = await import('../../collectors/organization.js');
    reports = await boundedMap(members, org.concurrency, scanMember);
  } finally {
    stopGovernor();
  }
  const report =
    reports.length > 0
      ? mergeReports(reports)
      : mergeReports([
          {
            schemaVersion: 1,
            tool: { name: 'ecs-audit', version: VERSION },
            account: accountRef,
            scan: {
              startedAt: input.startedAt.toISOString(),
              finishedAt: new Date().toISOString(),
              regions: [],
              since: clock.since.toISOString(),
              ...(clock.pinned ? { now: clock.now.toISOString() } : {}),
              source: 'api',
            },
            accounts: [],
            coverage: [],
            findings: [],
            summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0 },
            rules: ruleMeta,
          },
        ]);
  report.scan.startedAt = input.startedAt.toISOString();
  report.scan.finishedAt = new Date().toISOString();
  return { report, expired };
}
