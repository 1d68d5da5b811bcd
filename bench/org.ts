/**
 * The organization benchmark: a Resource Directory of `--members` accounts at
 * scale `--small` plus one at scale `--big` (default 20 × 0.05 + 1 × 1), served
 * by one emulator (each member with its own quotas and latency), scanned with
 * `scan --org` as a child process. Then the big member alone, as a one-account
 * scan, for the memory reference.
 *
 *   npm run build && node dist/bench/org.js [--members 20] [--small 0.05] [--big 1]
 *        [--latency 50] [--seed 1] [--member-concurrency N] [--timeout 1800] [--no-record]
 *
 * Targets (issue #17): wall time of the organization scan ≤ 1.25 × the lower
 * bound of its slowest member (bench/minimal-calls.ts; the big one), and peak
 * RSS ≤ 1.2 × that of the one-account scan of the big member. The big member
 * is the last in the sorted member list (the worst place for it). A small
 * member's own lower bound is printed too: its one region is as dense as each
 * of the big member's, so its bound is the same, and members scanned in rounds
 * add up. Besides wall time and peak RSS: the CPU seconds of the scanning
 * process and of the emulator (/proc/<pid>/stat, during that scan), and the big
 * member's own time inside the organization scan (its stderr line), to set
 * against its one-account scan. Prints one JSON object; exit 0 whether targets
 * are met or not, 1 when a child failed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseWorld, type WorldInput } from '../src/emulator/world.js';
import { BENCH_NOW, generateWorld, positiveNumber } from './generate-world.js';
import { lowerBound, minimalCalls } from './minimal-calls.js';
import { appendResults, benchScanArgs, runAsScript, runNode, startEmulator } from './run.js';

const ROLE = 'ResourceDirectoryAccountAccessRole';
const MANAGEMENT = '1000000000000001';
const BIN = resolve(join(import.meta.dirname, '..', '..', 'bin', 'ecs-audit.js'));

const accountId = (i: number) => `10000000000${String(i + 1).padStart(5, '0')}`;

/**
 * a generated world as a member: no account block, plus the member role
 * trusting the management account (without its trust policy every member
 * would report a GetRole coverage gap, and the figures would not be those of
 * a complete scan)
 */
function asMember(world: WorldInput): Record<string, unknown> {
  const { account: _account, ...rest } = world;
  const ram = rest.ram ?? {};
  const role = {
    RoleName: ROLE,
    AssumeRolePolicyDocument: {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { RAM: [`acs:ram::${MANAGEMENT}:root`] },
        },
      ],
    },
  };
  return { ...rest, ram: { ...ram, Roles: [...(ram.Roles ?? []), role] } };
}

export function organizationWorld(opts: {
  members: number;
  small: number;
  big: number;
  latencyMs: number;
  seed: number;
}): { org: WorldInput; big: WorldInput; small: WorldInput } {
  const small = generateWorld({ scale: opts.small, seed: opts.seed, latencyMs: opts.latencyMs });
  const big = generateWorld({ scale: opts.big, seed: opts.seed, latencyMs: opts.latencyMs });
  const accounts = Array.from({ length: opts.members + 1 }, (_, i) => ({
    AccountId: accountId(i),
    DisplayName: i === opts.members ? 'big' : `small-${i}`,
    Type: 'ResourceAccount',
    Status: 'CreateSuccess',
    world: asMember(i === opts.members ? big : small),
  }));
  const org: WorldInput = {
    version: 1,
    now: BENCH_NOW,
    account: {
      accountId: MANAGEMENT,
      caller: {
        IdentityType: 'RAMUser',
        AccountId: MANAGEMENT,
        Arn: `acs:ram::${MANAGEMENT}:user/auditor`,
      },
    },
    organization: { managementAccountId: MANAGEMENT, memberRole: ROLE, accounts },
    emulator: small.emulator,
  };
  return { org, big, small };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** user + system CPU seconds of a running process (/proc/<pid>/stat), null when unreadable */
export function cpuSecondsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may hold spaces): utime and stime are 14 and 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}

