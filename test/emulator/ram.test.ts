/**
 * RAM 2015-05-01 handlers of the emulator, read through the official RAM SDK
 * client over loopback HTTP: Marker paging (odd page sizes included), absent
 * entities, the wire wrappers the SDK models parse, policy documents as JSON
 * strings, secrets never served, and faults on RAM actions.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { $Ram, clients } from '../helpers/sdk.js';

const ACCOUNT = '1234567890123456';
const pad = (n: number) => n.toString().padStart(4, '0');

function range<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

const world: WorldInput = {
  version: 1,
  now: '2026-11-01T00:00:00Z',
  account: {
    accountId: ACCOUNT,
    caller: {
      IdentityType: 'RAMUser',
      UserId: '2000000000000002',
      Arn: `acs:ram::${ACCOUNT}:user/alice`,
    },
  },
  ram: {
    Users: [
      {
        UserName: 'alice',
        UserId: '2000000000000002',
        DisplayName: 'Alice',
        CreateDate: '2024-01-01T00:00:00Z',
        LastLoginDate: '2026-10-01T00:00:00Z',
        Email: 'alice@example.com',
        LoginProfile: {
          PasswordResetRequired: false,
          MFABindRequired: true,
          CreateDate: '2024-01-01T00:00:00Z',
          Password: 'hunter2-world-password',
        },
        MFADevice: { SerialNumber: `acs:ram::${ACCOUNT}:mfa/alice`, Type: 'VMFA' },
        AccessKeys: [
          {
            AccessKeyId: 'LTAIalice1',
            Status: 'Active',
            CreateDate: '2024-01-01T00:00:00Z',
            LastUsedDate: '2026-10-30T00:00:00Z',
            AccessKeySecret: 'world-seeded-secret-1',
          },
          { AccessKeyId: 'LTAIalice2', Status: 'Inactive', CreateDate: '2024-02-01T00:00:00Z' },
        ],
        Groups: ['ops'],
        Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
      },
      { UserName: 'bob' },
      ...range(1200, (i) => ({ UserName: `u-${pad(i)}`, UserId: `3${pad(i)}` })),
    ],
    Groups: [
      {
        GroupName: 'ops',
        Comments: 'operators',
        Policies: [{ PolicyName: 'ecs-operator', PolicyType: 'Custom' }],
      },
      ...range(104, (i) => ({ GroupName: `g-${pad(i)}` })),
    ],
    Roles: [
      {
        RoleName: 'web-role',
        Arn: `acs:ram::${ACCOUNT}:role/web-role`,
        Description: 'for web servers',
        AssumeRolePolicyDocument: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { Service: ['ecs.aliyuncs.com'] },
            },
          ],
        },
        Policies: [{ PolicyName: 'AliyunOSSReadOnlyAccess', PolicyType: 'System' }],
      },
      ...range(9, (i) => ({ RoleName: `r-${i}` })),
    ],
    Policies: [
      {
        PolicyName: 'ecs-operator',
        PolicyType: 'Custom',
        DefaultVersion: 'v2',
        Description: 'run commands',
        PolicyDocument: {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: ['ecs:RunCommand'], Resource: '*' }],
        },
      },
      {
        PolicyName: 'AliyunOSSReadOnlyAccess',
        PolicyType: 'System',
        PolicyDocument:
          '{"Version":"1","Statement":[{"Action":["oss:Get*","oss:List*"],"Effect":"Allow","Resource":"*"}]}',
      },
    ],
    PasswordPolicy: { MinimumPasswordLength: 14, RequireSymbols: true },
    SecurityPreference: { AccessKeyPreference: { AllowUserToManageAccessKeys: true } },
  },
  root: {
    mfaEnabled: false,
    accessKeys: [
      { AccessKeyId: 'LTAIroot1', Status: 'Active', CreateDate: '2019-01-01T00:00:00Z' },
    ],
  },
};

let emu: RunningEmulator;
let ram: InstanceType<typeof import('../helpers/sdk.js').Ram>;

beforeAll(async () => {
  emu = await startEmulator(parseWorld(world));
  ram = clients(emu.url).ram;
});
afterAll(async () => {
  await emu.close();
});

async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

/** follow Marker/IsTruncated to the end; returns the items and the page count */
async function drain<T>(
  fetchPage: (marker: string | undefined) => Promise<{
    items: T[];
    isTruncated: boolean | undefined;
    marker: string | undefined;
  }>,
): Promise<{ items: T[]; pages: number[] }> {
  const items: T[] = [];
  const pages: number[] = [];
  let marker: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await fetchPage(marker);
    items.push(...page.items);
    pages.push(page.items.length);
    if (!page.isTruncated) {
      expect(page.marker ?? '').toBe('');
      return { items, pages };
    }
    expect(page.marker).toBeTruthy();
    marker = page.marker;
  }
  throw new Error('paging did not end');
}

