/**
 * LookupEvents for a RAM-user caller (issue #15): how many calls the scan
 * makes when it learns the root AccessKey's id from the credential report
 * (the hour around the key's last use), against the full read of every event
 * it falls back to when the report cannot name the key, and whether both
 * give the same root findings.
 *
 *   npm run build && node dist/bench/lookup-events.js [--scale 1] [--seed 1] [--latency 50] [--no-record]
 *
 * Two scans of the same generated world (bench/generate-world.ts), each
 * against its own emulator: as generated (the report's last use of the root
 * key is its latest call), and with that last use moved a day before the
 * first root call (the key's id cannot be learnt: full read). Prints one JSON
 * object: LookupEvents calls of each, their ratio, the root findings
 * (`root-*`, `actiontrail-root-*`: rule and resource) of each and whether
 * they are the same, and os.loadavg() before and after; appends it to
 * bench/results.json (`kind: "lookup-events"`) unless --no-record.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorldInput } from '../src/emulator/world.js';
import { BENCH_NOW, generateWorld, positiveNumber } from './generate-world.js';
import { appendResults, benchScanArgs, runAsScript, runNode, startEmulator } from './run.js';

const BIN = resolve(join(import.meta.dirname, '..', '..', 'bin', 'ecs-audit.js'));
const DAY = 86_400_000;

/** the world with the root key's last use dated a day before its first call: the key cannot be identified */
export function withUnidentifiableRootKey(world: WorldInput): WorldInput {
  const key = world.root?.accessKeys?.[0];
  const times = (world.actiontrail?.Events ?? [])
    .filter((e) => (e.userIdentity as { accessKeyId?: string }).accessKeyId === key?.AccessKeyId)
    .map((e) => Date.parse(String(e.eventTime)))
    .sort((a, b) => a - b);
  const first = times[0] ?? Date.parse(BENCH_NOW);
  const lastUsed = new Date(first - DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const copy = structuredClone(world);
  const k = copy.root?.accessKeys?.[0];
  if (k) k.LastUsedDate = lastUsed;
  return copy;
}

interface Finding {
  ruleId: string;
  resource: { type: string; id: string };
}

async function scanOnce(world: WorldInput, tmp: string, tag: string) {
  const file = join(tmp, `${tag}.json`);
  writeFileSync(file, JSON.stringify(world));
  const emu = await startEmulator(file);
  try {
    const out = join(tmp, `${tag}-report.json`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: tmp,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIbenchLookup00001',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret-not-real',
      NO_COLOR: '1',
    };
    const r = await runNode(benchScanArgs(BIN, emu.url), env, tmp, 30 * 60_000, out);
    const stats = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as {
      requests?: Record<string, number>;
    };
    if (r.code !== 0 && r.code !== 3)
      throw new Error(`${tag} scan exited ${r.code}: ${r.stderrTail}`);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      findings: Finding[];
      coverage: unknown[];
    };
    const root = report.findings
      .filter((f) => /^(root-|actiontrail-root-)/.test(f.ruleId))
      .map((f) => `${f.ruleId} ${f.resource.type}/${f.resource.id}`)
      .sort();
    return {
      exit: r.code,
      wallSeconds: Math.round(r.seconds * 10) / 10,
      lookupEvents: stats.requests?.['LookupEvents'] ?? 0,
      coverage: report.coverage.length,
      rootFindings: root,
    };
  } finally {
    await emu.stop();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      latency: { type: 'string', default: '50' },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const scale = positiveNumber(values.scale, '--scale') ?? 1;
  const seed = Math.trunc(positiveNumber(values.seed, '--seed') ?? 1);
  const latencyMs = positiveNumber(values.latency, '--latency') ?? 50;
  const tmp = mkdtempSync(join(tmpdir(), 'ecs-audit-lookup-bench-'));
  try {
    const loadBefore = loadavg().map((n) => Math.round(n * 100) / 100);
    const world = generateWorld({ scale, seed, latencyMs });
    const filtered = await scanOnce(world, tmp, 'filtered');
    const full = await scanOnce(withUnidentifiableRootKey(world), tmp, 'full');
    const same =
      filtered.rootFindings.length === full.rootFindings.length &&
      filtered.rootFindings.every((f, i) => f === full.rootFindings[i]);
    const result = {
      scale,
      seed,
      latencyMs,
      filtered,
      full,
      fullOverFiltered:
        filtered.lookupEvents > 0
          ? Math.round((full.lookupEvents / filtered.lookupEvents) * 100) / 100
          : null,
      sameRootFindings: same,
      loadAverage: { start: loadBefore, end: loadavg().map((n) => Math.round(n * 100) / 100) },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!values['no-record']) {
      const file = appendResults({
        kind: 'lookup-events',
        date: new Date().toISOString(),
        node: process.version,
        args: argv,
        lookupEvents: result,
        targets: [
          `LookupEvents: ${filtered.lookupEvents} calls vs ${full.lookupEvents} for the full read (${result.fullOverFiltered}x fewer), same root findings: ${same}`,
        ],
      });
      process.stdout.write(`figures appended to ${file}\n`);
    }
    return same ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, main);