/** `account <id> (big): … in 12.3 s` on the organization scan's stderr */
export function bigMemberSeconds(stderr: string | undefined): number | null {
  const m = /\(big\): .* in (\d+(?:\.\d+)?) s$/m.exec(stderr ?? '');
  return m?.[1] ? Number(m[1]) : null;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      members: { type: 'string', default: '20' },
      small: { type: 'string', default: '0.05' },
      big: { type: 'string', default: '1' },
      latency: { type: 'string', default: '50' },
      seed: { type: 'string', default: '1' },
      // absent: the CLI's default (adaptive); a number: fixed
      'member-concurrency': { type: 'string' },
      'no-record': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '1800' },
    },
  });
  const opts = {
    members: positiveNumber(values.members, '--members') ?? 20,
    small: positiveNumber(values.small, '--small') ?? 0.05,
    big: positiveNumber(values.big, '--big') ?? 1,
    latencyMs: positiveNumber(values.latency, '--latency') ?? 50,
    seed: positiveNumber(values.seed, '--seed') ?? 1,
  };
  const timeoutMs = (positiveNumber(values.timeout, '--timeout') ?? 1800) * 1000;
  const tmp = mkdtempSync(join(tmpdir(), 'ecs-audit-org-bench-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: tmp,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIbenchOrg0001',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'bench-secret',
  };
  try {
    const { org, big, small } = organizationWorld(opts);
    const boundOf = (input: WorldInput) => {
      const world = parseWorld(input);
      return lowerBound(
        minimalCalls(world, { now: new Date(BENCH_NOW) }),
        world.emulator.qps,
        world.emulator.latencyMs,
      );
    };
    const bound = boundOf(big);
    // a small member's own bound: its one region is as dense as each of the big one's
    const smallBound = boundOf(small);
    const orgFile = join(tmp, 'org.json');
    const bigFile = join(tmp, 'big.json');
    writeFileSync(orgFile, JSON.stringify(org));
    writeFileSync(bigFile, JSON.stringify(big));

    const scan = async (worldFile: string, extra: string[]) => {
      const emu = await startEmulator(worldFile);
      try {
        const out = join(tmp, `report-${extra.length}.json`);
        const emuBefore = cpuSecondsOf(emu.child.pid);
        const r = await runNode(benchScanArgs(BIN, emu.url, extra), env, tmp, timeoutMs, out);
        const emuAfter = cpuSecondsOf(emu.child.pid);
        const report = r.code === 0 || r.code === 3 ? JSON.parse(readFileSync(out, 'utf8')) : null;
        return {
          ...r,
          emulatorCpuSeconds:
            emuBefore !== null && emuAfter !== null ? round2(emuAfter - emuBefore) : null,
          // the big member's own time inside the organization scan (its stderr line)
          bigSeconds: bigMemberSeconds(r.stderrTail),
          coverage: report?.coverage?.length ?? null,
          accounts: report?.accounts?.length,
        };
      } finally {
        await emu.stop();
      }
    };
    const loadStart = loadavg().map((n) => Math.round(n * 100) / 100);
    const mc = values['member-concurrency'];
    const orgRun = await scan(orgFile, ['--org', ...(mc ? ['--member-concurrency', mc] : [])]);
    const single = await scan(bigFile, []);
    const wallRatio = orgRun.seconds / bound.seconds;
    const rssRatio =
      orgRun.peakRssMb && single.peakRssMb ? orgRun.peakRssMb / single.peakRssMb : null;
    const result = {
      ...opts,
      memberConcurrency: mc ?? 'default (adaptive)',
      bigLowerBoundSeconds: bound.seconds,
      smallLowerBoundSeconds: smallBound.seconds,
      org: {
        exit: orgRun.code,
        wallSeconds: orgRun.seconds,
        cpuSeconds: orgRun.cpuSeconds,
        emulatorCpuSeconds: orgRun.emulatorCpuSeconds,
        bigMemberSeconds: orgRun.bigSeconds,
        peakRssMb: orgRun.peakRssMb,
        accounts: orgRun.accounts,
        coverage: orgRun.coverage,
      },
      bigAlone: {
        exit: single.code,
        wallSeconds: single.seconds,
        cpuSeconds: single.cpuSeconds,
        emulatorCpuSeconds: single.emulatorCpuSeconds,
        peakRssMb: single.peakRssMb,
        coverage: single.coverage,
      },
      targets: {
        wall: `${wallRatio.toFixed(2)} x lower bound (target <= 1.25): ${wallRatio <= 1.25 ? 'PASS' : 'MISS'}`,
        rss:
          rssRatio === null
            ? 'N/A'
            : `${rssRatio.toFixed(2)} x one-account scan (target <= 1.2): ${rssRatio <= 1.2 ? 'PASS' : 'MISS'}`,
        // the big member alone on the same loaded machine: what the scheduling costs beyond it
        wallOverBigAlone: `${(orgRun.seconds / single.seconds).toFixed(2)} x the big member's one-account scan`,
      },
      loadAverage: { start: loadStart, end: loadavg().map((n) => Math.round(n * 100) / 100) },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!values['no-record']) {
      const file = appendResults({
        kind: 'org',
        date: new Date().toISOString(),
        machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
        node: process.version,
        args: argv,
        org: result,
        targets: [result.targets.wall, result.targets.rss],
      });
      process.stdout.write(`figures appended to ${file}\n`);
    }
    const ok = (c: number | null) => c === 0 || c === 3;
    if (!ok(orgRun.code) || !ok(single.code)) {
      process.stderr.write(`${orgRun.stderrTail ?? ''}\n${single.stderrTail ?? ''}\n`);
      return 1;
    }
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, main);
