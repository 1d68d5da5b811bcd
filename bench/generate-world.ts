/**
 * Benchmark world generator: a large Alibaba Cloud account in the world-file
 * format (../shared/spec/world.md), deterministic from a seed.
 *
 *   npm run bench:world -- --scale N [--seed S] [--out FILE] [--latency MS]
 *                          [--ecs-qps N] [--ram-qps N] [--ims-qps N] [--sts-qps N]
 *                          [--trail-qps N] [--lookup-qps N] [--qps Action=N ...]
 *
 * Scale 1 (counts are totals over the account):
 *   20 regions · 5,000 security groups · 100,000 rules · 20,000 instances ·
 *   2,000 key pairs · 40,000 disks · 2,000 Cloud Assistant invocations ·
 *   2,000 RAM users · 50 groups · 200 roles · 500 custom policies ·
 *   10,000 ActionTrail events · 1 trail.
 *
 * Scaling: every count is multiplied by `scale` (rounded, at least 1 where a
 * list needs one). Regions: round(20 × scale), clamped to 1..20 — Alibaba has
 * about 30 public regions and real accounts use a handful, so above scale 1
 * the regions stay at 20 and each region gets denser (at scale 2, 500 groups
 * per region); below scale 1 the per-region density stays that of scale 1, so
 * small scales are a faithful miniature of the per-region load.
 *
 * Resources are spread evenly over the regions (the remainder goes to the
 * first regions), which is the benchmark's most parallel layout; the lower
 * bound is computed from the world, so a skewed world would stay comparable.
 *
 * The `emulator` block: `latencyMs` (default 50) and per-action limits as in
 * ../shared/notes/api-limits.md §7. The emulator counts N calls per fixed
 * 1-second window, keyed by action + region for ECS and ActionTrail and by
 * action for RAM, IMS and STS. ECS Describe* are documented as 1000/60 s per
 * account × region × API; 1000/60 ≈ 16.7/s, written as 16 per 1-s window
 * (960/min: slightly stricter than the real minute window, which would also
 * allow a burst of 1000 in the first second). RAM reads 100/s, IMS
 * GetAccessKeyLastUsed 350/s, GetCredentialReport 450/s, GenerateCredentialReport
 * 10/s, STS 100/s, ActionTrail LookupEvents 2/s (per region), DescribeTrails /
 * GetTrailStatus 100/s. The emulator keys limits by action name only, so
 * GetAccessKeyLastUsed (RAM 100/s, IMS 350/s) and GetUserMFAInfo (RAM 100/s,
 * IMS 700/s) carry one limit each: 100, the RAM quota, because the collectors
 * call the RAM flavour of both (--qps GetAccessKeyLastUsed=350 for the IMS one).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { READ_ACTIONS } from '../src/collectors/gate.js';
import type { WorldInput } from '../src/emulator/world.js';

export const BENCH_NOW = '2026-11-01T00:00:00Z';
export const ACCOUNT_ID = '1234567890123456';

export const REGION_IDS = [
  ['cn-hangzhou', 'China (Hangzhou)'],
  ['cn-shanghai', 'China (Shanghai)'],
  ['cn-beijing', 'China (Beijing)'],
  ['cn-shenzhen', 'China (Shenzhen)'],
  ['cn-qingdao', 'China (Qingdao)'],
  ['cn-zhangjiakou', 'China (Zhangjiakou)'],
  ['cn-huhehaote', 'China (Hohhot)'],
  ['cn-wulanchabu', 'China (Ulanqab)'],
  ['cn-chengdu', 'China (Chengdu)'],
  ['cn-hongkong', 'China (Hong Kong)'],
  ['ap-southeast-1', 'Singapore'],
  ['ap-southeast-3', 'Malaysia (Kuala Lumpur)'],
  ['ap-southeast-5', 'Indonesia (Jakarta)'],
  ['ap-northeast-1', 'Japan (Tokyo)'],
  ['ap-northeast-2', 'South Korea (Seoul)'],
  ['us-west-1', 'US (Silicon Valley)'],
  ['us-east-1', 'US (Virginia)'],
  ['eu-central-1', 'Germany (Frankfurt)'],
  ['eu-west-1', 'UK (London)'],
  ['me-east-1', 'UAE (Dubai)'],
] as const;

/** counts at scale 1 (account totals) */
export const SCALE_1 = {
  regions: 20,
  securityGroups: 5_000,
  rules: 100_000,
  instances: 20_000,
  keyPairs: 2_000,
  disks: 40_000,
  invocations: 2_000,
  users: 2_000,
  groups: 50,
  roles: 200,
  customPolicies: 500,
  events: 10_000,
} as const;

export type Counts = { -readonly [K in keyof typeof SCALE_1]: number };

