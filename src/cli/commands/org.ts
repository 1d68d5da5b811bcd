/**
 * Organization scans (`scan --org`, `--accounts`, `--member-role`, `--shard`):
 * the caller lists the Resource Directory's members, enters each with STS
 * AssumeRole (the management account itself with the caller's own
 * credentials), collects and evaluates one member at a time under one global
 * bound, keeps only its report (findings, coverage, unevaluated pairs, each
 * tagged with the member's account; on disk until the merge,
 * `report/spool.ts`) and drops its inventory, then assembles the
 * members' reports with `mergeReports` — the very function
 * `ecs-audit merge` uses, so shards merge into exactly this report.
 */

import { getHeapStatistics } from 'node:v8';
import type { Suppression } from '../../config/index.js';
import type { ResolvedCredentials } from '../../credentials/index.js';
import { type Finding, fingerprint } from '../../engine/finding.js';
import type { LoadedRule } from '../../engine/registry.js';
import { type EvaluationResult, evaluate, type RuleSettings } from '../../engine/run.js';
import { applySuppressions, type ExpiredSuppression } from '../../engine/suppress.js';
import {
  type Caller,
  type CoverageEntry,
  emptyInventory,
  type Inventory,
  type OrgAccount,
  type Organization,
} from '../../inventory/schema.js';
import { buildReport, reportRules } from '../../report/build.js';
import { mergeReports } from '../../report/merge.js';
import type { Report } from '../../report/schema.js';
import { openReportSpool, type SpooledReport } from '../../report/spool.js';
import { extend } from '../../util/extend.js';
import { VERSION } from '../../version.js';
import { UsageError } from '../errors.js';
import { relaxHeapGrowth, tightenHeapGrowth, tuneHeapGrowth } from '../heap.js';
import { defaultSignalsDuringCustomRules } from '../interrupt.js';
import { type CliIo, say } from '../io.js';
import { parseEndpoint, parseRegions } from '../parse.js';
import { countResources } from '../summary.js';
import { type Clock, parseTimeout } from './common.js';
import { dropUnreported } from './select.js';

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
  /** no --member-concurrency: start `concurrency` and add members while the heap has room (rampingMap) */
  adaptive?: boolean;
}

/**
 * Members scanned at the same time when --member-concurrency is not given.
 * Each member has its own API quotas, and a member's scan time is set by its
 * own rate-limited chains (a small account with a busy region takes as long
 * as a large one), so members scanned in rounds multiply the wall time while
 * members scanned together share only the CPU. Sizes are unknown before a
 * member is read, so the large one cannot be started first:
 * DEFAULT_MEMBER_CONCURRENCY start at once, then one more every
 * MEMBER_RAMP_MS (a directory of 21 is fully started within half a second)
 * while the heap is below a quarter of its limit, up to MAX_ADAPTIVE_MEMBERS;
 * past that quarter a finished member's place goes to the next one only while
 * fewer than DEFAULT_MEMBER_CONCURRENCY run.
 */
export const DEFAULT_MEMBER_CONCURRENCY = 8;
export const MEMBER_RAMP_MS = 25;
export const MAX_ADAPTIVE_MEMBERS = 64;

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
  const concurrency = Number(flags.memberConcurrency ?? String(DEFAULT_MEMBER_CONCURRENCY));
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
    ...(flags.memberConcurrency === undefined ? { adaptive: true } : {}),
  };
}

/**
 * The rules judged from the directory alone: they read nothing but
 * `organization.*`, which the management account read (ListAccounts), so a
 * member that could not be entered is still judged by them
 * (`rd-member-root-enabled`: the member's type says whether its root is
 * enabled). A rule without `reads` reads everything and is not among them.
 */
export function directoryRules(rules: readonly LoadedRule[]): LoadedRule[] {
  return rules.filter(({ rule }) => {
    const reads = rule.meta.reads;
    return (
      reads !== undefined &&
      reads.length > 0 &&
      reads.every((k) => k === 'organization' || k.startsWith('organization.'))
    );
  });
}

