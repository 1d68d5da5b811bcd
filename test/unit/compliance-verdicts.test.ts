/**
 * `--compliance`: silence is never a pass. A control whose rules did not all
 * run is not `pass`; a finding `--severity` left out of the report or a
 * suppressed finding still fails its controls; the catalogue maps only what
 * the rules check and says how much of the benchmark it lists.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIS } from '../../src/compliance/cis.js';
import { type ControlResult, evaluateControls } from '../../src/compliance/evaluate.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { writeSnapshot } from '../../src/inventory/snapshot.js';
import { mergeReports } from '../../src/report/merge.js';
import type { Report } from '../../src/report/schema.js';
import { buildInventory, makeDisk, makeInventory } from '../../src/testing/index.js';
import { runInProcess } from '../helpers/in-process.js';
import { ecs, from, group } from '../helpers/network.js';

const statusOf = (controls: readonly ControlResult[]) =>
  Object.fromEntries(controls.map((c) => [c.id, c.status]));

describe('evaluateControls', () => {
  const rule = (id: string, cis: string[]) =>
    ({ rule: { meta: { id, compliance: { cis } } }, source: 'built-in' }) as never;
  const rules = [rule('a', ['1.1']), rule('b', ['1.1', '1.2']), rule('c', ['1.3'])];
  const empty = { findings: [], coverage: [], unevaluated: [] };

  it('a control with a mapped rule that did not run is unknown; none ran: manual', () => {
    const status = statusOf(evaluateControls(CIS, rules, empty, { ran: new Set(['a', 'c']) }));
    expect(status).toMatchObject({ '1.1': 'unknown', '1.2': 'manual', '1.3': 'pass' });
  });

  it('a suppressed finding and a finding --severity dropped fail their controls', () => {
    const suppressed = { ...empty, findings: [{ ruleId: 'a', status: 'suppressed' }] as never };
    expect(statusOf(evaluateControls(CIS, rules, suppressed))['1.1']).toBe('fail');
    const hidden = evaluateControls(CIS, rules, empty, { hidden: [{ ruleId: 'c' }] });
    expect(hidden.find((c) => c.id === '1.3')).toMatchObject({ status: 'fail', findings: 1 });
  });
});

describe('the CIS catalogue', () => {
  it('maps 3.5 to no rule (manual), 8.2 to security-center-agent-offline, and says how much it lists', async () => {
    const rules = await loadBuiltinRules();
    const mapped = (id: string) =>
      rules.filter((r) => r.rule.meta.compliance?.['cis']?.includes(id)).map((r) => r.rule.meta.id);
    expect(mapped('3.5')).toEqual([]);
    expect(mapped('8.2')).toEqual(['security-center-agent-offline']);
    expect(CIS.controls.find((c) => c.id === '8.2')?.title).toBe(
      'Ensure that all assets are installed with security agent',
    );
    expect(CIS.name).toContain(`(${CIS.controls.length} of 80 controls)`);
    expect(CIS.controls.length).toBe(29);
  });
});

describe('scan --compliance cis', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-cis-'));
  const snap = path.join(dir, 'snap.json');
  const scan = async (...args: string[]) => {
    // an attached unencrypted disk breaks CIS 4.2, an unattached one 4.1
    const disks = [
      makeDisk({ encrypted: false }),
      makeDisk({ id: 'd-2', encrypted: false, instanceId: null }),
    ];
    await writeSnapshot(snap, makeInventory({ ecs: { disks } }));
    const r = await runInProcess(['scan', '--snapshot', snap, '--format', 'json', ...args]);
    const report = JSON.parse(r.stdout) as Report;
    return { r, status: statusOf(report.compliance!.controls as ControlResult[]), report };
  };
  const config = (text: string) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    return file;
  };

  it('the unencrypted disks fail 4.1/4.2 (the baseline of the cases below)', async () => {
    const { status } = await scan('--compliance', 'cis');
    expect(status).toMatchObject({ '4.1': 'fail', '4.2': 'fail', '1.3': 'pass' });
  });

  it('a finding --severity leaves out still fails its controls; the report stays filtered', async () => {
    const { status, report } = await scan('--compliance', 'cis', '--severity', 'critical');
    expect(report.findings.filter((f) => f.ruleId === 'disk-not-encrypted')).toEqual([]);
    expect(status).toMatchObject({ '4.1': 'fail', '4.2': 'fail' });
  });

  it('a suppressed finding fails its controls (the exit code stays green)', async () => {
    const file = config(
      'suppressions:\n  - rule: disk-not-encrypted\n    resource: d-*\n    reason: reviewed\n',
    );
    const { r, status } = await scan(
      ...['--compliance', 'cis', '--checks', 'disk-not-encrypted', '--config', file],
      ...['--fail-on', 'low'],
    );
    expect(r.code).toBe(0);
    expect(status).toMatchObject({ '4.1': 'fail', '4.2': 'fail' });
  });

  it('rules left out by --checks or enabled: false are no pass', async () => {
    // 1.1 is mapped to root-access-key-exists and three ActionTrail rules
    const checks = await scan('--compliance', 'cis', '--checks', 'root-access-key-exists');
    expect(checks.status).toMatchObject({ '1.1': 'unknown', '1.2': 'unknown', '4.1': 'manual' });
    expect(checks.r.stderr).toMatch(/1\.1 +unknown .*\(did not run: actiontrail-/);
    const file = config('rules:\n  root-mfa-disabled:\n    enabled: false\n');
    const disabled = await scan('--compliance', 'cis', '--config', file);
    expect(disabled.status['1.3']).toBe('unknown');
  });

  it('merge keeps a control failed on hidden findings and one whose rule did not run unknown', async () => {
    const { report } = await scan('--compliance', 'cis', '--severity', 'critical');
    const merged = mergeReports([report]);
    expect(statusOf(merged.compliance!.controls as ControlResult[])).toMatchObject({
      '4.1': 'fail',
    });
    const partial = (await scan('--compliance', 'cis', '--checks', 'root-access-key-exists'))
      .report;
    expect(statusOf(mergeReports([partial]).compliance!.controls as ControlResult[])).toMatchObject(
      { '1.1': 'unknown', '4.1': 'manual' },
    );
  });
});

/** the CIS table of `scan --snapshot` of an inventory */
const controlsDir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-cis-controls-'));
async function controlsOfInventory(inventory: Inventory) {
  const snap = path.join(controlsDir, `s${Math.random().toString(36).slice(2)}.json`);
  await writeSnapshot(snap, inventory);
  const r = await runInProcess([
    'scan',
    '--snapshot',
    snap,
    '--format',
    'json',
    '--compliance',
    'cis',
  ]);
  return statusOf((JSON.parse(r.stdout) as Report).compliance!.controls as ControlResult[]);
}

