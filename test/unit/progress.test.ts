import { describe, expect, it, vi } from 'vitest';
import { createProgress, progressAggregator, terminalWidth } from '../../src/cli/progress.js';
import { fakeTty, screenLines } from '../helpers/terminal.js';

const tty = (isTTY: boolean) => fakeTty(isTTY);

describe('progress', () => {
  it('sums the phases that run at the same time and never goes backwards', () => {
    const agg = progressAggregator();
    expect(
      agg.add({ service: 'ecs', region: 'a', phase: 'rules', done: 0, total: 10 }),
    ).toMatchObject({
      done: 0,
      total: 10,
    });
    expect(
      agg.add({ service: 'ecs', region: 'b', phase: 'rules', done: 3, total: 5 }),
    ).toMatchObject({
      done: 3,
      total: 15,
    });
    const t = agg.add({ service: 'ecs', region: 'a', phase: 'rules', done: 10, total: 10 });
    expect(t).toEqual({ done: 13, total: 15, phases: 2, finished: 1 });
    // a phase without counters is one unit of work
    expect(agg.add({ service: 'sts', phase: 'caller identity' })).toMatchObject({ total: 16 });
  });

  it('draws a bar naming the service, region and phase on a terminal', () => {
    const { io, text } = tty(true);
    const p = createProgress(io, true);
    p.update({
      service: 'ecs',
      region: 'cn-hangzhou',
      phase: 'security group rules',
      done: 1,
      total: 4,
    });
    p.stop();
    expect(text()).toContain('ecs cn-hangzhou: security group rules');
    expect(text()).toMatch(/1\/4 calls/);
  });

  it('writes nothing when stderr is not a terminal, or with --no-progress', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { io, text } = tty(isTTY);
      const p = createProgress(io, enabled);
      p.update({ service: 'ram', region: null, phase: 'users', done: 1, total: 2 });
      p.stop();
      expect(text()).toBe('');
    }
  });

  it('prints log lines above the bar, never erases them, and leaves no bar behind', () => {
    const { io, text } = tty(true);
    const p = createProgress(io, true);
    p.update({ service: 'sts', region: null, phase: 'caller identity', done: 0, total: 1 });
    io.stderr.write('ecs-audit: credentials from default/env (AccessKey ****0000); caller x\n');
    p.update({ service: 'ecs', region: 'cn-hangzhou', phase: 'instances', done: 1, total: 3 });
    io.stderr.write('ecs-audit: warning: ');
    io.stderr.write('written in two pieces\n');
    p.update({ service: 'ecs', region: 'cn-hangzhou', phase: 'instances', done: 3, total: 3 });
    p.stop();
    // after stop, stderr is the plain stream again
    io.stderr.write('ecs-audit: after the bar\n');
    expect(text()).toContain('░'); // the bar was drawn
    expect(screenLines(text())).toEqual([
      'ecs-audit: credentials from default/env (AccessKey ****0000); caller x',
      'ecs-audit: warning: written in two pieces',
      'ecs-audit: after the bar',
    ]);
  });

  it('never goes backwards when new work is discovered, and stays within the terminal width', () => {
    const { io, text } = tty(true);
    (io.stderr as { columns?: number }).columns = 40;
    vi.useFakeTimers();
    try {
      const p = createProgress(io, true);
      p.update({ service: 'ecs', region: 'a', phase: 'rules', done: 5, total: 10 });
      p.update({
        service: 'ecs',
        region: 'b',
        phase: 'a very long phase name',
        done: 0,
        total: 90,
      });
      vi.advanceTimersByTime(100); // the next frame
      p.update({
        service: 'ecs',
        region: 'b',
        phase: 'a very long phase name',
        done: 80,
        total: 90,
      });
      vi.advanceTimersByTime(100);
      p.stop();
    } finally {
      vi.useRealTimers();
    }
    const frames = text()
      .split('\r\u001b[2K')
      .filter((f) => f !== '');
    const percents = frames.map((f) => Number(/(\d+)%/.exec(f)?.[1]));
    expect(percents).toEqual([50, 50, 85]);
    for (const f of frames) expect([...f].length).toBeLessThan(40);
  });

  it('takes the width from the stream, else COLUMNS, else 80', () => {
    expect(terminalWidth({ columns: 120 }, { COLUMNS: '50' })).toBe(120);
    expect(terminalWidth({}, { COLUMNS: '50' })).toBe(50);
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBe(80);
    expect(terminalWidth({}, {})).toBe(80);
  });
});
