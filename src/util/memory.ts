/**
 * Keeping peak memory near what is live. V8 lets the heap grow to several
 * times its live size before it collects the old generation: a large scan
 * (SDK answers parsed and dropped by the thousand) or a large report would
 * otherwise peak at two or three times what it needs. A full collection
 * costs tens of milliseconds on a few hundred MB; a scan waits on the API
 * far longer than that. Uses V8's own `gc`, exposed for this process.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;
let forced = 0;

/** how many full collections this module forced and V8 ran (for tests and the benchmark) */
export function forcedCollections(): number {
  return forced;
}

function fullGc(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  if (gc) {
    gc();
    forced += 1;
  }
}

/** A full collection when the heap holds more than `minHeapBytes`. */
export function releaseMemory(minHeapBytes = 192 * 1024 * 1024): void {
  if (process.memoryUsage().heapUsed < minHeapBytes) return;
  fullGc();
}

/**
 * While a long phase runs (collection), collect whenever the heap has grown
 * `slackBytes` past what was live after the last collection. Returns a stop
 * function. The timer never keeps the process alive.
 */
export function keepHeapNearLive(
  opts: { intervalMs?: number; slackBytes?: number; minHeapBytes?: number } = {},
): () => void {
  const slack = opts.slackBytes ?? 64 * 1024 * 1024;
  const floor = opts.minHeapBytes ?? 128 * 1024 * 1024;
  let live = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    const used = process.memoryUsage().heapUsed;
    if (used < floor || used < live + slack) return;
    fullGc();
    live = process.memoryUsage().heapUsed;
  }, opts.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
