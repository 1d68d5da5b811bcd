/**
 * scan = collect (or read a snapshot) → rule engine → report → exit code.
 * Everything that can be wrong with the input is checked before the first API
 * call: flags, config, rules and their options, report destinations.
 */
import { FRAMEWORKS, type Framework } from '../../compliance/cis.js';
import { evaluateControls } from '../../compliance/evaluate.js';
import { ConfigError } from '../../config/error.js';
import { RuleMetaError } from '../../engine/meta.js';
import {
  type LoadedRule,
  loadBuiltinRules,
  loadRulesFromDirs,
  sortAndCheck,
} from '../../engine/registry.js';
import { evaluate, RuleOptionsError, resolveRuleOptions } from '../../engine/run.js';
import { applySuppressions, type ExpiredSuppression } from '../../engine/suppress.js';
import type { Inventory } from '../../inventory/schema.js';
import { readSnapshot, SnapshotError } from '../../inventory/snapshot.js';
import {
  applyBaseline,
  BaselineError,
  baselineScope,
  readBaseline,
} from '../../report/baseline.js';
import { buildReport } from '../../report/build.js';
import { exitCodeFor } from '../../report/exit.js';
import { type FormatName, isFormat } from '../../report/index.js';
import { mergeReports } from '../../report/merge.js';
import { sarifSizeWarning } from '../../report/sarif.js';
import type { Report } from '../../report/schema.js';
import {
  checkReportDestinations,
  parseReportFlag,
  ReportSpecError,
  writeReports,
  writeStdoutReport,
} from '../../report/write.js';
import { UsageError } from '../errors.js';
import { defaultSignalsDuringCustomRules } from '../interrupt.js';
import { type CliIo, say } from '../io.js';
import { type FailOn, parseFailOn, parseSince } from '../parse.js';
import { terminalWidth } from '../progress.js';
import { countResources, summaryLine } from '../summary.js';
import {
  type CollectionFlags,
  checkSnapshotFlags,
  collectInventory,
  resolveClock,
  snapshotScope,
} from './common.js';
import {
  asMemberReport,
  type OrgFlags,
  resolveOrgFlags,
  scanOrganization,
  tagMemberFindings,
} from './org.js';
import { dropUnreported, parseSeverities, selectRules } from './select.js';

export interface ScanFlags extends CollectionFlags, OrgFlags {
  snapshot?: string;
  format: string;
  report: string[];
  failOn?: string;
  failOnNew?: boolean;
  baseline?: string;
  config?: string;
  rulesDir: string[];
  compliance?: string;
  color?: boolean;
  checks?: string;
  skipChecks?: string;
  severity?: string;
}

/** Map the typed errors of the input stages to one-line usage errors. */
function asUsage(err: unknown): never {
  if (
    err instanceof ConfigError ||
    err instanceof RuleMetaError ||
    err instanceof RuleOptionsError ||
    err instanceof SnapshotError ||
    err instanceof BaselineError ||
    err instanceof ReportSpecError
  ) {
    throw new UsageError(err.message);
  }
  throw err;
}

/**
 * A baseline must share an account with the scan: a one-account report's
 * fingerprints do not name the account, and RAM users, policies and key pairs
 * repeat their names across accounts, so another account's baseline would
 * mark this one's findings `unchanged` (and let them pass `--fail-on-new`).
 * An organization (the caller's account and its members) shares its accounts
 * with a baseline of the same organization. Checked as soon as the scan's
 * accounts are known, before anything else is read.
 *
 * And it must be of the scan's shape: an organization report's fingerprints
 * (`--org`, `--accounts`, a member's snapshot, `merge`) name the account, a
 * one-account report's do not, so the same finding has two fingerprints.
 * Matched across shapes, a finding would be `unchanged` under a ticket key
 * (account/fingerprint) that has no ticket, and the ticket of its old key
 * would never be closed (its `resolved` entry would come under the new key);
 * unmatched, every finding would be `new` again. Refused, a pipeline's keys
 * change only when it switches shapes on purpose.
 */
