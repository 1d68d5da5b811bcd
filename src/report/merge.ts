/**
 * Reports of several accounts as one: an organization scan assembles its
 * members' reports with `mergeReports`, and `ecs-audit merge` assembles the
 * reports of shards (or of separate one-account scans) the same way, so the
 * merged report of `n` shards equals one scan of the whole organization apart
 * from scan times (../shared/spec/cli.md "Organization scans").
 *
 * Everything order-dependent is put in one canonical order: accounts by id,
 * findings by `compareFindings` (account last), coverage by account, service,
 * region, operation, resource and error, regions sorted.
 */

import { evaluateControls } from '../compliance/evaluate.js';
import { compareFindings, fingerprint } from '../engine/finding.js';
import type { LoadedRule } from '../engine/registry.js';
import { summarize } from './build.js';
import type { Report, ReportCoverage, ReportFinding } from './schema.js';

export class MergeError extends Error {
  override name = 'MergeError';
}

export type ReportAccount = NonNullable<Report['accounts']>[number];

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function compareCoverage(a: ReportCoverage, b: ReportCoverage): number {
  return (
    cmp(a.account ?? '', b.account ?? '') ||
    cmp(a.service, b.service) ||
    cmp(a.region ?? '', b.region ?? '') ||
    cmp(a.operation, b.operation) ||
    cmp(a.resource ?? '', b.resource ?? '') ||
    cmp(a.error.code, b.error.code) ||
    cmp(a.error.message, b.error.message)
  );
}

/**
 * A one-account report as a member of a merged report: its findings' resources
 * and its coverage entries carry the account, and fingerprints include it.
 */
export function asAccountReport(report: Report): Report {
  if (report.accounts) return report;
  const id = report.account.id;
  const tag = (f: ReportFinding): ReportFinding => {
    const resource = { ...f.resource, account: id };
    return { ...f, resource, fingerprint: fingerprint(f.ruleId, resource) };
  };
  return {
    ...report,
    accounts: [{ id, name: '', type: '', status: '' }],
    findings: report.findings.map(tag),
    coverage: report.coverage.map((c) => ({ ...c, account: c.account ?? id })),
    ...(report.resolved
      ? {
          resolved: report.resolved.map((r) => {
            const resource = { ...r.resource, account: id };
            return { ...r, resource, fingerprint: fingerprint(r.ruleId, resource) };
          }),
        }
      : {}),
  };
}

/**
 * Merge reports of disjoint sets of accounts. The first report gives the tool
 * and the rule order (the same in every shard); an account present in two
 * reports is an error (merging it would count its findings twice).
 */
export function mergeReports(input: readonly Report[], names: readonly string[] = []): Report {
  if (input.length === 0) throw new MergeError('nothing to merge');
  const reports = input.map(asAccountReport);
  const first = reports[0]!;
  const owner = new Map<string, number>();
  const accounts: ReportAccount[] = [];
  reports.forEach((r, i) => {
    for (const a of r.accounts ?? []) {
      const seen = owner.get(a.id);
      if (seen !== undefined) {
        throw new MergeError(
          `account ${a.id} is in both ${names[seen] ?? `report ${seen + 1}`} and ${names[i] ?? `report ${i + 1}`}`,
        );
      }
      owner.set(a.id, i);
      accounts.push(a);
    }
  });
  accounts.sort((a, b) => cmp(a.id, b.id));

  const findings = reports.flatMap((r) => r.findings).sort(compareFindings);
  const coverage = reports.flatMap((r) => r.coverage).sort(compareCoverage);
  const regions = [...new Set(reports.flatMap((r) => r.scan.regions))].sort(cmp);

  const rules: NonNullable<Report['rules']> = [];
  const ruleIds = new Set<string>();
  for (const r of reports) {
    for (const rule of r.rules ?? []) {
      if (ruleIds.has(rule.id)) continue;
      ruleIds.add(rule.id);
      rules.push(rule);
    }
  }

  const times = (pick: (r: Report) => string) => reports.map(pick).sort(cmp);
  const merged: Report = {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    // the caller's account (the same in every shard); separate one-account
    // reports: the lowest id, so that the order of the files does not matter
    account: reports.map((r) => r.account).sort((a, b) => cmp(a.id, b.id))[0]!,
    scan: {
      startedAt: times((r) => r.scan.startedAt)[0]!,
      finishedAt: times((r) => r.scan.finishedAt).at(-1)!,
      regions,
      since: times((r) => r.scan.since)[0]!,
      ...(first.scan.now !== undefined ? { now: first.scan.now } : {}),
      ...(first.scan.source !== undefined ? { source: first.scan.source } : {}),
    },
    accounts,
    coverage,
    findings,
    summary: summarize(findings),
    ...(reports.some((r) => r.rules) ? { rules } : {}),
  };

  // a baseline finding is resolved when no report still has it: in every report's `resolved`
  if (reports.every((r) => r.resolved)) {
    const inAll = reports
      .slice(1)
      .reduce(
        (keep, r) => new Set(r.resolved!.map((x) => x.fingerprint).filter((f) => keep.has(f))),
        new Set(first.resolved!.map((x) => x.fingerprint)),
      );
    merged.resolved = first.resolved!.filter((x) => inAll.has(x.fingerprint));
  }

  const expired = new Map<string, NonNullable<Report['expiredSuppressions']>[number]>();
  for (const r of reports) {
    for (const e of r.expiredSuppressions ?? []) expired.set(JSON.stringify(e), e);
  }
  if (expired.size > 0) {
    merged.expiredSuppressions = [...expired.entries()]
      .sort(([a], [b]) => cmp(a, b))
      .map(([, e]) => e);
  }

  if (first.compliance) {
    const { framework, name } = first.compliance;
    const controls = first.compliance.controls
      .filter((c) => c.title !== '(not in the catalogue)')
      .map((c) => ({ id: c.id, title: c.title }));
    // the mapping lives in the reports' rule metadata
    const mapped = rules.map(
      (r) => ({ rule: { meta: { id: r.id, compliance: r.compliance } } }) as unknown as LoadedRule,
    );
    merged.compliance = {
      framework,
      name,
      controls: evaluateControls({ id: framework, name, controls }, mapped, merged),
    };
  }
  return merged;
}
