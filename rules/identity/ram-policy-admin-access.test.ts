import { RAM_ACTION_SAMPLES } from '../../src/analysis/ram-policy.js';
import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-policy-admin-access.js';

// every action of the RAM API today (@alicloud/ram20150501), as the analysis knows them
const RAM_TODAY = RAM_ACTION_SAMPLES.map((a) => `ram:${a}`);
const ADMIN = { name: 'AdministratorAccess', type: 'System' };
const RO = { name: 'ReadOnly', type: 'Custom' };
const policies = [
  {
    name: 'AdministratorAccess',
    type: 'System',
    document: JSON.stringify({
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
  },
  {
    name: 'ReadOnly',
    type: 'Custom',
    document: {
      Version: '1',
      Statement: [{ Effect: 'Allow', Action: ['*:Describe*', '*:List*'], Resource: '*' }],
    },
  },
  {
    name: 'EcsAll',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] },
  },
  {
    name: 'DenyAll',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
  },
  {
    name: 'AllButBilling',
    type: 'Custom',
    document: {
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: ['bss:*', 'efc:*'], Resource: '*' },
      ],
    },
  },
  { name: 'Unreadable', type: 'Custom' },
  {
    name: 'AllButRam',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Allow', NotAction: ['RAM:*'], Resource: '*' }] },
  },
  {
    name: 'AllButEcs',
    type: 'Custom',
    document: {
      Statement: [{ Effect: 'Allow', NotAction: ['ecs:*', 'ram:Delete*'], Resource: '*' }],
    },
  },
  {
    name: 'AllButRamQ',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Allow', NotAction: ['ram:?*'], Resource: '*' }] },
  },
  {
    name: 'AllButRamAZ',
    type: 'Custom',
    document: {
      Statement: [
        {
          Effect: 'Allow',
          NotAction: [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c) => `ram:${c}*`),
          Resource: '*',
        },
      ],
    },
  },
  {
    // today's RAM actions, named one by one: an action RAM adds later stays allowed
    name: 'AllButRamToday',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Allow', NotAction: RAM_TODAY, Resource: '*' }] },
  },
  {
    name: 'AllButRamGet',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Allow', NotAction: ['ram:Get*'], Resource: '*' }] },
  },
  {
    name: 'AllButRamQQ',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Allow', NotAction: ['ram:??*'], Resource: '*' }] },
  },
  {
    name: 'DenyBilling',
    type: 'Custom',
    document: { Statement: [{ Effect: 'Deny', Action: ['bss:*'], Resource: '*' }] },
  },
  {
    name: 'AliyunRAMFullAccess',
    type: 'System',
    document: { Statement: [{ Effect: 'Allow', Action: 'ram:*', Resource: '*' }] },
  },
  {
    name: 'AllOfThisAccount',
    type: 'Custom',
    document: {
      Statement: [{ Effect: 'Allow', Action: '*', Resource: 'acs:*:*:1234567890123456:*' }],
    },
  },
  {
    name: 'AllOfAnotherAccount',
    type: 'Custom',
    document: {
      Statement: [{ Effect: 'Allow', Action: '*', Resource: 'acs:*:*:9999888877776666:*' }],
    },
  },
];
const ACCOUNT = '1234567890123456';
const rgAttach = (
  principalName: string,
  principalType: string,
  policyName: string,
  resourceGroupId = 'rg-prod',
  policyType = 'System',
) => ({ principalName, principalType, policyName, policyType, resourceGroupId });
const user = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  policies: [],
  groups: [],
  ...extra,
});