function checkBaselineAccounts(
  baseline: Report,
  account: string,
  organization?: readonly string[],
): void {
  const own = [baseline.account.id, ...(baseline.accounts ?? []).map((a) => a.id)];
  const scanned = new Set([account, ...(organization ?? [])]);
  const of = (id: string, members: number | undefined) =>
    members === undefined ? id : `${id} (${members} member account(s))`;
  if (!own.some((id) => scanned.has(id))) {
    throw new UsageError(
      `--baseline: the baseline is of account ${of(baseline.account.id, baseline.accounts?.length)}, not ${of(account, organization && new Set(organization).size)}: its findings would pass this scan's as unchanged`,
    );
  }
  if ((baseline.accounts === undefined) === (organization === undefined)) return;
  const differ =
    "the same finding has another fingerprint in each (an organization's names the account)";
  throw new UsageError(
    organization === undefined
      ? `--baseline: the baseline is an organization report, this a one-account scan of ${account}: ${differ}; scan with --accounts ${account}, or give a one-account report`
      : `--baseline: the baseline is a one-account report of ${baseline.account.id}, this an organization scan: ${differ}; give an organization scan's report (switching shapes re-keys every finding)`,
  );
}

export async function loadRules(rulesDirs: readonly string[]): Promise<LoadedRule[]> {
  try {
    const builtin = await loadBuiltinRules();
    const custom = rulesDirs.length ? await loadRulesFromDirs(rulesDirs) : [];
    return sortAndCheck([...builtin, ...custom]);
  } catch (err) {
    return asUsage(err);
  }
}

