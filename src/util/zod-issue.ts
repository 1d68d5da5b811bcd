/**
 * One line for a zod issue, in the user's words: zod's own messages say
 * "Invalid input: expected string, received undefined" for a missing key and
 * only "Invalid input" for a value that fits no form of a union. Here a
 * missing key is `required (a string)`, a wrong value names what was expected
 * and what was given, and a message the schema wrote itself is kept.
 */
import type { z } from 'zod';
import { formatZodPath } from './zod-path.js';

type Issue = z.core.$ZodIssue;

export interface IssueText {
  /** where, from the input's root (an unknown key's path ends with the key) */
  path: Array<string | number>;
  message: string;
}

/** zod's English default messages; anything else was written by a schema */
const DEFAULT_MESSAGE = /^(Invalid\b|Too (big|small):|Unrecognized keys?\b)/;

function at(
  root: unknown,
  path: ReadonlyArray<string | number>,
): { found: boolean; value?: unknown } {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key)) return { found: false };
    v = (v as Record<string | number, unknown>)[key];
  }
  return v === undefined ? { found: false } : { found: true, value: v };
}

/** a given value, short: `"text"`, `5`, `null`, `a list`, `an object` */
export function describeValue(v: unknown): string {
  // JSON's quoting keeps a multi-line value on the message's one line
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v).slice(0, 60);
}

const TYPES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  record: 'an object',
  null: 'null',
  never: 'nothing (the key is not allowed)',
};
const typeName = (t: string): string => TYPES[t] ?? `a ${t}`;

const valueList = (values: readonly unknown[]): string =>
  values.length > 2
    ? `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`
    : values.map((v) => JSON.stringify(v)).join(' or ');

/** what a union's branch wanted at its root, or undefined when the value fit its outer form */
function branchWants(issues: readonly Issue[]): string | undefined {
  const first = issues[0];
  if (!first || first.path.length > 0) return undefined;
  if (first.code === 'invalid_type') return typeName(first.expected);
  if (first.code === 'invalid_value') return valueList(first.values);
  return undefined;
}

const plural = (n: number | bigint, word: string): string =>
  `${n} ${word}${Number(n) === 1 ? '' : 's'}`;

function sizeText(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string | undefined {
  const small = issue.code === 'too_small';
  const n = small ? issue.minimum : issue.maximum;
  const bound = small ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `expected ${bound} ${plural(n, 'item')}`;
    case 'string':
      return small && Number(n) === 1
        ? 'must not be empty'
        : `expected ${bound} ${plural(n, 'character')}`;
    case 'number':
    case 'int':
    case 'bigint':
      return `expected a number ${small ? '>' : '<'}${issue.inclusive ? '=' : ''} ${n}`;
    default:
      return undefined;
  }
}

/**
 * The issue's path (from the root of `input`, the data that was validated) and
 * a clear phrase. `input` is looked into to tell a missing key from a wrong
 * value and to show what was given.
 */
export function describeZodIssue(issue: Issue, input: unknown): IssueText {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const own = !DEFAULT_MESSAGE.test(issue.message);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return { path: [...path, key], message: `unknown key ${JSON.stringify(key)}` };
  }
  if (issue.code === 'invalid_union') {
    // a value of one branch's outer form (an object of the right shape, ...) fails inside it:
    // that branch's own issue says more than "fits no form"
    const inner = issue.errors.find((branch) => branchWants(branch) === undefined)?.[0];
    if (inner) return describeZodIssue({ ...inner, path: [...issue.path, ...inner.path] }, input);
  }
  const given = at(input, path);
  const got = given.found ? ` (got ${describeValue(given.value)})` : '';
  let wants: string | undefined;
  switch (issue.code) {
    case 'invalid_type':
      wants = typeName(issue.expected);
      break;
    case 'invalid_value':
      wants = valueList(issue.values);
      break;
    case 'invalid_union': {
      const forms = [...new Set(issue.errors.map(branchWants).filter((w) => w !== undefined))];
      wants = forms.length ? forms.join(' or ') : undefined;
      break;
    }
  }
  // a message the schema wrote says more than ours, a missing key's included
  if (own) return { path, message: `${issue.message}${got}` };
  if (!given.found && wants !== undefined) return { path, message: `required (${wants})` };
  switch (issue.code) {
    case 'invalid_type':
    case 'invalid_value':
    case 'invalid_union':
      return { path, message: `expected ${wants ?? 'another form'}${got}` };
    case 'too_small':
    case 'too_big':
      // the size of a list or an object is not shown by "got a list"
      return {
        path,
        message: `${sizeText(issue) ?? issue.message}${typeof given.value === 'object' ? '' : got}`,
      };
    case 'invalid_format':
      return {
        path,
        message: `${issue.format === 'regex' ? 'not in the expected format' : `expected ${issue.format === 'datetime' ? 'an ISO-8601 time' : `a valid ${issue.format}`}`}${got}`,
      };
    default:
      return { path, message: `${issue.message}${got}` };
  }
}

/** `a.b[3].c: required (a string)` */
export function formatZodIssue(issue: Issue, input: unknown): string {
  const { path, message } = describeZodIssue(issue, input);
  return `${formatZodPath(path)}: ${message}`;
}
