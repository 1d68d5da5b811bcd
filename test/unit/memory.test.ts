import { describe, expect, it } from 'vitest';
import { forcedCollections, keepHeapNearLive, releaseMemory } from '../../src/util/memory.js';

const MB = 1024 * 1024;

describe('memory', () => {
  it('collects garbage while a phase runs once the heap grows past the slack', async () => {
    const stop = keepHeapNearLive({ intervalMs: 20, slackBytes: 16 * MB, minHeapBytes: 0 });
    const forcedBefore = forcedCollections();
    try {
      const before = process.memoryUsage().heapUsed;
      // ~80 MB of short-lived garbage that survives long enough to reach the old generation
      let keep: string[][] = [];
      for (let i = 0; i < 40; i++)
        keep.push(Array.from({ length: 50_000 }, (_, j) => `x${i}-${j}`));
      const grown = process.memoryUsage().heapUsed;
      expect(grown - before).toBeGreaterThan(32 * MB);
      // drop the garbage: from here only a collection can shrink the heap
      keep = [];
      // the governor ticks every 20 ms; allow a loaded machine up to 3 s
      for (let i = 0; i < 150 && forcedCollections() === forcedBefore; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(forcedCollections()).toBeGreaterThan(forcedBefore);
      expect(process.memoryUsage().heapUsed).toBeLessThan(grown - 16 * MB);
    } finally {
      stop();
    }
  });

  it('does not collect while the heap stays within the slack', async () => {
    const stop = keepHeapNearLive({ intervalMs: 10, slackBytes: 1024 * MB, minHeapBytes: 0 });
    const forcedBefore = forcedCollections();
    await new Promise((r) => setTimeout(r, 100));
    stop();
    expect(forcedCollections()).toBe(forcedBefore);
  });

  it('releaseMemory collects only above its floor', () => {
    const before = forcedCollections();
    releaseMemory(process.memoryUsage().heapUsed * 100);
    expect(forcedCollections()).toBe(before);
    releaseMemory(0);
    expect(forcedCollections()).toBe(before + 1);
  });
});
