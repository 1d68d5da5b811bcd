/**
 * SARIF 2.1.0 (OASIS), the format code-scanning services ingest (GitHub code
 * scanning, Azure DevOps, GitLab). One run; the evaluated rules are
 * `tool.driver.rules` with help text and a `security-severity`, each finding a
 * result with a stable fingerprint, the cloud resource as a logical location
 * (its ARN) and a physical location GitHub can show (a virtual, repo-relative
 * path naming account, region, type and id: GitHub rejects results without
 * one). Suppressed findings are results with an external suppression, as the
 * spec has it; coverage gaps are tool execution notifications. A (rule,
 * resource) pair a rule could not judge is a result of `kind: "open"` (SARIF's
 * "not enough information to decide") with `level: "none"`; with
 * `--compliance`, the control table is in the run's properties.
 */
import { createHash, randomUUID } from 'node:crypto';
import type * as Sarif from 'sarif';
import { fingerprint } from '../engine/finding.js';
import {
  keyEvidence,
  resourceArn,
  ruleCatalogue,
  SARIF_LEVEL,
  SECURITY_SEVERITY,
  sortFindings,
} from './common.js';
import { jsonArrayChunks } from './json.js';
import type { Report, ReportFinding, ReportUnevaluated } from './schema.js';

export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
export const INFORMATION_URI = 'https://github.com/ecs-audit/ecs-audit';
/** the key of our fingerprint in `partialFingerprints` */
export const FINGERPRINT_KEY = 'ecsAudit/v1';
/** GitHub code scanning shows 10 tags of a rule (and rejects a file with a rule of more than 20) */
export const MAX_RULE_TAGS = 10;
/** GitHub code scanning rejects a run of more than 25,000 results */
export const GITHUB_MAX_RESULTS = 25_000;

/** a UTF-16 surrogate without its other half */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One path segment, percent-encoded. A name from the account may hold a lone
 * surrogate (`"bob\ud800x"`), on which encodeURIComponent throws "URI
 * malformed": it becomes U+FFFD first, as UTF-8 output would have it.
 */
function uriSegment(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\ufffd'));
}

/** A repo-relative path for a cloud resource, each segment percent-encoded. */
export function resourceUri(accountId: string, r: ReportFinding['resource']): string {
  return ['alibabacloud', accountId, r.region ?? 'global', r.type, r.id].map(uriSegment).join('/');
}

function markdownList(items: readonly string[]): string {
  return items.map((i) => `- <${i}>`).join('\n');
}

function ruleDescriptor(r: ReturnType<typeof ruleCatalogue>[number]): Sarif.ReportingDescriptor {
  const textParts = [
    r.rationale && `Why: ${r.rationale}`,
    `Fix: ${r.remediation}`,
    r.references.length > 0 && `References: ${r.references.join(' ')}`,
  ].filter((s): s is string => Boolean(s));
  const mdParts = [
    `**${r.title}** (severity: ${r.severity})`,
    r.rationale && `### Why it matters\n\n${r.rationale}`,
    `### How to fix\n\n${r.remediation}`,
    r.references.length > 0 && `### References\n\n${markdownList(r.references)}`,
  ].filter((s): s is string => Boolean(s));
  // GitHub code scanning rejects a file with a rule of more than 20 tags and shows 10: the most
  // useful first, at most 10 (the compliance ids are all in `properties.compliance` too)
  const tags = ['security', ...r.resourceTypes];
  for (const [framework, ids] of Object.entries(r.compliance ?? {})) {
    for (const id of ids) tags.push(`${framework}/${id}`);
  }
  tags.push('alibaba-cloud', 'cloud');
  const d: Sarif.ReportingDescriptor = {
    id: r.id,
    name: r.id,
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale || r.title },
    help: { text: textParts.join('\n\n'), markdown: mdParts.join('\n\n') },
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    properties: {
      'security-severity': SECURITY_SEVERITY[r.severity],
      precision: 'high',
      problem: { severity: r.severity },
      tags: [...new Set(tags)].slice(0, MAX_RULE_TAGS),
      ...(r.compliance ? { compliance: r.compliance } : {}),
    },
  };
  const first = r.references[0];
  if (first && /^https?:\/\//.test(first)) d.helpUri = first;
  return d;
}

