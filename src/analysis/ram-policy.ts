/**
 * A RAM policy evaluator (pure: no I/O, no clock).
 *
 * - `parsePolicyDocument` reads a policy document (JSON string or object,
 *   `Statement` as an object or a list, `Action`/`NotAction`,
 *   `Resource`/`NotResource` as a string or a list, `Condition`) and never throws:
 *   problems are listed in `errors`, and a document with errors is not trusted
 *   by the principal analyses below (a skipped statement could be a Deny).
 * - Actions match case-insensitively with `*` and `?` wildcards (`ecs:*Command`,
 *   `*:Describe*`, `*`). Resources match case-sensitively except the service
 *   part, which the analyses never need to tell apart.
 * - Conditions: String*, String*IgnoreCase, StringLike/StringNotLike, Numeric*,
 *   Date*, Bool, IpAddress/NotIpAddress, Null, with the `ForAllValues:` /
 *   `ForAnyValue:` qualifiers and the `IfExists` suffix. Keys are
 *   case-insensitive; operator names are read case-insensitively.
 * - `evaluateRequest` applies explicit Deny over Allow for one request.
 * - The principal analyses (`principalPolicies`, `grantsAdmin`,
 *   `commandRunAsAnalysis`) answer the two questions the identity rules ask:
 *   "is this principal granted `*` on `*`?" and "may this principal run Cloud
 *   Assistant commands as root or system?" (see spec/rules.md,
 *   `ram-command-run-as-root`).
 */
import ipaddr from 'ipaddr.js';
import type { Inventory, PolicyRef, RamPolicy } from '../inventory/schema.js';
import { intersect, parseCidr, size as setSize, toSet } from './address-set.js';
import { PUBLIC_IPV4, PUBLIC_IPV6 } from './exposure.js';

// ================================================================ documents

export type Effect = 'Allow' | 'Deny';

export type ConditionQualifier = 'ForAllValues' | 'ForAnyValue';

export interface ConditionClause {
  /** as written, e.g. `ForAnyValue:StringNotEqualsIgnoreCaseIfExists` */
  operator: string;
  /** canonical base operator without qualifier and `IfExists` (`StringNotEqualsIgnoreCase`); as written when unknown */
  base: string;
  /** false when `base` is not an operator this evaluator knows */
  known: boolean;
  qualifier: ConditionQualifier | null;
  ifExists: boolean;
  /** the condition key as written, e.g. `ecs:CommandRunAs` */
  key: string;
  /** the listed values, as strings (`true`, `5`, ...) */
  values: string[];
}

export interface PolicyStatement {
  /** 0-based position in the document's Statement list */
  index: number;
  sid?: string;
  effect: Effect;
  /** exactly one of `action` / `notAction` is set */
  action?: string[];
  notAction?: string[];
  /** at most one of `resource` / `notResource` is set; neither = every resource */
  resource?: string[];
  notResource?: string[];
  /** every clause must hold (operators AND keys AND; the values of one clause OR) */
  conditions: ConditionClause[];
}

export interface ParsedPolicy {
  version?: string;
  statements: PolicyStatement[];
  /** what could not be read; a statement with an error is left out of `statements` */
  errors: string[];
}

const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'IpAddress',
  'NotIpAddress',
  'Null',
] as const;
const OPERATOR_BY_LOWER = new Map<string, string>(OPERATORS.map((o) => [o.toLowerCase(), o]));

/** the operators that negate their positive counterpart */
const NEGATED: Readonly<Record<string, string>> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  NotIpAddress: 'IpAddress',
};

/** Split `ForAnyValue:StringEqualsIfExists` into its parts. */
export function parseOperator(
  raw: string,
): Pick<ConditionClause, 'base' | 'known' | 'qualifier' | 'ifExists'> {
  let rest = raw.trim();
  let qualifier: ConditionQualifier | null = null;
  const q = /^(forallvalues|foranyvalue):/i.exec(rest);
  if (q) {
    qualifier = q[1]!.toLowerCase() === 'forallvalues' ? 'ForAllValues' : 'ForAnyValue';
    rest = rest.slice(q[0].length);
  }
  let ifExists = false;
  // `Null` has no IfExists form
  if (/ifexists$/i.test(rest) && rest.toLowerCase() !== 'nullifexists') {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const canonical = OPERATOR_BY_LOWER.get(rest.toLowerCase());
  return { base: canonical ?? rest, known: canonical !== undefined, qualifier, ifExists };
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** a string or a list of strings; undefined (with an error) for anything else */
function stringList(v: unknown, what: string, errors: string[]): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return v as string[];
    errors.push(`${what} lists something that is not a string`);
    return undefined;
  }
  errors.push(`${what} is neither a string nor a list of strings`);
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** the value of a key, its name matched case-insensitively (RAM element names) */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function hasField(obj: Record<string, unknown>, name: string): boolean {
  return field(obj, name) !== undefined;
}

function parseConditions(
  v: unknown,
  where: string,
  errors: string[],
): ConditionClause[] | undefined {
  if (v === undefined || v === null) return [];
  // `"Condition": []` appears in published examples: read as "no condition"
  if (Array.isArray(v) && v.length === 0) return [];
  if (!isRecord(v)) {
    errors.push(`${where}: Condition is not an object`);
    return undefined;
  }
  const out: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(v)) {
    if (!isRecord(block)) {
      errors.push(`${where}: Condition.${operator} is not an object of keys`);
      return undefined;
    }
    const op = parseOperator(operator);
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      const values = list.map(scalarString);
      if (values.some((x) => x === undefined)) {
        errors.push(
          `${where}: Condition.${operator}.${key} has a value that is not a string, number or boolean`,
        );
        return undefined;
      }
      out.push({ operator, ...op, key, values: values as string[] });
    }
  }
  return out;
}

function parseStatement(
  raw: unknown,
  index: number,
  errors: string[],
): PolicyStatement | undefined {
  const where = `Statement[${index}]`;
  const before = errors.length;
  if (!isRecord(raw)) {
    errors.push(`${where} is not an object`);
    return undefined;
  }
  const effectRaw = field(raw, 'Effect');
  const effect =
    typeof effectRaw === 'string'
      ? effectRaw.trim().toLowerCase() === 'allow'
        ? 'Allow'
        : effectRaw.trim().toLowerCase() === 'deny'
          ? 'Deny'
          : undefined
      : undefined;
  if (!effect) errors.push(`${where}: Effect is ${JSON.stringify(effectRaw)}, not Allow or Deny`);
  const st: PolicyStatement = { index, effect: effect ?? 'Allow', conditions: [] };
  const sid = field(raw, 'Sid');
  if (typeof sid === 'string') st.sid = sid;

  const hasAction = hasField(raw, 'Action');
  const hasNotAction = hasField(raw, 'NotAction');
  if (hasAction && hasNotAction) errors.push(`${where} has both Action and NotAction`);
  else if (hasAction) st.action = stringList(field(raw, 'Action'), `${where}.Action`, errors);
  else if (hasNotAction)
    st.notAction = stringList(field(raw, 'NotAction'), `${where}.NotAction`, errors);
  else errors.push(`${where} has neither Action nor NotAction`);

  const hasResource = hasField(raw, 'Resource');
  const hasNotResource = hasField(raw, 'NotResource');
  if (hasResource && hasNotResource) errors.push(`${where} has both Resource and NotResource`);
  else if (hasResource)
    st.resource = stringList(field(raw, 'Resource'), `${where}.Resource`, errors);
  else if (hasNotResource)
    st.notResource = stringList(field(raw, 'NotResource'), `${where}.NotResource`, errors);

  const conditions = parseConditions(field(raw, 'Condition'), where, errors);
  if (conditions) st.conditions = conditions;
  return errors.length === before ? st : undefined;
}

/** Parse a policy document (a JSON string or an already parsed object). Never throws. */
export function parsePolicyDocument(doc: unknown): ParsedPolicy {
  const errors: string[] = [];
  let value = doc;
  if (typeof doc === 'string') {
    try {
      value = JSON.parse(doc);
    } catch {
      return { statements: [], errors: ['the document is not valid JSON'] };
    }
  }
  if (!isRecord(value)) return { statements: [], errors: ['the document is not a JSON object'] };
  const out: ParsedPolicy = { statements: [], errors };
  const version = scalarString(field(value, 'Version'));
  if (version !== undefined) out.version = version;
  const rawStatements = field(value, 'Statement');
  if (rawStatements === undefined) {
    errors.push('the document has no Statement');
    return out;
  }
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  list.forEach((raw, i) => {
    const st = parseStatement(raw, i, errors);
    if (st) out.statements.push(st);
  });
  return out;
}

