/**
 * The inventory: everything a scan reads from an account, as one JSON document
 * (the snapshot). Collectors produce it, rules read it; nothing else passes
 * between them. Types come from these schemas (`z.infer`).
 *
 * Conventions
 * - Our own camelCase model, not the wire format: collectors normalise the
 *   SDK answers (lists unwrapped, priorities parsed to numbers, policy
 *   documents parsed) but keep enumerations as the API spells them
 *   (`Accept`, `TCP`, `intranet`): the analysis compares them
 *   case-insensitively, as the service does.
 * - **Absent means unknown, `null` means "does not exist".** A per-entity fact
 *   that could not be read (AccessDenied, throttled past the retries, ...) is
 *   left out and the failure is listed in `coverage`; a rule never guesses from
 *   an absent fact. E.g. `user.loginProfile === null` (no console access) vs
 *   `user.loginProfile === undefined` (GetLoginProfile could not be read).
 * - Secrets never enter the inventory: no AccessKey secrets, no security
 *   tokens, no Cloud Assistant command contents, no ActionTrail request
 *   parameters.
 */
import { z } from 'zod';
import { refineIsoTime } from '../util/time.js';

export const INVENTORY_SCHEMA_VERSION = 1 as const;

const isoTime = z.string();
/** the clock a snapshot is judged by (`scan --snapshot` without --now): read as --now reads a time */
const clockTime = z.string().superRefine(refineIsoTime);

// ---------------------------------------------------------------- coverage

export const ServiceSchema = z.enum([
  'ecs',
  'ram',
  'ims',
  'sts',
  'actiontrail',
  'vpc',
  'resourcemanager',
  'sas',
]);
export type Service = z.infer<typeof ServiceSchema>;

export const CoverageEntrySchema = z.object({
  service: ServiceSchema,
  /** region id for regional APIs, null for central ones (RAM, IMS, STS) */
  region: z.string().nullable(),
  operation: z.string(),
  /** the resource the call was about (a group id, a user name), when it was about one */
  resource: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }),
  /** organization scans: the member account the entry is about */
  account: z.string().optional(),
});
export type CoverageEntry = z.infer<typeof CoverageEntrySchema>;

// ---------------------------------------------------------------- account

export const CallerSchema = z.object({
  /** STS GetCallerIdentity IdentityType: Account | RAMUser | AssumedRoleUser */
  identityType: z.string(),
  accountId: z.string(),
  arn: z.string(),
  userId: z.string().optional(),
  principalId: z.string().optional(),
  roleId: z.string().optional(),
});
export type Caller = z.infer<typeof CallerSchema>;

export const AccountSchema = z.object({
  id: z.string(),
  caller: CallerSchema,
  /** the credential provider that answered, e.g. `default/env`; never a secret */
  credentialSource: z.string().optional(),
  /** the AccessKey id the scan ran with, masked to its last 4 characters */
  callerAccessKeyIdMasked: z.string().optional(),
});

export const RegionSchema = z.object({
  id: z.string(),
  localName: z.string().optional(),
});
export type Region = z.infer<typeof RegionSchema>;

// ---------------------------------------------------------------- ECS

export const SecurityGroupRuleSchema = z.object({
  id: z.string().optional(),
  /** ingress | egress */
  direction: z.string(),
  /** TCP | UDP | ICMP | ICMPv6 | GRE | ALL (case as returned; some regions use IANA numbers) */
  ipProtocol: z.string(),
  /** `a/b`, `-1/-1` */
  portRange: z.string(),
  sourceCidrIp: z.string().default(''),
  ipv6SourceCidrIp: z.string().default(''),
  sourceGroupId: z.string().default(''),
  sourcePrefixListId: z.string().default(''),
  /** quintuple rules: the source ports the rule matches (`1/1023`); empty, `-1/-1` or `1/65535` = every port */
  sourcePortRange: z.string().default(''),
  destCidrIp: z.string().default(''),
  ipv6DestCidrIp: z.string().default(''),
  destGroupId: z.string().default(''),
  destPrefixListId: z.string().default(''),
  /** a port list (`prl-…`) the rule stands for when it has no real PortRange of its own */
  portRangeListId: z.string().default(''),
  /** Accept | Drop (case as returned) */
  policy: z.string(),
  /** 1..100, 1 is the highest */
  priority: z.number().int(),
  /** intranet | internet */
  nicType: z.string().default('intranet'),
  description: z.string().default(''),
});
export type SecurityGroupRule = z.infer<typeof SecurityGroupRuleSchema>;

