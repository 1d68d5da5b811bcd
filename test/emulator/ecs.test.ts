import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { $Ecs, callRpc, clients } from '../helpers/sdk.js';

const R = 'cn-hangzhou';
const pad = (n: number) => n.toString().padStart(4, '0');

function range<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

const world: WorldInput = {
  version: 1,
  account: { accountId: '1234567890123456' },
  regions: [
    { RegionId: R, LocalName: 'China (Hangzhou)' },
    { RegionId: 'ap-southeast-1', LocalName: 'Singapore' },
    { RegionId: 'eu-central-1' },
  ],
  ecs: {
    [R]: {
      SecurityGroups: [
        {
          SecurityGroupId: 'sg-rules',
          SecurityGroupName: 'many-rules',
          VpcId: 'vpc-1',
          InnerAccessPolicy: 'Drop',
          Description: 'kept',
          Permissions: [
            // Direction, Policy, Priority, NicType… left out: served absent (world.md)
            { IpProtocol: 'TCP', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' },
            {
              Direction: 'egress',
              IpProtocol: 'ALL',
              DestCidrIp: '0.0.0.0/0',
              Policy: 'Drop',
              Priority: 100,
              SecurityGroupRuleId: 'sgr-passthrough',
            },
            ...range(1198, (i) => ({
              Direction: 'ingress',
              IpProtocol: 'UDP',
              PortRange: `${i + 1}/${i + 1}`,
              SourceCidrIp: '10.0.0.0/8',
              Policy: 'Accept',
              Priority: '5',
            })),
          ],
        },
        {
          SecurityGroupId: 'sg-classic',
          Permissions: [
            {
              IpProtocol: 'TCP',
              PortRange: '3389/3389',
              SourceCidrIp: '0.0.0.0/0',
              NicType: 'internet',
            },
            {
              IpProtocol: 'TCP',
              PortRange: '22/22',
              SourceCidrIp: '10.0.0.0/8',
              NicType: 'intranet',
            },
          ],
        },
        ...range(248, (i) => ({
          SecurityGroupId: `sg-${pad(i)}`,
          SecurityGroupName: `g${i}`,
          VpcId: i % 2 === 0 ? 'vpc-1' : 'vpc-2',
          ServiceManaged: i === 0,
          Permissions: [{ IpProtocol: 'TCP', PortRange: '80/80' }],
        })),
      ],
      Instances: range(250, (i) => ({
        InstanceId: `i-${pad(i)}`,
        InstanceName: `vm-${i}`,
        Status: 'Running',
        OSType: 'linux',
        InstanceNetworkType: 'vpc',
        SecurityGroupIds: ['sg-0000', 'sg-0001'],
        PublicIpAddress: i % 2 === 0 ? ['47.0.0.1'] : [],
        EipAddress: { IpAddress: i === 5 ? '47.9.9.9' : '', AllocationId: i === 5 ? 'eip-1' : '' },
        InnerIpAddress: [],
        VpcAttributes: {
          VpcId: 'vpc-1',
          VSwitchId: 'vsw-1',
          PrivateIpAddress: [`10.0.0.${i % 250}`],
        },
        KeyPairName: 'ops',
        MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional' },
        ZoneId: 'cn-hangzhou-h',
        ...(i < 60 ? { RamRoleName: `role-${i}` } : {}),
        ...(i < 3
          ? {
              NetworkInterfaces: [
                { NetworkInterfaceId: `eni-p${i}`, Type: 'Primary', SecurityGroupIds: ['sg-0000'] },
                {
                  NetworkInterfaceId: `eni-s${i}`,
                  Type: 'Secondary',
                  SecurityGroupIds: ['sg-0002'],
                },
              ],
            }
          : {}),
      })),
      KeyPairs: range(120, (i) => ({
        KeyPairName: `kp-${pad(i)}`,
        KeyPairFingerPrint: 'ab:cd',
        CreationTime: '2025-01-01T00:00:00Z',
      })),
      Disks: range(600, (i) => ({
        DiskId: `d-${pad(i)}`,
        InstanceId: `i-${pad(i % 250)}`,
        Type: i < 250 ? 'system' : 'data',
        Category: 'cloud_essd',
        Encrypted: i % 3 === 0,
        KMSKeyId: i % 3 === 0 ? 'key-1' : '',
      })),
      Invocations: range(120, (i) => ({
        InvokeId: `t-${pad(i)}`,
        CommandName: 'patch',
        CommandType: 'RunShellScript',
        CommandContent: Buffer.from('yum update -y').toString('base64'),
        Username: i === 0 ? '' : 'root',
        CreationTime: '2026-10-30T08:00:00Z',
        InvocationStatus: 'Success',
        InvokeInstances: [{ InstanceId: 'i-0000', InvocationStatus: 'Success' }],
      })),
    },
  },
};

let emu: RunningEmulator;
let ecs: ReturnType<typeof clients>['ecs'];
let generic: ReturnType<typeof clients>['generic'];

beforeAll(async () => {
  emu = await startEmulator(parseWorld(world));
  ({ ecs, generic } = clients(emu.url));
});
afterAll(async () => {
  await emu.close();
});

/** the raw JSON body, through the SDK's generic client (typed models drop unknown fields) */
function raw(action: string, query: Record<string, unknown>): Promise<Record<string, unknown>> {
  return callRpc(generic, '2014-05-26', action, query);
}

async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

describe('DescribeRegions', () => {
  it('lists every world region in one answer', async () => {
    const r = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    expect(r.body?.regions?.region?.map((x) => x.regionId)).toEqual([
      R,
      'ap-southeast-1',
      'eu-central-1',
    ]);
    expect(r.body?.regions?.region?.[1]?.localName).toBe('Singapore');
  });
});

describe('DescribeSecurityGroups', () => {
  it('pages 250 groups with MaxResults 100 into 3 pages and strips rule data', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const r = await ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({ regionId: R, maxResults: 100, nextToken: token }),
      );
      const page = r.body?.securityGroups?.securityGroup ?? [];
      sizes.push(page.length);
      seen.push(...page.map((g) => g.securityGroupId ?? ''));
      token = r.body?.nextToken || undefined;
    } while (token);
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(seen).size).toBe(250);

    const body = await raw('DescribeSecurityGroups', { RegionId: R, SecurityGroupId: 'sg-rules' });
    const groups = (body['SecurityGroups'] as { SecurityGroup: Record<string, unknown>[] })
      .SecurityGroup;
    expect(groups).toHaveLength(1);
    expect(groups[0]).not.toHaveProperty('Permissions');
    expect(groups[0]).not.toHaveProperty('InnerAccessPolicy');
    expect(groups[0]?.['Description']).toBe('kept');
  });

  it('caps MaxResults at 100 and defaults to 10', async () => {
    const big = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: R, maxResults: 1000 }),
    );
    expect(big.body?.securityGroups?.securityGroup).toHaveLength(100);
    const dflt = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: R }),
    );
    expect(dflt.body?.securityGroups?.securityGroup).toHaveLength(10);
  });

  it('supports the legacy PageNumber/PageSize with TotalCount', async () => {
    const r = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: R, pageNumber: 5, pageSize: 50 }),
    );
    expect(r.body?.totalCount).toBe(250);
    expect(r.body?.pageNumber).toBe(5);
    expect(r.body?.securityGroups?.securityGroup).toHaveLength(50);
  });

  it('filters by SecurityGroupId and VpcId and serves ServiceManaged', async () => {
    const one = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: R, securityGroupId: 'sg-0000' }),
    );
    expect(one.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId)).toEqual([
      'sg-0000',
    ]);
    expect(one.body?.securityGroups?.securityGroup?.[0]?.serviceManaged).toBe(true);
    const vpc2 = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: R, vpcId: 'vpc-2', maxResults: 100 }),
    );
    expect(vpc2.body?.securityGroups?.securityGroup).toHaveLength(100);
    expect(vpc2.body?.securityGroups?.securityGroup?.every((g) => g.vpcId === 'vpc-2')).toBe(true);
  });

  it('answers a region listed without a block as empty and an unknown region as not found', async () => {
    const empty = await ecs.describeSecurityGroups(
      new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'ap-southeast-1' }),
    );
    expect(empty.body?.securityGroups?.securityGroup).toEqual([]);
    expect(empty.body?.nextToken).toBe('');
    const err = await errorOf(
      ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'xx-nowhere-9' }),
      ),
    );
    expect(err['code']).toBe('InvalidRegionId.NotFound');
  });

  it('rejects a NextToken it did not issue with InvalidParameter', async () => {
    const err = await errorOf(
      ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({ regionId: R, nextToken: 'not-a-token' }),
      ),
    );
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('InvalidParameter');
    expect(err['statusCode']).toBe(400);
  });
});

