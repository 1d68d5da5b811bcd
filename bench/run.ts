/**
 * The large-account benchmark: how close does a full scan come to what the
 * Alibaba Cloud APIs allow?
 *
 *   npm run bench [-- --scale 1 | --scales 0.25,0.5,1] [--latency 50] [--seed 1]
 *                 [--world FILE] [--skip-scan] [--skip-snapshot] [--snapshot-only]
 *                 [--timeout 1800]
 *                 [--keep] [--no-record]
 *                 [--ecs-qps 16 --ram-qps 100 ... --qps Action=N]   (see generate-world.ts)
 *
 * For each scale: generate the world (or use --world), serve it with the
 * project's emulator (a child process; the world's `emulator` block sets the
 * per-call latency and the per-action QPS limits), run
 * `ecs-audit scan --endpoint <emulator> --format json --fail-on none` as a
 * child process, and measure wall time, CPU time and peak RSS of the scanning
 * process (/proc/<pid>/status VmHWM polled, and the child's own
 * process.resourceUsage().maxRSS written at exit by an --import probe; the
 * larger is kept), the calls the emulator saw and its throttled answers, and
 * the coverage gaps the scan reported. Then `collect --output` once, and time
 * `scan --snapshot` with every report format (the CLI process), and in this
 * process the rule engine, buildReport and each formatter on that snapshot.
 * `--snapshot-only`: collect and the snapshot figures, without the timed scan.
 * `ECS_AUDIT_REPORT_THREAD` is passed on to the scans when set.
 *
 * Compared with bench/minimal-calls.ts: the minimal number of calls for the
 * world and the lower bound on wall time (api-limits §8). Prints one table
 * (a column per scale), PASS/MISS/N/A per target with its margin, and appends
 * a run record to bench/results.json (unless --no-record). A scan with
 * coverage gaps passes no API target. Exit 0 whether targets are met or not;
 * 1 when something did not run (a child crashed or timed out, a bad flag).
 *
 * Needs a build: `npm run build` (runs dist/bench/run.js,
 * dist/src/emulator/main.js and bin/ecs-audit.js). --keep keeps the
 * temporary directory (snapshot, reports, every child's stdout).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseWorld, type World } from '../src/emulator/world.js';
import { loadBuiltinRules } from '../src/engine/registry.js';
import { evaluate } from '../src/engine/run.js';
import { readSnapshot } from '../src/inventory/snapshot.js';
import { buildReport, summarize } from '../src/report/build.js';
import { FORMATS, isFormat } from '../src/report/index.js';
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
import { prowlerCalls } from './peer-calls.js';

const ROOT = projectRoot();
const REPORT_FORMATS = ['table', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

export const TARGETS = {
  wallOverLowerBound: 1.25,
  callsOverMinimal: 1.05,
  throttledPerCall: 1,
  peakRssMb: 384,
  snapshotSeconds: 3,
} as const;

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  /** peak RSS in MB (max of /proc VmHWM polling and the child's own maxRSS) */
  peakRssMb: number | null;
  /** user + system CPU time of the child, seconds */
  cpuSeconds: number | null;
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
  /** the former yardstick (every per-user RAM fact read per user), for comparison */
  minimalCallsPerUserDesign?: number;
  lowerBoundSeconds: number;
  lowerBoundBy: string;
  longestChain: { name: string; seconds: number };
  /** Prowler's call pattern on the same world (bench/peer-calls.ts) */
  peer?: {
    name: string;
    calls: number;
    lowerBoundSeconds: number;
    truncatedUsers: number;
    /** the peer's calls ÷ the calls our scan made (excl. throttled) */
    callsOverOurs?: number;
    /** the peer's lower bound ÷ our scan's wall time */
    lowerBoundOverOurWall?: number;
  };
  scan?: {
    exitCode: number | null;
    wallSeconds: number;
    /** CPU seconds of the scanning process (user + system) */
    cpuSeconds: number | null;
    /** CPU seconds the emulator spent serving the scan (same machine: taken from the scanner) */
    emulatorCpuSeconds?: number | null;
    peakRssMb: number | null;
    calls: number;
    callsExclThrottled: number;
    throttled: number;
    faults: number;
    byAction: Record<string, { made: number; minimal: number }>;
    /** coverage gaps the scan reported (data it could not read); > 0 = the figures are not comparable */
    coverageGaps: number | null;
    /** the gaps grouped as `operation: error code` → count */
    coverageByError?: Record<string, number>;
    wallOverLowerBound: number;
    callsOverMinimal: number;
    /** throttled answers per call that got through (the average request's extra attempts) */
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
    /** in-process: buildReport and each format's formatter, seconds */
    inProcessSeconds?: Record<string, number>;
    /** size of each format's output, MB */
    reportMb?: Record<string, number>;
    findings: number | null;
    formats: Record<ReportFormat, 'ok' | 'n/a'>;
    stderrTail?: string;
  };
}

