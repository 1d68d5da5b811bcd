/**
 * What the emulator's speed-ups must not change: every loaded or parsed world
 * is its own (no list shared with another world or with the caller's input),
 * and lookups built once per world list follow the list when a test changes it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allBy, derived, firstBy } from '../../src/emulator/memo.js';
import { loadWorld, parseWorld, type WorldInput } from '../../src/emulator/world.js';

const bare: WorldInput = { version: 1, account: { accountId: '1234567890123456' } };

function worldFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'emu-world-')), name);
  writeFileSync(file, text);
  return file;
}

describe('world copies', () => {
  it('two worlds loaded from one file share no default list', async () => {
    const file = worldFile('w.json', JSON.stringify(bare));
    const a = await loadWorld(file);
    const b = await loadWorld(file);
    a.emulator.faults.push({ action: 'DescribeRegions', kind: 'throttle' });
    a.ram.Users.push({ UserName: 'x', AccessKeys: [], Groups: [], Policies: [] });
    a.root.accessKeys.push({ AccessKeyId: 'k', Status: 'Active' });
    a.actiontrail.Events.push({ eventId: 'e', eventName: 'n', eventTime: '2026-01-01T00:00:00Z' });
    expect(b.emulator.faults).toEqual([]);
    expect(b.ram.Users).toEqual([]);
    expect(b.root.accessKeys).toEqual([]);
    expect(b.actiontrail.Events).toEqual([]);
    expect((await loadWorld(file)).emulator.faults).toEqual([]);
  });

  it('a parsed world shares nothing with its input or with another parse of it', () => {
    const input: WorldInput = {
      ...bare,
      ecs: {
        'cn-hangzhou': {
          Instances: [{ InstanceId: 'i-1', Tags: { Tag: [{ Key: 'env', Value: 'prod' }] } }],
        },
      },
    };
    const a = parseWorld(input);
    const b = parseWorld(input);
    const tags = (w: typeof a) =>
      w.ecs['cn-hangzhou']!.Instances[0]!['Tags'] as { Tag: Array<{ Value: string }> };
    tags(a).Tag[0]!.Value = 'changed';
    a.emulator.faults.push({ action: 'DescribeRegions', kind: 'throttle' });
    expect(tags(b).Tag[0]!.Value).toBe('prod');
    expect(b.emulator.faults).toEqual([]);
    expect(JSON.stringify(input)).not.toContain('changed');
  });

  it('keeps values that are not plain data (a Date) as copies of the same kind', () => {
    const when = new Date('2026-01-01T00:00:00Z');
    const w = parseWorld({ ...bare, ecs: { r: { Instances: [{ InstanceId: 'i', When: when }] } } });
    const copy = w.ecs['r']!.Instances[0]!['When'];
    expect(copy).toBeInstanceOf(Date);
    expect(copy).not.toBe(when);
    expect((copy as Date).getTime()).toBe(when.getTime());
  });
});

describe('lookups derived from a world list', () => {
  it('finds the first item per key, as a linear search does', () => {
    const items = [
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
      { k: 'a', n: 3 },
    ];
    expect(firstBy(items, (x) => x.k).get('a')?.n).toBe(1);
    expect([...allBy(items, (x) => [x.k, x.k]).get('a')!].map((x) => x.n)).toEqual([1, 3]);
  });

  it('is built once per list, and again when the list grows', () => {
    const list = [1, 2];
    let builds = 0;
    const sum = () =>
      derived(list, 'sum', (l) => {
        builds += 1;
        return l.reduce((a, b) => a + b, 0);
      });
    expect(sum()).toBe(3);
    expect(sum()).toBe(3);
    expect(builds).toBe(1);
    list.push(4);
    expect(sum()).toBe(7);
    expect(builds).toBe(2);
    expect(derived([1, 2], 'sum', () => 'another list')).toBe('another list');
  });
});
