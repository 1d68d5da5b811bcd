/**
 * Address sets as sorted lists of inclusive intervals over the IPv4 (32-bit) or
 * IPv6 (128-bit) address space. Parsing and formatting of addresses and CIDRs
 * go through ipaddr.js (network/broadcast of a CIDR come from the library;
 * the CIDR blocks of a range are found by bit arithmetic); this module converts byte arrays to BigInt interval ends and does the
 * set algebra on intervals.
 */
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

/** inclusive */
export interface Interval {
  readonly start: bigint;
  readonly end: bigint;
}

/** sorted by start, pairwise disjoint and non-adjacent */
export type AddressSet = readonly Interval[];

export const EMPTY_SET: AddressSet = Object.freeze([]) as AddressSet;

export const FAMILY_BITS: Readonly<Record<Family, number>> = { ipv4: 32, ipv6: 128 };

export function fullSet(family: Family): AddressSet {
  return [{ start: 0n, end: (1n << BigInt(FAMILY_BITS[family])) - 1n }];
}

// ------------------------------------------------------------ conversions

export function bytesToBigInt(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = v * 256n + BigInt(b);
  return v;
}

export function bigIntToBytes(value: bigint, length: number): number[] {
  const out = new Array<number>(length).fill(0);
  let v = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v % 256n);
    v /= 256n;
  }
  return out;
}

function addressOf(family: Family, value: bigint): ipaddr.IPv4 | ipaddr.IPv6 {
  return ipaddr.fromByteArray(bigIntToBytes(value, family === 'ipv4' ? 4 : 16));
}

export function formatAddress(family: Family, value: bigint): string {
  // dotted quad straight from the number (what ipaddr.js prints): evidence formats
  // tens of thousands of IPv4 ranges per scan
  if (family === 'ipv4') return formatIpv4(Number(value));
  const a = addressOf(family, value);
  return a.kind() === 'ipv6' ? (a as ipaddr.IPv6).toRFC5952String() : a.toString();
}

