/**
 * The attack-path analysis benchmark (issue #16): CPU time of the rules that
 * walk reachability — security groups, the vSwitch's network ACL, NAT DNAT —
 * on the scale-1 account (bench/generate-world.ts puts an ACL on every
 * vSwitch and a DNAT table in every region).
 *
 *   npm run build && npm run bench:analysis [-- --scale 1] [--seed 1] [--runs 3]
 *        [--snapshot FILE] [--save-snapshot FILE] [--no-record]
 *
 * The inventory is built once: the generated world is served by the emulator
 * with no latency and no quotas, and `ecs-audit collect --output` (a child
 * process) writes the snapshot; --snapshot FILE reuses one. Then, in this
 * process, each rule alone (a fresh engine run, so it pays for the shared
 * reachability index itself) and the three together (as in a scan: the index
 * is computed once and shared) are timed with process.cpuUsage() (user +
 * system CPU of this process) over --runs runs; the smallest is kept as the
 * figure (the others are load) and every run is recorded, with os.loadavg()
 * before and after. Target: the three together ≤ 1 s CPU. Appends a record
 * to bench/results.json (`kind: "analysis"`) unless --no-record.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type LoadedRule, loadBuiltinRules } from '../src/engine/registry.js';
import { evaluate } from '../src/engine/run.js';
import type { Inventory } from '../src/inventory/schema.js';
import { readSnapshot } from '../src/inventory/snapshot.js';
import { BENCH_NOW, generateWorld, positiveNumber } from './generate-world.js';
import { appendResults, machineFacts, runAsScript, runNode, startEmulator } from './run.js';

export const ANALYSIS_RULES = [
  'instance-admin-port-exposed',
  'instance-exposed-with-privileged-role',
  'instance-public-address-unused',
] as const;

/** issue #16: the attack-path analysis at scale 1, CPU seconds */
export const ANALYSIS_TARGET_CPU_SECONDS = 1;

const BIN = resolve(join(import.meta.dirname, '..', '..', 'bin', 'ecs-audit.js'));

export interface Timing {
  /** user + system CPU of this process, seconds */
  cpuSeconds: number;
  wallSeconds: number;
  findings: number;
  /** os.loadavg() (1, 5, 15 min) before and after */
  loadBefore: number[];
  loadAfter: number[];
}

export interface AnalysisFigures {
  scale: number;
  seed: number;
  counts: {
    instances: number;
    runningWithPublicAddress: number;
    networkInterfaces: number;
    securityGroups: number;
    rules: number;
    networkAcls: number;
    dnatEntries: number;
    coverageGaps: number;
  };
  /** per rule alone (fresh engine run), the smallest CPU of the runs, and every run */
  perRule: Record<string, { cpuSeconds: number; findings: number; runs: Timing[] }>;
  /** the three rules in one engine run (shared reachability index) */
  together: { cpuSeconds: number; wallSeconds: number; findings: number; runs: Timing[] };
  target: string;
}

const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;
const load = () => loadavg().map((n) => round(n, 2));

/** one engine run of `rules` on `inventory`, timed by this process's CPU */
export function timeRules(inventory: Inventory, rules: readonly LoadedRule[]): Timing {
  const now = new Date(BENCH_NOW);
  const since = new Date(now.getTime() - 90 * 86_400_000);
  const loadBefore = load();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const result = evaluate(inventory, { rules, now, since });
  const used = process.cpuUsage(cpu);
  const wallSeconds = (performance.now() - t) / 1000;
  const errors = result.ruleErrors.map((e) => `${e.ruleId}: ${e.message}`);
  if (errors.length > 0) throw new Error(`rule error: ${errors.join('; ')}`);
  return {
    cpuSeconds: round((used.user + used.system) / 1e6),
    wallSeconds: round(wallSeconds),
    findings: result.findings.length,
    loadBefore,
    loadAfter: load(),
  };
}

export function countsOf(inv: Inventory): AnalysisFigures['counts'] {
  const instances = inv.ecs.instances;
  return {
    instances: instances.length,
    runningWithPublicAddress: instances.filter(
      (i) =>
        i.status.toLowerCase() === 'running' &&
        (i.publicIps.length > 0 ||
          (i.eipAddress ?? '') !== '' ||
          (i.networkInterfaces ?? []).some((n) => n.publicIps.length > 0)),
    ).length,
    networkInterfaces: instances.reduce((n, i) => n + (i.networkInterfaces?.length ?? 0), 0),
    securityGroups: inv.ecs.securityGroups.length,
    rules: inv.ecs.securityGroups.reduce((n, g) => n + (g.rules?.length ?? 0), 0),
    networkAcls: inv.vpc.networkAcls.length,
    dnatEntries: inv.vpc.natGateways.reduce((n, g) => n + (g.dnatEntries?.length ?? 0), 0),
    coverageGaps: inv.coverage.length,
  };
}

