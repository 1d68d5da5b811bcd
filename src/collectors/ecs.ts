/**
 * ECS, per region: security groups and their rules, the prefix lists and port
 * lists those rules stand for, instances (with metadata options, ENIs and RAM
 * roles), key pairs, disks, Cloud Assistant invocations.
 * Cloud Assistant command contents and outputs never enter the inventory.
 */
import type * as EcsSdk from '@alicloud/ecs20140526';
import { validateEarly } from '../inventory/parse.js';
import type {
  Disk,
  Instance,
  Invocation,
  KeyPair,
  NetworkInterface,
  PortRangeList,
  PrefixList,
  Region,
  SecurityGroup,
  SecurityGroupRule,
} from '../inventory/schema.js';
import {
  attempt,
  type CollectContext,
  call,
  fail,
  missingField,
  nonEmpty,
  pageSize,
  phaseCounter,
} from './context.js';
import { requiredList } from './errors.js';
import type { PageMeta } from './paging.js';
import { pageByCursor, pageByNumber, trackIncomplete } from './paging.js';
import { sdks } from './sdk.js';

export interface EcsRegionResult {
  securityGroups: SecurityGroup[];
  instances: Instance[];
  keyPairs: KeyPair[];
  disks: Disk[];
  invocations: Invocation[];
  prefixLists: PrefixList[];
  portRangeLists: PortRangeList[];
}

const meta = (region: string, operation: string, resource?: string): PageMeta => ({
  service: 'ecs',
  region,
  operation,
  ...(resource !== undefined ? { resource } : {}),
});

/** DescribeRegions; undefined when it failed (coverage recorded) */
export async function describeRegions(
  ctx: CollectContext,
  homeRegion: string,
): Promise<Region[] | undefined> {
  const m: PageMeta = { service: 'ecs', region: null, operation: 'DescribeRegions' };
  const listed = await attempt(ctx, m, async () => {
    const res = await call(ctx, m, () =>
      ctx.clients.ecs(homeRegion).describeRegions(new (sdks().ecs.DescribeRegionsRequest)({})),
    );
    return requiredList(res.body?.regions?.region, 'Regions.Region');
  });
  if (!listed) return undefined;
  // a region listed twice is scanned once (the first entry is kept)
  const ids = new Set<string>();
  return listed
    .filter(
      (r) =>
        nonEmpty(r.regionId) && !ids.has(r.regionId as string) && ids.add(r.regionId as string),
    )
    .map((r) => ({
      id: r.regionId as string,
      ...(nonEmpty(r.localName) ? { localName: r.localName } : {}),
    }));
}

/**
 * `aclPrefixListIds`: the prefix lists the region's network ACL entries name
 * (VPC, read alongside): their entries are read with the groups' own, once per list.
 */
export async function collectEcsRegion(
  ctx: CollectContext,
  region: string,
  aclPrefixListIds: Promise<readonly string[]> = Promise.resolve([]),
): Promise<EcsRegionResult> {
  const bulk = ctx.bulk ?? (<T>(fn: () => Promise<T>) => fn());
  const [[securityGroups, prefixLists, portRangeLists], [instances, keyPairs, disks, invocations]] =
    await Promise.all([
      groupsAndListsOf(ctx, region, aclPrefixListIds),
      bulk(async () => {
        const [instances, keyPairs, disks, invocations] = await Promise.all([
          instancesOf(ctx, region),
          keyPairsOf(ctx, region),
          disksOf(ctx, region),
          invocationsOf(ctx, region),
        ]);
        // whole now (the security groups' rules usually take much longer): validated here
        return [
          instances && validateEarly('ecs.instances', instances),
          keyPairs && validateEarly('ecs.keyPairs', keyPairs),
          disks && validateEarly('ecs.disks', disks),
          invocations && validateEarly('ecs.invocations', invocations),
        ] as const;
      }),
    ]);
  return {
    securityGroups: securityGroups ?? [],
    instances: instances ?? [],
    keyPairs: keyPairs ?? [],
    disks: disks ?? [],
    invocations: invocations ?? [],
    prefixLists,
    portRangeLists,
  };
}

// ------------------------------------------------------------ security groups

