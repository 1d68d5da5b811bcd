/**
 * ActionTrail (2020-07-06, through the generic client): trails and their
 * logging status, and the root identity's events within [since, now] in every
 * scanned region, de-duplicated by eventId. Request parameters and response
 * elements never enter the inventory (they can hold passwords).
 */
import type { Trail, TrailEvent } from '../inventory/schema.js';
import { extend } from '../util/extend.js';
import { maskAccessKeyId } from '../util/mask.js';
import {
  absentFields,
  attempt,
  type CollectContext,
  call,
  fail,
  missingField,
  pageSize,
  phaseCounter,
} from './context.js';
import { requiredList } from './errors.js';
import type { PageMeta } from './paging.js';
import { pageByCursor } from './paging.js';

export interface ActionTrailResult {
  trails?: Trail[];
  events: TrailEvent[];
  window: { start: string; end: string };
}

type Json = Record<string, unknown>;

const meta = (region: string, operation: string, resource?: string): PageMeta => ({
  service: 'actiontrail',
  region,
  operation,
  ...(resource !== undefined ? { resource } : {}),
});

/** `yyyy-MM-ddTHH:mm:ssZ`, the format LookupEvents wants */
function apiTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

export interface ActionTrailOptions {
  /**
   * every AccessKey id the root identity holds, when known (the caller is the
   * root: ListAccessKeys): its API calls are then looked up per key
   * (`EventAccessKeyId`) instead of reading every event of the window
   */
  rootAccessKeyIds?: Promise<string[] | undefined>;
  /**
   * the credential report's `<root>` row (IMS), when read: each root key's
   * last use tells whether the root's API calls need reading at all, and
   * where in time to find a used key's id (the report names no key id)
   */
  rootCredentialReport?: Promise<RootKeyReport | undefined>;
}

export interface RootKeyReport {
  generatedTime?: string;
  /** `user_last_logon`: the root's latest console sign-in; null = never, absent = unknown */
  lastLogon?: string | null;
  accessKeys: Array<{ lastUsed: string | null }>;
}

/** one LookupEvents filter (`LookupAttribute.N.Key/Value`; the service ANDs up to two) */
type LookupFilter = { key: string; value: string };

