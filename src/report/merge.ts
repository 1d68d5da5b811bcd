/**
 * Reports of several accounts as one: an organization scan assembles its
 * members' reports with `mergeReports`, and `ecs-audit merge` assembles the
 * reports of shards (or of separate one-account scans) the same way, so the
 * merged report of `n` shards equals one scan of the whole organization apart
 * from scan times (../shared/spec/cli.md "Organization scans").
 *
 * Everything order-dependent is put in one canonical order: accounts by id,
 * findings by `compareFindings` (account last), coverage by account, service,
 * region, operation, resource and error, regions sorted; `unevaluated` by the
 * (merged) index of its coverage entry, then rule order, then resource, each
 * entry's `coverage` index remapped to where its entry went.
 */

import { evaluateControls } from '../compliance/evaluate.js';
import { compareFindings, fingerprint } from '../engine/finding.js';
import type { LoadedRule } from '../engine/registry.js';
import { extend } from '../util/extend.js';
import { summarize } from './build.js';
import type { Report, ReportCoverage, ReportFinding, ReportUnevaluated } from './schema.js';

export class MergeError extends Error {
  override name = 'MergeError';
}

export type ReportAccount = NonNullable<Report['accounts']>[number];

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `1.10.0` after `1.9.2`: numeric parts compared as numbers, the rest as text */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : cmp(x, y);
    if (d !== 0) return d;
  }
  return 0;
}

/** resolved baseline findings: as findings are ordered, then by fingerprint */
export function compareResolved(
  a: NonNullable<Report['resolved']>[number],
  b: NonNullable<Report['resolved']>[number],
): number {
  // `severity` may be absent from an older report's entry: last, as `info`
  return (
    compareFindings(
      { ...a, severity: a.severity ?? 'info' },
      { ...b, severity: b.severity ?? 'info' },
    ) || cmp(a.fingerprint, b.fingerprint)
  );
}

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

type ResourceRef = NonNullable<ReportUnevaluated['resource']>;

/** null (the whole scope) first, then type, region, id and account */
function compareResource(a: ResourceRef | null, b: ResourceRef | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  return (
    cmp(a.type, b.type) ||
    cmp(a.region ?? '', b.region ?? '') ||
    cmp(a.id, b.id) ||
    cmp(a.account ?? '', b.account ?? '')
  );
}

/**
 * A report's `unevaluated`, or undefined when it is unknown: a report written
 * before the field existed knows it only when it has no coverage entry (no
 * gap, no pair).
 */
function unevaluatedOf(r: Report): readonly ReportUnevaluated[] | undefined {
  return r.unevaluated ?? (r.coverage.length === 0 ? [] : undefined);
}

/**
 * A one-account report as a member of a merged report: its findings' resources,
 * its coverage entries and its unevaluated pairs carry the account, and
 * fingerprints include it.
 */
export function asAccountReport(report: Report): Report {
  if (report.accounts) return report;
  const id = report.account.id;
  const tag = (f: ReportFinding): ReportFinding => {
    const resource = extend(f.resource, { account: id });
    return { ...f, resource, fingerprint: fingerprint(f.ruleId, resource) };
  };
  return {
    ...report,
    accounts: [{ id, name: '', type: '', status: '' }],
    findings: report.findings.map(tag),
    coverage: report.coverage.map((c) => extend(c, { account: c.account ?? id })),
    ...(report.unevaluated
      ? {
          unevaluated: report.unevaluated.map((u) =>
            extend(u, {
              resource: u.resource === null ? null : extend(u.resource, { account: id }),
              account: u.account ?? id,
            }),
          ),
        }
      : {}),
    ...(report.resolved
      ? {
          resolved: report.resolved.map((r) => {
            const resource = extend(r.resource, { account: id });
            return { ...r, resource, fingerprint: fingerprint(r.ruleId, resource) };
          }),
        }
      : {}),
  };
}

/** how a merge error names an input: its file, or its place */
function reportName(names: readonly string[], i: number): string {
  return names[i] ?? `report ${i + 1}`;
}

/**
 * Shards (`scan.shard`) merge only as a whole set: every report a shard of the
 * same n, of the same organization (the caller's account) and member list, each
 * k once, together holding every member. Without this a missing shard (a CI job
 * whose artifact was not uploaded) merges into a report that passes without
 * its accounts' findings. This part: that the reports are shards of one scan;
 * `checkShardsCover` (once no account is in two of them): that none is missing.
 */