/** ECS Describe*: 1000/60 s per region and API ⇒ 16 per 1-s window; the actions the collectors call */
export const ECS_ACTIONS = READ_ACTIONS.ecs;
export const RAM_ACTIONS = [
  'ListUsers',
  'GetUser',
  'GetLoginProfile',
  'GetUserMFAInfo',
  'ListAccessKeys',
  'ListGroupsForUser',
  'ListPoliciesForUser',
  'ListGroups',
  'ListUsersForGroup',
  'ListPoliciesForGroup',
  'ListRoles',
  'GetRole',
  'ListPoliciesForRole',
  'ListPolicies',
  'GetPolicy',
  'GetPolicyVersion',
  'GetPasswordPolicy',
  'GetSecurityPreference',
] as const;
export const IMS_ACTIONS = ['GetAccountSecurityPracticeReport', 'GetAccountMFAInfo'] as const;

export interface LimitOptions {
  ecs: number;
  ram: number;
  ims: number;
  sts: number;
  trail: number;
  lookup: number;
  accessKeyLastUsed: number;
  credentialReport: number;
  generateCredentialReport: number;
  /** per-action overrides, applied last */
  overrides: Record<string, number>;
}

export const DEFAULT_LIMITS: LimitOptions = {
  ecs: 16,
  ram: 100,
  ims: 100,
  sts: 100,
  trail: 100,
  lookup: 2,
  accessKeyLastUsed: 100,
  credentialReport: 450,
  generateCredentialReport: 10,
  overrides: {},
};

/** the world's `emulator.qps` map for these limits */
export function qpsTable(l: LimitOptions = DEFAULT_LIMITS): Record<string, number> {
  const qps: Record<string, number> = {};
  for (const a of ECS_ACTIONS) qps[a] = l.ecs;
  for (const a of RAM_ACTIONS) qps[a] = l.ram;
  for (const a of IMS_ACTIONS) qps[a] = l.ims;
  qps['GetAccessKeyLastUsed'] = l.accessKeyLastUsed;
  qps['GetCredentialReport'] = l.credentialReport;
  qps['GenerateCredentialReport'] = l.generateCredentialReport;
  qps['GetCallerIdentity'] = l.sts;
  qps['DescribeTrails'] = l.trail;
  qps['GetTrailStatus'] = l.trail;
  qps['LookupEvents'] = l.lookup;
  for (const [k, v] of Object.entries(l.overrides)) qps[k] = v;
  return qps;
}

export interface GenerateOptions {
  scale: number;
  seed?: number;
  latencyMs?: number;
  limits?: LimitOptions;
}

export function countsFor(scale: number): Counts {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`scale must be > 0, got ${scale}`);
  const n = (x: number, min = 1) => Math.max(min, Math.round(x * scale));
  return {
    regions: Math.min(20, n(SCALE_1.regions)),
    securityGroups: n(SCALE_1.securityGroups),
    rules: n(SCALE_1.rules),
    instances: n(SCALE_1.instances),
    keyPairs: n(SCALE_1.keyPairs),
    disks: n(SCALE_1.disks),
    invocations: n(SCALE_1.invocations),
    users: n(SCALE_1.users),
    groups: n(SCALE_1.groups),
    roles: n(SCALE_1.roles),
    customPolicies: n(SCALE_1.customPolicies),
    events: n(SCALE_1.events),
  };
}

// ------------------------------------------------------------ PRNG

/** mulberry32: small, fast, deterministic */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  /** k distinct items (k ≤ items.length) */
  sample<T>(items: readonly T[], k: number): T[] {
    const out = new Set<T>();
    const want = Math.min(k, items.length);
    for (let guard = 0; out.size < want && guard < want * 20; guard++) out.add(this.pick(items));
    return [...out];
  }
}

/** split `total` over `parts` as evenly as possible (remainder to the first parts) */
export function spread(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const rest = total - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < rest ? 1 : 0));
}

const pad = (n: number, width: number) => n.toString().padStart(width, '0');
const DAY = 86_400_000;

