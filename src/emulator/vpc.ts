/**
 * VPC 2016-04-28 handlers of the emulator: DescribeIpv6Addresses, DescribeEipAddresses,
 * DescribeNetworkAcls, DescribeNatGateways, DescribeForwardTableEntries.
 *
 * Wire formats per node_modules/@alicloud/vpc20160428/dist/models/*: lists in
 * their wrappers (`Ipv6Addresses.Ipv6Address`, `NetworkAcls.NetworkAcl` with
 * `IngressAclEntries.IngressAclEntry` and `Resources.Resource`,
 * `NatGateways.NatGateway` with `ForwardTableIds.ForwardTableId`,
 * `ForwardTableEntries.ForwardTableEntry`). All four page by
 * PageNumber/PageSize, at most 50 a page, default 10; DescribeNetworkAcls
 * spells its paging fields as strings, as its response model does.
 */
import { pageByNumber, type SizeLimits } from './paging.js';
import {
  type ActionHandler,
  apiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  ok,
} from './types.js';
import type { World } from './world.js';

type VpcBlock = World['vpc'][string];
type Item = Record<string, unknown>;

const LIMITS: SizeLimits = { max: 50, default: 10 };

const EMPTY: VpcBlock = { Ipv6Addresses: [], NetworkAcls: [], NatGateways: [], EipAddresses: [] };

function block(req: EmulatorRequest, ctx: EmulatorContext): VpcBlock | EmulatorResponse {
  const region = req.region;
  if (!region) {
    return apiError(400, 'MissingParameter', 'The input parameter "RegionId" that is mandatory.');
  }
  const b = ctx.world.vpc[region];
  if (b) return b;
  const known =
    ctx.world.regions.some((r) => r.RegionId === region) || ctx.world.ecs[region] !== undefined;
  if (!known && ctx.world.regions.length > 0) {
    return apiError(404, 'InvalidRegionId.NotFound', 'The specified RegionId does not exist.');
  }
  return EMPTY;
}

function isResponse(x: VpcBlock | EmulatorResponse): x is EmulatorResponse {
  return 'status' in x && 'body' in x;
}

function omit(item: Item, keys: readonly string[]): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** the forward table id of a gateway: the world's `ForwardTableId`, else derived from the gateway id */
export function forwardTableIdOf(g: VpcBlock['NatGateways'][number]): string {
  const given = g['ForwardTableId'];
  return typeof given === 'string' && given !== ''
    ? given
    : `ftb-${g.NatGatewayId.replace(/^ngw-/, '')}`;
}

const describeIpv6Addresses: ActionHandler = (req, ctx) => {
  const b = block(req, ctx);
  if (isResponse(b)) return b;
  const p = req.params;
  const items = b.Ipv6Addresses.filter((a) => {
    if (p['Ipv6Address'] && a.Ipv6Address !== p['Ipv6Address']) return false;
    if (p['NetworkType'] && a.NetworkType !== p['NetworkType']) return false;
    if (p['AssociatedInstanceId'] && a['AssociatedInstanceId'] !== p['AssociatedInstanceId'])
      return false;
    return true;
  });
  const r = pageByNumber(items, p, LIMITS);
  return ok({
    PageNumber: r.pageNumber,
    PageSize: r.pageSize,
    TotalCount: r.totalCount,
    Ipv6Addresses: { Ipv6Address: r.page.map((a) => ({ ...a })) },
  });
};

const describeNetworkAcls: ActionHandler = (req, ctx) => {
  const b = block(req, ctx);
  if (isResponse(b)) return b;
  const p = req.params;
  const items = b.NetworkAcls.filter((a) => {
    if (p['NetworkAclId'] && a.NetworkAclId !== p['NetworkAclId']) return false;
    if (p['VpcId'] && a.VpcId !== p['VpcId']) return false;
    if (p['ResourceId'] && !a.Resources.some((r) => r.ResourceId === p['ResourceId'])) return false;
    return true;
  });
  const r = pageByNumber(items, p, LIMITS);
  return ok({
    PageNumber: String(r.pageNumber),
    PageSize: String(r.pageSize),
    TotalCount: String(r.totalCount),
    NetworkAcls: {
      // Status, RegionId, a resource's ResourceType/Status and an entry's IpVersion
      // as the world wrote them (world.md: absent is absent)
      NetworkAcl: r.page.map((a) => ({
        ...omit(a, ['Resources', 'IngressAclEntries', 'EgressAclEntries']),
        Resources: { Resource: a.Resources.map((x) => ({ ...x })) },
        IngressAclEntries: { IngressAclEntry: a.IngressAclEntries.map((e) => ({ ...e })) },
        EgressAclEntries: { EgressAclEntry: a.EgressAclEntries.map((e) => ({ ...e })) },
      })),
    },
  });
};