describe('ListUsers', () => {
  it('pages with Marker/MaxItems and IsTruncated (odd page size)', async () => {
    const { items, pages } = await drain(async (marker) => {
      const r = await ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 7, marker }));
      return {
        items: r.body?.users?.user ?? [],
        isTruncated: r.body?.isTruncated,
        marker: r.body?.marker,
      };
    });
    expect(items).toHaveLength(1202);
    expect(pages.slice(0, 3)).toEqual([7, 7, 7]);
    expect(pages.at(-1)).toBe(1202 % 7);
    expect(new Set(items.map((u) => u.userName)).size).toBe(1202);
  });

  it('defaults to 100 per page and caps MaxItems at 1000', async () => {
    const def = await ram.listUsers(new $Ram.ListUsersRequest({}));
    expect(def.body?.users?.user).toHaveLength(100);
    expect(def.body?.isTruncated).toBe(true);
    const big = await ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 5000 }));
    expect(big.body?.users?.user).toHaveLength(1000);
  });

  it('serves list fields only: no facets, no LastLoginDate, no id the world left out', async () => {
    const r = await ram.listUsers(new $Ram.ListUsersRequest({ maxItems: 2 }));
    const wire = r.body?.toMap() as Record<string, unknown>;
    const users = (wire['Users'] as { User: Array<Record<string, unknown>> }).User;
    expect(users[0]).toEqual({
      UserName: 'alice',
      UserId: '2000000000000002',
      DisplayName: 'Alice',
      CreateDate: '2024-01-01T00:00:00Z',
      Email: 'alice@example.com',
    });
    expect(users[1]?.['UserName']).toBe('bob');
    expect(users[1]).not.toHaveProperty('UserId'); // absent is absent (world.md)
  });

  it('rejects a Marker it did not issue with 400 InvalidParameter', async () => {
    const err = await errorOf(ram.listUsers(new $Ram.ListUsersRequest({ marker: 'bogus' })));
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('InvalidParameter');
  });
});

