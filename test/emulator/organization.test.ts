/**
 * Organization worlds in the emulator (world.md "Several accounts"), through
 * the official SDK clients: Resource Manager ListAccounts (paged), STS
 * AssumeRole into a member's role, and every request routed to the account
 * whose credentials signed it.
 */
import ResourceManagerPkg, * as $Rm from '@alicloud/resourcemanager20200331';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { $Ecs, $Sts, clients, config, Sts, type TestKeys } from '../helpers/sdk.js';

type RmClass = typeof ResourceManagerPkg.default;
/** the CJS class, whichever way the loader hands it over (see helpers/sdk.ts) */
const ResourceManager: RmClass =
  (ResourceManagerPkg as { default?: RmClass }).default ??
  (ResourceManagerPkg as unknown as RmClass);

const ROLE = 'ResourceDirectoryAccountAccessRole';
const MANAGEMENT = '1000000000000001';
const role = { RoleName: ROLE };
const group = (id: string) => ({ SecurityGroupId: id, Permissions: [] });

function orgWorld(caller = 'RAMUser'): WorldInput {
  return {
    version: 1,
    account: {
      accountId: MANAGEMENT,
      caller: { IdentityType: caller, Arn: `acs:ram::${MANAGEMENT}:user/auditor` },
      accessKeys: [{ AccessKeyId: 'LTAImanagement01', AccessKeySecret: 'management-secret' }],
    },
    organization: {
      managementAccountId: MANAGEMENT,
      accounts: [
        {
          AccountId: MANAGEMENT,
          DisplayName: 'management',
          Type: 'CloudAccount',
          Status: 'CreateSuccess',
          world: {
            regions: [{ RegionId: 'cn-hangzhou' }],
            ecs: { 'cn-hangzhou': { SecurityGroups: [group('sg-mgmt')] } },
          },
        },
        ...Array.from({ length: 11 }, (_, i) => ({
          AccountId: `10000000000001${String(i).padStart(2, '0')}`,
          DisplayName: `member-${i}`,
          Type: 'ResourceAccount',
          world: {
            regions: [{ RegionId: 'cn-hangzhou' }],
            ram: { Roles: i === 3 ? [] : [role] },
            ecs: { 'cn-hangzhou': { SecurityGroups: [group(`sg-member-${i}`)] } },
          },
        })),
      ],
    },
  };
}

const KEYS = { accessKeyId: 'LTAImanagement01', accessKeySecret: 'management-secret' };

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator(parseWorld(orgWorld()));
});
afterAll(async () => {
  await emu?.close();
});

async function assume(account: string) {
  const res = await clients(emu.url, KEYS).sts.assumeRole(
    new $Sts.AssumeRoleRequest({
      roleArn: `acs:ram::${account}:role/${ROLE}`,
      roleSessionName: 'ecs-audit',
    }),
  );
  return res.body!.credentials!;
}

async function groupsWith(keys: {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
}) {
  const res = await clients(emu.url, keys).ecs.describeSecurityGroups(
    new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-hangzhou' }),
  );
  return res.body!.securityGroups!.securityGroup!.map((g) => g.securityGroupId);
}

describe('ListAccounts', () => {
  it('pages through every member with the wire format of the SDK model', async () => {
    const rm = new ResourceManager(config(emu.url, KEYS));
    const first = await rm.listAccounts(
      new $Rm.ListAccountsRequest({ pageSize: 5, pageNumber: 1 }),
    );
    expect(first.body?.totalCount).toBe(12);
    expect(first.body?.accounts?.account).toHaveLength(5);
    expect(first.body?.accounts?.account?.[0]).toMatchObject({
      accountId: MANAGEMENT,
      displayName: 'management',
      type: 'CloudAccount',
      status: 'CreateSuccess',
    });
    const third = await rm.listAccounts(
      new $Rm.ListAccountsRequest({ pageSize: 5, pageNumber: 3 }),
    );
    expect(third.body?.accounts?.account?.map((a) => a.accountId)).toEqual([
      '1000000000000109',
      '1000000000000110',
    ]);
    // what a world leaves out the answer leaves out (world.md): the members name no Status
    expect(third.body?.accounts?.account?.[0]?.status).toBeUndefined();
    expect(third.body?.accounts?.account?.[0]?.type).toBe('ResourceAccount');
  });
});

