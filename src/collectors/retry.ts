/**
 * Retries for read-only calls, honouring the service's `x-acs-retry-after`
 * (surfaced by the SDK as `err.retryAfter`, ms).
 * Retried: throttling, 5xx, timeouts, dropped connections, malformed answers.
 * Never retried: client errors (AccessDenied, EntityNotExist, InvalidParameter...).
 *
 * Throttling is not a failure of the call but a "not now": it has its own
 * budget (`maxThrottleRetries`, not counted in `maxAttempts`) and waits for the
 * service's next quota window (`throttleDelayMs`, ≥ 1 s, doubling per
 * further throttle of the same call, with jitter) instead of the short exponential backoff of
 * the other transient errors. The gate also slows the action's rate limiter.
 */
import { asErrorLike, errorCode, isMalformedMessage, TRANSPORT_CODES } from './errors.js';

export interface RetryOptions {
  /** attempts not answered with throttling, the first included; default 5 */
  maxAttempts?: number;
  /** throttled answers retried per call, on top of `maxAttempts`; default 10 */
  maxThrottleRetries?: number;
  /** wait after a throttled answer: the quota window, ms; default 1 000 (×2 per further throttle of the call, +0–50% jitter, ≤ maxDelayMs) */
  throttleDelayMs?: number;
  /** first backoff ceiling in ms; default 200 */
  baseDelayMs?: number;
  /** growth per attempt; default 2 */
  factor?: number;
  /** upper bound of one delay in ms; default 10 000 */
  maxDelayMs?: number;
  /** injectable for tests */
  sleep?: (ms: number) => Promise<void>;
  /** injectable for tests; returns [0, 1) */
  random?: () => number;
}

export type RetryKind = 'throttled' | 'server' | 'timeout' | 'network' | 'malformed';

export const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

const NETWORK_CODES: ReadonlySet<string> = new Set(TRANSPORT_CODES);

/** why an error is worth retrying, or undefined when it is not */
export function retryKind(err: unknown): RetryKind | undefined {
  const e = asErrorLike(err);
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (name === 'ThrottlingError' || /Throttling/i.test(code)) return 'throttled';
  if (name === 'ServerError' || (status !== undefined && status >= 500)) return 'server';
  if (code === 'ServiceUnavailable' || code === 'InternalError') return 'server';
  if (name === 'ClientError' || (status !== undefined && status >= 400)) return undefined;
  if (errorCode(err) === 'RequestTimeout') return 'timeout';
  if (NETWORK_CODES.has(code) || [...NETWORK_CODES].some((c) => message.includes(c)))
    return 'network';
  if (/socket hang up/i.test(message)) return 'network';
  if (name === 'SyntaxError' || isMalformedMessage(message)) return 'malformed';
  return undefined;
}

/** the service's own `x-acs-retry-after` (ms), when it sent one */
function retryAfterOf(err: unknown): number | undefined {
  const after = asErrorLike(err).retryAfter;
  return typeof after === 'number' && Number.isFinite(after) && after > 0 ? after : undefined;
}

/** the wait after a call's `throttles`-th throttled answer */
export function throttleDelay(
  throttles: number,
  err: unknown,
  opts: Required<Pick<RetryOptions, 'throttleDelayMs' | 'maxDelayMs' | 'random'>>,
): number {
  const after = retryAfterOf(err);
  if (after !== undefined) return Math.min(after, opts.maxDelayMs);
  const base = opts.throttleDelayMs * 2 ** Math.max(0, Math.min(throttles - 1, 10));
  return Math.floor(Math.min(opts.maxDelayMs, base * (1 + 0.5 * opts.random())));
}

export function backoffDelay(
  retry: number,
  err: unknown,
  opts: Required<Pick<RetryOptions, 'baseDelayMs' | 'factor' | 'maxDelayMs' | 'random'>>,
): number {
  const after = retryAfterOf(err);
  if (after !== undefined) return Math.min(after, opts.maxDelayMs);
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * opts.factor ** retry);
  return Math.floor(opts.random() * ceiling);
}

/**
 * Run `fn` until it succeeds, a non-retryable error occurs or a budget runs out
 * (then the last error is thrown): `maxAttempts` attempts that were not
 * throttled, `maxThrottleRetries` throttled answers. `onRetry` sees each
 * retried failure.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
  onRetry?: (err: unknown, kind: RetryKind, attempt: number) => void,
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const maxThrottleRetries = Math.max(0, options.maxThrottleRetries ?? 10);
  const opts = {
    baseDelayMs: options.baseDelayMs ?? 200,
    factor: options.factor ?? 2,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    throttleDelayMs: options.throttleDelayMs ?? 1_000,
    random: options.random ?? Math.random,
  };
  const sleep = options.sleep ?? defaultSleep;
  let failures = 0;
  let throttles = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const kind = retryKind(err);
      if (kind === undefined) throw err;
      let delay: number;
      if (kind === 'throttled') {
        throttles += 1;
        if (throttles > maxThrottleRetries) throw err;
        delay = throttleDelay(throttles, err, opts);
      } else {
        failures += 1;
        if (failures >= maxAttempts) throw err;
        delay = backoffDelay(failures - 1, err, opts);
      }
      onRetry?.(err, kind, attempt);
      await sleep(delay);
    }
  }
}

/** the pause a throttled bucket takes: the first throttle delay, without jitter */
export function throttlePauseMs(options: RetryOptions = {}): number {
  return Math.min(options.throttleDelayMs ?? 1_000, options.maxDelayMs ?? 10_000);
}
