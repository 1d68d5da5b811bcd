/**
 * ECS 2014-05-26 handlers of the emulator.
 *
 * Page sizes and defaults are the ones documented in the SDK request models
 * (node_modules/@alicloud/ecs20140526/dist/models/*Request.d.ts):
 *  - DescribeSecurityGroups MaxResults ≤ 100, default 10
 *  - DescribeSecurityGroupAttribute MaxResults 10–1000, default 500
 *  - DescribeInstances MaxResults ≤ 100 (< 10 → 10), default 10
 *  - DescribeNetworkInterfaces MaxResults 10–500 (< 10 → 10, > 500 → 500)
 *  - DescribeDisks MaxResults 10–500 (< 10 → 10, > 500 → 500)
 *  - DescribeInvocations MaxResults ≤ 50, default 10
 *  - DescribeKeyPairs, DescribeInstanceRamRole PageSize ≤ 50, default 10
 *  - DescribePrefixLists, DescribePortRangeLists MaxResults ≤ 100, default 10
 *    (DescribePrefixListAttributes and DescribePortRangeListEntries do not page)
 * The deprecated PageNumber/PageSize of the NextToken APIs have no limit in
 * the SDK models; the emulator caps them at 50 (security groups, invocations)
 * and 100 (instances, disks, network interfaces).
 */
import { allBy, derived, firstBy } from './memo.js';
import { pageByNumber, pageByToken, type SizeLimits } from './paging.js';
import {
  type ActionHandler,
  apiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  ok,
} from './types.js';
import type { World } from './world.js';

type RegionBlock = World['ecs'][string];
type Item = Record<string, unknown>;

const EMPTY_BLOCK: RegionBlock = {
  SecurityGroups: [],
  Instances: [],
  KeyPairs: [],
  Disks: [],
  Invocations: [],
  PrefixLists: [],
  PortRangeLists: [],
};

/**
 * The world's block for the request's region. A region listed in
 * `world.regions` (or with an ECS block) but without a block is empty; a
 * RegionId the world does not know at all answers InvalidRegionId.NotFound.
 * A request without RegionId is served as an empty region (lenient).
 */
function regionBlock(req: EmulatorRequest, ctx: EmulatorContext): RegionBlock | EmulatorResponse {
  const region = req.region;
  if (!region) return EMPTY_BLOCK;
  const block = ctx.world.ecs[region];
  if (block) return block;
  const known = ctx.world.regions.some((r) => r.RegionId === region);
  if (!known && ctx.world.regions.length > 0) {
    return apiError(404, 'InvalidRegionId.NotFound', 'The specified RegionId does not exist.');
  }
  return EMPTY_BLOCK;
}

function isResponse(x: RegionBlock | EmulatorResponse): x is EmulatorResponse {
  return 'status' in x && 'body' in x;
}

/** `["a","b"]` JSON-array parameters (InstanceIds, SecurityGroupIds, DiskIds). */
function jsonList(raw: string | undefined, param: string): string[] | EmulatorResponse | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed;
  } catch {
    // fall through to the error below
  }
  return apiError(400, `InvalidParameter`, `The specified parameter ${param} is not valid.`);
}

function isList(x: string[] | EmulatorResponse | undefined): x is string[] {
  return Array.isArray(x);
}

/**
 * NextToken/MaxResults paging, or the deprecated PageNumber/PageSize when a
 * request sends those and neither NextToken nor MaxResults.
 */
function pageTokenOrNumber<T>(
  items: readonly T[],
  params: Record<string, string>,
  tokenLimits: SizeLimits,
  legacyLimits: SizeLimits,
): { page: T[]; paging: Record<string, unknown> } {
  const legacy =
    (params['PageNumber'] !== undefined || params['PageSize'] !== undefined) &&
    params['NextToken'] === undefined &&
    params['MaxResults'] === undefined;
  if (legacy) {
    const r = pageByNumber(items, params, legacyLimits);
    return {
      page: r.page,
      paging: { PageNumber: r.pageNumber, PageSize: r.pageSize, TotalCount: r.totalCount },
    };
  }
  const r = pageByToken(items, params, tokenLimits);
  return { page: r.page, paging: { NextToken: r.nextToken } };
}