interface Lookup {
  region: string;
  filters: LookupFilter[];
  /** a narrower time range than the window (default: the window) */
  range?: { start: Date; end: Date };
  /**
   * stop paging once a page reaches an event older than this (pages come
   * newest first): the read covers [stopBefore, end] and whatever older
   * events its last page held
   */
  stopBefore?: Date;
  /**
   * read only to learn root AccessKey ids: its answers are not kept (the
   * calls of every id it names are read per key; the rules read nothing else
   * of it), so an event's `seenInRegions` is where the kept reads saw it
   */
  discoveryOnly?: true;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * What is read, and where:
 * - root console sign-ins: `ServiceName=AasCustomer` (the root's sign-in
 *   service; a RAM user's is `AasSub`), confirmed by the credential report
 *   (see `signInsOf`), in the region GetGlobalEventsStorageRegion names
 *   (global events are stored there only), whether or not `--regions`
 *   includes it; if that answer is refused or unusable (coverage), in every
 *   scanned region;
 * - root API calls with a permanent AccessKey, per key id (`EventAccessKeyId`)
 *   in every scanned region and the global events region, when the ids are
 *   known: listed by the root caller (ListAccessKeys), or, for a RAM-user
 *   caller, learnt from the credential report's `<root>` row (see
 *   `keysFromReport`);
 * - otherwise every event of the window (LookupEvents has no filter on the
 *   identity type), in every scanned region and the global events region.
 * Root-account events are kept (by `userIdentity.type`), de-duplicated by eventId.
 */
export async function collectActionTrail(
  ctx: CollectContext,
  regions: string[],
  options: ActionTrailOptions = {},
): Promise<ActionTrailResult> {
  const window = { start: ctx.since.toISOString(), end: ctx.now.toISOString() };
  const home = regions[0] ?? 'cn-hangzhou';
  const [trails, perRegion] = await Promise.all([
    trailsOf(ctx, regions),
    (async () => {
      const [storage, listedIds, report] = await Promise.all([
        globalEventsRegion(ctx, home),
        options.rootAccessKeyIds ?? Promise.resolve(undefined),
        options.rootCredentialReport ?? Promise.resolve(undefined),
      ]);
      const signInRegions = storage ? [storage] : regions;
      const apiRegions = storage && !regions.includes(storage) ? [...regions, storage] : regions;
      const beyondRetention = new Set<string>();
      const answers: Array<{ region: string; events: TrailEvent[] | undefined }> = [];
      const run = async (lookups: Lookup[]): Promise<Array<RootEvents | undefined>> => {
        const got = await Promise.all(lookups.map((l) => rootEventsIn(ctx, l, beyondRetention)));
        for (const [i, g] of got.entries()) {
          const l = lookups[i]!;
          if (!l.discoveryOnly) answers.push({ region: l.region, events: g?.events });
        }
        return got;
      };
      const full = () => run(apiRegions.map((region) => ({ region, filters: [] })));
      const signIns = signInsOf(ctx, report, signInRegions, run);
      const perKey = (ids: Iterable<string>) =>
        run(
          apiRegions.flatMap((region) =>
            [...ids].map((id) => ({ region, filters: [{ key: 'EventAccessKeyId', value: id }] })),
          ),
        );
      if (listedIds !== undefined && listedIds.length > 0) {
        await Promise.all([signIns, perKey(listedIds)]);
      } else {
        const complete = await keysFromReport(ctx, report, { signInRegions, apiRegions }, run);
        await Promise.all([signIns, complete ? undefined : full()]);
      }
      return answers;
    })(),
  ]);
  const byId = new Map<string, TrailEvent>();
  for (const { region, events } of perRegion) {
    // a failed read adds nothing here: its coverage entry makes the rules that read events 'not evaluated'
    if (events === undefined) continue;
    for (const e of events) {
      const known = byId.get(e.eventId);
      if (known) {
        if (!known.seenInRegions.includes(region)) known.seenInRegions.push(region);
      } else byId.set(e.eventId, extend(e, { seenInRegions: [region] }));
    }
  }
  // newest first; ISO times in one zone compare as text, whatever the host's locale
  const events = [...byId.values()].sort((a, b) =>
    a.eventTime === b.eventTime ? 0 : a.eventTime < b.eventTime ? 1 : -1,
  );
  return { ...(trails ? { trails } : {}), events, window };
}

/** a report time's precision: a date is that whole day, a time ± 1 hour */
function reportRange(value: string, at: number): { from: number; to: number } {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value.trim());
  return dateOnly ? { from: at, to: at + DAY } : { from: at - HOUR, to: at + HOUR };
}

/** sign-ins after the report was generated are not in it: [generated − 5 min, now], or none */
function afterReport(
  ctx: CollectContext,
  generated: number,
): { start: Date; end: Date } | undefined {
  const from = Math.max(generated - 5 * 60_000, windowStart(ctx).getTime());
  return from < ctx.now.getTime() - 5 * 60_000
    ? { start: new Date(from), end: ctx.now }
    : undefined;
}

/**
 * The root's console sign-ins. Root sign-ins carry `serviceName: AasCustomer`
 * (RAM users' `AasSub`), so `ServiceName=AasCustomer` reads them without paging
 * through every RAM user's sign-in (one condition: the service allows only
 * some two-condition combinations, and other AasCustomer events of the root
 * are root events too); the filter is trusted only where the credential
 * report's `<root>` row confirms it:
 * - the report says when the root last signed in (`user_last_logon`): a
 *   successful root sign-in must be among the filtered answers at that time
 *   (± 1 hour, the whole day for a date), else the filter missed it;
 * - sign-ins after the report was generated are not in it: that span is read
 *   by `EventName=ConsoleSignin`, unfiltered by service;
 * - the report says never, or before the window: nothing to confirm.
 * When the report is unknown (unread, no generation time, an unreadable last
 * logon) or disagrees, every sign-in of the window is read by
 * `EventName=ConsoleSignin` as well, as it was before the filter. A failed read
 * keeps its coverage entry (the rules say "not evaluated").
 */
