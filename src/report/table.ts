/**
 * The terminal report: findings grouped by severity then rule, one line per
 * resource with its region and key evidence, a summary line and the coverage
 * gaps. Lines fit the width (80 columns by default, wide CJK characters
 * counted as two) and are clipped before they are coloured, so escape codes are
 * never cut. Colour follows the usual conventions: an explicit `color` option
 * (`--color` / `--no-color`) wins, then `NO_COLOR` (any non-empty value: off),
 * then `FORCE_COLOR`, then whether stdout is a terminal. Control, bidi and
 * zero-width characters in names and messages from the account are shown
 * escaped, so a hostile resource name cannot drive the terminal or reorder
 * what it shows.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { SEVERITIES, type Severity } from '../engine/types.js';
import { HAS_UNPRINTABLE, UNPRINTABLE } from '../util/unprintable.js';
import {
  complianceCounts,
  groupUnevaluated,
  keyEvidence,
  NOT_EVALUATED_NOTE,
  resourceLabel,
  sortFindings,
  unevaluatedWhat,
} from './common.js';
import { tablePathLines } from './paths.js';
import type { Report, ReportFinding } from './schema.js';

export interface TableOptions {
  /** force colour on/off; default: NO_COLOR, FORCE_COLOR, then whether stdout is a terminal */
  color?: boolean;
  /** line width in columns; default 80 */
  width?: number;
  /** the environment to read NO_COLOR / FORCE_COLOR from (default process.env) */
  env?: Readonly<Record<string, string | undefined>>;
  /** whether the output goes to a terminal (default process.stdout.isTTY) */
  isTTY?: boolean;
}

/** The chalk colour level (0 = none) the options and environment ask for. */
export function colorLevel(opts: TableOptions = {}): 0 | 1 | 2 | 3 {
  if (opts.color !== undefined) return opts.color ? 1 : 0;
  const env = opts.env ?? process.env;
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) {
    if (force === '' || force === 'true') return 1;
    if (force === 'false') return 0;
    const n = Number.parseInt(force, 10);
    return Number.isNaN(n) ? 1 : (Math.min(Math.max(n, 0), 3) as 0 | 1 | 2 | 3);
  }
  const tty = opts.isTTY ?? Boolean(process.stdout.isTTY);
  if (!tty || env['TERM'] === 'dumb') return 0;
  return 1;
}

function paint(c: ChalkInstance, s: Severity): (t: string) => string {
  switch (s) {
    case 'critical':
      return (t) => c.bold.white.bgRed(t);
    case 'high':
      return (t) => c.bold.red(t);
    case 'medium':
      return (t) => c.yellow(t);
    case 'low':
      return (t) => c.cyan(t);
    default:
      return (t) => c.gray(t);
  }
}

/**
 * Control characters (ESC, CR, newlines, C1) and invisible bidi and zero-width
 * ones (a name that reorders or hides what follows it) shown as `\xNN` /
 * `\uNNNN`; never sent raw.
 */
