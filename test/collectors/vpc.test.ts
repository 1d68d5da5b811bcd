/**
 * VPC collection through the real SDK client: IPv6 addresses, network ACLs and
 * NAT gateways with their DNAT entries, paged as the API pages; failures and
 * answers without their list become coverage, never "none".
 */
import { describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/emulator/world.js';
import {
  baseWorld,
  isolateCollectorRuns,
  rewriteItems,
  runCollect,
  runCollectRewritten,
} from './harness.js';

isolateCollectorRuns();

const dnatEntries = Array.from({ length: 60 }, (_, i) => ({
  ForwardEntryId: `fwd-${i}`,
  ExternalIp: '47.0.0.99',
  ExternalPort: `${2000 + i}`,
  InternalIp: '10.0.0.20',
  InternalPort: '22',
  IpProtocol: 'TCP',
  Status: 'Available',
}));

function world(extra: Partial<WorldInput> = {}): WorldInput {
  return baseWorld({
    vpc: {
      'cn-hangzhou': {
        Ipv6Addresses: Array.from({ length: 55 }, (_, i) => ({
          Ipv6Address: `2408:4000::${(i + 1).toString(16)}`,
          Ipv6AddressId: `ipv6-${i}`,
          NetworkType: i === 0 ? 'Public' : 'Private',
          AssociatedInstanceId: 'i-2',
          AssociatedInstanceType: 'EcsInstance',
        })),
        NetworkAcls: [
          {
            NetworkAclId: 'nacl-1',
            VpcId: 'vpc-1',
            Status: 'Available',
            Resources: [{ ResourceId: 'vsw-1', ResourceType: 'VSwitch', Status: 'BINDED' }],
            IngressAclEntries: [
              {
                NetworkAclEntryId: 'nae-1',
                Policy: 'drop',
                Protocol: 'tcp',
                Port: '22/22',
                SourceCidrIp: '0.0.0.0/0',
                EntryType: 'custom',
              },
              {
                NetworkAclEntryId: 'nae-2',
                Policy: 'accept',
                Protocol: 'all',
                Port: '-1/-1',
                SourceCidrIp: '::/0',
                IpVersion: 'IPv6',
                EntryType: 'system',
              },
            ],
          },
        ],
        NatGateways: [
          {
            NatGatewayId: 'ngw-1',
            VpcId: 'vpc-1',
            NetworkType: 'internet',
            Status: 'Available',
            ForwardTableEntries: dnatEntries,
          },
          { NatGatewayId: 'ngw-2', VpcId: 'vpc-1', NetworkType: 'intranet', Status: 'Available' },
        ],
        EipAddresses: [
          {
            IpAddress: '47.0.0.21',
            AllocationId: 'eip-2',
            Mode: 'BINDED',
            InstanceId: 'eni-2',
            InstanceType: 'NetworkInterface',
          },
          {
            IpAddress: '47.0.0.22',
            AllocationId: 'eip-3',
            Mode: 'NAT',
            InstanceId: 'i-2',
            InstanceType: 'EcsInstance',
          },
        ],
      },
    },
    ...extra,
  });
}

describe('VPC collection', () => {
  it('reads IPv6 addresses, ACL entries in order, EIP modes and every DNAT entry across pages', async () => {
    const { inventory, emulator } = await runCollect(world());
    expect(inventory.coverage).toEqual([]);
    const vpc = inventory.vpc;
    expect(vpc.ipv6Addresses).toHaveLength(55);
    expect(vpc.ipv6Addresses[0]).toMatchObject({
      address: '2408:4000::1',
      region: 'cn-hangzhou',
      networkType: 'Public',
      associatedInstanceId: 'i-2',
    });
    expect(vpc.networkAcls).toEqual([
      {
        id: 'nacl-1',
        region: 'cn-hangzhou',
        name: '',
        vpcId: 'vpc-1',
        status: 'Available',
        vSwitchIds: ['vsw-1'],
        ingress: [
          {
            id: 'nae-1',
            name: '',
            policy: 'drop',
            protocol: 'tcp',
            port: '22/22',
            sourceCidrIp: '0.0.0.0/0',
            ipVersion: 'IPv4',
            entryType: 'custom',
          },
          {
            id: 'nae-2',
            name: '',
            policy: 'accept',
            protocol: 'all',
            port: '-1/-1',
            sourceCidrIp: '::/0',
            ipVersion: 'IPv6',
            entryType: 'system',
          },
        ],
      },
    ]);
    const [internet, intranet] = vpc.natGateways;
    expect(internet).toMatchObject({ id: 'ngw-1', networkType: 'internet', vpcId: 'vpc-1' });
    expect(internet?.dnatEntries).toHaveLength(60);
    expect(internet?.dnatEntries?.[59]).toMatchObject({
      id: 'fwd-59',
      externalIp: '47.0.0.99',
      externalPort: '2059',
      internalIp: '10.0.0.20',
      internalPort: '22',
      ipProtocol: 'TCP',
      status: 'Available',
    });
    expect(intranet).toMatchObject({ id: 'ngw-2', networkType: 'intranet', dnatEntries: [] });
    expect(vpc.eipAddresses).toEqual([
      {
        ipAddress: '47.0.0.21',
        region: 'cn-hangzhou',
        allocationId: 'eip-2',
        mode: 'BINDED',
        instanceId: 'eni-2',
        instanceType: 'NetworkInterface',
      },
      {
        ipAddress: '47.0.0.22',
        region: 'cn-hangzhou',
        allocationId: 'eip-3',
        mode: 'NAT',
        instanceId: 'i-2',
        instanceType: 'EcsInstance',
      },
    ]);
    const calls = emulator.stats().requests;
    // 55 addresses and 60 entries at 50 a page: two pages each
    expect(calls['DescribeIpv6Addresses']).toBe(2);
    expect(calls['DescribeForwardTableEntries']).toBe(3);
  });

  it('a refused listing is a coverage entry for its region, the facts stay unknown', async () => {
    const w = world({
      emulator: {
        faults: [
          { action: 'DescribeNetworkAcls', kind: 'accessDenied' },
          { action: 'DescribeForwardTableEntries', kind: 'accessDenied' },
        ],
      },
    });
    const { inventory } = await runCollect(w);
    expect(inventory.vpc.networkAcls).toEqual([]);
    expect(inventory.vpc.natGateways.every((g) => g.dnatEntries === undefined)).toBe(true);
    const ops = inventory.coverage.map(
      (c) => `${c.service}/${c.region}/${c.operation}/${c.resource ?? ''}`,
    );
    expect(ops).toContain('vpc/cn-hangzhou/DescribeNetworkAcls/');
    expect(ops.filter((o) => o.includes('DescribeForwardTableEntries/ftb-'))).toHaveLength(2);
    expect(inventory.coverage.every((c) => c.error.code === 'Forbidden.RAM')).toBe(true);
  });

  it('an answer without its list is MalformedResponse coverage, never "none"', async () => {
    // every VPC call answers valid JSON lacking the list
    const { inventory } = await runCollectRewritten(world(), (req) =>
      req.headers['x-acs-version'] === '2016-04-28'
        ? () => ({ RequestId: 'r-1', PageNumber: 1, PageSize: 50, TotalCount: 3 })
        : undefined,
    );
    expect(inventory.vpc).toEqual({
      ipv6Addresses: [],
      networkAcls: [],
      natGateways: [],
      eipAddresses: [],
    });
    const vpcGaps = inventory.coverage.filter((c) => c.service === 'vpc');
    expect(vpcGaps.map((c) => c.operation).sort()).toEqual([
      'DescribeEipAddresses',
      'DescribeIpv6Addresses',
      'DescribeNatGateways',
      'DescribeNetworkAcls',
    ]);
    expect(vpcGaps.every((c) => c.error.code === 'MalformedResponse')).toBe(true);
  });

  it('a NAT gateway answered without its forward-table list keeps its DNAT entries unknown', async () => {
    // the real answer, with ngw-1's ForwardTableIds taken out
    const { inventory, emulator } = await runCollectRewritten(world(), (req) =>
      req.headers['x-acs-action'] === 'DescribeNatGateways'
        ? (body) => {
            const b = body as { NatGateways: { NatGateway: Record<string, unknown>[] } };
            for (const g of b.NatGateways.NatGateway)
              if (g['NatGatewayId'] === 'ngw-1') delete g['ForwardTableIds'];
            return b;
          }
        : undefined,
    );
    const [cut, whole] = inventory.vpc.natGateways;
    expect(cut).toMatchObject({ id: 'ngw-1', forwardTableIds: [] });
    expect(cut?.dnatEntries).toBeUndefined();
    expect(whole).toMatchObject({ id: 'ngw-2', dnatEntries: [] });
    expect(inventory.coverage).toEqual([
      {
        service: 'vpc',
        region: 'cn-hangzhou',
        operation: 'DescribeNatGateways',
        resource: 'ngw-1',
        error: {
          code: 'MalformedResponse',
          message: 'the answer has no ForwardTableIds.ForwardTableId list for ngw-1',
        },
      },
    ]);
    // only ngw-2's table was asked for its entries
    expect(emulator.stats().requests['DescribeForwardTableEntries']).toBe(1);
  });

  it('a DNAT entry answered without its Status or an address keeps its gateway’s entries unknown', async () => {
    const { inventory } = await runCollectRewritten(
      world(),
      rewriteItems(
        'DescribeForwardTableEntries',
        ['ForwardTableEntries', 'ForwardTableEntry'],
        (e) => {
          if (e['ForwardEntryId'] === 'fwd-7') delete e['Status'];
          if (e['ForwardEntryId'] === 'fwd-55') delete e['InternalIp'];
        },
      ),
    );
    const [cut, whole] = inventory.vpc.natGateways;
    expect(cut?.id).toBe('ngw-1');
    expect(cut?.dnatEntries).toBeUndefined();
    expect(whole).toMatchObject({ id: 'ngw-2', dnatEntries: [] });
    expect(inventory.coverage).toEqual([
      {
        service: 'vpc',
        region: 'cn-hangzhou',
        operation: 'DescribeForwardTableEntries',
        resource: cut?.forwardTableIds[0],
        error: {
          code: 'MissingField',
          message: `DescribeForwardTableEntries answered ${cut?.forwardTableIds[0]} without Status of fwd-7; InternalIp of fwd-55`,
        },
      },
    ]);
  });

  it('an IPv6 address without NetworkType or an EIP without Mode: the region’s list is a gap, as if unread', async () => {
    const { inventory } = await runCollectRewritten(world(), (req) => {
      const action = req.headers['x-acs-action'];
      if (action === 'DescribeIpv6Addresses')
        return (body) => {
          const b = body as { Ipv6Addresses: { Ipv6Address: Record<string, unknown>[] } };
          for (const a of b.Ipv6Addresses.Ipv6Address)
            if (a['Ipv6AddressId'] === 'ipv6-0') delete a['NetworkType'];
          return b;
        };
      if (action === 'DescribeEipAddresses')
        return (body) => {
          const b = body as { EipAddresses: { EipAddress: Record<string, unknown>[] } };
          for (const e of b.EipAddresses.EipAddress)
            if (e['AllocationId'] === 'eip-2') delete e['Mode'];
          return b;
        };
      return undefined;
    });
    // what was answered stays; the region-wide entry makes the analyses treat the list as unread
    expect(inventory.vpc.ipv6Addresses).toHaveLength(55);
    expect(inventory.vpc.eipAddresses.map((e) => e.allocationId)).toContain('eip-2');
    // the two listings run at once: their entries come in either order
    const byOperation = [...inventory.coverage].sort((a, b) =>
      a.operation < b.operation ? -1 : 1,
    );
    expect(byOperation).toEqual([
      {
        service: 'vpc',
        region: 'cn-hangzhou',
        operation: 'DescribeEipAddresses',
        error: {
          code: 'MissingField',
          message: 'DescribeEipAddresses answered 47.0.0.21 without Mode',
        },
      },
      {
        service: 'vpc',
        region: 'cn-hangzhou',
        operation: 'DescribeIpv6Addresses',
        error: {
          code: 'MissingField',
          message: 'DescribeIpv6Addresses answered 2408:4000::1 without NetworkType',
        },
      },
    ]);
  });
});