async function signInsOf(
  ctx: CollectContext,
  report: RootKeyReport | undefined,
  regions: string[],
  run: (lookups: Lookup[]) => Promise<Array<RootEvents | undefined>>,
): Promise<void> {
  const byName = (range?: { start: Date; end: Date }) =>
    run(
      regions.map((region) => ({
        region,
        filters: [{ key: 'EventName', value: 'ConsoleSignin' }],
        ...(range ? { range } : {}),
      })),
    );
  const generated = parseTime(report?.generatedTime);
  const logon = report?.lastLogon;
  const lastLogon = logon === null ? null : parseTime(logon);
  if (generated === undefined || lastLogon === undefined) {
    await byName();
    return;
  }
  const gap = afterReport(ctx, generated);
  const [filtered, late] = await Promise.all([
    run(
      regions.map((region) => ({
        region,
        filters: [{ key: 'ServiceName', value: 'AasCustomer' }],
      })),
    ),
    gap ? byName(gap) : Promise.resolve([]),
  ]);
  if ([...filtered, ...late].some((a) => a === undefined)) return;
  if (lastLogon === null) return;
  const { from, to } = reportRange(logon as string, lastLogon);
  if (to < windowStart(ctx).getTime()) return;
  const confirmed = [...filtered, ...late].some((a) =>
    a?.events.some((e) => {
      const t = parseTime(e.eventTime);
      return (
        (e.eventType === 'ConsoleSignin' || e.eventName === 'ConsoleSignin') &&
        (e.errorCode ?? '') === '' &&
        t !== undefined &&
        t >= from &&
        t <= to
      );
    }),
  );
  if (!confirmed) await byName();
}

/**
 * The root AccessKeys' API calls when the caller cannot list the keys (a RAM
 * user), from what IMS's credential report tells; true when they were read
 * per key, false when the full read is needed.
 * - a root key last used within the window: its id is learnt from the root
 *   API calls before its last use, region by region: in each region one read
 *   backwards from the end of its last use's range (`access_key_N_last_used`
 *   + 1 hour, the day's end for a date), paging until that range's start is
 *   passed, so the page also holds the region's older events (any root key
 *   used there earlier); every permanent root key id seen is read per key
 *   (`EventAccessKeyId`) in every region, and the search goes on until each
 *   used key's last use is matched by a call of a key read (as many ids with
 *   a call in that range as keys last used then);
 * - a root key deleted during the window has left the report: the root's
 *   `DeleteAccessKey` events (a RAM event, global: read where sign-ins are)
 *   name it (`requestParameters.UserAccessKeyId`, no `UserName`);
 * - root keys used after the report was generated: every event from then on.
 * false = the report is unknown or unreadable, a used key's last use was not
 * matched in any region, a deletion names no key, or one of these reads failed
 * (its coverage entry stays).
 */
async function keysFromReport(
  ctx: CollectContext,
  report: RootKeyReport | undefined,
  where: { signInRegions: string[]; apiRegions: string[] },
  run: (lookups: Lookup[]) => Promise<Array<RootEvents | undefined>>,
): Promise<boolean> {
  if (!report) return false;
  const start = windowStart(ctx);
  const generated = parseTime(report.generatedTime);
  if (generated === undefined) return false;
  /** distinct last-use ranges, each with the number of keys last used then */
  const ranges: Array<{ start: Date; end: Date; keys: number }> = [];
  for (const key of report.accessKeys) {
    if (key.lastUsed === null) continue;
    const used = parseTime(key.lastUsed);
    if (used === undefined) return false;
    const { from, to } = reportRange(key.lastUsed, used);
    if (to < start.getTime()) continue; // last used before the window
    const range = {
      start: new Date(Math.max(from, start.getTime())),
      end: new Date(Math.min(to, ctx.now.getTime())),
    };
    // keys last used at the same time share one read
    const same = ranges.find((r) => +r.start === +range.start && +r.end === +range.end);
    if (same) same.keys++;
    else ranges.push({ ...range, keys: 1 });
  }
  const gap = afterReport(ctx, generated);
  const seen: RootEvents[] = [];
  /** a read's answers, or undefined when one of them failed (its coverage entry stays) */
  const answered = (got: Array<RootEvents | undefined>): RootEvents[] | undefined => {
    const ok = got.filter((a): a is RootEvents => a !== undefined);
    seen.push(...ok);
    return ok.length === got.length ? ok : undefined;
  };
  const [deleteReads, lateReads] = await Promise.all([
    run(
      where.signInRegions.map((region) => ({
        region,
        filters: [{ key: 'EventName', value: 'DeleteAccessKey' }],
      })),
    ),
    run(gap ? where.apiRegions.map((region) => ({ region, filters: [], range: gap })) : []),
  ]);
  const deletes = answered(deleteReads);
  const late = answered(lateReads);
  if (!deletes || !late) return false;
  const ids = new Set<string>();
  for (const a of late) for (const e of a.events) addPermanent(ids, e);
  for (const a of deletes) {
    for (const raw of a.raw) {
      const params = requestParameters(raw);
      if (params === undefined) return false;
      if (str(params.UserName) !== '') continue; // a RAM user's key
      const id = str(params.UserAccessKeyId);
      if (id === '') return false;
      ids.add(id);
    }
  }
  const readIds = new Set<string>();
  const perKey = async (): Promise<boolean> => {
    const fresh = [...ids].filter((id) => !readIds.has(id));
    for (const id of fresh) readIds.add(id);
    return !!answered(
      await run(
        where.apiRegions.flatMap((region) =>
          fresh.map((id) => ({ region, filters: [{ key: 'EventAccessKeyId', value: id }] })),
        ),
      ),
    );
  };
  // a range is matched when as many ids as keys last used then made a root call within it
  const matched = () =>
    ranges.every((r) => {
      const within = new Set<string>();
      for (const a of seen) {
        for (const e of a.events) {
          const t = parseTime(e.eventTime);
          if (t !== undefined && t >= +r.start && t <= +r.end) addPermanent(within, e);
        }
      }
      return within.size >= r.keys;
    });
  let searched = 0;
  for (;;) {
    if ([...ids].some((id) => !readIds.has(id))) {
      if (!(await perKey())) return false;
      continue;
    }
    if (matched()) return true;
    const region = where.apiRegions[searched++];
    if (region === undefined) return false;
    const got = await run(
      ranges.map((r) => ({
        region,
        filters: [],
        range: { start, end: r.end },
        stopBefore: r.start,
        discoveryOnly: true,
      })),
    );
    const found = answered(got);
    if (!found) return false;
    for (const a of found) for (const e of a.events) addPermanent(ids, e);
  }
}