function isoDaysBefore(now: number, days: number): string {
  return new Date(now - days * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ------------------------------------------------------------ ECS

type RegionBlock = NonNullable<WorldInput['ecs']>[string];
type Permission = NonNullable<
  NonNullable<RegionBlock['SecurityGroups']>[number]['Permissions']
>[number];
type WorldInstance = NonNullable<RegionBlock['Instances']>[number];

const OFFICE_CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '203.0.113.0/24',
  '198.51.100.0/24',
];
const COMMON_PORTS = [
  '80/80',
  '443/443',
  '8080/8080',
  '6379/6379',
  '5432/5432',
  '9200/9200',
  '1/65535',
];

function makePermission(rng: Rng, classic: boolean, groupIds: readonly string[]): Permission {
  const egress = rng.chance(0.15);
  const roll = rng.next();
  let proto = 'TCP';
  let port = rng.pick(COMMON_PORTS);
  let source = rng.pick(OFFICE_CIDRS);
  let ipv6 = '';
  let sourceGroup = '';
  if (roll < 0.02) {
    port = '22/22';
    source = '0.0.0.0/0';
  } else if (roll < 0.03) {
    port = '3389/3389';
    source = '0.0.0.0/0';
  } else if (roll < 0.035) {
    port = '3306/3306';
    source = '0.0.0.0/0';
  } else if (roll < 0.1) {
    port = rng.pick(['80/80', '443/443']);
    source = '0.0.0.0/0';
  } else if (roll < 0.13) {
    source = '';
    ipv6 = rng.chance(0.3) ? '::/0' : '2001:db8::/32';
    port = rng.pick(['22/22', '443/443', '80/80']);
  } else if (roll < 0.2 && groupIds.length > 0) {
    source = '';
    sourceGroup = rng.pick(groupIds);
  } else if (roll < 0.25) {
    proto = rng.pick(['UDP', 'ICMP', 'ALL']);
    port = proto === 'UDP' ? rng.pick(['53/53', '123/123', '22/22']) : '-1/-1';
  } else if (roll < 0.3) {
    port = `${rng.int(1024, 30000)}/${rng.int(30001, 65535)}`;
  }
  const drop = rng.chance(0.04);
  const p: Permission = {
    Direction: egress ? 'egress' : 'ingress',
    IpProtocol: proto,
    PortRange: port,
    Policy: drop ? 'Drop' : 'Accept',
    Priority: drop ? rng.int(1, 5) : rng.int(1, 100),
    NicType: classic ? (rng.chance(0.5) ? 'internet' : 'intranet') : 'intranet',
    Description: rng.chance(0.3) ? 'managed by terraform' : '',
  };
  if (egress) {
    p.DestCidrIp = source;
    p.Ipv6DestCidrIp = ipv6;
    p.DestGroupId = sourceGroup;
  } else {
    p.SourceCidrIp = source;
    p.Ipv6SourceCidrIp = ipv6;
    p.SourceGroupId = sourceGroup;
    p.SourcePrefixListId = '';
  }
  return p;
}

interface RegionPlan {
  id: string;
  groups: number;
  rules: number;
  instances: number;
  keyPairs: number;
  disks: number;
  invocations: number;
}

function makeRegion(
  rng: Rng,
  plan: RegionPlan,
  ri: number,
  now: number,
  roleNames: readonly string[],
): RegionBlock {
  const r = pad(ri, 2);
  // security groups: ~3% classic (no VpcId), rules split in pairs around the mean
  const groupIds = Array.from({ length: plan.groups }, (_, i) => `sg-${r}${pad(i, 6)}`);
  const ruleCounts = spread(plan.rules, Math.max(1, plan.groups));
  for (let i = 0; i + 1 < ruleCounts.length; i += 2) {
    const a = ruleCounts[i] ?? 0;
    const b = ruleCounts[i + 1] ?? 0;
    const d = rng.int(0, Math.max(0, Math.min(a, b) - 1));
    ruleCounts[i] = a + d;
    ruleCounts[i + 1] = b - d;
  }
  const vpcs = Array.from(
    { length: Math.max(1, Math.ceil(plan.groups / 50)) },
    (_, i) => `vpc-${r}${pad(i, 4)}`,
  );
  const classicIds: string[] = [];
  const vpcIds: string[] = [];
  const SecurityGroups = groupIds.map((id, i) => {
    const classic = rng.chance(0.03);
    (classic ? classicIds : vpcIds).push(id);
    const n = plan.groups > 0 ? (ruleCounts[i] ?? 0) : 0;
    return {
      SecurityGroupId: id,
      SecurityGroupName: `${rng.pick(['web', 'db', 'cache', 'bastion', 'app', 'batch', 'k8s'])}-${i}`,
      Description: '',
      SecurityGroupType: rng.chance(0.1) ? 'enterprise' : 'normal',
      ...(classic ? {} : { VpcId: rng.pick(vpcs) }),
      ServiceManaged: rng.chance(0.02),
      InnerAccessPolicy: rng.chance(0.8) ? 'Accept' : 'Drop',
      Permissions: Array.from({ length: n }, () => makePermission(rng, classic, groupIds)),
    };
  });
  const pickGroups = (classic: boolean): string[] => {
    const pool =
      classic && classicIds.length > 0 ? classicIds : vpcIds.length > 0 ? vpcIds : groupIds;
    if (pool.length === 0) return [];
    const roll = rng.next();
    return rng.sample(pool, roll < 0.8 ? 1 : roll < 0.95 ? 2 : 3);
  };

  // key pairs
  const KeyPairs = Array.from({ length: plan.keyPairs }, (_, i) => ({
    KeyPairName: `kp-${r}-${pad(i, 5)}`,
    KeyPairFingerPrint: Array.from({ length: 16 }, () => pad(rng.int(0, 255), 2)).join(':'),
    CreationTime: isoDaysBefore(now, rng.int(1, 1500)),
  }));

  // instances
  const Instances: WorldInstance[] = [];
  for (let i = 0; i < plan.instances; i++) {
    const id = `i-${r}${pad(i, 7)}`;
    const classic = classicIds.length > 0 && rng.chance(0.01);
    const windows = rng.chance(0.15);
    const groups = pickGroups(classic);
    const vpcId = rng.pick(vpcs);
    const privateIp = `10.${ri}.${(i >> 8) & 255}.${i & 255}`;
    const publicRoll = rng.next();
    const inst: WorldInstance = {
      InstanceId: id,
      InstanceName: `${windows ? 'win' : 'lnx'}-${r}-${i}`,
      Status: rng.chance(0.9) ? 'Running' : 'Stopped',
      OSType: windows ? 'windows' : 'linux',
      InstanceNetworkType: classic ? 'classic' : 'vpc',
      SecurityGroupIds: groups,
      PublicIpAddress: publicRoll < 0.2 ? [`47.${ri}.${(i >> 8) & 255}.${i & 255}`] : [],
      EipAddress:
        publicRoll >= 0.2 && publicRoll < 0.3
          ? {
              IpAddress: `8.${ri}.${(i >> 8) & 255}.${i & 255}`,
              AllocationId: `eip-${r}${pad(i, 7)}`,
            }
          : { IpAddress: '', AllocationId: '' },
      InnerIpAddress: classic ? [privateIp] : [],
      VpcAttributes: classic
        ? { VpcId: '', PrivateIpAddress: [] }
        : { VpcId: vpcId, PrivateIpAddress: [privateIp] },
      CreationTime: isoDaysBefore(now, rng.int(1, 1000)),
      MetadataOptions: {
        HttpEndpoint: 'enabled',
        HttpTokens: rng.chance(0.5) ? 'optional' : 'required',
      },
    };
    if (!windows && KeyPairs.length > 0 && rng.chance(0.6))
      inst.KeyPairName = rng.pick(KeyPairs).KeyPairName;
    if (roleNames.length > 0 && rng.chance(0.2)) inst.RamRoleName = rng.pick(roleNames);
    if (!classic && rng.chance(0.1)) {
      const extra = rng.int(1, 2);
      inst.NetworkInterfaces = [
        { NetworkInterfaceId: `eni-${r}${pad(i, 7)}p`, Type: 'Primary', SecurityGroupIds: groups },
        ...Array.from({ length: extra }, (_, k) => ({
          NetworkInterfaceId: `eni-${r}${pad(i, 7)}s${k}`,
          Type: 'Secondary',
          SecurityGroupIds: pickGroups(false),
        })),
      ];
    }
    Instances.push(inst);
  }

  // disks: a system disk per instance first, then data disks, the rest unattached
  const Disks = Array.from({ length: plan.disks }, (_, i) => {
    const inst = Instances.length > 0 ? Instances[i % Instances.length] : undefined;
    const attached = inst !== undefined && (i < Instances.length || rng.chance(0.9));
    return {
      DiskId: `d-${r}${pad(i, 7)}`,
      DiskName: '',
      ...(attached && inst ? { InstanceId: inst.InstanceId } : {}),
      Type: inst && i < Instances.length ? 'system' : 'data',
      Category: rng.pick(['cloud_essd', 'cloud_essd', 'cloud_efficiency', 'cloud_ssd']),
      Encrypted: rng.chance(0.3),
      Status: attached ? 'In_use' : 'Available',
      // the API always sends it ("" = none); a policy on every disk keeps the findings as they were
      AutoSnapshotPolicyId: `sp-${r}`,
    };
  });

  // Cloud Assistant invocations within the last 4 weeks (the service keeps 4 weeks)
  const Invocations = Array.from({ length: plan.invocations }, (_, i) => {
    const targets = Instances.length > 0 ? rng.sample(Instances, rng.int(1, 3)) : [];
    const status = rng.chance(0.9) ? 'Success' : 'Failed';
    return {
      InvokeId: `t-${r}${pad(i, 6)}`,
      CommandId: `c-${r}${pad(i, 6)}`,
      CommandName: rng.pick(['patch', 'restart-nginx', 'collect-logs', 'rotate-keys', 'hotfix']),
      CommandType: rng.chance(0.9) ? 'RunShellScript' : 'RunPowerShellScript',
      CommandContent: Buffer.from('yum update -y').toString('base64'),
      Username: rng.pick(['', 'root', 'root', 'ecs-user', 'admin', 'system']),
      CreationTime: isoDaysBefore(now, rng.next() * 27),
      InvocationStatus: status,
      InvokeInstances: targets.map((t) => ({ InstanceId: t.InstanceId, InvocationStatus: status })),
    };
  });

  return { SecurityGroups, Instances, KeyPairs, Disks, Invocations };
}

// ------------------------------------------------------------ RAM, root, ActionTrail

type Ram = NonNullable<WorldInput['ram']>;
type PolicyRef = { PolicyName: string; PolicyType: string };

const SYSTEM_POLICIES: Array<{ name: string; actions: string[] }> = [
  { name: 'AdministratorAccess', actions: ['*'] },
  { name: 'ReadOnlyAccess', actions: ['*:Describe*', '*:List*', '*:Get*'] },
  { name: 'AliyunECSFullAccess', actions: ['ecs:*'] },
  { name: 'AliyunECSReadOnlyAccess', actions: ['ecs:Describe*', 'ecs:List*'] },
  { name: 'AliyunOSSReadOnlyAccess', actions: ['oss:Get*', 'oss:List*'] },
  { name: 'AliyunRAMFullAccess', actions: ['ram:*'] },
  { name: 'AliyunActionTrailFullAccess', actions: ['actiontrail:*'] },
  { name: 'AliyunECSAssistantFullAccess', actions: ['ecs:*Command*', 'ecs:*Invocation*'] },
];

function customPolicyDocument(rng: Rng, i: number): Record<string, unknown> {
  const roll = rng.next();
  if (roll < 0.04) {
    // Cloud Assistant as anyone, root included
    return {
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: ['ecs:RunCommand', 'ecs:InvokeCommand'], Resource: '*' },
      ],
    };
  }
  if (roll < 0.07) {
    // Cloud Assistant, but never as root or system
    return {
      Version: '1',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['ecs:RunCommand', 'ecs:InvokeCommand'],
          Resource: '*',
          Condition: { StringNotEqualsIgnoreCase: { 'ecs:CommandRunAs': ['system', 'root'] } },
        },
      ],
    };
  }
  if (roll < 0.1)
    return { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] };
  const service = rng.pick(['oss', 'rds', 'slb', 'log', 'vpc', 'cms', 'kms']);
  return {
    Version: '1',
    Statement: [
      {
        Effect: 'Allow',
        Action: [`${service}:Get*`, `${service}:List*`, `${service}:Describe*`],
        Resource: `acs:${service}:*:${ACCOUNT_ID}:project-${i}/*`,
      },
    ],
  };
}

