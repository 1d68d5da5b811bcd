/**
 * The world-file format (../shared/spec/world.md): one Alibaba Cloud account as
 * its ECS, RAM, IMS, STS and ActionTrail APIs would describe it.
 *
 * Items use the wire field names of the official API responses. Fields inside
 * items that the spec does not name are passed through to the responses
 * unchanged, so every item schema is `.passthrough()`; the top level is
 * `.strict()` because unknown top-level keys are errors.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodIssue } from '../util/zod-issue.js';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO-8601 time');
const stringList = z.array(z.string());

export const WorldPermissionSchema = z
  .object({
    Direction: z.string().optional(),
    // absent is served absent: the collector makes a rule without it a gap
    IpProtocol: z.string().optional(),
    PortRange: z.string().optional(),
    SourceCidrIp: z.string().optional(),
    Ipv6SourceCidrIp: z.string().optional(),
    SourceGroupId: z.string().optional(),
    SourcePrefixListId: z.string().optional(),
    DestCidrIp: z.string().optional(),
    Ipv6DestCidrIp: z.string().optional(),
    DestGroupId: z.string().optional(),
    PortRangeListId: z.string().optional(),
    Policy: z.string().optional(),
    Priority: z.union([z.number(), z.string()]).optional(),
    NicType: z.string().optional(),
    Description: z.string().optional(),
  })
  .passthrough();

export const WorldSecurityGroupSchema = z
  .object({
    SecurityGroupId: z.string().min(1),
    SecurityGroupName: z.string().optional(),
    SecurityGroupType: z.string().optional(),
    VpcId: z.string().optional(),
    ServiceManaged: z.boolean().optional(),
    InnerAccessPolicy: z.string().optional(),
    Permissions: z.array(WorldPermissionSchema).default([]),
  })
  .passthrough();

export const WorldNetworkInterfaceSchema = z
  .object({
    NetworkInterfaceId: z.string().min(1),
    Type: z.string().optional(),
    SecurityGroupIds: stringList.optional(),
    // DescribeNetworkInterfaces facts (world.md Additions); lists as plain arrays
    PrivateIpAddress: z.string().optional(),
    VSwitchId: z.string().optional(),
    AssociatedPublicIp: z
      .object({ PublicIpAddress: z.string().optional(), AllocationId: z.string().optional() })
      .passthrough()
      .optional(),
    PrivateIpSets: z
      .array(
        z
          .object({
            PrivateIpAddress: z.string().optional(),
            Primary: z.boolean().optional(),
            AssociatedPublicIp: z
              .object({
                PublicIpAddress: z.string().optional(),
                AllocationId: z.string().optional(),
              })
              .passthrough()
              .optional(),
          })
          .passthrough(),
      )
      .optional(),
    Ipv6Sets: z.array(z.object({ Ipv6Address: z.string() }).passthrough()).optional(),
  })
  .passthrough();

// --- prefix lists and port lists (world.md Additions) ---
export const WorldPrefixListSchema = z
  .object({
    PrefixListId: z.string().min(1),
    PrefixListName: z.string().optional(),
    AddressFamily: z.string().optional(),
    Entries: z.array(z.object({ Cidr: z.string() }).passthrough()).default([]),
  })
  .passthrough();

export const WorldPortRangeListSchema = z
  .object({
    PortRangeListId: z.string().min(1),
    PortRangeListName: z.string().optional(),
    Entries: z.array(z.object({ PortRange: z.string() }).passthrough()).default([]),
  })
  .passthrough();

export const WorldInstanceSchema = z
  .object({
    InstanceId: z.string().min(1),
    InstanceName: z.string().optional(),
    Status: z.string().optional(),
    OSType: z.string().optional(),
    InstanceNetworkType: z.string().optional(),
    SecurityGroupIds: stringList.default([]),
    PublicIpAddress: stringList.optional(),
    EipAddress: z
      .object({ IpAddress: z.string().optional(), AllocationId: z.string().optional() })
      .passthrough()
      .optional(),
    InnerIpAddress: stringList.optional(),
    VpcAttributes: z
      .object({
        VpcId: z.string().optional(),
        VSwitchId: z.string().optional(),
        PrivateIpAddress: stringList.optional(),
      })
      .passthrough()
      .optional(),
    NetworkInterfaces: z.array(WorldNetworkInterfaceSchema).optional(),
    KeyPairName: z.string().optional(),
    MetadataOptions: z
      .object({ HttpEndpoint: z.string().optional(), HttpTokens: z.string().optional() })
      .passthrough()
      .optional(),
    RamRoleName: z.string().optional(),
  })
  .passthrough();

export const WorldKeyPairSchema = z
  .object({
    KeyPairName: z.string().min(1),
    KeyPairFingerPrint: z.string().optional(),
    CreationTime: z.string().optional(),
  })
  .passthrough();

export const WorldDiskSchema = z
  .object({
    DiskId: z.string().min(1),
    InstanceId: z.string().optional(),
    Type: z.string().optional(),
    Category: z.string().optional(),
    Encrypted: z.boolean().optional(),
    Status: z.string().optional(),
    /** "" = no automatic snapshot policy */
    AutoSnapshotPolicyId: z.string().optional(),
    EnableAutoSnapshot: z.boolean().optional(),
  })
  .passthrough();

