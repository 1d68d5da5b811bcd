import { marked, type Tokens } from 'marked';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeMarkdown, formatMarkdown } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/schema.js';
import {
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  HOSTILE_SUMMARY,
  PIPE_NAME,
  SUPPRESSION,
} from './fixtures.js';

/** The text a Markdown renderer shows for one inline fragment; fails on any HTML tag. */
function rendered(inline: string): string {
  const html = marked.parseInline(inline, { gfm: true }) as string;
  expect(html).not.toMatch(/<[a-z/!]/i);
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function tables(md: string): { heading: string; table: Tokens.Table }[] {
  const out: { heading: string; table: Tokens.Table }[] = [];
  let heading = '';
  for (const t of marked.lexer(md, { gfm: true })) {
    if (t.type === 'heading') heading = (t as Tokens.Heading).text;
    if (t.type === 'table') out.push({ heading, table: t as Tokens.Table });
  }
  return out;
}

let plain: Report;
let full: Report;
beforeAll(async () => {
  plain = await fixtureReport();
  full = await fixtureReportWithSuppressionAndBaseline();
});

describe('Markdown', () => {
  it('escapes so a renderer shows the literal text, on one line, without HTML', () => {
    for (const s of [
      HOSTILE_NAME,
      HOSTILE_SUMMARY,
      PIPE_NAME,
      'a\\|b \\ c',
      '*bold* _em_ `code` [link](https://evil.example) ![img](x) ~~del~~ # h',
      'see https://evil.example/a?b=c and www.evil.example <https://x.example>',
      'line1\nline2\r\nline3',
      '&amp; &lt;',
    ]) {
      const md = escapeMarkdown(s);
      expect(md).not.toMatch(/[\r\n]/);
      expect(rendered(md)).toBe(s.replace(/\r?\n/g, ' '));
      // inside a table cell, it stays one cell
      const [t] = tables(`| a | b |\n| --- | --- |\n| ${md} | z |\n`);
      expect(t!.table.rows[0]!.map((c) => c.text)).toHaveLength(2);
      expect(rendered(t!.table.rows[0]![0]!.text)).toBe(s.replace(/\r?\n/g, ' '));
    }
  });

  it('drops control characters', () => {
    expect(escapeMarkdown('a\u001b[31mb\u0007c\u0000')).toBe('a\\[31mbc');
  });

  it('has a summary table with the report counts', () => {
    const md = formatMarkdown(plain);
    const summary = tables(md)[0]!.table;
    expect(summary.header.map((c) => c.text)).toEqual([
      'Critical',
      'High',
      'Medium',
      'Low',
      'Info',
      'Suppressed',
      'Not evaluated',
      'Coverage gaps',
    ]);
    const s = plain.summary;
    expect(summary.rows[0]!.map((c) => c.text)).toEqual(
      [
        s.critical,
        s.high,
        s.medium,
        s.low,
        s.info,
        s.suppressed,
        plain.unevaluated!.length,
        plain.coverage.length,
      ].map(String),
    );
  });

  it('has a "not evaluated" section, one row per rule × region, and the compliance controls', () => {
    const withControls = structuredClone(plain);
    withControls.compliance = {
      framework: 'cis',
      name: 'CIS Alibaba Cloud Foundations Benchmark v2.0.0',
      controls: [
        { id: '4.1', title: 'Disks encrypted', status: 'unknown', rules: ['b'], findings: 0 },
      ],
    };
    const md = formatMarkdown(withControls);
    expect(md).toContain(`### Not evaluated (${plain.unevaluated!.length})`);
    const all = tables(md).map((t) => t.table);
    const notEvaluated = all.find((t) => t.header[2]?.text === 'Not evaluated')!;
    expect(notEvaluated).toBeDefined();
    const rows = notEvaluated.rows.map((r) => r.map((c) => c.text));
    expect(rows).toContainEqual([
      'sg-admin-port-open-to-internet',
      'ap-southeast-1',
      '1 resource: sg-9',
      'DescribeSecurityGroupAttribute: Throttling.User',
    ]);
    const ruleRegions = rows.map((r) => `${r[0]} ${r[1]}`);
    expect(new Set(ruleRegions).size).toBe(rows.length);
    const controls = all.find((t) => t.header[0]?.text === 'Control')!;
    expect(controls.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['4.1', 'unknown', 'Disks encrypted', 'b', '0'],
    ]);
    expect(formatMarkdown(plain)).not.toContain('| Control |');
  });

  it('lists open findings by severity, critical first, each row whole', () => {
    const md = formatMarkdown(plain);
    const sections = tables(md).filter((t) =>
      /^(Critical|High|Medium|Low|Info) \(\d+\)$/.test(t.heading),
    );
    expect(sections.map((t) => t.heading.replace(/ \(\d+\)$/, ''))).toEqual([
      'Critical',
      'High',
      'Medium',
      'Low',
      'Info',
    ]);
    let rows = 0;
    for (const { heading, table } of sections) {
      const sev = heading.replace(/ \(\d+\)$/, '').toLowerCase();
      const expected = plain.findings.filter((f) => f.severity === sev && f.status === 'open');
      expect(heading).toBe(`${heading.replace(/ \(\d+\)$/, '')} (${expected.length})`);
      expect(table.rows).toHaveLength(expected.length);
      for (const row of table.rows) expect(row).toHaveLength(table.header.length);
      rows += table.rows.length;
    }
    expect(rows).toBe(plain.findings.length);
    const critical = sections[0]!.table;
    const sg1 = critical.rows.find((r) => rendered(r[1]!.text).includes('sg-1'))!;
    expect(rendered(sg1[1]!.text)).toBe(`security-group sg-1 (${HOSTILE_NAME})`);
    expect(rendered(sg1[2]!.text)).toBe('cn-hangzhou');
    const high = sections[1]!.table;
    const sg2 = high.rows.find((r) => rendered(r[1]!.text).includes('sg-2'))!;
    expect(rendered(sg2[1]!.text)).toBe(`security-group sg-2 (${PIPE_NAME})`);
  });

  it('renders to HTML without any tag from the account', () => {
    const html = marked.parse(formatMarkdown(full), { gfm: true }) as string;
    expect(html).not.toMatch(/<img|<script|<b>/i);
    expect(html).toContain('&lt;/script&gt;&lt;img');
  });

  it('shows suppressed findings, baseline, resolved and expired suppressions', () => {
    const md = formatMarkdown(full);
    const t = tables(md);
    const suppressed = t.find((x) => x.heading === 'Suppressed (1)')!.table;
    expect(rendered(suppressed.rows[0]![3]!.text)).toBe(SUPPRESSION.reason);
    expect(rendered(suppressed.rows[0]![4]!.text)).toBe(SUPPRESSION.expires);
    expect(t.find((x) => x.heading === 'Resolved since the baseline (1)')).toBeDefined();
    expect(t.find((x) => x.heading === 'Expired suppressions (1)')).toBeDefined();
    const critical = t.find((x) => x.heading.startsWith('Critical'))!.table;
    expect(critical.header.at(-1)!.text).toBe('Baseline');
    const newCount = full.findings.filter(
      (f) => f.status === 'open' && f.baseline === 'new',
    ).length;
    expect(md).toContain(`Against the baseline: ${newCount} new, 1 unchanged, 1 resolved.`);
  });

  it('lists the coverage gaps', () => {
    const gaps = tables(formatMarkdown(plain)).find((x) => x.heading.startsWith('Coverage gaps'))!;
    expect(gaps.heading).toBe(`Coverage gaps (${plain.coverage.length})`);
    expect(gaps.table.rows).toHaveLength(plain.coverage.length);
    expect(gaps.table.rows.map((r) => rendered(r[3]!.text))).toContain('sg-9');
  });

  it('says so when there is nothing to report', () => {
    const empty: Report = {
      ...plain,
      findings: [],
      coverage: [],
      summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0 },
    };
    const md = formatMarkdown(empty);
    expect(md).toContain('No open findings.');
    expect(md).not.toContain('Coverage gaps (');
  });

  it('caps the rows of one severity and says how many more there are', () => {
    const md = formatMarkdown(plain, { maxRowsPerSeverity: 1 });
    const critical = tables(md).find((x) => x.heading.startsWith('Critical'))!.table;
    expect(critical.rows).toHaveLength(1);
    const n = plain.findings.filter((f) => f.severity === 'critical').length;
    expect(md).toContain(`… and ${n - 1} more`);
  });
});
