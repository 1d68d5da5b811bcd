/**
 * The fault matrix generated from READ_ACTIONS (issue 14): every read action
 * the collectors call × every way its answer can fail — throttled past the
 * retries, 5xx, a held answer (timeout), malformed JSON, valid JSON without
 * the list (`missingList`), AccessDenied, and endless paging where the action
 * pages. Rows come from READ_ACTIONS itself, so an action cannot be added
 * without its rows; the demo world must make the scan call it, and PAGED must
 * say whether it pages.
 *
 * Each cell collects the demo account in-process through the real SDK
 * clients against an emulator serving that one fault, evaluates the built-in
 * rules, and `assertCell` checks: the collection ended, the coverage names the
 * action (with a region for regional services), and every finding is one the
 * complete answer also gives (by fingerprint). A few cells run the CLI to
 * check exit code 3.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORGANIZATION_ACTIONS, READ_ACTIONS } from '../../src/collectors/gate.js';
import { CallerIdentityError, collect } from '../../src/collectors/index.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { type FaultKind, loadWorld, type World } from '../../src/emulator/world.js';
import { type LoadedRule, loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import { dataOf, readsKey } from '../../src/engine/unevaluated.js';
import type { Inventory, Service } from '../../src/inventory/schema.js';
import { BIN, ROOT, runNode, testEnv } from '../helpers/cli.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';

const WORLD_FILE = path.join(ROOT, 'fixtures', 'worlds', 'demo.yaml');
/** long enough that only a held answer times out, even with cells running side by side */
const READ_TIMEOUT_MS = 1_000;
const HOLD_MS = 1_500;
/** few, fast retries: a fault that outlives them must still end as a coverage gap */
const RETRY = {
  maxAttempts: 2,
  maxThrottleRetries: 1,
  throttleDelayMs: 1,
  baseDelayMs: 1,
  maxDelayMs: 2,
};

type Action = { service: Service; action: string };
// the organization scan's own actions (ListAccounts, AssumeRole) are not called by a
// single-account scan; their failures are covered by test/e2e/org.e2e.test.ts and
// test/emulator/organization.test.ts
const ACTIONS: Action[] = (Object.entries(READ_ACTIONS) as Array<[Service, readonly string[]]>)
  .flatMap(([service, actions]) => actions.map((action) => ({ service, action })))
  .filter((a) => !ORGANIZATION_ACTIONS.has(`${a.service}:${a.action}`));

/**
 * Whether each read action pages (a cursor or page numbers): those get an
 * endless-paging cell. Every read action must be listed (see the first test).
 */
const PAGED: Record<string, boolean> = {
  'sts:GetCallerIdentity': false,
  'ecs:DescribeRegions': false,
  'ecs:DescribeSecurityGroups': true,
  'ecs:DescribeSecurityGroupAttribute': true,
  'ecs:DescribeInstances': true,
  'ecs:DescribeNetworkInterfaces': true,
  'ecs:DescribeInstanceRamRole': true,
  'ecs:DescribeKeyPairs': true,
  'ecs:DescribeDisks': true,
  'ecs:DescribeInvocations': true,
  'ecs:DescribePrefixLists': true,
  'ecs:DescribePrefixListAttributes': false,
  'ecs:DescribePortRangeLists': true,
  'ecs:DescribePortRangeListEntries': false,
  'ram:ListUsers': true,
  'ram:GetLoginProfile': false,
  'ram:GetUserMFAInfo': false,
  'ram:ListAccessKeys': false,
  'ram:GetAccessKeyLastUsed': false,
  'ram:ListGroups': true,
  'ram:ListUsersForGroup': true,
  'ram:ListRoles': true,
  'ram:GetRole': false,
  'ram:ListPolicies': true,
  'ram:ListEntitiesForPolicy': false,
  'ram:GetPolicy': false,
  'ram:GetPasswordPolicy': false,
  'ram:GetSecurityPreference': false,
  'ims:GetAccountSecurityPracticeReport': false,
  'ims:GetAccountMFAInfo': false,
  'ims:GenerateCredentialReport': false,
  'ims:GetCredentialReport': true,
  'actiontrail:DescribeTrails': false,
  'actiontrail:GetTrailStatus': false,
  'actiontrail:LookupEvents': true,
  'actiontrail:GetGlobalEventsStorageRegion': false,
  'resourcemanager:ListPolicyAttachments': true,
  'sas:DescribeCloudCenterInstances': true,
  'vpc:DescribeIpv6Addresses': true,
  'vpc:DescribeNetworkAcls': true,
  'vpc:DescribeNatGateways': true,
  'vpc:DescribeForwardTableEntries': true,
  'vpc:DescribeEipAddresses': true,
};

