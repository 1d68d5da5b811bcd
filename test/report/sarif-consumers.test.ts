/**
 * What GitHub code scanning reads from our SARIF: the severity of a rule (from
 * the rule, never the result: a config override must reach it), `suppressions`
 * on every result or none (SARIF §3.27.23), at most 10 tags a rule (GitHub
 * shows 10, rejects more than 20), and a warning for a run over its 25,000
 * results.
 */
import { XMLParser } from 'fast-xml-parser';
import type * as Sarif from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/engine/registry.js';
import { evaluate, type RuleSettings } from '../../src/engine/run.js';
import { buildReport } from '../../src/report/build.js';
import { formatJunit } from '../../src/report/junit.js';
import {
  GITHUB_MAX_RESULTS,
  MAX_RULE_TAGS,
  sarifSizeWarning,
  toSarif,
} from '../../src/report/sarif.js';
import type { Report } from '../../src/report/schema.js';
import {
  fixtureInventory,
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  TEST_RULES,
} from './fixtures.js';

const SETTINGS: Record<string, RuleSettings> = {
  // a rule with findings in the fixture (declared critical)
  'sg-admin-port-open-to-internet': { severity: 'low' },
  // a rule without findings (declared medium)
  'instance-password-login': { severity: 'critical' },
};

async function overridden(): Promise<Report> {
  const inventory = fixtureInventory();
  const rules = [...(await loadBuiltinRules()), ...TEST_RULES].sort((a, b) =>
    a.rule.meta.id.localeCompare(b.rule.meta.id),
  );
  const now = new Date('2026-11-01T00:00:00Z');
  const since = new Date('2026-08-03T00:00:00Z');
  return buildReport({
    inventory,
    evaluation: evaluate(inventory, { rules, now, since, settings: SETTINGS }),
    rules,
    startedAt: now,
    finishedAt: now,
    since,
    now,
    source: 'snapshot',
    settings: SETTINGS,
  });
}

const ruleOf = (log: Sarif.Log, id: string) =>
  log.runs[0]!.tool.driver.rules!.find((r) => r.id === id)!;

function junitSeverity(xml: string, suite: string): string | undefined {
  type Prop = { '@name': string; '@value': string };
  type Suite = { '@name': string; properties: { property: Prop[] } };
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    isArray: (name) => ['testsuite', 'property'].includes(name),
  }).parse(xml) as { testsuites: { testsuite: Suite[] } };
  return doc.testsuites.testsuite
    .find((s) => s['@name'] === suite)
    ?.properties.property.find((p) => p['@name'] === 'severity')?.['@value'];
}

let plain: Report;
let full: Report;
let report: Report;

beforeAll(async () => {
  plain = await fixtureReport();
  full = await fixtureReportWithSuppressionAndBaseline();
  report = await overridden();
});

describe('a config severity override reaches the rule', () => {
  it("is the rule's severity in the report, as on its findings", () => {
    const admin = report.rules!.find((r) => r.id === 'sg-admin-port-open-to-internet')!;
    expect(admin.severity).toBe('low');
    const ofAdmin = report.findings.filter((f) => f.ruleId === admin.id);
    expect(ofAdmin.length).toBeGreaterThan(0);
    expect(ofAdmin.every((f) => f.severity === 'low')).toBe(true);
    expect(report.rules!.find((r) => r.id === 'instance-password-login')!.severity).toBe(
      'critical',
    );
    // a rule without an override keeps its declared severity
    expect(report.rules!.find((r) => r.id === 'sg-all-ports-open-to-internet')!.severity).toBe(
      plain.rules!.find((r) => r.id === 'sg-all-ports-open-to-internet')!.severity,
    );
  });

  it("sets the SARIF rule's level and security-severity (what GitHub reads)", () => {
    const log = toSarif(report);
    const admin = ruleOf(log, 'sg-admin-port-open-to-internet');
    expect(admin.defaultConfiguration?.level).toBe('note');
    expect(admin.properties?.['security-severity']).toBe(
      ruleOf(toSarif(plain), 'test-key-pair-low').properties?.['security-severity'],
    );
    const password = ruleOf(log, 'instance-password-login');
    expect(password.defaultConfiguration?.level).toBe('error');
    expect(Number(password.properties?.['security-severity'])).toBeGreaterThanOrEqual(9);
    // before: the built-in severities
    expect(ruleOf(toSarif(plain), 'instance-password-login').defaultConfiguration?.level).toBe(
      'warning',
    );
  });

  it("sets JUnit's suite property severity", () => {
    const xml = formatJunit(report);
    expect(junitSeverity(xml, 'sg-admin-port-open-to-internet')).toBe('low');
    expect(junitSeverity(xml, 'instance-password-login')).toBe('critical');
  });
});