function makeRam(rng: Rng, c: Counts, now: number): Ram {
  const custom = Array.from({ length: c.customPolicies }, (_, i) => `custom-policy-${pad(i, 5)}`);
  const refCustom = (name: string): PolicyRef => ({ PolicyName: name, PolicyType: 'Custom' });
  const refSystem = (name: string): PolicyRef => ({ PolicyName: name, PolicyType: 'System' });
  let nextCustom = 0;
  // every custom policy is attached at least once: hand them out round-robin
  const takeCustom = (): PolicyRef[] => {
    if (custom.length === 0) return [];
    const name = custom[nextCustom % custom.length] as string;
    nextCustom += 1;
    return [refCustom(name)];
  };

  const Groups = Array.from({ length: c.groups }, (_, i) => ({
    GroupName: `group-${pad(i, 4)}`,
    Comments: '',
    Policies: [
      ...takeCustom(),
      ...takeCustom(),
      ...(rng.chance(0.3) ? [refSystem(rng.pick(SYSTEM_POLICIES).name)] : []),
    ],
  }));
  const groupNames = Groups.map((g) => g.GroupName);

  const Roles = Array.from({ length: c.roles }, (_, i) => {
    const ecsRole = i % 2 === 0;
    return {
      RoleName: `role-${pad(i, 4)}`,
      RoleId: `3${pad(i, 15)}`,
      Arn: `acs:ram::${ACCOUNT_ID}:role/role-${pad(i, 4)}`,
      CreateDate: isoDaysBefore(now, rng.int(10, 1500)),
      AssumeRolePolicyDocument: {
        Version: '1',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: ecsRole
              ? { Service: ['ecs.aliyuncs.com'] }
              : { RAM: [`acs:ram::${rng.chance(0.2) ? '9999999999999999' : ACCOUNT_ID}:root`] },
          },
        ],
      },
      Policies: [
        ...takeCustom(),
        ...(rng.chance(0.3) ? [refSystem(rng.pick(SYSTEM_POLICIES).name)] : []),
      ],
    };
  });

  const Users = Array.from({ length: c.users }, (_, i) => {
    const name = `user-${pad(i, 5)}`;
    const console = rng.chance(0.6);
    const keyRoll = rng.next();
    const keys = keyRoll < 0.5 ? 1 : keyRoll < 0.7 ? 2 : 0;
    const created = rng.int(30, 1500);
    const user: NonNullable<Ram['Users']>[number] = {
      UserName: name,
      UserId: `2${pad(i, 15)}`,
      DisplayName: `User ${i}`,
      CreateDate: isoDaysBefore(now, created),
      AccessKeys: Array.from({ length: keys }, (_, k) => ({
        AccessKeyId: `LTAI5t${pad(i, 8)}K${k}`,
        Status: rng.chance(0.9) ? 'Active' : 'Inactive',
        CreateDate: isoDaysBefore(now, rng.int(1, created)),
        ...(rng.chance(0.8) ? { LastUsedDate: isoDaysBefore(now, rng.int(0, 400)) } : {}),
      })),
      Groups: groupNames.length > 0 && rng.chance(0.7) ? rng.sample(groupNames, rng.int(1, 3)) : [],
      Policies: [
        ...(i % 4 === 0 ? takeCustom() : []),
        ...(rng.chance(0.25) ? [refSystem(rng.pick(SYSTEM_POLICIES).name)] : []),
      ],
    };
    if (console) {
      user.LastLoginDate = isoDaysBefore(now, rng.int(0, 200));
      user.LoginProfile = {
        PasswordResetRequired: false,
        MFABindRequired: rng.chance(0.5),
        CreateDate: isoDaysBefore(now, created),
      };
      if (rng.chance(0.5)) {
        user.MFADevice = { SerialNumber: `acs:ram::${ACCOUNT_ID}:mfa/${name}`, Type: 'VMFA' };
      }
    }
    return user;
  });
  // whatever custom policies are left go to users, round-robin
  for (let k = 0; nextCustom < custom.length && Users.length > 0 && k < custom.length; k++) {
    Users[k % Users.length]?.Policies?.push(...takeCustom());
  }

  const Policies = [
    ...SYSTEM_POLICIES.map((p) => ({
      PolicyName: p.name,
      PolicyType: 'System',
      DefaultVersion: 'v1',
      Description: '',
      PolicyDocument: {
        Version: '1',
        Statement: [{ Effect: 'Allow', Action: p.actions, Resource: '*' }],
      },
    })),
    ...custom.map((name, i) => ({
      PolicyName: name,
      PolicyType: 'Custom',
      DefaultVersion: `v${rng.int(1, 4)}`,
      Description: '',
      PolicyDocument: customPolicyDocument(rng, i),
    })),
  ];

  return {
    Users,
    Groups,
    Roles,
    Policies,
    PasswordPolicy: {
      MinimumPasswordLength: 8,
      RequireLowercaseCharacters: true,
      RequireUppercaseCharacters: true,
      RequireNumbers: true,
      RequireSymbols: false,
      MaxPasswordAge: 0,
      PasswordReusePrevention: 0,
      MaxLoginAttemps: 5,
      HardExpiry: false,
    },
    // SecurityPreference: the emulator serves a new account's defaults
  };
}

