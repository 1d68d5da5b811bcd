/**
 * VPC, per region: IPv6 addresses (which have IPv6 Internet bandwidth), network
 * ACLs (inbound entries in list order and the vSwitches they are bound to) and
 * NAT gateways with the DNAT entries of their forward tables. These decide
 * which instance ports the internet can reach (src/analysis/reachability.ts).
 *
 * A listing that fails leaves a coverage entry for its region and action, so
 * that the analysis treats that region's ACLs / DNAT / IPv6 as unknown; a NAT
 * gateway whose forward table cannot be read keeps `dnatEntries` absent.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type * as VpcSdk from '@alicloud/vpc20160428';
import type {
  DnatEntry,
  EipAddress,
  Ipv6Address,
  NatGateway,
  NetworkAcl,
  PrefixList,
} from '../inventory/schema.js';
import {
  absentFields,
  attempt,
  type CollectContext,
  call,
  fail,
  missingField,
  nonEmpty,
  pageSize,
} from './context.js';
import { MalformedResponseError, requiredList } from './errors.js';
import { type PageMeta, pageByNumber, trackIncomplete } from './paging.js';
import { sdks } from './sdk.js';

export interface VpcRegionResult {
  ipv6Addresses: Ipv6Address[];
  networkAcls: NetworkAcl[];
  natGateways: NatGateway[];
  eipAddresses: EipAddress[];
}

const meta = (region: string, operation: string, resource?: string): PageMeta => ({
  service: 'vpc',
  region,
  operation,
  ...(resource !== undefined ? { resource } : {}),
});

/** the four VPC Describe* calls page by PageNumber/PageSize, at most 50 a page */
const VPC_PAGE_MAX = 50;

