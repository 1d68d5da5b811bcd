/**
 * `--baseline` for a ticketing pipeline (one ticket per account and
 * fingerprint, opened on `new` open findings, closed on `resolved`), through
 * the CLI's `main()` in this process against the emulator:
 *
 * - Like with like: an organization report's fingerprints name the account, a
 *   one-account report's do not. A one-account scan given an organization
 *   baseline listed every other member's findings (an active root AccessKey
 *   among them) as resolved, and an organization scan given a one-account
 *   baseline resolved that account's findings and reopened them as new. A
 *   baseline of the other shape is refused (exit 2, one line); applyBaseline
 *   itself judges no finding of the other shape.
 * - A rule reading the Resource Directory (`rd-member-root-enabled`) says
 *   nothing without it: an `--accounts` scan (no directory read) does not
 *   resolve its findings made with the directory; an `--org` scan does.
 * - A finding suppressed in the baseline and open now (the suppression was
 *   removed or expired) is `new`: no ticket was opened for it, and
 *   `--fail-on-new` fails on it. Open before and suppressed now, it is
 *   `unchanged` and not resolved: the problem is still there, accepted.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { fingerprint } from '../../src/engine/finding.js';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import { applyBaseline, baselineScope } from '../../src/report/baseline.js';
import { type Report, type ReportFinding, ReportSchema } from '../../src/report/schema.js';
import { jsonScanArgs, ROOT } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';

const NOW = '2026-11-01T00:00:00Z';
const MANAGEMENT = '1000000000000001';
const DEV = '1000000000000002';
const LEGACY = '1000000000000003';

// the SDK reads the credentials from this worker's environment (the setup disables the metadata service)
process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'LTAItestBaselineMixed';
process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] = 'baseline-mixed-secret';

const dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-baseline-mixed-'));
const file = (name: string) => path.join(dir, name);
const read = (f: string): Report => ReportSchema.parse(JSON.parse(readFileSync(f, 'utf8')));
const write = (name: string, r: Report): string => {
  writeFileSync(file(name), JSON.stringify(r));
  return file(name);
};
const label = (x: { ruleId: string; resource: { id: string; account?: string } }) =>
  `${x.ruleId} ${x.resource.id}${x.resource.account ? `@${x.resource.account}` : ''}`;

let org: RunningEmulator;
let demo: RunningEmulator;
let orgFile: string;
let oneFile: string;

/** a scan of `emu` whose JSON report is parsed; exit 0 or 1 */
async function scanJson(emu: RunningEmulator, ...extra: string[]): Promise<Report> {
  const r = await runInProcess(jsonScanArgs(emu.url, NOW, ...extra));
  expect([0, 1], r.stderr).toContain(r.code);
  return ReportSchema.parse(JSON.parse(r.stdout));
}

beforeAll(async () => {
  [org, demo] = await Promise.all([
    loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'org.yaml')).then(startEmulator),
    loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'demo.yaml')).then(startEmulator),
  ]);
  orgFile = write('org.json', await scanJson(org, '--org'));
  oneFile = write('one.json', await scanJson(org));
}, 60_000);

afterAll(async () => {
  await Promise.all([org?.close(), demo?.close()]);
});

describe('a baseline of the other shape', () => {
  it('the organization baseline holds findings of other members, an active root AccessKey among them', () => {
    const base = read(orgFile);
    const foreign = base.findings.filter((f) => f.resource.account !== MANAGEMENT);
    expect(new Set(foreign.map((f) => f.resource.account)).size).toBeGreaterThan(1);
    expect(foreign.map(label)).toContain(`root-access-key-exists ${LEGACY}@${LEGACY}`);
  });

  it('a one-account scan refuses an organization baseline (exit 2, one line) and resolves nothing', async () => {
    const r = await runInProcess(jsonScanArgs(org.url, NOW, '--baseline', orgFile));
    expect(r.code, r.stdout.slice(0, 2000)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').slice(-2)).toEqual([
      `ecs-audit: --baseline: the baseline is an organization report, this a one-account scan of ${MANAGEMENT}: the same finding has another fingerprint in each (an organization's names the account); scan with --accounts ${MANAGEMENT}, or give a one-account report`,
      '',
    ]);
  });

  it('--accounts <id> is the organization-shaped scan of one account: its findings unchanged, no other account resolved', async () => {
    const report = await scanJson(org, '--accounts', LEGACY, '--baseline', orgFile);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.filter((f) => f.baseline !== 'unchanged').map(label)).toEqual([]);
    expect((report.resolved ?? []).map(label)).toEqual([]);
  });

  it('an organization scan refuses a one-account baseline (exit 2, one line)', async () => {
    const r = await runInProcess(jsonScanArgs(org.url, NOW, '--org', '--baseline', oneFile));
    expect(r.code, r.stdout.slice(0, 2000)).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').slice(-2)).toEqual([
      `ecs-audit: --baseline: the baseline is a one-account report of ${MANAGEMENT}, this an organization scan: the same finding has another fingerprint in each (an organization's names the account); give an organization scan's report (switching shapes re-keys every finding)`,
      '',
    ]);
  });

  it('applyBaseline judges no finding of the other shape', async () => {
    const scope = baselineScope(await loadBuiltinRules(), {});
    const one = read(oneFile);
    const whole = read(orgFile);
    // the one-account report against the organization's: no member's finding is resolved
    const mixed = applyBaseline(one, whole, scope);
    expect((mixed.resolved ?? []).map(label)).toEqual([]);
    // the organization's against the one-account report: its findings are not resolved
    const reverse = applyBaseline(whole, one, scope);
    expect((reverse.resolved ?? []).map(label)).toEqual([]);
  });
});