describe('per-user APIs', () => {
  it('GetUser serves LastLoginDate; an unknown user is 404 EntityNotExist.User', async () => {
    const r = await ram.getUser(new $Ram.GetUserRequest({ userName: 'alice' }));
    expect(r.body?.user?.lastLoginDate).toBe('2026-10-01T00:00:00Z');
    const err = await errorOf(ram.getUser(new $Ram.GetUserRequest({ userName: 'nobody' })));
    expect(err['code']).toBe('EntityNotExist.User');
    expect(err['statusCode']).toBe(404);
  });

  it('GetLoginProfile: the profile without the password; absent → 404 EntityNotExist.User.LoginProfile', async () => {
    const r = await ram.getLoginProfile(new $Ram.GetLoginProfileRequest({ userName: 'alice' }));
    expect(r.body?.loginProfile?.MFABindRequired).toBe(true);
    expect(r.body?.loginProfile?.passwordResetRequired).toBe(false);
    expect(r.body?.loginProfile?.userName).toBe('alice');
    expect(JSON.stringify(r.body?.toMap())).not.toContain('hunter2');
    const err = await errorOf(
      ram.getLoginProfile(new $Ram.GetLoginProfileRequest({ userName: 'bob' })),
    );
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('EntityNotExist.User.LoginProfile');
    expect(err['statusCode']).toBe(404);
  });

  it('GetUserMFAInfo: the device; absent → 404 EntityNotExist.User.MFADevice', async () => {
    const r = await ram.getUserMFAInfo(new $Ram.GetUserMFAInfoRequest({ userName: 'alice' }));
    expect(r.body?.MFADevice?.serialNumber).toBe(`acs:ram::${ACCOUNT}:mfa/alice`);
    expect(r.body?.MFADevice?.type).toBe('VMFA');
    const err = await errorOf(
      ram.getUserMFAInfo(new $Ram.GetUserMFAInfoRequest({ userName: 'bob' })),
    );
    expect(err['code']).toBe('EntityNotExist.User.MFADevice');
    expect(err['statusCode']).toBe(404);
  });

  it('ListAccessKeys: ids, status and dates, never the secret nor LastUsedDate', async () => {
    const r = await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'alice' }));
    const wire = JSON.stringify(r.body?.toMap());
    expect(wire).not.toContain('world-seeded-secret');
    expect(wire).not.toContain('LastUsedDate');
    expect(r.body?.accessKeys?.accessKey?.map((k) => [k.accessKeyId, k.status])).toEqual([
      ['LTAIalice1', 'Active'],
      ['LTAIalice2', 'Inactive'],
    ]);
    const none = await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({ userName: 'bob' }));
    expect(none.body?.accessKeys?.accessKey).toEqual([]);
  });

  it("ListAccessKeys without UserName lists the RAM-user caller's own keys, never root's", async () => {
    const r = await ram.listAccessKeys(new $Ram.ListAccessKeysRequest({}));
    const ids = r.body?.accessKeys?.accessKey?.map((k) => k.accessKeyId);
    expect(ids).toEqual(['LTAIalice1', 'LTAIalice2']);
  });

  it('ListAccessKeys without UserName lists root.accessKeys when the caller is the root identity', async () => {
    const rootWorld = {
      ...world,
      account: { accountId: ACCOUNT, caller: { IdentityType: 'Account' } },
    };
    const e = await startEmulator(parseWorld(rootWorld));
    try {
      const r = await clients(e.url).ram.listAccessKeys(new $Ram.ListAccessKeysRequest({}));
      expect(r.body?.accessKeys?.accessKey?.map((k) => k.accessKeyId)).toEqual(['LTAIroot1']);
    } finally {
      await e.close();
    }
  });

  it('GetAccessKeyLastUsed: the date, none when never used, 404 for a foreign key', async () => {
    const used = await ram.getAccessKeyLastUsed(
      new $Ram.GetAccessKeyLastUsedRequest({ userName: 'alice', userAccessKeyId: 'LTAIalice1' }),
    );
    expect(used.body?.accessKeyLastUsed?.lastUsedDate).toBe('2026-10-30T00:00:00Z');
    const never = await ram.getAccessKeyLastUsed(
      new $Ram.GetAccessKeyLastUsedRequest({ userName: 'alice', userAccessKeyId: 'LTAIalice2' }),
    );
    expect(never.body?.accessKeyLastUsed?.lastUsedDate).toBeUndefined();
    const err = await errorOf(
      ram.getAccessKeyLastUsed(
        new $Ram.GetAccessKeyLastUsedRequest({ userName: 'bob', userAccessKeyId: 'LTAIalice1' }),
      ),
    );
    expect(err['statusCode']).toBe(404);
  });

  it('ListGroupsForUser and ListPoliciesForUser', async () => {
    const g = await ram.listGroupsForUser(new $Ram.ListGroupsForUserRequest({ userName: 'alice' }));
    expect(g.body?.groups?.group?.map((x) => [x.groupName, x.comments])).toEqual([
      ['ops', 'operators'],
    ]);
    const p = await ram.listPoliciesForUser(
      new $Ram.ListPoliciesForUserRequest({ userName: 'alice' }),
    );
    expect(p.body?.policies?.policy?.map((x) => [x.policyName, x.policyType])).toEqual([
      ['AdministratorAccess', 'System'],
    ]);
    const none = await ram.listPoliciesForUser(
      new $Ram.ListPoliciesForUserRequest({ userName: 'bob' }),
    );
    expect(none.body?.policies?.policy).toEqual([]);
    const err = await errorOf(
      ram.listGroupsForUser(new $Ram.ListGroupsForUserRequest({ userName: 'ghost' })),
    );
    expect(err['code']).toBe('EntityNotExist.User');
  });
});

