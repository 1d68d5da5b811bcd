/**
 * `--baseline`: `resolved` lists only baseline findings this scan judged
 * (src/report/baseline.ts). A scan narrowed by `--severity`, `--regions` or
 * `--checks` did not look at the rest, and a pipeline closing tickets on
 * `resolved` would close open problems. Through the CLI's `main()` in this
 * process against fixtures/worlds/demo.yaml: the baseline is a full scan's
 * report plus findings that are gone in the world (a security group, a RAM
 * user, an account-level ActionTrail finding that are no longer there), so each
 * narrowed scan's exact resolved list shows what it judged.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { fingerprint } from '../../src/engine/finding.js';
import { type Report, type ReportFinding, ReportSchema } from '../../src/report/schema.js';
import { jsonScanArgs, ROOT } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';

const NOW = '2026-11-01T00:00:00Z';
const WORLD = path.join(ROOT, 'fixtures', 'worlds', 'demo.yaml');

// the SDK reads the credentials from this worker's environment (the setup disables the metadata service)
process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'LTAItestBaselineScope';
process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] = 'baseline-scope-secret';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-baseline-scope-'));
const file = (name: string) => path.join(dir, name);

let emu: RunningEmulator;
let full: Report;
let baselineFile: string;

const scan = (...extra: string[]): string[] => jsonScanArgs(emu.url, NOW, ...extra);

/** a finding of the baseline whose resource is gone from the world */
function gone(
  ruleId: string,
  severity: ReportFinding['severity'],
  resource: ReportFinding['resource'],
): ReportFinding {
  return {
    ruleId,
    severity,
    title: 't',
    message: 'm',
    remediation: 'r',
    resource,
    evidence: {},
    fingerprint: fingerprint(ruleId, resource),
    status: 'open',
  };
}

const GONE_SG = gone('sg-admin-port-open-to-internet', 'critical', {
  type: 'security-group',
  id: 'sg-gone',
  region: 'cn-hangzhou',
});
const GONE_SG_ABROAD = gone('sg-admin-port-open-to-internet', 'critical', {
  type: 'security-group',
  id: 'sg-gone-abroad',
  region: 'ap-southeast-1',
});
const GONE_USER = gone('ram-user-console-without-mfa', 'high', {
  type: 'ram-user',
  id: 'gone-user',
  region: null,
});
// ActionTrail's events are read in the scanned regions: `--regions` may hide this one
const GONE_TRAIL = gone('actiontrail-root-access-key-used', 'critical', {
  type: 'account',
  id: 'gone-account',
  region: null,
});

/** the resolved list of a scan with `extra` flags against the baseline */
async function resolvedOf(...extra: string[]): Promise<string[]> {
  const r = await runInProcess(scan('--baseline', baselineFile, ...extra));
  expect([0, 1], r.stderr).toContain(r.code);
  const report = ReportSchema.parse(JSON.parse(r.stdout));
  return (report.resolved ?? []).map((x) => `${x.ruleId} ${x.resource.id}`);
}

beforeAll(async () => {
  emu = await startEmulator(await loadWorld(WORLD));
  const r = await runInProcess(scan('--report', `json=${file('full.json')}`));
  expect([0, 1], r.stderr).toContain(r.code);
  full = ReportSchema.parse(JSON.parse(readFileSync(file('full.json'), 'utf8')));
  baselineFile = file('baseline.json');
  writeFileSync(
    baselineFile,
    JSON.stringify({
      ...full,
      findings: [...full.findings, GONE_SG, GONE_SG_ABROAD, GONE_USER, GONE_TRAIL],
    }),
  );
}, 60_000);

afterAll(async () => {
  await emu?.close();
});

describe('--baseline resolves only what the scan judged', () => {
  it('the baseline holds findings of every severity, of both regions and of many rules', () => {
    const severities = new Set(full.findings.map((f) => f.severity));
    expect(severities.size).toBeGreaterThan(2);
    expect(full.scan.regions).toEqual(expect.arrayContaining(['cn-hangzhou', 'ap-southeast-1']));
    expect(full.findings.some((f) => f.resource.region === 'ap-southeast-1')).toBe(true);
    expect(new Set(full.findings.map((f) => f.ruleId)).size).toBeGreaterThan(5);
  });

  it('a full scan resolves exactly the findings that are gone', async () => {
    expect(await resolvedOf()).toEqual([
      'actiontrail-root-access-key-used gone-account',
      'sg-admin-port-open-to-internet sg-gone-abroad',
      'sg-admin-port-open-to-internet sg-gone',
      'ram-user-console-without-mfa gone-user',
    ]);
  });

  it('--severity critical: findings of the severities not reported are not resolved', async () => {
    expect(await resolvedOf('--severity', 'critical')).toEqual([
      'actiontrail-root-access-key-used gone-account',
      'sg-admin-port-open-to-internet sg-gone-abroad',
      'sg-admin-port-open-to-internet sg-gone',
    ]);
  });

  it('--regions cn-hangzhou: findings of the regions not scanned are not resolved; RAM is read whatever the regions, ActionTrail events are not', async () => {
    expect(await resolvedOf('--regions', 'cn-hangzhou')).toEqual([
      'sg-admin-port-open-to-internet sg-gone',
      'ram-user-console-without-mfa gone-user',
    ]);
  });

  it('--checks: findings of the rules that did not run are not resolved', async () => {
    expect(await resolvedOf('--checks', 'sg-admin-port-open-to-internet')).toEqual([
      'sg-admin-port-open-to-internet sg-gone-abroad',
      'sg-admin-port-open-to-internet sg-gone',
    ]);
  });
});
