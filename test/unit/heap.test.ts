import { describe, expect, it } from 'vitest';
import {
  FINAL_HEAP_GROWING_PERCENT,
  HEAP_GROWING_PERCENT,
  heapGrowthFlag,
  heapGrowthTuned,
  relaxHeapGrowth,
  tightenHeapGrowth,
  tuneHeapGrowth,
} from '../../src/cli/heap.js';

describe('heap growth between full collections', () => {
  const ours = `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
  it.each([
    { execArgv: [], nodeOptions: '', flag: ours },
    { execArgv: ['--enable-source-maps'], nodeOptions: '--max-old-space-size=2048', flag: ours },
    // the user's own choice wins, in either spelling and either place
    { execArgv: ['--heap-growing-percent=80'], nodeOptions: '', flag: null },
    { execArgv: [], nodeOptions: '--trace-gc --heap_growing_percent=10', flag: null },
    { execArgv: ['--heap-growing-percent', '50'], nodeOptions: '', flag: null },
    // a longer flag that merely starts alike is not the user's choice of growth
    { execArgv: ['--heap-growing-percentile=5'], nodeOptions: '', flag: ours },
  ])(
    'execArgv $execArgv, NODE_OPTIONS "$nodeOptions" → $flag',
    ({ execArgv, nodeOptions, flag }) => {
      expect(heapGrowthFlag(execArgv, nodeOptions)).toBe(flag);
    },
  );
});

describe('heap growth while the cloud is read', () => {
  it('nests (organization members) and comes back to V8 own growth after the last', () => {
    expect(heapGrowthTuned()).toBe(false);
    expect(tuneHeapGrowth([], '')).toBe(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    expect(tuneHeapGrowth([], '')).not.toBeNull();
    relaxHeapGrowth();
    expect(heapGrowthTuned()).toBe(true);
    relaxHeapGrowth();
    expect(heapGrowthTuned()).toBe(false);
    // one relax too many changes nothing
    relaxHeapGrowth();
    expect(heapGrowthTuned()).toBe(false);
  });

  it('leaves a user who chose the growth alone', () => {
    expect(tuneHeapGrowth(['--heap-growing-percent=80'], '')).toBeNull();
    expect(heapGrowthTuned()).toBe(false);
    relaxHeapGrowth();
    expect(heapGrowthTuned()).toBe(false);
  });

  it('tightens only while it is tuned here, and the last relax undoes both', () => {
    expect(tightenHeapGrowth()).toBeNull();
    expect(tuneHeapGrowth([], '')).not.toBeNull();
    expect(FINAL_HEAP_GROWING_PERCENT).toBeLessThan(HEAP_GROWING_PERCENT);
    expect(tightenHeapGrowth()).toBe(`--heap-growing-percent=${FINAL_HEAP_GROWING_PERCENT}`);
    expect(heapGrowthTuned()).toBe(true);
    relaxHeapGrowth();
    expect(heapGrowthTuned()).toBe(false);
    expect(tightenHeapGrowth()).toBeNull();
    // a user's own growth: never tightened either
    expect(tuneHeapGrowth(['--heap-growing-percent=80'], '')).toBeNull();
    expect(tightenHeapGrowth()).toBeNull();
  });
});
