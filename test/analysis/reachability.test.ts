/**
 * Reachability, case by case: entry points per address and family, the ACL's
 * first-match order and IP versions, DNAT port windows, and every unknown that
 * must stay unknown (never "closed").
 */
import { describe, expect, it } from 'vitest';
import { reachability, reachablePorts } from '../../src/analysis/reachability.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { buildInventory, type InventoryFragment } from '../../src/testing/rule-tester.js';
import { ecs, from, group, instance, nic, rule } from '../helpers/network.js';
import { acl, aclEntry, dnat, ipv6, natGateway, privateInstance } from '../helpers/vpc.js';

function ctxOf(fragment: InventoryFragment, mutate?: (inv: Inventory) => void) {
  const inventory = buildInventory(fragment);
  mutate?.(inventory);
  const cache = new Map<string, unknown>();
  return {
    inventory,
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}

const PUBLIC = '47.0.0.10';
const web = (groups: string[], overrides: Parameters<typeof instance>[1] = {}) =>
  instance('i-1', {
    securityGroupIds: groups,
    publicIps: [PUBLIC],
    vSwitchId: 'vsw-1',
    networkInterfaces: [nic('eni-1', groups, { publicIps: [PUBLIC], vSwitchId: 'vsw-1' })],
    ...overrides,
  });
const both = group('sg-1', [
  from('0.0.0.0/0', { portRange: '1/65535' }),
  rule({ ipv6SourceCidrIp: '::/0', portRange: '1/65535' }),
]);
const v6only = group('sg-1', [rule({ ipv6SourceCidrIp: '::/0' })]);

function ports(c: ReturnType<typeof ctxOf>, port = 22) {
  const inst = c.inventory.ecs.instances[0]!;
  return reachablePorts(c, inst, { protocol: 'tcp', port }).map(
    (p) => `${p.entry.kind}:${p.entry.address}`,
  );
}

describe('entry points and families', () => {
  it('an IPv4 address is opened by IPv4 sources only, an IPv6 address by IPv6 sources only', () => {
    expect(ports(ctxOf(ecs([v6only], [web(['sg-1'])])))).toEqual([]);
    const c = ctxOf({
      ...ecs([v6only], [web(['sg-1'])]),
      vpc: { ipv6Addresses: [ipv6('2408::1', 'Public')] },
    });
    expect(ports(c)).toEqual(['ipv6:2408::1']);
    const c4 = ctxOf({
      ...ecs([group('sg-1', [from('0.0.0.0/0')])], [web(['sg-1'])]),
      vpc: { ipv6Addresses: [ipv6('2408::1', 'PUBLIC')] },
    });
    expect(ports(c4)).toEqual([`public-ip:${PUBLIC}`]);
  });

  it('an IPv6 address assigned to a secondary interface is judged with that interface', () => {
    const c = ctxOf({
      ...ecs(
        [group('sg-closed', []), v6only],
        [
          web(['sg-closed'], {
            networkInterfaces: [
              nic('eni-1', ['sg-closed'], { publicIps: [PUBLIC], vSwitchId: 'vsw-1' }),
              nic('eni-2', ['sg-1'], { type: 'Secondary', vSwitchId: 'vsw-1' }),
            ],
          }),
        ],
      ),
      vpc: { ipv6Addresses: [ipv6('2408::2', 'Public', 'eni-2')] },
    });
    const r = reachablePorts(c, c.inventory.ecs.instances[0]!, { protocol: 'tcp', port: 22 });
    expect(r.map((x) => [x.entry.interfaceId, x.entry.address])).toEqual([['eni-2', '2408::2']]);
  });

  it('a secondary interface EIP is judged with its own groups', () => {
    const c = ctxOf(
      ecs(
        [group('sg-closed', []), group('sg-open', [from('0.0.0.0/0')])],
        [
          web(['sg-closed'], {
            networkInterfaces: [
              nic('eni-1', ['sg-closed'], { publicIps: [PUBLIC], vSwitchId: 'vsw-1' }),
              nic('eni-2', ['sg-open'], { type: 'Secondary', publicIps: ['47.0.0.20'] }),
            ],
          }),
        ],
      ),
    );
    expect(ports(c)).toEqual(['interface-public-ip:47.0.0.20']);
  });
});

describe('network ACLs', () => {
  it('the first matching entry decides, per IP version', () => {
    const c = ctxOf({
      ...ecs([both], [web(['sg-1'])]),
      vpc: {
        ipv6Addresses: [ipv6('2408::1', 'Public')],
        networkAcls: [
          acl([
            aclEntry('drop', 'TCP', '22/22', '0.0.0.0/0', { ipVersion: 'IPv4' }),
            aclEntry('accept', 'all', '-1/-1', '::/0', { ipVersion: 'IPv6' }),
            aclEntry('accept', 'all', '-1/-1', '0.0.0.0/0'),
          ]),
        ],
      },
    });
    expect(ports(c)).toEqual(['ipv6:2408::1']);
    // port 80 over IPv4 is decided by the third entry
    expect(ports(c, 80)).toEqual([`public-ip:${PUBLIC}`, 'ipv6:2408::1']);
    const v4 = reachablePorts(c, c.inventory.ecs.instances[0]!, { protocol: 'tcp', port: 80 });
    expect(v4[0]!.range.acl?.acceptedBy.map((e) => e.position)).toEqual([3]);
  });

  it('half of the internet through the ACL and the other half through the group is not open', () => {
    const c = ctxOf({
      ...ecs([group('sg-1', [from('0.0.0.0/1')])], [web(['sg-1'])]),
      vpc: { networkAcls: [acl([aclEntry('accept', 'all', '-1/-1', '128.0.0.0/1')])] },
    });
    expect(ports(c)).toEqual([]);
  });

  it('a prefix list entry stands for its CIDRs when they were read', () => {
    const fragment = {
      ...ecs([group('sg-1', [from('0.0.0.0/0')])], [web(['sg-1'])]),
      vpc: { networkAcls: [acl([aclEntry('accept', 'tcp', '22/22', 'pl-any')])] },
    };
    expect(ports(ctxOf(fragment))).toEqual([]); // unknown: the list was not read
    const inst = ctxOf(fragment).inventory.ecs.instances[0]!;
    expect(reachability(ctxOf(fragment), inst).entries?.[0]).toMatchObject({
      known: false,
      reason: expect.stringContaining('pl-any'),
    });
    const read = ctxOf(fragment, (inv) => {
      (inv.ecs as { prefixLists?: unknown }).prefixLists = [
        { id: 'pl-any', region: 'cn-hangzhou', cidrs: ['0.0.0.0/1', '128.0.0.0/1'] },
      ];
    });
    expect(ports(read)).toEqual([`public-ip:${PUBLIC}`]);
  });

  it('unknown stays unknown: the region listing, the entries, the vSwitch', () => {
    const open = group('sg-1', [from('0.0.0.0/0')]);
    const gap = ctxOf({
      ...ecs([open], [web(['sg-1'])]),
      coverage: [
        {
          service: 'vpc',
          region: 'cn-hangzhou',
          operation: 'DescribeNetworkAcls',
          error: { code: 'Throttling', message: 't' },
        },
      ],
    });
    const entriesUnknown = ctxOf({
      ...ecs([open], [web(['sg-1'])]),
      vpc: { networkAcls: [acl(undefined)] },
    });
    const vswUnknown = ctxOf({
      ...ecs(
        [open],
        [
          web(['sg-1'], {
            vSwitchId: undefined,
            networkInterfaces: [nic('eni-1', ['sg-1'], { publicIps: [PUBLIC] })],
          }),
        ],
      ),
      vpc: { networkAcls: [acl([aclEntry('accept', 'all', '-1/-1')])] },
    });
    for (const c of [gap, entriesUnknown, vswUnknown]) {
      const r = reachability(c, c.inventory.ecs.instances[0]!);
      expect(r.entries?.map((e) => e.known)).toEqual([false]);
    }
    // no ACL in the region at all: the unknown vSwitch does not matter
    const none = ctxOf(
      ecs(
        [open],
        [web(['sg-1'], { networkInterfaces: [nic('eni-1', ['sg-1'], { publicIps: [PUBLIC] })] })],
      ),
    );
    expect(ports(none)).toEqual([`public-ip:${PUBLIC}`]);
  });
});

describe('DNAT', () => {
  const open = group('sg-1', [from('0.0.0.0/0', { ipProtocol: 'ALL', portRange: '-1/-1' })]);

  it('maps a port range onto the instance ports and back', () => {
    const c = ctxOf({
      ...ecs([open], [privateInstance(['sg-1'])]),
      vpc: { natGateways: [natGateway([dnat('8000/8010', '20/30', { ipProtocol: 'any' })])] },
    });
    const r = reachablePorts(c, c.inventory.ecs.instances[0]!, { protocol: 'udp', port: 22 });
    expect(r).toHaveLength(1);
    expect(r[0]!.range).toMatchObject({ from: 20, to: 30, externalFrom: 8000, externalTo: 8010 });
    expect(reachablePorts(c, c.inventory.ecs.instances[0]!, { protocol: 'tcp', port: 31 })).toEqual(
      [],
    );
  });

  it('`any` maps every port; an IPv6 address on the interface does not keep DNAT away', () => {
    const c = ctxOf({
      ...ecs([open], [privateInstance(['sg-1'])]),
      vpc: {
        ipv6Addresses: [ipv6('2408::9', 'Public')],
        natGateways: [natGateway([dnat('any', 'any', { ipProtocol: 'Any' })])],
      },
    });
    expect(ports(c, 5432)).toContain('dnat:47.0.0.99');
  });

  it('unreadable DNAT entries make the instance partly unknown', () => {
    const c = ctxOf({
      ...ecs([open], [privateInstance(['sg-1'])]),
      vpc: { natGateways: [natGateway(undefined)] },
    });
    const r = reachability(c, c.inventory.ecs.instances[0]!);
    expect(r.entries).toEqual([]);
    expect(r.unknown).toEqual(['the DNAT entries of NAT gateway ngw-1 could not be read']);
  });
});

describe('cut-through EIPs on secondary interfaces', () => {
  const open = group('sg-open', [from('0.0.0.0/0')]);
  const secondary = instance('i-1', {
    securityGroupIds: ['sg-open'],
    vSwitchId: 'vsw-1',
    networkInterfaces: [
      nic('eni-1', ['sg-open'], { vSwitchId: 'vsw-1' }),
      nic('eni-2', ['sg-open'], {
        type: 'Secondary',
        publicIps: ['47.0.0.20'],
        vSwitchId: 'vsw-1',
      }),
    ],
  });
  const dropAll = acl([aclEntry('drop', 'all', '-1/-1')]);
  const eip = (mode: string) => ({ ipAddress: '47.0.0.20', region: 'cn-hangzhou', mode });

  it('a cut-through (BINDED) EIP bypasses the ACL; a NAT-mode one does not', () => {
    const through = ctxOf({
      ...ecs([open], [secondary]),
      vpc: { networkAcls: [dropAll], eipAddresses: [eip('BINDED')] },
    });
    expect(ports(through)).toEqual(['interface-public-ip:47.0.0.20']);
    expect(reachablePorts(through, through.inventory.ecs.instances[0]!)[0]!.range.acl).toBeNull();
    const nat = ctxOf({
      ...ecs([open], [secondary]),
      vpc: { networkAcls: [dropAll], eipAddresses: [eip('NAT')] },
    });
    expect(ports(nat)).toEqual([]);
    expect(reachability(nat, nat.inventory.ecs.instances[0]!).entries?.[0]?.known).toBe(true);
  });

  it('EIP modes unreadable: unknown when the ACL would decide, known when it would not', () => {
    const gap = [
      {
        service: 'vpc' as const,
        region: 'cn-hangzhou',
        operation: 'DescribeEipAddresses',
        error: { code: 'Forbidden.RAM', message: 'denied' },
      },
    ];
    const decides = ctxOf({
      ...ecs([open], [secondary]),
      vpc: { networkAcls: [dropAll] },
      coverage: gap,
    });
    expect(reachability(decides, decides.inventory.ecs.instances[0]!).entries?.[0]).toMatchObject({
      known: false,
      reason: expect.stringContaining('cut-through'),
    });
    const passes = ctxOf({
      ...ecs([open], [secondary]),
      vpc: { networkAcls: [acl([aclEntry('accept', 'all', '-1/-1')])] },
      coverage: gap,
    });
    expect(ports(passes)).toEqual(['interface-public-ip:47.0.0.20']);
  });
});

describe('classic network', () => {
  it('a classic instance has no vSwitch: the region’s ACLs do not apply to it', () => {
    const c = ctxOf({
      ...ecs(
        [group('sg-c', [from('0.0.0.0/0', { nicType: 'internet' })], { vpcId: null })],
        [
          instance('i-1', {
            networkType: 'classic',
            securityGroupIds: ['sg-c'],
            publicIps: [PUBLIC],
            networkInterfaces: [nic('eni-1', ['sg-c'])],
          }),
        ],
      ),
      vpc: { networkAcls: [acl([aclEntry('drop', 'all', '-1/-1')])] },
    });
    expect(ports(c)).toEqual([`public-ip:${PUBLIC}`]);
  });
});
