/**
 * ActionTrail 2020-07-06 handlers of the emulator, called through
 * openapi-core's generic client as the collectors do: DescribeTrails (home
 * region vs shadow trails), GetTrailStatus, and LookupEvents time windows,
 * region scoping, LookupAttribute filters, NextToken paging and faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { callActionTrail, clients, config, OpenApi } from '../helpers/sdk.js';

const ACCOUNT = '1234567890123456';
const HZ = 'cn-hangzhou';
const SG = 'ap-southeast-1';
const running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const rootIdentity = {
  type: 'root-account',
  principalId: ACCOUNT,
  accountId: ACCOUNT,
  userName: 'root',
};

/** 130 ApiCall events in Hangzhou one hour apart, newest 2026-10-31T23:00Z */
const hourly = Array.from({ length: 130 }, (_, i) => ({
  eventId: `hz-${i.toString().padStart(3, '0')}`,
  eventName: i % 2 === 0 ? 'DescribeInstances' : 'RunCommand',
  eventType: 'ApiCall',
  eventRW: i % 2 === 0 ? 'Read' : 'Write',
  eventTime: new Date(Date.parse('2026-10-31T23:00:00Z') - i * 3_600_000)
    .toISOString()
    .replace('.000Z', 'Z'),
  acsRegion: HZ,
  serviceName: 'Ecs',
  userIdentity:
    i % 10 === 0
      ? { ...rootIdentity, accessKeyId: 'LTAIroot1' }
      : {
          type: 'ram-user',
          principalId: '2000000000000002',
          accountId: ACCOUNT,
          userName: 'alice',
        },
  referencedResources: { 'ACS::ECS::Instance': [`i-${i}`] },
  requestParameters: { RegionId: HZ, InstanceId: `i-${i}` },
}));

function baseWorld(extra: Partial<WorldInput> = {}): WorldInput {
  return {
    version: 1,
    now: '2026-11-01T00:00:00Z',
    account: { accountId: ACCOUNT },
    regions: [{ RegionId: HZ }, { RegionId: SG }],
    actiontrail: {
      Trails: [
        {
          Name: 'account-trail',
          Status: 'Enable',
          HomeRegion: HZ,
          TrailRegion: 'All',
          EventRW: 'All',
          SlsProjectArn: `acs:log:${HZ}:${ACCOUNT}:project/audit`,
          IsOrganizationTrail: false,
          TrailStatus: { IsLogging: true, LatestDeliveryError: '' },
        },
        {
          Name: 'sg-only',
          Status: 'Disable',
          HomeRegion: SG,
          TrailRegion: SG,
          EventRW: 'Write',
        },
        {
          Name: 'org-trail',
          Status: 'Enable',
          HomeRegion: HZ,
          TrailRegion: 'All',
          IsOrganizationTrail: true,
        },
      ],
      Events: [
        ...hourly,
        {
          eventId: 'signin-1',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: '2026-10-20T03:00:00Z',
          acsRegion: SG,
          isGlobal: true,
          serviceName: 'AasCustomer',
          sourceIpAddress: '203.0.113.7',
          userIdentity: rootIdentity,
          additionalEventData: { loginAccount: 'owner@example.com', isMFAChecked: 'false' },
        },
        {
          eventId: 'sg-1',
          eventName: 'AuthorizeSecurityGroup',
          eventType: 'ApiCall',
          eventTime: '2026-10-25T00:00:00Z',
          acsRegion: SG,
          userIdentity: rootIdentity,
        },
        {
          eventId: 'ancient',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: '2026-07-01T00:00:00Z',
          acsRegion: HZ,
          isGlobal: true,
          userIdentity: rootIdentity,
        },
      ],
    },
    ...extra,
  };
}

async function serve(world: WorldInput = baseWorld()) {
  const emu = await startEmulator(parseWorld(world));
  running.push(emu);
  const client = (region: string) => new OpenApi(config(emu.url, {}, region));
  const call = (region: string, action: string, query: Record<string, unknown>) =>
    callActionTrail(client(region), action, { RegionId: region, ...query });
  return { emu, call };
}

async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

type Ev = Record<string, unknown>;
const ids = (body: Record<string, unknown>) => (body['Events'] as Ev[]).map((e) => e['eventId']);

/** all events of a window, following NextToken */
async function lookupAll(
  call: Awaited<ReturnType<typeof serve>>['call'],
  region: string,
  query: Record<string, unknown>,
): Promise<{ events: Ev[]; pages: number[] }> {
  const events: Ev[] = [];
  const pages: number[] = [];
  let token: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const { body } = await call(region, 'LookupEvents', {
      ...query,
      ...(token ? { NextToken: token } : {}),
    });
    const page = body['Events'] as Ev[];
    events.push(...page);
    pages.push(page.length);
    token = (body['NextToken'] as string) || undefined;
    if (!token) return { events, pages };
  }
  throw new Error('paging did not end');
}

