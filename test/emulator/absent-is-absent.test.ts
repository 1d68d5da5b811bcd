/**
 * world.md: "A field that is absent is absent in the response" and "the
 * emulator must accept every world written to it". The emulator serves what a
 * world wrote and makes nothing up (lists default to [], a policy reference's
 * PolicyType to Custom, account state such as the password policy aside), and
 * accepts the items the spec allows without the fields it does not require.
 * Raw JSON is read through openapi-core's generic client (real signing, real
 * HTTP; test/helpers/sdk.ts callRpc), so an absent field is told apart from
 * an empty one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ramAdmin from '../../rules/identity/ram-policy-admin-access.js';
import sgAdmin from '../../rules/network/sg-admin-port-open-to-internet.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, WorldError, type WorldInput } from '../../src/emulator/world.js';
import type { LoadedRule } from '../../src/engine/registry.js';
import { evaluate } from '../../src/engine/run.js';
import { isolateCollectorRuns, NOW, runCollect, SINCE } from '../collectors/harness.js';
import { callRpc, config, OpenApi } from '../helpers/sdk.js';

const R = 'cn-hangzhou';
const ACCOUNT = '1234567890123456';
type Item = Record<string, unknown>;

const VERSIONS = {
  ecs: '2014-05-26',
  vpc: '2016-04-28',
  ram: '2015-05-01',
  trail: '2020-07-06',
  sas: '2018-12-03',
  rm: '2020-03-31',
} as const;

const world: WorldInput = {
  version: 1,
  now: '2026-11-01T00:00:00Z',
  account: { accountId: ACCOUNT },
  regions: [{ RegionId: R }, { RegionId: 'ap-southeast-1' }],
  ecs: {
    [R]: {
      SecurityGroups: [
        {
          // no name, no InnerAccessPolicy, no Description; rules with (almost) nothing
          SecurityGroupId: 'sg-bare',
          VpcId: 'vpc-1',
          Permissions: [
            { IpProtocol: 'TCP' },
            { IpProtocol: 'UDP', Direction: 'egress', Priority: '7', DestCidrIp: '0.0.0.0/0' },
            { Direction: 'ingress', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' },
            // a VPC group ignores NicType: an internet rule applies like any other
            { IpProtocol: 'TCP', PortRange: '80/80', NicType: 'internet', Direction: 'ingress' },
          ],
        },
        {
          SecurityGroupId: 'sg-classic',
          SecurityGroupName: 'classic',
          InnerAccessPolicy: 'Accept',
          Permissions: [
            { IpProtocol: 'TCP', PortRange: '1/1', NicType: 'internet' },
            { IpProtocol: 'TCP', PortRange: '2/2', NicType: 'intranet' },
            { IpProtocol: 'TCP', PortRange: '3/3' },
          ],
        },
      ],
      PrefixLists: [{ PrefixListId: 'pl-1', Entries: [{ Cidr: '203.0.113.0/24' }] }],
      PortRangeLists: [{ PortRangeListId: 'prl-1', Entries: [{ PortRange: '22/22' }] }],
    },
  },
  vpc: {
    [R]: {
      NetworkAcls: [
        {
          NetworkAclId: 'nacl-1',
          VpcId: 'vpc-1',
          Resources: [{ ResourceId: 'vsw-1' }],
          IngressAclEntries: [
            { Policy: 'accept', Protocol: 'all', Port: '-1/-1', SourceCidrIp: '0.0.0.0/0' },
          ],
        },
      ],
      NatGateways: [
        {
          NatGatewayId: 'ngw-1',
          VpcId: 'vpc-1',
          NetworkType: 'internet',
          ForwardTableEntries: [
            {
              ForwardEntryId: 'fwd-1',
              ExternalIp: '47.0.0.9',
              ExternalPort: '22',
              InternalIp: '10.0.0.1',
              InternalPort: '22',
            },
          ],
        },
      ],
      EipAddresses: [{ IpAddress: '47.0.0.8' }],
    },
  },
  ram: {
    Users: [
      { UserName: 'bob', Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }] },
    ],
    Groups: [{ GroupName: 'ops' }],
    Roles: [{ RoleName: 'web-role' }],
    // the spec's own reference form: a System policy without its document
    Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
  },
  actiontrail: {
    Trails: [
      { Name: 'trail', HomeRegion: R, Status: 'Enable', TrailRegion: 'All', EventRW: 'All' },
    ],
    Events: [{ eventName: 'ConsoleSignin', eventTime: '2026-10-30T00:00:00Z', acsRegion: R }],
  },
  sas: { Instances: [{ InstanceId: 'i-1', ClientStatus: 'online' }] },
  resourceManager: {
    PolicyAttachments: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
  },
};

let emu: RunningEmulator;
let client: InstanceType<typeof OpenApi>;

beforeAll(async () => {
  emu = await startEmulator(parseWorld(world));
  client = new OpenApi(config(emu.url));
});
afterAll(async () => {
  await emu.close();
});

async function raw(
  service: keyof typeof VERSIONS,
  action: string,
  query: Record<string, unknown> = {},
  region = R,
): Promise<Item> {
  return callRpc(client, VERSIONS[service], action, { RegionId: region, ...query });
}

/** the value at a dotted path of an answer */
function at(body: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((v, k) => (v as Item | undefined)?.[k], body);
}
const list = (body: unknown, dotted: string) => at(body, dotted) as Item[];