describe('DescribeSecurityGroupAttribute', () => {
  it('serves a rule as written, parses Priority/Policy into the SDK model and passes fields through', async () => {
    const r = await ecs.describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: 'sg-rules' }),
    );
    expect(r.body?.innerAccessPolicy).toBe('Drop');
    expect(r.body?.vpcId).toBe('vpc-1');
    expect(r.body?.securityGroupName).toBe('many-rules');
    const [first, second] = r.body?.permissions?.permission ?? [];
    // the fields the world left out are absent, not the API's usual values (world.md)
    expect(first).toMatchObject({
      ipProtocol: 'TCP',
      portRange: '22/22',
      sourceCidrIp: '0.0.0.0/0',
    });
    for (const field of [
      'direction',
      'policy',
      'priority',
      'nicType',
      'ipv6SourceCidrIp',
      'sourceGroupId',
      'description',
    ] as const) {
      expect(first?.[field], field).toBeUndefined();
    }
    expect(second).toMatchObject({
      direction: 'egress',
      policy: 'Drop',
      priority: '100',
      securityGroupRuleId: 'sgr-passthrough',
    });
    expect(second?.portRange).toBeUndefined();
  });

  it('pages 1200 rules: default 500 per page, MaxResults capped at 1000', async () => {
    const sizes = async (maxResults?: number) => {
      const out: number[] = [];
      let token: string | undefined;
      do {
        const r = await ecs.describeSecurityGroupAttribute(
          new $Ecs.DescribeSecurityGroupAttributeRequest({
            regionId: R,
            securityGroupId: 'sg-rules',
            maxResults,
            nextToken: token,
          }),
        );
        out.push(r.body?.permissions?.permission?.length ?? 0);
        token = r.body?.nextToken || undefined;
      } while (token);
      return out;
    };
    expect(await sizes()).toEqual([500, 500, 200]);
    expect(await sizes(5000)).toEqual([1000, 200]);
    expect(await sizes(1)).toHaveLength(120); // raised to the minimum of 10
  });

  it('filters by Direction', async () => {
    const egress = await ecs.describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({
        regionId: R,
        securityGroupId: 'sg-rules',
        direction: 'egress',
      }),
    );
    // the rule written without Direction could be either: it is served to both
    expect(
      egress.body?.permissions?.permission?.map((p) => [p.portRange, p.securityGroupRuleId]),
    ).toEqual([
      ['22/22', undefined],
      [undefined, 'sgr-passthrough'],
    ]);
  });

  it('answers one NIC type per call for classic groups, internet by default', async () => {
    const dflt = await ecs.describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({
        regionId: R,
        securityGroupId: 'sg-classic',
      }),
    );
    expect(dflt.body?.vpcId).toBeUndefined(); // a classic group: the world has no VpcId
    expect(dflt.body?.permissions?.permission?.map((p) => [p.portRange, p.nicType])).toEqual([
      ['3389/3389', 'internet'],
    ]);
    const intranet = await ecs.describeSecurityGroupAttribute(
      new $Ecs.DescribeSecurityGroupAttributeRequest({
        regionId: R,
        securityGroupId: 'sg-classic',
        nicType: 'intranet',
      }),
    );
    expect(intranet.body?.permissions?.permission?.map((p) => p.portRange)).toEqual(['22/22']);
  });

  it('answers an unknown group with 404 InvalidSecurityGroupId.NotFound', async () => {
    const err = await errorOf(
      ecs.describeSecurityGroupAttribute(
        new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: 'sg-nope' }),
      ),
    );
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('InvalidSecurityGroupId.NotFound');
    expect(err['statusCode']).toBe(404);
  });
});

