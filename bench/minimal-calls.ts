/**
 * The yardstick of the benchmark: how many API calls a complete scan of a world
 * needs at the least, and how long it must take at the least given the API's
 * own rate limits and latency (../shared/notes/api-limits.md §3 page sizes,
 * §8 lower-bound formula). Computed from the world's item counts, never from
 * what the collectors happen to do.
 *
 * Calls (per region for ECS and LookupEvents; once for central services):
 *   list APIs            max(1, ceil(items ÷ max page))   (an empty list still costs 1 call)
 *   DescribeSecurityGroupAttribute   one per group (two for a classic group: one per NicType),
 *                        ceil(rules ÷ 1000) pages each
 *   DescribeInstanceRamRole          ceil(instances ÷ 50) (≤ 50 InstanceIds per call; 0 with no instances)
 *   DescribeNetworkInterfaces        ceil(ENIs ÷ 500), ENIs = the instances' NetworkInterfaces
 *                        (one synthesised primary ENI for an instance that lists none)
 *   RAM, set-based (issue #20): the users' console password, MFA and key use come from
 *                        the credential report's rows, so per user only
 *                        ListAccessKeys for a user whose row shows a key (ids are not in
 *                        the report; every user with a row when the report was generated
 *                        more than 5 min before now, world credentialReportGeneratedTime:
 *                        its "no key" may predate a key), GetAccessKeyLastUsed for a key
 *                        without a report slot (created after the report), and GetLoginProfile, GetUserMFAInfo,
 *                        ListAccessKeys + GetAccessKeyLastUsed per key for a user without
 *                        a row (created after the report);
 *   per RAM group        ListUsersForGroup ceil(members ÷ 1000);  per role: GetRole
 *   policies             ListPolicies ceil(policies ÷ 1000) (the world's and the built-in
 *                        System ones), then ListEntitiesForPolicy and GetPolicy for each
 *                        distinct policy attached to a user, group or role
 *   `perUserDesignTotal` keeps the former yardstick for comparison: per user GetLoginProfile,
 *                        GetUserMFAInfo, ListAccessKeys, ListGroupsForUser, ListPoliciesForUser,
 *                        GetAccessKeyLastUsed per key; ListPoliciesForGroup / ListPoliciesForRole
 *                        per group / role; no ListPolicies, ListEntitiesForPolicy, ListUsersForGroup
 *   IMS                  GetAccountSecurityPracticeReport, GetAccountMFAInfo,
 *                        GenerateCredentialReport ×2 (the first call answers STARTED, the
 *                        next one COMPLETED), GetCredentialReport ceil((users + 1) ÷ 3501)
 *   STS                  GetCallerIdentity
 *   ActionTrail          DescribeTrails per region (a single-region trail is listed only in
 *                        the region it was created in), GetTrailStatus per trail;
 *                        LookupEvents as filtered on the server (issue #15), 50 a page, in
 *                        [since, now]; global events (isGlobal, or no acsRegion) are read in the
 *                        global events storage region S (world GlobalEventsStorageRegion, default
 *                        ap-southeast-1), regional ones in their acsRegion; the regions read are
 *                        the scanned ones and S:
 *                        - the root's sign-ins: ServiceName=AasCustomer in S, max(1, ceil(n ÷ 50))
 *                          (the credential report's last logon confirms them: no read by name);
 *                        - the root's AccessKeys: listed by a root caller; otherwise the keys the
 *                          credential report shows used in the window (last use ≥ since − 1 h),
 *                          each distinct last use costing one read that names the key (at best
 *                          the first region searched), plus the root's DeleteAccessKey events in
 *                          S, max(1, ceil(n ÷ 50));
 *                        - per root key and region read: EventAccessKeyId=<id>, max(1, ceil(n ÷ 50));
 *                        - after the credential report's generation time (world
 *                          credentialReportGeneratedTime, when more than 5 min before now):
 *                          ConsoleSignin by name in S and, for a caller that cannot list the root's
 *                          keys, every event per region read.
 *                        `lookupEventsFullRead` keeps the unfiltered read for comparison: per
 *                        scanned region max(1, ceil(events visible there ÷ 50)), a global event
 *                        visible everywhere
 *   ListAccessKeys without UserName (the root's keys): 1 only when the caller is the root identity
 *
 * Buckets (the emulator's, as the real services key them): action + region for
 * ECS and ActionTrail, action for RAM, IMS and STS.
 */
