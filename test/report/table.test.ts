import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/schema.js';
import {
  clip,
  colorLevel,
  displayWidth,
  formatTable,
  messageLines,
  sanitize,
} from '../../src/report/table.js';
import {
  fixtureReport,
  fixtureReportWithSuppressionAndBaseline,
  HOSTILE_NAME,
  largeReport,
  PIPE_NAME,
} from './fixtures.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escape codes
const ANSI = /\u001b\[[0-9;]*m/g;
const strip = (s: string) => s.replace(ANSI, '');

let plain: Report;
let full: Report;
beforeAll(async () => {
  plain = await fixtureReport();
  full = await fixtureReportWithSuppressionAndBaseline();
});

describe('colour', () => {
  it('follows --color/--no-color, then NO_COLOR, then FORCE_COLOR, then the terminal', () => {
    expect(colorLevel({ env: {}, isTTY: true })).toBeGreaterThan(0);
    expect(colorLevel({ env: {}, isTTY: false })).toBe(0);
    expect(colorLevel({ env: { NO_COLOR: '1' }, isTTY: true })).toBe(0);
    expect(colorLevel({ env: { NO_COLOR: '' }, isTTY: true })).toBeGreaterThan(0);
    expect(colorLevel({ env: { NO_COLOR: '1', FORCE_COLOR: '1' }, isTTY: true })).toBe(0);
    expect(colorLevel({ env: { FORCE_COLOR: '1' }, isTTY: false })).toBe(1);
    expect(colorLevel({ env: { FORCE_COLOR: '0' }, isTTY: true })).toBe(0);
    expect(colorLevel({ env: { TERM: 'dumb' }, isTTY: true })).toBe(0);
    expect(colorLevel({ color: true, env: { NO_COLOR: '1' }, isTTY: false })).toBe(1);
    expect(colorLevel({ color: false, env: { FORCE_COLOR: '3' }, isTTY: true })).toBe(0);
  });

  it('writes no escape code with NO_COLOR or to a pipe, and colours a terminal', () => {
    const noColor = formatTable(plain, { env: { NO_COLOR: '1' }, isTTY: true });
    expect(noColor).not.toContain('\u001b');
    const piped = formatTable(plain, { env: {}, isTTY: false });
    expect(piped).not.toContain('\u001b');
    expect(piped).toBe(noColor);
    const tty = formatTable(plain, { env: {}, isTTY: true });
    expect(tty).toMatch(ANSI);
    expect(strip(tty)).toBe(piped);
  });
});

describe('layout', () => {
  it('fits 80 columns, coloured or not', () => {
    for (const report of [plain, full]) {
      for (const color of [false, true]) {
        const lines = strip(formatTable(report, { color })).split('\n');
        for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
      }
    }
  });

  it('honours a narrower width', () => {
    const lines = formatTable(plain, { color: false, width: 60 }).split('\n');
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(60);
  });

  it('groups by severity, then rule, one line per resource', () => {
    const text = formatTable(plain, { color: false });
    const lines = text.split('\n');
    const headers = lines.filter((l) => /^ (CRITICAL|HIGH|MEDIUM|LOW|INFO) {2}\d+$/.test(l));
    expect(headers.map((h) => h.trim().split(/\s+/)[0])).toEqual([
      'CRITICAL',
      'HIGH',
      'MEDIUM',
      'LOW',
      'INFO',
    ]);
    for (const h of headers) {
      const sev = h.trim().split(/\s+/)[0]!.toLowerCase();
      const n = plain.findings.filter((f) => f.severity === sev && f.status === 'open').length;
      expect(h.trim()).toBe(`${sev.toUpperCase()}  ${n}`);
    }
    const ruleLines = lines.filter((l) => /^ {2}[a-z0-9-]+ — /.test(l));
    const rulesWithFindings = new Set(plain.findings.map((f) => f.ruleId));
    expect(ruleLines).toHaveLength(rulesWithFindings.size);
    const resourceLines = lines.filter((l) => /^ {4}\S/.test(l));
    expect(resourceLines).toHaveLength(plain.findings.length);
    // each resource line is followed by its finding's message, indented further
    const firstMessage = lines[lines.indexOf(resourceLines[0]!) + 1]!;
    expect(firstMessage).toMatch(/^ {6}\S/);
    // the resource lines of a rule sit under its header
    const start = lines.findIndex((l) => l.startsWith('  sg-admin-port-open-to-internet — '));
    const next = lines.slice(start + 1).findIndex((l) => !l.startsWith('    '));
    const ids = lines
      .slice(start + 1, start + 1 + next)
      .filter((l) => /^ {4}\S/.test(l))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(ids.sort()).toEqual(['sg-1', 'sg-3', 'sg-bastion']);
  });

  it('shows region and key evidence on the resource line', () => {
    const lines = formatTable(plain, { color: false }).split('\n');
    const sg3 = lines.find((l) => l.trim().startsWith('sg-3') && l.includes('ports 22,3389'));
    expect(sg3).toBeDefined();
    expect(sg3).toContain('ap-southeast-1');
    expect(sg3).toContain('from 0.0.0.0/0');
    const account = lines.find((l) => l.trim().startsWith(plain.account.id))!;
    expect(account).toContain('global');
  });

  it('ends with a summary line and the coverage gaps', () => {
    const text = formatTable(plain, { color: false });
    const s = plain.summary;
    expect(formatTable(plain, { color: false, width: 200 })).toContain(
      `Summary: ${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info, ` +
        `${plain.unevaluated!.length} not evaluated, ${plain.coverage.length} coverage gaps`,
    );
    expect(text).toContain(`Coverage gaps (${plain.coverage.length}): data that could not be read`);
    expect(text).toContain(
      '  ecs ap-southeast-1 DescribeSecurityGroupAttribute sg-9: Throttling.User',
    );
    expect(text).toContain('  rule evaluate test-broken: RuleError');
  });

  it('has a compact "not evaluated" section: one entry per rule × region with a count and the first ids', () => {
    const text = formatTable(plain, { color: false, width: 120 });
    expect(text).toContain(`Not evaluated (${plain.unevaluated!.length})`);
    expect(text).toContain('\n  These rules could not judge these resources');
    const lines = text.split('\n');
    const at = lines.indexOf('  sg-admin-port-open-to-internet  ap-southeast-1');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]).toBe(
      '      1 resource: sg-9 (DescribeSecurityGroupAttribute: Throttling.User)',
    );
    // the broken test rule: its whole scope
    expect(text).toMatch(/ {2}test-broken {2}global\n {6}its whole scope \(evaluate: RuleError\)/);
    // thousands of pairs stay a few lines
    const many = structuredClone(plain);
    many.unevaluated = Array.from({ length: 5000 }, (_, i) => ({
      ruleId: 'sg-admin-port-open-to-internet',
      resource: { type: 'security-group' as const, id: `sg-${i}`, region: 'cn-hangzhou' },
      reason: 'DescribeSecurityGroupAttribute: Forbidden.RAM',
      coverage: 0,
    }));
    const big = formatTable(many, { color: false, width: 120 });
    expect(big).toContain('Not evaluated (5000)');
    expect(big).toContain('      5000 resources: sg-0, sg-1, sg-2, … (4997 more)');
    expect(big.split('\n').length).toBeLessThan(text.split('\n').length + 5);
  });

  it('shows the compliance controls when the report has them', () => {
    const withControls = structuredClone(plain);
    withControls.compliance = {
      framework: 'cis',
      name: 'CIS Alibaba Cloud Foundations Benchmark v2.0.0',
      controls: [
        { id: '3.2', title: 'SSH restricted', status: 'fail', rules: ['a'], findings: 2 },
        { id: '4.1', title: 'Disks encrypted', status: 'unknown', rules: ['b'], findings: 0 },
      ],
    };
    const text = formatTable(withControls, { color: false });
    expect(text).toContain(
      'CIS Alibaba Cloud Foundations Benchmark v2.0.0\n  0 pass, 1 fail, 1 unknown, 0 manual\n',
    );
    expect(text).toContain('  3.2   fail    SSH restricted');
    expect(text).toContain('  4.1   unknown Disks encrypted');
    expect(formatTable(plain, { color: false })).not.toContain('CIS Alibaba');
  });

  it('marks new findings and lists suppressed ones apart, with the reason', () => {
    const text = formatTable(full, { color: false });
    const lines = text.split('\n');
    const sg2 = lines.find((l) => l.trim().startsWith('sg-2'))!;
    expect(sg2.startsWith('        sg-2')).toBe(true); // unchanged: no tag, aligned
    expect(lines.some((l) => l.startsWith('    NEW sg-1'))).toBe(true);
    expect(text).toContain('Suppressed (1)');
    expect(text).toContain(
      'sg-admin-port-open-to-internet sg-bastion (bastion): bastion | reviewed',
    );
    expect(text).toMatch(/1 suppressed, \d+ new, 1 resolved/);
    expect(text).toContain('Expired suppression: sg-all-ports-open-to-internet sg-3');
    // the suppressed finding is not among the open lines
    expect(lines.filter((l) => /^ {4}(NEW )? *sg-bastion/.test(l))).toHaveLength(0);
  });

  it('says so when there is nothing to report', () => {
    const empty: Report = {
      ...plain,
      findings: [],
      coverage: [],
      summary: { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0 },
    };
    const text = formatTable(empty, { color: false });
    expect(text).toContain('No open findings.');
    expect(text).toContain('Summary: 0 critical, 0 high, 0 medium, 0 low, 0 info');
    expect(text).not.toContain('Coverage gaps');
  });
});