export const SecurityGroupSchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  description: z.string().optional(),
  /** normal | enterprise */
  type: z.string().default('normal'),
  /** null = classic-network group */
  vpcId: z.string().nullable(),
  serviceManaged: z.boolean().default(false),
  /** Accept | Drop; absent when the attribute could not be read */
  innerAccessPolicy: z.string().optional(),
  /** absent when DescribeSecurityGroupAttribute could not be read (see coverage) */
  rules: z.array(SecurityGroupRuleSchema).optional(),
});
export type SecurityGroup = z.infer<typeof SecurityGroupSchema>;

export const NetworkInterfaceSchema = z.object({
  id: z.string(),
  /** Primary | Secondary */
  type: z.string(),
  securityGroupIds: z.array(z.string()),
  /** public addresses that reach this interface (public IP, EIP, associated public IP) */
  publicIps: z.array(z.string()).default([]),
  privateIps: z.array(z.string()).default([]),
  vSwitchId: z.string().optional(),
  /** the interface's IPv6 addresses (Ipv6Sets), whether or not they have Internet bandwidth */
  ipv6Addresses: z.array(z.string()).default([]),
});
export type NetworkInterface = z.infer<typeof NetworkInterfaceSchema>;

export const InstanceSchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  /** Running | Stopped | ... */
  status: z.string(),
  /** linux | windows */
  osType: z.string().default(''),
  /** vpc | classic */
  networkType: z.string().default('vpc'),
  vpcId: z.string().nullable().default(null),
  /** VpcAttributes.VSwitchId; null = none (classic); absent = unknown */
  vSwitchId: z.string().nullable().optional(),
  publicIps: z.array(z.string()).default([]),
  eipAddress: z.string().nullable().default(null),
  privateIps: z.array(z.string()).default([]),
  securityGroupIds: z.array(z.string()),
  /** every interface with its own groups; absent when DescribeNetworkInterfaces could not be read */
  networkInterfaces: z.array(NetworkInterfaceSchema).optional(),
  /** null = no key pair bound */
  keyPairName: z.string().nullable(),
  /** absent = unknown */
  metadataOptions: z
    .object({ httpEndpoint: z.string().optional(), httpTokens: z.string().optional() })
    .nullable()
    .optional(),
  /** null = no instance RAM role; absent = unknown */
  ramRoleName: z.string().nullable().optional(),
  creationTime: z.string().optional(),
});
export type Instance = z.infer<typeof InstanceSchema>;

export const KeyPairSchema = z.object({
  name: z.string(),
  region: z.string(),
  fingerprint: z.string().default(''),
  creationTime: z.string().optional(),
});
export type KeyPair = z.infer<typeof KeyPairSchema>;

export const DiskSchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  instanceId: z.string().nullable(),
  /** system | data */
  type: z.string().default(''),
  category: z.string().default(''),
  /** absent = unknown (the answer lacked Encrypted; a MissingField coverage entry says so) */
  encrypted: z.boolean().optional(),
  kmsKeyId: z.string().optional(),
  /** the automatic snapshot policy applied; "" = none; absent = unknown */
  autoSnapshotPolicyId: z.string().optional(),
  /** EnableAutoSnapshot as returned; absent = unknown */
  enableAutoSnapshot: z.boolean().optional(),
  /** In_use | Available | Attaching | ... (as returned); absent = unknown */
  status: z.string().optional(),
});
export type Disk = z.infer<typeof DiskSchema>;

export const InvocationSchema = z.object({
  invokeId: z.string(),
  region: z.string(),
  commandName: z.string().default(''),
  commandType: z.string().default(''),
  /** run-as user as returned; "" = the default user (root on Linux, System on Windows) */
  username: z.string(),
  creationTime: z.string(),
  invocationStatus: z.string().default(''),
  /** Once | Period | NextRebootOnly | EveryReboot; absent = not returned */
  repeatMode: z.string().optional(),
  instanceIds: z.array(z.string()),
});
export type Invocation = z.infer<typeof InvocationSchema>;

// ECS prefix lists and port lists (rules' SourcePrefixListId / PortRangeListId)
export const PrefixListSchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  /** IPv4 | IPv6 */
  addressFamily: z.string().default('IPv4'),
  /** DescribePrefixListAttributes entries; absent = not read (see coverage, resource = the list id) */
  cidrs: z.array(z.string()).optional(),
});
export type PrefixList = z.infer<typeof PrefixListSchema>;