import { BUILTIN_SYSTEM_POLICIES } from '../src/emulator/ram.js';
import type { World } from '../src/emulator/world.js';

export type BenchService = 'ecs' | 'ram' | 'ims' | 'sts' | 'actiontrail' | 'vpc';

export const SERVICE_OF: Record<string, BenchService> = {
  GetCallerIdentity: 'sts',
  DescribeRegions: 'ecs',
  DescribeSecurityGroups: 'ecs',
  DescribeSecurityGroupAttribute: 'ecs',
  DescribeInstances: 'ecs',
  DescribeNetworkInterfaces: 'ecs',
  DescribeInstanceRamRole: 'ecs',
  DescribeKeyPairs: 'ecs',
  DescribeDisks: 'ecs',
  DescribeInvocations: 'ecs',
  ListUsers: 'ram',
  GetLoginProfile: 'ram',
  GetUserMFAInfo: 'ram',
  ListAccessKeys: 'ram',
  GetAccessKeyLastUsed: 'ram',
  ListGroupsForUser: 'ram',
  ListPoliciesForUser: 'ram',
  ListGroups: 'ram',
  ListUsersForGroup: 'ram',
  ListPolicies: 'ram',
  ListEntitiesForPolicy: 'ram',
  ListPoliciesForGroup: 'ram',
  ListRoles: 'ram',
  GetRole: 'ram',
  ListPoliciesForRole: 'ram',
  GetPolicy: 'ram',
  GetPasswordPolicy: 'ram',
  GetSecurityPreference: 'ram',
  GetAccountSecurityPracticeReport: 'ims',
  GetAccountMFAInfo: 'ims',
  GenerateCredentialReport: 'ims',
  GetCredentialReport: 'ims',
  DescribeTrails: 'actiontrail',
  GetTrailStatus: 'actiontrail',
  LookupEvents: 'actiontrail',
  DescribeIpv6Addresses: 'vpc',
  DescribeNetworkAcls: 'vpc',
  DescribeNatGateways: 'vpc',
  DescribeForwardTableEntries: 'vpc',
  DescribeEipAddresses: 'vpc',
};

/** max items per call (api-limits §3) */
export const PAGE = {
  DescribeSecurityGroups: 100,
  DescribeSecurityGroupAttribute: 1000,
  DescribeInstances: 100,
  DescribeNetworkInterfaces: 500,
  DescribeInstanceRamRole: 50,
  DescribeKeyPairs: 50,
  DescribeDisks: 500,
  DescribeInvocations: 50,
  ListUsers: 1000,
  ListGroups: 1000,
  ListRoles: 1000,
  ListUsersForGroup: 1000,
  ListPolicies: 1000,
  GetCredentialReport: 3501,
  LookupEvents: 50,
  DescribeIpv6Addresses: 50,
  DescribeNetworkAcls: 50,
  DescribeNatGateways: 50,
  DescribeForwardTableEntries: 50,
  DescribeEipAddresses: 100,
} as const;

/**
 * How many calls must precede the first call of an action on the critical
 * path (in round trips): DescribeRegions → the regional lists; a list's first
 * page → its per-item calls; ListAccessKeys → GetAccessKeyLastUsed; a
 * ListPoliciesFor* → GetPolicy; GenerateCredentialReport (twice: start, poll) →
 * GetCredentialReport.
 */
