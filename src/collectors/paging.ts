/**
 * Paging helpers for the three styles the APIs use:
 *  - a cursor: NextToken/MaxResults (ECS, ActionTrail), Marker/IsTruncated (RAM),
 *    NextToken with IsTruncated 'true' (IMS GetCredentialReport) — `pageByCursor`;
 *  - PageNumber/PageSize, stopping at TotalCount, or at a short page when there is no
 *    TotalCount — `pageByNumber` (an empty page before TotalCount is an incomplete
 *    listing, `MalformedResponse`; a TotalCount that changes between pages reads the
 *    listing again once, then is a `ListingChanged` gap).
 *
 * Guarded against pages that never end: a repeated cursor, a page of items
 * already seen, or more than `maxPages` pages stops paging, keeps what was read
 * (without duplicates) and reports a `PagingLoop` gap through the guard. Errors
 * of a page fetch propagate (the caller decides what the failure leaves absent).
 * `trackIncomplete` wraps a guard for callers that must drop a partial listing.
 */
import type { Service } from '../inventory/schema.js';

export interface PageMeta {
  service: Service;
  region: string | null;
  operation: string;
  resource?: string;
}

export interface PagingGuard {
  /** stop after this many pages; default 1000 */
  maxPages?: number;
  /** told when paging stopped early; the caller records a coverage entry */
  onIncomplete(
    meta: PageMeta,
    code: 'PagingLoop' | 'MalformedResponse' | 'ListingChanged',
    message: string,
  ): void;
}

export interface CursorPage<T> {
  items: T[];
  /** the cursor of the next page (NextToken, Marker) */
  next?: string;
  /** whether another page exists; default: a non-empty `next` */
  more?: boolean;
}

/**
 * `keyOf` names an item for the de-duplication (its id); without it, or when it
 * answers undefined, the item's JSON is its key
 */
export async function pageByCursor<T>(
  guard: PagingGuard,
  meta: PageMeta,
  fetch: (cursor: string | undefined) => Promise<CursorPage<T>>,
  keyOf?: (item: T) => string | undefined,
): Promise<T[]> {
  const maxPages = guard.maxPages ?? 1000;
  const seen = new Set<string>();
  // a service that serves a page again (a repeated or stuck cursor) must not duplicate items:
  // an item is known by its id, or (without one) by its JSON
  // (the JSON is not kept: it would outlive every page of a long listing, hundreds of bytes an
  // item; a number stands for it, and the JSON of the item kept under that number is compared)
  const ids = new Set<string>();
  const byShape = new Map<number, T>();
  const collided = new Set<string>();
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await fetch(cursor);
    for (const item of page.items) {
      const id = keyOf?.(item);
      if (id !== undefined) {
        if (ids.has(id)) continue;
        ids.add(id);
      } else {
        const shape = shapeOf(item);
        const hash = hash53(shape);
        if (!byShape.has(hash)) byShape.set(hash, item);
        else if (shapeOf(byShape.get(hash) as T) === shape || collided.has(shape)) continue;
        else collided.add(shape);
      }
      items.push(item);
    }
    const next = page.next ?? '';
    const more = page.more ?? next !== '';
    if (!more) return items;
    if (next === '') {
      guard.onIncomplete(
        meta,
        'MalformedResponse',
        `${meta.operation}: a truncated page without a continuation token; kept ${items.length} items`,
      );
      return items;
    }
    if (seen.has(next) || next === cursor) {
      guard.onIncomplete(
        meta,
        'PagingLoop',
        `${meta.operation}: the service repeated a paging token after ${pages} pages; kept ${items.length} items`,
      );
      return items;
    }
    if (pages >= maxPages) {
      guard.onIncomplete(
        meta,
        'PagingLoop',
        `${meta.operation}: stopped after ${pages} pages (limit); kept ${items.length} items`,
      );
      return items;
    }
    seen.add(next);
    cursor = next;
  }
}

function shapeOf(item: unknown): string {
  return JSON.stringify(item) ?? String(item);
}

/** cyrb53 (public domain): a 53-bit hash of a string, as a number */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export interface NumberedPage<T> {
  items: T[];
  totalCount?: number;
}

export async function pageByNumber<T>(
  guard: PagingGuard,
  meta: PageMeta,
  pageSize: number,
  key: (item: T) => string,
  fetch: (pageNumber: number) => Promise<NumberedPage<T>>,
): Promise<T[]> {
  const maxPages = guard.maxPages ?? 1000;
  let seen = new Set<string>();
  let items: T[] = [];
  // TotalCount of the listing's first page: a later page answering another count means an item
  // was added or deleted mid-listing, and the items after it shifted across pages (a deletion on a
  // page already read moves a still-existing item onto that page: it would never be read).
  // The listing is read again from page 1, once; a second change is a gap.
  let firstTotal: number | undefined;
  let reread = false;
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await fetch(pageNumber);
    // a page of items already read is a service serving pages again (whatever its TotalCount says)
    const fresh = page.items.filter((item) => !seen.has(key(item)));
    if (page.items.length > 0 && fresh.length === 0) {
      guard.onIncomplete(
        meta,
        'PagingLoop',
        `${meta.operation}: page ${pageNumber} repeated items already read; kept ${items.length} items`,
      );
      return items;
    }
    if (pageNumber === 1) firstTotal = page.totalCount;
    else if (
      page.totalCount !== undefined &&
      firstTotal !== undefined &&
      page.totalCount !== firstTotal
    ) {
      if (reread) {
        guard.onIncomplete(
          meta,
          'ListingChanged',
          `${meta.operation}: TotalCount changed during paging (${firstTotal} then ${page.totalCount}), twice; kept ${items.length} items`,
        );
        return items;
      }
      reread = true;
      seen = new Set<string>();
      items = [];
      pageNumber = 0;
      continue;
    }
    if (page.items.length === 0) {
      // an empty page before TotalCount items were read ends a listing the service says goes on
      if (page.totalCount !== undefined && items.length < page.totalCount) {
        guard.onIncomplete(
          meta,
          'MalformedResponse',
          `${meta.operation}: page ${pageNumber} was empty before TotalCount ${page.totalCount}; kept ${items.length} items`,
        );
      }
      return items;
    }
    for (const item of fresh) {
      seen.add(key(item));
      items.push(item);
    }
    if (page.totalCount !== undefined && items.length >= page.totalCount) return items;
    // a short page is the last one, unless TotalCount says more: then the service gave fewer than
    // asked (a lower cap than documented) or cut the page, and the next page tells which (more
    // items, or an empty page: the gap above)
    if (page.items.length < pageSize && page.totalCount === undefined) return items;
    if (pageNumber >= maxPages) {
      guard.onIncomplete(
        meta,
        'PagingLoop',
        `${meta.operation}: stopped after ${pageNumber} pages (limit); kept ${items.length} items`,
      );
      return items;
    }
  }
}

/** a guard that forwards to `guard` and remembers whether paging stopped early */
export function trackIncomplete(
  guard: PagingGuard,
): PagingGuard & { readonly incomplete: boolean } {
  let incomplete = false;
  return {
    maxPages: guard.maxPages,
    onIncomplete(meta, code, message) {
      incomplete = true;
      guard.onIncomplete(meta, code, message);
    },
    get incomplete() {
      return incomplete;
    },
  };
}
