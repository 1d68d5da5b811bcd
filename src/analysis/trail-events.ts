/**
 * Classification of reduced ActionTrail events (see `TrailEventSchema` and the
 * collector in src/collectors/actiontrail.ts) for the root-activity rules.
 * Pure functions: no I/O, no clock of their own; the window is passed in.
 *
 * What the service records, and how it is read here:
 * - The root identity is `userIdentity.type` `root-account` (never the user
 *   name: a RAM user may be called "root").
 * - A console sign-in is `eventName` or `eventType` `ConsoleSignin`; it failed
 *   when `errorCode` is set (Alibaba's own CIS alert counts an empty or absent
 *   `errorCode` as success).
 * - The MFA flag of a sign-in has several spellings: `additionalEventData.isMFAChecked`
 *   (root sign-in samples), `additionalEventData.mfaChecked` (RAM-user samples,
 *   Alibaba's SLS alert), `additionalEventData.MFAUsed`, and for console
 *   sessions `userIdentity.sessionContext.attributes.mfaAuthenticated`.
 *   Values are strings, "true"/"false"; an absent or other value is unknown.
 * - AccessKey use is an `ApiCall` whose `userIdentity.accessKeyId` is a
 *   permanent AccessKey: `STS.` keys are STS tokens (assumed roles) and `TMP.`
 *   keys are the temporary credentials of a console session, so neither is use
 *   of a long-lived key.
 */
import { localeCompare } from '../engine/finding.js';
import type { RuleContext } from '../engine/types.js';
import type { TrailEvent } from '../inventory/schema.js';

// ---------------------------------------------------------------- time

/**
 * Milliseconds since the epoch of an event or API time, or undefined when it
 * cannot be read. ActionTrail and ECS times are UTC: a time without a zone
 * designator is read as UTC (not as the local time of the machine).
 */
export function parseUtcTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  let s = value.trim();
  if (s === '') return undefined;
  // `2026-10-30 08:00:00` → `2026-10-30T08:00:00`
  s = s.replace(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/, '$1T$2');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  // `+0000` → `+00:00`
  s = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/** true when the event's time lies within [since, now] (both inclusive); an unreadable time is not */
export function isWithinWindow(e: Pick<TrailEvent, 'eventTime'>, since: Date, now: Date): boolean {
  const t = parseUtcTime(e.eventTime);
  return t !== undefined && t >= since.getTime() && t <= now.getTime();
}

// ---------------------------------------------------------------- identity and kind

const lower = (v: string | undefined): string => (v ?? '').trim().toLowerCase();

/** the event was made by the root identity (the Alibaba Cloud account itself) */
export function isRootIdentity(e: TrailEvent): boolean {
  return lower(e.userIdentity.type) === 'root-account';
}

/** a console sign-in event, successful or not */
export function isConsoleSignin(e: TrailEvent): boolean {
  return lower(e.eventName) === 'consolesignin' || lower(e.eventType) === 'consolesignin';
}

export type SigninOutcome = 'success' | 'failure';

/** a sign-in (or any call) failed when the service recorded an error code */
export function outcomeOf(e: TrailEvent): SigninOutcome {
  return (e.errorCode ?? '').trim() === '' ? 'success' : 'failure';
}

// ---------------------------------------------------------------- MFA

export type MfaState = 'checked' | 'not-checked' | 'unknown';

export type MfaField =
  | 'additionalEventData.isMFAChecked'
  | 'additionalEventData.mfaChecked'
  | 'additionalEventData.MFAUsed'
  | 'userIdentity.sessionContext.attributes.mfaAuthenticated';

export interface MfaReading {
  /** checked: the field says "true"; not-checked: it says "false"; unknown: no field says either */
  state: MfaState;
  /** the field that decided; absent when unknown */
  field?: MfaField;
  /** the value as recorded; absent when unknown */
  value?: string;
}

/**
 * The MFA flag of an event. The fields are read in this order and the first
 * one holding "true" or "false" (any case, surrounding blanks ignored)
 * decides: isMFAChecked, mfaChecked, MFAUsed, sessionContext mfaAuthenticated.
 * A field that is absent, empty or holds anything else does not decide.
 */
export function mfaOf(e: TrailEvent): MfaReading {
  const extra = e.additionalEventData;
  const candidates: Array<[MfaField, string | undefined]> = [
    ['additionalEventData.isMFAChecked', extra?.isMFAChecked],
    ['additionalEventData.mfaChecked', extra?.mfaChecked],
    ['additionalEventData.MFAUsed', extra?.MFAUsed],
    [
      'userIdentity.sessionContext.attributes.mfaAuthenticated',
      e.userIdentity.sessionContext?.attributes?.mfaAuthenticated,
    ],
  ];
  for (const [field, value] of candidates) {
    const v = lower(value);
    if (v === 'true') return { state: 'checked', field, value: value as string };
    if (v === 'false') return { state: 'not-checked', field, value: value as string };
  }
  return { state: 'unknown' };
}

// ---------------------------------------------------------------- credentials

export type CredentialKind =
  /** a long-lived AccessKey (LTAI…) */
  | 'permanent'
  /** an STS token: an assumed role or a federated session */
  | 'sts'
  /** the temporary credential of a console session */
  | 'console-temporary'
  /** no AccessKey id recorded (console operations, service events) */
  | 'none';

