/**
 * Unknown is never safe, VPC side: a network ACL entry without its Policy,
 * Protocol, Port or SourceCidrIp, a DNAT entry without a port, and a numbered
 * listing answered empty before its TotalCount are coverage gaps, never "every
 * port", "unreadable" without a word, or a silently shorter list.
 */
import { describe, expect, it } from 'vitest';
import { type PagingGuard, pageByNumber } from '../../src/collectors/paging.js';
import type { WorldInput } from '../../src/emulator/world.js';
import type { Inventory } from '../../src/inventory/schema.js';
import {
  baseWorld,
  isolateCollectorRuns,
  type Rewrite,
  rewriteItems,
  runCollect,
  runCollectRewritten,
  verdictOf,
} from './harness.js';

isolateCollectorRuns();

const R = 'cn-hangzhou';
const ADMIN = 'instance-admin-port-exposed';

const instance = (id: string, vsw: string, ip: string, publicIp?: string) => ({
  InstanceId: id,
  Status: 'Running',
  OSType: 'linux',
  InstanceNetworkType: 'vpc',
  SecurityGroupIds: ['sg-ssh'],
  PublicIpAddress: publicIp ? [publicIp] : [],
  VpcAttributes: { VpcId: 'vpc-1', VSwitchId: vsw, PrivateIpAddress: [ip] },
  KeyPairName: 'ops',
  MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
});

const dnatEntries = Array.from({ length: 60 }, (_, i) => ({
  ForwardEntryId: `fwd-${i}`,
  ExternalIp: '47.0.0.99',
  ExternalPort: `${2000 + i}`,
  InternalIp: '10.0.0.20',
  InternalPort: '22',
  IpProtocol: 'TCP',
  Status: 'Available',
}));

/**
 * i-acl sits behind nacl-drop22 (drop TCP 22 from anywhere, then accept all); i-dnat behind DNAT.
 * With `bare`, the accept-all ACL entry leaves out its Port and the Any DNAT entry its ports.
 */
function world(bare = false): WorldInput {
  return baseWorld({
    ecs: {
      [R]: {
        SecurityGroups: [
          {
            SecurityGroupId: 'sg-ssh',
            VpcId: 'vpc-1',
            Permissions: [
              {
                Direction: 'ingress',
                Policy: 'Accept',
                Priority: 1,
                IpProtocol: 'TCP',
                PortRange: '22/22',
                SourceCidrIp: '0.0.0.0/0',
                NicType: 'intranet',
              },
            ],
          },
        ],
        Instances: [
          instance('i-acl', 'vsw-acl', '10.0.1.11', '47.0.0.11'),
          instance('i-dnat', 'vsw-1', '10.0.0.20'),
        ],
      },
    },
    vpc: {
      [R]: {
        NetworkAcls: [
          {
            NetworkAclId: 'nacl-drop22',
            VpcId: 'vpc-1',
            Resources: [{ ResourceId: 'vsw-acl' }],
            IngressAclEntries: [
              {
                NetworkAclEntryId: 'nae-drop',
                Policy: 'drop',
                Protocol: 'tcp',
                Port: '22/22',
                SourceCidrIp: '0.0.0.0/0',
              },
              // the API says '-1/-1' for the port of an entry whose protocol has none
              {
                Policy: 'accept',
                Protocol: 'all',
                ...(bare ? {} : { Port: '-1/-1' }),
                SourceCidrIp: '0.0.0.0/0',
              },
            ],
          },
        ],
        NatGateways: [
          {
            NatGatewayId: 'ngw-1',
            VpcId: 'vpc-1',
            NetworkType: 'internet',
            ForwardTableEntries: [
              ...dnatEntries,
              // an Any entry maps every port: the API says 'Any' for both
              {
                ForwardEntryId: 'fwd-any',
                ExternalIp: '47.0.0.98',
                InternalIp: '10.0.0.30',
                IpProtocol: 'Any',
                Status: 'Available',
                ...(bare ? {} : { ExternalPort: 'Any', InternalPort: 'Any' }),
              },
            ],
          },
        ],
      },
    },
  });
}