// ================================================================ matching

/**
 * Glob match with `*` (any run, empty included) and `?` (exactly one character),
 * anchored at both ends. Linear-space greedy matcher with backtracking to the last `*`.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = true): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === '?' || (pc !== undefined && pc !== '*' && pc === v[vi])) {
      pi++;
      vi++;
    } else if (pc === '*') {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** `ecs:*Command` vs `ecs:RunCommand`: case-insensitive, wildcards in the pattern only */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern.trim(), action.trim(), true);
}

/** the patterns of a statement that select `action` (for NotAction: `NotAction` when none excludes it) */
export function statementCoversAction(st: PolicyStatement, action: string): boolean {
  if (st.action) return st.action.some((p) => actionMatches(p, action));
  if (st.notAction) return !st.notAction.some((p) => actionMatches(p, action));
  return false;
}

/** `*`, `**`, `*:*`: a pattern that matches every action */
export function matchesEveryAction(pattern: string): boolean {
  return /^\*+(?::\*+)?$/.test(pattern.trim());
}

/** `*` or `acs:*:*:*:*`: the literal every-resource patterns */
function literalEveryResource(pattern: string): boolean {
  const p = pattern.trim();
  return /^\*+$/.test(p) || /^acs(?::\*+){4}$/i.test(p);
}

const allStars = (s: string) => /^\*+$/.test(s);

/**
 * Does a pattern match every `acs:<service>:<region>:<account>:<resource>` ARN
 * of the account (for `role`: every RAM role ARN, `acs:ram::<account>:role/<name>`)?
 * Read segment by segment: each `*`, the account segment also `ownAccount`, and
 * a `*` as the last segment swallows the rest (`acs:*`). Anything else is not
 * every (conservative).
 */
function matchesEveryArn(pattern: string, ownAccount: string | undefined, role: boolean): boolean {
  const segs = pattern.trim().split(':');
  if (segs[0]!.toLowerCase() !== 'acs') return false;
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    // a role name may hold no `:`, so the resource segment must be the last
    if (i === 4) return last && (allStars(s) || (role && /^role\/\*+$/.test(s)));
    if (allStars(s)) {
      if (last) return true;
      continue;
    }
    if (role && i === 1 && s.toLowerCase() === 'ram') continue;
    // RAM ARNs have no region
    if (role && i === 2 && s === '') continue;
    if (i === 3 && ownAccount !== undefined && s === ownAccount.trim()) continue;
    return false;
  }
  return false;
}

/**
 * A pattern that matches every resource of the account: `*`, `acs:*`,
 * `acs:*:*:*:*`, `acs:*:*:<ownAccount>:*`. For what an Allow grants; see
 * `denyCoversEveryResource` for a Deny.
 */
export function matchesEveryResource(pattern: string, ownAccount?: string): boolean {
  return literalEveryResource(pattern) || matchesEveryArn(pattern, ownAccount, false);
}

/** a pattern that matches every RAM role (the resource of `sts:AssumeRole`): every resource, `acs:ram:*:*:role/*`, … */
export function matchesEveryRole(pattern: string, ownAccount?: string): boolean {
  return matchesEveryResource(pattern, ownAccount) || matchesEveryArn(pattern, ownAccount, true);
}

export function statementCoversEveryResource(st: PolicyStatement, ownAccount?: string): boolean {
  if (st.notResource) return st.notResource.length === 0;
  if (!st.resource) return true;
  return st.resource.some((r) => matchesEveryResource(r, ownAccount));
}

/**
 * Does a Deny apply on every resource? Only `*` and `acs:*:*:*:*` count: a
 * request for an action without resource-level authorization may name no ARN,
 * and whether an ARN pattern then applies is not known (a Deny that may not
 * apply takes nothing away).
 */
export function denyCoversEveryResource(st: PolicyStatement): boolean {
  if (st.notResource) return st.notResource.length === 0;
  if (!st.resource) return true;
  return st.resource.some(literalEveryResource);
}

/**
 * true when every resource `inner` can name is also matched by `outer`.
 * Sound but incomplete: an all-wildcard outer, an equal pattern, an outer
 * `prefix*` (no other wildcard) over an inner starting with that prefix, or a
 * wildcard-free inner that outer matches.
 */
export function resourcePatternCovers(outer: string, inner: string): boolean {
  const o = outer.trim();
  const i = inner.trim();
  if (literalEveryResource(o)) return true;
  if (o === i) return true;
  if (!/[*?]/.test(i)) return wildcardMatch(o, i, false);
  if (o.endsWith('*') && !/[*?]/.test(o.slice(0, -1))) return i.startsWith(o.slice(0, -1));
  return false;
}

/** does a Deny's resource scope contain everything an Allow's resource scope names? */
function resourcesCover(deny: PolicyStatement, allow: PolicyStatement): boolean {
  if (denyCoversEveryResource(deny)) return true;
  if (deny.notResource) return false;
  const allowResources = allow.notResource || !allow.resource ? undefined : allow.resource;
  if (!allowResources) return false;
  return allowResources.every((r) =>
    (deny.resource ?? []).some((d) => resourcePatternCovers(d, r)),
  );
}

// ================================================================ conditions

export type ContextScalar = string | number | boolean;
/** request context: condition key (case-insensitive) → value(s); absent key = not in the request */
export type RequestContext = Readonly<
  Record<string, ContextScalar | readonly ContextScalar[] | undefined>
>;

function lookup(context: RequestContext, key: string): ContextScalar[] | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return Array.isArray(v) ? [...(v as readonly ContextScalar[])] : [v as ContextScalar];
  }
  return undefined;
}

function parseDate(s: string): number {
  if (/^\d+$/.test(s.trim())) return Number(s) * (s.trim().length <= 10 ? 1000 : 1);
  return Date.parse(s);
}

function inCidr(address: string, cidr: string): boolean {
  try {
    let addr = ipaddr.parse(address.trim());
    const c = cidr.trim();
    const range = c.includes('/')
      ? ipaddr.parseCIDR(c)
      : ([ipaddr.parse(c), ipaddr.parse(c).kind() === 'ipv4' ? 32 : 128] as [
          ipaddr.IPv4 | ipaddr.IPv6,
          number,
        ]);
    if (addr.kind() === 'ipv6' && range[0].kind() === 'ipv4') {
      const v6 = addr as ipaddr.IPv6;
      if (!v6.isIPv4MappedAddress()) return false;
      addr = v6.toIPv4Address();
    }
    if (addr.kind() !== range[0].kind()) return false;
    return addr.match(range);
  } catch {
    return false;
  }
}

/** the positive comparison of one request value with one condition value */
function positive(base: string, requestValue: string, conditionValue: string): boolean {
  switch (base) {
    case 'StringEquals':
      return requestValue === conditionValue;
    case 'StringEqualsIgnoreCase':
      return requestValue.toLowerCase() === conditionValue.toLowerCase();
    case 'StringLike':
      return wildcardMatch(conditionValue, requestValue, false);
    case 'Bool':
      return requestValue.trim().toLowerCase() === conditionValue.trim().toLowerCase();
    case 'IpAddress':
      return inCidr(requestValue, conditionValue);
  }
  const numeric = base.startsWith('Numeric');
  const a = numeric ? Number(requestValue) : parseDate(requestValue);
  const b = numeric ? Number(conditionValue) : parseDate(conditionValue);
  if (requestValue.trim() === '' || conditionValue.trim() === '') return false;
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  const cmp = base.replace(/^(Numeric|Date)/, '');
  switch (cmp) {
    case 'Equals':
      return a === b;
    case 'LessThan':
      return a < b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThan':
      return a > b;
    case 'GreaterThanEquals':
      return a >= b;
  }
  return false;
}

/** does one request value satisfy the clause (values OR'ed; negated operators: none of them)? */
function valueSatisfies(c: ConditionClause, requestValue: string): boolean {
  const pos = NEGATED[c.base];
  if (pos) return !c.values.some((cv) => positive(pos, requestValue, cv));
  return c.values.some((cv) => positive(c.base, requestValue, cv));
}

/**
 * Evaluate one condition clause against a request context.
 * true / false, or undefined when the operator is unknown.
 */
