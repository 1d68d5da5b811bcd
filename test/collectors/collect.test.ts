/**
 * A full collect (STS, ECS, RAM, IMS, ActionTrail) of a small world through the
 * real SDK clients, checked by hand; the actions it used; root vs RAM-user callers;
 * paging past the first page of the RAM and ActionTrail lists.
 */
import { describe, expect, it } from 'vitest';
import { READ_ACTIONS } from '../../src/collectors/gate.js';
import type { WorldInput } from '../../src/emulator/world.js';
import { TEST_SECRET } from './env.js';
import { ACCOUNT, baseWorld, isolateCollectorRuns, runCollect } from './harness.js';

isolateCollectorRuns();

const ROOT_IDENTITY = {
  type: 'root-account',
  principalId: ACCOUNT,
  accountId: ACCOUNT,
  userName: 'root',
};

function world(caller: 'RAMUser' | 'Account' = 'RAMUser'): WorldInput {
  return baseWorld({
    account: {
      accountId: ACCOUNT,
      caller:
        caller === 'Account'
          ? {
              IdentityType: 'Account',
              AccountId: ACCOUNT,
              UserId: ACCOUNT,
              PrincipalId: ACCOUNT,
              Arn: `acs:ram::${ACCOUNT}:root`,
            }
          : {
              IdentityType: 'RAMUser',
              AccountId: ACCOUNT,
              UserId: '2001',
              PrincipalId: '2001',
              Arn: `acs:ram::${ACCOUNT}:user/auditor`,
            },
    },
    regions: [
      { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)' },
      { RegionId: 'ap-southeast-1', LocalName: 'Singapore' },
    ],
    ecs: {
      'cn-hangzhou': {
        SecurityGroups: [{ SecurityGroupId: 'sg-1', VpcId: 'vpc-1', Permissions: [] }],
        Instances: [
          {
            InstanceId: 'i-1',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-1'],
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
            RamRoleName: 'web-role',
          },
        ],
      },
    },
    ram: {
      Users: [
        {
          UserName: 'alice',
          UserId: '2002',
          DisplayName: 'Alice',
          CreateDate: '2024-01-01T00:00:00Z',
          LastLoginDate: '2026-10-01T00:00:00Z',
          LoginProfile: {
            PasswordResetRequired: false,
            MFABindRequired: true,
            CreateDate: '2024-01-01T00:00:00Z',
          },
          MFADevice: { SerialNumber: `acs:ram::${ACCOUNT}:mfa/alice`, Type: 'VMFA' },
          AccessKeys: [
            {
              AccessKeyId: 'LTAIalice1',
              Status: 'Active',
              CreateDate: '2024-01-01T00:00:00Z',
              LastUsedDate: '2026-10-30T00:00:00Z',
            },
          ],
          Groups: ['ops'],
          Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
        },
        {
          UserName: 'bob',
          UserId: '2003',
          AccessKeys: [
            { AccessKeyId: 'LTAIbob0001', Status: 'Inactive', CreateDate: '2023-01-01T00:00:00Z' },
          ],
        },
      ],
      Groups: [
        {
          GroupName: 'ops',
          Comments: 'operators',
          Policies: [{ PolicyName: 'ecs-operator', PolicyType: 'Custom' }],
        },
      ],
      Roles: [
        {
          RoleName: 'web-role',
          Arn: `acs:ram::${ACCOUNT}:role/web-role`,
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
      ],
      Policies: [
        {
          PolicyName: 'ecs-operator',
          PolicyType: 'Custom',
          DefaultVersion: 'v2',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: ['ecs:RunCommand'], Resource: '*' }],
          },
        },
        {
          PolicyName: 'AdministratorAccess',
          PolicyType: 'System',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          },
        },
        {
          PolicyName: 'AliyunOSSReadOnlyAccess',
          PolicyType: 'System',
          PolicyDocument: JSON.stringify({
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: 'oss:Get*', Resource: '*' }],
          }),
        },
      ],
      PasswordPolicy: {
        MinimumPasswordLength: 8,
        RequireLowercaseCharacters: true,
        RequireUppercaseCharacters: true,
        RequireNumbers: true,
        RequireSymbols: false,
        MaxPasswordAge: 0,
        PasswordReusePrevention: 0,
        MaxLoginAttemps: 5,
        HardExpiry: false,
      },
      SecurityPreference: {
        LoginProfilePreference: {
          EnableSaveMFATicket: false,
          AllowUserToChangePassword: true,
          LoginSessionDuration: 6,
          LoginNetworkMasks: '',
        },
        AccessKeyPreference: { AllowUserToManageAccessKeys: false },
        MFAPreference: { AllowUserToManageMFADevices: true },
      },
    },
    root: {
      mfaEnabled: false,
      lastLoginDate: '2026-10-20T00:00:00Z',
      accessKeys: [
        {
          AccessKeyId: 'LTAIroot1',
          Status: 'Active',
          CreateDate: '2019-01-01T00:00:00Z',
          // e-api: a RAM-user caller learns the key's id from its last use
          LastUsedDate: '2026-10-21T03:00:00Z',
        },
      ],
    },
    actiontrail: {
      Trails: [
        {
          Name: 'account-trail',
          Status: 'Enable',
          HomeRegion: 'cn-hangzhou',
          TrailRegion: 'All',
          EventRW: 'All',
          SlsProjectArn: `acs:log:cn-hangzhou:${ACCOUNT}:project/audit`,
          IsOrganizationTrail: false,
          TrailStatus: { IsLogging: true, LatestDeliveryError: '' },
        },
      ],
      Events: [
        {
          eventId: 'e-login',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: '2026-10-20T03:00:00Z',
          acsRegion: 'cn-hangzhou',
          isGlobal: true,
          serviceName: 'AasCustomer',
          sourceIpAddress: '203.0.113.7',
          userIdentity: ROOT_IDENTITY,
          additionalEventData: {
            loginAccount: 'owner@example.com',
            isMFAChecked: 'false',
            callbackUrl: 'https://x',
          },
        },
        {
          eventId: 'e-api',
          eventName: 'CreateUser',
          eventType: 'ApiCall',
          eventTime: '2026-10-21T03:00:00Z',
          acsRegion: 'ap-southeast-1',
          serviceName: 'Ram',
          userIdentity: { ...ROOT_IDENTITY, accessKeyId: 'LTAIroot1' },
          requestParameters: { UserName: 'x', Password: 'Sup3rS3cret!' },
          responseElements: { token: 'abc' },
        },
        {
          eventId: 'e-ramuser',
          eventName: 'DescribeInstances',
          eventType: 'ApiCall',
          eventTime: '2026-10-22T03:00:00Z',
          acsRegion: 'cn-hangzhou',
          userIdentity: {
            type: 'ram-user',
            principalId: '2002',
            accountId: ACCOUNT,
            userName: 'alice',
          },
        },
        {
          eventId: 'e-old',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: '2026-08-01T03:00:00Z',
          acsRegion: 'cn-hangzhou',
          isGlobal: true,
          userIdentity: ROOT_IDENTITY,
        },
      ],
    },
  });
}

