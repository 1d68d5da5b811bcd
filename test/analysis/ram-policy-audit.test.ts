/**
 * Where the evaluator used to part from how RAM decides (an audit reproduced
 * each): a Deny fencing the source network must deny every action; a
 * resource-group Deny does not reach an account-wide grant; a trust-policy Deny
 * removes only the principals it names; NotAction plus the Allow of what it
 * leaves out is `*` on `*`; a Resource naming every ARN of the account is every
 * resource.
 */
import { describe, expect, it } from 'vitest';
import { privilegeOf } from '../../src/analysis/privilege.js';
import {
  type AttachedPolicy,
  allPrincipalPolicies,
  denyFencesNetwork,
  evaluateRequest,
  grantsAdmin,
  matchesEveryResource,
  type PrincipalPolicies,
  parsePolicyDocument,
  sourceNetworkAnalysis,
  trustPolicyAnalysis,
} from '../../src/analysis/ram-policy.js';
import { buildInventory } from '../../src/testing/rule-tester.js';

const OWN = '1234567890123456';
const OTHER = '222222222222';

type Doc = Record<string, unknown>;
const doc = (...Statement: Doc[]): Doc => ({ Version: '1', Statement });

function attached(name: string, d: Doc, extra: Partial<AttachedPolicy> = {}): AttachedPolicy {
  const parsed = parsePolicyDocument(d);
  expect(parsed.errors).toEqual([]);
  return { name, type: 'Custom', via: 'direct', parsed, ...extra };
}

const principal = (
  list: AttachedPolicy[],
  extra: Partial<PrincipalPolicies> = {},
): PrincipalPolicies => ({ kind: 'ram-role', name: 'r', attached: list, unknown: [], ...extra });

const inResourceGroup = (rg: string): Partial<AttachedPolicy> => ({
  via: `resource group ${rg}`,
  resourceGroupId: rg,
});

// ------------------------------------------------------------------ 1. network fences

