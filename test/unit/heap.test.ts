import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, heapGrowthFlag } from '../../src/cli/heap.js';

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