describe('a full collect', () => {
  it('matches the hand-checked inventory and uses only READ_ACTIONS', async () => {
    const { inventory, emulator } = await runCollect(world());
    expect(inventory.coverage).toEqual([]);
    expect(inventory.account).toEqual({
      id: ACCOUNT,
      caller: {
        identityType: 'RAMUser',
        accountId: ACCOUNT,
        arn: `acs:ram::${ACCOUNT}:user/auditor`,
        userId: '2001',
        principalId: '2001',
      },
      credentialSource: 'default/env',
      callerAccessKeyIdMasked: '****0001',
    });
    expect(inventory.scope).toEqual({
      regions: ['cn-hangzhou', 'ap-southeast-1'],
      since: '2026-10-01T00:00:00.000Z',
      until: '2026-11-01T00:00:00.000Z',
    });
    expect(inventory.ecs.instances[0]?.ramRoleName).toBe('web-role');

    expect(inventory.ram.users).toEqual([
      {
        name: 'alice',
        id: '2002',
        displayName: 'Alice',
        createDate: '2024-01-01T00:00:00Z',
        // from the credential report's user row (RAM ListUsers has no last logon)
        lastLoginDate: '2026-10-01T00:00:00Z',
        // console password and MFA from the report's row: known to exist, no further detail
        loginProfile: {},
        mfaDevice: {},
        // ids and status from ListAccessKeys, the last use from the report slot created at the same second
        accessKeys: [
          {
            id: 'LTAIalice1',
            status: 'Active',
            createDate: '2024-01-01T00:00:00Z',
            lastUsedDate: '2026-10-30T00:00:00Z',
          },
        ],
        groups: ['ops'],
        policies: [{ name: 'AdministratorAccess', type: 'System' }],
        factsSource: {
          from: 'credential-report',
          generatedTime: '2026-11-01T00:00:00Z',
          reason: 'the user has a row in the credential report',
        },
      },
      {
        name: 'bob',
        id: '2003',
        displayName: '',
        lastLoginDate: null,
        loginProfile: null,
        mfaDevice: null,
        accessKeys: [
          {
            id: 'LTAIbob0001',
            status: 'Inactive',
            createDate: '2023-01-01T00:00:00Z',
            lastUsedDate: null,
          },
        ],
        groups: [],
        policies: [],
        factsSource: {
          from: 'credential-report',
          generatedTime: '2026-11-01T00:00:00Z',
          reason: 'the user has a row in the credential report',
        },
      },
    ]);
    expect(inventory.ram.groups).toEqual([
      { name: 'ops', comments: 'operators', policies: [{ name: 'ecs-operator', type: 'Custom' }] },
    ]);
    expect(inventory.ram.roles).toEqual([
      {
        name: 'web-role',
        arn: `acs:ram::${ACCOUNT}:role/web-role`,
        trustPolicy: {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { Service: ['ecs.aliyuncs.com'] },
            },
          ],
        },
        policies: [{ name: 'AliyunOSSReadOnlyAccess', type: 'System' }],
      },
    ]);
    const byName = Object.fromEntries(inventory.ram.policies.map((p) => [p.name, p]));
    expect(Object.keys(byName).sort()).toEqual([
      'AdministratorAccess',
      'AliyunOSSReadOnlyAccess',
      'ecs-operator',
    ]);
    expect(byName['ecs-operator']).toMatchObject({
      type: 'Custom',
      defaultVersion: 'v2',
      document: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: ['ecs:RunCommand'], Resource: '*' }],
      },
    });
    expect(byName['AliyunOSSReadOnlyAccess']?.document).toEqual({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: 'oss:Get*', Resource: '*' }],
    });
    expect(inventory.ram.passwordPolicy).toEqual({
      minimumPasswordLength: 8,
      requireLowercaseCharacters: true,
      requireUppercaseCharacters: true,
      requireNumbers: true,
      requireSymbols: false,
      maxPasswordAge: 0,
      passwordReusePrevention: 0,
      maxLoginAttempts: 5,
      hardExpiry: false,
    });
    expect(inventory.ram.securityPreference).toEqual({
      enableSaveMfaTicket: false,
      allowUserToChangePassword: true,
      loginSessionDuration: 6,
      loginNetworkMasks: '',
      allowUserToManageAccessKeys: false,
      allowUserToManageMfaDevices: true,
    });

    expect(inventory.root.securityPracticeReport).toEqual({ rootWithAccessKey: 1, bindMfa: false });
    expect(inventory.root.accountMfaEnabled).toBe(false);
    expect(inventory.root.credentialReport).toMatchObject({
      mfaActive: false,
      accessKeys: [{ slot: '1', active: true, lastUsed: expect.stringMatching(/^2026-10-21/) }],
    });
    expect(inventory.root.ownAccessKeys).toBeUndefined();

    expect(inventory.actiontrail.trails).toEqual([
      {
        name: 'account-trail',
        status: 'Enable',
        homeRegion: 'cn-hangzhou',
        trailRegion: 'All',
        eventRW: 'All',
        isOrganizationTrail: false,
        slsProjectArn: `acs:log:cn-hangzhou:${ACCOUNT}:project/audit`,
        ossBucketName: '',
        trailStatus: { isLogging: true, latestDeliveryError: '' },
      },
    ]);
    expect(inventory.actiontrail.window).toEqual({
      start: '2026-10-01T00:00:00.000Z',
      end: '2026-11-01T00:00:00.000Z',
    });
    // root events only, within the window, de-duplicated across regions
    expect(inventory.actiontrail.events).toEqual([
      {
        eventId: 'e-api',
        eventName: 'CreateUser',
        eventType: 'ApiCall',
        eventTime: '2026-10-21T03:00:00Z',
        serviceName: 'Ram',
        acsRegion: 'ap-southeast-1',
        userIdentity: { ...ROOT_IDENTITY, accessKeyId: 'LTAIroot1' },
        seenInRegions: ['ap-southeast-1'],
      },
      {
        eventId: 'e-login',
        eventName: 'ConsoleSignin',
        eventType: 'ConsoleSignin',
        eventTime: '2026-10-20T03:00:00Z',
        serviceName: 'AasCustomer',
        acsRegion: 'cn-hangzhou',
        isGlobal: true,
        sourceIpAddress: '203.0.113.7',
        userIdentity: ROOT_IDENTITY,
        additionalEventData: { loginAccount: 'owner@example.com', isMFAChecked: 'false' },
        // sign-ins are read where global events are stored (the API calls per key, everywhere)
        seenInRegions: ['ap-southeast-1'],
      },
    ]);
    const text = JSON.stringify(inventory);
    expect(text).not.toContain('Sup3rS3cret!');
    expect(text).not.toContain(TEST_SECRET);

    const allowed = new Set<string>(Object.values(READ_ACTIONS).flat());
    const used = Object.keys(emulator.stats().requests);
    expect(used.filter((a) => !allowed.has(a))).toEqual([]);
    expect(used).toContain('GetCallerIdentity');
  });

  it('a root caller gets root.ownAccessKeys; a RAM-user caller does not', async () => {
    const root = await runCollect(world('Account'));
    expect(root.inventory.account.caller.identityType).toBe('Account');
    expect(root.inventory.root.ownAccessKeys).toEqual([
      { id: 'LTAIroot1', status: 'Active', createDate: '2019-01-01T00:00:00Z' },
    ]);
    const user = await runCollect(world('RAMUser'));
    expect(user.inventory.root.ownAccessKeys).toBeUndefined();
  });

  it('AccessDenied on a per-user API leaves only that fact absent', async () => {
    const w = world();
    // a credential report older than every user: their facts are read per user
    w.root = { ...w.root, credentialReportGeneratedTime: '2000-01-01T00:00:00Z' };
    w.emulator = {
      faults: [{ action: 'GetLoginProfile', kind: 'accessDenied', params: { UserName: 'alice' } }],
    };
    const { inventory } = await runCollect(w);
    expect(inventory.coverage).toEqual([
      {
        service: 'ram',
        region: null,
        operation: 'GetLoginProfile',
        resource: 'alice',
        error: { code: 'Forbidden.RAM', message: expect.any(String) },
      },
    ]);
    const alice = inventory.ram.users.find((u) => u.name === 'alice');
    expect(alice && 'loginProfile' in alice).toBe(false);
    expect(alice?.mfaDevice).not.toBeUndefined();
    expect(inventory.ram.users.find((u) => u.name === 'bob')?.loginProfile).toBeNull();
  });

  it('a look-back window beyond the 90-day retention reads what is kept and reports the rest', async () => {
    const { inventory } = await runCollect(world(), { since: new Date('2026-06-01T00:00:00Z') });
    const gaps = inventory.coverage.filter((c) => c.operation === 'LookupEvents');
    expect(gaps.map((g) => [g.service, g.region, g.error.code]).sort()).toEqual([
      ['actiontrail', 'ap-southeast-1', 'WindowBeyondRetention'],
      ['actiontrail', 'cn-hangzhou', 'WindowBeyondRetention'],
    ]);
    expect(inventory.actiontrail.window.start).toBe('2026-06-01T00:00:00.000Z');
    expect(inventory.actiontrail.events.map((e) => e.eventId)).toEqual(['e-api', 'e-login']);
  });

  it('pages past the first page of ListGroups and LookupEvents at their real maximum page size', async () => {
    const w = baseWorld({
      ram: { Groups: Array.from({ length: 101 }, (_, i) => ({ GroupName: `g${i}` })) },
      actiontrail: {
        Events: Array.from({ length: 51 }, (_, i) => ({
          eventId: `ev-${i}`,
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: `2026-10-${String(10 + (i % 20)).padStart(2, '0')}T00:00:${String(i % 60).padStart(2, '0')}Z`,
          acsRegion: 'cn-hangzhou',
          // a sign-in is a global event; the root's are the AasCustomer service's
          isGlobal: true,
          serviceName: 'AasCustomer',
          userIdentity: ROOT_IDENTITY,
        })),
      },
    });
    const { inventory, emulator } = await runCollect(w);
    expect(inventory.coverage).toEqual([]);
    expect(inventory.ram.groups).toHaveLength(101);
    expect(inventory.actiontrail.events).toHaveLength(51);
    const req = emulator.stats().requests;
    expect(req['ListGroups']).toBe(2);
    // two pages of the root's sign-ins (ServiceName=AasCustomer; the credential report's last
    // logon, the latest of them, is among them) in the global events region (ap-southeast-1, the
    // service's default) and the root's DeleteAccessKey events there; the root has no AccessKey
    expect(req['LookupEvents']).toBe(3);
  });

  it('pages every RAM, IMS and ActionTrail list (maxPageSize 10)', async () => {
    // the real maxima (1000 users/roles) would cost thousands of per-user calls here;
    // maxPageSize drives the same paging code with small pages
    const w = baseWorld({
      ram: {
        Users: Array.from({ length: 25 }, (_, i) => ({ UserName: `u${i}` })),
        Groups: Array.from({ length: 25 }, (_, i) => ({ GroupName: `g${i}` })),
        Roles: Array.from({ length: 25 }, (_, i) => ({
          RoleName: `r${i}`,
          AssumeRolePolicyDocument: { Version: '1', Statement: [] },
        })),
      },
      root: {
        mfaEnabled: true,
        accessKeys: [
          { AccessKeyId: 'LTAIroot1', Status: 'Active', CreateDate: '2024-01-01T00:00:00Z' },
        ],
      },
      actiontrail: {
        Events: Array.from({ length: 25 }, (_, i) => ({
          eventId: `ev-${i}`,
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: `2026-10-${String(5 + i).padStart(2, '0')}T00:00:00Z`,
          acsRegion: 'cn-hangzhou',
          isGlobal: true,
          serviceName: 'AasCustomer',
          userIdentity: ROOT_IDENTITY,
        })),
      },
    });
    const { inventory, emulator } = await runCollect(w, { maxPageSize: 10 });
    expect(inventory.coverage).toEqual([]);
    expect(inventory.ram.users.map((u) => u.name)).toEqual(
      Array.from({ length: 25 }, (_, i) => `u${i}`),
    );
    expect(inventory.ram.groups).toHaveLength(25);
    expect(inventory.ram.roles).toHaveLength(25);
    expect(inventory.actiontrail.events).toHaveLength(25);
    expect(new Set(inventory.actiontrail.events.map((e) => e.eventId)).size).toBe(25);
    // the credential report (26 rows: <root> and 25 users) came in 3 pages
    expect(inventory.root.credentialReport).toMatchObject({
      mfaActive: true,
      accessKeys: [{ slot: '1', active: true }],
    });
    const req = emulator.stats().requests;
    expect(req['ListUsers']).toBe(3);
    expect(req['ListGroups']).toBe(3);
    expect(req['ListRoles']).toBe(3);
    // three pages of the root's sign-ins in the global events region (ap-southeast-1) and one of the root's
    // DeleteAccessKey events; the root's key was never used (credential report)
    expect(req['LookupEvents']).toBe(4);
    expect(req['GetCredentialReport']).toBe(3);
  });
});

