/**
 * ActionTrail at scale (issue #15): server-side LookupEvents filters lose no
 * root event. One world with many non-root events and root events of every
 * kind the rules read (a console sign-in with and without MFA, a failed one,
 * API calls with each root AccessKey in a region and on a global service); the
 * per-key/sign-in filtered reads — root caller (its keys are listed) and
 * RAM-user caller (the credential report's <root> row says when each key was
 * last used, a deleted key is named by the root's DeleteAccessKey event) —
 * must keep exactly what the unfiltered read keeps, with far fewer
 * LookupEvents calls; every branch of the RAM-user caller is proved the same way.
 */
import { describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import { ACCOUNT, baseWorld, isolateCollectorRuns, type Run, runCollect } from './harness.js';

isolateCollectorRuns();

const ROOT = { type: 'root-account', principalId: ACCOUNT, accountId: ACCOUNT, userName: 'root' };
const REGIONS = ['cn-hangzhou', 'cn-beijing'];

function world(
  identityType: 'Account' | 'RAMUser',
  rootKeys?: NonNullable<WorldInput['root']>['accessKeys'],
): WorldInput {
  const events: NonNullable<NonNullable<WorldInput['actiontrail']>['Events']> = [];
  for (let i = 0; i < 600; i++) {
    events.push({
      eventId: `noise-${i}`,
      eventName: i % 7 === 0 ? 'ConsoleSignin' : 'DescribeInstances',
      eventType: i % 7 === 0 ? 'ConsoleSignin' : 'ApiCall',
      eventTime: `2026-10-${String(2 + (i % 28)).padStart(2, '0')}T01:${String(i % 60).padStart(2, '0')}:00Z`,
      acsRegion: REGIONS[i % 2],
      // a RAM user's sign-in is the AasSub service's
      ...(i % 7 === 0 ? { isGlobal: true, serviceName: 'AasSub' } : {}),
      // a RAM user called "root" too: the identity type, not the name, makes a root event
      userIdentity: {
        type: 'ram-user',
        accountId: ACCOUNT,
        userName: i % 3 === 0 ? 'root' : `user${i % 13}`,
        accessKeyId: `LTAI5tNoise${i % 5}`,
      },
    });
  }
  const root = (id: string, extra: Record<string, unknown>) =>
    events.push({ eventId: id, eventTime: '2026-10-15T08:00:00Z', ...extra } as never);
  // the root's sign-ins are the AasCustomer service's; the credential report's last logon is
  // the latest successful one (the emulator's default)
  root('r-signin-mfa', {
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    acsRegion: 'cn-hangzhou',
    isGlobal: true,
    serviceName: 'AasCustomer',
    userIdentity: ROOT,
    additionalEventData: { isMFAChecked: 'true' },
  });
  root('r-signin-nomfa', {
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    acsRegion: 'cn-beijing',
    isGlobal: true,
    serviceName: 'AasCustomer',
    userIdentity: ROOT,
    additionalEventData: { isMFAChecked: 'false' },
  });
  root('r-signin-failed', {
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    isGlobal: true,
    serviceName: 'AasCustomer',
    errorCode: 'InvalidPassword',
    userIdentity: ROOT,
  });
  root('r-api-key1', {
    eventName: 'RunInstances',
    eventType: 'ApiCall',
    acsRegion: 'cn-beijing',
    userIdentity: { ...ROOT, accessKeyId: 'LTAI5tRootKeyOne00001' },
  });
  root('r-api-key2-global', {
    eventName: 'CreateUser',
    eventType: 'ApiCall',
    serviceName: 'Ram',
    isGlobal: true,
    acsRegion: 'cn-hangzhou',
    userIdentity: { ...ROOT, accessKeyId: 'LTAI5tRootKeyTwo00002' },
  });
  root('r-api-key1-hz', {
    eventName: 'DeleteInstance',
    eventType: 'ApiCall',
    acsRegion: 'cn-hangzhou',
    userIdentity: { ...ROOT, accessKeyId: 'LTAI5tRootKeyOne00001' },
  });
  return baseWorld({
    account: {
      accountId: ACCOUNT,
      caller:
        identityType === 'Account'
          ? { IdentityType: 'Account', AccountId: ACCOUNT, Arn: `acs:ram::${ACCOUNT}:root` }
          : {
              IdentityType: 'RAMUser',
              AccountId: ACCOUNT,
              Arn: `acs:ram::${ACCOUNT}:user/auditor`,
            },
    },
    regions: REGIONS.map((RegionId) => ({ RegionId })),
    root: {
      mfaEnabled: true,
      // the credential report shows each key's last use: the events' time
      accessKeys: rootKeys ?? [
        {
          AccessKeyId: 'LTAI5tRootKeyOne00001',
          Status: 'Active',
          CreateDate: '2024-01-01T00:00:00Z',
          LastUsedDate: '2026-10-15T08:00:00Z',
        },
        {
          AccessKeyId: 'LTAI5tRootKeyTwo00002',
          Status: 'Inactive',
          CreateDate: '2024-06-01T00:00:00Z',
          LastUsedDate: '2026-10-15T08:00:00Z',
        },
      ],
    },
    actiontrail: { Events: events, GlobalEventsStorageRegion: 'ap-southeast-1' },
  });
}

/** the unfiltered read: the credential report cannot be read, so nothing says which root keys were used */
function fullRead(w: WorldInput): WorldInput {
  return {
    ...w,
    emulator: {
      latencyMs: 0,
      qps: {},
      faults: [{ action: 'GenerateCredentialReport', kind: 'accessDenied' }],
    },
  };
}

const ids = (r: Run) => r.inventory.actiontrail.events.map((e) => e.eventId).sort();
const lookups = (r: Run) => r.emulator.stats().requests['LookupEvents'] ?? 0;
const trailCoverage = (r: Run) => r.inventory.coverage.filter((c) => c.service === 'actiontrail');
const ALL_ROOT = [
  'r-api-key1',
  'r-api-key1-hz',
  'r-api-key2-global',
  'r-signin-failed',
  'r-signin-mfa',
  'r-signin-nomfa',
];
const SIGN_INS = ['r-signin-failed', 'r-signin-mfa', 'r-signin-nomfa'];

/** the world without the root's API calls (its keys were never used) */
function withoutApiCalls(w: WorldInput): WorldInput {
  const events = (w.actiontrail?.Events ?? []).filter((e) => !e.eventId?.startsWith('r-api-'));
  return { ...w, actiontrail: { ...w.actiontrail, Events: events } };
}

describe('ActionTrail LookupEvents filters', () => {
  it('the filtered reads keep every root event the full read keeps, with far fewer calls', async () => {
    const full = await runCollect(fullRead(world('RAMUser')));
    const root = await runCollect(world('Account'));
    const ramUser = await runCollect(world('RAMUser'));
    expect(ids(full)).toEqual(ALL_ROOT);
    expect(ids(root)).toEqual(ALL_ROOT);
    expect(ids(ramUser)).toEqual(ALL_ROOT);
    expect(trailCoverage(full)).toEqual([]);
    expect(root.inventory.coverage).toEqual([]);
    expect(ramUser.inventory.coverage).toEqual([]);
    // full: two pages of the 89 sign-ins by name (the report is unknown), every event of two
    // regions and the global events region, 50 a page
    expect(lookups(full)).toBeGreaterThanOrEqual(2 + 12);
    // root: one page of the root's 3 sign-ins (ServiceName=AasCustomer, the report's last
    // logon among them) in ap-southeast-1 and one page per key per region (3 regions × 2 keys)
    expect(lookups(root)).toBe(1 + 6);
    // RAM user: the root's sign-ins (1), DeleteAccessKey (1); both keys were last used at
    // 08:00 (two ids needed there): the search back from 09:00 names key 1 in cn-hangzhou (1),
    // read per key (3), finds no other id in cn-beijing (1), names key 2 in ap-southeast-1
    // (1), read per key (3)
    expect(lookups(ramUser)).toBe(1 + 1 + 1 + 3 + 1 + 1 + 3);
    expect(lookups(ramUser)).toBeLessThan(lookups(full));
  });

  it('RAM-user caller, root without AccessKeys: sign-ins and DeleteAccessKey only, no root event lost', async () => {
    const w = withoutApiCalls(world('RAMUser', []));
    const full = await runCollect(fullRead(w));
    const filtered = await runCollect(w);
    expect(ids(full)).toEqual(SIGN_INS);
    expect(ids(filtered)).toEqual(ids(full));
    expect(filtered.inventory.coverage).toEqual([]);
    expect(lookups(filtered)).toBe(1 + 1);
  });

  it('RAM-user caller, root keys last used before the window: the same cheap reads', async () => {
    const w = withoutApiCalls(
      world('RAMUser', [
        {
          AccessKeyId: 'LTAI5tRootKeyOne00001',
          Status: 'Active',
          CreateDate: '2024-01-01T00:00:00Z',
          LastUsedDate: '2026-08-01T00:00:00Z',
        },
        {
          AccessKeyId: 'LTAI5tRootKeyTwo00002',
          Status: 'Active',
          CreateDate: '2024-06-01T00:00:00Z',
        },
      ]),
    );
    const full = await runCollect(fullRead(w));
    const filtered = await runCollect(w);
    expect(ids(filtered)).toEqual(SIGN_INS);
    expect(ids(filtered)).toEqual(ids(full));
    expect(lookups(filtered)).toBe(1 + 1);
  });

  it('RAM-user caller, a root key deleted during the window: its DeleteAccessKey event names it and its calls are read per key', async () => {
    const w = world('RAMUser', []);
    const events = (w.actiontrail?.Events ?? []).map((e) =>
      e.eventId === 'r-api-key1' || e.eventId === 'r-api-key1-hz'
        ? { ...e, userIdentity: { ...ROOT, accessKeyId: 'LTAI5tRootGone000009' } }
        : e,
    );
    events.push(
      {
        eventId: 'r-delete-own-key',
        eventName: 'DeleteAccessKey',
        eventType: 'ConsoleOperation',
        eventTime: '2026-10-20T00:00:00Z',
        isGlobal: true,
        userIdentity: { ...ROOT, accessKeyId: 'TMP.console0001' },
        requestParameters: { UserAccessKeyId: 'LTAI5tRootGone000009' },
      } as never,
      // the root deleting a RAM user's key names the user: not a root key
      {
        eventId: 'r-delete-user-key',
        eventName: 'DeleteAccessKey',
        eventType: 'ConsoleOperation',
        eventTime: '2026-10-21T00:00:00Z',
        isGlobal: true,
        userIdentity: { ...ROOT, accessKeyId: 'TMP.console0002' },
        requestParameters: { UserAccessKeyId: 'LTAI5tUserKey0000007', UserName: 'alice' },
      } as never,
    );
    // r-api-key2-global used a key that is not in the report and was not deleted: out of this world
    const consistent = {
      ...w,
      actiontrail: {
        ...w.actiontrail,
        Events: events.filter((e) => e.eventId !== 'r-api-key2-global'),
      },
    };
    const full = await runCollect(fullRead(consistent));
    const filtered = await runCollect(consistent);
    expect(ids(full)).toEqual(
      ['r-api-key1', 'r-api-key1-hz', 'r-delete-own-key', 'r-delete-user-key', ...SIGN_INS].sort(),
    );
    expect(ids(filtered)).toEqual(ids(full));
    expect(filtered.inventory.coverage).toEqual([]);
    // the root's sign-ins (1), DeleteAccessKey (1), the deleted key in 3 regions
    expect(lookups(filtered)).toBe(1 + 1 + 3);
  });

  it('RAM-user caller, a deletion that names no key, or a used key whose id is not found near its last use: the full read', async () => {
    const noName = world('RAMUser', []);
    noName.actiontrail?.Events?.push({
      eventId: 'r-delete-unnamed',
      eventName: 'DeleteAccessKey',
      eventType: 'ApiCall',
      eventTime: '2026-10-20T00:00:00Z',
      isGlobal: true,
      userIdentity: ROOT,
    } as never);
    const a = await runCollect(noName);
    expect(ids(a)).toEqual([...ALL_ROOT, 'r-delete-unnamed'].sort());
    expect(lookups(a)).toBeGreaterThanOrEqual(1 + 1 + 12);

    // the report says a key was used on 2026-10-25, but no root API call is near that time
    const stale = world('RAMUser', [
      {
        AccessKeyId: 'LTAI5tRootKeyOne00001',
        Status: 'Active',
        CreateDate: '2024-01-01T00:00:00Z',
        LastUsedDate: '2026-10-25T00:00:00Z',
      },
    ]);
    const b = await runCollect(stale);
    expect(ids(b)).toEqual(ALL_ROOT);
    expect(b.inventory.coverage).toEqual([]);
    // the search reads every region (3) before the full read
    expect(lookups(b)).toBeGreaterThanOrEqual(1 + 1 + 3 + 12);
  });

  it("a root sign-in without serviceName AasCustomer at the report's last logon: not confirmed, every sign-in is read by name", async () => {
    const base = withoutApiCalls(world('RAMUser', []));
    const unlabelled = {
      ...base,
      actiontrail: {
        ...base.actiontrail,
        Events: (base.actiontrail?.Events ?? []).map((e) => {
          if (e.eventId !== 'r-signin-nomfa') return e;
          const { serviceName: _, ...rest } = e as typeof e & { serviceName?: string };
          // the latest successful root sign-in: the credential report's last logon
          return { ...rest, eventTime: '2026-10-16T08:00:00Z' };
        }),
      },
    };
    const full = await runCollect(fullRead(unlabelled));
    const filtered = await runCollect(unlabelled);
    expect(filtered.inventory.root.credentialReport?.lastLogon).toBe('2026-10-16T08:00:00Z');
    expect(ids(full)).toEqual(SIGN_INS);
    expect(ids(filtered)).toEqual(ids(full));
    expect(filtered.inventory.coverage).toEqual([]);
    // ServiceName=AasCustomer (1) misses 10-16 08:00: the 89 sign-ins by name (2), DeleteAccessKey (1)
    expect(lookups(filtered)).toBe(1 + 2 + 1);

    // the confirmation is what found it: a report whose last logon is the labelled sign-in
    // trusts the filter, and the unlabelled one is not read
    const trusted = {
      ...unlabelled,
      root: { ...unlabelled.root, lastLoginDate: '2026-10-15T08:00:00Z' },
    } as WorldInput;
    const t = await runCollect(trusted);
    expect(ids(t)).toEqual(['r-signin-failed', 'r-signin-mfa']);
    expect(lookups(t)).toBe(1 + 1);

    // a last logon the report cannot tell (not "-"): unknown, every sign-in by name at once
    for (const cell of ['no_information', 'N/A', 'LOGIN_DISABLED']) {
      const unknown = await runCollect({
        ...unlabelled,
        root: { ...unlabelled.root, lastLoginDate: cell },
      } as WorldInput);
      expect(unknown.inventory.root.credentialReport?.lastLogon, cell).toBeNull();
      expect(ids(unknown), cell).toEqual(ids(full));
      // the 89 sign-ins by name (2), DeleteAccessKey (1)
      expect(lookups(unknown), cell).toBe(2 + 1);
    }
  });

  it('the report says the root never signed in, or last before the window: the filtered read only', async () => {
    const base = withoutApiCalls(world('RAMUser', []));
    // only a failed root sign-in in the window (it does not count as a logon)
    const failedOnly = {
      ...base,
      actiontrail: {
        ...base.actiontrail,
        Events: (base.actiontrail?.Events ?? []).filter(
          (e) => e.eventId !== 'r-signin-mfa' && e.eventId !== 'r-signin-nomfa',
        ),
      },
    };
    const full = await runCollect(fullRead(failedOnly));
    const never = await runCollect(failedOnly);
    expect(never.inventory.root.credentialReport?.lastLogon).toBeNull();
    expect(ids(full)).toEqual(['r-signin-failed']);
    expect(ids(never)).toEqual(ids(full));
    expect(never.inventory.coverage).toEqual([]);
    // ServiceName=AasCustomer (1), DeleteAccessKey (1)
    expect(lookups(never)).toBe(1 + 1);

    const before = await runCollect({
      ...failedOnly,
      root: { ...failedOnly.root, lastLoginDate: '2026-09-01T00:00:00Z' },
    } as WorldInput);
    expect(before.inventory.root.credentialReport?.lastLogon).toBe('2026-09-01T00:00:00Z');
    expect(ids(before)).toEqual(ids(full));
    expect(lookups(before)).toBe(1 + 1);
  });

  it('sign-ins after the credential report was generated are read by name, labelled or not', async () => {
    // the root caller lists its keys: nothing else reads the events after the report
    const base = world('Account');
    const w = {
      ...base,
      // generated before every root sign-in: its last logon is "never"
      root: { ...base.root, credentialReportGeneratedTime: '2026-10-10T00:00:00Z' },
      actiontrail: {
        ...base.actiontrail,
        Events: (base.actiontrail?.Events ?? []).map((e) => {
          if (e.eventId !== 'r-signin-nomfa') return e;
          const { serviceName: _, ...rest } = e as typeof e & { serviceName?: string };
          return rest;
        }),
      },
    } as WorldInput;
    const full = await runCollect(fullRead(w));
    const filtered = await runCollect(w);
    expect(filtered.inventory.root.credentialReport?.lastLogon).toBeNull();
    expect(ids(full)).toEqual(ALL_ROOT);
    expect(ids(filtered)).toEqual(ids(full));
    expect(filtered.inventory.coverage).toEqual([]);
    // ServiceName=AasCustomer (1), the 46 sign-ins by name since the report (1), each key in 3 regions
    expect(lookups(filtered)).toBe(1 + 1 + 6);
  });

  describe("RAM-user caller: the root key's id searched back from its last use", () => {
    /** two scanned regions and the global events region; a little RAM-user noise in each */
    function searchWorld(
      rootCalls: Array<{ id: string; key: string; region: string; time: string }>,
    ) {
      const noise = REGIONS.flatMap((region, r) =>
        Array.from({ length: 10 }, (_, i) => ({
          eventId: `noise-${r}-${i}`,
          eventName: 'DescribeInstances',
          eventType: 'ApiCall',
          eventTime: `2026-10-${String(2 + 2 * i).padStart(2, '0')}T05:00:00Z`,
          acsRegion: region,
          userIdentity: {
            type: 'ram-user',
            accountId: ACCOUNT,
            userName: 'alice',
            accessKeyId: 'LTAI5tAlice',
          },
        })),
      );
      const calls = rootCalls.map((c) => ({
        eventId: c.id,
        eventName: 'RunInstances',
        eventType: 'ApiCall',
        eventTime: c.time,
        acsRegion: c.region,
        userIdentity: { ...ROOT, accessKeyId: c.key },
      }));
      return baseWorld({
        regions: REGIONS.map((RegionId) => ({ RegionId })),
        root: {
          mfaEnabled: true,
          accessKeys: [
            {
              AccessKeyId: 'LTAI5tRootKeyOne00001',
              Status: 'Active',
              CreateDate: '2024-01-01T00:00:00Z',
              LastUsedDate: '2026-10-20T08:00:00Z',
            },
          ],
        },
        actiontrail: {
          Events: [...noise, ...calls] as never,
          GlobalEventsStorageRegion: 'ap-southeast-1',
        },
      });
    }

    it('an earlier use in the first region names the key: read per key, its last use matched in the second', async () => {
      const w = searchWorld([
        {
          id: 'r-early-hz',
          key: 'LTAI5tRootKeyOne00001',
          region: 'cn-hangzhou',
          time: '2026-10-05T08:00:00Z',
        },
        {
          id: 'r-last-bj',
          key: 'LTAI5tRootKeyOne00001',
          region: 'cn-beijing',
          time: '2026-10-20T08:00:00Z',
        },
      ]);
      const full = await runCollect(fullRead(w));
      const filtered = await runCollect(w);
      expect(ids(full)).toEqual(['r-early-hz', 'r-last-bj']);
      expect(ids(filtered)).toEqual(ids(full));
      expect(filtered.inventory.coverage).toEqual([]);
      // sign-ins (1), DeleteAccessKey (1), one page back from 09:00 in cn-hangzhou (1), the key in 3 regions
      expect(lookups(filtered)).toBe(1 + 1 + 1 + 3);
    });

    it('an id that does not explain the last use (a key not in the report) does not end the search', async () => {
      const w = searchWorld([
        {
          id: 'r-stray-hz',
          key: 'LTAI5tRootStray000009',
          region: 'cn-hangzhou',
          time: '2026-10-06T08:00:00Z',
        },
        {
          id: 'r-last-bj',
          key: 'LTAI5tRootKeyOne00001',
          region: 'cn-beijing',
          time: '2026-10-20T08:00:00Z',
        },
      ]);
      const full = await runCollect(fullRead(w));
      const filtered = await runCollect(w);
      expect(ids(full)).toEqual(['r-last-bj', 'r-stray-hz']);
      expect(ids(filtered)).toEqual(ids(full));
      expect(filtered.inventory.coverage).toEqual([]);
      // sign-ins (1), DeleteAccessKey (1); cn-hangzhou names the stray key (1), read per key (3),
      // which has no call at 08:00 on 10-20: cn-beijing names key 1 (1), read per key (3)
      expect(lookups(filtered)).toBe(1 + 1 + 1 + 3 + 1 + 3);
    });
  });

  it('a refused GetGlobalEventsStorageRegion is a coverage entry, and sign-ins are read in every scanned region', async () => {
    const w = world('Account');
    w.emulator = {
      latencyMs: 0,
      qps: {},
      faults: [{ action: 'GetGlobalEventsStorageRegion', kind: 'accessDenied' }],
    };
    // the global events region is not scanned and cannot be named: its events are out of reach
    const { inventory, emulator } = await runCollect(w);
    expect(inventory.coverage).toEqual([
      expect.objectContaining({
        service: 'actiontrail',
        region: 'cn-hangzhou',
        operation: 'GetGlobalEventsStorageRegion',
      }),
    ]);
    const lookups = emulator.stats().requests['LookupEvents'];
    // the root's sign-ins in both scanned regions: none there (they are stored in
    // ap-southeast-1), so the report's last logon is not confirmed and sign-ins are read by
    // name as well; each key in both
    expect(lookups).toBe(2 + 2 + 2 * 2);
  });
});