async function rules(group: string, query: Record<string, unknown> = {}): Promise<Item[]> {
  const body = await raw('ecs', 'DescribeSecurityGroupAttribute', {
    SecurityGroupId: group,
    ...query,
  });
  return list(body, 'Permissions.Permission');
}

describe('DescribeSecurityGroupAttribute serves what the world wrote', () => {
  it('a rule and its group without invented fields; a string Priority as a number', async () => {
    const body = await raw('ecs', 'DescribeSecurityGroupAttribute', { SecurityGroupId: 'sg-bare' });
    for (const field of ['SecurityGroupName', 'InnerAccessPolicy', 'Description']) {
      expect(body, field).not.toHaveProperty(field);
    }
    const [bare, egress] = list(body, 'Permissions.Permission');
    expect(bare).toEqual({ IpProtocol: 'TCP' });
    expect(egress).toEqual({
      IpProtocol: 'UDP',
      Direction: 'egress',
      Priority: 7,
      DestCidrIp: '0.0.0.0/0',
    });
  });

  it('a rule without Direction is served to ingress, egress and all; a written one only to its own', async () => {
    const ports = async (direction?: string) =>
      (await rules('sg-bare', direction ? { Direction: direction } : {})).map(
        (r) => r['PortRange'],
      );
    expect(await ports()).toEqual([undefined, undefined, '22/22', '80/80']);
    expect(await ports('ingress')).toEqual([undefined, '22/22', '80/80']);
    expect(await ports('egress')).toEqual([undefined, undefined]);
  });

  it('a VPC group serves every rule whatever its NicType, whatever NicType is asked', async () => {
    for (const query of [{}, { NicType: 'intranet' }, { NicType: 'internet' }]) {
      const ports = (await rules('sg-bare', query)).map((r) => r['PortRange']);
      expect(ports, JSON.stringify(query)).toContain('80/80');
    }
  });

  it('a classic group answers one NIC type per call; a rule without NicType to both', async () => {
    const ports = async (nicType?: string) =>
      (await rules('sg-classic', nicType ? { NicType: nicType } : {})).map((r) => r['PortRange']);
    expect(await ports()).toEqual(['1/1', '3/3']);
    expect(await ports('intranet')).toEqual(['2/2', '3/3']);
    expect((await rules('sg-classic', { NicType: 'intranet' }))[1]).not.toHaveProperty('NicType');
  });
});

