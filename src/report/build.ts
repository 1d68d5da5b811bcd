/** Build the JSON report (schema v1) from an inventory and the engine's result. */

import type { Finding } from '../engine/finding.js';
import type { LoadedRule } from '../engine/registry.js';
import type { EvaluationResult, RuleSettings } from '../engine/run.js';
import type { Inventory } from '../inventory/schema.js';
import { VERSION } from '../version.js';
import { REPORT_SCHEMA_VERSION, type Report } from './schema.js';

export interface BuildReportInput {
  inventory: Inventory;
  evaluation: EvaluationResult;
  rules: readonly LoadedRule[];
  startedAt: Date;
  finishedAt: Date;
  since: Date;
  now?: Date;
  source: 'api' | 'snapshot';
  /** the config's rule settings: a `severity` there is the rule's severity in the report */
  settings?: Readonly<Record<string, RuleSettings>>;
}

export function summarize(findings: readonly Finding[], unevaluated = 0): Report['summary'] {
  const summary = { critical: 0, high: 0, medium: 0, low: 0, info: 0, suppressed: 0, unevaluated };
  for (const f of findings) {
    if (f.status === 'suppressed') summary.suppressed += 1;
    else summary[f.severity] += 1;
  }
  return summary;
}

export function buildReport(input: BuildReportInput): Report {
  const { inventory, evaluation } = input;
  const evaluated = new Set(evaluation.evaluated);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'ecs-audit', version: VERSION },
    account: {
      id: inventory.account.id,
      callerArn: inventory.account.caller.arn,
      identityType: inventory.account.caller.identityType,
    },
    scan: {
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      regions: inventory.scope.regions,
      since: input.since.toISOString(),
      ...(input.now ? { now: input.now.toISOString() } : {}),
      source: input.source,
    },
    coverage: [
      ...inventory.coverage,
      ...evaluation.ruleErrors.map((e) => ({
        service: 'rule',
        region: null,
        operation: 'evaluate',
        resource: e.ruleId,
        error: { code: 'RuleError', message: `${e.source}: ${e.message}` },
      })),
      ...(evaluation.undecided ?? []).map((u) => ({
        service: 'rule',
        region: null,
        operation: 'evaluate',
        resource: u.ruleId,
        error: {
          code: 'NotEvaluated',
          message: `${u.source}: could not judge ${u.count} resource(s), first ${u.first.resource.type} ${u.first.resource.id}${u.first.resource.region ? ` in ${u.first.resource.region}` : ''}: ${u.first.reason}`,
        },
      })),
    ],
    findings: evaluation.findings,
    unevaluated: evaluation.unevaluated,
    summary: summarize(evaluation.findings, evaluation.unevaluated.length),
    rules: reportRules(input.rules, evaluated, input.settings),
  };
}

/**
 * the report's metadata of the rules that were evaluated, in the rules' order; `severity` is the
 * effective one, the config's override if any (the severity the findings carry): SARIF's rule
 * level and `security-severity`, which GitHub code scanning reads from the rule, not the result,
 * and JUnit's suite property are made from it
 */
export function reportRules(
  rules: readonly LoadedRule[],
  evaluated: ReadonlySet<string>,
  settings: Readonly<Record<string, RuleSettings>> = {},
): NonNullable<Report['rules']> {
  return rules
    .filter((r) => evaluated.has(r.rule.meta.id))
    .map(({ rule, source }) => ({
      id: rule.meta.id,
      title: rule.meta.title,
      severity: settings[rule.meta.id]?.severity ?? rule.meta.severity,
      resourceTypes: [...rule.meta.resourceTypes],
      rationale: rule.meta.rationale,
      remediation: rule.meta.remediation,
      references: [...rule.meta.references],
      source,
      ...(rule.meta.compliance
        ? {
            compliance: Object.fromEntries(
              Object.entries(rule.meta.compliance).map(([k, v]) => [k, [...v]]),
            ),
          }
        : {}),
    }));
}
