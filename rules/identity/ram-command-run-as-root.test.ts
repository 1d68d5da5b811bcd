import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-command-run-as-root.js';

const statement = (action: unknown, condition?: unknown) => ({
  Effect: 'Allow',
  Action: action,
  Resource: '*',
  ...(condition ? { Condition: condition } : {}),
});
const RECOMMENDED = { StringNotEqualsIgnoreCase: { 'ecs:CommandRunAs': ['system', 'root'] } };
const doc = (...statements: unknown[]) => ({ Version: '1', Statement: statements });
const policy = (name: string, document: unknown, type = 'Custom') => ({ name, type, document });
const ref = (name: string, type = 'Custom') => ({ name, type });
const user = (
  name: string,
  policies: Array<{ name: string; type: string }>,
  groups: string[] = [],
) => ({ name, policies, groups });
const one = (document: unknown) => ({
  ram: { users: [user('u', [ref('p')])], policies: [policy('p', document)] },
});
/** the Deny policy document the remediation tells the user to attach next to a System policy */
const REMEDIATION_DENY = JSON.parse(
  /--PolicyName DenyCommandRunAsRoot --PolicyDocument '([^']+)'/.exec(rule.meta.remediation)![1]!,
);
const ADMIN = policy('AdministratorAccess', doc(statement('*')), 'System');