/**
 * The groups with their rules, and the prefix lists and port lists of the
 * region. The lists are listed alongside the groups; the entries are then read
 * once per list that some ingress rule can reference (SourcePrefixListId, PortRangeListId)
 * or a network ACL entry names (`aclPrefixListIds`),
 * however many rules use it: an account may keep many lists that no rule uses,
 * and their entries would only cost calls. A referenced list missing from the
 * listing (the listing failed, or it is not the account's own) is still read by
 * id. A list whose entries could not be read keeps `cidrs`/`ranges` absent and
 * its failure is a coverage entry naming the list id.
 */
async function groupsAndListsOf(
  ctx: CollectContext,
  region: string,
  aclPrefixListIds: Promise<readonly string[]>,
): Promise<[SecurityGroup[] | undefined, PrefixList[], PortRangeList[]]> {
  const [groups, prefixLists, portRangeLists, aclIds] = await Promise.all([
    securityGroupsOf(ctx, region),
    prefixListsOf(ctx, region),
    portRangeListsOf(ctx, region),
    aclPrefixListIds,
  ]);
  // an ACL entry's SourceCidrIp may name a prefix list: the ACL is judged on its entries too
  const prefixIds = new Set<string>(aclIds);
  const portIds = new Set<string>();
  for (const g of groups ?? []) {
    for (const r of g.rules ?? []) {
      if (r.sourcePrefixListId.trim() !== '') prefixIds.add(r.sourcePrefixListId.trim());
      if (r.portRangeListId.trim() !== '') portIds.add(r.portRangeListId.trim());
    }
  }
  const byPrefixId = new Map((prefixLists ?? []).map((l) => [l.id, l]));
  const byPortId = new Map((portRangeLists ?? []).map((l) => [l.id, l]));
  // a referenced list the listing did not show is read by id, and kept only when that worked
  // (its address family is then known, not guessed)
  const unlisted = new Set<string>();
  for (const id of prefixIds) {
    if (byPrefixId.has(id)) continue;
    unlisted.add(id);
    byPrefixId.set(id, { id, region, name: '', addressFamily: '' });
  }
  for (const id of portIds) {
    if (byPortId.has(id)) continue;
    unlisted.add(id);
    byPortId.set(id, { id, region, name: '' });
  }
  await Promise.all([
    ...[...prefixIds].map((id) => prefixListEntriesOf(ctx, region, byPrefixId.get(id)!)),
    ...[...portIds].map((id) => portRangeListEntriesOf(ctx, region, byPortId.get(id)!)),
  ]);
  return [
    groups,
    [...byPrefixId.values()].filter((l) => l.cidrs !== undefined || !unlisted.has(l.id)),
    [...byPortId.values()].filter((l) => l.ranges !== undefined || !unlisted.has(l.id)),
  ];
}

async function prefixListsOf(
  ctx: CollectContext,
  region: string,
): Promise<PrefixList[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribePrefixLists');
  return attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describePrefixLists(
            new (sdks().ecs.DescribePrefixListsRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 100),
              nextToken: token,
            }),
          ),
        );
        return {
          items: requiredList(res.body?.prefixLists?.prefixList, 'PrefixLists.PrefixList')
            .filter((l) => nonEmpty(l.prefixListId))
            .map(
              (l): PrefixList => ({
                id: l.prefixListId as string,
                region,
                name: l.prefixListName ?? '',
                // the API sends every list's family; one left out stays unknown (''), never IPv4
                addressFamily: nonEmpty(l.addressFamily) ?? '',
              }),
            ),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (l) => l.id,
    ),
  );
}

async function prefixListEntriesOf(
  ctx: CollectContext,
  region: string,
  list: PrefixList,
): Promise<void> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribePrefixListAttributes', list.id);
  const res = await attempt(ctx, m, async () => {
    const r = await call(ctx, m, () =>
      ecs.describePrefixListAttributes(
        new (sdks().ecs.DescribePrefixListAttributesRequest)({
          regionId: region,
          prefixListId: list.id,
        }),
      ),
    );
    // validated inside the attempt: an answer without its entries is a coverage gap
    return { body: r.body, entries: requiredList(r.body?.entries?.entry, 'Entries.Entry') };
  });
  if (!res) return; // cidrs stay absent: the list is unknown
  // every entry is a CIDR block: one answered without it would shrink the list, so the list is unknown
  if (res.entries.some((e) => !nonEmpty(e.cidr?.trim()))) {
    missingField(ctx, m, list.id, 'Cidr of an entry');
    return;
  }
  if (!list.name && nonEmpty(res.body?.prefixListName)) list.name = res.body?.prefixListName ?? '';
  const family = nonEmpty(res.body?.addressFamily);
  if (family) list.addressFamily = family;
  list.cidrs = uniq(res.entries.map((e) => e.cidr?.trim()));
}

