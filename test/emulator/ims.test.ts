/**
 * IMS 2019-08-15 handlers of the emulator, read through the official IMS SDK
 * client over loopback HTTP: the security practice report, account MFA, the
 * generate-and-poll credential report cycle with its `<root>` row and paging,
 * the IMS user variants keyed by UserPrincipalName, and faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/collectors/ims.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { $Ims, clients } from '../helpers/sdk.js';

const ACCOUNT = '1234567890123456';
const running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

function baseWorld(extra: Partial<WorldInput> = {}): WorldInput {
  return {
    version: 1,
    now: '2026-11-01T00:00:00Z',
    account: { accountId: ACCOUNT },
    ram: {
      Users: [
        {
          UserName: 'alice',
          UserId: '2000000000000002',
          CreateDate: '2024-01-01T00:00:00Z',
          LastLoginDate: '2026-10-01T00:00:00Z',
          LoginProfile: { CreateDate: '2024-01-01T00:00:00Z', Password: 'world-password' },
          MFADevice: { SerialNumber: `acs:ram::${ACCOUNT}:mfa/alice`, Type: 'VMFA' },
          AccessKeys: [
            {
              AccessKeyId: 'LTAIalice1',
              Status: 'Active',
              CreateDate: '2024-01-01T00:00:00Z',
              LastUsedDate: '2026-10-30T00:00:00Z',
              AccessKeySecret: 'alice-secret',
            },
          ],
          Groups: ['ops'],
        },
        {
          UserName: 'bob',
          CreateDate: '2026-10-20T00:00:00Z',
          AccessKeys: [
            { AccessKeyId: 'LTAIbob1', Status: 'Active', CreateDate: '2026-10-21T00:00:00Z' },
          ],
        },
        { UserName: 'carol, "the admin"' },
      ],
      Groups: [{ GroupName: 'ops', Comments: 'operators' }],
      PasswordPolicy: { MinimumPasswordLength: 8, HardExpiry: true },
    },
    root: {
      mfaEnabled: false,
      lastLoginDate: '2026-10-20T00:00:00Z',
      accessKeys: [
        {
          AccessKeyId: 'LTAIroot1',
          Status: 'Active',
          CreateDate: '2019-01-01T00:00:00Z',
          LastUsedDate: '2026-10-31T00:00:00Z',
        },
        { AccessKeyId: 'LTAIroot2', Status: 'Inactive', CreateDate: '2020-01-01T00:00:00Z' },
        { AccessKeyId: 'LTAIroot3', Status: 'Active', CreateDate: '2021-01-01T00:00:00Z' },
      ],
    },
    ...extra,
  };
}

async function imsFor(world: WorldInput) {
  const emu = await startEmulator(parseWorld(world));
  running.push(emu);
  return { emu, ims: clients(emu.url).ims };
}

async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

function decode(content: string | undefined): string[][] {
  return parseCsv(Buffer.from(content ?? '', 'base64').toString('utf8'));
}

describe('account posture', () => {
  it('GetAccountSecurityPracticeReport derives the root and sub-user figures from the world', async () => {
    const { ims } = await imsFor(baseWorld());
    const r = await ims.getAccountSecurityPracticeReport();
    const info = r.body?.accountSecurityPracticeInfo;
    expect(info?.accountSecurityPracticeUserInfo).toEqual(
      expect.objectContaining({
        rootWithAccessKey: 3,
        bindMfa: false,
        subUser: 3,
        subUserBindMfa: 1,
        subUserWithOldAccessKey: 1,
        subUserWithUnusedAccessKey: 1,
        oldAkNum: 1,
        unusedAkNum: 1,
        subUserPwdLevel: 'low',
      }),
    );
    expect(typeof info?.score).toBe('number');
    // the raw wire types the collector checks: a number and a boolean
    const wire = r.body?.toMap() as Record<string, Record<string, Record<string, unknown>>>;
    const user = wire['AccountSecurityPracticeInfo']?.['AccountSecurityPracticeUserInfo'];
    expect(typeof user?.['RootWithAccessKey']).toBe('number');
    expect(typeof user?.['BindMfa']).toBe('boolean');
  });

  it('GetAccountMFAInfo and BindMfa follow root.mfaEnabled', async () => {
    const off = await imsFor(baseWorld());
    expect((await off.ims.getAccountMFAInfo()).body?.isMFAEnable).toBe(false);
    const on = await imsFor(baseWorld({ root: { mfaEnabled: true, accessKeys: [] } }));
    expect((await on.ims.getAccountMFAInfo()).body?.isMFAEnable).toBe(true);
    const report = await on.ims.getAccountSecurityPracticeReport();
    expect(report.body?.accountSecurityPracticeInfo?.accountSecurityPracticeUserInfo).toMatchObject(
      {
        bindMfa: true,
        rootWithAccessKey: 0,
      },
    );
  });
});

describe('credential report', () => {
  it('is not ready on the first poll, COMPLETED after; GetCredentialReport fails before that', async () => {
    const { ims } = await imsFor(baseWorld());
    const early = await errorOf(ims.getCredentialReport(new $Ims.GetCredentialReportRequest({})));
    expect(early.name).toBe('ClientError');
    expect(early['statusCode']).toBe(404);
    expect((await ims.generateCredentialReport()).body?.state).toBe('STARTED');
    const still = await errorOf(ims.getCredentialReport(new $Ims.GetCredentialReportRequest({})));
    expect(still['statusCode']).toBe(404);
    expect((await ims.generateCredentialReport()).body?.state).toBe('COMPLETED');
    expect((await ims.generateCredentialReport()).body?.state).toBe('COMPLETED');
    const r = await ims.getCredentialReport(new $Ims.GetCredentialReportRequest({}));
    expect(r.body?.generatedTime).toBe('2026-11-01T00:00:00Z');
    expect(r.body?.isTruncated).toBe('false');
    expect(r.body?.nextToken ?? '').toBe('');
  });

  it('serves a base64 CSV with the official columns, a <root> row first and one row per user', async () => {
    const { ims } = await imsFor(baseWorld());
    await ims.generateCredentialReport();
    await ims.generateCredentialReport();
    const r = await ims.getCredentialReport(new $Ims.GetCredentialReportRequest({}));
    const [header, ...rows] = decode(r.body?.content);
    expect(header?.slice(0, 16)).toEqual([
      'user',
      'user_creation_time',
      'user_last_logon',
      'password_exist',
      'password_active',
      'password_last_changed',
      'password_next_rotation',
      'mfa_active',
      'access_key_1_exist',
      'access_key_1_active',
      'access_key_1_last_rotated',
      'access_key_1_last_used',
      'access_key_2_exist',
      'access_key_2_active',
      'access_key_2_last_rotated',
      'access_key_2_last_used',
    ]);
    // root has 3 keys: one additional slot
    expect(header?.slice(16)).toEqual([
      'additional_access_key_1_exist',
      'additional_access_key_1_active',
      'additional_access_key_1_last_rotated',
      'additional_access_key_1_last_used',
    ]);
    const byUser = new Map(
      rows.map((row) => [row[0], Object.fromEntries(header!.map((h, i) => [h, row[i]]))]),
    );
    expect(rows[0]?.[0]).toBe('<root>');
    expect(byUser.get('<root>')).toMatchObject({
      user_last_logon: '2026-10-20T00:00:00Z',
      password_exist: 'TRUE',
      password_active: 'N/A',
      mfa_active: 'FALSE',
      access_key_1_exist: 'TRUE',
      access_key_1_active: 'TRUE',
      access_key_1_last_rotated: '2019-01-01T00:00:00Z',
      access_key_1_last_used: '2026-10-31T00:00:00Z',
      access_key_2_active: 'FALSE',
      access_key_2_last_used: '-',
      additional_access_key_1_exist: 'TRUE',
    });
    expect(byUser.get(`alice@${ACCOUNT}.onaliyun.com`)).toMatchObject({
      password_exist: 'TRUE',
      password_active: 'TRUE',
      mfa_active: 'TRUE',
      access_key_1_exist: 'TRUE',
      access_key_2_exist: 'FALSE',
      access_key_2_active: 'N/A',
    });
    expect(byUser.get(`bob@${ACCOUNT}.onaliyun.com`)).toMatchObject({
      user_last_logon: '-',
      password_exist: 'FALSE',
      password_active: 'N/A',
      mfa_active: 'FALSE',
    });
    // a name with a comma and quotes survives CSV quoting
    expect(byUser.has(`carol, "the admin"@${ACCOUNT}.onaliyun.com`)).toBe(true);
    const text = Buffer.from(r.body?.content ?? '', 'base64').toString('utf8');
    expect(text).not.toContain('secret');
    expect(text).not.toContain('world-password');
  });

  it("without root.lastLoginDate, the <root> row's last logon is the latest successful root sign-in the report can know", async () => {
    const signin = (eventId: string, eventTime: string, extra: Record<string, unknown> = {}) => ({
      eventId,
      eventName: 'ConsoleSignin',
      eventType: 'ConsoleSignin',
      eventTime,
      isGlobal: true,
      userIdentity: { type: 'root-account', accountId: ACCOUNT, userName: 'root' },
      ...extra,
    });
    const lastLogon = async (world: WorldInput) => {
      const { ims } = await imsFor(world);
      await ims.generateCredentialReport();
      await ims.generateCredentialReport();
      const r = await ims.getCredentialReport(new $Ims.GetCredentialReportRequest({}));
      const [header, root] = decode(r.body?.content);
      return root?.[header?.indexOf('user_last_logon') ?? -1];
    };
    const events = [
      signin('a', '2026-10-10T08:00:00.250Z'),
      // a failed attempt is not a logon; a RAM user's sign-in is not the root's
      signin('b', '2026-10-12T08:00:00Z', { errorCode: 'InvalidPassword' }),
      signin('c', '2026-10-13T08:00:00Z', { userIdentity: { type: 'ram-user', userName: 'x' } }),
      // after the report was generated
      signin('d', '2026-10-20T08:00:00Z'),
    ];
    const world = (root: Record<string, unknown>) =>
      baseWorld({
        root: { mfaEnabled: true, ...root },
        actiontrail: { Events: events as never },
      });
    expect(await lastLogon(world({ credentialReportGeneratedTime: '2026-10-15T00:00:00Z' }))).toBe(
      '2026-10-10T08:00:00Z',
    );
    expect(await lastLogon(world({}))).toBe('2026-10-20T08:00:00Z');
    // the world's own value wins; no sign-in at all is "-" (never)
    expect(await lastLogon(world({ lastLoginDate: '2026-09-01T00:00:00Z' }))).toBe(
      '2026-09-01T00:00:00Z',
    );
    expect(await lastLogon(baseWorld({ root: { mfaEnabled: true } }))).toBe('-');
  });

  it('pages with MaxItems/NextToken (odd page size), each page carrying the header', async () => {
    const users = Array.from({ length: 10 }, (_, i) => ({ UserName: `u${i}` }));
    const { ims } = await imsFor(baseWorld({ ram: { Users: users } }));
    await ims.generateCredentialReport();
    await ims.generateCredentialReport();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await ims.getCredentialReport(
        new $Ims.GetCredentialReportRequest({ maxItems: '3', nextToken: token }),
      );
      const [header, ...rows] = decode(r.body?.content);
      expect(header?.[0]).toBe('user');
      seen.push(...rows.map((row) => row[0] ?? ''));
      token = r.body?.nextToken || undefined;
      expect(r.body?.isTruncated).toBe(token ? 'true' : 'false');
      pages++;
    } while (token && pages < 20);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(11);
    expect(seen[0]).toBe('<root>');
  });
});

describe('IMS user variants (UserPrincipalName)', () => {
  it('ListUsers, GetUser and GetLoginProfile name users by their principal name', async () => {
    const { ims } = await imsFor(baseWorld());
    const list = await ims.listUsers(new $Ims.ListUsersRequest({ maxItems: 2 }));
    expect(list.body?.isTruncated).toBe(true);
    expect(list.body?.users?.user?.[0]).toMatchObject({
      userPrincipalName: `alice@${ACCOUNT}.onaliyun.com`,
      lastLoginDate: '2026-10-01T00:00:00Z',
    });
    const upn = `alice@${ACCOUNT}.onaliyun.com`;
    const lp = await ims.getLoginProfile(
      new $Ims.GetLoginProfileRequest({ userPrincipalName: upn }),
    );
    expect(lp.body?.loginProfile?.userPrincipalName).toBe(upn);
    expect(JSON.stringify(lp.body?.toMap())).not.toContain('world-password');
    const err = await errorOf(
      ims.getLoginProfile(
        new $Ims.GetLoginProfileRequest({ userPrincipalName: `bob@${ACCOUNT}.onaliyun.com` }),
      ),
    );
    expect(err['code']).toBe('EntityNotExist.User.LoginProfile');
  });

  it('GetAccessKeyLastUsed and ListAccessKeys (no secret)', async () => {
    const { ims } = await imsFor(baseWorld());
    const upn = `alice@${ACCOUNT}.onaliyun.com`;
    const used = await ims.getAccessKeyLastUsed(
      new $Ims.GetAccessKeyLastUsedRequest({
        userPrincipalName: upn,
        userAccessKeyId: 'LTAIalice1',
      }),
    );
    expect(used.body?.accessKeyLastUsed?.lastUsedDate).toBe('2026-10-30T00:00:00Z');
    const keys = await ims.listAccessKeys(
      new $Ims.ListAccessKeysRequest({ userPrincipalName: upn }),
    );
    expect(keys.body?.accessKeys?.accessKey?.map((k) => k.accessKeyId)).toEqual(['LTAIalice1']);
    expect(JSON.stringify(keys.body?.toMap())).not.toContain('alice-secret');
  });

  it('GetPasswordPolicy says HardExpire (IMS) where RAM says HardExpiry', async () => {
    const { ims } = await imsFor(baseWorld());
    const r = await ims.getPasswordPolicy();
    const wire = r.body?.toMap() as Record<string, Record<string, unknown>>;
    expect(wire['PasswordPolicy']?.['HardExpire']).toBe(true);
    expect(wire['PasswordPolicy']).not.toHaveProperty('HardExpiry');
  });
});

describe('faults on IMS actions', () => {
  it('throttle on GenerateCredentialReport, accessDenied on GetAccountSecurityPracticeReport', async () => {
    const { ims, emu } = await imsFor(
      baseWorld({
        emulator: {
          faults: [
            { action: 'GenerateCredentialReport', kind: 'throttle', count: 1 },
            { action: 'GetAccountSecurityPracticeReport', kind: 'accessDenied' },
          ],
        },
      }),
    );
    const t = await errorOf(ims.generateCredentialReport());
    expect(t.name).toBe('ThrottlingError');
    // the throttled call did not advance the cycle
    expect((await ims.generateCredentialReport()).body?.state).toBe('STARTED');
    const d = await errorOf(ims.getAccountSecurityPracticeReport());
    expect(d['code']).toBe('Forbidden.RAM');
    expect(d['statusCode']).toBe(403);
    expect(d['accessDeniedDetail']).toMatchObject({
      AuthAction: 'ram:GetAccountSecurityPracticeReport',
    });
    expect(emu.stats().faults).toBe(2);
  });
});
