/**
 * "Not evaluated" (issue #14, rules.md "Coverage and not evaluated"): the
 * engine, not each rule, turns coverage entries into (rule, resource) pairs a
 * rule could not judge.
 *
 * - `READ_DATA` maps each read action to the data key it fills (the dotted
 *   inventory path of rules' `meta.reads`) and the resource type its coverage
 *   entries name in `resource` (when they name one).
 * - A coverage entry that names a resource gives the pair (rule, that resource)
 *   for each rule that reads its key and judges that type, or (rule, related
 *   resource): a security group → the instances whose interfaces use it, a RAM
 *   group → its member users, a policy → the principals it is attached to,
 *   anything → the account for account-level rules.
 * - An entry that names no resource says a list is incomplete in its region:
 *   every resource of the rule's types there that the inventory knows, plus one
 *   whole-scope pair (`resource: null`).
 * - A rule reads a key when it declares it or a key below it (a failed list of
 *   instances leaves their interfaces unknown too); a rule without `reads`
 *   reads everything.
 */
import { portListDecides } from '../analysis/exposure.js';
import {
  type ResourceGroupIndex,
  resourceGroupIndex,
  resourceGroupRefs,
} from '../analysis/ram-policy.js';
import type { CoverageEntry, Inventory, Service } from '../inventory/schema.js';
import { fingerprint } from './finding.js';
import type { ResourceRef, ResourceType, Rule } from './types.js';

/**
 * The data keys of `meta.reads`: dotted inventory paths of collections or
 * per-entity facts (shared vocabulary; add new ones in the same style).
 */
export const DATA_KEYS = [
  'account',
  'regions',
  'ecs.securityGroups',
  'ecs.securityGroups.rules',
  'ecs.instances',
  'ecs.instances.networkInterfaces',
  'ecs.instances.ramRoleName',
  'ecs.instances.metadataOptions',
  'ecs.instances.osType',
  'ecs.keyPairs',
  'ecs.disks',
  'ecs.disks.autoSnapshotPolicyId',
  'ecs.disks.encrypted',
  'ecs.invocations',
  'ecs.prefixLists',
  'ecs.portRangeLists',
  'vpc.ipv6Addresses',
  'vpc.networkAcls',
  'vpc.natGateways',
  'vpc.eipAddresses',
  'ram.users',
  'ram.users.loginProfile',
  'ram.users.mfaDevice',
  'ram.users.accessKeys',
  'ram.users.groups',
  'ram.users.policies',
  'ram.groups',
  'ram.groups.policies',
  'ram.roles',
  'ram.roles.trustPolicy',
  'ram.roles.policies',
  'ram.policies',
  'ram.passwordPolicy',
  'ram.securityPreference',
  'ram.resourceGroupAttachments',
  'root',
  'actiontrail.trails',
  'actiontrail.events',
  'sas.instances',
  'organization.accounts',
] as const;

export interface ReadData {
  /** the data key the action fills (rules' `meta.reads` vocabulary) */
  key: string;
  /** the resource type an entry's `resource` names; undefined: entries name none (or nothing rules judge) */
  names?: NamedType;
  /** further data keys the action fills (a set-based read: RAM attachments of users, groups and roles) */
  also?: readonly string[];
}

/**
 * What a coverage entry's `resource` may name: a resource rules judge, or a
 * list that security-group rules refer to (a prefix list `pl-…`, a port list
 * `prl-…`), whose verdicts then rest on it.
 */
export type NamedType = ResourceType | 'prefix-list' | 'port-range-list';

/**
 * Every read action → its data key and the resource type its coverage entries
 * name. A test asserts every action of `READ_ACTIONS` has a row: an action
 * added without one fails it.
 */
