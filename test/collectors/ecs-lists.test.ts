/**
 * ECS prefix lists, port lists and secondary-interface addresses, collected
 * through the real SDK clients from the emulator: listing pages, entries read
 * once per referenced list, an unreadable list left unknown with its coverage
 * entry, and the DescribeNetworkInterfaces facts (EIPs of secondary interfaces
 * and of their private IPs, IPv6 addresses, vSwitches).
 */
import { describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import { baseWorld, isolateCollectorRuns, runCollect, runCollectRewritten } from './harness.js';

isolateCollectorRuns();

const perm = (over: Record<string, unknown>) => ({
  Direction: 'ingress',
  IpProtocol: 'TCP',
  Policy: 'Accept',
  Priority: 1,
  NicType: 'intranet',
  ...over,
});

function world(extra: Partial<WorldInput> = {}): WorldInput {
  return baseWorld({
    ecs: {
      'cn-hangzhou': {
        PrefixLists: [
          {
            PrefixListId: 'pl-office',
            PrefixListName: 'office',
            AddressFamily: 'IPv4',
            Entries: [{ Cidr: '203.0.113.0/24' }],
          },
          { PrefixListId: 'pl-world', AddressFamily: 'IPv4', Entries: [{ Cidr: '0.0.0.0/0' }] },
          { PrefixListId: 'pl-v6', AddressFamily: 'IPv6', Entries: [{ Cidr: '::/0' }] },
          { PrefixListId: 'pl-bad', Entries: [{ Cidr: '0.0.0.0/0' }] },
          // not referenced by any rule: listed, entries never read
          ...Array.from({ length: 8 }, (_, i) => ({
            PrefixListId: `pl-unused-${i}`,
            Entries: [{ Cidr: '10.0.0.0/8' }],
          })),
        ],
        PortRangeLists: [
          {
            PortRangeListId: 'prl-admin',
            PortRangeListName: 'admin',
            Entries: [{ PortRange: '22/22' }, { PortRange: '3389/3389' }],
          },
          { PortRangeListId: 'prl-unused', Entries: [{ PortRange: '80/80' }] },
        ],
        SecurityGroups: [
          {
            SecurityGroupId: 'sg-1',
            VpcId: 'vpc-1',
            Permissions: [
              perm({
                PortRange: '-1/-1',
                PortRangeListId: 'prl-admin',
                SourcePrefixListId: 'pl-office',
              }),
              perm({ PortRange: '443/443', SourcePrefixListId: 'pl-office' }),
              perm({ PortRange: '22/22', SourcePrefixListId: 'pl-world' }),
              perm({ PortRange: '22/22', SourcePrefixListId: 'pl-v6' }),
              perm({ PortRange: '3389/3389', SourcePrefixListId: 'pl-bad' }),
            ],
          },
          {
            SecurityGroupId: 'sg-2',
            VpcId: 'vpc-1',
            // the same lists again: still read once each
            Permissions: [
              perm({
                PortRange: '-1/-1',
                PortRangeListId: 'prl-admin',
                SourcePrefixListId: 'pl-world',
              }),
            ],
          },
        ],
        Instances: [
          {
            InstanceId: 'i-2',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-1'],
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
            VpcAttributes: { VpcId: 'vpc-1', VSwitchId: 'vsw-1', PrivateIpAddress: ['10.0.0.20'] },
            NetworkInterfaces: [
              { NetworkInterfaceId: 'eni-p', Type: 'Primary', SecurityGroupIds: ['sg-1'] },
              {
                NetworkInterfaceId: 'eni-2',
                Type: 'Secondary',
                SecurityGroupIds: ['sg-2'],
                VSwitchId: 'vsw-2',
                PrivateIpAddress: '10.0.0.21',
                AssociatedPublicIp: { PublicIpAddress: '47.0.0.21', AllocationId: 'eip-2' },
                PrivateIpSets: [
                  { PrivateIpAddress: '10.0.0.21', Primary: true },
                  {
                    PrivateIpAddress: '10.0.0.22',
                    Primary: false,
                    AssociatedPublicIp: { PublicIpAddress: '47.0.0.22' },
                  },
                ],
                Ipv6Sets: [{ Ipv6Address: '2408:4000::21' }],
              },
            ],
          },
        ],
      },
    },
    emulator: {
      faults: [
        {
          action: 'DescribePrefixListAttributes',
          kind: 'accessDenied',
          params: { PrefixListId: 'pl-bad' },
        },
      ],
    },
    ...extra,
  });
}

describe('ECS prefix lists and port lists', () => {
  it('lists every page, reads the entries once per referenced list, and leaves an unreadable list unknown', async () => {
    const { inventory, emulator } = await runCollect(world(), { maxPageSize: 5 });
    const req = emulator.stats().requests;
    // 12 prefix lists at 5 a page
    expect(req['DescribePrefixLists']).toBe(3);
    expect(req['DescribePortRangeLists']).toBe(1);
    // pl-office, pl-world, pl-v6, pl-bad; prl-admin — however many rules use them
    expect(req['DescribePrefixListAttributes']).toBe(4);
    expect(req['DescribePortRangeListEntries']).toBe(1);

    const pl = new Map(inventory.ecs.prefixLists.map((l) => [l.id, l]));
    expect(pl.size).toBe(12);
    expect(pl.get('pl-office')).toEqual({
      id: 'pl-office',
      region: 'cn-hangzhou',
      name: 'office',
      addressFamily: 'IPv4',
      cidrs: ['203.0.113.0/24'],
    });
    expect(pl.get('pl-v6')?.addressFamily).toBe('IPv6');
    expect(pl.get('pl-v6')?.cidrs).toEqual(['::/0']);
    // unreadable: entries absent (unknown), never an empty list
    expect(pl.get('pl-bad')).toBeDefined();
    expect(pl.get('pl-bad')?.cidrs).toBeUndefined();
    // not referenced: not read
    expect(pl.get('pl-unused-0')?.cidrs).toBeUndefined();
    expect(inventory.ecs.portRangeLists).toEqual([
      { id: 'prl-admin', region: 'cn-hangzhou', name: 'admin', ranges: ['22/22', '3389/3389'] },
      { id: 'prl-unused', region: 'cn-hangzhou', name: '' },
    ]);
    expect(inventory.coverage).toEqual([
      expect.objectContaining({
        service: 'ecs',
        region: 'cn-hangzhou',
        operation: 'DescribePrefixListAttributes',
        resource: 'pl-bad',
        error: expect.objectContaining({ code: 'Forbidden.RAM' }),
      }),
    ]);
    const sg1 = inventory.ecs.securityGroups.find((g) => g.id === 'sg-1');
    expect(sg1?.rules?.[0]).toMatchObject({
      portRange: '-1/-1',
      portRangeListId: 'prl-admin',
      sourcePrefixListId: 'pl-office',
    });
  });

  it('a referenced list the listing lost is still read by id', async () => {
    const w = world();
    w.emulator = { faults: [{ action: 'DescribePrefixLists', kind: 'serverError' }] };
    const { inventory } = await runCollect(w, {
      retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 1 },
    });
    expect(inventory.coverage.map((c) => c.operation)).toEqual(['DescribePrefixLists']);
    expect(inventory.ecs.prefixLists.map((l) => l.id).sort()).toEqual([
      'pl-bad',
      'pl-office',
      'pl-v6',
      'pl-world',
    ]);
    expect(inventory.ecs.prefixLists.find((l) => l.id === 'pl-v6')?.addressFamily).toBe('IPv6');
  });
});

