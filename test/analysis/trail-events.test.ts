/**
 * The ActionTrail event classification, on hand-written events and on every
 * sample of the independent corpus (../shared/corpus): Alibaba's documentation
 * samples and the SLS alert queries of Alibaba's landing zone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  credentialKindOf,
  dedupeEvents,
  isConsoleSignin,
  isPermanentKeyApiCall,
  isRootIdentity,
  isWithinWindow,
  mfaOf,
  outcomeOf,
  parseUtcTime,
  rootActivity,
} from '../../src/analysis/trail-events.js';
import { type TrailEvent, TrailEventSchema } from '../../src/inventory/schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CORPUS = path.resolve(here, '../../../shared/corpus');
const SAMPLES = path.join(CORPUS, 'actiontrail-event-samples');
const ALERTS = path.join(CORPUS, 'landing-zone-actiontrail-alerts');

type Input = z.input<typeof TrailEventSchema>;
const ev = (e: Partial<Input>): TrailEvent =>
  TrailEventSchema.parse({ eventId: 'e-1', eventTime: '2026-10-20T03:00:00Z', ...e });

const ROOT = { type: 'root-account', principalId: '1234567890123456', userName: 'root' };
const since = new Date('2026-08-03T00:00:00Z');
const now = new Date('2026-11-01T00:00:00Z');

describe('parseUtcTime', () => {
  it.each([
    ['2026-10-20T03:00:00Z', Date.UTC(2026, 9, 20, 3)],
    ['2026-10-20T03:00:00', Date.UTC(2026, 9, 20, 3)],
    ['2026-10-20 03:00:00', Date.UTC(2026, 9, 20, 3)],
    ['2020-12-01T11:54:59.366+0000', Date.UTC(2020, 11, 1, 11, 54, 59, 366)],
    ['2026-10-20T11:00:00+08:00', Date.UTC(2026, 9, 20, 3)],
  ])('%s', (s, t) => expect(parseUtcTime(s)).toBe(t));
  it.each(['', 'yesterday', '20/10/2026'])('unreadable %j', (s) =>
    expect(parseUtcTime(s)).toBeUndefined(),
  );
});

describe('window', () => {
  it('includes both ends and excludes what lies outside', () => {
    expect(isWithinWindow(ev({ eventTime: since.toISOString() }), since, now)).toBe(true);
    expect(isWithinWindow(ev({ eventTime: now.toISOString() }), since, now)).toBe(true);
    expect(isWithinWindow(ev({ eventTime: '2026-08-02T23:59:59Z' }), since, now)).toBe(false);
    expect(isWithinWindow(ev({ eventTime: '2026-11-01T00:00:01Z' }), since, now)).toBe(false);
    expect(isWithinWindow(ev({ eventTime: 'garbage' }), since, now)).toBe(false);
  });
});

describe('identity and kind', () => {
  it('root is recognised by userIdentity.type, not by the user name', () => {
    expect(isRootIdentity(ev({ userIdentity: ROOT }))).toBe(true);
    expect(isRootIdentity(ev({ userIdentity: { type: 'Root-Account' } }))).toBe(true);
    expect(isRootIdentity(ev({ userIdentity: { type: 'ram-user', userName: 'root' } }))).toBe(
      false,
    );
    expect(isRootIdentity(ev({}))).toBe(false);
  });
  it('a console sign-in by event name or type', () => {
    expect(isConsoleSignin(ev({ eventName: 'ConsoleSignin' }))).toBe(true);
    expect(isConsoleSignin(ev({ eventType: 'ConsoleSignin', eventName: 'x' }))).toBe(true);
    expect(isConsoleSignin(ev({ eventName: 'ConsoleSignout', eventType: 'ConsoleSignout' }))).toBe(
      false,
    );
  });
  it('a sign-in failed when an error code is recorded', () => {
    expect(outcomeOf(ev({}))).toBe('success');
    expect(outcomeOf(ev({ errorCode: '  ' }))).toBe('success');
    expect(outcomeOf(ev({ errorCode: 'Password.Invalid' }))).toBe('failure');
  });
});

describe('mfaOf', () => {
  it.each([
    [{ isMFAChecked: 'false' }, 'not-checked', 'additionalEventData.isMFAChecked'],
    [{ isMFAChecked: 'true' }, 'checked', 'additionalEventData.isMFAChecked'],
    [{ mfaChecked: 'false' }, 'not-checked', 'additionalEventData.mfaChecked'],
    [{ mfaChecked: 'TRUE' }, 'checked', 'additionalEventData.mfaChecked'],
    [{ MFAUsed: 'false' }, 'not-checked', 'additionalEventData.MFAUsed'],
    // the first readable field decides
    [{ isMFAChecked: 'true', mfaChecked: 'false' }, 'checked', 'additionalEventData.isMFAChecked'],
    [{ isMFAChecked: 'n/a', mfaChecked: 'false' }, 'not-checked', 'additionalEventData.mfaChecked'],
  ] as const)('%j → %s', (extra, state, field) => {
    const m = mfaOf(ev({ additionalEventData: extra }));
    expect(m.state).toBe(state);
    expect(m.field).toBe(field);
  });
  it('falls back to the session context', () => {
    const m = mfaOf(
      ev({
        userIdentity: { ...ROOT, sessionContext: { attributes: { mfaAuthenticated: 'true' } } },
      }),
    );
    expect(m).toEqual({
      state: 'checked',
      field: 'userIdentity.sessionContext.attributes.mfaAuthenticated',
      value: 'true',
    });
  });
  it('missing or unreadable flags are unknown, never "without MFA"', () => {
    expect(mfaOf(ev({})).state).toBe('unknown');
    expect(mfaOf(ev({ additionalEventData: { loginAccount: 'a@b' } })).state).toBe('unknown');
    expect(mfaOf(ev({ additionalEventData: { isMFAChecked: '' } })).state).toBe('unknown');
    expect(mfaOf(ev({ additionalEventData: { isMFAChecked: 'no' } })).state).toBe('unknown');
  });
});

describe('credentials', () => {
  it.each([
    ['LTAI4RootKeyAbcd1234', 'permanent'],
    ['STS.NUgYrLnoC37mZZCNnAbez2EPs', 'sts'],
    ['sts.lowercase', 'sts'],
    ['TMP.3Ker6WKYHexxxxxxpRuQaM', 'console-temporary'],
    ['', 'none'],
  ])('%s is %s', (id, kind) => {
    expect(credentialKindOf(ev({ userIdentity: { ...ROOT, accessKeyId: id } }))).toBe(kind);
  });
  it('only ApiCalls with a permanent key are AccessKey use', () => {
    const key = { ...ROOT, accessKeyId: 'LTAI4RootKeyAbcd1234' };
    expect(isPermanentKeyApiCall(ev({ eventType: 'ApiCall', userIdentity: key }))).toBe(true);
    expect(isPermanentKeyApiCall(ev({ eventType: 'ConsoleOperation', userIdentity: key }))).toBe(
      false,
    );
    expect(
      isPermanentKeyApiCall(
        ev({ eventType: 'ApiCall', userIdentity: { ...ROOT, accessKeyId: 'TMP.abc' } }),
      ),
    ).toBe(false);
    expect(isPermanentKeyApiCall(ev({ eventType: 'ApiCall', userIdentity: ROOT }))).toBe(false);
  });
});

describe('dedupeEvents and rootActivity', () => {
  it('an event seen from two regions is counted once, its regions merged', () => {
    const a = ev({ eventId: 'g', eventName: 'ConsoleSignin', seenInRegions: ['cn-hangzhou'] });
    const b = ev({ eventId: 'g', eventName: 'ConsoleSignin', seenInRegions: ['ap-southeast-1'] });
    const out = dedupeEvents([a, b]);
    expect(out).toHaveLength(1);
    expect(out[0]!.seenInRegions.sort()).toEqual(['ap-southeast-1', 'cn-hangzhou']);
    // the input is not changed
    expect(a.seenInRegions).toEqual(['cn-hangzhou']);
  });
  it('sorts newest first', () => {
    const out = dedupeEvents([
      ev({ eventId: 'old', eventTime: '2026-09-01T00:00:00Z' }),
      ev({ eventId: 'new', eventTime: '2026-10-01T00:00:00Z' }),
      ev({ eventId: 'bad', eventTime: 'nope' }),
    ]);
    expect(out.map((e) => e.eventId)).toEqual(['new', 'old', 'bad']);
  });
  it('splits root sign-ins, failed attempts and AccessKey calls within the window', () => {
    const act = rootActivity(
      [
        ev({
          eventId: 's1',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          userIdentity: ROOT,
        }),
        ev({
          eventId: 's1',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          userIdentity: ROOT,
        }),
        ev({
          eventId: 'f1',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          errorCode: 'LoginFailed',
          userIdentity: ROOT,
        }),
        ev({
          eventId: 'old',
          eventName: 'ConsoleSignin',
          eventTime: '2026-01-01T00:00:00Z',
          userIdentity: ROOT,
        }),
        ev({
          eventId: 'ram',
          eventName: 'ConsoleSignin',
          userIdentity: { type: 'ram-user', userName: 'root' },
        }),
        ev({
          eventId: 'k1',
          eventType: 'ApiCall',
          eventName: 'DescribeInstances',
          userIdentity: { ...ROOT, accessKeyId: 'LTAI4RootKeyAbcd1234' },
        }),
        ev({
          eventId: 'k2',
          eventType: 'ApiCall',
          eventName: 'RunInstances',
          userIdentity: { ...ROOT, accessKeyId: 'TMP.console' },
        }),
      ],
      since,
      now,
    );
    expect(act.signins.map((e) => e.eventId)).toEqual(['s1']);
    expect(act.failedSignins.map((e) => e.eventId)).toEqual(['f1']);
    expect(act.accessKeyCalls.map((e) => e.eventId)).toEqual(['k1']);
  });
});

// ------------------------------------------------------------------ the corpus

/**
 * Documentation samples are not always valid JSON (comments, trailing commas,
 * stray words): repair only what the samples need, outside strings.
 */
function lenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
        out += c;
      } else if (c === '/' && text[i + 1] === '/') {
        while (i < text.length && text[i] !== '\n') i++;
        out += '\n';
      } else out += c;
    }
    out = out
      .replace(/,(\s*[}\]])/g, '$1')
      // a stray word where a key should start
      .replace(/([{,]\s*)[A-Za-z_]\w*\s+(")/g, '$1$2')
      // a masked number such as 175***657
      .replace(/:\s*(\d*\*+[\d*]*)(\s*[,}\]])/g, ': "$1"$2');
    return JSON.parse(out);
  }
}

/** PascalCase delivery format (`UserIdentity.Type`) → the API's camelCase */
function camelKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [
      /^[A-Z][a-z]/.test(k) ? k[0]!.toLowerCase() + k.slice(1) : k,
      camelKeys(x),
    ]),
  );
}

type Raw = Record<string, unknown> & { userIdentity?: Record<string, unknown> };

/** Reduce a raw event to the inventory model (the schema drops request parameters and responses). */
const reduce = (raw: Raw): TrailEvent => TrailEventSchema.parse(raw);

/** Alibaba's landing-zone SLS alert queries, translated term by term. */
const queries = {
  // cis_at_root_login: event.eventName: ConsoleSignin and event.userIdentity.type: root-account
  rootLogin: (e: Raw) => e.eventName === 'ConsoleSignin' && e.userIdentity?.type === 'root-account',
  // cis_at_root_ak_usage: event.userIdentity.type: root-account and event.userIdentity.accessKeyId: * and not ...: NULL
  rootAkUsage: (e: Raw) =>
    e.userIdentity?.type === 'root-account' &&
    typeof e.userIdentity?.accessKeyId === 'string' &&
    e.userIdentity.accessKeyId !== '',
  // cis_at_ram_mfa_login: ConsoleSignin and type ram-user and additionalEventData.mfaChecked: false and no errorCode
  ramMfaLogin: (e: Raw) =>
    e.eventName === 'ConsoleSignin' &&
    e.userIdentity?.type === 'ram-user' &&
    (e.additionalEventData as Record<string, unknown> | undefined)?.mfaChecked === 'false' &&
    !e.errorCode,
};