/** a root API call's permanent AccessKey id (not an STS token, not a console session's TMP. key) */
function addPermanent(ids: Set<string>, e: TrailEvent): void {
  const id = e.userIdentity.accessKeyId ?? '';
  if (id === '' || /^(STS|TMP)\./i.test(id) || e.eventType === 'ConsoleSignin') return;
  ids.add(id);
}

function requestParameters(e: Json): Json | undefined {
  let p = e.requestParameters;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p) as unknown;
    } catch {
      return undefined;
    }
  }
  return isObject(p) ? p : undefined;
}

/** ms since the epoch of a report or API time (UTC when no zone is given) */
function parseTime(v: string | undefined): number | undefined {
  if (!v) return undefined;
  let s = v.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Trails are regional resources: DescribeTrails answers the trails homed in
 * the region it is asked in, plus multi-region trails homed elsewhere as
 * shadow trails (IncludeShadowTrails) and organization trails that log this
 * account (IncludeOrganizationTrail). Every scanned region is asked and the
 * answers are merged by home region and name; GetTrailStatus is asked in the
 * trail's home region. A region whose DescribeTrails fails costs only the
 * trails homed there (coverage names it); when no region answers, the trail
 * list is unknown (absent).
 */
/**
 * GetGlobalEventsStorageRegion → `StorageRegion` (default ap-southeast-1; the
 * service grants the action on request). undefined when refused or unusable,
 * with a coverage entry for the region it was asked in.
 */
async function globalEventsRegion(
  ctx: CollectContext,
  region: string,
): Promise<string | undefined> {
  const m = meta(region, 'GetGlobalEventsStorageRegion');
  const body = await attempt(ctx, m, () =>
    call(ctx, m, () => ctx.clients.actiontrail('GetGlobalEventsStorageRegion', region, {})),
  );
  if (!body) return undefined;
  const storage = str(body.StorageRegion);
  if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(storage)) {
    fail(ctx, m, {
      code: 'MalformedResponse',
      message: 'GetGlobalEventsStorageRegion answered without a StorageRegion',
    });
    return undefined;
  }
  return storage;
}