// ------------------------------------------------------------ child processes

/** user + system CPU seconds of a running process (/proc/<pid>/stat), null when unreadable */
function readCpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return null;
  }
}

function readVmHwmKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** an --import module that writes the process's own maxRSS (kB) and CPU time (µs) at exit */
function rssProbe(dir: string): string {
  const probeFile = join(dir, 'rss-probe.mjs');
  if (!existsSync(probeFile)) {
    writeFileSync(
      probeFile,
      [
        "import { writeFileSync } from 'node:fs';",
        'const out = process.env.BENCH_RSS_FILE;',
        'if (out) process.on("exit", () => { try { const u = process.resourceUsage(); writeFileSync(out, JSON.stringify({ maxRSS: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime })); } catch {} });',
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
export function runNode(
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
    // stdout straight into a file: the bench process never holds a report
    const outFd = openSync(stdoutFile, 'w');
    const child = spawn(process.execPath, ['--import', probe, ...args], {
      cwd: ROOT,
      env: { ...env, BENCH_RSS_FILE: rssFile },
      stdio: ['ignore', outFd, 'pipe'],
    });
    closeSync(outFd);
    let err = '';
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
      let own = 0;
      let cpuSeconds: number | null = null;
      try {
        const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as {
          maxRSS?: number;
          cpu?: number;
        };
        own = usage.maxRSS ?? 0;
        if (typeof usage.cpu === 'number') cpuSeconds = usage.cpu / 1e6;
      } catch {
        // the child died before its exit hook
      }
      const kb = Math.max(hwm, own);
      done({
        code,
        signal,
        seconds,
        peakRssMb: kb > 0 ? kb / 1024 : null,
        cpuSeconds,
        stderrTail: tail(err),
        timedOut,
      });
    });
  });
}