describe('suppressions: on every result of the run or on none (SARIF §3.27.23)', () => {
  it('is on every result, [] unless suppressed, with a suppressed finding and pairs not evaluated', () => {
    const results = toSarif(full).runs[0]!.results!;
    expect(results.some((r) => r.kind === 'open')).toBe(true);
    expect(results.every((r) => Array.isArray(r.suppressions))).toBe(true);
    const suppressed = results.filter((r) => r.suppressions!.length > 0);
    expect(suppressed).toHaveLength(1);
    expect(full.findings.filter((f) => f.status === 'suppressed')).toHaveLength(1);
  });
});

describe("GitHub code scanning's limits", () => {
  it('gives a rule at most 10 tags: security, its resource types, then compliance ids', () => {
    const rules = toSarif(plain).runs[0]!.tool.driver.rules!;
    for (const r of rules) {
      const tags = r.properties!.tags!;
      expect(tags.length).toBeLessThanOrEqual(MAX_RULE_TAGS);
      expect(tags[0]).toBe('security');
    }
    // a rule mapped to more controls than the tags can hold (no built-in rule is today)
    const many = {
      ...plain,
      rules: plain.rules!.map((r) =>
        r.id === 'ram-password-policy-weak'
          ? { ...r, compliance: { cis: Array.from({ length: 12 }, (_, i) => `9.${i + 1}`) } }
          : r,
      ),
    };
    const weak = toSarif(many).runs[0]!.tool.driver.rules!.find(
      (r) => r.id === 'ram-password-policy-weak',
    )!;
    const meta = many.rules.find((r) => r.id === 'ram-password-policy-weak')!;
    const compliance = meta.compliance!.cis!.map((id) => `cis/${id}`);
    expect(weak.properties!.tags!).toHaveLength(MAX_RULE_TAGS);
    expect(weak.properties!.tags!).toEqual(
      ['security', ...meta.resourceTypes, ...compliance].slice(0, MAX_RULE_TAGS),
    );
    // every compliance id is still in the rule's properties
    expect(weak.properties!['compliance']).toEqual(meta.compliance);
  });

  it('warns when a SARIF log holds more than 25,000 results, findings and pairs not evaluated', () => {
    const pairs = plain.unevaluated!.length;
    const at = (n: number): Report => ({
      ...plain,
      findings: Array.from({ length: n - pairs }, () => plain.findings[0]!),
    });
    expect(sarifSizeWarning(at(GITHUB_MAX_RESULTS), ['sarif'])).toBeUndefined();
    const warning = sarifSizeWarning(at(GITHUB_MAX_RESULTS + 1), ['table', 'sarif']);
    expect(warning).toContain('25,001 results');
    expect(warning).toContain('GitHub code scanning rejects');
    expect(warning).toContain('--severity high');
    expect(warning).not.toContain('\n');
    // no SARIF written: nothing to say
    expect(sarifSizeWarning(at(GITHUB_MAX_RESULTS + 1), ['json', 'junit'])).toBeUndefined();
  });
});
