/**
 * ActionTrail 2020-07-06 handlers of the emulator (the scanner calls them
 * through openapi-core's generic client, so bodies are plain JSON: PascalCase
 * top level, events with the camelCase fields of the event format, see
 * ../shared/corpus/actiontrail-event-samples and notes/alibaba-sdk.md §5).
 *
 * DescribeTrails {IncludeShadowTrails, IncludeOrganizationTrail, NameList}
 *   → `{TrailList: [...]}` (a plain array, no wrapper). Trails are regional
 *   resources: a region answers the trails whose HomeRegion it is; a
 *   multi-region trail (TrailRegion `All`, or the region itself) is also
 *   answered elsewhere as a *shadow trail* only when IncludeShadowTrails=true
 *   (default false, per the request metadata). Organization trails only with
 *   IncludeOrganizationTrail=true (default false).
 * GetGlobalEventsStorageRegion {} → `{StorageRegion}` (world
 *   `actiontrail.GlobalEventsStorageRegion`, default ap-southeast-1 as the service's).
 * GetTrailStatus {Name, IsOrganizationTrail} → `{IsLogging, LatestDeliveryError, ...}`;
 *   an unknown name is 404 `TrailNotFoundException`.
 * LookupEvents {StartTime, EndTime, LookupAttribute.N.Key/Value, MaxResults,
 *   NextToken, Direction} → `{NextToken, StartTime, EndTime, Events: [...]}`:
 *   - events of the request region (`acsRegion`) plus global ones (`isGlobal`,
 *     or no acsRegion at all);
 *   - StartTime/EndTime (yyyy-MM-ddTHH:mm:ssZ, UTC) both or neither; default
 *     window the last 7 days; bounds inclusive; only the last 90 days are kept
 *     (older events are never served);
 *   - LookupAttribute: at most 2 conditions used (ANDed, exact and
 *     case-sensitive); a key given twice keeps the last value;
 *   - Direction BACKWARD (default, newest first) or FORWARD;
 *   - MaxResults 1–50 (larger values are served as 50), default 20.
 */
import { pageByToken } from './paging.js';
import {
  type ActionHandler,
  apiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  ok,
} from './types.js';
import type { World } from './world.js';

type WorldTrail = World['actiontrail']['Trails'][number];
type WorldEvent = World['actiontrail']['Events'][number];
type Item = Record<string, unknown>;

const DAY_MS = 86_400_000;
const RETENTION_DAYS = 90;
const DEFAULT_WINDOW_DAYS = 7;

function truthy(v: string | undefined): boolean {
  return (v ?? '').toLowerCase() === 'true';
}

function isOrgTrail(t: WorldTrail): boolean {
  const v = t['IsOrganizationTrail'];
  return v === true || v === 'true';
}

/** a trail as DescribeTrails serves it: the world's fields as written (absent is absent, world.md) */
function serveTrail(t: WorldTrail): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(t)) if (k !== 'TrailStatus' && v !== undefined) out[k] = v;
  return out;
}

