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
const LARGE_LISTS = [
  ['ecs', 'securityGroups', EcsSchema.shape.securityGroups.element],
  ['ecs', 'instances', EcsSchema.shape.instances.element],
  ['ecs', 'disks', EcsSchema.shape.disks.element],
  ['ecs', 'keyPairs', EcsSchema.shape.keyPairs.element],
  ['ecs', 'invocations', EcsSchema.shape.invocations.element],
  ['ram', 'users', RamSchema.shape.users.element],
  ['ram', 'policies', RamSchema.shape.policies.element],
  ['actiontrail', 'events', ActionTrailSchema.shape.events.element],
] as const satisfies ReadonlyArray<readonly [section: string, key: string, record: z.ZodType]>;

/** a large list, by `section.key` */
export type LargeList = `${(typeof LARGE_LISTS)[number][0]}.${(typeof LARGE_LISTS)[number][1]}`;

/**
 * Records already validated by their list's record schema (`validateEarly`):
 * the final validation takes them as they are. Only the schema's own outputs
 * are ever added, so a record here is exactly what validating it again would
 * make.
 */
const VALIDATED = new WeakSet<object>();

/**
 * Validate records of a large list as soon as a collector has them whole
 * (nothing changes them afterwards), instead of all at once after the last
 * answer: the work is spread over the collection, whose event loop mostly
 * waits on the API, rather than added to the scan's end, and the raw records
 * are dropped a list at a time. Each record is replaced by its validated copy;
 * a record that fails is kept as it is, and the final validation reports it
 * where it stands in the inventory.
 */
export function validateEarly<T>(list: LargeList, records: readonly T[]): T[] {
  const entry = LARGE_LISTS.find(([section, key]) => `${section}.${key}` === list);
  if (!entry) throw new Error(`not a large list: ${list}`);
  const schema = entry[2];
  return records.map((record) => {
    const r = schema.safeParse(record);
    if (!r.success || typeof r.data !== 'object' || r.data === null) return record;
    VALIDATED.add(r.data);
    return r.data as T;
  });
}

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
      const given = records[i];
      if (typeof given === 'object' && given !== null && VALIDATED.has(given)) continue;
      const r = record.safeParse(given);
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
