/** Parsers for flag values; each throws UsageError with one line. */
import { SEVERITIES, type Severity } from '../engine/types.js';
import { readIsoTime } from '../util/time.js';
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `90d`, `12h`, `2w`, `30m`, or an ISO date/time (the window's start) */
export function parseSince(value: string, now: Date, flag = '--since'): Date {
  const m = /^(\d+)([mhdw])$/.exec(value.trim());
  if (m) {
    const n = Number(m[1]);
    if (n <= 0) throw new UsageError(`${flag}: duration must be positive: "${value}"`);
    const start = new Date(now.getTime() - n * UNITS[m[2]!]!);
    if (Number.isNaN(start.getTime())) {
      throw new UsageError(`${flag}: duration is too long: "${value}"`);
    }
    return start;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    throw new UsageError(
      `${flag}: expected a duration like 90d, 12h, 2w or an ISO date, got "${value}"`,
    );
  }
  const t = readIsoTime(value);
  if ('error' in t) throw new UsageError(`${flag}: ${t.error}, got "${value}"`);
  if (t.time > now.getTime()) throw new UsageError(`${flag}: "${value}" is in the future`);
  return new Date(t.time);
}

/** an ISO date (UTC midnight) or a date-time with a zone; never the machine's local time */
export function parseNow(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const t = readIsoTime(value);
  if ('error' in t) throw new UsageError(`--now: ${t.error}, got "${value}"`);
  return new Date(t.time);
}

export type FailOn = Severity | 'none';

export function parseFailOn(value: string, flag = '--fail-on'): FailOn {
  const v = value.toLowerCase();
  if (v === 'none' || (SEVERITIES as readonly string[]).includes(v)) return v as FailOn;
  throw new UsageError(
    `${flag}: unknown severity "${value}" (expected ${[...SEVERITIES, 'none'].join(', ')})`,
  );
}

export function parseRegions(value: string): string[] | 'all' {
  if (value.trim() === 'all') return 'all';
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new UsageError('--regions: expected a comma-separated list or "all"');
  for (const r of list) {
    if (!/^[a-z0-9-]+$/.test(r)) throw new UsageError(`--regions: "${r}" is not a region id`);
  }
  return list;
}

/** `http://127.0.0.1:8080` → checked URL string */
export function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--endpoint: not a URL: "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--endpoint: expected an http:// or https:// URL, got "${value}"`);
  }
  return `${url.protocol}//${url.host}`;
}