testRule(rule, {
  valid: [
    {
      name: 'read-only policies',
      inventory: { ram: { users: [user('u', { policies: [RO] })], policies } },
    },
    {
      name: 'ecs:* is not * on *',
      inventory: {
        ram: { users: [user('u', { policies: [{ name: 'EcsAll', type: 'Custom' }] })], policies },
      },
    },
    {
      name: 'a Deny * on * in a group takes the grant away',
      inventory: {
        ram: {
          users: [user('u', { policies: [ADMIN], groups: ['locked'] })],
          groups: [{ name: 'locked', policies: [{ name: 'DenyAll', type: 'Custom' }] }],
          policies,
        },
      },
    },
    {
      name: 'another attached policy could not be read: no guess',
      notEvaluated: ['u'],
      inventory: {
        ram: {
          users: [user('u', { policies: [ADMIN, { name: 'Unreadable', type: 'Custom' }] })],
          policies,
        },
      },
    },
    {
      name: "the user's groups are unknown: no guess",
      notEvaluated: ['u'],
      inventory: { ram: { users: [{ name: 'u', policies: [ADMIN] }], policies } },
    },
    {
      name: 'a policy missing from the inventory: no guess',
      notEvaluated: ['u'],
      inventory: {
        ram: {
          users: [user('u', { policies: [ADMIN, { name: 'Ghost', type: 'Custom' }] })],
          policies,
        },
      },
    },
    { name: 'no principals', inventory: { ram: { policies } } },
    {
      name: 'Allow NotAction ["RAM:*"] on * excludes every RAM action: a power user, not admin',
      inventory: {
        ram: {
          users: [user('pu', { policies: [{ name: 'AllButRam', type: 'Custom' }] })],
          policies,
        },
      },
    },
    {
      name: 'Allow NotAction ["ram:?*"]: every RAM action has a name of 1+ characters, not admin',
      inventory: {
        ram: {
          users: [user('pu', { policies: [{ name: 'AllButRamQ', type: 'Custom' }] })],
          policies,
        },
      },
    },
    {
      name: 'Allow NotAction ["ram:A*", …, "ram:Z*"]: together they exclude every RAM action',
      inventory: {
        ram: {
          users: [user('pu', { policies: [{ name: 'AllButRamAZ', type: 'Custom' }] })],
          policies,
        },
      },
    },
    {
      name: "* on another account's resources is not * on *",
      inventory: {
        ram: {
          users: [user('x', { policies: [{ name: 'AllOfAnotherAccount', type: 'Custom' }] })],
          policies,
        },
      },
    },
    {
      name: 'an account-scope entry of ListPolicyAttachments is not a resource-group grant',
      inventory: {
        ram: {
          users: [user('bob')],
          policies,
          resourceGroupAttachments: [
            rgAttach('bob@example.onaliyun.com', 'IMSUser', 'AdministratorAccess', ACCOUNT),
          ],
        },
      },
    },
    {
      name: 'a resource-group attachment of a group named like the user does not apply to the user',
      inventory: {
        ram: {
          users: [user('bob')],
          policies,
          resourceGroupAttachments: [
            rgAttach('bob@group.example.onaliyun.com', 'IMSGroup', 'AdministratorAccess'),
          ],
        },
      },
    },
    {
      name: 'a Deny * on * attached for the same resource group takes that grant away',
      inventory: {
        ram: {
          users: [user('bob')],
          policies,
          resourceGroupAttachments: [
            rgAttach('bob@example.onaliyun.com', 'IMSUser', 'AdministratorAccess'),
            rgAttach('bob@example.onaliyun.com', 'IMSUser', 'DenyAll', 'rg-prod', 'Custom'),
          ],
        },
      },
    },
  ],
  invalid: [
    {
      name: 'AdministratorAccess attached directly',
      inventory: { ram: { users: [user('alice', { policies: [ADMIN] })], policies } },
      findings: [
        {
          id: 'alice',
          type: 'ram-user',
          message:
            'RAM user alice is granted every action on every resource through System policy AdministratorAccess (attached directly) Statement[0].',
          evidence: {
            grants: [
              { policy: 'AdministratorAccess', policyType: 'System', via: 'direct', statement: 0 },
            ],
            throughGroups: [],
          },
        },
      ],
    },
    {
      name: 'through a group: the group and its member',
      inventory: {
        ram: {
          users: [user('bob', { groups: ['admins'] }), user('carol', { policies: [RO] })],
          groups: [{ name: 'admins', policies: [ADMIN] }],
          policies,
        },
      },
      findings: [
        {
          id: 'bob',
          type: 'ram-user',
          message: /through group admins/,
          evidence: { throughGroups: ['admins'] },
        },
        { id: 'admins', type: 'ram-group', message: /^RAM group admins is granted/ },
      ],
    },
    {
      name: 'a role',
      inventory: { ram: { roles: [{ name: 'ops-role', policies: [ADMIN] }], policies } },
      findings: [{ id: 'ops-role', type: 'ram-role', message: /^RAM role ops-role/ }],
    },
    {
      name: 'everything except billing is still * on *',
      inventory: {
        ram: {
          users: [user('dave', { policies: [{ name: 'AllButBilling', type: 'Custom' }] })],
          policies,
        },
      },
      findings: [
        {
          id: 'dave',
          message: /except what 1 narrower Deny/,
          evidence: {
            exceptions: [{ policy: 'AllButBilling', statement: 1, actions: ['bss:*', 'efc:*'] }],
          },
        },
      ],
    },
    {
      name: 'a conditional Deny * does not take the grant away',
      inventory: {
        ram: {
          users: [user('erin', { policies: [ADMIN, { name: 'OfficeOnly', type: 'Custom' }] })],
          policies: [
            ...policies,
            {
              name: 'OfficeOnly',
              type: 'Custom',
              document: {
                Statement: [
                  {
                    Effect: 'Deny',
                    Action: '*',
                    Resource: '*',
                    Condition: { NotIpAddress: { 'acs:SourceIp': '10.0.0.0/8' } },
                  },
                ],
              },
            },
          ],
        },
      },
      findings: [{ id: 'erin' }],
    },
    {
      name: 'Allow * on * plus Denies in another policy: still admin, evidence lists the Denies',
      inventory: {
        ram: {
          users: [user('frank', { policies: [ADMIN, { name: 'DenyBilling', type: 'Custom' }] })],
          policies,
        },
      },
      findings: [
        {
          id: 'frank',
          message: /except what 1 narrower Deny statement\(s\) take away/,
          evidence: {
            exceptions: [
              { policy: 'DenyBilling', policyType: 'Custom', statement: 0, actions: ['bss:*'] },
            ],
          },
        },
      ],
    },
    {
      name: 'Allow NotAction that keeps RAM actions counts as * on *',
      inventory: {
        ram: {
          users: [user('gina', { policies: [{ name: 'AllButEcs', type: 'Custom' }] })],
          policies,
        },
      },
      findings: [
        {
          id: 'gina',
          message: /through Custom policy AllButEcs \(attached directly\) Statement\[0\]/,
          evidence: { grants: [{ policy: 'AllButEcs', notActions: ['ecs:*', 'ram:Delete*'] }] },
        },
      ],
    },
    {
      name: "NotAction naming each of today's RAM actions keeps future ones: still admin",
      inventory: {
        ram: {
          users: [user('h', { policies: [{ name: 'AllButRamToday', type: 'Custom' }] })],
          policies,
        },
      },
      findings: [{ id: 'h', evidence: { grants: [{ policy: 'AllButRamToday' }] } }],
    },
    {
      name: 'NotAction ["ram:Get*"] keeps the other RAM actions: still admin',
      inventory: {
        ram: {
          users: [user('i', { policies: [{ name: 'AllButRamGet', type: 'Custom' }] })],
          policies,
        },
      },
      findings: [{ id: 'i', evidence: { grants: [{ policy: 'AllButRamGet' }] } }],
    },
    {
      name: 'NotAction ["ram:??*"] keeps a one-character RAM action: still admin',
      inventory: {
        ram: {
          users: [user('j', { policies: [{ name: 'AllButRamQQ', type: 'Custom' }] })],
          policies,
        },
      },
      findings: [{ id: 'j' }],
    },
    {
      name: 'action names are case-insensitive: "*:*" and an "ALLOW" effect',
      inventory: {
        ram: {
          roles: [{ name: 'r', policies: [{ name: 'Shouty', type: 'Custom' }] }],
          policies: [
            {
              name: 'Shouty',
              type: 'Custom',
              document: {
                Statement: [{ Effect: 'ALLOW', Action: ['*:*'], Resource: 'acs:*:*:*:*' }],
              },
            },
          ],
        },
      },
      findings: [{ id: 'r', type: 'ram-role' }],
    },
    {
      name: 'attached at resource-group scope: the user, evidence names the resource group',
      inventory: {
        ram: {
          users: [user('bob'), user('carol')],
          policies,
          resourceGroupAttachments: [
            rgAttach('bob@example.onaliyun.com', 'IMSUser', 'AdministratorAccess'),
          ],
        },
      },
      findings: [
        {
          id: 'bob',
          type: 'ram-user',
          message:
            'RAM user bob is granted every action on every resource in resource group rg-prod through System policy AdministratorAccess (attached at resource group rg-prod) Statement[0].',
          evidence: {
            grants: [{ policy: 'AdministratorAccess', resourceGroupId: 'rg-prod' }],
            resourceGroups: ['rg-prod'],
            throughGroups: [],
          },
        },
      ],
    },
    {
      name: 'attached at resource-group scope to a group (name matched case-insensitively) and a role',
      inventory: {
        ram: {
          users: [user('dora', { groups: ['Ops'] })],
          groups: [{ name: 'Ops', policies: [] }],
          roles: [{ name: 'deployer', policies: [] }],
          policies,
          resourceGroupAttachments: [
            rgAttach('ops@group.example.onaliyun.com', 'IMSGroup', 'AdministratorAccess', 'rg-dev'),
            rgAttach(
              'deployer@role.example.onaliyunservice.com',
              'ServiceRole',
              'AdministratorAccess',
            ),
          ],
        },
      },
      findings: [
        {
          id: 'dora',
          type: 'ram-user',
          message: /through group Ops, at resource group rg-dev/,
          evidence: { throughGroups: ['Ops'], resourceGroups: ['rg-dev'] },
        },
        { id: 'Ops', type: 'ram-group', evidence: { resourceGroups: ['rg-dev'] } },
        { id: 'deployer', type: 'ram-role', evidence: { resourceGroups: ['rg-prod'] } },
      ],
    },
    {
      name: 'NotAction ["RAM:*"] plus AliyunRAMFullAccess through a group: together every action',
      inventory: {
        ram: {
          users: [
            user('pu', {
              policies: [{ name: 'AllButRam', type: 'Custom' }],
              groups: ['ram-admins'],
            }),
          ],
          groups: [
            { name: 'ram-admins', policies: [{ name: 'AliyunRAMFullAccess', type: 'System' }] },
          ],
          policies,
        },
      },
      findings: [
        {
          id: 'pu',
          type: 'ram-user',
          evidence: {
            grants: [
              {
                policy: 'AllButRam',
                notActions: ['RAM:*'],
                completedBy: [{ policy: 'AliyunRAMFullAccess', via: 'group ram-admins' }],
              },
            ],
          },
        },
      ],
    },
    {
      name: '* on acs:*:*:<this account>:* is every resource of the account',
      inventory: {
        ram: {
          roles: [{ name: 'r', policies: [{ name: 'AllOfThisAccount', type: 'Custom' }] }],
          policies,
        },
      },
      findings: [
        { id: 'r', type: 'ram-role', evidence: { grants: [{ policy: 'AllOfThisAccount' }] } },
      ],
    },
    {
      name: "a resource group's Deny * on * does not reach an account-scope grant",
      inventory: {
        ram: {
          users: [user('hal', { policies: [ADMIN] })],
          policies,
          resourceGroupAttachments: [
            rgAttach('hal@example.onaliyun.com', 'IMSUser', 'DenyAll', 'rg-prod', 'Custom'),
          ],
        },
      },
      findings: [
        {
          id: 'hal',
          message:
            /on every resource through System policy AdministratorAccess \(attached directly\)/,
        },
      ],
    },
  ],
});
