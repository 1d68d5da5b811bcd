/**
 * Factories for rule tests: a whole, valid inventory object from the few
 * fields a case is about. Every factory takes overrides and fills the rest
 * with safe, boring defaults (a group with no rule, a stopped-nothing running
 * instance without public address, an encrypted disk, a user without console
 * access or keys), so a case states only what makes it pass or fail.
 *
 *   const sg = makeSecurityGroup({ rules: [makeRule({ portRange: '22/22', sourceCidrIp: '0.0.0.0/0' })] });
 *   const inv = makeInventory({ ecs: { securityGroups: [sg], instances: [makeInstance({ securityGroupIds: [sg.id] })] } });
 */
import {
  type Disk,
  DiskSchema,
  type Instance,
  InstanceSchema,
  type Inventory,
  type RamUser,
  RamUserSchema,
  type SecurityGroup,
  type SecurityGroupRule,
  SecurityGroupRuleSchema,
  SecurityGroupSchema,
} from '../inventory/schema.js';
import { buildInventory, type InventoryFragment } from './rule-tester.js';

export const DEFAULT_REGION = 'cn-hangzhou';

type Input<T> = { [K in keyof T]?: T[K] };

/** an ingress Accept rule for TCP 22 from a private range, priority 1 */
export function makeRule(overrides: Input<SecurityGroupRule> = {}): SecurityGroupRule {
  return SecurityGroupRuleSchema.parse({
    direction: 'ingress',
    ipProtocol: 'TCP',
    portRange: '22/22',
    sourceCidrIp: '10.0.0.0/8',
    policy: 'Accept',
    priority: 1,
    ...overrides,
  });
}

/** a VPC security group `sg-1` in cn-hangzhou with no rule */
export function makeSecurityGroup(overrides: Input<SecurityGroup> = {}): SecurityGroup {
  return SecurityGroupSchema.parse({
    id: 'sg-1',
    region: overrides.region ?? DEFAULT_REGION,
    vpcId: 'vpc-1',
    innerAccessPolicy: 'Accept',
    rules: [],
    ...overrides,
  });
}

/** a running Linux instance `i-1` in sg-1, no public address, IMDSv2 enforced, no key pair, no role */
export function makeInstance(overrides: Input<Instance> = {}): Instance {
  const securityGroupIds = overrides.securityGroupIds ?? ['sg-1'];
  return InstanceSchema.parse({
    id: 'i-1',
    region: DEFAULT_REGION,
    status: 'Running',
    osType: 'linux',
    vpcId: 'vpc-1',
    privateIps: ['10.0.0.10'],
    securityGroupIds,
    networkInterfaces: [
      {
        id: 'eni-1',
        type: 'Primary',
        securityGroupIds,
        publicIps: overrides.publicIps ?? [],
        privateIps: overrides.privateIps ?? ['10.0.0.10'],
      },
    ],
    keyPairName: null,
    metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required' },
    ramRoleName: null,
    ...overrides,
  });
}

/** an encrypted data disk `d-1` attached to i-1 */
export function makeDisk(overrides: Input<Disk> = {}): Disk {
  return DiskSchema.parse({
    id: 'd-1',
    region: DEFAULT_REGION,
    instanceId: 'i-1',
    type: 'data',
    category: 'cloud_essd',
    encrypted: true,
    ...overrides,
  });
}

/** a RAM user `alice`: no console access, no MFA device, no AccessKey, no group, no policy */
export function makeUser(overrides: Input<RamUser> = {}): RamUser {
  return RamUserSchema.parse({
    name: 'alice',
    id: '200000000000001',
    createDate: '2026-01-01T00:00:00Z',
    loginProfile: null,
    mfaDevice: null,
    accessKeys: [],
    groups: [],
    policies: [],
    ...overrides,
  });
}

/**
 * A whole inventory: the fragment's sections merged into an empty one. The
 * regions of the resources it holds are the scanned regions, unless the
 * fragment says otherwise.
 */
export function makeInventory(fragment: InventoryFragment = {}): Inventory {
  const ecs = fragment.ecs ?? {};
  const regions = [
    ...new Set(
      (Object.values(ecs) as unknown[])
        .flatMap((v): unknown[] => (Array.isArray(v) ? v : []))
        .map((x) => (x as { region?: unknown }).region)
        .filter((r): r is string => typeof r === 'string'),
    ),
  ].sort();
  const base = buildInventory({});
  // an inventory collected at another time read the 90 days before it (a snapshot scan's window)
  const at = fragment.collectedAt;
  const window =
    at === undefined
      ? {}
      : { since: new Date(Date.parse(at) - 90 * 86_400_000).toISOString(), until: at };
  return buildInventory({
    regions: regions.map((id) => ({ id })),
    ...fragment,
    scope: { ...base.scope, regions, ...window, ...fragment.scope },
  });
}
