import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml, formatHtml, jsonForScript } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { fixtureReport, HOSTILE_NAME, HOSTILE_SUMMARY } from './fixtures.js';

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
    expect(html).toContain(escapeHtml(HOSTILE_NAME));
  });

  it('embeds the report as JSON that parses back to the same report', () => {
    const m = /<script type="application\/json" id="report-data"[^>]*>([\s\S]*?)<\/script>/.exec(
      html,
    );
    expect(m).not.toBeNull();
    expect(m![1]).not.toMatch(/[<>]/);
    expect(JSON.parse(m![1]!)).toEqual(plain);
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

  it('renders one row per finding with stable hooks', () => {
    const rows = [...html.matchAll(/<tr data-testid="finding-row"([^>]*)>/g)].map((m) => m[1]!);
    expect(rows).toHaveLength(plain.findings.length);
    for (const f of plain.findings) {
      expect(rows.some((r) => r.includes(`data-fingerprint="${f.fingerprint}"`))).toBe(true);
    }
    expect(rows.filter((r) => r.includes('data-region="global"')).length).toBe(
      plain.findings.filter((f) => f.resource.region === null).length,
    );
    expect(html.match(/data-testid="coverage-row"/g)).toHaveLength(plain.coverage.length);
  });

  it('links only http(s) references', () => {
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<li>javascript:alert(3)</li>');
  });
});
