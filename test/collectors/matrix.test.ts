/**
 * The fault matrix (issue 11 item 4): every collector × every fault kind the
 * emulator injects, through the real SDK clients. Each combination either ends
 * complete — the inventory is exactly the fault-free one — or with precise
 * coverage entries (service, region, operation, resource, error code) and the
 * affected facts absent, the rest of the inventory untouched; always in
 * bounded time and never with an exception (except a caller identity that
 * cannot be read, which is the one fatal error, CallerIdentityError).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD_POLICY } from '../../src/emulator/ram.js';
import type { WorldInput } from '../../src/emulator/world.js';
import type { CoverageEntry, Inventory, Service } from '../../src/inventory/schema.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';
import { ACCOUNT, baseWorld, closeAll, runCollect } from './harness.js';

type Fault = NonNullable<NonNullable<WorldInput['emulator']>['faults']>[number];
type Kind = Fault['kind'];

const REGION = 'cn-hangzhou';
// long enough that only a held answer times out, even on a loaded 2-core machine
const READ_TIMEOUT_MS = 1_000;
const HOLD_MS = 2_500;
const RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 };

const ROOT = { type: 'root-account', principalId: ACCOUNT, accountId: ACCOUNT, userName: 'root' };

function world(faults: Fault[] = []): WorldInput {
  return baseWorld({
    ecs: {
      [REGION]: {
        SecurityGroups: [
          {
            SecurityGroupId: 'sg-vpc',
            VpcId: 'vpc-1',
            Permissions: [
              {
                IpProtocol: 'TCP',
                PortRange: '22/22',
                SourceCidrIp: '0.0.0.0/0',
                Direction: 'ingress',
                Policy: 'Accept',
                Priority: 1,
                NicType: 'intranet',
              },
            ],
          },
          {
            SecurityGroupId: 'sg-classic',
            Permissions: [
              {
                IpProtocol: 'TCP',
                PortRange: '3389/3389',
                SourceCidrIp: '0.0.0.0/0',
                Direction: 'ingress',
                Policy: 'Accept',
                Priority: 1,
                NicType: 'internet',
              },
              {
                IpProtocol: 'TCP',
                PortRange: '22/22',
                SourceCidrIp: '10.0.0.0/8',
                NicType: 'intranet',
                Direction: 'ingress',
                Policy: 'Accept',
                Priority: 1,
              },
            ],
          },
        ],
        Instances: [
          {
            InstanceId: 'i-1',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-vpc'],
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
            RamRoleName: 'web-role',
          },
          {
            InstanceId: 'i-2',
            Status: 'Running',
            OSType: 'linux',
            SecurityGroupIds: ['sg-classic'],
            InstanceNetworkType: 'classic',
            MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
          },
        ],
        KeyPairs: [{ KeyPairName: 'kp-1' }, { KeyPairName: 'kp-2' }],
        Disks: [{ DiskId: 'd-1', InstanceId: 'i-1', Encrypted: false, AutoSnapshotPolicyId: '' }],
        Invocations: [
          {
            InvokeId: 't-1',
            CommandName: 'patch',
            Username: 'root',
            CreationTime: '2026-10-30T08:00:00Z',
            InvokeInstances: [{ InstanceId: 'i-1' }],
          },
        ],
      },
    },
    ram: {
      Users: [
        {
          UserName: 'alice',
          LastLoginDate: '2026-10-15T00:00:00Z',
          LoginProfile: { PasswordResetRequired: false, MFABindRequired: false },
          MFADevice: { SerialNumber: `acs:ram::${ACCOUNT}:mfa/alice`, Type: 'VMFA' },
          AccessKeys: [
            {
              AccessKeyId: 'LTAIalice1',
              Status: 'Active',
              CreateDate: '2024-01-01T00:00:00Z',
              LastUsedDate: '2026-10-30T00:00:00Z',
            },
          ],
          Groups: ['ops'],
          Policies: [{ PolicyName: 'AdministratorAccess', PolicyType: 'System' }],
        },
        { UserName: 'bob' },
      ],
      Groups: [{ GroupName: 'ops', Policies: [{ PolicyName: 'ops', PolicyType: 'Custom' }] }],
      Roles: [
        {
          RoleName: 'web-role',
          AssumeRolePolicyDocument: { Version: '1', Statement: [] },
          Policies: [],
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
          PolicyName: 'ops',
          PolicyDocument: { Version: '1', Statement: [] },
        },
      ],
      // every setting, as a real account's policy has them
      PasswordPolicy: { ...DEFAULT_PASSWORD_POLICY },
      SecurityPreference: { AccessKeyPreference: { AllowUserToManageAccessKeys: false } },
    },
    root: {
      mfaEnabled: false,
      accessKeys: [
        {
          AccessKeyId: 'LTAIroot1',
          Status: 'Active',
          CreateDate: '2024-01-01T00:00:00Z',
          LastUsedDate: '2026-10-31T00:00:00Z',
        },
      ],
    },
    actiontrail: {
      // global events stored in the scanned region: one LookupEvents listing per fault
      GlobalEventsStorageRegion: REGION,
      Trails: [
        { Name: 'trail', Status: 'Enable', HomeRegion: REGION, TrailRegion: 'All', EventRW: 'All' },
      ],
      Events: [
        {
          eventId: 'e-1',
          eventName: 'ConsoleSignin',
          eventType: 'ConsoleSignin',
          eventTime: '2026-10-20T03:00:00Z',
          acsRegion: REGION,
          isGlobal: true,
          userIdentity: ROOT,
        },
        {
          eventId: 'e-2',
          eventName: 'CreateUser',
          eventType: 'ApiCall',
          // the root key's last use, as the credential report says
          eventTime: '2026-10-31T00:00:00Z',
          acsRegion: REGION,
          userIdentity: { ...ROOT, accessKeyId: 'LTAIroot1' },
        },
      ],
    },
    emulator: { faults, timeoutHoldMs: HOLD_MS },
  });
}

type Section = 'ecs' | 'ram' | 'root' | 'actiontrail';

interface Target {
  service: Service;
  action: string;
  /** the inventory section the action feeds */
  section: Section;
  /** other sections whose facts come from this action too (checked by `absent`) */
  alsoFeeds?: Section[];
  /** null for central services */
  region: string | null;
  /** resources of a per-resource action: one coverage entry each */
  resources?: string[];
  /** the resources of an endless cursor, when other than `resources` (what was read is kept) */
  endlessResources?: string[];
  /**
   * whether a repeated page is an endless listing, a PagingLoop gap: a cursor that never
   * ends, or page numbers whose TotalCount keeps saying more (an unpaged answer is complete)
   */
  cursorPaged: boolean;
  /** the facts that stay absent (or empty, for lists) when the action fails for good */
  absent(inv: Inventory): void;
}

