/** Pure pieces: backoff, retry classification, paging guards, the credential-report CSV, the policy. */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import * as $Ecs from '@alicloud/ecs20140526';
import { describe, expect, it } from 'vitest';
import { type CollectContext, pageSize } from '../../src/collectors/context.js';
import { describeError } from '../../src/collectors/errors.js';
import {
  assertAdmitted,
  Gate,
  isReadAction,
  leastPrivilegePolicy,
  ORGANIZATION_ACTIONS,
  READ_ACTIONS,
} from '../../src/collectors/gate.js';
import { parseCsv } from '../../src/collectors/ims.js';
import {
  hash53,
  type PageMeta,
  pageByCursor,
  pageByNumber,
  trackIncomplete,
} from '../../src/collectors/paging.js';
import { backoffDelay, retryKind, withRetry } from '../../src/collectors/retry.js';
import { lazyModelIndex, memoizeModelTables, sdks } from '../../src/collectors/sdk.js';

const apiErr = (
  name: string,
  code: string,
  statusCode: number,
  extra: Record<string, unknown> = {},
) =>
  Object.assign(new Error(`${code}: code: ${statusCode}, boom request id: R1`), {
    name,
    code,
    statusCode,
    ...extra,
  });

describe('retry', () => {
  it('classifies what is retried and what is not', () => {
    expect(retryKind(apiErr('ThrottlingError', 'Throttling.User', 400))).toBe('throttled');
    expect(retryKind(apiErr('ServerError', 'ServiceUnavailable', 503))).toBe('server');
    expect(
      retryKind(
        Object.assign(new Error('ReadTimeout(300). POST http://x failed.'), {
          name: 'RequestTimeoutError',
        }),
      ),
    ).toBe('timeout');
    expect(retryKind(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      'network',
    );
    expect(retryKind(new SyntaxError('Unexpected end of JSON input'))).toBe('malformed');
    expect(retryKind(apiErr('ClientError', 'Forbidden.RAM', 403))).toBeUndefined();
    expect(
      retryKind(apiErr('ClientError', 'EntityNotExist.User.LoginProfile', 404)),
    ).toBeUndefined();
    expect(retryKind(apiErr('ClientError', 'InvalidParameter', 400))).toBeUndefined();
  });

  it('full jitter grows ×2 to the cap and honours retryAfter', () => {
    const opts = { baseDelayMs: 200, factor: 2, maxDelayMs: 10_000, random: () => 0.999999 };
    expect(backoffDelay(0, new Error('x'), opts)).toBe(199);
    expect(backoffDelay(3, new Error('x'), opts)).toBe(1599);
    expect(backoffDelay(10, new Error('x'), opts)).toBe(9999);
    expect(backoffDelay(0, { retryAfter: 1234 }, opts)).toBe(1234);
    expect(backoffDelay(0, { retryAfter: 99_999 }, opts)).toBe(10_000);
    expect(backoffDelay(2, new Error('x'), { ...opts, random: () => 0 })).toBe(0);
  });

  it('stops at maxAttempts with the last error and never retries a client error', async () => {
    const sleeps: number[] = [];
    const sleep = async (ms: number) => {
      sleeps.push(ms);
    };
    let n = 0;
    const err = await withRetry(
      async () => {
        n++;
        throw apiErr('ServerError', 'InternalError', 500);
      },
      { maxAttempts: 5, sleep, random: () => 0.5 },
    ).catch((e: unknown) => e);
    expect(n).toBe(5);
    expect((err as { code: string }).code).toBe('InternalError');
    expect(sleeps).toEqual([100, 200, 400, 800]);
    n = 0;
    await withRetry(
      async () => {
        n++;
        throw apiErr('ClientError', 'Forbidden.RAM', 403);
      },
      { sleep },
    ).catch(() => undefined);
    expect(n).toBe(1);
  });
});

describe('paging guards', () => {
  const meta: PageMeta = { service: 'ecs', region: 'cn-hangzhou', operation: 'DescribeDisks' };
  const collectGuard = () => {
    const gaps: string[] = [];
    return {
      gaps,
      guard: { maxPages: 5, onIncomplete: (_m: PageMeta, code: string) => gaps.push(code) },
    };
  };

  it('a repeated token stops paging, keeps the items and reports PagingLoop', async () => {
    const { gaps, guard } = collectGuard();
    const tokens = ['a', 'b', 'a'];
    let i = 0;
    const items = await pageByCursor(guard, meta, async () => ({ items: [i], next: tokens[i++] }));
    expect(items).toEqual([0, 1, 2]);
    expect(gaps).toEqual(['PagingLoop']);
  });

  it('more than maxPages pages stops paging', async () => {
    const { gaps, guard } = collectGuard();
    let i = 0;
    const items = await pageByCursor(guard, meta, async () => ({ items: [i], next: `t${++i}` }));
    expect(items).toHaveLength(5);
    expect(gaps).toEqual(['PagingLoop']);
  });

  it('IsTruncated as the string "true" drives the IMS style', async () => {
    const { gaps, guard } = collectGuard();
    const pages = [
      { items: ['x'], next: 'n1', more: String('true') === 'true' },
      { items: ['y'], next: '', more: false },
    ];
    let i = 0;
    expect(await pageByCursor(guard, meta, async () => pages[i++] as { items: string[] })).toEqual([
      'x',
      'y',
    ]);
    expect(gaps).toEqual([]);
  });

  it('items without an id are told apart by their whole content, within a page and across pages', async () => {
    const { gaps, guard } = collectGuard();
    const rule = (port: string, extra: Record<string, unknown> = {}) => ({
      ipProtocol: 'TCP',
      portRange: port,
      sourceCidrIp: '0.0.0.0/0',
      ...extra,
    });
    // 3,000 distinct rules, then the same rules again, and exact copies inside one page
    const distinct = Array.from({ length: 3000 }, (_, i) =>
      rule(`${i}/${i}`, { priority: i % 100 }),
    );
    const pages = [
      { items: [...distinct.slice(0, 1500), rule('0/0', { priority: 0 })], next: 'p2' },
      { items: [...distinct.slice(1500), ...distinct.slice(0, 10)], next: 'p3' },
      // same content under other key order or an extra field: other JSON, kept
      { items: [{ portRange: '0/0', ipProtocol: 'TCP', sourceCidrIp: '0.0.0.0/0', priority: 0 }] },
    ];
    let i = 0;
    const items = await pageByCursor(
      guard,
      meta,
      async () => pages[i++] ?? { items: [] },
      (r) => ('id' in r ? String(r.id) : undefined),
    );
    expect(items).toHaveLength(3001);
    expect(items.slice(0, 3000)).toEqual(distinct);
    expect(items[3000]).toEqual(pages[2]?.items[0]);
    expect(gaps).toEqual([]);
  });

  it('hash53 spreads near-identical JSON over distinct numbers', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) seen.add(hash53(JSON.stringify({ portRange: `${i}/${i}` })));
    expect(seen.size).toBe(20_000);
    expect(hash53('a')).not.toBe(hash53('b'));
    expect(hash53('same')).toBe(hash53('same'));
  });

  it('page numbers stop at TotalCount, a short page, or a repeated page', async () => {
    const { gaps, guard } = collectGuard();
    const all = Array.from({ length: 120 }, (_, i) => `k${i}`);
    const calls: number[] = [];
    const got = await pageByNumber<string>(
      guard,
      meta,
      50,
      (s) => s,
      async (p) => {
        calls.push(p);
        return { items: all.slice((p - 1) * 50, p * 50), totalCount: 120 };
      },
    );
    expect(got).toEqual(all);
    expect(calls).toEqual([1, 2, 3]);
    const looped = await pageByNumber<string>(
      guard,
      meta,
      2,
      (s) => s,
      async () => ({ items: ['a', 'b'], totalCount: 100 }),
    );
    expect(looped).toEqual(['a', 'b']);
    expect(gaps).toEqual(['PagingLoop']);
  });
});

