import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-role-trust-any-account.js';

const OWN = '1234567890123456';
const OTHER = '9999888877776666';
const trust = (Principal: unknown, extra: Record<string, unknown> = {}) => ({
  Version: '1',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal, ...extra }],
});
const role = (name: string, trustPolicy: unknown) => ({
  name,
  arn: `acs:ram::${OWN}:role/${name}`,
  trustPolicy,
  policies: [],
});
const roles = (...list: unknown[]) => ({ ram: { roles: list as never } });
// an organization scan of member OWN: the management account and another member
const MANAGEMENT = '1000000000000001';
const MEMBER = '1000000000000002';
const inOrganization = (...list: unknown[]) => ({
  ...roles(...list),
  organization: {
    managementAccountId: MANAGEMENT,
    accounts: [
      { id: MANAGEMENT, name: 'management', type: 'CloudAccount', status: 'CreateSuccess' },
      { id: OWN, name: 'this', type: 'ResourceAccount', status: 'CreateSuccess' },
      { id: MEMBER, name: 'dev', type: 'ResourceAccount', status: 'CreateSuccess' },
    ],
  },
});

testRule(rule, {
  valid: [
    {
      name: "the same account's root",
      inventory: roles(role('r', trust({ RAM: [`acs:ram::${OWN}:root`] }))),
    },
    {
      name: 'a service principal',
      inventory: roles(role('r', trust({ Service: ['ecs.aliyuncs.com'] }))),
    },
    {
      name: "another account's root with a condition (sts:ExternalId)",
      inventory: roles(
        role(
          'r',
          trust(
            { RAM: [`acs:ram::${OTHER}:root`] },
            { Condition: { StringEquals: { 'sts:ExternalId': 'abc' } } },
          ),
        ),
      ),
    },
    {
      name: 'any principal with a source-IP condition',
      inventory: roles(
        role(
          'r',
          trust({ RAM: '*' }, { Condition: { IpAddress: { 'acs:SourceIp': '203.0.113.0/24' } } }),
        ),
      ),
    },
    {
      name: 'an account in trustedAccounts',
      inventory: roles(role('r', trust({ RAM: [`acs:ram::${OTHER}:root`] }))),
      options: { trustedAccounts: [OTHER] },
    },
    {
      name: 'a region-named ARN is no RAM principal at all',
      inventory: roles(role('r', trust({ RAM: [`acs:ram:cn-hangzhou:${OTHER}:root`] }))),
    },
    {
      name: 'a named role of another account (not its whole root)',
      inventory: roles(role('r', trust({ RAM: [`acs:ram::${OTHER}:role/deployer`] }))),
    },
    {
      name: "organization scan: the management account's root (the member role)",
      inventory: inOrganization(
        role('ResourceDirectoryAccountAccessRole', trust({ RAM: [`acs:ram::${MANAGEMENT}:root`] })),
      ),
    },
    {
      name: "organization scan: another member's root, as an ARN and as a bare id",
      inventory: inOrganization(role('r', trust({ RAM: [`acs:ram::${MEMBER}:root`, MEMBER] }))),
    },
    {
      name: 'trust policy unknown',
      notEvaluated: ['r'],
      inventory: roles({ name: 'r', policies: [] }),
    },
    {
      name: 'trust policy malformed',
      notEvaluated: ['r'],
      inventory: roles(role('r', '{not json')),
    },
    {
      name: 'an unconditional Deny of sts:AssumeRole to every principal',
      inventory: roles(
        role('r', {
          Version: '1',
          Statement: [
            { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: '*' } },
            { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: '*' },
          ],
        }),
      ),
    },
    {
      name: "a RAM Deny of the other account's root takes its grant away",
      inventory: roles(
        role('r', {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { RAM: [`acs:ram::${OTHER}:root`] },
            },
            { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { RAM: OTHER } },
          ],
        }),
      ),
    },
  ],
  invalid: [
    {
      name: 'Principal "*"',
      inventory: roles(role('open', trust('*'))),
      findings: [
        {
          id: 'open',
          type: 'ram-role',
          message: 'can be assumed by any principal ("*") without a condition',
          evidence: { grants: [{ kind: 'any-principal', principal: '*', statement: 0 }] },
        },
      ],
    },
    {
      name: '{"RAM": "*"}',
      inventory: roles(role('open', trust({ RAM: '*' }))),
      findings: [
        { id: 'open', evidence: { grants: [{ kind: 'any-principal', principalType: 'RAM' }] } },
      ],
    },
    {
      name: "another account's root",
      inventory: roles(role('x', trust({ RAM: [`acs:ram::${OTHER}:root`] }))),
      findings: [
        {
          id: 'x',
          message: `the whole root of account ${OTHER}`,
          evidence: { grants: [{ kind: 'other-account-root', accountId: OTHER }] },
        },
      ],
    },
    {
      // RAM's ARNs have no region: a wildcard one may still match them, so the grant counts
      name: "another account's root written with a wildcard region",
      inventory: roles(role('x', trust({ RAM: [`acs:ram:*:${OTHER}:root`] }))),
      findings: [
        {
          id: 'x',
          evidence: { grants: [{ kind: 'other-account-root', accountId: OTHER }] },
        },
      ],
    },
    {
      name: 'another account as a bare id, next to a trusted one',
      inventory: roles(role('x', trust({ RAM: ['5555444433332222', OTHER] }))),
      options: { trustedAccounts: [OTHER] },
      findings: [{ id: 'x', evidence: { grants: [{ accountId: '5555444433332222' }] } }],
    },
    {
      name: "outside an organization scan, the same management account's root is another account",
      inventory: roles(role('r', trust({ RAM: [`acs:ram::${MANAGEMENT}:root`] }))),
      findings: [{ id: 'r', evidence: { grants: [{ accountId: MANAGEMENT }] } }],
    },
    {
      name: 'organization scan: an account outside the directory is still flagged',
      inventory: inOrganization(
        role('r', trust({ RAM: [`acs:ram::${MANAGEMENT}:root`, `acs:ram::${OTHER}:root`] })),
      ),
      findings: [
        {
          id: 'r',
          message: `the whole root of account ${OTHER} without`,
          evidence: {
            grants: [{ kind: 'other-account-root', accountId: OTHER }],
            organization: { managementAccountId: MANAGEMENT, members: 3 },
          },
        },
      ],
    },
    {
      name: 'organization scan: any principal is still flagged',
      inventory: inOrganization(role('open', trust({ RAM: '*' }))),
      findings: [{ id: 'open', evidence: { grants: [{ kind: 'any-principal' }] } }],
    },
    {
      name: 'a Deny to every service or federated principal leaves the RAM grants',
      inventory: roles(
        role('open', {
          Version: '1',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { RAM: ['*', `acs:ram::${OTHER}:root`] },
            },
            { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: '*' } },
            { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Federated: ['*'] } },
          ],
        }),
      ),
      findings: [
        {
          id: 'open',
          evidence: {
            grants: [
              { kind: 'any-principal', principalType: 'RAM' },
              { kind: 'other-account-root', accountId: OTHER },
            ],
          },
        },
      ],
    },
    {
      name: 'every account by wildcard (acs:ram::*:root)',
      inventory: roles(role('x', JSON.stringify(trust({ RAM: ['acs:ram::*:root'] })))),
      findings: [{ id: 'x', evidence: { grants: [{ kind: 'any-principal' }] } }],
    },
  ],
});
