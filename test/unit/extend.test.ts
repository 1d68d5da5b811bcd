import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extend } from '../../src/util/extend.js';

describe('extend', () => {
  it.each([
    { base: { type: 'instance', id: 'i-1', region: 'cn-hangzhou' }, extra: { account: '1' } },
    { base: { type: 'account', id: '1', region: null, name: 'x' }, extra: { account: '2' } },
    // an existing key keeps its place and takes the new value
    {
      base: { ruleId: 'r', status: 'open', fingerprint: 'f' },
      extra: { status: 'suppressed', why: 'x' },
    },
    { base: {}, extra: { a: 1 } },
    { base: { a: 1 }, extra: {} },
  ])('is the spread $base + $extra: same keys, order and values', ({ base, extra }) => {
    const out = extend(base, extra);
    expect(JSON.stringify(out)).toBe(JSON.stringify({ ...base, ...extra }));
    expect(Object.keys(out)).toEqual(Object.keys({ ...base, ...extra }));
    // a new object: the base is left as it was
    expect(out).not.toBe(base);
  });

  it('gives objects of one shape one hidden class (a spread plus a key gives each its own on Node 20)', () => {
    const util = fileURLToPath(new URL('../../dist/src/util/extend.js', import.meta.url));
    const script = `
      const { extend } = await import(${JSON.stringify(util)});
      const make = (i) => i % 2 ? { type: 'disk', id: 'd-' + i, region: 'r' } : { type: 'instance', id: 'i-' + i, region: 'r', name: 'n' };
      const bases = Array.from({ length: 200 }, (_, i) => make(i));
      const shared = (list) => list.filter((o, i) => i >= 2 && %HaveSameMap(o, list[i - 2])).length;
      console.log(JSON.stringify({ extend: shared(bases.map((b) => extend(b, { account: '1' }))) }));`;
    const out = execFileSync(
      process.execPath,
      ['--allow-natives-syntax', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out.trim());
    // every object shares the class of the one of its shape two places before
    expect(r.extend).toBe(198);
  });
});
