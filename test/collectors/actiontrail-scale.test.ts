/**
 * ActionTrail at scale (issue #15): server-side LookupEvents filters lose no
 * root event. One world with many non-root events and root events of every
 * kind (a console sign-in with and without MFA, a failed one, API calls with
 * each root AccessKey in a region and on a global service, a console
 * operation); the per-key/sign-in filtered read (root caller: its keys are
 * known) must keep exactly what the unfiltered read (RAM-user caller) keeps,
 * with far fewer LookupEvents calls.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';
import { ACCOUNT, baseWorld, closeAll, runCollect } from './harness.js';

let env: IsolatedEnv;
beforeEach(() => {
  env = isolateEnv();
  useEnvKeys();
});
afterEach(async () => {
  await closeAll();
  env.restore();
});

const ROOT = { type: 'root-account', principalId: ACCOUNT, accountId: ACCOUNT, userName: 'root' };
const REGIONS = ['cn-hangzhou', 'cn-beijing'];

function world(identityType: 'Account' | 'RAMUser'): WorldInput {
  const events: NonNullable<NonNullable<WorldInput['actiontrail']>['Events']> = [];
  for (let i = 0; i < 600; i++) {
    events.push({
      eventId: `noise-${i}`,
      eventName: i % 7 === 0 ? 'ConsoleSignin' : 'DescribeInstances',
      eventType: i % 7 === 0 ? 'ConsoleSignin' : 'ApiCall',
      eventTime: `2026-10-${String(2 + (i % 28)).padStart(2, '0')}T01:${String(i % 60).padStart(2, '0')}:00Z`,
      acsRegion: REGIONS[i % 2],
      ...(i % 7 === 0 ? { isGlobal: true } : {}),
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
  root('r-signin-mfa', {
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    acsRegion: 'cn-hangzhou',
    isGlobal: true,
    userIdentity: ROOT,
    additionalEventData: { isMFAChecked: 'true' },
  });
  root('r-signin-nomfa', {
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    acsRegion: 'cn-beijing',
    isGlobal: true,
    userIdentity: ROOT,
    additionalEventData: { isMFAChecked: 'false' },
  });
  root('r-signin-failed', {
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    isGlobal: true,
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
      accessKeys: [
        { AccessKeyId: 'LTAI5tRootKeyOne00001', Status: 'Active' },
        { AccessKeyId: 'LTAI5tRootKeyTwo00002', Status: 'Inactive' },
      ],
    },
    actiontrail: { Events: events, GlobalEventsStorageRegion: 'ap-southeast-1' },
  });
}

describe('ActionTrail LookupEvents filters', () => {
  it('the filtered read keeps every root event the full read keeps, with far fewer calls', async () => {
    const full = await runCollect(world('RAMUser'));
    const filtered = await runCollect(world('Account'));
    const ids = (r: typeof full) => r.inventory.actiontrail.events.map((e) => e.eventId).sort();
    expect(ids(full)).toEqual([
      'r-api-key1',
      'r-api-key1-hz',
      'r-api-key2-global',
      'r-signin-failed',
      'r-signin-mfa',
      'r-signin-nomfa',
    ]);
    expect(ids(filtered)).toEqual(ids(full));
    expect(filtered.inventory.coverage).toEqual([]);
    expect(full.inventory.coverage).toEqual([]);
    const calls = (r: typeof full) => r.emulator.stats().requests['LookupEvents'] ?? 0;
    // full: every event of two regions and the global events region, 50 a page
    expect(calls(full)).toBeGreaterThanOrEqual(12);
    // filtered: two pages of the 89 sign-ins in ap-southeast-1 and one page per key per region (3 regions × 2 keys)
    expect(calls(filtered)).toBe(8);
    expect(calls(filtered) * 1.7).toBeLessThan(calls(full));
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
    // sign-ins in both scanned regions, each key in both
    expect(lookups).toBe(2 + 2 * 2);
  });
});