export function credentialKindOf(e: TrailEvent): CredentialKind {
  const id = (e.userIdentity.accessKeyId ?? '').trim();
  if (id === '') return 'none';
  const upper = id.toUpperCase();
  if (upper.startsWith('STS.')) return 'sts';
  if (upper.startsWith('TMP.')) return 'console-temporary';
  return 'permanent';
}

/** an `ApiCall` signed with a permanent AccessKey (not an STS or console-session key) */
export function isPermanentKeyApiCall(e: TrailEvent): boolean {
  return lower(e.eventType) === 'apicall' && credentialKindOf(e) === 'permanent';
}

// ---------------------------------------------------------------- sets of events

/**
 * Events de-duplicated by eventId (a global event is returned by every region
 * that is queried), the regions they were seen from merged, newest first.
 * Events with an unreadable time sort last.
 */
export function dedupeEvents(events: readonly TrailEvent[]): TrailEvent[] {
  const byId = new Map<string, TrailEvent>();
  for (const e of events) {
    const known = byId.get(e.eventId);
    if (!known) {
      byId.set(e.eventId, { ...e, seenInRegions: [...e.seenInRegions] });
      continue;
    }
    for (const r of e.seenInRegions) {
      if (!known.seenInRegions.includes(r)) known.seenInRegions.push(r);
    }
  }
  return [...byId.values()].sort(newestFirst);
}

function newestFirst(a: TrailEvent, b: TrailEvent): number {
  const ta = parseUtcTime(a.eventTime) ?? Number.NEGATIVE_INFINITY;
  const tb = parseUtcTime(b.eventTime) ?? Number.NEGATIVE_INFINITY;
  if (ta !== tb) return tb - ta;
  return localeCompare(a.eventId, b.eventId);
}

export interface RootActivity {
  /** successful root console sign-ins within the window, newest first */
  signins: TrailEvent[];
  /** failed root console sign-in attempts within the window, newest first */
  failedSignins: TrailEvent[];
  /** root ApiCalls with a permanent AccessKey within the window (successful or not), newest first */
  accessKeyCalls: TrailEvent[];
  /**
   * root sign-ins and permanent-key calls whose `eventTime` cannot be read: in
   * the window or not, no one can say, so a rule that found nothing else says
   * it could not judge (never a pass)
   */
  undated: { signins: TrailEvent[]; accessKeyCalls: TrailEvent[] };
}

/** The root identity's sign-ins and AccessKey calls within [since, now], each event once. */
export function rootActivity(events: readonly TrailEvent[], since: Date, now: Date): RootActivity {
  const out: RootActivity = {
    signins: [],
    failedSignins: [],
    accessKeyCalls: [],
    undated: { signins: [], accessKeyCalls: [] },
  };
  for (const e of dedupeEvents(events)) {
    if (!isRootIdentity(e)) continue;
    if (parseUtcTime(e.eventTime) === undefined) {
      if (isConsoleSignin(e) && outcomeOf(e) === 'success') out.undated.signins.push(e);
      else if (!isConsoleSignin(e) && isPermanentKeyApiCall(e)) out.undated.accessKeyCalls.push(e);
      continue;
    }
    if (!isWithinWindow(e, since, now)) continue;
    if (isConsoleSignin(e)) {
      (outcomeOf(e) === 'success' ? out.signins : out.failedSignins).push(e);
    } else if (isPermanentKeyApiCall(e)) {
      out.accessKeyCalls.push(e);
    }
  }
  return out;
}

/** `rootActivity` of the inventory's events within the scan's window, computed once per scan */
export function rootActivityOf(
  ctx: Pick<RuleContext<unknown>, 'inventory' | 'since' | 'now' | 'memo'>,
): RootActivity {
  return ctx.memo(
    `trail-events:root-activity:${ctx.since.toISOString()}:${ctx.now.toISOString()}`,
    () => rootActivity(ctx.inventory.actiontrail.events, ctx.since, ctx.now),
  );
}

// ---------------------------------------------------------------- evidence

/** The facts of an event a finding shows: when, from where, with what, and never request contents. */
export function eventEvidence(e: TrailEvent): Record<string, unknown> {
  return {
    eventId: e.eventId,
    time: e.eventTime,
    eventName: e.eventName,
    eventType: e.eventType,
    ...(e.serviceName ? { serviceName: e.serviceName } : {}),
    sourceIpAddress: e.sourceIpAddress ?? null,
    userAgent: e.userAgent ?? null,
    ...(e.acsRegion ? { acsRegion: e.acsRegion } : {}),
    ...(e.seenInRegions.length > 0 ? { seenInRegions: [...e.seenInRegions].sort() } : {}),
    ...(e.errorCode ? { errorCode: e.errorCode } : {}),
  };
}

/** the MFA facts of a sign-in, for evidence */
export function mfaEvidence(e: TrailEvent): Record<string, unknown> {
  const m = mfaOf(e);
  return {
    mfa: m.state,
    ...(m.field ? { mfaField: m.field, mfaValue: m.value } : {}),
  };
}

/** the first `max` items and whether some were left out */
export function capped<T>(items: readonly T[], max: number): { items: T[]; truncated: boolean } {
  return { items: items.slice(0, max), truncated: items.length > max };
}
