/**
 * The rule engine: rules × inventory → findings, in a deterministic order.
 * Rules are pure; a rule that throws does not stop the scan, its error is
 * reported (as a coverage entry of the report) and the others still run.
 */
import { z } from 'zod';
import type { Inventory } from '../inventory/schema.js';
import { flatString } from '../util/flat-string.js';
import { describeZodIssue } from '../util/zod-issue.js';
import { formatZodPath } from '../util/zod-path.js';
import { compareFindings, type Finding, fingerprint } from './finding.js';
import type { LoadedRule } from './registry.js';
import type { ResourceRef, Severity } from './types.js';
import { completeness, computeUnevaluated, type UnevaluatedPair } from './unevaluated.js';

export interface RuleSettings {
  enabled?: boolean;
  severity?: Severity;
  /** the rule's own options */
  options?: Record<string, unknown>;
}

export interface EvaluateOptions {
  rules: readonly LoadedRule[];
  now: Date;
  since: Date;
  settings?: Readonly<Record<string, RuleSettings>>;
}

export interface RuleError {
  ruleId: string;
  source: string;
  message: string;
}

/** a rule that said it could not judge some resources (`ctx.notEvaluated`) no coverage entry explained */
export interface RuleUndecided {
  ruleId: string;
  source: string;
  /** how many resources */
  count: number;
  /** the first of them and the rule's reason */
  first: { resource: ResourceRef; reason: string };
}

export interface EvaluationResult {
  findings: Finding[];
  ruleErrors: RuleError[];
  /**
   * (rule, resource) pairs a rule could not judge (missing data, the rule said so, or it threw);
   * `coverage` indexes the report's coverage: the inventory's entries, then one per rule error,
   * then one per entry of `undecided`
   */
  unevaluated: UnevaluatedPair[];
  /** rules whose own `notEvaluated` pairs no coverage entry explained: one coverage entry each */
  undecided: RuleUndecided[];
  /** ids of the rules that ran */
  evaluated: string[];
  /** milliseconds per rule */
  timings: Record<string, number>;
}

export class RuleOptionsError extends Error {
  override name = 'RuleOptionsError';
  /** where in the config: ['rules', id, ...option path] */
  readonly path: (string | number)[];
  constructor(message: string, path: (string | number)[] = []) {
    super(message);
    this.path = path;
  }
}

/** Options are strict: a misspelt option name is an error, not a silent default. */
function strictOptions(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? schema.strict() : schema;
}

/** Parse every rule's options up front so bad options fail before anything runs. */
export function resolveRuleOptions(
  rules: readonly LoadedRule[],
  settings: Readonly<Record<string, RuleSettings>> = {},
): Map<string, unknown> {
  const known = new Set(rules.map((r) => r.rule.meta.id));
  for (const id of Object.keys(settings)) {
    if (!known.has(id)) {
      throw new RuleOptionsError(`rules.${id}: unknown rule id "${id}"`, ['rules', id]);
    }
  }
  const out = new Map<string, unknown>();
  for (const { rule } of rules) {
    const parsed = strictOptions(rule.meta.options as z.ZodType).safeParse(
      settings[rule.meta.id]?.options ?? {},
    );
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        const key = issue.keys[0]!;
        throw new RuleOptionsError(
          `rules.${rule.meta.id}: unknown option "${key}" (options: ${optionNames(rule.meta.options)})`,
          ['rules', rule.meta.id, key],
        );
      }
      // in the user's words ("expected a number, got \"x\""), as the config's own keys are
      const { message } = describeZodIssue(issue, settings[rule.meta.id]?.options ?? {});
      throw new RuleOptionsError(`rules.${rule.meta.id}.${formatZodPath(issue.path)}: ${message}`, [
        'rules',
        rule.meta.id,
        ...path,
      ]);
    }
    out.set(rule.meta.id, parsed.data);
  }
  return out;
}

