/**
 * `--baseline previous.json`: compare this scan with an earlier JSON report by
 * fingerprint. Each finding becomes `new` or `unchanged`; findings of the
 * baseline that are gone are listed as `resolved`.
 */
import { readFile } from 'node:fs/promises';
import { fingerprint } from '../engine/finding.js';
import type { LoadedRule } from '../engine/registry.js';
import type { RuleSettings } from '../engine/run.js';
import type { Severity } from '../engine/types.js';
import { extend } from '../util/extend.js';
import { hasProtoKey } from '../util/proto-key.js';
import { formatZodIssue } from '../util/zod-issue.js';
import { compareResolved } from './merge.js';
import { type Report, ReportSchema } from './schema.js';

export class BaselineError extends Error {
  override name = 'BaselineError';
}

export async function readBaseline(file: string): Promise<Report> {
  return readReportFile(file, 'the baseline');
}

/** a snapshot (`collect -o`), the file most often given for a report by mistake */
function isSnapshot(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return 'ecs' in d && 'collectedAt' in d && !('findings' in d);
}

/** read and validate a JSON report (a baseline, a shard to merge) */
export async function readReportFile(file: string, what = 'the report'): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaselineError(
      `${file}: cannot read ${what}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BaselineError(`${file}: not a JSON report: ${(err as Error).message.split('\n')[0]}`);
  }
  if (hasProtoKey(json)) throw new BaselineError(`${file}: key "__proto__" is not allowed`);
  if (isSnapshot(json)) {
    throw new BaselineError(
      `${file}: this is an ecs-audit snapshot, not a report (a JSON report is written by \`ecs-audit scan --format json\`)`,
    );
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    throw new BaselineError(
      `${file}: not an ecs-audit JSON report (schema version 1): ${formatZodIssue(parsed.error.issues[0]!, json)}`,
    );
  }
  return parsed.data;
}

/** What this scan looked at besides its accounts and regions (which the report holds). */
export interface BaselineScope {
  /** the rules that ran, each with the severity it reports (the config's `severity`, else its own) */
  severityOf: ReadonlyMap<string, Severity>;
  /** `--severity`: the only severities reported */
  severities?: ReadonlySet<Severity>;
  /** rules whose region-less findings rest on account-wide data only, read whatever `--regions` says */
  accountWide: ReadonlySet<string>;
  /** rules that read the Resource Directory (`organization.*`, or everything); absent: every rule */
  readsDirectory?: ReadonlySet<string>;
}

/**
 * Data keys read whatever the regions: RAM, the root identity, the account and
 * its directory. ActionTrail is not among them: its trails and events are read
 * in the scanned regions (a root key's API calls are recorded in the region
 * called), so `--regions` can hide an account-level finding of its rules.
 */
const ACCOUNT_WIDE = /^(?:account|root|organization\.accounts|ram(?:\..*)?)$/;

/**
 * The scope of a scan that ran `rules` (after `--checks`, `--skip-checks`,
 * `--compliance`) with the config's `settings` (`enabled: false`, `severity`)
 * and `--severity`.
 */
export function baselineScope(
  rules: readonly LoadedRule[],
  settings: Readonly<Record<string, RuleSettings>>,
  severities?: ReadonlySet<Severity>,
): BaselineScope {
  const severityOf = new Map<string, Severity>();
  const accountWide = new Set<string>();
  const readsDirectory = new Set<string>();
  for (const { rule } of rules) {
    const id = rule.meta.id;
    if (settings[id]?.enabled === false) continue;
    severityOf.set(id, settings[id]?.severity ?? rule.meta.severity);
    // a rule without `reads` reads everything
    const reads = rule.meta.reads;
    if (reads?.every((k) => ACCOUNT_WIDE.test(k))) accountWide.add(id);
    if (!reads || reads.some((k) => k === 'organization' || k.startsWith('organization.')))
      readsDirectory.add(id);
  }
  return { severityOf, accountWide, readsDirectory, ...(severities ? { severities } : {}) };
}

