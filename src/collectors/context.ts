/** What every collector shares: the gate, the clients, the coverage list, options. */
import type { CoverageEntry, Service } from '../inventory/schema.js';
import type { Clients } from './clients.js';
import { describeError } from './errors.js';
import type { Gate } from './gate.js';
import type { PageMeta, PagingGuard } from './paging.js';

export interface ProgressEvent {
  service: Service;
  region?: string | null;
  /** what is being read, e.g. `security group rules` */
  phase: string;
  done?: number;
  total?: number;
}

export interface CollectContext {
  gate: Gate;
  clients: Clients;
  coverage: CoverageEntry[];
  guard: PagingGuard;
  redact: (text: string) => string;
  since: Date;
  now: Date;
  sleep: (ms: number) => Promise<void>;
  credentialReportPolls: number;
  /** caps every list call's page size (tests, or smaller answers); undefined = each API's maximum */
  maxPageSize: number | undefined;
  /** the longest wait between two polls of the credential report (the waits double up to it) */
  credentialReportPollDelayMs: number;
  /**
   * runs a region's bulk listings (instances, disks, interfaces, key pairs,
   * invocations): a few regions at a time, so that their large pages do not
   * all land at once and starve the rate-bound calls of CPU; default: at once
   */
  bulk?: <T>(fn: () => Promise<T>) => Promise<T>;
  progress(event: ProgressEvent): void;
}

export function makeGuard(coverage: CoverageEntry[], maxPages: number | undefined): PagingGuard {
  return {
    maxPages,
    onIncomplete(meta, code, message) {
      coverage.push(entry(meta, { code, message }));
    },
  };
}

function entry(meta: PageMeta, error: { code: string; message: string }): CoverageEntry {
  return {
    service: meta.service,
    region: meta.region,
    operation: meta.operation,
    ...(meta.resource !== undefined ? { resource: meta.resource } : {}),
    error,
  };
}

/** record a failure as a coverage entry */
export function fail(ctx: CollectContext, meta: PageMeta, err: unknown): void {
  ctx.coverage.push(entry(meta, describeError(err, ctx.redact)));
}

/**
 * An item of a successful answer lacks a field a rule needs (absent, or an
 * empty string): the inventory field stays absent and one coverage entry
 * `MissingField` names the action, the resource and the field. With `scope`
 * `'list'` the entry names no resource, so it stands for the whole listing of
 * `meta` (as its failure would): `resource` then only says which items.
 */
export function missingField(
  ctx: CollectContext,
  meta: PageMeta,
  resource: string,
  field: string,
  scope: 'resource' | 'list' = 'resource',
): void {
  ctx.coverage.push(
    entry(scope === 'resource' ? { ...meta, resource } : meta, {
      code: 'MissingField',
      message: `${meta.operation} answered ${resource} without ${field}`,
    }),
  );
}

/** one gated SDK call for `meta` */
export function call<T>(ctx: CollectContext, meta: PageMeta, fn: () => Promise<T>): Promise<T> {
  return ctx.gate.call(meta.service, meta.operation, meta.region, fn);
}

/** run `fn`; on failure record coverage for `meta` and return undefined (the fact stays absent) */
export async function attempt<T>(
  ctx: CollectContext,
  meta: PageMeta,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    fail(ctx, meta, err);
    return undefined;
  }
}

/** a progress counter for one phase: `add` grows the total, `tick` the done count */
export function phaseCounter(
  ctx: CollectContext,
  service: Service,
  region: string | null,
  phase: string,
) {
  let done = 0;
  let total = 0;
  const emit = () => ctx.progress({ service, region, phase, done, total });
  return {
    add(n: number) {
      total += n;
      emit();
    },
    tick() {
      done += 1;
      emit();
    },
  };
}

/** the page size to ask for: the API's maximum, capped by `maxPageSize`, never below the API's minimum */
export function pageSize(ctx: CollectContext, apiMax: number, apiMin = 1): number {
  const cap = ctx.maxPageSize;
  return cap === undefined ? apiMax : Math.max(apiMin, Math.min(apiMax, Math.floor(cap)));
}

/** the API's error code, when it is one */
export function apiCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function nonEmpty(s: string | undefined | null): string | undefined {
  return s === undefined || s === null || s === '' ? undefined : s;
}

/** the names of `fields` whose value is absent: undefined, null, or an empty string */
export function absentFields(fields: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(fields)
    .filter(([, v]) => v === undefined || v === null || v === '')
    .map(([name]) => name);
}

/** parse a policy document (a JSON string); the raw string when it is not JSON */
export function parseDocument(doc: string | undefined): unknown {
  if (doc === undefined) return undefined;
  try {
    return JSON.parse(doc) as unknown;
  } catch {
    return doc;
  }
}
