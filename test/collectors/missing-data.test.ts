/**
 * Unknown is never safe (issue 14): an answer without its list, or an item
 * without a field a rule needs, is a coverage gap and the fact stays absent;
 * a field whose absence the API documents as a value ("no key pair") is not.
 */
import { describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import type { CoverageEntry } from '../../src/inventory/schema.js';
import {
  ACCOUNT,
  baseWorld,
  isolateCollectorRuns,
  runCollect,
  runCollectRewritten,
} from './harness.js';

const R = 'cn-hangzhou';
type Fault = NonNullable<NonNullable<WorldInput['emulator']>['faults']>[number];

function world(faults: Fault[] = []): WorldInput {
  return baseWorld({
    ecs: {
      [R]: {
        Instances: [
          {
            InstanceId: 'i-full',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-1'],
            KeyPairName: 'kp-1',
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional' },
          },
          // MetadataOptions present but empty: the token setting is unknown
          {
            InstanceId: 'i-empty-mo',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-1'],
            KeyPairName: '',
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: '' },
          },
          // no KeyPairName at all: the API's way to say "none"
          {
            InstanceId: 'i-no-key',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-1'],
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
          },
        ],
        Disks: [
          { DiskId: 'd-known', InstanceId: 'i-full', Encrypted: false, AutoSnapshotPolicyId: '' },
          { DiskId: 'd-unknown', InstanceId: 'i-full', AutoSnapshotPolicyId: '' },
        ],
      },
    },
    ram: {
      Users: [
        {
          UserName: 'alice',
          LoginProfile: { PasswordResetRequired: false, MFABindRequired: true },
          MFADevice: { SerialNumber: `acs:ram::${ACCOUNT}:mfa/alice`, Type: 'VMFA' },
          AccessKeys: [
            { AccessKeyId: 'LTAIalice1', Status: 'Active', CreateDate: '2024-01-01T00:00:00Z' },
          ],
          Groups: ['ops'],
          Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
        },
      ],
      Groups: [{ GroupName: 'ops', Policies: [] }],
    },
    emulator: { faults },
  });
}

isolateCollectorRuns('file');

const gap = (operation: string, resource: string | undefined, code: string): CoverageEntry => ({
  service: operation.startsWith('Describe') ? 'ecs' : 'ram',
  region: operation.startsWith('Describe') ? R : null,
  operation,
  ...(resource !== undefined ? { resource } : {}),
  error: { code, message: expect.any(String) },
});