describe('groups, roles and policies', () => {
  it('ListGroups pages at most 100 per call', async () => {
    const { items, pages } = await drain(async (marker) => {
      const r = await ram.listGroups(new $Ram.ListGroupsRequest({ maxItems: 1000, marker }));
      return {
        items: r.body?.groups?.group ?? [],
        isTruncated: r.body?.isTruncated,
        marker: r.body?.marker,
      };
    });
    expect(items).toHaveLength(105);
    expect(pages).toEqual([100, 5]);
    expect(items[0]?.groupId).toBeUndefined(); // the world writes no GroupId: absent is absent
  });

  it('ListPoliciesForGroup fills DefaultVersion and Description from the policy', async () => {
    const r = await ram.listPoliciesForGroup(
      new $Ram.ListPoliciesForGroupRequest({ groupName: 'ops' }),
    );
    expect(r.body?.policies?.policy?.[0]).toMatchObject({
      policyName: 'ecs-operator',
      policyType: 'Custom',
      defaultVersion: 'v2',
      description: 'run commands',
    });
    const err = await errorOf(
      ram.listPoliciesForGroup(new $Ram.ListPoliciesForGroupRequest({ groupName: 'nope' })),
    );
    expect(err['code']).toBe('EntityNotExist.Group');
  });

  it('ListRoles (odd page size) has no trust policy; GetRole serves it as a JSON string', async () => {
    const { items } = await drain(async (marker) => {
      const r = await ram.listRoles(new $Ram.ListRolesRequest({ maxItems: 3, marker }));
      return {
        items: r.body?.roles?.role ?? [],
        isTruncated: r.body?.isTruncated,
        marker: r.body?.marker,
      };
    });
    expect(items).toHaveLength(10);
    expect(items[0]?.arn).toBe(`acs:ram::${ACCOUNT}:role/web-role`);
    expect(JSON.stringify(items)).not.toContain('AssumeRolePolicyDocument');
    const r = await ram.getRole(new $Ram.GetRoleRequest({ roleName: 'web-role' }));
    const doc = r.body?.role?.assumeRolePolicyDocument;
    expect(typeof doc).toBe('string');
    expect(JSON.parse(doc as string).Statement[0].Principal.Service).toEqual(['ecs.aliyuncs.com']);
    const pol = await ram.listPoliciesForRole(
      new $Ram.ListPoliciesForRoleRequest({ roleName: 'web-role' }),
    );
    expect(pol.body?.policies?.policy?.[0]?.policyName).toBe('AliyunOSSReadOnlyAccess');
    const err = await errorOf(ram.getRole(new $Ram.GetRoleRequest({ roleName: 'ghost' })));
    expect(err['code']).toBe('EntityNotExist.Role');
    expect(err['statusCode']).toBe(404);
  });

  it('GetPolicy: Policy plus DefaultPolicyVersion with the document as a JSON string', async () => {
    const r = await ram.getPolicy(
      new $Ram.GetPolicyRequest({ policyName: 'ecs-operator', policyType: 'Custom' }),
    );
    expect(r.body?.policy).toMatchObject({
      policyName: 'ecs-operator',
      policyType: 'Custom',
      defaultVersion: 'v2',
      attachmentCount: 1,
    });
    expect(r.body?.defaultPolicyVersion?.versionId).toBe('v2');
    expect(r.body?.defaultPolicyVersion?.isDefaultVersion).toBe(true);
    const doc = JSON.parse(r.body?.defaultPolicyVersion?.policyDocument as string);
    expect(doc.Statement[0].Action).toEqual(['ecs:RunCommand']);
    // a document written as a string is served unchanged
    const oss = await ram.getPolicy(
      new $Ram.GetPolicyRequest({ policyName: 'AliyunOSSReadOnlyAccess', policyType: 'System' }),
    );
    expect(oss.body?.defaultPolicyVersion?.policyDocument).toContain('"oss:Get*"');
  });

  it('GetPolicy knows AdministratorAccess without the world listing it', async () => {
    const r = await ram.getPolicy(
      new $Ram.GetPolicyRequest({ policyName: 'AdministratorAccess', policyType: 'System' }),
    );
    const doc = JSON.parse(r.body?.defaultPolicyVersion?.policyDocument as string);
    expect(doc.Statement).toEqual([{ Action: '*', Effect: 'Allow', Resource: '*' }]);
    expect(r.body?.policy?.attachmentCount).toBe(1);
  });

  it('GetPolicy of an unknown policy or the wrong type is 404 EntityNotExist.Policy', async () => {
    for (const req of [
      { policyName: 'nope', policyType: 'Custom' },
      { policyName: 'ecs-operator', policyType: 'System' },
    ]) {
      const err = await errorOf(ram.getPolicy(new $Ram.GetPolicyRequest(req)));
      expect(err['code']).toBe('EntityNotExist.Policy');
      expect(err['statusCode']).toBe(404);
    }
  });

  it("GetPasswordPolicy serves the world's block as written (absent is absent); GetSecurityPreference merges over a new account's", async () => {
    const p = await ram.getPasswordPolicy();
    expect(p.body?.passwordPolicy).toMatchObject({
      minimumPasswordLength: 14,
      requireSymbols: true,
    });
    // the world's block names two settings: the others are not invented
    expect(p.body?.passwordPolicy?.requireNumbers).toBeUndefined();
    expect(p.body?.passwordPolicy?.maxLoginAttemps).toBeUndefined();
    const s = await ram.getSecurityPreference();
    expect(s.body?.securityPreference?.accessKeyPreference?.allowUserToManageAccessKeys).toBe(true);
    expect(s.body?.securityPreference?.loginProfilePreference?.loginSessionDuration).toBe(6);
    expect(s.body?.securityPreference?.MFAPreference?.allowUserToManageMFADevices).toBe(true);
  });
});

