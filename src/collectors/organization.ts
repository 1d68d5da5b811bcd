/**
 * Organization scans: the caller (in the Resource Directory's management
 * account) lists the members (Resource Manager `ListAccounts`) and enters each
 * one with STS `AssumeRole` on `acs:ram::<member>:role/<memberRole>`. The
 * temporary credentials live in memory only; their AccessKey id is masked like
 * any other and redacted, with the secret and the token, from every message.
 * Both calls go through the caller's own Gate; each member is then collected
 * with its own Gate (its own quotas) by `collect()`.
 */
import CredentialPkg from '@alicloud/credentials';
// the library's refreshing session (not exported from its index; the package has no exports map)
import {
  Session,
  SessionCredentialProvider,
} from '@alicloud/credentials/dist/src/providers/session.js';
import type * as RmSdk from '@alicloud/resourcemanager20200331';
import type * as StsSdk from '@alicloud/sts20150401';
import pLimit from 'p-limit';
import type { CredentialClient } from '../credentials/index.js';
import type { Caller, OrgAccount } from '../inventory/schema.js';
import { maskAccessKeyId } from '../util/mask.js';
import { learningRedactor } from '../util/redact.js';
import { createClients } from './clients.js';
import { type CollectContext, call, makeGuard, nonEmpty } from './context.js';
import { CollectError, describeError } from './errors.js';
import { Gate } from './gate.js';
import { cjsDefault } from './interop.js';
import type { PageMeta } from './paging.js';
import { pageByNumber } from './paging.js';
import { defaultSleep } from './retry.js';
import { sdks } from './sdk.js';
import { callerIdentity } from './sts.js';

const Credential = cjsDefault(CredentialPkg);

export const DEFAULT_MEMBER_ROLE = 'ResourceDirectoryAccountAccessRole';

/** STS refuses AssumeRole to the root identity: an organization scan cannot run as root */
export const ROOT_CANNOT_ASSUME =
  'Roles may not be assumed by root accounts: run the organization scan as a RAM user or role of the management account (see `ecs-audit policy --org`)';

export interface MemberCredentials {
  credential: CredentialClient;
  source: string;
  accessKeyIdMasked: string;
  redact: (text: string) => string;
}

/** why a member could not be entered: the coverage entry's error */
export interface EnterFailure {
  code: string;
  message: string;
}

export interface OrganizationSession {
  caller: Caller;
  /** ListAccounts, every page; throws CollectError when the directory cannot be read */
  listAccounts(): Promise<OrgAccount[]>;
  /** AssumeRole into the member's role: credentials, or why not */
  enter(accountId: string): Promise<MemberCredentials | EnterFailure>;
}

export interface OrganizationOptions {
  credential: CredentialClient;
  redact: (text: string) => string;
  endpoint?: string;
  readTimeoutMs?: number;
  memberRole: string;
  /** STS role session name; default `ecs-audit` */
  sessionName?: string;
  /** seconds; default 3600 (the role's default maximum) */
  durationSeconds?: number;
}

/**
 * Open the caller's session: GetCallerIdentity first (a root caller is
 * refused here, before any member is read).
 */
export async function openOrganization(options: OrganizationOptions): Promise<OrganizationSession> {
  const coverage: CollectContext['coverage'] = [];
  const ctx: CollectContext = {
    gate: new Gate({}),
    clients: createClients({
      credential: options.credential,
      endpoint: options.endpoint,
      readTimeoutMs: options.readTimeoutMs,
    }),
    coverage,
    guard: makeGuard(coverage, undefined),
    redact: options.redact,
    since: new Date(),
    now: new Date(),
    sleep: defaultSleep,
    credentialReportPolls: 0,
    maxPageSize: undefined,
    credentialReportPollDelayMs: 0,
    progress: () => undefined,
  };
  const caller = await callerIdentity(ctx);
  if (caller.identityType === 'Account') throw new CollectError(ROOT_CANNOT_ASSUME);
  return {
    caller,
    listAccounts: () => listAccounts(ctx),
    enter: (accountId) => enter(ctx, options, accountId),
  };
}

const PAGE = 100;

