/**
 * End to end, through the built CLI against the emulator: security-group rules
 * that stand for a prefix list or a port list, a prefix list that cannot be
 * read, and an EIP on a secondary interface. Each world is the clean fixture
 * (no finding, exit 0) with one change, so every finding comes from that change.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, type World } from '../../src/emulator/world.js';
import { type Report, ReportSchema } from '../../src/report/schema.js';
import { ROOT, runCli } from '../helpers/cli.js';

const REGION = 'cn-shanghai';
const running: RunningEmulator[] = [];

afterAll(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

type Block = World['ecs'][string];
type Permission = Block['SecurityGroups'][number]['Permissions'][number];

/** the clean world, changed by `tweak` (its one region's block) */
async function scan(
  tweak: (block: Block, world: World) => void,
): Promise<{ code: number | null; report: Report; stderr: string }> {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'clean.yaml'));
  tweak(world.ecs[REGION]!, world);
  const emu = await startEmulator(world);
  running.push(emu);
  const r = await runCli([
    'scan',
    '--endpoint',
    emu.url,
    '--now',
    '2026-11-01T00:00:00Z',
    '--format',
    'json',
    '--timeout',
    '3000',
    '--no-progress',
  ]);
  expect(r.stderr).not.toContain('internal error');
  return { code: r.code, report: ReportSchema.parse(JSON.parse(r.stdout)), stderr: r.stderr };
}

const ssh = (over: Partial<Permission>): Permission => ({
  Direction: 'ingress',
  IpProtocol: 'TCP',
  PortRange: '22/22',
  Policy: 'Accept',
  Priority: 1,
  NicType: 'intranet',
  ...over,
});

/** the exposure rules' findings on a resource (these worlds have no Security Center list, and
 * an address nothing reaches is another rule's concern) */
const ruleIds = (r: Report, id: string) =>
  r.findings
    .filter(
      (f) =>
        f.resource.id === id &&
        f.ruleId !== 'security-center-agent-offline' &&
        f.ruleId !== 'instance-public-address-unused',
    )
    .map((f) => f.ruleId)
    .sort();

/** a running instance with a public IP whose one interface holds `group` */
function publicInstance(id: string, group: string, ip: string): Block['Instances'][number] {
  return {
    InstanceId: id,
    Status: 'Running',
    OSType: 'linux',
    InstanceNetworkType: 'vpc',
    SecurityGroupIds: [group],
    PublicIpAddress: [ip],
    VpcAttributes: { VpcId: 'vpc-1', PrivateIpAddress: ['10.1.0.50'] },
    KeyPairName: 'deploy-key',
    MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
  };
}

