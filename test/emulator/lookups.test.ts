/**
 * Answers the emulator finds through lookups built once per world list
 * (src/emulator/memo.ts) instead of searching the list per call: the same
 * items in the same order as a search would give, read through the official
 * SDK clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { $Ecs, $Ram, clients } from '../helpers/sdk.js';

const R = 'cn-hangzhou';
const SHARED = { PolicyName: 'shared', PolicyType: 'Custom' };

const world: WorldInput = {
  version: 1,
  account: { accountId: '1234567890123456' },
  regions: [{ RegionId: R }],
  ecs: {
    [R]: {
      Instances: [
        { InstanceId: 'i-a', RamRoleName: 'role-a' },
        { InstanceId: 'i-none' },
        { InstanceId: 'i-b', RamRoleName: 'role-b' },
        { InstanceId: 'i-c', RamRoleName: 'role-a' },
      ],
    },
  },
  ram: {
    Users: [
      // the policy attached twice to one user, once with its type in other case
      { UserName: 'dup', Policies: [SHARED, { ...SHARED, PolicyType: 'custom' }] },
      { UserName: 'dup', DisplayName: 'second of the name', Policies: [] },
      { UserName: 'other', Policies: [{ ...SHARED, AttachDate: '2026-01-01T00:00:00Z' }] },
    ],
    Groups: [{ GroupName: 'g', Policies: [{ ...SHARED, PolicyType: 'CUSTOM' }] }],
    Roles: [{ RoleName: 'r', Policies: [{ PolicyName: 'shared', PolicyType: 'System' }] }],
    Policies: [
      { ...SHARED, DefaultVersion: 'v1', PolicyDocument: { Version: '1', Statement: [] } },
    ],
  },
};

let emu: RunningEmulator;
let sdk: ReturnType<typeof clients>;

beforeAll(async () => {
  emu = await startEmulator(parseWorld(world));
  sdk = clients(emu.url);
});
afterAll(async () => {
  await emu.close();
});

describe('lookups built once per world list', () => {
  it('DescribeInstanceRamRole answers the ids asked for in world order, once each', async () => {
    const ids = async (instanceIds: string[], ramRoleName?: string) => {
      const r = await sdk.ecs.describeInstanceRamRole(
        new $Ecs.DescribeInstanceRamRoleRequest({
          regionId: R,
          instanceIds: JSON.stringify(instanceIds),
          ...(ramRoleName ? { ramRoleName } : {}),
        }),
      );
      return r.body?.instanceRamRoleSets?.instanceRamRoleSet?.map((s) => s.instanceId);
    };
    expect(await ids(['i-c', 'i-none', 'i-a', 'i-c', 'i-x'])).toEqual(['i-a', 'i-c']);
    expect(await ids(['i-c', 'i-b', 'i-a'], 'role-a')).toEqual(['i-a', 'i-c']);
  });

  it('a user name held twice is the first user, as a search finds it', async () => {
    const r = await sdk.ram.getUser(new $Ram.GetUserRequest({ userName: 'dup' }));
    expect(r.body?.user?.displayName).toBeUndefined();
    const keys = await sdk.ram.listPoliciesForUser(
      new $Ram.ListPoliciesForUserRequest({ userName: 'dup' }),
    );
    expect(keys.body?.policies?.policy).toHaveLength(2);
  });

  it('counts each holder of a policy once, its type compared without case', async () => {
    const p = await sdk.ram.getPolicy(
      new $Ram.GetPolicyRequest({ policyName: 'shared', policyType: 'Custom' }),
    );
    // dup (twice), other, g; not the role (a System policy of the same name)
    expect(p.body?.policy?.attachmentCount).toBe(3);
    const e = await sdk.ram.listEntitiesForPolicy(
      new $Ram.ListEntitiesForPolicyRequest({ policyName: 'shared', policyType: 'Custom' }),
    );
    expect(e.body?.users?.user?.map((u) => [u.userName, u.attachDate])).toEqual([
      ['dup', undefined],
      ['other', '2026-01-01T00:00:00Z'],
    ]);
    expect(e.body?.groups?.group?.map((g) => g.groupName)).toEqual(['g']);
    expect(e.body?.roles?.role ?? []).toEqual([]);
  });
});