async function listAccounts(ctx: CollectContext): Promise<OrgAccount[]> {
  const m: PageMeta = { service: 'resourcemanager', region: null, operation: 'ListAccounts' };
  let items: RmSdk.ListAccountsResponseBodyAccountsAccount[];
  try {
    items = await pageByNumber(
      ctx.guard,
      m,
      PAGE,
      (a) => a.accountId ?? '',
      async (pageNumber) => {
        const res = await call(ctx, m, () =>
          ctx.clients.resourcemanager.listAccounts(
            new (sdks().rm.ListAccountsRequest)({ pageNumber, pageSize: PAGE }),
          ),
        );
        const list = res.body?.accounts?.account;
        // an answer without its list is not "no members"
        if (!Array.isArray(list)) {
          throw new CollectError(
            'cannot list the Resource Directory members (Resource Manager ListAccounts): MalformedResponse: the answer lacks Accounts.Account',
          );
        }
        return { items: list, totalCount: res.body?.totalCount };
      },
    );
  } catch (err) {
    if (err instanceof CollectError) throw err;
    const { code, message } = describeError(err, ctx.redact);
    throw new CollectError(
      `cannot list the Resource Directory members (Resource Manager ListAccounts): ${code}: ${message}`,
    );
  }
  if (ctx.coverage.length > 0) {
    const gap = ctx.coverage[0]!;
    throw new CollectError(
      `cannot list every Resource Directory member (Resource Manager ListAccounts): ${gap.error.code}: ${gap.error.message}`,
    );
  }
  const out: OrgAccount[] = [];
  for (const a of items) {
    const id = nonEmpty(a.accountId);
    // the API always sends it: a member without its id could never be scanned or named
    if (!id) {
      throw new CollectError(
        'cannot list every Resource Directory member (Resource Manager ListAccounts): MissingField: ListAccounts answered an account without AccountId',
      );
    }
    out.push({
      id,
      name: a.displayName ?? '',
      // "" = not answered: the member is still scanned, and rd-member-root-enabled says it
      // could not judge it (a CloudAccount keeps its root)
      type: a.type ?? '',
      status: a.status ?? '',
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

interface Assumed {
  id: string;
  secret: string;
  token: string;
  /** `2026-11-01T01:00:00Z`, as STS sends it */
  expiration: string;
}

async function assume(
  ctx: CollectContext,
  options: OrganizationOptions,
  accountId: string,
): Promise<Assumed | EnterFailure> {
  const m: PageMeta = { service: 'sts', region: null, operation: 'AssumeRole' };
  const roleArn = `acs:ram::${accountId}:role/${options.memberRole}`;
  const durationSeconds = options.durationSeconds ?? 3600;
  let creds: StsSdk.AssumeRoleResponseBodyCredentials | undefined;
  try {
    const res = await call(ctx, m, () =>
      ctx.clients.sts.assumeRole(
        new (sdks().sts.AssumeRoleRequest)({
          roleArn,
          roleSessionName: options.sessionName ?? 'ecs-audit',
          durationSeconds,
        }),
      ),
    );
    creds = res.body?.credentials;
  } catch (err) {
    return describeError(err, ctx.redact);
  }
  const id = nonEmpty(creds?.accessKeyId);
  const secret = nonEmpty(creds?.accessKeySecret);
  const token = nonEmpty(creds?.securityToken);
  if (!id || !secret || !token) {
    return {
      code: 'MalformedResponse',
      message: 'AssumeRole answered without an AccessKey id, secret and security token',
    };
  }
  // STS always sends Expiration; without one, the lifetime asked for (renewed no later)
  const sent = nonEmpty(creds?.expiration);
  const at = sent === undefined ? Number.NaN : Date.parse(sent);
  const expiration = new Date(
    Number.isFinite(at) ? at : Date.now() + durationSeconds * 1000,
  ).toISOString();
  return { id, secret, token, expiration };
}

/**
 * Enter a member: its role's temporary credentials, renewed before they
 * expire. A member whose scan outlives the token (tens of thousands of
 * security groups at the API's pace, a throttled account) would otherwise see
 * every later call refused with `InvalidSecurityToken.Expired`, the rest of it
 * lost as coverage gaps. `@alicloud/credentials`' session provider asks for a
 * new token 15 minutes before the old one expires (keeping the old one while a
 * renewal fails and it is still valid); the renewal is AssumeRole again,
 * through the caller's gate. Every token of the member is redacted.
 */
async function enter(
  ctx: CollectContext,
  options: OrganizationOptions,
  accountId: string,
): Promise<MemberCredentials | EnterFailure> {
  const first = await assume(ctx, options, accountId);
  if (isEnterFailure(first)) return first;
  const own = learningRedactor();
  const keep = (a: Assumed) => {
    own.learn(a.secret, a.token, a.id);
    return new Session(a.id, a.secret, a.token, a.expiration);
  };
  let initial: Session | undefined = keep(first);
  const provider = new SessionCredentialProvider();
  provider.refresher = async () => {
    if (initial) {
      const session = initial;
      initial = undefined;
      return session;
    }
    const next = await assume(ctx, options, accountId);
    if (isEnterFailure(next)) throw new Error(`${next.code}: ${next.message}`);
    return keep(next);
  };
  return {
    credential: new Credential(null, provider),
    source: `assumed-role/${options.memberRole}`,
    accessKeyIdMasked: maskAccessKeyId(first.id),
    redact: (text) => own.redact(options.redact(text)),
  };
}

export function isEnterFailure<T extends object>(x: T | EnterFailure): x is EnterFailure {
  return 'code' in x;
}

/**
 * Run `fn` over `items` in order: `start` at once, then one more every
 * `rampMs` while fewer than `max` run and `roomFor()` says so (the heap has
 * room for another member's reads); a finished item's place goes to the next
 * one at once while fewer than `start` run. Results keep the input order; the
 * first rejection rejects the whole (started items are not cancelled).
 */
export function rampingMap<T, R>(
  items: readonly T[],
  opts: { start: number; max: number; rampMs: number; roomFor?: () => boolean },
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const start = Math.max(1, opts.start);
  const max = Math.max(start, opts.max);
  const results = new Array<R>(items.length);
  let next = 0;
  let running = 0;
  let failed = false;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve, reject) => {
    const launch = () => {
      const i = next++;
      running++;
      fn(items[i] as T).then(
        (value) => {
          results[i] = value;
          running--;
          pump();
        },
        (err: unknown) => {
          failed = true;
          clearInterval(timer);
          reject(err);
        },
      );
    };
    const pump = () => {
      if (failed) return;
      if (next >= items.length && running === 0) {
        clearInterval(timer);
        resolve(results);
        return;
      }
      while (next < items.length && running < start) launch();
    };
    const ramp = () => {
      if (failed || next >= items.length) {
        clearInterval(timer);
        return;
      }
      if (running < max && (opts.roomFor?.() ?? true)) launch();
    };
    pump();
    if (next < items.length) timer = setInterval(ramp, Math.max(1, opts.rampMs));
  });
}

/** run `fn` over `items` at most `limit` at a time, keeping the input order of the results */
export async function boundedMap<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const run = pLimit(Math.max(1, limit));
  return Promise.all(items.map((item) => run(() => fn(item))));
}
