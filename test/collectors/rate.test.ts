/**
 * The gate's rate limiter (rate.ts) and the throttle handling of retry.ts: unit
 * tests on the limiter and the retry budget, then scans through the emulator
 * with a QPS limit (`emulator.qps`, fixed 1-s windows like the real service).
 */
import { describe, expect, it } from 'vitest';
import { Gate } from '../../src/collectors/gate.js';
import { DECREASE_FACTOR, WindowLimiter } from '../../src/collectors/rate.js';
import { throttleDelay, withRetry } from '../../src/collectors/retry.js';
import type { WorldInput } from '../../src/emulator/world.js';
import { baseWorld, isolateCollectorRuns, runCollect } from './harness.js';

const throttle = () =>
  Object.assign(new Error('Throttling.User: Request was denied due to user flow control.'), {
    name: 'ThrottlingError',
    code: 'Throttling.User',
    statusCode: 400,
  });

/** grant times of `n` calls through `limiter`, each marked sent at once */
async function grants(limiter: WindowLimiter, n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const slot = await limiter.acquire();
      slot.sent();
      return Date.now();
    }),
  );
}

describe('the window limiter', () => {
  it('never lets more than `limit` calls leave within one window', async () => {
    const limiter = new WindowLimiter(5, 100);
    const t0 = Date.now();
    const times = (await grants(limiter, 20)).sort((a, b) => a - b);
    for (let i = 5; i < times.length; i++) {
      // timers may fire a millisecond early by Date.now()'s rounding
      expect((times[i] as number) - (times[i - 5] as number)).toBeGreaterThanOrEqual(99);
    }
    // 20 calls at 5 per 100 ms need at least three further windows, and not many more
    const elapsed = (times[19] as number) - t0;
    expect(elapsed).toBeGreaterThanOrEqual(299);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('spaces calls evenly instead of bursting a whole window at once', async () => {
    const limiter = new WindowLimiter(10, 200);
    const times = (await grants(limiter, 6)).sort((a, b) => a - b);
    // 20 ms apart (one call may run ahead: 10% of the limit)
    expect((times[5] as number) - (times[0] as number)).toBeGreaterThanOrEqual(75);
  });

  it('after a throttled answer: pauses, lowers its limit, and recovers after clean windows', async () => {
    const limiter = new WindowLimiter(10, 50);
    await grants(limiter, 3);
    limiter.throttled(120);
    expect(limiter.limit).toBe(Math.floor(10 * DECREASE_FACTOR));
    expect(limiter.throttles).toBe(1);
    // a second throttle within the same window does not lower it again
    limiter.throttled(120);
    expect(limiter.limit).toBe(Math.floor(10 * DECREASE_FACTOR));
    const t0 = Date.now();
    await grants(limiter, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    // two clean windows later it climbs back, one step per window, to the configured limit
    await new Promise((r) => setTimeout(r, 400));
    await grants(limiter, 12);
    expect(limiter.limit).toBeGreaterThan(Math.floor(10 * DECREASE_FACTOR));
    expect(limiter.limit).toBeLessThanOrEqual(10);
  });

  it('without adaptation the limit stays, the pause still applies', async () => {
    const limiter = new WindowLimiter(10, 50, false);
    limiter.throttled(60);
    expect(limiter.limit).toBe(10);
    const t0 = Date.now();
    await grants(limiter, 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
  });
});

describe('throttle retries', () => {
  it('throttled answers do not use up maxAttempts, but have their own bounded budget', async () => {
    const sleeps: number[] = [];
    let n = 0;
    // 4 throttles then a success, with maxAttempts 2: retried through
    const ok = await withRetry(
      async () => {
        n++;
        if (n <= 4) throw throttle();
        return 'ok';
      },
      { maxAttempts: 2, sleep: async (ms) => void sleeps.push(ms), random: () => 0 },
    );
    expect(ok).toBe('ok');
    expect(n).toBe(5);
    // the next quota window (1 s), doubling per further throttle of the call
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000]);
    // throttled for ever: maxThrottleRetries + 1 attempts, then the throttle is the error
    n = 0;
    const err = await withRetry(
      async () => {
        n++;
        throw throttle();
      },
      { maxThrottleRetries: 3, sleep: async () => undefined },
    ).catch((e: unknown) => e);
    expect(n).toBe(4);
    expect((err as { code: string }).code).toBe('Throttling.User');
  });

  it('waits at least one quota window with jitter, honours retry-after and maxDelayMs', () => {
    const opts = { throttleDelayMs: 1_000, maxDelayMs: 10_000, random: () => 0.999 };
    expect(throttleDelay(1, throttle(), { ...opts, random: () => 0 })).toBe(1_000);
    expect(throttleDelay(1, throttle(), opts)).toBe(1_499);
    expect(throttleDelay(5, throttle(), opts)).toBe(10_000);
    expect(throttleDelay(1, Object.assign(throttle(), { retryAfter: 2_500 }), opts)).toBe(2_500);
  });

  it('the gate slows the throttled action down, in that region only', async () => {
    const gate = new Gate({
      rateLimits: { DescribeDisks: 10 },
      retry: { throttleDelayMs: 20, maxDelayMs: 50 },
    });
    let first = true;
    await gate.call('ecs', 'DescribeDisks', 'cn-hangzhou', async () => {
      if (first) {
        first = false;
        throw throttle();
      }
      return 1;
    });
    expect(gate.currentRate('ecs', 'DescribeDisks', 'cn-hangzhou')).toBe(
      Math.floor(10 * DECREASE_FACTOR),
    );
    await gate.call('ecs', 'DescribeDisks', 'cn-beijing', async () => 1);
    expect(gate.currentRate('ecs', 'DescribeDisks', 'cn-beijing')).toBe(10);
    expect(gate.currentRate('ram', 'ListUsers', null)).toBe(95);
    expect(gate.stats()).toMatchObject({
      retries: 1,
      throttled: 1,
      slowed: { 'ecs:DescribeDisks:cn-hangzhou': Math.floor(10 * DECREASE_FACTOR) },
    });
  });
});

describe('scans against a QPS-limited emulator', () => {
  isolateCollectorRuns();

  /** one region, `groups` security groups with one rule each: one DescribeSecurityGroupAttribute per group */
  const world = (groups: number, qps: number): WorldInput =>
    baseWorld({
      ecs: {
        'cn-hangzhou': {
          SecurityGroups: Array.from({ length: groups }, (_, i) => ({
            SecurityGroupId: `sg-${i}`,
            VpcId: 'vpc-1',
            Permissions: [
              {
                IpProtocol: 'TCP',
                PortRange: '22/22',
                SourceCidrIp: '0.0.0.0/0',
                SecurityGroupRuleId: `sgr-${i}`,
                Direction: 'ingress',
                Policy: 'Accept',
                Priority: 1,
                NicType: 'intranet',
              },
            ],
          })),
        },
      },
      emulator: { qps: { DescribeSecurityGroupAttribute: qps } },
    });

  it('at the service limit: every call answered, none throttled', async () => {
    // 24 calls at 8 per 1-s window: three windows, the last starting ≥ 2 s in
    const { inventory, emulator, gate, ms } = await runCollect(world(24, 8), {
      rateLimits: { DescribeSecurityGroupAttribute: 8 },
    });
    expect(inventory.coverage).toEqual([]);
    expect(inventory.ecs.securityGroups).toHaveLength(24);
    expect(inventory.ecs.securityGroups.every((g) => g.rules?.length === 1)).toBe(true);
    expect(emulator.stats().throttled).toBe(0);
    expect(gate.throttled).toBe(0);
    expect(gate.calls['DescribeSecurityGroupAttribute']).toBe(24);
    expect(ms).toBeGreaterThanOrEqual(2_000);
  });

  it('a service limit below the configured rate: adaptive back-off, no gaps', async () => {
    // configured 6 per window, the service allows 3: 9 calls
    const { inventory, emulator, gate } = await runCollect(world(9, 3), {
      rateLimits: { DescribeSecurityGroupAttribute: 6 },
      retry: { baseDelayMs: 1, maxDelayMs: 2_000, throttleDelayMs: 1_000 },
    });
    expect(inventory.coverage).toEqual([]);
    expect(inventory.ecs.securityGroups.every((g) => g.rules?.length === 1)).toBe(true);
    expect(gate.throttled).toBe(emulator.stats().throttled);
    expect(gate.throttled).toBeGreaterThan(0);
    // no request throttled more than once on average
    expect(gate.throttled).toBeLessThanOrEqual(9);
    // the bucket came down toward the service's limit
    const lowest = gate.slowed['ecs:DescribeSecurityGroupAttribute:cn-hangzhou'];
    expect(lowest).toBeDefined();
    expect(lowest).toBeLessThan(6);
    expect(Object.keys(gate.slowed)).toEqual(['ecs:DescribeSecurityGroupAttribute:cn-hangzhou']);
  });
});