describe('prefix lists, port lists and secondary interfaces, end to end', () => {
  // one scan of one world holding every case side by side: each case has its own groups and instances
  let result: { code: number | null; report: Report };
  beforeAll(async () => {
    result = await scan((block) => {
      block.PrefixLists = [
        { PrefixListId: 'pl-world', AddressFamily: 'IPv4', Entries: [{ Cidr: '0.0.0.0/0' }] },
        { PrefixListId: 'pl-office', AddressFamily: 'IPv4', Entries: [{ Cidr: '203.0.113.0/24' }] },
      ];
      block.PortRangeLists = [
        {
          PortRangeListId: 'prl-rdp',
          Entries: [{ PortRange: '8000/8001' }, { PortRange: '3389/3389' }],
        },
      ];
      block.SecurityGroups.push(
        {
          SecurityGroupId: 'sg-pl-world',
          VpcId: 'vpc-1',
          Permissions: [ssh({ SourcePrefixListId: 'pl-world' })],
        },
        {
          SecurityGroupId: 'sg-pl-office',
          VpcId: 'vpc-1',
          Permissions: [ssh({ SourcePrefixListId: 'pl-office' })],
        },
        {
          SecurityGroupId: 'sg-prl',
          VpcId: 'vpc-1',
          Permissions: [
            ssh({ PortRange: '-1/-1', PortRangeListId: 'prl-rdp', SourceCidrIp: '0.0.0.0/0' }),
          ],
        },
        {
          SecurityGroupId: 'sg-side',
          VpcId: 'vpc-1',
          Permissions: [ssh({ SourceCidrIp: '0.0.0.0/0' })],
        },
      );
      block.Instances.push(
        publicInstance('i-world', 'sg-pl-world', '106.14.0.20'),
        publicInstance('i-office', 'sg-pl-office', '106.14.0.21'),
      );
      // i-app1 (public IP 106.14.0.10, clean sg-app) gets a secondary interface in sg-side with an EIP on a private IP
      block.Instances[0]!.NetworkInterfaces = [
        { NetworkInterfaceId: 'eni-app1', Type: 'Primary', SecurityGroupIds: ['sg-app'] },
        {
          NetworkInterfaceId: 'eni-side',
          Type: 'Secondary',
          SecurityGroupIds: ['sg-side'],
          PrivateIpAddress: '10.1.0.11',
          PrivateIpSets: [
            {
              PrivateIpAddress: '10.1.0.12',
              Primary: false,
              AssociatedPublicIp: { PublicIpAddress: '47.0.0.21', AllocationId: 'eip-side' },
            },
          ],
        },
      ];
    });
  });

  it('exits 1 with no coverage gap', () => {
    expect(result.report.coverage).toEqual([]);
    expect(result.code).toBe(1);
  });

  it('SSH from a prefix list holding 0.0.0.0/0: the group and the instance are found', () => {
    const { report } = result;
    expect(ruleIds(report, 'sg-pl-world')).toEqual(['sg-admin-port-open-to-internet']);
    expect(ruleIds(report, 'i-world')).toEqual(['instance-admin-port-exposed']);
    const sg = report.findings.find((f) => f.resource.id === 'sg-pl-world')!;
    expect(JSON.stringify(sg.evidence)).toContain('pl-world');
    const inst = report.findings.find((f) => f.resource.id === 'i-world')!;
    expect(inst.evidence).toMatchObject({ interfaces: [{ publicIps: ['106.14.0.20'] }] });
  });

  it('the same kind of rule from a list holding an office /24: nothing', () => {
    expect(ruleIds(result.report, 'sg-pl-office')).toEqual([]);
    expect(ruleIds(result.report, 'i-office')).toEqual([]);
  });

  it('a port list holding 3389, from 0.0.0.0/0: found', () => {
    const sg = result.report.findings.filter((f) => f.resource.id === 'sg-prl');
    expect(sg.map((f) => f.ruleId)).toEqual(['sg-admin-port-open-to-internet']);
    expect(sg[0]?.evidence).toMatchObject({ ports: [3389] });
    expect(sg[0]?.message).toContain('3389');
  });

  it('an EIP on a secondary interface whose group opens SSH: found, with that address', () => {
    const inst = result.report.findings.filter((f) => f.resource.id === 'i-app1');
    expect(inst.map((f) => f.ruleId)).toEqual(['instance-admin-port-exposed']);
    expect(inst[0]?.message).toContain('47.0.0.21');
    // the primary interface's own address is not exposed: its group opens nothing
    expect(inst[0]?.message).not.toContain('106.14.0.10');
    expect(inst[0]?.evidence).toMatchObject({
      interfaces: [{ interfaceId: 'eni-side', publicIps: ['47.0.0.21'] }],
    });
  });
});

describe('an unreadable prefix list, end to end', () => {
  it('no finding for that group, a coverage entry naming the list, exit 3', async () => {
    const { code, report } = await scan((block, world) => {
      block.PrefixLists = [
        { PrefixListId: 'pl-1', AddressFamily: 'IPv4', Entries: [{ Cidr: '0.0.0.0/0' }] },
      ];
      block.SecurityGroups[0]!.Permissions.push(ssh({ SourcePrefixListId: 'pl-1' }));
      world.emulator.faults.push({ action: 'DescribePrefixListAttributes', kind: 'accessDenied' });
    });
    expect(report.findings).toEqual([]);
    expect(report.coverage).toEqual([
      expect.objectContaining({
        service: 'ecs',
        region: REGION,
        operation: 'DescribePrefixListAttributes',
        resource: 'pl-1',
      }),
    ]);
    expect(code).toBe(3);
  });
});