describe('landing-zone alert queries (corpus)', () => {
  const query = (file: string) => {
    const m = /query\s*=\s*"(.*)"\s*$/m.exec(readFileSync(path.join(ALERTS, file), 'utf8'));
    return m?.[1] ?? '';
  };
  it('the translated terms are the ones in the saved queries', () => {
    expect(query('cis_at_root_login.tf')).toContain(
      'event.eventName: ConsoleSignin and event.userIdentity.type: root-account',
    );
    expect(query('cis_at_root_ak_usage.tf')).toContain(
      'event.userIdentity.type: root-account and event.userIdentity.accessKeyId: * and not event.userIdentity.accessKeyId: NULL',
    );
    expect(query('cis_at_ram_mfa_login.tf')).toContain(
      'event.eventName: ConsoleSignin and event.userIdentity.type: ram-user and event.additionalEventData.mfaChecked: false',
    );
  });

  // Sign-in events shaped as the documentation shows them (no ConsoleSignin sample exists in the corpus).
  const signin = (type: string, extra: Record<string, unknown>, more: Partial<Raw> = {}): Raw => ({
    eventId: `s-${type}-${JSON.stringify(extra)}`,
    eventName: 'ConsoleSignin',
    eventType: 'ConsoleSignin',
    eventTime: '2026-10-20T03:00:00Z',
    serviceName: type === 'root-account' ? 'AasCustomer' : 'AasSub',
    sourceIpAddress: '203.0.113.7',
    isGlobal: true,
    userIdentity: { type, accountId: '1', principalId: '1', userName: 'x' },
    additionalEventData: extra,
    ...more,
  });
  const cases: Array<[string, Raw]> = [
    [
      'root sign-in without MFA',
      signin('root-account', { loginAccount: 'a', isMFAChecked: 'false' }),
    ],
    ['root sign-in with MFA', signin('root-account', { loginAccount: 'a', isMFAChecked: 'true' })],
    [
      'RAM-user sign-in without MFA',
      signin('ram-user', { mfaChecked: 'false' }, { errorCode: '' }),
    ],
    ['RAM-user sign-in with MFA', signin('ram-user', { mfaChecked: 'true' })],
    [
      'root API call with a permanent key',
      {
        eventId: 'k',
        eventName: 'DescribeInstances',
        eventType: 'ApiCall',
        eventTime: '2026-10-31T00:00:00Z',
        userIdentity: { type: 'root-account', accessKeyId: 'LTAI4RootKeyAbcd1234' },
      },
    ],
  ];
  it.each(cases)(
    '%s: root sign-in and root AccessKey verdicts agree with the queries',
    (_, raw) => {
      const e = reduce(raw);
      expect(isRootIdentity(e) && isConsoleSignin(e)).toBe(queries.rootLogin(raw));
      expect(isRootIdentity(e) && isPermanentKeyApiCall(e)).toBe(queries.rootAkUsage(raw));
      // the RAM-user query's "mfaChecked: false" is what mfaOf calls not-checked
      if (queries.ramMfaLogin(raw)) expect(mfaOf(e).state).toBe('not-checked');
    },
  );
  it('the MFA verdicts of the sign-in shapes', () => {
    expect(cases.map(([, raw]) => mfaOf(reduce(raw)).state)).toEqual([
      'not-checked',
      'checked',
      'not-checked',
      'checked',
      'unknown',
    ]);
  });
});