function omit(item: Item, keys: readonly string[]): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!keys.includes(k)) out[k] = v;
  return out;
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : [];
}

// --- DescribeRegions ---------------------------------------------------------

const describeRegions: ActionHandler = (_req, ctx) =>
  ok({ Regions: { Region: ctx.world.regions.map((r) => ({ ...r })) } });

// --- DescribeSecurityGroups --------------------------------------------------

const describeSecurityGroups: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const ids = jsonList(p['SecurityGroupIds'], 'SecurityGroupIds');
  if (ids && !isList(ids)) return ids;
  const groups = block.SecurityGroups.filter((g) => {
    if (p['SecurityGroupId'] && g.SecurityGroupId !== p['SecurityGroupId']) return false;
    if (ids && !ids.includes(g.SecurityGroupId)) return false;
    if (p['VpcId'] && g.VpcId !== p['VpcId']) return false;
    if (p['SecurityGroupName'] && g.SecurityGroupName !== p['SecurityGroupName']) return false;
    if (p['SecurityGroupType'] && (g.SecurityGroupType ?? 'normal') !== p['SecurityGroupType']) {
      return false;
    }
    if (p['NetworkType'] && (g.VpcId ? 'vpc' : 'classic') !== p['NetworkType']) return false;
    if (p['ServiceManaged'] && String(g.ServiceManaged ?? false) !== p['ServiceManaged']) {
      return false;
    }
    return true;
  });
  const { page, paging } = pageTokenOrNumber(
    groups,
    p,
    { max: 100, default: 10 },
    { max: 50, default: 10 },
  );
  return ok({
    RegionId: req.region ?? '',
    ...paging,
    SecurityGroups: {
      SecurityGroup: page.map((g) => omit(g, ['Permissions', 'InnerAccessPolicy'])),
    },
  });
};

// --- DescribeSecurityGroupAttribute -----------------------------------------

/**
 * A Permission as the API serves it: the world's rule as written (world.md: a
 * field that is absent is absent in the response), with a Priority written as
 * a string served as the JSON number of the API's response examples.
 */
function servePermission(rule: Item): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(rule)) if (v !== undefined) out[k] = v;
  const prio = out['Priority'];
  if (typeof prio === 'string' && /^\d+$/.test(prio)) out['Priority'] = Number(prio);
  return out;
}

/** a rule's Direction or NicType as written; undefined when the world left it out (or empty) */
function written(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v).toLowerCase();
}

const describeSecurityGroupAttribute: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const id = p['SecurityGroupId'];
  if (!id) {
    return apiError(400, 'MissingSecurityGroupId', 'SecurityGroupId is mandatory for this action.');
  }
  const group = derived(block.SecurityGroups, 'byId', (list) =>
    firstBy(list, (g) => g.SecurityGroupId),
  ).get(id);
  if (!group) {
    return apiError(
      404,
      'InvalidSecurityGroupId.NotFound',
      'The specified SecurityGroupId does not exist.',
    );
  }
  const classic = !group.VpcId;
  const direction = (p['Direction'] ?? 'all').toLowerCase();
  if (!['all', 'ingress', 'egress'].includes(direction)) {
    return apiError(400, 'InvalidDirection.Malformed', 'The specified Direction is not valid.');
  }
  // NicType (request meta ecs.DescribeSecurityGroupAttribute.json): classic
  // groups answer one NIC type per call, `internet` by default, so a classic
  // group queried without NicType returns only its internet rules and the
  // collector must also ask NicType=intranet. In VPC groups NicType is ignored
  // (rules.md: every rule applies): every rule is served, whatever its NicType.
  const nicType = classic ? (p['NicType'] || 'internet').toLowerCase() : undefined;
  // The real API sends Direction and NicType on every rule. A world rule
  // without one is served, still without it, to every query it could belong
  // to: without Direction to ingress, egress and all; without NicType (classic
  // group) to both NIC types. Served to none, it would vanish from the scan.
  const rules = group.Permissions.filter((r) => {
    const dir = written(r.Direction);
    if (direction !== 'all' && dir !== undefined && dir !== direction) return false;
    const nic = written(r.NicType);
    return nicType === undefined || nic === undefined || nic === nicType;
  }).map(servePermission);
  const { page, nextToken } = pageByToken(rules, p, { max: 1000, default: 500, min: 10 });
  // the group's own fields as the world wrote them (absent is absent)
  return ok({
    RegionId: req.region ?? '',
    SecurityGroupId: group.SecurityGroupId,
    ...(group.SecurityGroupName !== undefined
      ? { SecurityGroupName: group.SecurityGroupName }
      : {}),
    ...(group['Description'] !== undefined ? { Description: group['Description'] } : {}),
    ...(group.VpcId !== undefined ? { VpcId: group.VpcId } : {}),
    ...(group.InnerAccessPolicy !== undefined
      ? { InnerAccessPolicy: group.InnerAccessPolicy }
      : {}),
    NextToken: nextToken,
    Permissions: { Permission: page },
  });
};