export const WorldInvocationSchema = z
  .object({
    InvokeId: z.string().min(1),
    CommandName: z.string().optional(),
    CommandType: z.string().optional(),
    CommandContent: z.string().optional(),
    Username: z.string().optional(),
    CreationTime: z.string().optional(),
    InvocationStatus: z.string().optional(),
    // absent is absent (world.md): an invocation without it is served without it
    InvokeInstances: z.array(z.object({ InstanceId: z.string() }).passthrough()).optional(),
  })
  .passthrough();

export const WorldRegionBlockSchema = z
  .object({
    SecurityGroups: z.array(WorldSecurityGroupSchema).default([]),
    Instances: z.array(WorldInstanceSchema).default([]),
    KeyPairs: z.array(WorldKeyPairSchema).default([]),
    Disks: z.array(WorldDiskSchema).default([]),
    Invocations: z.array(WorldInvocationSchema).default([]),
    PrefixLists: z.array(WorldPrefixListSchema).default([]),
    PortRangeLists: z.array(WorldPortRangeListSchema).default([]),
  })
  .strict();

// VPC 2016-04-28 (h5): IPv6 addresses, network ACLs, NAT gateways with their DNAT entries

export const WorldIpv6AddressSchema = z
  .object({ Ipv6Address: z.string().min(1), NetworkType: z.string().optional() })
  .passthrough();

export const WorldNetworkAclSchema = z
  .object({
    NetworkAclId: z.string().min(1),
    VpcId: z.string().optional(),
    Resources: z.array(z.object({ ResourceId: z.string() }).passthrough()).default([]),
    IngressAclEntries: z.array(z.object({}).passthrough()).default([]),
    EgressAclEntries: z.array(z.object({}).passthrough()).default([]),
  })
  .passthrough();

export const WorldForwardEntrySchema = z
  .object({
    ForwardEntryId: z.string().min(1),
    ExternalIp: z.string().optional(),
    ExternalPort: z.string().optional(),
    InternalIp: z.string().optional(),
    InternalPort: z.string().optional(),
    IpProtocol: z.string().optional(),
    Status: z.string().optional(),
  })
  .passthrough();

export const WorldNatGatewaySchema = z
  .object({
    NatGatewayId: z.string().min(1),
    VpcId: z.string().optional(),
    NetworkType: z.string().optional(),
    ForwardTableEntries: z.array(WorldForwardEntrySchema).default([]),
  })
  .passthrough();