export const PortRangeListSchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  /** DescribePortRangeListEntries, each `a/b`; absent = not read (see coverage, resource = the list id) */
  ranges: z.array(z.string()).optional(),
});
export type PortRangeList = z.infer<typeof PortRangeListSchema>;

export const EcsSchema = z.object({
  securityGroups: z.array(SecurityGroupSchema),
  instances: z.array(InstanceSchema),
  keyPairs: z.array(KeyPairSchema),
  disks: z.array(DiskSchema),
  invocations: z.array(InvocationSchema),
  prefixLists: z.array(PrefixListSchema).default([]),
  portRangeLists: z.array(PortRangeListSchema).default([]),
});

// ---------------------------------------------------------------- VPC (h5: network ACLs, NAT DNAT, IPv6)

/** VPC DescribeIpv6Addresses: one IPv6 address; `networkType: Public` = IPv6 Internet bandwidth */
export const Ipv6AddressSchema = z.object({
  address: z.string(),
  region: z.string(),
  id: z.string().default(''),
  /** Public | Private (case as returned) */
  networkType: z.string(),
  /** the instance or network interface (eni-…) the address is assigned to */
  associatedInstanceId: z.string().default(''),
  associatedInstanceType: z.string().default(''),
  vSwitchId: z.string().default(''),
  vpcId: z.string().default(''),
  status: z.string().default(''),
});
export type Ipv6Address = z.infer<typeof Ipv6AddressSchema>;

/** one inbound entry of a network ACL, as the API lists it (list order = evaluation order) */
export const NetworkAclEntrySchema = z.object({
  id: z.string().default(''),
  name: z.string().default(''),
  /** accept | drop */
  policy: z.string(),
  /** tcp | udp | icmp | icmpv6 | all (any case) */
  protocol: z.string(),
  /** `a/b`, `-1/-1` */
  port: z.string(),
  /** a CIDR, or a prefix-list id `pl-…` */
  sourceCidrIp: z.string(),
  /** IPv4 | IPv6; empty when not returned */
  ipVersion: z.string().default(''),
  /** custom | system | service */
  entryType: z.string().default(''),
});
export type NetworkAclEntry = z.infer<typeof NetworkAclEntrySchema>;

export const NetworkAclSchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  vpcId: z.string().default(''),
  status: z.string().default(''),
  /** the vSwitches the ACL is bound to */
  vSwitchIds: z.array(z.string()).default([]),
  /** inbound entries in list order; absent = the answer did not carry them (unknown) */
  ingress: z.array(NetworkAclEntrySchema).optional(),
});
export type NetworkAcl = z.infer<typeof NetworkAclSchema>;

/** a DNAT entry of a NAT gateway's forward table */
export const DnatEntrySchema = z.object({
  id: z.string(),
  forwardTableId: z.string().default(''),
  externalIp: z.string(),
  /** a port, `a/b`, or `any` */
  externalPort: z.string(),
  internalIp: z.string(),
  internalPort: z.string(),
  /** tcp | udp | any (any case) */
  ipProtocol: z.string(),
  /** Available | Pending | … */
  status: z.string().default(''),
});
export type DnatEntry = z.infer<typeof DnatEntrySchema>;

export const NatGatewaySchema = z.object({
  id: z.string(),
  region: z.string(),
  name: z.string().default(''),
  vpcId: z.string().default(''),
  /** internet | intranet; absent when not returned (taken as internet-facing) */
  networkType: z.string().optional(),
  status: z.string().default(''),
  forwardTableIds: z.array(z.string()).default([]),
  /** every DNAT entry of its forward tables; absent = could not be read (unknown) */
  dnatEntries: z.array(DnatEntrySchema).optional(),
});
export type NatGateway = z.infer<typeof NatGatewaySchema>;

/** VPC DescribeEipAddresses: an EIP and how it is bound (`Mode: BINDED` = cut-through) */
export const EipAddressSchema = z.object({
  ipAddress: z.string(),
  region: z.string(),
  allocationId: z.string().default(''),
  /** NAT | MULTI_BINDED | BINDED (cut-through); "" when not returned */
  mode: z.string().default(''),
  /** the instance or network interface it is associated with */
  instanceId: z.string().default(''),
  instanceType: z.string().default(''),
});
export type EipAddress = z.infer<typeof EipAddressSchema>;