async function portRangeListsOf(
  ctx: CollectContext,
  region: string,
): Promise<PortRangeList[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribePortRangeLists');
  return attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describePortRangeLists(
            new (sdks().ecs.DescribePortRangeListsRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 100),
              nextToken: token,
            }),
          ),
        );
        // this API's list has no wrapper object: `"PortRangeLists": [...]`
        return {
          items: requiredList(res.body?.portRangeLists, 'PortRangeLists')
            .filter((l) => nonEmpty(l.portRangeListId))
            .map(
              (l): PortRangeList => ({
                id: l.portRangeListId as string,
                region,
                name: l.portRangeListName ?? '',
              }),
            ),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (l) => l.id,
    ),
  );
}

async function portRangeListEntriesOf(
  ctx: CollectContext,
  region: string,
  list: PortRangeList,
): Promise<void> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribePortRangeListEntries', list.id);
  const entries = await attempt(ctx, m, async () => {
    const r = await call(ctx, m, () =>
      ecs.describePortRangeListEntries(
        new (sdks().ecs.DescribePortRangeListEntriesRequest)({
          regionId: region,
          portRangeListId: list.id,
        }),
      ),
    );
    return requiredList(r.body?.entries, 'Entries');
  });
  if (!entries) return; // ranges stay absent: the list is unknown
  // every entry is a port range: one answered without it would shrink the list (a rule naming an
  // emptied list matches no port), so the list is unknown
  if (entries.some((e) => !nonEmpty(e.portRange?.trim()))) {
    missingField(ctx, m, list.id, 'PortRange of an entry');
    return;
  }
  list.ranges = uniq(entries.map((e) => e.portRange?.trim()));
}

async function securityGroupsOf(
  ctx: CollectContext,
  region: string,
): Promise<SecurityGroup[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeSecurityGroups');
  const counter = phaseCounter(ctx, 'ecs', region, 'security group rules');
  // each group's rules are asked for as soon as its page arrives, not after the last page: the
  // largest region's rule reads are the scan's longest chain, and its pages come one by one
  const reads = new Map<string, Promise<void>>();
  // each group validated once it is whole (its rules read), while the region's other reads go on
  const whole = new Map<SecurityGroup, SecurityGroup>();
  const readRules = (group: SecurityGroup): void => {
    if (reads.has(group.id)) return;
    counter.add(1);
    reads.set(
      group.id,
      groupRules(ctx, region, group.id, group.vpcId === null).then((attr) => {
        counter.tick();
        // the listed group is held until the region's listing ends: the rules go only to the
        // copy that is validated (a group holding them too kept every rule twice meanwhile)
        const read: SecurityGroup = attr
          ? {
              ...group,
              rules: attr.rules,
              ...(attr.innerAccessPolicy !== undefined
                ? { innerAccessPolicy: attr.innerAccessPolicy }
                : {}),
            }
          : group;
        whole.set(group, validateEarly('ecs.securityGroups', [read])[0] as SecurityGroup);
      }),
    );
  };
  // each page becomes inventory groups as it arrives: the SDK models are not kept
  const listed = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeSecurityGroups(
            new (sdks().ecs.DescribeSecurityGroupsRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 100),
              nextToken: token,
            }),
          ),
        );
        const items = requiredList(
          res.body?.securityGroups?.securityGroup,
          'SecurityGroups.SecurityGroup',
        )
          .filter((g) => nonEmpty(g.securityGroupId))
          .map(
            (g): SecurityGroup => ({
              id: g.securityGroupId as string,
              region,
              name: g.securityGroupName ?? '',
              ...(nonEmpty(g.description) ? { description: g.description } : {}),
              type: nonEmpty(g.securityGroupType) ?? 'normal',
              vpcId: nonEmpty(g.vpcId) ?? null,
              serviceManaged: g.serviceManaged === true,
            }),
          );
        // a group served again (on this page or a later one) is read once, as the listing keeps
        // its first copy
        for (const g of items) readRules(g);
        return { items, next: nonEmpty(res.body?.nextToken) };
      },
      (g) => g.id,
    ),
  );
  // every read started ends before the region does (each records its own failure), even
  // when the listing failed and its groups are unknown
  await Promise.all(reads.values());
  return listed?.map((g) => whole.get(g) ?? g);
}

