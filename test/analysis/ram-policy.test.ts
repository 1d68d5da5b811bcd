import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actionMatches,
  allPrincipalPolicies,
  commandRunAsAnalysis,
  evaluateCondition,
  evaluateRequest,
  grantsAdmin,
  matchesEveryRamAction,
  type PrincipalPolicies,
  parseOperator,
  parsePolicyDocument,
  RECOMMENDED_RUN_AS_CONDITION,
  RUN_AS_SPELLINGS,
  resourcePatternCovers,
  wildcardMatch,
} from '../../src/analysis/ram-policy.js';
import { buildInventory } from '../../src/testing/rule-tester.js';

const CORPUS = path.resolve(
  import.meta.dirname,
  '../../../shared/corpus/alibaba-ram-policy-documents',
);

const ADMINISTRATOR_ACCESS = {
  Version: '1',
  Statement: [{ Action: '*', Effect: 'Allow', Resource: '*' }],
};

type Doc = Record<string, unknown>;

/** a principal whose attached policies are these documents (`p0`, `p1`, ...) */
function principal(...docs: unknown[]): PrincipalPolicies {
  return {
    kind: 'ram-user',
    name: 'u',
    unknown: [],
    attached: docs.map((d, i) => {
      const parsed = parsePolicyDocument(d);
      expect(parsed.errors).toEqual([]);
      return { name: `p${i}`, type: 'Custom', via: 'direct', parsed };
    }),
  };
}

const allow = (action: unknown, extra: Doc = {}): Doc => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: action, Resource: '*', ...extra }],
});
const runAs = (condition: Doc, action: unknown = ['ecs:RunCommand', 'ecs:InvokeCommand']) =>
  allow(action, { Condition: condition });
const deny = (action: unknown, extra: Doc = {}): Doc => ({
  Version: '1',
  Statement: [{ Effect: 'Deny', Action: action, Resource: '*', ...extra }],
});

// ------------------------------------------------------------------ parsing

describe('parsePolicyDocument', () => {
  it('reads a JSON string and an object alike, Statement as an object or a list', () => {
    const obj = {
      Version: '1',
      Statement: { Effect: 'allow', Action: 'ecs:Describe*', Resource: ['*'] },
    };
    const fromString = parsePolicyDocument(JSON.stringify(obj));
    const fromObject = parsePolicyDocument(obj);
    expect(fromString).toEqual(fromObject);
    expect(fromObject.errors).toEqual([]);
    expect(fromObject.version).toBe('1');
    expect(fromObject.statements).toEqual([
      { index: 0, effect: 'Allow', action: ['ecs:Describe*'], resource: ['*'], conditions: [] },
    ]);
  });

  it('reads NotAction, NotResource, Sid and conditions with qualifiers and IfExists', () => {
    const p = parsePolicyDocument({
      Statement: [
        {
          Sid: 's1',
          Effect: 'Deny',
          NotAction: ['ram:*'],
          NotResource: 'acs:ram:*:*:user/admin',
          Condition: {
            'ForAnyValue:StringEqualsIgnoreCaseIfExists': {
              'ecs:CommandRunAs': ['Root', 'system'],
            },
            Bool: { 'acs:MFAPresent': true },
          },
        },
      ],
    });
    expect(p.errors).toEqual([]);
    const st = p.statements[0]!;
    expect(st).toMatchObject({
      sid: 's1',
      effect: 'Deny',
      notAction: ['ram:*'],
      notResource: ['acs:ram:*:*:user/admin'],
    });
    expect(st.conditions).toEqual([
      {
        operator: 'ForAnyValue:StringEqualsIgnoreCaseIfExists',
        base: 'StringEqualsIgnoreCase',
        known: true,
        qualifier: 'ForAnyValue',
        ifExists: true,
        key: 'ecs:CommandRunAs',
        values: ['Root', 'system'],
      },
      {
        operator: 'Bool',
        base: 'Bool',
        known: true,
        qualifier: null,
        ifExists: false,
        key: 'acs:MFAPresent',
        values: ['true'],
      },
    ]);
  });

  it.each([
    ['not JSON', '{"Statement": [', /not valid JSON/],
    ['not an object', '[1, 2]', /not a JSON object/],
    ['no Statement', { Version: '1' }, /no Statement/],
    ['a bad Effect', { Statement: [{ Effect: 'Maybe', Action: '*' }] }, /Effect is "Maybe"/],
    [
      'Action and NotAction',
      { Statement: [{ Effect: 'Allow', Action: '*', NotAction: 'x:*' }] },
      /both Action and NotAction/,
    ],
    [
      'neither Action nor NotAction',
      { Statement: [{ Effect: 'Allow', Resource: '*' }] },
      /neither Action nor NotAction/,
    ],
    ['a numeric Action', { Statement: [{ Effect: 'Allow', Action: [1] }] }, /not a string/],
    [
      'a Condition string',
      { Statement: [{ Effect: 'Allow', Action: '*', Condition: 'x' }] },
      /Condition is not an object/,
    ],
    [
      'a Condition value object',
      {
        Statement: [{ Effect: 'Allow', Action: '*', Condition: { StringEquals: { k: { a: 1 } } } }],
      },
      /not a string, number or boolean/,
    ],
  ])('reports %s without throwing', (_name, doc, error) => {
    const p = parsePolicyDocument(doc);
    expect(p.errors.join('\n')).toMatch(error);
  });

  it('keeps the good statements of a document with a bad one and reports the bad one', () => {
    const p = parsePolicyDocument({
      Statement: [{ Effect: 'Allow', Action: 'ecs:Describe*' }, { Effect: 'Deny' }],
    });
    expect(p.statements.map((s) => s.index)).toEqual([0]);
    expect(p.errors).toEqual(['Statement[1] has neither Action nor NotAction']);
  });

  it('reads "Condition": [] and {} as no condition', () => {
    for (const c of [[], {}]) {
      const p = parsePolicyDocument({
        Statement: [{ Effect: 'Allow', Action: '*', Condition: c }],
      });
      expect(p.errors).toEqual([]);
      expect(p.statements[0]!.conditions).toEqual([]);
    }
  });

  it('parses arbitrary JSON values without throwing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const p = parsePolicyDocument(v);
        expect(Array.isArray(p.statements)).toBe(true);
        expect(Array.isArray(parsePolicyDocument(JSON.stringify(v)).errors)).toBe(true);
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          expect(parsePolicyDocument(JSON.stringify(v))).toEqual(p);
        }
      }),
    );
  });
});