/** A region whose listing failed leaves a coverage entry (service vpc, that region and action). */
export const VpcSchema = z.object({
  ipv6Addresses: z.array(Ipv6AddressSchema).default([]),
  networkAcls: z.array(NetworkAclSchema).default([]),
  natGateways: z.array(NatGatewaySchema).default([]),
  eipAddresses: z.array(EipAddressSchema).default([]),
});
export type Vpc = z.infer<typeof VpcSchema>;

// ---------------------------------------------------------------- RAM

export const PolicyRefSchema = z.object({
  name: z.string(),
  /** System | Custom */
  type: z.string(),
});
export type PolicyRef = z.infer<typeof PolicyRefSchema>;

export const AccessKeySchema = z.object({
  id: z.string(),
  /** Active | Inactive */
  status: z.string(),
  createDate: z.string().optional(),
  /** null = never used; absent = unknown */
  lastUsedDate: z.string().nullable().optional(),
});
export type AccessKey = z.infer<typeof AccessKeySchema>;

export const RamUserSchema = z.object({
  name: z.string(),
  id: z.string().default(''),
  displayName: z.string().default(''),
  createDate: z.string().optional(),
  lastLoginDate: z.string().nullable().optional(),
  /** null = no console access; absent = unknown */
  loginProfile: z
    .object({
      passwordResetRequired: z.boolean().optional(),
      mfaBindRequired: z.boolean().optional(),
      createDate: z.string().optional(),
    })
    .nullable()
    .optional(),
  /** null = no MFA device bound; absent = unknown (serialNumber absent: known from the credential report) */
  mfaDevice: z
    .object({ serialNumber: z.string().optional(), type: z.string().optional() })
    .nullable()
    .optional(),
  accessKeys: z.array(AccessKeySchema).optional(),
  groups: z.array(z.string()).optional(),
  policies: z.array(PolicyRefSchema).optional(),
  /**
   * where loginProfile, mfaDevice and the AccessKeys' last use came from: the
   * IMS credential report (as of its `generatedTime`) or the per-user calls,
   * and why; absent = not recorded (per-user calls)
   */
  factsSource: z
    .object({
      from: z.enum(['credential-report', 'per-user-calls']),
      generatedTime: z.string().optional(),
      reason: z.string(),
    })
    .optional(),
});
export type RamUser = z.infer<typeof RamUserSchema>;

export const RamGroupSchema = z.object({
  name: z.string(),
  comments: z.string().optional(),
  policies: z.array(PolicyRefSchema).optional(),
});
export type RamGroup = z.infer<typeof RamGroupSchema>;

export const RamRoleSchema = z.object({
  name: z.string(),
  arn: z.string().default(''),
  description: z.string().optional(),
  /** parsed trust policy; absent = unknown */
  trustPolicy: z.unknown().optional(),
  policies: z.array(PolicyRefSchema).optional(),
});
export type RamRole = z.infer<typeof RamRoleSchema>;

export const RamPolicySchema = z.object({
  name: z.string(),
  type: z.string(),
  defaultVersion: z.string().optional(),
  description: z.string().optional(),
  /** the default version's document, parsed from JSON (or the raw string when it is not JSON); absent = unknown */
  document: z.unknown().optional(),
});
export type RamPolicy = z.infer<typeof RamPolicySchema>;

export const PasswordPolicySchema = z.object({
  minimumPasswordLength: z.number().optional(),
  requireLowercaseCharacters: z.boolean().optional(),
  requireUppercaseCharacters: z.boolean().optional(),
  requireNumbers: z.boolean().optional(),
  requireSymbols: z.boolean().optional(),
  hardExpiry: z.boolean().optional(),
  maxPasswordAge: z.number().optional(),
  passwordReusePrevention: z.number().optional(),
  /** the API spells it MaxLoginAttemps */
  maxLoginAttempts: z.number().optional(),
});
export type PasswordPolicy = z.infer<typeof PasswordPolicySchema>;

export const SecurityPreferenceSchema = z.object({
  enableSaveMfaTicket: z.boolean().optional(),
  allowUserToChangePassword: z.boolean().optional(),
  loginSessionDuration: z.number().optional(),
  loginNetworkMasks: z.string().optional(),
  allowUserToManageAccessKeys: z.boolean().optional(),
  allowUserToManageMfaDevices: z.boolean().optional(),
});
export type SecurityPreference = z.infer<typeof SecurityPreferenceSchema>;

/**
 * A policy attached at resource-group scope (Resource Manager
 * ListPolicyAttachments, entries whose ResourceGroupId is a group `rg-…`):
 * it applies to the principal for the resources in that group.
 * `principalName` is as the API sends it (`alice@example.onaliyun.com`).
 */
