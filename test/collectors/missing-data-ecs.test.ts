/**
 * Unknown is never safe, ECS side: an instance answered without Status, OSType
 * or MetadataOptions, a prefix-list or port-list entry without its value, an
 * ingress rule without any source field, an invocation without CreationTime
 * and a disk without AutoSnapshotPolicyId are gaps, never "not running", "not
 * Linux", "a shorter list", "no source", "outside the window" or "no policy".
 * The emulator serves a world as written (world.md): a world that leaves one of
 * these fields out is answered without it, and answers that lack a field the
 * world gives are made by rewriting the emulator's.
 */
import { describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import {
  baseWorld,
  gapsOf,
  isolateCollectorRuns,
  type Rewrite,
  rewriteItems,
  runCollect,
  runCollectRewritten,
  verdictOf,
} from './harness.js';

isolateCollectorRuns();

const R = 'cn-hangzhou';

const rule = (extra: Record<string, unknown>) => ({
  Direction: 'ingress',
  Policy: 'Accept',
  Priority: 1,
  NicType: 'intranet',
  IpProtocol: 'TCP',
  ...extra,
});

/**
 * i-run: a running Linux instance without a key pair, its metadata served
 * without a token, SSH open to it (sg-web), a root invocation on it and two
 * in-use disks without a snapshot policy (d-1, d-2; d-sp has one); each of the
 * rules below flags it as served. sg-ports opens a port list holding 22,
 * sg-prefix opens 3389 to a prefix list holding 0.0.0.0/0. With `bare`, also
 * i-bare and d-bare, which leave out Status, OSType, MetadataOptions and
 * AutoSnapshotPolicyId.
 */
function world(bare = false): WorldInput {
  return baseWorld({
    ecs: {
      [R]: {
        SecurityGroups: [
          {
            SecurityGroupId: 'sg-web',
            VpcId: 'vpc-1',
            Permissions: [rule({ PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' })],
          },
          {
            SecurityGroupId: 'sg-ports',
            VpcId: 'vpc-1',
            Permissions: [
              rule({ PortRange: '-1/-1', PortRangeListId: 'prl-admin', SourceCidrIp: '0.0.0.0/0' }),
            ],
          },
          {
            SecurityGroupId: 'sg-prefix',
            VpcId: 'vpc-1',
            Permissions: [rule({ PortRange: '3389/3389', SourcePrefixListId: 'pl-any' })],
          },
        ],
        PrefixLists: [
          { PrefixListId: 'pl-any', Entries: [{ Cidr: '0.0.0.0/0' }, { Cidr: '10.0.0.0/8' }] },
        ],
        PortRangeLists: [
          {
            PortRangeListId: 'prl-admin',
            Entries: [{ PortRange: '22/22' }, { PortRange: '8080/8080' }],
          },
        ],
        Instances: [
          {
            InstanceId: 'i-run',
            Status: 'Running',
            OSType: 'linux',
            InstanceNetworkType: 'vpc',
            SecurityGroupIds: ['sg-web'],
            PublicIpAddress: ['47.0.0.10'],
            VpcAttributes: { VpcId: 'vpc-1', VSwitchId: 'vsw-1', PrivateIpAddress: ['10.0.0.10'] },
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional' },
          },
          ...(bare
            ? [
                {
                  InstanceId: 'i-bare',
                  InstanceNetworkType: 'vpc',
                  SecurityGroupIds: ['sg-web'],
                  PublicIpAddress: ['47.0.0.11'],
                  VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: ['10.0.0.11'] },
                },
              ]
            : []),
        ],
        Disks: [
          {
            DiskId: 'd-1',
            InstanceId: 'i-run',
            Status: 'In_use',
            Encrypted: true,
            AutoSnapshotPolicyId: '',
          },
          {
            DiskId: 'd-2',
            InstanceId: 'i-run',
            Status: 'In_use',
            Encrypted: true,
            AutoSnapshotPolicyId: '',
          },
          {
            DiskId: 'd-sp',
            InstanceId: 'i-run',
            Status: 'In_use',
            Encrypted: true,
            AutoSnapshotPolicyId: 'sp-1',
          },
          ...(bare
            ? [{ DiskId: 'd-bare', InstanceId: 'i-bare', Status: 'In_use', Encrypted: true }]
            : []),
        ],
        Invocations: [
          {
            InvokeId: 't-1',
            CommandName: 'patch',
            CommandType: 'RunShellScript',
            Username: 'root',
            CreationTime: '2026-10-30T08:00:00Z',
            InvocationStatus: 'Success',
            InvokeInstances: [{ InstanceId: 'i-run' }],
          },
        ],
      },
    },
  });
}

const verdict = verdictOf;
const items = rewriteItems;
const gaps = gapsOf;

const instances = (edit: (i: Record<string, unknown>) => void) =>
  items('DescribeInstances', ['Instances', 'Instance'], (i) => {
    if (i['InstanceId'] === 'i-run') edit(i);
  });

describe('ECS answers without a field a rule needs', () => {
  it('as served: no gap, every rule below flags its resource', async () => {
    const { inventory } = await runCollect(world());
    expect(inventory.coverage).toEqual([]);
    for (const id of [
      'instance-admin-port-exposed',
      'security-center-agent-offline',
      'instance-metadata-tokens-optional',
      'instance-password-login',
      'cloud-assistant-ran-as-root',
    ])
      expect(await verdict(inventory, id, 'i-run'), id).toBe('finding');
    expect(await verdict(inventory, 'instance-public-address-unused', 'i-run')).toBe('pass');
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-1')).toBe('finding');
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-sp')).toBe('pass');
    for (const g of ['sg-web', 'sg-ports', 'sg-prefix'])
      expect(await verdict(inventory, 'sg-admin-port-open-to-internet', g), g).toBe('finding');
  });

  it('a world that leaves out Status, OSType, MetadataOptions or AutoSnapshotPolicyId is served without them: gaps, never a default', async () => {
    const served = new Map<string, Record<string, unknown>>();
    const keep = (item: Record<string, unknown>) => {
      const id = item['DiskId'] ?? item['InstanceId'];
      if (id === 'i-bare' || id === 'd-bare') served.set(id, { ...item });
    };
    const instanceAnswers = items('DescribeInstances', ['Instances', 'Instance'], keep);
    const diskAnswers = items('DescribeDisks', ['Disks', 'Disk'], keep);
    const { inventory } = await runCollectRewritten(
      world(true),
      (req) => instanceAnswers(req) ?? diskAnswers(req),
    );
    // world.md: a field that is absent is absent in the response
    expect(served.get('i-bare')).toHaveProperty('InstanceId', 'i-bare');
    for (const field of ['Status', 'OSType', 'MetadataOptions'])
      expect(served.get('i-bare'), field).not.toHaveProperty(field);
    expect(served.get('d-bare')).toHaveProperty('DiskId', 'd-bare');
    expect(served.get('d-bare')).not.toHaveProperty('AutoSnapshotPolicyId');
    // the collector makes each a gap; the instance and disk the world gave whole have none
    expect(gaps(inventory, 'DescribeInstances')).toEqual([
      ['i-bare', 'MissingField', 'DescribeInstances answered i-bare without Status'],
      ['i-bare', 'MissingField', 'DescribeInstances answered i-bare without MetadataOptions'],
      ['i-bare', 'MissingField', 'DescribeInstances answered i-bare without OSType'],
    ]);
    expect(gaps(inventory, 'DescribeDisks')).toEqual([
      ['d-bare', 'MissingField', 'DescribeDisks answered d-bare without AutoSnapshotPolicyId'],
    ]);
    expect(inventory.ecs.instances.find((i) => i.id === 'i-bare')?.metadataOptions).toBeUndefined();
    expect(
      inventory.ecs.disks.find((d) => d.id === 'd-bare')?.autoSnapshotPolicyId,
    ).toBeUndefined();
    for (const id of [
      'instance-admin-port-exposed',
      'instance-password-login',
      'instance-metadata-tokens-optional',
      'security-center-agent-offline',
    ]) {
      expect(await verdict(inventory, id, 'i-bare'), id).toBe('not evaluated');
      expect(await verdict(inventory, id, 'i-run'), id).toBe('finding');
    }
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-bare')).toBe(
      'not evaluated',
    );
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-1')).toBe('finding');
  });

  it('an instance without Status: a MissingField gap, the running-only rules not evaluated, never a pass', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      instances((i) => delete i['Status']),
    );
    expect(gaps(inventory, 'DescribeInstances')).toEqual([
      ['i-run', 'MissingField', 'DescribeInstances answered i-run without Status'],
    ]);
    for (const id of [
      'instance-admin-port-exposed',
      'instance-public-address-unused',
      'security-center-agent-offline',
    ])
      expect(await verdict(inventory, id, 'i-run'), id).toBe('not evaluated');
  });

  it('an instance without OSType: a MissingField gap, password login not evaluated, the others judged', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      instances((i) => delete i['OSType']),
    );
    expect(gaps(inventory, 'DescribeInstances')).toEqual([
      ['i-run', 'MissingField', 'DescribeInstances answered i-run without OSType'],
    ]);
    expect(await verdict(inventory, 'instance-password-login', 'i-run')).toBe('not evaluated');
    // older answers in the API's own examples carry no OSType: only the rule that reads it waits
    expect(await verdict(inventory, 'instance-admin-port-exposed', 'i-run')).toBe('finding');
  });

  it('an instance without MetadataOptions: a MissingField gap, the token rule not evaluated', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      instances((i) => delete i['MetadataOptions']),
    );
    expect(gaps(inventory, 'DescribeInstances')).toEqual([
      ['i-run', 'MissingField', 'DescribeInstances answered i-run without MetadataOptions'],
    ]);
    expect(inventory.ecs.instances.find((i) => i.id === 'i-run')?.metadataOptions).toBeUndefined();
    expect(await verdict(inventory, 'instance-metadata-tokens-optional', 'i-run')).toBe(
      'not evaluated',
    );
  });

  it('Status and HttpTokens both left out: two entries, so the metadata one does not narrow the other', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      instances((i) => {
        delete i['Status'];
        (i['MetadataOptions'] as Record<string, unknown>)['HttpTokens'] = '';
      }),
    );
    expect(gaps(inventory, 'DescribeInstances')).toEqual([
      ['i-run', 'MissingField', 'DescribeInstances answered i-run without Status'],
      [
        'i-run',
        'MissingField',
        'DescribeInstances answered i-run without MetadataOptions.HttpTokens',
      ],
    ]);
    expect(await verdict(inventory, 'instance-admin-port-exposed', 'i-run')).toBe('not evaluated');
    expect(await verdict(inventory, 'instance-metadata-tokens-optional', 'i-run')).toBe(
      'not evaluated',
    );
  });

  it('a port list entry without PortRange: the list unknown, the group and its instances not evaluated', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      items('DescribePortRangeListEntries', ['Entries'], (e) => {
        if (e['PortRange'] === '22/22') delete e['PortRange'];
      }),
    );
    expect(gaps(inventory, 'DescribePortRangeListEntries')).toEqual([
      [
        'prl-admin',
        'MissingField',
        'DescribePortRangeListEntries answered prl-admin without PortRange of an entry',
      ],
    ]);
    // never the shorter list: 8080 alone would leave the group closed to admin ports
    const list = inventory.ecs.portRangeLists.find((l) => l.id === 'prl-admin');
    expect(list?.ranges).toBeUndefined();
    expect(await verdict(inventory, 'sg-admin-port-open-to-internet', 'sg-ports')).toBe(
      'not evaluated',
    );
    // the group whose rules name no list keeps its verdict
    expect(await verdict(inventory, 'sg-admin-port-open-to-internet', 'sg-web')).toBe('finding');
  });

  it('a prefix list entry without Cidr: the list unknown, the group not evaluated', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      items('DescribePrefixListAttributes', ['Entries', 'Entry'], (e) => {
        if (e['Cidr'] === '0.0.0.0/0') delete e['Cidr'];
      }),
    );
    expect(gaps(inventory, 'DescribePrefixListAttributes')).toEqual([
      [
        'pl-any',
        'MissingField',
        'DescribePrefixListAttributes answered pl-any without Cidr of an entry',
      ],
    ]);
    expect(inventory.ecs.prefixLists.find((l) => l.id === 'pl-any')?.cidrs).toBeUndefined();
    expect(await verdict(inventory, 'sg-admin-port-open-to-internet', 'sg-prefix')).toBe(
      'not evaluated',
    );
  });

  it('an ingress rule without any of its four source fields: the group rules unknown; "" in each is a value', async () => {
    const permissions =
      (edit: (p: Record<string, unknown>, group: string) => void) =>
      (req: { headers: Record<string, unknown> }): Rewrite | undefined =>
        req.headers['x-acs-action'] === 'DescribeSecurityGroupAttribute'
          ? (body) => {
              const b = body as {
                SecurityGroupId: string;
                Permissions: { Permission: Record<string, unknown>[] };
              };
              for (const p of b.Permissions.Permission) edit(p, b.SecurityGroupId);
              return b;
            }
          : undefined;
    const sources = ['SourceCidrIp', 'Ipv6SourceCidrIp', 'SourceGroupId', 'SourcePrefixListId'];
    const { inventory } = await runCollectRewritten(
      world(),
      permissions((p, group) => {
        // sg-web: the four keys left out; sg-ports: all four present as ""
        if (group === 'sg-web') for (const k of sources) delete p[k];
        if (group === 'sg-ports') for (const k of sources) p[k] = '';
      }),
    );
    expect(gaps(inventory, 'DescribeSecurityGroupAttribute')).toEqual([
      [
        'sg-web',
        'MissingField',
        'DescribeSecurityGroupAttribute answered sg-web without a source (SourceCidrIp, Ipv6SourceCidrIp, SourceGroupId, SourcePrefixListId) of a rule',
      ],
    ]);
    expect(inventory.ecs.securityGroups.find((g) => g.id === 'sg-web')?.rules).toBeUndefined();
    expect(inventory.ecs.securityGroups.find((g) => g.id === 'sg-ports')?.rules).toHaveLength(1);
    expect(await verdict(inventory, 'sg-admin-port-open-to-internet', 'sg-web')).toBe(
      'not evaluated',
    );
    expect(await verdict(inventory, 'instance-admin-port-exposed', 'i-run')).toBe('not evaluated');
  });

  it('an invocation without CreationTime: a MissingField gap, the run-as-root rule not evaluated', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      items('DescribeInvocations', ['Invocations', 'Invocation'], (v) => {
        delete v['CreationTime'];
      }),
    );
    expect(gaps(inventory, 'DescribeInvocations')).toEqual([
      ['t-1', 'MissingField', 'DescribeInvocations answered t-1 without CreationTime'],
    ]);
    expect(await verdict(inventory, 'cloud-assistant-ran-as-root', 'i-run')).toBe('not evaluated');
  });

  it('a disk without AutoSnapshotPolicyId: a MissingField gap, the rule not evaluated ("" stays "no policy")', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      items('DescribeDisks', ['Disks', 'Disk'], (d) => {
        if (d['DiskId'] !== 'd-1') return;
        delete d['AutoSnapshotPolicyId'];
        d['Encrypted'] = false;
      }),
    );
    expect(gaps(inventory, 'DescribeDisks')).toEqual([
      ['d-1', 'MissingField', 'DescribeDisks answered d-1 without AutoSnapshotPolicyId'],
    ]);
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-1')).toBe('not evaluated');
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-2')).toBe('finding');
    // only the rule that reads the policy waits: the disk is still judged unencrypted
    expect(await verdict(inventory, 'disk-not-encrypted', 'd-1')).toBe('finding');
  });

  it('a disk without Encrypted: only disk-not-encrypted waits (rules.md: "not evaluated for that rule")', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      items('DescribeDisks', ['Disks', 'Disk'], (d) => {
        if (d['DiskId'] === 'd-1') delete d['Encrypted'];
      }),
    );
    expect(gaps(inventory, 'DescribeDisks')).toEqual([
      ['d-1', 'MissingField', 'DescribeDisks answered d-1 without Encrypted'],
    ]);
    expect(await verdict(inventory, 'disk-not-encrypted', 'd-1')).toBe('not evaluated');
    // its snapshot policy ("" = none) is still judged
    expect(await verdict(inventory, 'disk-no-auto-snapshot-policy', 'd-1')).toBe('finding');
  });
});