export const WorldVpcRegionSchema = z
  .object({
    Ipv6Addresses: z.array(WorldIpv6AddressSchema).default([]),
    NetworkAcls: z.array(WorldNetworkAclSchema).default([]),
    NatGateways: z.array(WorldNatGatewaySchema).default([]),
    /** DescribeEipAddresses; `Mode: BINDED` is cut-through */
    EipAddresses: z.array(z.object({ IpAddress: z.string().min(1) }).passthrough()).default([]),
  })
  .strict();

export const WorldPolicyRefSchema = z
  .object({ PolicyName: z.string().min(1), PolicyType: z.string().default('Custom') })
  .passthrough();

export const WorldAccessKeySchema = z
  .object({
    AccessKeyId: z.string().min(1),
    // absent is absent in ListAccessKeys (world.md); the credential report says N/A
    Status: z.string().optional(),
    CreateDate: z.string().optional(),
    LastUsedDate: z.string().optional(),
  })
  .passthrough();

export const WorldUserSchema = z
  .object({
    UserName: z.string().min(1),
    UserId: z.string().optional(),
    DisplayName: z.string().optional(),
    CreateDate: z.string().optional(),
    LastLoginDate: z.string().optional(),
    LoginProfile: z
      .object({
        PasswordResetRequired: z.boolean().optional(),
        MFABindRequired: z.boolean().optional(),
        CreateDate: z.string().optional(),
      })
      .passthrough()
      .optional(),
    MFADevice: z
      .object({ SerialNumber: z.string().optional(), Type: z.string().optional() })
      .passthrough()
      .optional(),
    AccessKeys: z.array(WorldAccessKeySchema).default([]),
    /** console sign-in turned off: the credential report's password columns say LOGIN_DISABLED */
    ConsoleLoginDisabled: z.boolean().optional(),
    Groups: stringList.default([]),
    Policies: z.array(WorldPolicyRefSchema).default([]),
  })
  .passthrough();

export const WorldGroupSchema = z
  .object({
    GroupName: z.string().min(1),
    Comments: z.string().optional(),
    Policies: z.array(WorldPolicyRefSchema).default([]),
  })
  .passthrough();

const policyDocument = z.union([z.string(), z.record(z.string(), z.unknown())]);

export const WorldRoleSchema = z
  .object({
    RoleName: z.string().min(1),
    Arn: z.string().optional(),
    AssumeRolePolicyDocument: policyDocument.optional(),
    Policies: z.array(WorldPolicyRefSchema).default([]),
  })
  .passthrough();

export const WorldPolicySchema = z
  .object({
    PolicyName: z.string().min(1),
    PolicyType: z.string().default('Custom'),
    DefaultVersion: z.string().default('v1'),
    // absent: GetPolicy answers without a document (world.md names no default),
    // which the collector records as a gap for this policy
    PolicyDocument: policyDocument.optional(),
  })
  .passthrough();

