/**
 * Builders for VPC fragments (network ACLs, NAT gateways and DNAT entries, IPv6
 * addresses) in reachability and network-rule tests. Region cn-hangzhou, VPC
 * vpc-1, vSwitch vsw-1; `privateInstance` is a running instance in vsw-1 with
 * private IP 10.0.0.20 on eni-1 and no public address.
 */
import type { z } from 'zod';
import type {
  DnatEntrySchema,
  NatGatewaySchema,
  NetworkAclEntrySchema,
  NetworkAclSchema,
} from '../../src/inventory/schema.js';
import { instance, nic, REGION } from './network.js';

type AclEntryInput = z.input<typeof NetworkAclEntrySchema>;
type AclInput = z.input<typeof NetworkAclSchema>;
type DnatInput = z.input<typeof DnatEntrySchema>;
type NatInput = z.input<typeof NatGatewaySchema>;

export function aclEntry(
  policy: string,
  protocol: string,
  port: string,
  source = '0.0.0.0/0',
  overrides: Partial<AclEntryInput> = {},
): AclEntryInput {
  return { policy, protocol, port, sourceCidrIp: source, ...overrides };
}

export function acl(
  ingress: AclEntryInput[] | undefined,
  overrides: Partial<AclInput> = {},
): AclInput {
  return {
    id: 'nacl-1',
    region: REGION,
    vpcId: 'vpc-1',
    vSwitchIds: ['vsw-1'],
    ...(ingress ? { ingress } : {}),
    ...overrides,
  };
}

export function dnat(
  externalPort: string,
  internalPort: string,
  overrides: Partial<DnatInput> = {},
): DnatInput {
  return {
    id: 'fwd-1',
    externalIp: '47.0.0.99',
    externalPort,
    internalIp: '10.0.0.20',
    internalPort,
    ipProtocol: 'TCP',
    status: 'Available',
    ...overrides,
  };
}

export function natGateway(
  entries: DnatInput[] | undefined,
  overrides: Partial<NatInput> = {},
): NatInput {
  return {
    id: 'ngw-1',
    region: REGION,
    vpcId: 'vpc-1',
    networkType: 'internet',
    ...(entries ? { dnatEntries: entries } : {}),
    ...overrides,
  };
}

export function ipv6(address: string, networkType: string, instanceId = 'i-1') {
  return { address, region: REGION, networkType, associatedInstanceId: instanceId };
}

/** a running instance with no public address: private 10.0.0.20 on eni-1 in vsw-1 */
export function privateInstance(groups: string[], id = 'i-1') {
  return instance(id, {
    vpcId: 'vpc-1',
    vSwitchId: 'vsw-1',
    securityGroupIds: groups,
    privateIps: ['10.0.0.20'],
    networkInterfaces: [nic('eni-1', groups, { privateIps: ['10.0.0.20'], vSwitchId: 'vsw-1' })],
  });
}
