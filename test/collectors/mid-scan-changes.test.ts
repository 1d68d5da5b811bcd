import { describe, expect, it } from 'vitest';
import { type PagingGuard, pageByNumber } from '../../src/collectors/paging.js';
import type { WorldInput } from '../../src/emulator/world.js';
import {
  baseWorld,
  gapsOf,
  isolateCollectorRuns,
  runCollectRewritten,
  verdictOf,
} from './harness.js';

isolateCollectorRuns();

function world(): WorldInput {
  return baseWorld({
    ram: {
      Users: [
        {
          UserName: 'alice',
          UserId: '2002',
          Groups: ['ops'],
          Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
        },
        { UserName: 'bob', UserId: '2003', Groups: ['ops'] },
      ],
      Groups: [
        {
          GroupName: 'ops',
          Policies: [{ PolicyName: 'ecs-operator', PolicyType: 'Custom' }],
        },
        { GroupName: 'admins' },
      ],
      Policies: [
        {
          PolicyName: 'ecs-operator',
          PolicyType: 'Custom',
          DefaultVersion: 'v1',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: ['ecs:RunCommand'], Resource: '*' }],
          },
        },
        {
          PolicyName: 'AdministratorAccess',
          PolicyType: 'System',
          DefaultVersion: 'v1',
          PolicyDocument: {
            Version: '1',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          },
        },
      ],
    },
  });
}

/**
 * Collect `w` with the calls of `action` whose `param` is `value` answered with
 * the API error `code` (HTTP 404, as RAM answers EntityNotExist): the resource
 * was deleted mid-scan.
 */
function runWithError(w: WorldInput, action: string, param: string, value: string, code: string) {
  return runCollectRewritten(w, (req, sent) => {
    const params = new URLSearchParams(
      `${new URL(req.url ?? '/', 'http://x').search.slice(1)}&${sent.toString('utf8')}`,
    );
    return req.headers['x-acs-action'] === action && params.get(param) === value
      ? { status: 404, json: { RequestId: 'mid-scan', Code: code, Message: `gone: ${value}` } }
      : undefined;
  });
}

describe('a RAM policy or group deleted during the scan', () => {
  it('ListEntitiesForPolicy EntityNotExist.Policy: the policy is attached to nobody; every other attachment stays known', async () => {
    const { inventory } = await runWithError(
      world(),
      'ListEntitiesForPolicy',
      'PolicyName',
      'ecs-operator',
      'EntityNotExist.Policy',
    );
    const ram = inventory.ram!;
    expect(ram.users.find((u) => u.name === 'alice')?.policies).toEqual([
      { name: 'AdministratorAccess', type: 'System' },
    ]);
    expect(ram.users.find((u) => u.name === 'bob')?.policies).toEqual([]);
    expect(ram.groups.find((g) => g.name === 'ops')?.policies).toEqual([]);
    // gone and attached to nothing: its document is not asked for
    expect(ram.policies.map((p) => p.name)).toEqual(['AdministratorAccess']);
    expect(gapsOf(inventory, 'ListEntitiesForPolicy')).toEqual([]);
    expect(gapsOf(inventory, 'GetPolicy')).toEqual([]);
    expect(await verdictOf(inventory, 'ram-policy-admin-access', 'alice')).toBe('finding');
  });

  it('ListUsersForGroup EntityNotExist.Group: the group is dropped; every other membership stays known', async () => {
    const { inventory } = await runWithError(
      world(),
      'ListUsersForGroup',
      'GroupName',
      'admins',
      'EntityNotExist.Group',
    );
    const ram = inventory.ram!;
    expect(ram.groups.map((g) => g.name)).toEqual(['ops']);
    expect(ram.users.find((u) => u.name === 'alice')?.groups).toEqual(['ops']);
    expect(ram.users.find((u) => u.name === 'bob')?.groups).toEqual(['ops']);
    expect(gapsOf(inventory, 'ListUsersForGroup')).toEqual([]);
  });

  it('any other error stays a gap: nobody’s attachments or memberships are known', async () => {
    const pol = await runWithError(
      world(),
      'ListEntitiesForPolicy',
      'PolicyName',
      'ecs-operator',
      'EntityNotExist.Role',
    );
    expect(pol.inventory.ram!.users.find((u) => u.name === 'alice')?.policies).toBeUndefined();
    expect(gapsOf(pol.inventory, 'ListEntitiesForPolicy').map((g) => g[1])).toEqual([
      'EntityNotExist.Role',
    ]);
    const grp = await runWithError(
      world(),
      'ListUsersForGroup',
      'GroupName',
      'admins',
      'NoPermission',
    );
    expect(grp.inventory.ram!.users.find((u) => u.name === 'alice')?.groups).toBeUndefined();
    expect(grp.inventory.ram!.groups.map((g) => g.name)).toEqual(['ops', 'admins']);
    expect(gapsOf(grp.inventory, 'ListUsersForGroup').map((g) => g[1])).toEqual(['NoPermission']);
  });
});

