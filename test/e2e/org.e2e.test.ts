/**
 * Organization scans end to end (../shared/spec/cli.md "Organization scans"):
 * one emulator serves a five-account Resource Directory
 * (fixtures/worlds/org.yaml: a member without the member role, one with
 * critical findings, one with two coverage gaps, one read through
 * `worldFile`); the built CLI scans it once with `--org`, then as three
 * `--shard` processes whose reports `merge` puts together — and the merged
 * report equals the single scan's, apart from scan times and the request ids
 * quoted in coverage messages (each run asks the service anew), down to the
 * unevaluated pairs and the coverage entries their indexes point at.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/program.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, parseWorld } from '../../src/emulator/world.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { jsonScanArgs, ROOT, runCli } from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
const WORLD = path.join(ROOT, 'fixtures', 'worlds', 'org.yaml');
const MANAGEMENT = '1000000000000001';
const NO_ROLE = '1000000000000004';
const LEGACY = '1000000000000003';
const DEV = '1000000000000002';

type Run = Awaited<ReturnType<typeof runCli>>;
let emu: RunningEmulator;
let single: Run;
let shards: Run[];
let stranger: Run;
let compliance: Run;
let oneAtATime: Run;
const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-shards-'));
const files = [1, 2, 3].map((k) => path.join(dir, `shard-${k}.json`));

// every CLI process of this file at once: they mostly wait on the emulator
beforeAll(async () => {
  emu = await startEmulator(await loadWorld(WORLD));
  [single, stranger, compliance, oneAtATime, ...shards] = await Promise.all([
    runCli(args('--org')),
    inProcess(args('--org', '--accounts', '1999999999999999')),
    inProcess(args('--org', '--compliance', 'cis')),
    inProcess(args('--org', '--member-concurrency', '1')),
    ...[1, 2, 3].map((k) =>
      runCli(args('--org', '--shard', `${k}/3`, '--report', `json=${files[k - 1]}`)),
    ),
  ]);
}, 60_000);

/**
 * The CLI in this process, for the runs that stop early (bad input, a root
 * caller) and merge: the same code as the child processes without paying for
 * another process. The credentials are the test's (the SDK reads them from
 * the environment of this worker; the test setup disables the metadata service).
 */