export const PREFIX: Record<string, number> = {
  DescribeIpv6Addresses: 1,
  DescribeNetworkAcls: 1,
  DescribeNatGateways: 1,
  DescribeEipAddresses: 1,
  DescribeForwardTableEntries: 2,
  DescribeSecurityGroups: 1,
  DescribeSecurityGroupAttribute: 2,
  DescribeInstances: 1,
  DescribeNetworkInterfaces: 1,
  DescribeInstanceRamRole: 2,
  DescribeKeyPairs: 1,
  DescribeDisks: 1,
  DescribeInvocations: 1,
  LookupEvents: 1,
  GetLoginProfile: 1,
  GetUserMFAInfo: 1,
  ListAccessKeys: 1,
  ListGroupsForUser: 1,
  ListPoliciesForUser: 1,
  GetAccessKeyLastUsed: 2,
  ListPoliciesForGroup: 1,
  GetRole: 1,
  ListPoliciesForRole: 1,
  ListUsersForGroup: 1,
  ListEntitiesForPolicy: 1,
  GetPolicy: 2,
  GetCredentialReport: 2,
  GetTrailStatus: 1,
};

export interface Bucket {
  action: string;
  service: BenchService;
  /** null for central services (RAM, IMS, STS) */
  region: string | null;
  calls: number;
}

export interface MinimalCalls {
  total: number;
  byAction: Record<string, number>;
  buckets: Bucket[];
  /** the former yardstick: every per-user RAM fact read per user (before issue #20) */
  perUserDesignTotal: number;
  /** LookupEvents calls of the unfiltered read (every event of every scanned region), for comparison */
  lookupEventsFullRead: number;
  /** round trips per dependent chain, by name (LookupEvents pages listed separately) */
  chains: Array<{ name: string; roundTrips: number; lookupPages: number }>;
}

export interface MinimalOptions {
  /** end of the ActionTrail window (the scan's --now); default world.now */
  now?: Date;
  /** start of the window; default now − 90 days */
  since?: Date;
}

const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