export const READ_DATA: { readonly [S in Service]: Readonly<Record<string, ReadData>> } = {
  sts: {
    GetCallerIdentity: { key: 'account', names: 'account' },
    // organization scans: a member that cannot be entered is reported per account by the org scan
    AssumeRole: { key: 'account' },
  },
  ecs: {
    DescribeRegions: { key: 'regions' },
    DescribeSecurityGroups: { key: 'ecs.securityGroups', names: 'security-group' },
    DescribeSecurityGroupAttribute: { key: 'ecs.securityGroups.rules', names: 'security-group' },
    DescribeInstances: { key: 'ecs.instances', names: 'instance' },
    DescribeNetworkInterfaces: { key: 'ecs.instances.networkInterfaces', names: 'instance' },
    DescribeInstanceRamRole: { key: 'ecs.instances.ramRoleName', names: 'instance' },
    DescribeKeyPairs: { key: 'ecs.keyPairs', names: 'key-pair' },
    DescribeDisks: { key: 'ecs.disks', names: 'disk' },
    DescribeInvocations: { key: 'ecs.invocations' },
    DescribePrefixLists: { key: 'ecs.prefixLists' },
    DescribePrefixListAttributes: { key: 'ecs.prefixLists', names: 'prefix-list' },
    DescribePortRangeLists: { key: 'ecs.portRangeLists' },
    DescribePortRangeListEntries: { key: 'ecs.portRangeLists', names: 'port-range-list' },
  },
  ram: {
    ListUsers: { key: 'ram.users', names: 'ram-user' },
    GetLoginProfile: { key: 'ram.users.loginProfile', names: 'ram-user' },
    GetUserMFAInfo: { key: 'ram.users.mfaDevice', names: 'ram-user' },
    // `<root>` (the root identity's own keys) is handled in dataOf
    ListAccessKeys: { key: 'ram.users.accessKeys', names: 'ram-user' },
    // resource `user/AccessKeyId`
    GetAccessKeyLastUsed: { key: 'ram.users.accessKeys', names: 'ram-user' },
    ListGroups: { key: 'ram.groups', names: 'ram-group' },
    // one group's members unread: no user's groups are known (entries name the group)
    ListUsersForGroup: { key: 'ram.users.groups' },
    ListRoles: { key: 'ram.roles', names: 'ram-role' },
    GetRole: { key: 'ram.roles.trustPolicy', names: 'ram-role' },
    // the attachments unread (the listing, or one policy's holders): no principal's policies are known
    ListPolicies: {
      key: 'ram.users.policies',
      also: ['ram.groups.policies', 'ram.roles.policies'],
    },
    ListEntitiesForPolicy: {
      key: 'ram.users.policies',
      also: ['ram.groups.policies', 'ram.roles.policies'],
    },
    GetPolicy: { key: 'ram.policies', names: 'ram-policy' },
    GetPasswordPolicy: { key: 'ram.passwordPolicy' },
    GetSecurityPreference: { key: 'ram.securityPreference' },
  },
  ims: {
    GetAccountSecurityPracticeReport: { key: 'root' },
    GetAccountMFAInfo: { key: 'root' },
    GenerateCredentialReport: { key: 'root' },
    GetCredentialReport: { key: 'root' },
  },
  actiontrail: {
    DescribeTrails: { key: 'actiontrail.trails' },
    // resource: the trail's name (not a resource rules judge)
    GetTrailStatus: { key: 'actiontrail.trails' },
    LookupEvents: { key: 'actiontrail.events' },
    // where global events (console sign-ins) are stored
    GetGlobalEventsStorageRegion: { key: 'actiontrail.events' },
  },
  // entries name the region, or an ACL (`nacl-…`), NAT gateway (`ngw-…`) or forward table (`ftb-…`): all are
  // taken as the whole region (every instance there may sit behind them)
  vpc: {
    DescribeIpv6Addresses: { key: 'vpc.ipv6Addresses' },
    DescribeNetworkAcls: { key: 'vpc.networkAcls' },
    DescribeNatGateways: { key: 'vpc.natGateways' },
    DescribeForwardTableEntries: { key: 'vpc.natGateways' },
    DescribeEipAddresses: { key: 'vpc.eipAddresses' },
  },
  resourcemanager: {
    ListPolicyAttachments: { key: 'ram.resourceGroupAttachments' },
    ListAccounts: { key: 'organization.accounts' },
  },
  // MissingField entries name the instance whose agent status lacks ClientStatus
  sas: { DescribeCloudCenterInstances: { key: 'sas.instances', names: 'instance' } },
};