export interface UnenteredMemberInput {
  member: OrgAccount;
  /** the coverage entry saying why the member has no inventory */
  gap: CoverageEntry;
  rules: readonly LoadedRule[];
  settings: Readonly<Record<string, RuleSettings>>;
  now: Date;
  since: Date;
  caller: Caller;
  /** the directory (with --org); without it nothing can be judged */
  organization: Organization | undefined;
}

/**
 * A member that could not be entered (or read): an inventory holding only its
 * id, its coverage entry and the directory; for every enabled rule one
 * unevaluated pair `(rule, resource: null)` on the coverage entry, as cli.md
 * says (its resources are unknown, so nothing of it is a pass), and the rules
 * judged from the directory alone evaluated on it: a finding the directory
 * proves (an invited `CloudAccount` keeps its root) stands, as findings from
 * what was read always do.
 */
export function evaluateUnenteredMember(input: UnenteredMemberInput): {
  inventory: Inventory;
  evaluation: EvaluationResult;
} {
  const { member, gap, rules, settings, now, since, caller, organization } = input;
  const window = { since: since.toISOString(), until: now.toISOString() };
  const inventory = emptyInventory({
    collectedAt: window.until,
    account: { id: member.id, caller },
    scope: { regions: [], ...window },
    actiontrail: { trails: [], events: [], window: { start: window.since, end: window.until } },
    coverage: [gap],
    ...(organization ? { organization } : {}),
  });
  const enabled = rules.filter((r) => settings[r.rule.meta.id]?.enabled !== false);
  const judged = organization ? directoryRules(enabled) : [];
  // the settings of the judged rules only: evaluate refuses settings of rules it was not given
  const judgedSettings = Object.fromEntries(
    judged.flatMap((r) => {
      const s = settings[r.rule.meta.id];
      return s ? [[r.rule.meta.id, s] as const] : [];
    }),
  );
  const evaluation = evaluate(inventory, { rules: judged, now, since, settings: judgedSettings });
  const reason = `${gap.operation}: ${gap.error.code}`;
  // cli.md: per rule, one unevaluated entry with `resource: null` — the directory rules too
  // (none of the member's own resources was read); what the directory proved still stands
  const whole = enabled.map((r) => ({
    ruleId: r.rule.meta.id,
    resource: null,
    reason,
    coverage: 0,
  }));
  // the whole-scope pairs say it all: one coverage entry (the gap), no pair of the directory
  // rules' own (a member of unknown type) and no rule-declared entry beside it; a rule error
  // stays (its entries come after the gap's)
  const errors = evaluation.ruleErrors.length;
  return {
    inventory,
    evaluation: {
      ...evaluation,
      unevaluated: [
        ...evaluation.unevaluated.filter((u) => u.coverage >= 1 && u.coverage <= errors),
        ...whole,
      ],
      undecided: [],
      evaluated: enabled.map((r) => r.rule.meta.id),
    },
  };
}

/** what one member gave: its inventory, or the coverage entry saying why there is none */
export type MemberOutcome = (
  | { member: OrgAccount; inventory: Inventory }
  | { member: OrgAccount; gap: CoverageEntry }
) & {
  /** performance.now() when the member was started (before AssumeRole) */
  startedMs: number;
};

export interface OrgRun {
  caller: Caller;
  /** the directory's members (with --org), sorted by id */
  directory: OrgAccount[] | undefined;
  /** the members this process handles (--accounts, --shard), sorted by id */
  members: OrgAccount[];
  /** how many members the shards split (the directory's, or --accounts'), before --shard */
  listed: number;
  /**
   * enter, collect and hand each member to `fn` under the global bound; the
   * inventory must not outlive `fn` (memory stays that of `concurrency` members)
   */
  each<T>(fn: (outcome: MemberOutcome) => Promise<T> | T): Promise<T[]>;
}

export interface OrgRunInput {
  flags: { regions?: string; endpoint?: string; profile?: string; timeout?: string };
  org: OrgFlagsResolved;
  clock: Clock;
  io: CliIo;
  regionsOverride?: string[] | 'all';
  /**
   * told the caller's account and the organization's (the directory's members, or
   * --accounts) before any member is entered; may throw (a baseline of another organization)
   */
  onAccounts?: (caller: string, accounts: readonly string[]) => void;
}