export function evaluateCondition(
  c: ConditionClause,
  context: RequestContext,
): boolean | undefined {
  if (!c.known) return undefined;
  const present = lookup(context, c.key);
  if (c.base === 'Null') {
    const wantAbsent = c.values.some((v) => v.trim().toLowerCase() === 'true');
    const wantPresent = c.values.some((v) => v.trim().toLowerCase() === 'false');
    return (present === undefined && wantAbsent) || (present !== undefined && wantPresent);
  }
  if (present === undefined) {
    if (c.ifExists) return true;
    return c.qualifier === 'ForAllValues';
  }
  const values = present.map(String);
  if (c.qualifier === 'ForAllValues') return values.every((v) => valueSatisfies(c, v));
  if (c.qualifier === 'ForAnyValue') return values.some((v) => valueSatisfies(c, v));
  const pos = NEGATED[c.base];
  if (pos) return !values.some((v) => c.values.some((cv) => positive(pos, v, cv)));
  return values.some((v) => valueSatisfies(c, v));
}

// ================================================================ one request

export interface Request {
  action: string;
  /** the resource ARN; absent = "some resource" (every Resource element is taken to match) */
  resource?: string;
  context?: RequestContext;
}

export interface StatementRef {
  /** a label for the policy the statement came from */
  policy: string;
  statement: number;
}

export interface RequestDecision {
  decision: 'allow' | 'deny' | 'implicitDeny';
  allowedBy: StatementRef[];
  deniedBy: StatementRef[];
  /** statements whose conditions use an operator this evaluator cannot evaluate (treated as not applying) */
  undetermined: StatementRef[];
}

function resourceApplies(st: PolicyStatement, resource: string | undefined): boolean {
  if (resource === undefined) return true;
  if (st.notResource) return !st.notResource.some((p) => wildcardMatch(p.trim(), resource, false));
  if (!st.resource) return true;
  return st.resource.some((p) => wildcardMatch(p.trim(), resource, false));
}

/** true / false, or undefined when a condition cannot be evaluated */
export function statementApplies(st: PolicyStatement, req: Request): boolean | undefined {
  if (!statementCoversAction(st, req.action)) return false;
  if (!resourceApplies(st, req.resource)) return false;
  let unknown = false;
  for (const c of st.conditions) {
    const r = evaluateCondition(c, req.context ?? {});
    if (r === false) return false;
    if (r === undefined) unknown = true;
  }
  return unknown ? undefined : true;
}

/** Explicit Deny over Allow over the implicit deny, across several named policies. */
export function evaluateRequest(
  policies: ReadonlyArray<{ name: string; parsed: ParsedPolicy }>,
  req: Request,
): RequestDecision {
  const out: RequestDecision = {
    decision: 'implicitDeny',
    allowedBy: [],
    deniedBy: [],
    undetermined: [],
  };
  for (const p of policies) {
    for (const st of p.parsed.statements) {
      const applies = statementApplies(st, req);
      const ref = { policy: p.name, statement: st.index };
      if (applies === undefined) out.undetermined.push(ref);
      else if (applies) (st.effect === 'Deny' ? out.deniedBy : out.allowedBy).push(ref);
    }
  }
  if (out.deniedBy.length > 0) out.decision = 'deny';
  else if (out.allowedBy.length > 0) out.decision = 'allow';
  return out;
}

// ================================================================ principals

export type PrincipalKind = 'ram-user' | 'ram-group' | 'ram-role';

export interface AttachedPolicy {
  name: string;
  /** System | Custom */
  type: string;
  /**
   * `direct` or `group <name>`; for a resource-group-scope attachment
   * `resource group <rg-id>` or `group <name> in resource group <rg-id>`
   */
  via: string;
  /** set when the policy is attached at resource-group scope: it applies to that group's resources only */
  resourceGroupId?: string;
  parsed: ParsedPolicy;
}

export interface PrincipalPolicies {
  kind: PrincipalKind;
  name: string;
  /** the policies whose documents are known and well-formed */
  attached: AttachedPolicy[];
  /** why the set of effective statements is not fully known; empty when it is */
  unknown: string[];
  /** the scanned account: an Allow on `acs:*:*:<accountId>:*` is on every resource */
  accountId?: string;
}

/**
 * Policies by type and name, made once per policy list: callers ask once per RAM
 * user (thousands at scale). The length is checked too, so a list grown after the
 * index was made (tests build inventories step by step) gets a new one.
 */
const POLICY_INDEXES = new WeakMap<
  readonly RamPolicy[],
  { length: number; index: Map<string, RamPolicy> }
>();

function policyIndex(inv: Inventory): Map<string, RamPolicy> {
  const policies = inv.ram.policies;
  const known = POLICY_INDEXES.get(policies);
  if (known && known.length === policies.length) return known.index;
  const m = new Map<string, RamPolicy>();
  for (const p of policies) m.set(`${p.type.toLowerCase()}\u0000${p.name}`, p);
  POLICY_INDEXES.set(policies, { length: policies.length, index: m });
  return m;
}

function resolve(
  refs: readonly PolicyRef[],
  via: string,
  index: Map<string, RamPolicy>,
  out: PrincipalPolicies,
  parsedCache: Map<RamPolicy, ParsedPolicy>,
  resourceGroupId?: string,
): void {
  for (const ref of refs) {
    const label = `${ref.type} policy ${ref.name}`;
    const policy = index.get(`${ref.type.toLowerCase()}\u0000${ref.name}`);
    if (!policy) {
      out.unknown.push(`${label} (${via}) is not in the inventory`);
      continue;
    }
    if (policy.document === undefined) {
      out.unknown.push(`the document of ${label} (${via}) could not be read`);
      continue;
    }
    let parsed = parsedCache.get(policy);
    if (!parsed) {
      parsed = parsePolicyDocument(policy.document);
      parsedCache.set(policy, parsed);
    }
    if (parsed.errors.length > 0) {
      out.unknown.push(`the document of ${label} (${via}) is malformed: ${parsed.errors[0]}`);
      continue;
    }
    out.attached.push({
      name: ref.name,
      type: ref.type,
      via,
      ...(resourceGroupId !== undefined ? { resourceGroupId } : {}),
      parsed,
    });
  }
}

/** Resource Manager's principal types for RAM users, groups and roles */
const RG_PRINCIPAL_TYPE: Readonly<Record<PrincipalKind, string>> = {
  'ram-user': 'imsuser',
  'ram-group': 'imsgroup',
  'ram-role': 'servicerole',
};

export type ResourceGroupIndex = Map<string, Array<{ ref: PolicyRef; resourceGroupId: string }>>;

/** the policies principal `name` of `kind` holds at resource groups' scope, from the index */
export function resourceGroupRefs(
  rg: ResourceGroupIndex,
  kind: PrincipalKind,
  name: string,
): ReadonlyArray<{ ref: PolicyRef; resourceGroupId: string }> {
  return rg.get(`${RG_PRINCIPAL_TYPE[kind]}\u0000${name.toLowerCase()}`) ?? [];
}

/**
 * The resource-group-scope attachments of the inventory, by principal:
 * `PrincipalName` is `<name>@<alias>.onaliyun.com` (`@group.…`, `@role.…` for
 * groups and roles), so the part before `@` and the principal type name the
 * principal (RAM names are case-insensitive). Account-scope entries (a
 * ResourceGroupId that is not `rg-…`) are RAM's own attachments and skipped.
 */
export function resourceGroupIndex(inv: Inventory): ResourceGroupIndex {
  const m = new Map<string, Array<{ ref: PolicyRef; resourceGroupId: string }>>();
  for (const a of inv.ram.resourceGroupAttachments ?? []) {
    if (!isResourceGroupScope(a.resourceGroupId)) continue;
    const name = principalShortName(a.principalName).toLowerCase();
    const key = `${a.principalType.toLowerCase()}\u0000${name}`;
    const list = m.get(key) ?? [];
    list.push({
      ref: { name: a.policyName, type: a.policyType },
      resourceGroupId: a.resourceGroupId,
    });
    m.set(key, list);
  }
  return m;
}

function resolveResourceGroups(
  rg: ResourceGroupIndex,
  kind: PrincipalKind,
  name: string,
  viaPrefix: string,
  index: Map<string, RamPolicy>,
  out: PrincipalPolicies,
  parsedCache: Map<RamPolicy, ParsedPolicy>,
): void {
  for (const { ref, resourceGroupId } of resourceGroupRefs(rg, kind, name)) {
    const via = `${viaPrefix}resource group ${resourceGroupId}`;
    resolve([ref], via, index, out, parsedCache, resourceGroupId);
  }
}

/**
 * The effective policies of every user (direct + through its groups), group and
 * role of the inventory, in inventory order. Compute once per scan (`ctx.memo`).
 */
