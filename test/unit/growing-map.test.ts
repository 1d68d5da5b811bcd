import { describe, expect, it } from 'vitest';
import { boundedMap, growingMap } from '../../src/collectors/organization.js';

/** a job that resolves when released; records how many ran at once */
function harness() {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const release = new Map<number, () => void>();
  const job = (grow: (i: number) => boolean) => async (i: number) => {
    running++;
    peak = Math.max(peak, running);
    started.push(i);
    await new Promise<void>((r) => release.set(i, r));
    running--;
    return { value: i * 10, grow: grow(i) };
  };
  const tick = () => new Promise((r) => setImmediate(r));
  return { job, release, started, tick, peak: () => peak };
}

describe('growingMap (organization member scheduling)', () => {
  it('starts `start` items, and one more slot for every item that finished small', async () => {
    const h = harness();
    const items = Array.from({ length: 10 }, (_, i) => i);
    const done = growingMap(
      items,
      { start: 2, max: 5 },
      h.job(() => true),
    );
    await h.tick();
    expect(h.started).toEqual([0, 1]);
    h.release.get(0)?.();
    await h.tick();
    // item 0 freed its slot and grew the limit to 3: two more start
    expect(h.started).toEqual([0, 1, 2, 3]);
    for (let i = 0; i < 10; i++) {
      h.release.get(i)?.();
      await h.tick();
      await h.tick();
    }
    expect(await done).toEqual(items.map((i) => i * 10));
    expect(h.peak()).toBeLessThanOrEqual(5);
  });

  it('does not grow for items that finished large, and stays at `start` without room', async () => {
    const items = Array.from({ length: 6 }, (_, i) => i);
    for (const [opts, grow] of [
      [{ start: 2, max: 6, roomFor: () => false }, true],
      [{ start: 2, max: 6 }, false],
    ] as const) {
      const h = harness();
      const done = growingMap(
        items,
        opts,
        h.job(() => grow),
      );
      // release whatever is running, one at a time, until all are done
      for (let i = 0; i < 6; i++) {
        await h.tick();
        h.release.get(i)?.();
      }
      expect(await done).toEqual(items.map((i) => i * 10));
      expect(h.peak()).toBe(2);
    }
  });

  it('answers an empty list and rejects on the first failure', async () => {
    expect(
      await growingMap([], { start: 4, max: 16 }, async () => ({ value: 1, grow: true })),
    ).toEqual([]);
    await expect(
      growingMap([1, 2, 3], { start: 1, max: 2 }, async (i) => {
        if (i === 2) throw new Error('member 2 failed');
        return { value: i, grow: true };
      }),
    ).rejects.toThrow('member 2 failed');
  });

  it('a large member listed last starts sooner than with the fixed bound', async () => {
    // 12 small members (1 tick each) and a large one last: when does it start?
    const startOf = async (schedule: 'fixed' | 'growing') => {
      let t = 0;
      let bigAt = -1;
      const items = Array.from({ length: 13 }, (_, i) => i);
      const run = async (i: number) => {
        if (i === 12) bigAt = t;
        await new Promise((r) => setTimeout(r, 5));
        t++;
        return i;
      };
      if (schedule === 'fixed') await boundedMap(items, 4, run);
      else
        await growingMap(items, { start: 4, max: 16 }, async (i) => ({
          value: await run(i),
          grow: i !== 12,
        }));
      return bigAt;
    };
    const fixed = await startOf('fixed');
    const growing = await startOf('growing');
    expect(fixed).toBeGreaterThanOrEqual(8);
    expect(growing).toBeLessThan(fixed);
  });
});