async function groupRules(
  ctx: CollectContext,
  region: string,
  groupId: string,
  classic: boolean,
): Promise<{ rules: SecurityGroupRule[]; innerAccessPolicy?: string } | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeSecurityGroupAttribute', groupId);
  // classic groups keep internet and intranet rules apart; VPC groups only have intranet ones
  const nicTypes: Array<string | undefined> = classic ? ['internet', 'intranet'] : [undefined];
  let innerAccessPolicy: string | undefined;
  const rules: SecurityGroupRule[] = [];
  const seen = new Set<string>();
  // rules answered without a field their verdict needs: the group's rules stay unknown
  const unreadable: string[] = [];
  // a partial rule list would be judged as if complete: when paging stops early the rules stay absent
  const guard = trackIncomplete(ctx.guard);
  try {
    for (const nicType of nicTypes) {
      const permissions = await pageByCursor(
        guard,
        m,
        async (token) => {
          const res = await call(ctx, m, () =>
            ecs.describeSecurityGroupAttribute(
              new (sdks().ecs.DescribeSecurityGroupAttributeRequest)({
                regionId: region,
                securityGroupId: groupId,
                direction: 'all',
                maxResults: pageSize(ctx, 1000, 10),
                nextToken: token,
                ...(nicType ? { nicType } : {}),
              }),
            ),
          );
          innerAccessPolicy ??= nonEmpty(res.body?.innerAccessPolicy);
          const page = requiredList(res.body?.permissions?.permission, 'Permissions.Permission');
          for (const p of page) {
            const absent = absentRuleFields(p);
            if (absent) unreadable.push(absent);
          }
          // a classic group's answer is for the NIC type asked: a rule in it is of that type
          return {
            items: page.map((p) => toRule(p, nicType)),
            next: nonEmpty(res.body?.nextToken),
          };
        },
        (r) => r.id,
      );
      if (guard.incomplete) return undefined;
      // one listing is already free of duplicates (pageByCursor, same key): only a second one needs the check
      if (nicTypes.length === 1) {
        rules.push(...permissions);
        continue;
      }
      for (const rule of permissions) {
        const key = rule.id ?? JSON.stringify(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
  } catch (err) {
    fail(ctx, m, err);
    return undefined;
  }
  if (unreadable.length > 0) {
    missingField(ctx, m, groupId, [...new Set(unreadable)].join('; '));
    return undefined;
  }
  return { rules, ...(innerAccessPolicy !== undefined ? { innerAccessPolicy } : {}) };
}

/**
 * The fields a rule's verdict needs that its answer left out, e.g.
 * `IpProtocol of rule sgr-1`; undefined when it has them all. Every published
 * answer carries `IpProtocol`, `Priority` and `PortRange`. Read as defaults they
 * could close what is open: a rule of no protocol or no range is ignored (an
 * Accept that matched nothing), and a Drop of no priority would take the
 * highest. `PortRange` may be left out of a rule that uses a port list
 * (undocumented there); an absent `Policy` is the API's default, Accept.
 * An ingress rule always has a source, and answers carry all four source
 * fields (`""` when unused): a rule without any of them would match no source.
 */
function absentRuleFields(p: Permission): string | undefined {
  const absent: string[] = [];
  if (!nonEmpty(p.ipProtocol)) absent.push('IpProtocol');
  if (p.priority === undefined || p.priority === null || String(p.priority).trim() === '')
    absent.push('Priority');
  if (!nonEmpty(p.portRange) && !nonEmpty(p.portRangeListId)) absent.push('PortRange');
  if (
    (p.direction ?? '').trim().toLowerCase() !== 'egress' &&
    [p.sourceCidrIp, p.ipv6SourceCidrIp, p.sourceGroupId, p.sourcePrefixListId].every(
      (v) => v === undefined || v === null,
    )
  )
    absent.push('a source (SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId, SourcePrefixListId)');
  if (absent.length === 0) return undefined;
  const name = nonEmpty(p.securityGroupRuleId);
  return `${absent.join(', ')} of ${name ? `rule ${name}` : 'a rule'}`;
}

type Permission = EcsSdk.DescribeSecurityGroupAttributeResponseBodyPermissionsPermission;

function toRule(p: Permission, asked?: string): SecurityGroupRule {
  const priority = Number.parseInt(String(p.priority ?? '1'), 10);
  return {
    ...(nonEmpty(p.securityGroupRuleId) ? { id: p.securityGroupRuleId } : {}),
    direction: p.direction ?? 'ingress',
    ipProtocol: p.ipProtocol ?? '',
    portRange: p.portRange ?? '',
    sourceCidrIp: p.sourceCidrIp ?? '',
    ipv6SourceCidrIp: p.ipv6SourceCidrIp ?? '',
    sourceGroupId: p.sourceGroupId ?? '',
    sourcePrefixListId: p.sourcePrefixListId ?? '',
    sourcePortRange: p.sourcePortRange ?? '',
    destCidrIp: p.destCidrIp ?? '',
    ipv6DestCidrIp: p.ipv6DestCidrIp ?? '',
    destGroupId: p.destGroupId ?? '',
    destPrefixListId: p.destPrefixListId ?? '',
    portRangeListId: p.portRangeListId ?? '',
    policy: nonEmpty(p.policy) ?? 'Accept',
    priority: Number.isFinite(priority) ? priority : 1,
    nicType: nonEmpty(p.nicType) ?? asked ?? 'intranet',
    description: p.description ?? '',
  };
}

// ------------------------------------------------------------ instances

async function instancesOf(ctx: CollectContext, region: string): Promise<Instance[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeInstances');
  ctx.progress({ service: 'ecs', region, phase: 'instances' });
  // fields a rule needs that an answer left out, by instance (a page served twice counts once)
  const missing = new Map<string, string[]>();
  const instances = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeInstances(
            new (sdks().ecs.DescribeInstancesRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 100, 10),
              nextToken: token,
              additionalAttributes: ['META_OPTIONS'],
            }),
          ),
        );
        return {
          items: requiredList(res.body?.instances?.instance, 'Instances.Instance')
            .filter((i) => nonEmpty(i.instanceId))
            .map((i) => toInstance(i, region, missing)),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (i) => i.id,
    ),
  );
  if (!instances) return undefined;
  for (const instance of instances) {
    const fields = missing.get(instance.id) ?? [];
    // the metadata fields and OSType are entries of their own: each stands only for the rules
    // that read it (engine/unevaluated.ts MISSING_FIELD_KEYS), and named with others it would
    // narrow their whole entry to those rules
    const own = (f: string) => f.startsWith('MetadataOptions') || f === 'OSType';
    const rest = fields.filter((f) => !own(f));
    if (rest.length > 0) missingField(ctx, m, instance.id, rest.join(', '));
    const metadata = fields.filter((f) => f.startsWith('MetadataOptions'));
    if (metadata.length > 0) missingField(ctx, m, instance.id, metadata.join(', '));
    if (fields.includes('OSType')) missingField(ctx, m, instance.id, 'OSType');
  }
  if (instances.length === 0) return instances;
  await Promise.all([
    networkInterfacesOf(ctx, region, instances),
    ramRolesOf(ctx, region, instances),
  ]);
  return instances;
}