// --- DescribeInstances -------------------------------------------------------

type WorldInstance = RegionBlock['Instances'][number];

/**
 * The instance as the API serves it: lists wrapped, `RamRoleName` never served
 * (the DescribeInstances response model has no RAM role field; it comes from
 * DescribeInstanceRamRole). `MetadataOptions` is served whenever the world
 * has it: the SDK model names `META_OPTIONS` only as an example of
 * AdditionalAttributes, and the API's published response examples carry
 * MetadataOptions, so nothing verified says it is withheld without it.
 */
function serveInstance(inst: WorldInstance): Item {
  const out = omit(inst, ['RamRoleName', 'NetworkInterfaces']);
  out['SecurityGroupIds'] = { SecurityGroupId: [...inst.SecurityGroupIds] };
  out['PublicIpAddress'] = { IpAddress: strings(inst.PublicIpAddress) };
  out['InnerIpAddress'] = { IpAddress: strings(inst.InnerIpAddress) };
  if (inst.VpcAttributes) {
    out['VpcAttributes'] = {
      ...inst.VpcAttributes,
      PrivateIpAddress: { IpAddress: strings(inst.VpcAttributes.PrivateIpAddress) },
    };
  }
  if (inst.NetworkInterfaces) {
    // DescribeInstances lists interfaces without their groups or public addresses
    out['NetworkInterfaces'] = {
      NetworkInterface: inst.NetworkInterfaces.map((n) => {
        const nic = omit(n, [
          'SecurityGroupIds',
          'AssociatedPublicIp',
          'PrivateIpSets',
          'Ipv6Sets',
          'PrivateIpAddress',
          'VSwitchId',
        ]);
        if (n.PrivateIpAddress !== undefined) nic['PrimaryIpAddress'] = n.PrivateIpAddress;
        if (n.PrivateIpSets) {
          nic['PrivateIpSets'] = {
            PrivateIpSet: n.PrivateIpSets.map((p) => omit(p, ['AssociatedPublicIp'])),
          };
        }
        if (n.Ipv6Sets) nic['Ipv6Sets'] = { Ipv6Set: n.Ipv6Sets.map((x) => ({ ...x })) };
        return nic;
      }),
    };
  }
  return out;
}

const describeInstances: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const ids = jsonList(p['InstanceIds'], 'InstanceIds');
  if (ids && !isList(ids)) return ids;
  const filtered =
    ids !== undefined ||
    ['SecurityGroupId', 'VpcId', 'Status', 'KeyPairName', 'InstanceNetworkType'].some((k) => p[k]);
  const instances = !filtered
    ? block.Instances
    : block.Instances.filter((i) => {
        if (ids && !ids.includes(i.InstanceId)) return false;
        if (p['SecurityGroupId'] && !i.SecurityGroupIds.includes(p['SecurityGroupId']))
          return false;
        if (p['VpcId'] && i.VpcAttributes?.VpcId !== p['VpcId']) return false;
        if (p['Status'] && i.Status !== p['Status']) return false;
        if (p['KeyPairName'] && i.KeyPairName !== p['KeyPairName']) return false;
        if (p['InstanceNetworkType'] && i.InstanceNetworkType !== p['InstanceNetworkType']) {
          return false;
        }
        return true;
      });
  const { page, paging } = pageTokenOrNumber(
    instances,
    p,
    { max: 100, default: 10, min: 10 },
    { max: 100, default: 10 },
  );
  return ok({ ...paging, Instances: { Instance: page.map(serveInstance) } });
};