testRule(rule, {
  valid: [
    {
      name: 'the recommended operator policy',
      inventory: one(doc(statement(['ecs:RunCommand', 'ecs:InvokeCommand'], RECOMMENDED))),
    },
    {
      name: 'StringEquals regular users only',
      inventory: one(
        doc(
          statement('ecs:*Command', { StringEquals: { 'ecs:CommandRunAs': ['user01', 'user02'] } }),
        ),
      ),
    },
    {
      name: 'StringEquals ["Root"] admits only Root: not root (Linux names are case-sensitive), not system',
      inventory: one(
        doc(statement('ecs:RunCommand', { StringEquals: { 'ecs:CommandRunAs': ['Root'] } })),
      ),
    },
    {
      name: 'ForAnyValue: before the recommended operator is the operator alone',
      inventory: one(
        doc(
          statement('ecs:InvokeCommand', {
            'ForAnyValue:StringNotEqualsIgnoreCase': { 'ecs:CommandRunAs': ['system', 'root'] },
          }),
        ),
      ),
    },
    {
      name: 'the condition key name is case-insensitive (ECS:commandRunAs)',
      inventory: one(
        doc(
          statement('ECS:RUNCOMMAND', {
            StringNotEqualsIgnoreCase: { 'ECS:commandRunAs': ['SYSTEM', 'Root'] },
          }),
        ),
      ),
    },
    {
      name: 'a Deny at account scope removes a grant attached at resource-group scope',
      inventory: {
        ram: {
          users: [user('u', [ref('deny-root')])],
          policies: [
            policy('runner', doc(statement('ecs:RunCommand'))),
            policy(
              'deny-root',
              doc({
                Effect: 'Deny',
                Action: 'ecs:*Command',
                Resource: '*',
                Condition: { StringEqualsIgnoreCase: { 'ecs:CommandRunAs': ['root', 'system'] } },
              }),
            ),
          ],
          resourceGroupAttachments: [
            {
              principalName: 'u@example.onaliyun.com',
              principalType: 'IMSUser',
              policyName: 'runner',
              policyType: 'Custom',
              resourceGroupId: 'rg-prod',
            },
          ],
        },
      },
    },
    {
      name: 'read-only ECS access',
      inventory: one(doc(statement(['ecs:Describe*', 'ecs:List*']))),
    },
    {
      name: 'a Deny that removes both root and system',
      inventory: one(
        doc(statement('ecs:*'), {
          Effect: 'Deny',
          Action: ['ecs:RunCommand', 'ecs:InvokeCommand'],
          Resource: '*',
          Condition: { StringEqualsIgnoreCase: { 'ecs:CommandRunAs': ['root', 'system'] } },
        }),
      ),
    },
    {
      name: 'a System policy (AdministratorAccess) plus the Deny policy the remediation gives',
      inventory: {
        ram: {
          users: [user('u', [ref('AdministratorAccess', 'System'), ref('DenyCommandRunAsRoot')])],
          policies: [ADMIN, policy('DenyCommandRunAsRoot', REMEDIATION_DENY)],
        },
      },
    },
    {
      name: 'NotAction excluding the command actions',
      inventory: one(doc({ Effect: 'Allow', NotAction: ['ecs:*Command'], Resource: '*' })),
    },
    {
      name: "the user's group policy cannot be read: no guess",
      notEvaluated: ['g', 'u'],
      inventory: {
        ram: {
          users: [user('u', [ref('p')], ['g'])],
          groups: [{ name: 'g' }],
          policies: [policy('p', doc(statement('ecs:*')))],
        },
      },
    },
    {
      name: 'a malformed document: no guess',
      notEvaluated: ['u'],
      inventory: one('{"Statement": ['),
    },
  ],
  invalid: [
    {
      name: 'ecs:*Command without a condition',
      inventory: one(doc(statement(['ecs:*Command', 'ecs:Describe*']))),
      findings: [
        {
          id: 'u',
          type: 'ram-user',
          message:
            'RAM user u may run Cloud Assistant commands as root or system through Custom policy p (attached directly) Statement[0]: no ecs:CommandRunAs condition, so commands may run as ["root", "system"] (root on Linux and system on Windows are the defaults).',
          evidence: {
            admits: ['root', 'system'],
            grants: [
              {
                policy: 'p',
                statement: 0,
                actions: ['ecs:RunCommand', 'ecs:InvokeCommand'],
                matchedBy: ['ecs:*Command'],
              },
            ],
            recommendedCondition: RECOMMENDED,
          },
        },
      ],
    },
    {
      name: 'ecs:*',
      inventory: one(doc(statement('ecs:*'))),
      findings: [{ id: 'u', evidence: { grants: [{ matchedBy: ['ecs:*'] }] } }],
    },
    {
      name: '* (AdministratorAccess)',
      inventory: one(doc(statement('*'))),
      findings: [{ id: 'u' }],
    },
    {
      name: 'a System policy (AdministratorAccess) without the Deny policy',
      inventory: {
        ram: { users: [user('u', [ref('AdministratorAccess', 'System')])], policies: [ADMIN] },
      },
      findings: [{ id: 'u', message: 'through System policy AdministratorAccess' }],
    },
    {
      name: 'NotAction that does not exclude them',
      inventory: one(doc({ Effect: 'Allow', NotAction: 'ram:*', Resource: '*' })),
      findings: [{ id: 'u', evidence: { grants: [{ matchedBy: ['NotAction ["ram:*"]'] }] } }],
    },
    {
      name: 'a Deny that removes root only',
      inventory: one(
        doc(statement('ecs:*'), {
          Effect: 'Deny',
          Action: 'ecs:*Command',
          Resource: '*',
          Condition: { StringEquals: { 'ecs:CommandRunAs': 'root' } },
        }),
      ),
      findings: [
        {
          id: 'u',
          message: /as system through/,
          evidence: { admits: ['system'], partialDenies: [{ statement: 1 }] },
        },
      ],
    },
    {
      name: 'case-sensitive StringNotEquals with upper-case values',
      inventory: one(
        doc(
          statement('ecs:RunCommand', {
            StringNotEquals: { 'ecs:CommandRunAs': ['ROOT', 'SYSTEM'] },
          }),
        ),
      ),
      findings: [
        {
          id: 'u',
          message:
            /StringNotEquals ecs:CommandRunAs \["ROOT", "SYSTEM"\] admits \["root", "system"\] \(the comparison is case-sensitive\)/,
        },
      ],
    },
    {
      name: 'case-sensitive StringNotEquals listing root and system still admits System',
      inventory: one(
        doc(
          statement('ecs:RunCommand', {
            StringNotEquals: { 'ecs:CommandRunAs': ['root', 'system'] },
          }),
        ),
      ),
      findings: [
        {
          id: 'u',
          message:
            /may run Cloud Assistant commands as system through .*StringNotEquals ecs:CommandRunAs \["root", "system"\] admits \["system"\] \(the comparison is case-sensitive: System or SYSTEM still run as system on Windows, so use StringNotEqualsIgnoreCase\)/,
          evidence: {
            admits: ['system'],
            grants: [{ missingRestriction: /StringNotEqualsIgnoreCase/ }],
          },
        },
      ],
    },
    {
      name: 'case-sensitive StringNotEquals listing several casings still admits sYstem',
      inventory: one(
        doc(
          statement('ecs:RunCommand', {
            StringNotEquals: { 'ecs:CommandRunAs': ['root', 'system', 'System', 'SYSTEM'] },
          }),
        ),
      ),
      findings: [{ id: 'u', evidence: { admits: ['system'] } }],
    },
    {
      name: 'StringEquals ["Root", "SYSTEM"]: not root, but SYSTEM runs as system',
      inventory: one(
        doc(
          statement('ecs:RunCommand', { StringEquals: { 'ecs:CommandRunAs': ['Root', 'SYSTEM'] } }),
        ),
      ),
      findings: [{ id: 'u', evidence: { admits: ['system'] } }],
    },
    {
      name: 'ForAllValues: before a case-sensitive StringNotEquals is the operator alone',
      inventory: one(
        doc(
          statement('ecs:RunCommand', {
            'ForAllValues:StringNotEquals': { 'ecs:CommandRunAs': ['root', 'system'] },
          }),
        ),
      ),
      findings: [{ id: 'u', evidence: { admits: ['system'] } }],
    },
    {
      name: 'a Deny of lower-case system only leaves SYSTEM',
      inventory: one(
        doc(statement('ecs:RunCommand'), {
          Effect: 'Deny',
          Action: 'ecs:RunCommand',
          Resource: '*',
          Condition: { StringEquals: { 'ecs:CommandRunAs': ['root', 'system'] } },
        }),
      ),
      findings: [{ id: 'u', evidence: { admits: ['system'] } }],
    },
    {
      name: 'attached at resource-group scope: evidence names the resource group',
      inventory: {
        ram: {
          users: [user('u', [])],
          policies: [policy('runner', doc(statement('ecs:RunCommand')))],
          resourceGroupAttachments: [
            {
              principalName: 'u@example.onaliyun.com',
              principalType: 'IMSUser',
              policyName: 'runner',
              policyType: 'Custom',
              resourceGroupId: 'rg-prod',
            },
          ],
        },
      },
      findings: [
        {
          id: 'u',
          message:
            /as root or system on the instances of resource group rg-prod through Custom policy runner \(attached at resource group rg-prod\)/,
          evidence: { resourceGroups: ['rg-prod'], grants: [{ resourceGroupId: 'rg-prod' }] },
        },
      ],
    },
    {
      name: 'a Deny attached for another resource group does not remove the grant',
      inventory: {
        ram: {
          users: [user('u', [ref('runner')])],
          policies: [
            policy('runner', doc(statement('ecs:RunCommand'))),
            policy('deny-all', doc({ Effect: 'Deny', Action: 'ecs:*', Resource: '*' })),
          ],
          resourceGroupAttachments: [
            {
              principalName: 'u@example.onaliyun.com',
              principalType: 'IMSUser',
              policyName: 'deny-all',
              policyType: 'Custom',
              resourceGroupId: 'rg-other',
            },
          ],
        },
      },
      findings: [{ id: 'u', message: /\(attached directly\)/ }],
    },
    {
      name: 'a condition on another key does not restrict the run-as user',
      inventory: one(doc(statement('ecs:RunCommand', { Bool: { 'acs:MFAPresent': 'true' } }))),
      findings: [{ id: 'u' }],
    },
    {
      name: 'through a group: the group and its member, not the other user',
      inventory: {
        ram: {
          users: [user('bob', [], ['ops']), user('carol', [ref('safe')])],
          groups: [{ name: 'ops', policies: [ref('runner')] }],
          policies: [
            policy('runner', doc(statement('ecs:InvokeCommand'))),
            policy('safe', doc(statement('ecs:RunCommand', RECOMMENDED))),
          ],
        },
      },
      findings: [
        {
          id: 'bob',
          type: 'ram-user',
          message: /through Custom policy runner \(through group ops\)/,
          evidence: { grants: [{ via: 'group ops', actions: ['ecs:InvokeCommand'] }] },
        },
        { id: 'ops', type: 'ram-group' },
      ],
    },
    {
      name: 'a System policy attached to a role',
      inventory: {
        ram: {
          roles: [{ name: 'ops-role', policies: [ref('AliyunECSAssistantFullAccess', 'System')] }],
          policies: [
            policy(
              'AliyunECSAssistantFullAccess',
              JSON.stringify(doc(statement(['ecs:*Command', 'ecs:*Invocation*']))),
              'System',
            ),
          ],
        },
      },
      findings: [
        { id: 'ops-role', type: 'ram-role', message: /System policy AliyunECSAssistantFullAccess/ },
      ],
    },
  ],
});