export const ResourceGroupAttachmentSchema = z.object({
  principalName: z.string(),
  /** IMSUser | IMSGroup | ServiceRole */
  principalType: z.string(),
  policyName: z.string(),
  /** System | Custom */
  policyType: z.string(),
  resourceGroupId: z.string(),
});
export type ResourceGroupAttachment = z.infer<typeof ResourceGroupAttachmentSchema>;

export const RamSchema = z.object({
  users: z.array(RamUserSchema),
  groups: z.array(RamGroupSchema),
  roles: z.array(RamRoleSchema),
  /** every policy attached to a user, group or role (System ones included) */
  policies: z.array(RamPolicySchema),
  /** absent = unknown */
  passwordPolicy: PasswordPolicySchema.optional(),
  /** absent = unknown */
  securityPreference: SecurityPreferenceSchema.optional(),
  /** resource-group-scoped policy attachments; absent = unknown */
  resourceGroupAttachments: z.array(ResourceGroupAttachmentSchema).optional(),
});

// ---------------------------------------------------------------- root identity

export const CredentialReportKeySchema = z.object({
  /** `1`, `2`, `additional_1`, ... as in the report's column names */
  slot: z.string(),
  active: z.boolean(),
  lastRotated: z.string().nullable(),
  /** null = never used (`-`) or not applicable */
  lastUsed: z.string().nullable(),
});

export const RootSchema = z.object({
  /** IMS GetAccountSecurityPracticeReport; absent = unknown */
  securityPracticeReport: z
    .object({ rootWithAccessKey: z.number(), bindMfa: z.boolean() })
    .optional(),
  /** IMS GetAccountMFAInfo.IsMFAEnable; absent = unknown */
  accountMfaEnabled: z.boolean().optional(),
  /** the `<root>` row of the IMS credential report; absent = unknown */
  credentialReport: z
    .object({
      generatedTime: z.string().optional(),
      mfaActive: z.boolean().nullable(),
      lastLogon: z.string().nullable(),
      /**
       * console sign-in capability from the password columns: false = no
       * password or `LOGIN_DISABLED`; null = the report does not say; absent = not read
       */
      consoleLogin: z.boolean().nullable().optional(),
      accessKeys: z.array(CredentialReportKeySchema),
    })
    .optional(),
  /** RAM ListAccessKeys without UserName, read only when the caller is the root identity */
  ownAccessKeys: z.array(AccessKeySchema).optional(),
});
export type Root = z.infer<typeof RootSchema>;

// ---------------------------------------------------------------- ActionTrail

export const TrailSchema = z.object({
  name: z.string(),
  /** Enable | Disable | Fresh */
  status: z.string(),
  homeRegion: z.string().default(''),
  /** All | a region id */
  trailRegion: z.string().default(''),
  /** All | Write | Read */
  eventRW: z.string().default(''),
  isOrganizationTrail: z.boolean().default(false),
  slsProjectArn: z.string().default(''),
  ossBucketName: z.string().default(''),
  /** GetTrailStatus; absent = unknown */
  trailStatus: z
    .object({
      isLogging: z.boolean(),
      latestDeliveryError: z.string().default(''),
      latestDeliveryTime: z.string().optional(),
    })
    .optional(),
});
export type Trail = z.infer<typeof TrailSchema>;