export function minimalCalls(world: World, opts: MinimalOptions = {}): MinimalCalls {
  const now = opts.now ?? (world.now ? new Date(world.now) : new Date());
  const since = opts.since ?? new Date(now.getTime() - 90 * 86_400_000);
  const buckets: Bucket[] = [];
  const add = (action: string, region: string | null, calls: number) => {
    if (calls <= 0) return;
    const service = SERVICE_OF[action];
    if (!service) throw new Error(`minimal-calls: unknown action ${action}`);
    buckets.push({ action, service, region, calls });
  };
  const chains: MinimalCalls['chains'] = [];
  const regionIds = world.regions.map((r) => r.RegionId);
  const home = regionIds[0] ?? 'cn-hangzhou';

  add('GetCallerIdentity', null, 1);
  add('DescribeRegions', home, 1);

  // events visible per region within the window
  const from = since.getTime();
  const to = now.getTime();
  const visible = new Map<string, number>(regionIds.map((r) => [r, 0]));
  let global = 0;
  for (const e of world.actiontrail.Events) {
    const t = Date.parse(e.eventTime);
    if (t < from || t > to) continue;
    if (e.isGlobal) global += 1;
    else if (e.acsRegion !== undefined && visible.has(e.acsRegion)) {
      visible.set(e.acsRegion, (visible.get(e.acsRegion) ?? 0) + 1);
    }
  }

  let lookupEventsFullRead = 0;
  for (const region of regionIds) {
    const block = world.ecs[region];
    const groups = block?.SecurityGroups ?? [];
    const instances = block?.Instances ?? [];
    const sgPages = pages(groups.length, PAGE.DescribeSecurityGroups);
    add('DescribeSecurityGroups', region, sgPages);
    let attr = 0;
    for (const g of groups) {
      const classic = g.VpcId === undefined || g.VpcId === '';
      if (classic) {
        const internet = g.Permissions.filter(
          (p) => (p.NicType ?? 'internet').toLowerCase() === 'internet',
        ).length;
        attr += pages(internet, PAGE.DescribeSecurityGroupAttribute);
        attr += pages(g.Permissions.length - internet, PAGE.DescribeSecurityGroupAttribute);
      } else {
        attr += pages(g.Permissions.length, PAGE.DescribeSecurityGroupAttribute);
      }
    }
    add('DescribeSecurityGroupAttribute', region, attr);
    const instPages = pages(instances.length, PAGE.DescribeInstances);
    add('DescribeInstances', region, instPages);
    const enis = instances.reduce((n, i) => n + (i.NetworkInterfaces?.length ?? 1), 0);
    const eniPages = pages(enis, PAGE.DescribeNetworkInterfaces);
    add('DescribeNetworkInterfaces', region, eniPages);
    add(
      'DescribeInstanceRamRole',
      region,
      Math.ceil(instances.length / PAGE.DescribeInstanceRamRole),
    );
    const kpPages = pages(block?.KeyPairs.length ?? 0, PAGE.DescribeKeyPairs);
    add('DescribeKeyPairs', region, kpPages);
    const diskPages = pages(block?.Disks.length ?? 0, PAGE.DescribeDisks);
    add('DescribeDisks', region, diskPages);
    const invPages = pages(block?.Invocations.length ?? 0, PAGE.DescribeInvocations);
    add('DescribeInvocations', region, invPages);
    lookupEventsFullRead += pages((visible.get(region) ?? 0) + global, PAGE.LookupEvents);

    // sequential NextToken pages; PageNumber paging needs page 1 (for TotalCount) then runs in parallel
    chains.push(
      { name: `${region} security groups → rules`, roundTrips: 1 + sgPages + 1, lookupPages: 0 },
      {
        name: `${region} instances → RAM roles`,
        roundTrips: 1 + instPages + (instances.length > 0 ? 1 : 0),
        lookupPages: 0,
      },
      { name: `${region} network interfaces`, roundTrips: 1 + eniPages, lookupPages: 0 },
      { name: `${region} key pairs`, roundTrips: 1 + Math.min(kpPages, 2), lookupPages: 0 },
      { name: `${region} disks`, roundTrips: 1 + diskPages, lookupPages: 0 },
      { name: `${region} invocations`, roundTrips: 1 + invPages, lookupPages: 0 },
    );

    // VPC: network ACLs, IPv6 addresses, EIPs, NAT gateways → their forward tables
    const vpc = world.vpc[region];
    add(
      'DescribeIpv6Addresses',
      region,
      pages(vpc?.Ipv6Addresses.length ?? 0, PAGE.DescribeIpv6Addresses),
    );
    add(
      'DescribeNetworkAcls',
      region,
      pages(vpc?.NetworkAcls.length ?? 0, PAGE.DescribeNetworkAcls),
    );
    add(
      'DescribeEipAddresses',
      region,
      pages(vpc?.EipAddresses.length ?? 0, PAGE.DescribeEipAddresses),
    );
    const natPages = pages(vpc?.NatGateways.length ?? 0, PAGE.DescribeNatGateways);
    add('DescribeNatGateways', region, natPages);
    const tables = (vpc?.NatGateways ?? []).map((g) =>
      pages(g.ForwardTableEntries.length, PAGE.DescribeForwardTableEntries),
    );
    add(
      'DescribeForwardTableEntries',
      region,
      tables.reduce((a, b) => a + b, 0),
    );
    chains.push({
      name: `${region} NAT gateways → DNAT entries`,
      roundTrips: 1 + natPages + Math.max(0, ...tables),
      lookupPages: 0,
    });
  }

  // RAM (set-based; see the header)
  const ramStart = buckets.length;
  const ram = world.ram;
  const users = ram.Users.length;
  const userPages = pages(users, PAGE.ListUsers);
  add('ListUsers', null, userPages);
  // the report is a snapshot: users and keys created after it have no row / slot
  const reportAt = Date.parse(world.root.credentialReportGeneratedTime ?? '');
  const inReport = (created: string | undefined) =>
    !Number.isFinite(reportAt) || !created || !(Date.parse(created) > reportAt);
  // a report generated before the scan (the emulator returns the world's time, else its clock's)
  // may predate keys: a row without a key is asked too
  const staleReport = Number.isFinite(reportAt) && reportAt < to - 5 * 60_000;
  let rowless = 0;
  let listKeys = 0;
  let lastUsed = 0;
  for (const u of ram.Users) {
    if (!inReport(u.CreateDate)) {
      rowless += 1;
      listKeys += 1;
      lastUsed += u.AccessKeys.length;
      continue;
    }
    const reported = u.AccessKeys.filter((k) => inReport(k.CreateDate));
    if (reported.length > 0 || staleReport) listKeys += 1;
    // a key without a slot asks its last use (keys without a creation date cannot be matched)
    lastUsed += u.AccessKeys.filter((k) => !k.CreateDate || !inReport(k.CreateDate)).length;
  }
  add('GetLoginProfile', null, rowless);
  add('GetUserMFAInfo', null, rowless);
  add('ListAccessKeys', null, listKeys);
  add('GetAccessKeyLastUsed', null, lastUsed);
  const groupPages = pages(ram.Groups.length, PAGE.ListGroups);
  add('ListGroups', null, groupPages);
  add(
    'ListUsersForGroup',
    null,
    ram.Groups.reduce(
      (n, g) =>
        n +
        pages(
          ram.Users.filter((u) => u.Groups.includes(g.GroupName)).length,
          PAGE.ListUsersForGroup,
        ),
      0,
    ),
  );
  const rolePages = pages(ram.Roles.length, PAGE.ListRoles);
  add('ListRoles', null, rolePages);
  add('GetRole', null, ram.Roles.length);
  const attached = new Set<string>();
  for (const holder of [...ram.Users, ...ram.Groups, ...ram.Roles]) {
    for (const p of holder.Policies) attached.add(`${p.PolicyType}:${p.PolicyName}`);
  }
  const listed =
    ram.Policies.length +
    BUILTIN_SYSTEM_POLICIES.filter((b) => !ram.Policies.some((p) => p.PolicyName === b.PolicyName))
      .length;
  const policyPages = pages(listed, PAGE.ListPolicies);
  add('ListPolicies', null, policyPages);
  add('ListEntitiesForPolicy', null, attached.size);
  add('GetPolicy', null, attached.size);
  add('GetPasswordPolicy', null, 1);
  add('GetSecurityPreference', null, 1);
  const setBasedRam = buckets.slice(ramStart).reduce((n, b) => n + b.calls, 0);
  if ((world.account.caller?.IdentityType ?? 'RAMUser') === 'Account')
    add('ListAccessKeys', null, 1);
  chains.push(
    {
      name: 'credential report → AccessKeys → last used',
      // generate (start), generate (poll), the report's pages, then ListAccessKeys → GetAccessKeyLastUsed
      roundTrips:
        Math.max(userPages, 2 + pages(users + 1, PAGE.GetCredentialReport)) +
        (listKeys > 0 ? 1 : 0) +
        (lastUsed > 0 ? 1 : 0),
      lookupPages: 0,
    },
    { name: 'RAM policies → holders → GetPolicy', roundTrips: policyPages + 2, lookupPages: 0 },
    { name: 'RAM roles → GetRole', roundTrips: rolePages + 1, lookupPages: 0 },
    { name: 'RAM groups → members', roundTrips: groupPages + 1, lookupPages: 0 },
  );
  // the former yardstick, for comparison
  const keys = ram.Users.reduce((n, u) => n + u.AccessKeys.length, 0);
  const perUserDesignRam =
    userPages +
    5 * users +
    keys +
    groupPages +
    ram.Groups.length +
    rolePages +
    2 * ram.Roles.length +
    attached.size +
    2;

  // IMS
  add('GetAccountSecurityPracticeReport', null, 1);
  add('GetAccountMFAInfo', null, 1);
  add('GenerateCredentialReport', null, 2);
  const reportPages = pages(users + 1, PAGE.GetCredentialReport);
  add('GetCredentialReport', null, reportPages);
  chains.push({
    name: 'credential report: generate → poll → get pages',
    roundTrips: 2 + reportPages,
    lookupPages: 0,
  });

  lookupEvents(world, { from, to, regionIds }, add, chains);

  // ActionTrail trails
  for (const region of regionIds) add('DescribeTrails', region, 1);
  for (const t of world.actiontrail.Trails) add('GetTrailStatus', t.HomeRegion ?? home, 1);
  chains.push({
    name: 'trails → status',
    roundTrips: 1 + (world.actiontrail.Trails.length > 0 ? 1 : 0),
    lookupPages: 0,
  });

  // merge buckets with the same key (several trails in one home region)
  const merged = new Map<string, Bucket>();
  for (const b of buckets) {
    const key = `${b.action}@${b.region ?? ''}`;
    const seen = merged.get(key);
    if (seen) seen.calls += b.calls;
    else merged.set(key, { ...b });
  }
  const byAction: Record<string, number> = {};
  let total = 0;
  for (const b of merged.values()) {
    byAction[b.action] = (byAction[b.action] ?? 0) + b.calls;
    total += b.calls;
  }
  const perUserDesignTotal = total - setBasedRam + perUserDesignRam;
  return {
    total,
    byAction,
    buckets: [...merged.values()],
    perUserDesignTotal,
    lookupEventsFullRead,
    chains,
  };
}