describe('parseOperator', () => {
  it.each([
    ['StringEquals', 'StringEquals', null, false, true],
    ['stringnotequalsignorecase', 'StringNotEqualsIgnoreCase', null, false, true],
    ['ForAllValues:StringLikeIfExists', 'StringLike', 'ForAllValues', true, true],
    ['foranyvalue:StringNotEquals', 'StringNotEquals', 'ForAnyValue', false, true],
    ['Null', 'Null', null, false, true],
    ['StringMatchesRegex', 'StringMatchesRegex', null, false, false],
  ])('%s', (raw, base, qualifier, ifExists, known) => {
    expect(parseOperator(raw)).toEqual({ base, qualifier, ifExists, known });
  });
});

// ------------------------------------------------------------------ matching

/** reference implementation: a regular expression built from the glob */
function referenceMatch(pattern: string, value: string): boolean {
  const re = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${re}$`, 'is').test(value);
}

describe('action matching', () => {
  it.each([
    ['ecs:RunCommand', 'ecs:RunCommand', true],
    ['ECS:runcommand', 'ecs:RunCommand', true],
    ['ecs:*', 'ecs:InvokeCommand', true],
    ['*', 'ecs:RunCommand', true],
    ['*:*', 'ecs:RunCommand', true],
    ['ecs:*Command', 'ecs:RunCommand', true],
    ['ecs:*Command', 'ecs:InvokeCommand', true],
    ['ecs:*Command', 'ecs:DescribeCommands', false],
    ['ecs:Run?ommand', 'ecs:RunCommand', true],
    ['ecs:Run?Command', 'ecs:RunCommand', false],
    ['ecs:Describe*', 'ecs:RunCommand', false],
    ['*:Describe*', 'ecs:DescribeInstances', true],
    ['ecs:RunCommand', 'ecs:RunCommands', false],
    ['ecs:RunCommand', 'ecs:Run', false],
    [' ecs:RunCommand ', 'ecs:RunCommand', true],
    ['oss:*', 'ecs:RunCommand', false],
  ])('%j vs %j → %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  const alphabet = fc.constantFrom('a', 'b', 'A', 'c', ':', '*', '?', '.');
  const text = fc.string({ unit: fc.constantFrom('a', 'b', 'B', 'c', ':', '.'), maxLength: 12 });
  it('agrees with a regular-expression reference on random patterns (case-insensitive)', () => {
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 10 }), text, (pattern, value) => {
        expect(wildcardMatch(pattern, value, true)).toBe(referenceMatch(pattern, value));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the reference on patterns derived from the value', () => {
    // patterns that often match: take the value and replace some characters with wildcards
    fc.assert(
      fc.property(
        text,
        fc.array(fc.constantFrom('keep', '*', '?', 'drop', 'upper'), { maxLength: 12 }),
        (value, edits) => {
          const pattern = value
            .split('')
            .map((ch, i) => {
              const e = edits[i] ?? 'keep';
              if (e === '*' || e === '?') return e;
              if (e === 'drop') return '';
              return e === 'upper' ? ch.toUpperCase() : ch;
            })
            .join('');
          expect(wildcardMatch(pattern, value)).toBe(referenceMatch(pattern, value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is case-sensitive when asked', () => {
    expect(wildcardMatch('Root*', 'rootx', false)).toBe(false);
    expect(wildcardMatch('root*', 'rootx', false)).toBe(true);
  });
});

describe('matchesEveryRamAction', () => {
  it.each([
    ['ram:*', true],
    ['RAM:*', true],
    ['ram*', true],
    ['r*', true],
    ['*', true],
    ['*:*', true],
    ['ram:?*', true],
    ['ram:*?', true],
    ['ram?*', true],
    ['??*', true],
    ['ram:??*', false],
    ['ram:?', false],
    ['ram:Get*', false],
    ['ecs:*', false],
    ['ram:*a', false],
  ])('%j → %s', (pattern, expected) => {
    expect(matchesEveryRamAction(pattern)).toBe(expected);
  });

  it('is sound: a pattern it accepts matches every ram: action of 1+ characters', () => {
    const unit = fc.constantFrom('r', 'a', 'm', ':', '*', '?', 'x');
    const name = fc.string({ unit: fc.constantFrom('a', 'B', 'x', ':', '9'), minLength: 1 });
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 8 }), name, (pattern, n) => {
        if (matchesEveryRamAction(pattern)) expect(actionMatches(pattern, `ram:${n}`)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('resourcePatternCovers', () => {
  it.each([
    ['*', 'acs:ecs:*:*:instance/*', true],
    ['acs:*:*:*:*', 'acs:ecs:cn-hangzhou:1:instance/i-1', true],
    ['acs:ecs:*:*:instance/*', 'acs:ecs:*:*:instance/*', true],
    ['acs:ecs:*:*:instance/*', 'acs:ecs:cn-hangzhou:1:instance/i-1', true],
    ['acs:ecs:*', 'acs:ecs:*:*:instance/*', true],
    ['acs:ecs:*:*:instance/i-1', 'acs:ecs:*:*:instance/*', false],
    ['acs:ecs:?:*', 'acs:ecs:*:*', false],
  ])('%s ⊇ %s → %s', (outer, inner, expected) => {
    expect(resourcePatternCovers(outer, inner)).toBe(expected);
  });
});

// ------------------------------------------------------------------ conditions

describe('evaluateCondition', () => {
  const clause = (operator: string, key: string, values: string[]) => {
    const p = parsePolicyDocument({
      Statement: [{ Effect: 'Allow', Action: '*', Condition: { [operator]: { [key]: values } } }],
    });
    return p.statements[0]!.conditions[0]!;
  };
  it.each([
    ['StringEquals', ['root'], { k: 'root' }, true],
    ['StringEquals', ['Root'], { k: 'root' }, false],
    ['StringEqualsIgnoreCase', ['Root'], { k: 'root' }, true],
    ['StringNotEquals', ['ROOT'], { k: 'root' }, true],
    ['StringNotEqualsIgnoreCase', ['ROOT'], { k: 'root' }, false],
    ['StringLike', ['ro*'], { k: 'root' }, true],
    ['StringLike', ['RO*'], { k: 'root' }, false],
    ['StringNotLike', ['user*'], { k: 'root' }, true],
    ['StringEquals', ['root'], {}, false],
    ['StringEqualsIfExists', ['root'], {}, true],
    ['StringNotEquals', ['root'], {}, false],
    ['ForAllValues:StringEquals', ['a', 'b'], { k: ['a', 'b'] }, true],
    ['ForAllValues:StringEquals', ['a'], { k: ['a', 'b'] }, false],
    ['ForAllValues:StringEquals', ['a'], {}, true],
    ['ForAnyValue:StringEquals', ['a'], { k: ['a', 'b'] }, true],
    ['ForAnyValue:StringEquals', ['a'], {}, false],
    ['ForAnyValue:StringNotEquals', ['a'], { k: ['a', 'b'] }, true],
    ['StringNotEquals', ['a'], { k: ['a', 'b'] }, false],
    ['Bool', ['true'], { k: true }, true],
    ['Bool', ['true'], { k: 'false' }, false],
    ['NumericLessThan', ['10'], { k: 5 }, true],
    ['NumericGreaterThanEquals', ['10'], { k: '9' }, false],
    ['NumericEquals', ['10'], { k: 'ten' }, false],
    ['DateLessThan', ['2019-08-12T17:00:00+08:00'], { k: '2019-08-12T08:59:59Z' }, true],
    ['DateLessThan', ['2019-08-12T17:00:00+08:00'], { k: '2019-08-12T09:00:00Z' }, false],
    ['IpAddress', ['203.0.113.0/24'], { k: '203.0.113.9' }, true],
    ['IpAddress', ['203.0.113.0/24', '198.51.100.1'], { k: '198.51.100.1' }, true],
    ['IpAddress', ['203.0.113.0/24'], { k: '198.51.100.9' }, false],
    ['NotIpAddress', ['203.0.113.0/24'], { k: '198.51.100.9' }, true],
    ['IpAddress', ['2001:db8::/32'], { k: '2001:db8::1' }, true],
    ['IpAddress', ['203.0.113.0/24'], { k: '::ffff:203.0.113.5' }, true],
    ['IpAddress', ['203.0.113.0/24'], { k: 'not-an-ip' }, false],
    ['Null', ['true'], {}, true],
    ['Null', ['false'], {}, false],
    ['Null', ['false'], { k: 'x' }, true],
  ])('%s %j with %j → %s', (operator, values, context, expected) => {
    expect(evaluateCondition(clause(operator, 'k', values), context)).toBe(expected);
  });

  it('matches keys case-insensitively and leaves unknown operators undetermined', () => {
    expect(
      evaluateCondition(clause('StringEquals', 'ECS:CommandRunAs', ['x']), {
        'ecs:commandrunas': 'x',
      }),
    ).toBe(true);
    expect(evaluateCondition(clause('StringMatchesRegex', 'k', ['x']), { k: 'x' })).toBeUndefined();
  });
});

describe('evaluateRequest', () => {
  const policies = [
    { name: 'ops', parsed: parsePolicyDocument(allow('ecs:*')) },
    {
      name: 'guard',
      parsed: parsePolicyDocument(
        deny('ecs:Delete*', { Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }),
      ),
    },
  ];
  it('applies explicit Deny over Allow for the request context', () => {
    expect(
      evaluateRequest(policies, {
        action: 'ecs:DeleteInstance',
        context: { 'acs:SourceIp': '47.0.0.1' },
      }).decision,
    ).toBe('deny');
    expect(
      evaluateRequest(policies, {
        action: 'ecs:DeleteInstance',
        context: { 'acs:SourceIp': '10.1.2.3' },
      }).decision,
    ).toBe('allow');
    expect(evaluateRequest(policies, { action: 'oss:GetObject' }).decision).toBe('implicitDeny');
  });
  it('answers "can this principal call ecs:RunCommand with ecs:CommandRunAs = root?"', () => {
    const ps = [{ name: 'op', parsed: parsePolicyDocument(runAs(RECOMMENDED_RUN_AS_CONDITION)) }];
    expect(
      evaluateRequest(ps, { action: 'ecs:RunCommand', context: { 'ecs:CommandRunAs': 'root' } })
        .decision,
    ).toBe('implicitDeny');
    expect(
      evaluateRequest(ps, { action: 'ecs:RunCommand', context: { 'ecs:CommandRunAs': 'SYSTEM' } })
        .decision,
    ).toBe('implicitDeny');
    expect(
      evaluateRequest(ps, { action: 'ecs:RunCommand', context: { 'ecs:CommandRunAs': 'user01' } })
        .decision,
    ).toBe('allow');
  });
  it('matches resources and NotResource', () => {
    const ps = [
      {
        name: 'p',
        parsed: parsePolicyDocument({
          Statement: [
            { Effect: 'Allow', Action: 'ecs:*', Resource: 'acs:ecs:*:*:instance/*' },
            { Effect: 'Deny', Action: 'ecs:*', NotResource: 'acs:ecs:*:*:instance/i-ok*' },
          ],
        }),
      },
    ];
    expect(
      evaluateRequest(ps, {
        action: 'ecs:StopInstance',
        resource: 'acs:ecs:cn-hangzhou:1:instance/i-ok1',
      }).decision,
    ).toBe('allow');
    expect(
      evaluateRequest(ps, {
        action: 'ecs:StopInstance',
        resource: 'acs:ecs:cn-hangzhou:1:instance/i-2',
      }).decision,
    ).toBe('deny');
    expect(
      evaluateRequest(ps, {
        action: 'ecs:StopInstance',
        resource: 'acs:ecs:cn-hangzhou:1:disk/d-1',
      }).decision,
    ).toBe('deny');
  });
});

// ------------------------------------------------------------------ admin

describe('grantsAdmin', () => {
  it.each<[string, unknown[], boolean]>([
    ['AdministratorAccess', [ADMINISTRATOR_ACCESS], true],
    [
      'Action *:* on acs:*:*:*:*',
      [{ Statement: [{ Effect: 'Allow', Action: '*:*', Resource: 'acs:*:*:*:*' }] }],
      true,
    ],
    [
      'lower-case effect, Resource omitted',
      [{ Statement: [{ Effect: 'allow', Action: ['ecs:Describe*', '*'] }] }],
      true,
    ],
    [
      '* on * with an MFA condition',
      [allow('*', { Condition: { Bool: { 'acs:MFAPresent': 'true' } } })],
      true,
    ],
    [
      '* on * minus billing (narrower Deny)',
      [
        {
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: ['bss:*', 'efc:*'], Resource: '*' },
          ],
        },
      ],
      true,
    ],
    ['ecs:* only', [allow('ecs:*')], false],
    ['*:Describe* only', [allow(['*:Describe*', '*:List*'])], false],
    [
      '* on one resource',
      [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'acs:ecs:*:*:instance/*' }] }],
      false,
    ],
    [
      '* on NotResource',
      [{ Statement: [{ Effect: 'Allow', Action: '*', NotResource: 'acs:ram:*:*:*' }] }],
      false,
    ],
    [
      'NotAction ram:*',
      [{ Statement: [{ Effect: 'Allow', NotAction: 'ram:*', Resource: '*' }] }],
      false,
    ],
    ['* on *, then Deny * on * in another policy', [ADMINISTRATOR_ACCESS, deny('*')], false],
    [
      '* on *, Deny * on * only outside the office',
      [
        ADMINISTRATOR_ACCESS,
        deny('*', { Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }),
      ],
      true,
    ],
    ['Deny * only', [deny('*')], false],
  ])('%s → %s', (_name, docs, admin) => {
    const v = grantsAdmin(principal(...docs));
    expect(v.admin).toBe(admin);
  });

  it('names the granting statement and the narrower Denies', () => {
    const v = grantsAdmin(
      principal(allow('ecs:Describe*'), {
        Statement: [
          { Effect: 'Allow', Action: 'ecs:*' },
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 'bss:*', Resource: '*' },
        ],
      }),
    );
    expect(v.grants).toEqual([
      { policy: 'p1', policyType: 'Custom', via: 'direct', statement: 1, conditions: [] },
    ]);
    expect(v.exceptions).toEqual([
      { policy: 'p1', policyType: 'Custom', via: 'direct', statement: 2, actions: ['bss:*'] },
    ]);
  });
});

// ------------------------------------------------------------------ CommandRunAs

describe('commandRunAsAnalysis', () => {
  const RECOMMENDED = RECOMMENDED_RUN_AS_CONDITION as unknown as Doc;
  it.each<[string, unknown[], string[] | false]>([
    // --- flagged: [expected admitted users]
    [
      'exact actions without a condition',
      [allow(['ecs:RunCommand', 'ecs:InvokeCommand'])],
      ['root', 'system'],
    ],
    ['ecs:*', [allow('ecs:*')], ['root', 'system']],
    ['*', [allow('*')], ['root', 'system']],
    ['ecs:*Command', [allow('ecs:*Command')], ['root', 'system']],
    ['lower-case ecs:runcommand', [allow('ecs:runcommand')], ['root', 'system']],
    [
      'NotAction that does not exclude them',
      [{ Statement: [{ Effect: 'Allow', NotAction: ['ecs:Delete*'], Resource: '*' }] }],
      ['root', 'system'],
    ],
    [
      'a condition on another key only (MFA)',
      [runAs({ Bool: { 'acs:MFAPresent': 'true' } })],
      ['root', 'system'],
    ],
    [
      'an unknown operator on another key',
      [runAs({ StringMatchesRegex: { 'acs:SourceIp': '.*' } })],
      ['root', 'system'],
    ],
    [
      'case-sensitive StringNotEquals with upper-case values',
      [runAs({ StringNotEquals: { 'ecs:CommandRunAs': ['ROOT', 'SYSTEM'] } })],
      ['root', 'system'],
    ],
    [
      'StringNotEqualsIgnoreCase listing only root',
      [runAs({ StringNotEqualsIgnoreCase: { 'ecs:CommandRunAs': 'root' } })],
      ['system'],
    ],
    [
      'StringEqualsIgnoreCase ["ROOT"]',
      [runAs({ StringEqualsIgnoreCase: { 'ecs:CommandRunAs': ['ROOT'] } })],
      ['root'],
    ],
    ['StringLike ["*"]', [runAs({ StringLike: { 'ecs:CommandRunAs': '*' } })], ['root', 'system']],
    ['StringLike ["s*"]', [runAs({ StringLike: { 'ecs:CommandRunAs': 's*' } })], ['system']],
    ['StringNotLike ["r*"]', [runAs({ StringNotLike: { 'ecs:CommandRunAs': 'r*' } })], ['system']],
    // Windows account names are case-insensitive: a case-sensitive negation leaves System / SYSTEM
    [
      'case-sensitive StringNotEquals ["root","system"] admits System',
      [runAs({ StringNotEquals: { 'ecs:CommandRunAs': ['root', 'system'] } })],
      ['system'],
    ],
    [
      'case-sensitive StringNotEquals listing several casings admits sYstem',
      [runAs({ StringNotEquals: { 'ecs:CommandRunAs': ['root', 'system', 'System', 'SYSTEM'] } })],
      ['system'],
    ],
    [
      'StringNotLike ["r*","s*"] admits System',
      [runAs({ StringNotLike: { 'ecs:CommandRunAs': ['r*', 's*'] } })],
      ['system'],
    ],
    [
      'StringEquals ["SYSTEM"] runs as system',
      [runAs({ StringEquals: { 'ecs:CommandRunAs': ['SYSTEM'] } })],
      ['system'],
    ],
    [
      'an unknown operator on ecs:CommandRunAs',
      [runAs({ StringMatchesRegex: { 'ecs:CommandRunAs': '^user' } })],
      ['root', 'system'],
    ],
    [
      'Null false on ecs:CommandRunAs',
      [runAs({ Null: { 'ecs:CommandRunAs': 'false' } })],
      ['root', 'system'],
    ],
    [
      'the recommended condition on another statement only',
      [
        {
          Statement: [
            { Effect: 'Allow', Action: 'ecs:RunCommand', Resource: '*', Condition: RECOMMENDED },
            { Effect: 'Allow', Action: 'ecs:InvokeCommand', Resource: '*' },
          ],
        },
      ],
      ['root', 'system'],
    ],
    [
      'a Deny that removes root only',
      [
        allow('ecs:*'),
        deny(['ecs:RunCommand', 'ecs:InvokeCommand'], {
          Condition: { StringEquals: { 'ecs:CommandRunAs': 'root' } },
        }),
      ],
      ['system'],
    ],
    ['a Deny of RunCommand only', [allow('ecs:*'), deny('ecs:RunCommand')], ['root', 'system']],
    [
      'a Deny conditioned on the source IP',
      [
        allow('ecs:*'),
        deny('ecs:*Command', { Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } }),
      ],
      ['root', 'system'],
    ],
    [
      'a Deny on one instance only',
      [allow('ecs:*'), deny('ecs:*', { Resource: 'acs:ecs:*:*:instance/i-1' })],
      ['root', 'system'],
    ],
    [
      'a Deny with NotResource',
      [
        allow('ecs:*'),
        deny('ecs:*', { Resource: undefined, NotResource: 'acs:ecs:*:*:instance/i-1' }),
      ],
      ['root', 'system'],
    ],
    // --- not flagged
    ['the recommended StringNotEqualsIgnoreCase ["system","root"]', [runAs(RECOMMENDED)], false],
    [
      'StringNotEqualsIgnoreCase with other casing',
      [runAs({ StringNotEqualsIgnoreCase: { 'ecs:CommandRunAs': ['SYSTEM', 'Root'] } })],
      false,
    ],
    [
      'StringEquals ["user01","user02"]',
      [runAs({ StringEquals: { 'ecs:CommandRunAs': ['user01', 'user02'] } })],
      false,
    ],
    [
      'StringEquals ["Root"] is case-sensitive',
      [runAs({ StringEquals: { 'ecs:CommandRunAs': ['Root'] } })],
      false,
    ],
    ['StringLike ["user*"]', [runAs({ StringLike: { 'ecs:CommandRunAs': 'user*' } })], false],
    [
      'StringNotLike ["r*","s*","S*"] (every casing of system starts with s or S)',
      [runAs({ StringNotLike: { 'ecs:CommandRunAs': ['r*', 's*', 'S*'] } })],
      false,
    ],
    [
      'ForAnyValue:StringNotEqualsIgnoreCase',
      [
        runAs({
          'ForAnyValue:StringNotEqualsIgnoreCase': { 'ecs:CommandRunAs': ['root', 'system'] },
        }),
      ],
      false,
    ],
    [
      'ForAllValues:StringEquals ["user01"]',
      [runAs({ 'ForAllValues:StringEquals': { 'ecs:CommandRunAs': ['user01'] } })],
      false,
    ],
    [
      'StringNotEqualsIgnoreCaseIfExists',
      [runAs({ StringNotEqualsIgnoreCaseIfExists: { 'ecs:CommandRunAs': ['root', 'system'] } })],
      false,
    ],
    [
      'key spelled in lower case',
      [runAs({ StringNotEqualsIgnoreCase: { 'ecs:commandrunas': ['root', 'system'] } })],
      false,
    ],
    [
      'Bool on ecs:CommandRunAs never holds for a user name',
      [runAs({ Bool: { 'ecs:CommandRunAs': 'true' } })],
      false,
    ],
    [
      'the recommended condition plus an unknown operator on another key',
      [runAs({ ...RECOMMENDED, StringMatchesRegex: { 'acs:SourceIp': '.*' } })],
      false,
    ],
    [
      'two clauses that together exclude both',
      [
        runAs({
          StringNotEquals: { 'ecs:CommandRunAs': 'root' },
          StringNotEqualsIgnoreCase: { 'ecs:CommandRunAs': 'system' },
        }),
      ],
      false,
    ],
    [
      'NotAction that excludes both',
      [{ Statement: [{ Effect: 'Allow', NotAction: ['ecs:*Command', 'ram:*'], Resource: '*' }] }],
      false,
    ],
    ['read-only ecs:Describe*', [allow(['ecs:Describe*', 'ecs:List*'])], false],
    [
      'ecs:DescribeCommands and CreateCommand',
      [allow(['ecs:DescribeCommands', 'ecs:CreateCommand'])],
      false,
    ],
    ['Deny only', [deny('ecs:*')], false],
    [
      'a Deny that removes both root and system',
      [
        allow('ecs:*'),
        deny('ecs:*Command', {
          Condition: { StringEqualsIgnoreCase: { 'ecs:CommandRunAs': ['root', 'system'] } },
        }),
      ],
      false,
    ],
    [
      'a Deny of both actions for everyone',
      [allow('*'), deny(['ecs:RunCommand', 'ecs:InvokeCommand'])],
      false,
    ],
    ['a Deny on * removes an Allow on "*"', [allow('ecs:RunCommand'), deny('ecs:*')], false],
    [
      'a Deny on acs:ecs:* does not cover an Allow on "*"',
      [allow('ecs:RunCommand'), deny('ecs:*', { Resource: 'acs:ecs:*' })],
      ['root', 'system'],
    ],
    [
      'a Deny whose resource covers the Allow',
      [
        allow('ecs:RunCommand', { Resource: ['acs:ecs:*:*:instance/*', 'acs:ecs:*:*:command/*'] }),
        { Statement: [{ Effect: 'Deny', Action: 'ecs:*', Resource: 'acs:ecs:*' }] },
      ],
      false,
    ],
  ])('%s', (_name, docs, expected) => {
    const v = commandRunAsAnalysis(principal(...docs));
    if (expected === false) {
      expect(v.flagged, JSON.stringify(v.grants)).toBe(false);
      expect(v.grants).toEqual([]);
    } else {
      expect(v.flagged).toBe(true);
      expect([...new Set(v.grants.flatMap((g) => g.admits))].sort()).toEqual([...expected].sort());
    }
  });

  it('names the policy, the statement and the missing restriction', () => {
    const v = commandRunAsAnalysis(
      principal(allow('ecs:Describe*'), {
        Statement: [
          { Effect: 'Allow', Action: 'ecs:DescribeInstances', Resource: '*' },
          { Effect: 'Allow', Action: ['ecs:Describe*', 'ecs:*Command'], Resource: '*' },
        ],
      }),
    );
    expect(v.grants).toHaveLength(1);
    expect(v.grants[0]).toMatchObject({
      policy: 'p1',
      statement: 1,
      actions: ['ecs:RunCommand', 'ecs:InvokeCommand'],
      matchedBy: ['ecs:*Command'],
      admits: ['root', 'system'],
    });
    expect(v.grants[0]!.missingRestriction).toMatch(/^no ecs:CommandRunAs condition/);
    expect(v.grants[0]!.missingRestriction).toContain('StringNotEqualsIgnoreCase');
  });

  it('explains a case-sensitive operator and records what a Deny removed', () => {
    const v = commandRunAsAnalysis(
      principal(
        runAs({ StringNotEquals: { 'ecs:CommandRunAs': ['ROOT', 'system'] } }),
        deny('ecs:InvokeCommand'),
      ),
    );
    expect(v.grants).toHaveLength(1);
    expect(v.grants[0]).toMatchObject({ actions: ['ecs:RunCommand'], admits: ['root', 'system'] });
    expect(v.grants[0]!.missingRestriction).toContain(
      'StringNotEquals ecs:CommandRunAs ["ROOT", "system"] admits ["root", "system"] (the comparison is case-sensitive)',
    );
    expect(v.denies).toEqual([
      {
        policy: 'p1',
        policyType: 'Custom',
        via: 'direct',
        statement: 0,
        removes: [
          { action: 'ecs:InvokeCommand', runAs: 'root' },
          { action: 'ecs:InvokeCommand', runAs: 'system' },
        ],
      },
    ]);
  });

  it('never flags a statement that carries the recommended condition (property)', () => {
    const actionPattern = fc.constantFrom(
      '*',
      'ecs:*',
      'ecs:*Command',
      'ecs:RunCommand',
      'ECS:InvokeCommand',
      'ecs:Run*',
      '*:*',
    );
    const otherClause = fc.record({
      op: fc.constantFrom(
        'Bool',
        'IpAddress',
        'StringEquals',
        'DateLessThan',
        'StringMatchesRegex',
      ),
      key: fc.constantFrom('acs:MFAPresent', 'acs:SourceIp', 'ecs:tag/owner', 'acs:CurrentTime'),
      value: fc.string({ maxLength: 8 }),
    });
    fc.assert(
      fc.property(
        fc.array(actionPattern, { minLength: 1, maxLength: 4 }),
        fc.array(otherClause, { maxLength: 3 }),
        (actions, others) => {
          const condition: Doc = { ...(RECOMMENDED_RUN_AS_CONDITION as unknown as Doc) };
          for (const o of others)
            condition[o.op] = { ...((condition[o.op] as Doc) ?? {}), [o.key]: o.value };
          expect(commandRunAsAnalysis(principal(runAs(condition, actions))).flagged).toBe(false);
          // and without the run-as clause the same statement is flagged
          const { StringNotEqualsIgnoreCase: _drop, ...rest } = condition;
          expect(commandRunAsAnalysis(principal(runAs(rest, actions))).flagged).toBe(true);
        },
      ),
    );
  });

  it('agrees with evaluateRequest on single-statement policies (property)', () => {
    const op = fc.constantFrom(
      'StringEquals',
      'StringNotEquals',
      'StringEqualsIgnoreCase',
      'StringNotEqualsIgnoreCase',
      'StringLike',
      'StringNotLike',
    );
    const value = fc.constantFrom(
      'root',
      'ROOT',
      'system',
      'System',
      'user01',
      'r*',
      's?stem',
      '*',
    );
    fc.assert(
      fc.property(op, fc.array(value, { minLength: 1, maxLength: 3 }), (operator, values) => {
        const doc = runAs({ [operator]: { 'ecs:CommandRunAs': values } }, 'ecs:RunCommand');
        const v = commandRunAsAnalysis(principal(doc));
        const parsed = parsePolicyDocument(doc);
        // root is one spelling (Linux names are case-sensitive); system is every casing (Windows)
        const admitted = (['root', 'system'] as const).filter((u) =>
          RUN_AS_SPELLINGS[u].some(
            (spelling) =>
              evaluateRequest([{ name: 'p', parsed }], {
                action: 'ecs:RunCommand',
                context: { 'ecs:CommandRunAs': spelling },
              }).decision === 'allow',
          ),
        );
        expect(v.grants.flatMap((g) => g.admits)).toEqual(admitted);
      }),
    );
  });
});

// ------------------------------------------------------------------ principals

describe('allPrincipalPolicies', () => {
  const inventory = buildInventory({
    ram: {
      users: [
        { name: 'alice', policies: [], groups: ['ops'] },
        { name: 'bob', policies: [{ name: 'AdministratorAccess', type: 'System' }], groups: [] },
        { name: 'carol', groups: [] },
        { name: 'dave', policies: [{ name: 'missing', type: 'Custom' }], groups: ['ghost'] },
      ],
      groups: [{ name: 'ops', policies: [{ name: 'runner', type: 'Custom' }] }],
      roles: [{ name: 'web', policies: [{ name: 'broken', type: 'Custom' }] }],
      policies: [
        {
          name: 'AdministratorAccess',
          type: 'System',
          document: JSON.stringify(ADMINISTRATOR_ACCESS),
        },
        { name: 'runner', type: 'Custom', document: allow('ecs:*Command') },
        { name: 'broken', type: 'Custom', document: 'not json' },
      ],
    },
  });
  const all = allPrincipalPolicies(inventory);
  const of = (kind: string, name: string) => all.find((p) => p.kind === kind && p.name === name)!;

  it('resolves group attachments for users and System policies from a JSON string', () => {
    expect(of('ram-user', 'alice').attached.map((a) => [a.name, a.via])).toEqual([
      ['runner', 'group ops'],
    ]);
    expect(of('ram-user', 'alice').unknown).toEqual([]);
    expect(commandRunAsAnalysis(of('ram-user', 'alice')).flagged).toBe(true);
    expect(grantsAdmin(of('ram-user', 'bob')).admin).toBe(true);
    expect(of('ram-group', 'ops').attached.map((a) => a.via)).toEqual(['direct']);
  });

  it('says what is unknown instead of guessing', () => {
    expect(of('ram-user', 'carol').unknown).toEqual([
      'the policies attached to user carol could not be read',
    ]);
    expect(of('ram-user', 'dave').unknown).toEqual([
      'Custom policy missing (direct) is not in the inventory',
      'group ghost is not in the inventory',
    ]);
    expect(of('ram-role', 'web').unknown[0]).toMatch(
      /broken \(direct\) is malformed: the document is not valid JSON/,
    );
  });
});

// ------------------------------------------------------------------ the corpus

describe('the published RAM policy documents', () => {
  const files = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const read = (f: string) => readFileSync(path.join(CORPUS, f), 'utf8');

  it('has the documents this test expects', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  it.each(files)('%s parses without errors and without throwing', (f) => {
    const p = parsePolicyDocument(read(f));
    expect(p.errors).toEqual([]);
    expect(p.statements.length).toBeGreaterThan(0);
    // the analyses run on every document
    expect(() => grantsAdmin(principal(read(f)))).not.toThrow();
    expect(() => commandRunAsAnalysis(principal(read(f)))).not.toThrow();
  });

  const verdict = (f: string) => {
    const p = principal(read(f));
    return { admin: grantsAdmin(p).admin, runAsRoot: commandRunAsAnalysis(p).flagged };
  };

  it('detects AdministratorAccess and the "* on * except billing" document as admin', () => {
    expect(grantsAdmin(principal(JSON.stringify(ADMINISTRATOR_ACCESS))).admin).toBe(true);
    expect(
      verdict(
        'ram.Manage_information_about_all_resources_within_an_Alibaba_Cloud_account.14cb8a.json',
      ),
    ).toEqual({ admin: true, runAsRoot: true });
  });

  it.each([
    'ram.View_information_about_all_cloud_resources_within_an_Alibaba_Cloud_acc.9a7100.json',
    'ram.View_ECS_instances_in_a_specific_region.41133a.json',
    'ecs.Implement_access_control_by_using_RAM.a19a45.json',
    'ram.Authorize_RAM_users_to_use_ActionTrail.26485f.json',
    'ecs.Use_RAM_roles_to_access_other_Alibaba_Cloud_services.d98d57.json',
    'ram.FAQ_about_RAM_users.84e429.json',
  ])('does not flag the read-only or deny-only %s', (f) => {
    expect(verdict(f)).toEqual({ admin: false, runAsRoot: false });
  });

  it.each([
    ['ecs.Run_Cloud_Assistant_commands_as_a_regular_user.6b0d6b.json', false], // StringNotEqualsIgnoreCase ["system","root"]
    ['ecs.Run_Cloud_Assistant_commands_as_a_regular_user.569e2e.json', false], // StringEquals ["user01","user02"]
    ['ecs.Use_OOS_Parameter_Store_in_Cloud_Assistant_commands.0edb62.json', true], // same actions, no condition
    ['ecs.Use_OOS_Parameter_Store_in_Cloud_Assistant_commands.426f65.json', true],
    ['ram.ECS_authorization_policy_samples.e4f095.json', true], // ecs:*
    ['ram.Allow_only_MFA-enabled_RAM_users_to_access_cloud_resources.03da08.json', true], // ecs:* with MFA only
    ['ecs.Control_access_to_resources_by_using_tags.9ad8b3.json', true], // ecs:* on tags only
    ['ram.Manage_ECS_security_groups_within_an_Alibaba_Cloud_account.07f303.json', false], // ecs:*SecurityGroup*
  ])('gives %s the CommandRunAs verdict flagged=%s', (f, flagged) => {
    expect(verdict(f).runAsRoot).toBe(flagged);
    expect(verdict(f).admin).toBe(false);
  });
});
