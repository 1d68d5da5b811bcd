/**
 * End to end: the emulator serves a world over loopback HTTP, the built CLI
 * runs as a child process against it, and we read what a user or CI job reads:
 * the exit code, stdout (the report) and stderr.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { READ_ACTIONS } from '../../src/collectors/gate.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, type World } from '../../src/emulator/world.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { ROOT, runCli, testEnv } from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
const running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function serve(name: string, tweak?: (w: World) => void): Promise<RunningEmulator> {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', `${name}.yaml`));
  tweak?.(world);
  const emu = await startEmulator(world);
  running.push(emu);
  return emu;
}

function scanArgs(emu: RunningEmulator, ...extra: string[]): string[] {
  return [
    'scan',
    '--endpoint',
    emu.url,
    '--now',
    NOW,
    '--format',
    'json',
    '--timeout',
    '3000',
    ...extra,
  ];
}

function parseReport(stdout: string): Report {
  return ReportSchema.parse(JSON.parse(stdout));
}

const CORE_RULES = [
  'sg-admin-port-open-to-internet',
  'sg-all-ports-open-to-internet',
  'sg-high-risk-port-open-to-internet',
  'instance-admin-port-exposed',
  'root-access-key-exists',
  'root-mfa-disabled',
  'ram-user-console-without-mfa',
  'ram-user-console-and-access-key',
  'ram-access-key-not-rotated',
  'ram-access-key-unused',
  'ram-policy-admin-access',
  'ram-command-run-as-root',
  'ram-password-policy-weak',
  'actiontrail-not-logging',
  'actiontrail-root-console-login',
  'actiontrail-root-login-without-mfa',
  'actiontrail-root-access-key-used',
  'instance-metadata-tokens-optional',
  'instance-password-login',
  'key-pair-unused',
  'disk-not-encrypted',
  'cloud-assistant-ran-as-root',
];

describe('ecs-audit scan against the emulator', () => {
  it('a clean account exits 0 with no findings and no gaps', async () => {
    const emu = await serve('clean');
    const r = await runCli(scanArgs(emu));
    expect(r.stderr).not.toContain('internal error');
    const report = parseReport(r.stdout);
    expect(report.coverage).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.account.id).toBe('1111222233334444');
    // stderr names the credential source and the caller, never the secret
    expect(r.stderr).toContain('default/env');
    expect(r.stderr).toContain('acs:ram::1111222233334444:user/auditor');
    expect(r.stderr + r.stdout).not.toContain('e2e-secret-value');
  });

  it('the demo account exits 1 and every core rule fires', async () => {
    const emu = await serve('demo');
    const r = await runCli(scanArgs(emu));
    const report = parseReport(r.stdout);
    expect(report.coverage).toEqual([]);
    expect(r.code).toBe(1);
    const fired = new Set(report.findings.map((f) => f.ruleId));
    for (const id of CORE_RULES) expect(fired, id).toContain(id);
    const ssh = report.findings.find(
      (f) => f.ruleId === 'sg-admin-port-open-to-internet' && f.resource.id === 'sg-web',
    );
    expect(ssh?.resource).toMatchObject({ type: 'security-group', region: 'cn-hangzhou' });
    expect(ssh?.severity).toBe('critical');
    // a Drop at higher priority closes SSH on the bastion group: no exposure finding,
    // so its EIP reaches no port (instance-public-address-unused says so)
    expect(
      report.findings
        .filter((f) => f.resource.id === 'sg-bastion' || f.resource.id === 'i-bastion')
        .map((f) => f.ruleId),
    ).toEqual(['instance-public-address-unused']);
    // every action the scan called is a read action
    const stats = emu.stats();
    const allowed = new Set(Object.values(READ_ACTIONS).flat());
    for (const action of Object.keys(stats.requests)) expect(allowed, action).toContain(action);
  });

  it('AccessDenied on one API exits 3 and names the gap', async () => {
    const emu = await serve('clean', (w) => {
      w.emulator.faults.push({ action: 'DescribeDisks', kind: 'accessDenied' });
    });
    const r = await runCli(scanArgs(emu));
    const report = parseReport(r.stdout);
    expect(r.code).toBe(3);
    expect(report.coverage).toHaveLength(1);
    expect(report.coverage[0]).toMatchObject({
      service: 'ecs',
      region: 'cn-shanghai',
      operation: 'DescribeDisks',
      error: { code: 'Forbidden.RAM' },
    });
    // no finding is invented from the missing disks
    expect(report.findings.filter((f) => f.ruleId === 'disk-not-encrypted')).toEqual([]);
  });

  it('throttling and 5xx are retried: the scan completes with no gap', async () => {
    const emu = await serve('clean', (w) => {
      w.emulator.faults.push(
        { action: 'DescribeSecurityGroupAttribute', kind: 'throttle', count: 2 },
        { action: 'ListUsers', kind: 'serverError', count: 2 },
        { action: 'DescribeInstances', kind: 'throttle', count: 1 },
      );
    });
    const r = await runCli(scanArgs(emu));
    const report = parseReport(r.stdout);
    expect(report.coverage).toEqual([]);
    expect(r.code).toBe(0);
    expect(emu.stats().faults).toBe(5);
  });

  it('a page token that never ends becomes a coverage entry instead of a hang', async () => {
    const emu = await serve('clean', (w) => {
      w.emulator.faults.push({ action: 'DescribeSecurityGroups', kind: 'repeatPage' });
    });
    const r = await runCli(scanArgs(emu), { timeoutMs: 60_000 });
    const report = parseReport(r.stdout);
    expect(r.code).toBe(3);
    expect(report.coverage.some((c) => c.operation === 'DescribeSecurityGroups')).toBe(true);
  });

  it('collect writes a snapshot that scan --snapshot evaluates to the same findings with no API call', async () => {
    const emu = await serve('demo');
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-snap-'));
    const snap = path.join(dir, 'snap.json');
    const c = await runCli(['collect', '--endpoint', emu.url, '--now', NOW, '--output', snap]);
    expect(c.code).toBe(0);
    expect(existsSync(snap)).toBe(true);
    const live = parseReport((await runCli(scanArgs(emu))).stdout);
    const total = () => Object.values(emu.stats().requests).reduce((a, b) => a + b, 0);
    const callsBefore = total();
    expect(callsBefore).toBeGreaterThan(0);
    const offline = await runCli(['scan', '--snapshot', snap, '--now', NOW, '--format', 'json']);
    expect(offline.code).toBe(1);
    const fromSnap = parseReport(offline.stdout);
    expect(fromSnap.scan.source).toBe('snapshot');
    expect(fromSnap.findings.map((f) => f.fingerprint)).toEqual(
      live.findings.map((f) => f.fingerprint),
    );
    // evaluating a snapshot makes no API call at all
    expect(total()).toBe(callsBefore);
    // the snapshot holds no secrets: no command content, no AccessKey secret
    const text = readFileSync(snap, 'utf8');
    expect(text).not.toContain('eXVtIHVwZGF0ZSAteQ==');
    expect(text).not.toContain('e2e-secret-value');
  });
});

describe('bad input: one line, exit 2, nothing scanned', () => {
  it('an unknown flag', async () => {
    const r = await runCli(['scan', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ecs-audit: unknown option/);
  });

  it('an unknown severity for --fail-on', async () => {
    const r = await runCli(['scan', '--fail-on', 'urgent', '--snapshot', 'x.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'ecs-audit: --fail-on: unknown severity "urgent" (expected critical, high, medium, low, info, none)\n',
    );
  });

  it('an invalid snapshot names the first bad path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-bad-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ schemaVersion: 1, tool: { name: 'ecs-audit', version: '1' } }),
    );
    const r = await runCli(['scan', '--snapshot', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${file}: collectedAt:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('no credentials at all', async () => {
    const r = await runCli(['scan', '--endpoint', 'http://127.0.0.1:9'], {
      env: testEnv({
        ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
      }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ecs-audit: .*credentials/i);
  });

  it('a caller that cannot be identified stops before any other call', async () => {
    const emu = await serve('clean', (w) => {
      w.emulator.faults.push({ action: 'GetCallerIdentity', kind: 'accessDenied' });
    });
    const r = await runCli(scanArgs(emu));
    expect(r.code).toBe(2);
    expect(Object.keys(emu.stats().requests)).toEqual(['GetCallerIdentity']);
  });
});
