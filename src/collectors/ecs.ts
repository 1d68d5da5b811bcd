/**
 * ECS, per region: security groups and their rules, instances (with metadata
 * options, ENIs and RAM roles), key pairs, disks, Cloud Assistant invocations.
 * Cloud Assistant command contents and outputs never enter the inventory.
 */
import * as $Ecs from '@alicloud/ecs20140526';
import type {
  Disk,
  Instance,
  Invocation,
  KeyPair,
  NetworkInterface,
  Region,
  SecurityGroup,
  SecurityGroupRule,
} from '../inventory/schema.js';
import {
  attempt,
  type CollectContext,
  call,
  fail,
  nonEmpty,
  pageSize,
  phaseCounter,
} from './context.js';
import { requiredList } from './errors.js';
import type { PageMeta } from './paging.js';
import { pageByCursor, pageByNumber, trackIncomplete } from './paging.js';

export interface EcsRegionResult {
  securityGroups: SecurityGroup[];
  instances: Instance[];
  keyPairs: KeyPair[];
  disks: Disk[];
  invocations: Invocation[];
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
  const res = await attempt(ctx, m, () =>
    call(ctx, m, () =>
      ctx.clients.ecs(homeRegion).describeRegions(new $Ecs.DescribeRegionsRequest({})),
    ),
  );
  if (!res) return undefined;
  return requiredList(res.body?.regions?.region, 'Regions.Region')
    .filter((r) => nonEmpty(r.regionId))
    .map((r) => ({
      id: r.regionId as string,
      ...(nonEmpty(r.localName) ? { localName: r.localName } : {}),
    }));
}

export async function collectEcsRegion(
  ctx: CollectContext,
  region: string,
): Promise<EcsRegionResult> {
  const bulk = ctx.bulk ?? (<T>(fn: () => Promise<T>) => fn());
  const [securityGroups, [instances, keyPairs, disks, invocations]] = await Promise.all([
    securityGroupsOf(ctx, region),
    bulk(() =>
      Promise.all([
        instancesOf(ctx, region),
        keyPairsOf(ctx, region),
        disksOf(ctx, region),
        invocationsOf(ctx, region),
      ]),
    ),
  ]);
  return {
    securityGroups: securityGroups ?? [],
    instances: instances ?? [],
    keyPairs: keyPairs ?? [],
    disks: disks ?? [],
    invocations: invocations ?? [],
  };
}

// ------------------------------------------------------------ security groups

async function securityGroupsOf(
  ctx: CollectContext,
  region: string,
): Promise<SecurityGroup[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeSecurityGroups');
  // each page becomes inventory groups as it arrives: the SDK models are not kept
  const listed = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeSecurityGroups(
            new $Ecs.DescribeSecurityGroupsRequest({
              regionId: region,
              maxResults: pageSize(ctx, 100),
              nextToken: token,
            }),
          ),
        );
        return {
          items: requiredList(
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
            ),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (g) => g.id,
    ),
  );
  if (!listed) return undefined;
  const counter = phaseCounter(ctx, 'ecs', region, 'security group rules');
  counter.add(listed.length);
  const groups = await Promise.all(
    listed.map(async (group): Promise<SecurityGroup> => {
      const attr = await groupRules(ctx, region, group.id, group.vpcId === null);
      counter.tick();
      if (attr) {
        group.rules = attr.rules;
        if (attr.innerAccessPolicy !== undefined) group.innerAccessPolicy = attr.innerAccessPolicy;
      }
      return group;
    }),
  );
  return groups;
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
              new $Ecs.DescribeSecurityGroupAttributeRequest({
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
          return {
            items: requiredList(res.body?.permissions?.permission, 'Permissions.Permission').map(
              toRule,
            ),
            next: nonEmpty(res.body?.nextToken),
          };
        },
        (r) => r.id,
      );
      if (guard.incomplete) return undefined;
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
  return { rules, ...(innerAccessPolicy !== undefined ? { innerAccessPolicy } : {}) };
}

type Permission = $Ecs.DescribeSecurityGroupAttributeResponseBodyPermissionsPermission;

function toRule(p: Permission): SecurityGroupRule {
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
    destCidrIp: p.destCidrIp ?? '',
    ipv6DestCidrIp: p.ipv6DestCidrIp ?? '',
    destGroupId: p.destGroupId ?? '',
    destPrefixListId: p.destPrefixListId ?? '',
    policy: nonEmpty(p.policy) ?? 'Accept',
    priority: Number.isFinite(priority) ? priority : 1,
    nicType: nonEmpty(p.nicType) ?? 'intranet',
    description: p.description ?? '',
  };
}

// ------------------------------------------------------------ instances

