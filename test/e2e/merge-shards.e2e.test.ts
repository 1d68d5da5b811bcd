/**
 * Shards that `merge` can check, and baselines of another account
 * (../shared/spec/cli.md "Organization scans", `--baseline`), through the
 * CLI's `main()` in this process against the organization world
 * (fixtures/worlds/org.yaml: five members; the third of three shards holds the
 * member with critical findings).
 *
 * - A `--shard k/n` report records `scan.shard: { k, n, members }`; `merge`
 *   refuses (exit 2, one line) a set with a shard missing, twice, of another n,
 *   of another organization or member list, or mixed with a report that is no
 *   shard: a CI job whose artifact was not uploaded must not pass the merge.
 * - A `--baseline` that shares no account with the scan is bad input (exit 2),
 *   found as soon as the scan's accounts are known: one-account fingerprints do
 *   not name the account, so another account's findings would pass as unchanged.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { jsonScanArgs, ROOT } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';

const NOW = '2026-11-01T00:00:00Z';
const WORLD = path.join(ROOT, 'fixtures', 'worlds', 'org.yaml');
const MANAGEMENT = '1000000000000001';
const LEGACY = '1000000000000003';
const STRANGER = '9999888877776666';

// the SDK reads the credentials from this worker's environment (the setup disables the metadata service)
process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'LTAItestMergeShards1';
process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] = 'merge-shards-secret';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-merge-shards-'));
const file = (name: string) => path.join(dir, name);
const shardFiles = [1, 2, 3].map((k) => file(`shard-${k}.json`));
const read = (f: string) => ReportSchema.parse(JSON.parse(readFileSync(f, 'utf8')));
/** a copy of a report file, changed */
function variant(from: string, name: string, change: (r: Report) => void): string {
  const r = read(from);
  change(r);
  writeFileSync(file(name), JSON.stringify(r));
  return file(name);
}

let emu: RunningEmulator;
let runs: Awaited<ReturnType<typeof runInProcess>>[];

const scan = (url: string, ...extra: string[]): string[] => jsonScanArgs(url, NOW, ...extra);

beforeAll(async () => {
  emu = await startEmulator(await loadWorld(WORLD));
  runs = await Promise.all([
    ...[1, 2, 3].map((k) =>
      runInProcess(
        scan(emu.url, '--org', '--shard', `${k}/3`, '--report', `json=${shardFiles[k - 1]}`),
      ),
    ),
    runInProcess(scan(emu.url, '--org', '--report', `json=${file('whole.json')}`)),
    // more shards than members: the last is empty
    runInProcess(
      scan(emu.url, '--org', '--shard', '6/6', '--report', `json=${file('empty.json')}`),
    ),
    // the caller's account alone
    runInProcess(scan(emu.url, '--report', `json=${file('one.json')}`)),
  ]);
}, 60_000);

afterAll(async () => {
  await emu?.close();
});

/** exit 2, nothing on stdout, one line on stderr (after the caller's, when it was read) */
function expectUsage(
  r: { code: number | null; stdout: string; stderr: string },
  line: string | RegExp,
) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  const error = lines.pop()!;
  expect(lines.filter((l) => !l.startsWith('ecs-audit: credentials from '))).toEqual([]);
  if (typeof line === 'string') expect(error).toBe(line);
  else expect(error).toMatch(line);
}