export interface Emulator {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startEmulator(worldFile: string, timeoutMs = 180_000): Promise<Emulator> {
  const main = join(ROOT, 'dist', 'src', 'emulator', 'main.js');
  if (!existsSync(main)) {
    return Promise.reject(
      new Error(`${main} not found: build first (npx tsc -p tsconfig.build.json)`),
    );
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
  return {
    requests: body.requests ?? {},
    throttled: body.throttled ?? 0,
    faults: body.faults ?? 0,
  };
}

function diffStats(after: EmulatorStats, before: EmulatorStats): EmulatorStats {
  const requests: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.requests)) {
    const d = v - (before.requests[k] ?? 0);
    if (d > 0) requests[k] = d;
  }
  return {
    requests,
    throttled: after.throttled - before.throttled,
    faults: after.faults - before.faults,
  };
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
  const thread = process.env['ECS_AUDIT_REPORT_THREAD'];
  if (thread !== undefined) env['ECS_AUDIT_REPORT_THREAD'] = thread;
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
  keep: boolean;
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

/** the coverage gaps of a JSON report: how many, grouped by `operation: error code` */
export function summarizeCoverage(
  report: unknown,
): { gaps: number; byError: Record<string, number> } | undefined {
  const coverage = (report as { coverage?: unknown } | null)?.coverage;
  if (!Array.isArray(coverage)) return undefined;
  const byError: Record<string, number> = {};
  for (const c of coverage as Array<{ operation?: unknown; error?: { code?: unknown } }>) {
    const key = `${String(c.operation ?? '?')}: ${String(c.error?.code ?? '?')}`;
    byError[key] = (byError[key] ?? 0) + 1;
  }
  return { gaps: coverage.length, byError };
}

function readCoverage(file: string): ReturnType<typeof summarizeCoverage> {
  try {
    return summarizeCoverage(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  } catch {
    return undefined;
  }
}

async function runScale(opts: RunOptions, tmpRoot: string): Promise<ScaleFigures> {
  let worldFile = opts.worldFile;
  let world: World;
  if (worldFile) {
    world = parseWorld(JSON.parse(readFileSync(worldFile, 'utf8')) as unknown, worldFile);
  } else {
    const t = performance.now();
    const input = generateWorld({
      scale: opts.scale,
      seed: opts.seed,
      latencyMs: opts.latencyMs,
      limits: opts.limits,
    });
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
    minimalCallsPerUserDesign: min.perUserDesignTotal,
    lowerBoundSeconds: round(bound.seconds, 2),
    lowerBoundBy:
      bound.bindingBy === 'bucket'
        ? `bucket ${b.action}${b.region ? `@${b.region}` : ''}: ${b.calls} calls at ${b.limit ?? '∞'}/s`
        : `chain ${bound.longestChain.name}`,
    longestChain: { name: bound.longestChain.name, seconds: round(bound.longestChain.seconds, 2) },
  };
  const peer = prowlerCalls(world, world.emulator.qps, world.emulator.latencyMs);
  figures.peer = {
    name: peer.name,
    calls: peer.calls,
    lowerBoundSeconds: round(peer.lowerBoundSeconds, 1),
    truncatedUsers: peer.truncatedUsers,
  };
  log(
    `scale ${opts.scale}: ${min.total} calls needed, lower bound ${bound.seconds.toFixed(1)} s (${figures.lowerBoundBy})`,
  );
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
      const emulatorCpuBefore = readCpuSeconds(emulator.child.pid);
      log(`scanning (estimate ≥ ${bound.seconds.toFixed(0)} s) ...`);
      const scan = await runNode(
        benchScanArgs('bin/ecs-audit.js', emulator.url),
        env,
        tmp,
        opts.timeoutMs,
        join(tmp, 'scan-stdout.json'),
      );
      const stats = diffStats(await emulatorStats(emulator.url), before);
      const emulatorCpuAfter = readCpuSeconds(emulator.child.pid);
      const calls = Object.values(stats.requests).reduce((n, v) => n + v, 0);
      const byAction: Record<string, { made: number; minimal: number }> = {};
      for (const a of new Set([...Object.keys(stats.requests), ...Object.keys(min.byAction)])) {
        byAction[a] = { made: stats.requests[a] ?? 0, minimal: min.byAction[a] ?? 0 };
      }
      const callsExcl = calls - stats.throttled;
      const coverage = readCoverage(join(tmp, 'scan-stdout.json'));
      figures.scan = {
        exitCode: scan.code,
        wallSeconds: round(scan.seconds, 2),
        cpuSeconds: scan.cpuSeconds === null ? null : round(scan.cpuSeconds, 1),
        emulatorCpuSeconds:
          emulatorCpuBefore === null || emulatorCpuAfter === null
            ? null
            : round(emulatorCpuAfter - emulatorCpuBefore, 1),
        peakRssMb: scan.peakRssMb === null ? null : round(scan.peakRssMb, 1),
        calls,
        callsExclThrottled: callsExcl,
        throttled: stats.throttled,
        faults: stats.faults,
        byAction,
        coverageGaps: coverage?.gaps ?? null,
        ...(coverage && coverage.gaps > 0 ? { coverageByError: coverage.byError } : {}),
        wallOverLowerBound: round(scan.seconds / bound.seconds, 2),
        callsOverMinimal: round(callsExcl / min.total, 3),
        throttledPerCall: round(stats.throttled / Math.max(1, callsExcl), 3),
        ...(scan.code !== 0 ? { stderrTail: scan.stderrTail } : {}),
      };
      if (callsExcl > 0) figures.peer.callsOverOurs = round(peer.calls / callsExcl, 2);
      if (scan.seconds > 0)
        figures.peer.lowerBoundOverOurWall = round(peer.lowerBoundSeconds / scan.seconds, 1);
      log(
        `scan exit ${scan.code}${scan.timedOut ? ' (timed out)' : ''} in ${scan.seconds.toFixed(1)} s, ${calls} calls, ${stats.throttled} throttled, ${coverage?.gaps ?? '?'} coverage gaps`,
      );
      if (coverage && coverage.gaps > 0) {
        log(
          `coverage gaps: ${Object.entries(coverage.byError)
            .map(([k, v]) => `${k} ×${v}`)
            .join(', ')}`,
        );
      }
      if (scan.code !== 0 && scan.code !== 3) log(`scan stderr:\n${scan.stderrTail}`);
    }
    if (!opts.skipSnapshot)
      figures.snapshot = await snapshotFigures(emulator.url, env, tmp, opts.timeoutMs);
  } finally {
    await emulator.stop();
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
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
    [
      'bin/ecs-audit.js',
      'collect',
      '--endpoint',
      url,
      '--now',
      BENCH_NOW,
      '--output',
      snap,
      '--no-progress',
    ],
    env,
    tmp,
    timeoutMs,
    join(tmp, 'collect-stdout.txt'),
  );
  const formats = Object.fromEntries(REPORT_FORMATS.map((f) => [f, 'n/a'])) as Record<
    ReportFormat,
    'ok' | 'n/a'
  >;
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
        '--fail-on',
        'none',
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
    // where the time of `scan --snapshot` goes: building the report, then each format
    const t1 = performance.now();
    const report = buildReport({
      inventory,
      evaluation,
      rules,
      startedAt: new Date(),
      finishedAt: new Date(),
      since,
      now,
      source: 'snapshot',
    });
    report.summary = summarize(report.findings);
    const formatSeconds: Record<string, number> = {
      buildReport: round((performance.now() - t1) / 1000, 3),
    };
    const formatMb: Record<string, number> = {};
    for (const f of REPORT_FORMATS) {
      if (!isFormat(f)) continue;
      const t2 = performance.now();
      const text = FORMATS[f](report, { color: false });
      formatSeconds[f] = round((performance.now() - t2) / 1000, 3);
      formatMb[f] = round(Buffer.byteLength(text) / 1e6, 1);
    }
    result.inProcessSeconds = formatSeconds;
    result.reportMb = formatMb;
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
    [
      'regions / SGs / rules',
      ...all.map(
        (f) => `${f.counts['regions']} / ${f.counts['securityGroups']} / ${f.counts['rules']}`,
      ),
    ],
    ['instances / disks', ...all.map((f) => `${f.counts['instances']} / ${f.counts['disks']}`)],
    ['RAM users / events', ...all.map((f) => `${f.counts['users']} / ${f.counts['events']}`)],
    ['latency per call', ...all.map((f) => `${f.latencyMs} ms`)],
    ['minimal API calls', ...all.map((f) => String(f.minimalCalls))],
    [
      'API calls made (excl. throttled)',
      ...all.map((f) => (f.scan ? `${f.scan.callsExclThrottled}` : 'n/a')),
    ],
    [
      'Prowler pattern: calls (÷ ours)',
      ...all.map((f) =>
        f.peer
          ? `${f.peer.calls}${f.peer.callsOverOurs !== undefined ? ` (${f.peer.callsOverOurs.toFixed(2)}×)` : ''}`
          : 'n/a',
      ),
    ],
    [
      'Prowler pattern: lower bound (s) (÷ our wall)',
      ...all.map((f) =>
        f.peer
          ? `${f.peer.lowerBoundSeconds.toFixed(1)}${f.peer.lowerBoundOverOurWall !== undefined ? ` (${f.peer.lowerBoundOverOurWall.toFixed(1)}×)` : ''}`
          : 'n/a',
      ),
    ],
    ['scan coverage gaps', ...all.map((f) => String(f.scan?.coverageGaps ?? 'n/a'))],
    ['calls / minimal', ...all.map((f) => fmt(f.scan?.callsOverMinimal, 3))],
    ['throttled answers', ...all.map((f) => (f.scan ? String(f.scan.throttled) : 'n/a'))],
    ['throttled per request', ...all.map((f) => fmt(f.scan?.throttledPerCall, 3))],
    ['lower bound (s)', ...all.map((f) => fmt(f.lowerBoundSeconds, 1))],
    ['  set by', ...all.map((f) => f.lowerBoundBy)],
    [
      '  longest chain (s)',
      ...all.map((f) => `${fmt(f.longestChain.seconds, 2)} ${f.longestChain.name}`),
    ],
    ['scan wall time (s)', ...all.map((f) => fmt(f.scan?.wallSeconds, 1))],
    ['scan CPU time (s)', ...all.map((f) => fmt(f.scan?.cpuSeconds, 1))],
    ['  emulator CPU time (s)', ...all.map((f) => fmt(f.scan?.emulatorCpuSeconds, 1))],
    ['wall / lower bound', ...all.map((f) => fmt(f.scan?.wallOverLowerBound, 2))],
    ['scan exit code', ...all.map((f) => String(f.scan?.exitCode ?? 'n/a'))],
    ['scan peak RSS (MB)', ...all.map((f) => fmt(f.scan?.peakRssMb, 0))],
    [
      'collect (s) / snapshot (MB)',
      ...all.map(
        (f) => `${fmt(f.snapshot?.collectSeconds, 1)} / ${fmt(f.snapshot?.snapshotMb, 1)}`,
      ),
    ],
    ['findings', ...all.map((f) => String(f.snapshot?.findings ?? 'n/a'))],
    [
      'rule evaluation in-process (s)',
      ...all.map((f) => fmt(f.snapshot?.ruleEvaluationSeconds, 3)),
    ],
    [
      '  report build + formatters (s)',
      ...all.map((f) =>
        f.snapshot?.inProcessSeconds
          ? Object.entries(f.snapshot.inProcessSeconds)
              .map(([k, v]) => `${k} ${v.toFixed(2)}`)
              .join(', ')
          : 'n/a',
      ),
    ],
    [
      '  report sizes (MB)',
      ...all.map((f) =>
        f.snapshot?.reportMb
          ? Object.entries(f.snapshot.reportMb)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')
          : 'n/a',
      ),
    ],
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
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(...rows.map((r) => (r[c] ?? '').length)),
  );
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' │ ');
  const sep = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const [head, ...body] = rows;
  return [line(head ?? []), sep, ...body.map(line)].join('\n');
}