/**
 * Only what this scan judged can be resolved. Unevaluated pairs are neither
 * new nor resolved: a baseline finding whose (rule, resource) this scan could
 * not judge, or whose rule was not evaluated on its whole scope, is not listed
 * as resolved. In an organization report a whole-scope pair is about its own
 * account only (a member that could not be entered hides nothing of the
 * others), and a baseline finding of an account this scan did not cover
 * (`--accounts`, `--shard`) is not resolved either: it was not looked at. Nor
 * is one of a region not scanned (`--regions`; a finding without a region when
 * its rule reads regional data and the scan left out a region of the
 * baseline's), of a rule that did not run (`--checks`, `--skip-checks`,
 * `--compliance`, `enabled: false`), or of a severity `--severity` does not
 * report (the baseline's or the rule's severity now: a rule whose severity
 * changed would otherwise drop its findings from the report). Like is
 * compared with like: a one-account report judges only findings without an
 * account, an organization report only those of its accounts (the same
 * finding has another fingerprint in the other shape). A finding made with
 * the directory (its account has a directory type: `--org`, a member's
 * snapshot) of a rule reading it is not resolved by a scan without it
 * (`--accounts` alone: `rd-member-root-enabled` then says nothing).
 */
export function applyBaseline(report: Report, baseline: Report, scope: BaselineScope): Report {
  const before = new Set(baseline.findings.map((f) => f.fingerprint));
  // a finding suppressed in the baseline and open now is new: no ticket was opened for it (the
  // ticket query and --fail-on-new take open findings), so its reopening must open one
  const openBefore = new Set(
    baseline.findings.filter((f) => f.status === 'open').map((f) => f.fingerprint),
  );
  const now = new Set(report.findings.map((f) => f.fingerprint));
  // `rule` (every account) or `rule\0account`
  const unknownScopes = new Set<string>();
  for (const u of report.unevaluated ?? []) {
    if (u.resource === null)
      unknownScopes.add(u.account === undefined ? u.ruleId : `${u.ruleId}\u0000${u.account}`);
    else now.add(fingerprint(u.ruleId, u.resource));
  }
  const scanned = report.accounts ? new Set(report.accounts.map((a) => a.id)) : undefined;
  const regions = new Set(report.scan.regions);
  const everyRegion = baseline.scan.regions.every((r) => regions.has(r));
  const { severityOf, severities, accountWide, readsDirectory } = scope;
  /** the accounts whose directory entry a report holds (ListAccounts' type; `--accounts` has none) */
  const inDirectory = (r: Report) =>
    new Set((r.accounts ?? []).filter((a) => a.type.trim() !== '').map((a) => a.id));
  const directoryBefore = inDirectory(baseline);
  const directoryNow = inDirectory(report);
  const judged = (f: Report['findings'][number]): boolean => {
    const severity = severityOf.get(f.ruleId);
    if (severity === undefined) return false;
    if (severities && !(severities.has(severity) && severities.has(f.severity))) return false;
    const region = f.resource.region;
    if (region === null ? !everyRegion && !accountWide.has(f.ruleId) : !regions.has(region))
      return false;
    if (unknownScopes.has(f.ruleId)) return false;
    const account = f.resource.account;
    // like with like: a one-account report judges the findings naming no account
    if (account === undefined || scanned === undefined)
      return account === undefined && scanned === undefined;
    if (!scanned.has(account)) return false;
    if (
      (readsDirectory?.has(f.ruleId) ?? true) &&
      directoryBefore.has(account) &&
      !directoryNow.has(account)
    )
      return false;
    return !unknownScopes.has(`${f.ruleId}\u0000${account}`);
  };
  return {
    ...report,
    findings: report.findings.map((f) =>
      extend(f, {
        baseline: (f.status === 'open' ? openBefore : before).has(f.fingerprint)
          ? ('unchanged' as const)
          : ('new' as const),
      }),
    ),
    resolved: baseline.findings
      .filter((f) => !now.has(f.fingerprint) && judged(f))
      .map((f) => ({
        ruleId: f.ruleId,
        fingerprint: f.fingerprint,
        resource: f.resource,
        severity: f.severity,
      }))
      .sort(compareResolved),
  };
}