/** What each documentation sample must be, and why. */
const EXPECTED: Record<
  string,
  {
    root: boolean;
    signin: boolean;
    credential: string;
    permanentKeyUse: boolean;
    mfa: string;
    /** the landing-zone root-AccessKey query matches it (a TMP. key): a known over-match not followed */
    akQueryOverMatch?: boolean;
  }
> = {
  'AlibabaCloudDocs-hcs_sgw.CreateGateway.root-account.invalid-json.txt': {
    root: true,
    signin: false,
    credential: 'none',
    permanentKeyUse: false,
    mfa: 'not-checked',
  },
  'AlibabaCloudDocs-multimediaai.CreateLabelTask.root-account.json': {
    root: true,
    signin: false,
    credential: 'none',
    permanentKeyUse: false,
    mfa: 'not-checked',
  },
  'AlibabaCloudDocs-pvtz.AddZoneRecord.root-account.invalid-json.txt': {
    root: true,
    signin: false,
    credential: 'none',
    permanentKeyUse: false,
    mfa: 'not-checked',
  },
  'AlibabaCloudDocs-ram.CreateGroup.2019-06-28.af16309.json': {
    root: false,
    signin: false,
    credential: 'permanent',
    permanentKeyUse: true,
    mfa: 'unknown',
  },
  // sessionContext.sessionAttributes (not .attributes) is not a field the service documents: unknown
  'AlibabaCloudDocs-ram.DeleteGroup.2019-04-18.8bf8b78.invalid-json.txt': {
    root: false,
    signin: false,
    credential: 'none',
    permanentKeyUse: false,
    mfa: 'unknown',
  },
  // PascalCase delivery format with the console's temporary key
  'AlibabaCloudDocs-sc.AppendVSwitchId.root-account.json': {
    root: true,
    signin: false,
    credential: 'console-temporary',
    permanentKeyUse: false,
    mfa: 'unknown',
    akQueryOverMatch: true,
  },
};