const TARGETS: Target[] = [
  {
    service: 'ecs',
    action: 'DescribeSecurityGroupAttribute',
    section: 'ecs',
    region: REGION,
    resources: ['sg-vpc', 'sg-classic'],
    cursorPaged: true,
    absent(inv) {
      expect(inv.ecs.securityGroups.map((g) => g.id).sort()).toEqual(['sg-classic', 'sg-vpc']);
      for (const g of inv.ecs.securityGroups) {
        expect(g.rules).toBeUndefined();
        expect(g.innerAccessPolicy).toBeUndefined();
      }
    },
  },
  {
    service: 'ecs',
    action: 'DescribeInstances',
    section: 'ecs',
    region: REGION,
    cursorPaged: true,
    absent(inv) {
      expect(inv.ecs.instances).toEqual([]);
    },
  },
  {
    service: 'ecs',
    action: 'DescribeInstanceRamRole',
    section: 'ecs',
    region: REGION,
    // paged by number: the repeated page is short, but its TotalCount says more
    cursorPaged: true,
    absent(inv) {
      expect(inv.ecs.instances).toHaveLength(2);
      for (const i of inv.ecs.instances) expect('ramRoleName' in i).toBe(false);
    },
  },
  {
    service: 'ram',
    action: 'ListUsers',
    section: 'ram',
    region: null,
    cursorPaged: true,
    absent(inv) {
      expect(inv.ram.users).toEqual([]);
    },
  },
  {
    // membership is set-based: one group's members unread leaves every user's groups unknown
    service: 'ram',
    action: 'ListUsersForGroup',
    section: 'ram',
    region: null,
    resources: ['ops'],
    cursorPaged: true,
    absent(inv) {
      expect(inv.ram.users).toHaveLength(2);
      for (const u of inv.ram.users) expect('groups' in u).toBe(false);
    },
  },
  {
    service: 'ims',
    action: 'GetAccountSecurityPracticeReport',
    section: 'root',
    region: null,
    cursorPaged: false,
    absent(inv) {
      expect(inv.root.securityPracticeReport).toBeUndefined();
      expect(inv.root.accountMfaEnabled).toBe(false);
    },
  },
  {
    service: 'ims',
    action: 'GetCredentialReport',
    section: 'root',
    region: null,
    // the report's user rows give RAM users their last logon
    alsoFeeds: ['ram'],
    // the IMS cursor: NextToken with IsTruncated "true"/"false"; an endless
    // cursor must end in a PagingLoop gap
    cursorPaged: true,
    absent(inv) {
      expect(inv.root.credentialReport).toBeUndefined();
      // the users' facts are read per user instead: the same facts, in more detail
      const facts = (u: Inventory['ram']['users'][number]) => ({
        name: u.name,
        console: u.loginProfile === undefined ? undefined : u.loginProfile !== null,
        mfa: u.mfaDevice === undefined ? undefined : u.mfaDevice !== null,
        keys: u.accessKeys?.map((k) => [k.id, k.status, k.lastUsedDate]),
        groups: u.groups,
        policies: u.policies,
      });
      expect(inv.ram.users.map(facts)).toEqual(baseline.ram.users.map(facts));
      expect(inv.ram.users.map((u) => u.factsSource?.from)).toEqual([
        'per-user-calls',
        'per-user-calls',
      ]);
      expect(inv.ram.users.map((u) => 'lastLoginDate' in u)).toEqual([false, false]);
      expect({ ...inv.ram, users: [] }).toEqual({ ...baseline.ram, users: [] });
    },
  },
  {
    service: 'actiontrail',
    action: 'DescribeTrails',
    section: 'actiontrail',
    region: REGION,
    cursorPaged: false,
    absent(inv) {
      expect(inv.actiontrail.trails).toBeUndefined();
      expect(inv.actiontrail.events.map((e) => e.eventId)).toEqual(['e-2', 'e-1']);
    },
  },
  {
    service: 'actiontrail',
    action: 'LookupEvents',
    section: 'actiontrail',
    region: REGION,
    cursorPaged: true,
    // the RAM-user caller's reads: the root's sign-ins (ServiceName=AasCustomer), deletions of
    // root keys; these failing, the unfiltered read ('' = no resource)
    resources: ['ServiceName=AasCustomer', 'EventName=DeleteAccessKey', ''],
    // an endless cursor keeps what it read: e-1 has no serviceName, so the report's last logon
    // is not confirmed and sign-ins are read by name; the search back from the root key's last
    // use stops at its first page (e-1 is older) and names the key, read per key
    endlessResources: [
      'ServiceName=AasCustomer',
      'EventName=ConsoleSignin',
      'EventName=DeleteAccessKey',
      'EventAccessKeyId=****oot1',
    ],
    absent(inv) {
      expect(inv.actiontrail.events).toEqual([]);
      expect(inv.actiontrail.trails).toHaveLength(1);
    },
  },
];

