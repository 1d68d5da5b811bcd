/**
 * Progress on stderr while the account is read: a bar when
 * stderr is a terminal, nothing otherwise, so logs and CI output stay clean.
 *
 * The collectors report each phase (service, region, what) with its own
 * done/total counters, many at a time; the bar shows their sum, so it only
 * moves forward as work is discovered and finished, and names the phase that
 * moved last ("ecs cn-hangzhou: security group rules").
 */
import type { ProgressEvent } from '../collectors/context.js';
import { type CliIo, oneLine } from './io.js';

/** what the collectors report as they read (a type only: the SDKs are not loaded for it) */
export type { ProgressEvent };

export interface Progress {
  update(event: ProgressEvent): void;
  stop(): void;
}

export interface ProgressTotals {
  done: number;
  total: number;
  /** phases seen, and how many of them are finished */
  phases: number;
  finished: number;
}

/** Sum of every phase's counters; a phase without counters counts as one unit. */
export function progressAggregator() {
  const phases = new Map<string, { done: number; total: number }>();
  return {
    add(e: ProgressEvent): ProgressTotals {
      const key = `${e.service}\u0000${e.region ?? ''}\u0000${e.phase}`;
      const total = Math.max(e.total ?? 1, e.done ?? 0, 1);
      phases.set(key, { done: Math.min(e.done ?? 0, total), total });
      let done = 0;
      let sum = 0;
      let finished = 0;
      for (const p of phases.values()) {
        done += p.done;
        sum += p.total;
        if (p.done >= p.total) finished += 1;
      }
      return { done, total: sum, phases: phases.size, finished };
    },
  };
}

const BAR_WIDTH = 24;
const FRAME_MS = 100;
const CLEAR_LINE = '\r\u001b[2K';

/** the terminal's width: the stream's columns, else COLUMNS, else 80 */
export function terminalWidth(
  stream: { columns?: number },
  env: NodeJS.ProcessEnv,
  fallback = 80,
): number {
  if (typeof stream.columns === 'number' && stream.columns > 0) return stream.columns;
  const fromEnv = Number(env['COLUMNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

/** One bar line, cut to the terminal width so it never wraps (a wrapped line cannot be erased). */
export function renderBar(percent: number, t: ProgressTotals, what: string, width: number): string {
  const filled = Math.round((BAR_WIDTH * percent) / 100);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const line = ` ${bar} ${String(percent).padStart(3)}% | ${t.done}/${t.total} calls | ${what}`;
  return [...line].slice(0, Math.max(width - 1, 10)).join('');
}

/**
 * A one-line bar on stderr. While it is shown, everything else written to
 * stderr (the credentials line, warnings, Node's own warnings) goes through
 * it: the bar line is erased, the text is written and stays, and the bar is
 * drawn again below it. The percentage never goes backwards when new work is
 * discovered, and `stop()` erases the bar: no fragment is left behind.
 */
export function createProgress(io: CliIo, enabled: boolean): Progress {
  if (!enabled || !io.stderr.isTTY || io.env['CI']) {
    return { update: () => {}, stop: () => {} };
  }
  const stream = io.stderr;
  const write = stream.write;
  const raw = (s: string): boolean => write.call(stream, s) as boolean;
  const totals = progressAggregator();
  let percent = 0;
  let last: ProgressTotals | undefined;
  let what = '';
  let shown = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  let drawn = '';
  const draw = (): void => {
    if (!last || stopped) return;
    const line = renderBar(
      percent,
      last,
      what,
      terminalWidth(stream as { columns?: number }, io.env),
    );
    if (shown && line === drawn) return;
    raw(`${CLEAR_LINE}${line}`);
    drawn = line;
    shown = true;
  };
  // stderr writes of anyone else: above the bar, never erased by it
  const through = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
    if (shown) raw(CLEAR_LINE);
    shown = false;
    // the next frame draws the bar again: a message written in pieces stays whole, and the
    // last words of a process that exits right after ("interrupted") are not followed by a bar
    return (write as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
  };

  return {
    update(e) {
      if (stopped) return;
      // a region id comes from the account (DescribeRegions): escaped like every message
      what = `${e.service}${e.region ? ` ${oneLine(e.region)}` : ''}: ${e.phase}`.slice(0, 48);
      last = totals.add(e);
      // newly discovered work grows the total: the bar holds its place instead of going back,
      // and only stop() (all work done) takes it to the end
      const now = last.total > 0 ? Math.floor((100 * last.done) / last.total) : 0;
      percent = Math.min(99, Math.max(percent, now));
      if (!timer) {
        stream.write = through as typeof stream.write;
        draw();
        timer = setInterval(draw, FRAME_MS);
        timer.unref();
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearInterval(timer);
      if (shown) raw(CLEAR_LINE);
      shown = false;
      if (stream.write === through) stream.write = write;
    },
  };
}