function result(f: ReportFinding, ruleIndex: number, scannedAccount: string): Sarif.Result {
  // organization reports: the member holding the resource
  const accountId = f.resource.account ?? scannedAccount;
  const arn = resourceArn(accountId, f.resource);
  const ev = keyEvidence(f);
  const res: Sarif.Result = {
    ruleId: f.ruleId,
    ruleIndex,
    kind: 'fail',
    level: SARIF_LEVEL[f.severity],
    message: { text: ev ? `${f.message} (${ev})` : f.message },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: resourceUri(accountId, f.resource) } },
        logicalLocations: [
          {
            name: f.resource.id,
            fullyQualifiedName: arn,
            kind: 'resource',
            properties: {
              resourceType: f.resource.type,
              region: f.resource.region,
              ...(f.resource.name ? { resourceName: f.resource.name } : {}),
            },
          },
        ],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    properties: {
      severity: f.severity,
      'security-severity': SECURITY_SEVERITY[f.severity],
      status: f.status,
      resource: f.resource,
      evidence: f.evidence,
    },
  };
  if (f.baseline) res.baselineState = f.baseline;
  // SARIF §3.27.23: in a run, `suppressions` is on every result or on none
  res.suppressions = [];
  if (f.status === 'suppressed') {
    const s = f.suppression;
    const justification = s
      ? `${s.reason}${s.expires ? ` (until ${s.expires})` : ''}`
      : 'suppressed by configuration';
    res.suppressions = [
      {
        kind: 'external',
        status: 'accepted',
        justification,
        ...(s
          ? {
              properties: {
                rule: s.rule,
                resource: s.resource,
                ...(s.expires ? { expires: s.expires } : {}),
              },
            }
          : {}),
      },
    ];
  }
  return res;
}

/** A pair the rule could not judge: `kind: "open"`, `level: "none"`, the coverage entry as the reason. */
function openResult(
  u: ReportUnevaluated,
  index: ReadonlyMap<string, number>,
  report: Report,
): Sarif.Result {
  // organization reports: the member the pair is about
  const accountId = u.account ?? u.resource?.account ?? report.account.id;
  const gap = report.coverage[u.coverage];
  const region = u.resource?.region ?? gap?.region ?? null;
  const where = u.resource
    ? `${u.resource.type} ${u.resource.id}${u.resource.region ? ` in ${u.resource.region}` : ''}`
    : `its whole scope${region ? ` in ${region}` : ''}`;
  const ruleIndex = index.get(u.ruleId);
  const key = u.resource
    ? fingerprint(u.ruleId, u.resource)
    : createHash('sha256')
        .update(
          ['v1', u.ruleId, '*', region ?? '', ...(u.account !== undefined ? [u.account] : [])].join(
            '\u0000',
          ),
        )
        .digest('hex')
        .slice(0, 32);
  return {
    ruleId: u.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    kind: 'open',
    level: 'none',
    message: {
      text: `Not evaluated: ${u.ruleId} could not judge ${where} because data it needs could not be read (${u.reason}).`,
    },
    locations: [
      u.resource
        ? {
            physicalLocation: { artifactLocation: { uri: resourceUri(accountId, u.resource) } },
            logicalLocations: [
              {
                name: u.resource.id,
                fullyQualifiedName: resourceArn(accountId, u.resource),
                kind: 'resource',
                properties: { resourceType: u.resource.type, region: u.resource.region },
              },
            ],
          }
        : {
            physicalLocation: {
              artifactLocation: {
                uri: ['alibabacloud', accountId, region ?? 'global'].map(uriSegment).join('/'),
              },
            },
          },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: key },
    // SARIF §3.27.23: on every result of the run, as on the findings
    suppressions: [],
    properties: {
      status: 'unevaluated',
      resource: u.resource,
      reason: u.reason,
      coverage: gap ?? null,
    },
  };
}

type ResultItem = { finding: ReportFinding } | { unevaluated: ReportUnevaluated };

/** findings first (severity order), then the pairs not evaluated */
function resultItems(report: Report): ResultItem[] {
  return [
    ...sortFindings(report.findings).map((finding) => ({ finding })),
    ...(report.unevaluated ?? []).map((unevaluated) => ({ unevaluated })),
  ];
}

function itemResult(
  item: ResultItem,
  index: ReadonlyMap<string, number>,
  report: Report,
): Sarif.Result {
  return 'finding' in item
    ? result(item.finding, index.get(item.finding.ruleId)!, report.account.id)
    : openResult(item.unevaluated, index, report);
}

