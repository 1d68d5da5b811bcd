/**
 * The rule contract. A rule is data (meta) plus a pure function of the
 * inventory (evaluate): it never calls an API, never reads a file, never keeps
 * state between evaluations. Derived facts shared by several rules (security
 * group exposure, effective RAM permissions) are computed once per scan through
 * `ctx.memo`.
 */
import type { z } from 'zod';
import type { Instance, Inventory } from '../inventory/schema.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** rank: critical 4 … info 0 */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

export const RESOURCE_TYPES = [
  'security-group',
  'instance',
  'key-pair',
  'disk',
  'ram-user',
  'ram-group',
  'ram-role',
  'ram-policy',
  'account',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface ResourceRef {
  type: ResourceType;
  /** sg-…, i-…, key pair name, d-…, user/group/role/policy name, account id */
  id: string;
  /** the resource's region; null for RAM entities and the account */
  region: string | null;
  name?: string;
  /** organization scans: the member account holding the resource (part of the finding's identity) */
  account?: string;
}

/** an instance as a finding's resource: its id and region, and its name when it has one */
export function instanceResource(inst: Pick<Instance, 'id' | 'region' | 'name'>): ResourceRef {
  return {
    type: 'instance',
    id: inst.id,
    region: inst.region,
    ...(inst.name ? { name: inst.name } : {}),
  };
}

/** What a rule emits: at most one per resource, details in evidence. */
export interface RuleFinding {
  resource: ResourceRef;
  /** one sentence for a human: what is wrong with this resource */
  message: string;
  /** machine-readable, rule-specific details (ports, rules, events, policies) */
  evidence: Record<string, unknown>;
  /**
   * the compliance controls this finding breaks, per framework, when fewer than
   * the rule's own mapping (`meta.compliance`): a password policy lacking only
   * symbols breaks the symbols control, not the length one. Absent = every
   * control the rule maps to; controls outside the rule's mapping are ignored.
   */
  controls?: Readonly<Record<string, readonly string[]>>;
}

export interface RuleMeta<O extends z.ZodType = z.ZodType> {
  /** kebab-case, stable: reports, suppressions and checks outside the project key on it */
  id: string;
  title: string;
  severity: Severity;
  resourceTypes: readonly ResourceType[];
  /** why it matters */
  rationale: string;
  /** how to fix it */
  remediation: string;
  /** documentation links */
  references: readonly string[];
  /** zod schema of the options, every field with a default: `schema.parse({})` gives the defaults */
  options: O;
  /** benchmark controls this rule covers, e.g. { cis: ['4.1'] } */
  compliance?: Readonly<Record<string, readonly string[]>>;
  /**
   * The inventory data the rule reads, as dotted data keys (`ecs.securityGroups.rules`,
   * `ram.users.mfaDevice`, `actiontrail.trails`, … see docs/rules.md). When some of it
   * could not be read, the engine lists the affected (rule, resource) pairs as "not
   * evaluated". Required for built-in rules; a custom rule without it is taken to read
   * everything.
   */
  reads?: readonly string[];
}

export interface RuleContext<Opts> {
  readonly inventory: Inventory;
  /** the rule's options, defaults applied */
  readonly options: Opts;
  /** the scan's clock (`--now`); ages and windows are measured from it */
  readonly now: Date;
  /** start of the look-back window (`--since`) */
  readonly since: Date;
  /**
   * Compute a derived fact once per evaluation, shared by all rules (the first
   * `compute` for a key wins). `exposureIndex` and `reachabilityIndex` keep their
   * indexes under symbol keys no string can equal: a rule's `memo('exposure', …)`
   * cannot replace what the built-in rules read, and a rule calling those helpers
   * shares the index the scan computed. The engine's other keys start with their
   * module (`ram-policy:`, `privilege:`, `trail-events:`): prefix your own keys
   * with your rule's id.
   */
  memo<T>(key: string | symbol, compute: () => T): T;
  /**
   * Whether data key `key` (a `meta.reads` key) was read completely: in `region`
   * when given (failures of central services count everywhere), in every region
   * otherwise. For verdicts that rest on a whole list (an unused key pair needs
   * every instance of its region).
   */
  isComplete(key: string, region?: string | null): boolean;
  /**
   * The rule could not judge `resource` (a policy it cannot read, an answer
   * the analysis cannot place): the pair is listed as "not evaluated" with
   * `reason`, never silently passed. The engine lists it only when no coverage
   * entry already explains the pair and the rule emitted no finding for the
   * resource, and then adds one coverage entry per rule (`NotEvaluated`), so
   * the scan exits 3 unless findings make it 1.
   */
  notEvaluated(resource: ResourceRef, reason: string): void;
}

export interface Rule<O extends z.ZodType = z.ZodType> {
  meta: RuleMeta<O>;
  evaluate(ctx: RuleContext<z.output<O>>): Iterable<RuleFinding>;
}

/** Identity function that gives a rule its types; every built-in rule's default export. */
export function defineRule<O extends z.ZodType>(rule: Rule<O>): Rule<O> {
  return rule;
}