process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'LTAItestInProcess01';
process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] = 'in-process-secret';
async function inProcess(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    ({
      write: (c: string | Uint8Array) => {
        add(String(c));
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await main(argv, {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    env,
  });
  return { code, stdout, stderr };
}

afterAll(async () => {
  await emu?.close();
});

const args = (...extra: string[]): string[] => jsonScanArgs(emu.url, NOW, ...extra);

/** what may differ between two runs: the scan's times and the request ids of the answers */
function comparable(report: Report): unknown {
  const { startedAt: _s, finishedAt: _f, ...scan } = report.scan;
  return JSON.parse(
    JSON.stringify({ ...report, scan }).replace(/request id: [\w-]+/g, 'request id: <id>'),
  );
}

describe('scan --org', () => {
  it('scans every member, names the account of every resource and exits 1 on critical findings', () => {
    expect(single.code, single.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(single.stdout));
    expect(report.accounts?.map((a) => `${a.id}:${a.type}`)).toEqual([
      `${MANAGEMENT}:CloudAccount`,
      `${DEV}:ResourceAccount`,
      `${LEGACY}:CloudAccount`,
      `${NO_ROLE}:CloudAccount`,
      '1000000000000005:ResourceAccount',
    ]);
    expect(report.account.id).toBe(MANAGEMENT);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) expect(f.resource.account, f.ruleId).toMatch(/^1\d{15}$/);
    // the member with critical findings; the directory rule on the invited members only, the
    // one that cannot be entered included (its type is the directory's, read by the management account)
    const legacy = report.findings.filter((f) => f.resource.account === LEGACY);
    expect(legacy.filter((f) => f.severity === 'critical').length).toBeGreaterThan(0);
    expect(
      report.findings
        .filter((f) => f.ruleId === 'rd-member-root-enabled')
        .map((f) => f.resource.id),
    ).toEqual([LEGACY, NO_ROLE]);
    // the member role trusts the management account's root: not "any account" in an organization
    expect(report.findings.filter((f) => f.ruleId === 'ram-role-trust-any-account')).toEqual([]);
    // a member read through worldFile was scanned too
    expect(report.findings.some((f) => f.resource.id === 'sg-prod-db')).toBe(true);
    // the stats count each member's own calls
    const stats = emu.stats();
    expect(stats.accounts?.[LEGACY]?.requests['DescribeSecurityGroups']).toBeGreaterThan(0);
    expect(stats.accounts?.[MANAGEMENT]?.requests['ListAccounts']).toBeGreaterThan(0);
  });

  it('a member without the role is one coverage entry for that account, and not evaluated for every other rule', () => {
    const report = ReportSchema.parse(JSON.parse(single.stdout));
    const gaps = report.coverage.filter((c) => c.account === NO_ROLE);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({
      service: 'sts',
      operation: 'AssumeRole',
      account: NO_ROLE,
      resource: `acs:ram::${NO_ROLE}:role/ResourceDirectoryAccountAccessRole`,
      error: { code: 'EntityNotExist.Role' },
    });
    // of it only the directory's verdict: it is an invited CloudAccount
    expect(
      report.findings.filter((f) => f.resource.account === NO_ROLE).map((f) => f.ruleId),
    ).toEqual(['rd-member-root-enabled']);
    // every rule (cli.md: "per rule"): one whole-scope pair on that entry, with the account
    const at = report.coverage.indexOf(gaps[0]!);
    const pairs = (report.unevaluated ?? []).filter((u) => u.account === NO_ROLE);
    const ruleIds = (report.rules ?? []).map((r) => r.id);
    expect(pairs.map((u) => u.ruleId).sort()).toEqual([...ruleIds].sort());
    expect(ruleIds.length).toBeGreaterThan(10);
    for (const u of pairs) {
      expect(u).toEqual({
        ruleId: u.ruleId,
        resource: null,
        reason: 'AssumeRole: EntityNotExist.Role',
        coverage: at,
        account: NO_ROLE,
      });
    }
    expect(report.summary.unevaluated).toBe(report.unevaluated?.length);
    expect(single.stderr).toContain(`account ${NO_ROLE}: cannot be entered: EntityNotExist.Role`);
    // temporary credentials stay in memory: no STS id, secret or token in any output
    const all = single.stdout + single.stderr;
    expect(all).not.toMatch(/STS\.NT|emu-sts-secret|CAIS-emu-token/);
  });

  it("a member's coverage gaps make its resources not evaluated, each pair naming the member", () => {
    const report = ReportSchema.parse(JSON.parse(single.stdout));
    expect(
      report.coverage.filter((c) => c.account === DEV).map((c) => `${c.operation}:${c.error.code}`),
    ).toEqual(['DescribeSecurityGroupAttribute:Forbidden.RAM', 'GetPasswordPolicy:Forbidden.RAM']);
    const dev = (report.unevaluated ?? []).filter((u) => u.account === DEV);
    // the group whose rules could not be read, in that member (not legacy's group of the same id)
    expect(dev).toContainEqual({
      ruleId: 'sg-admin-port-open-to-internet',
      resource: { type: 'security-group', id: 'sg-shared-id', region: 'cn-hangzhou', account: DEV },
      reason: 'DescribeSecurityGroupAttribute: Forbidden.RAM',
      coverage: report.coverage.findIndex(
        (c) => c.account === DEV && c.operation === 'DescribeSecurityGroupAttribute',
      ),
      account: DEV,
    });
    expect(dev.some((u) => u.ruleId === 'ram-password-policy-weak')).toBe(true);
    expect(report.unevaluated?.some((u) => u.account === LEGACY)).toBe(false);
    // every pair points at a coverage entry of its own account, and its resource is in it
    for (const u of report.unevaluated ?? []) {
      expect(report.coverage[u.coverage]?.account, u.ruleId).toBe(u.account);
      expect(u.reason.startsWith(`${report.coverage[u.coverage]!.operation}: `)).toBe(true);
      if (u.resource) expect(u.resource.account).toBe(u.account);
    }
  });

  it('--compliance on an organization is computed on the merged report: a control with an unevaluated pair in any member is unknown', () => {
    expect(compliance.code, compliance.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(compliance.stdout));
    const controls = report.compliance?.controls ?? [];
    const mapped = controls.filter((c) => c.rules.length > 0);
    expect(mapped.length).toBeGreaterThan(3);
    // the member that cannot be entered leaves every rule unevaluated: no control passes
    for (const c of mapped) expect(c.status, c.id).toBe(c.findings > 0 ? 'fail' : 'unknown');
    expect(mapped.some((c) => c.status === 'unknown')).toBe(true);
    expect(mapped.some((c) => c.status === 'fail')).toBe(true);
    expect(compliance.stderr).toMatch(/unknown/);
  });

  it('one member at a time gives the report of every member at once (the default schedule)', () => {
    expect(oneAtATime.code, oneAtATime.stderr).toBe(single.code);
    const one = ReportSchema.parse(JSON.parse(oneAtATime.stdout));
    const all = ReportSchema.parse(JSON.parse(single.stdout));
    expect(one.findings.length).toBeGreaterThan(0);
    expect(comparable(one)).toEqual(comparable(all));
  });

  it('three shards merged equal the single scan, and merge exits on the merged report', async () => {
    // positions 1,4 | 2,5 | 3 of the sorted members: management + no-role, dev + prod, legacy
    expect(shards.map((s) => s.code)).toEqual([3, 3, 1]);
    const accountsOf = files.map((f) =>
      ReportSchema.parse(JSON.parse(readFileSync(f, 'utf8'))).accounts?.map((a) => a.id),
    );
    expect(accountsOf).toEqual([[MANAGEMENT, NO_ROLE], [DEV, '1000000000000005'], [LEGACY]]);

    // reverse order on purpose: merging does not depend on the order of the files
    const merged = await runCli(['merge', ...[...files].reverse(), '--format', 'json']);
    expect(merged.code, merged.stderr).toBe(1);
    const single1 = ReportSchema.parse(JSON.parse(single.stdout));
    const merged1 = ReportSchema.parse(JSON.parse(merged.stdout));
    expect(comparable(merged1)).toEqual(comparable(single1));
    expect(merged1.findings.map((f) => f.fingerprint)).toEqual(
      single1.findings.map((f) => f.fingerprint),
    );
    // the pairs survive the merge, their indexes moved with the coverage entries: the
    // no-role member's entry was first in its shard and comes after dev's two gaps here
    expect(merged1.unevaluated).toEqual(single1.unevaluated);
    expect(merged1.summary.unevaluated).toBe(merged1.unevaluated?.length);
    const shard1 = ReportSchema.parse(JSON.parse(readFileSync(files[0]!, 'utf8')));
    expect(shard1.unevaluated?.filter((u) => u.account === NO_ROLE)[0]?.coverage).toBe(0);
    const noRole = merged1.unevaluated?.filter((u) => u.account === NO_ROLE) ?? [];
    expect(noRole.length).toBeGreaterThan(0);
    expect(noRole.every((u) => u.coverage === 2)).toBe(true);
    for (const u of merged1.unevaluated ?? []) {
      expect(merged1.coverage[u.coverage]?.account, u.ruleId).toBe(u.account);
    }

    // nothing at or above the threshold: the coverage gap makes it 3
    const lenient = await inProcess(['merge', ...files, '--fail-on', 'none', '--format', 'table']);
    expect(lenient.code).toBe(3);
    expect(lenient.stdout).toContain(NO_ROLE);
    // the table takes COLUMNS (80 without it), as scan's does
    const widest = (t: string) => Math.max(...t.split('\n').map((l) => l.length));
    expect(widest(lenient.stdout)).toBeLessThanOrEqual(80);
    const wide = await inProcess(['merge', ...files, '--fail-on', 'none', '--format', 'table'], {
      COLUMNS: '200',
    });
    expect(widest(wide.stdout)).toBeGreaterThan(80);
    // the same account twice is refused
    const twice = await inProcess(['merge', files[0]!, files[0]!]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/account 1000000000000001 is in both/);
  });

  it('an account outside the directory, or a shard past n, is bad input (exit 2, one line)', async () => {
    expect(stranger.code).toBe(2);
    expect(stranger.stdout).toBe('');
    expect(stranger.stderr).toMatch(/not a member of the Resource Directory: 1999999999999999/);
    const badShard = await inProcess(args('--org', '--shard', '4/3'));
    expect(badShard.code).toBe(2);
    expect(badShard.stderr.trim().split('\n')).toEqual([
      'ecs-audit: --shard: expected k/n with 1 <= k <= n (e.g. 2/3), got "4/3"',
    ]);
    const alone = await inProcess(args('--shard', '1/2'));
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--shard needs --org or --accounts');
  });
});

describe('--regions in an organization', () => {
  it('a member without one of the regions is read in the others, not dropped', async () => {
    const r = await inProcess(args('--org', '--regions', 'cn-hangzhou,ap-southeast-1'));
    const report = JSON.parse(r.stdout) as Report;
    const whole = JSON.parse(single.stdout) as Report;
    const gaps = (x: Report) => x.coverage.map((c) => `${c.account} ${c.operation} ${c.resource}`);
    // the gaps of the scan of every region (the fixture's faults, the member without the role):
    // no member was dropped for a region it lacks
    expect(gaps(report)).toEqual(gaps(whole));
    expect(r.stderr).toContain(
      `account ${LEGACY}: ap-southeast-1 not among its regions (DescribeRegions): not read there`,
    );
    // the same findings as the scan of every region: ap-southeast-1 is all the fixture has beyond
    expect(report.findings.map((f) => f.fingerprint).sort()).toEqual(
      whole.findings.map((f) => f.fingerprint).sort(),
    );
  });
});

describe('a member whose caller identity cannot be read', () => {
  it("is a gap with the service's own error code", async () => {
    const world = parseWorld({
      version: 1,
      account: {
        accountId: MANAGEMENT,
        caller: { IdentityType: 'RAMUser', AccountId: MANAGEMENT, Arn: 'acs:ram::1:user/a' },
      },
      organization: {
        managementAccountId: MANAGEMENT,
        accounts: [
          { AccountId: MANAGEMENT, Type: 'CloudAccount', world: {} },
          {
            AccountId: DEV,
            Type: 'ResourceAccount',
            world: {
              ram: { Roles: [{ RoleName: 'ResourceDirectoryAccountAccessRole' }] },
              emulator: { faults: [{ action: 'GetCallerIdentity', kind: 'serverError' }] },
            },
          },
        ],
      },
    });
    const failing = await startEmulator(world);
    try {
      const r = await inProcess([
        'scan',
        '--org',
        '--accounts',
        DEV,
        '--endpoint',
        failing.url,
        '--now',
        NOW,
        '--format',
        'json',
        '--timeout',
        '3000',
      ]);
      expect(r.code, r.stderr).toBe(3);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.coverage.map((c) => [c.account, c.operation, c.error.code])).toEqual([
        [DEV, 'GetCallerIdentity', 'ServiceUnavailable'],
      ]);
    } finally {
      await failing.close();
    }
  });
});

describe('--accounts without --org', () => {
  it("trusts the caller's account and the accounts named: the member role it entered by is no finding", async () => {
    const viaRole = JSON.parse((await inProcess(args('--accounts', LEGACY))).stdout) as Report;
    const viaDirectory = JSON.parse(
      (await inProcess(args('--org', '--accounts', LEGACY))).stdout,
    ) as Report;
    const trustFindings = (r: Report) =>
      r.findings.filter((f) => f.ruleId === 'ram-role-trust-any-account').map((f) => f.resource.id);
    // the same verdicts as with the directory, which names the management account
    expect(trustFindings(viaRole)).toEqual(trustFindings(viaDirectory));
    expect(trustFindings(viaRole)).not.toContain('ResourceDirectoryAccountAccessRole');
  });
});

describe('collect --org', () => {
  it('writes one snapshot per member it could enter, each knowing the directory', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'ecs-audit-org-snap-')), 'snaps');
    const r = await inProcess([
      'collect',
      '--org',
      '--accounts',
      `${LEGACY},${NO_ROLE}`,
      '-o',
      out,
      '--endpoint',
      emu.url,
      '--now',
      NOW,
      '--no-progress',
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(readdirSync(out)).toEqual([`${LEGACY}.json`]);
    const snapshot = JSON.parse(readFileSync(path.join(out, `${LEGACY}.json`), 'utf8'));
    expect(snapshot.account.id).toBe(LEGACY);
    expect(snapshot.organization.managementAccountId).toBe(MANAGEMENT);
    expect(snapshot.organization.accounts).toHaveLength(5);
    expect(JSON.stringify(snapshot)).not.toMatch(/emu-sts-secret|CAIS-emu-token/);
    // scanned alone, a member's snapshot is judged as the organization scan judged it: its
    // findings name the account and keep their fingerprints (baselines, `account:` suppressions)
    const alone = await inProcess([
      'scan',
      '--snapshot',
      path.join(out, `${LEGACY}.json`),
      '--now',
      NOW,
      '--format',
      'json',
    ]);
    const member = JSON.parse(alone.stdout) as Report;
    const whole = JSON.parse(single.stdout) as Report;
    const of = (r: Report) =>
      r.findings
        .filter((f) => f.resource.account === LEGACY)
        .map((f) => f.fingerprint)
        .sort();
    expect(member.findings.length).toBeGreaterThan(0);
    expect(member.findings.every((f) => f.resource.account === LEGACY)).toBe(true);
    expect(of(member)).toEqual(of(whole));
    expect(member.accounts?.map((a) => a.id)).toEqual([LEGACY]);
  });
});