/** time each rule alone and the three together, `runs` times each; the smallest CPU is the figure */
export function measureAnalysis(
  inventory: Inventory,
  all: readonly LoadedRule[],
  runs: number,
): Pick<AnalysisFigures, 'perRule' | 'together' | 'target'> {
  const chosen = ANALYSIS_RULES.map((id) => {
    const r = all.find((x) => x.rule.meta.id === id);
    if (!r) throw new Error(`rule ${id} not found among the built-in rules`);
    return r;
  });
  const best = (ts: Timing[]) => ts.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
  const perRule: AnalysisFigures['perRule'] = {};
  for (const r of chosen) {
    const ts = Array.from({ length: runs }, () => timeRules(inventory, [r]));
    const b = best(ts);
    perRule[r.rule.meta.id] = { cpuSeconds: b.cpuSeconds, findings: b.findings, runs: ts };
  }
  const ts = Array.from({ length: runs }, () => timeRules(inventory, chosen));
  const b = best(ts);
  return {
    perRule,
    together: {
      cpuSeconds: b.cpuSeconds,
      wallSeconds: b.wallSeconds,
      findings: b.findings,
      runs: ts,
    },
    target: analysisVerdict(b.cpuSeconds),
  };
}

export function analysisVerdict(cpuSeconds: number): string {
  const ok = cpuSeconds <= ANALYSIS_TARGET_CPU_SECONDS;
  return `${ok ? 'PASS' : 'MISS'} attack-path analysis (${ANALYSIS_RULES.join(', ')}) ≤ ${ANALYSIS_TARGET_CPU_SECONDS} s CPU: ${cpuSeconds.toFixed(3)} s`;
}

/** collect the generated world's inventory once: emulator with no latency and no quotas */
async function collectSnapshot(scale: number, seed: number, tmp: string, out: string) {
  const world = generateWorld({ scale, seed, latencyMs: 0 });
  world.emulator = { latencyMs: 0, qps: {}, faults: [] };
  const worldFile = join(tmp, 'world.json');
  writeFileSync(worldFile, JSON.stringify(world));
  const emu = await startEmulator(worldFile);
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: tmp,
      ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIbenchAnalysis001',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret-not-real',
      NO_COLOR: '1',
    };
    const r = await runNode(
      [BIN, 'collect', '--endpoint', emu.url, '--now', BENCH_NOW, '--output', out, '--no-progress'],
      env,
      tmp,
      30 * 60_000,
      join(tmp, 'collect-stdout.txt'),
    );
    if (r.code !== 0 && r.code !== 3)
      throw new Error(
        `collect exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderrTail}`,
      );
    return r.seconds;
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
      runs: { type: 'string', default: '3' },
      snapshot: { type: 'string' },
      'save-snapshot': { type: 'string' },
      'no-record': { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const scale = positiveNumber(values.scale, '--scale') ?? 1;
  const seed = Math.trunc(positiveNumber(values.seed, '--seed') ?? 1);
  const runs = Math.max(1, Math.trunc(positiveNumber(values.runs, '--runs') ?? 3));
  const tmp = mkdtempSync(join(tmpdir(), 'ecs-audit-analysis-bench-'));
  try {
    let snap = values.snapshot ? resolve(values.snapshot) : undefined;
    if (!snap) {
      snap = values['save-snapshot']
        ? resolve(values['save-snapshot'])
        : join(tmp, 'snapshot.json');
      process.stderr.write(
        `bench: collecting the scale-${scale} inventory (no latency, no quotas) ...\n`,
      );
      const s = await collectSnapshot(scale, seed, tmp, snap);
      process.stderr.write(
        `bench: collected in ${s.toFixed(1)} s (${(statSync(snap).size / 1e6).toFixed(1)} MB)\n`,
      );
    }
    const inventory = await readSnapshot(snap);
    const rules = await loadBuiltinRules();
    const figures: AnalysisFigures = {
      scale,
      seed,
      counts: countsOf(inventory),
      ...measureAnalysis(inventory, rules, runs),
    };
    const lines = [
      `scale ${scale}: ${figures.counts.instances} instances (${figures.counts.runningWithPublicAddress} running with a public address), ` +
        `${figures.counts.networkAcls} network ACLs, ${figures.counts.dnatEntries} DNAT entries, ${figures.counts.coverageGaps} coverage gaps`,
      ...Object.entries(figures.perRule).map(
        ([id, r]) =>
          `  ${id} alone: ${r.cpuSeconds.toFixed(3)} s CPU, ${r.findings} findings (runs: ${r.runs.map((t) => t.cpuSeconds.toFixed(3)).join(', ')})`,
      ),
      `  the three together: ${figures.together.cpuSeconds.toFixed(3)} s CPU, ${figures.together.wallSeconds.toFixed(3)} s wall, ${figures.together.findings} findings (runs: ${figures.together.runs.map((t) => t.cpuSeconds.toFixed(3)).join(', ')})`,
      `  load average (1/5/15 min) before the first run ${Object.values(figures.perRule)[0]?.runs[0]?.loadBefore.join(' ')}, after the last ${figures.together.runs.at(-1)?.loadAfter.join(' ')} (${cpus().length} cores)`,
      figures.target,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!values['no-record']) {
      const file = appendResults({
        kind: 'analysis',
        date: new Date().toISOString(),
        machine: machineFacts(),
        node: process.version,
        args: argv,
        analysis: figures,
        targets: [figures.target],
      });
      process.stdout.write(`figures appended to ${file}\n`);
    }
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, main);
