/**
 * The one door to the cloud. Every SDK call goes through `Gate.call`, which
 *  1. refuses any action that is not in the read-only allowlist, before the network
 *     (and clients.ts refuses, at the SDK's own `callApi`, any wire action that is
 *     not the one the gate admitted, or that is called outside the gate);
 *  2. bounds concurrency (ECS per region, RAM/IMS/STS central, ActionTrail per region)
 *     and spaces ActionTrail LookupEvents (≤ 2 calls/s per region);
 *  3. retries transient failures (see retry.ts);
 *  4. records statistics: calls per action, retries, throttled answers.
 *
 * `READ_ACTIONS` is also the source of `ecs-audit policy`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Service } from '../inventory/schema.js';
import { ActionNotAllowedError } from './errors.js';
import { type RetryKind, type RetryOptions, withRetry } from './retry.js';

/** exactly the actions the collectors call; every one is a read */
export const READ_ACTIONS = {
  sts: ['GetCallerIdentity'],
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
  ],
  ram: [
    'ListUsers',
    'GetLoginProfile',
    'GetUserMFAInfo',
    'ListAccessKeys',
    'GetAccessKeyLastUsed',
    'ListGroupsForUser',
    'ListPoliciesForUser',
    'ListGroups',
    'ListPoliciesForGroup',
    'ListRoles',
    'GetRole',
    'ListPoliciesForRole',
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
  actiontrail: ['DescribeTrails', 'GetTrailStatus', 'LookupEvents'],
} as const satisfies Record<Service, readonly string[]>;

export type ReadAction<S extends Service> = (typeof READ_ACTIONS)[S][number];

/** the RAM action prefix each service is authorised under (IMS actions are `ram:` actions) */
const POLICY_PREFIX: Record<Service, string | null> = {
  ecs: 'ecs',
  ram: 'ram',
  ims: 'ram',
  actiontrail: 'actiontrail',
  // STS GetCallerIdentity needs no authorisation: every identity may call it
  sts: null,
};

export interface RamPolicyDocument {
  Version: '1';
  Statement: Array<{ Effect: 'Allow'; Action: string[]; Resource: '*' }>;
}

/** the least-privilege RAM policy a scan needs, derived from READ_ACTIONS */
export function leastPrivilegePolicy(): RamPolicyDocument {
  const actions = new Set<string>();
  for (const [service, list] of Object.entries(READ_ACTIONS) as Array<
    [Service, readonly string[]]
  >) {
    const prefix = POLICY_PREFIX[service];
    if (prefix === null) continue;
    for (const action of list) actions.add(`${prefix}:${action}`);
  }
  return {
    Version: '1',
    Statement: [{ Effect: 'Allow', Action: [...actions].sort(), Resource: '*' }],
  };
}

export function isReadAction(service: Service, action: string): boolean {
  return Object.hasOwn(READ_ACTIONS, service)
    ? (READ_ACTIONS[service] as readonly string[]).includes(action)
    : false;
}

/** the action the gate admitted for the SDK call running in this async context */
export interface GateScope {
  service: Service;
  action: string;
}

const scopeStore = new AsyncLocalStorage<GateScope>();

/** the gate's admission for the current call, or undefined outside `Gate.call` */
export function currentGateScope(): GateScope | undefined {
  return scopeStore.getStore();
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
  const scope = scopeStore.getStore();
  if (!scope) {
    throw new ActionNotAllowedError(`refused ${service}:${action}: called outside the gate`);
  }
  if (scope.service !== service || scope.action !== action) {
    throw new ActionNotAllowedError(
      `refused ${service}:${action}: the gate admitted ${scope.service}:${scope.action}`,
    );
  }
}

export interface GateOptions {
  retry?: RetryOptions;
  /** concurrent ECS calls per region; default 8 */
  ecsConcurrency?: number;
  /** concurrent RAM calls, and separately IMS and STS calls; default 8 */
  centralConcurrency?: number;
  /** concurrent ActionTrail calls per region; default 2 */
  actionTrailConcurrency?: number;
  /** minimum spacing of LookupEvents calls per region; default 500 ms (2 calls/s) */
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
}

export class Gate {
  private readonly limiters = new Map<string, LimitFunction>();
  private readonly nextLookup = new Map<string, number>();
  private readonly counters: GateStats = { calls: {}, retries: 0, throttled: 0, refused: 0 };

  constructor(private readonly options: GateOptions = {}) {}

  stats(): GateStats {
    return {
      calls: { ...this.counters.calls },
      retries: this.counters.retries,
      throttled: this.counters.throttled,
      refused: this.counters.refused,
    };
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
    const onRetry = (_err: unknown, kind: RetryKind) => {
      this.counters.retries += 1;
      if (kind === 'throttled') this.counters.throttled += 1;
    };
    return limit(() =>
      withRetry(
        async () => {
          if (service === 'actiontrail' && action === 'LookupEvents')
            await this.spaceLookup(region ?? '');
          this.counters.calls[action] = (this.counters.calls[action] ?? 0) + 1;
          return scopeStore.run({ service, action }, fn);
        },
        this.options.retry,
        onRetry,
      ).catch((err: unknown) => {
        // a throttle on the last attempt is counted too
        if (isThrottle(err)) this.counters.throttled += 1;
        throw err;
      }),
    );
  }

  private limiter(service: Service, region: string | null): LimitFunction {
    const regional = service === 'ecs' || service === 'actiontrail';
    const key = regional ? `${service}:${region ?? ''}` : service;
    let limit = this.limiters.get(key);
    if (!limit) {
      const n =
        service === 'ecs'
          ? (this.options.ecsConcurrency ?? 8)
          : service === 'actiontrail'
            ? (this.options.actionTrailConcurrency ?? 2)
            : (this.options.centralConcurrency ?? 8);
      limit = pLimit(Math.max(1, n));
      this.limiters.set(key, limit);
    }
    return limit;
  }

  private async spaceLookup(region: string): Promise<void> {
    const interval = this.options.lookupEventsIntervalMs ?? 500;
    if (interval <= 0) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextLookup.get(region) ?? 0);
    this.nextLookup.set(region, slot + interval);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

function isThrottle(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'ThrottlingError' || (typeof e.code === 'string' && /Throttling/i.test(e.code));
}
