import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-policy-admin-access.js';

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
];
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
      inventory: {
        ram: {
          users: [user('u', { policies: [ADMIN, { name: 'Unreadable', type: 'Custom' }] })],
          policies,
        },
      },
    },
    {
      name: "the user's groups are unknown: no guess",
      inventory: { ram: { users: [{ name: 'u', policies: [ADMIN] }], policies } },
    },
    {
      name: 'a policy missing from the inventory: no guess',
      inventory: {
        ram: {
          users: [user('u', { policies: [ADMIN, { name: 'Ghost', type: 'Custom' }] })],
          policies,
        },
      },
    },
    { name: 'no principals', inventory: { ram: { policies } } },
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
  ],
});