describe('credential report CSV', () => {
  it('parses quoted fields and CRLF', () => {
    expect(parseCsv('user,a\r\n<root>,"x, ""y"""\r\nbob,\n')).toEqual([
      ['user', 'a'],
      ['<root>', 'x, "y"'],
      ['bob', ''],
    ]);
  });
});

describe('errors and policy', () => {
  it('coverage messages are one line without secrets', () => {
    const e = apiErr('ClientError', 'Forbidden.RAM', 403);
    e.message = 'Forbidden.RAM: code: 403, denied\nfor key s3cr3t-value request id: R1';
    const d = describeError(e, (s) => s.split('s3cr3t-value').join('***'));
    expect(d).toEqual({ code: 'Forbidden.RAM', message: 'denied for key *** request id: R1' });
  });

  it('the least-privilege policy is derived from READ_ACTIONS (IMS as ram:, no STS)', () => {
    const policy = leastPrivilegePolicy();
    const actions = policy.Statement[0]?.Action ?? [];
    expect(actions).toContain('ecs:DescribeSecurityGroupAttribute');
    expect(actions).toContain('ram:GetCredentialReport');
    expect(actions).toContain('actiontrail:LookupEvents');
    // Security Center authorises under the yundun-sas namespace
    expect(actions).toContain('yundun-sas:DescribeCloudCenterInstances');
    expect(actions.some((a) => a.startsWith('sts:') || a.startsWith('ims:'))).toBe(false);
    const expected = new Set(
      Object.entries(READ_ACTIONS)
        .filter(([s]) => s !== 'sts')
        .flatMap(([s, list]) =>
          list.map((a) => `${s === 'ims' ? 'ram' : s === 'sas' ? 'yundun-sas' : s}:${a}`),
        )
        // organization scans' own actions are in `policy --org` only
        .filter((a) => !ORGANIZATION_ACTIONS.has(a)),
    );
    expect(new Set(actions)).toEqual(expected);
    expect(actions).not.toContain('resourcemanager:ListAccounts');
  });
});

