/**
 * Read-only by construction (issue 11, items 1 and 2), through the real SDK
 * clients against the emulator:
 * - a full scan of a world that exercises every collector calls exactly
 *   READ_ACTIONS: nothing outside it, and nothing in it goes unused, so
 *   `ecs-audit policy` (leastPrivilegePolicy) is exactly least privilege;
 * - a write action is refused before any network traffic, whether asked of the
 *   gate, called on an SDK client directly, or smuggled under a read label;
 * - a caller holding only leastPrivilegePolicy() scans the demo world with no
 *   coverage gap, and denying any one of its actions gives gaps naming only
 *   that action, never a crash.
 */

import * as $Ecs from '@alicloud/ecs20140526';
import * as $Ram from '@alicloud/ram20150501';
import { describe, expect, it } from 'vitest';
import { createClients } from '../../src/collectors/clients.js';
import {
  Gate,
  leastPrivilegePolicy,
  ORGANIZATION_ACTIONS,
  READ_ACTIONS,
} from '../../src/collectors/gate.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, type World } from '../../src/emulator/world.js';
import { isolateCollectorRuns, runCollect, serve } from './harness.js';

isolateCollectorRuns();

const DEMO = 'fixtures/worlds/demo.yaml';
const allRead = (): Set<string> => new Set<string>(Object.values(READ_ACTIONS).flat());
/** the actions only an organization scan calls (in the management account) */
const orgOnly = new Set([...ORGANIZATION_ACTIONS].map((a) => a.split(':')[1]!));
/** what a one-account scan may call */
const accountRead = (): Set<string> => new Set([...allRead()].filter((a) => !orgOnly.has(a)));
const policyActions = (): string[] => leastPrivilegePolicy().Statement.flatMap((s) => s.Action);

/** an emulator for `world` that authorises only `allow` (RAM action names) */
async function serveWithPolicy(world: World, allow: Iterable<string>): Promise<RunningEmulator> {
  return startEmulator(world, { allowActions: new Set(allow) });
}

describe('the read-only gate', () => {
  it('a full scan of the demo world calls exactly READ_ACTIONS', async () => {
    const world = await loadWorld(DEMO);
    const { inventory, emulator, gate } = await runCollect(world);
    expect(inventory.coverage).toEqual([]);
    const used = new Set(Object.keys(emulator.stats().requests));
    const allowed = accountRead();
    // nothing outside the allowlist ...
    expect([...used].filter((a) => !allowed.has(a))).toEqual([]);
    // ... and nothing in it unused: the policy asks for no more than a scan needs
    expect([...allowed].filter((a) => !used.has(a))).toEqual([]);
    // the gate counted the same actions the emulator saw
    expect(new Set(Object.keys(gate.calls))).toEqual(used);
    expect(gate.refused).toBe(0);
  });

  it('every allowlisted action is a read', () => {
    for (const action of allRead()) {
      // AssumeRole changes nothing: it hands out temporary credentials of a member's read-only role
      expect(action).toMatch(
        /^(Describe|List|Get)[A-Z]\w+$|^LookupEvents$|^GenerateCredentialReport$|^AssumeRole$/,
      );
    }
    expect(
      policyActions().every((a) =>
        /^(ecs|ram|actiontrail|resourcemanager|yundun-sas|vpc):/.test(a),
      ),
    ).toBe(true);
  });

  it('refuses write actions before any network traffic, however they are called', async () => {
    const emu = await serve(await loadWorld(DEMO));
    const credentials = await resolveCredentials();
    const clients = createClients({
      credential: credentials.credential,
      endpoint: emu.url,
      readTimeoutMs: 2_000,
    });
    const ecs = clients.ecs('cn-hangzhou');
    const authorize = () =>
      ecs.authorizeSecurityGroup(
        new $Ecs.AuthorizeSecurityGroupRequest({
          regionId: 'cn-hangzhou',
          securityGroupId: 'sg-web',
          ipProtocol: 'TCP',
          portRange: '22/22',
          sourceCidrIp: '0.0.0.0/0',
        }),
      );
    const gate = new Gate();
    let reached = false;
    const errors = await Promise.all([
      // 1. asked of the gate: refused before the function runs
      gate
        .call('ecs', 'AuthorizeSecurityGroup', 'cn-hangzhou', async () => {
          reached = true;
          return authorize();
        })
        .catch((e: unknown) => e),
      // 2. an SDK client called directly, outside the gate
      authorize().catch((e: unknown) => e),
      // 3. a write smuggled under a read action's label
      gate.call('ecs', 'DescribeSecurityGroups', 'cn-hangzhou', authorize).catch((e: unknown) => e),
      // 4. a read called directly, outside the gate, is refused too
      ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})).catch((e: unknown) => e),
      // 5. a write through the generic ActionTrail client
      gate
        .call('actiontrail', 'DescribeTrails', 'cn-hangzhou', () =>
          clients.actiontrail('DeleteTrail', 'cn-hangzhou', { Name: 'account-trail' }),
        )
        .catch((e: unknown) => e),
      // 6. an action of another service's allowlist under this service
      gate
        .call('ram', 'ListUsers', null, () =>
          clients.ram.deleteUser(new $Ram.DeleteUserRequest({ userName: 'alice' })),
        )
        .catch((e: unknown) => e),
    ]);
    for (const err of errors) {
      expect(err).toMatchObject({ name: 'ActionNotAllowedError', code: 'ActionNotAllowed' });
    }
    expect((errors[0] as Error).message).toMatch(/AuthorizeSecurityGroup.*not a read-only action/);
    expect((errors[2] as Error).message).toMatch(/AuthorizeSecurityGroup/);
    expect((errors[3] as Error).message).toMatch(/outside the gate/);
    expect(reached).toBe(false);
    expect(gate.stats().refused).toBe(1);
    // zero requests reached the emulator
    expect(emu.stats().requests).toEqual({});
  });
});