describe('other answers without invented fields', () => {
  it('prefix lists and port lists: no AddressFamily, names or entry descriptions', async () => {
    const [pl] = list(await raw('ecs', 'DescribePrefixLists'), 'PrefixLists.PrefixList');
    expect(pl).not.toHaveProperty('AddressFamily');
    expect(pl).not.toHaveProperty('PrefixListName');
    // a list of unwritten family may be of either: a filter on the family does not hide it
    const v6 = await raw('ecs', 'DescribePrefixLists', { AddressFamily: 'IPv6' });
    expect(list(v6, 'PrefixLists.PrefixList').map((l) => l['PrefixListId'])).toEqual(['pl-1']);
    const attrs = await raw('ecs', 'DescribePrefixListAttributes', { PrefixListId: 'pl-1' });
    expect(attrs).not.toHaveProperty('AddressFamily');
    expect(list(attrs, 'Entries.Entry')).toEqual([{ Cidr: '203.0.113.0/24' }]);
    const [prl] = (await raw('ecs', 'DescribePortRangeLists'))['PortRangeLists'] as Item[];
    expect(prl).not.toHaveProperty('PortRangeListName');
    const entries = await raw('ecs', 'DescribePortRangeListEntries', { PortRangeListId: 'prl-1' });
    expect(entries['Entries']).toEqual([{ PortRange: '22/22' }]);
  });

  it('VPC: ACLs, their resources and entries, NAT gateways, DNAT entries and EIPs as written', async () => {
    const [acl] = list(await raw('vpc', 'DescribeNetworkAcls'), 'NetworkAcls.NetworkAcl');
    expect(acl).not.toHaveProperty('Status');
    expect(acl).not.toHaveProperty('RegionId');
    expect(list(acl, 'Resources.Resource')).toEqual([{ ResourceId: 'vsw-1' }]);
    expect(list(acl, 'IngressAclEntries.IngressAclEntry')[0]).not.toHaveProperty('IpVersion');
    const [ngw] = list(await raw('vpc', 'DescribeNatGateways'), 'NatGateways.NatGateway');
    expect(ngw).not.toHaveProperty('Status');
    expect(ngw).not.toHaveProperty('RegionId');
    const fwd = await raw('vpc', 'DescribeForwardTableEntries', { NatGatewayId: 'ngw-1' });
    expect(list(fwd, 'ForwardTableEntries.ForwardTableEntry')[0]).not.toHaveProperty('Status');
    const [eip] = list(await raw('vpc', 'DescribeEipAddresses'), 'EipAddresses.EipAddress');
    expect(eip).toEqual({ IpAddress: '47.0.0.8' });
  });

  it('RAM: no made-up UserId, GroupId, RoleId or Arn', async () => {
    const [user] = list(await raw('ram', 'ListUsers'), 'Users.User');
    expect(user).toEqual({ UserName: 'bob' });
    const [group] = list(await raw('ram', 'ListGroups'), 'Groups.Group');
    expect(group).toEqual({ GroupName: 'ops' });
    const [role] = list(await raw('ram', 'ListRoles'), 'Roles.Role');
    expect(role).toEqual({ RoleName: 'web-role' });
    expect(at(await raw('ram', 'GetRole', { RoleName: 'web-role' }), 'Role')).toEqual({
      RoleName: 'web-role',
    });
  });

  it('GetPolicy of a policy written without a document answers without one', async () => {
    const body = await raw('ram', 'GetPolicy', {
      PolicyName: 'AdministratorAccess',
      PolicyType: 'System',
    });
    expect(at(body, 'Policy.PolicyName')).toBe('AdministratorAccess');
    expect(at(body, 'Policy')).not.toHaveProperty('PolicyDocument');
    expect(at(body, 'DefaultPolicyVersion')).not.toHaveProperty('PolicyDocument');
  });

  it('ActionTrail: a trail without IsOrganizationTrail, TrailArn or Region; an event without eventId', async () => {
    const [trail] = (await raw('trail', 'DescribeTrails'))['TrailList'] as Item[];
    for (const field of ['IsOrganizationTrail', 'TrailArn', 'Region']) {
      expect(trail, field).not.toHaveProperty(field);
    }
    const events = (
      await raw('trail', 'LookupEvents', {
        StartTime: '2026-10-01T00:00:00Z',
        EndTime: '2026-11-01T00:00:00Z',
      })
    )['Events'] as Item[];
    expect(events).toEqual([
      { eventName: 'ConsoleSignin', eventTime: '2026-10-30T00:00:00Z', acsRegion: R },
    ]);
  });

  it('Security Center: an asset without RegionId is listed, without it, by both endpoints', async () => {
    for (const site of ['cn-shanghai', 'ap-southeast-1']) {
      const body = await raw('sas', 'DescribeCloudCenterInstances', {}, site);
      expect(body['Instances'], site).toEqual([{ InstanceId: 'i-1', ClientStatus: 'online' }]);
    }
  });

  it('Resource Manager: an attachment without its scope or principal, and no filter hides it', async () => {
    for (const query of [{}, { ResourceGroupId: 'rg-1', PrincipalType: 'IMSUser' }]) {
      const body = await raw('rm', 'ListPolicyAttachments', query);
      expect(list(body, 'PolicyAttachments.PolicyAttachment'), JSON.stringify(query)).toEqual([
        { PolicyName: 'AdministratorAccess', PolicyType: 'System' },
      ]);
    }
  });

  it('ListAccounts: no ResourceDirectoryId, FolderId or JoinMethod', async () => {
    const org = await startEmulator(
      parseWorld({
        version: 1,
        account: { accountId: ACCOUNT },
        organization: {
          managementAccountId: ACCOUNT,
          accounts: [{ AccountId: ACCOUNT, DisplayName: 'mgmt' }],
        },
      }),
    );
    try {
      const orgClient = new OpenApi(config(org.url));
      const body = await callRpc(orgClient, VERSIONS.rm, 'ListAccounts', {});
      expect(list(body as Item, 'Accounts.Account')).toEqual([
        { AccountId: ACCOUNT, DisplayName: 'mgmt' },
      ]);
    } finally {
      await org.close();
    }
  });
});

