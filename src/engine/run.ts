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
import { RESOURCE_TYPES, type ResourceRef, type Severity } from './types.js';
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
  /**
   * Called before each rule runs; the function it returns is called when the rule is
   * done, also when it threw (e.g. the CLI lets Ctrl-C end a hung custom rule)
   */
  aroundRule?: (rule: LoadedRule) => (() => void) | undefined;
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

/** a rule yielded something that is not a finding: the rule fails as if it threw */
export class InvalidFindingError extends Error {
  override name = 'InvalidFinding';
}

const RESOURCE_TYPE_SET: ReadonlySet<unknown> = new Set(RESOURCE_TYPES);

function shown(x: unknown): string {
  return typeof x === 'string' ? JSON.stringify(x.slice(0, 40)) : x === null ? 'null' : typeof x;
}

/**
 * What is wrong with a yielded finding, or undefined. The engine never checked: a
 * finding without evidence crashed every formatter and its JSON report failed the
 * report schema. Evidence is required (as the schema and the formatters require it),
 * not defaulted. A hand check of the few fields: it runs ~77,000 times a scan.
 */
export function findingProblem(f: unknown, resourceTypes: readonly string[]): string | undefined {
  if (f === null || typeof f !== 'object') return `must be an object, got ${shown(f)}`;
  const {
    resource: r,
    message,
    evidence,
    controls,
  } = f as {
    resource?: {
      type?: unknown;
      id?: unknown;
      region?: unknown;
      name?: unknown;
      account?: unknown;
    };
    message?: unknown;
    evidence?: unknown;
    controls?: Record<string, unknown>;
  };
  if (r === null || typeof r !== 'object') return 'resource must be an object';
  // (meta.resourceTypes are resource types: the loader checked them)
  if (!resourceTypes.includes(r.type as string)) {
    return RESOURCE_TYPE_SET.has(r.type)
      ? `resource.type ${shown(r.type)} is not in meta.resourceTypes (${resourceTypes.join(', ')})`
      : `resource.type ${shown(r.type)} is not a resource type (${RESOURCE_TYPES.join(', ')})`;
  }
  if (typeof r.id !== 'string' || r.id === '') return 'resource.id must be a non-empty string';
  if (r.region !== null && typeof r.region !== 'string') {
    return 'resource.region must be a string or null';
  }
  if (r.name !== undefined && typeof r.name !== 'string') return 'resource.name must be a string';
  if (r.account !== undefined && typeof r.account !== 'string') {
    return 'resource.account must be a string';
  }
  if (typeof message !== 'string' || message === '') return 'message must be a non-empty string';
  if (evidence === null || typeof evidence !== 'object' || Array.isArray(evidence)) {
    return 'evidence must be an object';
  }
  if (controls !== undefined) {
    if (controls === null || typeof controls !== 'object' || Array.isArray(controls)) {
      return 'controls must be an object';
    }
    for (const framework in controls) {
      const ids = controls[framework];
      if (!Array.isArray(ids)) return 'controls must map each framework to an array of control ids';
      for (let i = 0; i < ids.length; i++) {
        if (typeof ids[i] !== 'string') {
          return 'controls must map each framework to an array of control ids';
        }
      }
    }
  }
  return undefined;
}

function optionNames(schema: z.ZodType): string {
  const names = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  return names.length ? names.join(', ') : 'none';
}

export function evaluate(inventory: Inventory, opts: EvaluateOptions): EvaluationResult {
  const settings = opts.settings ?? {};
  const options = resolveRuleOptions(opts.rules, settings);
  const cache = new Map<string | symbol, unknown>();
  const memo = <T>(key: string | symbol, compute: () => T): T => {
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
  for (const loaded of opts.rules) {
    const { rule, source } = loaded;
    const id = rule.meta.id;
    const s = settings[id];
    if (s?.enabled === false) continue;
    evaluated.push(id);
    ran.push(rule);
    sources.set(id, source);
    const severity = s?.severity ?? rule.meta.severity;
    const started = performance.now();
    const undecided: Array<{ resource: ResourceRef; reason: string }> = [];
    const after = opts.aroundRule?.(loaded);
    try {
      const seen = new Set<string>();
      let n = 0;
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
        n++;
        const problem = findingProblem(f, rule.meta.resourceTypes);
        if (problem) throw new InvalidFindingError(`finding ${n}: ${problem}`);
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
    } finally {
      after?.();
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
