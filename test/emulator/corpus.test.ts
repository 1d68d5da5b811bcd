/**
 * Corpus replay: every official RAM/IMS success-response example in
 * ../shared/corpus/alibaba-api-response-examples/ram-ims is compared with the
 * emulator's answer for an equivalent world — every field the example has
 * (nested objects, list wrappers, the union of all list items) must be in the
 * answer with the same JSON type. The ActionTrail event samples that are
 * LookupEvents-format JSON are served back unchanged.
 *
 * Calls go through openapi-core's generic client (real signing, real HTTP) so
 * that the raw JSON is compared, not what an SDK model keeps of it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld, type WorldInput } from '../../src/emulator/world.js';
import { callActionTrail, callRpc, config, OpenApi } from '../helpers/sdk.js';

const CORPUS = path.resolve(__dirname, '../../../shared/corpus');
const EXAMPLES = path.join(CORPUS, 'alibaba-api-response-examples/ram-ims');
const EVENTS = path.join(CORPUS, 'actiontrail-event-samples');

const ACCOUNT = '1234567890123456';
const UPN = `Alice@${ACCOUNT}.onaliyun.com`;
const DOC =
  '{ "Statement": [{ "Action": ["oss:*"], "Effect": "Allow", "Resource": ["acs:oss:*:*:*"]}], "Version": "1"}';

/** a world holding what the examples talk about, with the examples' field names */
const world: WorldInput = {
  version: 1,
  now: '2020-10-20T00:00:00Z',
  account: { accountId: ACCOUNT, caller: { IdentityType: 'RAMUser', UserId: '122748924538****' } },
  ram: {
    Users: [
      {
        UserName: 'Alice',
        UserId: '122748924538****',
        DisplayName: 'Alice',
        Comments: 'This is a cloud computing engineer.',
        Email: 'alice@example.com',
        MobilePhone: '86-1860000****',
        CreateDate: '2015-01-23T12:33:18Z',
        UpdateDate: '2015-02-11T03:15:21Z',
        LastLoginDate: '2015-01-23T12:33:18Z',
        LoginProfile: {
          PasswordResetRequired: true,
          MFABindRequired: true,
          CreateDate: '2015-01-23T12:33:18Z',
          UpdateDate: '2020-10-14T07:25:00Z',
          LastLoginTime: '2020-10-14T07:25:25Z',
          Status: 'Active',
        },
        MFADevice: {
          SerialNumber: 'acs:ram::177242285274****:mfa/test',
          Type: 'VMFA',
          ActivateDate: '2020-10-16T06:02:09Z',
        },
        AccessKeys: [
          {
            AccessKeyId: '0wNEpMMlzy7s****',
            Status: 'Active',
            CreateDate: '2020-10-13T12:33:18Z',
            UpdateDate: '2020-10-13T12:33:18Z',
            LastUsedDate: '2020-10-16T01:37:37Z',
          },
          {
            AccessKeyId: 'WnIWUruvfaDT****',
            Status: 'Inactive',
            CreateDate: '2020-10-14T12:33:18Z',
            UpdateDate: '2020-10-14T21:12:21Z',
          },
        ],
        Groups: ['Dev-Team'],
        Policies: [
          {
            PolicyName: 'OSS-Administrator',
            PolicyType: 'Custom',
            AttachDate: '2015-01-23T12:33:18Z',
          },
          {
            PolicyName: 'ReadOnlyAccess',
            PolicyType: 'System',
            AttachDate: '2015-02-18T17:22:08Z',
          },
        ],
      },
      {
        UserName: 'Bob',
        UserId: '140649822472****',
        DisplayName: 'Bob',
        Comments: 'The administrator.',
        Email: 'bob@example.com',
        MobilePhone: '86-1860000****',
        CreateDate: '2015-02-18T17:22:08Z',
        UpdateDate: '2015-02-18T17:22:08Z',
        LastLoginDate: '2020-10-12T09:12:00Z',
        MFADevice: { SerialNumber: 'acs:ram::177242285274****:mfa/bob', Type: 'VMFA' },
      },
    ],
    Groups: [
      {
        GroupName: 'Dev-Team',
        Comments: 'Dev team',
        GroupId: '740317625433843****',
        JoinDate: '2020-10-20T06:57:00Z',
        Policies: [
          {
            PolicyName: 'OSS-Administrator',
            PolicyType: 'Custom',
            AttachDate: '2015-02-18T17:22:08Z',
          },
        ],
      },
    ],
    Roles: [
      {
        RoleName: 'ECSAdmin',
        RoleId: '122748924538****',
        Arn: 'acs:ram::123456789012****:role/ECSAdmin',
        Description: 'ECS admin role',
        Policies: [
          {
            PolicyName: 'OSS-Administrator',
            PolicyType: 'Custom',
            AttachDate: '2015-01-23T12:33:18Z',
          },
        ],
      },
    ],
    Policies: [
      {
        PolicyName: 'OSS-Administrator',
        PolicyType: 'Custom',
        Description: 'OSS administrator',
        DefaultVersion: 'v5',
        CreateDate: '2015-01-23T12:33:18Z',
        UpdateDate: '2015-01-23T12:33:18Z',
        PolicyDocument: DOC,
        Versions: [
          { VersionId: 'v3', PolicyDocument: DOC, CreateDate: '2015-01-23T12:33:18Z' },
          { VersionId: 'v5', PolicyDocument: DOC, CreateDate: '2015-02-26T01:25:52Z' },
        ],
      },
      {
        PolicyName: 'ReadOnlyAccess',
        PolicyType: 'System',
        Description: 'Read-only permission',
        CreateDate: '2015-02-11T18:39:12Z',
        UpdateDate: '2015-02-19T09:43:16Z',
        PolicyDocument: { Version: '1', Statement: [] },
      },
    ],
    PasswordPolicy: {
      RequireUppercaseCharacters: true,
      MaxPasswordAge: 0,
      HardExpiry: false,
      RequireNumbers: true,
      RequireSymbols: true,
      MaxLoginAttemps: 5,
      PasswordReusePrevention: 0,
      RequireLowercaseCharacters: true,
      MinimumPasswordLength: 12,
    },
  },
  root: {
    mfaEnabled: false,
    accessKeys: [
      { AccessKeyId: 'LTAIroot1', Status: 'Active', CreateDate: '2019-01-01T00:00:00Z' },
    ],
  },
};

