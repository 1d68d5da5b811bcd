import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyInventory } from '../../src/inventory/schema.js';
import { readSnapshot, SnapshotError, writeSnapshot } from '../../src/inventory/snapshot.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-snapshot-'));

describe('snapshots', () => {
  it('round-trips an inventory through a file', async () => {
    const inv = emptyInventory({ regions: [{ id: 'cn-hangzhou', localName: 'Hangzhou' }] });
    const file = path.join(dir, 'ok.json');
    await writeSnapshot(file, inv);
    expect(await readSnapshot(file)).toEqual(inv);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    [
      'wrong schema version',
      JSON.stringify({ ...emptyInventory(), schemaVersion: 2 }),
      /: schemaVersion: /,
    ],
    [
      'a bad nested field',
      JSON.stringify({
        ...emptyInventory(),
        ecs: { ...emptyInventory().ecs, disks: [{ id: 'd-1', region: 'r', encrypted: 'no' }] },
      }),
      /: ecs\.disks\[0\]\.instanceId: /,
    ],
    [
      'a "__proto__" key',
      JSON.stringify(emptyInventory()).replace('"account":{', '"account":{"__proto__":{"id":"x"},'),
      /key "__proto__" is not allowed/,
    ],
    [
      'a "__proto__" key spelt with escapes',
      JSON.stringify(emptyInventory()).replace(
        '"account":{',
        '"account":{"\\u005f_pr\\u006fto__":{"id":"x"},',
      ),
      /key "__proto__" is not allowed/,
    ],
  ])('rejects %s with one line naming the first bad path', async (_name, text, pattern) => {
    const file = path.join(dir, `bad-${Math.random()}.json`);
    writeFileSync(file, text);
    const err = await readSnapshot(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotError);
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a missing file is one line too', async () => {
    const err = await readSnapshot(path.join(dir, 'missing.json')).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot read snapshot \(ENOENT\)/);
  });

  it('writes atomically: no temp file is left behind', async () => {
    const own = mkdtempSync(path.join(tmpdir(), 'ecs-audit-atomic-'));
    const file = path.join(own, 'atomic.json');
    await writeSnapshot(file, emptyInventory());
    await writeSnapshot(file, emptyInventory({ regions: [{ id: 'x' }] }));
    expect(JSON.parse(readFileSync(file, 'utf8')).regions).toEqual([{ id: 'x' }]);
    expect(readdirSync(own)).toEqual(['atomic.json']);
  });
});