async function trailsOf(ctx: CollectContext, regions: string[]): Promise<Trail[] | undefined> {
  const answers = await Promise.all(
    regions.map((region) => {
      const m = meta(region, 'DescribeTrails');
      return attempt(ctx, m, async () => {
        const body = await call(ctx, m, () =>
          ctx.clients.actiontrail('DescribeTrails', region, {
            IncludeShadowTrails: true,
            IncludeOrganizationTrail: true,
          }),
        );
        // an answer without TrailList is not "no trails": the trail list stays unknown
        return requiredList(body?.TrailList as unknown[] | undefined, 'TrailList');
      }).then((list) => ({ region, list }));
    }),
  );
  // a multi-region (or organization) trail is answered in every region as a
  // shadow trail, so the regions that answered still show every trail that
  // covers all regions: a failed region costs only the trails homed there
  // (its coverage entry names it); nothing answered = unknown
  if (answers.every((a) => a.list === undefined)) return undefined;
  const byKey = new Map<string, { raw: Json; region: string }>();
  for (const { region, list } of answers) {
    if (list === undefined) continue;
    for (const t of list.filter(isObject)) {
      if (str(t.Name) === '') continue;
      const key = `${str(t.HomeRegion) || region}\u0000${str(t.Name)}`;
      if (!byKey.has(key)) byKey.set(key, { raw: t, region });
    }
  }
  return Promise.all(
    [...byKey.values()].map(async ({ raw: t, region }) => {
      const trail: Trail = {
        name: str(t.Name),
        status: str(t.Status),
        homeRegion: str(t.HomeRegion),
        trailRegion: str(t.TrailRegion),
        eventRW: str(t.EventRW),
        isOrganizationTrail: t.IsOrganizationTrail === true || t.IsOrganizationTrail === 'true',
        slsProjectArn: str(t.SlsProjectArn),
        ossBucketName: str(t.OssBucketName),
      };
      // DescribeTrails always sends these: a trail without one might be the one that logs
      // everything, and read as '' it would keep the account from a finding unjudged
      const needed = {
        Status: trail.status,
        TrailRegion: trail.trailRegion,
        EventRW: trail.eventRW,
      };
      const absent = absentFields(needed);
      if (absent.length > 0)
        missingField(ctx, meta(region, 'DescribeTrails'), trail.name, absent.join(', '));
      const statusRegion = trail.homeRegion || region;
      const sm = meta(statusRegion, 'GetTrailStatus', trail.name);
      const status = await attempt(ctx, sm, () =>
        call(ctx, sm, () =>
          ctx.clients.actiontrail('GetTrailStatus', statusRegion, {
            Name: trail.name,
            IsOrganizationTrail: trail.isOrganizationTrail,
          }),
        ),
      );
      if (
        status &&
        !(
          typeof status.IsLogging === 'boolean' ||
          status.IsLogging === 'true' ||
          status.IsLogging === 'false'
        )
      ) {
        fail(ctx, sm, {
          code: 'MalformedResponse',
          message: 'GetTrailStatus answered without IsLogging',
        });
      } else if (status) {
        trail.trailStatus = {
          isLogging: status.IsLogging === true || status.IsLogging === 'true',
          latestDeliveryError: str(status.LatestDeliveryError),
          ...(str(status.LatestDeliveryTime)
            ? { latestDeliveryTime: str(status.LatestDeliveryTime) }
            : {}),
        };
      }
      return trail;
    }),
  );
}

/** LookupEvents serves the last 90 days; a start a little inside that bound survives clock skew */
const RETENTION_MS = 90 * 86_400_000;
const RETENTION_SLACK_MS = 5 * 60_000;

/** the start of the window LookupEvents can serve */
function windowStart(ctx: CollectContext): Date {
  const oldest = ctx.now.getTime() - RETENTION_MS + RETENTION_SLACK_MS;
  return new Date(Math.max(ctx.since.getTime(), oldest));
}

interface RootEvents {
  events: TrailEvent[];
  /** the root events as answered (request parameters included: never kept) */
  raw: Json[];
}

/**
 * One LookupEvents read, every page. LookupEvents has no filter on the
 * identity type (LookupAttribute keys are user name, event name, ...; a RAM
 * user may be called "root"), so root-account events are kept from the answer.
 */
