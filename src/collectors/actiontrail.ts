/**
 * ActionTrail (2020-07-06, through the generic client): trails and their
 * logging status, and the root identity's events within [since, now] in every
 * scanned region, de-duplicated by eventId. Request parameters and response
 * elements never enter the inventory (they can hold passwords).
 */
import type { Trail, TrailEvent } from '../inventory/schema.js';
import { maskAccessKeyId } from '../util/mask.js';
import { attempt, type CollectContext, call, fail, pageSize, phaseCounter } from './context.js';
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
}

/** one LookupEvents filter (`LookupAttribute.N.Key/Value`; the service ANDs up to two) */
type LookupFilter = { key: string; value: string };

/**
 * What is read, and where:
 * - console sign-ins: `EventName=ConsoleSignin` (server-side), in the region
 *   GetGlobalEventsStorageRegion names (global events are stored there only),
 *   whether or not `--regions` includes it; if that answer is refused or
 *   unusable (coverage), in every scanned region;
 * - root API calls: per root AccessKey id (`EventAccessKeyId`) when the keys
 *   are known, else every event of the window (LookupEvents has no filter on
 *   the identity type), in every scanned region and the global events region.
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
      const [storage, keyIds] = await Promise.all([
        globalEventsRegion(ctx, home),
        options.rootAccessKeyIds ?? Promise.resolve(undefined),
      ]);
      const signInRegions = storage ? [storage] : regions;
      const apiRegions = storage && !regions.includes(storage) ? [...regions, storage] : regions;
      const perKey = keyIds !== undefined && keyIds.length > 0;
      // without the root's key ids every event of the window is read, sign-ins included
      const lookups: Array<{ region: string; filters: LookupFilter[] }> = perKey
        ? [
            ...signInRegions.map((region) => ({
              region,
              filters: [{ key: 'EventName', value: 'ConsoleSignin' }],
            })),
            ...apiRegions.flatMap((region) =>
              keyIds.map((id) => ({ region, filters: [{ key: 'EventAccessKeyId', value: id }] })),
            ),
          ]
        : apiRegions.map((region) => ({ region, filters: [] }));
      const beyondRetention = new Set<string>();
      const answers = await Promise.all(
        lookups.map((l) => rootEventsIn(ctx, l.region, l.filters, beyondRetention)),
      );
      return answers.map((events, i) => ({ region: lookups[i]!.region, events }));
    })(),
  ]);
  const byId = new Map<string, TrailEvent>();
  for (const { region, events } of perRegion) {
    for (const e of events ?? []) {
      const known = byId.get(e.eventId);
      if (known) {
        if (!known.seenInRegions.includes(region)) known.seenInRegions.push(region);
      } else byId.set(e.eventId, { ...e, seenInRegions: [region] });
    }
  }
  const events = [...byId.values()].sort((a, b) => b.eventTime.localeCompare(a.eventTime));
  return { ...(trails ? { trails } : {}), events, window };
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

/**
 * LookupEvents has no filter on the identity type (LookupAttribute keys are
 * user name, event name, ...; a RAM user may be called "root"), so the whole
 * window is read and root-account events are kept.
 */
/** LookupEvents serves the last 90 days; a start a little inside that bound survives clock skew */
const RETENTION_MS = 90 * 86_400_000;
const RETENTION_SLACK_MS = 5 * 60_000;

async function rootEventsIn(
  ctx: CollectContext,
  region: string,
  filters: LookupFilter[],
  /** regions whose WindowBeyondRetention gap is already recorded (one entry per region) */
  beyondRetention: Set<string>,
): Promise<TrailEvent[] | undefined> {
  const m = meta(
    region,
    'LookupEvents',
    filters.length > 0
      ? filters
          .map(
            (f) => `${f.key}=${f.key === 'EventAccessKeyId' ? maskAccessKeyId(f.value) : f.value}`,
          )
          .join('&')
      : undefined,
  );
  const counter = phaseCounter(ctx, 'actiontrail', region, 'events');
  const oldest = ctx.now.getTime() - RETENTION_MS + RETENTION_SLACK_MS;
  const start = new Date(Math.max(ctx.since.getTime(), oldest));
  if (start.getTime() - ctx.since.getTime() > 3_600_000 && !beyondRetention.has(region)) {
    beyondRetention.add(region);
    // the service rejects a window older than its retention: read what it keeps, report the rest
    fail(ctx, meta(region, 'LookupEvents'), {
      code: 'WindowBeyondRetention',
      message: `ActionTrail keeps 90 days of events: ${ctx.since.toISOString()} to ${start.toISOString()} cannot be read`,
    });
  }
  const raw = await attempt(ctx, m, () =>
    pageByCursor(ctx.guard, m, async (token) => {
      const body = await call(ctx, m, () =>
        ctx.clients.actiontrail('LookupEvents', region, {
          StartTime: apiTime(start),
          EndTime: apiTime(ctx.now),
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
      return {
        items: events.filter(
          (e) => isObject(e.userIdentity) && e.userIdentity.type === 'root-account',
        ),
        next: str(body.NextToken) || undefined,
      };
    }),
  );
  if (!raw) return undefined;
  return raw.map(toEvent).filter((e): e is TrailEvent => e !== undefined);
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
