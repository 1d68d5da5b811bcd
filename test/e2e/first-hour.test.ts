/**
 * Issue #19, "a newcomer's first hour": the flags, formats and messages a
 * first-time user meets. Everything runs through the CLI's `main()` in this
 * process against snapshot files (no API call, no child process), so the file
 * stays fast.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/engine/finding.js';
import { ReportSchema } from '../../src/report/schema.js';
import { displayWidth } from '../../src/report/table.js';
import { makeInventory, makeRule, makeSecurityGroup } from '../../src/testing/index.js';
import { runInProcess } from '../helpers/in-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-first-hour-'));
const open = (id: string, region: string) =>
  makeSecurityGroup({
    id,
    region,
    rules: [makeRule({ portRange: '22/22', sourceCidrIp: '0.0.0.0/0' })],
  });
const inventory = makeInventory({
  collectedAt: '2026-06-15T12:00:00.000Z',
  ecs: { securityGroups: [open('sg-hz', 'cn-hangzhou'), open('sg-sh', 'cn-shanghai')] },
});
const SNAP = path.join(dir, 'snapshot.json');
writeFileSync(SNAP, JSON.stringify(inventory));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** exit 2 with exactly one line on stderr matching `line` */
function expectUsage(r: { code: number | null; stderr: string; stdout: string }, line: RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr.trimEnd()).toMatch(line);
}

describe('rules and rules explain: --format', () => {
  it('rules explain <id> --format json prints the rule as JSON, after or before explain', async () => {
    for (const args of [
      ['rules', 'explain', 'sg-admin-port-open-to-internet', '--format', 'json'],
      ['rules', '--format', 'json', 'explain', 'sg-admin-port-open-to-internet'],
    ]) {
      const r = await runInProcess(args);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        id: 'sg-admin-port-open-to-internet',
        severity: 'critical',
      });
    }
    const text = await runInProcess(['rules', 'explain', 'sg-admin-port-open-to-internet']);
    expect(text.stdout).toMatch(/^sg-admin-port-open-to-internet — /);
  });

  it('rules --format json is a JSON list; an unknown format names the formats of that command', async () => {
    const list = await runInProcess(['rules', '--format', 'json']);
    expect(JSON.parse(list.stdout).length).toBeGreaterThan(10);
    expectUsage(
      await runInProcess(['rules', 'explain', 'root-mfa-disabled', '--format', 'yaml']),
      /Allowed choices are text, json\.$/,
    );
    expectUsage(
      await runInProcess(['rules', '--format', 'yaml']),
      /Allowed choices are table, json, markdown\.$/,
    );
  });
});

