import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  countsFor,
  generateWorld,
  limitsFromFlags,
  qpsTable,
  Rng,
  spread,
  writeWorld,
} from '../../bench/generate-world.js';
import { lowerBound, minimalCalls } from '../../bench/minimal-calls.js';
import { loadWorld, parseWorld, type WorldInput } from '../../src/emulator/world.js';

describe('bench world generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = JSON.stringify(generateWorld({ scale: 0.01, seed: 7 }));
    const b = JSON.stringify(generateWorld({ scale: 0.01, seed: 7 }));
    const c = JSON.stringify(generateWorld({ scale: 0.01, seed: 8 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('writes a world the emulator schema accepts, with the counts of its scale', () => {
    const world = parseWorld(generateWorld({ scale: 0.01, seed: 1 }), 'bench');
    const c = countsFor(0.01);
    const blocks = Object.values(world.ecs);
    expect(world.regions).toHaveLength(c.regions);
    expect(blocks.reduce((n, b) => n + b.SecurityGroups.length, 0)).toBe(c.securityGroups);
    expect(
      blocks.reduce(
        (n, b) => n + b.SecurityGroups.reduce((m, g) => m + g.Permissions.length, 0),
        0,
      ),
    ).toBe(c.rules);
    expect(blocks.reduce((n, b) => n + b.Instances.length, 0)).toBe(c.instances);
    expect(blocks.reduce((n, b) => n + b.Disks.length, 0)).toBe(c.disks);
    expect(world.ram.Users).toHaveLength(c.users);
    expect(world.actiontrail.Events).toHaveLength(c.events);
    expect(world.emulator.latencyMs).toBe(50);
    expect(world.emulator.qps['DescribeSecurityGroupAttribute']).toBe(16);
    expect(world.emulator.qps['LookupEvents']).toBe(2);
    // every policy a principal references exists
    const names = new Set(world.ram.Policies.map((p) => `${p.PolicyType}:${p.PolicyName}`));
    for (const holder of [...world.ram.Users, ...world.ram.Groups, ...world.ram.Roles]) {
      for (const p of holder.Policies) expect(names).toContain(`${p.PolicyType}:${p.PolicyName}`);
    }
  });

  it('writes the world atomically, as a file the emulator loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-world-'));
    try {
      const file = join(dir, 'nested', 'w.json');
      const input = generateWorld({ scale: 0.005, seed: 3 });
      const bytes = writeWorld(file, input);
      expect(readdirSync(join(dir, 'nested'))).toEqual(['w.json']); // no temporary file left
      const loaded = await loadWorld(file);
      expect(bytes).toBeGreaterThan(1000);
      expect(loaded.ram.Users).toHaveLength(countsFor(0.005).users);
      expect(loaded).toEqual(parseWorld(input, 'w'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives some instances several groups and secondary network interfaces', () => {
    const world = parseWorld(generateWorld({ scale: 0.05, seed: 1 }), 'bench');
    const instances = Object.values(world.ecs).flatMap((b) => b.Instances);
    const groupIds = new Set(
      Object.values(world.ecs).flatMap((b) => b.SecurityGroups.map((g) => g.SecurityGroupId)),
    );
    expect(instances.filter((i) => i.SecurityGroupIds.length > 1).length).toBeGreaterThan(50);
    expect(instances.filter((i) => (i.NetworkInterfaces?.length ?? 0) > 1).length).toBeGreaterThan(
      20,
    );
    // every group an instance or interface names exists
    for (const i of instances) {
      for (const g of [
        ...i.SecurityGroupIds,
        ...(i.NetworkInterfaces ?? []).flatMap((n) => n.SecurityGroupIds ?? []),
      ]) {
        expect(groupIds.has(g)).toBe(true);
      }
    }
  });

  it('keeps regions at most 20 and scales the rest linearly', () => {
    expect(countsFor(1).regions).toBe(20);
    expect(countsFor(3).regions).toBe(20);
    expect(countsFor(3).securityGroups).toBe(15_000);
    expect(countsFor(0.05).regions).toBe(1);
    expect(spread(10, 3)).toEqual([4, 3, 3]);
    const rng = new Rng(1);
    const first = rng.next();
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(1);
  });
});

/** a world small enough to count its calls by hand */
const tiny: WorldInput = {
  version: 1,
  now: '2026-11-01T00:00:00Z',
  account: { accountId: '1', caller: { IdentityType: 'RAMUser' } },
  regions: [{ RegionId: 'r1' }, { RegionId: 'r2' }],
  ecs: {
    r1: {
      // 150 groups: 2 DescribeSecurityGroups pages; 149 VPC groups (1 call each) + 1 classic (2 calls)
      SecurityGroups: [
        ...Array.from({ length: 149 }, (_, i) => ({
          SecurityGroupId: `sg-${i}`,
          VpcId: 'vpc-1',
          Permissions: [
            {
              IpProtocol: 'TCP',
              Direction: 'ingress',
              SourceCidrIp: '',
              Policy: 'Accept',
              Priority: 1,
              NicType: 'intranet',
            },
          ],
        })),
        {
          SecurityGroupId: 'sg-classic',
          Permissions: [
            {
              IpProtocol: 'TCP',
              NicType: 'internet',
              Direction: 'ingress',
              SourceCidrIp: '',
              Policy: 'Accept',
              Priority: 1,
            },
            {
              IpProtocol: 'TCP',
              NicType: 'intranet',
              Direction: 'ingress',
              SourceCidrIp: '',
              Policy: 'Accept',
              Priority: 1,
            },
          ],
        },
      ],
      // 120 instances: 2 DescribeInstances pages, 3 DescribeInstanceRamRole batches,
      // 120 + 2 ENIs (one instance lists 3) = 122 → 1 DescribeNetworkInterfaces page
      Instances: Array.from({ length: 120 }, (_, i) => ({
        InstanceId: `i-${i}`,
        SecurityGroupIds: ['sg-0'],
        ...(i === 0
          ? {
              NetworkInterfaces: [
                { NetworkInterfaceId: 'eni-a', Type: 'Primary' },
                { NetworkInterfaceId: 'eni-b', Type: 'Secondary' },
                { NetworkInterfaceId: 'eni-c', Type: 'Secondary' },
              ],
            }
          : {}),
      })),
      KeyPairs: Array.from({ length: 51 }, (_, i) => ({ KeyPairName: `kp-${i}` })), // 2 pages
      Disks: Array.from({ length: 501 }, (_, i) => ({ DiskId: `d-${i}` })), // 2 pages
      Invocations: [{ InvokeId: 't-1' }], // 1 page
    },
    // r2 has no block: every list costs one (empty) call, no RAM-role call
  },
  ram: {
    Users: [
      {
        UserName: 'a',
        AccessKeys: [{ AccessKeyId: 'k1' }, { AccessKeyId: 'k2' }],
        Policies: [{ PolicyName: 'p1' }],
      },
      { UserName: 'b', Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }] },
      { UserName: 'c' },
    ],
    Groups: [{ GroupName: 'g', Policies: [{ PolicyName: 'p1' }] }],
    Roles: [{ RoleName: 'r', Policies: [{ PolicyName: 'p2' }] }],
    Policies: [
      { PolicyName: 'p1', PolicyDocument: '{}' },
      { PolicyName: 'p2', PolicyDocument: '{}' },
      { PolicyName: 'p3', PolicyDocument: '{}' }, // attached to nobody: not read
      { PolicyName: 'AdministratorAccess', PolicyType: 'System', PolicyDocument: '{}' },
    ],
  },
  actiontrail: {
    Trails: [{ Name: 't', HomeRegion: 'r1' }],
    // r1 sees 60 regional + 1 global = 61 → 2 pages; r2 sees the global one → 1 page;
    // the event older than 90 days is not read
    Events: [
      ...Array.from({ length: 60 }, (_, i) => ({
        eventId: `e-${i}`,
        eventTime: '2026-10-01T00:00:00Z',
        acsRegion: 'r1',
      })),
      { eventId: 'g-1', eventTime: '2026-10-02T00:00:00Z', acsRegion: 'r1', isGlobal: true },
      { eventId: 'old', eventTime: '2026-01-01T00:00:00Z', acsRegion: 'r2' },
    ],
  },
  emulator: { latencyMs: 50, qps: { DescribeSecurityGroupAttribute: 16, LookupEvents: 2 } },
};

