import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { createProgress, progressAggregator } from '../../src/cli/progress.js';

function tty(isTTY: boolean): { io: CliIo; text: () => string } {
  let out = '';
  const stderr = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  (stderr as { isTTY?: boolean }).isTTY = isTTY;
  (stderr as { columns?: number }).columns = 100;
  const io = { stdout: stderr, stderr, env: {} } as unknown as CliIo;
  return { io, text: () => out };
}

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
});
