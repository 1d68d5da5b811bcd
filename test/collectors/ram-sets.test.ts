/**
 * Set-based RAM reads (issue #20): the users' console password, MFA and
 * AccessKey use from the IMS credential report, membership from
 * ListUsersForGroup, attachments from ListPolicies + ListEntitiesForPolicy.
 *
 * - On every fixture world and on the benchmark generator's world (small
 *   scale), the verdicts equal those of the per-user path (the credential
 *   report denied: every user's facts read per user), the inventory's
 *   membership and attachments equal the world's, and far fewer per-user
 *   calls are made.
 * - Where the report and the live answers disagree, the evidence says which
 *   source won and why: a user created after the report has no row (read per
 *   user); a key created after it has no slot (GetAccessKeyLastUsed).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../bench/generate-world.js';
import { loadWorld, type WorldInput } from '../../src/emulator/world.js';
import { type LoadedRule, loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { ROOT } from '../helpers/cli.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';
import { ACCOUNT, baseWorld, closeAll, NOW, runCollect, SINCE } from './harness.js';

const PER_USER = ['GetLoginProfile', 'GetUserMFAInfo', 'GetAccessKeyLastUsed'];
const NO_REPORT = { action: 'GetCredentialReport', kind: 'accessDenied' } as const;

let env: IsolatedEnv;
let rules: LoadedRule[];
beforeAll(async () => {
  env = isolateEnv();
  useEnvKeys();
  rules = await loadBuiltinRules();
});
afterAll(async () => {
  await closeAll();
  env.restore();
});

/** the findings of the rules that do not read the root's posture (the report feeds it) */
function verdicts(inventory: Inventory, now: Date): string[] {
  const judged = rules.filter((r) => !(r.rule.meta.reads ?? ['root']).includes('root'));
  const since = new Date(inventory.scope.since);
  return evaluate(inventory, { rules: judged, now, since })
    .findings.map((f) => f.fingerprint)
    .sort();
}

async function bothWays(world: WorldInput) {
  const now = new Date(world.now ?? NOW.toISOString());
  const options = { now, since: SINCE, rateLimits: { '*': 0 } };
  const withReport = await runCollect(structuredClone(world), options);
  const perUser = structuredClone(world);
  perUser.emulator = {
    ...perUser.emulator,
    faults: [...(perUser.emulator?.faults ?? []), NO_REPORT],
  };
  const withoutReport = await runCollect(perUser, options);
  return { withReport, withoutReport, now };
}

const calls = (requests: Record<string, number>, actions: string[]) =>
  actions.reduce((n, a) => n + (requests[a] ?? 0), 0);

/** fixture worlds of one account (organization worlds have their own tests) */
const fixtureWorlds = readdirSync(path.join(ROOT, 'fixtures', 'worlds'))
  .filter((f) => f.endsWith('.yaml') && !f.startsWith('org'))
  .sort();

function benchWorld(): WorldInput {
  const w = generateWorld({ scale: 0.005, seed: 3, latencyMs: 0 });
  // no emulator quota here: the scan's calls, not throttling, are under test
  w.emulator = { ...w.emulator, qps: {} };
  return w;
}

describe('set-based RAM reads give the per-user verdicts', () => {
  it.each([...fixtureWorlds, 'bench generator, scale 0.005'])('%s', async (name) => {
    const world = name.endsWith('.yaml')
      ? (structuredClone(
          await loadWorld(path.join(ROOT, 'fixtures', 'worlds', name)),
        ) as WorldInput)
      : benchWorld();
    const { withReport, withoutReport, now } = await bothWays(world);
    expect(withReport.inventory.coverage).toEqual([]);
    expect(withoutReport.inventory.coverage.map((c) => c.operation)).toEqual([
      'GetCredentialReport',
    ]);
    const found = verdicts(withReport.inventory, now);
    expect(found).toEqual(verdicts(withoutReport.inventory, now));
    if (!['clean.yaml', 'empty.yaml'].includes(name)) expect(found.length).toBeGreaterThan(0);
    // membership and attachments are the world's, whichever way
    const users = world.ram?.Users ?? [];
    for (const u of withReport.inventory.ram.users) {
      const w = users.find((x) => x.UserName === u.name);
      expect([...(u.groups ?? ['?'])].sort(), u.name).toEqual([...(w?.Groups ?? [])].sort());
      expect((u.policies ?? []).map((p) => `${p.type}:${p.name}`).sort(), u.name).toEqual(
        (w?.Policies ?? []).map((p) => `${p.PolicyType}:${p.PolicyName}`).sort(),
      );
    }
    // the per-user calls are made only for users the report has no row for
    const rowless = withReport.inventory.ram.users.filter(
      (u) => u.factsSource?.from === 'per-user-calls',
    ).length;
    const req = withReport.emulator.stats().requests;
    expect(req['GetLoginProfile'] ?? 0).toBe(rowless);
    expect(req['GetUserMFAInfo'] ?? 0).toBe(rowless);
    if (users.length > rowless) {
      expect(calls(req, PER_USER)).toBeLessThan(
        calls(withoutReport.emulator.stats().requests, PER_USER),
      );
    }
    for (const a of ['ListGroupsForUser', 'ListPoliciesForUser', 'ListPoliciesForGroup']) {
      expect(req[a] ?? 0, a).toBe(0);
    }
  });
});

