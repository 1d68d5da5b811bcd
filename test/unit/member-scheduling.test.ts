import { afterEach, describe, expect, it, vi } from 'vitest';
import { boundedMap, rampingMap } from '../../src/collectors/organization.js';

/** a job that resolves when released; records how many ran at once */
function harness() {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const release = new Map<number, () => void>();
  const job = async (i: number) => {
    running++;
    peak = Math.max(peak, running);
    started.push(i);
    await new Promise<void>((r) => release.set(i, r));
    running--;
    return i * 10;
  };
  return { job, release, started, peak: () => peak };
}

describe('rampingMap (organization member scheduling)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts `start` items at once, then one more per ramp step up to `max`', async () => {
    vi.useFakeTimers();
    const h = harness();
    const items = Array.from({ length: 10 }, (_, i) => i);
    const done = rampingMap(items, { start: 2, max: 5, rampMs: 5 }, h.job);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.started).toEqual([0, 1]);
    // nothing finishes, yet more start, one per step, in order
    await vi.advanceTimersByTimeAsync(5);
    expect(h.started).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(10);
    expect(h.started).toEqual([0, 1, 2, 3, 4]);
    // never past max
    await vi.advanceTimersByTimeAsync(50);
    expect(h.started).toEqual([0, 1, 2, 3, 4]);
    for (let i = 0; i < 10; i++) {
      h.release.get(i)?.();
      await vi.advanceTimersByTimeAsync(5);
    }
    expect(await done).toEqual(items.map((i) => i * 10));
    expect(h.peak()).toBe(5);
  });

  it('without room it stays at `start`, a finished item handing its place to the next', async () => {
    vi.useFakeTimers();
    const h = harness();
    const items = Array.from({ length: 6 }, (_, i) => i);
    const done = rampingMap(items, { start: 2, max: 6, rampMs: 2, roomFor: () => false }, h.job);
    await vi.advanceTimersByTimeAsync(30);
    expect(h.started).toEqual([0, 1]);
    h.release.get(0)?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.started).toEqual([0, 1, 2]);
    for (let i = 1; i < 6; i++) {
      h.release.get(i)?.();
      await vi.advanceTimersByTimeAsync(2);
    }
    expect(await done).toEqual(items.map((i) => i * 10));
    expect(h.peak()).toBe(2);
  });

  it('answers an empty list and rejects on the first failure', async () => {
    expect(await rampingMap([], { start: 4, max: 16, rampMs: 5 }, async () => 1)).toEqual([]);
    await expect(
      rampingMap([1, 2, 3], { start: 1, max: 2, rampMs: 1 }, async (i) => {
        if (i === 2) throw new Error('member 2 failed');
        return i;
      }),
    ).rejects.toThrow('member 2 failed');
  });

  it('a large member listed last starts long before the small ones ahead of it finish', async () => {
    vi.useFakeTimers();
    // 12 small members (100 ms each) and a large one last: when does it start?
    const startOf = async (schedule: 'fixed' | 'ramping') => {
      const t0 = Date.now();
      let bigAt = -1;
      const items = Array.from({ length: 13 }, (_, i) => i);
      const run = async (i: number) => {
        if (i === 12) bigAt = Date.now() - t0;
        await new Promise((r) => setTimeout(r, 100));
        return i;
      };
      const done =
        schedule === 'fixed'
          ? boundedMap(items, 4, run)
          : rampingMap(items, { start: 4, max: 64, rampMs: 2 }, run);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await done).toEqual(items);
      return bigAt;
    };
    // three rounds of four small members ahead of it with a fixed bound of 4
    expect(await startOf('fixed')).toBe(300);
    // the first four at once, then members 4 to 12 one per 2 ms step
    expect(await startOf('ramping')).toBe(18);
  });
});