describe('scan --snapshot and the collection flags', () => {
  const scan = (...extra: string[]) =>
    runInProcess(['scan', '--snapshot', SNAP, '--format', 'json', ...extra]);

  it('--regions narrows the evaluated inventory', async () => {
    const all = ReportSchema.parse(JSON.parse((await scan()).stdout));
    const ids = (r: typeof all) =>
      [...new Set(r.findings.map((f) => f.resource.id))].filter((id) => id.startsWith('sg-'));
    expect(ids(all).sort()).toEqual(['sg-hz', 'sg-sh']);
    const r = await scan('--regions', 'cn-shanghai');
    expect(r.code, r.stderr).toBe(1);
    const narrowed = ReportSchema.parse(JSON.parse(r.stdout));
    expect(ids(narrowed)).toEqual(['sg-sh']);
    expect(narrowed.scan.regions).toEqual(['cn-shanghai']);
  });

  it('a region the snapshot does not cover, --endpoint, --profile, --timeout: one line, exit 2', async () => {
    expectUsage(
      await scan('--regions', 'cn-bogus'),
      /^ecs-audit: --regions: cn-bogus not in the snapshot .* \(it covers cn-hangzhou, cn-shanghai\)$/,
    );
    // each shapes only API calls, which a snapshot scan never makes
    expectUsage(
      await scan('--endpoint', 'http://127.0.0.1:9'),
      /^ecs-audit: --endpoint cannot be used with --snapshot: a snapshot scan makes no API call$/,
    );
    expectUsage(
      await scan('--profile', 'prod'),
      /^ecs-audit: --profile cannot be used with --snapshot/,
    );
    expectUsage(
      await scan('--timeout', '3000'),
      /^ecs-audit: --timeout cannot be used with --snapshot/,
    );
  });

  it('the clock is the snapshot collection time unless --now is given', async () => {
    const own = ReportSchema.parse(JSON.parse((await scan()).stdout));
    expect(own.scan.now).toBe('2026-06-15T12:00:00.000Z');
    const pinned = ReportSchema.parse(
      JSON.parse((await scan('--now', '2026-07-01T00:00:00Z')).stdout),
    );
    expect(pinned.scan.now).toBe('2026-07-01T00:00:00.000Z');
  });

  it('a snapshot is judged over the window it read; a --since reaching before it is exit 2', async () => {
    // collected on Dec 5 with `--now 2026-11-01 --since 30d`: events of Oct 2 .. Nov 1 were read
    const narrow = write(
      'narrow.json',
      JSON.stringify(
        makeInventory({
          collectedAt: '2026-12-05T10:00:00.000Z',
          scope: {
            regions: ['cn-hangzhou'],
            since: '2026-10-02T00:00:00.000Z',
            until: '2026-11-01T00:00:00.000Z',
          },
          ecs: { securityGroups: [open('sg-hz', 'cn-hangzhou')] },
        }),
      ),
    );
    const judge = (...extra: string[]) =>
      runInProcess(['scan', '--snapshot', narrow, '--format', 'json', ...extra]);
    const own = ReportSchema.parse(JSON.parse((await judge()).stdout));
    expect(own.scan.now).toBe('2026-11-01T00:00:00.000Z');
    expect(own.scan.since).toBe('2026-10-02T00:00:00.000Z');
    // a window inside the one read is fine
    const inside = ReportSchema.parse(JSON.parse((await judge('--since', '10d')).stdout));
    expect(inside.scan.since).toBe('2026-10-22T00:00:00.000Z');
    expectUsage(
      await judge('--since', '90d'),
      /^ecs-audit: --since 90d reaches back to 2026-08-03T00:00:00\.000Z, before the snapshot's window \(it read from 2026-10-02T00:00:00\.000Z\)/,
    );
    // a clock before the window judges nothing of it
    expectUsage(
      await judge('--now', '2026-09-01T00:00:00Z'),
      /^ecs-audit: --now 2026-09-01T00:00:00Z is before the snapshot's window \(it read from 2026-10-02T00:00:00\.000Z to 2026-11-01T00:00:00\.000Z\)$/,
    );
    const config = write('wide.yaml', 'since: 60d\n');
    expectUsage(
      await judge('--config', config),
      /^ecs-audit: .*wide\.yaml:1: since: 60d reaches back to 2026-09-02T00:00:00\.000Z, before the snapshot's window/,
    );
  });

  it("--since wins over the config's since, even when it names the default", async () => {
    const config = write('since.yaml', 'since: 30d\n');
    const sinceOf = async (...extra: string[]) =>
      ReportSchema.parse(
        JSON.parse(
          (await scan('--config', config, '--now', '2026-11-01T00:00:00Z', ...extra)).stdout,
        ),
      ).scan.since;
    expect(await sinceOf()).toBe('2026-10-02T00:00:00.000Z');
    expect(await sinceOf('--since', '90d')).toBe('2026-08-03T00:00:00.000Z');
    expect(await sinceOf('--since', '60d')).toBe('2026-09-02T00:00:00.000Z');
  });

  it('a suppression naming an unknown rule is exit 2 with file:line', async () => {
    const config = write(
      'config.yaml',
      [
        'suppressions:',
        '  - rule: sg-admin-port-open-to-internet',
        '    reason: known',
        '  - rule: no-such-rule',
        '    reason: typo',
        '',
      ].join('\n'),
    );
    expectUsage(
      await scan('--config', config),
      new RegExp(
        `^ecs-audit: ${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: .*unknown rule id "no-such-rule"$`,
      ),
    );
  });
});