type RawInstance = EcsSdk.DescribeInstancesResponseBodyInstancesInstance;

function toInstance(i: RawInstance, region: string, missing: Map<string, string[]>): Instance {
  const privateIps = uniq([
    ...(i.vpcAttributes?.privateIpAddress?.ipAddress ?? []),
    ...(i.innerIpAddress?.ipAddress ?? []),
  ]);
  const mo = i.metadataOptions;
  const absent: string[] = [];
  // every instance is in at least one group, and every answer lists its public addresses (an
  // empty list when it has none): an answer without either list leaves its exposure unknown
  if (!Array.isArray(i.securityGroupIds?.securityGroupId)) absent.push('SecurityGroupIds');
  if (!Array.isArray(i.publicIpAddress?.ipAddress)) absent.push('PublicIpAddress');
  // every answer says the status and the OS type: read as "", the instance was not running
  // (the exposure and agent rules pass it) and not Linux (password login passes it)
  if (!nonEmpty(i.status)) absent.push('Status');
  if (!nonEmpty(i.OSType)) absent.push('OSType');
  const instance: Instance = {
    id: i.instanceId as string,
    region,
    name: i.instanceName ?? '',
    status: i.status ?? '',
    osType: i.OSType ?? '',
    networkType: nonEmpty(i.instanceNetworkType) ?? 'vpc',
    vpcId: nonEmpty(i.vpcAttributes?.vpcId) ?? null,
    ...(nonEmpty(i.vpcAttributes?.vSwitchId) ? { vSwitchId: i.vpcAttributes?.vSwitchId } : {}),
    publicIps: uniq(i.publicIpAddress?.ipAddress ?? []),
    eipAddress: nonEmpty(i.eipAddress?.ipAddress) ?? null,
    privateIps,
    securityGroupIds: i.securityGroupIds?.securityGroupId ?? [],
    keyPairName: nonEmpty(i.keyPairName) ?? null,
    ...(nonEmpty(i.creationTime) ? { creationTime: i.creationTime } : {}),
  };
  if (mo) {
    // MetadataOptions present but without its values (absent or ""): those values are unknown
    const endpoint = nonEmpty(mo.httpEndpoint);
    const tokens = nonEmpty(mo.httpTokens);
    instance.metadataOptions = {
      ...(endpoint ? { httpEndpoint: endpoint } : {}),
      ...(tokens ? { httpTokens: tokens } : {}),
    };
    if (!endpoint) absent.push('MetadataOptions.HttpEndpoint');
    if (!tokens) absent.push('MetadataOptions.HttpTokens');
  } else {
    // asked for (META_OPTIONS): an answer without it leaves the metadata service's mode unknown
    absent.push('MetadataOptions');
  }
  if (absent.length > 0) missing.set(instance.id, absent);
  return instance;
}

