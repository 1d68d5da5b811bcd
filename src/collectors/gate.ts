/**
 * The one door to the cloud. Every SDK call goes through `Gate.call`, which
 *  1. refuses any action that is not in the read-only allowlist, before the network
 *     (and clients.ts refuses, at the SDK's own `callApi`, any wire action that is
 *     not the one the gate admitted, or that is called outside the gate);
 *  2. keeps every quota bucket under its rate (rate.ts: one sliding-window limiter
 *     per action × region for ECS and ActionTrail, per action for RAM/IMS/STS,
 *     adaptive after a throttled answer), waiting for the rate slot before taking
 *     a concurrency slot, then bounds concurrency (ECS per region, RAM/IMS/STS
 *     central, ActionTrail per region);
 *  3. retries transient failures (see retry.ts), each retry going through the
 *     rate limiter again and holding no concurrency slot while it waits;
 *  4. records statistics: calls per action, retries, throttled answers.
 *
 * `READ_ACTIONS` is also the source of `ecs-audit policy`.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Service } from '../inventory/schema.js';
import { ActionNotAllowedError } from './errors.js';
import { WindowLimiter } from './rate.js';
import {
  type RetryKind,
  type RetryOptions,
  retryKind,
  throttlePauseMs,
  withRetry,
} from './retry.js';

/** exactly the actions the collectors call; every one is a read */
export const READ_ACTIONS = {
  // AssumeRole: organization scans only (enter a member with its read-only role)
  sts: ['GetCallerIdentity', 'AssumeRole'],
  ecs: [
    'DescribeRegions',
    'DescribeSecurityGroups',
    'DescribeSecurityGroupAttribute',
    'DescribeInstances',
    'DescribeNetworkInterfaces',
    'DescribeInstanceRamRole',
    'DescribeKeyPairs',
    'DescribeDisks',
    'DescribeInvocations',
    'DescribePrefixLists',
    'DescribePrefixListAttributes',
    'DescribePortRangeLists',
    'DescribePortRangeListEntries',
  ],
  // login profile, MFA and key last use come from the IMS credential report; the per-user
  // GetLoginProfile / GetUserMFAInfo / GetAccessKeyLastUsed only for users it has no row for
  ram: [
    'ListUsers',
    'GetLoginProfile',
    'GetUserMFAInfo',
    'ListAccessKeys',
    'GetAccessKeyLastUsed',
    'ListGroups',
    'ListUsersForGroup',
    'ListRoles',
    'GetRole',
    'ListPolicies',
    'ListEntitiesForPolicy',
    'GetPolicy',
    'GetPasswordPolicy',
    'GetSecurityPreference',
  ],
  ims: [
    'GetAccountSecurityPracticeReport',
    'GetAccountMFAInfo',
    'GenerateCredentialReport',
    'GetCredentialReport',
  ],
  actiontrail: ['DescribeTrails', 'GetTrailStatus', 'GetGlobalEventsStorageRegion', 'LookupEvents'],
  vpc: [
    'DescribeIpv6Addresses',
    'DescribeNetworkAcls',
    'DescribeNatGateways',
    'DescribeForwardTableEntries',
    'DescribeEipAddresses',
  ],
  resourcemanager: [
    'ListPolicyAttachments',
    // organization scans: the Resource Directory's members
    'ListAccounts',
  ],
  sas: ['DescribeCloudCenterInstances'],
} as const satisfies Record<Service, readonly string[]>;

export type ReadAction<S extends Service> = (typeof READ_ACTIONS)[S][number];

/** the RAM action prefix each service is authorised under (IMS actions are `ram:` actions) */
const POLICY_PREFIX: Record<Service, string | null> = {
  ecs: 'ecs',
  ram: 'ram',
  ims: 'ram',
  actiontrail: 'actiontrail',
  vpc: 'vpc',
  resourcemanager: 'resourcemanager',
  // Security Center authorises its actions under the yundun-sas namespace
  sas: 'yundun-sas',
  // STS GetCallerIdentity needs no authorisation: every identity may call it
  sts: null,
};