describe('shard reports', () => {
  it('record which shard of how many members; a whole scan and the merge do not', async () => {
    expect(runs.map((r) => r.code)).toEqual([3, 3, 1, 1, 0, 0]);
    expect(shardFiles.map((f) => read(f).scan.shard)).toEqual(
      [1, 2, 3].map((k) => ({ k, n: 3, members: 5 })),
    );
    expect(read(file('empty.json')).scan.shard).toEqual({ k: 6, n: 6, members: 5 });
    expect(read(file('whole.json')).scan.shard).toBeUndefined();
    const merged = await runInProcess(['merge', ...shardFiles, '--format', 'json']);
    expect(merged.code, merged.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(merged.stdout));
    expect(report.scan.shard).toBeUndefined();
    expect(report.accounts).toHaveLength(5);
  });

  it('merge names a missing shard: the one with the critical findings cannot be left out unnoticed', async () => {
    expectUsage(
      await runInProcess(['merge', shardFiles[0]!, shardFiles[1]!]),
      'ecs-audit: merge: shard 3/3 is missing',
    );
    expectUsage(
      await runInProcess(['merge', shardFiles[1]!]),
      'ecs-audit: merge: shards 1/3, 3/3 are missing',
    );
  });

  it('merge refuses shards mixed with other reports, of another n, organization or member list, or twice', async () => {
    const [one, two, three] = shardFiles as [string, string, string];
    expectUsage(
      await runInProcess(['merge', one, two, file('whole.json')]),
      /^ecs-audit: merge: .*shard-1\.json is shard 1\/3 of an organization scan, .*whole\.json is not a shard$/,
    );
    const ofFour = variant(three, 'of-four.json', (r) => {
      r.scan.shard = { k: 3, n: 4, members: 5 };
    });
    expectUsage(
      await runInProcess(['merge', one, two, ofFour]),
      /^ecs-audit: merge: shards of 3 and of 4 \(/,
    );
    const elsewhere = variant(three, 'elsewhere.json', (r) => {
      r.account.id = STRANGER;
    });
    expectUsage(
      await runInProcess(['merge', one, two, elsewhere]),
      new RegExp(
        `organization scanned by account ${MANAGEMENT}, .*elsewhere\\.json of account ${STRANGER}$`,
      ),
    );
    const bigger = variant(three, 'bigger.json', (r) => {
      r.scan.shard = { k: 3, n: 3, members: 6 };
    });
    expectUsage(
      await runInProcess(['merge', one, two, bigger]),
      'ecs-audit: merge: shards of member lists of 5 and of 6 account(s): scan every shard of the same list',
    );
    // every shard agrees on a list the shards do not cover
    const six = [one, two, three].map((f, i) =>
      variant(f, `six-${i}.json`, (r) => {
        r.scan.shard = { ...r.scan.shard!, members: 6 };
      }),
    );
    expectUsage(
      await runInProcess(['merge', ...six]),
      'ecs-audit: merge: the shards hold 5 of the 6 account(s) they were split from',
    );
    // an empty shard given twice holds no account that could be in both
    expectUsage(
      await runInProcess(['merge', file('empty.json'), file('empty.json')]),
      /^ecs-audit: merge: shard 6\/6 is in both .*empty\.json and .*empty\.json$/,
    );
  });

  it('reports that are no shards merge as before', async () => {
    const other = variant(file('one.json'), 'one-other.json', (r) => {
      r.account.id = STRANGER;
    });
    const r = await runInProcess(['merge', file('one.json'), other, '--format', 'json']);
    expect(r.code, r.stderr).not.toBe(2);
    expect(ReportSchema.parse(JSON.parse(r.stdout)).accounts?.map((a) => a.id)).toEqual([
      MANAGEMENT,
      STRANGER,
    ]);
    const whole = await runInProcess(['merge', file('whole.json'), '--format', 'json']);
    expect(whole.code, whole.stderr).toBe(1);
  });
});

describe('--baseline of another account', () => {
  it('a one-account scan stops after GetCallerIdentity, naming both accounts', async () => {
    // another account whose resources carry the same names (RAM users, policies, key pairs
    // repeat across accounts): its findings' fingerprints are this account's
    const demo = path.join(ROOT, 'fixtures', 'worlds', 'demo.yaml');
    const source = await startEmulator(await loadWorld(demo));
    let same: Awaited<ReturnType<typeof runInProcess>>;
    try {
      const first = await runInProcess(scan(source.url, '--report', `json=${file('demo.json')}`));
      expect(first.code, first.stderr).toBe(1);
      // the same account's baseline: every finding unchanged, none new
      same = await runInProcess(scan(source.url, '--baseline', file('demo.json'), '--fail-on-new'));
    } finally {
      await source.close();
    }
    expect(same.code, same.stderr).not.toBe(2);
    const report = ReportSchema.parse(JSON.parse(same.stdout));
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.baseline === 'unchanged')).toBe(true);

    const base = variant(file('demo.json'), 'baseline-stranger.json', (r) => {
      r.account.id = STRANGER;
    });
    const fresh = await startEmulator(await loadWorld(demo));
    try {
      const r = await runInProcess(scan(fresh.url, '--baseline', base, '--fail-on-new'));
      expectUsage(
        r,
        `ecs-audit: --baseline: the baseline is of account ${STRANGER}, not 1234567890123456: its findings would pass this scan's as unchanged`,
      );
      expect(Object.keys(fresh.stats().requests)).toEqual(['GetCallerIdentity']);
    } finally {
      await fresh.close();
    }
  });

  it('an organization scan stops before any member is entered; a baseline of the same organization is valid', async () => {
    const base = variant(file('whole.json'), 'baseline-other-org.json', (r) => {
      r.account.id = '2000000000000001';
      r.accounts = (r.accounts ?? []).map((a) => ({ ...a, id: `2${a.id.slice(1)}` }));
    });
    const fresh = await startEmulator(await loadWorld(WORLD));
    try {
      const r = await runInProcess(scan(fresh.url, '--org', '--shard', '3/3', '--baseline', base));
      expectUsage(
        r,
        /^ecs-audit: --baseline: the baseline is of account 2000000000000001 \(5 member account\(s\)\), not 1000000000000001 \(5 member account\(s\)\)/,
      );
      expect(Object.keys(fresh.stats().requests).sort()).toEqual([
        'GetCallerIdentity',
        'ListAccounts',
      ]);
    } finally {
      await fresh.close();
    }
    // a shard against the whole organization's baseline: what it scanned is unchanged
    const shard = await runInProcess(
      scan(emu.url, '--org', '--shard', '3/3', '--baseline', file('whole.json')),
    );
    expect(shard.code, shard.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(shard.stdout));
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.baseline === 'unchanged')).toBe(true);
    // the caller's own one-account baseline shares its account but not its shape: refused (nothing
    // matches an organization's fingerprints: every finding would be new, the baseline's resolved)
    const own = await runInProcess(
      scan(emu.url, '--org', '--shard', '3/3', '--baseline', file('one.json')),
    );
    expectUsage(own, /^ecs-audit: --baseline: the baseline is a one-account report of /);
  });

  it("a member's snapshot takes its organization's baseline, and refuses another account's", async () => {
    const out = file('snaps');
    const c = await runInProcess([
      'collect',
      '--org',
      '--accounts',
      LEGACY,
      '-o',
      out,
      '--endpoint',
      emu.url,
      '--now',
      NOW,
      '--no-progress',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const snapshot = path.join(out, `${LEGACY}.json`);
    const member = await runInProcess([
      'scan',
      '--snapshot',
      snapshot,
      '--now',
      NOW,
      '--format',
      'json',
      '--baseline',
      file('whole.json'),
    ]);
    expect(member.code, member.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(member.stdout));
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.baseline === 'unchanged')).toBe(true);
    const stranger = variant(file('one.json'), 'baseline-stranger-2.json', (r) => {
      r.account.id = STRANGER;
    });
    expectUsage(
      await runInProcess(['scan', '--snapshot', snapshot, '--now', NOW, '--baseline', stranger]),
      new RegExp(
        `^ecs-audit: --baseline: the baseline is of account ${STRANGER}, not ${LEGACY} \\(5 member account\\(s\\)\\)`,
      ),
    );
  });
});