export function allPrincipalPolicies(inv: Inventory): PrincipalPolicies[] {
  const index = policyIndex(inv);
  const cache = new Map<RamPolicy, ParsedPolicy>();
  const groups = new Map(inv.ram.groups.map((g) => [g.name, g]));
  const rg = resourceGroupIndex(inv);
  const accountId = inv.account.id;
  const out: PrincipalPolicies[] = [];
  for (const u of inv.ram.users) {
    const p: PrincipalPolicies = {
      kind: 'ram-user',
      name: u.name,
      attached: [],
      unknown: [],
      accountId,
    };
    if (u.policies === undefined)
      p.unknown.push(`the policies attached to user ${u.name} could not be read`);
    else resolve(u.policies, 'direct', index, p, cache);
    if (u.groups === undefined) p.unknown.push(`the groups of user ${u.name} could not be read`);
    else {
      for (const gName of u.groups) {
        const g = groups.get(gName);
        if (!g) p.unknown.push(`group ${gName} is not in the inventory`);
        else if (g.policies === undefined)
          p.unknown.push(`the policies attached to group ${gName} could not be read`);
        else resolve(g.policies, `group ${gName}`, index, p, cache);
        resolveResourceGroups(rg, 'ram-group', gName, `group ${gName} in `, index, p, cache);
      }
    }
    resolveResourceGroups(rg, 'ram-user', u.name, '', index, p, cache);
    out.push(p);
  }
  for (const g of inv.ram.groups) {
    const p: PrincipalPolicies = {
      kind: 'ram-group',
      name: g.name,
      attached: [],
      unknown: [],
      accountId,
    };
    if (g.policies === undefined)
      p.unknown.push(`the policies attached to group ${g.name} could not be read`);
    else resolve(g.policies, 'direct', index, p, cache);
    resolveResourceGroups(rg, 'ram-group', g.name, '', index, p, cache);
    out.push(p);
  }
  for (const r of inv.ram.roles) {
    const p: PrincipalPolicies = {
      kind: 'ram-role',
      name: r.name,
      attached: [],
      unknown: [],
      accountId,
    };
    if (r.policies === undefined)
      p.unknown.push(`the policies attached to role ${r.name} could not be read`);
    else resolve(r.policies, 'direct', index, p, cache);
    resolveResourceGroups(rg, 'ram-role', r.name, '', index, p, cache);
    out.push(p);
  }
  return out;
}

export const PRINCIPAL_POLICIES_MEMO_KEY = 'ram-policy:principals';

/** `allPrincipalPolicies` through a memo (the rule context's `memo`) */
export function principalPoliciesOf(ctx: {
  inventory: Inventory;
  memo<T>(key: string, compute: () => T): T;
}): PrincipalPolicies[] {
  return ctx.memo(PRINCIPAL_POLICIES_MEMO_KEY, () => allPrincipalPolicies(ctx.inventory));
}

// ================================================================ admin

export interface PolicyStatementRef {
  policy: string;
  policyType: string;
  via: string;
  statement: number;
  /** the resource group the policy is attached for (resource-group scope); absent = the account */
  resourceGroupId?: string;
}

export interface AdminGrant extends PolicyStatementRef {
  /** the conditions of the granting statement, as written (the grant holds whenever they do) */
  conditions: Array<{ operator: string; key: string; values: string[] }>;
  /** for an Allow with NotAction: the actions it leaves out (together they do not exclude every RAM action) */
  notActions?: string[];
  /**
   * for an Allow with NotAction excluding every RAM action: the unconditional
   * Allows on every resource that give each of them back (together `*` on `*`)
   */
  completedBy?: PolicyStatementRef[];
}

export interface AdminVerdict {
  admin: boolean;
  /** the Allow statements granting every action on every resource */
  grants: AdminGrant[];
  /** an unconditional Deny of every action on every resource, which takes the grants away */
  removedBy: PolicyStatementRef[];
  /** narrower Deny statements: the principal keeps `*` on `*` except these */
  exceptions: Array<PolicyStatementRef & { actions: string[]; notActions?: string[] }>;
}

function ref(a: AttachedPolicy, st: PolicyStatement): PolicyStatementRef {
  return {
    policy: a.name,
    policyType: a.type,
    via: a.via,
    statement: st.index,
    ...(a.resourceGroupId !== undefined ? { resourceGroupId: a.resourceGroupId } : {}),
  };
}

/**
 * Does a Deny attached at `deny`'s scope reach what an Allow attached at
 * `allow`'s scope grants? An account-scope Deny reaches everything; a
 * resource-group-scope Deny only grants attached for that same group.
 */
export function scopeCovers(
  deny: Pick<AttachedPolicy, 'resourceGroupId'>,
  allow: Pick<AttachedPolicy, 'resourceGroupId'>,
): boolean {
  return deny.resourceGroupId === undefined || deny.resourceGroupId === allow.resourceGroupId;
}

/**
 * An unconditional Deny of `action` on every resource (`coversResources`; by
 * default `*` or `acs:*:*:*:*`) that reaches an Allow attached at `allow`
 * (`scopeCovers`): what that Allow grants of `action` is taken away.
 */
export function deniedOutright(
  p: PrincipalPolicies,
  allow: Pick<AttachedPolicy, 'resourceGroupId'>,
  action: string,
  coversResources: (st: PolicyStatement) => boolean = denyCoversEveryResource,
): boolean {
  return p.attached.some(
    (d) =>
      scopeCovers(d, allow) &&
      d.parsed.statements.some(
        (s) =>
          s.effect === 'Deny' &&
          s.conditions.length === 0 &&
          coversResources(s) &&
          statementCoversAction(s, action),
      ),
  );
}

/**
 * `ram:*`, `ram*`, `r*`, `*`, `*:*`, `ram:?*`, `ram:*?`: a pattern that matches
 * every RAM action, i.e. every `ram:` followed by at least one character. A
 * literal prefix of `ram:`, then only wildcards with at least one `*` and no
 * more `?` than the characters `ram:x` still has to offer (`ram:??*` misses a
 * one-character action name).
 */
export function matchesEveryRamAction(pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (matchesEveryAction(p)) return true;
  const m = /^([^*?]*)([*?]+)$/.exec(p);
  if (!m || !'ram:'.startsWith(m[1]!) || !m[2]!.includes('*')) return false;
  return m[2]!.replace(/\*/g, '').length <= 'ram:'.length - m[1]!.length + 1;
}

/** real RAM actions (the API names of the RAM SDK), to test NotAction lists against */
export const RAM_ACTION_SAMPLES: readonly string[] = [
  'AddUserToGroup',
  'AttachPolicyToGroup',
  'AttachPolicyToRole',
  'AttachPolicyToUser',
  'BindMFADevice',
  'ChangePassword',
  'ClearAccountAlias',
  'CreateAccessKey',
  'CreateGroup',
  'CreateLoginProfile',
  'CreatePolicy',
  'CreatePolicyVersion',
  'CreateRole',
  'CreateUser',
  'CreateVirtualMFADevice',
  'DecodeDiagnosticMessage',
  'DeleteAccessKey',
  'DeleteGroup',
  'DeleteLoginProfile',
  'DeletePolicy',
  'DeletePolicyVersion',
  'DeleteRole',
  'DeleteUser',
  'DeleteVirtualMFADevice',
  'DetachPolicyFromGroup',
  'DetachPolicyFromRole',
  'DetachPolicyFromUser',
  'GetAccessKeyLastUsed',
  'GetAccountAlias',
  'GetGroup',
  'GetLoginProfile',
  'GetPasswordPolicy',
  'GetPolicy',
  'GetPolicyVersion',
  'GetRole',
  'GetSecurityPreference',
  'GetUser',
  'GetUserMFAInfo',
  'ListAccessKeys',
  'ListEntitiesForPolicy',
  'ListGroups',
  'ListGroupsForUser',
  'ListPolicies',
  'ListPoliciesForGroup',
  'ListPoliciesForRole',
  'ListPoliciesForUser',
  'ListPolicyVersions',
  'ListRoles',
  'ListTagResources',
  'ListUsers',
  'ListUsersForGroup',
  'ListVirtualMFADevices',
  'RemoveUserFromGroup',
  'SetAccountAlias',
  'SetDefaultPolicyVersion',
  'SetPasswordPolicy',
  'SetSecurityPreference',
  'TagResources',
  'UnbindMFADevice',
  'UntagResources',
  'UpdateAccessKey',
  'UpdateGroup',
  'UpdateLoginProfile',
  'UpdatePolicyDescription',
  'UpdateRole',
  'UpdateUser',
];

/**
 * RAM actions no list of today's names anticipates: one short and one longer
 * name per possible first letter, either case (API action names are PascalCase
 * identifiers, so they begin with a letter).
 */