/**
 * The caller's session (GetCallerIdentity: a root caller stops here with exit
 * 2, before any member is read), the directory (ListAccounts with --org), the
 * members to handle, and a runner that enters each one (AssumeRole; the
 * management account with the caller's own credentials) and collects it.
 */
export async function openOrgRun(input: OrgRunInput): Promise<OrgRun> {
  const { flags, org, clock, io } = input;
  const regions =
    flags.regions !== undefined ? parseRegions(flags.regions) : (input.regionsOverride ?? 'all');
  const endpointRaw = flags.endpoint ?? (io.env['ECS_AUDIT_ENDPOINT'] || undefined);
  const endpoint = endpointRaw !== undefined ? parseEndpoint(endpointRaw) : undefined;
  const readTimeoutMs = parseTimeout(flags.timeout);
  const { collect, CallerIdentityError, CollectError, holdSdks, releaseSdks } = await import(
    '../../collectors/index.js'
  );
  const { boundedMap, isEnterFailure, openOrganization, rampingMap } = await import(
    '../../collectors/organization.js'
  );
  const { CredentialsError, resolveCredentials } = await import('../../credentials/index.js');
  let credentials: ResolvedCredentials;
  try {
    credentials = await resolveCredentials({ profile: flags.profile });
  } catch (err) {
    if (err instanceof CredentialsError) throw new UsageError(err.message);
    throw err;
  }

  // the session's STS client enters members until the last is read (see `read` below);
  // a setup that fails lets go of it at once
  const unholdSession = holdSdks();
  let session: Awaited<ReturnType<typeof openOrganization>>;
  let directory: OrgAccount[] | undefined;
  try {
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
    say(
      io,
      `credentials from ${credentials.source} (AccessKey ${credentials.accessKeyIdMasked}); caller ${session.caller.identityType} ${session.caller.arn}`,
    );
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
    input.onAccounts?.(
      session.caller.accountId,
      directory ? directory.map((a) => a.id) : (org.ids ?? []),
    );
  } catch (err) {
    unholdSession();
    throw err;
  }
  const caller = session.caller;
  const candidates: OrgAccount[] =
    directory ?? (org.ids ?? []).map((id) => ({ id, name: '', type: '', status: '' }));
  const members = selectMembers(candidates, org.ids, org.shard);
  const listed = org.shard ? selectMembers(candidates, org.ids, undefined).length : members.length;
  say(
    io,
    `organization: ${members.length} of ${candidates.length} account(s)${org.shard ? ` (shard ${org.shard.k}/${org.shard.n})` : ''}`,
  );

  const outcome = async (member: OrgAccount): Promise<MemberOutcome> => {
    const startedMs = performance.now();
    let memberCredentials: Parameters<typeof collect>[0]['credentials'];
    if (member.id === caller.accountId) {
      memberCredentials = credentials;
    } else {
      const entered = await session.enter(member.id);
      if (isEnterFailure(entered)) {
        say(io, `account ${member.id}: cannot be entered: ${entered.code}: ${entered.message}`);
        return {
          member,
          startedMs,
          gap: {
            service: 'sts',
            region: null,
            operation: 'AssumeRole',
            resource: `acs:ram::${member.id}:role/${org.memberRole}`,
            error: entered,
            account: member.id,
          },
        };
      }
      memberCredentials = entered;
    }
    try {
      const inventory = await collect({
        credentials: memberCredentials,
        endpoint,
        regions,
        since: clock.since,
        now: clock.now,
        readTimeoutMs,
        // a member may lack a region another has: what its DescribeRegions does not list
        // holds nothing of it, so the member is read in the others (a one-account scan stops)
        onUnavailableRegions: (missing) =>
          say(
            io,
            `account ${member.id}: ${missing.join(', ')} not among its regions (DescribeRegions): not read there`,
          ),
      });
      if (directory)
        inventory.organization = { managementAccountId: caller.accountId, accounts: directory };
      return { member, inventory, startedMs };
    } catch (err) {
      if (!(err instanceof CallerIdentityError || err instanceof CollectError)) throw err;
      say(io, `account ${member.id}: not read: ${err.message}`);
      const identity = err instanceof CallerIdentityError;
      return {
        member,
        startedMs,
        gap: {
          service: identity ? 'sts' : 'ecs',
          region: null,
          operation: identity ? 'GetCallerIdentity' : 'DescribeRegions',
          // the service's own code when it gave one (a gap names what the API said)
          error: {
            code: err instanceof CallerIdentityError ? err.code : err.name,
            message: err.message,
          },
          account: member.id,
        },
      };
    }
  };

  // the SDKs go as soon as the last member is read, before its rules run, as in a one-account
  // scan (about 20 MB of heap while the largest member's rules run); a run that stops early
  // lets go when `each` ends
  let unread = members.length;
  const read = async (member: OrgAccount): Promise<MemberOutcome> => {
    try {
      return await outcome(member);
    } finally {
      unread -= 1;
      if (unread === 0) {
        unholdSession();
        releaseSdks();
      }
    }
  };

  return {
    caller,
    directory,
    members,
    listed,
    async each(fn) {
      try {
        if (!org.adaptive)
          return await boundedMap(members, org.concurrency, async (m) => fn(await read(m)));
        const heapLimit = getHeapStatistics().heap_size_limit;
        return await rampingMap(
          members,
          {
            start: org.concurrency,
            max: MAX_ADAPTIVE_MEMBERS,
            rampMs: MEMBER_RAMP_MS,
            roomFor: () => process.memoryUsage().heapUsed < heapLimit / 4,
          },
          async (m) => fn(await read(m)),
        );
      } finally {
        // members still being read keep their own hold (collect), so this is safe early too
        unholdSession();
        releaseSdks();
      }
    },
  };
}

