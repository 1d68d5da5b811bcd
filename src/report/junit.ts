/**
 * JUnit XML (the Apache Ant format CI dashboards read: Jenkins, GitLab, Azure
 * DevOps, CircleCI). One <testsuite> per evaluated rule, one <testcase> per
 * rule × resource: a <failure> for an open finding, <skipped> for a suppressed
 * one; a rule without findings has one passing test case, so dashboards show it
 * ran. The rule's remediation is written once, as its suite's `remediation`
 * property, not again in each of its (possibly tens of thousands of) cases; a
 * finding whose remediation differs from its rule's (a merged report of two tool
 * versions) keeps its own in its case. A (rule, resource) pair the rule could not judge is a <skipped> case
 * whose message is the reason (`not evaluated: <Operation>: <code>`). With
 * `--compliance`, a `compliance.<framework>` suite has one case per control
 * (fail: <failure>; unknown and manual: <skipped>). Coverage gaps are a
 * `coverage` test suite of <error>s. The document
 * validates against the Ant JUnit XSD (attributes and element order included).
 */
import { keyEvidence, resourceLabel, ruleCatalogue, sortFindings } from './common.js';
import type { Report, ReportFinding, ReportUnevaluated } from './schema.js';

/** Characters XML 1.0 does not allow at all (controls, lone surrogates, U+FFFE/FFFF). */
const INVALID_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** What can be invalid, without the `u` flag: controls, surrogates (paired or not), U+FFFE/FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const MAYBE_INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\uD800-\uDFFF\uFFFE\uFFFF]/;

export function stripInvalidXml(s: string): string {
  // the common case, plain text, without the (slow) Unicode-aware scan
  if (!MAYBE_INVALID_XML.test(s)) return s;
  return s.replace(INVALID_XML, '\uFFFD');
}