const RAM_VERSION = '2015-05-01';
const IMS_VERSION = '2019-08-15';
const ALICE_KEY = '0wNEpMMlzy7s****';
const OSS_POLICY = { PolicyName: 'OSS-Administrator', PolicyType: 'Custom' };

/** the request that reproduces each example (`ram.X` / `ims.X` from the file name) */
const REQUESTS: Record<string, Record<string, string>> = {
  'ram.ListUsers': { MaxItems: '1' },
  'ram.GetUser': { UserName: 'Alice' },
  'ram.GetLoginProfile': { UserName: 'Alice' },
  'ram.GetUserMFAInfo': { UserName: 'Alice' },
  'ram.ListAccessKeys': { UserName: 'Alice' },
  'ram.ListGroupsForUser': { UserName: 'Alice' },
  'ram.ListPoliciesForUser': { UserName: 'Alice' },
  'ram.ListPolicies': { MaxItems: '1' },
  'ram.GetPolicy': OSS_POLICY,
  'ram.GetPolicyVersion': { ...OSS_POLICY, VersionId: 'v3' },
  'ram.ListPolicyVersions': OSS_POLICY,
  'ram.ListEntitiesForPolicy': OSS_POLICY,
  'ram.ListVirtualMFADevices': {},
  'ram.GetPasswordPolicy': {},
  'ram.GetSecurityPreference': {},
  'ims.GenerateCredentialReport': {},
  'ims.GetCredentialReport': {},
  'ims.GetAccessKeyLastUsed': { UserPrincipalName: UPN, UserAccessKeyId: ALICE_KEY },
  'ims.GetAccountMFAInfo': {},
  'ims.GetAccountSecurityPracticeReport': {},
  'ims.GetAccountSummary': {},
  'ims.GetLoginProfile': { UserPrincipalName: UPN },
  'ims.GetPasswordPolicy': {},
  'ims.GetSecurityPreference': {},
  'ims.GetUser': { UserPrincipalName: UPN },
  'ims.GetUserMFAInfo': { UserPrincipalName: UPN },
  'ims.ListAccessKeys': { UserPrincipalName: UPN },
  'ims.ListGroupsForUser': { UserPrincipalName: UPN },
  'ims.ListUsers': { MaxItems: '1' },
  'ims.ListVirtualMFADevices': { MaxItems: '1' },
};

/** JSON shape: objects by key, arrays as the union of their items, leaves by JSON type */
type Shape = string | { [k: string]: Shape } | { '[]': Shape };

function shapeOf(v: unknown): Shape {
  if (Array.isArray(v)) {
    let merged: Shape = 'empty';
    for (const item of v) merged = merge(merged, shapeOf(item));
    return { '[]': merged };
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Shape> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shapeOf(x);
    return out;
  }
  return v === null ? 'null' : typeof v;
}

function merge(a: Shape, b: Shape): Shape {
  if (a === 'empty') return b;
  if (b === 'empty') return a;
  if (typeof a === 'string' || typeof b === 'string') return a;
  const out: Record<string, Shape> = { ...(a as Record<string, Shape>) };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k]!, v) : v;
  return out;
}

/** paths of `expected` missing from `actual` or of another JSON type */
function missingPaths(expected: Shape, actual: Shape | undefined, at = '$'): string[] {
  if (actual === undefined) return [`${at} (absent)`];
  if (typeof expected === 'string') {
    return typeof actual === 'string' && actual === expected
      ? []
      : [`${at} (${expected} expected, ${typeof actual === 'string' ? actual : 'object'} served)`];
  }
  if (typeof actual === 'string') return [`${at} (object expected, ${actual} served)`];
  const out: string[] = [];
  for (const [k, v] of Object.entries(expected)) {
    if (v === 'empty') continue;
    out.push(...missingPaths(v, (actual as Record<string, Shape>)[k], `${at}.${k}`));
  }
  return out;
}

