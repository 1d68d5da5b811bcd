/**
 * ECS collection against the emulator through the real SDK clients:
 * a hand-checked small world, and paging past the first page of every list.
 */
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/collectors/index.js';
import { encodeToken } from '../../src/emulator/paging.js';
import type { WorldInput } from '../../src/emulator/world.js';
import { baseWorld, isolateCollectorRuns, runCollect } from './harness.js';

isolateCollectorRuns();

const SMALL: WorldInput = baseWorld({
  regions: [
    { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)' },
    { RegionId: 'ap-southeast-1', LocalName: 'Singapore' },
  ],
  ecs: {
    'cn-hangzhou': {
      SecurityGroups: [
        {
          SecurityGroupId: 'sg-web',
          SecurityGroupName: 'web',
          VpcId: 'vpc-1',
          InnerAccessPolicy: 'Drop',
          Permissions: [
            {
              Direction: 'ingress',
              IpProtocol: 'TCP',
              PortRange: '22/22',
              SourceCidrIp: '0.0.0.0/0',
              Policy: 'Accept',
              Priority: '5',
              NicType: 'intranet',
              SecurityGroupRuleId: 'sgr-1',
            },
            {
              Direction: 'egress',
              IpProtocol: 'ALL',
              PortRange: '-1/-1',
              DestCidrIp: '0.0.0.0/0',
              Policy: 'Accept',
              Priority: 100,
              NicType: 'intranet',
              SecurityGroupRuleId: 'sgr-2',
            },
          ],
        },
        {
          SecurityGroupId: 'sg-classic',
          SecurityGroupName: 'old',
          InnerAccessPolicy: 'Accept',
          Permissions: [
            {
              Direction: 'ingress',
              IpProtocol: 'TCP',
              PortRange: '3389/3389',
              SourceCidrIp: '0.0.0.0/0',
              Policy: 'Accept',
              Priority: 1,
              NicType: 'internet',
              SecurityGroupRuleId: 'sgr-3',
            },
            {
              Direction: 'ingress',
              IpProtocol: 'TCP',
              PortRange: '22/22',
              SourceCidrIp: '10.0.0.0/8',
              NicType: 'intranet',
              Policy: 'Drop',
              Priority: 1,
              SecurityGroupRuleId: 'sgr-4',
            },
          ],
        },
      ],
      Instances: [
        {
          InstanceId: 'i-web',
          InstanceName: 'web-1',
          Status: 'Running',
          OSType: 'linux',
          InstanceNetworkType: 'vpc',
          SecurityGroupIds: ['sg-web'],
          PublicIpAddress: [],
          EipAddress: { IpAddress: '47.0.0.9', AllocationId: 'eip-1' },
          VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: ['10.0.0.10'] },
          NetworkInterfaces: [
            { NetworkInterfaceId: 'eni-p', Type: 'Primary', SecurityGroupIds: ['sg-web'] },
            { NetworkInterfaceId: 'eni-s', Type: 'Secondary', SecurityGroupIds: ['sg-classic'] },
          ],
          KeyPairName: 'ops-key',
          MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional' },
          RamRoleName: 'web-role',
        },
        {
          InstanceId: 'i-db',
          Status: 'Stopped',
          OSType: 'windows',
          SecurityGroupIds: ['sg-web'],
          PublicIpAddress: ['47.0.0.10'],
          VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: ['10.0.0.11'] },
          MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
        },
      ],
      KeyPairs: [
        {
          KeyPairName: 'ops-key',
          KeyPairFingerPrint: 'ab:cd',
          CreationTime: '2025-01-01T00:00:00Z',
        },
      ],
      Disks: [
        {
          DiskId: 'd-1',
          InstanceId: 'i-web',
          Type: 'system',
          Category: 'cloud_essd',
          Encrypted: false,
          // no automatic snapshot policy: the API says ""
          AutoSnapshotPolicyId: '',
        },
        {
          DiskId: 'd-2',
          Type: 'data',
          Category: 'cloud_essd',
          Encrypted: true,
          KMSKeyId: 'key-1',
          AutoSnapshotPolicyId: '',
        },
      ],
      Invocations: [
        {
          InvokeId: 't-new',
          CommandName: 'patch',
          CommandType: 'RunShellScript',
          CommandContent: Buffer.from('echo secret-password-123').toString('base64'),
          Username: 'root',
          CreationTime: '2026-10-30T08:00:00Z',
          InvocationStatus: 'Success',
          InvokeInstances: [{ InstanceId: 'i-web', InvocationStatus: 'Success' }],
        },
        {
          InvokeId: 't-old',
          CommandName: 'old',
          CommandType: 'RunShellScript',
          Username: '',
          CreationTime: '2026-09-01T08:00:00Z',
          InvocationStatus: 'Success',
          InvokeInstances: [{ InstanceId: 'i-db' }],
        },
        {
          // a periodic invocation created before the window still runs in it
          InvokeId: 't-cron',
          CommandName: 'cron',
          CommandType: 'RunShellScript',
          Username: 'root',
          CreationTime: '2026-01-01T00:00:00Z',
          RepeatMode: 'Period',
          InvocationStatus: 'Running',
          InvokeInstances: [{ InstanceId: 'i-db' }],
        },
      ],
    },
  },
});

