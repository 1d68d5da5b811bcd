/**
 * The HTML report's filter bar and badges, as written (the behaviour in a
 * browser is in html-a11y.browser.test.ts): an organization report offers in
 * its Account filter every member, also one that could not be entered and has
 * only whole-scope pairs not evaluated; the count is a live region; the badges'
 * text is readable (WCAG AA, 4.5:1) in both palettes; the filter bar stays
 * hidden without the script; the page's CSP still hashes the final script.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../src/engine/types.js';
import { formatHtml } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { MANAGEMENT, NO_ROLE, NO_ROLE_ONLY_PAIRS, orgReport } from './fixtures.js';

/** the rows a reviewer filtering on `account` must see: findings and pairs of that member */
function rowsOf(report: Report, account: string): number {
  return (
    report.findings.filter((f) => f.resource.account === account).length +
    (report.unevaluated ?? []).filter(
      (u) => (u.resource?.account ?? u.account ?? report.coverage[u.coverage]?.account) === account,
    ).length
  );
}

function hash(s: string): string {
  return `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
}

/** WCAG 2 relative luminance of `#rgb` or `#rrggbb` */
function luminance(color: string): number {
  const hex = color.length === 4 ? color.replace(/[0-9a-f]/gi, (d) => d + d) : color;
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** the custom properties of a `:root{…}` block, `var(--x)` resolved against `base` */
function palette(block: string, base: Record<string, string> = {}): Record<string, string> {
  const vars: Record<string, string> = { ...base };
  for (const m of block.matchAll(/--([\w-]+):([^;}]+)/g)) vars[m[1]!] = m[2]!.trim();
  for (const [k, v] of Object.entries(vars)) {
    const ref = /^var\(--([\w-]+)\)$/.exec(v);
    if (ref) vars[k] = vars[ref[1]!]!;
  }
  return vars;
}

let org: Report;
let html: string;
let style: string;
beforeAll(async () => {
  org = await orgReport();
  html = formatHtml(org);
  style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
});

describe('HTML report: the Account filter of an organization report', () => {
  it('has members whose every row is a whole-scope pair not evaluated (resource: null)', () => {
    const whole = (id: string) =>
      org.unevaluated!.filter((u) => u.resource === null && u.account === id);
    expect(whole(NO_ROLE).length).toBeGreaterThan(10);
    expect(org.findings.filter((f) => f.resource.account === NO_ROLE)).toHaveLength(1);
    expect(whole(NO_ROLE_ONLY_PAIRS).length).toBeGreaterThan(10);
    expect(org.findings.filter((f) => f.resource.account === NO_ROLE_ONLY_PAIRS)).toEqual([]);
    expect(rowsOf(org, NO_ROLE)).toBe(whole(NO_ROLE).length + 1);
  });

  it('offers every member with a row, also one that has only pairs not evaluated', () => {
    const select = /<select data-testid="filter-account"[^>]*>([\s\S]*?)<\/select>/.exec(html);
    expect(select).not.toBeNull();
    const offered = [...select![1]!.matchAll(/<option value="([^"]*)">/g)].map((m) => m[1]);
    expect(offered).toEqual(['', MANAGEMENT, NO_ROLE, NO_ROLE_ONLY_PAIRS]);
  });
});

describe('HTML report: filter bar and badges, as written', () => {
  it('the filtered count is a live region (role="status") a screen reader announces', () => {
    expect(html).toMatch(/<span role="status">showing <b data-testid="visible-count">/);
  });

  it('the filter bar stays hidden while the script has not shown it', () => {
    expect(html).toContain('<div class="filters" data-testid="filters" hidden>');
    // `.filters{display:flex}` alone beats the hidden attribute
    expect(style).toContain('.filters[hidden]{display:none}');
  });

  it('the sort buttons, reset by all:unset, show keyboard focus', () => {
    expect(style).toMatch(/th button:focus-visible\{outline:2px solid [^;}]+/);
  });

  it("the badges' text has 4.5:1 contrast on every severity colour, light and dark palettes", () => {
    const light = palette(/:root\{([^}]*)\}/.exec(style)![1]!);
    const dark = palette(
      /@media \(prefers-color-scheme:dark\)\{:root\{([^}]*)\}\}/.exec(style)![1]!,
      light,
    );
    const text = /\.sev\{[^}]*;color:var\(--([\w-]+)\)/.exec(style)?.[1];
    expect(text).toBeDefined();
    for (const [name, p] of [
      ['light', light],
      ['dark', dark],
    ] as const) {
      for (const sev of SEVERITIES) {
        const ratio = contrast(p[text!]!, p[sev]!);
        expect(ratio, `${name} ${sev}: ${p[text!]} on ${p[sev]}`).toBeGreaterThanOrEqual(4.5);
      }
    }
    // light mode as it was: white on the badge colours
    expect(light[text!]).toBe('#fff');
  });

  it('the CSP hashes the final style and script', () => {
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
      .exec(html)![1]!
      .replace(/&#39;/g, "'");
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(script).toContain('SEARCH_WAIT');
    expect(policy).toContain(`script-src ${hash(script)}`);
    expect(policy).toContain(`style-src ${hash(style)}`);
  });
});