describe('gate limits', () => {
  it('bounds ECS concurrency per region', async () => {
    const gate = new Gate({ ecsConcurrency: 3, rateLimits: { DescribeDisks: 0 } });
    let inFlight = 0;
    let max = 0;
    const task = () =>
      gate.call('ecs', 'DescribeDisks', 'cn-hangzhou', async () => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      });
    await Promise.all(Array.from({ length: 20 }, task));
    expect(max).toBe(3);
    expect(gate.stats().calls['DescribeDisks']).toBe(20);
  });

  it('spaces LookupEvents per region', async () => {
    const gate = new Gate({ lookupEventsIntervalMs: 40 });
    const times: Record<string, number[]> = { a: [], b: [] };
    const task = (region: 'a' | 'b') =>
      gate.call('actiontrail', 'LookupEvents', region, async () => {
        times[region]?.push(Date.now());
      });
    await Promise.all([task('a'), task('a'), task('a'), task('b'), task('b')]);
    const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - (ts[i] as number));
    for (const g of gaps(times.a ?? [])) expect(g).toBeGreaterThanOrEqual(35);
    expect(times.a).toHaveLength(3);
    // another region is not held back by the first
    expect((times.b?.[0] ?? 0) - (times.a?.[0] ?? 0)).toBeLessThan(30);
  });
});