describe('answers only a world that leaves fields out can give', () => {
  it('a classic group rule without NicType is of the NIC type its answer was asked for, never "intranet" by default', async () => {
    const classic = baseWorld({
      ecs: {
        [R]: {
          SecurityGroups: [
            {
              SecurityGroupId: 'sg-classic',
              // no VpcId: a classic network group, whose rules face the internet by NicType
              Permissions: [
                rule({ NicType: undefined, PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' }),
              ],
            },
            {
              SecurityGroupId: 'sg-vpc',
              VpcId: 'vpc-1',
              // in a VPC group NicType is ignored: its absence is no gap
              Permissions: [
                rule({ NicType: undefined, PortRange: '22/22', SourceCidrIp: '0.0.0.0/0' }),
              ],
            },
          ],
        },
      },
    });
    const { inventory } = await runCollect(classic);
    // world.md's own example writes a group without VpcId (classic) and rules without NicType;
    // the answer to NicType=internet holds the internet rules: no gap, the rule faces the internet
    expect(inventory.coverage).toEqual([]);
    const rules = inventory.ecs.securityGroups.find((g) => g.id === 'sg-classic')?.rules ?? [];
    expect(rules.map((r) => r.nicType)).toContain('internet');
    expect(await verdict(inventory, 'sg-admin-port-open-to-internet', 'sg-classic')).toBe(
      'finding',
    );
    expect(await verdict(inventory, 'sg-admin-port-open-to-internet', 'sg-vpc')).toBe('finding');
  });

  it('an invocation a world writes without InvokeInstances is served without it: a gap, never "ran nowhere"', async () => {
    const invocation = {
      InvokeId: 't-none',
      CommandName: 'patch',
      CommandType: 'RunShellScript',
      Username: 'root',
      CreationTime: '2026-10-30T08:00:00Z',
      InvocationStatus: 'Success',
    };
    const { inventory } = await runCollect(
      baseWorld({ ecs: { [R]: { Invocations: [invocation] } } }),
    );
    expect(gaps(inventory, 'DescribeInvocations')).toEqual([
      ['t-none', 'MissingField', 'DescribeInvocations answered t-none without InvokeInstances'],
    ]);
  });

  it('a root event without eventId: the lookup is unknown, never a sign-in dropped', async () => {
    const signin = {
      eventName: 'ConsoleSignin',
      eventType: 'ConsoleSignin',
      eventTime: '2026-10-20T03:00:00Z',
      acsRegion: R,
      isGlobal: true,
      sourceIpAddress: '203.0.113.7',
      userIdentity: { type: 'root-account', principalId: '1', accountId: '1', userName: 'root' },
      additionalEventData: { loginAccount: 'owner@example.com', isMFAChecked: 'false' },
    };
    const { inventory } = await runCollect(
      baseWorld({ actiontrail: { Trails: [], Events: [signin] } } as Partial<WorldInput>),
    );
    expect(
      inventory.coverage.filter(
        (c) => c.operation === 'LookupEvents' && c.error.code === 'MissingField',
      ),
    ).not.toEqual([]);
    expect(inventory.actiontrail.events.length).toBe(0);
    expect(await verdict(inventory, 'actiontrail-root-console-login', '1234567890123456')).toBe(
      'not evaluated',
    );
  });
});