export type Verdict = 'PASS' | 'MISS' | 'N/A';

/** `PASS`/`MISS` when `value` (lower is better) is known, with the margin to the limit */
function verdict(value: number | null | undefined, limit: number): { v: Verdict; margin: string } {
  if (value === null || value === undefined || !Number.isFinite(value))
    return { v: 'N/A', margin: '' };
  const pct = ((value - limit) / limit) * 100;
  return {
    v: value <= limit ? 'PASS' : 'MISS',
    margin:
      value <= limit ? `, ${(-pct).toFixed(0)}% under the limit` : `, over by ${pct.toFixed(0)}%`,
  };
}

/**
 * The issue's targets, checked on the scale-1 figures (else the largest scale).
 * A scan with coverage gaps did not read the whole world: its time and call
 * figures are not comparable, so those targets are MISS when throttling caused
 * the gaps (the scan gave up under the limits) and N/A otherwise (the set-up
 * is incomplete, e.g. an emulator without some API).
 */
export function checkTargets(all: ScaleFigures[]): string[] {
  const lines: string[] = [];
  const target = all.find((f) => f.scale === 1) ?? [...all].sort((a, b) => b.scale - a.scale)[0];
  if (!target) return lines;
  const note =
    target.scale === 1 ? '' : ` [scale ${target.scale}; the targets are set for scale 1]`;
  const push = (v: Verdict, text: string) => lines.push(`${v.padEnd(4)} ${text}${note}`);
  const s = target.scan;
  const failed = s && !scanCompleted(s) ? ` — scan failed (exit ${s.exitCode})` : '';
  const gaps = s?.coverageGaps ?? 0;
  const throttleGaps = Object.entries(s?.coverageByError ?? {})
    .filter(([k]) => /throttl/i.test(k))
    .reduce((n, [, c]) => n + c, 0);
  const incomplete =
    s && gaps > 0
      ? ` — scan incomplete: ${gaps} coverage gaps${throttleGaps ? ` (${throttleGaps} from throttling)` : ''}`
      : '';
  const apiVerdict = (x: { v: Verdict; margin: string }): { v: Verdict; margin: string } =>
    failed
      ? { v: 'N/A', margin: '' }
      : !incomplete
        ? x
        : { v: throttleGaps > 0 ? 'MISS' : 'N/A', margin: x.margin };

  const wall = apiVerdict(verdict(s?.wallOverLowerBound, TARGETS.wallOverLowerBound));
  push(
    wall.v,
    `wall ≤ ${TARGETS.wallOverLowerBound} × lower bound: ${fmt(s?.wallSeconds)} s vs ${fmt(target.lowerBoundSeconds)} s = ${fmt(s?.wallOverLowerBound, 2)}×${wall.margin}${failed || incomplete}`,
  );
  const calls = apiVerdict(verdict(s?.callsOverMinimal, TARGETS.callsOverMinimal));
  push(
    calls.v,
    `calls ≤ ${TARGETS.callsOverMinimal} × minimal: ${s?.callsExclThrottled ?? 'n/a'} vs ${target.minimalCalls} = ${fmt(s?.callsOverMinimal, 3)}×${calls.margin}${failed || incomplete}`,
  );
  const thr = apiVerdict(verdict(s?.throttledPerCall, TARGETS.throttledPerCall));
  push(
    thr.v,
    `throttled ≤ ${TARGETS.throttledPerCall} per request on average: ${s?.throttled ?? 'n/a'} throttled / ${s?.callsExclThrottled ?? 'n/a'} requests = ${fmt(s?.throttledPerCall, 3)}${thr.margin}${failed || incomplete}`,
  );
  const rss = failed ? { v: 'N/A' as const, margin: '' } : verdict(s?.peakRssMb, TARGETS.peakRssMb);
  push(
    rss.v,
    `peak RSS ≤ ${TARGETS.peakRssMb} MB: ${fmt(s?.peakRssMb, 0)} MB${rss.margin}${failed || incomplete}`,
  );
  const snap = target.snapshot;
  const missing = snap ? Object.entries(snap.formats).filter(([, v]) => v !== 'ok') : [];
  const snapOk = snap && snap.scanExitCode !== 2 && snap.scanExitCode !== null;
  const ev = verdict(snapOk ? snap.scanSeconds : null, TARGETS.snapshotSeconds);
  push(
    ev.v,
    `rule evaluation + all report formats ≤ ${TARGETS.snapshotSeconds} s: ${fmt(snap?.scanSeconds, 2)} s${ev.margin}` +
      ` (scan --snapshot, whole CLI process incl. start-up and snapshot read; engine alone ${fmt(snap?.ruleEvaluationSeconds, 3)} s)` +
      (missing.length ? ` — formats not available: ${missing.map(([k]) => k).join(', ')}` : ''),
  );
  // memory grows at most linearly: MB per unit of scale must not rise with scale (10% slack)
  const series = all
    .filter((f) => f.scan?.peakRssMb && scanCompleted(f.scan))
    .map((f) => ({ scale: f.scale, mb: f.scan?.peakRssMb ?? 0 }))
    .sort((a, b) => a.scale - b.scale);
  const first = series[0];
  const last = series[series.length - 1];
  if (series.length >= 2 && first && last) {
    const ok = rssGrowsAtMostLinearly(series);
    lines.push(
      `${ok ? 'PASS' : 'MISS'} peak RSS grows at most linearly with scale: ${series.map((r) => `${r.scale}: ${r.mb.toFixed(0)} MB`).join(', ')}` +
        ` (×${(last.mb / first.mb).toFixed(2)} for ×${(last.scale / first.scale).toFixed(2)} the scale)`,
    );
  }
  return lines;
}