function checkShardsAlike(reports: readonly Report[], names: readonly string[]): void {
  const sharded = reports.findIndex((r) => r.scan.shard);
  if (sharded < 0) return;
  const name = (i: number) => reportName(names, i);
  const s0 = reports[sharded]!.scan.shard!;
  const plain = reports.findIndex((r) => !r.scan.shard);
  if (plain >= 0) {
    throw new MergeError(
      `${name(sharded)} is shard ${s0.k}/${s0.n} of an organization scan, ${name(plain)} is not a shard`,
    );
  }
  reports.forEach((r, i) => {
    const s = r.scan.shard!;
    if (s.n !== s0.n) {
      throw new MergeError(
        `shards of ${s0.n} and of ${s.n} (${name(0)} is ${s0.k}/${s0.n}, ${name(i)} ${s.k}/${s.n})`,
      );
    }
    if (r.account.id !== reports[0]!.account.id) {
      throw new MergeError(
        `${name(0)} is a shard of the organization scanned by account ${reports[0]!.account.id}, ${name(i)} of account ${r.account.id}`,
      );
    }
    if (s.members !== s0.members) {
      throw new MergeError(
        `shards of member lists of ${s0.members} and of ${s.members} account(s): scan every shard of the same list`,
      );
    }
    if (s.k > s.n) throw new MergeError(`${name(i)}: shard ${s.k}/${s.n} is not one of 1..${s.n}`);
  });
}

function checkShardsCover(
  reports: readonly Report[],
  names: readonly string[],
  accounts: number,
): void {
  const s0 = reports[0]!.scan.shard;
  if (!s0) return;
  const name = (i: number) => reportName(names, i);
  const at = new Map<number, number>();
  reports.forEach((r, i) => {
    const { k, n } = r.scan.shard!;
    const seen = at.get(k);
    if (seen !== undefined)
      throw new MergeError(`shard ${k}/${n} is in both ${name(seen)} and ${name(i)}`);
    at.set(k, i);
  });
  const missing = Array.from({ length: s0.n }, (_, i) => i + 1).filter((k) => !at.has(k));
  if (missing.length > 0) {
    throw new MergeError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${s0.n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
    );
  }
  if (accounts !== s0.members) {
    throw new MergeError(
      `the shards hold ${accounts} of the ${s0.members} account(s) they were split from`,
    );
  }
}

/**
 * Merge reports of disjoint sets of accounts. The first report gives the tool
 * and the rule order (the same in every shard); an account present in two
 * reports is an error (merging it would count its findings twice).
 */
