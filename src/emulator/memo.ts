/**
 * Lookups the handlers derive from the world, built once per world list on
 * first use instead of on every request (a large world's scan makes thousands
 * of calls: a linear search or a rebuilt list per call is what the emulator
 * spent its CPU on, CPU the scanner shares on one machine).
 *
 * The world a server serves is read-only while it serves it (handlers are
 * pure functions of the request and the world, types.ts): a derived lookup is
 * keyed by the very list or block it was computed from, so a different world
 * (or a copy of one) gets its own. Answers are built from the same items in
 * the same order as a linear search would find them. A list that grew or
 * shrank since (a test adding an item) is derived again.
 */

interface Entry {
  length: number;
  value: unknown;
}

const cache = new WeakMap<object, Map<string, Entry>>();

/** `build(source)`, computed once per `source` object (and array length) and `name` */
export function derived<S extends object, V>(source: S, name: string, build: (s: S) => V): V {
  let byName = cache.get(source);
  if (!byName) {
    byName = new Map();
    cache.set(source, byName);
  }
  const length = Array.isArray(source) ? source.length : -1;
  const known = byName.get(name);
  if (known && known.length === length) return known.value as V;
  const value = build(source);
  byName.set(name, { length, value });
  return value;
}

/** the first item of `items` per key (what `items.find((x) => key(x) === k)` returns) */
export function firstBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, item);
  }
  return out;
}

/** every item of `items` per key, in list order */
export function allBy<T>(
  items: readonly T[],
  keys: (item: T) => Iterable<string>,
): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    for (const k of new Set(keys(item))) {
      const list = out.get(k);
      if (list) list.push(item);
      else out.set(k, [item]);
    }
  }
  return out;
}