/** the scan ran to its end: exit 0 (no failing finding; the bench passes --fail-on none) or 3 (coverage gaps) */
export function scanCompleted(scan: { exitCode: number | null }): boolean {
  return scan.exitCode === 0 || scan.exitCode === 3;
}

/** each step up in scale multiplies peak RSS by at most the scale ratio (+10% slack) */
export function rssGrowsAtMostLinearly(series: Array<{ scale: number; mb: number }>): boolean {
  const sorted = [...series].sort((a, b) => a.scale - b.scale);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a && b && b.mb / a.mb > (b.scale / a.scale) * 1.1) return false;
  }
  return true;
}

interface RunRecord {
  date: string;
  machine: { cores: number; cpu: string; memoryGb: number; platform: string };
  node: string;
  args: string[];
  runs: ScaleFigures[];
  targets: string[];
  /** os.loadavg() (1, 5, 15 min) when the run started and when it ended: figures measured under load are not comparable */
  loadAverage?: { start: number[]; end: number[] };
}

/** the machine a figure was measured on */
export function machineFacts(): RunRecord['machine'] {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpu: cpu[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    platform: `${process.platform}-${process.arch}`,
  };
}

/**
 * `ecs-audit scan` of the emulator at `endpoint` as every benchmark runs it:
 * the JSON report on stdout, the benchmark's clock, no exit code from
 * findings, no progress bar
 */