/** rewrite the ACL's entries of every DescribeNetworkAcls answer */
const aclEntries =
  (edit: (entries: Record<string, unknown>[]) => void) =>
  (req: { headers: Record<string, unknown> }): Rewrite | undefined =>
    req.headers['x-acs-action'] === 'DescribeNetworkAcls'
      ? (body) => {
          const b = body as {
            NetworkAcls: {
              NetworkAcl: { IngressAclEntries: { IngressAclEntry: Record<string, unknown>[] } }[];
            };
          };
          for (const a of b.NetworkAcls.NetworkAcl) edit(a.IngressAclEntries.IngressAclEntry);
          return b;
        }
      : undefined;

/** the admin-port rule's verdict on an instance */
const adminVerdict = (inventory: Inventory, id: string) => verdictOf(inventory, ADMIN, id);

/**
 * The forward table's entries unknown after `inventory`'s read: its one coverage entry is
 * `code` with `message(table id)`, and the instance behind the DNAT entry is not evaluated.
 */
async function expectForwardTableGap(
  inventory: Inventory,
  code: string,
  message: (table: string | undefined) => string,
): Promise<void> {
  const [gateway] = inventory.vpc.natGateways;
  const table = gateway?.forwardTableIds[0];
  expect(gateway?.dnatEntries).toBeUndefined();
  expect(inventory.coverage).toEqual([
    {
      service: 'vpc',
      region: R,
      operation: 'DescribeForwardTableEntries',
      resource: table,
      error: { code, message: message(table) },
    },
  ]);
  expect(await adminVerdict(inventory, 'i-dnat')).toBe('not evaluated');
}

describe('network ACL entries without a field', () => {
  it('the world as served: every entry has its four fields, the drop on 22 closes SSH', async () => {
    const { inventory } = await runCollect(world());
    expect(inventory.coverage).toEqual([]);
    const [acl] = inventory.vpc.networkAcls;
    expect(acl?.ingress?.map((e) => [e.policy, e.protocol, e.port, e.sourceCidrIp])).toEqual([
      ['drop', 'tcp', '22/22', '0.0.0.0/0'],
      ['accept', 'all', '-1/-1', '0.0.0.0/0'],
    ]);
    expect(await adminVerdict(inventory, 'i-acl')).toBe('pass');
    expect(await adminVerdict(inventory, 'i-dnat')).toBe('finding');
  });

  it('a world entry without Port is served without it (world.md): a MissingField gap, the instance behind it not evaluated', async () => {
    const served: Record<string, unknown>[] = [];
    const { inventory } = await runCollectRewritten(
      world(true),
      aclEntries((entries) => {
        served.push(...entries.map((e) => ({ ...e })));
      }),
    );
    expect(served).toHaveLength(2);
    expect(served[1]).toMatchObject({ Policy: 'accept', Protocol: 'all' });
    expect(served[1]).not.toHaveProperty('Port');
    expect(inventory.vpc.networkAcls[0]?.ingress).toBeUndefined();
    const gaps = inventory.coverage.filter((c) => c.operation === 'DescribeNetworkAcls');
    expect(gaps.map((c) => [c.resource, c.error.code, c.error.message])).toEqual([
      [
        'nacl-drop22',
        'MissingField',
        'DescribeNetworkAcls answered nacl-drop22 without Port of entry #2',
      ],
    ]);
    expect(await adminVerdict(inventory, 'i-acl')).toBe('not evaluated');
  });

  it('a drop entry without Port is a MissingField gap for the ACL, not "every port closed": the instance behind it is not evaluated', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      aclEntries((entries) => {
        delete entries[0]!['Port'];
      }),
    );
    const [acl] = inventory.vpc.networkAcls;
    expect(acl?.id).toBe('nacl-drop22');
    expect(acl?.ingress).toBeUndefined();
    expect(inventory.coverage).toEqual([
      {
        service: 'vpc',
        region: R,
        operation: 'DescribeNetworkAcls',
        resource: 'nacl-drop22',
        error: {
          code: 'MissingField',
          message: 'DescribeNetworkAcls answered nacl-drop22 without Port of nae-drop',
        },
      },
    ]);
    expect(await adminVerdict(inventory, 'i-acl')).toBe('not evaluated');
  });

  it('an entry without Policy, Protocol or SourceCidrIp (absent or empty) is a gap naming each field and entry', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      aclEntries((entries) => {
        delete entries[0]!['Policy'];
        entries[0]!['SourceCidrIp'] = '';
        delete entries[1]!['Protocol'];
      }),
    );
    expect(inventory.vpc.networkAcls[0]?.ingress).toBeUndefined();
    expect(inventory.coverage.map((c) => [c.resource, c.error.code, c.error.message])).toEqual([
      [
        'nacl-drop22',
        'MissingField',
        'DescribeNetworkAcls answered nacl-drop22 without Policy, SourceCidrIp of nae-drop; Protocol of entry #2',
      ],
    ]);
    expect(await adminVerdict(inventory, 'i-acl')).toBe('not evaluated');
  });
});