export async function runScan(flags: ScanFlags, io: CliIo): Promise<number> {
  const startedAt = new Date();
  if (!isFormat(flags.format)) throw new UsageError(`--format: unknown format "${flags.format}"`);
  const stdoutFormat: FormatName = flags.format;
  const org = resolveOrgFlags(flags);
  if (org && flags.snapshot) {
    throw new UsageError(`--snapshot cannot be combined with ${org.org ? '--org' : '--accounts'}`);
  }
  let reportSpecs: ReturnType<typeof parseReportFlag>[] = [];
  try {
    reportSpecs = flags.report.map(parseReportFlag);
  } catch (err) {
    asUsage(err);
  }
  await checkReportDestinations(reportSpecs).catch(asUsage);

  // the YAML parser is loaded only for a scan that has a config file
  const configFile = flags.config;
  const config = configFile
    ? await import('../../config/index.js')
        .then(({ loadConfig }) => loadConfig(configFile))
        .catch(asUsage)
    : undefined;
  const failOn: FailOn = parseFailOn(flags.failOn ?? config?.failOn ?? 'critical');
  if (flags.snapshot) checkSnapshotFlags(flags);
  const clockAt = (now: string | undefined) => {
    const c = resolveClock({ now, since: flags.since });
    // the flag wins over the config, even when it names the default (`--since 90d`)
    if (config?.since && flags.since === undefined)
      c.since = parseSince(config.since, c.now, 'since');
    return c;
  };
  let clock = clockAt(flags.now);
  /**
   * A snapshot is judged over the window it read (`scope`: collect's --now and
   * --since), unless --now or --since say otherwise. A look-back reaching
   * before that window would claim events and invocations nobody read: a
   * report "no root sign-in since August" from a snapshot that read October.
   */
  const snapshotClock = (read: Inventory['scope'], given: ScanFlags, cfg: typeof config) => {
    const c = clockAt(given.now ?? read.until);
    // a clock before the window would judge nothing of it (the window would end before it starts)
    if (c.now.getTime() < Date.parse(read.since)) {
      throw new UsageError(
        `--now ${given.now} is before the snapshot's window (it read from ${read.since} to ${read.until})`,
      );
    }
    if (given.since === undefined && !cfg?.since) {
      c.since = new Date(read.since);
    } else if (c.since.getTime() < Date.parse(read.since)) {
      const what =
        given.since !== undefined
          ? `--since ${given.since}`
          : `${cfg?.locate(['since'])}: since: ${cfg?.since}`;
      throw new UsageError(
        `${what} reaches back to ${c.since.toISOString()}, before the snapshot's window (it read from ${read.since}): choose a later one, or collect again with --since`,
      );
    }
    return c;
  };

  const severities = parseSeverities(flags.severity);
  let rules = await loadRules([...(config?.rulesDirs ?? []), ...flags.rulesDir]);
  const ruleIds = new Set(rules.map((r) => r.rule.meta.id));
  config?.suppressions.forEach((x, i) => {
    if (!ruleIds.has(x.rule)) {
      const at = config.locate(['suppressions', i, 'rule']);
      throw new UsageError(`${at}: suppressions.${i}.rule: unknown rule id "${x.rule}"`);
    }
  });
  // a control is judged on every rule mapped to it, run or not (one left out is no pass)
  const loaded = rules;
  rules = selectRules(rules, flags);
  let framework: Framework | undefined;
  if (flags.compliance) {
    const id = flags.compliance.toLowerCase();
    const known = [...new Set(rules.flatMap((r) => Object.keys(r.rule.meta.compliance ?? {})))];
    rules = rules.filter((r) => (r.rule.meta.compliance?.[id]?.length ?? 0) > 0);
    if (rules.length === 0) {
      throw new UsageError(
        `--compliance: no rule maps to "${flags.compliance}"${known.length ? ` (known: ${known.sort().join(', ')})` : ''}`,
      );
    }
    // a framework of custom rules has no catalogue: its controls are the mapped ids
    framework = FRAMEWORKS[id] ?? { id, name: id, controls: [] };
  }
  // the config is checked against every rule loaded: one config serves runs of any
  // --checks/--skip-checks/--compliance, so a rule this run leaves out is no "unknown rule id";
  // the run itself gets the settings of the rules it runs (evaluate refuses any other)
  const selected = new Set(rules.map((r) => r.rule.meta.id));
  const settings = Object.fromEntries(
    Object.entries(config?.rules ?? {}).filter(([id]) => selected.has(id)),
  );
  try {
    resolveRuleOptions(loaded, config?.rules ?? {});
  } catch (err) {
    // point at the config line of the bad option
    if (err instanceof RuleOptionsError && config) {
      throw new UsageError(`${config.locate(err.path)}: ${err.message}`);
    }
    asUsage(err);
  }
  const baseline = flags.baseline ? await readBaseline(flags.baseline).catch(asUsage) : undefined;
  if (flags.failOnNew && !baseline) throw new UsageError('--fail-on-new needs --baseline');

  /** one account: collect (or read the snapshot), evaluate, report; the inventory is dropped after */
  const scanOneAccount = async (): Promise<{
    report: Report;
    expired: ExpiredSuppression[];
    resources: number;
    hidden: { ruleId: string }[];
  }> => {
    let inventory: Inventory | undefined;
    if (flags.snapshot) {
      const snap = await readSnapshot(flags.snapshot).catch(asUsage);
      // a member's snapshot (collect --org) is judged as its organization: its fingerprints name it
      const rd = snap.organization;
      if (baseline) {
        checkBaselineAccounts(
          baseline,
          snap.account.id,
          rd && [rd.managementAccountId, ...rd.accounts.map((a) => a.id)],
        );
      }
      inventory = snapshotScope(snap, flags.snapshot, flags, config?.regions);
      clock = snapshotClock(snap.scope, flags, config);
    } else {
      inventory = await collectInventory(
        flags,
        clock,
        io,
        config?.regions,
        baseline && ((id) => checkBaselineAccounts(baseline, id)),
      );
    }

    const evaluation = evaluate(inventory, {
      rules,
      now: clock.now,
      since: clock.since,
      settings,
      // a custom rule that never ends can still be stopped with Ctrl-C
      aroundRule: defaultSignalsDuringCustomRules,
    });
    for (const e of evaluation.ruleErrors)
      say(io, `rule ${e.ruleId} failed (${e.source}): ${e.message}`);
    const hidden = dropUnreported(evaluation, severities);
    // a member's snapshot (collect --org) is judged as the organization scan judges it: its
    // resources name the account (fingerprints, `account:` suppressions, baselines)
    const directory = flags.snapshot ? inventory.organization : undefined;
    if (directory) tagMemberFindings(evaluation.findings, inventory.account.id);

    const suppressed = applySuppressions(
      evaluation.findings,
      config?.suppressions ?? [],
      clock.now,
    );
    const built: Report = buildReport({
      inventory,
      evaluation: { ...evaluation, findings: suppressed.findings },
      rules,
      startedAt,
      finishedAt: new Date(),
      since: clock.since,
      now: clock.pinned ? clock.now : undefined,
      source: flags.snapshot ? 'snapshot' : 'api',
      settings,
    });
    const resources = countResources(inventory);
    const member = directory
      ? (directory.accounts.find((a) => a.id === inventory?.account.id) ?? {
          id: inventory.account.id,
          name: '',
          type: '',
          status: '',
        })
      : undefined;
    // the inventory (hundreds of MB in a large account) is not needed for the reports: let it go
    inventory = undefined;
    const report = member ? mergeReports([asMemberReport(built, member, built.account)]) : built;
    return { report, expired: suppressed.expired, resources, hidden };
  };

  let report: Report;
  let expiredSuppressions: ExpiredSuppression[];
  let resources: number;
  let hidden: readonly { ruleId: string }[];
  if (org) {
    const scanned = await scanOrganization({
      flags,
      org,
      clock,
      io,
      regionsOverride: config?.regions,
      rules,
      settings,
      suppressions: config?.suppressions ?? [],
      startedAt,
      ...(severities ? { severities } : {}),
      ...(baseline
        ? {
            onAccounts: (caller: string, accounts: readonly string[]) =>
              checkBaselineAccounts(baseline, caller, accounts),
          }
        : {}),
    });
    report = scanned.report;
    expiredSuppressions = scanned.expired;
    resources = scanned.resources;
    hidden = scanned.hidden;
  } else {
    ({ report, expired: expiredSuppressions, resources, hidden } = await scanOneAccount());
  }
  for (const x of expiredSuppressions) {
    say(io, `suppression expired on ${x.expires}: ${x.rule} ${x.resource} (${x.reason})`);
  }
  if (expiredSuppressions.length) report.expiredSuppressions = expiredSuppressions;
  // resolved: only what this scan looked at (its rules, severities, regions, accounts)
  if (baseline)
    report = applyBaseline(report, baseline, baselineScope(rules, settings, severities));
  if (framework) {
    const ran = new Set((report.rules ?? []).map((r) => r.id));
    const controls = evaluateControls(framework, loaded, report, { ran, hidden });
    report.compliance = { framework: framework.id, name: framework.name, controls };
    const count = (s: string) => controls.filter((c) => c.status === s).length;
    say(
      io,
      `${framework.name}: ${count('pass')} pass, ${count('fail')} fail, ${count('unknown')} unknown, ${count('manual')} manual (no rule that ran covers them)`,
    );
    for (const c of controls) {
      const notRun = c.rules.filter((r) => !ran.has(r));
      const why =
        c.status !== 'fail' && notRun.length > 0 ? ` (did not run: ${notRun.join(', ')})` : '';
      say(
        io,
        `  ${c.id.padEnd(5)} ${c.status.padEnd(7)} ${c.title}${c.rules.length ? ` [${c.rules.join(', ')}]` : ''}${why}`,
      );
    }
  }

  // several documents: some are made on a second thread (ECS_AUDIT_REPORT_THREAD=0: all here)
  await writeReports(report, reportSpecs, {
    offThread: io.env['ECS_AUDIT_REPORT_THREAD'] !== '0',
  }).catch(asUsage);
  await writeStdoutReport(io.stdout, report, stdoutFormat, reportSpecs, {
    color: flags.color,
    width: terminalWidth(io.stdout as { columns?: number }, io.env),
  });
  const tooBig = sarifSizeWarning(report, [stdoutFormat, ...reportSpecs.map((s) => s.format)]);
  if (tooBig) say(io, `warning: ${tooBig}`);
  if (report.coverage.length > 0) {
    const unevaluated = report.unevaluated?.length ?? 0;
    say(
      io,
      `${report.coverage.length} coverage gap(s): some data could not be read or judged (see the report)` +
        (unevaluated > 0 ? `; ${unevaluated} rule × resource pair(s) not evaluated` : ''),
    );
  }
  const code = exitCodeFor(report, failOn, Boolean(flags.failOnNew));
  // the rules that ran: the report's list (a config's `enabled: false` takes one out)
  const run = {
    resources,
    rules: report.rules?.length ?? 0,
    failOn,
    failOnNew: Boolean(flags.failOnNew),
    code,
  };
  say(io, summaryLine(report, { ...run, ms: Date.now() - startedAt.getTime() }));
  return code;
}