describe('the world schema', () => {
  it('accepts a policy without document, a rule without IpProtocol, an asset without RegionId, an attachment without scope or principal, an event without eventId', () => {
    const parsed = parseWorld(world);
    expect(parsed.ram.Policies[0]).not.toHaveProperty('PolicyDocument');
    expect(parsed.ram.Policies[0]?.DefaultVersion).toBe('v1'); // a default the spec keeps
    expect(parsed.resourceManager.PolicyAttachments[0]?.PolicyType).toBe('System');
  });

  it('rejects an event without eventTime, saying why', () => {
    expect(() =>
      parseWorld({
        version: 1,
        account: { accountId: ACCOUNT },
        actiontrail: { Events: [{ eventId: 'e-1', eventName: 'ConsoleSignin' }] },
      }),
    ).toThrow(WorldError);
    expect(() =>
      parseWorld({
        version: 1,
        account: { accountId: ACCOUNT },
        actiontrail: { Events: [{ eventId: 'e-1' }] },
      }),
    ).toThrow(/actiontrail\.Events\[0\]\.eventTime: .*time window cannot place an event/);
  });
});

describe('through the collector and the rules', () => {
  isolateCollectorRuns();

  const sgRule = (over: Item): Item => ({
    Direction: 'ingress',
    IpProtocol: 'TCP',
    PortRange: '22/22',
    SourceCidrIp: '0.0.0.0/0',
    Policy: 'Accept',
    Priority: 2,
    NicType: 'intranet',
    ...over,
  });
  const loaded = (rule: unknown): LoadedRule => ({ rule, source: 'test' }) as LoadedRule;

  it('VPC-group rules of NicType internet count; a policy without document is a gap, never "no permissions"', async () => {
    const scanWorld: WorldInput = {
      version: 1,
      now: NOW.toISOString(),
      account: {
        accountId: ACCOUNT,
        caller: {
          IdentityType: 'RAMUser',
          AccountId: ACCOUNT,
          Arn: `acs:ram::${ACCOUNT}:user/auditor`,
        },
      },
      regions: [{ RegionId: R }],
      ecs: {
        [R]: {
          SecurityGroups: [
            {
              // a Drop of priority 1 written NicType internet closes SSH in a VPC group
              SecurityGroupId: 'sg-closed',
              VpcId: 'vpc-1',
              Permissions: [
                sgRule({ Policy: 'Drop', Priority: 1, NicType: 'internet' }),
                sgRule({}),
              ],
            },
            {
              // an Accept written NicType internet opens it
              SecurityGroupId: 'sg-open',
              VpcId: 'vpc-1',
              Permissions: [sgRule({ NicType: 'internet' })],
            },
          ],
        },
      },
      ram: {
        Users: [
          {
            UserName: 'bob',
            UserId: '2000000000000009',
            Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
          },
        ],
        Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
      },
    };
    const { inventory } = await runCollect(scanWorld);
    const result = evaluate(inventory, {
      rules: [loaded(sgAdmin), loaded(ramAdmin)],
      now: NOW,
      since: SINCE,
    });
    const flagged = (id: string) =>
      result.findings.filter((f) => f.ruleId === id).map((f) => f.resource.id);
    expect(flagged('sg-admin-port-open-to-internet')).toEqual(['sg-open']);
    // the document was not served: a gap for that policy, and bob is not judged either way
    expect(inventory.coverage).toContainEqual(
      expect.objectContaining({
        operation: 'GetPolicy',
        resource: 'AdministratorAccess',
        error: expect.objectContaining({ code: 'MissingField' }),
      }),
    );
    expect(flagged('ram-policy-admin-access')).toEqual([]);
    expect(
      result.unevaluated
        .filter((u) => u.ruleId === 'ram-policy-admin-access')
        .map((u) => u.resource?.id),
    ).toEqual(['bob']);
  });
});