export function mergeReports(input: readonly Report[], names: readonly string[] = []): Report {
  if (input.length === 0) throw new MergeError('nothing to merge');
  const reports = input.map(asAccountReport);
  // exact only on one clock: ages and windows of reports pinned to different --now differ
  const nowOf = reports.map((r) => r.scan.now);
  const pinned = nowOf.findIndex((n) => n !== undefined);
  const other = pinned < 0 ? -1 : nowOf.findIndex((n) => n !== nowOf[pinned]);
  if (other >= 0) {
    const name = (i: number) => reportName(names, i);
    const when = (i: number) => (nowOf[i] === undefined ? 'no --now' : `--now ${nowOf[i]}`);
    throw new MergeError(
      `${name(pinned)} was scanned with ${when(pinned)}, ${name(other)} with ${when(other)}: merge reports of one clock`,
    );
  }
  // the tool: the same in every shard; otherwise the newest, whatever the order of the files
  const newest = [...reports].sort((a, b) => compareVersions(b.tool.version, a.tool.version))[0]!;
  const first = { ...reports[0]!, tool: newest.tool };
  checkShardsAlike(reports, names);
  const owner = new Map<string, number>();
  const accounts: ReportAccount[] = [];
  reports.forEach((r, i) => {
    for (const a of r.accounts ?? []) {
      const seen = owner.get(a.id);
      if (seen !== undefined) {
        throw new MergeError(
          `account ${a.id} is in both ${reportName(names, seen)} and ${reportName(names, i)}`,
        );
      }
      owner.set(a.id, i);
      accounts.push(a);
    }
  });
  accounts.sort((a, b) => cmp(a.id, b.id));
  checkShardsCover(reports, names, accounts.length);

  const findings = reports.flatMap((r) => r.findings).sort(compareFindings);
  // coverage in canonical order, remembering where each entry was (report, index)
  const located = reports.flatMap((r, ri) => r.coverage.map((entry, ci) => ({ entry, ri, ci })));
  located.sort((a, b) => compareCoverage(a.entry, b.entry) || a.ri - b.ri || a.ci - b.ci);
  const coverage = located.map((l) => l.entry);
  const movedTo = reports.map((r) => new Array<number>(r.coverage.length));
  located.forEach((l, i) => {
    movedTo[l.ri]![l.ci] = i;
  });
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

  const unevaluated = mergeUnevaluated(reports, movedTo, rules, names);

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
    ...(unevaluated ? { unevaluated } : {}),
    summary: summarize(findings, unevaluated?.length ?? 0),
    ...(reports.some((r) => r.rules) ? { rules } : {}),
  };

  // unknown in some report: the merged report does not claim a count
  if (!unevaluated) delete merged.summary.unevaluated;

  // a baseline finding is resolved when every report that covered its account lists it as
  // resolved (a report lists only its own accounts' findings: applyBaseline); in the order
  // applyBaseline gives
  if (reports.every((r) => r.resolved)) {
    const lists = reports.map((r) => new Set(r.resolved!.map((x) => x.fingerprint)));
    const covered = reports.map((r) => new Set((r.accounts ?? []).map((a) => a.id)));
    const candidates = new Map<string, NonNullable<Report['resolved']>[number]>();
    for (const r of reports) for (const x of r.resolved!) candidates.set(x.fingerprint, x);
    merged.resolved = [...candidates.values()]
      .filter((x) =>
        reports.every((r, i) => {
          const account = x.resource.account;
          const covers = !r.accounts || account === undefined || covered[i]!.has(account);
          return !covers || lists[i]!.has(x.fingerprint);
        }),
      )
      .sort(compareResolved);
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
    // the mapping lives in the reports' rule metadata (the rules that ran) and their controls'
    // rule lists (also those that did not run: their controls are not `pass`)
    const mapping = new Map(rules.map((r) => [r.id, [...(r.compliance?.[framework] ?? [])]]));
    for (const r of reports) {
      if (r.compliance?.framework !== framework) continue;
      for (const c of r.compliance.controls) {
        for (const id of c.rules) {
          const ids = mapping.get(id) ?? [];
          if (!ids.includes(c.id)) mapping.set(id, [...ids, c.id]);
        }
      }
    }
    const mapped = [...mapping].map(
      ([id, ids]) =>
        ({ rule: { meta: { id, compliance: { [framework]: ids } } } }) as unknown as LoadedRule,
    );
    const evaluated = evaluateControls({ id: framework, name, controls }, mapped, merged, {
      ran: new Set(rules.map((r) => r.id)),
    });
    // a control one report failed stays failed: its findings may be those `--severity` dropped
    for (const c of evaluated) {
      const failed = reports.flatMap((r) =>
        (r.compliance?.framework === framework ? r.compliance.controls : []).filter(
          (x) => x.id === c.id && x.status === 'fail',
        ),
      );
      if (failed.length === 0) continue;
      c.status = 'fail';
      c.findings = Math.max(
        c.findings,
        failed.reduce((n, x) => n + x.findings, 0),
      );
    }
    merged.compliance = { framework, name, controls: evaluated };
  }
  return merged;
}

/**
 * The reports' unevaluated pairs with their `coverage` indexes pointing into
 * the merged coverage (`movedTo[report][index]`), in canonical order; undefined
 * when some report's pairs are unknown (written before `unevaluated` existed,
 * with coverage gaps): a partial list would read as "the rest was evaluated".
 */
function mergeUnevaluated(
  reports: readonly Report[],
  movedTo: readonly number[][],
  rules: NonNullable<Report['rules']>,
  names: readonly string[],
): ReportUnevaluated[] | undefined {
  const lists = reports.map(unevaluatedOf);
  if (lists.some((l) => l === undefined)) return undefined;
  const order = new Map(rules.map((r, i) => [r.id, i]));
  const rank = (id: string) => order.get(id) ?? rules.length;
  const out = lists.flatMap((list, ri) =>
    list!.map((u, i) => {
      const to = movedTo[ri]![u.coverage];
      if (to === undefined) {
        throw new MergeError(
          `${reportName(names, ri)}: unevaluated[${i}].coverage ${u.coverage} is not an entry of its coverage`,
        );
      }
      return { ...u, coverage: to };
    }),
  );
  return out.sort(
    (a, b) =>
      a.coverage - b.coverage ||
      rank(a.ruleId) - rank(b.ruleId) ||
      cmp(a.ruleId, b.ruleId) ||
      compareResource(a.resource, b.resource) ||
      cmp(a.reason, b.reason) ||
      cmp(a.account ?? '', b.account ?? ''),
  );
}