describe('paging: duplicates, partial listings, page sizes', () => {
  const meta: PageMeta = { service: 'ram', region: null, operation: 'ListUsers' };

  it('a page served again adds no duplicates, and trackIncomplete tells the caller', async () => {
    const gaps: string[] = [];
    const guard = trackIncomplete({ onIncomplete: (_m, code) => gaps.push(code) });
    const pages = [
      { items: [{ n: 'a' }, { n: 'b' }], next: 'T' },
      { items: [{ n: 'a' }, { n: 'b' }], next: 'T' },
    ];
    let i = 0;
    const items = await pageByCursor(guard, meta, async () => pages[i++] ?? { items: [] });
    expect(items).toEqual([{ n: 'a' }, { n: 'b' }]);
    expect(gaps).toEqual(['PagingLoop']);
    expect(guard.incomplete).toBe(true);
    const clean = trackIncomplete({ onIncomplete: () => undefined });
    await pageByCursor(clean, meta, async () => ({ items: [1] }));
    expect(clean.incomplete).toBe(false);
  });

  it('a truncated page without a token is a MalformedResponse gap, not a loop', async () => {
    const gaps: string[] = [];
    const items = await pageByCursor(
      { onIncomplete: (_m, code) => gaps.push(code) },
      meta,
      async () => ({ items: ['x'], next: '', more: true }),
    );
    expect(items).toEqual(['x']);
    expect(gaps).toEqual(['MalformedResponse']);
  });

  it('maxPageSize caps page sizes within the API minimum', () => {
    const ctx = (maxPageSize: number | undefined) => ({ maxPageSize }) as CollectContext;
    expect(pageSize(ctx(undefined), 1000)).toBe(1000);
    expect(pageSize(ctx(10), 1000)).toBe(10);
    expect(pageSize(ctx(5), 500, 10)).toBe(10);
    expect(pageSize(ctx(5000), 50)).toBe(50);
  });
});