describe('DescribeTrails and GetTrailStatus', () => {
  it('a region answers its own trails; multi-region trails elsewhere only as shadow trails', async () => {
    const { call } = await serve();
    const home = await call(HZ, 'DescribeTrails', { IncludeShadowTrails: false });
    const list = home.body['TrailList'] as Ev[];
    expect(list.map((t) => t['Name'])).toEqual(['account-trail']);
    expect(list[0]).toMatchObject({
      Status: 'Enable',
      HomeRegion: HZ,
      TrailRegion: 'All',
      EventRW: 'All',
      IsOrganizationTrail: false,
      SlsProjectArn: `acs:log:${HZ}:${ACCOUNT}:project/audit`,
    });
    expect(list[0]).not.toHaveProperty('TrailStatus');
    const away = await call(SG, 'DescribeTrails', { IncludeShadowTrails: false });
    expect((away.body['TrailList'] as Ev[]).map((t) => t['Name'])).toEqual(['sg-only']);
    const shadows = await call(SG, 'DescribeTrails', { IncludeShadowTrails: true });
    expect((shadows.body['TrailList'] as Ev[]).map((t) => t['Name']).sort()).toEqual([
      'account-trail',
      'sg-only',
    ]);
    const orgs = await call(HZ, 'DescribeTrails', { IncludeOrganizationTrail: true });
    expect((orgs.body['TrailList'] as Ev[]).map((t) => t['Name']).sort()).toEqual([
      'account-trail',
      'org-trail',
    ]);
  });

  it('GetTrailStatus: the world status, IsLogging from Status when unset, 404 for an unknown trail', async () => {
    const { call } = await serve();
    const a = await call(HZ, 'GetTrailStatus', { Name: 'account-trail' });
    expect(a.body).toMatchObject({ IsLogging: true, LatestDeliveryError: '' });
    const b = await call(SG, 'GetTrailStatus', { Name: 'sg-only' });
    expect(b.body['IsLogging']).toBe(false);
    const err = await errorOf(call(HZ, 'GetTrailStatus', { Name: 'nope-trail' }));
    expect(err.name).toBe('ClientError');
    expect(err['statusCode']).toBe(404);
    expect(err['code']).toBe('TrailNotFoundException');
  });
});