const FUTURE_RAM_ACTION_SAMPLES = [...'abcdefghijklmnopqrstuvwxyz'].flatMap((c) => [
  c,
  `${c}zzz9`,
  c.toUpperCase(),
  `${c.toUpperCase()}zzz9`,
]);

const RAM_ACTION_PROBES = [...RAM_ACTION_SAMPLES, ...FUTURE_RAM_ACTION_SAMPLES].map(
  (a) => `ram:${a}`,
);

/**
 * Does a NotAction list exclude every RAM action? One pattern that matches
 * them all does; so do patterns that together match every probe, real names
 * and future ones (`ram:A*` … `ram:Z*`). An explicit list of today's actions
 * does not: a RAM action added later would be allowed, so the statement stays
 * an administrator grant (the conservative reading).
 */
function excludesEveryRamAction(notAction: readonly string[]): boolean {
  if (notAction.some(matchesEveryRamAction)) return true;
  return RAM_ACTION_PROBES.every((a) => notAction.some((p) => actionMatches(p, a)));
}

/**
 * Does the statement select every action (`*`, `*:*`, an empty NotAction)? A
 * NotAction list counts as every action unless it excludes every RAM action
 * (spec decision: whoever keeps `ram:*` can grant themselves the rest); a list
 * excluding `ram:*` is a power user, not an administrator.
 */
function coversEveryAction(st: PolicyStatement): boolean {
  if (st.action) return st.action.some(matchesEveryAction);
  return st.notAction !== undefined && !excludesEveryRamAction(st.notAction);
}

/** a Deny of every action: `*` only (NotAction Denies are listed as exceptions) */
function deniesEveryAction(st: PolicyStatement): boolean {
  if (st.action) return st.action.some(matchesEveryAction);
  return st.notAction !== undefined && st.notAction.length === 0;
}

/**
 * The Allows that give back each of today's RAM actions a NotAction Allow
 * (attached at `at`) leaves out: unconditional, on every resource, at the
 * account's scope or at `at`'s resource group, and not denied outright.
 * undefined when one stays out. RAM allows a request any Allow covers, so the
 * NotAction Allow and these allow every action: whoever holds every RAM action
 * can grant themselves any other (the reason a NotAction list keeping RAM
 * actions counts as `*` on `*`).
 */
function completedBy(
  p: PrincipalPolicies,
  at: AttachedPolicy,
  st: PolicyStatement,
): PolicyStatementRef[] | undefined {
  const out = new Map<PolicyStatement, PolicyStatementRef>();
  for (const name of RAM_ACTION_SAMPLES) {
    const action = `ram:${name}`;
    if (statementCoversAction(st, action)) continue;
    let given = false;
    for (const a of p.attached) {
      if (!scopeCovers(a, at)) continue;
      for (const s of a.parsed.statements) {
        if (
          s === st ||
          s.effect !== 'Allow' ||
          s.conditions.length > 0 ||
          !statementCoversAction(s, action) ||
          !statementCoversEveryResource(s, p.accountId)
        )
          continue;
        if (deniedOutright(p, a, action)) continue;
        if (!out.has(s)) out.set(s, ref(a, s));
        given = true;
        break;
      }
      if (given) break;
    }
    if (!given) return undefined;
  }
  return [...out.values()];
}

/**
 * Is the principal granted `*` on `*`? An Allow of every action on every
 * resource (conditions or not) grants it, and so does an unconditional NotAction
 * Allow whose left-out RAM actions other Allows give back (`completedBy`); only
 * an unconditional Deny of every action on every resource takes it away.
 * Narrower Denies are reported as exceptions: they do not make the principal
 * less of an administrator of the account (it keeps `ram:*` unless that is
 * denied, and can grant itself more).
 */
export function grantsAdmin(p: PrincipalPolicies): AdminVerdict {
  const v: AdminVerdict = { admin: false, grants: [], removedBy: [], exceptions: [] };
  const grantAt: AttachedPolicy[] = [];
  const removers: AttachedPolicy[] = [];
  for (const a of p.attached) {
    for (const st of a.parsed.statements) {
      if (st.effect === 'Allow') {
        if (!statementCoversEveryResource(st, p.accountId)) continue;
        // a NotAction Allow keeping out the RAM actions, with Allows giving them back
        const completion =
          st.notAction && st.conditions.length === 0 && !coversEveryAction(st)
            ? completedBy(p, a, st)
            : undefined;
        if (coversEveryAction(st) || completion) {
          grantAt.push(a);
          v.grants.push({
            ...ref(a, st),
            conditions: st.conditions.map((c) => ({
              operator: c.operator,
              key: c.key,
              values: c.values,
            })),
            ...(st.notAction ? { notActions: st.notAction } : {}),
            ...(completion ? { completedBy: completion } : {}),
          });
        }
      } else if (
        deniesEveryAction(st) &&
        denyCoversEveryResource(st) &&
        st.conditions.length === 0
      ) {
        removers.push(a);
        v.removedBy.push(ref(a, st));
      } else {
        v.exceptions.push({
          ...ref(a, st),
          actions: st.action ?? [],
          ...(st.notAction ? { notActions: st.notAction } : {}),
        });
      }
    }
  }
  // a grant stands unless a Deny * on * reaches its scope (a resource group's Deny only that group's grants)
  const standing = v.grants.filter((_, i) => !removers.some((d) => scopeCovers(d, grantAt[i]!)));
  v.admin = standing.length > 0;
  if (v.admin) v.grants = standing;
  return v;
}

// ================================================================ CommandRunAs

export const RUN_COMMAND_ACTIONS = ['ecs:RunCommand', 'ecs:InvokeCommand'] as const;
export type RunCommandAction = (typeof RUN_COMMAND_ACTIONS)[number];
export const PRIVILEGED_RUN_AS = ['root', 'system'] as const;
export type PrivilegedRunAs = (typeof PRIVILEGED_RUN_AS)[number];
export const COMMAND_RUN_AS_KEY = 'ecs:CommandRunAs';

export const RECOMMENDED_RUN_AS_CONDITION = {
  StringNotEqualsIgnoreCase: { [COMMAND_RUN_AS_KEY]: ['system', 'root'] },
} as const;

/** every casing of `word` (2^letters spellings; 64 for `system`) */
function casings(word: string): string[] {
  let out = [''];
  for (const ch of word) {
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    out = out.flatMap((p) => (lo === up ? [p + ch] : [p + lo, p + up]));
  }
  return out;
}

/**
 * The `ecs:CommandRunAs` values that run as each privileged user: Linux user
 * names are case-sensitive (`Root` is another user), Windows account names are
 * not (`System`, `SYSTEM` run as system). See spec/rules.md, decisions table.
 */
export const RUN_AS_SPELLINGS: Readonly<Record<PrivilegedRunAs, readonly string[]>> = {
  root: ['root'],
  system: casings('system'),
};

function isRunAsKey(key: string): boolean {
  return key.trim().toLowerCase() === COMMAND_RUN_AS_KEY.toLowerCase();
}

/**
 * Does a statement's condition block admit `value` as `ecs:CommandRunAs`?
 * Clauses on other keys are ignored (they do not restrict the run-as user);
 * a clause on the key with an operator this evaluator does not know is taken
 * to admit it. The service always sets the key (to the default user when the
 * request names none), so `IfExists` changes nothing here.
 */
export function runAsAdmitted(st: PolicyStatement, value: string): boolean {
  for (const c of st.conditions) {
    if (!isRunAsKey(c.key)) continue;
    if (evaluateCondition(c, { [COMMAND_RUN_AS_KEY]: value }) === false) return false;
  }
  return true;
}

/**
 * The spellings of each privileged user an Allow admits: found once per statement (parsed
 * statements are shared by every principal the policy is attached to, and asked about for
 * each run-command action); every spelling when no condition is on the run-as key.
 */
function admittedSpellings(
  st: PolicyStatement,
): Readonly<Record<PrivilegedRunAs, readonly string[]>> {
  let hit = ADMITTED_SPELLINGS.get(st);
  if (hit === undefined) {
    hit = st.conditions.some((c) => isRunAsKey(c.key))
      ? {
          root: RUN_AS_SPELLINGS.root.filter((v) => runAsAdmitted(st, v)),
          system: RUN_AS_SPELLINGS.system.filter((v) => runAsAdmitted(st, v)),
        }
      : RUN_AS_SPELLINGS;
    ADMITTED_SPELLINGS.set(st, hit);
  }
  return hit;
}

const ADMITTED_SPELLINGS = new WeakMap<
  PolicyStatement,
  Readonly<Record<PrivilegedRunAs, readonly string[]>>
>();

