/**
 * Validation of rule metadata. Built-in and custom rules go through the same
 * check; a rule with bad metadata is rejected with the file and the reason.
 */
import { z } from 'zod';
import { formatZodPath } from '../util/zod-path.js';
import { RESOURCE_TYPES, type Rule, SEVERITIES } from './types.js';
import { DATA_KEYS } from './unevaluated.js';

const RuleMetaSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case (a-z, 0-9, single dashes)'),
  title: z.string().min(1),
  severity: z.enum(SEVERITIES),
  resourceTypes: z.array(z.enum(RESOURCE_TYPES)).min(1),
  rationale: z.string().min(1),
  remediation: z.string().min(1),
  references: z.array(z.string().url()),
  compliance: z.record(z.string(), z.array(z.string())).optional(),
  reads: z
    .array(
      z.string().regex(/^[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*$/, 'must be a dotted data key'),
    )
    .optional(),
});

const KNOWN_KEYS: ReadonlySet<string> = new Set(DATA_KEYS);

/** The known data key a typo most likely meant: a few edits away, or none. */
function nearestKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 4)) + 1;
  for (const known of DATA_KEYS) {
    const d = editDistance(key, known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        prev[j]! + 1,
        row[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length]!;
}

export class RuleMetaError extends Error {
  override name = 'RuleMetaError';
}

/** Throws RuleMetaError (one line) when `candidate` is not a well-formed rule. */
export function validateRule(candidate: unknown, source: string): Rule {
  if (candidate === null || typeof candidate !== 'object') {
    throw new RuleMetaError(`${source}: default export is not a rule (use defineRule)`);
  }
  const rule = candidate as Partial<Rule>;
  if (typeof rule.evaluate !== 'function') {
    throw new RuleMetaError(`${source}: rule has no evaluate function`);
  }
  const meta = RuleMetaSchema.safeParse(rule.meta);
  if (!meta.success) {
    const issue = meta.error.issues[0]!;
    throw new RuleMetaError(`${source}: meta.${formatZodPath(issue.path)}: ${issue.message}`);
  }
  // a key outside the vocabulary matches no coverage entry: where its data failed the rule
  // would pass silently instead of being listed "not evaluated"
  for (const [i, key] of (meta.data.reads ?? []).entries()) {
    if (KNOWN_KEYS.has(key)) continue;
    const near = nearestKey(key);
    throw new RuleMetaError(
      `${source}: meta.reads[${i}]: unknown data key "${key}"${near ? ` (did you mean "${near}"?)` : ''}`,
    );
  }
  // A rule without options gets an empty options object.
  if (rule.meta && rule.meta.options === undefined) rule.meta.options = z.object({});
  const options = rule.meta?.options as { safeParse?: unknown } | undefined;
  if (!options || typeof options.safeParse !== 'function') {
    throw new RuleMetaError(`${source}: meta.options must be a zod schema`);
  }
  const defaults = (options as z.ZodType).safeParse({});
  if (!defaults.success) {
    const issue = defaults.error.issues[0];
    // `{}` itself rejected (z.string().default('x')): "every option needs a default" misleads
    if (issue?.code === 'invalid_type' && issue.path.length === 0) {
      throw new RuleMetaError(
        `${source}: meta.options must be a z.object({ ... }) of options, each with a default (this schema expects ${issue.expected}, not an object)`,
      );
    }
    throw new RuleMetaError(
      `${source}: meta.options: every option needs a default (${defaults.error.issues[0]?.message ?? 'invalid'})`,
    );
  }
  return rule as Rule;
}