/** What a coverage entry says is missing: a data key, and the resource it names (if any). */
export interface MissingData {
  key: string;
  /** further keys missing with it (READ_DATA `also`) */
  also?: readonly string[];
  named?: { type: NamedType; id: string };
}

/**
 * A `MissingField` entry whose message names a field that fills a finer data
 * key than its action's (an instance's `MetadataOptions.HttpTokens` is
 * `ecs.instances.metadataOptions`, not the whole instance): only the rules
 * that read that key are concerned. Fields are matched by their wire names.
 */
const MISSING_FIELD_KEYS: ReadonlyArray<{ operation: string; field: RegExp; key: string }> = [
  {
    operation: 'DescribeInstances',
    field: /\b(MetadataOptions|HttpTokens|HttpEndpoint)\b/,
    key: 'ecs.instances.metadataOptions',
  },
  // older answers in the API's own examples leave it out: only the rules that read it
  { operation: 'DescribeInstances', field: /\bOSType\b/, key: 'ecs.instances.osType' },
  // rules.md: a disk without it is not evaluated for disk-no-auto-snapshot-policy (only)
  {
    operation: 'DescribeDisks',
    field: /\bAutoSnapshotPolicyId\b/,
    key: 'ecs.disks.autoSnapshotPolicyId',
  },
  // "not evaluated for that rule": a disk without Encrypted holds back disk-not-encrypted only
  { operation: 'DescribeDisks', field: /\bEncrypted\b/, key: 'ecs.disks.encrypted' },
  {
    operation: 'DescribeInstances',
    field: /\bNetworkInterfaces?\b/,
    key: 'ecs.instances.networkInterfaces',
  },
];

/** The data key and named resource of a coverage entry; undefined for an action without a row. */
export function dataOf(
  entry: Pick<CoverageEntry, 'service' | 'operation' | 'resource'> & {
    error?: CoverageEntry['error'];
  },
): MissingData | undefined {
  const rows = READ_DATA[entry.service as Service] as
    | Readonly<Record<string, ReadData>>
    | undefined;
  if (!rows || !Object.hasOwn(rows, entry.operation)) return undefined;
  const row = rows[entry.operation]!;
  const resource = entry.resource;
  if (entry.service === 'ram' && entry.operation === 'ListAccessKeys' && resource === '<root>') {
    return { key: 'root' };
  }
  let key = row.key;
  if (row.also) return { key, also: row.also };
  if (entry.error?.code === 'MissingField') {
    const finer = MISSING_FIELD_KEYS.find(
      (f) => f.operation === entry.operation && f.field.test(entry.error!.message),
    );
    if (finer) key = finer.key;
  }
  if (!row.names || resource === undefined || resource === '') return { key };
  const slash = resource.indexOf('/');
  const id =
    entry.operation === 'GetAccessKeyLastUsed' && slash > 0 ? resource.slice(0, slash) : resource;
  return { key, named: { type: row.names, id } };
}

/** the services whose data is read per region: all of it rests on the region list */
const REGIONAL_DATA = ['ecs.', 'vpc.', 'actiontrail.', 'sas.'];

/**
 * Does data key `read` rest on data key `missing`? It does when it is that
 * key or a fact below it, and every regional key rests on `regions` (without
 * the region list, `--regions all` scans no region at all).
 */
export function restsOn(read: string, missing: string): boolean {
  if (read === missing || read.startsWith(`${missing}.`)) return true;
  return missing === 'regions' && REGIONAL_DATA.some((p) => read.startsWith(p));
}

/** does a rule reading `reads` (undefined = everything) depend on data key `key`? */
export function readsKey(reads: readonly string[] | undefined, key: string): boolean {
  if (reads === undefined) return true;
  return reads.some((r) => restsOn(r, key));
}

/**
 * `isComplete(key, region?)`: no coverage entry says data `key` (or the list it
 * belongs to) is missing — in `region` when given (central services count for
 * every region), anywhere otherwise. Unknown actions count as missing anything.
 */
