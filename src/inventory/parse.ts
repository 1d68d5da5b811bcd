/**
 * Validating an inventory without holding two copies of it. `InventorySchema`
 * is the contract, but zod's parse returns a new object graph: on a large
 * account (a 95 MB snapshot, 20,000 instances, 100,000 rules) the input and
 * its validated copy would be alive together until the last record is copied.
 * Here the large lists are validated record by record, each record replaced in
 * its list by its validated copy as soon as that exists (the input's record is
 * garbage from then on), and the rest of the inventory by the schema itself,
 * with those lists set aside. Same schema, same defaults and stripping, same
 * issue paths; the first failing list is reported before the rest of the
 * inventory is looked at.
 *
 * The input is consumed: its lists hold validated records afterwards, and
 * after a failure some of them. Callers pass data they do not keep.
 */
import { z } from 'zod';
import {
  ActionTrailSchema,
  EcsSchema,
  type Inventory,
  InventorySchema,
  RamSchema,
} from './schema.js';

/** the lists that grow with the account, by section, with their record schemas */
const LARGE_LISTS: ReadonlyArray<readonly [section: string, key: string, record: z.ZodType]> = [
  ['ecs', 'securityGroups', EcsSchema.shape.securityGroups.element],
  ['ecs', 'instances', EcsSchema.shape.instances.element],
  ['ecs', 'disks', EcsSchema.shape.disks.element],
  ['ecs', 'keyPairs', EcsSchema.shape.keyPairs.element],
  ['ecs', 'invocations', EcsSchema.shape.invocations.element],
  ['ram', 'users', RamSchema.shape.users.element],
  ['ram', 'policies', RamSchema.shape.policies.element],
  ['actiontrail', 'events', ActionTrailSchema.shape.events.element],
];

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type InventoryParseResult =
  | { success: true; data: Inventory }
  | { success: false; error: z.ZodError };

export function safeParseInventory(data: unknown): InventoryParseResult {
  if (!isObject(data)) return InventorySchema.safeParse(data);
  const validated: Array<{ section: string; key: string; records: unknown[] }> = [];
  for (const [section, key, record] of LARGE_LISTS) {
    const holder = data[section];
    // anything but a list is left to the schema, which reports it where it is
    if (!isObject(holder) || !Array.isArray(holder[key])) continue;
    const records = holder[key] as unknown[];
    for (let i = 0; i < records.length; i++) {
      const r = record.safeParse(records[i]);
      if (!r.success) {
        return {
          success: false,
          error: new z.ZodError(
            r.error.issues.map((issue) => ({ ...issue, path: [section, key, i, ...issue.path] })),
          ),
        };
      }
      records[i] = r.data;
    }
    validated.push({ section, key, records });
    holder[key] = [];
  }
  const rest = InventorySchema.safeParse(data);
  if (!rest.success) return rest;
  for (const { section, key, records } of validated) {
    (rest.data as unknown as Record<string, Json>)[section]![key] = records;
  }
  return rest;
}

/** `safeParseInventory`, throwing zod's error as `InventorySchema.parse` would */
export function parseInventory(data: unknown): Inventory {
  const result = safeParseInventory(data);
  if (!result.success) throw result.error;
  return result.data;
}