describe('minimal-call calculator', () => {
  it('counts a tiny world by hand', () => {
    const min = minimalCalls(parseWorld(tiny, 'tiny'));
    expect(min.byAction).toEqual({
      GetCallerIdentity: 1,
      DescribeRegions: 1,
      DescribeSecurityGroups: 2 + 1,
      DescribeSecurityGroupAttribute: 149 + 2,
      DescribeInstances: 2 + 1,
      DescribeNetworkInterfaces: 1 + 1,
      DescribeInstanceRamRole: 3,
      DescribeKeyPairs: 2 + 1,
      DescribeDisks: 2 + 1,
      DescribeInvocations: 1 + 1,
      // the root's sign-ins (ServiceName=AasCustomer) and DeleteAccessKey events in the global
      // events region (ap-southeast-1); the root has no key (the full read: 2 + 1, below)
      LookupEvents: 1 + 1,
      ListUsers: 1,
      // every user has a row in the credential report (no GetLoginProfile / GetUserMFAInfo);
      // only a's row shows keys, whose slots cannot be matched without a creation date
      ListAccessKeys: 1,
      GetAccessKeyLastUsed: 2,
      ListGroups: 1,
      ListUsersForGroup: 1,
      ListRoles: 1,
      GetRole: 1,
      // the world's 4 policies and the built-in System ones: one page
      ListPolicies: 1,
      ListEntitiesForPolicy: 3,
      GetPolicy: 3,
      GetPasswordPolicy: 1,
      GetSecurityPreference: 1,
      GetAccountSecurityPracticeReport: 1,
      GetAccountMFAInfo: 1,
      GenerateCredentialReport: 2,
      GetCredentialReport: 1,
      DescribeTrails: 2, // one per region
      GetTrailStatus: 1,
      // VPC: one page of each list per region (no NAT gateway, so no forward table)
      DescribeIpv6Addresses: 2,
      DescribeNetworkAcls: 2,
      DescribeNatGateways: 2,
      DescribeEipAddresses: 2,
    });
    expect(min.total).toBe(Object.values(min.byAction).reduce((a, b) => a + b, 0));
    expect(min.lookupEventsFullRead).toBe(2 + 1);
    // the former yardstick: 5 per-user calls × 3 users + 2 keys' last use (vs ListAccessKeys 1 +
    // GetAccessKeyLastUsed 2), ListPoliciesForGroup 1 (vs ListUsersForGroup 1), ListPoliciesForRole 1,
    // and no ListPolicies 1 + ListEntitiesForPolicy 3
    expect(min.perUserDesignTotal - min.total).toBe(15 + 2 - (1 + 2) + (1 - 1) + 1 - (1 + 3));
  });

  it('counts LookupEvents as filtered on the server (issue #15)', () => {
    const ev = (eventId: string, extra: Record<string, unknown>) => ({
      eventId,
      eventName: 'RunInstances',
      eventTime: '2026-10-10T00:00:00Z',
      ...extra,
    });
    const root = { type: 'root-account', accessKeyId: 'LTAIroot' };
    const events = [
      // 51 root sign-ins (2 pages) and 60 RAM-user ones (not read), global: stored in s1
      ...Array.from({ length: 51 }, (_, i) =>
        ev(`rs-${i}`, { eventName: 'ConsoleSignin', isGlobal: true, serviceName: 'AasCustomer' }),
      ),
      ...Array.from({ length: 60 }, (_, i) =>
        ev(`us-${i}`, { eventName: 'ConsoleSignin', isGlobal: true, serviceName: 'AasSub' }),
      ),
      // the root key: 55 calls in r1 (2 pages), none in r2, one global (s1)
      ...Array.from({ length: 55 }, (_, i) =>
        ev(`k-${i}`, { acsRegion: 'r1', userIdentity: root }),
      ),
      ev('k-global', { eventName: 'CreateUser', isGlobal: true, userIdentity: root }),
      // 200 other calls in r2: only the full read pages through them
      ...Array.from({ length: 200 }, (_, i) => ev(`o-${i}`, { acsRegion: 'r2' })),
    ];
    const world = (caller: 'RAMUser' | 'Account', extra: Partial<WorldInput['root']> = {}) =>
      parseWorld(
        {
          version: 1,
          now: '2026-11-01T00:00:00Z',
          account: { accountId: '1', caller: { IdentityType: caller } },
          regions: [{ RegionId: 'r1' }, { RegionId: 'r2' }],
          root: {
            accessKeys: [{ AccessKeyId: 'LTAIroot', LastUsedDate: '2026-10-10T00:00:00Z' }],
            ...extra,
          },
          actiontrail: { GlobalEventsStorageRegion: 's1', Events: events as never },
        },
        'lookups',
      );
    // RAM user: sign-ins 2, DeleteAccessKey 1, one read naming the key, the key in r1 (2), r2, s1
    expect(minimalCalls(world('RAMUser')).byAction['LookupEvents']).toBe(2 + 1 + 1 + 2 + 1 + 1);
    // the root lists its key: no DeleteAccessKey, no search
    expect(minimalCalls(world('Account')).byAction['LookupEvents']).toBe(2 + 2 + 1 + 1);
    // a key last used before the window is not read
    const old = world('RAMUser', {
      accessKeys: [{ AccessKeyId: 'LTAIroot', LastUsedDate: '2026-07-01T00:00:00Z' }],
    });
    expect(minimalCalls(old).byAction['LookupEvents']).toBe(2 + 1);
    // a report generated on 10-09: the 8 reads above, the sign-ins since by name (111: 3 pages), and every event
    // since in r1 (55: 2), r2 (200: 4) and s1 (112: 3)
    const late = world('RAMUser', { credentialReportGeneratedTime: '2026-10-09T00:00:00Z' });
    expect(minimalCalls(late).byAction['LookupEvents']).toBe(8 + 3 + 2 + 4 + 3);
    // the full read: r1 55 + 112 global (4 pages), r2 200 + 112 (7 pages)
    expect(minimalCalls(world('RAMUser')).lookupEventsFullRead).toBe(4 + 7);
  });

  it('bounds wall time by the slowest bucket or the longest chain (api-limits §8)', () => {
    const min = minimalCalls(parseWorld(tiny, 'tiny'));
    const bound = lowerBound(min, tiny.emulator?.qps ?? {}, 50);
    // 151 calls at 16 per 1-s window: 10 windows → 9 s + L, after 2 round trips
    expect(bound.slowestBucket).toMatchObject({
      action: 'DescribeSecurityGroupAttribute',
      region: 'r1',
      calls: 151,
    });
    expect(bound.seconds).toBeCloseTo(2 * 0.05 + 9 + 0.05, 6);
    expect(bound.bindingBy).toBe('bucket');
    // with no limits the longest chain binds: the credential report (generate, poll, 1 page)
    // → ListAccessKeys → GetAccessKeyLastUsed = 5 round trips (r1 security groups: 4)
    const free = lowerBound(min, {}, 50);
    expect(free.bindingBy).toBe('chain');
    expect(free.longestChain.name).toBe('credential report → AccessKeys → last used');
    expect(free.seconds).toBeCloseTo(5 * 0.05, 6);
  });

  it('derives the emulator limits from the flags', () => {
    const q = qpsTable();
    expect(q['DescribeSecurityGroupAttribute']).toBe(16);
    expect(q['GetLoginProfile']).toBe(100);
    expect(q['GetAccessKeyLastUsed']).toBe(100);
    expect(q['GetCallerIdentity']).toBe(100);
    const custom = qpsTable(
      limitsFromFlags({ 'ecs-qps': '5', 'lookup-qps': '1', qps: ['GetAccessKeyLastUsed=350'] }),
    );
    expect(custom['DescribeInstances']).toBe(5);
    expect(custom['LookupEvents']).toBe(1);
    expect(custom['GetAccessKeyLastUsed']).toBe(350);
    expect(() => limitsFromFlags({ qps: ['LookupEvents'] })).toThrow(/Action=N/);
  });
});