async function networkInterfacesOf(
  ctx: CollectContext,
  region: string,
  instances: Instance[],
): Promise<void> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeNetworkInterfaces');
  const guard = trackIncomplete(ctx.guard);
  const raw = await attempt(ctx, m, () =>
    pageByCursor(
      guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeNetworkInterfaces(
            new (sdks().ecs.DescribeNetworkInterfacesRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 500, 10),
              nextToken: token,
            }),
          ),
        );
        return {
          items: requiredList(
            res.body?.networkInterfaceSets?.networkInterfaceSet,
            'NetworkInterfaceSets.NetworkInterfaceSet',
          ).flatMap(toAttachedEni),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (e) => e.eni.id,
    ),
  );
  // failed, or a partial listing (an instance's ENIs may be missing): networkInterfaces stay absent
  if (!raw || guard.incomplete) return;
  const byInstance = new Map<string, NetworkInterface[]>();
  // every interface is in at least one group: one answered without the list leaves its instance's interfaces unknown
  const groupsUnknown = new Map<string, string[]>();
  for (const { instanceId, eni, groupsListed } of raw) {
    const list = byInstance.get(instanceId) ?? [];
    list.push(eni);
    byInstance.set(instanceId, list);
    if (!groupsListed) {
      const unlisted = groupsUnknown.get(instanceId) ?? [];
      unlisted.push(eni.id);
      groupsUnknown.set(instanceId, unlisted);
    }
  }
  for (const instance of instances) {
    const unlisted = groupsUnknown.get(instance.id);
    if (unlisted) {
      missingField(ctx, m, instance.id, `SecurityGroupIds of ${unlisted.join(', ')}`);
      continue;
    }
    const enis = byInstance.get(instance.id) ?? [];
    // the instance's public IP and EIP reach it through its primary interface
    for (const eni of enis) {
      if (eni.type.toLowerCase() === 'primary') {
        eni.publicIps = uniq([...eni.publicIps, ...instance.publicIps, instance.eipAddress]);
      }
    }
    instance.networkInterfaces = enis;
  }
}

type RawEni = EcsSdk.DescribeNetworkInterfacesResponseBodyNetworkInterfaceSetsNetworkInterfaceSet;

