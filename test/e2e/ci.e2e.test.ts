/**
 * What a CI job and a ticketing pipeline rely on, end to end through the real
 * CLI: exit codes per --fail-on, baselines and --fail-on-new, suppressions
 * (active and expired), config errors with file:line, and --report files.
 * The account is read once from the emulator into a snapshot; each scan then
 * evaluates a (possibly edited) copy of that snapshot.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import type { Inventory } from '../../src/inventory/schema.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { ROOT, runCli, testEnv } from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
let dir: string;
let emu: RunningEmulator;
let inventory: Inventory;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-ci-'));
  emu = await startEmulator(await loadWorld(path.join(ROOT, 'fixtures/worlds/demo.yaml')));
  const snap = path.join(dir, 'demo.json');
  const r = await runCli(['collect', '--endpoint', emu.url, '--now', NOW, '-o', snap]);
  expect(r.stderr).not.toContain('internal error');
  inventory = JSON.parse(readFileSync(snap, 'utf8')) as Inventory;
});

afterAll(async () => {
  await emu?.close();
});

let n = 0;
/** write a copy of the demo snapshot, edited, and return its path */
function snapshot(edit: (inv: Inventory) => void = () => {}): string {
  const copy = structuredClone(inventory);
  copy.coverage = [];
  edit(copy);
  const file = path.join(dir, `snap-${++n}.json`);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

async function scan(...args: string[]) {
  const r = await runCli(['scan', '--now', NOW, '--format', 'json', ...args]);
  expect(r.stderr).not.toContain('internal error');
  return { ...r, report: r.stdout ? ReportSchema.parse(JSON.parse(r.stdout)) : undefined };
}

const ids = (r: Report | undefined, rule: string) =>
  (r?.findings ?? []).filter((f) => f.ruleId === rule).map((f) => f.resource.id);

describe('exit codes', () => {
  it('1 when a finding reaches --fail-on (critical by default)', async () => {
    const r = await scan('--snapshot', snapshot());
    expect(r.report?.summary.critical).toBeGreaterThan(0);
    expect(r.code).toBe(1);
  });

  it('0 with --fail-on none and no gap', async () => {
    const r = await scan('--snapshot', snapshot(), '--fail-on', 'none');
    expect(r.report?.findings.length).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  });

  it('3 when data is missing and nothing reaches --fail-on', async () => {
    const snap = snapshot((inv) => {
      inv.coverage.push({
        service: 'ecs',
        region: 'cn-hangzhou',
        operation: 'DescribeDisks',
        error: { code: 'Throttling.User', message: 'Request was denied due to user flow control.' },
      });
    });
    const r = await scan('--snapshot', snap, '--fail-on', 'none');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('1 coverage gap(s)');
    expect(r.report?.coverage).toHaveLength(1);
  });

  it('2 for a config that is not valid, with file:line and nothing else', async () => {
    const cfg = file(
      'bad.yaml',
      'failOn: high\nrules:\n  disk-not-encrypted:\n    severity: urgent\n',
    );
    const r = await scan('--snapshot', snapshot(), '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(`^ecs-audit: ${cfg}:4: rules\\.disk-not-encrypted\\.severity: unknown severity`),
    );
  });

  it('2 for a misspelt rule option, pointing at its line', async () => {
    const cfg = file(
      'typo.yaml',
      'rules:\n  sg-high-risk-port-open-to-internet:\n    enabled: true\n    tcpPortz: [22]\n',
    );
    const r = await scan('--snapshot', snapshot(), '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^ecs-audit: ${cfg}:4: .*unknown option "tcpPortz"`));
  });

  it('2 for an unknown rule id in the config', async () => {
    const cfg = file('unknown-rule.yaml', 'rules:\n  no-such-rule: { enabled: false }\n');
    const r = await scan('--snapshot', snapshot(), '--config', cfg);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}:2: rules.no-such-rule: unknown rule id`);
  });
});

describe('config', () => {
  it('failOn, severity overrides and disabled rules apply; the flag wins over failOn', async () => {
    const cfg = file(
      'cfg.yaml',
      [
        'failOn: none',
        'rules:',
        '  sg-all-ports-open-to-internet: { enabled: false }',
        '  sg-high-risk-port-open-to-internet: { severity: low }',
      ].join('\n'),
    );
    const snap = snapshot();
    const r = await scan('--snapshot', snap, '--config', cfg);
    expect(r.code).toBe(0);
    expect(ids(r.report, 'sg-all-ports-open-to-internet')).toEqual([]);
    const hr = r.report?.findings.filter((f) => f.ruleId === 'sg-high-risk-port-open-to-internet');
    expect(hr?.length).toBeGreaterThan(0);
    expect(new Set(hr?.map((f) => f.severity))).toEqual(new Set(['low']));
    const flag = await scan('--snapshot', snap, '--config', cfg, '--fail-on', 'critical');
    expect(flag.code).toBe(1);
  });

  it('an active suppression suppresses; an expired one does not and is reported', async () => {
    const cfg = file(
      'suppress.yaml',
      [
        'suppressions:',
        '  - rule: sg-admin-port-open-to-internet',
        '    resource: sg-web*',
        '    reason: "reviewed: TICKET-1"',
        '    expires: 2099-01-01',
        '  - rule: sg-admin-port-open-to-internet',
        '    resource: sg-legacy',
        '    region: cn-hangzhou',
        '    reason: "was temporary: TICKET-2"',
        '    expires: 2026-10-01',
      ].join('\n'),
    );
    const r = await scan('--snapshot', snapshot(), '--config', cfg);
    const admin = r.report?.findings.filter((f) => f.ruleId === 'sg-admin-port-open-to-internet');
    const web = admin?.find((f) => f.resource.id === 'sg-web');
    const legacy = admin?.find((f) => f.resource.id === 'sg-legacy');
    expect(web?.status).toBe('suppressed');
    expect(web?.suppression?.reason).toBe('reviewed: TICKET-1');
    expect(legacy?.status).toBe('open');
    expect(r.report?.expiredSuppressions).toEqual([
      expect.objectContaining({ resource: 'sg-legacy', expires: '2026-10-01' }),
    ]);
    expect(r.stderr).toContain('suppression expired on 2026-10-01');
    expect(r.report?.summary.suppressed).toBeGreaterThan(0);
  });
});

describe('--compliance cis', () => {
  it('evaluates only mapped rules and reports every control with its status', async () => {
    const r = await scan('--snapshot', snapshot(), '--compliance', 'cis');
    const compliance = r.report?.compliance;
    expect(compliance?.framework).toBe('cis');
    const byId = new Map(compliance?.controls.map((c) => [c.id, c]));
    expect(byId.get('4.3')).toMatchObject({
      status: 'fail',
      rules: expect.arrayContaining(['sg-admin-port-open-to-internet']),
    });
    expect(byId.get('1.16')?.status).toBe('manual');
    // only rules mapped to CIS ran: key-pair-unused maps to no control
    expect(r.report?.rules?.some((x) => x.id === 'key-pair-unused')).toBe(false);
    expect(r.report?.findings.some((f) => f.ruleId === 'key-pair-unused')).toBe(false);
    expect(r.stderr).toMatch(
      /CIS Alibaba Cloud Foundations Benchmark v2\.0\.0 \(29 of 80 controls\): \d+ pass, \d+ fail/,
    );
    expect(r.stderr).toMatch(
      / {2}4\.3 +fail +Ensure no security groups allow ingress from 0\.0\.0\.0\/0 to port 22/,
    );
  });

  it('an unknown framework is one line naming the known ones', async () => {
    const r = await scan('--snapshot', snapshot(), '--compliance', 'pci');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ecs-audit: --compliance: no rule maps to "pci" (known: cis)\n');
  });
});

/**
 * The account without group `id`: gone from the listing and from the instances
 * that used it, and an instance in no other group gone too (an interface is
 * always in a group; one whose group is not listed is unknown, not closed).
 */
const withoutGroup = (id: string) => (inv: Inventory) => {
  inv.ecs.securityGroups = inv.ecs.securityGroups.filter((g) => g.id !== id);
  for (const i of inv.ecs.instances) {
    i.securityGroupIds = i.securityGroupIds.filter((g) => g !== id);
    for (const n of i.networkInterfaces ?? [])
      n.securityGroupIds = n.securityGroupIds.filter((g) => g !== id);
  }
  inv.ecs.instances = inv.ecs.instances.filter(
    (i) =>
      i.securityGroupIds.length > 0 &&
      (i.networkInterfaces ?? []).every((n) => n.securityGroupIds.length > 0),
  );
};

describe('baseline', () => {
  it('marks new and unchanged findings, lists resolved ones, and --fail-on-new fails only on new', async () => {
    // the baseline is an account where sg-web does not exist yet and sg-legacy still did
    const withoutWeb = snapshot(withoutGroup('sg-web'));
    const before = await scan('--snapshot', withoutWeb, '--fail-on', 'none');
    const baseline = file('baseline.json', before.stdout);
    const withoutLegacy = snapshot(withoutGroup('sg-legacy'));
    const r = await scan('--snapshot', withoutLegacy, '--baseline', baseline, '--fail-on-new');
    const web = r.report?.findings.filter((f) => f.resource.id === 'sg-web') ?? [];
    expect(web.length).toBeGreaterThan(0);
    for (const f of web) expect(f.baseline).toBe('new');
    const unchanged = r.report?.findings.filter((f) => f.baseline === 'unchanged') ?? [];
    expect(unchanged.length).toBeGreaterThan(0);
    expect(r.report?.resolved?.map((x) => x.resource.id)).toContain('sg-legacy');
    expect(r.code).toBe(1);

    // same account as the baseline: nothing new, so --fail-on-new passes
    const same = await scan('--snapshot', withoutWeb, '--baseline', baseline, '--fail-on-new');
    expect(same.report?.findings.every((f) => f.baseline === 'unchanged')).toBe(true);
    expect(same.code).toBe(0);
  });

  it('--fail-on-new without --baseline is bad input', async () => {
    const r = await scan('--snapshot', snapshot(), '--fail-on-new');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('ecs-audit: --fail-on-new needs --baseline\n');
  });
});

describe('--report files', () => {
  it('writes several formats in the same run, the JSON identical to stdout', async () => {
    const json = path.join(dir, 'out.json');
    const table = path.join(dir, 'out.txt');
    const r = await scan(
      '--snapshot',
      snapshot(),
      '--report',
      `json=${json}`,
      '--report',
      `table=${table}`,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual(JSON.parse(r.stdout));
    expect(readFileSync(table, 'utf8')).toContain('sg-admin-port-open-to-internet');
  });

  it('several files are made on two threads by default, the same documents as on one', async () => {
    const made = async (sub: string, env: Record<string, string> = {}) => {
      const d = path.join(dir, sub);
      const formats = ['json', 'sarif', 'junit', 'table'];
      const r = await runCli(
        [
          'scan',
          '--now',
          NOW,
          '--snapshot',
          snapshot(),
          ...formats.flatMap((f) => ['--report', `${f}=${d}/r.${f}`]),
        ],
        { env: testEnv(env) },
      );
      expect(r.code, r.stderr).toBe(1);
      // the scan's own start and end are the only differences between two runs
      const times = /\d{4}-\d\d-\d\dT[\d:.]+Z?|took [\d.]+ s/g;
      return formats.map((f) => readFileSync(`${d}/r.${f}`, 'utf8').replace(times, 'T'));
    };
    const [two, one] = await Promise.all([
      made('two'),
      made('one', { ECS_AUDIT_REPORT_THREAD: '0' }),
    ]);
    expect(two[2]).toContain('<testcase');
    expect(two).toEqual(one);
  });

  it('an unwritable destination is refused before anything is read', async () => {
    const r = await runCli([
      'scan',
      '--endpoint',
      'http://127.0.0.1:9',
      '--report',
      // under a file: no directory can be made there (a missing directory is made)
      'json=/dev/null/dir/r.json',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^ecs-audit: --report: cannot write ".*r\.json": .* is not a writable directory\n$/,
    );
  });

  it('an unknown report format is one line', async () => {
    const r = await runCli(['scan', '--snapshot', snapshot(), '--report', `pdf=${dir}/r.pdf`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ecs-audit: --report: unknown format "pdf"/);
    expect(existsSync(`${dir}/r.pdf`)).toBe(false);
  });
});