/** Is a Deny statement certain to apply when the run-as user is `value`? */
function denyCertainFor(st: PolicyStatement, value: string): boolean {
  for (const c of st.conditions) {
    // a Deny conditioned on anything else (source IP, MFA, tags...) does not always apply
    if (!isRunAsKey(c.key)) return false;
    if (evaluateCondition(c, { [COMMAND_RUN_AS_KEY]: value }) !== true) return false;
  }
  return true;
}

const fmt = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/** why a statement does not keep `values` out, in one sentence */
export function missingRunAsRestriction(st: PolicyStatement, values: readonly string[]): string {
  const clauses = st.conditions.filter((c) => isRunAsKey(c.key));
  const suggestion = `add "Condition": {"StringNotEqualsIgnoreCase": {"ecs:CommandRunAs": ["system", "root"]}}`;
  const admitted = fmt(values);
  if (clauses.length === 0) {
    return `no ${COMMAND_RUN_AS_KEY} condition, so commands may run as ${admitted} (root on Linux and system on Windows are the defaults); ${suggestion}`;
  }
  const parts = clauses.map((c) => {
    if (!c.known)
      return `${c.operator} on ${c.key} is not an operator ecs-audit can evaluate, so it is taken to admit ${admitted}`;
    const caseSensitive = /^String(Not)?Equals$|^String(Not)?Like$/.test(c.base);
    const caseNote =
      caseSensitive && c.values.some((x) => values.some((v) => x.toLowerCase() === v && x !== v))
        ? ' (the comparison is case-sensitive)'
        : caseSensitive && /Not/.test(c.base) && values.includes('system')
          ? ' (the comparison is case-sensitive: System or SYSTEM still run as system on Windows, so use StringNotEqualsIgnoreCase)'
          : '';
    return `${c.operator} ${c.key} ${fmt(c.values)} admits ${admitted}${caseNote}`;
  });
  return `${parts.join('; ')}; ${suggestion}`;
}

export interface RunAsGrant extends PolicyStatementRef {
  /** which of ecs:RunCommand / ecs:InvokeCommand the statement still allows as root or system */
  actions: RunCommandAction[];
  /** the Action patterns that select them, or `NotAction [...]` */
  matchedBy: string[];
  /** the privileged users it admits after Denies */
  admits: PrivilegedRunAs[];
  /** the restriction the statement lacks, in one sentence */
  missingRestriction: string;
}

export interface RunAsDeny extends PolicyStatementRef {
  /** the action/user pairs this Deny takes away */
  removes: Array<{ action: RunCommandAction; runAs: PrivilegedRunAs }>;
}

export interface RunAsVerdict {
  flagged: boolean;
  /** Allow statements that still admit root or system, after Denies */
  grants: RunAsGrant[];
  /** Deny statements that took some action/user pairs away */
  denies: RunAsDeny[];
}

/**
 * May the principal run Cloud Assistant commands as root or system?
 * See spec/rules.md `ram-command-run-as-root`: an Allow covering
 * ecs:RunCommand or ecs:InvokeCommand whose conditions admit root or system,
 * not removed again by a Deny. A Deny removes a pair (action, user) only when it
 * covers the action, covers the Allow's resources, and is certain to apply for
 * that user (its only conditions are on ecs:CommandRunAs and hold for it).
 */
export function commandRunAsAnalysis(p: PrincipalPolicies): RunAsVerdict {
  // (plain loops: a flatMap of filter/map arrays per attached policy, for thousands of principals)
  const denyStatements: { a: (typeof p.attached)[number]; s: PolicyStatement }[] = [];
  for (const a of p.attached) {
    for (const s of a.parsed.statements) if (s.effect === 'Deny') denyStatements.push({ a, s });
  }
  const verdict: RunAsVerdict = { flagged: false, grants: [], denies: [] };
  const denyRemovals = new Map<PolicyStatement, RunAsDeny>();
  for (const a of p.attached) {
    for (const st of a.parsed.statements) {
      if (st.effect !== 'Allow') continue;
      const actions = RUN_COMMAND_ACTIONS.filter((act) => statementCoversAction(st, act));
      if (actions.length === 0) continue;
      const remainingActions = new Set<RunCommandAction>();
      const remainingUsers = new Set<PrivilegedRunAs>();
      for (const action of actions) {
        for (const user of PRIVILEGED_RUN_AS) {
          // every spelling that runs as this user and the Allow admits must be denied again
          const admitted = admittedSpellings(st)[user];
          if (admitted.length === 0) continue;
          // no Deny at all (most principals): nothing can remove what the Allow admits
          if (denyStatements.length === 0) {
            remainingActions.add(action);
            remainingUsers.add(user);
            continue;
          }
          // the Deny that removes each admitted spelling, looked up once; all found = removed
          const removers = admitted.map((value) =>
            denyStatements.find(
              (d) =>
                scopeCovers(d.a, a) &&
                statementCoversAction(d.s, action) &&
                resourcesCover(d.s, st) &&
                denyCertainFor(d.s, value),
            ),
          );
          const found = removers.filter((r) => r !== undefined);
          if (found.length === removers.length) {
            for (const remover of found) {
              let entry = denyRemovals.get(remover.s);
              if (!entry) {
                entry = { ...ref(remover.a, remover.s), removes: [] };
                denyRemovals.set(remover.s, entry);
              }
              if (!entry.removes.some((r) => r.action === action && r.runAs === user))
                entry.removes.push({ action, runAs: user });
            }
            continue;
          }
          remainingActions.add(action);
          remainingUsers.add(user);
        }
      }
      if (remainingActions.size === 0) continue;
      const admits = PRIVILEGED_RUN_AS.filter((u) => remainingUsers.has(u));
      const acts = RUN_COMMAND_ACTIONS.filter((x) => remainingActions.has(x));
      verdict.grants.push({
        ...ref(a, st),
        actions: acts,
        matchedBy: st.action
          ? st.action.filter((pat) => acts.some((x) => actionMatches(pat, x)))
          : [`NotAction ${fmt(st.notAction ?? [])}`],
        admits,
        missingRestriction: missingRunAsRestriction(st, admits),
      });
    }
  }
  verdict.denies = [...denyRemovals.values()];
  verdict.flagged = verdict.grants.length > 0;
  return verdict;
}

// ================================================================ wording shared by the identity rules

const KIND_WORD: Readonly<Record<PrincipalKind, string>> = {
  'ram-user': 'RAM user',
  'ram-group': 'RAM group',
  'ram-role': 'RAM role',
};

/** `RAM user alice` */
export function principalLabel(p: Pick<PrincipalPolicies, 'kind' | 'name'>): string {
  return `${KIND_WORD[p.kind]} ${p.name}`;
}

/** `System policy AdministratorAccess (attached directly)`, `Custom policy ops (through group ops)` */
export function policyLabel(r: Pick<PolicyStatementRef, 'policy' | 'policyType' | 'via'>): string {
  const via =
    r.via === 'direct'
      ? 'attached directly'
      : r.via.startsWith('resource group ')
        ? `attached at ${r.via}`
        : `through ${r.via.replace(' in resource group ', ', at resource group ')}`;
  return `${r.policyType} policy ${r.policy} (${via})`;
}

// ================================================================ source network (wave 2)

/** the condition keys that name where a request comes from */
export const SOURCE_IP_KEY = 'acs:SourceIp';
export const SOURCE_VPC_KEY = 'acs:SourceVpc';

function isKey(key: string, name: string): boolean {
  return key.trim().toLowerCase() === name.toLowerCase();
}

/**
 * Do these CIDRs (the addresses a source-IP condition admits) cover the
 * internet, by the "open to the internet" threshold of spec/rules.md (at least
 * half of the public IPv4 space or of the global IPv6 unicast space)?
 * Values that are not CIDRs or addresses admit nothing.
 */
export function cidrsAdmitInternet(cidrs: readonly string[]): boolean {
  for (const family of ['ipv4', 'ipv6'] as const) {
    const intervals = cidrs
      .map((c) => parseCidr(c))
      .filter((p): p is NonNullable<typeof p> => p !== null && p.family === family)
      .map((p) => p.interval);
    const pub = family === 'ipv4' ? PUBLIC_IPV4 : PUBLIC_IPV6;
    const admitted = setSize(intersect(toSet(intervals), pub));
    if (admitted * 2n >= setSize(pub)) return true;
  }
  return false;
}

/** one clause restricting the source network, as written */
export interface NetworkClause {
  operator: string;
  key: string;
  values: string[];
}

const clauseOf = (c: ConditionClause): NetworkClause => ({
  operator: c.operator,
  key: c.key,
  values: c.values,
});