async function instancesOf(ctx: CollectContext, region: string): Promise<Instance[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeInstances');
  ctx.progress({ service: 'ecs', region, phase: 'instances' });
  const instances = await attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeInstances(
            new $Ecs.DescribeInstancesRequest({
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
            .map((i) => toInstance(i, region)),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (i) => i.id,
    ),
  );
  if (!instances) return undefined;
  if (instances.length === 0) return instances;
  await Promise.all([
    networkInterfacesOf(ctx, region, instances),
    ramRolesOf(ctx, region, instances),
  ]);
  return instances;
}

type RawInstance = $Ecs.DescribeInstancesResponseBodyInstancesInstance;

function toInstance(i: RawInstance, region: string): Instance {
  const privateIps = uniq([
    ...(i.vpcAttributes?.privateIpAddress?.ipAddress ?? []),
    ...(i.innerIpAddress?.ipAddress ?? []),
  ]);
  const mo = i.metadataOptions;
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
    instance.metadataOptions = {
      ...(nonEmpty(mo.httpEndpoint) ? { httpEndpoint: mo.httpEndpoint } : {}),
      ...(nonEmpty(mo.httpTokens) ? { httpTokens: mo.httpTokens } : {}),
    };
  }
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
            new $Ecs.DescribeNetworkInterfacesRequest({
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
  for (const { instanceId, eni } of raw) {
    const list = byInstance.get(instanceId) ?? [];
    list.push(eni);
    byInstance.set(instanceId, list);
  }
  for (const instance of instances) {
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

type RawEni = $Ecs.DescribeNetworkInterfacesResponseBodyNetworkInterfaceSetsNetworkInterfaceSet;

/** an interface attached to an instance, as inventory; none for a detached one */
function toAttachedEni(eni: RawEni): Array<{ instanceId: string; eni: NetworkInterface }> {
  const instanceId = nonEmpty(eni.instanceId) ?? nonEmpty(eni.attachment?.instanceId);
  if (!instanceId || !nonEmpty(eni.networkInterfaceId)) return [];
  const privateSets = eni.privateIpSets?.privateIpSet ?? [];
  return [
    {
      instanceId,
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
        pageByNumber<$Ecs.DescribeInstanceRamRoleResponseBodyInstanceRamRoleSetsInstanceRamRoleSet>(
          guard,
          m,
          pageSize(ctx, 50),
          (s) => `${s.instanceId ?? ''}/${s.ramRoleName ?? ''}`,
          async (pageNumber) => {
            const res = await call(ctx, m, () =>
              ecs.describeInstanceRamRole(
                new $Ecs.DescribeInstanceRamRoleRequest({
                  regionId: region,
                  instanceIds: JSON.stringify(ids),
                  pageNumber,
                  pageSize: pageSize(ctx, 50),
                }),
              ),
            );
            return {
              items: res.body?.instanceRamRoleSets?.instanceRamRoleSet ?? [],
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
    pageByNumber<$Ecs.DescribeKeyPairsResponseBodyKeyPairsKeyPair>(
      ctx.guard,
      m,
      pageSize(ctx, 50),
      (k) => k.keyPairName ?? '',
      async (pageNumber) => {
        const res = await call(ctx, m, () =>
          ecs.describeKeyPairs(
            new $Ecs.DescribeKeyPairsRequest({
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
  return attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeDisks(
            new $Ecs.DescribeDisksRequest({
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
                encrypted: d.encrypted === true,
                ...(nonEmpty(d.KMSKeyId) ? { kmsKeyId: d.KMSKeyId } : {}),
              }),
            ),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (d) => d.id,
    ),
  );
}

async function invocationsOf(
  ctx: CollectContext,
  region: string,
): Promise<Invocation[] | undefined> {
  const ecs = ctx.clients.ecs(region);
  const m = meta(region, 'DescribeInvocations');
  const since = ctx.since.getTime();
  return attempt(ctx, m, () =>
    pageByCursor(
      ctx.guard,
      m,
      async (token) => {
        const res = await call(ctx, m, () =>
          ecs.describeInvocations(
            new $Ecs.DescribeInvocationsRequest({
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
              return Number.isNaN(t) || t >= since;
            })
            .map(toInvocation),
          next: nonEmpty(res.body?.nextToken),
        };
      },
      (v) => v.invokeId,
    ),
  );

  function toInvocation(v: $Ecs.DescribeInvocationsResponseBodyInvocationsInvocation): Invocation {
    return {
      // deliberately not copied: commandContent, parameters, outputs
      invokeId: v.invokeId as string,
      region,
      commandName: v.commandName ?? '',
      commandType: v.commandType ?? '',
      username: v.username ?? '',
      creationTime: v.creationTime ?? '',
      invocationStatus: nonEmpty(v.invocationStatus) ?? v.invokeStatus ?? '',
      instanceIds: uniq((v.invokeInstances?.invokeInstance ?? []).map((ii) => ii.instanceId)),
    };
  }
}

function uniq(values: Array<string | null | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}