function optionNames(schema: z.ZodType): string {
  const names = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return names.length ? names.join(', ') : 'none';
}

export function evaluate(inventory: Inventory, opts: EvaluateOptions): EvaluationResult {
  const settings = opts.settings ?? {};
  const options = resolveRuleOptions(opts.rules, settings);
  const cache = new Map<string, unknown>();
  const memo = <T>(key: string, compute: () => T): T => {
    if (!cache.has(key)) cache.set(key, compute());
    return cache.get(key) as T;
  };
  const isComplete = completeness(inventory.coverage);
  const findings: Finding[] = [];
  const ruleErrors: RuleError[] = [];
  const evaluated: string[] = [];
  const ran: LoadedRule['rule'][] = [];
  const sources = new Map<string, string>();
  const declared: Array<{ ruleId: string; resource: ResourceRef; reason: string }> = [];
  const timings: Record<string, number> = {};
  for (const { rule, source } of opts.rules) {
    const id = rule.meta.id;
    const s = settings[id];
    if (s?.enabled === false) continue;
    evaluated.push(id);
    ran.push(rule);
    sources.set(id, source);
    const severity = s?.severity ?? rule.meta.severity;
    const started = performance.now();
    const undecided: Array<{ resource: ResourceRef; reason: string }> = [];
    try {
      const seen = new Set<string>();
      for (const f of rule.evaluate({
        inventory,
        options: options.get(id),
        now: opts.now,
        since: opts.since,
        memo,
        isComplete,
        notEvaluated: (resource, reason) => {
          undecided.push({ resource, reason: String(reason) });
        },
      })) {
        const fp = fingerprint(id, f.resource);
        // the contract: at most one finding per rule and resource
        if (seen.has(fp)) continue;
        seen.add(fp);
        findings.push({
          ruleId: id,
          severity,
          title: rule.meta.title,
          // built from many pieces and kept to the end: one flat copy, not the tree of pieces
          message: flatString(f.message),
          remediation: rule.meta.remediation,
          resource: f.resource,
          evidence: f.evidence,
          fingerprint: fp,
          status: 'open',
          // (a copy: the rule's arrays stay the rule's)
          ...(f.controls
            ? {
                controls: Object.fromEntries(
                  Object.entries(f.controls).map(([framework, ids]) => [framework, [...ids]]),
                ),
              }
            : {}),
        });
      }
      // a resource the rule convicted is judged, whatever else it said about it; each once
      for (const u of undecided) {
        const fp = fingerprint(id, u.resource);
        if (seen.has(fp)) continue;
        seen.add(fp);
        declared.push({ ruleId: id, ...u });
      }
    } catch (err) {
      ruleErrors.push({
        ruleId: id,
        source,
        message: `${(err as Error)?.name ?? 'Error'}: ${String((err as Error)?.message ?? err).split('\n')[0]}`,
      });
    }
    timings[id] = performance.now() - started;
  }
  const unevaluated = computeUnevaluated({
    inventory,
    rules: ran,
    findings: new Set(findings.map((f) => f.fingerprint)),
    ruleErrors: ruleErrors.map((e, i) => ({
      ruleId: e.ruleId,
      coverage: inventory.coverage.length + i,
    })),
    declared,
    declaredCoverage: inventory.coverage.length + ruleErrors.length,
  });
  // a finding whose verdict rested on data that could not be read is not a verdict
  const kept = unevaluated.drop.size
    ? findings.filter((f) => !unevaluated.drop.has(f.fingerprint))
    : findings;
  kept.sort(compareFindings);
  const undecided = unevaluated.undecided.map((u) => ({
    ...u,
    source: sources.get(u.ruleId) ?? 'unknown',
  }));
  return {
    findings: kept,
    ruleErrors,
    unevaluated: unevaluated.pairs,
    undecided,
    evaluated,
    timings,
  };
}

export const SeveritySchema = z.enum(['critical', 'high', 'medium', 'low', 'info']);
