/**
 * The three paging styles of the Alibaba Cloud APIs the scanner reads:
 *  - NextToken + MaxResults (ECS Describe*, ActionTrail LookupEvents, IMS GetCredentialReport)
 *  - PageNumber + PageSize (ECS DescribeKeyPairs, DescribeInstanceRamRole)
 *  - Marker + MaxItems / IsTruncated (RAM and IMS List*)
 * Each helper clamps the requested size to the API's real maximum, so a world
 * with more items than one page exercises the scanner's paging.
 *
 * Handlers must always put the paging keys they return in the body (NextToken
 * "" when done, IsTruncated false, ...): the server's `repeatPage` fault rewrites
 * those keys so that paging never ends.
 */

export interface SizeLimits {
  /** the API's maximum page size */
  max: number;
  /** the page size when the request names none */
  default: number;
  /** the API's minimum page size (requests below it are raised to it) */
  min?: number;
}

function clampSize(raw: string | undefined, limits: SizeLimits): number {
  const n = raw === undefined || raw === '' ? limits.default : Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n <= 0) return limits.default;
  return Math.min(Math.max(n, limits.min ?? 1), limits.max);
}

export class BadPagingParameter extends Error {
  constructor(
    readonly parameter: string,
    readonly value: string,
  ) {
    super(`The specified parameter ${parameter} is not valid.`);
  }
}

const TOKEN_PREFIX = 'emu-';

export function encodeToken(offset: number): string {
  return TOKEN_PREFIX + Buffer.from(`o:${offset}`).toString('base64url');
}

export function decodeToken(token: string, param = 'NextToken'): number {
  if (!token.startsWith(TOKEN_PREFIX)) throw new BadPagingParameter(param, token);
  const decoded = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8');
  const m = /^o:(\d+)$/.exec(decoded);
  if (!m) throw new BadPagingParameter(param, token);
  return Number(m[1]);
}

export function pageByToken<T>(
  items: readonly T[],
  params: Record<string, string>,
  limits: SizeLimits,
  names: { token?: string; size?: string } = {},
): { page: T[]; nextToken: string } {
  const tokenName = names.token ?? 'NextToken';
  const sizeName = names.size ?? 'MaxResults';
  const size = clampSize(params[sizeName], limits);
  const token = params[tokenName];
  const start = token ? decodeToken(token, tokenName) : 0;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? encodeToken(start + size) : '';
  return { page, nextToken: next };
}

export function pageByNumber<T>(
  items: readonly T[],
  params: Record<string, string>,
  limits: SizeLimits,
): { page: T[]; pageNumber: number; pageSize: number; totalCount: number } {
  const pageSize = clampSize(params['PageSize'], limits);
  const rawNumber = params['PageNumber'];
  const pageNumber = rawNumber ? Number.parseInt(rawNumber, 10) : 1;
  if (!Number.isFinite(pageNumber) || pageNumber < 1) {
    throw new BadPagingParameter('PageNumber', rawNumber ?? '');
  }
  const start = (pageNumber - 1) * pageSize;
  return {
    page: items.slice(start, start + pageSize),
    pageNumber,
    pageSize,
    totalCount: items.length,
  };
}

export function pageByMarker<T>(
  items: readonly T[],
  params: Record<string, string>,
  limits: SizeLimits,
): { page: T[]; isTruncated: boolean; marker: string } {
  const { page, nextToken } = pageByToken(items, params, limits, {
    token: 'Marker',
    size: 'MaxItems',
  });
  return { page, isTruncated: nextToken !== '', marker: nextToken };
}
