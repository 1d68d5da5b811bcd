/**
 * Three gaps an audit found in the exposure/reachability analysis:
 * - a port whose verdict rests on an unreadable prefix list or port list is
 *   unknown at the entry point, never closed (so no address is "unused" on it);
 * - an unreadable port list behind a rule's own real PortRange decides nothing,
 *   so its coverage entry leaves the rule's group and instances evaluated;
 * - a group rule whose source is a prefix list is named in the evidence like a
 *   CIDR-sourced one.
 */
import { describe, expect, it } from 'vitest';
import { portListDecides } from '../../src/analysis/exposure.js';
import { reachability, reachablePorts } from '../../src/analysis/reachability.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { buildInventory, type InventoryFragment } from '../../src/testing/rule-tester.js';
import { ecs, from, group, instance, nic, REGION, rule } from '../helpers/network.js';
import { acl, aclEntry } from '../helpers/vpc.js';

function ctxOf(fragment: InventoryFragment) {
  const inventory = buildInventory(fragment);
  const cache = new Map<string, unknown>();
  return {
    inventory,
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}

const PUBLIC = '47.0.0.10';
const web = (groups: string[]) =>
  instance('i-1', {
    securityGroupIds: groups,
    publicIps: [PUBLIC],
    vSwitchId: 'vsw-1',
    networkInterfaces: [nic('eni-1', groups, { publicIps: [PUBLIC], vSwitchId: 'vsw-1' })],
  });

/** the fragment with the region's prefix lists and port lists */
function withLists(
  fragment: ReturnType<typeof ecs> & { vpc?: unknown },
  prefixLists: Array<{ id: string; cidrs?: string[]; addressFamily?: string }>,
  portRangeLists: Array<{ id: string; ranges?: string[] }> = [],
): InventoryFragment {
  return {
    ...fragment,
    ecs: {
      ...fragment.ecs,
      prefixLists: prefixLists.map((l) => ({ region: REGION, ...l })),
      portRangeLists: portRangeLists.map((l) => ({ region: REGION, ...l })),
    },
  } as InventoryFragment;
}

describe('a verdict resting on an unreadable list is unknown at the entry point', () => {
  it('SSH accepted only from an unreadable prefix list: unknown, naming the list', () => {
    const ctx = ctxOf(
      withLists(ecs([group('sg-1', [rule({ sourcePrefixListId: 'pl-x' })])], [web(['sg-1'])]), [
        { id: 'pl-x' },
      ]),
    );
    const [e] = reachability(ctx, ctx.inventory.ecs.instances[0]!).entries!;
    expect(e).toMatchObject({ known: false, open: [] });
    expect(e!.known ? '' : e!.reason).toContain('prefix list pl-x could not be read');
  });

  it('a Drop from an unreadable prefix list above an Accept of 0.0.0.0/0: unknown', () => {
    const ctx = ctxOf(
      withLists(
        ecs(
          [
            group('sg-1', [
              from('0.0.0.0/0', { priority: 2 }),
              rule({ sourcePrefixListId: 'pl-x', policy: 'Drop', priority: 1 }),
            ]),
          ],
          [web(['sg-1'])],
        ),
        [{ id: 'pl-x' }],
      ),
    );
    const [e] = reachability(ctx, ctx.inventory.ecs.instances[0]!).entries!;
    expect(e).toMatchObject({ known: false, open: [] });
  });

  it('ports from an unreadable port list: unknown, naming the list', () => {
    const ctx = ctxOf(
      withLists(
        ecs(
          [group('sg-1', [from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-x' })])],
          [web(['sg-1'])],
        ),
        [],
        [{ id: 'prl-x' }],
      ),
    );
    const [e] = reachability(ctx, ctx.inventory.ecs.instances[0]!).entries!;
    expect(e!.known ? '' : e!.reason).toContain('port list prl-x could not be read');
  });

  it('an ACL that lets no internet address in keeps the address closed whatever the list holds', () => {
    const ctx = ctxOf(
      withLists(
        {
          ...ecs([group('sg-1', [rule({ sourcePrefixListId: 'pl-x' })])], [web(['sg-1'])]),
          vpc: { networkAcls: [acl([aclEntry('accept', 'tcp', '443/443', '198.51.100.0/24')])] },
        },
        [{ id: 'pl-x' }],
      ),
    );
    const [e] = reachability(ctx, ctx.inventory.ecs.instances[0]!).entries!;
    expect(e).toMatchObject({ known: true, open: [] });
  });
});

describe('a port list decides only without a real PortRange of its own', () => {
  it('the analysis test, as the engine uses it', () => {
    const r = (ipProtocol: string, portRange: string, portRangeListId = 'prl-x') => ({
      ipProtocol,
      portRange,
      portRangeListId,
    });
    expect(portListDecides(r('TCP', '80/80'))).toBe(false);
    expect(portListDecides(r('TCP', '-1/-1'))).toBe(true);
    expect(portListDecides(r('UDP', ''))).toBe(true);
    expect(portListDecides(r('ALL', '-1/-1'))).toBe(false);
    expect(portListDecides(r('ALL', ''))).toBe(true);
    expect(portListDecides(r('ICMP', '-1/-1'))).toBe(false);
    expect(portListDecides(r('TCP', '-1/-1', ''))).toBe(false);
  });

  const world = (portRange: string): Inventory =>
    buildInventory({
      ...withLists(
        ecs(
          [group('sg-own', [from('0.0.0.0/0', { portRange, portRangeListId: 'prl-admin' })])],
          [web(['sg-own'])],
        ),
        [],
        [{ id: 'prl-admin' }],
      ),
      coverage: [
        {
          service: 'ecs',
          region: REGION,
          operation: 'DescribePortRangeListEntries',
          resource: 'prl-admin',
          error: { code: 'ServiceUnavailable', message: 'unavailable' },
        },
      ],
    } as InventoryFragment);
  const opts = async () => ({
    rules: await loadBuiltinRules(),
    now: new Date('2026-11-01T00:00:00Z'),
    since: new Date('2026-08-03T00:00:00Z'),
  });

  it("an unreadable list behind the rule's own PortRange 80/80 leaves the group and instance evaluated", async () => {
    const r = evaluate(world('80/80'), await opts());
    expect(r.unevaluated.filter((p) => p.resource !== null)).toEqual([]);
  });

  it('the same list behind -1/-1 decides: the group and the instance are not evaluated', async () => {
    const r = evaluate(world('-1/-1'), await opts());
    const pairs = r.unevaluated.map((p) => `${p.ruleId} ${p.resource?.id ?? '*'}`);
    expect(pairs).toEqual(
      expect.arrayContaining([
        'sg-admin-port-open-to-internet sg-own',
        'sg-all-ports-open-to-internet sg-own',
        'sg-high-risk-port-open-to-internet sg-own',
        'instance-admin-port-exposed i-1',
        'instance-public-address-unused i-1',
      ]),
    );
  });
});

describe('a prefix-list-sourced group rule is named in the evidence', () => {
  it('its rule is among the group rules of the reachable range, with the list id as source', () => {
    const ctx = ctxOf(
      withLists(
        ecs(
          [group('sg-pl', [rule({ sourcePrefixListId: 'pl-any', id: 'sgr-pl' })])],
          [web(['sg-pl'])],
        ),
        [{ id: 'pl-any', cidrs: ['0.0.0.0/0'] }],
      ),
    );
    const [hit] = reachablePorts(ctx, ctx.inventory.ecs.instances[0]!, {
      protocol: 'tcp',
      port: 22,
    });
    expect(hit!.range.groupRules).toMatchObject([
      { groupId: 'sg-pl', ruleId: 'sgr-pl', source: 'pl-any' },
    ]);
  });

  it("an IPv6 prefix list's rule is not named for an IPv4 address", () => {
    const ctx = ctxOf(
      withLists(
        ecs(
          [
            group('sg-pl', [
              from('0.0.0.0/0', { id: 'sgr-v4' }),
              rule({ sourcePrefixListId: 'pl-v6', id: 'sgr-v6' }),
            ]),
          ],
          [web(['sg-pl'])],
        ),
        [{ id: 'pl-v6', cidrs: ['::/0'], addressFamily: 'IPv6' }],
      ),
    );
    const [hit] = reachablePorts(ctx, ctx.inventory.ecs.instances[0]!, {
      protocol: 'tcp',
      port: 22,
    });
    expect(hit!.range.groupRules.map((r) => r.ruleId)).toEqual(['sgr-v4']);
  });
});