/** An ActionTrail event, reduced to what rules need: no request parameters, no response elements. */
export const TrailEventSchema = z.object({
  eventId: z.string(),
  eventName: z.string().default(''),
  eventType: z.string().default(''),
  eventTime: isoTime,
  eventRW: z.string().optional(),
  eventSource: z.string().optional(),
  serviceName: z.string().optional(),
  acsRegion: z.string().optional(),
  isGlobal: z.boolean().optional(),
  sourceIpAddress: z.string().optional(),
  userAgent: z.string().optional(),
  errorCode: z.string().optional(),
  userIdentity: z
    .object({
      type: z.string().optional(),
      principalId: z.string().optional(),
      accountId: z.string().optional(),
      userName: z.string().optional(),
      accessKeyId: z.string().optional(),
      sessionContext: z
        .object({
          attributes: z
            .object({
              mfaAuthenticated: z.string().optional(),
              creationDate: z.string().optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .default({}),
  /** only the MFA and sign-in facts of additionalEventData */
  additionalEventData: z
    .object({
      isMFAChecked: z.string().optional(),
      mfaChecked: z.string().optional(),
      MFAUsed: z.string().optional(),
      loginAccount: z.string().optional(),
    })
    .optional(),
  /** the regions the event was seen from (an event seen from several regions is stored once) */
  seenInRegions: z.array(z.string()).default([]),
});
export type TrailEvent = z.infer<typeof TrailEventSchema>;

export const ActionTrailSchema = z.object({
  /** absent = unknown (DescribeTrails failed) */
  trails: z.array(TrailSchema).optional(),
  /** root-identity events within the look-back window, de-duplicated by eventId */
  events: z.array(TrailEventSchema),
  /** the window that was asked for */
  window: z.object({ start: isoTime, end: isoTime }),
});

// ---------------------------------------------------------------- Security Center

/** an asset of Security Center's asset list (DescribeCloudCenterInstances) */
export const SasInstanceSchema = z.object({
  instanceId: z.string(),
  regionId: z.string(),
  /** online | offline | pause (as returned); absent = not sent */
  clientStatus: z.string().optional(),
  /** online | offline | pause | uninstalled | stopped (as returned); absent or "" = not sent */
  clientSubStatus: z.string().optional(),
});
export type SasInstance = z.infer<typeof SasInstanceSchema>;

export const SasSchema = z.object({
  /** every asset Security Center lists, from both of its endpoints; absent = unknown */
  instances: z.array(SasInstanceSchema).optional(),
});

// ---------------------------------------------------------------- the whole

// ---------------------------------------------------------------- organization

/** a Resource Directory member as ListAccounts describes it */
export const OrgAccountSchema = z.object({
  id: z.string(),
  name: z.string().default(''),
  /** CloudAccount (root enabled) | ResourceAccount (root disabled) */
  type: z.string().default(''),
  status: z.string().default(''),
});
export type OrgAccount = z.infer<typeof OrgAccountSchema>;

/** the organization an account was scanned in (organization scans only; absent otherwise) */
export const OrganizationSchema = z.object({
  managementAccountId: z.string(),
  /** every member of the directory (not only the scanned ones) */
  accounts: z.array(OrgAccountSchema),
});
export type Organization = z.infer<typeof OrganizationSchema>;

export const InventorySchema = z.object({
  schemaVersion: z.literal(INVENTORY_SCHEMA_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }),
  collectedAt: clockTime,
  account: AccountSchema,
  /** every region DescribeRegions returned */
  regions: z.array(RegionSchema),
  /** what the scan covered */
  scope: z.object({
    regions: z.array(z.string()),
    since: isoTime,
    until: isoTime,
  }),
  ecs: EcsSchema,
  vpc: VpcSchema.default({
    ipv6Addresses: [],
    networkAcls: [],
    natGateways: [],
    eipAddresses: [],
  }),
  ram: RamSchema,
  root: RootSchema,
  actiontrail: ActionTrailSchema,
  /** Security Center; absent list = unknown (snapshots of earlier versions have none) */
  sas: SasSchema.default({}),
  coverage: z.array(CoverageEntrySchema),
  /** organization scans: the directory this account is a member of */
  organization: OrganizationSchema.optional(),
});
export type Inventory = z.infer<typeof InventorySchema>;
export type InventoryInput = z.input<typeof InventorySchema>;

/** An empty inventory: a base for tests and the rule tester. */
export function emptyInventory(overrides: Partial<Inventory> = {}): Inventory {
  const now = '2026-11-01T00:00:00.000Z';
  return {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    tool: { name: 'ecs-audit', version: '0.0.0' },
    collectedAt: now,
    account: {
      id: '1234567890123456',
      caller: {
        identityType: 'RAMUser',
        accountId: '1234567890123456',
        arn: 'acs:ram::1234567890123456:user/auditor',
      },
    },
    regions: [],
    scope: { regions: [], since: '2026-08-03T00:00:00.000Z', until: now },
    ecs: {
      securityGroups: [],
      instances: [],
      keyPairs: [],
      disks: [],
      invocations: [],
      prefixLists: [],
      portRangeLists: [],
    },
    vpc: { ipv6Addresses: [], networkAcls: [], natGateways: [], eipAddresses: [] },
    ram: { users: [], groups: [], roles: [], policies: [] },
    root: {},
    actiontrail: {
      trails: [],
      events: [],
      window: { start: '2026-08-03T00:00:00.000Z', end: now },
    },
    sas: {},
    coverage: [],
    ...overrides,
  };
}
