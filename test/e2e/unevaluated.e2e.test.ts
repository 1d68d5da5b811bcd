/**
 * End to end, issue #14 "Unknown is never safe": a security group whose rules
 * cannot be read (AccessDenied on DescribeSecurityGroupAttribute in one region)
 * is never a pass. The built CLI runs against the emulator; the JSON report
 * lists that region's (rule, resource) pairs under `unevaluated`, the table a
 * "not evaluated" section, and `--compliance cis` the related controls as
 * `unknown`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { type CliResult, ROOT, runCli } from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
// the group rules `--compliance cis` runs (all-ports and high-risk-ports map to no CIS control)
const NETWORK_GROUP_RULES = ['sg-admin-port-open-to-internet'];

let emu: RunningEmulator;
let result: CliResult;
let report: Report;
let table: string;

beforeAll(async () => {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'clean.yaml'));
  // a second region with the same account layout, whose groups can be read
  world.regions.push({ RegionId: 'cn-beijing', LocalName: 'China (Beijing)' });
  world.ecs['cn-beijing'] = structuredClone(world.ecs['cn-shanghai']!);
  world.emulator.faults.push({
    action: 'DescribeSecurityGroupAttribute',
    region: 'cn-shanghai',
    kind: 'accessDenied',
  });
  emu = await startEmulator(world);
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-unevaluated-'));
  // one scan serves every assertion: the four network rules are all mapped to CIS
  const tableFile = path.join(dir, 'report.txt');
  // a suppression of the unreadable group: suppressions apply to findings, never to pairs not evaluated
  const config = path.join(dir, 'config.yaml');
  writeFileSync(
    config,
    'suppressions:\n  - rule: sg-admin-port-open-to-internet\n    resource: sg-app\n    reason: reviewed\n',
  );
  result = await runCli([
    'scan',
    '--endpoint',
    emu.url,
    '--now',
    NOW,
    '--timeout',
    '3000',
    '--regions',
    'cn-shanghai,cn-beijing',
    '--compliance',
    'cis',
    '--format',
    'json',
    '--report',
    `table=${tableFile}`,
    '--config',
    config,
  ]);
  report = ReportSchema.parse(JSON.parse(result.stdout));
  table = readFileSync(tableFile, 'utf8');
}, 60_000);

afterAll(async () => {
  await emu?.close();
});

describe('a security group whose rules could not be read', () => {
  it('is not evaluated: JSON lists that region\'s groups × the network rules and the instances using them; the table has a "not evaluated" section', () => {
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(3);
    const gap = report.coverage.findIndex(
      (c) => c.operation === 'DescribeSecurityGroupAttribute' && c.resource === 'sg-app',
    );
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(report.coverage[gap]).toMatchObject({
      region: 'cn-shanghai',
      error: { code: 'Forbidden.RAM' },
    });
    const pairs = (report.unevaluated ?? []).map(
      (u) => `${u.ruleId} ${u.resource?.type}:${u.resource?.id}@${u.resource?.region}`,
    );
    expect(pairs.sort()).toEqual(
      [
        ...NETWORK_GROUP_RULES.map((id) => `${id} security-group:sg-app@cn-shanghai`),
        'instance-admin-port-exposed instance:i-app1@cn-shanghai',
      ].sort(),
    );
    for (const u of report.unevaluated!) {
      expect(u.reason).toBe('DescribeSecurityGroupAttribute: Forbidden.RAM');
      expect(u.coverage).toBe(gap);
    }
    expect(report.summary.unevaluated).toBe(2);
    expect(report.summary.suppressed).toBe(0);
    // the readable region was judged: nothing of cn-beijing is listed, and no finding is invented
    expect(report.findings).toEqual([]);

    const text = table;
    expect(text).toContain('Not evaluated (2)');
    expect(text).toContain(
      '  sg-admin-port-open-to-internet  cn-shanghai\n      1 resource: sg-app (app) (DescribeSecurityGroupAttribute: Forbidden.RAM)',
    );
    expect(text).toContain(
      '  instance-admin-port-exposed  cn-shanghai\n      1 resource: i-app1 (app-1)',
    );
    expect(text).toMatch(/Summary: .*2 not evaluated/s);
  });

  it('with --compliance cis, the controls of those rules are unknown, never pass', () => {
    const status = Object.fromEntries(report.compliance!.controls.map((c) => [c.id, c.status]));
    // 3.2: admin ports (both group and instance rules); 4.3 / 4.4: SSH / RDP; 3.5: no rule covers it
    expect(status).toMatchObject({
      '3.2': 'unknown',
      '3.5': 'manual',
      '4.3': 'unknown',
      '4.4': 'unknown',
    });
    // the rules that read nothing missing still pass
    expect(status['1.3']).toBe('pass');
    expect(status['4.1']).toBe('pass');
    expect(result.stderr).toMatch(/ 3\.2 {3}unknown /);
    expect(table).toMatch(/\n {2}3\.2 {3}unknown /);
  });
});