/**
 * A `StringLike`/`StringNotLike` `acs:SourceVpc` value with a wildcard (`*`,
 * `vpc-*`, `vpc-?23`) admits VPCs nobody listed, so it names no known network
 * (as a source-IP condition admitting the internet limits nothing). Under
 * `StringEquals` they are literal (only an all-`*` value is still refused).
 */
function vpcPatternAdmitsAny(value: string): boolean {
  return /[*?]/.test(value);
}

/**
 * Does an Allow statement admit requests only from known networks? It does
 * when one of its clauses is `IpAddress acs:SourceIp` listing no more than
 * the threshold, or `StringEquals[IgnoreCase]`/`StringLike` `acs:SourceVpc`
 * (`StringLike` without wildcards; without `IfExists`, which would admit
 * requests that carry no such key). Clauses are ANDed, so one limiting clause
 * is enough.
 */
export function allowLimitedTo(st: PolicyStatement): NetworkClause | undefined {
  for (const c of st.conditions) {
    if (!c.known || c.ifExists || c.qualifier === 'ForAllValues') continue;
    if (isKey(c.key, SOURCE_IP_KEY) && c.base === 'IpAddress' && !cidrsAdmitInternet(c.values))
      return clauseOf(c);
    if (
      isKey(c.key, SOURCE_VPC_KEY) &&
      (c.base === 'StringEquals' ||
        c.base === 'StringEqualsIgnoreCase' ||
        c.base === 'StringLike') &&
      c.values.length > 0 &&
      !c.values.some((v) => /^\*+$/.test(v.trim())) &&
      !(c.base === 'StringLike' && c.values.some(vpcPatternAdmitsAny))
    )
      return clauseOf(c);
  }
  return undefined;
}

/**
 * Is a Deny statement a network fence: every action (`*`, or an empty
 * NotAction) on every resource, denied whenever the request comes from outside
 * known networks? Its conditions must all be `NotIpAddress acs:SourceIp`
 * (listing no more than the threshold) or
 * `StringNotEquals[IgnoreCase]` / `StringNotLike` `acs:SourceVpc` (without
 * wildcards for `StringNotLike`): another condition (MFA, time, ...) makes it
 * apply only sometimes.
 */
export function denyFencesNetwork(st: PolicyStatement): NetworkClause[] | undefined {
  if (st.effect !== 'Deny') return undefined;
  // a Deny fences only the actions it denies: `NotAction ["ecs:*"]` leaves ecs:* open from anywhere
  if (!deniesEveryAction(st) || !denyCoversEveryResource(st)) return undefined;
  if (st.conditions.length === 0) return undefined;
  for (const c of st.conditions) {
    if (!c.known || c.qualifier === 'ForAllValues') return undefined;
    const ip = isKey(c.key, SOURCE_IP_KEY) && c.base === 'NotIpAddress';
    const vpc =
      isKey(c.key, SOURCE_VPC_KEY) &&
      (c.base === 'StringNotEquals' ||
        c.base === 'StringNotEqualsIgnoreCase' ||
        c.base === 'StringNotLike');
    if (!ip && !vpc) return undefined;
    if (ip && cidrsAdmitInternet(c.values)) return undefined;
    if (vpc && c.base === 'StringNotLike' && c.values.some(vpcPatternAdmitsAny)) return undefined;
  }
  return st.conditions.map(clauseOf);
}

/** `alice@corp.onaliyun.com` → `alice` (Resource Manager principal names) */
export function principalShortName(principalName: string): string {
  const at = principalName.indexOf('@');
  return at < 0 ? principalName : principalName.slice(0, at);
}

/** is this attachment at resource-group scope (a `rg-…` id, not the account id)? */
export function isResourceGroupScope(resourceGroupId: string): boolean {
  return /^rg-/i.test(resourceGroupId.trim());
}

export interface ScopedPolicy extends AttachedPolicy {
  /** the resource group the policy is attached for; undefined = account scope */
  resourceGroupId?: string;
}

export interface SourceNetworkVerdict {
  /** true: some access is not limited to known networks */
  unlimited: boolean;
  /** false when the verdict rests on data that could not be read (no finding then) */
  known: boolean;
  /** account-scope Deny statements that fence every request to known networks */
  fences: Array<PolicyStatementRef & { conditions: NetworkClause[] }>;
  /** Allow statements without a known-network condition */
  openAllows: Array<PolicyStatementRef & { resourceGroupId?: string }>;
  /** Allow statements limited to known networks */
  limitedAllows: Array<PolicyStatementRef & { resourceGroupId?: string; condition: NetworkClause }>;
  /** why the policy set is not fully known */
  unknown: string[];
}

/**
 * The policies attached to a user at resource-group scope (directly and
 * through its groups), or undefined when the attachments could not be read.
 */
export function resourceGroupPoliciesOfUser(
  inv: Inventory,
  userName: string,
  groups: readonly string[],
  unknown: string[],
): ScopedPolicy[] | undefined {
  const attachments = inv.ram.resourceGroupAttachments;
  if (attachments === undefined) return undefined;
  const index = policyIndex(inv);
  const out: ScopedPolicy[] = [];
  for (const a of attachments) {
    if (!isResourceGroupScope(a.resourceGroupId)) continue;
    const type = a.principalType.trim().toLowerCase();
    // RAM names are case-insensitive, as in principalPoliciesOf's resource-group index
    const short = principalShortName(a.principalName);
    const same = (name: string) => name.toLowerCase() === short.toLowerCase();
    const group = groups.find(same);
    let via: string;
    if (type === RG_PRINCIPAL_TYPE['ram-user'] && same(userName)) via = 'direct';
    else if (type === RG_PRINCIPAL_TYPE['ram-group'] && group !== undefined) via = `group ${group}`;
    else continue;
    const label = `${a.policyType} policy ${a.policyName} (resource group ${a.resourceGroupId})`;
    const policy = index.get(`${a.policyType.toLowerCase()}\u0000${a.policyName}`);
    if (!policy || policy.document === undefined) {
      unknown.push(`the document of ${label} could not be read`);
      continue;
    }
    const parsed = parsePolicyDocument(policy.document);
    if (parsed.errors.length > 0) {
      unknown.push(`the document of ${label} is malformed: ${parsed.errors[0]}`);
      continue;
    }
    out.push({
      name: a.policyName,
      type: a.policyType,
      via,
      parsed,
      resourceGroupId: a.resourceGroupId,
    });
  }
  return out;
}

/**
 * Is a user's access limited to known networks (spec/rules.md
 * `ram-access-key-without-source-ip`)? Limited when an account-scope Deny
 * fences every request to known networks; otherwise unlimited when at least
 * one Allow (direct, through groups, or at resource-group scope) has no
 * known-network condition. A fence attached at resource-group scope limits only
 * that group's resources, so it does not count. When no fence is known and the
 * answer depends on policies that could not be read (an account-scope policy
 * could hold a fence; a resource-group one an open Allow), `known` is false.
 */
export function sourceNetworkAnalysis(
  p: PrincipalPolicies,
  scoped: readonly ScopedPolicy[] | undefined,
  /** resource-group attachments whose policies could not be read */
  scopedUnknown: readonly string[] = [],
): SourceNetworkVerdict {
  const v: SourceNetworkVerdict = {
    unlimited: false,
    known: true,
    fences: [],
    openAllows: [],
    limitedAllows: [],
    unknown: [...p.unknown],
  };
  // resource-group-scope attachments come from `scoped` (which also says whether they
  // could be read); principalPoliciesOf lists them too, so take only its account-scope ones
  const all: ScopedPolicy[] = [
    ...p.attached.filter((a) => a.resourceGroupId === undefined),
    ...(scoped ?? []),
  ];
  for (const a of all) {
    for (const st of a.parsed.statements) {
      const r = ref(a, st);
      const rg = a.resourceGroupId !== undefined ? { resourceGroupId: a.resourceGroupId } : {};
      if (st.effect === 'Deny') {
        const fence = a.resourceGroupId === undefined ? denyFencesNetwork(st) : undefined;
        if (fence) v.fences.push({ ...r, conditions: fence });
        continue;
      }
      const limit = allowLimitedTo(st);
      if (limit) v.limitedAllows.push({ ...r, ...rg, condition: limit });
      else v.openAllows.push({ ...r, ...rg });
    }
  }
  // only an account-scope policy can hold a fence: what is unknown at
  // resource-group scope can add Allows, never take access away
  if (v.fences.length > 0) return v;
  if (v.unknown.length > 0) {
    v.known = false;
    return v;
  }
  if (v.openAllows.length > 0) {
    v.unlimited = true;
    return v;
  }
  if (scoped === undefined)
    v.unknown.push('the resource-group policy attachments could not be read');
  v.unknown.push(...scopedUnknown);
  v.known = v.unknown.length === 0;
  return v;
}