describe('secondary interfaces', () => {
  it('their EIPs and their private IPs’ EIPs, IPv6 addresses and vSwitches', async () => {
    const { inventory } = await runCollect(world());
    const inst = inventory.ecs.instances.find((i) => i.id === 'i-2');
    expect(inst?.vSwitchId).toBe('vsw-1');
    const eni2 = inst?.networkInterfaces?.find((n) => n.id === 'eni-2');
    expect(eni2).toEqual({
      id: 'eni-2',
      type: 'Secondary',
      securityGroupIds: ['sg-2'],
      publicIps: ['47.0.0.21', '47.0.0.22'],
      privateIps: ['10.0.0.21', '10.0.0.22'],
      vSwitchId: 'vsw-2',
      ipv6Addresses: ['2408:4000::21'],
    });
    const primary = inst?.networkInterfaces?.find((n) => n.id === 'eni-p');
    expect(primary?.publicIps).toEqual([]);
    expect(primary?.vSwitchId).toBe('vsw-1');
  });
  it('an interface answered without its security group list leaves its instance’s interfaces unknown', async () => {
    // the real answer, with eni-2's SecurityGroupIds taken out
    const { inventory } = await runCollectRewritten(world(), (req) =>
      req.headers['x-acs-action'] === 'DescribeNetworkInterfaces'
        ? (body) => {
            const b = body as {
              NetworkInterfaceSets: { NetworkInterfaceSet: Record<string, unknown>[] };
            };
            for (const n of b.NetworkInterfaceSets.NetworkInterfaceSet)
              if (n['NetworkInterfaceId'] === 'eni-2') delete n['SecurityGroupIds'];
            return b;
          }
        : undefined,
    );
    const inst = inventory.ecs.instances.find((i) => i.id === 'i-2');
    // no interface at all rather than one in no group, which would read as "reaches nothing"
    expect(inst?.networkInterfaces).toBeUndefined();
    expect(inventory.coverage.filter((c) => c.operation === 'DescribeNetworkInterfaces')).toEqual([
      {
        service: 'ecs',
        region: 'cn-hangzhou',
        operation: 'DescribeNetworkInterfaces',
        resource: 'i-2',
        error: {
          code: 'MissingField',
          message: 'DescribeNetworkInterfaces answered i-2 without SecurityGroupIds of eni-2',
        },
      },
    ]);
  });
});

describe('quintuple rules', () => {
  it('a rule limited to source ports and a destination keeps both, read from the real SDK answer', async () => {
    const run = await runCollect(
      baseWorld({
        ecs: {
          'cn-hangzhou': {
            SecurityGroups: [
              {
                SecurityGroupId: 'sg-q',
                VpcId: 'vpc-1',
                Permissions: [
                  perm({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: 100 }),
                  perm({
                    PortRange: '22/22',
                    SourceCidrIp: '0.0.0.0/0',
                    Policy: 'Drop',
                    SourcePortRange: '1/1023',
                    DestCidrIp: '10.0.0.99/32',
                  }),
                ],
              },
            ],
          },
        },
      }),
    );
    const rules = run.inventory.ecs.securityGroups.find((g) => g.id === 'sg-q')?.rules ?? [];
    const drop = rules.find((r) => r.policy === 'Drop');
    expect(drop).toMatchObject({ sourcePortRange: '1/1023', destCidrIp: '10.0.0.99/32' });
    expect(rules.find((r) => r.policy === 'Accept')?.sourcePortRange).toBe('');
  });
});