export function completeness(
  coverage: readonly CoverageEntry[],
): (key: string, region?: string | null) => boolean {
  const missing = coverage.flatMap((c) => {
    const data = dataOf(c);
    return [data?.key, ...(data?.also ?? [])].map((key) => ({ region: c.region, key }));
  });
  return (key, region) =>
    !missing.some(
      (m) =>
        (m.key === undefined || restsOn(key, m.key)) &&
        (region === undefined || m.region === null || region === null || m.region === region),
    );
}

export interface UnevaluatedPair {
  ruleId: string;
  /** null = the rule's whole scope (the resources themselves are unknown) */
  resource: ResourceRef | null;
  /** `<Operation>: <code>` */
  reason: string;
  /** index into the report's coverage */
  coverage: number;
}

export interface UnevaluatedInput {
  inventory: Inventory;
  /** the rules that ran */
  rules: readonly Rule[];
  /** fingerprints of the findings the rules emitted */
  findings: ReadonlySet<string>;
  /** rules that threw, each with the index of its coverage entry in the report */
  ruleErrors?: ReadonlyArray<{ ruleId: string; coverage: number }>;
  /** pairs the rules themselves could not judge (`ctx.notEvaluated`), in rule order */
  declared?: ReadonlyArray<{ ruleId: string; resource: ResourceRef; reason: string }>;
  /** the report's coverage index of the first rule's entry for `declared` (one per rule, in order) */
  declaredCoverage?: number;
}

export interface UnevaluatedResult {
  pairs: UnevaluatedPair[];
  /** per rule with declared pairs no coverage entry explained: how many, and the first */
  undecided: Array<{
    ruleId: string;
    count: number;
    first: { resource: ResourceRef; reason: string };
  }>;
  /** fingerprints of (rule, resource) pairs whose finding must be dropped: the verdict rested on missing data */
  drop: Set<string>;
}

/** Resources the inventory knows, by type, and the relations the mapping follows. */
class ResourceIndex {
  private byType = new Map<ResourceType, ResourceRef[]>();
  private byKey = new Map<string, ResourceRef>();
  /** the resource-group attachments by principal, built once when a policy entry needs them */
  private rg: ResourceGroupIndex | undefined;
  private resourceGroups(): ResourceGroupIndex {
    this.rg ??= resourceGroupIndex(this.inv);
    return this.rg;
  }
  constructor(private readonly inv: Inventory) {
    const add = (r: ResourceRef) => {
      const list = this.byType.get(r.type) ?? [];
      list.push(r);
      this.byType.set(r.type, list);
      this.byKey.set(`${r.type}\u0000${r.region ?? ''}\u0000${r.id}`, r);
    };
    const named = (name: string) => (name ? { name } : {});
    for (const g of inv.ecs.securityGroups)
      add({ type: 'security-group', id: g.id, region: g.region, ...named(g.name) });
    for (const i of inv.ecs.instances)
      add({ type: 'instance', id: i.id, region: i.region, ...named(i.name) });
    for (const k of inv.ecs.keyPairs) add({ type: 'key-pair', id: k.name, region: k.region });
    for (const d of inv.ecs.disks)
      add({ type: 'disk', id: d.id, region: d.region, ...named(d.name) });
    for (const u of inv.ram.users) add({ type: 'ram-user', id: u.name, region: null });
    for (const g of inv.ram.groups) add({ type: 'ram-group', id: g.name, region: null });
    for (const r of inv.ram.roles) add({ type: 'ram-role', id: r.name, region: null });
    for (const p of inv.ram.policies) add({ type: 'ram-policy', id: p.name, region: null });
    add({ type: 'account', id: inv.account.id, region: null });
  }

  private byGroup: Map<string, Inventory['ecs']['instances']> | undefined;

  /** instances by `region\0groupId` of any group of theirs or of their interfaces (built once) */
  private instancesByGroup(): Map<string, Inventory['ecs']['instances']> {
    if (this.byGroup) return this.byGroup;
    const map = new Map<string, Inventory['ecs']['instances']>();
    for (const i of this.inv.ecs.instances) {
      const groups = new Set([
        ...i.securityGroupIds,
        ...(i.networkInterfaces ?? []).flatMap((n) => n.securityGroupIds),
      ]);
      for (const g of groups) {
        const key = `${i.region}\u0000${g}`;
        const list = map.get(key);
        if (list) list.push(i);
        else map.set(key, [i]);
      }
    }
    this.byGroup = map;
    return map;
  }