describe('long messages', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
  it.each([
    { case: 'fits in four lines: shown whole', n: 20, cut: false },
    { case: 'longer: four lines, the last ending with "…"', n: 200, cut: true },
  ])('$case', ({ n, cut }) => {
    const lines = messageLines(words(n), 40);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.every((l) => displayWidth(l) <= 40)).toBe(true);
    expect(lines.at(-1)!.endsWith('…')).toBe(cut);
    if (!cut) expect(lines.join(' ')).toBe(words(n));
  });
  it('a cut line full to the width still ends with "…" within it', () => {
    // two 19-letter words a line: 39 columns, no room for " …" after them
    const full = messageLines(Array(12).fill('x'.repeat(19)).join(' '), 40);
    expect(full).toHaveLength(4);
    expect(full[3]!.endsWith('…')).toBe(true);
    expect(displayWidth(full[3]!)).toBeLessThanOrEqual(40);
  });
});

describe('hostile and wide text', () => {
  it('never sends a control character from the account to the terminal', () => {
    const text = formatTable(plain, { color: false, width: 300 });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(text).toContain('\\x1b[31mALERT\\x07\\x00end');
    expect(text).toContain(HOSTILE_NAME);
  });

  it('escapes controls and counts wide characters as two columns', () => {
    expect(sanitize('a\u001b]0;title\u0007b\nc')).toBe('a\\x1b]0;title\\x07b\\x0ac');
    expect(displayWidth('数据库')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth(clip(PIPE_NAME, 20))).toBeLessThanOrEqual(20);
    expect(clip('数据库数据库', 7)).toBe('数据库…');
    expect(clip('short', 10)).toBe('short');
  });
});

describe('terminal table at scale', () => {
  it('lists 150,000 findings (more than a call can take as arguments) in linear time', async () => {
    const big = await largeReport(150_000);
    const started = performance.now();
    const out = formatTable(big, { color: false, width: 100 });
    const ms = performance.now() - started;
    const open = big.findings.filter((f) => f.status === 'open');
    const last = open[open.length - 1]!;
    expect(out).toContain(last.resource.id);
    // one line per open finding: `    NEW <id>` or `        <id>` (its message lines are indented 6)
    expect(out.split('\n').filter((l) => /^( {4}NEW | {8})\S/.test(l))).toHaveLength(open.length);
    // generous: a quadratic grouping took minutes at this size
    expect(ms).toBeLessThan(30_000);
  }, 60_000);

  it('measures plain ASCII and wide text alike', () => {
    expect(displayWidth('sg-1 (web)')).toBe(10);
    expect(displayWidth('数据 sg')).toBe(7);
    expect(displayWidth('e\u0301')).toBe(1);
  });
});