describe('LookupEvents', () => {
  it('pages newest first with NextToken, MaxResults capped at 50', async () => {
    const { call } = await serve();
    const window = { StartTime: '2026-10-01T00:00:00Z', EndTime: '2026-11-01T00:00:00Z' };
    const { events, pages } = await lookupAll(call, HZ, { ...window, MaxResults: '500' });
    expect(pages).toEqual([50, 50, 31]); // 130 Hangzhou events + 1 global sign-in
    const times = events.map((e) => Date.parse(e['eventTime'] as string));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(events[0]?.['eventId']).toBe('hz-000');
    expect(events.some((e) => e['eventId'] === 'signin-1')).toBe(true);
    expect(events.some((e) => e['eventId'] === 'sg-1')).toBe(false);
  });

  it('pages with an odd MaxResults and serves events unchanged (camelCase, nested objects)', async () => {
    const { call } = await serve();
    const { events, pages } = await lookupAll(call, HZ, {
      StartTime: '2026-10-31T00:00:00Z',
      EndTime: '2026-11-01T00:00:00Z',
      MaxResults: '7',
    });
    expect(pages).toEqual([7, 7, 7, 3]); // hz-000 .. hz-023 (bounds inclusive)
    expect(events.at(-1)?.['eventId']).toBe('hz-023');
    expect(events[0]).toEqual(hourly[0]);
  });

  it('filters by StartTime/EndTime (inclusive) and never serves events older than 90 days', async () => {
    const { call } = await serve();
    const r = await call(HZ, 'LookupEvents', {
      StartTime: '2026-10-31T20:00:00Z',
      EndTime: '2026-10-31T22:00:00Z',
    });
    expect(ids(r.body)).toEqual(['hz-001', 'hz-002', 'hz-003']);
    expect(r.body['StartTime']).toBe('2026-10-31T20:00:00Z');
    expect(r.body['EndTime']).toBe('2026-10-31T22:00:00Z');
    const old = await call(HZ, 'LookupEvents', {
      StartTime: '2026-06-01T00:00:00Z',
      EndTime: '2026-07-02T00:00:00Z',
    });
    expect(ids(old.body)).toEqual([]);
  });

  it('defaults to the last 7 days without a window', async () => {
    const { call } = await serve();
    const { events } = await lookupAll(call, SG, {});
    // sg-1 (2026-10-25) is inside the last 7 days, the 2026-10-20 sign-in is not
    expect(events.map((e) => e['eventId'])).toEqual(['sg-1']);
  });

  it('scopes events to the request region, global events everywhere', async () => {
    const { call } = await serve();
    const window = { StartTime: '2026-10-01T00:00:00Z', EndTime: '2026-11-01T00:00:00Z' };
    const { events } = await lookupAll(call, SG, window);
    expect(events.map((e) => e['eventId'])).toEqual(['sg-1', 'signin-1']);
  });

  it('applies LookupAttribute filters (two are ANDed) and FORWARD order', async () => {
    const { call } = await serve();
    const window = { StartTime: '2026-10-01T00:00:00Z', EndTime: '2026-11-01T00:00:00Z' };
    const signins = await call(HZ, 'LookupEvents', {
      ...window,
      LookupAttribute: [{ Key: 'EventName', Value: 'ConsoleSignin' }],
    });
    expect(ids(signins.body)).toEqual(['signin-1']);
    const rootWrites = await lookupAll(call, HZ, {
      ...window,
      LookupAttribute: [
        { Key: 'EventAccessKeyId', Value: 'LTAIroot1' },
        { Key: 'EventName', Value: 'DescribeInstances' },
      ],
    });
    expect(rootWrites.events.map((e) => e['eventId'])).toHaveLength(13);
    const byUser = await lookupAll(call, HZ, {
      ...window,
      LookupAttribute: [{ Key: 'User', Value: 'root' }],
      Direction: 'FORWARD',
    });
    const times = byUser.events.map((e) => Date.parse(e['eventTime'] as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(byUser.events).toHaveLength(14); // 13 ApiCalls + the sign-in
    const byResource = await call(HZ, 'LookupEvents', {
      ...window,
      LookupAttribute: [{ Key: 'ResourceName', Value: 'i-5' }],
    });
    expect(ids(byResource.body)).toEqual(['hz-005']);
    // a key given twice is two conditions, both required (world.md: "combined with AND")
    const twice = (first: string) =>
      call(HZ, 'LookupEvents', {
        ...window,
        LookupAttribute: [
          { Key: 'EventName', Value: first },
          { Key: 'EventName', Value: 'ConsoleSignin' },
        ],
      });
    expect(ids((await twice('Nope')).body)).toEqual([]);
    expect(ids((await twice('ConsoleSignin')).body)).toEqual(['signin-1']);
  });

  it('rejects half a window, an inverted window, a bad time and an unknown attribute key', async () => {
    const { call } = await serve();
    for (const q of [
      { StartTime: '2026-10-01T00:00:00Z' },
      { StartTime: '2026-10-02T00:00:00Z', EndTime: '2026-10-01T00:00:00Z' },
      { StartTime: 'yesterday', EndTime: '2026-10-01T00:00:00Z' },
      { LookupAttribute: [{ Key: 'Color', Value: 'red' }] },
    ]) {
      const err = await errorOf(call(HZ, 'LookupEvents', q));
      expect(err.name).toBe('ClientError');
      expect(err['statusCode']).toBe(400);
      expect(err['code']).toBe('InvalidParameter');
    }
  });
});

describe('faults on ActionTrail actions', () => {
  it('throttle per region, accessDenied with actiontrail: AuthAction, repeatPage on LookupEvents', async () => {
    const { call, emu } = await serve(
      baseWorld({
        emulator: {
          faults: [
            { action: 'LookupEvents', region: SG, kind: 'throttle', count: 1 },
            { action: 'DescribeTrails', kind: 'accessDenied' },
            { action: 'LookupEvents', region: HZ, kind: 'repeatPage' },
          ],
        },
      }),
    );
    const t = await errorOf(call(SG, 'LookupEvents', {}));
    expect(t.name).toBe('ThrottlingError');
    await expect(call(SG, 'LookupEvents', {})).resolves.toBeTruthy();
    const d = await errorOf(call(HZ, 'DescribeTrails', {}));
    expect(d['code']).toBe('Forbidden.RAM');
    expect(d['accessDeniedDetail']).toMatchObject({ AuthAction: 'actiontrail:DescribeTrails' });
    const window = { StartTime: '2026-10-01T00:00:00Z', EndTime: '2026-11-01T00:00:00Z' };
    const first = await call(HZ, 'LookupEvents', window);
    const again = await call(HZ, 'LookupEvents', { ...window, NextToken: first.body['NextToken'] });
    expect(again.body['NextToken']).toBe(first.body['NextToken']);
    expect(ids(again.body)).toEqual(ids(first.body));
    expect(emu.stats().requests['LookupEvents']).toBe(4);
  });

  it('qps limit on LookupEvents: the third call in one second is Throttling.User', async () => {
    const { call, emu } = await serve(baseWorld({ emulator: { qps: { LookupEvents: 2 } } }));
    const results = await Promise.allSettled([
      call(HZ, 'LookupEvents', {}),
      call(HZ, 'LookupEvents', {}),
      call(HZ, 'LookupEvents', {}),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(emu.stats().throttled).toBe(1);
  });
});

// keep the typed factory import honest: the generic client is what clients() exposes too
it('clients().generic is an openapi-core client usable for ActionTrail', async () => {
  const { emu } = await serve();
  const r = await callActionTrail(clients(emu.url).generic, 'DescribeTrails', { RegionId: HZ });
  expect(Array.isArray(r.body['TrailList'])).toBe(true);
});