function formatIpv4(n: number): string {
  return `${Math.floor(n / 0x1000000) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface ParsedAddress {
  family: Family;
  value: bigint;
}

/** A single address (no prefix); null when it is not one. IPv4 must be dotted quad. */
export function parseAddress(text: string): ParsedAddress | null {
  const t = text.trim();
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) {
    return { family: 'ipv4', value: bytesToBigInt(ipaddr.IPv4.parse(t).toByteArray()) };
  }
  if (ipaddr.IPv6.isValid(t) && !t.includes('%')) {
    return { family: 'ipv6', value: bytesToBigInt(ipaddr.IPv6.parse(t).toByteArray()) };
  }
  return null;
}

/** shared between callers (parseCidr caches it): never mutate */
export interface ParsedCidr {
  readonly family: Family;
  readonly interval: Interval;
  /** the CIDR as ipaddr.js normalises it (host bits cleared), e.g. `10.0.0.0/8` */
  readonly cidr: string;
}

/**
 * A CIDR (`10.0.0.0/8`, `::/0`) or a single address (`1.2.3.4`, treated as /32 or /128,
 * as the console allows). null for anything else, e.g. a masked `120.25. XX.XXX`.
 */
export function parseCidr(text: string): ParsedCidr | null {
  const hit = CIDR_CACHE.get(text);
  if (hit !== undefined) return hit;
  const parsed = parseCidrUncached(text);
  // the same few sources (0.0.0.0/0, office ranges) recur across thousands of rules
  if (CIDR_CACHE.size >= CIDR_CACHE_LIMIT) CIDR_CACHE.clear();
  if (parsed) Object.freeze(parsed);
  CIDR_CACHE.set(text, parsed);
  return parsed;
}

/**
 * The family parseCidr would give the text (null when it gives null), without building
 * the interval or filling the cache: each instance's own public addresses are asked about
 * once or twice, tens of thousands of one-off texts that would evict the rule sources.
 */
export function cidrFamily(text: string): Family | null {
  const hit = CIDR_CACHE.get(text);
  if (hit !== undefined) return hit === null ? null : hit.family;
  const t = text.trim();
  if (t === '' || t.includes('/')) return parseCidr(text)?.family ?? null;
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return 'ipv4';
  if (ipaddr.IPv6.isValid(t) && !t.includes('%')) return 'ipv6';
  return null;
}

const CIDR_CACHE_LIMIT = 50_000;
const CIDR_CACHE = new Map<string, ParsedCidr | null>();

function parseCidrUncached(text: string): ParsedCidr | null {
  const t = text.trim();
  if (t === '') return null;
  if (!t.includes('/')) {
    const a = parseAddress(t);
    if (!a) return null;
    const bits = FAMILY_BITS[a.family];
    return {
      family: a.family,
      interval: { start: a.value, end: a.value },
      cidr: `${formatAddress(a.family, a.value)}/${bits}`,
    };
  }
  if (ipaddr.IPv4.isValidCIDRFourPartDecimal(t)) {
    const net = ipaddr.IPv4.networkAddressFromCIDR(t);
    const bc = ipaddr.IPv4.broadcastAddressFromCIDR(t);
    const prefix = ipaddr.IPv4.parseCIDR(t)[1];
    return {
      family: 'ipv4',
      interval: { start: bytesToBigInt(net.toByteArray()), end: bytesToBigInt(bc.toByteArray()) },
      cidr: `${net.toString()}/${prefix}`,
    };
  }
  if (!t.includes('%') && ipaddr.IPv6.isValidCIDR(t)) {
    const net = ipaddr.IPv6.networkAddressFromCIDR(t);
    const bc = ipaddr.IPv6.broadcastAddressFromCIDR(t);
    const prefix = ipaddr.IPv6.parseCIDR(t)[1];
    return {
      family: 'ipv6',
      interval: { start: bytesToBigInt(net.toByteArray()), end: bytesToBigInt(bc.toByteArray()) },
      cidr: `${net.toRFC5952String()}/${prefix}`,
    };
  }
  return null;
}

/** The interval of a CIDR that must be valid (constants); throws otherwise. */
export function cidrInterval(text: string): Interval {
  const p = parseCidr(text);
  if (!p) throw new Error(`not a CIDR: ${text}`);
  return p.interval;
}

// ------------------------------------------------------------ set algebra

/** Normalise any list of intervals into a set (sort, merge overlapping and adjacent). */
export function toSet(intervals: readonly Interval[]): AddressSet {
  if (intervals.length <= 1) return intervals.length === 0 ? EMPTY_SET : [intervals[0]!];
  const sorted = [...intervals].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : 0,
  );
  const out: Interval[] = [];
  let cur = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const n = sorted[i]!;
    if (n.start <= cur.end || n.start === cur.end + 1n) {
      if (n.end > cur.end) cur = { start: cur.start, end: n.end };
    } else {
      out.push(cur);
      cur = n;
    }
  }
  out.push(cur);
  return out;
}

export function union(a: AddressSet, b: AddressSet): AddressSet {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  // one side a single interval holding the other (0.0.0.0/0 and anything): that side,
  // without the BigInt arithmetic of the merge (every `+ 1n` allocates)
  if (covers(a, b)) return a;
  if (covers(b, a)) return b;
  // linear merge of two sorted sets, coalescing overlapping and adjacent intervals
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  let cur: Interval | undefined;
  while (i < a.length || j < b.length) {
    const n = j >= b.length || (i < a.length && a[i]!.start <= b[j]!.start) ? a[i++]! : b[j++]!;
    if (cur === undefined) cur = n;
    // (overlap tested first: `cur.end + 1n` allocates a BigInt, only adjacency needs it)
    else if (n.start <= cur.end || n.start === cur.end + 1n) {
      if (n.end > cur.end) cur = { start: cur.start, end: n.end };
    } else {
      out.push(cur);
      cur = n;
    }
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

export function intersect(a: AddressSet, b: AddressSet): AddressSet {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    // biome-ignore lint/complexity/useMathMinMax: Math.max does not take BigInt
    const start = x.start > y.start ? x.start : y.start;
    // biome-ignore lint/complexity/useMathMinMax: Math.min does not take BigInt
    const end = x.end < y.end ? x.end : y.end;
    if (start <= end) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}

/** `outer` is one interval that holds every address of `inner` (both non-empty) */
function covers(outer: AddressSet, inner: AddressSet): boolean {
  return (
    outer.length === 1 &&
    outer[0]!.start <= inner[0]!.start &&
    outer[0]!.end >= inner[inner.length - 1]!.end
  );
}

/** a minus b */
export function subtract(a: AddressSet, b: AddressSet): AddressSet {
  if (a.length === 0 || b.length === 0) return a;
  if (covers(b, a)) return EMPTY_SET;
  const out: Interval[] = [];
  let j = 0;
  for (const x of a) {
    let start = x.start;
    const end = x.end;
    while (j < b.length && b[j]!.end < start) j++;
    let k = j;
    while (k < b.length && b[k]!.start <= end) {
      const y = b[k]!;
      if (y.start > start) out.push({ start, end: y.start - 1n });
      if (y.end >= end) {
        start = end + 1n;
        break;
      }
      start = y.end + 1n;
      k++;
    }
    if (start <= end) out.push({ start, end });
  }
  return out;
}

export function size(a: AddressSet): bigint {
  let n = 0n;
  for (const x of a) n += x.end - x.start + 1n;
  return n;
}

export function contains(a: AddressSet, value: bigint): boolean {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = a[mid]!;
    if (value < x.start) hi = mid - 1;
    else if (value > x.end) lo = mid + 1;
    else return true;
  }
  return false;
}

export function setsEqual(a: AddressSet, b: AddressSet): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.start !== b[i]!.start || a[i]!.end !== b[i]!.end) return false;
  }
  return true;
}

// ------------------------------------------------------------ formatting

/**
 * The largest CIDR block that starts at `start` and ends at or before `end`:
 * the shortest prefix whose host bits of `start` are all zero and whose
 * broadcast address is not past `end` (bit arithmetic; no text parsing).
 */
function largestBlock(
  family: Family,
  start: bigint,
  end: bigint,
): { prefix: number; last: bigint } {
  const bits = FAMILY_BITS[family];
  if (family === 'ipv4') return largestBlockIpv4(Number(start), Number(end));
  for (let prefix = 0; prefix <= bits; prefix++) {
    const host = (1n << BigInt(bits - prefix)) - 1n;
    if ((start & host) !== 0n) continue;
    const last = start | host;
    if (last <= end) return { prefix, last };
  }
  return { prefix: bits, last: start };
}

/** largestBlock on 32-bit values as doubles (exact below 2^53): no BigInt per prefix tried */
function largestBlockIpv4(start: number, end: number): { prefix: number; last: bigint } {
  // the block can be no larger than the trailing zero bits of start allow (x & -x: the
  // lowest set bit, on 32-bit integers); then the first prefix whose block fits
  const zeros = start === 0 ? 32 : 31 - Math.clz32(start & -start);
  for (let prefix = 32 - zeros; prefix <= 32; prefix++) {
    const last = start + 2 ** (32 - prefix) - 1;
    if (last <= end) return { prefix, last: BigInt(last) };
  }
  return { prefix: 32, last: BigInt(start) };
}

/** `10.0.0.0/8` when the interval is exactly one CIDR block, else `a-b`. */
export function formatInterval(family: Family, iv: Interval): string {
  if (family !== 'ipv4') return formatIntervalUncached(family, iv);
  // evidence names the same few IPv4 ranges for tens of thousands of entry points
  const start = Number(iv.start);
  const end = Number(iv.end);
  const hit = FORMATTED_IPV4.get(start);
  if (hit !== undefined && hit.end === end) return hit.text;
  const text = formatIntervalUncached(family, iv);
  if (FORMATTED_IPV4.size >= SETS_LIMIT) FORMATTED_IPV4.clear();
  FORMATTED_IPV4.set(start, { end, text });
  return text;
}

/** the last IPv4 interval formatted with each start */
const FORMATTED_IPV4 = new Map<number, { end: number; text: string }>();

function formatIntervalUncached(family: Family, iv: Interval): string {
  const { prefix, last } = largestBlock(family, iv.start, iv.end);
  if (last === iv.end) return `${formatAddress(family, iv.start)}/${prefix}`;
  return `${formatAddress(family, iv.start)}-${formatAddress(family, iv.end)}`;
}

/** At most `limit` formatted intervals, and how many were left off. */
export function formatSet(
  family: Family,
  set: AddressSet,
  limit = 16,
): { ranges: string[]; omitted: number } {
  const shown = Math.min(set.length, limit);
  const ranges: string[] = new Array(shown);
  for (let i = 0; i < shown; i++) ranges[i] = formatInterval(family, set[i]!);
  return { ranges, omitted: Math.max(0, set.length - limit) };
}

// ------------------------------------------------------------ IPv4 sets on numbers

/**
 * An IPv4 address set as flat numbers `[start0, end0, start1, end1, …]` (inclusive,
 * sorted, disjoint and non-adjacent, like AddressSet): IPv4 values are exact as doubles,
 * so the exposure hot path decides IPv4 without a BigInt or an interval object per step.
 */
export type Ipv4Numbers = readonly number[];

export const EMPTY_IPV4_NUMBERS: Ipv4Numbers = Object.freeze([]) as Ipv4Numbers;

/** the numbers of a set (sets are never changed) */
const TO_NUMBERS = new WeakMap<AddressSet, Ipv4Numbers>();

/** an IPv4 AddressSet as numbers (cached per set: sets are never changed) */
export function ipv4Numbers(set: AddressSet): Ipv4Numbers {
  if (set.length === 0) return EMPTY_IPV4_NUMBERS;
  let n = TO_NUMBERS.get(set);
  if (n === undefined) {
    const out: number[] = new Array(2 * set.length);
    for (let i = 0; i < set.length; i++) {
      out[2 * i] = Number(set[i]!.start);
      out[2 * i + 1] = Number(set[i]!.end);
    }
    n = out;
    TO_NUMBERS.set(set, n);
  }
  return n;
}

/**
 * Numbers as an AddressSet, shared with earlier answers holding the same addresses (sets
 * are never changed): at scale the accepted sets of some hundred thousand segments are a
 * few dozen distinct intervals, and two BigInts per interval made afresh cost the most.
 */
export function ipv4Set(n: Ipv4Numbers): AddressSet {
  if (n.length === 0) return EMPTY_SET;
  const key = hashNumbers(n);
  const candidates = SETS.get(key);
  if (candidates !== undefined) {
    for (const c of candidates) if (sameNumbers(c.numbers, n)) return c.set;
  }
  const out: Interval[] = new Array(n.length / 2);
  for (let i = 0; i < n.length; i += 2) out[i / 2] = ipv4Interval(n[i]!, n[i + 1]!);
  Object.freeze(out);
  // (a copy of the numbers: the caller's array may be its own, grown later)
  const entry = { numbers: n.slice(), set: out as AddressSet };
  if (SETS.size >= SETS_LIMIT) SETS.clear();
  if (candidates === undefined) SETS.set(key, [entry]);
  else candidates.push(entry);
  TO_NUMBERS.set(out, entry.numbers);
  return out;
}

const SETS_LIMIT = 20_000;
/** sets made by ipv4Set, by a hash of their numbers */
const SETS = new Map<number, { numbers: Ipv4Numbers; set: AddressSet }[]>();

function hashNumbers(n: Ipv4Numbers): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n.length; i++) h = Math.imul(h ^ n[i]!, 0x01000193);
  return h & 0x3fffffff;
}

function sameNumbers(a: Ipv4Numbers, b: Ipv4Numbers): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** [start, end] shared with the sets made before that held it (intervals are never changed) */
function ipv4Interval(start: number, end: number): Interval {
  const hit = INTERVALS.get(start);
  if (hit !== undefined && hit.end === end) return hit.interval;
  const interval: Interval = Object.freeze({ start: BigInt(start), end: BigInt(end) });
  if (INTERVALS.size >= SETS_LIMIT) INTERVALS.clear();
  INTERVALS.set(start, { end, interval });
  return interval;
}

/** the last interval made with each start */
const INTERVALS = new Map<number, { end: number; interval: Interval }>();

/** one side a single interval holding the other (both non-empty) */
function coversNumbers(outer: Ipv4Numbers, inner: Ipv4Numbers): boolean {
  return outer.length === 2 && outer[0]! <= inner[0]! && outer[1]! >= inner[inner.length - 1]!;
}

export function unionNumbers(a: Ipv4Numbers, b: Ipv4Numbers): Ipv4Numbers {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  if (coversNumbers(a, b)) return a;
  if (coversNumbers(b, a)) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  let curStart = -1;
  let curEnd = -2;
  while (i < a.length || j < b.length) {
    let s: number;
    let e: number;
    if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) {
      s = a[i]!;
      e = a[i + 1]!;
      i += 2;
    } else {
      s = b[j]!;
      e = b[j + 1]!;
      j += 2;
    }
    if (curStart < 0) {
      curStart = s;
      curEnd = e;
    } else if (s <= curEnd + 1) {
      if (e > curEnd) curEnd = e;
    } else {
      out.push(curStart, curEnd);
      curStart = s;
      curEnd = e;
    }
  }
  out.push(curStart, curEnd);
  return out;
}

/** a minus b */
export function subtractNumbers(a: Ipv4Numbers, b: Ipv4Numbers): Ipv4Numbers {
  if (a.length === 0 || b.length === 0) return a;
  if (coversNumbers(b, a)) return EMPTY_IPV4_NUMBERS;
  // nothing in common (a rule's sources beside what other rules decided): a itself, no copy
  if (!overlapsNumbers(a, b)) return a;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i += 2) {
    let start = a[i]!;
    const end = a[i + 1]!;
    while (j < b.length && b[j + 1]! < start) j += 2;
    for (let k = j; k < b.length && b[k]! <= end; k += 2) {
      if (b[k]! > start) out.push(start, b[k]! - 1);
      start = b[k + 1]! + 1;
      if (start > end) break;
    }
    if (start <= end) out.push(start, end);
  }
  return out.length === 0 ? EMPTY_IPV4_NUMBERS : out;
}

/** whether the sets share an address (both sorted: one merge pass, nothing allocated) */
function overlapsNumbers(a: Ipv4Numbers, b: Ipv4Numbers): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1]! < b[j]!) i += 2;
    else if (b[j + 1]! < a[i]!) j += 2;
    else return true;
  }
  return false;
}

export function intersectNumbers(a: Ipv4Numbers, b: Ipv4Numbers): Ipv4Numbers {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i]!, b[j]!);
    const end = Math.min(a[i + 1]!, b[j + 1]!);
    if (start <= end) out.push(start, end);
    if (a[i + 1]! < b[j + 1]!) i += 2;
    else j += 2;
  }
  return out.length === 0 ? EMPTY_IPV4_NUMBERS : out;
}

/**
 * `add` merged into `target` in place (target must be the caller's own array): a set
 * grown one rule at a time would otherwise be copied whole for each rule added.
 */
export function addNumbersInPlace(target: number[], add: Ipv4Numbers): void {
  for (let i = 0; i < add.length; i += 2) {
    let s = add[i]!;
    let e = add[i + 1]!;
    // first interval of target ending at or after s - 1 (touching or past the new one)
    let lo = 0;
    let hi = target.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (target[2 * mid + 1]! < s - 1) lo = mid + 1;
      else hi = mid;
    }
    // intervals from there starting at or before e + 1 merge with it
    let last = lo;
    while (2 * last < target.length && target[2 * last]! <= e + 1) last++;
    if (last > lo) {
      s = Math.min(s, target[2 * lo]!);
      e = Math.max(e, target[2 * last - 1]!);
    }
    replaceRun(target, lo, last, s, e);
  }
}

/** intervals lo..last-1 of `target` replaced by [s, e] (an insertion when lo === last), without splice's garbage */
function replaceRun(target: number[], lo: number, last: number, s: number, e: number): void {
  const at = 2 * lo;
  if (last === lo) {
    // shift the tail right by one interval
    target.push(0, 0);
    for (let k = target.length - 1; k >= at + 2; k--) target[k] = target[k - 2]!;
  } else if (last > lo + 1) {
    // shift the tail left over the merged intervals
    const gone = 2 * (last - lo - 1);
    for (let k = at + 2; k + gone < target.length; k++) target[k] = target[k + gone]!;
    target.length -= gone;
  }
  target[at] = s;
  target[at + 1] = e;
}