/** an interface attached to an instance, as inventory; none for a detached one */
function toAttachedEni(
  eni: RawEni,
): Array<{ instanceId: string; eni: NetworkInterface; groupsListed: boolean }> {
  const instanceId = nonEmpty(eni.instanceId) ?? nonEmpty(eni.attachment?.instanceId);
  if (!instanceId || !nonEmpty(eni.networkInterfaceId)) return [];
  const privateSets = eni.privateIpSets?.privateIpSet ?? [];
  return [
    {
      instanceId,
      groupsListed: Array.isArray(eni.securityGroupIds?.securityGroupId),
      eni: {
        id: eni.networkInterfaceId as string,
        type: nonEmpty(eni.type) ?? 'Secondary',
        securityGroupIds: eni.securityGroupIds?.securityGroupId ?? [],
        publicIps: uniq([
          eni.associatedPublicIp?.publicIpAddress,
          ...privateSets.map((s) => s.associatedPublicIp?.publicIpAddress),
        ]),
        privateIps: uniq([eni.privateIpAddress, ...privateSets.map((s) => s.privateIpAddress)]),
        ...(nonEmpty(eni.vSwitchId) ? { vSwitchId: eni.vSwitchId } : {}),
        ipv6Addresses: uniq((eni.ipv6Sets?.ipv6Set ?? []).map((s) => s.ipv6Address)),
      },
    },
  ];
}

async function ramRolesOf(
  ctx: CollectContext,
  region: string,
  instances: Instance[],
): Promise<void> {
  const ecs = ctx.clients.ecs(region);
  const batches: Instance[][] = [];
  for (let i = 0; i < instances.length; i += 50) batches.push(instances.slice(i, i + 50));
  await Promise.all(
    batches.map(async (batch) => {
      const m = meta(region, 'DescribeInstanceRamRole');
      const ids = batch.map((i) => i.id);
      const guard = trackIncomplete(ctx.guard);
      const sets = await attempt(ctx, m, () =>
        pageByNumber<EcsSdk.DescribeInstanceRamRoleResponseBodyInstanceRamRoleSetsInstanceRamRoleSet>(
          guard,
          m,
          pageSize(ctx, 50),
          (s) => `${s.instanceId ?? ''}/${s.ramRoleName ?? ''}`,
          async (pageNumber) => {
            const res = await call(ctx, m, () =>
              ecs.describeInstanceRamRole(
                new (sdks().ecs.DescribeInstanceRamRoleRequest)({
                  regionId: region,
                  instanceIds: JSON.stringify(ids),
                  pageNumber,
                  pageSize: pageSize(ctx, 50),
                }),
              ),
            );
            return {
              items: requiredList(
                res.body?.instanceRamRoleSets?.instanceRamRoleSet,
                'InstanceRamRoleSets.InstanceRamRoleSet',
              ),
              totalCount: res.body?.totalCount,
            };
          },
        ),
      );
      if (!sets) return; // ramRoleName stays absent for this batch
      const roles = new Map<string, string>();
      for (const s of sets) {
        if (nonEmpty(s.instanceId) && nonEmpty(s.ramRoleName))
          roles.set(s.instanceId as string, s.ramRoleName as string);
      }
      for (const instance of batch) {
        const role = roles.get(instance.id);
        // after a partial listing, "no role" is unknown: only the roles seen are set
        if (role !== undefined) instance.ramRoleName = role;
        else if (!guard.incomplete) instance.ramRoleName = null;
      }
    }),
  );
}

// ------------------------------------------------------------ key pairs, disks, invocations

async function keyPairsOf(ctx: CollectContext, region: string): Promise<KeyPair[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeKeyPairs');
  const raw = await attempt(ctx, m, () =>
    pageByNumber<EcsSdk.DescribeKeyPairsResponseBodyKeyPairsKeyPair>(
      ctx.guard,
      m,
      pageSize(ctx, 50),
      (k) => k.keyPairName ?? '',
      async (pageNumber) => {
        const res = await call(ctx, m, () =>
          ecs.describeKeyPairs(
            new (sdks().ecs.DescribeKeyPairsRequest)({
              regionId: region,
              pageNumber,
              pageSize: pageSize(ctx, 50),
            }),
          ),
        );
        return {
          items: requiredList(res.body?.keyPairs?.keyPair, 'KeyPairs.KeyPair'),
          totalCount: res.body?.totalCount,
        };
      },
    ),
  );
  if (!raw) return undefined;
  return raw
    .filter((k) => nonEmpty(k.keyPairName))
    .map((k) => ({
      name: k.keyPairName as string,
      region,
      fingerprint: k.keyPairFingerPrint ?? '',
      ...(nonEmpty(k.creationTime) ? { creationTime: k.creationTime } : {}),
    }));
}