describe('DNAT entries without a port', () => {
  it('an Any entry with its Any ports and the TCP entries with theirs are read without a gap', async () => {
    const { inventory } = await runCollect(world());
    expect(inventory.coverage).toEqual([]);
    const entries = inventory.vpc.natGateways[0]?.dnatEntries ?? [];
    expect(entries).toHaveLength(61);
    expect(entries.find((e) => e.id === 'fwd-any')).toMatchObject({
      externalPort: 'Any',
      internalPort: 'Any',
    });
    expect(entries.find((e) => e.id === 'fwd-3')).toMatchObject({
      externalPort: '2003',
      internalPort: '22',
    });
  });

  it('a world Any entry without ports is served without them (world.md): the gateway’s entries unknown, with a MissingField gap', async () => {
    const served: Record<string, unknown>[] = [];
    const { inventory } = await runCollectRewritten(world(true), (req) =>
      req.headers['x-acs-action'] === 'DescribeForwardTableEntries'
        ? (body) => {
            const b = body as {
              ForwardTableEntries: { ForwardTableEntry: Record<string, unknown>[] };
            };
            for (const e of b.ForwardTableEntries.ForwardTableEntry)
              if (e['ForwardEntryId'] === 'fwd-any') served.push({ ...e });
            return b;
          }
        : undefined,
    );
    expect(served).toHaveLength(1);
    expect(served[0]).not.toHaveProperty('ExternalPort');
    expect(served[0]).not.toHaveProperty('InternalPort');
    const [gateway] = inventory.vpc.natGateways;
    expect(gateway?.dnatEntries).toBeUndefined();
    const gaps = inventory.coverage.filter((c) => c.operation === 'DescribeForwardTableEntries');
    expect(gaps.map((c) => [c.resource, c.error.code, c.error.message])).toEqual([
      [
        gateway?.forwardTableIds[0],
        'MissingField',
        `DescribeForwardTableEntries answered ${gateway?.forwardTableIds[0]} without ExternalPort, InternalPort of fwd-any`,
      ],
    ]);
    expect(await adminVerdict(inventory, 'i-dnat')).toBe('not evaluated');
  });

  it('an entry without ExternalPort or InternalPort keeps the gateway’s entries unknown, with a MissingField gap', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      rewriteItems(
        'DescribeForwardTableEntries',
        ['ForwardTableEntries', 'ForwardTableEntry'],
        (e) => {
          if (e['ForwardEntryId'] === 'fwd-3') delete e['ExternalPort'];
          if (e['ForwardEntryId'] === 'fwd-51') e['InternalPort'] = '';
        },
      ),
    );
    await expectForwardTableGap(
      inventory,
      'MissingField',
      (table) =>
        `DescribeForwardTableEntries answered ${table} without ExternalPort of fwd-3; InternalPort of fwd-51`,
    );
  });
});

