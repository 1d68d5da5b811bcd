/**
 * The large-account benchmark: how close does a full scan come to what the
 * Alibaba Cloud APIs allow?
 *
 *   npm run bench [-- --scale 1 | --scales 0.25,0.5,1] [--latency 50] [--seed 1]
 *                 [--world FILE] [--skip-scan] [--skip-snapshot] [--timeout 1800]
 *                 [--ecs-qps 16 --ram-qps 100 ... --qps Action=N]   (see generate-world.ts)
 *
 * For each scale: generate the world (or use --world), serve it with the
 * project's emulator (a child process), run `ecs-audit scan` against it as a
 * child process, and measure wall time, the scanning process's peak RSS
 * (/proc/<pid>/status VmHWM polled, and the child's own
 * process.resourceUsage().maxRSS written at exit; the larger is kept), the
 * calls the emulator saw, throttled answers. Then `collect --output` once and
 * time `scan --snapshot` with every report format, and time the rule engine
 * alone on that snapshot in this process.
 *
 * Compared with bench/minimal-calls.ts: the minimal number of calls for the
 * world and the lower bound on wall time (api-limits §8). Prints one table
 * (a column per scale), PASS/MISS lines for the targets, and appends a run
 * record to bench/results.json.
 *
 * Needs a build: `npx tsc -p tsconfig.build.json` (runs dist/bench/run.js,
 * dist/src/emulator/main.js and bin/ecs-audit.js).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseWorld, type World } from '../src/emulator/world.js';
import { loadBuiltinRules } from '../src/engine/registry.js';
import { evaluate } from '../src/engine/run.js';
import { readSnapshot } from '../src/inventory/snapshot.js';
import {
  BENCH_NOW,
  defaultWorldPath,
  generateWorld,
  generatorArgs,
  limitsFromFlags,
  positiveNumber,
  projectRoot,
  writeWorld,
} from './generate-world.js';
import { type LowerBound, lowerBound, type MinimalCalls, minimalCalls } from './minimal-calls.js';

const ROOT = projectRoot();
const REPORT_FORMATS = ['json', 'sarif', 'junit', 'markdown', 'html'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

export const TARGETS = {
  wallOverLowerBound: 1.25,
  callsOverMinimal: 1.05,
  throttledPerCall: 1,
  peakRssMb: 512,
  snapshotSeconds: 3,
} as const;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  /** peak RSS in MB (max of /proc VmHWM polling and the child's own maxRSS) */
  peakRssMb: number | null;
  stderrTail: string;
  timedOut: boolean;
}

export interface ScaleFigures {
  scale: number;
  seed: number;
  latencyMs: number;
  world: string;
  counts: Record<string, number>;
  minimalCalls: number;
  lowerBoundSeconds: number;
  lowerBoundBy: string;
  longestChain: { name: string; seconds: number };
  scan?: {
    exitCode: number | null;
    wallSeconds: number;
    peakRssMb: number | null;
    calls: number;
    callsExclThrottled: number;
    throttled: number;
    faults: number;
    byAction: Record<string, { made: number; minimal: number }>;
    wallOverLowerBound: number;
    callsOverMinimal: number;
    throttledPerCall: number;
    stderrTail?: string;
  };
  snapshot?: {
    collectSeconds: number | null;
    collectExitCode: number | null;
    snapshotMb: number | null;
    /** `scan --snapshot` with every supported report format, wall time of the CLI process */
    scanSeconds: number | null;
    scanExitCode: number | null;
    peakRssMb: number | null;
    /** rule engine alone, in-process, on the snapshot */
    ruleEvaluationSeconds: number | null;
    findings: number | null;
    formats: Record<ReportFormat, 'ok' | 'n/a'>;
    stderrTail?: string;
  };
}

// ------------------------------------------------------------ child processes

function readVmHwmKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

let probeFile: string | undefined;
/** an --import module that writes the process's own maxRSS (kB) at exit */
function rssProbe(dir: string): string {
  if (!probeFile) {
    probeFile = join(dir, 'rss-probe.mjs');
    writeFileSync(
      probeFile,
      [
        "import { writeFileSync } from 'node:fs';",
        'const out = process.env.BENCH_RSS_FILE;',
        'if (out) process.on("exit", () => { try { writeFileSync(out, String(process.resourceUsage().maxRSS)); } catch {} });',
        '',
      ].join('\n'),
    );
  }
  return probeFile;
}