describe('DescribeInstances', () => {
  it('pages 250 instances by 100 and wraps every list the way the SDK model parses it', async () => {
    const sizes: number[] = [];
    const all: $Ecs.DescribeInstancesResponseBodyInstancesInstance[] = [];
    let token: string | undefined;
    do {
      const r = await ecs.describeInstances(
        new $Ecs.DescribeInstancesRequest({
          regionId: R,
          maxResults: 100,
          nextToken: token,
          additionalAttributes: ['META_OPTIONS'],
        }),
      );
      const page = r.body?.instances?.instance ?? [];
      sizes.push(page.length);
      all.push(...page);
      token = r.body?.nextToken || undefined;
    } while (token);
    expect(sizes).toEqual([100, 100, 50]);
    const i0 = all[0]!;
    expect(i0.securityGroupIds?.securityGroupId).toEqual(['sg-0000', 'sg-0001']);
    expect(i0.publicIpAddress?.ipAddress).toEqual(['47.0.0.1']);
    expect(i0.innerIpAddress?.ipAddress).toEqual([]);
    expect(i0.vpcAttributes?.privateIpAddress?.ipAddress).toEqual(['10.0.0.0']);
    expect(i0.vpcAttributes?.vSwitchId).toBe('vsw-1');
    expect(i0.networkInterfaces?.networkInterface?.map((n) => n.networkInterfaceId)).toEqual([
      'eni-p0',
      'eni-s0',
    ]);
    expect(i0.metadataOptions?.httpTokens).toBe('optional');
    expect(i0.keyPairName).toBe('ops');
    expect(all[5]?.eipAddress?.ipAddress).toBe('47.9.9.9');
  });

  it('never serves RamRoleName and filters by InstanceIds', async () => {
    const body = await raw('DescribeInstances', {
      RegionId: R,
      InstanceIds: JSON.stringify(['i-0000', 'i-0005']),
    });
    const items = (body['Instances'] as { Instance: Record<string, unknown>[] }).Instance;
    expect(items.map((i) => i['InstanceId'])).toEqual(['i-0000', 'i-0005']);
    expect(items[0]).not.toHaveProperty('RamRoleName');
    expect(items[0]?.['ZoneId']).toBe('cn-hangzhou-h');
  });
});