const describeNatGateways: ActionHandler = (req, ctx) => {
  const b = block(req, ctx);
  if (isResponse(b)) return b;
  const p = req.params;
  const items = b.NatGateways.filter((g) => {
    if (p['NatGatewayId'] && g.NatGatewayId !== p['NatGatewayId']) return false;
    if (p['VpcId'] && g.VpcId !== p['VpcId']) return false;
    if (p['NetworkType'] && g.NetworkType !== p['NetworkType']) return false;
    return true;
  });
  const r = pageByNumber(items, p, LIMITS);
  return ok({
    PageNumber: r.pageNumber,
    PageSize: r.pageSize,
    TotalCount: r.totalCount,
    NatGateways: {
      // Status and RegionId as the world wrote them (absent is absent)
      NatGateway: r.page.map((g) => ({
        ...omit(g, ['ForwardTableEntries', 'ForwardTableId']),
        ForwardTableIds: { ForwardTableId: [forwardTableIdOf(g)] },
      })),
    },
  });
};

const describeForwardTableEntries: ActionHandler = (req, ctx) => {
  const b = block(req, ctx);
  if (isResponse(b)) return b;
  const p = req.params;
  const tableId = p['ForwardTableId'];
  const gatewayId = p['NatGatewayId'];
  if (!tableId && !gatewayId) {
    return apiError(
      400,
      'MissingParameter',
      'You must specify at least one of ForwardTableId and NatGatewayId.',
    );
  }
  const gateways = b.NatGateways.filter(
    (g) =>
      (!tableId || forwardTableIdOf(g) === tableId) && (!gatewayId || g.NatGatewayId === gatewayId),
  );
  if (gateways.length === 0) {
    return apiError(
      404,
      'InvalidForwardTableId.NotFound',
      'The specified forward table does not exist.',
    );
  }
  const entries = gateways.flatMap((g) =>
    // the table and gateway an entry belongs to are where the world put it; its
    // Status as the world wrote it (absent is absent)
    g.ForwardTableEntries.map((e) => ({
      ForwardTableId: forwardTableIdOf(g),
      NatGatewayId: g.NatGatewayId,
      ...e,
    })),
  );
  const r = pageByNumber(entries, p, LIMITS);
  return ok({
    PageNumber: r.pageNumber,
    PageSize: r.pageSize,
    TotalCount: r.totalCount,
    ForwardTableEntries: { ForwardTableEntry: r.page },
  });
};

/** DescribeEipAddresses pages by PageNumber/PageSize, at most 100 a page */
const describeEipAddresses: ActionHandler = (req, ctx) => {
  const b = block(req, ctx);
  if (isResponse(b)) return b;
  const p = req.params;
  const items = b.EipAddresses.filter((e) => {
    if (p['EipAddress'] && e.IpAddress !== p['EipAddress']) return false;
    if (p['AllocationId'] && e['AllocationId'] !== p['AllocationId']) return false;
    return true;
  });
  const r = pageByNumber(items, p, { max: 100, default: 10 });
  return ok({
    PageNumber: r.pageNumber,
    PageSize: r.pageSize,
    TotalCount: r.totalCount,
    EipAddresses: {
      // Status, Mode and RegionId as the world wrote them (absent is absent)
      EipAddress: r.page.map((e) => ({ ...e })),
    },
  });
};

export const vpcHandlers: Record<string, ActionHandler> = {
  DescribeIpv6Addresses: describeIpv6Addresses,
  DescribeNetworkAcls: describeNetworkAcls,
  DescribeNatGateways: describeNatGateways,
  DescribeForwardTableEntries: describeForwardTableEntries,
  DescribeEipAddresses: describeEipAddresses,
};