describe('a finding breaks only the controls it names', () => {
  const controlsOf = (fragment: Parameters<typeof makeInventory>[0]) =>
    controlsOfInventory(makeInventory(fragment));

  it('an attached unencrypted disk fails 4.2 (attached disks), not 4.1 (unattached)', async () => {
    const status = await controlsOf({ ecs: { disks: [makeDisk({ encrypted: false })] } });
    expect(status).toMatchObject({ '4.1': 'pass', '4.2': 'fail' });
  });

  it('a password policy lacking only symbols fails 1.9 alone', async () => {
    const status = await controlsOf({
      ram: {
        passwordPolicy: {
          minimumPasswordLength: 14,
          requireLowercaseCharacters: true,
          requireUppercaseCharacters: true,
          requireNumbers: true,
          requireSymbols: false,
          hardExpiry: false,
          maxPasswordAge: 90,
          passwordReusePrevention: 5,
          maxLoginAttempts: 5,
        },
      },
    } as never);
    expect(status).toMatchObject({
      '1.7': 'pass',
      '1.8': 'pass',
      '1.9': 'fail',
      '1.10': 'pass',
      '1.11': 'pass',
    });
  });
});

describe('controls named by the security-group and admin rules', () => {
  const controlsOf = (fragment: Parameters<typeof buildInventory>[0]) =>
    controlsOfInventory(buildInventory(fragment));
  const adminDoc = { Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

  it('a group opening only 3389 fails 3.2 and 4.4, not 4.3 (port 22)', async () => {
    const status = await controlsOf(
      ecs([group('sg-1', [from('0.0.0.0/0', { portRange: '3389/3389' })])]),
    );
    expect(status).toMatchObject({ '3.2': 'fail', '4.3': 'pass', '4.4': 'fail' });
  });

  it('1.15 audits Custom policies: System AdministratorAccess passes it, a Custom *:* fails it', async () => {
    const ram = (type: 'System' | 'Custom') => ({
      ram: {
        users: [{ name: 'u', groups: [], policies: [{ name: 'Admin', type }] }],
        policies: [{ name: 'Admin', type, document: adminDoc }],
      },
    });
    expect((await controlsOf(ram('System')))['1.15']).toBe('pass');
    expect((await controlsOf(ram('Custom')))['1.15']).toBe('fail');
  });
});
