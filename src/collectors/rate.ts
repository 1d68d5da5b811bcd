/**
 * Client-side rate limiting for one quota bucket (api-limits §1: one bucket per
 * account × region × API for ECS and ActionTrail, per account × API for the
 * central RAM/IMS/STS).
 *
 * Two rules at once:
 *  - a sliding-window log: at most `limit` calls leave in any `windowMs`.
 *    Whatever the alignment of the service's own fixed windows, none of them
 *    sees more than `limit` of our calls, as long as a request's way to the
 *    service varies by less than `windowMs` − the quota window (the margin);
 *  - steady spacing (GCRA): calls leave `windowMs ÷ limit` apart, with a small
 *    burst allowance (10% of the limit) so that a timer fired late catches up.
 *    Bursts of a whole window at once are what a busy event loop (ours or the
 *    service's) squeezes into the wrong window; evenly spaced calls tolerate
 *    much more lateness.
 * A call's place is taken when the limiter grants it and re-stamped when it
 * actually leaves (`sent()`), so time spent waiting for a concurrency slot is
 * never counted as time in the window.
 *
 * Adaptive: a throttled answer means the service's budget is lower than ours
 * (shared with the console, Terraform, another scanner...) or our calls
 * arrived bunched up. The bucket pauses until the service's window has surely
 * turned (the retry's throttle delay, 1 s by default) and lowers its limit
 * (×0.85, at most once per window); after two clean windows it recovers by 5%
 * of the configured limit per window.
 *
 * Written here rather than taken from a library: p-throttle (strict mode is the
 * same log) has a fixed limit, bottleneck's reservoir refills on the client's
 * own clock (a burst at the end of one client window plus one at the start of
 * the next reach the service within one of its windows) and is unmaintained
 * since 2019; neither adapts to throttled answers.
 */

/** a call's place in the window; `sent()` when it actually leaves */
export interface RateSlot {
  sent(): void;
}

interface Entry {
  t: number;
  pending: boolean;
}

export const DECREASE_FACTOR = 0.85;
const RECOVERY_SHARE = 0.05;
/** calls a bucket may run ahead of its steady spacing (a late timer catches up), as a share of the limit */
const BURST_SHARE = 0.1;

export class WindowLimiter {
  private readonly entries: Entry[] = [];
  private readonly queue: Array<(slot: RateSlot) => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private wakeAt = 0;
  private blockedUntil = 0;
  private lastThrottle = Number.NEGATIVE_INFINITY;
  private lastChange = Number.NEGATIVE_INFINITY;
  private current: number;
  /** the theoretical time of the next call at the steady rate (GCRA) */
  private tat = Number.NEGATIVE_INFINITY;
  /** throttled answers reported to this bucket */
  throttles = 0;
  /** the lowest limit the bucket came down to */
  lowest: number;

  constructor(
    /** the configured calls per window */
    readonly max: number,
    readonly windowMs: number,
    private readonly adaptive = true,
    /** also keep calls ≥ windowMs ÷ limit apart (no bursts) */
    private readonly smooth = true,
  ) {
    this.current = Math.max(1, Math.floor(max));
    this.lowest = this.current;
  }

  /** the limit in force now (≤ max after a throttle) */
  get limit(): number {
    return this.current;
  }

  /** wait for a place in the window (FIFO) */
  acquire(): Promise<RateSlot> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.pump();
    });
  }

  /**
   * the service answered a call of this bucket with throttling: no call for
   * `pauseMs` (the service's window turns meanwhile) and, when adaptive, a lower limit
   */
  throttled(pauseMs: number): void {
    const now = Date.now();
    this.throttles += 1;
    this.lastThrottle = now;
    this.blockedUntil = Math.max(this.blockedUntil, now + Math.max(0, pauseMs));
    if (this.adaptive && now - this.lastChange >= this.windowMs) {
      this.current = Math.max(1, Math.floor(this.current * DECREASE_FACTOR));
      this.lowest = Math.min(this.lowest, this.current);
      this.lastChange = now;
    }
    this.reschedule(now);
  }

  private recover(now: number): void {
    if (!this.adaptive || this.current >= this.max) return;
    if (now - this.lastThrottle < 2 * this.windowMs || now - this.lastChange < this.windowMs)
      return;
    const step = Math.max(1, Math.round(this.max * RECOVERY_SHARE));
    this.current = Math.min(Math.floor(this.max), this.current + step);
    this.lastChange = now;
  }

  private prune(now: number): void {
    let w = 0;
    for (const e of this.entries) {
      if (e.pending || e.t + this.windowMs > now) this.entries[w++] = e;
    }
    this.entries.length = w;
  }

  private pump(): void {
    const now = Date.now();
    while (this.queue.length > 0) {
      if (now < this.blockedUntil) {
        this.schedule(this.blockedUntil, now);
        return;
      }
      this.prune(now);
      this.recover(now);
      if (this.entries.length >= this.current) {
        // the earliest moment enough sent calls have left the window
        const settled = this.entries
          .filter((e) => !e.pending)
          .map((e) => e.t)
          .sort((a, b) => a - b);
        const k = this.entries.length - this.current;
        const t = settled[k];
        this.schedule(t === undefined ? now + this.windowMs : t + this.windowMs, now);
        return;
      }
      if (this.smooth) {
        // steady spacing, with a small burst allowance so that a late timer catches up
        const spacing = this.windowMs / this.current;
        const tolerance = spacing * Math.floor(this.current * BURST_SHARE);
        if (now < this.tat - tolerance) {
          this.schedule(Math.ceil(this.tat - tolerance), now);
          return;
        }
        this.tat = Math.max(this.tat, now) + spacing;
      }
      const entry: Entry = { t: now, pending: true };
      this.entries.push(entry);
      const resolve = this.queue.shift() as (slot: RateSlot) => void;
      resolve({
        sent: () => {
          if (!entry.pending) return;
          entry.pending = false;
          entry.t = Date.now();
        },
      });
    }
  }

  private schedule(at: number, now: number): void {
    if (this.timer !== undefined && this.wakeAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, at - now),
    );
  }

  private reschedule(now: number): void {
    if (this.queue.length === 0) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(Math.max(this.blockedUntil, now + 1), now);
  }
}
