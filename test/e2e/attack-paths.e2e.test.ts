/**
 * Attack paths end to end: the real CLI scans an emulated account through the
 * official SDK clients (ECS, VPC, RAM) and reports reachability through public
 * IPs, network ACLs, NAT DNAT and IPv6, and the privilege of instance roles.
 * One world holds every scenario as its own instance; one scan writes JSON,
 * Markdown and HTML. A custom rule asks the same reachability question
 * through the public API.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { runCli } from '../helpers/cli.js';

const NOW = '2026-11-01T00:00:00Z';
const ACCOUNT = '1234567890123456';
/** the usual instance-role trust policy: the ECS service may assume the role */
const ECS_TRUST = {
  Version: '1',
  Statement: [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } },
  ],
};

const instance = (
  id: string,
  opts: { sg: string; vsw: string; ip: string; publicIp?: string; role?: string },
) => ({
  InstanceId: id,
  Status: 'Running',
  OSType: 'linux',
  InstanceNetworkType: 'vpc',
  SecurityGroupIds: [opts.sg],
  PublicIpAddress: opts.publicIp ? [opts.publicIp] : [],
  VpcAttributes: { VpcId: 'vpc-1', VSwitchId: opts.vsw, PrivateIpAddress: [opts.ip] },
  KeyPairName: 'ops',
  MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional' },
  ...(opts.role ? { RamRoleName: opts.role } : {}),
});

const sg = (id: string, permissions: Array<{ IpProtocol: string } & Record<string, unknown>>) => ({
  SecurityGroupId: id,
  VpcId: 'vpc-1',
  Permissions: permissions.map((p) => ({
    Direction: 'ingress',
    Policy: 'Accept',
    Priority: 1,
    NicType: 'intranet',
    ...p,
  })),
});

const WORLD: WorldInput = {
  version: 1,
  now: NOW,
  account: {
    accountId: ACCOUNT,
    caller: {
      IdentityType: 'RAMUser',
      AccountId: ACCOUNT,
      Arn: `acs:ram::${ACCOUNT}:user/auditor`,
    },
  },
  regions: [{ RegionId: 'cn-hangzhou' }],
  ecs: {
    'cn-hangzhou': {
      SecurityGroups: [
        sg('sg-web', [
          {
            SecurityGroupRuleId: 'sgr-ssh',
            IpProtocol: 'TCP',
            PortRange: '22/22',
            SourceCidrIp: '0.0.0.0/0',
          },
        ]),
        sg('sg-closed', [
          { IpProtocol: 'TCP', PortRange: '22/22', SourceCidrIp: '198.51.100.0/24' },
        ]),
        sg('sg-v6', [{ IpProtocol: 'TCP', PortRange: '22/22', Ipv6SourceCidrIp: '::/0' }]),
      ],
      Instances: [
        instance('i-admin', {
          sg: 'sg-web',
          vsw: 'vsw-1',
          ip: '10.0.0.10',
          publicIp: '47.0.0.10',
          role: 'web-admin',
        }),
        instance('i-acl', {
          sg: 'sg-web',
          vsw: 'vsw-acl',
          ip: '10.0.1.11',
          publicIp: '47.0.0.11',
          role: 'web-admin',
        }),
        instance('i-dnat', { sg: 'sg-web', vsw: 'vsw-1', ip: '10.0.0.20', role: 'web-admin' }),
        instance('i-oss', {
          sg: 'sg-web',
          vsw: 'vsw-1',
          ip: '10.0.0.12',
          publicIp: '47.0.0.12',
          role: 'oss-reader',
        }),
        instance('i-idle', {
          sg: 'sg-closed',
          vsw: 'vsw-1',
          ip: '10.0.0.13',
          publicIp: '47.0.0.13',
        }),
        instance('i-v6', { sg: 'sg-v6', vsw: 'vsw-1', ip: '10.0.0.14' }),
        instance('i-v6priv', { sg: 'sg-v6', vsw: 'vsw-1', ip: '10.0.0.15' }),
      ],
    },
  },
  vpc: {
    'cn-hangzhou': {
      Ipv6Addresses: [
        { Ipv6Address: '2408:4000::21', NetworkType: 'Public', AssociatedInstanceId: 'i-v6' },
        { Ipv6Address: '2408:4000::22', NetworkType: 'Private', AssociatedInstanceId: 'i-v6priv' },
      ],
      NetworkAcls: [
        {
          NetworkAclId: 'nacl-1',
          VpcId: 'vpc-1',
          Resources: [{ ResourceId: 'vsw-1' }],
          IngressAclEntries: [
            { Policy: 'accept', Protocol: 'all', Port: '-1/-1', SourceCidrIp: '0.0.0.0/0' },
            {
              Policy: 'accept',
              Protocol: 'all',
              Port: '-1/-1',
              SourceCidrIp: '::/0',
              IpVersion: 'IPv6',
            },
          ],
        },
        {
          NetworkAclId: 'nacl-drop22',
          VpcId: 'vpc-1',
          Resources: [{ ResourceId: 'vsw-acl' }],
          IngressAclEntries: [
            { Policy: 'drop', Protocol: 'tcp', Port: '22/22', SourceCidrIp: '0.0.0.0/0' },
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
              ExternalIp: '47.0.0.99',
              ExternalPort: '2222',
              InternalIp: '10.0.0.20',
              InternalPort: '22',
              IpProtocol: 'TCP',
              Status: 'Available',
            },
          ],
        },
      ],
    },
  },
  ram: {
    Roles: [
      {
        RoleName: 'web-admin',
        AssumeRolePolicyDocument: ECS_TRUST,
        Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
      },
      {
        RoleName: 'oss-reader',
        AssumeRolePolicyDocument: ECS_TRUST,
        Policies: [{ PolicyName: 'oss-read', PolicyType: 'Custom' }],
      },
    ],
    Policies: [
      {
        PolicyName: 'AdministratorAccess',
        PolicyType: 'System',
        PolicyDocument: {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
        },
      },
      {
        PolicyName: 'oss-read',
        PolicyType: 'Custom',
        PolicyDocument: {
          Version: '1',
          Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }],
        },
      },
    ],
  },
};

