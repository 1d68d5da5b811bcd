import { testRule } from '../../src/testing/rule-tester.js';
import { ecs, from, group, instance, nic, rule as sgRule } from '../../test/helpers/network.js';
import { acl, aclEntry, dnat, natGateway, privateInstance } from '../../test/helpers/vpc.js';
import rule from './instance-exposed-with-privileged-role.js';

const PUBLIC = '47.0.0.10';
const web = (overrides: Parameters<typeof instance>[1] = {}) =>
  instance('i-1', {
    securityGroupIds: ['sg-web'],
    publicIps: [PUBLIC],
    vSwitchId: 'vsw-1',
    networkInterfaces: [nic('eni-1', ['sg-web'], { publicIps: [PUBLIC], vSwitchId: 'vsw-1' })],
    ramRoleName: 'web-admin',
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional' },
    ...overrides,
  });
const sshOpen = group('sg-web', [from('0.0.0.0/0', { id: 'sgr-ssh' })]);
const officeOnly = group('sg-web', [from('198.51.100.0/24')]);

const policy = (name: string, statements: unknown[], type = 'Custom') => ({
  name,
  type,
  document: { Version: '1', Statement: statements },
});
const role = (policies: Array<{ name: string; type: string }>) => ({
  roles: [{ name: 'web-admin', policies }],
});
const ADMIN = policy(
  'AdministratorAccess',
  [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  'System',
);
const admin = {
  ram: { ...role([{ name: 'AdministratorAccess', type: 'System' }]), policies: [ADMIN] },
};
const custom = (statements: unknown[]) => ({
  ram: { ...role([{ name: 'p', type: 'Custom' }]), policies: [policy('p', statements)] },
});

testRule(rule, {
  valid: [
    {
      name: 'role limited to oss:GetObject',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }]),
      },
    },
    {
      name: 'admin role, but nothing reachable (office only)',
      inventory: { ...ecs([officeOnly], [web()]), ...admin },
    },
    {
      name: 'admin role, SSH open in the group, the ACL drops it',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...admin,
        vpc: {
          networkAcls: [
            acl([aclEntry('drop', 'tcp', '22/22'), aclEntry('accept', 'all', '-1/-1')]),
          ],
        },
      },
    },
    {
      name: 'no instance role',
      inventory: { ...ecs([sshOpen], [web({ ramRoleName: null })]), ...admin },
    },
    {
      name: 'instance role unknown',
      inventory: { ...ecs([sshOpen], [web({ ramRoleName: undefined })]), ...admin },
    },
    {
      name: 'the role is not in the inventory',
      notEvaluated: ['i-1'],
      inventory: { ...ecs([sshOpen], [web({ ramRoleName: 'elsewhere' })]), ...admin },
    },
    {
      name: 'stopped instance',
      inventory: { ...ecs([sshOpen], [web({ status: 'Stopped' })]), ...admin },
    },
    {
      name: 'admin removed by an unconditional Deny of * on *',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: '*', Resource: '*' },
        ]),
      },
    },
    {
      name: 'RunCommand limited away from root and system',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([
          {
            Effect: 'Allow',
            Action: 'ecs:RunCommand',
            Resource: '*',
            Condition: { StringNotEqualsIgnoreCase: { 'ecs:CommandRunAs': ['root', 'system'] } },
          },
        ]),
      },
    },
    {
      name: 'ram:Get* and ram:List* wildcards are reads',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: ['ram:Get*', 'ram:List*'], Resource: '*' }]),
      },
    },
    {
      name: 'sts:AssumeRole on one role only',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([
          { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'acs:ram::1:role/reader' },
        ]),
      },
    },
  ],
  invalid: [
    {
      name: 'public IP, 22 open, AdministratorAccess: the full path',
      inventory: { ...ecs([sshOpen], [web()]), ...admin },
      findings: [
        {
          id: 'i-1',
          type: 'instance',
          message:
            /reachable from the internet \(47\.0\.0\.10 TCP 22\).*web-admin.*AdministratorAccess Statement\[0\].*one request away/,
          evidence: {
            roleName: 'web-admin',
            httpTokens: 'optional',
            path: [
              { kind: 'address', address: PUBLIC, ports: '22', protocol: 'tcp' },
              { kind: 'group-rule', groupId: 'sg-web', position: 1, ruleId: 'sgr-ssh' },
              { kind: 'interface', interfaceId: 'eni-1' },
              { kind: 'instance', instanceId: 'i-1' },
              { kind: 'role', roleName: 'web-admin' },
              { kind: 'policy-statement', policy: 'AdministratorAccess', statement: 0 },
            ],
            paths: [
              {
                text: '47.0.0.10:22 → sg-web rule#1 Accept 0.0.0.0/0 → eni-1 → i-1 → role web-admin → AdministratorAccess Statement[0]',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'admin with a Deny of some services still counts',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: 'oss:*', Resource: '*' },
        ]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'admin' }] } }],
    },
    {
      name: 'a RAM write action (ram:AttachPolicyToRole)',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: 'ram:AttachPolicyToRole', Resource: '*' }]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'ram-write' }] } }],
    },
    {
      name: 'ram:Create* wildcard',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: ['ram:Create*'], Resource: '*' }]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'ram-write' }] } }],
    },
    {
      // rules.md names ram:Put* among the RAM write actions, whatever actions RAM has today
      name: 'ram:Put* wildcard',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: ['ram:Put*'], Resource: '*' }]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'ram-write', grants: 'ram:Put*' }] } }],
    },
    {
      name: 'RunCommand with no CommandRunAs condition',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: 'ecs:RunCommand', Resource: '*' }]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'run-command-as-root' }] } }],
    },
    {
      name: 'sts:AssumeRole on *',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'assume-any-role' }] } }],
    },
    {
      name: 'a Deny ram:* attached for a resource group leaves the account-wide ram:*',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ram: {
          ...role([{ name: 'ram-all', type: 'Custom' }]),
          policies: [
            policy('ram-all', [{ Effect: 'Allow', Action: 'ram:*', Resource: '*' }]),
            policy('no-ram', [{ Effect: 'Deny', Action: 'ram:*', Resource: '*' }]),
          ],
          resourceGroupAttachments: [
            {
              principalName: 'web-admin@role.corp.onaliyunservice.com',
              principalType: 'ServiceRole',
              policyName: 'no-ram',
              policyType: 'Custom',
              resourceGroupId: 'rg-1',
            },
          ],
        },
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'ram-write', policy: 'ram-all' }] } }],
    },
    {
      name: 'sts:AssumeRole on every role of every account (acs:ram:*:*:role/*)',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...custom([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'acs:ram:*:*:role/*' }]),
      },
      findings: [{ id: 'i-1', evidence: { grants: [{ kind: 'assume-any-role' }] } }],
    },
    {
      name: 'metadata tokens required: still an attack path, the message says so',
      inventory: {
        ...ecs(
          [sshOpen],
          [web({ metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required' } })],
        ),
        ...admin,
      },
      findings: [
        {
          id: 'i-1',
          message: 'metadata tokens are required',
          evidence: { httpTokens: 'required' },
        },
      ],
    },
    {
      name: 'a private instance reached only through DNAT 2222→22',
      inventory: {
        ...ecs([sshOpen], [{ ...privateInstance(['sg-web']), ramRoleName: 'web-admin' }]),
        ...admin,
        vpc: { natGateways: [natGateway([dnat('2222', '22')])] },
      },
      findings: [
        {
          id: 'i-1',
          evidence: {
            paths: [
              {
                text: '47.0.0.99:2222 → DNAT ngw-1 fwd-1 → 10.0.0.20:22 → sg-web rule#1 Accept 0.0.0.0/0 → eni-1 → i-1 → role web-admin → AdministratorAccess Statement[0]',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'HTTPS from a prefix list holding 0.0.0.0/0: its rule is a hop, the list its source',
      inventory: {
        ecs: {
          securityGroups: [
            group('sg-web', [
              sgRule({ sourcePrefixListId: 'pl-any', portRange: '443/443', id: 'sgr-pl' }),
            ]),
          ],
          instances: [web()],
          prefixLists: [{ id: 'pl-any', region: 'cn-hangzhou', cidrs: ['0.0.0.0/0'] }],
        },
        ...admin,
      },
      findings: [
        {
          id: 'i-1',
          evidence: {
            path: [
              { kind: 'address', address: PUBLIC, ports: '443' },
              { kind: 'group-rule', groupId: 'sg-web', ruleId: 'sgr-pl', source: 'pl-any' },
              { kind: 'interface', interfaceId: 'eni-1' },
              { kind: 'instance', instanceId: 'i-1' },
              { kind: 'role', roleName: 'web-admin' },
              { kind: 'policy-statement', policy: 'AdministratorAccess', statement: 0 },
            ],
            paths: [
              {
                text: '47.0.0.10:443 → sg-web rule#1 Accept pl-any → eni-1 → i-1 → role web-admin → AdministratorAccess Statement[0]',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'an ACL that accepts: its entry is a hop',
      inventory: {
        ...ecs([sshOpen], [web()]),
        ...admin,
        vpc: { networkAcls: [acl([aclEntry('accept', 'tcp', '22/22')])] },
      },
      findings: [
        {
          id: 'i-1',
          evidence: {
            paths: [
              {
                text: '47.0.0.10:22 → nacl-1 accept#1 → sg-web rule#1 Accept 0.0.0.0/0 → eni-1 → i-1 → role web-admin → AdministratorAccess Statement[0]',
              },
            ],
          },
        },
      ],
    },
  ],
});