function count(raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export async function collectVpcRegion(
  ctx: CollectContext,
  region: string,
): Promise<VpcRegionResult> {
  ctx.progress({ service: 'vpc', region, phase: 'network ACLs, NAT gateways, IPv6' });
  const [ipv6Addresses, networkAcls, natGateways, eipAddresses] = await Promise.all([
    ipv6AddressesOf(ctx, region),
    networkAclsOf(ctx, region),
    natGatewaysOf(ctx, region),
    eipAddressesOf(ctx, region),
  ]);
  return {
    ipv6Addresses: ipv6Addresses ?? [],
    networkAcls: networkAcls ?? [],
    natGateways: natGateways ?? [],
    eipAddresses: eipAddresses ?? [],
  };
}

/**
 * A numbered listing that must be complete: a partial one (paging stopped
 * early) is dropped, the guard has recorded why, and the facts stay unknown.
 */
async function completeListing<T>(
  ctx: CollectContext,
  m: PageMeta,
  key: (item: T) => string,
  fetch: (pageNumber: number, size: number) => Promise<{ items: T[]; totalCount?: number }>,
): Promise<T[] | undefined> {
  const size = pageSize(ctx, VPC_PAGE_MAX);
  const guard = trackIncomplete(ctx.guard);
  const items = await attempt(ctx, m, () =>
    pageByNumber<T>(guard, m, size, key, (n) => fetch(n, size)),
  );
  return items && !guard.incomplete ? items : undefined;
}

async function ipv6AddressesOf(
  ctx: CollectContext,
  region: string,
): Promise<Ipv6Address[] | undefined> {
  const vpc = ctx.clients.vpc(region);
  const m = meta(region, 'DescribeIpv6Addresses');
  type Raw = VpcSdk.DescribeIpv6AddressesResponseBodyIpv6AddressesIpv6Address;
  const raw = await completeListing<Raw>(
    ctx,
    m,
    (a) => a.ipv6AddressId ?? a.ipv6Address ?? '',
    async (pageNumber, size) => {
      const res = await call(ctx, m, () =>
        vpc.describeIpv6Addresses(
          new (sdks().vpc.DescribeIpv6AddressesRequest)({
            regionId: region,
            pageNumber,
            pageSize: size,
          }),
        ),
      );
      return {
        items: requiredList(res.body?.ipv6Addresses?.ipv6Address, 'Ipv6Addresses.Ipv6Address'),
        totalCount: count(res.body?.totalCount),
      };
    },
  );
  if (!raw) return undefined;
  const listed = raw.filter((a) => nonEmpty(a.ipv6Address));
  // every address is Public or Private; one answered without it may have Internet bandwidth:
  // the region's IPv6 exposure is unknown, as when the listing fails
  regionFieldGap(
    ctx,
    m,
    'NetworkType',
    listed.filter((a) => !nonEmpty(a.networkType)).map((a) => a.ipv6Address as string),
  );
  return listed.map((a) => ({
    address: a.ipv6Address as string,
    region,
    id: a.ipv6AddressId ?? '',
    networkType: a.networkType ?? '',
    associatedInstanceId: a.associatedInstanceId ?? '',
    associatedInstanceType: a.associatedInstanceType ?? '',
    vSwitchId: a.vSwitchId ?? '',
    vpcId: a.vpcId ?? '',
    status: a.status ?? '',
  }));
}

async function networkAclsOf(
  ctx: CollectContext,
  region: string,
): Promise<NetworkAcl[] | undefined> {
  const vpc = ctx.clients.vpc(region);
  const m = meta(region, 'DescribeNetworkAcls');
  type Raw = VpcSdk.DescribeNetworkAclsResponseBodyNetworkAclsNetworkAcl;
  const raw = await completeListing<Raw>(
    ctx,
    m,
    (a) => a.networkAclId ?? '',
    async (pageNumber, size) => {
      const res = await call(ctx, m, () =>
        vpc.describeNetworkAcls(
          new (sdks().vpc.DescribeNetworkAclsRequest)({
            regionId: region,
            pageNumber,
            pageSize: size,
          }),
        ),
      );
      return {
        items: requiredList(res.body?.networkAcls?.networkAcl, 'NetworkAcls.NetworkAcl'),
        totalCount: count(res.body?.totalCount),
      };
    },
  );
  if (!raw) return undefined;
  const out: NetworkAcl[] = [];
  for (const a of raw) {
    if (!nonEmpty(a.networkAclId)) continue;
    const id = a.networkAclId as string;
    const entries = a.ingressAclEntries?.ingressAclEntry;
    const resources = a.resources?.resource;
    const listed = Array.isArray(entries) && Array.isArray(resources);
    // an ACL without its entry list or its bindings cannot be judged: say so, keep it unknown
    if (!listed) {
      fail(
        ctx,
        { ...m, resource: id },
        new MalformedResponseError(
          `the answer has no ${!Array.isArray(entries) ? 'IngressAclEntries.IngressAclEntry' : 'Resources.Resource'} list for ${id}`,
        ),
      );
    }
    // the API sends every entry's Policy, Protocol, Port ('-1/-1' for all ports) and SourceCidrIp;
    // an entry without one could accept or drop anything (no Port read as every port closes all
    // of TCP): the ACL's entries stay unknown
    const absent = listed
      ? entries.flatMap((e, i) => {
          const needed = {
            Policy: e.policy,
            Protocol: e.protocol,
            Port: e.port,
            SourceCidrIp: e.sourceCidrIp,
          };
          const fields = absentFields(needed);
          return fields.length > 0
            ? [`${fields.join(', ')} of ${nonEmpty(e.networkAclEntryId) ?? `entry #${i + 1}`}`]
            : [];
        })
      : [];
    if (absent.length > 0) missingField(ctx, m, id, absent.join('; '));
    out.push({
      id,
      region,
      name: a.networkAclName ?? '',
      vpcId: a.vpcId ?? '',
      status: a.status ?? '',
      vSwitchIds: Array.isArray(resources)
        ? resources
            .filter((r) => (r.resourceType ?? 'VSwitch').toLowerCase() === 'vswitch')
            .filter((r) => (r.status ?? '').toUpperCase() !== 'UNBINDED')
            .map((r) => r.resourceId ?? '')
            .filter((x) => x !== '')
        : [],
      ...(listed && absent.length === 0
        ? {
            ingress: entries.map((e) => ({
              id: e.networkAclEntryId ?? '',
              name: e.networkAclEntryName ?? '',
              policy: e.policy ?? '',
              protocol: e.protocol ?? '',
              port: e.port ?? '',
              sourceCidrIp: e.sourceCidrIp ?? '',
              // often left out: inferred from the source (inferAclIpVersions)
              ipVersion: e.ipVersion ?? '',
              entryType: e.entryType ?? '',
            })),
          }
        : {}),
    });
  }
  return out;
}

const PREFIX_LIST_ID = /^pl-/i;

/** the prefix lists the ACLs' readable entries name as a source (their entries are read with ECS's) */
export function aclPrefixListIds(acls: readonly NetworkAcl[]): string[] {
  const ids = new Set<string>();
  for (const a of acls)
    for (const e of a.ingress ?? []) {
      const source = e.sourceCidrIp.trim();
      if (PREFIX_LIST_ID.test(source)) ids.add(source);
    }
  return [...ids];
}

function cidrFamily(cidr: string): 'IPv4' | 'IPv6' | undefined {
  const address = cidr.split('/')[0] ?? '';
  return isIPv4(address) ? 'IPv4' : isIPv6(address) ? 'IPv6' : undefined;
}

/**
 * An entry answered without IpVersion is of its source's family, as the
 * service takes it: a CIDR's, or a prefix list's AddressFamily. A list that
 * could not be read leaves it empty (the analysis holds such an entry unknown
 * for both families); a list read without its family leaves the ACL's entries
 * unknown, never IPv4. Run once the region's prefix lists are read (ECS).
 */
export function inferAclIpVersions(
  ctx: CollectContext,
  acls: NetworkAcl[],
  prefixLists: readonly PrefixList[],
): void {
  for (const a of acls) {
    if (a.ingress === undefined) continue;
    const unknown: string[] = [];
    for (const [i, e] of a.ingress.entries()) {
      if (e.ipVersion.trim() !== '') continue;
      const source = e.sourceCidrIp.trim();
      if (!PREFIX_LIST_ID.test(source)) {
        // an unparseable source stays as it is: the analysis holds it unknown by itself
        e.ipVersion = cidrFamily(source) ?? '';
        continue;
      }
      const list = prefixLists.find((l) => l.id === source && l.region === a.region);
      if (list?.cidrs === undefined && !nonEmpty(list?.addressFamily)) continue;
      const family = list?.addressFamily.trim().toLowerCase();
      if (family === 'ipv4' || family === 'ipv6') e.ipVersion = family === 'ipv4' ? 'IPv4' : 'IPv6';
      else
        unknown.push(
          `IpVersion of ${nonEmpty(e.id) ?? `entry #${i + 1}`} (prefix list ${source} has no known AddressFamily)`,
        );
    }
    if (unknown.length > 0) {
      missingField(ctx, meta(a.region, 'DescribeNetworkAcls'), a.id, unknown.join('; '));
      delete a.ingress;
    }
  }
}

async function natGatewaysOf(
  ctx: CollectContext,
  region: string,
): Promise<NatGateway[] | undefined> {
  const vpc = ctx.clients.vpc(region);
  const m = meta(region, 'DescribeNatGateways');
  type Raw = VpcSdk.DescribeNatGatewaysResponseBodyNatGatewaysNatGateway;
  const raw = await completeListing<Raw>(
    ctx,
    m,
    (g) => g.natGatewayId ?? '',
    async (pageNumber, size) => {
      const res = await call(ctx, m, () =>
        vpc.describeNatGateways(
          new (sdks().vpc.DescribeNatGatewaysRequest)({
            regionId: region,
            pageNumber,
            pageSize: size,
          }),
        ),
      );
      return {
        items: requiredList(res.body?.natGateways?.natGateway, 'NatGateways.NatGateway'),
        totalCount: count(res.body?.totalCount),
      };
    },
  );
  if (!raw) return undefined;
  const gateways: NatGateway[] = [];
  // a gateway answered without its forward-table list has DNAT entries no one can list: unknown, never "none"
  const listable: NatGateway[] = [];
  for (const g of raw) {
    if (!nonEmpty(g.natGatewayId)) continue;
    const id = g.natGatewayId as string;
    const tables = g.forwardTableIds?.forwardTableId;
    const gateway: NatGateway = {
      id,
      region,
      name: g.name ?? '',
      vpcId: g.vpcId ?? '',
      ...(nonEmpty(g.networkType) ? { networkType: g.networkType } : {}),
      status: g.status ?? '',
      forwardTableIds: Array.isArray(tables) ? tables.filter((x) => x !== '') : [],
    };
    gateways.push(gateway);
    if (Array.isArray(tables)) listable.push(gateway);
    else
      fail(
        ctx,
        { ...m, resource: id },
        new MalformedResponseError(
          `the answer has no ForwardTableIds.ForwardTableId list for ${id}`,
        ),
      );
  }
  await Promise.all(
    listable.map(async (g) => {
      const entries = await dnatEntriesOf(ctx, region, g);
      if (entries) g.dnatEntries = entries;
    }),
  );
  return gateways;
}

/** items of a region's listing answered without `field`: a gap for the whole listing, as its failure */
function regionFieldGap(ctx: CollectContext, m: PageMeta, field: string, items: string[]): void {
  if (items.length === 0) return;
  const shown =
    items.slice(0, 5).join(', ') + (items.length > 5 ? ` and ${items.length - 5} more` : '');
  missingField(ctx, m, shown, field, 'list');
}

/** every DNAT entry of the gateway's forward tables; undefined when any table could not be read */
async function dnatEntriesOf(
  ctx: CollectContext,
  region: string,
  gateway: NatGateway,
): Promise<DnatEntry[] | undefined> {
  const vpc = ctx.clients.vpc(region);
  const out: DnatEntry[] = [];
  type Raw = VpcSdk.DescribeForwardTableEntriesResponseBodyForwardTableEntriesForwardTableEntry;
  for (const tableId of gateway.forwardTableIds) {
    const m = meta(region, 'DescribeForwardTableEntries', tableId);
    const raw = await completeListing<Raw>(
      ctx,
      m,
      (e) => e.forwardEntryId ?? JSON.stringify(e),
      async (pageNumber, size) => {
        const res = await call(ctx, m, () =>
          vpc.describeForwardTableEntries(
            new (sdks().vpc.DescribeForwardTableEntriesRequest)({
              regionId: region,
              forwardTableId: tableId,
              pageNumber,
              pageSize: size,
            }),
          ),
        );
        return {
          items: requiredList(
            res.body?.forwardTableEntries?.forwardTableEntry,
            'ForwardTableEntries.ForwardTableEntry',
          ),
          totalCount: count(res.body?.totalCount),
        };
      },
    );
    if (!raw) return undefined;
    // an entry without its state, either address or either port could be one that exposes an
    // instance (the API sends both ports, 'Any' for an Any entry): every entry of the gateway stays unknown
    const absent = raw.flatMap((e) => {
      const needed = {
        Status: e.status,
        ExternalIp: e.externalIp,
        ExternalPort: e.externalPort,
        InternalIp: e.internalIp,
        InternalPort: e.internalPort,
      };
      const fields = absentFields(needed);
      return fields.length > 0 ? [`${fields.join(', ')} of ${e.forwardEntryId ?? 'an entry'}`] : [];
    });
    if (absent.length > 0) {
      missingField(ctx, m, tableId, absent.join('; '));
      return undefined;
    }
    for (const e of raw) {
      out.push({
        id: e.forwardEntryId ?? '',
        forwardTableId: e.forwardTableId ?? tableId,
        externalIp: e.externalIp ?? '',
        externalPort: e.externalPort ?? '',
        internalIp: e.internalIp ?? '',
        internalPort: e.internalPort ?? '',
        ipProtocol: e.ipProtocol ?? '',
        status: e.status ?? '',
      });
    }
  }
  return out;
}

/** DescribeEipAddresses: which EIPs are bound in cut-through mode (the ACL does not filter them) */
async function eipAddressesOf(
  ctx: CollectContext,
  region: string,
): Promise<EipAddress[] | undefined> {
  const vpc = ctx.clients.vpc(region);
  const m = meta(region, 'DescribeEipAddresses');
  type Raw = VpcSdk.DescribeEipAddressesResponseBodyEipAddressesEipAddress;
  const size = pageSize(ctx, 100);
  const guard = trackIncomplete(ctx.guard);
  const raw = await attempt(ctx, m, () =>
    pageByNumber<Raw>(
      guard,
      m,
      size,
      (e) => e.allocationId ?? e.ipAddress ?? '',
      async (pageNumber) => {
        const res = await call(ctx, m, () =>
          vpc.describeEipAddresses(
            new (sdks().vpc.DescribeEipAddressesRequest)({
              regionId: region,
              pageNumber,
              pageSize: size,
            }),
          ),
        );
        return {
          items: requiredList(res.body?.eipAddresses?.eipAddress, 'EipAddresses.EipAddress'),
          totalCount: count(res.body?.totalCount),
        };
      },
    ),
  );
  if (!raw || guard.incomplete) return undefined;
  const listed = raw.filter((e) => nonEmpty(e.ipAddress));
  // every EIP has a mode (NAT, MULTI_BINDED, BINDED): one answered without it may be cut through
  // the vSwitch's ACL, so the region's EIP modes are unknown, as when the listing fails
  regionFieldGap(
    ctx,
    m,
    'Mode',
    listed.filter((e) => !nonEmpty(e.mode)).map((e) => e.ipAddress as string),
  );
  return listed.map((e) => ({
    ipAddress: e.ipAddress as string,
    region,
    allocationId: e.allocationId ?? '',
    mode: e.mode ?? '',
    instanceId: e.instanceId ?? '',
    instanceType: e.instanceType ?? '',
  }));
}