// ================================================================ role trust (wave 2)

export const ASSUME_ROLE_ACTION = 'sts:AssumeRole';

export type TrustKind = 'any-principal' | 'other-account-root';

export interface TrustGrant {
  statement: number;
  sid?: string;
  /** the principal as written, e.g. `*`, `acs:ram::123:root` */
  principal: string;
  /** the element it was written under (`RAM`, `Service`, `Federated`, or `*`) */
  principalType: string;
  kind: TrustKind;
  /** the other account, for `other-account-root` */
  accountId?: string;
}

export interface TrustVerdict {
  /** false when the trust policy is unknown or malformed (not evaluated) */
  known: boolean;
  problems: string[];
  /** unconditional Allow grants of sts:AssumeRole to any principal or another account's root */
  grants: TrustGrant[];
  /** the same grants, but with a condition: not flagged, listed as evidence */
  conditioned: Array<TrustGrant & { conditions: NetworkClause[] }>;
}

function principalEntries(raw: unknown): Array<{ type: string; value: string }> | undefined {
  if (typeof raw === 'string') return [{ type: '*', value: raw }];
  if (!isRecord(raw)) return undefined;
  const out: Array<{ type: string; value: string }> = [];
  for (const [type, v] of Object.entries(raw)) {
    const list = Array.isArray(v) ? v : [v];
    for (const x of list) {
      if (typeof x !== 'string' && typeof x !== 'number') return undefined;
      out.push({ type, value: String(x) });
    }
  }
  return out;
}

/** what a trusted principal stands for: any principal, an account's root, or something narrower */
export function classifyPrincipal(
  type: string,
  value: string,
): { kind: 'any' } | { kind: 'root'; accountId: string } | { kind: 'narrow' } {
  const v = value.trim();
  if (/^\*+$/.test(v)) return { kind: 'any' };
  const t = type.trim().toLowerCase();
  if (t !== 'ram' && t !== '*') return { kind: 'narrow' };
  // a bare account id stands for that account (its root)
  if (/^\d+$/.test(v)) return { kind: 'root', accountId: v };
  // a grant: a wildcard region (`acs:ram:*:<id>:root`) may match RAM's region-less ARNs too
  const parts = ramPrincipalParts(v, { wildcardRegion: true });
  if (!parts) return { kind: 'narrow' };
  const { account, rest } = parts;
  if (account === '' || /[*?]/.test(account)) return { kind: 'any' };
  if (wildcardMatch(rest, 'root', true)) return { kind: 'root', accountId: account };
  return { kind: 'narrow' };
}

/**
 * Who may assume a role (spec/rules.md `ram-role-trust-any-account`): Allow
 * statements covering `sts:AssumeRole` whose principal is any principal (`*`,
 * `{"RAM": "*"}`) or another account's whole root (`acs:ram::<other>:root`, or
 * the bare account id), other than `ownAccount` and `trustedAccounts`. A
 * statement with any condition (`sts:ExternalId`, `acs:SourceIp`, ...) is listed
 * under `conditioned`, not `grants`. An unconditional Deny of sts:AssumeRole
 * removes the grants of the principals it names (`denyRemoves`).
 */
export function trustPolicyAnalysis(
  document: unknown,
  ownAccount: string,
  trustedAccounts: readonly string[] = [],
): TrustVerdict {
  const v: TrustVerdict = { known: true, problems: [], grants: [], conditioned: [] };
  if (document === undefined) {
    v.known = false;
    v.problems.push('the trust policy could not be read');
    return v;
  }
  const parsed = parsePolicyDocument(document);
  if (parsed.errors.length > 0) {
    v.known = false;
    v.problems.push(...parsed.errors);
    return v;
  }
  let value: unknown = document;
  if (typeof document === 'string') value = JSON.parse(document);
  const rawStatements = field(value as Record<string, unknown>, 'Statement');
  const raws = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const trusted = new Set([ownAccount, ...trustedAccounts].map((a) => a.trim()));
  const denied: Array<{ type: string; value: string }> = [];
  for (const st of parsed.statements) {
    if (!statementCoversAction(st, ASSUME_ROLE_ACTION)) continue;
    const raw = raws[st.index] as Record<string, unknown>;
    const principalRaw = field(raw, 'Principal');
    if (principalRaw === undefined) continue;
    const entries = principalEntries(principalRaw);
    if (!entries) {
      v.known = false;
      v.problems.push(`Statement[${st.index}]: Principal is not readable`);
      continue;
    }
    if (st.effect === 'Deny') {
      if (st.conditions.length === 0) denied.push(...entries);
      continue;
    }
    for (const e of entries) {
      const c = classifyPrincipal(e.type, e.value);
      let grant: TrustGrant | undefined;
      const base = {
        statement: st.index,
        ...(st.sid !== undefined ? { sid: st.sid } : {}),
        principal: e.value,
        principalType: e.type,
      };
      if (c.kind === 'any') grant = { ...base, kind: 'any-principal' };
      else if (c.kind === 'root' && !trusted.has(c.accountId))
        grant = { ...base, kind: 'other-account-root', accountId: c.accountId };
      if (!grant) continue;
      if (st.conditions.length > 0)
        v.conditioned.push({ ...grant, conditions: st.conditions.map(clauseOf) });
      else v.grants.push(grant);
    }
  }
  v.grants = v.grants.filter((g) => !denied.some((d) => denyRemoves(d, g)));
  return v;
}

/** the type a principal entry names: `RAM` for an account or ARN written without one, `*` for `"*"` */
function entryType(type: string, value: string): string {
  const t = type.trim().toLowerCase();
  if (t !== '*') return t;
  return allStars(value.trim()) ? '*' : 'ram';
}

/**
 * A RAM principal as account and the rest: `123` → (123, root),
 * `acs:ram::123:user/x` → (123, user/x). RAM's ARNs have no region; with
 * `wildcardRegion` a region of only `*` is read as matching them (a grant
 * read widely errs towards reporting it; a Deny is only counted as written).
 */
function ramPrincipalParts(
  value: string,
  { wildcardRegion = false }: { wildcardRegion?: boolean } = {},
): { account: string; rest: string } | undefined {
  const v = value.trim();
  if (/^\d+$/.test(v)) return { account: v, rest: 'root' };
  const m = /^acs:ram:([^:]*):([^:]*):(.*)$/i.exec(v);
  if (!m) return undefined;
  const region = m[1]!.trim();
  if (region !== '' && !(wildcardRegion && /^\*+$/.test(region))) return undefined;
  return { account: m[2]!.trim(), rest: m[3]!.trim() };
}

/**
 * Does an unconditional Deny entry take a grant away? A Deny applies only to
 * the principals it names: `"*"` to every principal; `{"Service": "*"}` (or
 * `Federated`, `RAM`) to every principal of that type only; a RAM Deny of
 * every principal of every account (`acs:ram::*:*`) to every RAM grant; a RAM
 * Deny of an account's root (or of all of it, `acs:ram::<id>:*`) to that
 * account's root grant. Anything else removes nothing (conservative).
 */
function denyRemoves(deny: { type: string; value: string }, grant: TrustGrant): boolean {
  const dt = entryType(deny.type, deny.value);
  const gt = entryType(grant.principalType, grant.principal);
  if (dt === '*') return true;
  if (dt !== gt) return false;
  if (allStars(deny.value.trim())) return true;
  if (dt !== 'ram') return false;
  const d = ramPrincipalParts(deny.value);
  if (!d) return false;
  const everyone = allStars(d.rest);
  if (allStars(d.account) && everyone) return true;
  if (grant.kind !== 'other-account-root') return false;
  const g = ramPrincipalParts(grant.principal, { wildcardRegion: true });
  if (!g || d.account !== g.account) return false;
  return everyone || (d.rest.toLowerCase() === 'root' && g.rest.toLowerCase() === 'root');
}

/** the group a grant comes through (`group ops`, `group ops in resource group rg-1`), if any */
export function viaGroup(via: string): string | undefined {
  return /^group (\S+)/.exec(via)?.[1];
}

/** the resource groups the statements are attached for, in order, without repeats */
export function resourceGroupsOf(
  refs: ReadonlyArray<Pick<PolicyStatementRef, 'resourceGroupId'>>,
): string[] {
  return [...new Set(refs.flatMap((r) => (r.resourceGroupId ? [r.resourceGroupId] : [])))];
}