describe('ActionTrail event samples (corpus)', () => {
  const files = readdirSync(SAMPLES).filter((f) => f !== 'SOURCES.md');

  it('every sample in the corpus has an expectation', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', (file) => {
    const raw = camelKeys(lenientJson(readFileSync(path.join(SAMPLES, file), 'utf8'))) as Raw;
    const e = reduce(raw);
    const want = EXPECTED[file]!;
    expect(parseUtcTime(e.eventTime), 'event time').toBeTypeOf('number');
    expect(isRootIdentity(e), 'root identity').toBe(want.root);
    expect(isConsoleSignin(e), 'console sign-in').toBe(want.signin);
    expect(credentialKindOf(e), 'credential').toBe(want.credential);
    expect(isPermanentKeyApiCall(e), 'permanent-key ApiCall').toBe(want.permanentKeyUse);
    expect(mfaOf(e).state, 'MFA').toBe(want.mfa);
    // against Alibaba's own alert definitions
    expect(isRootIdentity(e) && isConsoleSignin(e)).toBe(queries.rootLogin(raw));
    const ours = isRootIdentity(e) && isPermanentKeyApiCall(e);
    if (want.akQueryOverMatch) {
      expect(queries.rootAkUsage(raw)).toBe(true);
      expect(ours).toBe(false);
    } else {
      expect(ours).toBe(queries.rootAkUsage(raw));
    }
    // and what the root rules would see in a scan window around the sample
    const t = parseUtcTime(e.eventTime)!;
    const act = rootActivity([e], new Date(t - 1000), new Date(t + 1000));
    expect(act.signins.length + act.failedSignins.length).toBe(want.root && want.signin ? 1 : 0);
    expect(act.accessKeyCalls.length).toBe(want.root && want.permanentKeyUse ? 1 : 0);
  });
});
