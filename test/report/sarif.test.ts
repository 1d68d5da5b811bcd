import { readFileSync } from 'node:fs';
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type * as Sarif from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/engine/finding.js';
import {
  FINGERPRINT_KEY,
  formatSarif,
  resourceUri,
  SARIF_SCHEMA_URI,
  toSarif,
} from '../../src/report/sarif.js';
import type { Report } from '../../src/report/schema.js';
import {
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  SUPPRESSION,
} from './fixtures.js';

const SCHEMA_PATH = new URL('../../../shared/schemas/sarif-2.1.0.json', import.meta.url);

function sarifValidator() {
  const Ajv = AjvDraft04Module.default;
  const addFormats = addFormatsModule.default;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  expect(schema['id']).toBe(SARIF_SCHEMA_URI);
  return ajv.compile(schema);
}

let validate: ReturnType<typeof sarifValidator>;
let plain: Report;
let full: Report;

beforeAll(async () => {
  validate = sarifValidator();
  plain = await fixtureReport();
  full = await fixtureReportWithSuppressionAndBaseline();
});

function run(report: Report): Sarif.Run {
  const log = JSON.parse(formatSarif(report)) as Sarif.Log;
  expect(log.runs).toHaveLength(1);
  return log.runs[0]!;
}

describe('SARIF 2.1.0', () => {
  it('validates against the official OASIS schema (plain report and with suppression + baseline)', () => {
    for (const report of [plain, full]) {
      const ok = validate(JSON.parse(formatSarif(report)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('the validator does reject a result the schema forbids', () => {
    const log = toSarif(plain);
    const bad = structuredClone(log) as unknown as {
      runs: { results: { level: string }[] }[];
    };
    bad.runs[0]!.results[0]!.level = 'critical';
    expect(validate(bad)).toBe(false);
    const noMessage = structuredClone(log) as unknown as { runs: { results: object[] }[] };
    noMessage.runs[0]!.results[0] = { ruleId: 'x' };
    expect(validate(noMessage)).toBe(false);
  });

  it('has one driver named ecs-audit with every rule of the report, help and security-severity', () => {
    const r = run(plain);
    const driver = r.tool.driver;
    expect(driver.name).toBe('ecs-audit');
    expect(driver.version).toBe(plain.tool.version);
    expect(driver.informationUri).toMatch(/^https:\/\//);
    const rules = driver.rules ?? [];
    expect(rules.map((x) => x.id)).toEqual(plain.rules!.map((x) => x.id));
    const expected = {
      critical: ['9.5', 'error'],
      high: ['8.0', 'error'],
      medium: ['5.5', 'warning'],
      low: ['3.0', 'note'],
      info: ['0.0', 'note'],
    };
    for (const meta of plain.rules!) {
      const d = rules.find((x) => x.id === meta.id)!;
      expect(d.shortDescription?.text).toBe(meta.title);
      expect(d.fullDescription?.text).toBe(meta.rationale);
      expect(d.help?.text).toContain(meta.remediation);
      expect(d.help?.markdown).toContain(meta.rationale);
      expect(d.help?.markdown).toContain(meta.remediation);
      for (const ref of meta.references) expect(d.help?.markdown).toContain(ref);
      const [score, level] = expected[meta.severity];
      expect(d.properties?.['security-severity']).toBe(score);
      expect(d.defaultConfiguration?.level).toBe(level);
      expect(d.properties?.tags).toContain('security');
    }
    const admin = rules.find((x) => x.id === 'sg-admin-port-open-to-internet')!;
    expect(admin.properties?.tags).toEqual(expect.arrayContaining(['security-group', 'cis/4.3']));
    expect(admin.helpUri).toMatch(/^https:\/\//);
  });

  it('has one result per finding, pointing at its rule, with level, fingerprint and locations', () => {
    const r = run(plain);
    const results = (r.results ?? []).filter((x) => x.kind === 'fail');
    expect(results).toHaveLength(plain.findings.length);
    const rules = r.tool.driver.rules ?? [];
    for (const res of results) {
      expect(rules[res.ruleIndex!]!.id).toBe(res.ruleId);
      const finding = plain.findings.find(
        (f) => f.fingerprint === res.partialFingerprints?.[FINGERPRINT_KEY],
      )!;
      expect(finding).toBeDefined();
      expect(finding.ruleId).toBe(res.ruleId);
      expect(res.level).toBe(
        { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' }[
          finding.severity
        ],
      );
      expect(res.message.text).toContain(finding.message);
      const loc = res.locations![0]!;
      expect(loc.logicalLocations![0]!.kind).toBe('resource');
      expect(loc.logicalLocations![0]!.name).toBe(finding.resource.id);
      expect(loc.physicalLocation?.artifactLocation?.uri).toBe(
        resourceUri(plain.account.id, finding.resource),
      );
      // SARIF §3.27.23: suppressions on every result of the run or none; [] = not suppressed
      expect(res.suppressions).toEqual([]);
      expect(res.baselineState).toBeUndefined();
    }
  });

  it('names each resource by its ARN as the logical location', () => {
    const results = run(plain).results ?? [];
    const fqn = (ruleId: string, id: string) =>
      results.find(
        (x) => x.ruleId === ruleId && x.locations?.[0]?.logicalLocations?.[0]?.name === id,
      )?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName;
    expect(fqn('sg-admin-port-open-to-internet', 'sg-1')).toBe(
      'acs:ecs:cn-hangzhou:1234567890123456:securitygroup/sg-1',
    );
    expect(fqn('sg-all-ports-open-to-internet', 'sg-3')).toBe(
      'acs:ecs:ap-southeast-1:1234567890123456:securitygroup/sg-3',
    );
    expect(fqn('test-disk-hostile-evidence', 'd-1')).toBe(
      'acs:ecs:ap-southeast-1:1234567890123456:disk/d-1',
    );
    expect(fqn('test-account-info', '1234567890123456')).toBe('acs:ram::1234567890123456:root');
  });

  it('keeps the hostile resource name intact as data', () => {
    const results = run(plain).results ?? [];
    const sg1 = results.find((x) => x.locations?.[0]?.logicalLocations?.[0]?.name === 'sg-1')!;
    expect(sg1.locations![0]!.logicalLocations![0]!.properties?.['resourceName']).toBe(
      HOSTILE_NAME,
    );
  });

  it('percent-encodes resource ids in the artifact URI', () => {
    expect(resourceUri('123', { type: 'key-pair', id: 'my key#1/?', region: 'cn-hangzhou' })).toBe(
      'alibabacloud/123/cn-hangzhou/key-pair/my%20key%231%2F%3F',
    );
    expect(resourceUri('123', { type: 'ram-user', id: 'alice', region: null })).toBe(
      'alibabacloud/123/global/ram-user/alice',
    );
  });

  it('marks suppressed findings with an external suppression and baseline states', () => {
    const results = (run(full).results ?? []).filter((x) => x.kind === 'fail');
    expect(results).toHaveLength(full.findings.length);
    const suppressed = results.filter((x) => x.suppressions && x.suppressions.length > 0);
    expect(suppressed).toHaveLength(1);
    const s = suppressed[0]!;
    expect(s.locations![0]!.logicalLocations![0]!.name).toBe('sg-bastion');
    expect(s.suppressions![0]!.kind).toBe('external');
    expect(s.suppressions![0]!.justification).toContain(SUPPRESSION.reason);
    expect(s.suppressions![0]!.justification).toContain(SUPPRESSION.expires);
    const states = results.map((x) => [
      x.locations![0]!.logicalLocations![0]!.name,
      x.baselineState,
    ]);
    expect(states.filter(([, st]) => st === 'unchanged').map(([id]) => id)).toEqual(['sg-2']);
    expect(states.every(([, st]) => st === 'new' || st === 'unchanged')).toBe(true);
  });

  it('gives each pair not evaluated a result of kind "open" with level "none" and the reason', () => {
    const r = run(plain);
    const open = (r.results ?? []).filter((x) => x.kind === 'open');
    expect(open).toHaveLength(plain.unevaluated!.length);
    expect(open.length).toBeGreaterThan(0);
    const rules = r.tool.driver.rules ?? [];
    for (const res of open) {
      expect(res.level).toBe('none');
      expect(rules[res.ruleIndex!]!.id).toBe(res.ruleId);
      expect(res.suppressions).toEqual([]);
      expect(res.locations![0]!.physicalLocation?.artifactLocation?.uri).toMatch(/^alibabacloud\//);
    }
    const sg9 = open.find(
      (x) =>
        x.ruleId === 'sg-admin-port-open-to-internet' &&
        x.locations?.[0]?.logicalLocations?.[0]?.name === 'sg-9',
    )!;
    expect(sg9.message.text).toContain('DescribeSecurityGroupAttribute: Throttling.User');
    expect(sg9.partialFingerprints?.[FINGERPRINT_KEY]).toBe(
      fingerprint('sg-admin-port-open-to-internet', {
        type: 'security-group',
        id: 'sg-9',
        region: 'ap-southeast-1',
      }),
    );
    expect(r.properties?.['unevaluated']).toBe(plain.unevaluated!.length);
    const whole = open.find((x) => x.ruleId === 'test-broken')!;
    expect(whole.message.text).toContain('its whole scope');
  });

  it('carries the compliance controls in the run properties', () => {
    const controls = {
      framework: 'cis',
      name: 'CIS',
      controls: [
        { id: '4.1', title: 'Disks', status: 'unknown' as const, rules: ['b'], findings: 0 },
      ],
    };
    expect(run({ ...plain, compliance: controls }).properties?.['compliance']).toEqual(controls);
    expect(run(plain).properties?.['compliance']).toBeUndefined();
  });

  it('reports coverage gaps and expired suppressions as tool execution notifications', () => {
    const inv = run(full).invocations![0]!;
    expect(inv.executionSuccessful).toBe(true);
    const notes = inv.toolExecutionNotifications ?? [];
    expect(notes.filter((n) => n.level === 'warning')).toHaveLength(full.coverage.length);
    expect(notes.some((n) => n.message.text?.includes('DescribeSecurityGroupAttribute sg-9'))).toBe(
      true,
    );
    expect(notes.filter((n) => n.descriptor?.id === 'ExpiredSuppression')).toHaveLength(1);
  });

  it('gives a rule that only appears in findings a descriptor too', () => {
    const noRules: Report = { ...plain, rules: undefined };
    const r = run(noRules);
    const ids = new Set(plain.findings.map((f) => f.ruleId));
    expect(new Set(r.tool.driver.rules!.map((x) => x.id))).toEqual(ids);
    expect(validate(JSON.parse(formatSarif(noRules)))).toBe(true);
  });
});
