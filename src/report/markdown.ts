/**
 * Markdown (GitHub-flavoured) for pull-request comments and tickets: a summary
 * table, the open findings by severity, suppressed findings, coverage gaps and
 * (with a baseline) resolved findings. Every value that comes from the cloud
 * account is escaped: it stays inside its table cell (pipes, newlines) and can
 * neither format, link, @mention nor inject HTML.
 */
import { SEVERITIES, type Severity } from '../engine/types.js';
import { UNPRINTABLE } from '../util/unprintable.js';
import {
  complianceCounts,
  groupUnevaluated,
  keyEvidence,
  NOT_EVALUATED_NOTE,
  resourceLabel,
  ruleCatalogue,
  sortFindings,
  unevaluatedWhat,
} from './common.js';
import { markdownPathLines } from './paths.js';
import type { Report, ReportFinding } from './schema.js';

/**
 * One line of inline Markdown that renders as the literal text: newlines and
 * tabs become spaces, other control, bidi and zero-width characters are
 * removed, Markdown punctuation is backslash-escaped (links and autolinks
 * included), `& < >` become entities, and `@name` cannot mention anyone.
 */
export function escapeMarkdown(s: string): string {
  return (
    s
      .replace(/\r\n|\r|\n|\t|\u2028|\u2029/g, ' ')
      .replace(UNPRINTABLE, '')
      .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
      // no autolinks: `https://…` and `www.…` from the account stay text
      .replace(/:\/\//g, '\\://')
      .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`)
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      // a report posted as a PR comment must not ping `@octo-org/security-team`: a zero-width
      // space after the `@` (as Dependabot and Renovate do) shows the same text, no mention;
      // added last, after the account's own zero-width characters were removed
      .replace(/@(?=\w)/g, '@\u200b')
  );
}

const TITLE: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)];
}

function findingRow(f: ReportFinding, withBaseline: boolean): string[] {
  const cells = [
    escapeMarkdown(f.ruleId),
    `${escapeMarkdown(f.resource.type)} ${escapeMarkdown(resourceLabel(f.resource))}`,
    escapeMarkdown(f.resource.region ?? '—'),
    escapeMarkdown(f.message),
    escapeMarkdown(keyEvidence(f)),
  ];
  if (withBaseline) cells.push(escapeMarkdown(f.baseline ?? ''));
  return cells;
}

export interface MarkdownOptions {
  /** most finding rows per severity before the rest are summarised (default 200) */
  maxRowsPerSeverity?: number;
}

export function formatMarkdown(report: Report, opts: MarkdownOptions = {}): string {
  const max = opts.maxRowsPerSeverity ?? 200;
  const out: string[] = [];
  const s = report.summary;
  const open = sortFindings(report.findings.filter((f) => f.status === 'open'));
  const suppressed = sortFindings(report.findings.filter((f) => f.status === 'suppressed'));
  const withBaseline = report.findings.some((f) => f.baseline !== undefined);

  out.push(`## ecs-audit report — account ${escapeMarkdown(report.account.id)}`, '');
  const regions = report.scan.regions.length ? report.scan.regions.join(', ') : '(none)';
  out.push(
    `Scanned ${escapeMarkdown(regions)} as ${escapeMarkdown(report.account.identityType)} ` +
      `${escapeMarkdown(report.account.callerArn)} at ${escapeMarkdown(report.scan.finishedAt)} ` +
      `(ecs-audit ${escapeMarkdown(report.tool.version)}).`,
    '',
  );
  const newCount = open.filter((f) => f.baseline === 'new').length;
  out.push(
    ...table(
      ['Critical', 'High', 'Medium', 'Low', 'Info', 'Suppressed', 'Not evaluated', 'Coverage gaps'],
      [
        [
          s.critical,
          s.high,
          s.medium,
          s.low,
          s.info,
          s.suppressed,
          report.unevaluated?.length ?? 0,
          report.coverage.length,
        ].map(String),
      ],
    ),
    '',
  );
  if (withBaseline) {
    out.push(
      `Against the baseline: ${newCount} new, ${open.length - newCount} unchanged, ` +
        `${report.resolved?.length ?? 0} resolved.`,
      '',
    );
  }
  if (report.coverage.length > 0) {
    out.push(
      `> [!WARNING]\n> ${report.coverage.length} coverage gap(s): some data could not be read or judged, so findings may be missing.`,
      '',
    );
  }

  if (open.length === 0) out.push('No open findings.', '');
  const header = ['Rule', 'Resource', 'Region', 'Finding', 'Key evidence'];
  if (withBaseline) header.push('Baseline');
  for (const sev of SEVERITIES) {
    const ofSev = open.filter((f) => f.severity === sev);
    if (ofSev.length === 0) continue;
    out.push(`### ${TITLE[sev]} (${ofSev.length})`, '');
    out.push(
      ...table(
        header,
        ofSev.slice(0, max).map((f) => findingRow(f, withBaseline)),
      ),
    );
    if (ofSev.length > max) out.push('', `… and ${ofSev.length - max} more (see the JSON report).`);
    out.push(...markdownPathLines(ofSev.slice(0, max), escapeMarkdown));
    out.push('');
  }

  if (suppressed.length > 0) {
    out.push(`### Suppressed (${suppressed.length})`, '');
    out.push(
      ...table(
        ['Rule', 'Resource', 'Region', 'Reason', 'Expires'],
        suppressed.map((f) => [
          escapeMarkdown(f.ruleId),
          `${escapeMarkdown(f.resource.type)} ${escapeMarkdown(resourceLabel(f.resource))}`,
          escapeMarkdown(f.resource.region ?? '—'),
          escapeMarkdown(f.suppression?.reason ?? ''),
          escapeMarkdown(f.suppression?.expires ?? '—'),
        ]),
      ),
      '',
    );
  }

  if (report.expiredSuppressions && report.expiredSuppressions.length > 0) {
    out.push(`### Expired suppressions (${report.expiredSuppressions.length})`, '');
    out.push(
      ...table(
        ['Rule', 'Resource', 'Region', 'Reason', 'Expired'],
        report.expiredSuppressions.map((e) => [
          escapeMarkdown(e.rule),
          escapeMarkdown(e.resource),
          escapeMarkdown(e.region ?? '—'),
          escapeMarkdown(e.reason),
          escapeMarkdown(e.expires),
        ]),
      ),
      '',
    );
  }

  if (report.resolved && report.resolved.length > 0) {
    out.push(`### Resolved since the baseline (${report.resolved.length})`, '');
    out.push(
      ...table(
        ['Rule', 'Resource', 'Region', 'Severity'],
        report.resolved.map((r) => [
          escapeMarkdown(r.ruleId),
          `${escapeMarkdown(r.resource.type)} ${escapeMarkdown(resourceLabel(r.resource))}`,
          escapeMarkdown(r.resource.region ?? '—'),
          escapeMarkdown(r.severity ?? ''),
        ]),
      ),
      '',
    );
  }

  const unevaluated = groupUnevaluated(report);
  if (unevaluated.length > 0) {
    out.push(`### Not evaluated (${report.unevaluated?.length ?? 0})`, '');
    out.push(escapeMarkdown(NOT_EVALUATED_NOTE), '');
    out.push(
      ...table(
        ['Rule', 'Region', 'Not evaluated', 'Reason'],
        unevaluated
          .slice(0, max)
          .map((g) => [
            escapeMarkdown(g.ruleId),
            escapeMarkdown(g.region ?? '—'),
            escapeMarkdown(unevaluatedWhat(g)),
            escapeMarkdown(g.reasons.slice(0, 3).join('; ')),
          ]),
      ),
    );
    if (unevaluated.length > max)
      out.push('', `… and ${unevaluated.length - max} more (see the JSON report).`);
    out.push('');
  }

  if (report.compliance) {
    const cc = report.compliance;
    out.push(`### ${escapeMarkdown(cc.name)}`, '', `${complianceCounts(cc)}.`, '');
    out.push(
      ...table(
        ['Control', 'Status', 'Title', 'Rules', 'Findings'],
        cc.controls.map((c) => [
          escapeMarkdown(c.id),
          c.status === 'fail' ? '**fail**' : c.status,
          escapeMarkdown(c.title),
          escapeMarkdown(c.rules.join(', ') || '—'),
          String(c.findings),
        ]),
      ),
      '',
    );
  }

  if (report.coverage.length > 0) {
    out.push(`### Coverage gaps (${report.coverage.length})`, '');
    // an organization report's entries name their account
    const byAccount = report.coverage.some((g) => g.account !== undefined);
    out.push(
      ...table(
        [...(byAccount ? ['Account'] : []), 'Service', 'Region', 'Operation', 'Resource', 'Error'],
        report.coverage.map((g) => [
          ...(byAccount ? [escapeMarkdown(g.account ?? '—')] : []),
          escapeMarkdown(g.service),
          escapeMarkdown(g.region ?? '—'),
          escapeMarkdown(g.operation),
          escapeMarkdown(g.resource ?? '—'),
          escapeMarkdown(`${g.error.code}: ${g.error.message}`),
        ]),
      ),
      '',
    );
  }

  const rules = ruleCatalogue(report).filter((r) => open.some((f) => f.ruleId === r.id));
  if (rules.length > 0) {
    out.push('<details><summary>How to fix</summary>', '');
    for (const r of rules) {
      out.push(`#### ${escapeMarkdown(r.id)}: ${escapeMarkdown(r.title)}`, '');
      out.push(escapeMarkdown(r.remediation), '');
    }
    out.push('</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