/** What `escapeXmlText` changes, or may (`MAYBE_INVALID_XML`): most text has none of it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const MAYBE_TEXT_ESCAPE = /[&<>\u0000-\u0008\u000b\u000c\u000e-\u001f\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Text content: the markup characters escaped, invalid characters replaced. */
export function escapeXmlText(s: string): string {
  // a finding's details are about 1.5 KB: one scan for the common case, not one per kind
  if (!MAYBE_TEXT_ESCAPE.test(s)) return s;
  const text = stripInvalidXml(s);
  // most text has nothing to escape: one scan instead of three replacements
  if (!TEXT_SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /["'\t\n\r]/;

/** An attribute value (double-quoted): also quotes and the whitespace a parser would normalise. */
export function escapeXmlAttr(s: string): string {
  const text = escapeXmlText(s);
  if (!ATTR_SPECIAL.test(text)) return text;
  return text
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attrs(a: Record<string, string | number | undefined>): string {
  let out = '';
  for (const k in a) {
    const v = a[k];
    if (v !== undefined) out += ` ${k}="${escapeXmlAttr(String(v))}"`;
  }
  return out;
}

/** `2026-11-01T00:00:00` — the XSD's timestamp: no fraction, no time zone (UTC). */
function xsdTimestamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
}

function seconds(startIso: string, endIso: string): string {
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0';
}

function caseName(f: ReportFinding): string {
  return `${f.resource.type} ${resourceLabel(f.resource)}${f.resource.region ? ` [${f.resource.region}]` : ''}`;
}

/** `ruleRemediation`: the rule's remediation, in its suite's properties; a finding's own is repeated only when it differs */
function details(f: ReportFinding, ruleRemediation: string): string {
  const lines = [
    f.message,
    '',
    `Rule:        ${f.ruleId} — ${f.title}`,
    `Severity:    ${f.severity}`,
    `Resource:    ${f.resource.type} ${resourceLabel(f.resource)}`,
    `Region:      ${f.resource.region ?? '(global)'}`,
    `Fingerprint: ${f.fingerprint}`,
  ];
  if (f.baseline) lines.push(`Baseline:    ${f.baseline}`);
  const ev = keyEvidence(f);
  if (ev) lines.push(`Key evidence: ${ev}`);
  if (f.remediation !== ruleRemediation) lines.push('', `Remediation: ${f.remediation}`);
  lines.push('', 'Evidence:', JSON.stringify(f.evidence, null, 2));
  return lines.join('\n');
}

interface Case {
  name: string;
  classname: string;
  /** the finding (or coverage gap) the case's element is made from, rendered when written */
  body: () => string;
  kind: 'pass' | 'failure' | 'skipped' | 'error';
}

interface Suite {
  name: string;
  properties: Record<string, string>;
  cases: Case[];
}

/** One suite as text pieces: the cases are rendered one at a time, as they are written. */
function* suiteXml(s: Suite, id: number, report: Report, indent: string): Generator<string> {
  const counts = { pass: 0, failure: 0, skipped: 0, error: 0 };
  for (const c of s.cases) counts[c.kind] += 1;
  const i2 = `${indent}  `;
  const head = [
    `${indent}<testsuite${attrs({
      name: s.name,
      package: 'ecs-audit',
      id,
      timestamp: xsdTimestamp(report.scan.startedAt),
      hostname: 'localhost',
      tests: s.cases.length,
      failures: counts.failure,
      errors: counts.error,
      skipped: counts.skipped,
      time: '0',
    })}>`,
    `${i2}<properties>`,
    ...Object.entries(s.properties).map(
      ([name, value]) => `${i2}  <property${attrs({ name, value })}/>`,
    ),
    `${i2}</properties>`,
  ];
  yield head.join('\n');
  for (const c of s.cases) {
    const open = `\n${i2}<testcase${attrs({ name: c.name, classname: c.classname, time: '0' })}`;
    yield c.kind === 'pass' ? `${open}/>` : `${open}>\n${i2}  ${c.body()}\n${i2}</testcase>`;
  }
  yield `\n${i2}<system-out/>\n${i2}<system-err/>\n${indent}</testsuite>`;
}

/** A comment: no `--` inside, no `-` at the end. */
function xmlComment(text: string): string {
  return `<!-- ${stripInvalidXml(text)
    .replace(/-(?=-)/g, '- ')
    .replace(/-$/, '- ')} -->`;
}

function element(name: string, a: Record<string, string | undefined>, text: string): string {
  return `<${name}${attrs(a)}>${escapeXmlText(text)}</${name}>`;
}

/** The document as text pieces, in order (what `formatJunit` joins). */
export function* junitChunks(report: Report): Generator<string> {
  const byRule = new Map<string, ReportFinding[]>();
  for (const f of sortFindings(report.findings)) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  const unevaluatedByRule = new Map<string, ReportUnevaluated[]>();
  for (const u of report.unevaluated ?? []) {
    const list = unevaluatedByRule.get(u.ruleId);
    if (list) list.push(u);
    else unevaluatedByRule.set(u.ruleId, [u]);
  }
  const suites: Suite[] = [];
  for (const rule of ruleCatalogue(report)) {
    const ofRule = byRule.get(rule.id) ?? [];
    const notEvaluated: Case[] = (unevaluatedByRule.get(rule.id) ?? []).map((u) => {
      const region = u.resource?.region ?? report.coverage[u.coverage]?.region ?? null;
      const name = u.resource
        ? `${u.resource.type} ${resourceLabel(u.resource)}${region ? ` [${region}]` : ''}`
        : `whole scope${region ? ` [${region}]` : ''}${u.account !== undefined ? ` [account ${u.account}]` : ''}`;
      return {
        name,
        classname: rule.id,
        kind: 'skipped',
        body: () =>
          element(
            'skipped',
            { message: `not evaluated: ${u.reason}` },
            `${rule.id} could not judge ${name}: data it needs could not be read (${u.reason}). No verdict, not a pass.`,
          ),
      };
    });
    const cases: Case[] = ofRule.map((f) => {
      if (f.status === 'suppressed') {
        const s = f.suppression;
        const why = s
          ? `suppressed: ${s.reason}${s.expires ? ` (until ${s.expires})` : ''}`
          : 'suppressed';
        return {
          name: caseName(f),
          classname: rule.id,
          kind: 'skipped',
          body: () => element('skipped', { message: why }, details(f, rule.remediation)),
        };
      }
      return {
        name: caseName(f),
        classname: rule.id,
        kind: 'failure',
        body: () =>
          element(
            'failure',
            { message: f.message, type: f.severity },
            details(f, rule.remediation),
          ),
      };
    });
    if (cases.length === 0 && notEvaluated.length === 0) {
      cases.push({ name: 'no findings', classname: rule.id, kind: 'pass', body: () => '' });
    }
    cases.push(...notEvaluated);
    suites.push({
      name: rule.id,
      properties: {
        title: rule.title,
        severity: rule.severity,
        resourceTypes: rule.resourceTypes.join(','),
        source: rule.source,
        remediation: rule.remediation,
      },
      cases,
    });
  }
  if (report.compliance) {
    const cc = report.compliance;
    suites.push({
      name: `compliance.${cc.framework}`,
      properties: { framework: cc.framework, name: cc.name },
      cases: cc.controls.map((c) => {
        const text = `${c.id} ${c.title}: ${c.status}${c.rules.length ? ` (rules: ${c.rules.join(', ')}; findings: ${c.findings})` : ' (no rule covers it: check it by hand)'}`;
        const kind: Case['kind'] =
          c.status === 'pass' ? 'pass' : c.status === 'fail' ? 'failure' : 'skipped';
        return {
          name: `${c.id} ${c.title}`,
          classname: `compliance.${cc.framework}`,
          kind,
          body: () =>
            kind === 'failure'
              ? element('failure', { message: text, type: 'fail' }, text)
              : element('skipped', { message: c.status }, text),
        };
      }),
    });
  }
  if (report.coverage.length > 0) {
    suites.push({
      name: 'coverage',
      properties: { description: 'data that could not be read; findings may be missing' },
      cases: report.coverage.map((g) => {
        const where = [
          g.service,
          g.region,
          g.operation,
          g.resource,
          g.account !== undefined ? `[account ${g.account}]` : undefined,
        ]
          .filter(Boolean)
          .join(' ');
        return {
          name: where,
          classname: `coverage.${g.service}`,
          kind: 'error',
          body: () =>
            element(
              'error',
              { message: `${g.error.code}: ${g.error.message}`, type: g.error.code },
              `${where} could not be read.\n${g.error.code}: ${g.error.message}`,
            ),
        };
      }),
    });
  }
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield xmlComment(
    `ecs-audit ${report.tool.version}: account ${report.account.id}, scan took ${seconds(report.scan.startedAt, report.scan.finishedAt)} s`,
  );
  yield '\n<testsuites>';
  for (let i = 0; i < suites.length; i++) {
    yield '\n';
    yield* suiteXml(suites[i]!, i, report, '  ');
  }
  yield '\n</testsuites>\n';
}

export function formatJunit(report: Report): string {
  return [...junitChunks(report)].join('');
}