type Event = NonNullable<NonNullable<WorldInput['actiontrail']>['Events']>[number];

function makeEvents(
  rng: Rng,
  count: number,
  regions: readonly string[],
  users: number,
  now: number,
): Event[] {
  const events: Event[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    const time = new Date(now - rng.next() * 85 * DAY).toISOString();
    const region = rng.pick(regions);
    const ip = `203.0.113.${rng.int(1, 254)}`;
    const user = `user-${pad(rng.int(0, Math.max(0, users - 1)), 5)}`;
    const id = `ev-${pad(i, 8)}`;
    if (roll < 0.005) {
      // root console sign-in, half without MFA
      events.push({
        eventId: id,
        eventName: 'ConsoleSignin',
        eventType: 'ConsoleSignin',
        eventTime: time,
        acsRegion: region,
        isGlobal: true,
        serviceName: 'AasCustomer',
        sourceIpAddress: ip,
        userIdentity: {
          type: 'root-account',
          principalId: ACCOUNT_ID,
          accountId: ACCOUNT_ID,
          userName: 'root',
        },
        additionalEventData: {
          loginAccount: 'owner@example.com',
          isMFAChecked: rng.chance(0.5) ? 'true' : 'false',
        },
      });
    } else if (roll < 0.01) {
      // root API call with a permanent AccessKey
      events.push({
        eventId: id,
        eventName: rng.pick(['DescribeInstances', 'CreateUser', 'AuthorizeSecurityGroup']),
        eventType: 'ApiCall',
        eventTime: time,
        acsRegion: region,
        isGlobal: false,
        serviceName: 'Ecs',
        sourceIpAddress: ip,
        userIdentity: {
          type: 'root-account',
          principalId: ACCOUNT_ID,
          accountId: ACCOUNT_ID,
          userName: 'root',
          accessKeyId: 'LTAI4RootKeyBench0001',
        },
      });
    } else if (roll < 0.05) {
      // RAM-user console sign-in (global)
      events.push({
        eventId: id,
        eventName: 'ConsoleSignin',
        eventType: 'ConsoleSignin',
        eventTime: time,
        acsRegion: region,
        isGlobal: true,
        serviceName: 'AasSub',
        sourceIpAddress: ip,
        userIdentity: {
          type: 'ram-user',
          principalId: `2${pad(i, 15)}`,
          accountId: ACCOUNT_ID,
          userName: user,
        },
        additionalEventData: {
          loginAccount: `${user}@${ACCOUNT_ID}.onaliyun.com`,
          isMFAChecked: 'true',
        },
      });
    } else {
      events.push({
        eventId: id,
        eventName: rng.pick([
          'DescribeInstances',
          'RunInstances',
          'AuthorizeSecurityGroup',
          'CreateDisk',
          'StopInstance',
        ]),
        eventType: 'ApiCall',
        eventTime: time,
        acsRegion: region,
        isGlobal: false,
        serviceName: 'Ecs',
        sourceIpAddress: ip,
        userIdentity: {
          type: 'ram-user',
          principalId: `2${pad(i, 15)}`,
          accountId: ACCOUNT_ID,
          userName: user,
          accessKeyId: rng.chance(0.5) ? `STS.${pad(i, 10)}` : `LTAI5t${pad(i, 8)}K0`,
        },
      });
    }
  }
  return events;
}