export interface RamPolicyDocument {
  Version: '1';
  Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: string }>;
}

/**
 * Actions only the caller of an organization scan needs, in the management
 * account (`ecs-audit policy --org`); a member's role and a one-account scan
 * never call them, so the plain policy leaves them out.
 */
export const ORGANIZATION_ACTIONS: ReadonlySet<string> = new Set([
  'resourcemanager:ListAccounts',
  'sts:AssumeRole',
]);

/** the least-privilege RAM policy a scan needs, derived from READ_ACTIONS */
export function leastPrivilegePolicy(): RamPolicyDocument {
  const actions = new Set<string>();
  for (const [service, list] of Object.entries(READ_ACTIONS) as Array<
    [Service, readonly string[]]
  >) {
    const prefix = POLICY_PREFIX[service];
    if (prefix === null) continue;
    for (const action of list) {
      if (!ORGANIZATION_ACTIONS.has(`${prefix}:${action}`)) actions.add(`${prefix}:${action}`);
    }
  }
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: [...actions].sort(), Resource: '*' }],
  };
}

/**
 * The policy of an organization scan's caller in the management account: the
 * read-only policy (it scans the management account with its own
 * credentials), `resourcemanager:ListAccounts`, and `sts:AssumeRole` on the
 * member role in every account. The member role itself needs exactly
 * `leastPrivilegePolicy()`.
 */
export function organizationCallerPolicy(memberRole: string): RamPolicyDocument {
  const base = leastPrivilegePolicy();
  return {
    Version: '1',
    Statement: [
      ...base.Statement,
      { Effect: 'Allow', Action: ['resourcemanager:ListAccounts'], Resource: '*' },
      { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: `acs:ram::*:role/${memberRole}` },
    ],
  };
}

export function isReadAction(service: Service, action: string): boolean {
  return Object.hasOwn(READ_ACTIONS, service)
    ? (READ_ACTIONS[service] as readonly string[]).includes(action)
    : false;
}

/** the action the gate admitted for the SDK call being started */
export interface GateScope {
  service: Service;
  action: string;
}

/**
 * The admission is set only while `Gate.call` runs the call's function up to
 * its first `await`: every SDK method (and the generic ActionTrail / Security
 * Center call) reaches the client's `callApi` and `doRequest` synchronously,
 * where clients.ts checks it; code that reached them later, or from anywhere
 * else, finds no admission and is refused. (An AsyncLocalStorage did the same
 * through every await, at the price of a promise hook on every promise of the
 * process: most of the scan's promises are not SDK calls.)
 */
let admitted: GateScope | undefined;

function runAdmitted<T>(scope: GateScope, fn: () => Promise<T>): Promise<T> {
  const outer = admitted;
  admitted = scope;
  try {
    return fn();
  } finally {
    admitted = outer;
  }
}

/** the gate's admission for the call being started, or undefined outside `Gate.call` */
export function currentGateScope(): GateScope | undefined {
  return admitted;
}

/**
 * The check clients.ts runs at the SDK's `callApi`, i.e. on the wire action:
 * it must be a read action, called inside `Gate.call`, for the action the gate admitted.
 */
export function assertAdmitted(service: Service, action: string): void {
  if (!isReadAction(service, action)) {
    throw new ActionNotAllowedError(
      `refused ${service}:${action}: not a read-only action of ecs-audit`,
    );
  }
  const scope = admitted;
  if (!scope) {
    throw new ActionNotAllowedError(`refused ${service}:${action}: called outside the gate`);
  }
  if (scope.service !== service || scope.action !== action) {
    throw new ActionNotAllowedError(
      `refused ${service}:${action}: the gate admitted ${scope.service}:${scope.action}`,
    );
  }
}