export function toSarif(report: Report): Sarif.Log {
  return sarifLog(report, (catalogueIndex) =>
    resultItems(report).map((item) => itemResult(item, catalogueIndex, report)),
  );
}

function sarifLog(
  report: Report,
  results: (index: Map<string, number>, accountId: string) => Sarif.Result[],
): Sarif.Log {
  const catalogue = ruleCatalogue(report);
  const index = new Map(catalogue.map((r, i) => [r.id, i]));
  const accountId = report.account.id;
  const notifications: Sarif.Notification[] = report.coverage.map((g) => ({
    level: 'warning',
    message: {
      text:
        `Coverage gap: ${[g.service, g.region, g.operation, g.resource].filter(Boolean).join(' ')}` +
        ` could not be read: ${g.error.code}: ${g.error.message}`,
    },
    descriptor: { id: g.error.code },
    ...(g.service === 'rule' && g.resource && index.has(g.resource)
      ? { associatedRule: { id: g.resource, index: index.get(g.resource)! } }
      : {}),
    properties: { ...g },
  }));
  for (const e of report.expiredSuppressions ?? []) {
    notifications.push({
      level: 'note',
      message: {
        text: `Suppression of ${e.rule} for ${e.resource}${e.region ? ` in ${e.region}` : ''} expired on ${e.expires} and no longer applies (${e.reason}).`,
      },
      descriptor: { id: 'ExpiredSuppression' },
    });
  }
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'ecs-audit',
        version: report.tool.version,
        semanticVersion: report.tool.version,
        informationUri: INFORMATION_URI,
        rules: catalogue.map(ruleDescriptor),
      },
    },
    automationDetails: { id: `ecs-audit/${accountId}/` },
    invocations: [
      {
        executionSuccessful: true,
        startTimeUtc: report.scan.startedAt,
        endTimeUtc: report.scan.finishedAt,
        toolExecutionNotifications: notifications,
      },
    ],
    results: results(index, accountId),
    columnKind: 'unicodeCodePoints',
    properties: {
      account: report.account,
      regions: report.scan.regions,
      since: report.scan.since,
      summary: report.summary,
      coverageGaps: report.coverage.length,
      unevaluated: report.unevaluated?.length ?? 0,
      ...(report.resolved ? { resolved: report.resolved } : {}),
      ...(report.compliance ? { compliance: report.compliance } : {}),
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

/**
 * The log as text pieces, in order: the same text as `formatSarif`, one
 * result at a time, so the results are never one string (or one object tree)
 * of 100 MB.
 */
export function* sarifChunks(report: Report): Generator<string> {
  const marker = `ecs-audit-results-${randomUUID()}`;
  let index = new Map<string, number>();
  const log = sarifLog(report, (i) => {
    index = i;
    return marker as unknown as Sarif.Result[];
  });
  const skeleton = JSON.stringify(log);
  const quoted = JSON.stringify(marker);
  const at = skeleton.indexOf(quoted);
  yield skeleton.slice(0, at);
  yield* jsonArrayChunks(resultItems(report), 0, false, (item) => itemResult(item, index, report));
  yield skeleton.slice(at + quoted.length);
  yield '\n';
}

/** how many results the SARIF log of the report holds: one per finding and per pair not evaluated */
export function sarifResultCount(report: Report): number {
  return report.findings.length + (report.unevaluated?.length ?? 0);
}

/**
 * The warning to print (one line, stderr) when one of `formats` (stdout's and the --report
 * files') is SARIF and its log holds more than 25,000 results, which GitHub code scanning
 * rejects (a run's results are one upload); otherwise undefined.
 */
export function sarifSizeWarning(report: Report, formats: Iterable<string>): string | undefined {
  if (![...formats].includes('sarif')) return undefined;
  const n = sarifResultCount(report);
  if (n <= GITHUB_MAX_RESULTS) return undefined;
  return `the SARIF log holds ${n.toLocaleString('en-US')} results: GitHub code scanning rejects a run of more than ${GITHUB_MAX_RESULTS.toLocaleString('en-US')} results; narrow the upload (e.g. --severity high)`;
}

/**
 * The log as compact JSON (one line, no indentation): it is read by tools, and
 * indentation nearly doubled a log of 77,000 results (154 MB → 83 MB).
 */
export function formatSarif(report: Report): string {
  return `${JSON.stringify(toSarif(report))}\n`;
}