export function benchScanArgs(
  bin: string,
  endpoint: string,
  extra: readonly string[] = [],
): string[] {
  return [
    bin,
    'scan',
    '--endpoint',
    endpoint,
    '--now',
    BENCH_NOW,
    '--format',
    'json',
    '--fail-on',
    'none',
    '--no-progress',
    ...extra,
  ];
}

/** run a benchmark's `main` when its module is the script node started; its answer is the exit code */
export function runAsScript(metaUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (!process.argv[1] || metaUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

/** append a record to bench/results.json (a run record, or another benchmark's, e.g. `kind: 'analysis'`) */
export function appendResults(
  record: RunRecord | ({ kind: string } & Record<string, unknown>),
): string {
  const file = join(ROOT, 'bench', 'results.json');
  let records: unknown[] = [];
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (Array.isArray(parsed)) records = parsed as unknown[];
    } catch {
      log(`${file} is not JSON; starting a new list`);
    }
  }
  records.push(record);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(records, null, 2)}\n`);
  renameSync(tmp, file);
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
      'snapshot-only': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
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
  const loadAtStart = loadavg().map((n) => round(n, 2));
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
            skipScan: values['skip-scan'] || values['snapshot-only'],
            skipSnapshot:
              values['skip-snapshot'] || (values['skip-scan'] && !values['snapshot-only']),
            keep: values.keep,
            timeoutMs,
            limits,
          },
          tmpRoot,
        ),
      );
    }
  } finally {
    if (values.keep) log(`kept ${tmpRoot} (reports, snapshot, stdout of every child)`);
    else rmSync(tmpRoot, { recursive: true, force: true });
  }
  process.stdout.write(`${renderTable(all)}\n\n`);
  process.stdout.write(
    `load average (1/5/15 min): ${loadAtStart.join(' ')} at start, ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} at end (above ${cpus().length}, the number of cores, = measured under load)\n`,
  );
  const targets = checkTargets(all);
  if (targets.length) process.stdout.write(`${targets.join('\n')}\n`);
  for (const f of all) {
    const excess = Object.entries(f.scan?.byAction ?? {})
      .filter(([, v]) => v.made !== v.minimal)
      .map(([a, v]) => `${a} ${v.made}/${v.minimal}`);
    if (excess.length)
      process.stdout.write(
        `scale ${f.scale} calls made (throttled attempts included) / minimal, where they differ: ${excess.join(', ')}\n`,
      );
  }
  if (!values['no-record']) {
    const file = appendResults({
      date: new Date().toISOString(),
      machine: machineFacts(),
      node: process.version,
      args: argv,
      runs: all,
      targets,
      loadAverage: { start: loadAtStart, end: loadavg().map((n) => round(n, 2)) },
    });
    process.stdout.write(`figures appended to ${file}\n`);
  }
  // an error, not a missed target: a child process that did not run to its end
  const errors = all.flatMap((f) => {
    const bad: string[] = [];
    if (f.scan && !scanCompleted(f.scan)) bad.push(`scan exited ${f.scan.exitCode}`);
    if (f.snapshot && !scanCompleted({ exitCode: f.snapshot.collectExitCode }))
      bad.push(`collect exited ${f.snapshot.collectExitCode}`);
    if (
      f.snapshot &&
      f.snapshot.scanExitCode !== null &&
      !scanCompleted({ exitCode: f.snapshot.scanExitCode })
    )
      bad.push(`scan --snapshot exited ${f.snapshot.scanExitCode}`);
    return bad.map((b) => `scale ${f.scale}: ${b}`);
  });
  if (errors.length) {
    process.stderr.write(`bench: error: ${errors.join('; ')}\n`);
    return 1;
  }
  return 0;
}

runAsScript(import.meta.url, main);