const describeTrails: ActionHandler = (req, ctx) => {
  const p = req.params;
  const region = req.region;
  const shadows = truthy(p['IncludeShadowTrails']);
  const orgs = truthy(p['IncludeOrganizationTrail']);
  const names = (p['NameList'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const trails = ctx.world.actiontrail.Trails.filter((t) => {
    if (names.length > 0 && !names.includes(t.Name)) return false;
    if (isOrgTrail(t) && !orgs) return false;
    if (!region || !t.HomeRegion || t.HomeRegion === region) return true;
    return shadows && (t.TrailRegion === 'All' || t.TrailRegion === region);
  });
  return ok({ TrailList: trails.map(serveTrail) });
};

const getTrailStatus: ActionHandler = (req, ctx) => {
  const name = req.params['Name'];
  if (!name) {
    return apiError(
      400,
      'MissingParameter',
      'The input parameter "Name" that is mandatory for processing this request is not supplied.',
    );
  }
  const trail = ctx.world.actiontrail.Trails.find((t) => t.Name === name);
  if (!trail) {
    return apiError(404, 'TrailNotFoundException', `The specified trail ${name} does not exist.`);
  }
  const status: Item = { ...(trail.TrailStatus ?? {}) };
  if (status['IsLogging'] === undefined)
    status['IsLogging'] = (trail.Status ?? 'Enable') === 'Enable';
  if (status['LatestDeliveryError'] === undefined) status['LatestDeliveryError'] = '';
  return ok(status);
};

// --- LookupEvents --------------------------------------------------------------

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function invalid(param: string, value: string): EmulatorResponse {
  return apiError(
    400,
    'InvalidParameter',
    `The specified parameter ${param} (${value}) is not valid.`,
  );
}

/**
 * `LookupAttribute.N.Key/Value` → at most two conditions, combined with AND
 * (world.md): a repeated key is two conditions that must both hold
 */
function lookupAttributes(
  params: Record<string, string>,
): Array<{ key: string; value: string }> | EmulatorResponse {
  const byIndex = new Map<number, { key?: string; value?: string }>();
  for (const [k, v] of Object.entries(params)) {
    const m = /^LookupAttribute\.(\d+)\.(Key|Value)$/.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    const entry = byIndex.get(i) ?? {};
    if (m[2] === 'Key') entry.key = v;
    else entry.value = v;
    byIndex.set(i, entry);
  }
  const conditions: Array<{ key: string; value: string }> = [];
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).slice(0, 2);
  for (const [i, { key, value }] of ordered) {
    if (!key) return invalid(`LookupAttribute.${i}.Key`, '');
    if (!(key in MATCHERS)) return invalid(`LookupAttribute.${i}.Key`, key);
    conditions.push({ key, value: value ?? '' });
  }
  return conditions;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}

function identity(e: WorldEvent): Item {
  const u = e['userIdentity'];
  return u && typeof u === 'object' && !Array.isArray(u) ? (u as Item) : {};
}

function referenced(e: WorldEvent): Record<string, unknown[]> {
  const r = e['referencedResources'];
  return r && typeof r === 'object' && !Array.isArray(r) ? (r as Record<string, unknown[]>) : {};
}

/** how each documented LookupAttribute key matches an event (exact, case-sensitive) */
const MATCHERS: Record<string, (e: WorldEvent, value: string) => boolean> = {
  EventName: (e, v) => e.eventName === v,
  EventId: (e, v) => e.eventId === v,
  EventType: (e, v) => e.eventType === v,
  EventRW: (e, v) => str(e['eventRW']) === v,
  ServiceName: (e, v) => str(e['serviceName']) === v,
  SourceIpAddress: (e, v) => str(e['sourceIpAddress']) === v,
  User: (e, v) => str(identity(e)['userName']) === v,
  EventAccessKeyId: (e, v) => str(identity(e)['accessKeyId']) === v,
  RoleName: (e, v) =>
    str(identity(e)['type']) === 'assumed-role' && str(identity(e)['userName']).split(':')[0] === v,
  ResourceType: (e, v) => str(e['resourceType']) === v || v in referenced(e),
  ResourceName: (e, v) =>
    str(e['resourceName']) === v ||
    Object.values(referenced(e)).some((list) => Array.isArray(list) && list.map(str).includes(v)),
  SensitiveAction: (e, v) => str(e['sensitiveAction'] ?? e['isSensitiveAction'] ?? 'false') === v,
};

/**
 * An event belongs to the region of its `acsRegion`; a global event
 * (`isGlobal`, e.g. ConsoleSignin) and an event without `acsRegion` (older
 * samples of central services such as RAM have none) are served in every region.
 */
function inRegion(e: WorldEvent, region: string | undefined, storage: string | undefined): boolean {
  if (!region) return true;
  const global =
    e.isGlobal === true ||
    (e.isGlobal as unknown) === 'true' ||
    e.acsRegion === undefined ||
    e.acsRegion === '';
  // with a global events storage region (world key GlobalEventsStorageRegion) global events live there only
  if (global) return storage === undefined || storage === region;
  return e.acsRegion === region;
}

/** GetGlobalEventsStorageRegion → {StorageRegion}; the world may fault it (the service grants it on request) */
const getGlobalEventsStorageRegion: ActionHandler = (_req, ctx) =>
  ok({ StorageRegion: ctx.world.actiontrail.GlobalEventsStorageRegion ?? 'ap-southeast-1' });

function lookupWindow(
  req: EmulatorRequest,
  ctx: EmulatorContext,
): { start: number; end: number; startText: string; endText: string } | EmulatorResponse {
  const rawStart = req.params['StartTime'] ?? '';
  const rawEnd = req.params['EndTime'] ?? '';
  const now = ctx.now().getTime();
  if ((rawStart === '') !== (rawEnd === '')) {
    return invalid(rawStart === '' ? 'StartTime' : 'EndTime', '');
  }
  if (rawStart === '') {
    const start = now - DEFAULT_WINDOW_DAYS * DAY_MS;
    const text = (t: number) => `${new Date(t).toISOString().slice(0, 19)}Z`;
    return { start, end: now, startText: text(start), endText: text(now) };
  }
  if (!TIME_RE.test(rawStart)) return invalid('StartTime', rawStart);
  if (!TIME_RE.test(rawEnd)) return invalid('EndTime', rawEnd);
  const start = Date.parse(rawStart);
  const end = Date.parse(rawEnd);
  if (start > end) return invalid('StartTime', rawStart);
  return { start, end, startText: rawStart, endText: rawEnd };
}

const lookupEvents: ActionHandler = (req, ctx) => {
  const p = req.params;
  const window = lookupWindow(req, ctx);
  if ('status' in window) return window;
  const conditions = lookupAttributes(p);
  if (!Array.isArray(conditions)) return conditions;
  const direction = (p['Direction'] ?? 'BACKWARD').toUpperCase();
  if (direction !== 'BACKWARD' && direction !== 'FORWARD') return invalid('Direction', direction);
  const oldest = ctx.now().getTime() - RETENTION_DAYS * DAY_MS;
  // cheap tests first: parsing every event's time on every call was the emulator's largest cost
  const events = ctx.world.actiontrail.Events.filter((e) => {
    if (!conditions.every(({ key, value }) => MATCHERS[key]!(e, value))) return false;
    if (!inRegion(e, req.region, ctx.world.actiontrail.GlobalEventsStorageRegion)) return false;
    const t = Date.parse(e.eventTime);
    return !(t < window.start || t > window.end || t < oldest);
  })
    .map((e, i) => ({ e, t: Date.parse(e.eventTime), i }))
    // newest first (ties: world order), or oldest first for FORWARD
    .sort((a, b) => (direction === 'FORWARD' ? a.t - b.t : b.t - a.t) || a.i - b.i)
    .map(({ e }) => e);
  const { page, nextToken } = pageByToken(events, p, { max: 50, default: 20 });
  return ok({
    NextToken: nextToken,
    StartTime: window.startText,
    EndTime: window.endText,
    Events: page.map((e) => structuredClone(e) as Item),
  });
};

export const actiontrailHandlers: Record<string, ActionHandler> = {
  DescribeTrails: describeTrails,
  GetTrailStatus: getTrailStatus,
  GetGlobalEventsStorageRegion: getGlobalEventsStorageRegion,
  LookupEvents: lookupEvents,
};
