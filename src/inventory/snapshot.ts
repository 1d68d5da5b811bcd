/**
 * Snapshots: the inventory as a JSON file. `collect` writes one, `scan
 * --snapshot` reads it back. A snapshot is validated on read; an invalid one is
 * rejected with one line naming the first bad path.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-write.js';
import { hasProtoKey, textMayHaveProtoKey } from '../util/proto-key.js';
import { formatZodIssue } from '../util/zod-issue.js';
import { safeParseInventory } from './parse.js';
import { type Inventory, InventorySchema } from './schema.js';

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/** a JSON report (`scan --format json`), the file most often given by mistake */
function isReport(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return Array.isArray(d['findings']) && typeof d['summary'] === 'object' && !('ecs' in d);
}

export function parseSnapshot(
  data: unknown,
  source = 'snapshot',
  opts: { textHasNoProtoKey?: boolean } = {},
): Inventory {
  // JSON.parse makes `"__proto__"` an own key; nothing in a snapshot is named so
  if (!opts.textHasNoProtoKey && hasProtoKey(data))
    throw new SnapshotError(`${source}: key "__proto__" is not allowed`);
  if (isReport(data)) {
    throw new SnapshotError(
      `${source}: this is an ecs-audit report, not a snapshot (a snapshot is written by \`ecs-audit collect -o <file>\`)`,
    );
  }
  const result = safeParseInventory(data);
  if (!result.success) {
    throw new SnapshotError(`${source}: ${formatZodIssue(result.error.issues[0]!, data)}`);
  }
  return result.data;
}

export async function readSnapshot(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new SnapshotError(
      `${file}: cannot read snapshot (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SnapshotError(`${file}: not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const textHasNoProtoKey = !textMayHaveProtoKey(text);
  // the text (as large as the file) can go before validation makes the inventory's copy
  text = '';
  return parseSnapshot(data, file, { textHasNoProtoKey });
}

export function serializeSnapshot(inventory: Inventory): string {
  return `${JSON.stringify(InventorySchema.parse(inventory), null, 2)}\n`;
}

export async function writeSnapshot(file: string, inventory: Inventory): Promise<void> {
  await writeFileAtomic(file, serializeSnapshot(inventory));
}