// ------------------------------------------------------------ the world

/** vSwitches per VPC region: each gets its own network ACL */
const VSWITCHES_PER_REGION = 4;
/** DNAT entries per region's internet NAT gateway */
const DNAT_PER_REGION = 8;

/**
 * VPC per region, derived from the instances without drawing from the random
 * stream (the rest of the world stays what it was): every VPC instance is put
 * in one of the region's vSwitches, every vSwitch has a network ACL (half of
 * them drop RDP first, all accept the rest over IPv4 and IPv6), and an internet
 * NAT gateway forwards ports 10000+ to SSH on instances without a public address.
 */
function makeVpc(
  ecs: Record<string, RegionBlock>,
  regionIds: readonly string[],
): NonNullable<WorldInput['vpc']> {
  const out: NonNullable<WorldInput['vpc']> = {};
  regionIds.forEach((region, ri) => {
    const block = ecs[region];
    const vpcInstances = (block?.Instances ?? []).filter(
      (i) => i.VpcAttributes?.VpcId !== undefined && i.VpcAttributes.VpcId !== '',
    );
    const vsw = (k: number) => `vsw-${ri}-${k}`;
    vpcInstances.forEach((inst, i) => {
      if (inst.VpcAttributes)
        inst.VpcAttributes = { ...inst.VpcAttributes, VSwitchId: vsw(i % VSWITCHES_PER_REGION) };
    });
    const vpcId = vpcInstances[0]?.VpcAttributes?.VpcId ?? `vpc-${ri}`;
    const acls = Array.from({ length: VSWITCHES_PER_REGION }, (_, k) => ({
      NetworkAclId: `nacl-${ri}-${k}`,
      VpcId: vpcId,
      Status: 'Available',
      Resources: [{ ResourceId: vsw(k), ResourceType: 'VSwitch', Status: 'BINDED' }],
      IngressAclEntries: [
        ...(k % 2 === 0
          ? [
              {
                Policy: 'drop',
                Protocol: 'tcp',
                Port: '3389/3389',
                SourceCidrIp: '0.0.0.0/0',
                IpVersion: 'IPv4',
                EntryType: 'custom',
              },
            ]
          : []),
        {
          Policy: 'accept',
          Protocol: 'all',
          Port: '-1/-1',
          SourceCidrIp: '0.0.0.0/0',
          IpVersion: 'IPv4',
          EntryType: 'system',
        },
        {
          Policy: 'accept',
          Protocol: 'all',
          Port: '-1/-1',
          SourceCidrIp: '::/0',
          IpVersion: 'IPv6',
          EntryType: 'system',
        },
      ],
    }));
    const privateOnly = vpcInstances.filter(
      (i) => (i.PublicIpAddress ?? []).length === 0 && !i.EipAddress?.IpAddress,
    );
    const entries = privateOnly.slice(0, DNAT_PER_REGION).map((inst, j) => ({
      ForwardEntryId: `fwd-${ri}-${j}`,
      ExternalIp: `47.200.${ri}.1`,
      ExternalPort: `${10000 + j}`,
      InternalIp: inst.VpcAttributes?.PrivateIpAddress?.[0] ?? '',
      InternalPort: '22',
      IpProtocol: 'TCP',
      Status: 'Available',
    }));
    out[region] = {
      NetworkAcls: acls,
      NatGateways: [
        {
          NatGatewayId: `ngw-${ri}`,
          VpcId: vpcId,
          NetworkType: 'internet',
          Status: 'Available',
          ForwardTableEntries: entries,
        },
      ],
    };
  });
  return out;
}

