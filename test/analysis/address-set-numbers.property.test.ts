/**
 * Property tests: the IPv4 set algebra on numbers (Ipv4Numbers, used by the exposure
 * hot path) against a brute-force reference on a small universe of addresses, and
 * against the BigInt interval algebra it stands for. Sets are drawn as arbitrary
 * interval lists (overlapping, adjacent, unsorted), normalised by toSet.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AddressSet,
  addNumbersInPlace,
  cidrFamily,
  formatInterval,
  type Ipv4Numbers,
  intersect,
  intersectNumbers,
  ipv4Numbers,
  ipv4Set,
  parseCidr,
  subtract,
  subtractNumbers,
  toSet,
  union,
  unionNumbers,
} from '../../src/analysis/address-set.js';

/** a small universe near the top of the IPv4 space (values above 2^31 as well) */
const BASE = 2 ** 32 - 64;
const UNIVERSE = 64;

const intervalArb = fc
  .tuple(fc.integer({ min: 0, max: UNIVERSE - 1 }), fc.integer({ min: 0, max: UNIVERSE - 1 }))
  .map(([a, b]) => ({ start: BigInt(BASE + Math.min(a, b)), end: BigInt(BASE + Math.max(a, b)) }));
const setArb = fc.array(intervalArb, { maxLength: 8 }).map((ivs) => toSet(ivs));

/** the addresses of a set of numbers, one by one */
function members(n: Ipv4Numbers): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < n.length; i += 2) for (let a = n[i]!; a <= n[i + 1]!; a++) out.add(a);
  return out;
}

/** well formed: sorted, disjoint, not adjacent, start <= end */
function wellFormed(n: Ipv4Numbers): boolean {
  for (let i = 0; i < n.length; i += 2) {
    if (n[i]! > n[i + 1]!) return false;
    if (i > 0 && n[i]! <= n[i - 1]! + 1) return false;
  }
  return n.length % 2 === 0;
}

function same(n: Ipv4Numbers, s: AddressSet): void {
  expect(ipv4Set(n).map((iv) => [iv.start, iv.end])).toEqual(s.map((iv) => [iv.start, iv.end]));
}

describe('IPv4 sets on numbers', () => {
  it('convert to numbers and back without change', () => {
    fc.assert(
      fc.property(setArb, (a) => {
        const n = ipv4Numbers(a);
        expect(wellFormed(n)).toBe(true);
        same(n, a);
        // a fresh array with the same numbers converts to an equal set, shared and frozen
        same([...n], a);
        expect(ipv4Set([...n])).toBe(ipv4Set([...n]));
        expect(Object.isFrozen(ipv4Set([...n]))).toBe(true);
      }),
    );
  });

  it('union, difference and intersection match the reference and the BigInt algebra', () => {
    fc.assert(
      fc.property(setArb, setArb, (a, b) => {
        const na = ipv4Numbers(a);
        const nb = ipv4Numbers(b);
        const ma = members(na);
        const mb = members(nb);
        const u = unionNumbers(na, nb);
        const d = subtractNumbers(na, nb);
        const x = intersectNumbers(na, nb);
        for (const r of [u, d, x]) expect(wellFormed(r)).toBe(true);
        expect(members(u)).toEqual(new Set([...ma, ...mb]));
        expect(members(d)).toEqual(new Set([...ma].filter((v) => !mb.has(v))));
        expect(members(x)).toEqual(new Set([...ma].filter((v) => mb.has(v))));
        same(u, union(a, b));
        same(d, subtract(a, b));
        same(x, intersect(a, b));
      }),
    );
  });

  it('adding in place equals the union, and leaves the added set unchanged', () => {
    fc.assert(
      fc.property(setArb, setArb, (a, b) => {
        const target = [...ipv4Numbers(a)];
        const nb = ipv4Numbers(b);
        const before = [...nb];
        addNumbersInPlace(target, nb);
        expect(wellFormed(target)).toBe(true);
        expect(target).toEqual([...unionNumbers(ipv4Numbers(a), nb)]);
        expect([...nb]).toEqual(before);
      }),
    );
  });
});

describe('IPv4 interval text', () => {
  it('is the same whether formatted afresh or from the cache', () => {
    fc.assert(
      fc.property(setArb, (a) => {
        // each interval twice: the second answer comes from the cache, and must still
        // be the text of that interval (an interval with the same start but another end
        // must not be given the cached text)
        for (const iv of a) {
          const first = formatInterval('ipv4', iv);
          const wider = { start: iv.start, end: iv.end + 1n };
          formatInterval('ipv4', wider);
          expect(formatInterval('ipv4', { start: iv.start, end: iv.end })).toBe(first);
          expect(first).toBe(reference(iv.start, iv.end));
        }
      }),
    );
  });
});

/** dotted quads, and `/prefix` when the interval is one CIDR block */
function reference(start: bigint, end: bigint): string {
  const quad = (v: bigint) => [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  const count = end - start + 1n;
  const bits = count.toString(2).length - 1;
  if (count === 1n << BigInt(bits) && start % count === 0n) return `${quad(start)}/${32 - bits}`;
  return `${quad(start)}-${quad(end)}`;
}

describe('cidrFamily', () => {
  it('gives the family parseCidr gives, for addresses, CIDRs and junk', () => {
    const text = fc.oneof(
      fc.ipV4(),
      fc.ipV6(),
      fc.ipV4Extended(),
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, p]) => `${a}/${p}`),
      fc.ipV4().map((a) => ` ${a} `),
      fc.ipV6().map((a) => `${a}%eth0`),
      fc.string(),
    );
    fc.assert(
      fc.property(text, (t) => {
        // asked first: the answer must not depend on parseCidr's cache
        const family = cidrFamily(t);
        expect(family).toBe(parseCidr(t)?.family ?? null);
        expect(cidrFamily(t)).toBe(family);
      }),
    );
  });
});