describe('missing data', () => {
  it('an absent or empty field a rule needs: the field stays absent and one MissingField names action, resource and field', async () => {
    const { inventory } = await runCollect(world());
    const disks = Object.fromEntries(inventory.ecs.disks.map((d) => [d.id, d]));
    expect(disks['d-known']?.encrypted).toBe(false);
    expect(disks['d-unknown']).toBeDefined();
    expect('encrypted' in (disks['d-unknown'] ?? {})).toBe(false);
    const instances = Object.fromEntries(inventory.ecs.instances.map((i) => [i.id, i]));
    expect(instances['i-full']?.metadataOptions).toEqual({
      httpEndpoint: 'enabled',
      httpTokens: 'optional',
    });
    expect(instances['i-empty-mo']?.metadataOptions).toEqual({ httpEndpoint: 'enabled' });
    // KeyPairName absent or "": no key pair, not a gap
    expect(instances['i-empty-mo']?.keyPairName).toBeNull();
    expect(instances['i-no-key']?.keyPairName).toBeNull();
    expect(inventory.coverage).toEqual([
      gap('DescribeInstances', 'i-empty-mo', 'MissingField'),
      gap('DescribeDisks', 'd-unknown', 'MissingField'),
    ]);
    const messages = inventory.coverage.map((c) => c.error.message);
    expect(messages[0]).toContain('MetadataOptions.HttpTokens');
    expect(messages[0]).not.toContain('HttpEndpoint');
    expect(messages[1]).toContain('Encrypted');
  });

  it('an instance answered without its group list or its public address list: a MissingField gap naming the list', async () => {
    const { inventory } = await runCollectRewritten(world(), (req) =>
      req.headers['x-acs-action'] === 'DescribeInstances'
        ? (body) => {
            const b = body as { Instances: { Instance: Record<string, unknown>[] } };
            for (const i of b.Instances.Instance) {
              if (i['InstanceId'] === 'i-full') delete i['PublicIpAddress'];
              if (i['InstanceId'] === 'i-no-key') delete i['SecurityGroupIds'];
            }
            return b;
          }
        : undefined,
    );
    const instanceGaps = inventory.coverage.filter((c) => c.operation === 'DescribeInstances');
    expect(instanceGaps.map((c) => [c.resource, c.error.code, c.error.message])).toEqual([
      ['i-full', 'MissingField', 'DescribeInstances answered i-full without PublicIpAddress'],
      ['i-empty-mo', 'MissingField', expect.stringContaining('HttpTokens')],
      ['i-no-key', 'MissingField', 'DescribeInstances answered i-no-key without SecurityGroupIds'],
    ]);
  });

  // the credential report gives login profile and MFA; without it (the report denied) they are
  // read per user. Membership and attachments are set-based: one group's or one policy's
  // listing unread leaves every user's groups / policies unknown
  const noReport: Fault[] = [{ action: 'GetCredentialReport', kind: 'accessDenied' }];
  it.each([
    ['ListAccessKeys', 'alice', 'accessKeys', []],
    ['ListUsersForGroup', 'ops', 'groups', []],
    ['ListEntitiesForPolicy', 'AdministratorAccess', 'policies', []],
    ['GetLoginProfile', 'alice', 'loginProfile', noReport],
    ['GetUserMFAInfo', 'alice', 'mfaDevice', noReport],
  ] as const)(
    '%s answering without its list or object: a MalformedResponse gap, the fact unknown (absent), not "none"',
    async (action, resource, field, also) => {
      const { inventory } = await runCollect(world([...also, { action, kind: 'missingList' }]));
      const alice = inventory.ram.users.find((u) => u.name === 'alice');
      expect(alice).toBeDefined();
      expect(field in (alice ?? {})).toBe(false);
      expect(inventory.coverage.filter((c) => c.operation === action)).toEqual([
        gap(action, resource, 'MalformedResponse'),
      ]);
    },
  );

  it('the account-wide answers without their object are gaps too', async () => {
    const { inventory } = await runCollect(
      world([
        { action: 'GetPasswordPolicy', kind: 'missingList' },
        { action: 'GetSecurityPreference', kind: 'missingList' },
        { action: 'DescribeTrails', kind: 'missingList' },
        { action: 'LookupEvents', kind: 'missingList' },
      ]),
    );
    expect(inventory.ram.passwordPolicy).toBeUndefined();
    expect(inventory.ram.securityPreference).toBeUndefined();
    expect(inventory.actiontrail.trails).toBeUndefined();
    const codes = Object.fromEntries(
      inventory.coverage
        .filter((c) => c.error.code !== 'MissingField')
        .map((c) => [c.operation, c.error.code]),
    );
    expect(codes).toEqual({
      GetPasswordPolicy: 'MalformedResponse',
      GetSecurityPreference: 'MalformedResponse',
      DescribeTrails: 'MalformedResponse',
      LookupEvents: 'MalformedResponse',
    });
  });

  it('a security group rule answered without IpProtocol, Priority or (no port list) PortRange leaves its group’s rules unknown', async () => {
    const perm = (over: Record<string, unknown>) => ({
      Direction: 'ingress',
      IpProtocol: 'TCP',
      PortRange: '22/22',
      SourceCidrIp: '0.0.0.0/0',
      Policy: 'Accept',
      Priority: 1,
      NicType: 'intranet',
      ...over,
    });
    const groups = baseWorld({
      ecs: {
        [R]: {
          SecurityGroups: [
            {
              SecurityGroupId: 'sg-proto',
              VpcId: 'vpc-1',
              Permissions: [perm({ SecurityGroupRuleId: 'sgr-a' })],
            },
            { SecurityGroupId: 'sg-prio', VpcId: 'vpc-1', Permissions: [perm({ Policy: 'Drop' })] },
            {
              SecurityGroupId: 'sg-range',
              VpcId: 'vpc-1',
              Permissions: [perm({ SecurityGroupRuleId: 'sgr-c' })],
            },
            // a port list rule without a range of its own is whole
            {
              SecurityGroupId: 'sg-list',
              VpcId: 'vpc-1',
              Permissions: [perm({ PortRangeListId: 'prl-1' })],
            },
            { SecurityGroupId: 'sg-whole', VpcId: 'vpc-1', Permissions: [perm({})] },
          ],
          PortRangeLists: [{ PortRangeListId: 'prl-1', Entries: [{ PortRange: '22/22' }] }],
        },
      },
    });
    const cut: Record<string, string> = {
      'sg-proto': 'IpProtocol',
      'sg-prio': 'Priority',
      'sg-range': 'PortRange',
      'sg-list': 'PortRange',
    };
    const { inventory } = await runCollectRewritten(groups, (req) =>
      req.headers['x-acs-action'] === 'DescribeSecurityGroupAttribute'
        ? (body) => {
            const b = body as {
              SecurityGroupId: string;
              Permissions: { Permission: Record<string, unknown>[] };
            };
            const field = cut[b.SecurityGroupId];
            if (field) for (const p of b.Permissions.Permission) delete p[field];
            return b;
          }
        : undefined,
    );
    const rules = Object.fromEntries(
      inventory.ecs.securityGroups.map((g) => [g.id, g.rules?.length]),
    );
    expect(rules).toEqual({
      'sg-proto': undefined,
      'sg-prio': undefined,
      'sg-range': undefined,
      'sg-list': 1,
      'sg-whole': 1,
    });
    expect(
      inventory.coverage.map((c) => [c.operation, c.resource, c.error.code, c.error.message]),
    ).toEqual([
      [
        'DescribeSecurityGroupAttribute',
        'sg-proto',
        'MissingField',
        'DescribeSecurityGroupAttribute answered sg-proto without IpProtocol of rule sgr-a',
      ],
      [
        'DescribeSecurityGroupAttribute',
        'sg-prio',
        'MissingField',
        'DescribeSecurityGroupAttribute answered sg-prio without Priority of a rule',
      ],
      [
        'DescribeSecurityGroupAttribute',
        'sg-range',
        'MissingField',
        'DescribeSecurityGroupAttribute answered sg-range without PortRange of rule sgr-c',
      ],
    ]);
  });

  it('RAM listings answered without IsTruncated page on while there is a Marker', async () => {
    const three = baseWorld({
      ram: {
        Users: ['u1', 'u2', 'u3'].map((UserName) => ({ UserName })),
        Groups: ['g1', 'g2', 'g3'].map((GroupName) => ({ GroupName, Policies: [] })),
      },
    });
    const { inventory, emulator } = await runCollectRewritten(
      three,
      (req) =>
        req.headers['x-acs-action'] === 'ListUsers' || req.headers['x-acs-action'] === 'ListGroups'
          ? (body) => {
              delete (body as Record<string, unknown>)['IsTruncated'];
              return body;
            }
          : undefined,
      { maxPageSize: 1 },
    );
    expect(inventory.ram.users.map((u) => u.name)).toEqual(['u1', 'u2', 'u3']);
    expect(inventory.ram.groups.map((g) => g.name)).toEqual(['g1', 'g2', 'g3']);
    expect(emulator.stats().requests['ListUsers']).toBe(3);
  });
});