describe('DescribeNetworkInterfaces', () => {
  it('serves world ENIs or a derived primary ENI, pages by up to 500', async () => {
    const all: $Ecs.DescribeNetworkInterfacesResponseBodyNetworkInterfaceSetsNetworkInterfaceSet[] =
      [];
    const sizes: number[] = [];
    let token: string | undefined;
    do {
      const r = await ecs.describeNetworkInterfaces(
        new $Ecs.DescribeNetworkInterfacesRequest({
          regionId: R,
          maxResults: 1000,
          nextToken: token,
        }),
      );
      const page = r.body?.networkInterfaceSets?.networkInterfaceSet ?? [];
      sizes.push(page.length);
      all.push(...page);
      token = r.body?.nextToken || undefined;
    } while (token);
    // 3 instances with a Primary + a Secondary ENI, 247 with one derived primary
    expect(sizes).toEqual([253]);
    expect(all).toHaveLength(253);
    const s0 = all.find((e) => e.networkInterfaceId === 'eni-s0');
    expect(s0).toMatchObject({ type: 'Secondary', instanceId: 'i-0000' });
    expect(s0?.securityGroupIds?.securityGroupId).toEqual(['sg-0002']);
    expect(s0?.associatedPublicIp).toBeUndefined();
    const p0 = all.find((e) => e.networkInterfaceId === 'eni-p0');
    expect(p0?.associatedPublicIp?.publicIpAddress).toBe('47.0.0.1');
    const derived = all.filter((e) => e.instanceId === 'i-0005');
    expect(derived).toHaveLength(1);
    const noPublic = all.find((e) => e.instanceId === 'i-0003');
    expect(noPublic?.type).toBe('Primary');
    expect(noPublic?.associatedPublicIp).toBeUndefined();
    expect(derived[0]?.type).toBe('Primary');
    expect(derived[0]?.associatedPublicIp?.publicIpAddress).toBe('47.9.9.9');
    expect(derived[0]?.securityGroupIds?.securityGroupId).toEqual(['sg-0000', 'sg-0001']);
  });

  it('pages past 500 ENIs', async () => {
    const big = parseWorld({
      version: 1,
      account: { accountId: '1' },
      ecs: {
        [R]: { Instances: range(600, (i) => ({ InstanceId: `i-${i}`, SecurityGroupIds: [] })) },
      },
    });
    const e2 = await startEmulator(big);
    try {
      const c = clients(e2.url).ecs;
      const first = await c.describeNetworkInterfaces(
        new $Ecs.DescribeNetworkInterfacesRequest({ regionId: R, maxResults: 500 }),
      );
      expect(first.body?.networkInterfaceSets?.networkInterfaceSet).toHaveLength(500);
      const second = await c.describeNetworkInterfaces(
        new $Ecs.DescribeNetworkInterfacesRequest({
          regionId: R,
          maxResults: 500,
          nextToken: first.body?.nextToken,
        }),
      );
      expect(second.body?.networkInterfaceSets?.networkInterfaceSet).toHaveLength(100);
      expect(second.body?.nextToken).toBe('');
    } finally {
      await e2.close();
    }
  });
});

