import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-access-key-without-source-ip.js';

const OFFICE = '203.0.113.0/24';
const ADMIN = { name: 'AdministratorAccess', type: 'System' };
const key = (id: string, status = 'Active') => ({ id, status, createDate: '2026-01-01T00:00:00Z' });
const doc = (...Statement: unknown[]) => ({ Version: '1', Statement });
const allow = (Condition?: unknown) => ({
  Effect: 'Allow',
  Action: 'ecs:*',
  Resource: '*',
  ...(Condition ? { Condition } : {}),
});
const denyOutside = (Condition: unknown) => ({
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition,
});
const policy = (name: string, document: unknown, type = 'Custom') => ({ name, type, document });
const ip = (...cidrs: string[]) => ({ IpAddress: { 'acs:SourceIp': cidrs } });
const notIp = (...cidrs: string[]) => ({ NotIpAddress: { 'acs:SourceIp': cidrs } });
const ADMIN_DOC = policy(
  'AdministratorAccess',
  doc({ Effect: 'Allow', Action: '*', Resource: '*' }),
  'System',
);

interface UserSpec {
  policies?: Array<{ name: string; type: string }>;
  groups?: string[];
  keys?: ReturnType<typeof key>[];
}
const user = (name: string, spec: UserSpec = {}) => ({
  name,
  accessKeys: spec.keys ?? [key(`LTAI5t${name}Key0001`)],
  groups: spec.groups ?? [],
  policies: spec.policies ?? [],
});
const ram = (fields: Record<string, unknown>) => ({
  ram: { resourceGroupAttachments: [], ...fields } as never,
});
const rgAttach = (
  principalName: string,
  principalType: string,
  policyName: string,
  rg = 'rg-prod',
  policyType = 'Custom',
) => ({
  principalName,
  principalType,
  policyName,
  policyType,
  resourceGroupId: rg,
});