/** services whose calls are made per region (their coverage names one) */
const REGIONAL: ReadonlySet<Service> = new Set<Service>(['ecs', 'actiontrail', 'vpc']);
/** regional services' account-wide calls: their coverage names no region */
const ACCOUNT_WIDE: ReadonlySet<string> = new Set(['ecs:DescribeRegions']);

const KINDS: FaultKind[] = [
  'throttle',
  'serverError',
  'timeout',
  'malformedJson',
  'missingList',
  'accessDenied',
];

const key = (a: Action) => `${a.service}:${a.action}`;

let env: IsolatedEnv;
let world: World;
let rules: LoadedRule[];
let clean: CellResult;
const running = new Set<RunningEmulator>();

interface CellResult {
  action: Action;
  kind: FaultKind | 'none';
  inventory?: Inventory;
  /** the collection's fatal error (only a caller identity that cannot be read) */
  error?: unknown;
  fingerprints: string[];
  /** the coverage index of every unevaluated pair */
  unevaluatedCoverage: number[];
  ms: number;
}

/** collect the world with one fault on every call of `action`, then evaluate the built-in rules */
async function runCell(action: Action | undefined, kind: FaultKind | 'none'): Promise<CellResult> {
  const w = structuredClone(world);
  w.emulator.timeoutHoldMs = HOLD_MS;
  if (action && kind !== 'none') w.emulator.faults = [{ action: action.action, kind }];
  const emulator = await startEmulator(w);
  running.add(emulator);
  const now = new Date(w.now as string);
  const t0 = Date.now();
  try {
    const inventory = await collect({
      credentials: await resolveCredentials(),
      endpoint: emulator.url,
      now,
      readTimeoutMs: READ_TIMEOUT_MS,
      retry: RETRY,
      // no client-side rate limits: the emulator has no quota here
      rateLimits: Object.fromEntries(ACTIONS.map((a) => [a.action, 0])),
      lookupEventsIntervalMs: 0,
      credentialReportPollDelayMs: 1,
      // a short first page ends a numbered listing whatever TotalCount says: endless
      // paging needs full pages, so those cells ask for the smallest pages
      ...(kind === 'repeatPage' ? { maxPageSize: 1 } : {}),
    });
    const since = new Date(inventory.scope.since);
    const { findings, unevaluated } = evaluate(inventory, { rules, now, since });
    return {
      action: action ?? { service: 'sts', action: '' },
      kind,
      inventory,
      fingerprints: findings.map((f) => f.fingerprint),
      unevaluatedCoverage: unevaluated.map((u) => u.coverage),
      ms: Date.now() - t0,
    };
  } catch (error) {
    return {
      action: action ?? { service: 'sts', action: '' },
      kind,
      error,
      fingerprints: [],
      unevaluatedCoverage: [],
      ms: Date.now() - t0,
    };
  } finally {
    running.delete(emulator);
    await emulator.close();
  }
}

/**
 * What every cell must show: the scan ended, the gap is named, no finding
 * was invented, and every rule that reads the missing data has it marked
 * "not evaluated" (at least one pair points at the gap).
 */
