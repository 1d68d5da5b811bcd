/**
 * Retries for read-only calls: exponential backoff with full jitter, honouring
 * the service's `x-acs-retry-after` (surfaced by the SDK as `err.retryAfter`, ms).
 * Retried: throttling, 5xx, timeouts, dropped connections, malformed answers.
 * Never retried: client errors (AccessDenied, EntityNotExist, InvalidParameter...).
 */
import { asErrorLike, errorCode, isMalformedMessage } from './errors.js';

export interface RetryOptions {
  /** total attempts, the first included; default 5 */
  maxAttempts?: number;
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

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EAI_AGAIN',
]);

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

export function backoffDelay(
  retry: number,
  err: unknown,
  opts: Required<Pick<RetryOptions, 'baseDelayMs' | 'factor' | 'maxDelayMs' | 'random'>>,
): number {
  const after = asErrorLike(err).retryAfter;
  if (typeof after === 'number' && Number.isFinite(after) && after > 0) {
    return Math.min(after, opts.maxDelayMs);
  }
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * opts.factor ** retry);
  return Math.floor(opts.random() * ceiling);
}

/**
 * Run `fn` until it succeeds, a non-retryable error occurs or attempts run out
 * (then the last error is thrown). `onRetry` sees each retried failure.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
  onRetry?: (err: unknown, kind: RetryKind, attempt: number) => void,
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const opts = {
    baseDelayMs: options.baseDelayMs ?? 200,
    factor: options.factor ?? 2,
    maxDelayMs: options.maxDelayMs ?? 10_000,
    random: options.random ?? Math.random,
  };
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const kind = retryKind(err);
      if (kind === undefined || attempt >= maxAttempts) throw err;
      onRetry?.(err, kind, attempt);
      await sleep(backoffDelay(attempt - 1, err, opts));
    }
  }
}