describe('faults on RAM actions', () => {
  const extra: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((e) => e.close()));
  });

  async function withFaults(faults: NonNullable<WorldInput['emulator']>['faults']) {
    const e = await startEmulator(parseWorld({ ...world, emulator: { faults } }));
    extra.push(e);
    return clients(e.url).ram;
  }

  it('throttle on ListUsers: ThrottlingError, then the page', async () => {
    const r = await withFaults([{ action: 'ListUsers', kind: 'throttle', count: 1 }]);
    const err = await errorOf(r.listUsers(new $Ram.ListUsersRequest({})));
    expect(err.name).toBe('ThrottlingError');
    expect(err['code']).toBe('Throttling.User');
    await expect(r.listUsers(new $Ram.ListUsersRequest({}))).resolves.toBeTruthy();
  });

  it('accessDenied on GetPolicy: 403 Forbidden.RAM with AuthAction ram:GetPolicy', async () => {
    const r = await withFaults([{ action: 'GetPolicy', kind: 'accessDenied' }]);
    const err = await errorOf(
      r.getPolicy(new $Ram.GetPolicyRequest({ policyName: 'ecs-operator', policyType: 'Custom' })),
    );
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('Forbidden.RAM');
    expect(err['statusCode']).toBe(403);
    expect(err['accessDeniedDetail']).toMatchObject({ AuthAction: 'ram:GetPolicy' });
  });

  it('repeatPage on ListUsers: IsTruncated stays true with the same Marker', async () => {
    const r = await withFaults([{ action: 'ListUsers', kind: 'repeatPage' }]);
    const first = await r.listUsers(new $Ram.ListUsersRequest({ maxItems: 10 }));
    const again = await r.listUsers(
      new $Ram.ListUsersRequest({ maxItems: 10, marker: first.body?.marker }),
    );
    expect(again.body?.isTruncated).toBe(true);
    expect(again.body?.marker).toBe(first.body?.marker);
    expect(again.body?.users?.user?.[0]?.userName).toBe('alice');
  });

  it('params-matched fault: only GetLoginProfile of bob fails with 503', async () => {
    const r = await withFaults([
      { action: 'GetLoginProfile', kind: 'serverError', params: { UserName: 'alice' } },
    ]);
    const err = await errorOf(
      r.getLoginProfile(new $Ram.GetLoginProfileRequest({ userName: 'alice' })),
    );
    expect(err.name).toBe('ServerError');
    const other = await errorOf(
      r.getLoginProfile(new $Ram.GetLoginProfileRequest({ userName: 'bob' })),
    );
    expect(other['code']).toBe('EntityNotExist.User.LoginProfile');
  });
});