export function sanitize(s: string): string {
  // most text has none: a test, not a replace that calls back and copies
  if (!HAS_UNPRINTABLE.test(s)) return s;
  return s.replace(UNPRINTABLE, (ch) => {
    const code = ch.codePointAt(0)!;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Columns a code point takes in a terminal: 0 for combining marks, 2 for wide East Asian ones. */
function charWidth(cp: number): number {
  if (cp >= 0x20 && cp < 0x7f) return 1;
  if (cp === 0x200b || cp === 0x200c || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return /\p{M}/u.test(String.fromCodePoint(cp)) ? 0 : 1;
}

/** printable ASCII only: one column per character */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Terminal columns of a string without escape codes. */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

/** Cut to `width` columns, ending with `…` when cut. */
export function clip(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = charWidth(ch.codePointAt(0)!);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** A finding's message in at most `MESSAGE_LINES` lines; a cut one ends with "…". */
export function messageLines(message: string, width: number): string[] {
  const lines = wrap(message, width);
  if (lines.length <= MESSAGE_LINES) return lines;
  const kept = lines.slice(0, MESSAGE_LINES);
  // after the last word, or (a full line) in place of its end
  kept[MESSAGE_LINES - 1] = clip(`${kept[MESSAGE_LINES - 1]} …`, width);
  return kept;
}

const MESSAGE_LINES = 4;

/** Word-wrap to `width` columns; a word longer than a line is clipped. */
export function wrap(s: string, width: number): string[] {
  // printable ASCII: a column per character; already one line with single spaces, it is the line
  const ascii = PRINTABLE_ASCII.test(s);
  if (ascii && s.length <= width && !LOOSE_SPACES.test(s)) return s ? [s] : [];
  const out: string[] = [];
  let cur = '';
  // widths add up, so the line's width is kept rather than measured again per word
  let curWidth = 0;
  for (const word of s.split(/\s+/)) {
    if (!word) continue;
    const w = ascii ? word.length : displayWidth(word);
    const nextWidth = cur ? curWidth + 1 + w : w;
    if (nextWidth <= width) {
      cur = cur ? `${cur} ${word}` : word;
      curWidth = nextWidth;
    } else {
      if (cur) out.push(cur);
      cur = clip(word, width);
      curWidth = displayWidth(cur);
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** spaces a word-wrap would drop: leading, trailing or doubled */
const LOOSE_SPACES = /^ | $| {2}/;

/** Pad to `width` columns. */
function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

function resourceLine(
  c: ChalkInstance,
  f: ReportFinding,
  width: number,
  idWidth: number,
  column: (region: string) => string,
  withBaseline: boolean,
  label: string,
): string {
  const id = pad(clip(label, idWidth), idWidth);
  const region = column(f.resource.region ?? 'global');
  const tag = f.baseline === 'new' ? 'NEW ' : withBaseline ? '    ' : '';
  const detail = sanitize(keyEvidence(f, { fallback: false }));
  const plain = `    ${tag}${id}  ${region}  ${detail}`.trimEnd();
  const line = clip(plain, width);
  // colour after clipping: split the clipped line back into its parts
  const head = `    ${tag}${id}  `;
  if (line.length <= head.length) return line;
  const rest = line.slice(head.length);
  const regionPart = rest.slice(0, region.length);
  const detailPart = rest.slice(region.length);
  return `    ${tag.trim() ? c.bold.magenta(tag) : tag}${id}  ${c.dim(regionPart)}${detailPart}`;
}

export function formatTable(report: Report, opts: TableOptions = {}): string {
  return [...tableChunks(report, opts)].join('');
}

/** lines held before they are handed on as one piece (a few KB of text) */
const LINES_PER_PIECE = 256;

/**
 * The table as text pieces (what `formatTable` joins), each a run of whole
 * lines with their newlines: 300,000 lines never wait in one array to be
 * joined into one string, which kept every line alive (promoted by each
 * scavenge) and made a 12 MB string in the large-object space.
 */
export function* tableChunks(report: Report, opts: TableOptions = {}): Generator<string> {
  const c = new Chalk({ level: colorLevel(opts) });
  const width = Math.max(40, opts.width ?? 80);
  const lines: string[] = [];
  const line = (s: string, style?: (t: string) => string) => {
    const cut = clip(s, width);
    lines.push(style ? style(cut) : cut);
  };
  const who = `${report.account.identityType} ${report.account.callerArn}`;
  line(`ecs-audit ${report.tool.version} — account ${sanitize(report.account.id)}`, c.bold);
  line(`caller ${sanitize(who)}`);
  line(
    `regions ${report.scan.regions.length ? sanitize(report.scan.regions.join(', ')) : '(none)'}`,
  );
  lines.push('');

  const findings = sortFindings(report.findings);
  const open = findings.filter((f) => f.status === 'open');
  // the id column takes what it needs, up to 40% of what is left after indent and region
  // (a loop, not Math.max(...xs): tens of thousands of arguments overflow the stack)
  let widestId = 0;
  let widestRegion = 6;
  // each label made once, for its width here and its line below
  const labels = new Map<ReportFinding, string>();
  for (const f of open) {
    const label = sanitize(resourceLabel(f.resource));
    labels.set(f, label);
    widestId = Math.max(widestId, displayWidth(label));
    widestRegion = Math.max(widestRegion, displayWidth(sanitize(f.resource.region ?? 'global')));
  }
  const idWidth = Math.min(Math.max(16, Math.floor((width - 30) * 0.4)), widestId);
  const regionWidth = Math.min(16, widestRegion);
  // a few regions, tens of thousands of lines: each region's column made once
  const regionColumns = new Map<string, string>();
  const regionColumn = (region: string): string => {
    let col = regionColumns.get(region);
    if (col === undefined) {
      col = pad(clip(sanitize(region), regionWidth), regionWidth);
      regionColumns.set(region, col);
    }
    return col;
  };
  const withBaseline = report.findings.some((f) => f.baseline !== undefined);
  if (open.length === 0) lines.push(c.green('No open findings.'), '');
  for (const sev of SEVERITIES) {
    const ofSev = open.filter((f) => f.severity === sev);
    if (ofSev.length === 0) continue;
    lines.push(paint(c, sev)(` ${sev.toUpperCase()} `) + c.dim(` ${ofSev.length}`));
    const byRule = new Map<string, ReportFinding[]>();
    for (const f of ofSev) {
      const list = byRule.get(f.ruleId);
      if (list) list.push(f);
      else byRule.set(f.ruleId, [f]);
    }
    for (const [ruleId, fs] of byRule) {
      const title = sanitize(fs[0]!.title);
      const head = clip(`  ${sanitize(ruleId)} — ${title}`, width);
      const cut = Math.min(head.length, 2 + sanitize(ruleId).length);
      lines.push(c.bold(head.slice(0, cut)) + c.dim(head.slice(cut)));
      for (const f of fs) {
        if (lines.length >= LINES_PER_PIECE) {
          yield `${lines.join('\n')}\n`;
          lines.length = 0;
        }
        lines.push(resourceLine(c, f, width, idWidth, regionColumn, withBaseline, labels.get(f)!));
        // the finding's own sentence says what is wrong with this resource
        for (const l of messageLines(sanitize(f.message), width - 6))
          lines.push(c.dim(`      ${l}`));
        for (const p of tablePathLines(f, sanitize))
          for (const l of wrap(p, width - 6)) lines.push(c.cyan(`      ${l}`));
      }
    }
    lines.push('');
  }

  const suppressed = findings.filter((f) => f.status === 'suppressed');
  if (suppressed.length > 0) {
    line(`Suppressed (${suppressed.length})`, c.dim.bold);
    for (const f of suppressed) {
      const why = f.suppression
        ? `${f.suppression.reason}${f.suppression.expires ? ` (until ${f.suppression.expires})` : ''}`
        : '';
      line(`  ${f.ruleId} ${sanitize(resourceLabel(f.resource))}: ${sanitize(why)}`, c.dim);
    }
    lines.push('');
  }
  const resolved = report.resolved ?? [];
  if (resolved.length > 0) {
    line(`Resolved since the baseline (${resolved.length})`, c.green.bold);
    for (const r of resolved) {
      const where = r.resource.region ?? 'global';
      line(`  ${sanitize(r.ruleId)} ${sanitize(resourceLabel(r.resource))} ${sanitize(where)}`);
    }
    lines.push('');
  }
  for (const e of report.expiredSuppressions ?? []) {
    line(
      `Expired suppression: ${sanitize(e.rule)} ${sanitize(e.resource)} (expired ${sanitize(e.expires)})`,
      c.yellow,
    );
  }

  const unevaluated = report.unevaluated ?? [];
  if (unevaluated.length > 0) {
    line(`Not evaluated (${unevaluated.length})`, c.magenta.bold);
    for (const l of wrap(NOT_EVALUATED_NOTE, width - 2)) line(`  ${l}`, c.dim);
    const groups = groupUnevaluated(report);
    for (const g of groups.slice(0, 100)) {
      line(`  ${sanitize(g.ruleId)}  ${sanitize(g.region ?? 'global')}`, c.bold);
      const what = `${unevaluatedWhat(g)} (${g.reasons.slice(0, 2).join('; ')})`;
      for (const l of wrap(sanitize(what), width - 6).slice(0, 3)) line(`      ${l}`);
    }
    if (groups.length > 100) line(`  … and ${groups.length - 100} more rule × region groups`);
    lines.push('');
  }

  if (report.compliance) {
    const cc = report.compliance;
    line(sanitize(cc.name), c.bold);
    line(`  ${complianceCounts(cc)}`);
    for (const ctl of cc.controls) {
      const status = ctl.status.padEnd(7);
      const styled =
        ctl.status === 'fail'
          ? c.red(status)
          : ctl.status === 'pass'
            ? c.green(status)
            : ctl.status === 'unknown'
              ? c.magenta(status)
              : c.dim(status);
      const text = clip(`  ${sanitize(ctl.id).padEnd(5)} ${status} ${sanitize(ctl.title)}`, width);
      const at = text.indexOf(status);
      lines.push(at < 0 ? text : `${text.slice(0, at)}${styled}${text.slice(at + status.length)}`);
    }
    lines.push('');
  }

  const s = report.summary;
  const parts = [
    `${s.critical} critical`,
    `${s.high} high`,
    `${s.medium} medium`,
    `${s.low} low`,
    `${s.info} info`,
  ];
  if (s.suppressed) parts.push(`${s.suppressed} suppressed`);
  if (withBaseline) {
    const n = open.filter((f) => f.baseline === 'new').length;
    parts.push(`${n} new`);
    parts.push(`${report.resolved?.length ?? 0} resolved`);
  }
  if (unevaluated.length) parts.push(`${unevaluated.length} not evaluated`);
  if (report.coverage.length) parts.push(`${report.coverage.length} coverage gaps`);
  const summary = `Summary: ${parts.join(', ')}`;
  // the summary line may wrap onto a second line rather than lose numbers
  if (displayWidth(summary) <= width) {
    lines.push(c.bold('Summary: ') + summary.slice('Summary: '.length));
  } else {
    const half = Math.ceil(parts.length / 2);
    lines.push(c.bold('Summary: ') + `${parts.slice(0, half).join(', ')},`);
    lines.push(`         ${parts.slice(half).join(', ')}`);
  }

  if (report.coverage.length > 0) {
    lines.push('');
    line(`Coverage gaps (${report.coverage.length}): data that could not be read`, c.yellow.bold);
    for (const g of report.coverage.slice(0, 50)) {
      // an organization report says whose (as its findings and pairs do)
      const where = [
        g.account ? `[account ${g.account}]` : undefined,
        g.service,
        g.region,
        g.operation,
        g.resource,
      ]
        .filter(Boolean)
        .join(' ');
      // the resource is cut rather than the code, which says why
      const code = `: ${sanitize(g.error.code)}`;
      line(`  ${clip(sanitize(where), Math.max(10, width - 2 - displayWidth(code)))}${code}`);
    }
    if (report.coverage.length > 50) line(`  … and ${report.coverage.length - 50} more`);
  }
  // the summary line at least is left: every line ends with its newline
  yield `${lines.join('\n')}\n`;
}