let emu: RunningEmulator;
let client: InstanceType<typeof OpenApi>;

beforeAll(async () => {
  emu = await startEmulator(parseWorld(world));
  client = new OpenApi(config(emu.url));
});
afterAll(async () => {
  await emu.close();
});

function rawCall(
  version: string,
  action: string,
  query: Record<string, string>,
): Promise<Record<string, unknown>> {
  return callRpc(client, version, action, query);
}

const exampleFiles = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));

describe('RAM/IMS response examples', () => {
  it('the corpus is where the test expects it, and every example has a request', () => {
    expect(exampleFiles.length).toBeGreaterThanOrEqual(41);
    const unmapped = exampleFiles
      .map((f) => f.split('.').slice(0, 2).join('.'))
      .filter((key) => !(key in REQUESTS));
    expect(unmapped).toEqual([]);
    // no unparseable doc examples in this set
    expect(readdirSync(EXAMPLES).filter((f) => f.endsWith('.txt'))).toEqual([]);
  });

  it.each(exampleFiles)('%s: the emulator answers with the same fields and types', async (file) => {
    const [product, action] = file.split('.') as [string, string];
    const version = product === 'ims' ? IMS_VERSION : RAM_VERSION;
    const example = JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as unknown;
    if (action === 'GetCredentialReport') {
      // the report must be generated first (STARTED, then COMPLETED)
      await rawCall(IMS_VERSION, 'GenerateCredentialReport', {});
      await rawCall(IMS_VERSION, 'GenerateCredentialReport', {});
    }
    const body = await rawCall(version, action, REQUESTS[`${product}.${action}`]!);
    expect(missingPaths(shapeOf(example), shapeOf(body))).toEqual([]);
    expect(typeof body['RequestId']).toBe('string');
  });

  it('the shape check itself catches a missing field and a wrong type', () => {
    const expected = shapeOf({ A: { B: [{ C: 1 }, { D: 'x' }] }, E: true });
    expect(missingPaths(expected, shapeOf({ A: { B: [{ C: 2, D: 'y' }] }, E: false }))).toEqual([]);
    expect(missingPaths(expected, shapeOf({ A: { B: [{ C: '2' }] }, E: false }))).toEqual([
      '$.A.B.[].C (number expected, string served)',
      '$.A.B.[].D (absent)',
    ]);
  });
});

// --- ActionTrail event samples -----------------------------------------------

/** samples in the LookupEvents (camelCase) event format that parse as JSON */
const REPLAYED = [
  'AlibabaCloudDocs-multimediaai.CreateLabelTask.root-account.json',
  'AlibabaCloudDocs-ram.CreateGroup.2019-06-28.af16309.json',
];
/** the PascalCase SLS/OSS delivery format: not what LookupEvents returns */
const DELIVERY_FORMAT = ['AlibabaCloudDocs-sc.AppendVSwitchId.root-account.json'];

describe('ActionTrail event samples', () => {
  it('every sample file is accounted for', () => {
    const files = readdirSync(EVENTS).filter((f) => f !== 'SOURCES.md');
    const invalid = files.filter((f) => f.endsWith('.invalid-json.txt'));
    expect([...REPLAYED, ...DELIVERY_FORMAT, ...invalid].sort()).toEqual([...files].sort());
  });

  it.each(REPLAYED)('%s is served by LookupEvents exactly as published', async (file) => {
    const sample = JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8')) as Record<
      string,
      unknown
    >;
    const time = Date.parse(sample['eventTime'] as string);
    const iso = (t: number) => `${new Date(t).toISOString().slice(0, 19)}Z`;
    const e = await startEmulator(
      parseWorld({
        version: 1,
        now: iso(time + 3_600_000),
        account: { accountId: ACCOUNT },
        actiontrail: { Events: [sample] },
      } as WorldInput),
    );
    try {
      const region = (sample['acsRegion'] as string | undefined) ?? 'cn-hangzhou';
      const r = await callActionTrail(new OpenApi(config(e.url, {}, region)), 'LookupEvents', {
        RegionId: region,
        StartTime: iso(time - 60_000),
        EndTime: iso(time + 60_000),
        LookupAttribute: [{ Key: 'EventName', Value: sample['eventName'] }],
      });
      expect(r.body['Events']).toEqual([sample]);
      expect(r.body['NextToken']).toBe('');
    } finally {
      await e.close();
    }
  });

  it('a world cannot hold a PascalCase delivery-format event (no eventId/eventTime)', () => {
    const sample = JSON.parse(readFileSync(path.join(EVENTS, DELIVERY_FORMAT[0]!), 'utf8'));
    expect(() =>
      parseWorld({
        version: 1,
        account: { accountId: ACCOUNT },
        actiontrail: { Events: [sample] },
      }),
    ).toThrow(/actiontrail\.Events/);
  });
});
