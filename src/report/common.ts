/**
 * Helpers shared by the report formatters: the rule catalogue of a report, a
 * resource's Alibaba Cloud resource name, the key evidence of a finding and
 * the severity scales other tools use.
 */
import { compareFindings, localeCompare } from '../engine/finding.js';
import { SEVERITIES, type Severity } from '../engine/types.js';
import type { Report, ReportFinding } from './schema.js';

export type ReportRule = NonNullable<Report['rules']>[number];

/**
 * Every rule the report mentions, by id, in report order: the evaluated rules
 * (`report.rules`) first, then any rule that only appears in a finding (a
 * report written without rule metadata), described from its findings.
 */
export function ruleCatalogue(report: Report): ReportRule[] {
  const out = new Map<string, ReportRule>();
  for (const r of report.rules ?? []) out.set(r.id, r);
  for (const f of report.findings) {
    if (out.has(f.ruleId)) continue;
    out.set(f.ruleId, {
      id: f.ruleId,
      title: f.title,
      severity: f.severity,
      resourceTypes: [f.resource.type],
      rationale: '',
      remediation: f.remediation,
      references: [],
      source: 'unknown',
    });
  }
  return [...out.values()];
}

/**
 * The resource's Alibaba Cloud resource name (ARN), as RAM policies write it:
 * `acs:ecs:cn-hangzhou:1234567890123456:securitygroup/sg-1`,
 * `acs:ram::1234567890123456:user/alice`, `acs:ram::1234567890123456:root`.
 */
export function resourceArn(accountId: string, r: ReportFinding['resource']): string {
  const region = r.region ?? '';
  switch (r.type) {
    case 'security-group':
      return `acs:ecs:${region}:${accountId}:securitygroup/${r.id}`;
    case 'instance':
      return `acs:ecs:${region}:${accountId}:instance/${r.id}`;
    case 'key-pair':
      return `acs:ecs:${region}:${accountId}:keypair/${r.id}`;
    case 'disk':
      return `acs:ecs:${region}:${accountId}:disk/${r.id}`;
    case 'ram-user':
      return `acs:ram::${accountId}:user/${r.id}`;
    case 'ram-group':
      return `acs:ram::${accountId}:group/${r.id}`;
    case 'ram-role':
      return `acs:ram::${accountId}:role/${r.id}`;
    case 'ram-policy':
      return `acs:ram::${accountId}:policy/${r.id}`;
    case 'account':
      return `acs:ram::${r.id}:root`;
  }
}