async function disksOf(ctx: CollectContext, region: string): Promise<Disk[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeDisks');
  const disks = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeDisks(
            new (sdks().ecs.DescribeDisksRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 500, 10),
              nextToken: token,
            }),
          ),
        );
        return {
          items: requiredList(res.body?.disks?.disk, 'Disks.Disk')
            .filter((d) => nonEmpty(d.diskId))
            .map(
              (d): Disk => ({
                id: d.diskId as string,
                region,
                name: d.diskName ?? '',
                instanceId: nonEmpty(d.instanceId) ?? null,
                type: d.type ?? '',
                category: d.category ?? '',
                // absent = unknown: the API always says true or false
                ...(typeof d.encrypted === 'boolean' ? { encrypted: d.encrypted } : {}),
                ...(nonEmpty(d.KMSKeyId) ? { kmsKeyId: d.KMSKeyId } : {}),
                // "" = no automatic snapshot policy; absent (not sent) = unknown
                ...(typeof d.autoSnapshotPolicyId === 'string'
                  ? { autoSnapshotPolicyId: d.autoSnapshotPolicyId }
                  : {}),
                ...(typeof d.enableAutoSnapshot === 'boolean'
                  ? { enableAutoSnapshot: d.enableAutoSnapshot }
                  : {}),
                ...(nonEmpty(d.status) ? { status: d.status } : {}),
              }),
            ),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (d) => d.id,
    ),
  );
  for (const disk of disks ?? []) {
    if (disk.encrypted === undefined) missingField(ctx, m, disk.id, 'Encrypted');
    // an entry of its own: it stands only for the rule that reads it (MISSING_FIELD_KEYS)
    if (disk.autoSnapshotPolicyId === undefined)
      missingField(ctx, m, disk.id, 'AutoSnapshotPolicyId');
  }
  return disks;
}

async function invocationsOf(
  ctx: CollectContext,
  region: string,
): Promise<Invocation[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeInvocations');
  const since = ctx.since.getTime();
  // fields an invocation's answer left out: the instances it ran on, when it was created
  const absent = new Map<string, string[]>();
  const invocations = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeInvocations(
            new (sdks().ecs.DescribeInvocationsRequest)({
              regionId: region,
              maxResults: pageSize(ctx, 50),
              nextToken: token,
              includeOutput: false,
            }),
          ),
        );
        return {
          items: requiredList(res.body?.invocations?.invocation, 'Invocations.Invocation')
            .filter((v) => nonEmpty(v.invokeId))
            .filter((v) => {
              const t = Date.parse(v.creationTime ?? '');
              // a repeating invocation (Period, EveryReboot, ...) created earlier may still run within the window
              const repeating = !['', 'once'].includes((v.repeatMode ?? '').trim().toLowerCase());
              return Number.isNaN(t) || t >= since || repeating;
            })
            .map(toInvocation),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (v) => v.invokeId,
    ),
  );
  for (const v of invocations ?? []) {
    const fields = absent.get(v.invokeId);
    if (fields) missingField(ctx, m, v.invokeId, fields.join(', '));
  }
  return invocations;

  function toInvocation(
    v: EcsSdk.DescribeInvocationsResponseBodyInvocationsInvocation,
  ): Invocation {
    const ran = v.invokeInstances?.invokeInstance;
    const fields: string[] = [];
    if (!Array.isArray(ran)) fields.push('InvokeInstances');
    // every answer says when: read as "", the rule could not place the run in the window and skipped it
    if (!nonEmpty(v.creationTime)) fields.push('CreationTime');
    if (fields.length > 0) absent.set(v.invokeId as string, fields);
    return {
      // deliberately not copied: commandContent, parameters, outputs
      invokeId: v.invokeId as string,
      region,
      commandName: v.commandName ?? '',
      commandType: v.commandType ?? '',
      username: v.username ?? '',
      creationTime: v.creationTime ?? '',
      invocationStatus: nonEmpty(v.invocationStatus) ?? v.invokeStatus ?? '',
      ...(nonEmpty(v.repeatMode) ? { repeatMode: v.repeatMode } : {}),
      instanceIds: uniq((ran ?? []).map((ii) => ii.instanceId)),
    };
  }
}

function uniq(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}