describe('DescribeInstanceRamRole', () => {
  it('pages the 60 instances that have a role by at most 50, with TotalCount', async () => {
    const p1 = await ecs.describeInstanceRamRole(
      new $Ecs.DescribeInstanceRamRoleRequest({ regionId: R, pageSize: 100, pageNumber: 1 }),
    );
    expect(p1.body?.totalCount).toBe(60);
    expect(p1.body?.instanceRamRoleSets?.instanceRamRoleSet).toHaveLength(50);
    expect(p1.body?.instanceRamRoleSets?.instanceRamRoleSet?.[0]).toMatchObject({
      instanceId: 'i-0000',
      ramRoleName: 'role-0',
    });
    const p2 = await ecs.describeInstanceRamRole(
      new $Ecs.DescribeInstanceRamRoleRequest({ regionId: R, pageSize: 50, pageNumber: 2 }),
    );
    expect(p2.body?.instanceRamRoleSets?.instanceRamRoleSet).toHaveLength(10);
  });

  it('filters by InstanceIds (instances without a role are left out) and refuses more than 50', async () => {
    const r = await ecs.describeInstanceRamRole(
      new $Ecs.DescribeInstanceRamRoleRequest({
        regionId: R,
        instanceIds: JSON.stringify(['i-0001', 'i-0100']),
      }),
    );
    expect(r.body?.instanceRamRoleSets?.instanceRamRoleSet?.map((s) => s.instanceId)).toEqual([
      'i-0001',
    ]);
    const err = await errorOf(
      ecs.describeInstanceRamRole(
        new $Ecs.DescribeInstanceRamRoleRequest({
          regionId: R,
          instanceIds: JSON.stringify(range(51, (i) => `i-${pad(i)}`)),
        }),
      ),
    );
    expect(err.name).toBe('ClientError');
  });
});

describe('DescribeKeyPairs', () => {
  it('pages 120 key pairs by PageNumber with PageSize capped at 50', async () => {
    const sizes: number[] = [];
    for (let n = 1; n <= 3; n++) {
      const r = await ecs.describeKeyPairs(
        new $Ecs.DescribeKeyPairsRequest({ regionId: R, pageNumber: n, pageSize: 100 }),
      );
      expect(r.body?.totalCount).toBe(120);
      expect(r.body?.pageSize).toBe(50);
      sizes.push(r.body?.keyPairs?.keyPair?.length ?? 0);
    }
    expect(sizes).toEqual([50, 50, 20]);
    const one = await ecs.describeKeyPairs(
      new $Ecs.DescribeKeyPairsRequest({ regionId: R, keyPairName: 'kp-0007' }),
    );
    expect(one.body?.keyPairs?.keyPair?.[0]?.keyPairFingerPrint).toBe('ab:cd');
  });
});

describe('DescribeDisks', () => {
  it('pages 600 disks by at most 500 and serves Encrypted as a boolean', async () => {
    const p1 = await ecs.describeDisks(
      new $Ecs.DescribeDisksRequest({ regionId: R, maxResults: 600 }),
    );
    expect(p1.body?.disks?.disk).toHaveLength(500);
    expect(p1.body?.disks?.disk?.[0]?.encrypted).toBe(true);
    expect(p1.body?.disks?.disk?.[1]?.encrypted).toBe(false);
    expect(p1.body?.disks?.disk?.[0]?.KMSKeyId).toBe('key-1');
    const p2 = await ecs.describeDisks(
      new $Ecs.DescribeDisksRequest({
        regionId: R,
        maxResults: 600,
        nextToken: p1.body?.nextToken,
      }),
    );
    expect(p2.body?.disks?.disk).toHaveLength(100);
    expect(p2.body?.nextToken).toBe('');
  });
});

describe('DescribeInvocations', () => {
  it('pages 120 invocations by at most 50 and wraps InvokeInstances', async () => {
    const sizes: number[] = [];
    let token: string | undefined;
    let first: $Ecs.DescribeInvocationsResponseBodyInvocationsInvocation | undefined;
    do {
      const r = await ecs.describeInvocations(
        new $Ecs.DescribeInvocationsRequest({ regionId: R, maxResults: 100, nextToken: token }),
      );
      const page = r.body?.invocations?.invocation ?? [];
      first ??= page[0];
      sizes.push(page.length);
      token = r.body?.nextToken || undefined;
    } while (token);
    expect(sizes).toEqual([50, 50, 20]);
    expect(first?.commandContent).toBe(Buffer.from('yum update -y').toString('base64'));
    expect(first?.username).toBe('');
    expect(first?.invokeInstances?.invokeInstance?.[0]?.instanceId).toBe('i-0000');
  });

  it('decodes CommandContent with ContentEncoding PlainText', async () => {
    const r = await ecs.describeInvocations(
      new $Ecs.DescribeInvocationsRequest({
        regionId: R,
        invokeId: 't-0001',
        contentEncoding: 'PlainText',
      }),
    );
    expect(r.body?.invocations?.invocation?.[0]?.commandContent).toBe('yum update -y');
  });
});