describe('AssumeRole', () => {
  it("hands out STS credentials that read the member's own world, and only that", async () => {
    const creds = await assume('1000000000000105');
    expect(creds.accessKeyId).toMatch(/^STS\./);
    const member = {
      accessKeyId: creds.accessKeyId!,
      accessKeySecret: creds.accessKeySecret!,
      securityToken: creds.securityToken!,
    };
    expect(await groupsWith(member)).toEqual(['sg-member-5']);
    // the caller's own credentials read the management account's resources
    expect(await groupsWith(KEYS)).toEqual(['sg-mgmt']);
    // the member's identity is the assumed role
    const who = await new Sts(config(emu.url, member)).getCallerIdentity();
    expect(who.body).toMatchObject({
      accountId: '1000000000000105',
      identityType: 'AssumedRoleUser',
    });
    // the token belongs to the key: without it, or with another, the key is refused
    await expect(groupsWith({ ...member, securityToken: 'forged' })).rejects.toMatchObject({
      code: 'InvalidSecurityToken.Mismatch',
    });
    // a member cannot read the directory
    const rm = new ResourceManager(config(emu.url, member));
    await expect(rm.listAccounts(new $Rm.ListAccountsRequest({}))).rejects.toMatchObject({
      code: 'EntityNotExists.ResourceDirectory',
    });
    const stats = emu.stats().accounts ?? {};
    expect(stats['1000000000000105']?.requests['DescribeSecurityGroups']).toBe(1);
    expect(stats[MANAGEMENT]?.requests['AssumeRole']).toBeGreaterThan(0);
  });

  it('a member without the role: EntityNotExist.Role', async () => {
    await expect(assume('1000000000000103')).rejects.toMatchObject({
      code: 'EntityNotExist.Role',
    });
    await expect(assume('1999999999999999')).rejects.toMatchObject({
      code: 'EntityNotExist.Role',
    });
  });

  it('the root identity is refused', async () => {
    const root = await startEmulator(parseWorld(orgWorld('Account')));
    try {
      const sts = clients(root.url, KEYS).sts;
      await expect(
        sts.assumeRole(
          new $Sts.AssumeRoleRequest({
            roleArn: `acs:ram::1000000000000100:role/${ROLE}`,
            roleSessionName: 'ecs-audit',
          }),
        ),
      ).rejects.toMatchObject({
        code: 'NoPermission',
        message: expect.stringContaining('Roles may not be assumed by root accounts'),
      });
    } finally {
      await root.close();
    }
  });
});

describe("members' worlds as world.md writes them", () => {
  const TWO = '1000000000000002';
  /** a two-member organization; `member` is the second member's world */
  const twoMembers = (member: Record<string, unknown>, top: Partial<WorldInput> = {}) =>
    parseWorld({
      ...orgWorld(),
      organization: {
        managementAccountId: MANAGEMENT,
        accounts: [
          { AccountId: MANAGEMENT, Type: 'CloudAccount', world: {} },
          { AccountId: TWO, Type: 'ResourceAccount', world: member },
        ],
      },
      ...top,
    });
  const memberWorld = (extra: Record<string, unknown> = {}) => ({
    regions: [{ RegionId: 'cn-hangzhou' }],
    ram: { Roles: [role] },
    ecs: { 'cn-hangzhou': { SecurityGroups: [group('sg-two')] } },
    ...extra,
  });

  /** start the world, enter the second member, run `fn` with its credentials */
  async function asMember<T>(
    world: ReturnType<typeof parseWorld>,
    fn: (url: string, member: TestKeys) => Promise<T>,
  ): Promise<T> {
    const org = await startEmulator(world);
    try {
      const creds = (
        await clients(org.url, KEYS).sts.assumeRole(
          new $Sts.AssumeRoleRequest({
            roleArn: `acs:ram::${TWO}:role/${ROLE}`,
            roleSessionName: 'ecs-audit',
          }),
        )
      ).body!.credentials!;
      return await fn(org.url, {
        accessKeyId: creds.accessKeyId!,
        accessKeySecret: creds.accessKeySecret!,
        securityToken: creds.securityToken!,
      });
    } finally {
      await org.close();
    }
  }

  it('need no version, and an account block without accountId is the member', async () => {
    // the spec's own example: `world: { account: {...}, regions: [...], ... }`, no version
    const world = twoMembers(memberWorld({ account: { caller: { IdentityType: 'RAMUser' } } }));
    await asMember(world, async (url, member) => {
      const { ecs, sts } = clients(url, member);
      const groups = await ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-hangzhou' }),
      );
      expect(groups.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId)).toEqual([
        'sg-two',
      ]);
      expect((await sts.getCallerIdentity()).body?.accountId).toBe(TWO);
    });
  });

  it("without an emulator block behave as the organization world's (latency, faults)", async () => {
    const top = {
      emulator: {
        latencyMs: 250,
        faults: [{ action: 'DescribeSecurityGroups', kind: 'serverError' as const }],
      },
    };
    const groups = (url: string, member: TestKeys) =>
      clients(url, member).ecs.describeSecurityGroups(
        new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-hangzhou' }),
      );
    await asMember(twoMembers(memberWorld(), top), async (url, member) => {
      const t0 = Date.now();
      await expect(groups(url, member)).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    });
    // a member world with its own block keeps it
    const own = memberWorld({ emulator: { latencyMs: 0 } });
    await asMember(twoMembers(own, top), async (url, member) => {
      const res = await groups(url, member);
      expect(res.body?.securityGroups?.securityGroup).toHaveLength(1);
    });
  });

  it('an accessDenied fault on AssumeRole answers NoPermission, as STS does', async () => {
    const world = twoMembers(memberWorld(), {
      emulator: { latencyMs: 0, faults: [{ action: 'AssumeRole', kind: 'accessDenied' }] },
    });
    await expect(asMember(world, async () => undefined)).rejects.toMatchObject({
      code: 'NoPermission',
      statusCode: 403,
    });
  });
});

describe('single-account worlds', () => {
  it('keep their stats without an accounts block', async () => {
    const single = await startEmulator(
      parseWorld({ version: 1, account: { accountId: '1234567890123456' } }),
    );
    try {
      await clients(single.url).sts.getCallerIdentity();
      expect(single.stats().accounts).toBeUndefined();
      expect(single.stats().requests).toEqual({ GetCallerIdentity: 1 });
    } finally {
      await single.close();
    }
  });
});