/**
 * Calls per quota window (DEFAULT_RATE_WINDOW_MS, 1.05 s) per bucket, by
 * service (`*`) and action: the published or assumed quota (api-limits §2, §7)
 * less ~5-10% headroom for other users of the account's budget. ECS and VPC
 * Describe*: 1000/60 s (≈16.7/s) → 16 per 1.05 s = 15.2/s, 9% under (15 was
 * 14.3/s, 14% under: more headroom than intended, and the largest region's
 * security groups took 12% longer than the quota allows); RAM, STS,
 * ActionTrail reads: 100/s → 95 per 1.05 s. LookupEvents (2/s) is set apart:
 * see DEFAULT_LOOKUP_EVENTS_INTERVAL_MS.
 */
export const DEFAULT_RATE_LIMITS: Record<Service, Record<string, number>> = {
  ecs: { '*': 16 },
  ram: { '*': 95 },
  ims: { '*': 95, GenerateCredentialReport: 9 },
  sts: { '*': 95 },
  actiontrail: { '*': 95 },
  vpc: { '*': 16 },
  resourcemanager: { '*': 95 },
  sas: { '*': 95 },
};

/**
 * LookupEvents (2/s per region) pages one after the other: one call per 550 ms
 * keeps any 1-s window at two calls even when a request is 100 ms late
 */
export const DEFAULT_LOOKUP_EVENTS_INTERVAL_MS = 550;

/** the services' quota window (1 s) plus a margin for the requests' varying way there */
export const DEFAULT_RATE_WINDOW_MS = 1_050;

export interface GateOptions {
  retry?: RetryOptions;
  /** concurrent ECS calls per region; default 16 */
  ecsConcurrency?: number;
  /**
   * concurrent RAM calls, and separately IMS and STS calls; default 128 (six RAM
   * actions at ~90/s each need ~30 at 50 ms, more when the service slows down)
   */
  centralConcurrency?: number;
  /** concurrent ActionTrail calls per region; default 2 */
  actionTrailConcurrency?: number;
  /**
   * calls per rate window per bucket, by action name (a bucket is action × region
   * for ECS and ActionTrail, the action for RAM/IMS/STS), over DEFAULT_RATE_LIMITS;
   * 0 or Infinity: no limit for that action
   */
  rateLimits?: Record<string, number>;
  /** the rate window, ms; default 1 050 (1-s quota windows + 50 ms margin) */
  rateWindowMs?: number;
  /** lower a bucket's rate after a throttled answer and recover it slowly; default true */
  adaptiveRate?: boolean;
  /** LookupEvents per region: at most one call per this many ms (0 = no limit); default 550 */
  lookupEventsIntervalMs?: number;
}

export interface GateStats {
  /** attempts per action, retries included */
  calls: Record<string, number>;
  /** attempts that were retried */
  retries: number;
  /** attempts answered with a throttling error */
  throttled: number;
  /** actions refused by the allowlist */
  refused: number;
  /** buckets slowed down after throttled answers (`service:action[:region]`): the lowest rate limit they came to */
  slowed: Record<string, number>;
}

/** the rate a bucket is limited to: calls per window */
interface Rate {
  limit: number;
  windowMs: number;
}

export class Gate {
  private readonly limiters = new Map<string, LimitFunction>();
  private readonly rates = new Map<string, WindowLimiter | null>();
  private readonly counters: Omit<GateStats, 'slowed'> = {
    calls: {},
    retries: 0,
    throttled: 0,
    refused: 0,
  };

  constructor(private readonly options: GateOptions = {}) {}

  stats(): GateStats {
    return {
      calls: { ...this.counters.calls },
      retries: this.counters.retries,
      throttled: this.counters.throttled,
      refused: this.counters.refused,
      slowed: Object.fromEntries(
        [...this.rates]
          .filter(([, l]) => l !== null && l.lowest < l.max)
          .map(([key, l]) => [key, (l as WindowLimiter).lowest]),
      ),
    };
  }

