/**
 * Errors of the collection phase, and the reduction of any SDK/transport
 * error to the `{code, message}` a coverage entry carries: one line, bounded
 * length, no secrets.
 */

/** STS GetCallerIdentity failed: nothing can be scanned (the CLI exits 2). */
export class CallerIdentityError extends Error {
  override name = 'CallerIdentityError';
  /** the service's error code when it answered with one (`ServiceUnavailable`); MissingField for an answer without the identity */
  readonly code: string;
  constructor(message: string, code = 'CallerIdentityError') {
    super(message);
    this.code = code;
  }
}

/** Collection cannot start (e.g. an unknown region in --regions); one line. */
export class CollectError extends Error {
  override name = 'CollectError';
}

/** The gate refused an action that is not in the read-only allowlist. */
export class ActionNotAllowedError extends Error {
  override name = 'ActionNotAllowedError';
  readonly code = 'ActionNotAllowed';
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  retryAfter?: unknown;
  data?: unknown;
}

export function asErrorLike(err: unknown): ErrorLike {
  return typeof err === 'object' && err !== null ? (err as ErrorLike) : { message: String(err) };
}

/** transport errors worth a retry; the error code of a failed call when nothing better is known */
export const TRANSPORT_CODES = [
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EAI_AGAIN',
  // a route lost for a moment (a VPN or NAT gateway flapping): the next try usually gets through
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
] as const;

/** the error's machine code: the API's `Code`, a transport errno, or a class of our own */
export function errorCode(err: unknown): string {
  const e = asErrorLike(err);
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (name === 'RequestTimeoutError' || /ReadTimeout|ConnectTimeout/.test(message)) {
    return 'RequestTimeout';
  }
  // an error answer without `Code` (a gateway's `{"message": …}`): the SDK writes `${undefined}`
  if (code === 'undefined' || code === 'null') {
    return typeof e.statusCode === 'number' ? `HTTP${e.statusCode}` : 'UnknownError';
  }
  if (code) return code;
  for (const c of TRANSPORT_CODES) if (message.includes(c)) return c;
  if (name === 'SyntaxError' || isMalformedMessage(message)) return 'MalformedResponse';
  if (name && name !== 'Error') return name;
  return 'UnknownError';
}

export function isMalformedMessage(message: string): boolean {
  return /Unexpected token|Unexpected end of JSON|is not valid JSON|type of .* is mismatch|JSON/.test(
    message,
  );
}

/** one line, at most 300 characters, secrets removed */
export function oneLine(text: string, redact: (s: string) => string = (s) => s): string {
  const flat = redact(text)
    .replace(/\s+/g, ' ')
    .replace(/[?&](SecurityToken|Signature|AccessKeyId)=[^&\s]*/g, '')
    .trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

export function describeError(
  err: unknown,
  redact: (s: string) => string = (s) => s,
): { code: string; message: string } {
  const e = asErrorLike(err);
  const code = errorCode(err);
  let message = typeof e.message === 'string' && e.message ? e.message : code;
  // the SDK prefixes "<Code>: code: <status>, " and appends " request id: ..."
  message = message.replace(/^[\w.]+: code: \d+, /, '');
  // …and " request id: undefined" when the answer had none (a gateway's own error page)
  message = message.replace(/ request id: (?:undefined|null)$/, '');
  // the transport glues the request onto its cause with no space:
  // "connect ECONNREFUSED 127.0.0.1:9POST http://127.0.0.1:9/ failed." → "… 127.0.0.1:9 (POST http://127.0.0.1:9/)"
  message = message.replace(
    /\s*((?:GET|POST|PUT|DELETE|HEAD) https?:\/\/\S*) failed\.?$/,
    (_m, request: string) => ` (${request})`,
  );
  return { code: oneLine(code, redact), message: oneLine(message, redact) || code };
}

/** An answer that parsed but lacks what the API always sends: a coverage gap, never "nothing there". */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
  readonly code = 'MalformedResponse';
}

/**
 * The list a listing answer must carry. The APIs send an empty list as an
 * empty wrapper (`"SecurityGroups": {"SecurityGroup": []}`), never by leaving
 * it out; an answer without it (a JSON array, `{"RequestId": …}` alone) would
 * otherwise read as "none" and a rule would pass on missing data.
 */
export function requiredList<T>(list: T[] | undefined | null, field: string): T[] {
  if (!Array.isArray(list)) throw new MalformedResponseError(`the answer has no ${field} list`);
  return list;
}