// --- DescribeNetworkInterfaces (extension) -----------------------------------

function networkInterfacesOf(inst: WorldInstance): Item[] {
  const publicIp = inst.EipAddress?.IpAddress || strings(inst.PublicIpAddress)[0] || '';
  const privateIp = strings(inst.VpcAttributes?.PrivateIpAddress)[0] ?? '';
  const base: Item = {
    InstanceId: inst.InstanceId,
    Status: 'InUse',
    VpcId: inst.VpcAttributes?.VpcId ?? '',
    // an interface is in its instance's vSwitch unless the world says otherwise
    ...(typeof inst.VpcAttributes?.['VSwitchId'] === 'string'
      ? { VSwitchId: inst.VpcAttributes['VSwitchId'] }
      : {}),
    ZoneId: typeof inst['ZoneId'] === 'string' ? inst['ZoneId'] : '',
  };
  const enis = inst.NetworkInterfaces ?? [
    {
      NetworkInterfaceId: `eni-${inst.InstanceId.replace(/^i-/, '')}`,
      Type: 'Primary',
      SecurityGroupIds: inst.SecurityGroupIds,
    },
  ];
  return enis.map((eni, index) => {
    const type = eni.Type ?? (index === 0 ? 'Primary' : 'Secondary');
    const out: Item = {
      ...base,
      PrivateIpAddress: type === 'Primary' ? privateIp : '',
      ...omit(eni, ['SecurityGroupIds', 'PrivateIpSets', 'Ipv6Sets']),
      Type: type,
      SecurityGroupIds: { SecurityGroupId: [...(eni.SecurityGroupIds ?? inst.SecurityGroupIds)] },
    };
    // the wire wraps these lists: PrivateIpSets.PrivateIpSet, Ipv6Sets.Ipv6Set
    if (eni.PrivateIpSets) {
      out['PrivateIpSets'] = { PrivateIpSet: eni.PrivateIpSets.map((p) => ({ ...p })) };
    }
    if (eni.Ipv6Sets) out['Ipv6Sets'] = { Ipv6Set: eni.Ipv6Sets.map((x) => ({ ...x })) };
    if (type === 'Primary' && publicIp && out['AssociatedPublicIp'] === undefined) {
      out['AssociatedPublicIp'] = {
        PublicIpAddress: publicIp,
        AllocationId: inst.EipAddress?.AllocationId ?? '',
      };
    }
    return out;
  });
}

const describeNetworkInterfaces: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  // every interface of the region, built once (the items are never modified)
  let enis = derived(block.Instances, 'networkInterfaces', (list) =>
    list.flatMap(networkInterfacesOf),
  );
  if (p['InstanceId']) enis = enis.filter((e) => e['InstanceId'] === p['InstanceId']);
  if (p['SecurityGroupId']) {
    const sg = p['SecurityGroupId'];
    enis = enis.filter((e) =>
      strings((e['SecurityGroupIds'] as { SecurityGroupId: unknown }).SecurityGroupId).includes(sg),
    );
  }
  if (p['Type']) enis = enis.filter((e) => e['Type'] === p['Type']);
  const wanted = Object.entries(p)
    .filter(([k]) => /^NetworkInterfaceId\.\d+$/.test(k))
    .map(([, v]) => v);
  if (wanted.length > 0)
    enis = enis.filter((e) => wanted.includes(String(e['NetworkInterfaceId'])));
  const { page, paging } = pageTokenOrNumber(
    enis,
    p,
    { max: 500, default: 10, min: 10 },
    { max: 100, default: 10 },
  );
  return ok({ ...paging, NetworkInterfaceSets: { NetworkInterfaceSet: page } });
};

// --- DescribeInstanceRamRole -------------------------------------------------