let emu: RunningEmulator;
let dir: string;
let report: Report;
let markdown: string;
let html: string;

const CUSTOM_RULE = `
import { defineRule, reachablePorts, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'acme-reachable-ports',
    title: 'Every port the internet reaches, and how',
    severity: 'info',
    resourceTypes: ['instance'],
    rationale: 'An inventory of what the internet can reach, for the network team.',
    remediation: 'Review each path.',
    references: ['https://www.alibabacloud.com/help/en/vpc/user-guide/network-acl-overview'],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const inst of ctx.inventory.ecs.instances) {
      const reached = reachablePorts(ctx, inst);
      if (reached.length === 0) continue;
      yield {
        resource: { type: 'instance', id: inst.id, region: inst.region },
        message: inst.id + ' is reachable on ' + reached.map((r) => r.range.protocol + '/' + r.range.from).join(', '),
        evidence: {
          through: reached.map((r) => ({
            kind: r.entry.kind,
            address: r.entry.address,
            port: r.range.from,
            acl: r.range.acl ? r.range.acl.aclId : null,
            groups: r.range.groupRules.map((g) => g.groupId),
          })),
        },
      };
    }
  },
});
`;

beforeAll(async () => {
  emu = await startEmulator(parseWorld(WORLD));
  dir = mkdtempSync(path.join(tmpdir(), 'ecs-audit-paths-'));
  const rules = path.join(dir, 'rules');
  mkdirSync(rules);
  writeFileSync(path.join(rules, 'reachable.ts'), CUSTOM_RULE);
  const md = path.join(dir, 'report.md');
  const page = path.join(dir, 'report.html');
  const res = await runCli([
    'scan',
    '--endpoint',
    emu.url,
    '--now',
    NOW,
    '--format',
    'json',
    '--report',
    `markdown=${md}`,
    '--report',
    `html=${page}`,
    '--rules-dir',
    rules,
    '--fail-on',
    'none',
    '--no-progress',
  ]);
  expect(res.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
  expect(res.code, res.stderr).toBe(0);
  report = ReportSchema.parse(JSON.parse(res.stdout));
  markdown = readFileSync(md, 'utf8');
  html = readFileSync(page, 'utf8');
}, 30_000);

afterAll(async () => {
  await emu?.close();
});

const flagged = (rule: string) =>
  report.findings
    .filter((f) => f.ruleId === rule)
    .map((f) => f.resource.id)
    .sort();
const finding = (rule: string, id: string) =>
  report.findings.find((f) => f.ruleId === rule && f.resource.id === id);

describe('attack paths end to end', () => {
  it('reads every VPC action and leaves no coverage gap', () => {
    expect(report.coverage).toEqual([]);
    const calls = Object.keys((emu.stats() as { requests: Record<string, number> }).requests);
    for (const a of [
      'DescribeIpv6Addresses',
      'DescribeNetworkAcls',
      'DescribeNatGateways',
      'DescribeForwardTableEntries',
    ])
      expect(calls).toContain(a);
  });

  it('public IP, 22 open, AdministratorAccess: the finding with the full path', () => {
    const f = finding('instance-exposed-with-privileged-role', 'i-admin');
    expect(f?.severity).toBe('critical');
    const paths = (f?.evidence as { paths: Array<{ text: string }> } | undefined)?.paths ?? [];
    expect(paths[0]?.text).toBe(
      '47.0.0.10:22 → nacl-1 accept#1 → sg-web rule#1 Accept 0.0.0.0/0 → eni-admin → i-admin → role web-admin → AdministratorAccess Statement[0]',
    );
    expect(f?.evidence).toMatchObject({ httpTokens: 'optional', roleName: 'web-admin' });
  });

  it('an ACL entry dropping 22: no path finding and no admin-port finding', () => {
    expect(finding('instance-exposed-with-privileged-role', 'i-acl')).toBeUndefined();
    expect(finding('instance-admin-port-exposed', 'i-acl')).toBeUndefined();
  });

  it('a private instance reached only through DNAT 2222→22: both rules, with the DNAT hop', () => {
    const admin = finding('instance-admin-port-exposed', 'i-dnat');
    const priv = finding('instance-exposed-with-privileged-role', 'i-dnat');
    expect(admin?.message).toContain('47.0.0.99:2222 (DNAT ngw-1)');
    for (const f of [admin, priv]) {
      const path = (f?.evidence as { path: Array<{ kind: string }> } | undefined)?.path ?? [];
      expect(path.map((h) => h.kind)).toContain('dnat');
      expect(path[1]).toMatchObject({ kind: 'dnat', natGatewayId: 'ngw-1', entryId: 'fwd-1' });
    }
  });

  it('a role limited to oss:GetObject: no path finding', () => {
    expect(finding('instance-exposed-with-privileged-role', 'i-oss')).toBeUndefined();
    expect(finding('instance-admin-port-exposed', 'i-oss')).toBeDefined();
    expect(flagged('instance-exposed-with-privileged-role')).toEqual(['i-admin', 'i-dnat']);
  });

  it('public IP and nothing open: instance-public-address-unused', () => {
    const f = finding('instance-public-address-unused', 'i-idle');
    expect(f?.severity).toBe('low');
    expect(f?.evidence).toMatchObject({ unusedAddresses: [{ address: '47.0.0.13' }] });
    expect(finding('instance-public-address-unused', 'i-admin')).toBeUndefined();
  });

  it('a public IPv6 address with 22 open to ::/0 is exposed; a private one is not', () => {
    const f = finding('instance-admin-port-exposed', 'i-v6');
    expect(JSON.stringify(f?.evidence)).toContain('2408:4000::21');
    expect(finding('instance-admin-port-exposed', 'i-v6priv')).toBeUndefined();
    expect(flagged('instance-admin-port-exposed')).toEqual(['i-admin', 'i-dnat', 'i-oss', 'i-v6']);
  });

  it('Markdown and HTML show the path hop by hop', () => {
    expect(markdown).toContain('#### Attack paths');
    expect(markdown).toContain(
      '`47.0.0.99:2222 → DNAT ngw-1 fwd-1 → 10.0.0.20:22 → nacl-1 accept#1 → sg-web rule#1 Accept 0.0.0.0/0 → eni-dnat → i-dnat → role web-admin → AdministratorAccess Statement[0]`',
    );
    expect(html).toContain('data-testid="paths"');
    expect(html).toMatch(
      /<li class="hop hop-dnat" data-testid="hop" data-kind="dnat">DNAT ngw-1 fwd-1 → 10\.0\.0\.20:22<\/li>/,
    );
  });

  it('a custom rule asks which ports are reachable and through what', () => {
    const f = finding('acme-reachable-ports', 'i-dnat');
    expect(f?.evidence).toEqual({
      through: [
        { kind: 'dnat', address: '47.0.0.99', port: 22, acl: 'nacl-1', groups: ['sg-web'] },
      ],
    });
    expect(finding('acme-reachable-ports', 'i-acl')).toBeUndefined();
    expect(finding('acme-reachable-ports', 'i-idle')).toBeUndefined();
  });
});