describe('the report and the live answers disagree', () => {
  // the report was generated on 2026-10-01: what was created after it is not in it
  const world = (): WorldInput =>
    baseWorld({
      ram: {
        Users: [
          {
            UserName: 'old',
            CreateDate: '2025-01-01T00:00:00Z',
            LoginProfile: { PasswordResetRequired: false, MFABindRequired: false },
            AccessKeys: [
              {
                AccessKeyId: 'LTAI5tOldKeyInReport',
                Status: 'Active',
                CreateDate: '2025-01-01T00:00:00Z',
                LastUsedDate: '2025-02-01T00:00:00Z',
              },
              // created after the report: no slot, so its last use is asked per key
              {
                AccessKeyId: 'LTAI5tOldKeyNewer01',
                Status: 'Active',
                CreateDate: '2026-10-15T00:00:00Z',
              },
            ],
          },
          {
            UserName: 'newcomer',
            CreateDate: '2026-10-20T00:00:00Z',
            LoginProfile: { PasswordResetRequired: false, MFABindRequired: true },
            AccessKeys: [
              {
                AccessKeyId: 'LTAI5tNewcomerKey1',
                Status: 'Active',
                CreateDate: '2026-10-20T00:00:00Z',
              },
            ],
          },
          { UserName: 'quiet', CreateDate: '2025-01-01T00:00:00Z' },
        ],
      },
      root: {
        mfaEnabled: true,
        accessKeys: [],
        credentialReportGeneratedTime: '2026-10-01T00:00:00Z',
      },
    });

  it('a user created after the report is read per user; a key newer than the report asks its last use', async () => {
    const { withReport, withoutReport, now } = await bothWays(world());
    const inv = withReport.inventory;
    expect(inv.coverage).toEqual([]);
    const by = Object.fromEntries(inv.ram.users.map((u) => [u.name, u]));
    expect(by['newcomer']?.factsSource).toEqual({
      from: 'per-user-calls',
      generatedTime: '2026-10-01T00:00:00Z',
      reason: expect.stringContaining('has no row for the user'),
    });
    expect(by['newcomer']?.loginProfile).toEqual({
      passwordResetRequired: false,
      mfaBindRequired: true,
    });
    expect(by['old']?.factsSource?.from).toBe('credential-report');
    expect(by['old']?.factsSource?.reason).toContain(
      '1 AccessKey(s) without a matching report slot',
    );
    expect(by['old']?.accessKeys).toEqual([
      {
        id: 'LTAI5tOldKeyInReport',
        status: 'Active',
        createDate: '2025-01-01T00:00:00Z',
        lastUsedDate: '2025-02-01T00:00:00Z',
      },
      {
        id: 'LTAI5tOldKeyNewer01',
        status: 'Active',
        createDate: '2026-10-15T00:00:00Z',
        lastUsedDate: null,
      },
    ]);
    // a row without keys in a report generated before the scan may predate a key: asked too
    expect(by['quiet']?.accessKeys).toEqual([]);
    expect(by['quiet']?.factsSource?.reason).toContain(
      'generated at 2026-10-01T00:00:00Z, before the scan: keys created since would be missing',
    );
    const req = withReport.emulator.stats().requests;
    expect(req['GetLoginProfile']).toBe(1);
    expect(req['GetUserMFAInfo']).toBe(1);
    // newcomer's key (per user) and old's newer key; not old's reported key
    expect(req['GetAccessKeyLastUsed']).toBe(2);
    // old (its row shows a key), newcomer (no row) and quiet (the report is a month old)
    expect(req['ListAccessKeys']).toBe(3);
    // the same verdicts as reading everyone per user
    const found = verdicts(inv, now);
    expect(found).toEqual(verdicts(withoutReport.inventory, now));
    // both console users without MFA are flagged, whichever source told
    const mfa = evaluate(inv, {
      rules: rules.filter((r) => r.rule.meta.id === 'ram-user-console-without-mfa'),
      now,
      since: SINCE,
    }).findings;
    expect(mfa.map((f) => f.resource.id).sort()).toEqual(['newcomer', 'old']);
    // and the evidence says which source told
    const source = (id: string) =>
      ((mfa.find((f) => f.resource.id === id)?.evidence ?? {}) as { source?: { from: string } })
        .source?.from;
    expect([source('newcomer'), source('old')]).toEqual(['per-user-calls', 'credential-report']);
  });

  it('an unreadable report: every user is read per user, never "none"', async () => {
    const w = world();
    w.emulator = { faults: [NO_REPORT] };
    const { inventory } = await runCollect(w, { now: NOW, since: SINCE });
    for (const u of inventory.ram.users) {
      expect(u.factsSource).toEqual({
        from: 'per-user-calls',
        reason: 'the credential report could not be read',
      });
      expect(u.loginProfile, u.name).not.toBeUndefined();
      expect(u.mfaDevice, u.name).not.toBeUndefined();
      expect(u.accessKeys, u.name).toBeDefined();
    }
    expect(inventory.root.credentialReport).toBeUndefined();
    expect(ACCOUNT).toBe(inventory.account.id);
  });
});