const describeInstanceRamRole: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const ids = jsonList(p['InstanceIds'], 'InstanceIds');
  if (ids && !isList(ids)) return ids;
  if (ids && ids.length > 50) {
    // SDK model DescribeInstanceRamRoleRequest: InstanceIds holds up to 50 ids
    return apiError(400, 'InvalidInstanceIds.ValueNotSupported', 'InstanceIds exceeds 50.');
  }
  const roleName = p['RamRoleName'];
  const withRole = derived(block.Instances, 'withRamRole', (list) =>
    list.filter((i) => i.RamRoleName),
  );
  // the instances of the ids asked for, in world order
  const byId = derived(block.Instances, 'withRamRoleById', () =>
    allBy(
      withRole.map((instance, index) => ({ instance, index })),
      (x) => [x.instance.InstanceId],
    ),
  );
  const candidates = ids
    ? [...new Set(ids)]
        .flatMap((id) => byId.get(id) ?? [])
        .sort((a, b) => a.index - b.index)
        .map((x) => x.instance)
    : withRole;
  const sets = candidates
    .filter((i) => !roleName || i.RamRoleName === roleName)
    .map((i) => ({ InstanceId: i.InstanceId, RamRoleName: i.RamRoleName }));
  const r = pageByNumber(sets, p, { max: 50, default: 10 });
  return ok({
    RegionId: req.region ?? '',
    TotalCount: r.totalCount,
    InstanceRamRoleSets: { InstanceRamRoleSet: r.page },
  });
};

// --- DescribeKeyPairs --------------------------------------------------------

const describeKeyPairs: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const name = req.params['KeyPairName'];
  const pairs = block.KeyPairs.filter((k) => !name || k.KeyPairName === name);
  const r = pageByNumber(pairs, req.params, { max: 50, default: 10 });
  return ok({
    PageNumber: r.pageNumber,
    PageSize: r.pageSize,
    TotalCount: r.totalCount,
    KeyPairs: { KeyPair: r.page.map((k) => ({ ...k })) },
  });
};

// --- DescribeDisks -----------------------------------------------------------

const describeDisks: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const ids = jsonList(p['DiskIds'], 'DiskIds');
  if (ids && !isList(ids)) return ids;
  const disks = block.Disks.filter((d) => {
    if (ids && !ids.includes(d.DiskId)) return false;
    if (p['InstanceId'] && d.InstanceId !== p['InstanceId']) return false;
    if (p['DiskType'] && p['DiskType'] !== 'all' && d.Type !== p['DiskType']) return false;
    if (p['Encrypted'] && String(d.Encrypted ?? false) !== p['Encrypted']) return false;
    return true;
  });
  const { page, paging } = pageTokenOrNumber(
    disks,
    p,
    { max: 500, default: 10, min: 10 },
    { max: 100, default: 10 },
  );
  return ok({ ...paging, Disks: { Disk: page.map((d) => ({ ...d })) } });
};

// --- DescribeInvocations -----------------------------------------------------

/**
 * CommandContent is stored base64 (as the API returns it by default,
 * ContentEncoding=Base64 per the SDK request model); `ContentEncoding=PlainText`
 * decodes it.
 */
const describeInvocations: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const plain = (p['ContentEncoding'] ?? '').toLowerCase() === 'plaintext';
  const invocations = block.Invocations.filter((inv) => {
    if (p['InvokeId'] && inv.InvokeId !== p['InvokeId']) return false;
    if (p['InstanceId'] && !inv.InvokeInstances?.some((x) => x.InstanceId === p['InstanceId'])) {
      return false;
    }
    if (p['CommandName'] && inv.CommandName !== p['CommandName']) return false;
    if (p['CommandType'] && inv.CommandType !== p['CommandType']) return false;
    return true;
  });
  const { page, paging } = pageTokenOrNumber(
    invocations,
    p,
    { max: 50, default: 10 },
    { max: 50, default: 10 },
  );
  return ok({
    ...paging,
    Invocations: {
      Invocation: page.map((inv) => {
        const out: Item = {
          ...inv,
          ...(inv.InvokeInstances
            ? { InvokeInstances: { InvokeInstance: inv.InvokeInstances } }
            : {}),
        };
        if (plain && typeof inv.CommandContent === 'string') {
          out['CommandContent'] = Buffer.from(inv.CommandContent, 'base64').toString('utf8');
        }
        return out;
      }),
    },
  });
};

// --- prefix lists and port lists ---------------------------------------------