describe('a page-number listing whose TotalCount changes while it is paged', () => {
  const meta = { service: 'vpc', region: 'cn-hangzhou', operation: 'DescribeThings' } as const;
  const recorder = () => {
    const gaps: Array<{ code: string; message: string }> = [];
    const guard: PagingGuard = {
      onIncomplete: (_m, code, message) => gaps.push({ code, message }),
    };
    return { gaps, guard };
  };

  /**
   * `pageByNumber` over a listing in pages of 50: `after(page, served, items)`
   * runs once each page has been taken and returns the listing as it is then
   * (an item deleted between two pages)
   */
  const pageThrough = async (
    start: string[],
    after: (page: number, served: number, items: string[]) => string[] = (_p, _s, i) => i,
  ) => {
    const { gaps, guard } = recorder();
    let items = start;
    const calls: number[] = [];
    const got = await pageByNumber<string>(
      guard,
      meta,
      50,
      (x) => x,
      async (n) => {
        calls.push(n);
        const page = { items: items.slice((n - 1) * 50, n * 50), totalCount: items.length };
        items = after(n, calls.length, items);
        return page;
      },
    );
    return { got, gaps, calls, left: items };
  };
  const named = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

  it('an item of page 1 deleted after page 1 was read: read again from page 1, every still-existing item', async () => {
    // deleted after the first page 1 was served: fwd-51 moves onto page 1
    const r = await pageThrough(named('fwd', 100), (_p, served, items) =>
      served === 1 ? items.filter((x) => x !== 'fwd-10') : items,
    );
    expect(r.got).toEqual(r.left);
    expect(r.got).toContain('fwd-51');
    expect(r.calls).toEqual([1, 2, 1, 2]);
    expect(r.gaps).toEqual([]);
  });

  it('the deletion leaves page 2 empty: the shifted item is still read', async () => {
    const r = await pageThrough(named('eip', 51), (_p, served, items) =>
      served === 1 ? items.filter((x) => x !== 'eip-1') : items,
    );
    expect(r.got).toEqual(r.left);
    expect(r.got).toContain('eip-51');
    expect(r.gaps).toEqual([]);
  });

  it('a listing that keeps changing: a ListingChanged gap, not a silent partial list', async () => {
    // one deleted after every page 1
    const r = await pageThrough(named('fwd', 100), (page, _s, items) =>
      page === 1 ? items.slice(1) : items,
    );
    expect(r.got).toHaveLength(50);
    expect(r.gaps).toEqual([
      {
        code: 'ListingChanged',
        message:
          'DescribeThings: TotalCount changed during paging (99 then 98), twice; kept 50 items',
      },
    ]);
  });

  it('a steady TotalCount is read once', async () => {
    const r = await pageThrough(named('x', 120));
    expect(r.got).toEqual(named('x', 120));
    expect(r.calls).toEqual([1, 2, 3]);
    expect(r.gaps).toEqual([]);
  });
});

describe('DescribeRegions listing a region twice', () => {
  it('the region is listed and scanned once, the first entry kept', async () => {
    const { inventory, gate } = await runCollectRewritten(baseWorld(), (req) =>
      req.headers['x-acs-action'] === 'DescribeRegions'
        ? (body) => {
            const list = (body as { Regions: { Region: Array<Record<string, unknown>> } }).Regions
              .Region;
            list.push({ ...list[0], LocalName: 'second' });
            return body;
          }
        : undefined,
    );
    expect(inventory.regions).toEqual([{ id: 'cn-hangzhou', localName: 'China (Hangzhou)' }]);
    expect(inventory.scope.regions).toEqual(['cn-hangzhou']);
    expect(gate.calls.DescribeSecurityGroups).toBe(1);
  });
});