testRule(rule, {
  valid: [
    {
      name: 'Deny with NotIpAddress on * fences an administrator',
      inventory: ram({
        users: [user('alice', { policies: [ADMIN, { name: 'office-only', type: 'Custom' }] })],
        policies: [ADMIN_DOC, policy('office-only', doc(denyOutside(notIp(OFFICE))))],
      }),
    },
    {
      name: 'every Allow conditioned on acs:SourceIp',
      inventory: ram({
        users: [user('ci', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [
          policy('p', doc(allow(ip(OFFICE)), { ...allow(ip('198.51.100.7')), Action: 'oss:*' })),
        ],
      }),
    },
    {
      name: 'Allow conditioned on acs:SourceVpc',
      inventory: ram({
        users: [user('app', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow({ StringEquals: { 'acs:SourceVpc': ['vpc-1'] } })))],
      }),
    },
    {
      name: 'Deny with StringNotEquals acs:SourceVpc fences through a group',
      inventory: ram({
        users: [user('app', { policies: [ADMIN], groups: ['fenced'] })],
        groups: [{ name: 'fenced', policies: [{ name: 'vpc-only', type: 'Custom' }] }],
        policies: [
          ADMIN_DOC,
          policy('vpc-only', doc(denyOutside({ StringNotEquals: { 'acs:SourceVpc': 'vpc-1' } }))),
        ],
      }),
    },
    {
      name: 'an exact acs:SourceVpc under StringLike limits; so does a StringNotLike fence',
      inventory: ram({
        users: [user('app', { policies: [{ name: 'p', type: 'Custom' }, ADMIN] })],
        policies: [
          ADMIN_DOC,
          policy(
            'p',
            doc(
              allow({ StringLike: { 'acs:SourceVpc': ['vpc-123'] } }),
              denyOutside({ StringNotLike: { 'acs:SourceVpc': ['vpc-123'] } }),
            ),
          ),
        ],
      }),
    },
    {
      name: 'only inactive keys',
      inventory: ram({
        users: [user('old', { policies: [ADMIN], keys: [key('LTAI5tOld0001', 'Inactive')] })],
        policies: [ADMIN_DOC],
      }),
    },
    {
      name: 'AccessKeys unknown',
      inventory: ram({
        users: [{ name: 'u', groups: [], policies: [ADMIN] }],
        policies: [ADMIN_DOC],
      }),
    },
    {
      name: 'no Allow at all: the key can do nothing',
      inventory: ram({ users: [user('idle')], policies: [] }),
    },
    {
      name: "a group policy's document unknown, the known Allows conditioned: not evaluated",
      notEvaluated: ['u'],
      inventory: ram({
        users: [user('u', { policies: [{ name: 'p', type: 'Custom' }], groups: ['g'] })],
        groups: [{ name: 'g', policies: [{ name: 'secret', type: 'Custom' }] }],
        policies: [policy('p', doc(allow(ip(OFFICE)))), { name: 'secret', type: 'Custom' }],
      }),
    },
    {
      name: 'an account-scope policy unknown with an open Allow: it could be a fence, not evaluated',
      notEvaluated: ['u'],
      inventory: ram({
        users: [user('u', { policies: [ADMIN, { name: 'maybe-fence', type: 'Custom' }] })],
        policies: [ADMIN_DOC, { name: 'maybe-fence', type: 'Custom' }],
      }),
    },
    {
      name: 'resource-group attachments unknown, the known Allows conditioned: not evaluated',
      notEvaluated: ['u'],
      inventory: {
        ram: {
          users: [user('u', { policies: [{ name: 'p', type: 'Custom' }] })],
          policies: [policy('p', doc(allow(ip(OFFICE))))],
        } as never,
      },
    },
  ],
  invalid: [
    {
      name: 'resource-group attachments unknown, but an account-scope Allow is open: they cannot add a fence',
      inventory: {
        ram: {
          users: [user('eve', { policies: [ADMIN] })],
          policies: [ADMIN_DOC],
        } as never,
      },
      findings: [{ id: 'eve' }],
    },
    {
      name: 'one Allow conditioned, one not',
      inventory: ram({
        users: [user('dev', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow(ip(OFFICE)), { ...allow(), Action: 'oss:GetObject' }))],
      }),
      findings: [
        {
          id: 'dev',
          type: 'ram-user',
          message:
            /1 active AccessKey \(\*\*\*\*0001\) usable from any network: Custom policy p \(attached directly\) statement 1/,
          evidence: {
            accessKeys: [{ id: '****0001', active: true }],
            unrestrictedAllows: [{ policy: 'p', via: 'direct', statement: 1 }],
            restrictedAllows: [{ policy: 'p', statement: 0 }],
          },
        },
      ],
    },
    {
      name: 'a source-IP condition admitting the internet (0.0.0.0/0) limits nothing',
      inventory: ram({
        users: [user('u', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow(ip('0.0.0.0/0'))))],
      }),
      findings: [{ id: 'u' }],
    },
    {
      name: 'a Deny with NotIpAddress 0.0.0.0/1 + 128.0.0.0/1 fences nothing',
      inventory: ram({
        users: [user('u', { policies: [ADMIN, { name: 'fake-fence', type: 'Custom' }] })],
        policies: [
          ADMIN_DOC,
          policy('fake-fence', doc(denyOutside(notIp('0.0.0.0/1', '128.0.0.0/1')))),
        ],
      }),
      findings: [
        {
          id: 'u',
          evidence: {
            unrestrictedAllows: [{ policy: 'AdministratorAccess', policyType: 'System' }],
          },
        },
      ],
    },
    {
      name: 'an unconditioned Allow through a group',
      inventory: ram({
        users: [user('u', { groups: ['ops'] })],
        groups: [{ name: 'ops', policies: [ADMIN] }],
        policies: [ADMIN_DOC],
      }),
      findings: [
        {
          id: 'u',
          message: 'through group ops',
          evidence: { unrestrictedAllows: [{ via: 'group ops' }] },
        },
      ],
    },
    {
      name: 'an unconditioned Allow at resource-group scope',
      inventory: ram({
        users: [user('bob', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow(ip(OFFICE)))), ADMIN_DOC],
        resourceGroupAttachments: [
          rgAttach('bob@corp.onaliyun.com', 'IMSUser', 'AdministratorAccess', 'rg-prod', 'System'),
        ],
      }),
      findings: [
        {
          id: 'bob',
          message: 'resource group rg-prod',
          evidence: {
            unrestrictedAllows: [{ policy: 'AdministratorAccess', resourceGroupId: 'rg-prod' }],
          },
        },
      ],
    },
    {
      name: 'a resource-group attachment names the user in another case (RAM names are case-insensitive)',
      inventory: ram({
        users: [user('bob', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow(ip(OFFICE)))), ADMIN_DOC],
        resourceGroupAttachments: [
          rgAttach('Bob@corp.onaliyun.com', 'IMSUser', 'AdministratorAccess', 'rg-prod', 'System'),
        ],
      }),
      findings: [{ id: 'bob', message: 'resource group rg-prod' }],
    },
    {
      name: 'a source-IP Deny at resource-group scope does not fence the user',
      inventory: ram({
        users: [user('carol', { policies: [ADMIN] })],
        policies: [ADMIN_DOC, policy('office-only', doc(denyOutside(notIp(OFFICE))))],
        resourceGroupAttachments: [rgAttach('carol@corp.onaliyun.com', 'IMSUser', 'office-only')],
      }),
      findings: [{ id: 'carol' }],
    },
    {
      name: 'a Deny with StringNotLike acs:SourceVpc "*" fences nothing: any VPC passes',
      inventory: ram({
        users: [user('u', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [
          policy(
            'p',
            doc(
              { ...allow(), Action: 'ecs:Describe*' },
              denyOutside({ StringNotLike: { 'acs:SourceVpc': ['*'] } }),
            ),
          ),
        ],
      }),
      findings: [{ id: 'u', evidence: { unrestrictedAllows: [{ policy: 'p', statement: 0 }] } }],
    },
    {
      name: 'a Deny with StringNotLike acs:SourceVpc "vpc-*" fences nothing',
      inventory: ram({
        users: [user('u', { policies: [ADMIN, { name: 'f', type: 'Custom' }] })],
        policies: [
          ADMIN_DOC,
          policy('f', doc(denyOutside({ StringNotLike: { 'acs:SourceVpc': ['vpc-1', 'vpc-*'] } }))),
        ],
      }),
      findings: [{ id: 'u' }],
    },
    {
      name: 'an Allow with StringLike acs:SourceVpc "vpc-*" admits any VPC: limits nothing',
      inventory: ram({
        users: [user('u', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow({ StringLike: { 'acs:SourceVpc': ['vpc-*'] } })))],
      }),
      findings: [{ id: 'u', evidence: { unrestrictedAllows: [{ policy: 'p', statement: 0 }] } }],
    },
    {
      name: 'an Allow with StringLike acs:SourceVpc "vpc-12?" admits unknown VPCs',
      inventory: ram({
        users: [user('u', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [policy('p', doc(allow({ StringLike: { 'acs:SourceVpc': ['vpc-12?'] } })))],
      }),
      findings: [{ id: 'u' }],
    },
    {
      name: 'a Deny NotAction ["ecs:*"] outside the office fences every action but ecs:*: ecs:* stays open',
      inventory: ram({
        users: [user('u', { policies: [{ name: 'p', type: 'Custom' }] })],
        policies: [
          policy(
            'p',
            doc(allow(), {
              Effect: 'Deny',
              NotAction: 'ecs:*',
              Resource: '*',
              Condition: notIp(OFFICE),
            }),
          ),
        ],
      }),
      findings: [{ id: 'u', evidence: { unrestrictedAllows: [{ policy: 'p', statement: 0 }] } }],
    },
    {
      name: 'a Deny also conditioned on MFA applies only sometimes: not a fence',
      inventory: ram({
        users: [user('u', { policies: [ADMIN, { name: 'f', type: 'Custom' }] })],
        policies: [
          ADMIN_DOC,
          policy('f', doc(denyOutside({ ...notIp(OFFICE), Bool: { 'acs:MFAPresent': 'false' } }))),
        ],
      }),
      findings: [{ id: 'u' }],
    },
  ],
});
