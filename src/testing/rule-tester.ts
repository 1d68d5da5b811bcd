/**
 * A rule tester in the spirit of ESLint's RuleTester: a table of inventory
 * fragments, each with the findings it must produce (invalid) or none (valid).
 * The set of flagged resources must match exactly.
 *
 *   testRule(rule, {
 *     valid: [{ name: 'ssh from the office only', inventory: { ecs: { securityGroups: [...] } } }],
 *     invalid: [{ name: 'ssh from anywhere', inventory: {...}, findings: [{ id: 'sg-1', evidence: { ports: [22] } }] }],
 *   });
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { validateRule } from '../engine/meta.js';
import { findingProblem, InvalidFindingError, resolveRuleOptions } from '../engine/run.js';
import type { ResourceRef, Rule, RuleFinding } from '../engine/types.js';
import { completeness } from '../engine/unevaluated.js';
import { emptyInventory, type Inventory, InventorySchema } from '../inventory/schema.js';

/** An inventory fragment: top-level sections are merged into an empty inventory, one level deep. */
export type InventoryFragment = {
  [K in keyof Inventory]?: Inventory[K] extends unknown[] | string | number
    ? z.input<typeof InventorySchema>[K]
    : Partial<z.input<typeof InventorySchema>[K]>;
};

export interface RuleCase<Opts> {
  name: string;
  inventory: InventoryFragment;
  options?: Partial<Opts>;
  /** the scan clock; default 2026-11-01T00:00:00Z */
  now?: string;
  /** start of the look-back window; default now - 90 days */
  since?: string;
  /** ids of the resources the rule must say it could not judge (`ctx.notEvaluated`); default none */
  notEvaluated?: string[];
}

export interface ExpectedFinding {
  /** resource id */
  id: string;
  type?: string;
  region?: string | null;
  /** a substring or pattern the message must contain */
  message?: string | RegExp;
  /** a subset the evidence must contain (vitest toMatchObject; a RegExp value matches a string) */
  evidence?: Record<string, unknown>;
}

export interface InvalidRuleCase<Opts> extends RuleCase<Opts> {
  findings: ExpectedFinding[];
}

export interface RuleCases<Opts> {
  valid: RuleCase<Opts>[];
  invalid: InvalidRuleCase<Opts>[];
}

export const DEFAULT_TEST_NOW = '2026-11-01T00:00:00Z';

export function buildInventory(fragment: InventoryFragment): Inventory {
  const base = emptyInventory() as unknown as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(fragment)) {
    const current = base[key];
    if (
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      current !== null &&
      typeof current === 'object' &&
      !Array.isArray(current)
    ) {
      merged[key] = { ...(current as object), ...(value as object) };
    } else {
      merged[key] = value;
    }
  }
  return InventorySchema.parse(merged);
}

/** what the tester names as a rule's file in the loader's messages */
const SOURCE = 'rule tester';

/** Evaluate a rule on a fragment, as the engine would (options parsed, memo per call). */
export function evaluateRule<O extends z.ZodType>(
  rule: Rule<O>,
  c: RuleCase<Partial<z.output<O>>>,
): RuleFinding[] {
  return judgeRule(rule, c).findings;
}

