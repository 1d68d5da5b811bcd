/**
 * Names from the cloud are anyone's text: a Cloud Assistant command, a RAM
 * user or a key pair may be named with any character. Each output stays
 * well-formed and shows them without letting them act: no terminal escape,
 * bell, bidi override or zero-width character reaches the table, the Markdown
 * report or stderr raw; a Markdown `@team` mentions nobody; a lone UTF-16
 * surrogate does not crash the SARIF report.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as Sarif from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PathHop } from '../../src/analysis/attack-path.js';
import { oneLine } from '../../src/cli/io.js';
import { createProgress } from '../../src/cli/progress.js';
import { escapeHtml, formatHtml } from '../../src/report/html.js';
import { escapeMarkdown, formatMarkdown } from '../../src/report/markdown.js';
import { formatSarif } from '../../src/report/sarif.js';
import type { Report } from '../../src/report/schema.js';
import { formatTable, sanitize } from '../../src/report/table.js';
import { ReportSpecError, writeReport } from '../../src/report/write.js';
import { fakeTty } from '../helpers/terminal.js';
import { fixtureReport } from '../report/fixtures.js';

/** bidi embeddings, overrides and isolates, the Arabic letter mark, zero-width and invisible ones, BOM */
const INVISIBLE = [
  '\u061c',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2060',
  '\u2061',
  '\u2062',
  '\u2063',
  '\u2064',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\ufeff',
];
const CONTROLS = ['\u001b', '\u0007', '\u0000', '\u009b', '\u2028', '\u2029'];
/** what must never be in the table's or the Markdown's output raw (newlines between lines apart) */
const RAW =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;

const TROJAN = `admin\u202e\u2066nimda\u2069\u202c\u200b\u061c\u2060\ufeff`;
const ESCAPES = 'x\u001b]0;pwned\u0007\u001b[2Jy\u2028z';
const MENTION = 'run-by @octo-org/security-team cc @alice';

let base: Report;
beforeAll(async () => {
  base = await fixtureReport();
});

/** the fixture report with one open finding on a hostile resource, in a hostile region */
function hostile(over: { id?: string; region?: string; path?: PathHop[] } = {}): Report {
  const template = base.findings.find((f) => f.status === 'open')!;
  const region = over.region ?? `cn-hangzhou${TROJAN}`;
  return {
    ...base,
    scan: { ...base.scan, regions: [region, 'cn-beijing'] },
    findings: [
      {
        ...template,
        resource: { type: 'ram-user', id: over.id ?? `cmd-${TROJAN}`, region, name: ESCAPES },
        message: `Command ${MENTION} ${TROJAN} ${ESCAPES}`,
        evidence: over.path ? { path: over.path } : { note: `${MENTION} ${ESCAPES}` },
      },
    ],
  };
}

describe('a lone UTF-16 surrogate in a resource id', () => {
  it('SARIF is still made, parseable, with U+FFFD in the percent-encoded location', () => {
    const report = hostile({ id: 'bob\ud800x', region: 'cn-\udc00hangzhou' });
    // a pair whose scope is a whole region: the second percent-encoded location
    const unevaluated = [
      { ruleId: report.findings[0]!.ruleId, resource: null, reason: 'X: Y', coverage: 0 },
    ];
    const coverage = [
      {
        service: 'ecs',
        region: 'cn-\udc00hangzhou',
        operation: 'X',
        error: { code: 'Y', message: 'z' },
      },
    ];
    const log = JSON.parse(formatSarif({ ...report, unevaluated, coverage })) as Sarif.Log;
    const uris = log.runs[0]!.results!.map(
      (r) => r.locations![0]!.physicalLocation!.artifactLocation!.uri,
    );
    expect(uris[0]).toContain(`/${encodeURIComponent('cn-\ufffdhangzhou')}/ram-user/`);
    expect(uris[0]).toMatch(new RegExp(`/${encodeURIComponent('bob\ufffdx')}$`));
    expect(uris[1]).toMatch(new RegExp(`/${encodeURIComponent('cn-\ufffdhangzhou')}$`));
    // the name itself is kept (JSON escapes the lone surrogate)
    expect(log.runs[0]!.results![0]!.locations![0]!.logicalLocations![0]!.name).toBe('bob\ud800x');
  });

  it('a formatter that throws is an internal error, not "cannot write" the file', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'ecs-audit-hostile-'));
    function* broken(): Generator<string> {
      yield '{';
      throw new URIError('URI malformed');
    }
    const err = await writeReport(
      base,
      { format: 'sarif', file: path.join(d, 'r.sarif') },
      undefined,
      broken(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(URIError);
    expect(err).not.toBeInstanceOf(ReportSpecError);
    // a file-system failure still names the file
    await expect(
      writeReport(base, { format: 'json', file: path.join(d, 'missing', 'r.json') }),
    ).rejects.toThrow(new ReportSpecError(`--report: cannot write "${d}/missing/r.json": ENOENT`));
  });
});