describe('least privilege', () => {
  it('the policy is the allowlist: IMS as ram:, nothing for STS', () => {
    const expected = Object.entries(READ_ACTIONS)
      .filter(([service]) => service !== 'sts')
      .flatMap(([service, list]) =>
        list.map(
          (a) => `${service === 'ims' ? 'ram' : service === 'sas' ? 'yundun-sas' : service}:${a}`,
        ),
      )
      .filter((a) => !ORGANIZATION_ACTIONS.has(a));
    expect(policyActions().sort()).toEqual([...new Set(expected)].sort());
  });

  it('a caller holding only leastPrivilegePolicy() scans the demo world with no gap', async () => {
    const world = await loadWorld(DEMO);
    // the emulator really denies: without the policy everything but STS fails
    const bare = await serveWithPolicy(world, []);
    const denied = await runCollect(world, {}, bare);
    await bare.close();
    expect(denied.inventory.coverage.length).toBeGreaterThan(0);
    expect(new Set(denied.inventory.coverage.map((c) => c.error.code))).toEqual(
      new Set(['Forbidden.RAM', 'NoPermission']),
    );

    const emu = await serveWithPolicy(world, policyActions());
    const { inventory } = await runCollect(world, {}, emu);
    await emu.close();
    expect(inventory.coverage).toEqual([]);
    expect(inventory.ecs.securityGroups.length).toBeGreaterThan(0);
    expect(inventory.ram.users.length).toBeGreaterThan(0);
    expect(inventory.root.credentialReport).toBeDefined();
    expect(inventory.actiontrail.trails?.length).toBeGreaterThan(0);
  });

  it('without any one action of the policy, the scan still ends and names only that action', async () => {
    const world = await loadWorld(DEMO);
    const all = policyActions();
    const results = await Promise.all(
      all.map(async (removed) => {
        const emu = await serveWithPolicy(
          world,
          all.filter((a) => a !== removed),
        );
        try {
          const { inventory } = await runCollect(world, {}, emu);
          return { removed, coverage: inventory.coverage };
        } finally {
          await emu.close();
        }
      }),
    );
    for (const { removed, coverage } of results) {
      const action = removed.split(':')[1];
      expect(coverage.length, removed).toBeGreaterThan(0);
      expect(
        coverage.filter((c) => c.operation !== action),
        removed,
      ).toEqual([]);
      expect(
        coverage.every((c) => ['Forbidden.RAM', 'NoPermission'].includes(c.error.code)),
        removed,
      ).toBe(true);
    }
  });
});
