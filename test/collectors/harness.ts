/** Start the emulator on a world built in the test and run collect() through the real SDK clients. */

import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { GateStats } from '../../src/collectors/gate.js';
import { type CollectOptions, collect } from '../../src/collectors/index.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { type LoadedRule, loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import type { Inventory } from '../../src/inventory/schema.js';

import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';

export const NOW = new Date('2026-11-01T00:00:00Z');
export const SINCE = new Date('2026-10-01T00:00:00Z');
export const ACCOUNT = '1234567890123456';

export function baseWorld(extra: Partial<WorldInput> = {}): WorldInput {
  return {
    version: 1,
    now: NOW.toISOString(),
    account: {
      accountId: ACCOUNT,
      caller: {
        IdentityType: 'RAMUser',
        AccountId: ACCOUNT,
        UserId: '2000000000000001',
        PrincipalId: '2000000000000001',
        Arn: `acs:ram::${ACCOUNT}:user/auditor`,
      },
    },
    regions: [{ RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)' }],
    ...extra,
  };
}

export interface Run {
  inventory: Inventory;
  emulator: RunningEmulator;
  gate: GateStats;
  ms: number;
}

const running: RunningEmulator[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(running.splice(0).map((e) => e.close()));
}

export async function serve(world: WorldInput): Promise<RunningEmulator> {
  const emu = await startEmulator(parseWorld(world));
  running.push(emu);
  return emu;
}

/** fast defaults: 1 ms backoff, no LookupEvents spacing, 1 ms report polling */
export async function runCollect(
  world: WorldInput,
  options: Partial<CollectOptions> = {},
  emulator?: RunningEmulator,
): Promise<Run> {
  const emu = emulator ?? (await serve(world));
  const credentials = await resolveCredentials();
  let gate: GateStats = { calls: {}, retries: 0, throttled: 0, refused: 0, slowed: {} };
  const t0 = Date.now();
  const inventory = await collect({
    credentials,
    endpoint: emu.url,
    regions: 'all',
    since: SINCE,
    now: NOW,
    readTimeoutMs: 5_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    lookupEventsIntervalMs: 0,
    credentialReportPollDelayMs: 1,
    onStats: (s) => {
      gate = s;
    },
    ...options,
  });
  return { inventory, emulator: emu, gate, ms: Date.now() - t0 };
}

/**
 * Each test of the calling file (or, with `'file'`, the file as a whole) runs
 * with the test AccessKey as the only credential source (nothing inherited
 * from the machine) and its emulators closed after it.
 */
export function isolateCollectorRuns(scope: 'test' | 'file' = 'test'): void {
  let env: IsolatedEnv;
  (scope === 'test' ? beforeEach : beforeAll)(() => {
    env = isolateEnv();
    useEnvKeys();
  });
  (scope === 'test' ? afterEach : afterAll)(async () => {
    await closeAll();
    env.restore();
  });
}

export type Rewrite = (body: unknown) => unknown;

/** an answer given in the emulator's place: an API error a world cannot express */
export interface Answer {
  status: number;
  json: unknown;
}

/** what `pick` sees of a request: it, and its body (an RPC call's form parameters) */
export type Pick = (req: IncomingMessage, sent: Buffer) => Rewrite | Answer | undefined;

/**
 * A loopback proxy in front of the emulator: requests for which `pick` gives a
 * rewrite get the emulator's JSON answer passed through it, those it gives an
 * answer get that answer without asking the emulator; the rest pass as they are.
 */
export async function rewritingProxy(
  upstream: string,
  pick: Pick,
): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(upstream);
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const picked = pick(req, Buffer.concat(chunks));
      if (picked && typeof picked !== 'function') {
        res.writeHead(picked.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(picked.json));
        return;
      }
      const rewrite = picked;
      const fwd = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          if (!rewrite) {
            res.writeHead(up.statusCode ?? 500, up.headers);
            up.pipe(res);
            return;
          }
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            res.writeHead(up.statusCode ?? 500, { 'content-type': 'application/json' });
            res.end(JSON.stringify(rewrite(JSON.parse(Buffer.concat(body).toString('utf8')))));
          });
        },
      );
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = (proxy.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => proxy.close(() => r())),
  };
}

/**
 * `runCollect` with a rewriting proxy (`rewritingProxy`) between the SDK
 * clients and the world's emulator: answers the real service could give but
 * the emulator does not (a field or a list left out).
 */
export async function runCollectRewritten(
  world: WorldInput,
  pick: Pick,
  options: Partial<CollectOptions> = {},
): Promise<Run> {
  const emu = await serve(world);
  const proxy = await rewritingProxy(emu.url, pick);
  try {
    return await runCollect(world, { ...options, endpoint: proxy.url }, emu);
  } finally {
    await proxy.close();
  }
}

let builtins: Promise<LoadedRule[]> | undefined;

/** a built-in rule's verdict on a resource, as the engine gives it (NOW, SINCE): a finding, "not evaluated", or a pass */
export async function verdictOf(
  inventory: Inventory,
  ruleId: string,
  id: string,
): Promise<'finding' | 'not evaluated' | 'pass'> {
  builtins ??= loadBuiltinRules();
  const rules = (await builtins).filter((r) => r.rule.meta.id === ruleId);
  const result = evaluate(inventory, { rules, now: NOW, since: SINCE });
  if (result.findings.some((f) => f.ruleId === ruleId && f.resource.id === id)) return 'finding';
  const unevaluated = result.unevaluated.some((u) => u.ruleId === ruleId && u.resource?.id === id);
  return unevaluated ? 'not evaluated' : 'pass';
}

/** rewrite the answers of `action`: each item of the list at `path` through `edit` */
export function rewriteItems(
  action: string,
  path: readonly string[],
  edit: (item: Record<string, unknown>) => void,
): (req: IncomingMessage) => Rewrite | undefined {
  return (req) =>
    req.headers['x-acs-action'] === action
      ? (body) => {
          let list: unknown = body;
          for (const p of path) list = (list as Record<string, unknown>)[p];
          for (const item of list as Record<string, unknown>[]) edit(item);
          return body;
        }
      : undefined;
}

/** the coverage entries of `operation`, as [resource, code, message] */
export const gapsOf = (inventory: Inventory, operation: string) =>
  inventory.coverage
    .filter((c) => c.operation === operation)
    .map((c) => [c.resource, c.error.code, c.error.message]);
