/**
 * A network ACL entry's source: a prefix list named only by an ACL entry is
 * read (once, with the groups' lists), and an entry answered without
 * IpVersion takes its source's family (a CIDR's, a prefix list's
 * AddressFamily), never IPv4 by default.
 */
import { describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import {
  baseWorld,
  gapsOf,
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

const ssh = (source: Record<string, string>) => ({
  Direction: 'ingress',
  Policy: 'Accept',
  Priority: 1,
  IpProtocol: 'TCP',
  PortRange: '22/22',
  ...source,
});

/**
 * i-a (public IPv4 47.0.0.11 and public IPv6 2408:4000::21) behind nacl-1, whose only
 * entry accepts everything from `source` and carries no IpVersion; its group opens TCP 22
 * to the internet, and with `groupNamesList` also to pl-any.
 */
function world(source: string, groupNamesList = false): WorldInput {
  return baseWorld({
    ecs: {
      [R]: {
        PrefixLists: [
          { PrefixListId: 'pl-any', AddressFamily: 'IPv4', Entries: [{ Cidr: '0.0.0.0/0' }] },
          { PrefixListId: 'pl-any6', AddressFamily: 'IPv6', Entries: [{ Cidr: '::/0' }] },
        ],
        SecurityGroups: [
          {
            SecurityGroupId: 'sg-ssh',
            VpcId: 'vpc-1',
            Permissions: [
              ssh({ SourceCidrIp: '0.0.0.0/0' }),
              ssh({ Ipv6SourceCidrIp: '::/0' }),
              ...(groupNamesList ? [ssh({ SourcePrefixListId: 'pl-any' })] : []),
            ],
          },
        ],
        Instances: [
          {
            InstanceId: 'i-a',
            Status: 'Running',
            OSType: 'linux',
            InstanceNetworkType: 'vpc',
            SecurityGroupIds: ['sg-ssh'],
            PublicIpAddress: ['47.0.0.11'],
            VpcAttributes: { VpcId: 'vpc-1', VSwitchId: 'vsw-1', PrivateIpAddress: ['10.0.0.11'] },
            KeyPairName: 'ops',
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
            NetworkInterfaces: [
              {
                NetworkInterfaceId: 'eni-p',
                Type: 'Primary',
                SecurityGroupIds: ['sg-ssh'],
                PrivateIpAddress: '10.0.0.11',
                Ipv6Sets: [{ Ipv6Address: '2408:4000::21' }],
              },
            ],
          },
        ],
      },
    },
    vpc: {
      [R]: {
        Ipv6Addresses: [
          { Ipv6Address: '2408:4000::21', NetworkType: 'Public', AssociatedInstanceId: 'i-a' },
        ],
        NetworkAcls: [
          {
            NetworkAclId: 'nacl-1',
            VpcId: 'vpc-1',
            Resources: [{ ResourceId: 'vsw-1', ResourceType: 'VSwitch' }],
            IngressAclEntries: [
              {
                NetworkAclEntryId: 'nae-1',
                Policy: 'accept',
                Protocol: 'all',
                Port: '-1/-1',
                SourceCidrIp: source,
              },
            ],
          },
        ],
      },
    },
  });
}

/** the ACL entries without IpVersion, whatever the emulator answers */
const noIpVersion = rewriteItems('DescribeNetworkAcls', ['NetworkAcls', 'NetworkAcl'], (acl) => {
  const entries = (acl.IngressAclEntries as { IngressAclEntry: Record<string, unknown>[] })
    .IngressAclEntry;
  for (const e of entries) delete e.IpVersion;
});

/** the ACL entries without IpVersion, and the prefix lists' answers without AddressFamily */
const noFamilies = (req: Parameters<typeof noIpVersion>[0]): Rewrite | undefined => {
  const action = req.headers['x-acs-action'];
  if (action === 'DescribePrefixListAttributes')
    return (body) => {
      delete (body as Record<string, unknown>).AddressFamily;
      return body;
    };
  if (action === 'DescribePrefixLists')
    return (body) => {
      const b = body as { PrefixLists: { PrefixList: Record<string, unknown>[] } };
      for (const l of b.PrefixLists.PrefixList) delete l.AddressFamily;
      return b;
    };
  return noIpVersion(req);
};

const entryOf = (inventory: { vpc: { networkAcls: { ingress?: unknown[] }[] } }) =>
  inventory.vpc.networkAcls[0]?.ingress?.[0];

describe('network ACL entry sources', () => {
  it('reads the entries of a prefix list only an ACL entry names, and judges the ACL on them', async () => {
    const { inventory, gate } = await runCollectRewritten(world('pl-any'), noIpVersion);
    expect(inventory.coverage).toEqual([]);
    expect(gate.calls['DescribePrefixListAttributes']).toBe(1);
    expect(inventory.ecs.prefixLists.find((l) => l.id === 'pl-any')?.cidrs).toEqual(['0.0.0.0/0']);
    // the list's family is the entry's IP version
    expect(entryOf(inventory)).toMatchObject({ sourceCidrIp: 'pl-any', ipVersion: 'IPv4' });
    expect(await verdictOf(inventory, ADMIN, 'i-a')).toBe('finding');
  });

  it('reads a list named by both a group rule and an ACL entry once', async () => {
    const { inventory, gate } = await runCollect(world('pl-any', true));
    expect(inventory.coverage).toEqual([]);
    expect(gate.calls['DescribePrefixListAttributes']).toBe(1);
    expect(await verdictOf(inventory, ADMIN, 'i-a')).toBe('finding');
  });

  it('keeps an ACL naming a list the region does not have unknown', async () => {
    const { inventory } = await runCollectRewritten(world('pl-gone'), noIpVersion);
    expect(gapsOf(inventory, 'DescribePrefixListAttributes').map(([r]) => r)).toEqual(['pl-gone']);
    expect(inventory.ecs.prefixLists.some((l) => l.id === 'pl-gone')).toBe(false);
    // its family is unknown with its entries: both families stay unknown in the analysis
    expect(entryOf(inventory)).toMatchObject({ sourceCidrIp: 'pl-gone', ipVersion: '' });
    expect(await verdictOf(inventory, ADMIN, 'i-a')).toBe('not evaluated');
  });

  it('takes an entry without IpVersion as its CIDR source family', async () => {
    for (const [source, version] of [
      ['::/0', 'IPv6'],
      ['0.0.0.0/0', 'IPv4'],
    ] as const) {
      const { inventory } = await runCollectRewritten(world(source), noIpVersion);
      expect(inventory.coverage).toEqual([]);
      expect(entryOf(inventory)).toMatchObject({ sourceCidrIp: source, ipVersion: version });
      expect(await verdictOf(inventory, ADMIN, 'i-a')).toBe('finding');
    }
  });

  it('takes an entry naming an IPv6 prefix list as IPv6', async () => {
    const { inventory, gate } = await runCollectRewritten(world('pl-any6'), noIpVersion);
    expect(inventory.coverage).toEqual([]);
    expect(gate.calls['DescribePrefixListAttributes']).toBe(1);
    expect(entryOf(inventory)).toMatchObject({ sourceCidrIp: 'pl-any6', ipVersion: 'IPv6' });
    expect(await verdictOf(inventory, ADMIN, 'i-a')).toBe('finding');
  });

  it('leaves the ACL unknown when its prefix list was answered without AddressFamily', async () => {
    const { inventory } = await runCollectRewritten(world('pl-any6'), noFamilies);
    expect(gapsOf(inventory, 'DescribeNetworkAcls')).toEqual([
      [
        'nacl-1',
        'MissingField',
        'DescribeNetworkAcls answered nacl-1 without IpVersion of nae-1 (prefix list pl-any6 has no known AddressFamily)',
      ],
    ]);
    expect(inventory.vpc.networkAcls[0]?.ingress).toBeUndefined();
    // never IPv4 by default
    expect(inventory.ecs.prefixLists.find((l) => l.id === 'pl-any6')?.addressFamily).toBe('');
    expect(await verdictOf(inventory, ADMIN, 'i-a')).toBe('not evaluated');
  });

  it('keeps an IpVersion the answer gives', async () => {
    const { inventory } = await runCollectRewritten(
      world('::/0'),
      rewriteItems('DescribeNetworkAcls', ['NetworkAcls', 'NetworkAcl'], (acl) => {
        const entries = (acl.IngressAclEntries as { IngressAclEntry: Record<string, unknown>[] })
          .IngressAclEntry;
        for (const e of entries) e.IpVersion = 'IPv6';
      }),
    );
    expect(entryOf(inventory)).toMatchObject({ ipVersion: 'IPv6' });
  });
});