describe('ActionTrail trails', () => {
  it('are asked in every scanned region: homed elsewhere, multi-region shadows and organization trails, each once', async () => {
    const w = baseWorld({
      regions: [
        { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)' },
        { RegionId: 'ap-southeast-1', LocalName: 'Singapore' },
      ],
      actiontrail: {
        Trails: [
          // homed in the second scanned region, single-region
          {
            Name: 'sg-only',
            Status: 'Enable',
            HomeRegion: 'ap-southeast-1',
            TrailRegion: 'ap-southeast-1',
            EventRW: 'Write',
          },
          // multi-region, homed in a region the scan does not cover: seen as a shadow trail
          {
            Name: 'global',
            Status: 'Enable',
            HomeRegion: 'eu-central-1',
            TrailRegion: 'All',
            EventRW: 'All',
            TrailStatus: { IsLogging: false, LatestDeliveryError: 'NoSuchBucket' },
          },
          // an organization trail logging this member account
          {
            Name: 'org',
            Status: 'Enable',
            HomeRegion: 'cn-hangzhou',
            TrailRegion: 'All',
            EventRW: 'All',
            IsOrganizationTrail: true,
          },
        ],
      },
    });
    const { inventory, emulator } = await runCollect(w);
    expect(inventory.coverage).toEqual([]);
    const trails = [...(inventory.actiontrail.trails ?? [])].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    expect(
      trails.map((t) => [t.name, t.homeRegion, t.isOrganizationTrail, t.trailStatus?.isLogging]),
    ).toEqual([
      ['global', 'eu-central-1', false, false],
      ['org', 'cn-hangzhou', true, true],
      ['sg-only', 'ap-southeast-1', false, true],
    ]);
    expect(trails[0]?.trailStatus?.latestDeliveryError).toBe('NoSuchBucket');
    expect(emulator.stats().requests['DescribeTrails']).toBe(2);
    expect(emulator.stats().requests['GetTrailStatus']).toBe(3);
  });

  it('a DescribeTrails failure in one region costs only that region, which coverage names', async () => {
    const w = baseWorld({
      regions: [
        { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)' },
        { RegionId: 'ap-southeast-1', LocalName: 'Singapore' },
      ],
      actiontrail: {
        Trails: [
          {
            Name: 't',
            Status: 'Enable',
            HomeRegion: 'cn-hangzhou',
            TrailRegion: 'cn-hangzhou',
            EventRW: 'All',
          },
        ],
      },
      emulator: {
        faults: [{ action: 'DescribeTrails', region: 'ap-southeast-1', kind: 'accessDenied' }],
      },
    });
    const { inventory } = await runCollect(w);
    // the other region's trails stay known (a multi-region trail shows in every region)
    expect(inventory.actiontrail.trails?.map((t) => t.name)).toEqual(['t']);
    expect(inventory.coverage).toEqual([
      {
        service: 'actiontrail',
        region: 'ap-southeast-1',
        operation: 'DescribeTrails',
        error: { code: 'Forbidden.RAM', message: expect.any(String) },
      },
    ]);
  });
});
