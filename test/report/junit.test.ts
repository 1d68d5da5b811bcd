import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import {
  escapeXmlAttr,
  escapeXmlText,
  formatJunit,
  stripInvalidXml,
} from '../../src/report/junit.js';
import type { Report } from '../../src/report/schema.js';
import {
  CONTROL_TEXT,
  COVERAGE_MESSAGE,
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  HOSTILE_SUMMARY,
  SUPPRESSION,
} from './fixtures.js';

const XSD = readFileSync(new URL('../../../shared/schemas/junit.xsd', import.meta.url), 'utf8');

async function xsdErrors(xml: string): Promise<string[]> {
  const res = await validateXML({
    xml: [{ fileName: 'report.xml', contents: xml }],
    schema: [XSD],
  });
  return res.valid ? [] : res.errors.map((e) => e.rawMessage);
}

interface Attrs {
  [k: string]: unknown;
}
interface TestCase extends Attrs {
  failure?: Attrs & { '#text'?: string };
  skipped?: Attrs & { '#text'?: string };
  error?: Attrs & { '#text'?: string };
}
interface TestSuite extends Attrs {
  properties: { property: Attrs[] };
  testcase: TestCase[];
}

function parse(xml: string): TestSuite[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  });
  const doc = parser.parse(xml) as { testsuites: { testsuite: TestSuite[] } };
  return doc.testsuites.testsuite;
}

let plain: Report;
let full: Report;
beforeAll(async () => {
  plain = await fixtureReport();
  full = await fixtureReportWithSuppressionAndBaseline();
});

