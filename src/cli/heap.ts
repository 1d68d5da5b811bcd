/**
 * How far V8 lets the heap grow between two full collections.
 *
 * After each full (mark-compact) collection V8 sets the next one's trigger at
 * the live heap times a growing factor that it picks from its own speed, up to
 * 4× on a machine with this much memory. For a long-running server that trades
 * memory for fewer collections. A scan is a batch job whose live heap is mostly
 * what it keeps (the inventory, then the findings) and whose garbage is short
 * lived: at scale 1 the live heap stays near 120–210 MB, yet the factor let
 * the heap reach 413 MB before the second full collection, and the process's
 * peak was 460–560 MB.
 *
 * A fixed growth of 30% over the live heap keeps the peak near the live data
 * and still amortises: each collection comes after at least 30% of the live
 * heap has been allocated anew. Measured at scale 1 it cost no CPU time (the
 * marking is incremental and concurrent), and unlike `--max-old-space-size` it
 * is no cap: a larger account only collects at a proportionally larger heap.
 * The process cannot pass itself a command-line flag without starting again,
 * so the flag is set at start-up through `v8.setFlagsFromString`; V8 reads it
 * at every full collection. A user's own `--heap-growing-percent` (on the
 * command line or in `NODE_OPTIONS`) wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** the flag to set, or null when the user already chose the growth */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string): string | null {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => FLAG.test(a));
  return given ? null : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/** sets the growth unless the user chose one; returns the flag set, or null */
export function tuneHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env['NODE_OPTIONS'] ?? '',
): string | null {
  const flag = heapGrowthFlag(execArgv, nodeOptions);
  if (flag) setFlagsFromString(flag);
  return flag;
}