export function generateWorld(opts: GenerateOptions): WorldInput {
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const c = countsFor(opts.scale);
  const now = Date.parse(BENCH_NOW);
  const regions = REGION_IDS.slice(0, c.regions).map(([id, name]) => ({
    RegionId: id,
    LocalName: name,
  }));
  const regionIds = regions.map((r) => r.RegionId);
  const split = (total: number) => spread(total, regionIds.length);
  const [groups, rules, instances, keyPairs, disks, invocations] = [
    split(c.securityGroups),
    split(c.rules),
    split(c.instances),
    split(c.keyPairs),
    split(c.disks),
    split(c.invocations),
  ];
  const ram = makeRam(rng, c, now);
  const roleNames = (ram.Roles ?? []).filter((_, i) => i % 2 === 0).map((r) => r.RoleName);
  const ecs: Record<string, RegionBlock> = {};
  regionIds.forEach((id, i) => {
    ecs[id] = makeRegion(
      rng,
      {
        id,
        groups: groups[i] ?? 0,
        rules: rules[i] ?? 0,
        instances: instances[i] ?? 0,
        keyPairs: keyPairs[i] ?? 0,
        disks: disks[i] ?? 0,
        invocations: invocations[i] ?? 0,
      },
      i,
      now,
      roleNames,
    );
  });
  const vpc = makeVpc(ecs, regionIds);
  const home = regionIds[0] ?? 'cn-hangzhou';
  const events = makeEvents(rng, c.events, regionIds, c.users, now);
  // the credential report agrees with the events: the root key was last used at its latest call
  const rootKeyLastUsed = events
    .filter(
      (e) => (e.userIdentity as { accessKeyId?: string }).accessKeyId === 'LTAI4RootKeyBench0001',
    )
    .map((e) => e.eventTime)
    .sort()
    .at(-1);
  // and the root's last console logon is its latest sign-in
  const rootLastLogon = events
    .filter(
      (e) =>
        e.eventName === 'ConsoleSignin' &&
        (e.userIdentity as { type?: string }).type === 'root-account',
    )
    .map((e) => e.eventTime)
    .sort()
    .at(-1);
  return {
    version: 1,
    now: BENCH_NOW,
    account: {
      accountId: ACCOUNT_ID,
      caller: {
        IdentityType: 'RAMUser',
        AccountId: ACCOUNT_ID,
        UserId: '2999999999999999',
        PrincipalId: '2999999999999999',
        Arn: `acs:ram::${ACCOUNT_ID}:user/auditor`,
      },
    },
    regions,
    ecs,
    vpc,
    ram,
    root: {
      mfaEnabled: false,
      lastLoginDate: rootLastLogon ?? isoDaysBefore(now, 3),
      accessKeys: [
        {
          AccessKeyId: 'LTAI4RootKeyBench0001',
          Status: 'Active',
          CreateDate: '2019-01-01T00:00:00Z',
          LastUsedDate: rootKeyLastUsed ?? isoDaysBefore(now, 1),
        },
      ],
    },
    actiontrail: {
      Trails: [
        {
          Name: 'account-trail',
          Status: 'Enable',
          HomeRegion: home,
          TrailRegion: 'All',
          EventRW: 'All',
          SlsProjectArn: `acs:log:${home}:${ACCOUNT_ID}:project/audit`,
          IsOrganizationTrail: false,
          TrailStatus: { IsLogging: true, LatestDeliveryError: '' },
        },
      ],
      Events: events,
    },
    emulator: {
      latencyMs: opts.latencyMs ?? 50,
      qps: qpsTable(opts.limits ?? DEFAULT_LIMITS),
      faults: [],
    },
  };
}