  /** the rate limit currently in force for a bucket (after adaptive back-off), or undefined */
  currentRate(service: Service, action: string, region: string | null): number | undefined {
    return this.rateLimiter(service, action, region)?.limit;
  }

  /** run one SDK call (`fn`) for `service`/`action` in `region` (null for central services) */
  async call<T>(
    service: Service,
    action: string,
    region: string | null,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (!isReadAction(service, action)) {
      this.counters.refused += 1;
      throw new ActionNotAllowedError(
        `refused ${service}:${action}: not a read-only action of ecs-audit`,
      );
    }
    const limit = this.limiter(service, region);
    const rate = this.rateLimiter(service, action, region);
    const pause = throttlePauseMs(this.options.retry);
    const onRetry = (_err: unknown, kind: RetryKind) => {
      this.counters.retries += 1;
      if (kind === 'throttled') this.counters.throttled += 1;
    };
    return withRetry(
      async () => {
        // the rate slot first: a call waiting for its window holds no concurrency slot
        const slot = rate ? await rate.acquire() : undefined;
        return limit(async () => {
          slot?.sent();
          this.counters.calls[action] = (this.counters.calls[action] ?? 0) + 1;
          try {
            return await runAdmitted({ service, action }, fn);
          } catch (err) {
            if (rate && retryKind(err) === 'throttled') rate.throttled(pause);
            throw err;
          }
        });
      },
      this.options.retry,
      onRetry,
    ).catch((err: unknown) => {
      // a throttle on the last attempt is counted too
      if (isThrottle(err)) this.counters.throttled += 1;
      throw err;
    });
  }

  private limiter(service: Service, region: string | null): LimitFunction {
    const regional = service === 'ecs' || service === 'actiontrail';
    const key = regional ? `${service}:${region ?? ''}` : service;
    let limit = this.limiters.get(key);
    if (!limit) {
      const n =
        service === 'ecs'
          ? (this.options.ecsConcurrency ?? 16)
          : service === 'actiontrail'
            ? (this.options.actionTrailConcurrency ?? 2)
            : (this.options.centralConcurrency ?? 128);
      limit = pLimit(Math.max(1, n));
      this.limiters.set(key, limit);
    }
    return limit;
  }

  private rateOf(service: Service, action: string): Rate | undefined {
    const windowMs = this.options.rateWindowMs ?? DEFAULT_RATE_WINDOW_MS;
    if (service === 'actiontrail' && action === 'LookupEvents') {
      const interval = this.options.lookupEventsIntervalMs ?? DEFAULT_LOOKUP_EVENTS_INTERVAL_MS;
      return interval > 0 ? { limit: 1, windowMs: interval } : undefined;
    }
    const configured = this.options.rateLimits;
    const defaults = DEFAULT_RATE_LIMITS[service];
    const limit =
      configured && Object.hasOwn(configured, action)
        ? configured[action]
        : Object.hasOwn(defaults, action)
          ? defaults[action]
          : defaults['*'];
    if (limit === undefined || !(limit > 0) || !Number.isFinite(limit) || !(windowMs > 0))
      return undefined;
    return { limit, windowMs };
  }

  private rateLimiter(
    service: Service,
    action: string,
    region: string | null,
  ): WindowLimiter | undefined {
    const regional = service === 'ecs' || service === 'actiontrail';
    const key = regional ? `${service}:${action}:${region ?? ''}` : `${service}:${action}`;
    let limiter = this.rates.get(key);
    if (limiter === undefined) {
      const rate = this.rateOf(service, action);
      limiter = rate
        ? new WindowLimiter(rate.limit, rate.windowMs, this.options.adaptiveRate ?? true)
        : null;
      this.rates.set(key, limiter);
    }
    return limiter ?? undefined;
  }
}

function isThrottle(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'ThrottlingError' || (typeof e.code === 'string' && /Throttling/i.test(e.code));
}