async function rootEventsIn(
  ctx: CollectContext,
  lookup: Lookup,
  /** regions whose WindowBeyondRetention gap is already recorded (one entry per region) */
  beyondRetention: Set<string>,
): Promise<RootEvents | undefined> {
  const { region, filters } = lookup;
  const m = meta(
    region,
    'LookupEvents',
    filters.length > 0
      ? filters
          .map(
            (f) => `${f.key}=${f.key === 'EventAccessKeyId' ? maskAccessKeyId(f.value) : f.value}`,
          )
          .join('&')
      : lookup.range
        ? `${apiTime(lookup.range.start)}/${apiTime(lookup.range.end)}`
        : undefined,
  );
  const counter = phaseCounter(ctx, 'actiontrail', region, 'events');
  const start = windowStart(ctx);
  if (start.getTime() - ctx.since.getTime() > 3_600_000 && !beyondRetention.has(region)) {
    beyondRetention.add(region);
    // the service rejects a window older than its retention: read what it keeps, report the rest
    fail(ctx, meta(region, 'LookupEvents'), {
      code: 'WindowBeyondRetention',
      message: `ActionTrail keeps 90 days of events: ${ctx.since.toISOString()} to ${start.toISOString()} cannot be read`,
    });
  }
  const from = lookup.range?.start ?? start;
  const to = lookup.range?.end ?? ctx.now;
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (token) => {
      const body = await call(ctx, m, () =>
        ctx.clients.actiontrail('LookupEvents', region, {
          StartTime: apiTime(from),
          EndTime: apiTime(to),
          MaxResults: String(pageSize(ctx, 50)),
          ...Object.fromEntries(
            filters.flatMap((f, i) => [
              [`LookupAttribute.${i + 1}.Key`, f.key],
              [`LookupAttribute.${i + 1}.Value`, f.value],
            ]),
          ),
          ...(token ? { NextToken: token } : {}),
        }),
      );
      counter.add(1);
      counter.tick();
      const events = requiredList(body.Events as unknown[] | undefined, 'Events').filter(isObject);
      // newest first: a page past `stopBefore` holds everything of [stopBefore, end] read so far
      const past =
        lookup.stopBefore !== undefined &&
        events.some((e) => (parseTime(str(e.eventTime)) ?? Infinity) < +lookup.stopBefore!);
      return {
        items: events.filter(
          (e) => isObject(e.userIdentity) && e.userIdentity.type === 'root-account',
        ),
        next: past ? undefined : str(body.NextToken) || undefined,
      };
    }),
  );
  if (!raw) return undefined;
  // every event the API returns has an id and a time; a root event without them cannot be
  // placed or told apart, and dropped it would pass a sign-in unseen: the lookup is unknown
  const unplaced = raw.find((e) => !str(e.eventId) || !str(e.eventTime));
  if (unplaced) {
    const what = !str(unplaced.eventId) ? 'eventId' : 'eventTime';
    missingField(ctx, m, `a root-identity event`, what, 'list');
    return undefined;
  }
  return { events: raw.map(toEvent).filter((e): e is TrailEvent => e !== undefined), raw };
}

function toEvent(e: Json): TrailEvent | undefined {
  const eventId = str(e.eventId);
  const eventTime = str(e.eventTime);
  if (!eventId || !eventTime) return undefined;
  const ui = isObject(e.userIdentity) ? e.userIdentity : {};
  const attrs =
    isObject(ui.sessionContext) && isObject(ui.sessionContext.attributes)
      ? ui.sessionContext.attributes
      : undefined;
  const extra = isObject(e.additionalEventData) ? e.additionalEventData : undefined;
  return {
    eventId,
    eventName: str(e.eventName),
    eventType: str(e.eventType),
    eventTime,
    ...opt('eventRW', e.eventRW),
    ...opt('eventSource', e.eventSource),
    ...opt('serviceName', e.serviceName),
    ...opt('acsRegion', e.acsRegion),
    ...(typeof e.isGlobal === 'boolean'
      ? { isGlobal: e.isGlobal }
      : e.isGlobal === 'true'
        ? { isGlobal: true }
        : {}),
    ...opt('sourceIpAddress', e.sourceIpAddress),
    ...opt('userAgent', e.userAgent),
    ...opt('errorCode', e.errorCode),
    userIdentity: {
      ...opt('type', ui.type),
      ...opt('principalId', ui.principalId),
      ...opt('accountId', ui.accountId),
      ...opt('userName', ui.userName),
      ...opt('accessKeyId', ui.accessKeyId),
      ...(attrs
        ? {
            sessionContext: {
              attributes: {
                ...opt('mfaAuthenticated', attrs.mfaAuthenticated),
                ...opt('creationDate', attrs.creationDate),
              },
            },
          }
        : {}),
    },
    ...(extra
      ? {
          additionalEventData: {
            ...opt('isMFAChecked', extra.isMFAChecked),
            ...opt('mfaChecked', extra.mfaChecked),
            ...opt('MFAUsed', extra.MFAUsed),
            ...opt('loginAccount', extra.loginAccount),
          },
        }
      : {}),
    seenInRegions: [],
  };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

/** `{[key]: value}` as a string when the value is a non-empty scalar, else `{}` */
function opt<K extends string>(key: K, v: unknown): Partial<Record<K, string>> {
  const s = str(v);
  return s === '' ? {} : ({ [key]: s } as Partial<Record<K, string>>);
}