export const WorldRamSchema = z
  .object({
    Users: z.array(WorldUserSchema).default([]),
    Groups: z.array(WorldGroupSchema).default([]),
    Roles: z.array(WorldRoleSchema).default([]),
    Policies: z.array(WorldPolicySchema).default([]),
    PasswordPolicy: z.record(z.string(), z.unknown()).optional(),
    SecurityPreference: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const WorldRootSchema = z
  .object({
    mfaEnabled: z.boolean().default(false),
    lastLoginDate: z.string().optional(),
    accessKeys: z.array(WorldAccessKeySchema).default([]),
    /** console sign-in turned off: the credential report's password columns say LOGIN_DISABLED */
    loginDisabled: z.boolean().optional(),
    /**
     * when the account's credential report was generated (GetCredentialReport
     * GeneratedTime; default: the first completed GenerateCredentialReport's
     * clock). The report is a snapshot: users and AccessKeys created after it
     * have no row / slot.
     */
    credentialReportGeneratedTime: z.string().optional(),
  })
  .strict();

export const WorldTrailSchema = z
  .object({
    Name: z.string().min(1),
    Status: z.string().optional(),
    HomeRegion: z.string().optional(),
    TrailRegion: z.string().optional(),
    EventRW: z.string().optional(),
    TrailStatus: z
      .object({ IsLogging: z.boolean().optional(), LatestDeliveryError: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

export const WorldEventSchema = z
  .object({
    eventId: z.string().min(1).optional(),
    eventName: z.string().optional(),
    eventType: z.string().optional(),
    // required: LookupEvents serves an event by its time window (and the 90-day
    // retention), which cannot place an event without a time
    eventTime: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? 'an event needs eventTime: a LookupEvents time window cannot place an event without one'
            : undefined,
      })
      .refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO-8601 time'),
    acsRegion: z.string().optional(),
    isGlobal: z.boolean().optional(),
  })
  .passthrough();

/** a Security Center asset (DescribeCloudCenterInstances `Instances` item) */
export const WorldSasInstanceSchema = z
  .object({
    InstanceId: z.string().min(1),
    /**
     * the asset's region: `cn-*` assets are listed by the cn-shanghai endpoint, the rest by
     * ap-southeast-1; absent: listed by both (either could hold it), served without it
     */
    RegionId: z.string().min(1).optional(),
    ClientStatus: z.string().optional(),
    ClientSubStatus: z.string().optional(),
  })
  .passthrough();

/** a Resource Manager ListPolicyAttachments item (resource-group or account scope) */
export const WorldPolicyAttachmentSchema = z
  .object({
    // absent is served absent (world.md); the collector decides what an attachment without them means
    PrincipalName: z.string().min(1).optional(),
    PrincipalType: z.string().min(1).optional(),
    PolicyName: z.string().min(1),
    PolicyType: z.string().default('Custom'),
    ResourceGroupId: z.string().min(1).optional(),
    AttachDate: z.string().optional(),
    Description: z.string().optional(),
  })
  .passthrough();

export const FaultKinds = [
  'throttle',
  'serverError',
  'timeout',
  'malformedJson',
  'accessDenied',
  'repeatPage',
  'connectionReset',
  // valid JSON with RequestId and the paging fields, without the list the action returns
  'missingList',
] as const;
export type FaultKind = (typeof FaultKinds)[number];

export const WorldFaultSchema = z
  .object({
    action: z.string().min(1),
    region: z.string().optional(),
    kind: z.enum(FaultKinds),
    count: z.number().int().positive().optional(),
    /** optional: only calls whose parameters contain these values match (e.g. SecurityGroupId) */
    params: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const WorldEmulatorSchema = z
  .object({
    latencyMs: z.number().nonnegative().default(0),
    qps: z.record(z.string(), z.number().positive()).default({}),
    faults: z.array(WorldFaultSchema).default([]),
    /** how long a `timeout` fault holds the response (ms); default 35 s, past any client read timeout */
    timeoutHoldMs: z.number().nonnegative().optional(),
  })
  .strict();

// --- organization (several accounts; ../shared/spec/world.md "Several accounts")

/** one ListAccounts item plus the member's own world (inline, or a file relative to this one) */
export const WorldOrgAccountSchema = z
  .object({
    AccountId: z.string().min(1),
    // absent is absent in the ListAccounts answer (world.md), as for every field
    DisplayName: z.string().optional(),
    Type: z.string().optional(),
    Status: z.string().optional(),
    world: z.record(z.string(), z.unknown()).optional(),
    worldFile: z.string().min(1).optional(),
  })
  .passthrough();

export const WorldOrganizationSchema = z
  .object({
    managementAccountId: z.string().min(1),
    memberRole: z.string().min(1).default('ResourceDirectoryAccountAccessRole'),
    accounts: z.array(WorldOrgAccountSchema).default([]),
  })
  .strict();

export const WorldSchema = z
  .object({
    version: z.literal(1),
    now: isoTime.optional(),
    account: z
      .object({
        accountId: z.string().min(1),
        caller: z
          .object({
            IdentityType: z.string().default('RAMUser'),
            AccountId: z.string().optional(),
            UserId: z.string().optional(),
            PrincipalId: z.string().optional(),
            Arn: z.string().optional(),
          })
          .passthrough()
          .optional(),
        accessKeys: z
          .array(
            z
              .object({
                AccessKeyId: z.string().min(1),
                AccessKeySecret: z.string().min(1),
                SecurityToken: z.string().optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
    regions: z
      .array(
        z.object({ RegionId: z.string().min(1), LocalName: z.string().optional() }).passthrough(),
      )
      .default([]),
    ecs: z.record(z.string(), WorldRegionBlockSchema).default({}),
    vpc: z.record(z.string(), WorldVpcRegionSchema).default({}),
    // object defaults are factories: zod copies a default value only shallowly,
    // so a literal's inner lists would be shared by every world that omits the key
    ram: WorldRamSchema.default(() => ({
      Users: [],
      Groups: [],
      Roles: [],
      Policies: [],
    })),
    root: WorldRootSchema.default(() => ({ mfaEnabled: false, accessKeys: [] })),
    actiontrail: z
      .object({
        Trails: z.array(WorldTrailSchema).default([]),
        Events: z.array(WorldEventSchema).default([]),
        /** GetGlobalEventsStorageRegion's StorageRegion; global events are served there only */
        GlobalEventsStorageRegion: z.string().min(1).optional(),
      })
      .strict()
      .default(() => ({ Trails: [], Events: [] })),
    /** Security Center 2018-12-03 */
    sas: z
      .object({ Instances: z.array(WorldSasInstanceSchema).default([]) })
      .strict()
      .default(() => ({ Instances: [] })),
    // --- Resource Manager (h4): resource-group-scoped policy attachments
    resourceManager: z
      .object({ PolicyAttachments: z.array(WorldPolicyAttachmentSchema).default([]) })
      .strict()
      .default(() => ({ PolicyAttachments: [] })),
    emulator: WorldEmulatorSchema.default(() => ({ latencyMs: 0, qps: {}, faults: [] })),
    organization: WorldOrganizationSchema.optional(),
  })
  .strict();

export type World = z.infer<typeof WorldSchema>;
export type WorldInput = z.input<typeof WorldSchema>;
export type WorldFault = z.infer<typeof WorldFaultSchema>;
export type WorldOrgAccount = z.infer<typeof WorldOrgAccountSchema>;

/** the parsed world of each member, by AccountId (filled by parseWorld / loadWorld) */
const memberWorlds = new WeakMap<World, Map<string, World>>();

/** the member's own world, when the organization world gave it one */
export function memberWorld(world: World, accountId: string): World | undefined {
  const known = memberWorlds.get(world)?.get(accountId);
  if (known) return known;
  // a copy of a parsed world (structuredClone in a test) still has its inline worlds
  const entry = world.organization?.accounts.find((a) => a.AccountId === accountId);
  if (entry?.world === undefined) return undefined;
  const parsed = parseWorld(
    withAccount(entry.world, accountId, world.emulator),
    `organization member ${accountId}`,
  );
  setMemberWorld(world, accountId, parsed);
  return parsed;
}

/**
 * A member's world as world.md writes it: `version` may be left out, and so
 * may the `account` block or its `accountId` (the member's AccountId); a
 * member world without an `emulator` block behaves as the organization
 * world's own (its latency is "added to every response", its quotas and
 * faults are the emulator's behaviour), each member counting its own calls.
 */
function withAccount(data: unknown, accountId: string, emulator?: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  const o = data as Record<string, unknown>;
  const account = o['account'];
  return {
    version: 1,
    ...o,
    account:
      account === undefined
        ? { accountId }
        : typeof account === 'object' && account !== null && !Array.isArray(account)
          ? { accountId, ...account }
          : account,
    ...(o['emulator'] === undefined && emulator !== undefined ? { emulator } : {}),
  };
}

/** A world file that failed to load; `message` is one line naming the bad path. */
export class WorldError extends Error {
  override name = 'WorldError';
}

/**
 * A deep copy of parsed data: plain objects and arrays are copied member by
 * member (about three times faster than structuredClone on a large world, so
 * the emulator starts sooner); any other object (a Date a test put in) is
 * copied by structuredClone. Data nested deeper than any world (a cyclic
 * structure) is copied by structuredClone as a whole.
 */
function cloneData<T>(data: T): T {
  try {
    return copyPlain(data, 0) as T;
  } catch (err) {
    if (err instanceof RangeError) return structuredClone(data);
    throw err;
  }
}

const MAX_DEPTH = 1000;

function copyPlain(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_DEPTH) throw new RangeError('too deep');
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyPlain(v[i], depth + 1);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copyPlain((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

/** Validate an already-parsed world; throws WorldError naming the first bad path. */
export function parseWorld(data: unknown, source = 'world'): World {
  return validateWorld(data, source, true);
}

/**
 * parseWorld; `copy` false when `data` is the caller's own fresh value (a file
 * just parsed), which the world may then share: a 20,000-instance world is
 * not copied once more.
 */
function validateWorld(data: unknown, source: string, copy: boolean): World {
  const result = WorldSchema.safeParse(data);
  if (!result.success) {
    throw new WorldError(`${source}: ${formatZodIssue(result.error.issues[0]!, data)}`);
  }
  // items keep the input's unknown fields by reference: copy so that a test
  // tweaking one world (adding a fault) never leaks into its input or the next.
  const world = copy ? cloneData(result.data) : result.data;
  const org = world.organization;
  if (org) {
    const members = new Map<string, World>();
    org.accounts.forEach((a, i) => {
      if (a.world !== undefined) {
        members.set(
          a.AccountId,
          validateWorld(
            withAccount(a.world, a.AccountId, world.emulator),
            `${source}: organization.accounts.${i}.world`,
            copy,
          ),
        );
      }
    });
    memberWorlds.set(world, members);
  }
  return world;
}

/** attach a member's world read from elsewhere (loadWorld's `worldFile`) */
function setMemberWorld(world: World, accountId: string, member: World): void {
  let members = memberWorlds.get(world);
  if (!members) {
    members = new Map();
    memberWorlds.set(world, members);
  }
  members.set(accountId, member);
}

/** Read a world file (YAML or JSON); an organization's `worldFile`s are read relative to it. */
export async function loadWorld(
  file: string,
  defaultAccountId?: string,
  /** a member's file: the organization world's `emulator` block, for a member world without one */
  parentEmulator?: unknown,
): Promise<World> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new WorldError(
      `${file}: cannot read world file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  // an empty file (or only comments) is not "a world with nothing in it": say so
  // (a line whose first non-blank character is not `#`; found at once in a large file)
  if (!/^[^\S\n\r\u2028\u2029]*[^\s#]/m.test(text)) {
    throw new WorldError(
      `${file}: the world file is empty (see fixtures/worlds/clean.yaml for a minimal world)`,
    );
  }
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new WorldError(
      `${file}${line ? `:${line}` : ''}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const world = validateWorld(
    defaultAccountId === undefined ? data : withAccount(data, defaultAccountId, parentEmulator),
    file,
    false,
  );
  for (const a of world.organization?.accounts ?? []) {
    if (a.world === undefined && a.worldFile !== undefined) {
      setMemberWorld(
        world,
        a.AccountId,
        await loadWorld(path.resolve(path.dirname(file), a.worldFile), a.AccountId, world.emulator),
      );
    }
  }
  return world;
}