/**
 * A member's findings as an organization report has them: each resource names
 * the account and the fingerprint includes it (before suppressions, which may
 * name `account:`). The engine's findings are the member's own, fresh objects:
 * tagged in place, not copied (a resource reference may be shared, so it is
 * replaced, not changed).
 */
export function tagMemberFindings(findings: Finding[], account: string): void {
  for (const f of findings) {
    f.resource = extend(f.resource, { account });
    f.fingerprint = fingerprint(f.ruleId, f.resource);
  }
}

/** a member's one-account report as one member of an organization report */
export function asMemberReport(
  report: Report,
  member: OrgAccount,
  account: Report['account'],
): Report {
  return {
    ...report,
    account,
    accounts: [member],
    coverage: report.coverage.map((c) => extend(c, { account: member.id })),
    unevaluated: (report.unevaluated ?? []).map((u) =>
      extend(u, {
        resource: u.resource === null ? null : extend(u.resource, { account: member.id }),
        account: member.id,
      }),
    ),
  };
}

export interface OrgScanInput extends OrgRunInput {
  rules: readonly LoadedRule[];
  settings: Readonly<Record<string, RuleSettings>>;
  suppressions: readonly Suppression[];
  startedAt: Date;
  /** `--severity`: report only findings of these severities */
  severities?: ReadonlySet<string>;
}

export interface OrgScanResult {
  report: Report;
  expired: ExpiredSuppression[];
  /** resources read, over every member */
  resources: number;
  /** the rule of each finding `--severity` dropped: it still fails its compliance controls */
  hidden: { ruleId: string }[];
}

/**
 * `--accounts` without a directory: the caller's account and the accounts
 * named are the user's own (the member role trusts the caller's account), as
 * a directory's are in `--org` scans (rules.md, `ram-role-trust-any-account`):
 * added to that rule's `trustedAccounts`. With a directory the rule reads it.
 */
export function withOwnAccountsTrusted(
  settings: Readonly<Record<string, RuleSettings>>,
  own: readonly string[],
): Record<string, RuleSettings> {
  const id = 'ram-role-trust-any-account';
  const current = settings[id];
  const options = (current?.options ?? {}) as { trustedAccounts?: unknown };
  const given = Array.isArray(options.trustedAccounts) ? (options.trustedAccounts as string[]) : [];
  return {
    ...settings,
    [id]: {
      ...current,
      options: { ...options, trustedAccounts: [...new Set([...given, ...own])] },
    },
  };
}

