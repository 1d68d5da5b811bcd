/**
 * The network rules on the fixture worlds, collected through the emulator and
 * the real SDK clients: the demo account shows every network rule firing next to
 * the sg-bastion look-alike (SSH opened, then closed by a Drop) that must not;
 * the clean account produces no network finding at all.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import instanceAdmin from '../../rules/network/instance-admin-port-exposed.js';
import sgAdmin from '../../rules/network/sg-admin-port-open-to-internet.js';
import sgAllPorts from '../../rules/network/sg-all-ports-open-to-internet.js';
import sgHighRisk from '../../rules/network/sg-high-risk-port-open-to-internet.js';
import { startEmulator } from '../../src/emulator/server.js';
import { loadWorld } from '../../src/emulator/world.js';
import type { Rule, RuleFinding } from '../../src/engine/types.js';
import { completeness } from '../../src/engine/unevaluated.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { isolateCollectorRuns, NOW, runCollect, SINCE } from '../collectors/harness.js';

const RULES = [sgAdmin, sgAllPorts, sgHighRisk, instanceAdmin] as unknown as Rule[];
const WORLDS = path.resolve(import.meta.dirname, '../../fixtures/worlds');

isolateCollectorRuns();

async function collectWorld(name: string): Promise<Inventory> {
  const emu = await startEmulator(await loadWorld(path.join(WORLDS, `${name}.yaml`)));
  try {
    const { inventory } = await runCollect(undefined as never, {}, emu);
    return inventory;
  } finally {
    await emu.close();
  }
}

function findings(inventory: Inventory): Map<string, RuleFinding[]> {
  const cache = new Map<string, unknown>();
  const out = new Map<string, RuleFinding[]>();
  for (const rule of RULES) {
    const list = [
      ...rule.evaluate({
        inventory,
        options: rule.meta.options.parse({}),
        now: NOW,
        since: SINCE,
        memo<T>(key: string, compute: () => T): T {
          if (!cache.has(key)) cache.set(key, compute());
          return cache.get(key) as T;
        },
        isComplete: completeness(inventory.coverage),
        notEvaluated: () => {},
      }),
    ];
    out.set(rule.meta.id, list);
  }
  return out;
}

const ids = (fs: RuleFinding[] | undefined) => (fs ?? []).map((f) => f.resource.id).sort();

describe('network rules on the fixture worlds', () => {
  it('demo: every network rule fires; the bastion whose SSH a Drop closes does not', async () => {
    const inventory = await collectWorld('demo');
    expect(inventory.coverage).toEqual([]);
    const byRule = findings(inventory);
    expect(ids(byRule.get('sg-admin-port-open-to-internet'))).toEqual([
      'sg-app',
      'sg-legacy',
      'sg-web',
    ]);
    expect(ids(byRule.get('sg-all-ports-open-to-internet'))).toEqual(['sg-legacy']);
    // sg-app's 3000-3400 holds MySQL 3306 as well as RDP 3389
    expect(ids(byRule.get('sg-high-risk-port-open-to-internet'))).toEqual([
      'sg-app',
      'sg-db',
      'sg-legacy',
    ]);
    expect(ids(byRule.get('instance-admin-port-exposed'))).toEqual(['i-web1', 'i-win1']);
    const all = [...byRule.values()].flat();
    expect(
      all.filter((f) => f.resource.id === 'sg-bastion' || f.resource.id === 'i-bastion'),
    ).toEqual([]);
    // UDP 22 on sg-web is not SSH: only TCP 22 is named
    const web = byRule
      .get('sg-admin-port-open-to-internet')!
      .find((f) => f.resource.id === 'sg-web')!;
    expect(web.evidence['ports']).toEqual([22]);
    // 0.0.0.0/1 + 128.0.0.0/1 on 3000-3400 opens RDP
    const app = byRule.get('instance-admin-port-exposed')!.find((f) => f.resource.id === 'i-win1')!;
    expect(app.evidence['ports']).toEqual([3389]);
    expect(app.message).toContain('TCP 3389 (RDP)');
  });

  it('clean: no network finding', async () => {
    const inventory = await collectWorld('clean');
    expect(inventory.coverage).toEqual([]);
    const all = [...findings(inventory).values()].flat();
    expect(all.map((f) => f.resource.id)).toEqual([]);
    // and the world does hold groups and instances for the rules to look at
    expect(inventory.ecs.securityGroups.length).toBeGreaterThan(0);
    expect(inventory.ecs.instances.some((i) => i.publicIps.length > 0 || i.eipAddress)).toBe(true);
  });
});