// ------------------------------------------------------------ CLI

export const generatorArgs = {
  scale: { type: 'string', default: '1' },
  seed: { type: 'string', default: '1' },
  out: { type: 'string' },
  latency: { type: 'string', default: '50' },
  'ecs-qps': { type: 'string' },
  'ram-qps': { type: 'string' },
  'ims-qps': { type: 'string' },
  'sts-qps': { type: 'string' },
  'trail-qps': { type: 'string' },
  'lookup-qps': { type: 'string' },
  qps: { type: 'string', multiple: true },
} as const;

type GeneratorValues = {
  'ecs-qps'?: string;
  'ram-qps'?: string;
  'ims-qps'?: string;
  'sts-qps'?: string;
  'trail-qps'?: string;
  'lookup-qps'?: string;
  qps?: string[];
};

export function positiveNumber(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${flag}: expected a non-negative number, got "${raw}"`);
  return n;
}

/** the limits the flags ask for (`--qps Action=N` overrides one action) */
export function limitsFromFlags(v: GeneratorValues): LimitOptions {
  const l: LimitOptions = { ...DEFAULT_LIMITS, overrides: {} };
  l.ecs = positiveNumber(v['ecs-qps'], '--ecs-qps') ?? l.ecs;
  l.ram = positiveNumber(v['ram-qps'], '--ram-qps') ?? l.ram;
  l.ims = positiveNumber(v['ims-qps'], '--ims-qps') ?? l.ims;
  l.sts = positiveNumber(v['sts-qps'], '--sts-qps') ?? l.sts;
  l.trail = positiveNumber(v['trail-qps'], '--trail-qps') ?? l.trail;
  l.lookup = positiveNumber(v['lookup-qps'], '--lookup-qps') ?? l.lookup;
  for (const spec of v.qps ?? []) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(spec);
    if (!m?.[1] || !m[2]) throw new Error(`--qps: expected Action=N, got "${spec}"`);
    l.overrides[m[1]] = Number(m[2]);
  }
  return l;
}

export function projectRoot(): string {
  // bench/generate-world.ts (tsx, vitest) or dist/bench/generate-world.js: the nearest package.json up
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5 && !existsSync(resolve(dir, 'package.json')); i++) dir = dirname(dir);
  return dir;
}

export function defaultWorldPath(scale: number, seed: number, latencyMs: number): string {
  const tag = `scale-${scale}${seed !== 1 ? `-seed${seed}` : ''}${latencyMs !== 50 ? `-lat${latencyMs}` : ''}`;
  return resolve(projectRoot(), 'bench', 'worlds', `${tag}.json`);
}

/**
 * Write the world as JSON, atomically: a temporary file in the same directory,
 * then a rename, so a reader (or an interrupted run) never sees half a world.
 */
export function writeWorld(file: string, world: WorldInput): number {
  mkdirSync(dirname(file), { recursive: true });
  const text = JSON.stringify(world);
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return Buffer.byteLength(text);
}

async function cli(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: generatorArgs, allowPositionals: false });
  const scale = positiveNumber(values.scale, '--scale') ?? 1;
  const seed = Math.trunc(positiveNumber(values.seed, '--seed') ?? 1);
  const latencyMs = positiveNumber(values.latency, '--latency') ?? 50;
  const limits = limitsFromFlags(values);
  const started = performance.now();
  const world = generateWorld({ scale, seed, latencyMs, limits });
  const out = values.out ? resolve(values.out) : defaultWorldPath(scale, seed, latencyMs);
  const bytes = writeWorld(out, world);
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${out}: scale ${scale}, seed ${seed}, ${(bytes / 1e6).toFixed(1)} MB in ${secs} s\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench:world: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