export async function scanOrganization(input: OrgScanInput): Promise<OrgScanResult> {
  const { clock, io, rules } = input;
  const run = await openOrgRun(input);
  // (only when the rule is loaded: settings of a rule not given are refused)
  const settings =
    run.directory || !rules.some((r) => r.rule.meta.id === 'ram-role-trust-any-account')
      ? input.settings
      : withOwnAccountsTrusted(input.settings, [
          run.caller.accountId,
          ...run.members.map((m) => m.id),
        ]);
  const enabled = new Set(
    rules.filter((r) => settings[r.rule.meta.id]?.enabled !== false).map((r) => r.rule.meta.id),
  );
  const ruleMeta = reportRules(rules, enabled, settings);
  const accountRef = {
    id: run.caller.accountId,
    callerArn: run.caller.arn,
    identityType: run.caller.identityType,
  };
  const empty = (started: Date, accounts: OrgAccount[], coverage: Report['coverage']): Report => ({
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
    accounts,
    coverage,
    findings: [],
    summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0 },
    rules: ruleMeta,
  });
  let expired: ExpiredSuppression[] = [];
  let resources = 0;
  const hidden: { ruleId: string }[] = [];

  // each member: evaluate, keep its report (findings, coverage, unevaluated), let the inventory go;
  // `each` lets go of the SDKs. Each member's report waits on disk, so the members still going
  // never share the heap with the finished ones' findings; at the end every report is read back,
  // since each format needs every finding. The last member's too: read back as compact JSON
  // objects, its findings took less heap than the engine's own (on the bench organization the
  // peak was about 360 MB in most runs instead of about 400, for about 0.4 s of CPU). The heap
  // grows in small steps (heap.ts) until the reports are merged: reading them back under V8's
  // own growth took it further (some 30 MB in the runs measured)
  const spool = openReportSpool();
  tuneHeapGrowth();
  try {
    let reached = 0;
    const spooled = await run.each((outcome): SpooledReport => {
      const { member } = outcome;
      const started = new Date();
      // the last member's rules, then the merge: the heap grows in tighter steps (heap.ts)
      reached += 1;
      if (reached === run.members.length) tightenHeapGrowth();
      let inventory: Inventory;
      let evaluation: EvaluationResult;
      if ('gap' in outcome) {
        ({ inventory, evaluation } = evaluateUnenteredMember({
          member,
          gap: outcome.gap,
          rules,
          settings,
          now: clock.now,
          since: clock.since,
          caller: run.caller,
          organization: run.directory
            ? { managementAccountId: run.caller.accountId, accounts: run.directory }
            : undefined,
        }));
      } else {
        inventory = outcome.inventory;
        evaluation = evaluate(inventory, {
          rules,
          now: clock.now,
          since: clock.since,
          settings,
          aroundRule: defaultSignalsDuringCustomRules,
        });
        resources += countResources(inventory);
      }
      for (const e of evaluation.ruleErrors)
        say(io, `account ${member.id}: rule ${e.ruleId} failed (${e.source}): ${e.message}`);
      for (const f of dropUnreported(evaluation, input.severities))
        hidden.push({ ruleId: f.ruleId });
      tagMemberFindings(evaluation.findings, member.id);
      const suppressed = applySuppressions(evaluation.findings, input.suppressions, clock.now);
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
        settings: input.settings,
      });
      if (!('gap' in outcome)) {
        say(
          io,
          `account ${member.id}${member.name ? ` (${member.name})` : ''}: ${report.findings.length} finding(s), ${report.coverage.length} coverage gap(s) in ${((performance.now() - outcome.startedMs) / 1000).toFixed(1)} s`,
        );
      }
      return spool.put(asMemberReport(report, member, accountRef));
    });
    const reports = spooled.map((s) => spool.take(s));
    const report = mergeReports(reports.length > 0 ? reports : [empty(input.startedAt, [], [])]);
    report.scan.startedAt = input.startedAt.toISOString();
    report.scan.finishedAt = new Date().toISOString();
    // which shard of how many members: `merge` refuses a set with one missing
    if (input.org.shard) report.scan.shard = { ...input.org.shard, members: run.listed };
    return { report, expired, resources, hidden };
  } finally {
    relaxHeapGrowth();
    spool.close();
  }
}
