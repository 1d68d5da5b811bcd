/**
 * Builders for security-group and instance fragments in network-rule tests.
 * Defaults: an ingress `TCP 22/22` Accept at priority 1 with no source, in a VPC group in cn-hangzhou.
 */
import type { z } from 'zod';
import type {
  InstanceSchema,
  SecurityGroupRuleSchema,
  SecurityGroupSchema,
} from '../../src/inventory/schema.js';

export type RuleInput = z.input<typeof SecurityGroupRuleSchema>;
export type GroupInput = z.input<typeof SecurityGroupSchema>;
export type InstanceInput = z.input<typeof InstanceSchema>;

export const REGION = 'cn-hangzhou';

export function rule(overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    direction: 'ingress',
    ipProtocol: 'TCP',
    portRange: '22/22',
    policy: 'Accept',
    priority: 1,
    ...overrides,
  };
}

/** `rule` with an IPv4 source */
export function from(cidr: string, overrides: Partial<RuleInput> = {}): RuleInput {
  return rule({ sourceCidrIp: cidr, ...overrides });
}

export function group(
  id: string,
  rules: RuleInput[] | undefined,
  overrides: Partial<GroupInput> = {},
): GroupInput {
  return {
    id,
    region: REGION,
    name: '',
    vpcId: 'vpc-1',
    ...(rules !== undefined ? { rules } : {}),
    ...overrides,
  };
}

export function instance(id: string, overrides: Partial<InstanceInput> = {}): InstanceInput {
  return {
    id,
    region: REGION,
    status: 'Running',
    securityGroupIds: ['sg-1'],
    keyPairName: null,
    ...overrides,
  };
}

/** an inventory fragment holding these groups (and instances) */
export function ecs(groups: GroupInput[], instances: InstanceInput[] = []) {
  return { ecs: { securityGroups: groups, instances } };
}

export type NetworkInterfaceInput = NonNullable<InstanceInput['networkInterfaces']>[number];

/** a network interface; Primary unless told otherwise */
export function nic(
  id: string,
  securityGroupIds: string[],
  overrides: Partial<NetworkInterfaceInput> = {},
): NetworkInterfaceInput {
  return { id, type: 'Primary', securityGroupIds, publicIps: [], ...overrides };
}