describe('ECS collection', () => {
  it('reads a small world into the hand-checked inventory', async () => {
    const { inventory } = await runCollect(SMALL);
    expect(inventory.regions).toEqual([
      { id: 'cn-hangzhou', localName: 'China (Hangzhou)' },
      { id: 'ap-southeast-1', localName: 'Singapore' },
    ]);
    expect(inventory.scope.regions).toEqual(['cn-hangzhou', 'ap-southeast-1']);
    const ecsCoverage = inventory.coverage.filter((c) => c.service === 'ecs');
    expect(ecsCoverage).toEqual([]);
    const rule = (over: Record<string, unknown>) => ({
      direction: 'ingress',
      sourceCidrIp: '',
      ipv6SourceCidrIp: '',
      sourceGroupId: '',
      sourcePrefixListId: '',
      sourcePortRange: '',
      destCidrIp: '',
      ipv6DestCidrIp: '',
      destGroupId: '',
      destPrefixListId: '',
      portRangeListId: '',
      policy: 'Accept',
      nicType: 'intranet',
      description: '',
      ...over,
    });
    expect(inventory.ecs.securityGroups).toEqual([
      {
        id: 'sg-web',
        region: 'cn-hangzhou',
        name: 'web',
        type: 'normal',
        vpcId: 'vpc-1',
        serviceManaged: false,
        innerAccessPolicy: 'Drop',
        rules: [
          rule({
            id: 'sgr-1',
            ipProtocol: 'TCP',
            portRange: '22/22',
            sourceCidrIp: '0.0.0.0/0',
            priority: 5,
          }),
          rule({
            id: 'sgr-2',
            direction: 'egress',
            ipProtocol: 'ALL',
            portRange: '-1/-1',
            destCidrIp: '0.0.0.0/0',
            priority: 100,
          }),
        ],
      },
      {
        id: 'sg-classic',
        region: 'cn-hangzhou',
        name: 'old',
        type: 'normal',
        vpcId: null,
        serviceManaged: false,
        innerAccessPolicy: 'Accept',
        // classic: both NIC types were asked for
        rules: [
          rule({
            id: 'sgr-3',
            ipProtocol: 'TCP',
            portRange: '3389/3389',
            sourceCidrIp: '0.0.0.0/0',
            priority: 1,
            nicType: 'internet',
          }),
          rule({
            id: 'sgr-4',
            ipProtocol: 'TCP',
            portRange: '22/22',
            sourceCidrIp: '10.0.0.0/8',
            priority: 1,
            policy: 'Drop',
          }),
        ],
      },
    ]);
    expect(inventory.ecs.instances).toEqual([
      {
        id: 'i-web',
        region: 'cn-hangzhou',
        name: 'web-1',
        status: 'Running',
        osType: 'linux',
        networkType: 'vpc',
        vpcId: 'vpc-1',
        publicIps: [],
        eipAddress: '47.0.0.9',
        privateIps: ['10.0.0.10'],
        securityGroupIds: ['sg-web'],
        networkInterfaces: [
          {
            id: 'eni-p',
            type: 'Primary',
            securityGroupIds: ['sg-web'],
            publicIps: ['47.0.0.9'],
            privateIps: ['10.0.0.10'],
            ipv6Addresses: [],
          },
          {
            id: 'eni-s',
            type: 'Secondary',
            securityGroupIds: ['sg-classic'],
            publicIps: [],
            privateIps: [],
            ipv6Addresses: [],
          },
        ],
        keyPairName: 'ops-key',
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional' },
        ramRoleName: 'web-role',
      },
      {
        id: 'i-db',
        region: 'cn-hangzhou',
        name: '',
        status: 'Stopped',
        osType: 'windows',
        networkType: 'vpc',
        vpcId: 'vpc-1',
        publicIps: ['47.0.0.10'],
        eipAddress: null,
        privateIps: ['10.0.0.11'],
        securityGroupIds: ['sg-web'],
        networkInterfaces: [
          {
            id: 'eni-db',
            type: 'Primary',
            securityGroupIds: ['sg-web'],
            publicIps: ['47.0.0.10'],
            privateIps: ['10.0.0.11'],
            ipv6Addresses: [],
          },
        ],
        keyPairName: null,
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required' },
        ramRoleName: null,
      },
    ]);
    expect(inventory.ecs.keyPairs).toEqual([
      {
        name: 'ops-key',
        region: 'cn-hangzhou',
        fingerprint: 'ab:cd',
        creationTime: '2025-01-01T00:00:00Z',
      },
    ]);
    expect(inventory.ecs.disks).toEqual([
      {
        id: 'd-1',
        region: 'cn-hangzhou',
        name: '',
        instanceId: 'i-web',
        type: 'system',
        category: 'cloud_essd',
        encrypted: false,
        // "" (no policy) kept as the API says it
        autoSnapshotPolicyId: '',
      },
      {
        id: 'd-2',
        region: 'cn-hangzhou',
        name: '',
        instanceId: null,
        type: 'data',
        category: 'cloud_essd',
        encrypted: true,
        kmsKeyId: 'key-1',
        autoSnapshotPolicyId: '',
      },
    ]);
    // only invocations within `since` (or repeating ones still running); never the command content
    expect(inventory.ecs.invocations).toEqual([
      {
        invokeId: 't-new',
        region: 'cn-hangzhou',
        commandName: 'patch',
        commandType: 'RunShellScript',
        username: 'root',
        creationTime: '2026-10-30T08:00:00Z',
        invocationStatus: 'Success',
        instanceIds: ['i-web'],
      },
      {
        invokeId: 't-cron',
        region: 'cn-hangzhou',
        commandName: 'cron',
        commandType: 'RunShellScript',
        username: 'root',
        creationTime: '2026-01-01T00:00:00Z',
        invocationStatus: 'Running',
        repeatMode: 'Period',
        instanceIds: ['i-db'],
      },
    ]);
    const text = JSON.stringify(inventory);
    expect(text).not.toContain(Buffer.from('echo secret-password-123').toString('base64'));
    expect(text).not.toContain('secret-password-123');
  });

  it('reports progress, starting with the caller identity', async () => {
    const events: ProgressEvent[] = [];
    await runCollect(SMALL, { onProgress: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ service: 'sts', phase: 'caller identity' });
    const rules = events.filter(
      (e) => e.phase === 'security group rules' && e.region === 'cn-hangzhou',
    );
    expect(rules.at(-1)).toMatchObject({
      service: 'ecs',
      region: 'cn-hangzhou',
      done: 2,
      total: 2,
    });
  });

  it('--regions narrows the scan; an unknown region is one error line before any regional call', async () => {
    const narrowed = await runCollect(SMALL, { regions: ['ap-southeast-1'] });
    expect(narrowed.inventory.scope.regions).toEqual(['ap-southeast-1']);
    expect(narrowed.inventory.ecs.instances).toEqual([]);
    const stats = narrowed.emulator.stats();
    const err = await runCollect(
      SMALL,
      { regions: ['cn-hangzhou', 'mars-north-1'] },
      narrowed.emulator,
    ).catch((e: unknown) => e);
    expect((err as Error).name).toBe('CollectError');
    expect((err as Error).message).toMatch(/unknown region "mars-north-1"/);
    expect((err as Error).message).not.toContain('\n');
    const after = narrowed.emulator.stats();
    expect(after.requests['DescribeSecurityGroups']).toBe(stats.requests['DescribeSecurityGroups']);
  });

  it("asks for a group's rules as soon as its page arrives; a listing that then fails still leaves the groups unknown", async () => {
    const world = baseWorld({
      ecs: {
        'cn-hangzhou': {
          SecurityGroups: ['sg-a', 'sg-b', 'sg-c'].map((id) => ({
            SecurityGroupId: id,
            VpcId: 'vpc-1',
            Permissions: [
              {
                Direction: 'ingress',
                IpProtocol: 'TCP',
                PortRange: '22/22',
                SourceCidrIp: '0.0.0.0/0',
                Policy: 'Accept',
                Priority: 1,
                NicType: 'intranet',
              },
            ],
          })),
        },
      },
      // one group per page; the third page fails
      emulator: {
        faults: [
          {
            action: 'DescribeSecurityGroups',
            kind: 'serverError',
            params: { NextToken: encodeToken(2) },
          },
        ],
      },
    });
    const { inventory, emulator } = await runCollect(world, {
      maxPageSize: 1,
      retry: { baseDelayMs: 1, maxDelayMs: 1, maxAttempts: 1 },
    });
    const req = emulator.stats().requests;
    expect(req['DescribeSecurityGroups']).toBe(3);
    // the first two pages' groups were read while the listing went on
    expect(req['DescribeSecurityGroupAttribute']).toBe(2);
    expect(inventory.coverage.filter((c) => c.service === 'ecs').map((c) => c.operation)).toEqual([
      'DescribeSecurityGroups',
    ]);
    expect(inventory.ecs.securityGroups).toEqual([]);
  });

  it('pages past the first page of every ECS list', async () => {
    const sgs = Array.from({ length: 101 }, (_, i) => ({
      SecurityGroupId: `sg-${i}`,
      VpcId: 'vpc-1',
      Permissions:
        i === 0
          ? Array.from({ length: 1001 }, (_, r) => ({
              Direction: 'ingress',
              IpProtocol: 'TCP',
              PortRange: `${r + 1}/${r + 1}`,
              SourceCidrIp: '10.0.0.0/8',
              Policy: 'Accept',
              Priority: 1,
              NicType: 'intranet',
            }))
          : [],
    }));
    const instances = Array.from({ length: 101 }, (_, i) => ({
      InstanceId: `i-${i}`,
      Status: 'Running',
      OSType: 'linux',
      SecurityGroupIds: ['sg-1'],
      MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
      ...(i % 2 === 0 ? { RamRoleName: 'role-even' } : {}),
      NetworkInterfaces: Array.from({ length: 5 }, (_, n) => ({
        NetworkInterfaceId: `eni-${i}-${n}`,
        Type: n === 0 ? 'Primary' : 'Secondary',
        SecurityGroupIds: ['sg-1'],
      })),
    }));
    const world = baseWorld({
      ecs: {
        'cn-hangzhou': {
          SecurityGroups: sgs,
          Instances: instances,
          KeyPairs: Array.from({ length: 51 }, (_, i) => ({ KeyPairName: `kp-${i}` })),
          Disks: Array.from({ length: 501 }, (_, i) => ({
            DiskId: `d-${i}`,
            Encrypted: true,
            AutoSnapshotPolicyId: 'sp-1',
          })),
          Invocations: Array.from({ length: 51 }, (_, i) => ({
            InvokeId: `t-${i}`,
            CreationTime: '2026-10-20T00:00:00Z',
            Username: 'root',
            InvokeInstances: [{ InstanceId: 'i-0' }],
          })),
        },
      },
    });
    // 102 DescribeSecurityGroupAttribute calls in one region: a short rate window keeps the test fast
    const { inventory, emulator } = await runCollect(world, { rateWindowMs: 100 });
    expect(inventory.coverage.filter((c) => c.service === 'ecs')).toEqual([]);
    expect(inventory.ecs.securityGroups).toHaveLength(101);
    expect(inventory.ecs.securityGroups[0]?.rules).toHaveLength(1001);
    expect(inventory.ecs.instances).toHaveLength(101);
    expect(inventory.ecs.instances.every((i) => i.networkInterfaces?.length === 5)).toBe(true);
    expect(inventory.ecs.instances.filter((i) => i.ramRoleName === 'role-even')).toHaveLength(51);
    expect(inventory.ecs.instances.filter((i) => i.ramRoleName === null)).toHaveLength(50);
    expect(inventory.ecs.keyPairs).toHaveLength(51);
    expect(inventory.ecs.disks).toHaveLength(501);
    expect(inventory.ecs.invocations).toHaveLength(51);
    const req = emulator.stats().requests;
    expect(req['DescribeSecurityGroups']).toBe(2);
    expect(req['DescribeSecurityGroupAttribute']).toBe(102);
    expect(req['DescribeInstances']).toBe(2);
    expect(req['DescribeNetworkInterfaces']).toBe(2);
    expect(req['DescribeInstanceRamRole']).toBe(3);
    expect(req['DescribeKeyPairs']).toBe(2);
    expect(req['DescribeDisks']).toBe(2);
    expect(req['DescribeInvocations']).toBe(2);
  });
});