  /** every known resource of `type` in `region` (null: every region) */
  inRegion(type: ResourceType, region: string | null): ResourceRef[] {
    const all = this.byType.get(type) ?? [];
    if (type === 'account' || region === null) return all;
    return all.filter((r) => r.region === region);
  }

  /** the resource as the inventory knows it, or a bare reference */
  ref(type: ResourceType, id: string, region: string | null): ResourceRef {
    const central = type.startsWith('ram-') || type === 'account';
    const r = central ? null : region;
    if (type === 'account') return this.byType.get('account')![0]!;
    return this.byKey.get(`${type}\u0000${r ?? ''}\u0000${id}`) ?? { type, id, region: r };
  }

  /** the resources of type `want` whose verdict rests on the named resource */
  related(
    named: { type: NamedType; id: string },
    region: string | null,
    want: ResourceType,
  ): ResourceRef[] {
    if (want === named.type) return [this.ref(want, named.id, region)];
    if (want === 'account') return [this.ref('account', '', null)];
    const inv = this.inv;
    if (named.type === 'prefix-list' || named.type === 'port-range-list') {
      // the groups with a rule that names the list, and the instances using them
      const groups = inv.ecs.securityGroups.filter(
        (g) =>
          g.region === region &&
          (g.rules ?? []).some((r) =>
            named.type === 'prefix-list'
              ? r.sourcePrefixListId === named.id || r.destPrefixListId === named.id
              : // a port list behind the rule's own real PortRange decides nothing
                r.portRangeListId === named.id && portListDecides(r),
          ),
      );
      if (want === 'security-group')
        return groups.map((g) => this.ref('security-group', g.id, g.region));
      if (want === 'instance')
        return [
          ...new Map(
            groups
              .flatMap((g) => this.instancesByGroup().get(`${g.region}\u0000${g.id}`) ?? [])
              .map((i) => [i.id, this.ref('instance', i.id, i.region)] as const),
          ).values(),
        ];
      return [];
    }
    if (named.type === 'security-group' && want === 'instance') {
      return (this.instancesByGroup().get(`${region ?? ''}\u0000${named.id}`) ?? []).map((i) =>
        this.ref('instance', i.id, i.region),
      );
    }
    if (named.type === 'ram-group' && want === 'ram-user') {
      return inv.ram.users
        .filter((u) => u.groups?.includes(named.id))
        .map((u) => this.ref('ram-user', u.name, null));
    }
    if (named.type === 'ram-policy') {
      // attached to the principal, or at a resource group's scope (ListPolicyAttachments)
      const atGroup = (kind: 'ram-user' | 'ram-group' | 'ram-role', name: string) =>
        resourceGroupRefs(this.resourceGroups(), kind, name).some((x) => x.ref.name === named.id);
      const holds = (
        kind: 'ram-user' | 'ram-group' | 'ram-role',
        p: { name: string; policies?: ReadonlyArray<{ name: string }> | undefined },
      ) => (p.policies ?? []).some((x) => x.name === named.id) || atGroup(kind, p.name);
      const groups = inv.ram.groups.filter((g) => holds('ram-group', g)).map((g) => g.name);
      if (want === 'ram-group') return groups.map((g) => this.ref('ram-group', g, null));
      if (want === 'ram-role')
        return inv.ram.roles
          .filter((r) => holds('ram-role', r))
          .map((r) => this.ref('ram-role', r.name, null));
      if (want === 'ram-user')
        return inv.ram.users
          .filter(
            (u) =>
              holds('ram-user', u) ||
              (u.groups ?? []).some(
                (g) =>
                  groups.includes(g) ||
                  // a group of the user's that the group listing did not name
                  atGroup('ram-group', g),
              ),
          )
          .map((u) => this.ref('ram-user', u.name, null));
    }
    if (named.type === 'instance' && want === 'disk') {
      return inv.ecs.disks
        .filter((d) => d.region === region && d.instanceId === named.id)
        .map((d) => this.ref('disk', d.id, d.region));
    }
    return [];
  }
}