/** What a rule said on a fragment: its findings, and the resources it could not judge (with why). */
export function judgeRule<O extends z.ZodType>(
  rule: Rule<O>,
  c: RuleCase<Partial<z.output<O>>>,
): { findings: RuleFinding[]; notEvaluated: Array<{ resource: ResourceRef; reason: string }> } {
  // the loader's check and the engine's options (a rule without options gets z.object({}),
  // a misspelt option fails): a rule the tester passes is one the scan loads and runs alike
  validateRule(rule, SOURCE);
  const options = resolveRuleOptions([{ rule: rule as Rule, source: SOURCE }], {
    [rule.meta.id]: { options: c.options ?? {} },
  }).get(rule.meta.id) as z.output<O>;
  const inventory = buildInventory(c.inventory);
  const now = new Date(c.now ?? DEFAULT_TEST_NOW);
  const since = c.since ? new Date(c.since) : new Date(now.getTime() - 90 * 86_400_000);
  const cache = new Map<string | symbol, unknown>();
  const notEvaluated: Array<{ resource: ResourceRef; reason: string }> = [];
  const findings: RuleFinding[] = [];
  for (const f of rule.evaluate({
    inventory,
    options,
    now,
    since,
    memo<T>(key: string | symbol, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
    isComplete: completeness(inventory.coverage),
    notEvaluated: (resource, reason) => {
      notEvaluated.push({ resource, reason });
    },
  })) {
    // the engine's check: a finding the scan would refuse (and fail the rule for) fails here
    const problem = findingProblem(f, rule.meta.resourceTypes);
    if (problem) throw new InvalidFindingError(`finding ${findings.length + 1}: ${problem}`);
    findings.push(f);
  }
  return { findings, notEvaluated };
}

/** Check one case; throws an assertion error describing the first mismatch. */
export function checkCase<O extends z.ZodType>(
  rule: Rule<O>,
  c: RuleCase<Partial<z.output<O>>>,
  expected: ExpectedFinding[],
): void {
  const { findings, notEvaluated } = judgeRule(rule, c);
  for (const u of notEvaluated) {
    expect(rule.meta.resourceTypes, `resource type of ${u.resource.id}`).toContain(u.resource.type);
    expect(u.reason.length, `reason for ${u.resource.id}`).toBeGreaterThan(0);
  }
  // a resource the rule convicted is judged, whatever else it said about it (as the engine counts)
  const flagged = new Set(findings.map((f) => `${f.resource.type}\u0000${f.resource.id}`));
  expect(
    [
      ...new Set(
        notEvaluated
          .filter((u) => !flagged.has(`${u.resource.type}\u0000${u.resource.id}`))
          .map((u) => u.resource.id),
      ),
    ].sort(),
    'resources the rule could not judge',
  ).toEqual([...(c.notEvaluated ?? [])].sort());
  const keys = findings.map(
    (f) => `${f.resource.type}:${f.resource.region ?? '-'}:${f.resource.id}`,
  );
  expect(
    new Set(keys).size,
    `rule ${rule.meta.id} emitted two findings for one resource: ${keys.join(', ')}`,
  ).toBe(keys.length);
  for (const f of findings) {
    expect(rule.meta.resourceTypes, `resource type of ${f.resource.id}`).toContain(f.resource.type);
    expect(f.message.length, `message of ${f.resource.id}`).toBeGreaterThan(0);
  }
  expect(findings.map((f) => f.resource.id).sort(), 'flagged resources').toEqual(
    expected.map((e) => e.id).sort(),
  );
  for (const e of expected) {
    const f = findings.find(
      (x) =>
        x.resource.id === e.id &&
        (e.type === undefined || x.resource.type === e.type) &&
        (e.region === undefined || x.resource.region === e.region),
    );
    expect(f, `finding for ${e.id}${e.type ? ` (${e.type})` : ''}`).toBeDefined();
    if (!f) continue;
    if (e.message instanceof RegExp) expect(f.message).toMatch(e.message);
    else if (typeof e.message === 'string') expect(f.message).toContain(e.message);
    if (e.evidence) expect(f.evidence).toMatchObject(withStringMatchers(e.evidence) as object);
  }
}

/**
 * A RegExp anywhere in an expected evidence object matches strings: toMatchObject alone
 * compares a RegExp as an object without keys, so any value would pass.
 */
function withStringMatchers(x: unknown): unknown {
  if (x instanceof RegExp) return expect.stringMatching(x);
  if (Array.isArray(x)) return x.map(withStringMatchers);
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, withStringMatchers(v)]));
  }
  return x;
}

/** Register one vitest test per case. */
export function testRule<O extends z.ZodType>(
  rule: Rule<O>,
  cases: RuleCases<Partial<z.output<O>>>,
): void {
  validateRule(rule, SOURCE);
  const names = [...cases.valid, ...cases.invalid].map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`rule tester: duplicate case name "${dup}"`);
  if (cases.invalid.length === 0)
    throw new Error(`rule tester: ${rule.meta.id} has no invalid case`);
  if (cases.valid.length === 0) throw new Error(`rule tester: ${rule.meta.id} has no valid case`);
  describe(rule.meta.id, () => {
    describe('valid', () => {
      for (const c of cases.valid) it(c.name, () => checkCase(rule, c, []));
    });
    describe('invalid', () => {
      for (const c of cases.invalid) it(c.name, () => checkCase(rule, c, c.findings));
    });
  });
}