const HOUR_MS = 3_600_000;

/** LookupEvents of the filtered design (see the header), per region read */
function lookupEvents(
  world: World,
  w: { from: number; to: number; regionIds: string[] },
  add: (action: string, region: string | null, calls: number) => void,
  chains: MinimalCalls['chains'],
): void {
  const storage = world.actiontrail.GlobalEventsStorageRegion ?? 'ap-southeast-1';
  const readRegions = w.regionIds.includes(storage) ? w.regionIds : [...w.regionIds, storage];
  const events = world.actiontrail.Events.filter((e) => {
    const t = Date.parse(e.eventTime);
    return t >= w.from && t <= w.to;
  });
  const regionOf = (e: (typeof events)[number]) =>
    e.isGlobal === true || !e.acsRegion ? storage : e.acsRegion;
  const count = (region: string, match: (e: (typeof events)[number]) => boolean, since = w.from) =>
    events.filter((e) => regionOf(e) === region && Date.parse(e.eventTime) >= since && match(e))
      .length;
  const perRegion = new Map<string, number>(readRegions.map((r) => [r, 0]));
  const read = (region: string, n: number) => {
    const p = pages(n, PAGE.LookupEvents);
    add('LookupEvents', region, p);
    perRegion.set(region, (perRegion.get(region) ?? 0) + p);
  };
  read(
    storage,
    count(storage, (e) => e['serviceName'] === 'AasCustomer'),
  );
  const rootCaller = world.account.caller?.IdentityType === 'Account';
  const listed = rootCaller && world.root.accessKeys.length > 0;
  const keys = listed
    ? world.root.accessKeys
    : world.root.accessKeys.filter((k) => Date.parse(k.LastUsedDate ?? '') >= w.from - HOUR_MS);
  let searchRounds = 0;
  if (!listed) {
    read(
      storage,
      count(storage, (e) => e.eventName === 'DeleteAccessKey'),
    );
    searchRounds = new Set(keys.map((k) => k.LastUsedDate)).size;
    if (searchRounds > 0) add('LookupEvents', readRegions[0]!, searchRounds);
    perRegion.set(readRegions[0]!, (perRegion.get(readRegions[0]!) ?? 0) + searchRounds);
  }
  for (const k of keys) {
    for (const region of readRegions) {
      read(
        region,
        count(
          region,
          (e) =>
            (e.userIdentity as { accessKeyId?: unknown } | undefined)?.accessKeyId ===
            k.AccessKeyId,
        ),
      );
    }
  }
  const generated = Date.parse(world.root.credentialReportGeneratedTime ?? '');
  if (Number.isFinite(generated) && generated < w.to - 5 * 60_000) {
    const since = Math.max(generated - 5 * 60_000, w.from);
    read(
      storage,
      count(storage, (e) => e.eventName === 'ConsoleSignin', since),
    );
    if (!listed)
      for (const region of readRegions)
        read(
          region,
          count(region, () => true, since),
        );
  }
  // GetGlobalEventsStorageRegion, then each region's reads one after the other (the scan
  // spaces LookupEvents per region); a searched key's reads wait for the search
  for (const region of readRegions) {
    chains.push({
      name: `${region} ActionTrail events`,
      roundTrips: 1 + (searchRounds > 0 && region !== readRegions[0] ? 1 : 0),
      lookupPages: perRegion.get(region) ?? 0,
    });
  }
}

