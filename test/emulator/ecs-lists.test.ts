import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { callRpc, config, OpenApi } from '../helpers/sdk.js';

const R = 'cn-hangzhou';

const world: WorldInput = {
  version: 1,
  account: { accountId: '1234567890123456' },
  regions: [{ RegionId: R }],
  ecs: {
    [R]: {
      PrefixLists: [
        {
          PrefixListId: 'pl-office',
          PrefixListName: 'office',
          AddressFamily: 'IPv4',
          Entries: [{ Cidr: '203.0.113.0/24', Description: 'hq' }],
        },
        { PrefixListId: 'pl-v6', AddressFamily: 'IPv6', Entries: [{ Cidr: '2001:db8::/32' }] },
        { PrefixListId: 'pl-empty', Entries: [] },
      ],
      PortRangeLists: [
        {
          PortRangeListId: 'prl-admin',
          Entries: [{ PortRange: '22/22' }, { PortRange: '3389/3389' }],
        },
        { PortRangeListId: 'prl-web', PortRangeListName: 'web', Entries: [{ PortRange: '80/80' }] },
        { PortRangeListId: 'prl-3', Entries: [] },
      ],
      SecurityGroups: [
        {
          SecurityGroupId: 'sg-2',
          VpcId: 'vpc-1',
          Permissions: [
            {
              IpProtocol: 'TCP',
              PortRange: '-1/-1',
              PortRangeListId: 'prl-admin',
              SourcePrefixListId: 'pl-office',
              Policy: 'Accept',
              Priority: 1,
              Direction: 'ingress',
              NicType: 'intranet',
            },
            {
              IpProtocol: 'TCP',
              PortRange: '443/443',
              SourceCidrIp: '0.0.0.0/0',
              Direction: 'ingress',
              Policy: 'Accept',
              Priority: 1,
              NicType: 'intranet',
            },
          ],
        },
      ],
      Instances: [
        {
          InstanceId: 'i-2',
          SecurityGroupIds: ['sg-1'],
          VpcAttributes: { VpcId: 'vpc-1', VSwitchId: 'vsw-1', PrivateIpAddress: ['10.0.0.20'] },
          NetworkInterfaces: [
            { NetworkInterfaceId: 'eni-1', Type: 'Primary', SecurityGroupIds: ['sg-1'] },
            {
              NetworkInterfaceId: 'eni-2',
              Type: 'Secondary',
              SecurityGroupIds: ['sg-2'],
              PrivateIpAddress: '10.0.0.21',
              AssociatedPublicIp: { PublicIpAddress: '47.0.0.21', AllocationId: 'eip-2' },
              PrivateIpSets: [
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
};

type Item = Record<string, unknown>;
/** the value at a dotted path of an answer */
function at(body: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v as Item | undefined)?.[k], body);
}
const items = (body: unknown, dotted: string) => at(body, dotted) as Item[];
const ids = (body: unknown, dotted: string, key: string) => items(body, dotted).map((l) => l[key]);

let emu: RunningEmulator;
let client: InstanceType<typeof OpenApi>;

beforeAll(async () => {
  emu = await startEmulator(parseWorld(world));
  client = new OpenApi(config(emu.url));
});
afterAll(async () => {
  await emu.close();
});

async function raw(action: string, query: Record<string, unknown>): Promise<Item> {
  return callRpc(client, '2014-05-26', action, { RegionId: R, ...query });
}

async function error(action: string, query: Record<string, unknown>): Promise<string> {
  try {
    await raw(action, query);
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  throw new Error(`${action} answered`);
}

describe('prefix lists', () => {
  it('DescribePrefixLists pages by NextToken, wraps PrefixLists.PrefixList, and leaves the entries out', async () => {
    const first = await raw('DescribePrefixLists', { MaxResults: 2 });
    expect(ids(first, 'PrefixLists.PrefixList', 'PrefixListId')).toEqual(['pl-office', 'pl-v6']);
    expect(first['NextToken']).not.toBe('');
    const second = await raw('DescribePrefixLists', {
      MaxResults: 2,
      NextToken: first['NextToken'],
    });
    expect(ids(second, 'PrefixLists.PrefixList', 'PrefixListId')).toEqual(['pl-empty']);
    expect(second['NextToken']).toBe('');
    expect(items(first, 'PrefixLists.PrefixList')[0]).toEqual({
      PrefixListId: 'pl-office',
      PrefixListName: 'office',
      AddressFamily: 'IPv4',
      AssociationCount: 1,
    });
    expect(typeof first['RequestId']).toBe('string');
    const one = await raw('DescribePrefixLists', { PrefixListId: ['pl-v6'] });
    expect(ids(one, 'PrefixLists.PrefixList', 'PrefixListId')).toEqual(['pl-v6']);
  });

  it('DescribePrefixListAttributes serves the entries as Entries.Entry; an unknown id is NotFound', async () => {
    const body = await raw('DescribePrefixListAttributes', { PrefixListId: 'pl-office' });
    expect(body).toMatchObject({
      PrefixListId: 'pl-office',
      PrefixListName: 'office',
      AddressFamily: 'IPv4',
      Entries: { Entry: [{ Cidr: '203.0.113.0/24', Description: 'hq' }] },
    });
    const empty = await raw('DescribePrefixListAttributes', { PrefixListId: 'pl-empty' });
    expect(empty['Entries']).toEqual({ Entry: [] });
    expect(await error('DescribePrefixListAttributes', { PrefixListId: 'pl-nope' })).toBe(
      'InvalidPrefixListId.NotFound',
    );
  });
});

describe('port lists', () => {
  it('DescribePortRangeLists pages by NextToken and serves a plain PortRangeLists array', async () => {
    const first = await raw('DescribePortRangeLists', { MaxResults: 2 });
    expect(Array.isArray(first['PortRangeLists'])).toBe(true);
    expect(ids(first, 'PortRangeLists', 'PortRangeListId')).toEqual(['prl-admin', 'prl-web']);
    expect(items(first, 'PortRangeLists')[1]).toEqual({
      PortRangeListId: 'prl-web',
      PortRangeListName: 'web',
      AssociationCount: 0,
    });
    const second = await raw('DescribePortRangeLists', {
      MaxResults: 2,
      NextToken: first['NextToken'],
    });
    expect(ids(second, 'PortRangeLists', 'PortRangeListId')).toEqual(['prl-3']);
  });

  it('DescribePortRangeListEntries serves a plain Entries array; an unknown id is NotFound', async () => {
    const body = await raw('DescribePortRangeListEntries', { PortRangeListId: 'prl-admin' });
    // entries as the world wrote them: no Description was written, none is served
    expect(body['Entries']).toEqual([{ PortRange: '22/22' }, { PortRange: '3389/3389' }]);
    expect(await error('DescribePortRangeListEntries', { PortRangeListId: 'prl-nope' })).toBe(
      'InvalidPortRangeListId.NotFound',
    );
  });

  it('a permission carries PortRangeListId (absent when the world wrote none)', async () => {
    const body = await raw('DescribeSecurityGroupAttribute', { SecurityGroupId: 'sg-2' });
    const perms = items(body, 'Permissions.Permission');
    expect(perms[0]).toMatchObject({
      PortRange: '-1/-1',
      PortRangeListId: 'prl-admin',
      SourcePrefixListId: 'pl-office',
    });
    expect(perms[1]?.['PortRangeListId']).toBeUndefined();
  });
});

describe('network interfaces', () => {
  it('DescribeNetworkInterfaces: public addresses of the interface and its private IPs, IPv6, vSwitch, in the wire wrappers', async () => {
    const body = await raw('DescribeNetworkInterfaces', { MaxResults: 10 });
    const sets = items(body, 'NetworkInterfaceSets.NetworkInterfaceSet');
    const primary = sets.find((e) => e['NetworkInterfaceId'] === 'eni-1');
    expect(primary).toMatchObject({ VSwitchId: 'vsw-1', PrivateIpAddress: '10.0.0.20' });
    const eni = sets.find((e) => e['NetworkInterfaceId'] === 'eni-2');
    expect(eni).toMatchObject({
      InstanceId: 'i-2',
      Type: 'Secondary',
      VSwitchId: 'vsw-1',
      PrivateIpAddress: '10.0.0.21',
      SecurityGroupIds: { SecurityGroupId: ['sg-2'] },
      AssociatedPublicIp: { PublicIpAddress: '47.0.0.21', AllocationId: 'eip-2' },
      PrivateIpSets: {
        PrivateIpSet: [
          {
            PrivateIpAddress: '10.0.0.22',
            Primary: false,
            AssociatedPublicIp: { PublicIpAddress: '47.0.0.22' },
          },
        ],
      },
      Ipv6Sets: { Ipv6Set: [{ Ipv6Address: '2408:4000::21' }] },
    });
  });

  it('DescribeInstances lists the interfaces without their groups or public addresses', async () => {
    const body = await raw('DescribeInstances', {});
    const inst = items(body, 'Instances.Instance')[0];
    expect(at(inst, 'VpcAttributes.VSwitchId')).toBe('vsw-1');
    const eni = items(inst, 'NetworkInterfaces.NetworkInterface')[1];
    expect(eni).toEqual({
      NetworkInterfaceId: 'eni-2',
      Type: 'Secondary',
      PrimaryIpAddress: '10.0.0.21',
      PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: '10.0.0.22', Primary: false }] },
      Ipv6Sets: { Ipv6Set: [{ Ipv6Address: '2408:4000::21' }] },
    });
  });
});
