/**
 * The one reader of user-given times (`--now`, `--since`, the config file's
 * `since` and `expires`, a snapshot's `collectedAt`). `Date.parse` is not
 * used: it rolls an impossible date over (`2026-02-30` is March 2nd) and reads
 * a time without a zone in the machine's local zone, so the same command
 * would judge differently on another machine.
 */
import { z } from 'zod';

/** zod's ISO validators: the calendar (month lengths, leap years) and the clock are checked */
const DATE = z.iso.date();
const DATE_TIME = z.union([
  z.iso.datetime({ offset: true }),
  // hours and minutes only (`2026-11-01T08:00Z`)
  z.iso.datetime({ offset: true, precision: -1 }),
]);
/** the shape, to say which part is wrong: date, `T`, time, zone */
const SHAPE = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?)?$/;

export type IsoTimeResult = { time: number } | { error: string };

/**
 * A bare date (`2026-11-01`, UTC midnight) or a date-time with a zone
 * (`2026-11-01T08:00:00Z`, `2026-11-01T16:00:00+08:00`): milliseconds since
 * the epoch, or why not (a phrase: "no such date"). Once zod has checked the
 * text, `Date.parse` reads both forms exactly (a bare date as UTC).
 */
export function readIsoTime(value: string): IsoTimeResult {
  const text = value.trim();
  if (DATE.safeParse(text).success || DATE_TIME.safeParse(text).success) {
    return { time: Date.parse(text) };
  }
  const m = SHAPE.exec(text);
  if (!m)
    return { error: 'expected an ISO-8601 date or time like 2026-11-01 or 2026-11-01T08:00:00Z' };
  if (!DATE.safeParse(m[1]).success) return { error: 'no such date' };
  if (m[2] !== undefined && m[3] === undefined) {
    return { error: 'a time needs a zone: Z (UTC) or an offset like +08:00' };
  }
  return { error: 'no such time' };
}

/** the same reading as a zod refinement (config times, a snapshot's clock) */
export function refineIsoTime(value: string, ctx: z.core.$RefinementCtx<string>): void {
  const t = readIsoTime(value);
  if ('error' in t) ctx.addIssue({ code: 'custom', message: t.error, input: value });
}
