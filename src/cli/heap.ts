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
 * While the cloud is read, a fixed growth of 30% over the live heap keeps the
 * peak near the live data and still amortises: each full collection comes
 * after at least 30% of the live heap has been allocated anew. Reading takes
 * seconds of mostly waiting, and the marking is incremental and concurrent:
 * measured at scale 1 it cost no CPU time, and the peak fell to about 360 MB.
 * Unlike `--max-old-space-size` it is no cap: a larger account only collects
 * at a proportionally larger heap.
 *
 * Once the reading is over, V8's own growth comes back (`relaxHeapGrowth`).
 * Reading a snapshot, evaluating and writing reports allocate hundreds of MB
 * in a second or two with a large live heap, and there 30% steps meant a full
 * collection every few tens of MB: `scan --snapshot` with six reports took
 * 0.8 s longer. The limit set by the last collection while reading stays in
 * force until the next one, so the live scan's peak stays where it was.
 *
 * The process cannot pass itself a command-line flag without starting again,
 * so the flag is set through `v8.setFlagsFromString`; V8 reads it at every
 * full collection (0 is its "not set": the dynamic factor). A user's own
 * `--heap-growing-percent` (on the command line or in `NODE_OPTIONS`) wins
 * and is never changed.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;

/**
 * The growth for the last stretch of an organization scan: the last member's
 * rules, then every member's report read back and merged. There the garbage
 * of the members' inventories meets the findings of all of them; whether V8
 * collected before the reports were read decided between a peak of about
 * 360 MB and one of about 430 MB on the bench organization (20 members at
 * scale 0.05, one at scale 1). At 20% it was 346–373 MB in every run, for
 * about 1 s more CPU; 10% held it at 345–366 MB for 4–6 s more.
 */
export const FINAL_HEAP_GROWING_PERCENT = 20;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/** the flag to set, or null when the user already chose the growth */
export function heapGrowthFlag(execArgv: readonly string[], nodeOptions: string): string | null {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => FLAG.test(a));
  return given ? null : `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

let tuned = 0;

/**
 * For the time the cloud is read: sets the growth unless the user chose one.
 * Calls nest (an organization scan's members); returns the flag set, or null.
 */
export function tuneHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env['NODE_OPTIONS'] ?? '',
): string | null {
  const flag = heapGrowthFlag(execArgv, nodeOptions);
  if (!flag) return null;
  if (tuned++ === 0) setFlagsFromString(flag);
  return flag;
}

/**
 * While the growth is tuned here: the tighter FINAL_HEAP_GROWING_PERCENT from
 * the next full collection on, until the last `relaxHeapGrowth`. Returns the
 * flag set, or null when the growth is not tuned (the user chose it, or
 * nothing is being read).
 */
export function tightenHeapGrowth(): string | null {
  if (tuned === 0) return null;
  const flag = `--heap-growing-percent=${FINAL_HEAP_GROWING_PERCENT}`;
  setFlagsFromString(flag);
  return flag;
}

/** whether the growth is tuned now (by this module) */
export function heapGrowthTuned(): boolean {
  return tuned > 0;
}

/** the reading is over: V8's own growth again (after the last of nested `tuneHeapGrowth` calls) */
export function relaxHeapGrowth(): void {
  if (tuned === 0) return;
  tuned -= 1;
  if (tuned === 0) setFlagsFromString('--heap-growing-percent=0');
}