describe('scan --org as the root identity', () => {
  it('exits 2 with the reason before any member is read', async () => {
    const world = await loadWorld(WORLD);
    world.account.caller = { IdentityType: 'Account', AccountId: MANAGEMENT };
    const root = await startEmulator(world);
    try {
      const r = await inProcess([
        'scan',
        '--org',
        '--endpoint',
        root.url,
        '--now',
        NOW,
        '--format',
        'json',
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Roles may not be assumed by root accounts/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      const calls = root.stats().requests;
      expect(Object.keys(calls)).toEqual(['GetCallerIdentity']);
    } finally {
      await root.close();
    }
  });
});

describe('policy --org', () => {
  it("prints the caller's policy (ListAccounts, AssumeRole on the member role) and the member role's", async () => {
    const r = await inProcess(['policy', '--org', '--member-role', 'AuditRole']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      managementCaller: { Statement: Array<{ Action: string[]; Resource: string }> };
      memberRole: { Statement: Array<{ Action: string[]; Resource: string }> };
    };
    const caller = out.managementCaller.Statement;
    expect(caller).toContainEqual({
      Effect: 'Allow',
      Action: ['sts:AssumeRole'],
      Resource: 'acs:ram::*:role/AuditRole',
    });
    expect(caller.flatMap((s) => s.Action)).toContain('resourcemanager:ListAccounts');
    const member = out.memberRole.Statement.flatMap((s) => s.Action);
    expect(member).toContain('ecs:DescribeSecurityGroups');
    expect(member).not.toContain('resourcemanager:ListAccounts');
    expect(member).not.toContain('sts:AssumeRole');
  });
});
