/**
 * Progress on stderr while the account is read: a bar (cli-progress) when
 * stderr is a terminal, nothing otherwise, so logs and CI output stay clean.
 *
 * The collectors report each phase (service, region, what) with its own
 * done/total counters, many at a time; the bar shows their sum, so it only
 * moves forward as work is discovered and finished, and names the phase that
 * moved last ("ecs cn-hangzhou: security group rules").
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../collectors/context.js';
import type { CliIo } from './io.js';

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

export function createProgress(io: CliIo, enabled: boolean): Progress {
  if (!enabled || !io.stderr.isTTY || io.env['CI']) {
    return { update: () => {}, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr as NodeJS.WritableStream,
      format: ' {bar} {percentage}% | {value}/{total} calls | {what}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      // redraw at most 10 times a second whatever the event rate
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const totals = progressAggregator();
  let started = false;
  return {
    update(e) {
      const what = `${e.service}${e.region ? ` ${e.region}` : ''}: ${e.phase}`.slice(0, 48);
      const t = totals.add(e);
      if (!started) {
        bar.start(t.total, t.done, { what });
        started = true;
      } else {
        bar.setTotal(t.total);
        bar.update(t.done, { what });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