describe('a numbered listing answered empty before its TotalCount', () => {
  const meta = { service: 'vpc', region: R, operation: 'DescribeThings' } as const;
  const recorder = () => {
    const gaps: Array<{ code: string; message: string }> = [];
    const guard: PagingGuard = {
      onIncomplete: (_m, code, message) => gaps.push({ code, message }),
    };
    return { gaps, guard };
  };
  const all = Array.from({ length: 120 }, (_, i) => `x${i}`);

  it('page 2 empty while TotalCount says 120: kept what was read, and a MalformedResponse gap', async () => {
    const { gaps, guard } = recorder();
    const got = await pageByNumber<string>(
      guard,
      meta,
      50,
      (s) => s,
      async (p) => ({ items: p === 1 ? all.slice(0, 50) : [], totalCount: 120 }),
    );
    expect(got).toEqual(all.slice(0, 50));
    expect(gaps).toEqual([
      {
        code: 'MalformedResponse',
        message: 'DescribeThings: page 2 was empty before TotalCount 120; kept 50 items',
      },
    ]);
  });

  it('consistent answers are no gap: nothing at all, or an empty page after a full one without TotalCount', async () => {
    const { gaps, guard } = recorder();
    expect(
      await pageByNumber<string>(
        guard,
        meta,
        50,
        (s) => s,
        async () => ({ items: [], totalCount: 0 }),
      ),
    ).toEqual([]);
    expect(
      await pageByNumber<string>(
        guard,
        meta,
        50,
        (s) => s,
        async () => ({ items: [] }),
      ),
    ).toEqual([]);
    const calls: number[] = [];
    expect(
      await pageByNumber<string>(
        guard,
        meta,
        60,
        (s) => s,
        async (p) => {
          calls.push(p);
          return { items: all.slice((p - 1) * 60, p * 60) };
        },
      ),
    ).toEqual(all);
    expect(calls).toEqual([1, 2, 3]);
    expect(gaps).toEqual([]);
  });

  it('a short page ends the listing only when no TotalCount says more: a lower cap than asked is paged through', async () => {
    const { gaps, guard } = recorder();
    // asked for 100 a page, the service gives 50 at most: every page is "short"
    const calls: number[] = [];
    const capped = await pageByNumber<string>(
      guard,
      meta,
      100,
      (s) => s,
      async (p) => {
        calls.push(p);
        return { items: all.slice((p - 1) * 50, p * 50), totalCount: 120 };
      },
    );
    expect(capped).toEqual(all);
    expect(calls).toEqual([1, 2, 3]);
    // without TotalCount a short page is the last: nothing says more exists
    calls.length = 0;
    const last = await pageByNumber<string>(
      guard,
      meta,
      100,
      (s) => s,
      async (p) => {
        calls.push(p);
        return { items: all.slice((p - 1) * 50, p * 50) };
      },
    );
    expect(last).toEqual(all.slice(0, 50));
    expect(calls).toEqual([1]);
    expect(gaps).toEqual([]);
    // a short page cut before TotalCount, then nothing more: the gap, not a silent partial list
    const cut = await pageByNumber<string>(
      guard,
      meta,
      100,
      (s) => s,
      async (p) => ({ items: p === 1 ? all.slice(0, 30) : [], totalCount: 120 }),
    );
    expect(cut).toEqual(all.slice(0, 30));
    expect(gaps.map((g) => g.code)).toEqual(['MalformedResponse']);
  });

  it('through the SDK: a forward table whose page 2 is answered empty keeps its DNAT entries unknown', async () => {
    const { inventory } = await runCollectRewritten(world(), (req) =>
      req.headers['x-acs-action'] === 'DescribeForwardTableEntries'
        ? (body) => {
            const b = body as {
              PageNumber: number;
              ForwardTableEntries: { ForwardTableEntry: unknown[] };
            };
            if (b.PageNumber === 2) b.ForwardTableEntries.ForwardTableEntry = [];
            return b;
          }
        : undefined,
    );
    await expectForwardTableGap(
      inventory,
      'MalformedResponse',
      () => 'DescribeForwardTableEntries: page 2 was empty before TotalCount 61; kept 50 items',
    );
  });
});