describe('a rule reading the directory', () => {
  /** the organization baseline, with DEV (a ResourceAccount) reported as a CloudAccount, as before a conversion */
  let withDev: string;
  beforeAll(() => {
    const base = read(orgFile);
    const legacy = base.findings.find(
      (f) => f.ruleId === 'rd-member-root-enabled' && f.resource.account === LEGACY,
    );
    expect(legacy).toBeDefined();
    const resource = { type: 'account' as const, id: DEV, region: null, account: DEV };
    const dev: ReportFinding = {
      ...legacy!,
      resource,
      fingerprint: fingerprint('rd-member-root-enabled', resource),
    };
    withDev = write('org-dev.json', { ...base, findings: [...base.findings, dev] });
  });

  it('--accounts (no directory read) does not resolve its findings', async () => {
    const report = await scanJson(org, '--accounts', `${DEV},${LEGACY}`, '--baseline', withDev);
    expect(report.findings.some((f) => f.resource.account === LEGACY)).toBe(true);
    expect((report.resolved ?? []).map(label)).toEqual([]);
  });

  it('--org (the directory read) resolves the one the directory no longer proves', async () => {
    const report = await scanJson(
      org,
      '--org',
      '--accounts',
      `${DEV},${LEGACY}`,
      '--baseline',
      withDev,
    );
    expect((report.resolved ?? []).map(label)).toEqual([`rd-member-root-enabled ${DEV}@${DEV}`]);
    const legacy = report.findings.find(
      (f) => f.ruleId === 'rd-member-root-enabled' && f.resource.account === LEGACY,
    );
    expect(legacy?.baseline).toBe('unchanged');
  });
});

describe('suppressions and the baseline', () => {
  const SG = 'sg-admin-port-open-to-internet sg-web';
  const config = (name: string, expires: string) => {
    writeFileSync(
      file(name),
      `suppressions:\n  - rule: sg-admin-port-open-to-internet\n    resource: sg-web\n    reason: reviewed TICKET-1\n    expires: ${expires}\n`,
    );
    return file(name);
  };
  let suppressedFile: string;
  let openFile: string;
  beforeAll(async () => {
    const suppressed = await scanJson(demo, '--config', config('until-dec.yaml', '2026-12-01'));
    expect(suppressed.findings.find((f) => label(f) === SG)?.status).toBe('suppressed');
    suppressedFile = write('suppressed.json', suppressed);
    const open = await scanJson(demo);
    expect(open.findings.find((f) => label(f) === SG)?.status).toBe('open');
    openFile = write('open.json', open);
  });

  it('a suppression removed: the finding is open and new, and --fail-on-new fails on it', async () => {
    const r = await runInProcess(
      jsonScanArgs(demo.url, NOW, '--baseline', suppressedFile, '--fail-on-new'),
    );
    expect(r.code, r.stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const reopened = report.findings.filter((f) => f.status === 'open' && f.baseline === 'new');
    expect(reopened.map(label)).toEqual([SG]);
    expect(report.resolved ?? []).toEqual([]);
  });

  it('a suppression expired: the finding is open and new', async () => {
    // the baseline was made while it held (until December); it ended in October
    const report = await scanJson(
      demo,
      '--config',
      config('until-oct.yaml', '2026-10-15'),
      '--baseline',
      suppressedFile,
    );
    expect(report.expiredSuppressions?.length).toBe(1);
    const f = report.findings.find((x) => label(x) === SG);
    expect([f?.status, f?.baseline]).toEqual(['open', 'new']);
  });

  it('open before, suppressed now: unchanged and not resolved (accepted, not fixed); suppressed both times: unchanged', async () => {
    const cfg = config('again.yaml', '2026-12-01');
    const accepted = await scanJson(demo, '--config', cfg, '--baseline', openFile);
    const f = accepted.findings.find((x) => label(x) === SG);
    expect([f?.status, f?.baseline]).toEqual(['suppressed', 'unchanged']);
    expect(accepted.resolved ?? []).toEqual([]);
    const still = await scanJson(demo, '--config', cfg, '--baseline', suppressedFile);
    expect(still.findings.every((x) => x.baseline === 'unchanged')).toBe(true);
    expect(still.resolved ?? []).toEqual([]);
  });
});
