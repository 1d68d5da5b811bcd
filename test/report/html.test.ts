import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  embeddedFindingsRestored,
  escapeHtml,
  formatHtml,
  htmlChunks,
  jsonForScript,
} from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import {
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  HOSTILE_SUMMARY,
  largeReport,
} from './fixtures.js';

let plain: Report;
let html: string;
beforeAll(async () => {
  plain = await fixtureReport();
  html = formatHtml(plain);
});

function hash(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

describe('HTML report (static)', () => {
  it('is one document whose CSP forbids every load and allows only its own style and script', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBeDefined();
    const policy = csp!.replace(/&#39;/g, "'");
    expect(policy).toMatch(/(^|; )default-src 'none'(;|$)/);
    expect(policy).toMatch(/base-uri 'none'/);
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(policy).toContain(`style-src ${hash(style)}`);
    expect(policy).toContain(`script-src ${hash(scripts[0]!)}`);
    // nothing refers to another origin, except the rules' reference links
    const withoutLinks = html.replace(/<a href="https?:[^"]*"/g, '<a');
    expect(withoutLinks).not.toMatch(/(src|href)=["']?(https?:)?\/\//i);
  });

  it('has exactly the two script elements it means to, whatever the data', () => {
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    // account strings reach the page only as escaped JSON: the hostile name is there, inert
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).toContain(jsonForScript(HOSTILE_NAME).slice(1, -1));
  });

  it('embeds the report as JSON that parses back to the same report', () => {
    const m = /<script type="application\/json" id="report-data"[^>]*>([\s\S]*?)<\/script>/.exec(
      html,
    );
    expect(m).not.toBeNull();
    expect(m![1]).not.toMatch(/[<>]/);
    const embedded = JSON.parse(m![1]!) as Report;
    expect(embeddedFindingsRestored(embedded)).toEqual(plain);
    // a rule's title and remediation are in its rule, not in each of its findings
    expect(plain.findings.length).toBeGreaterThan(0);
    for (const f of embedded.findings) {
      expect(f).not.toHaveProperty('remediation');
      expect(f).not.toHaveProperty('title');
    }
    expect(embedded.rules).toEqual(plain.rules);
  });

  it("keeps a finding's own title or remediation when it is not its rule's", () => {
    const changed: Report = {
      ...plain,
      findings: plain.findings.map((f, i) => (i === 0 ? { ...f, remediation: 'older text' } : f)),
    };
    const m = /<script type="application\/json" id="report-data"[^>]*>([\s\S]*?)<\/script>/.exec(
      formatHtml(changed),
    );
    const embedded = JSON.parse(m![1]!) as Report;
    expect(embedded.findings[0]!.remediation).toBe('older text');
    expect(embedded.findings[0]).not.toHaveProperty('title');
    expect(embeddedFindingsRestored(embedded)).toEqual(changed);
  });

  it('escapes < > & and the line separators in embedded JSON', () => {
    const s = jsonForScript({ a: `</script><!-- ${HOSTILE_SUMMARY} \u2028\u2029` });
    expect(s).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(s)).toEqual({ a: `</script><!-- ${HOSTILE_SUMMARY} \u2028\u2029` });
  });

  it('escapes HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('writes no finding rows itself: the script renders them from the embedded data', () => {
    // the rows are not in the markup twice over (that doubled the size of a large report)
    expect(html).not.toMatch(/data-testid="finding-row"/);
    expect(/<tbody><\/tbody>/.test(html)).toBe(true);
    const data = JSON.parse(
      /<script type="application\/json" id="report-data"[^>]*>([\s\S]*?)<\/script>/.exec(html)![1]!,
    ) as Report;
    expect(data.findings.map((f) => f.fingerprint)).toEqual(
      plain.findings.map((f) => f.fingerprint),
    );
    // the filters list what the findings hold; without a script, a note says where the findings are
    for (const f of plain.findings) {
      expect(html).toContain(`<option value="${escapeHtml(f.ruleId)}">`);
      expect(html).toContain(`<option value="${escapeHtml(f.resource.region ?? 'global')}">`);
    }
    expect(html).toContain(
      `<noscript><p data-testid="noscript">The ${plain.findings.length + plain.unevaluated!.length} findings and pairs not evaluated`,
    );
    expect(html.match(/data-testid="coverage-row"/g)).toHaveLength(plain.coverage.length);
  });

  it('shows pairs not evaluated: a status of the findings table, a summary card and a grouped section', () => {
    const n = plain.unevaluated!.length;
    expect(n).toBeGreaterThan(0);
    expect(html).toContain('<option value="not evaluated">not evaluated</option>');
    expect(html).toContain(`data-testid="summary-unevaluated" data-count="${n}"`);
    expect(html).toContain(`<h2>Not evaluated (${n})</h2>`);
    expect(html).toMatch(
      /<tr data-testid="unevaluated-row" data-rule="sg-admin-port-open-to-internet"><td><code>sg-admin-port-open-to-internet<\/code><\/td><td>ap-southeast-1<\/td><td>1 resource: sg-9<\/td><td>DescribeSecurityGroupAttribute: Throttling.User<\/td><\/tr>/,
    );
    // the script turns each pair into a row of status "not evaluated"
    expect(html).toContain("f.status === 'unevaluated' ? 'not evaluated'");
    // without pairs, no such status
    const none = formatHtml({ ...plain, unevaluated: [] });
    expect(none).not.toContain('<option value="not evaluated">');
    expect(none).not.toContain('data-testid="unevaluated"');
  });

  it('shows the compliance controls when the report has them', async () => {
    const page = formatHtml(await fixtureReportWithSuppressionAndBaseline());
    expect(page).toContain('<h2>CIS Alibaba Cloud Foundations Benchmark v2.0.0</h2>');
    expect(page).toContain('1 pass, 1 fail, 1 unknown, 1 manual');
    expect(page).toContain('data-control="4.1" data-status="unknown"');
    expect(page).toContain('<td>SSH &amp; &lt;RDP&gt; | restricted</td>');
    expect(html).not.toContain('data-testid="control-row"');
  });

  it('is made in pieces that join to the same page, about the size of the JSON report', async () => {
    expect([...htmlChunks(plain)].join('')).toBe(html);
    const big = await largeReport(1500);
    const page = formatHtml(big);
    expect([...htmlChunks(big)].join('')).toBe(page);
    const json = JSON.stringify(big);
    expect(page.length).toBeLessThan(json.length * 1.1 + 40_000);
  });

  it('links only http(s) references', () => {
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<li>javascript:alert(3)</li>');
  });
});
