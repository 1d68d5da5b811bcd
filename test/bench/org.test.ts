import { describe, expect, it } from 'vitest';
import { bigMemberSeconds, cpuSecondsOf, organizationWorld } from '../../bench/org.js';
import { parseWorld } from '../../src/emulator/world.js';

describe('organization benchmark', () => {
  it('gives every member the member role, trusting the management account', () => {
    const { org } = organizationWorld({
      members: 2,
      small: 0.01,
      big: 0.02,
      latencyMs: 0,
      seed: 1,
    });
    expect(() => parseWorld(org)).not.toThrow();
    const management = org.account?.accountId;
    const accounts = org.organization?.accounts ?? [];
    expect(accounts.map((a) => a.DisplayName)).toEqual(['small-0', 'small-1', 'big']);
    for (const a of accounts) {
      const roles = (a.world as { ram: { Roles: Array<Record<string, unknown>> } }).ram.Roles;
      const role = roles.find((r) => r['RoleName'] === 'ResourceDirectoryAccountAccessRole');
      // without its trust policy every member reports a GetRole coverage gap
      expect(role?.['AssumeRolePolicyDocument'], a.AccountId).toEqual({
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { RAM: [`acs:ram::${management}:root`] },
          },
        ],
      });
    }
  });

  it("reads the big member's time from its stderr line, and a process's CPU seconds", () => {
    const line =
      'ecs-audit: account 1000000000000021 (big): 76895 finding(s), 0 coverage gap(s) in 52.8 s';
    expect(bigMemberSeconds(`ecs-audit: organization: 21 of 21 account(s)\n${line}\nnext`)).toBe(
      52.8,
    );
    expect(bigMemberSeconds(line.replace('(big)', '(small-3)'))).toBeNull();
    expect(bigMemberSeconds(undefined)).toBeNull();
    // this process has run for a while; a pid that does not exist reads as unknown
    expect(cpuSecondsOf(process.pid)).toBeGreaterThan(0);
    expect(cpuSecondsOf(2 ** 30)).toBeNull();
    expect(cpuSecondsOf(undefined)).toBeNull();
  });
});
