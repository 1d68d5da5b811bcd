/**
 * ActionTrail (2020-07-06, through the generic client): trails and their
 * logging status, and the root identity's events within [since, now] in every
 * scanned region, de-duplicated by eventId. Request parameters and response
 * elements never enter the inventory (they can hold passwords).
 */
import type { Trail, TrailEvent } from '../inventory/schema.js';
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

export async function collectActionTrail(
  ctx: CollectContext,
  regions: string[],
): Promise<ActionTrailResult> {
  const window = { start: ctx.since.toISOString(), end: ctx.now.toISOString() };
  const [trails, perRegion] = await Promise.all([
    trailsOf(ctx, regions),
    Promise.all(regions.map((r) => rootEventsIn(ctx, r))),
  ]);
  const byId = new Map<string, TrailEvent>();
  for (const [i, events] of perRegion.entries()) {
    const region = regions[i] as string;
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
 * trail's home region. If any region's DescribeTrails fails, the trail list is
 * unknown as a whole (absent), with a coverage entry naming that region.
 */
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
  const byKey = new Map<string, { raw: Json; region: string }>();
  for (const { region, list } of answers) {
    if (list === undefined) return undefined;
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
): Promise<TrailEvent[] | undefined> {
  const m = meta(region, 'LookupEvents');
  const counter = phaseCounter(ctx, 'actiontrail', region, 'events');
  const oldest = ctx.now.getTime() - RETENTION_MS + RETENTION_SLACK_MS;
  const start = new Date(Math.max(ctx.since.getTime(), oldest));
  if (start.getTime() - ctx.since.getTime() > 3_600_000) {
    // the service rejects a window older than its retention: read what it keeps, report the rest
    fail(ctx, m, {
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