function assertCell(result: CellResult): void {
  const { action, kind } = result;
  const label = `${key(action)} × ${kind}`;
  // ended, in bounded time: a held answer costs one read timeout per attempt
  expect(result.ms, label).toBeLessThan(10_000);
  if (action.service === 'sts' && action.action === 'GetCallerIdentity') {
    // the one fatal gap: nothing can be scanned without knowing who we are
    expect(result.error, label).toBeInstanceOf(CallerIdentityError);
    expect((result.error as Error).message, label).toContain('GetCallerIdentity');
    expect((result.error as Error).message, label).not.toMatch(/\n/);
    return;
  }
  expect(result.error, label).toBeUndefined();
  const inventory = result.inventory as Inventory;
  // the coverage names the action, and a region for a regional service
  const gaps = inventory.coverage.filter(
    (c) => c.service === action.service && c.operation === action.action,
  );
  expect(gaps.length, `${label}: no coverage entry names the action`).toBeGreaterThan(0);
  for (const gap of gaps) {
    if (REGIONAL.has(action.service) && !ACCOUNT_WIDE.has(key(action))) {
      expect(inventory.scope.regions, label).toContain(gap.region);
    } else expect(gap.region, label).toBeNull();
    expect(gap.error.message, label).not.toMatch(/\n/);
    if (kind === 'missingList') {
      expect(['MalformedResponse', 'MissingField'], label).toContain(gap.error.code);
    }
  }
  // the rules that read the missing data say "not evaluated": a pair points at one of the
  // action's gaps (each resource is listed once per rule, under its first cause, so
  // several gaps of one action may share the pairs of the first)
  const pointed = new Set(result.unevaluatedCoverage);
  let needsPair = false;
  let hasPair = false;
  inventory.coverage.forEach((gap, i) => {
    if (gap.service !== action.service || gap.operation !== action.action) return;
    const data = dataOf(gap);
    expect(data, `${label}: the gap maps to a data key`).toBeDefined();
    if (rules.some((r) => readsKey(r.rule.meta.reads, data!.key))) needsPair = true;
    if (pointed.has(i)) hasPair = true;
  });
  if (needsPair) expect(hasPair, `${label}: no unevaluated pair points at the gap`).toBe(true);
  // no finding the complete answer would not also give
  const complete = new Set(clean.fingerprints);
  const extra = result.fingerprints.filter((f) => !complete.has(f));
  expect(extra, `${label}: findings the complete answer does not give`).toEqual([]);
}

beforeAll(async () => {
  env = isolateEnv();
  useEnvKeys();
  world = await loadWorld(WORLD_FILE);
  rules = await loadBuiltinRules();
  clean = await runCell(undefined, 'none');
}, 30_000);
afterAll(async () => {
  await Promise.all([...running].map((e) => e.close()));
  env.restore();
});

describe('the read-action fault matrix', () => {
  it('every read action says whether it pages, and the complete scan calls it', async () => {
    expect(ACTIONS.filter((a) => !Object.hasOwn(PAGED, key(a))).map(key)).toEqual([]);
    expect(Object.keys(PAGED).filter((k) => !ACTIONS.some((a) => key(a) === k))).toEqual([]);
    expect(clean.error).toBeUndefined();
    expect(clean.inventory?.coverage).toEqual([]);
    expect(clean.fingerprints.length).toBeGreaterThan(10);
    // a cell can only name an action the scan calls: the demo world must use every one
    const w = structuredClone(world);
    const emulator = await startEmulator(w);
    running.add(emulator);
    try {
      await collect({
        credentials: await resolveCredentials(),
        endpoint: emulator.url,
        now: new Date(w.now as string),
        rateLimits: Object.fromEntries(ACTIONS.map((a) => [a.action, 0])),
        lookupEventsIntervalMs: 0,
        credentialReportPollDelayMs: 1,
      });
      const called = emulator.stats().requests;
      expect(ACTIONS.filter((a) => !(called[a.action] ?? 0)).map(key)).toEqual([]);
    } finally {
      running.delete(emulator);
      await emulator.close();
    }
  });

  for (const action of ACTIONS) {
    const kinds: FaultKind[] = [...KINDS, ...(PAGED[key(action)] ? ['repeatPage' as const] : [])];
    describe.concurrent(key(action), () => {
      for (const kind of kinds) {
        it(`× ${kind}: a gap naming the action, no finding beyond the complete scan's`, async () => {
          assertCell(await runCell(action, kind));
        });
      }
    });
  }

  // the CLI turns such a gap into exit code 3 (incomplete, no finding at the fail-on level)
  describe('through the CLI', () => {
    for (const [action, kind] of [['ListAccessKeys', 'missingList']] as const) {
      it(`${action} × ${kind}: exit 3`, { timeout: 60_000 }, async () => {
        const w = structuredClone(world);
        w.emulator.faults = [{ action, kind }];
        const emulator = await startEmulator(w);
        running.add(emulator);
        try {
          const r = await runNode(
            [
              BIN,
              'scan',
              '--endpoint',
              emulator.url,
              '--now',
              w.now as string,
              '--fail-on',
              'none',
              '--format',
              'json',
              '--no-progress',
            ],
            { env: testEnv(), timeoutMs: 50_000 },
          );
          expect(r.code, r.stderr).toBe(3);
          const report = JSON.parse(r.stdout) as { coverage: Array<{ operation: string }> };
          expect(report.coverage.map((c) => c.operation)).toContain(action);
        } finally {
          running.delete(emulator);
          await emulator.close();
        }
      });
    }
  });
});
