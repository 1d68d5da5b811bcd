/**
 * The terminal report: findings grouped by severity then rule, one line per
 * resource with its region and key evidence, a summary line and the coverage
 * gaps. Colour through chalk, which honours NO_COLOR/FORCE_COLOR and switches
 * itself off when stdout is not a terminal; lines are kept within 80 columns.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { SEVERITIES, type Severity } from '../engine/types.js';
import type { Report, ReportFinding } from './schema.js';

export interface TableOptions {
  /** force colour on/off; default: chalk's own detection (TTY, NO_COLOR, FORCE_COLOR) */
  color?: boolean;
  width?: number;
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

function clip(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 1))}…`;
}

function keyEvidence(f: ReportFinding): string {
  const e = f.evidence;
  const parts: string[] = [];
  const ports = e['ports'] ?? e['openPorts'];
  if (Array.isArray(ports) && ports.length > 0) parts.push(`ports ${ports.slice(0, 6).join(',')}`);
  if (typeof e['summary'] === 'string') parts.push(e['summary']);
  return parts.join('; ');
}

export function formatTable(report: Report, opts: TableOptions = {}): string {
  const c = opts.color === undefined ? new Chalk() : new Chalk({ level: opts.color ? 1 : 0 });
  const width = opts.width ?? 80;
  const lines: string[] = [];
  const who = `${report.account.identityType} ${report.account.callerArn}`;
  lines.push(c.bold(`ecs-audit ${report.tool.version} — account ${report.account.id}`));
  lines.push(clip(`caller ${who}`, width));
  lines.push(
    clip(
      `regions ${report.scan.regions.length ? report.scan.regions.join(', ') : '(none)'}`,
      width,
    ),
  );
  lines.push('');
  const open = report.findings.filter((f) => f.status === 'open');
  if (open.length === 0) lines.push(c.green('No findings.'));
  for (const sev of SEVERITIES) {
    const ofSev = open.filter((f) => f.severity === sev);
    if (ofSev.length === 0) continue;
    lines.push(paint(c, sev)(` ${sev.toUpperCase()} `) + c.dim(` ${ofSev.length}`));
    const byRule = new Map<string, ReportFinding[]>();
    for (const f of ofSev) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
    for (const [ruleId, fs] of byRule) {
      lines.push(clip(`  ${c.bold(ruleId)} ${c.dim(`— ${fs[0]!.title}`)}`, width + 40));
      for (const f of fs) {
        const where = f.resource.region ? ` [${f.resource.region}]` : '';
        const name =
          f.resource.name && f.resource.name !== f.resource.id ? ` (${f.resource.name})` : '';
        lines.push(clip(`    ${f.resource.id}${name}${where}`, width));
        lines.push(c.dim(clip(`      ${f.message}`, width)));
        const ev = keyEvidence(f);
        if (ev) lines.push(c.dim(clip(`      ${ev}`, width)));
      }
    }
    lines.push('');
  }
  const s = report.summary;
  lines.push(
    c.bold('Summary: ') +
      `${s.critical} critical, ${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info` +
      (s.suppressed ? `, ${s.suppressed} suppressed` : ''),
  );
  if (report.coverage.length > 0) {
    lines.push('');
    lines.push(
      c.yellow.bold(`Coverage gaps (${report.coverage.length}): data that could not be read`),
    );
    for (const g of report.coverage.slice(0, 50)) {
      const where = [g.service, g.region, g.operation, g.resource].filter(Boolean).join(' ');
      lines.push(clip(`  ${where}: ${g.error.code}`, width));
    }
    if (report.coverage.length > 50) lines.push(`  … and ${report.coverage.length - 50} more`);
  }
  return `${lines.join('\n')}\n`;
}