/** a resource once per rule (its first cause); the whole scope once per rule and cause */
const pairKey = (ruleId: string, r: ResourceRef | null, coverage: number) =>
  r === null ? `${ruleId}\u0000*\u0000${coverage}` : fingerprint(ruleId, r);

/**
 * The unevaluated pairs of a scan, in coverage order then rule order, each
 * (rule, resource) once (its first cause), the whole scope once per cause. A pair on the very resource an
 * entry names drops that rule's finding for it (the verdict rested on the
 * missing data); a pair on a related resource, or from an incomplete list, is
 * listed only for resources the rule did not flag (findings from what was read
 * stay: an interface exposed through readable groups is exposed whatever its
 * other interface's unreadable group says); whole-scope pairs drop nothing.
 */
export function computeUnevaluated(input: UnevaluatedInput): UnevaluatedResult {
  const { inventory, rules, findings } = input;
  const declared = input.declared ?? [];
  if (
    inventory.coverage.length === 0 &&
    (input.ruleErrors ?? []).length === 0 &&
    declared.length === 0
  ) {
    return { pairs: [], drop: new Set(), undecided: [] };
  }
  const index = new ResourceIndex(inventory);
  const pairs: UnevaluatedPair[] = [];
  const seen = new Set<string>();
  const drop = new Set<string>();
  const push = (ruleId: string, resource: ResourceRef | null, reason: string, coverage: number) => {
    const key = pairKey(ruleId, resource, coverage);
    if (seen.has(key)) return;
    seen.add(key);
    pairs.push({ ruleId, resource, reason, coverage });
  };
  inventory.coverage.forEach((entry, i) => {
    const data = dataOf(entry);
    const reason = `${entry.operation}: ${entry.error.code}`;
    for (const rule of rules) {
      const { id, reads, resourceTypes } = rule.meta;
      if (data !== undefined && ![data.key, ...(data.also ?? [])].some((k) => readsKey(reads, k)))
        continue;
      if (data?.named) {
        let related = 0;
        for (const type of resourceTypes) {
          for (const r of index.related(data.named, entry.region, type)) {
            related += 1;
            const fp = fingerprint(id, r);
            if (type === data.named.type) {
              // the resource itself could not be read: a finding on it rested on the missing data
              drop.add(fp);
              push(id, r, reason, i);
            } else if (!findings.has(fp)) {
              // a related resource: what the rule could read still convicts it, else it is unknown
              push(id, r, reason, i);
            }
          }
        }
        // a rule that does not say what it reads may rest on this resource in ways no relation knows
        if (related === 0 && reads === undefined) push(id, null, reason, i);
        continue;
      }
      for (const type of resourceTypes) {
        for (const r of index.inRegion(type, entry.region)) {
          if (!findings.has(fingerprint(id, r))) push(id, r, reason, i);
        }
      }
      push(id, null, reason, i);
    }
  });
  for (const e of input.ruleErrors ?? []) push(e.ruleId, null, 'evaluate: RuleError', e.coverage);
  // what a rule said it could not judge: listed unless a coverage entry already explains the pair
  // (a policy whose GetPolicy failed), under one entry of the rule's own
  const undecided: UnevaluatedResult['undecided'] = [];
  const slot = new Map<string, UnevaluatedResult['undecided'][number] & { coverage: number }>();
  let next = input.declaredCoverage ?? inventory.coverage.length + (input.ruleErrors ?? []).length;
  for (const d of declared) {
    if (seen.has(pairKey(d.ruleId, d.resource, -1))) continue;
    let s = slot.get(d.ruleId);
    if (!s) {
      s = {
        ruleId: d.ruleId,
        count: 0,
        first: { resource: d.resource, reason: d.reason },
        coverage: next++,
      };
      slot.set(d.ruleId, s);
      undecided.push(s);
    }
    s.count += 1;
    push(d.ruleId, d.resource, d.reason, s.coverage);
  }
  return {
    pairs,
    drop,
    undecided: undecided.map(({ ruleId, count, first }) => ({ ruleId, count, first })),
  };
}
