/**
 * `scan --snapshot --regions a,b`: evaluate only what the snapshot holds for
 * those regions. Regional facts (anything with a `region` or `regionId` in a
 * regional namespace: ECS, VPC, Security Center) of other regions and their
 * coverage entries are dropped; account-wide facts (RAM, root, ActionTrail)
 * stay, as in a live scan of those regions.
 */
import type { Inventory } from './schema.js';

const REGIONAL = ['ecs', 'vpc', 'sas'] as const;

function regionOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const r =
    (item as { region?: unknown; regionId?: unknown }).region ??
    (item as { regionId?: unknown }).regionId;
  return typeof r === 'string' ? r : undefined;
}

export function narrowToRegions(inventory: Inventory, regions: readonly string[]): Inventory {
  const keep = new Set(regions);
  const inRegion = (item: unknown): boolean => {
    const r = regionOf(item);
    return r === undefined || keep.has(r);
  };
  const out: Record<string, unknown> = { ...inventory };
  for (const ns of REGIONAL) {
    const part = (inventory as Record<string, unknown>)[ns];
    if (typeof part !== 'object' || part === null) continue;
    out[ns] = Object.fromEntries(
      Object.entries(part).map(([k, v]) => [k, Array.isArray(v) ? v.filter(inRegion) : v]),
    );
  }
  out['scope'] = {
    ...inventory.scope,
    regions: inventory.scope.regions.filter((r) => keep.has(r)),
  };
  out['coverage'] = inventory.coverage.filter(
    (c) =>
      !c.region || !REGIONAL.includes(c.service as (typeof REGIONAL)[number]) || keep.has(c.region),
  );
  return out as Inventory;
}