describe('bidi, zero-width and control characters', () => {
  it('one set: the table and stderr show each escaped, Markdown drops each', () => {
    for (const ch of [...INVISIBLE, ...CONTROLS]) {
      const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
      expect(sanitize(`a${ch}b`), hex).toMatch(/^a\\(x[0-9a-f]{2}|u[0-9a-f]{4})b$/);
      expect(oneLine(`a${ch}b`), hex).toBe(`a\\u${hex}b`);
      expect(escapeMarkdown(`a${ch}b`), hex).toMatch(/^ab$|^a b$/);
    }
    expect(sanitize('a\u202eb')).toBe('a\\u202eb');
    expect(escapeMarkdown(`a\tb${TROJAN}`)).toBe('a badminnimda');
  });

  it('the table prints none raw, the region header included', () => {
    const text = formatTable(hostile(), { color: false, width: 200 });
    expect(text).not.toMatch(RAW);
    expect(text).toContain('\nregions cn-hangzhouadmin\\u202e\\u2066nimda');
    expect(text).toContain(
      'cmd-admin\\u202e\\u2066nimda\\u2069\\u202c\\u200b\\u061c\\u2060\\ufeff',
    );
    expect(text).toContain('x\\x1b]0;pwned\\x07\\x1b[2Jy\\u2028z');
  });

  it('the Markdown report prints none raw', () => {
    const md = formatMarkdown(hostile()).replace(/@\u200b/g, '@');
    expect(md).not.toMatch(RAW);
    expect(md).toContain('cmd-adminnimda');
  });

  it('an attack path shown as a Markdown code span prints none raw', () => {
    const hops: PathHop[] = [
      { kind: 'instance', instanceId: 'i-1' },
      { kind: 'role', roleName: `ops${ESCAPES}${TROJAN}` },
    ];
    const md = formatMarkdown(hostile({ path: hops }));
    const line = md.split('\n').find((l) => l.includes('i-1 → role'))!;
    expect(line).toMatch(/: `i-1 → role opsx\]0;pwned\[2Jyzadminnimda`$/);
    expect(md.replace(/@\u200b/g, '@')).not.toMatch(RAW);
  });

  it('HTML shows raw C0 controls (a parse error) as \\xNN, in the path list too', () => {
    expect(escapeHtml('a\u0001b\u001b[31m\u007f\tc\nd')).toBe('a\\x01b\\x1b[31m\\x7f\tc\nd');
    const hops: PathHop[] = [
      { kind: 'instance', instanceId: 'i-1' },
      { kind: 'role', roleName: 'ops\u0007\u001b]0;x' },
    ];
    const html = formatHtml(hostile({ path: hops }));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000e-\u001f]/);
    expect(html).toContain('role ops\\x07\\x1b]0;x</li>');
  });

  it('the progress bar escapes a region id', () => {
    const { io, text } = fakeTty(true, 200);
    const p = createProgress(io, true);
    p.update({
      service: 'ecs',
      region: '\u001b]0;pwned\u0007\u202e',
      phase: 'x',
      done: 1,
      total: 2,
    });
    p.stop();
    expect(text()).toContain('ecs \\u001b]0;pwned\\u0007\\u202e');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
    expect(text()).not.toMatch(/[\u0007\u202e]|\u001b\]/);
  });
});

describe('Markdown mentions', () => {
  it('`@team` and `@user` from the account mention nobody', () => {
    expect(escapeMarkdown(MENTION)).toBe('run-by @\u200bocto-org/security-team cc @\u200balice');
    const md = formatMarkdown(hostile());
    // in the cells, the message and the evidence alike
    expect(md).toContain('@\u200bocto-org/security-team');
    expect(md).not.toMatch(/@\w/);
  });
});

describe('coverage lines in the table', () => {
  it('a long resource is cut, the error code stays', () => {
    const report: Report = {
      ...base,
      coverage: [
        {
          service: 'ram',
          region: null,
          operation: 'GetLoginProfile',
          resource: 'b'.repeat(200),
          error: { code: 'Forbidden.RAM', message: 'denied' },
        },
      ],
    };
    const lines = formatTable(report, { color: false, width: 80 }).split('\n');
    const line = lines.find((l) => l.startsWith('  ram GetLoginProfile b'))!;
    expect(line).toMatch(/b…: Forbidden\.RAM$/);
    expect([...line].length).toBeLessThanOrEqual(80);
  });
});

it('--report writes a hostile report in SARIF, Markdown and the table', async () => {
  const d = mkdtempSync(path.join(tmpdir(), 'ecs-audit-hostile-'));
  for (const format of ['sarif', 'markdown', 'table'] as const) {
    const file = path.join(d, `r.${format}`);
    await writeReport(hostile({ id: 'bob\ud800x' }), { format, file });
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  }
});
