import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Suppression } from '../../src/config/index.js';
import { type Finding, fingerprint } from '../../src/engine/finding.js';
import { applySuppressions, isExpired } from '../../src/engine/suppress.js';
import { applyBaseline, BaselineError, readBaseline } from '../../src/report/baseline.js';
import { exitCodeFor } from '../../src/report/exit.js';
import type { Report } from '../../src/report/schema.js';

function finding(
  ruleId: string,
  id: string,
  severity: Finding['severity'] = 'critical',
  region: string | null = 'cn-hangzhou',
): Finding {
  const resource = { type: 'security-group' as const, id, region };
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

function report(findings: Finding[], coverage: Report['coverage'] = []): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'ecs-audit', version: '0.0.0' },
    account: { id: '1', callerArn: 'acs:ram::1:user/a', identityType: 'RAMUser' },
    scan: { startedAt: 'a', finishedAt: 'b', regions: ['cn-hangzhou'], since: 'c' },
    coverage,
    findings,
    summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0 },
  };
}

const NOW = new Date('2027-03-31T23:00:00Z');
const s = (x: Partial<Suppression>): Suppression => ({
  rule: 'sg-admin-port-open-to-internet',
  resource: 'sg-bastion-*',
  reason: 'bastion',
  ...x,
});

describe('suppressions', () => {
  it.each([
    ['matches rule and glob', s({}), 'sg-bastion-1', 'cn-hangzhou', true],
    ['other resource', s({}), 'sg-web', 'cn-hangzhou', false],
    [
      'other rule',
      s({ rule: 'sg-all-ports-open-to-internet' }),
      'sg-bastion-1',
      'cn-hangzhou',
      false,
    ],
    [
      'region must match when given',
      s({ region: 'eu-central-1' }),
      'sg-bastion-1',
      'cn-hangzhou',
      false,
    ],
    ['region matches', s({ region: 'cn-hangzhou' }), 'sg-bastion-1', 'cn-hangzhou', true],
    ['exact id', s({ resource: 'sg-web' }), 'sg-web', 'cn-hangzhou', true],
    ['the glob is anchored', s({ resource: 'sg-bastion' }), 'sg-bastion-1', 'cn-hangzhou', false],
    [
      'expires today still applies',
      s({ expires: '2027-03-31' }),
      'sg-bastion-1',
      'cn-hangzhou',
      true,
    ],
    ['expired yesterday', s({ expires: '2027-03-30' }), 'sg-bastion-1', 'cn-hangzhou', false],
  ])('%s', (_n, sup, id, region, suppressed) => {
    const r = applySuppressions(
      [finding('sg-admin-port-open-to-internet', id, 'critical', region)],
      [sup],
      NOW,
    );
    expect(r.findings[0]!.status).toBe(suppressed ? 'suppressed' : 'open');
    if (suppressed) expect(r.findings[0]!.suppression?.reason).toBe('bastion');
  });

  it('reports expired suppressions', () => {
    const r = applySuppressions(
      [],
      [s({ expires: '2026-01-01' }), s({ expires: '2028-01-01' })],
      NOW,
    );
    expect(r.expired).toEqual([
      {
        rule: 'sg-admin-port-open-to-internet',
        resource: 'sg-bastion-*',
        reason: 'bastion',
        expires: '2026-01-01',
      },
    ]);
    expect(isExpired({ expires: '2027-04-01' }, NOW)).toBe(false);
  });
});

describe('baseline', () => {
  // rules a and b ran, critical, every severity reported
  const scope = {
    severityOf: new Map([
      ['a', 'critical' as const],
      ['b', 'critical' as const],
    ]),
    accountWide: new Set<string>(),
  };

  it('marks new and unchanged findings and lists resolved ones', () => {
    const before = report([finding('a', 'sg-1'), finding('a', 'sg-2')]);
    const after = applyBaseline(
      report([finding('a', 'sg-2'), finding('a', 'sg-3')]),
      before,
      scope,
    );
    expect(after.findings.map((f) => [f.resource.id, f.baseline])).toEqual([
      ['sg-2', 'unchanged'],
      ['sg-3', 'new'],
    ]);
    expect(after.resolved?.map((r) => r.resource.id)).toEqual(['sg-1']);
  });

  it('a baseline finding this scan could not judge is not resolved', () => {
    const before = report([finding('a', 'sg-1'), finding('a', 'sg-2'), finding('b', 'sg-1')]);
    const now = {
      ...report([]),
      unevaluated: [
        {
          ruleId: 'a',
          resource: { type: 'security-group' as const, id: 'sg-1', region: 'cn-hangzhou' },
          reason: 'DescribeSecurityGroupAttribute: Forbidden.RAM',
          coverage: 0,
        },
        {
          ruleId: 'b',
          resource: null,
          reason: 'DescribeSecurityGroups: Forbidden.RAM',
          coverage: 1,
        },
      ],
    };
    const after = applyBaseline(now, before, scope);
    expect(after.resolved?.map((r) => `${r.ruleId}:${r.resource.id}`)).toEqual(['a:sg-2']);
  });

  it('rejects a file that is not a report with one line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'baseline-'));
    const file = path.join(dir, 'old.json');
    writeFileSync(file, '{"schemaVersion": 2}');
    await expect(readBaseline(file)).rejects.toThrow(BaselineError);
    await expect(readBaseline(file)).rejects.toThrow(/old\.json: not an ecs-audit JSON report/);
    writeFileSync(file, '{nope');
    await expect(readBaseline(file)).rejects.toThrow(/not a JSON report/);
    await expect(readBaseline(path.join(dir, 'missing.json'))).rejects.toThrow(/no such file/);
  });
});

describe('exit codes', () => {
  const gap = {
    service: 'ecs',
    region: 'cn-hangzhou',
    operation: 'DescribeDisks',
    error: { code: 'Throttling', message: 'x' },
  };
  it.each([
    ['nothing', [], [], 'critical', false, 0],
    ['a critical finding', [finding('a', 'sg-1')], [], 'critical', false, 1],
    ['a medium finding below critical', [finding('a', 'sg-1', 'medium')], [], 'critical', false, 0],
    ['a medium finding at medium', [finding('a', 'sg-1', 'medium')], [], 'medium', false, 1],
    ['fail-on none', [finding('a', 'sg-1')], [], 'none', false, 0],
    ['a gap and nothing failing', [finding('a', 'sg-1', 'low')], [gap], 'high', false, 3],
    ['a gap and a failing finding', [finding('a', 'sg-1')], [gap], 'high', false, 1],
    [
      'suppressed findings do not fail',
      [{ ...finding('a', 'sg-1'), status: 'suppressed' as const }],
      [],
      'info',
      false,
      0,
    ],
    [
      'fail-on-new: unchanged only',
      [{ ...finding('a', 'sg-1'), baseline: 'unchanged' as const }],
      [],
      'critical',
      true,
      0,
    ],
    [
      'fail-on-new: a new one',
      [{ ...finding('a', 'sg-1'), baseline: 'new' as const }],
      [],
      'critical',
      true,
      1,
    ],
  ] as const)('%s → %s', (_n, findings, coverage, failOn, onlyNew, code) => {
    expect(exitCodeFor(report([...findings], [...coverage]), failOn, onlyNew)).toBe(code);
  });
});