/** the error code a fault leaves when retries do not help */
const FINAL_CODE: Record<Exclude<Kind, 'repeatPage'>, string> = {
  throttle: 'Throttling.User',
  serverError: 'ServiceUnavailable',
  timeout: 'RequestTimeout',
  malformedJson: 'MalformedResponse',
  accessDenied: 'Forbidden.RAM',
  connectionReset: 'ECONNRESET',
  missingList: 'MalformedResponse',
};

const TRANSIENT: Kind[] = [
  'throttle',
  'serverError',
  'timeout',
  'malformedJson',
  'connectionReset',
];
const ALL_KINDS: Kind[] = [...TRANSIENT, 'accessDenied', 'repeatPage'];

let env: IsolatedEnv;
let baseline: Omit<Inventory, 'collectedAt'>;

const strip = ({ collectedAt: _, ...rest }: Inventory) => rest;

async function run(faults: Fault[]) {
  const t0 = Date.now();
  const { inventory } = await runCollect(world(faults), {
    readTimeoutMs: READ_TIMEOUT_MS,
    retry: RETRY,
  });
  return { inventory, ms: Date.now() - t0 };
}

beforeAll(async () => {
  env = isolateEnv();
  useEnvKeys();
  const { inventory } = await run([]);
  expect(inventory.coverage).toEqual([]);
  baseline = strip(inventory);
});
afterAll(async () => {
  await closeAll();
  env.restore();
});