function tail(text: string, lines = 6): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** run `node <args>` in ROOT; measure wall time and peak RSS; kill after timeoutMs */
function runNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  tmp: string,
  timeoutMs: number,
  stdoutFile: string,
): Promise<ChildResult> {
  const rssFile = join(tmp, `rss-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
  const probe = pathToFileURL(rssProbe(tmp)).href;
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', probe, ...args], {
      cwd: ROOT,
      env: { ...env, BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    child.stdout?.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes < 256 * 1024 * 1024) out.push(b);
    });
    child.stderr?.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-20_000);
    });
    let hwm = 0;
    const poll = setInterval(() => {
      if (child.pid !== undefined) hwm = Math.max(hwm, readVmHwmKb(child.pid) ?? 0);
    }, 20);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      clearInterval(poll);
      clearTimeout(timer);
      writeFileSync(stdoutFile, Buffer.concat(out));
      let own = 0;
      try {
        own = Number(readFileSync(rssFile, 'utf8')) || 0;
      } catch {
        // the child died before its exit hook
      }
      const kb = Math.max(hwm, own);
      done({
        code,
        signal,
        seconds,
        peakRssMb: kb > 0 ? kb / 1024 : null,
        stderrTail: tail(err),
        timedOut,
      });
    });
  });
}

interface Emulator {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function startEmulator(worldFile: string, timeoutMs = 180_000): Promise<Emulator> {
  const main = join(ROOT, 'dist', 'src', 'emulator', 'main.js');
  if (!existsSync(main)) {
    return Promise.reject(new Error(`${main} not found: build first (npx tsc -p tsconfig.build.json)`));
  }
  const child = spawn(process.execPath, [main, worldFile, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err = (err + b.toString('utf8')).slice(-4000);
  });
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`emulator did not start within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl({ url: m[1], child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with code ${code}: ${tail(err, 3)}`));
    });
  });
}

interface EmulatorStats {
  requests: Record<string, number>;
  throttled: number;
  faults: number;
}

async function emulatorStats(url: string): Promise<EmulatorStats> {
  const res = await fetch(`${url}/__emulator/stats`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as Partial<EmulatorStats>;
  return { requests: body.requests ?? {}, throttled: body.throttled ?? 0, faults: body.faults ?? 0 };
}

function diffStats(after: EmulatorStats, before: EmulatorStats): EmulatorStats {
  const requests: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.requests)) {
    const d = v - (before.requests[k] ?? 0);
    if (d > 0) requests[k] = d;
  }
  return { requests, throttled: after.throttled - before.throttled, faults: after.faults - before.faults };
}

function scanEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIbenchBench000000',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret-not-real',
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
  };
  return env;
}

// ------------------------------------------------------------ one scale

interface RunOptions {
  scale: number;
  seed: number;
  latencyMs: number;
  worldFile?: string;
  skipScan: boolean;
  skipSnapshot: boolean;
  timeoutMs: number;
  limits: ReturnType<typeof limitsFromFlags>;
}

function countsOf(world: World): Record<string, number> {
  const blocks = Object.values(world.ecs);
  const sum = (f: (b: World['ecs'][string]) => number) => blocks.reduce((n, b) => n + f(b), 0);
  return {
    regions: world.regions.length,
    securityGroups: sum((b) => b.SecurityGroups.length),
    rules: sum((b) => b.SecurityGroups.reduce((n, g) => n + g.Permissions.length, 0)),
    instances: sum((b) => b.Instances.length),
    disks: sum((b) => b.Disks.length),
    keyPairs: sum((b) => b.KeyPairs.length),
    invocations: sum((b) => b.Invocations.length),
    users: world.ram.Users.length,
    policies: world.ram.Policies.length,
    events: world.actiontrail.Events.length,
  };
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function runScale(opts: RunOptions, tmpRoot: string): Promise<ScaleFigures> {
  let worldFile = opts.worldFile;
  let world: World;
  if (worldFile) {
    world = parseWorld(JSON.parse(readFileSync(worldFile, 'utf8')) as unknown, worldFile);
  } else {
    const t = performance.now();
    const input = generateWorld({ scale: opts.scale, seed: opts.seed, latencyMs: opts.latencyMs, limits: opts.limits });
    worldFile = defaultWorldPath(opts.scale, opts.seed, opts.latencyMs);
    writeWorld(worldFile, input);
    log(`world ${worldFile} generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    world = parseWorld(input, worldFile);
  }
  const now = new Date(BENCH_NOW);
  const min: MinimalCalls = minimalCalls(world, { now });
  const bound: LowerBound = lowerBound(min, world.emulator.qps, world.emulator.latencyMs);
  const b = bound.slowestBucket;
  const figures: ScaleFigures = {
    scale: opts.scale,
    seed: opts.seed,
    latencyMs: world.emulator.latencyMs,
    world: worldFile,
    counts: countsOf(world),
    minimalCalls: min.total,
    lowerBoundSeconds: round(bound.seconds, 2),
    lowerBoundBy:
      bound.bindingBy === 'bucket'
        ? `bucket ${b.action}${b.region ? `@${b.region}` : ''}: ${b.calls} calls at ${b.limit ?? '∞'}/s`
        : `chain ${bound.longestChain.name}`,
    longestChain: { name: bound.longestChain.name, seconds: round(bound.longestChain.seconds, 2) },
  };
  log(`scale ${opts.scale}: ${min.total} calls needed, lower bound ${bound.seconds.toFixed(1)} s (${figures.lowerBoundBy})`);
  if (opts.skipScan && opts.skipSnapshot) return figures;

  const tmp = mkdtempSync(join(tmpRoot, `scale-${opts.scale}-`));
  const home = join(tmp, 'home');
  mkdirSync(home);
  const env = scanEnv(home);
  const emulator = await startEmulator(worldFile);
  log(`emulator at ${emulator.url}`);
  try {
    if (!opts.skipScan) {
      const before = await emulatorStats(emulator.url);
      log(`scanning (estimate ≥ ${bound.seconds.toFixed(0)} s) ...`);
      const scan = await runNode(
        [
          'bin/ecs-audit.js',
          'scan',
          '--endpoint',
          emulator.url,
          '--now',
          BENCH_NOW,
          '--format',
          'json',
          '--report',
          `json=${join(tmp, 'scan-report.json')}`,
          '--no-progress',
        ],
        env,
        tmp,
        opts.timeoutMs,
        join(tmp, 'scan-stdout.json'),
      );
      const stats = diffStats(await emulatorStats(emulator.url), before);
      const calls = Object.values(stats.requests).reduce((n, v) => n + v, 0);
      const byAction: Record<string, { made: number; minimal: number }> = {};
      for (const a of new Set([...Object.keys(stats.requests), ...Object.keys(min.byAction)])) {
        byAction[a] = { made: stats.requests[a] ?? 0, minimal: min.byAction[a] ?? 0 };
      }
      const callsExcl = calls - stats.throttled;
      figures.scan = {
        exitCode: scan.code,
        wallSeconds: round(scan.seconds, 2),
        peakRssMb: scan.peakRssMb === null ? null : round(scan.peakRssMb, 1),
        calls,
        callsExclThrottled: callsExcl,
        throttled: stats.throttled,
        faults: stats.faults,
        byAction,
        wallOverLowerBound: round(scan.seconds / bound.seconds, 2),
        callsOverMinimal: round(callsExcl / min.total, 3),
        throttledPerCall: round(stats.throttled / min.total, 3),
        ...(scan.code !== 0 && scan.code !== 1 ? { stderrTail: scan.stderrTail } : {}),
      };
      log(
        `scan exit ${scan.code}${scan.timedOut ? ' (timed out)' : ''} in ${scan.seconds.toFixed(1)} s, ${calls} calls, ${stats.throttled} throttled`,
      );
      if (scan.code !== 0 && scan.code !== 1) log(`scan stderr:\n${scan.stderrTail}`);
    }
    if (!opts.skipSnapshot) figures.snapshot = await snapshotFigures(emulator.url, env, tmp, opts.timeoutMs);
  } finally {
    await emulator.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  return figures;
}

async function snapshotFigures(
  url: string,
  env: NodeJS.ProcessEnv,
  tmp: string,
  timeoutMs: number,
): Promise<NonNullable<ScaleFigures['snapshot']>> {
  const snap = join(tmp, 'snapshot.json');
  log('collect --output ...');
  const collected = await runNode(
    ['bin/ecs-audit.js', 'collect', '--endpoint', url, '--now', BENCH_NOW, '--output', snap, '--no-progress'],
    env,
    tmp,
    timeoutMs,
    join(tmp, 'collect-stdout.txt'),
  );
  const formats = Object.fromEntries(REPORT_FORMATS.map((f) => [f, 'n/a'])) as Record<ReportFormat, 'ok' | 'n/a'>;
  const result: NonNullable<ScaleFigures['snapshot']> = {
    collectSeconds: round(collected.seconds, 2),
    collectExitCode: collected.code,
    snapshotMb: existsSync(snap) ? round(statSync(snap).size / 1e6, 1) : null,
    scanSeconds: null,
    scanExitCode: null,
    peakRssMb: null,
    ruleEvaluationSeconds: null,
    findings: null,
    formats,
  };
  if (!existsSync(snap)) {
    result.stderrTail = collected.stderrTail;
    log(`collect wrote no snapshot (exit ${collected.code}):\n${collected.stderrTail}`);
    return result;
  }
  const snapshotScan = (list: readonly ReportFormat[]) =>
    runNode(
      [
        'bin/ecs-audit.js',
        'scan',
        '--snapshot',
        snap,
        '--now',
        BENCH_NOW,
        '--format',
        'json',
        ...list.flatMap((f) => ['--report', `${f}=${join(tmp, `report.${f}`)}`]),
      ],
      env,
      tmp,
      timeoutMs,
      join(tmp, 'snapshot-stdout.json'),
    );
  // every format at once; exit 2 = a format (or the snapshot) is not supported: find out which
  let supported: ReportFormat[] = [...REPORT_FORMATS];
  let run = await snapshotScan(supported);
  if (run.code === 2) {
    supported = [];
    for (const f of REPORT_FORMATS) {
      const one = await snapshotScan([f]);
      if (one.code !== 2) supported.push(f);
    }
    run = await snapshotScan(supported);
  }
  for (const f of supported) formats[f] = 'ok';
  result.scanSeconds = round(run.seconds, 2);
  result.scanExitCode = run.code;
  result.peakRssMb = run.peakRssMb === null ? null : round(run.peakRssMb, 1);
  if (run.code === 2) result.stderrTail = run.stderrTail;

  // the rule engine alone, in this process
  try {
    const inventory = await readSnapshot(snap);
    const rules = await loadBuiltinRules();
    const now = new Date(BENCH_NOW);
    const since = new Date(now.getTime() - 90 * 86_400_000);
    const t = performance.now();
    const evaluation = evaluate(inventory, { rules, now, since });
    result.ruleEvaluationSeconds = round((performance.now() - t) / 1000, 3);
    result.findings = evaluation.findings.length;
  } catch (err) {
    log(`in-process rule evaluation failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return result;
}

// ------------------------------------------------------------ output

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const fmt = (n: number | null | undefined, digits = 1, unit = '') =>
  n === null || n === undefined ? 'n/a' : `${n.toFixed(digits)}${unit}`;

export function renderTable(all: ScaleFigures[]): string {
  const rows: Array<[string, ...string[]]> = [
    ['scale', ...all.map((f) => String(f.scale))],
    ['regions / SGs / rules', ...all.map((f) => `${f.counts['regions']} / ${f.counts['securityGroups']} / ${f.counts['rules']}`)],
    ['instances / disks', ...all.map((f) => `${f.counts['instances']} / ${f.counts['disks']}`)],
    ['RAM users / events', ...all.map((f) => `${f.counts['users']} / ${f.counts['events']}`)],
    ['latency per call', ...all.map((f) => `${f.latencyMs} ms`)],
    ['minimal API calls', ...all.map((f) => String(f.minimalCalls))],
    ['API calls made (excl. throttled)', ...all.map((f) => (f.scan ? `${f.scan.callsExclThrottled}` : 'n/a'))],
    ['calls / minimal', ...all.map((f) => fmt(f.scan?.callsOverMinimal, 3))],
    ['throttled answers', ...all.map((f) => (f.scan ? String(f.scan.throttled) : 'n/a'))],
    ['throttled / minimal calls', ...all.map((f) => fmt(f.scan?.throttledPerCall, 3))],
    ['lower bound (s)', ...all.map((f) => fmt(f.lowerBoundSeconds, 1))],
    ['  set by', ...all.map((f) => f.lowerBoundBy)],
    ['  longest chain (s)', ...all.map((f) => `${fmt(f.longestChain.seconds, 2)} ${f.longestChain.name}`)],
    ['scan wall time (s)', ...all.map((f) => fmt(f.scan?.wallSeconds, 1))],
    ['wall / lower bound', ...all.map((f) => fmt(f.scan?.wallOverLowerBound, 2))],
    ['scan exit code', ...all.map((f) => String(f.scan?.exitCode ?? 'n/a'))],
    ['scan peak RSS (MB)', ...all.map((f) => fmt(f.scan?.peakRssMb, 0))],
    ['collect (s) / snapshot (MB)', ...all.map((f) => `${fmt(f.snapshot?.collectSeconds, 1)} / ${fmt(f.snapshot?.snapshotMb, 1)}`)],
    ['rule evaluation in-process (s)', ...all.map((f) => fmt(f.snapshot?.ruleEvaluationSeconds, 3))],
    ['scan --snapshot + reports (s)', ...all.map((f) => fmt(f.snapshot?.scanSeconds, 2))],
    ['  peak RSS (MB)', ...all.map((f) => fmt(f.snapshot?.peakRssMb, 0))],
    [
      '  formats',
      ...all.map((f) =>
        f.snapshot
          ? Object.entries(f.snapshot.formats)
              .map(([k, v]) => `${k}:${v}`)
              .join(' ')
          : 'n/a',
      ),
    ],
  ];
  const columns = all.length + 1;
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' │ ');
  const sep = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const [head, ...body] = rows;
  return [line(head ?? []), sep, ...body.map(line)].join('\n');
}

export function checkTargets(all: ScaleFigures[]): string[] {
  const lines: string[] = [];
  const target = all.find((f) => f.scale === 1) ?? all[all.length - 1];
  if (!target) return lines;
  const note = target.scale === 1 ? '' : ` (measured at scale ${target.scale}; targets are set for scale 1)`;
  const check = (ok: boolean | null, text: string) => lines.push(`${ok === null ? 'N/A ' : ok ? 'PASS' : 'MISS'} ${text}${note}`);
  const s = target.scan;
  check(
    s ? s.wallOverLowerBound <= TARGETS.wallOverLowerBound : null,
    `wall ≤ ${TARGETS.wallOverLowerBound} × lower bound: ${fmt(s?.wallSeconds)} s vs ${fmt(target.lowerBoundSeconds)} s = ${fmt(s?.wallOverLowerBound, 2)}×`,
  );
  check(
    s ? s.callsOverMinimal <= TARGETS.callsOverMinimal : null,
    `calls ≤ ${TARGETS.callsOverMinimal} × minimal: ${s?.callsExclThrottled ?? 'n/a'} vs ${target.minimalCalls} = ${fmt(s?.callsOverMinimal, 3)}×`,
  );
  check(
    s ? s.throttledPerCall <= TARGETS.throttledPerCall : null,
    `throttled ≤ ${TARGETS.throttledPerCall} per needed call: ${s?.throttled ?? 'n/a'} / ${target.minimalCalls} = ${fmt(s?.throttledPerCall, 3)}`,
  );
  check(
    s?.peakRssMb !== null && s?.peakRssMb !== undefined ? s.peakRssMb <= TARGETS.peakRssMb : null,
    `peak RSS ≤ ${TARGETS.peakRssMb} MB: ${fmt(s?.peakRssMb, 0)} MB`,
  );
  const snap = target.snapshot;
  const allFormats = snap ? Object.values(snap.formats).every((v) => v === 'ok') : false;
  check(
    snap?.scanSeconds !== null && snap?.scanSeconds !== undefined && snap.scanExitCode !== 2
      ? snap.scanSeconds <= TARGETS.snapshotSeconds
      : null,
    `rule evaluation + all report formats ≤ ${TARGETS.snapshotSeconds} s: ${fmt(snap?.scanSeconds, 2)} s` +
      ` (CLI process, incl. start-up and snapshot read; engine alone ${fmt(snap?.ruleEvaluationSeconds, 3)} s)` +
      (snap && !allFormats ? ' — some formats n/a' : ''),
  );
  // memory grows at most linearly: MB per unit of scale must not rise with scale (10% slack)
  const rss = all
    .filter((f) => f.scan?.peakRssMb)
    .map((f) => ({ scale: f.scale, mb: f.scan?.peakRssMb ?? 0 }))
    .sort((a, b) => a.scale - b.scale);
  if (rss.length >= 2) {
    const first = rss[0];
    const last = rss[rss.length - 1];
    if (first && last) {
      const ok = last.mb / first.mb <= (last.scale / first.scale) * 1.1;
      lines.push(
        `${ok ? 'PASS' : 'MISS'} peak RSS grows at most linearly: ${rss.map((r) => `${r.scale}: ${r.mb.toFixed(0)} MB`).join(', ')}`,
      );
    }
  }
  return lines;
}

interface RunRecord {
  date: string;
  machine: { cores: number; cpu: string; memoryGb: number; platform: string };
  node: string;
  args: string[];
  runs: ScaleFigures[];
  targets: string[];
}

function appendResults(record: RunRecord): string {
  const file = join(ROOT, 'bench', 'results.json');
  let records: RunRecord[] = [];
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (Array.isArray(parsed)) records = parsed as RunRecord[];
    } catch {
      log(`${file} is not JSON; starting a new list`);
    }
  }
  records.push(record);
  writeFileSync(file, `${JSON.stringify(records, null, 2)}\n`);
  return file;
}

// ------------------------------------------------------------ CLI

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...generatorArgs,
      scales: { type: 'string' },
      world: { type: 'string' },
      'skip-scan': { type: 'boolean', default: false },
      'skip-snapshot': { type: 'boolean', default: false },
      'no-record': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '1800' },
    },
    allowPositionals: false,
  });
  const scales = (values.scales ?? values.scale ?? '1').split(',').map((s) => {
    const n = positiveNumber(s.trim(), '--scales');
    if (!n) throw new Error(`--scales: not a positive number: "${s}"`);
    return n;
  });
  if (values.world && scales.length > 1) throw new Error('--world takes one world, not --scales');
  const seed = Math.trunc(positiveNumber(values.seed, '--seed') ?? 1);
  const latencyMs = positiveNumber(values.latency, '--latency') ?? 50;
  const timeoutMs = (positiveNumber(values.timeout, '--timeout') ?? 1800) * 1000;
  const limits = limitsFromFlags(values);
  const tmpRoot = mkdtempSync(join(tmpdir(), 'ecs-audit-bench-'));
  const all: ScaleFigures[] = [];
  try {
    for (const scale of scales) {
      all.push(
        await runScale(
          {
            scale,
            seed,
            latencyMs,
            ...(values.world ? { worldFile: resolve(values.world) } : {}),
            skipScan: values['skip-scan'],
            skipSnapshot: values['skip-snapshot'] || values['skip-scan'],
            timeoutMs,
            limits,
          },
          tmpRoot,
        ),
      );
    }
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  process.stdout.write(`${renderTable(all)}\n\n`);
  const targets = checkTargets(all);
  if (targets.length) process.stdout.write(`${targets.join('\n')}\n`);
  for (const f of all) {
    const excess = Object.entries(f.scan?.byAction ?? {})
      .filter(([, v]) => v.made !== v.minimal)
      .map(([a, v]) => `${a} ${v.made}/${v.minimal}`);
    if (excess.length) process.stdout.write(`scale ${f.scale} calls made/minimal where they differ: ${excess.join(', ')}\n`);
  }
  if (!values['no-record']) {
    const cpu = cpus();
    const file = appendResults({
      date: new Date().toISOString(),
      machine: {
        cores: cpu.length,
        cpu: cpu[0]?.model ?? 'unknown',
        memoryGb: round(totalmem() / 2 ** 30, 1),
        platform: `${process.platform}-${process.arch}`,
      },
      node: process.version,
      args: argv,
      runs: all,
      targets,
    });
    process.stdout.write(`figures appended to ${file}\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
