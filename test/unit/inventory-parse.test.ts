/**
 * parseInventory validates the large lists record by record in place; it must
 * give exactly what InventorySchema.parse gives (defaults, stripped keys), and
 * fail where it fails, with the same issue path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorld } from '../../src/emulator/world.js';
import { parseInventory, safeParseInventory, validateEarly } from '../../src/inventory/parse.js';
import { InventorySchema } from '../../src/inventory/schema.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from '../collectors/env.js';
import { closeAll, runCollect } from '../collectors/harness.js';

type Json = Record<string, unknown>;
/** the demo account's inventory as JSON text (collected through the emulator) */
let demo: string;

let env: IsolatedEnv;
beforeAll(async () => {
  env = isolateEnv();
  useEnvKeys();
  const { inventory } = await runCollect(await loadWorld('fixtures/worlds/demo.yaml'));
  demo = JSON.stringify(inventory);
});
afterAll(async () => {
  await closeAll();
  env.restore();
});

/** the demo inventory as a raw input, changed by `edit` */
function input(edit: (raw: Json & { ecs: Json; ram: Json; actiontrail: Json }) => void): Json {
  const raw = JSON.parse(demo);
  edit(raw);
  return raw;
}

const firstPath = (data: unknown) => {
  const r = InventorySchema.safeParse(structuredClone(data));
  return r.success ? undefined : r.error.issues[0]!.path;
};

describe('parseInventory', () => {
  it('gives what InventorySchema.parse gives: defaults filled and unknown keys stripped in every list', () => {
    const raw = input((r) => {
      const instances = r.ecs.instances as Json[];
      const groups = r.ecs.securityGroups as Json[];
      const users = r.ram.users as Json[];
      expect(instances.length).toBeGreaterThan(1);
      expect(groups.length).toBeGreaterThan(1);
      expect(users.length).toBeGreaterThan(1);
      for (const list of [instances, groups, users, r.ecs.disks as Json[]]) {
        for (const rec of list) rec.notInTheSchema = 'dropped';
      }
      delete r.ecs.prefixLists; // defaults to []
      r.unknownTopLevel = true;
    });
    const expected = InventorySchema.parse(structuredClone(raw));
    const got = parseInventory(raw);
    expect(got).toEqual(expected);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    expect(JSON.stringify(got)).not.toContain('notInTheSchema');
    expect(got.ecs.prefixLists).toEqual([]);
  });

  it.each([
    [
      'a bad instance',
      (r: Json & { ecs: Json }) => {
        (r.ecs.instances as Json[])[1]!.id = 42;
      },
    ],
    [
      'a bad security-group rule',
      (r: Json & { ecs: Json }) => {
        const g = (r.ecs.securityGroups as Json[]).find((x) => (x.rules as unknown[]).length > 0)!;
        (g.rules as Json[])[0]!.policy = { not: 'a string' };
      },
    ],
    [
      'a list that is not a list',
      (r: Json & { ecs: Json }) => {
        r.ecs.disks = 'none';
      },
    ],
    [
      'a bad record in a list read whole (groups)',
      (r: Json & { ram: Json }) => {
        (r.ram.groups as Json[]).push({ name: 7 });
      },
    ],
    [
      'a bad event',
      (r: Json & { actiontrail: Json }) => {
        (r.actiontrail.events as Json[]).push({ eventId: 1 });
      },
    ],
    [
      'a missing section',
      (r: Json) => {
        delete r.ram;
      },
    ],
  ])('%s fails with the path InventorySchema reports', (_name, edit) => {
    const raw = input(edit as (r: Json) => void);
    const expected = firstPath(raw);
    expect(expected).toBeDefined();
    const r = safeParseInventory(raw);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]!.path).toEqual(expected);
    expect(() => parseInventory(input(edit as (r: Json) => void))).toThrow();
  });
});

describe('validateEarly', () => {
  it('replaces records by their validated copies, which the final validation takes as they are', () => {
    const raw = input((r) => {
      for (const rec of r.ecs.instances as Json[]) rec.notInTheSchema = 'dropped';
    });
    const expected = InventorySchema.parse(structuredClone(raw));
    const ecs = raw.ecs as Json;
    const early = validateEarly('ecs.instances', ecs.instances as Json[]);
    expect(early).toHaveLength((ecs.instances as Json[]).length);
    expect(JSON.stringify(early)).not.toContain('notInTheSchema');
    ecs.instances = early;
    const got = parseInventory(raw);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    // the very objects validated early, not copies of them
    expect(got.ecs.instances[0]).toBe(early[0]);
  });

  it('keeps a record that fails, and the final validation reports it where it stands', () => {
    const raw = input((r) => {
      (r.ecs.disks as Json[])[1]!.encrypted = 'yes';
    });
    const expected = firstPath(raw);
    expect(expected).toEqual(['ecs', 'disks', 1, 'encrypted']);
    const ecs = raw.ecs as Json;
    const disks = ecs.disks as Json[];
    const early = validateEarly('ecs.disks', disks);
    expect(early[1]).toBe(disks[1]);
    ecs.disks = early;
    const r = safeParseInventory(raw);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]!.path).toEqual(expected);
  });
});