describe('JUnit XML', () => {
  it('validates against the Ant JUnit XSD (plain report and with suppression + baseline)', async () => {
    expect(await xsdErrors(formatJunit(plain))).toEqual([]);
    expect(await xsdErrors(formatJunit(full))).toEqual([]);
  });

  it('the XSD check does reject a document that breaks the schema', async () => {
    const xml = formatJunit(plain).replace(/ classname="[^"]*"/, '');
    const errors = await xsdErrors(xml);
    expect(errors.join('\n')).toMatch(/classname/);
    const noSystemOut = formatJunit(plain).replace('<system-out/>', '');
    expect(await xsdErrors(noSystemOut)).not.toEqual([]);
  });

  it('has one test suite per rule and one for coverage gaps, with consistent counts', () => {
    const suites = parse(formatJunit(full));
    const ruleIds = full.rules!.map((r) => r.id);
    expect(suites.map((s) => s['@name'])).toEqual([...ruleIds, 'compliance.cis', 'coverage']);
    suites.forEach((s, i) => {
      expect(s['@id']).toBe(String(i));
      expect(s['@package']).toBe('ecs-audit');
      expect(s['@timestamp']).toBe('2026-11-01T00:00:00');
      const cases = s.testcase;
      expect(s['@tests']).toBe(String(cases.length));
      expect(s['@failures']).toBe(String(cases.filter((c) => c.failure).length));
      expect(s['@skipped']).toBe(String(cases.filter((c) => c.skipped).length));
      expect(s['@errors']).toBe(String(cases.filter((c) => c.error).length));
    });
    for (const rule of full.rules!) {
      const suite = suites.find((s) => s['@name'] === rule.id)!;
      const findings = full.findings.filter((f) => f.ruleId === rule.id);
      const open = findings.filter((f) => f.status === 'open').length;
      const suppressed = findings.filter((f) => f.status === 'suppressed').length;
      const unevaluated = full.unevaluated!.filter((u) => u.ruleId === rule.id).length;
      expect(suite['@failures']).toBe(String(open));
      expect(suite['@skipped']).toBe(String(suppressed + unevaluated));
      expect(suite['@tests']).toBe(String(findings.length + unevaluated || 1));
      expect(suite.properties.property).toContainEqual({
        '@name': 'severity',
        '@value': rule.severity,
      });
    }
    const total = suites
      .filter((s) => s['@name'] !== 'coverage' && s['@name'] !== 'compliance.cis')
      .reduce((n, s) => n + Number(s['@failures']) + Number(s['@skipped']), 0);
    expect(total).toBe(full.findings.length + full.unevaluated!.length);
  });

  it('lists each pair not evaluated as a skipped test case with the reason', () => {
    const suites = parse(formatJunit(plain));
    const admin = suites.find((s) => s['@name'] === 'sg-admin-port-open-to-internet')!;
    const sg9 = admin.testcase.find((c) => c['@name'] === 'security-group sg-9 [ap-southeast-1]')!;
    expect(sg9.skipped!['@message']).toBe(
      'not evaluated: DescribeSecurityGroupAttribute: Throttling.User',
    );
    expect(sg9.failure).toBeUndefined();
    const broken = suites.find((s) => s['@name'] === 'test-broken')!;
    expect(broken.testcase.map((c) => c['@name'])).toContain('whole scope');
    expect(broken.testcase.some((c) => c['@name'] === 'no findings')).toBe(false);
  });

  it('has a compliance suite when the report has controls: fail fails, unknown and manual are skipped', () => {
    const withControls: Report = {
      ...plain,
      compliance: {
        framework: 'cis',
        name: 'CIS',
        controls: [
          { id: '3.2', title: 'SSH', status: 'fail', rules: ['a'], findings: 2 },
          { id: '4.1', title: 'Disks', status: 'unknown', rules: ['b'], findings: 0 },
          { id: '1.1', title: 'Root', status: 'pass', rules: ['c'], findings: 0 },
          { id: '2.2', title: 'Manual', status: 'manual', rules: [], findings: 0 },
        ],
      },
    };
    const xml = formatJunit(withControls);
    const suite = parse(xml).find((s) => s['@name'] === 'compliance.cis')!;
    expect(suite['@tests']).toBe('4');
    expect(suite['@failures']).toBe('1');
    expect(suite['@skipped']).toBe('2');
    const byName = Object.fromEntries(suite.testcase.map((c) => [c['@name'], c]));
    expect(byName['4.1 Disks']!.skipped!['@message']).toBe('unknown');
    expect(byName['3.2 SSH']!.failure).toBeDefined();
    expect(parse(formatJunit(plain)).some((s) => s['@name'] === 'compliance.cis')).toBe(false);
  });

  it('gives a rule without findings one passing test case', () => {
    const quiet = parse(formatJunit(plain)).find((s) => s['@name'] === 'test-quiet')!;
    expect(quiet.testcase).toHaveLength(1);
    const c = quiet.testcase[0]!;
    expect(c['@name']).toBe('no findings');
    expect(c['@classname']).toBe('test-quiet');
    expect(c.failure ?? c.skipped ?? c.error).toBeUndefined();
  });

  it('one failing test case per rule × resource, with message, type and details', () => {
    const suites = parse(formatJunit(plain));
    const admin = suites.find((s) => s['@name'] === 'sg-admin-port-open-to-internet')!;
    const names = admin.testcase.filter((c) => c.failure).map((c) => c['@name']);
    expect(names).toHaveLength(3);
    expect(names).toContain(`security-group sg-1 (${HOSTILE_NAME}) [cn-hangzhou]`);
    expect(names).toContain('security-group sg-bastion (bastion) [cn-hangzhou]');
    const sg1 = admin.testcase.find((c) => String(c['@name']).includes('sg-1'))!;
    const finding = plain.findings.find(
      (f) => f.ruleId === 'sg-admin-port-open-to-internet' && f.resource.id === 'sg-1',
    )!;
    expect(sg1['@classname']).toBe('sg-admin-port-open-to-internet');
    expect(sg1.failure!['@message']).toBe(finding.message);
    expect(sg1.failure!['@type']).toBe('critical');
    expect(sg1.failure!['#text']).toContain(finding.fingerprint);
    // the remediation is the suite's, once per rule, not repeated in each case
    expect(finding.remediation).toBe(
      plain.rules!.find((r) => r.id === finding.ruleId)!.remediation,
    );
    expect(admin.properties.property).toContainEqual({
      '@name': 'remediation',
      '@value': finding.remediation,
    });
    expect(sg1.failure!['#text']).not.toContain(finding.remediation);
  });

  it("repeats a finding's remediation in its case only when it is not its rule's", () => {
    const changed = {
      ...plain,
      findings: plain.findings.map((f) =>
        f.ruleId === 'sg-admin-port-open-to-internet' && f.resource.id === 'sg-1'
          ? { ...f, remediation: 'an older remediation text' }
          : f,
      ),
    };
    const admin = parse(formatJunit(changed)).find(
      (s) => s['@name'] === 'sg-admin-port-open-to-internet',
    )!;
    const sg1 = admin.testcase.find((c) => String(c['@name']).includes('sg-1'))!;
    expect(sg1.failure!['#text']).toContain('Remediation: an older remediation text');
    const bastion = admin.testcase.find((c) => String(c['@name']).includes('sg-bastion'))!;
    expect(bastion.failure!['#text']).not.toContain('Remediation:');
  });

  it('marks a suppressed finding skipped with its reason', () => {
    const admin = parse(formatJunit(full)).find(
      (s) => s['@name'] === 'sg-admin-port-open-to-internet',
    )!;
    const bastion = admin.testcase.find((c) => String(c['@name']).includes('sg-bastion'))!;
    expect(bastion.failure).toBeUndefined();
    expect(bastion.skipped!['@message']).toBe(
      `suppressed: ${SUPPRESSION.reason} (until ${SUPPRESSION.expires})`,
    );
  });

  it('lists coverage gaps as errored test cases', () => {
    const cov = parse(formatJunit(plain)).find((s) => s['@name'] === 'coverage')!;
    expect(cov.testcase).toHaveLength(plain.coverage.length);
    expect(cov['@errors']).toBe(String(plain.coverage.length));
    const sg9 = cov.testcase.find((c) => String(c['@name']).includes('sg-9'))!;
    expect(sg9.error!['@type']).toBe('Throttling.User');
    expect(sg9.error!['@message']).toBe(`Throttling.User: ${COVERAGE_MESSAGE}`);
    expect(sg9['@classname']).toBe('coverage.ecs');
  });

  it('has no coverage suite when nothing is missing', () => {
    const suites = parse(formatJunit({ ...plain, coverage: [] }));
    expect(suites.some((s) => s['@name'] === 'coverage')).toBe(false);
  });

  it('round-trips hostile strings through a parser; invalid XML characters are replaced', () => {
    const xml = formatJunit(plain);
    const controls = ['\u0000', '\u0007', '\u001b'];
    for (const ch of controls) expect(xml).not.toContain(ch);
    const suites = parse(xml);
    const disk = suites.find((s) => s['@name'] === 'test-disk-hostile-evidence')!.testcase[0]!;
    const cleaned = controls.reduce((t, ch) => t.split(ch).join('\uFFFD'), CONTROL_TEXT);
    expect(disk['@name']).toBe(`disk d-1 (disk ${HOSTILE_NAME} | ${cleaned}) [ap-southeast-1]`);
    expect(disk.failure!['#text']).toContain(JSON.stringify(HOSTILE_SUMMARY).slice(1, -1));
  });

  it('escapes the XML entities and strips characters XML 1.0 forbids', () => {
    expect(escapeXmlText(`a<b>&c"d'`)).toBe(`a&lt;b&gt;&amp;c"d'`);
    expect(escapeXmlAttr(`a<b>&c"d'\n\te`)).toBe('a&lt;b&gt;&amp;c&quot;d&apos;&#10;&#9;e');
    expect(stripInvalidXml('ok\u0000\u0008\uFFFE\uD800x😀')).toBe('ok\uFFFD\uFFFD\uFFFD\uFFFDx😀');

    // one scan decides; each kind of character alone still gets its treatment
    expect(escapeXmlText('plain — text')).toBe('plain — text');
    expect(escapeXmlText('a\u0001b')).toBe('a\uFFFDb');
    expect(escapeXmlText('x😀\uFFFF>')).toBe('x😀\uFFFD&gt;');
    expect(escapeXmlText('😀')).toBe('😀');
  });
});