/** `PrefixListId.1`, `PrefixListId.2`, … (a repeated parameter) */
function repeated(params: Record<string, string>, name: string): string[] {
  return Object.entries(params)
    .filter(([k]) => new RegExp(`^${name}\\.\\d+$`).test(k))
    .map(([, v]) => v);
}

const describePrefixLists: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const ids = repeated(p, 'PrefixListId');
  const lists = block.PrefixLists.filter((l) => {
    if (ids.length > 0 && !ids.includes(l.PrefixListId)) return false;
    // a list whose family the world left out may be of either family: served to both
    if (
      p['AddressFamily'] &&
      l.AddressFamily !== undefined &&
      l.AddressFamily !== p['AddressFamily']
    )
      return false;
    if (p['PrefixListName'] && l.PrefixListName !== p['PrefixListName']) return false;
    return true;
  });
  const { page, nextToken } = pageByToken(lists, p, { max: 100, default: 10 });
  return ok({
    NextToken: nextToken,
    PrefixLists: {
      // AddressFamily and PrefixListName as the world wrote them (absent is absent)
      PrefixList: page.map((l) => ({
        AssociationCount: associations(block, 'SourcePrefixListId', l.PrefixListId),
        ...omit(l, ['Entries']),
      })),
    },
  });
};

/** how many rules use the list (the API's AssociationCount counts associated groups) */
function associations(block: RegionBlock, field: string, id: string): number {
  return block.SecurityGroups.filter((g) => g.Permissions.some((r) => r[field] === id)).length;
}

const describePrefixListAttributes: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const id = req.params['PrefixListId'];
  if (!id) return apiError(400, 'MissingParameter', 'PrefixListId is mandatory for this action.');
  const list = block.PrefixLists.find((l) => l.PrefixListId === id);
  if (!list) {
    return apiError(
      404,
      'InvalidPrefixListId.NotFound',
      'The specified prefix list does not exist.',
    );
  }
  return ok({
    ...omit(list, ['Entries']),
    Entries: { Entry: list.Entries.map((e) => ({ ...e })) },
  });
};

const describePortRangeLists: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const p = req.params;
  const ids = repeated(p, 'PortRangeListId');
  const lists = block.PortRangeLists.filter((l) => {
    if (ids.length > 0 && !ids.includes(l.PortRangeListId)) return false;
    if (p['PortRangeListName'] && l.PortRangeListName !== p['PortRangeListName']) return false;
    return true;
  });
  const { page, nextToken } = pageByToken(lists, p, { max: 100, default: 10 });
  // this API's list is a plain array (no `{"PortRangeList": [...]}` wrapper), as its SDK model says
  return ok({
    NextToken: nextToken,
    PortRangeLists: page.map((l) => ({
      AssociationCount: associations(block, 'PortRangeListId', l.PortRangeListId),
      ...omit(l, ['Entries']),
    })),
  });
};

const describePortRangeListEntries: ActionHandler = (req, ctx) => {
  const block = regionBlock(req, ctx);
  if (isResponse(block)) return block;
  const id = req.params['PortRangeListId'];
  if (!id)
    return apiError(400, 'MissingParameter', 'PortRangeListId is mandatory for this action.');
  const list = block.PortRangeLists.find((l) => l.PortRangeListId === id);
  if (!list) {
    return apiError(
      404,
      'InvalidPortRangeListId.NotFound',
      'The specified port range list does not exist.',
    );
  }
  return ok({ Entries: list.Entries.map((e) => ({ ...e })) });
};

export const ecsHandlers: Record<string, ActionHandler> = {
  DescribePrefixLists: describePrefixLists,
  DescribePrefixListAttributes: describePrefixListAttributes,
  DescribePortRangeLists: describePortRangeLists,
  DescribePortRangeListEntries: describePortRangeListEntries,
  DescribeRegions: describeRegions,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeSecurityGroupAttribute: describeSecurityGroupAttribute,
  DescribeInstances: describeInstances,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DescribeInstanceRamRole: describeInstanceRamRole,
  DescribeKeyPairs: describeKeyPairs,
  DescribeDisks: describeDisks,
  DescribeInvocations: describeInvocations,
};
