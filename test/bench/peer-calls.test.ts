import { describe, expect, it } from 'vitest';
import { PEER_USERS_PAGE, prowlerCalls } from '../../bench/peer-calls.js';
import { parseWorld } from '../../src/emulator/world.js';

/** two regions (3 groups and 1 instance, none), 2 users, 50 ms a call */
function tiny(users = 2) {
  return parseWorld({
    version: 1,
    account: { accountId: '1', caller: { IdentityType: 'RAMUser', AccountId: '1' } },
    regions: [{ RegionId: 'cn-hangzhou' }, { RegionId: 'cn-beijing' }],
    ecs: {
      'cn-hangzhou': {
        SecurityGroups: [
          { SecurityGroupId: 'sg-1' },
          { SecurityGroupId: 'sg-2' },
          { SecurityGroupId: 'sg-3' },
        ],
        Instances: [{ InstanceId: 'i-1' }],
      },
    },
    ram: { Users: Array.from({ length: users }, (_, i) => ({ UserName: `u${i}` })) },
    emulator: { latencyMs: 50, qps: {} },
  });
}

describe("Prowler's call pattern", () => {
  it('counts each call of the pattern on a tiny world', () => {
    const p = prowlerCalls(tiny());
    expect(p.byAction).toEqual({
      GetCallerIdentity: 1,
      DescribeSecurityGroups: 2,
      DescribeInstances: 2,
      DescribeDisks: 2,
      DescribeTrails: 2,
      // one call per group and direction
      DescribeSecurityGroupAttribute: 6,
      ListUsers: 1,
      ListPolicies: 1,
      GetPasswordPolicy: 1,
      ListAccessKeys: 2,
      GetLoginProfile: 2,
      ListPoliciesForUser: 2,
      ListGroupsForUser: 2,
    });
    expect(p.calls).toBe(26);
    expect(p.truncatedUsers).toBe(0);
    // STS, then the slower chain: hangzhou's group list + 6 attribute calls (7 × 50 ms)
    // against 8 sequential RAM calls after ListUsers (9 × 50 ms)
    expect(p.lowerBoundSeconds).toBeCloseTo(0.05 + 0.05 + 8 * 0.05, 6);
  });

  it('per-user calls grow with the users, sequentially; unpaged ListUsers misses the rest', () => {
    const p = prowlerCalls(tiny(250));
    expect(p.byAction['ListUsers']).toBe(1);
    expect(p.byAction['GetLoginProfile']).toBe(250);
    expect(p.truncatedUsers).toBe(250 - PEER_USERS_PAGE);
    expect(p.lowerBoundSeconds).toBeCloseTo(0.05 + 0.05 + 250 * 4 * 0.05, 6);
  });

  it('a quota bounds a chain when it is slower than the latency', () => {
    const p = prowlerCalls(tiny(), { DescribeSecurityGroupAttribute: 1 }, 0);
    // 6 attribute calls at 1/s in one region
    expect(p.lowerBoundSeconds).toBeCloseTo(6, 6);
  });
});