export interface BucketBound {
  action: string;
  region: string | null;
  calls: number;
  /** calls per 1-s window; null = no limit */
  limit: number | null;
  seconds: number;
}

export interface LowerBound {
  seconds: number;
  /** what sets it: the slowest bucket or the longest chain */
  bindingBy: 'bucket' | 'chain';
  slowestBucket: BucketBound;
  longestChain: { name: string; seconds: number };
  buckets: BucketBound[];
}

/**
 * api-limits §8: each bucket b needs (ceil(C_b ÷ N_b) − 1) windows of W = 1 s
 * plus one latency L (fixed windows start at the bucket's first call), after
 * the round trips that must precede its first call (PREFIX × L). Each chain
 * needs its round trips × L, LookupEvents pages max(L, 1 s ÷ N) each. The bound
 * is the larger of the slowest bucket and the longest chain. The §8 term
 * "total calls × L ÷ K" is left out: K (client concurrency) is the scanner's
 * choice, not a limit of the API.
 */
export function lowerBound(
  min: MinimalCalls,
  qps: Record<string, number>,
  latencyMs: number,
  windowMs = 1000,
): LowerBound {
  const L = latencyMs / 1000;
  const W = windowMs / 1000;
  const buckets: BucketBound[] = min.buckets.map((b) => {
    const limit = qps[b.action] ?? null;
    const windows = limit === null ? 1 : Math.ceil(b.calls / Math.max(1, Math.floor(limit)));
    const seconds = (PREFIX[b.action] ?? 0) * L + (windows - 1) * W + L;
    return { action: b.action, region: b.region, calls: b.calls, limit, seconds };
  });
  buckets.sort((a, b) => b.seconds - a.seconds || b.calls - a.calls);
  const lookupLimit = qps['LookupEvents'];
  const perLookup = Math.max(L, lookupLimit ? W / lookupLimit : 0);
  let longestChain = { name: 'none', seconds: 0 };
  for (const c of min.chains) {
    const seconds = c.roundTrips * L + c.lookupPages * perLookup;
    if (seconds > longestChain.seconds) longestChain = { name: c.name, seconds };
  }
  const slowestBucket = buckets[0] ?? {
    action: 'none',
    region: null,
    calls: 0,
    limit: null,
    seconds: 0,
  };
  const bindingBy = slowestBucket.seconds >= longestChain.seconds ? 'bucket' : 'chain';
  return {
    seconds: Math.max(slowestBucket.seconds, longestChain.seconds),
    bindingBy,
    slowestBucket,
    longestChain,
    buckets,
  };
}