/** GitHub code scanning's `security-severity` (CVSS-like, 0.0–10.0) per severity. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** SARIF `level` per severity. */
export const SARIF_LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** 0 for critical … 4 for info: sorts critical first. */
export function severityIndex(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

function uniq<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * The few facts of a finding's evidence a human scans first: ports and
 * protocols, the internet sources that reach them, a rule's own `summary`;
 * otherwise the first scalar fields (`key=value`).
 */
export function keyEvidence(
  f: Pick<ReportFinding, 'evidence'>,
  opts: { fallback?: boolean } = {},
): string {
  const e = f.evidence;
  const parts: string[] = [];
  const ports = e['ports'] ?? e['openPorts'];
  if (Array.isArray(ports) && ports.length > 0) {
    const shown = ports.slice(0, 6).map(String).join(',');
    parts.push(`ports ${shown}${ports.length > 6 ? ',…' : ''}`);
  }
  const protocols = e['protocols'];
  if (Array.isArray(protocols) && protocols.length > 0 && parts.length === 0) {
    parts.push(`all ${protocols.map(String).join('/')} ports`);
  }
  const exposures = e['exposures'];
  if (Array.isArray(exposures)) {
    const sources = uniq(
      exposures.flatMap((x) => {
        if (x === null || typeof x !== 'object') return [];
        const o = x as Record<string, unknown>;
        return [o['acceptedIpv4'], o['acceptedIpv6']].flatMap((a) =>
          Array.isArray(a) ? a.map(String) : [],
        );
      }),
    );
    if (sources.length > 0) {
      parts.push(`from ${sources.slice(0, 3).join(', ')}${sources.length > 3 ? ', …' : ''}`);
    }
  }
  const summary = scalar(e['summary']);
  if (summary) parts.push(summary);
  if (parts.length === 0 && opts.fallback !== false) {
    // keys, not entries: no [key, value] pair made for every field of every finding
    for (const k of Object.keys(e)) {
      const s = scalar(e[k]);
      if (s === undefined || s === '') continue;
      parts.push(`${k}=${s}`);
      if (parts.length >= 3) break;
    }
  }
  return parts.join('; ');
}

/** The resource as one label: `sg-1 (web)`. */
export function resourceLabel(r: ReportFinding['resource']): string {
  const label = r.name && r.name !== r.id ? `${r.id} (${r.name})` : r.id;
  // organization reports: which member holds it
  return r.account !== undefined ? `${label} [account ${r.account}]` : label;
}

/**
 * Findings ordered severity, rule, region, resource id (the engine's order,
 * re-applied). A new array; when the findings are already in order (a report
 * straight from the engine) it is a copy, without sorting again.
 */
export function sortFindings(findings: readonly ReportFinding[]): ReportFinding[] {
  let sorted = true;
  for (let i = 1; i < findings.length; i++) {
    if (compareFindings(findings[i - 1]!, findings[i]!) > 0) {
      sorted = false;
      break;
    }
  }
  return sorted ? findings.slice() : [...findings].sort(compareFindings);
}

/** The unevaluated pairs of one rule in one region, for compact listings. */
export interface UnevaluatedGroup {
  ruleId: string;
  /** the resources' region, or the coverage entry's for whole-scope pairs; null for central data */
  region: string | null;
  /** specific resources not evaluated */
  count: number;
  /** the first few of them, as labels */
  ids: string[];
  /** a pair with `resource: null`: resources the scan never saw may be concerned too */
  wholeScope: boolean;
  /** organization reports: the member account of the pairs */
  account?: string;
  /** distinct reasons (`Operation: code`), in first-seen order */
  reasons: string[];
}

/**
 * `report.unevaluated` grouped by rule × region (rule id, then region, order),
 * so thousands of pairs read as a few lines.
 */
export function groupUnevaluated(report: Report, maxIds = 3): UnevaluatedGroup[] {
  const groups = new Map<string, UnevaluatedGroup>();
  for (const u of report.unevaluated ?? []) {
    const region =
      u.resource !== null ? u.resource.region : (report.coverage[u.coverage]?.region ?? null);
    const key = `${u.ruleId}\u0000${region ?? ''}\u0000${u.account ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      g = { ruleId: u.ruleId, region, count: 0, ids: [], wholeScope: false, reasons: [] };
      if (u.account !== undefined) g.account = u.account;
      groups.set(key, g);
    }
    if (u.resource === null) g.wholeScope = true;
    else {
      g.count += 1;
      if (g.ids.length < maxIds) g.ids.push(resourceLabel(u.resource));
    }
    if (!g.reasons.includes(u.reason)) g.reasons.push(u.reason);
  }
  return [...groups.values()].sort(
    (a, b) =>
      localeCompare(a.ruleId, b.ruleId) ||
      localeCompare(a.region ?? '', b.region ?? '') ||
      localeCompare(a.account ?? '', b.account ?? ''),
  );
}

/** `3 resources: sg-1, sg-2, … and the rest of its scope` */
export function unevaluatedWhat(g: UnevaluatedGroup): string {
  const parts: string[] = [];
  if (g.count > 0) {
    const more = g.count > g.ids.length ? `, … (${g.count - g.ids.length} more)` : '';
    parts.push(`${g.count} resource${g.count === 1 ? '' : 's'}: ${g.ids.join(', ')}${more}`);
  }
  if (g.wholeScope) {
    const where = g.account !== undefined ? ` in account ${g.account}` : '';
    parts.push(g.count > 0 ? `and any it could not list${where}` : `its whole scope${where}`);
  }
  return parts.join(' ');
}

/** What "not evaluated" means, in one sentence a user can act on. */
export const NOT_EVALUATED_NOTE =
  'These rules could not judge these resources because data they need could not be read (see the coverage gaps): ' +
  'no verdict, not a pass; grant the missing read permission or retry, then scan again.';

/** `pass 3, fail 1, unknown 2, manual 4` */
export function complianceCounts(c: NonNullable<Report['compliance']>): string {
  const count = (s: string) => c.controls.filter((x) => x.status === s).length;
  return `${count('pass')} pass, ${count('fail')} fail, ${count('unknown')} unknown, ${count('manual')} manual`;
}