describe('the gate scope', () => {
  it('admits a wire action only inside Gate.call for that very action', async () => {
    expect(() => assertAdmitted('ecs', 'DescribeDisks')).toThrow(/outside the gate/);
    expect(() => assertAdmitted('ecs', 'DeleteDisk')).toThrow(/not a read-only action/);
    const gate = new Gate({ retry: { maxAttempts: 1 } });
    await gate.call('ecs', 'DescribeDisks', 'r', async () => {
      expect(() => assertAdmitted('ecs', 'DescribeDisks')).not.toThrow();
      expect(() => assertAdmitted('ecs', 'DescribeInstances')).toThrow(
        /admitted ecs:DescribeDisks/,
      );
      expect(() => assertAdmitted('ram', 'DescribeDisks')).toThrow();
    });
    expect(isReadAction('ecs', 'toString')).toBe(false);
    expect(isReadAction('constructor' as never, 'DescribeDisks')).toBe(false);
  });

  it('admits only while the call starts: after an await, or once the call is over, nothing is admitted', async () => {
    const gate = new Gate({ retry: { maxAttempts: 1 } });
    let afterAwait: unknown;
    await gate.call('ecs', 'DescribeDisks', 'r', async () => {
      assertAdmitted('ecs', 'DescribeDisks');
      await Promise.resolve();
      try {
        assertAdmitted('ecs', 'DescribeDisks');
      } catch (err) {
        afterAwait = err;
      }
    });
    expect(String(afterAwait)).toMatch(/outside the gate/);
    expect(() => assertAdmitted('ecs', 'DescribeDisks')).toThrow(/outside the gate/);
    // a call that throws before its first await leaves no admission behind
    await expect(
      gate.call('ecs', 'DescribeDisks', 'r', () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(() => assertAdmitted('ecs', 'DescribeDisks')).toThrow(/outside the gate/);
  });
});

describe('SDK model tables', () => {
  it('each model class answers one frozen names()/types() table, and the SDK still converts with it', () => {
    // the SDKs as the collectors get them (this file also imports the package in full: the same classes)
    const Permission = sdks().ecs.DescribeSecurityGroupAttributeResponseBodyPermissionsPermission;
    expect(Permission).toBe($Ecs.DescribeSecurityGroupAttributeResponseBodyPermissionsPermission);
    const names = Permission.names();
    expect(Permission.names()).toBe(names);
    expect(Permission.types()).toBe(Permission.types());
    expect(Object.isFrozen(names)).toBe(true);
    expect(names['portRange']).toBe('PortRange');
    // a class already memoized is left alone
    expect(memoizeModelTables({ Permission })).toBe(0);
    const body = new $Ecs.DescribeSecurityGroupAttributeResponseBody({
      permissions: { permission: [{ portRange: '22/22', priority: '1' }] },
    });
    expect(body.permissions?.permission?.[0]?.portRange).toBe('22/22');
    const fresh = class extends Object {
      static names() {
        return { a: 'A' };
      }
      static types() {
        return { a: 'string' };
      }
    };
    expect(memoizeModelTables({ fresh })).toBe(1);
    expect(fresh.names()).toBe(fresh.names());
  });
});

describe('lazy model index', () => {
  const require = createRequire(import.meta.url);
  const ecsClient = require.resolve('@alicloud/ecs20140526');
  const ecsIndex = join(dirname(ecsClient), 'models', 'model.js');

  it('answers every name of the published index, each loaded from its own file on first access', () => {
    const cache: NodeJS.Require['cache'] = {};
    const loads: string[] = [];
    const key = lazyModelIndex(cache, ecsClient, (file, name) => {
      loads.push(`${basename(file)}:${name}`);
      return (require(file) as Record<string, unknown>)[name];
    });
    expect(key).toBe(ecsIndex);
    const index = cache[ecsIndex]!.exports as Record<string, unknown>;
    expect(index['__esModule']).toBe(true);
    // the same names as the file TypeScript emitted (one getter line per re-exported class)
    const published = readFileSync(ecsIndex, 'utf8').match(
      /^Object\.defineProperty\(exports, "\w+", \{ enumerable: true, get:/gm,
    );
    expect(Object.keys(index)).toHaveLength(published!.length);
    expect(Object.keys(index)).toContain(
      'DescribeSecurityGroupAttributeResponseBodyPermissionsPermission',
    );
    expect(loads).toEqual([]);
    const Request = index['DescribeRegionsRequest'];
    expect(Request).toBe($Ecs.DescribeRegionsRequest);
    expect(index['DescribeRegionsRequest']).toBe(Request);
    expect(index['DescribeRegionsResponse']).toBe($Ecs.DescribeRegionsResponse);
    // one load per name, from the file that defines it
    expect(loads).toEqual([
      'DescribeRegionsRequest.js:DescribeRegionsRequest',
      'DescribeRegionsResponse.js:DescribeRegionsResponse',
    ]);
  });

  it('leaves an index already loaded, missing, or of another form to load as published', () => {
    const load = () => {
      throw new Error('never called');
    };
    expect(lazyModelIndex({ [ecsIndex]: {} as NodeModule }, ecsClient, load)).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'ecs-audit-models-'));
    try {
      const client = join(dir, 'client.js');
      expect(lazyModelIndex({}, client, load)).toBeNull();
      mkdirSync(join(dir, 'models'));
      const lines = [
        '"use strict";',
        'Object.defineProperty(exports, "__esModule", { value: true });',
        'var A_1 = require("./A");',
        'Object.defineProperty(exports, "A", { enumerable: true, get: function () { return A_1.A; } });',
      ];
      writeFileSync(join(dir, 'models', 'model.js'), lines.join('\n'));
      const cache: NodeJS.Require['cache'] = {};
      expect(lazyModelIndex(cache, client, load)).toBe(join(dir, 'models', 'model.js'));
      // one line in a form it does not know (a require it would not make lazy): hands the file back
      writeFileSync(
        join(dir, 'models', 'model.js'),
        [...lines, '__exportStar(require("./B"), exports);'].join('\n'),
      );
      expect(lazyModelIndex({}, client, load)).toBeNull();
      writeFileSync(
        join(dir, 'models', 'model.js'),
        [...lines, 'Object.defineProperty(exports, "C", { get: () => A_1.C });'].join('\n'),
      );
      expect(lazyModelIndex({}, client, load)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