describe('what users of other scanners expect', () => {
  const scan = (...extra: string[]) =>
    runInProcess(['scan', '--snapshot', SNAP, '--format', 'json', ...extra]);
  const ruleIds = (stdout: string) =>
    [...new Set(ReportSchema.parse(JSON.parse(stdout)).findings.map((f) => f.ruleId))].sort();

  it('--checks runs only those rules, --skip-checks drops them, unknown ids are exit 2', async () => {
    const all = ruleIds((await scan()).stdout);
    expect(all).toContain('sg-admin-port-open-to-internet');
    expect(all.length).toBeGreaterThan(1);
    const only = await scan('--checks', 'sg-admin-port-open-to-internet');
    expect(ruleIds(only.stdout)).toEqual(['sg-admin-port-open-to-internet']);
    const skipped = await scan('--skip-checks', 'sg-admin-port-open-to-internet');
    expect(ruleIds(skipped.stdout)).toEqual(
      all.filter((id) => id !== 'sg-admin-port-open-to-internet'),
    );
    expectUsage(
      await scan('--checks', 'sg-admin,nope'),
      /^ecs-audit: --checks: unknown rule id "sg-admin", "nope"/,
    );
  });

  it('one config serves every --checks/--skip-checks/--compliance: rules left out are no unknown ids', async () => {
    // options and a severity for a rule each run below leaves out, plus a rule that does run
    const config = write(
      'shared.yaml',
      [
        'rules:',
        '  sg-high-risk-port-open-to-internet:',
        '    severity: low',
        '    tcpPorts: [6379]',
        '  sg-admin-port-open-to-internet:',
        '    severity: high',
        '',
      ].join('\n'),
    );
    const only = await scan('--config', config, '--checks', 'sg-admin-port-open-to-internet');
    expect(only.code, only.stderr).not.toBe(2);
    const report = ReportSchema.parse(JSON.parse(only.stdout));
    expect([...new Set(report.findings.map((f) => f.ruleId))]).toEqual([
      'sg-admin-port-open-to-internet',
    ]);
    // the setting of the rule that ran still applies
    expect(report.findings.every((f) => f.severity === 'high')).toBe(true);
    const skipped = await scan(
      '--config',
      config,
      '--skip-checks',
      'sg-high-risk-port-open-to-internet',
    );
    expect(skipped.code, skipped.stderr).not.toBe(2);
    const cis = await scan('--config', config, '--compliance', 'cis');
    expect(cis.code, cis.stderr).not.toBe(2);
    // a bad option of a rule left out is still bad input, said in the user's words
    const bad = write(
      'bad.yaml',
      'rules:\n  sg-high-risk-port-open-to-internet:\n    tcpPorts: x\n',
    );
    expectUsage(
      await scan('--config', bad, '--checks', 'sg-admin-port-open-to-internet'),
      /bad\.yaml:3: rules\.sg-high-risk-port-open-to-internet\.tcpPorts: expected a list \(got "x"\)$/,
    );
  });

  it('--severity reports only those severities; an unknown one is exit 2', async () => {
    const r = await scan('--severity', 'high,medium', '--fail-on', 'none');
    expect(r.code, r.stderr).toBe(0);
    const sev = new Set(ReportSchema.parse(JSON.parse(r.stdout)).findings.map((f) => f.severity));
    expect([...sev].every((s) => s === 'high' || s === 'medium')).toBe(true);
    const crit = await scan('--severity', 'critical');
    expect(ReportSchema.parse(JSON.parse(crit.stdout)).findings.length).toBeGreaterThan(0);
    expectUsage(
      await scan('--severity', 'urgent'),
      /^ecs-audit: --severity: unknown severity "urgent"/,
    );
  });

  it('--help shows examples and the exit codes', async () => {
    for (const args of [['--help'], ['scan', '--help']]) {
      const r = await runInProcess(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
    }
    expect((await runInProcess(['scan', '--help'])).stdout).toContain('--skip-checks <ids>');
  });
});

describe('widths and the end of a run', () => {
  const widest = (text: string) => Math.max(...text.split('\n').map((l) => displayWidth(l)));

  it('rules has a title column and fits the terminal; piped, every title is whole', async () => {
    const piped = await runInProcess(['rules']);
    expect(piped.stdout.split('\n')[0]).toMatch(/^ID +SEVERITY +TITLE$/);
    const listed = JSON.parse((await runInProcess(['rules', '--format', 'json'])).stdout) as Array<{
      id: string;
      title: string;
    }>;
    for (const r of listed) expect(piped.stdout).toContain(`  ${r.title}`);
    expect(piped.stdout).not.toContain('…');
    expect(widest(piped.stdout)).toBeGreaterThan(80);
    const narrow = await runInProcess(['rules'], undefined, 80);
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(80);
    const wide = await runInProcess(['rules'], undefined, 160);
    expect(widest(wide.stdout)).toBeGreaterThan(80);
    expect(widest(wide.stdout)).toBeLessThanOrEqual(160);
    const env = { COLUMNS: '60' };
    expect(widest((await runInProcess(['rules'], env)).stdout)).toBeLessThanOrEqual(60);
  });

  it('rules explain wraps its prose at word boundaries to the width', async () => {
    const id = 'ram-command-run-as-root';
    const json = JSON.parse(
      (await runInProcess(['rules', 'explain', id, '--format', 'json'])).stdout,
    );
    const r = await runInProcess(['rules', 'explain', id], { COLUMNS: '60' });
    const lines = r.stdout.split('\n');
    const refs = lines.indexOf('References');
    expect(widest(lines.slice(0, refs).join('\n'))).toBeLessThanOrEqual(60);
    const why = lines.slice(
      lines.indexOf('Why it matters') + 1,
      lines.indexOf('How to fix it') - 1,
    );
    expect(why.length).toBeGreaterThan(3);
    // the words come back whole, in order
    expect(why.map((l) => l.trim()).join(' ')).toBe(json.rationale.split(/\s+/).join(' '));
  });

  it('the table takes the terminal width', async () => {
    const r = await runInProcess(['scan', '--snapshot', SNAP], undefined, 120);
    expect(widest(r.stdout)).toBeGreaterThan(80);
    expect(widest(r.stdout)).toBeLessThanOrEqual(120);
  });

  it('one summary line ends the run: time, scope, findings, not evaluated, why this exit code', async () => {
    const r = await runInProcess(['scan', '--snapshot', SNAP, '--format', 'json']);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const last = r.stderr.trimEnd().split('\n').at(-1);
    expect(last).toMatch(
      new RegExp(
        `^ecs-audit: done in [0-9.]+ s: 2 regions, 2 resources read, \\d+ rules run; findings: ${report.summary.critical} critical, ${report.summary.high} high, ${report.summary.medium} medium, ${report.summary.low} low, 0 info; 0 not evaluated; exit 1: ${report.summary.critical} findings? at or above --fail-on critical$`,
      ),
    );
    const none = await runInProcess([
      'scan',
      '--snapshot',
      SNAP,
      '--format',
      'json',
      '--fail-on',
      'none',
    ]);
    expect(none.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /; exit 0: nothing at or above --fail-on none and no coverage gap$/,
    );
  });

  it('the summary counts the rules that ran and says why --fail-on-new passed', async () => {
    const off = write('off.yaml', 'rules:\n  disk-not-encrypted:\n    enabled: false\n');
    const r = await runInProcess(['scan', '--snapshot', SNAP, '--format', 'json', '--config', off]);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.rules?.some((x) => x.id === 'disk-not-encrypted')).toBe(false);
    const count = Number(/, (\d+) rules run;/.exec(r.stderr)?.[1]);
    expect(count).toBe(report.rules?.length);
    // the same findings as the baseline: critical ones, none of them new
    const baseline = write('baseline.json', r.stdout);
    const again = await runInProcess([
      'scan',
      '--snapshot',
      SNAP,
      '--format',
      'json',
      '--baseline',
      baseline,
      '--fail-on-new',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(ReportSchema.parse(JSON.parse(again.stdout)).summary.critical).toBeGreaterThan(0);
    expect(again.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /; exit 0: no new finding at or above --fail-on critical and no coverage gap$/,
    );
  });

  it('the table lists the findings resolved since the baseline', async () => {
    const base = path.join(dir, 'baseline.json');
    const all = await runInProcess(['scan', '--snapshot', SNAP, '--format', 'json']);
    // the baseline had a group that is gone now (a region not scanned would not resolve it)
    const before = ReportSchema.parse(JSON.parse(all.stdout));
    const hz = before.findings.find((f) => f.resource.id === 'sg-hz')!;
    const resource = { ...hz.resource, id: 'sg-gone' };
    before.findings.push({ ...hz, resource, fingerprint: fingerprint(hz.ruleId, resource) });
    writeFileSync(base, JSON.stringify(before));
    const r = await runInProcess(['scan', '--snapshot', SNAP, '--baseline', base]);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => /^Resolved since the baseline \(\d+\)$/.test(l));
    expect(at, r.stdout).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {2}sg-admin-port-open-to-internet sg-gone cn-hangzhou$/);
  });
});