describe.concurrent('fault matrix', () => {
  it('the fault-free baseline has every fact the targets check', () => {
    expect(baseline.ecs.securityGroups.every((g) => g.rules !== undefined)).toBe(true);
    expect(baseline.ecs.securityGroups.find((g) => g.id === 'sg-classic')?.rules).toHaveLength(2);
    expect(baseline.ecs.instances.map((i) => i.ramRoleName)).toEqual(['web-role', null]);
    expect(baseline.ram.users.map((u) => u.loginProfile === null)).toEqual([false, true]);
    expect(baseline.root.securityPracticeReport).toBeDefined();
    expect(baseline.root.credentialReport?.accessKeys).toHaveLength(1);
    expect(baseline.ram.users.map((u) => u.lastLoginDate)).toEqual(['2026-10-15T00:00:00Z', null]);
    expect(baseline.actiontrail.trails).toHaveLength(1);
    expect(baseline.actiontrail.events).toHaveLength(2);
  });

  for (const target of TARGETS) {
    for (const kind of TRANSIENT) {
      it(`${target.service} ${target.action} × ${kind} twice: retried to the fault-free inventory`, async () => {
        const { inventory, ms } = await run([{ action: target.action, kind, count: 2 }]);
        expect(inventory.coverage).toEqual([]);
        expect(strip(inventory)).toEqual(baseline);
        expect(ms).toBeLessThan(8_000);
      });
    }
    for (const kind of ALL_KINDS) {
      const endless = kind === 'repeatPage';
      const complete = endless && !target.cursorPaged;
      it(`${target.service} ${target.action} × ${kind} always: ${complete ? 'complete' : 'a precise coverage entry'}`, async () => {
        const { inventory, ms } = await run([{ action: target.action, kind }]);
        // a held answer costs one read timeout per attempt, not the emulator's hold
        // (LookupEvents makes a few filtered reads one after the other, each timing out)
        expect(ms).toBeLessThan(kind === 'timeout' ? 10_000 : 8_000);
        if (complete) {
          expect(inventory.coverage).toEqual([]);
          expect(strip(inventory)).toEqual(baseline);
          return;
        }
        const code = endless ? 'PagingLoop' : FINAL_CODE[kind as Exclude<Kind, 'repeatPage'>];
        const expected = (resource?: string): CoverageEntry => ({
          service: target.service,
          region: target.region,
          operation: target.action,
          ...(resource !== undefined ? { resource } : {}),
          error: { code, message: expect.any(String) },
        });
        const gaps = [...inventory.coverage].sort((a, b) =>
          (a.resource ?? '').localeCompare(b.resource ?? ''),
        );
        expect(gaps).toEqual(
          target.resources
            ? [...((endless && target.endlessResources) || target.resources)]
                .sort()
                .map((r) => expected(r === '' ? undefined : r))
            : [expected()],
        );
        for (const g of gaps) {
          expect(g.error.message).not.toMatch(/\n/);
          expect(g.error.message.length).toBeGreaterThan(0);
        }
        if (endless) {
          // a paging loop keeps what was read, without duplicates, except
          // where a partial list would be judged as complete (rules)
          if (target.action === 'DescribeInstanceRamRole') {
            // the roles read are kept; "no role" is unknown after a partial listing
            for (const i of inventory.ecs.instances) {
              const before = baseline.ecs.instances.find((b) => b.id === i.id)?.ramRoleName;
              if (typeof before === 'string') expect(i.ramRoleName).toBe(before);
              else expect('ramRoleName' in i).toBe(false);
            }
          } else if (
            !['DescribeSecurityGroupAttribute', 'ListUsersForGroup'].includes(target.action)
          ) {
            expect(strip(inventory)[target.section]).toEqual(baseline[target.section]);
          } else target.absent(inventory);
        } else target.absent(inventory);
        // every other section is exactly the fault-free one
        for (const section of ['ecs', 'ram', 'root', 'actiontrail'] as Section[]) {
          if (section !== target.section && !target.alsoFeeds?.includes(section))
            expect(inventory[section], section).toEqual(baseline[section]);
        }
      });
    }
  }

  for (const kind of ALL_KINDS) {
    it(`sts GetCallerIdentity × ${kind}: ${kind === 'repeatPage' ? 'complete' : 'retried when transient, else one CallerIdentityError line'}`, async () => {
      if (TRANSIENT.includes(kind)) {
        const { inventory } = await run([{ action: 'GetCallerIdentity', kind, count: 2 }]);
        expect(strip(inventory)).toEqual(baseline);
      }
      const t0 = Date.now();
      const result = await run([{ action: 'GetCallerIdentity', kind }]).catch((e: unknown) => e);
      expect(Date.now() - t0).toBeLessThan(8_000);
      if (kind === 'repeatPage') {
        expect(strip((result as { inventory: Inventory }).inventory)).toEqual(baseline);
        return;
      }
      expect(result).toMatchObject({ name: 'CallerIdentityError' });
      const message = (result as Error).message;
      expect(message).toContain(FINAL_CODE[kind as Exclude<Kind, 'repeatPage'>]);
      expect(message).not.toMatch(/\n/);
    });
  }
});