describe('a source-network fence denies every action', () => {
  const allowEcs = doc({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' });
  const outside = { NotIpAddress: { 'acs:SourceIp': ['192.0.2.0/24'] } };

  it('a Deny NotAction ["ecs:*"] outside the office leaves ecs:* open from anywhere', () => {
    const fence = doc({ Effect: 'Deny', NotAction: 'ecs:*', Resource: '*', Condition: outside });
    const p = principal([attached('allow', allowEcs), attached('fence', fence)]);
    // what RAM decides: ecs:RunCommand from an address outside the range is allowed
    const decision = evaluateRequest(
      p.attached.map((a) => ({ name: a.name, parsed: a.parsed })),
      { action: 'ecs:RunCommand', context: { 'acs:SourceIp': '198.51.100.1' } },
    );
    expect(decision.decision).toBe('allow');
    expect(denyFencesNetwork(p.attached[1]!.parsed.statements[0]!)).toBeUndefined();
    const v = sourceNetworkAnalysis(p, []);
    expect(v.fences).toEqual([]);
    expect(v.unlimited).toBe(true);
  });

  it('a NotAction Deny excluding every RAM action is no fence either', () => {
    const fence = doc({ Effect: 'Deny', NotAction: 'ram:*', Resource: '*', Condition: outside });
    expect(denyFencesNetwork(attached('f', fence).parsed.statements[0]!)).toBeUndefined();
  });

  it('Action "*" and an empty NotAction still fence', () => {
    for (const st of [
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: outside },
      { Effect: 'Deny', NotAction: [], Resource: '*', Condition: outside },
    ]) {
      const p = principal([attached('allow', allowEcs), attached('fence', doc(st))]);
      const v = sourceNetworkAnalysis(p, []);
      expect(v.fences).toHaveLength(1);
      expect(v.unlimited).toBe(false);
    }
  });
});

// ------------------------------------------------------------------ 2. resource-group Denies

describe('a resource-group Deny does not remove an account-wide privilege', () => {
  const allowRam = doc({ Effect: 'Allow', Action: 'ram:*', Resource: '*' });
  const denyRam = doc({ Effect: 'Deny', Action: 'ram:*', Resource: '*' });
  const allowSts = doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
  const denySts = doc({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' });

  it('ram:* stays a RAM write grant', () => {
    const v = privilegeOf(
      principal([
        attached('allowRam', allowRam),
        attached('denyRam', denyRam, inResourceGroup('rg-1')),
      ]),
    );
    expect(v.privileged).toBe(true);
    expect(v.grants).toMatchObject([{ kind: 'ram-write', policy: 'allowRam' }]);
  });

  it('sts:AssumeRole on * stays', () => {
    const v = privilegeOf(
      principal([attached('a', allowSts), attached('d', denySts, inResourceGroup('rg-1'))]),
    );
    expect(v.grants).toMatchObject([{ kind: 'assume-any-role', policy: 'a' }]);
  });

  it("an account-scope Deny, or one at the Allow's own resource group, still removes it", () => {
    expect(
      privilegeOf(principal([attached('a', allowRam), attached('d', denyRam)])).privileged,
    ).toBe(false);
    const rg = inResourceGroup('rg-1');
    expect(
      privilegeOf(principal([attached('a', allowRam, rg), attached('d', denyRam, rg)])).privileged,
    ).toBe(false);
    expect(
      privilegeOf(principal([attached('a', allowSts, rg), attached('d', denySts, rg)])).privileged,
    ).toBe(false);
  });
});

// ------------------------------------------------------------------ 3, 6. trust policy Denies

describe('a trust-policy Deny removes only the principals it names', () => {
  const allowTo = (Principal: unknown) => ({
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Principal,
  });
  const denyTo = (Principal: unknown) => ({ Effect: 'Deny', Action: 'sts:AssumeRole', Principal });
  const grants = (...st: Doc[]) =>
    trustPolicyAnalysis(JSON.stringify(doc(...st)), OWN).grants.map(
      (g) => `${g.principalType}:${g.principal}`,
    );

  it('a Service or Federated "*" Deny leaves RAM grants', () => {
    expect(grants(allowTo({ RAM: '*' }), denyTo({ Service: '*' }))).toEqual(['RAM:*']);
    expect(grants(allowTo({ RAM: `acs:ram::${OTHER}:root` }), denyTo({ Federated: '*' }))).toEqual([
      `RAM:acs:ram::${OTHER}:root`,
    ]);
  });

  it('a RAM "*" Deny removes every RAM grant, and Principal "*" every grant', () => {
    expect(
      grants(
        allowTo({ RAM: ['*', `acs:ram::${OTHER}:root`, '333333333333'] }),
        denyTo({ RAM: '*' }),
      ),
    ).toEqual([]);
    expect(grants(allowTo({ RAM: '*', Service: '*' }), denyTo('*'))).toEqual([]);
    // a RAM Deny does not take away what a Service "*" grant lets in
    expect(grants(allowTo({ Service: '*' }), denyTo({ RAM: '*' }))).toEqual(['Service:*']);
  });

  it("a RAM Deny of one account removes that account's grant only", () => {
    expect(
      grants(allowTo({ RAM: `acs:ram::${OTHER}:root` }), denyTo({ RAM: `acs:ram::${OTHER}:root` })),
    ).toEqual([]);
    expect(
      grants(allowTo({ RAM: [`acs:ram::${OTHER}:root`, '333333333333'] }), denyTo({ RAM: OTHER })),
    ).toEqual(['RAM:333333333333']);
    // the account's Deny does not close a grant to any principal
    expect(grants(allowTo({ RAM: '*' }), denyTo({ RAM: `acs:ram::${OTHER}:root` }))).toEqual([
      'RAM:*',
    ]);
  });

  it('a conditional Deny removes nothing', () => {
    expect(
      grants(allowTo({ RAM: '*' }), {
        ...denyTo({ RAM: '*' }),
        Condition: { NotIpAddress: { 'acs:SourceIp': '192.0.2.0/24' } },
      }),
    ).toEqual(['RAM:*']);
  });
});

// ------------------------------------------------------------------ 4. NotAction completed

describe('NotAction plus an Allow of what it leaves out is * on *', () => {
  const notRam = { Effect: 'Allow', NotAction: 'ram:*', Resource: '*' };
  const ram = { Effect: 'Allow', Action: 'ram:*', Resource: '*' };
  const RAM_FULL = doc({ Effect: 'Allow', Action: 'ram:*', Resource: '*' });

  it('in one policy: RAM allows every action, so admin', () => {
    const p = principal([attached('p', doc(notRam, ram))]);
    const policies = p.attached.map((a) => ({ name: a.name, parsed: a.parsed }));
    for (const action of ['ecs:DeleteInstance', 'ram:CreateUser', 'ram:AttachPolicyToUser'])
      expect(evaluateRequest(policies, { action, resource: 'acs:x:*:1:y' }).decision).toBe('allow');
    const v = grantsAdmin(p);
    expect(v.admin).toBe(true);
    expect(v.grants).toMatchObject([
      {
        policy: 'p',
        statement: 0,
        notActions: ['ram:*'],
        completedBy: [{ policy: 'p', statement: 1 }],
      },
    ]);
    expect(privilegeOf(p).grants[0]).toMatchObject({ kind: 'admin', statement: 0 });
  });

  it('with AliyunRAMFullAccess attached through a group', () => {
    const v = grantsAdmin(
      principal([
        attached('AllButRam', doc(notRam)),
        attached('AliyunRAMFullAccess', RAM_FULL, { type: 'System', via: 'group ops' }),
      ]),
    );
    expect(v.admin).toBe(true);
    expect(v.grants[0]!.completedBy).toEqual([
      { policy: 'AliyunRAMFullAccess', policyType: 'System', via: 'group ops', statement: 0 },
    ]);
  });

  it('NotAction ram:* alone stays a power user', () => {
    expect(grantsAdmin(principal([attached('p', doc(notRam))])).admin).toBe(false);
  });

  it('not when the rest is partial, conditional, denied, or only for a resource group', () => {
    const partial = doc({ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*'], Resource: '*' });
    const conditional = doc({ ...ram, Condition: { Bool: { 'acs:MFAPresent': 'true' } } });
    const oneResource = doc({ ...ram, Resource: `acs:ram::${OWN}:user/*` });
    for (const rest of [
      [attached('rest', partial)],
      [attached('rest', conditional)],
      [attached('rest', oneResource)],
      [attached('rest', RAM_FULL, inResourceGroup('rg-1'))],
      [attached('rest', RAM_FULL), attached('deny', doc({ ...ram, Effect: 'Deny' }))],
      [
        attached('rest', RAM_FULL),
        attached('deny', doc({ Effect: 'Deny', Action: '*', Resource: '*' })),
      ],
    ])
      expect(grantsAdmin(principal([attached('p', doc(notRam)), ...rest])).admin).toBe(false);
  });

  it('a conditional NotAction Allow is not completed', () => {
    const v = grantsAdmin(
      principal([
        attached('p', doc({ ...notRam, Condition: { Bool: { 'acs:MFAPresent': 'true' } } })),
        attached('rest', RAM_FULL),
      ]),
    );
    expect(v.admin).toBe(false);
  });
});

// ------------------------------------------------------------------ 5. every resource

describe('a Resource matching every ARN of the account is every resource', () => {
  const admin = (Resource: unknown, accountId?: string) =>
    grantsAdmin(
      principal([attached('p', doc({ Effect: 'Allow', Action: '*', Resource }))], {
        ...(accountId ? { accountId } : {}),
      }),
    ).admin;

  it.each<[string, boolean]>([
    ['*', true],
    ['acs:*', true],
    ['acs:*:*', true],
    ['acs:*:*:*', true],
    ['acs:*:*:*:*', true],
    ['ACS:**:*:*:*', true],
    [`acs:*:*:${OWN}:*`, true],
    [`acs:*:*:${OTHER}:*`, false],
    [`acs:*:*:${OWN}`, false],
    ['acs:ecs:*:*:*', false],
    ['acs:*:cn-hangzhou:*:*', false],
    ['acs:*:*:*:instance/*', false],
    ['acs:*:*:*:*:*', false],
    ['acs:?:*:*:*', false],
  ])('%s → %s', (resource, every) => {
    expect(matchesEveryResource(resource, OWN)).toBe(every);
    expect(admin(resource, OWN)).toBe(every);
  });

  it("the account's own id counts only when the account is known", () => {
    expect(matchesEveryResource(`acs:*:*:${OWN}:*`)).toBe(false);
    expect(admin(`acs:*:*:${OWN}:*`)).toBe(false);
    // allPrincipalPolicies passes the inventory's account on
    const inv = buildInventory({
      ram: {
        roles: [{ name: 'r', policies: [{ name: 'p', type: 'Custom' }] }],
        policies: [
          {
            name: 'p',
            type: 'Custom',
            document: doc({ Effect: 'Allow', Action: '*', Resource: `acs:*:*:${OWN}:*` }),
          },
        ],
      } as never,
    });
    expect(inv.account.id).toBe(OWN);
    const [p] = allPrincipalPolicies(inv);
    expect(grantsAdmin(p!).admin).toBe(true);
  });

  it('a Deny counts on every resource only as "*" or acs:*:*:*:* (a request may name no ARN)', () => {
    const v = grantsAdmin(
      principal(
        [
          attached('a', doc({ Effect: 'Allow', Action: '*', Resource: '*' })),
          attached('d', doc({ Effect: 'Deny', Action: '*', Resource: `acs:*:*:${OWN}:*` })),
        ],
        { accountId: OWN },
      ),
    );
    expect(v.admin).toBe(true);
  });

  it.each<[string, boolean]>([
    ['acs:ram:*:*:role/*', true],
    ['acs:ram::*:role/*', true],
    [`acs:ram::${OWN}:role/*`, true],
    [`acs:ram:*:${OWN}:role/*`, true],
    ['acs:ram:*:*:*', true],
    ['acs:ram:*', true],
    ['acs:*', true],
    [`acs:ram::${OTHER}:role/*`, false],
    ['acs:ram:*:*:role/admin*', false],
    ['acs:ram:*:*:user/*', false],
    ['acs:ram:cn-hangzhou:*:role/*', false],
    ['acs:sts:*:*:role/*', false],
  ])('sts:AssumeRole on %s is on every role: %s', (resource, every) => {
    const p = principal(
      [attached('p', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: resource }))],
      { accountId: OWN },
    );
    const kinds = privilegeOf(p).grants.map((g) => g.kind);
    expect(kinds).toEqual(every ? ['assume-any-role'] : []);
  });

  it('a Deny of sts:AssumeRole on every role removes it', () => {
    const p = principal(
      [
        attached('a', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' })),
        attached(
          'd',
          doc({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: 'acs:ram:*:*:role/*' }),
        ),
      ],
      { accountId: OWN },
    );
    expect(privilegeOf(p).privileged).toBe(false);
  });
});