describe('error messages a newcomer meets', () => {
  it('a JSON report given as --snapshot says so', async () => {
    const report = write(
      'report.json',
      (await runInProcess(['scan', '--snapshot', SNAP, '--format', 'json'])).stdout,
    );
    expectUsage(
      await runInProcess(['scan', '--snapshot', report]),
      /: this is an ecs-audit report, not a snapshot \(a snapshot is written by `ecs-audit collect -o <file>`\)$/,
    );
  });

  it('a missing report directory is made', async () => {
    const file = path.join(dir, 'new', 'deeper', 'r.json');
    const r = await runInProcess(['scan', '--snapshot', SNAP, '--report', `json=${file}`]);
    expect(r.code, r.stderr).toBe(1);
    expect(
      ReportSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).findings.length,
    ).toBeGreaterThan(0);
  });

  it('collect -o to a path that cannot be written fails before any credential or API call', async () => {
    const r = await runInProcess(
      ['collect', '--endpoint', 'http://127.0.0.1:9', '-o', '/dev/null/snapshot.json'],
      { ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' }, // no credentials at all: never reached
    );
    expectUsage(r, /--output: cannot write "\/dev\/null\/snapshot\.json"/);
  });

  it('an AccessKey id without its secret says exactly that', async () => {
    const saved = { ...process.env };
    process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'LTAIonlyTheId0001';
    delete process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'];
    try {
      const r = await runInProcess(['scan', '--endpoint', 'http://127.0.0.1:9']);
      expectUsage(
        r,
        /^ecs-audit: ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not: set both \(or neither\)$/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('a baseline of another account is bad input: its findings would pass as unchanged', async () => {
    const other = JSON.parse(
      (await runInProcess(['scan', '--snapshot', SNAP, '--format', 'json'])).stdout,
    );
    other.account.id = '9999888877776666';
    const base = write('other-account.json', JSON.stringify(other));
    const r = await runInProcess([
      'scan',
      '--snapshot',
      SNAP,
      '--baseline',
      base,
      '--format',
      'json',
    ]);
    expectUsage(
      r,
      /^ecs-audit: --baseline: the baseline is of account 9999888877776666, not 1234567890123456: /,
    );
  });

  it('an empty world file is a clear message from the emulator', async () => {
    const { loadWorld } = await import('../../src/emulator/world.js');
    const empty = write('empty.yaml', '# nothing yet\n\n');
    await expect(loadWorld(empty)).rejects.toThrow(
      /: the world file is empty \(see fixtures\/worlds\/clean\.yaml/,
    );
  });

  it('a refused connection is one clean message, the request in parentheses', async () => {
    const { describeError } = await import('../../src/collectors/errors.js');
    const err = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:9POST http://127.0.0.1:9/ failed.'),
      {
        code: 'ECONNREFUSED',
      },
    );
    expect(describeError(err).message).toBe(
      'connect ECONNREFUSED 127.0.0.1:9 (POST http://127.0.0.1:9/)',
    );
  });
});
