/**
 * Unknown is never safe, identity side: a trail without Status, TrailRegion or
 * EventRW, an AccessKey without Status or CreateDate, a password policy
 * without one of its settings, a policy attachment without ResourceGroupId and
 * a Resource Directory member without AccountId or Type are gaps (or, for the
 * directory, a refusal to scan), never "not Active", "not judged" or "strong".
 */
import { describe, expect, it } from 'vitest';
import { CollectError } from '../../src/collectors/errors.js';
import { openOrganization } from '../../src/collectors/organization.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import type { WorldInput } from '../../src/emulator/world.js';
import { emptyInventory, type Inventory } from '../../src/inventory/schema.js';
import {
  ACCOUNT,
  baseWorld,
  gapsOf,
  isolateCollectorRuns,
  type Rewrite,
  rewriteItems,
  rewritingProxy,
  runCollect,
  runCollectRewritten,
  serve,
  verdictOf,
} from './harness.js';

isolateCollectorRuns();

/** a rule's verdict on a resource (by default the account) */
const verdict = (inventory: Inventory, ruleId: string, id: string = ACCOUNT) =>
  verdictOf(inventory, ruleId, id);
const items = rewriteItems;
const gaps = gapsOf;

describe('DescribeTrails: a trail without Status, TrailRegion or EventRW', () => {
  const trailWorld = (bad: Record<string, string>) =>
    baseWorld({
      actiontrail: {
        Trails: [
          {
            Name: 'account-trail',
            Status: 'Enable',
            HomeRegion: 'cn-hangzhou',
            TrailRegion: 'All',
            EventRW: 'All',
            TrailStatus: { IsLogging: true },
            ...bad,
          },
        ],
      },
    });

  it.each([
    ['Status', 'Disable'],
    ['TrailRegion', 'cn-hangzhou'],
    ['EventRW', 'Read'],
  ])(
    '%s left out of the only trail (a %s one): a MissingField gap, the rule not evaluated, never a pass',
    async (field, value) => {
      const world = trailWorld({ [field]: value });
      // as served: the trail does not count
      const served = await runCollect(world);
      expect(served.inventory.coverage).toEqual([]);
      expect(await verdict(served.inventory, 'actiontrail-not-logging')).toBe('finding');
      const { inventory } = await runCollectRewritten(
        world,
        items('DescribeTrails', ['TrailList'], (t) => {
          delete t[field];
        }),
      );
      expect(gaps(inventory, 'DescribeTrails')).toEqual([
        ['account-trail', 'MissingField', `DescribeTrails answered account-trail without ${field}`],
      ]);
      expect(await verdict(inventory, 'actiontrail-not-logging')).toBe('not evaluated');
    },
  );

  it('a trail that a known field already disqualifies keeps the finding', async () => {
    const { inventory } = await runCollectRewritten(
      trailWorld({ EventRW: 'Read' }),
      items('DescribeTrails', ['TrailList'], (t) => {
        delete t['Status'];
      }),
    );
    expect(gaps(inventory, 'DescribeTrails')).toEqual([
      ['account-trail', 'MissingField', 'DescribeTrails answered account-trail without Status'],
    ]);
    expect(await verdict(inventory, 'actiontrail-not-logging')).toBe('finding');
  });

  it('a world trail without them is served without them (world.md): a MissingField gap, the rule not evaluated', async () => {
    const served: Record<string, unknown>[] = [];
    const { inventory } = await runCollectRewritten(
      baseWorld({
        actiontrail: {
          Trails: [{ Name: 'bare', HomeRegion: 'cn-hangzhou', TrailStatus: { IsLogging: true } }],
        },
      }),
      items('DescribeTrails', ['TrailList'], (t) => {
        served.push({ ...t });
      }),
    );
    expect(served.map((t) => t['Name'])).toEqual(['bare']);
    for (const field of ['Status', 'TrailRegion', 'EventRW'])
      expect(served[0], field).not.toHaveProperty(field);
    expect(gaps(inventory, 'DescribeTrails')).toEqual([
      ['bare', 'MissingField', 'DescribeTrails answered bare without Status, TrailRegion, EventRW'],
    ]);
    expect(await verdict(inventory, 'actiontrail-not-logging')).toBe('not evaluated');
  });
});

describe('ListAccessKeys: a key without Status or CreateDate', () => {
  const keyWorld = () =>
    baseWorld({
      ram: {
        Users: [
          {
            UserName: 'alice',
            LoginProfile: {},
            AccessKeys: [
              {
                AccessKeyId: 'LTAIalice0001',
                Status: 'Active',
                CreateDate: '2025-01-01T00:00:00Z',
                LastUsedDate: '2025-02-01T00:00:00Z',
              },
            ],
          },
        ],
      },
    });

  it('as served: the old, idle key of a console user is judged', async () => {
    const { inventory } = await runCollect(keyWorld());
    expect(inventory.coverage).toEqual([]);
    for (const rule of [
      'ram-access-key-not-rotated',
      'ram-access-key-unused',
      'ram-user-console-and-access-key',
    ])
      expect(await verdict(inventory, rule, 'alice')).toBe('finding');
  });

  it.each([
    [
      'Status',
      [
        'ram-access-key-not-rotated',
        'ram-access-key-unused',
        'ram-user-console-and-access-key',
        'ram-access-key-without-source-ip',
      ],
    ],
    ['CreateDate', ['ram-access-key-not-rotated']],
  ])(
    'without %s: the user’s keys are unknown (a MissingField gap), not "not Active" or "not judged"',
    async (field, concerned) => {
      const { inventory } = await runCollectRewritten(
        keyWorld(),
        items('ListAccessKeys', ['AccessKeys', 'AccessKey'], (k) => {
          delete k[field];
        }),
      );
      const alice = inventory.ram.users.find((u) => u.name === 'alice');
      expect(alice).toBeDefined();
      expect('accessKeys' in (alice ?? {})).toBe(false);
      expect(gaps(inventory, 'ListAccessKeys')).toEqual([
        ['alice', 'MissingField', `ListAccessKeys answered alice without ${field} of ****0001`],
      ]);
      for (const rule of concerned)
        expect(await verdict(inventory, rule, 'alice')).toBe('not evaluated');
    },
  );

  it("the root identity's own key without Status: the root's keys are unknown, with a gap", async () => {
    const world = baseWorld({
      account: {
        accountId: ACCOUNT,
        caller: { IdentityType: 'Account', AccountId: ACCOUNT, Arn: `acs:ram::${ACCOUNT}:root` },
      },
      root: {
        accessKeys: [{ AccessKeyId: 'LTAIroot00002', Status: 'Active', CreateDate: '2025-01-01' }],
      },
    });
    const served = await runCollect(world);
    expect(served.inventory.root.ownAccessKeys?.map((k) => k.status)).toEqual(['Active']);
    const { inventory } = await runCollectRewritten(
      world,
      items('ListAccessKeys', ['AccessKeys', 'AccessKey'], (k) => {
        delete k['Status'];
      }),
    );
    expect(inventory.root.ownAccessKeys).toBeUndefined();
    expect(gaps(inventory, 'ListAccessKeys')).toEqual([
      ['<root>', 'MissingField', 'ListAccessKeys answered <root> without Status of ****0002'],
    ]);
  });

  it('a world key without CreateDate is served without one (world.md): a MissingField gap, the rotation rule not evaluated', async () => {
    const served: Record<string, unknown>[] = [];
    const { inventory } = await runCollectRewritten(
      baseWorld({
        ram: {
          Users: [{ UserName: 'bob', AccessKeys: [{ AccessKeyId: 'LTAIbob1', Status: 'Active' }] }],
        },
      }),
      items('ListAccessKeys', ['AccessKeys', 'AccessKey'], (k) => {
        served.push({ ...k });
      }),
    );
    expect(served.map((k) => k['AccessKeyId'])).toEqual(['LTAIbob1']);
    expect(served[0]).not.toHaveProperty('CreateDate');
    const bob = inventory.ram.users.find((u) => u.name === 'bob');
    expect(bob).toBeDefined();
    expect('accessKeys' in (bob ?? {})).toBe(false);
    expect(gaps(inventory, 'ListAccessKeys')).toEqual([
      ['bob', 'MissingField', 'ListAccessKeys answered bob without CreateDate of ****bob1'],
    ]);
    expect(await verdict(inventory, 'ram-access-key-not-rotated', 'bob')).toBe('not evaluated');
  });

  it('a world key without Status is served without one, and the credential report says N/A: a gap, never "not Active"', async () => {
    const served: Record<string, unknown>[] = [];
    const { inventory } = await runCollectRewritten(
      baseWorld({
        ram: {
          Users: [
            {
              UserName: 'carol',
              LoginProfile: {},
              AccessKeys: [{ AccessKeyId: 'LTAIcarol1', CreateDate: '2025-01-01T00:00:00Z' }],
            },
          ],
        },
      }),
      items('ListAccessKeys', ['AccessKeys', 'AccessKey'], (k) => {
        served.push({ ...k });
      }),
    );
    expect(served.map((k) => k['AccessKeyId'])).toEqual(['LTAIcarol1']);
    expect(served[0]).not.toHaveProperty('Status');
    const carol = inventory.ram.users.find((u) => u.name === 'carol');
    expect('accessKeys' in (carol ?? {})).toBe(false);
    expect(gaps(inventory, 'ListAccessKeys')).toEqual([
      ['carol', 'MissingField', 'ListAccessKeys answered carol without Status of ****rol1'],
    ]);
    // an old key of a console user: rotation and console-with-key would be findings if Active
    expect(await verdict(inventory, 'ram-access-key-not-rotated', 'carol')).toBe('not evaluated');
    expect(await verdict(inventory, 'ram-user-console-and-access-key', 'carol')).toBe(
      'not evaluated',
    );
  });
});

describe('GetPasswordPolicy: a setting left out', () => {
  const settings = {
    MinimumPasswordLength: 14,
    RequireLowercaseCharacters: true,
    RequireUppercaseCharacters: true,
    RequireNumbers: true,
    RequireSymbols: false,
    PasswordReusePrevention: 5,
    MaxLoginAttemps: 5,
  };
  const policyWorld = (over: Record<string, unknown> = {}) =>
    baseWorld({ ram: { PasswordPolicy: { ...settings, ...over } } });
  const drop =
    (...fields: string[]) =>
    (req: { headers: Record<string, unknown> }): Rewrite | undefined =>
      req.headers['x-acs-action'] === 'GetPasswordPolicy'
        ? (body) => {
            const p = (body as { PasswordPolicy: Record<string, unknown> }).PasswordPolicy;
            for (const f of fields) delete p[f];
            return body;
          }
        : undefined;

  it('the weak setting left out: a MissingField gap for the policy, the rule not evaluated, never a pass', async () => {
    const served = await runCollect(policyWorld());
    expect(served.inventory.coverage).toEqual([]);
    expect(await verdict(served.inventory, 'ram-password-policy-weak')).toBe('finding');
    const { inventory } = await runCollectRewritten(
      policyWorld(),
      drop('RequireSymbols', 'MaxLoginAttemps'),
    );
    expect(inventory.ram.passwordPolicy).toBeDefined();
    expect('requireSymbols' in (inventory.ram.passwordPolicy ?? {})).toBe(false);
    expect(gaps(inventory, 'GetPasswordPolicy')).toEqual([
      [
        undefined,
        'MissingField',
        'GetPasswordPolicy answered the password policy without RequireSymbols, MaxLoginAttemps',
      ],
    ]);
    expect(await verdict(inventory, 'ram-password-policy-weak')).toBe('not evaluated');
  });

  it('a world whose block leaves a setting out is served without it (world.md): the same gap', async () => {
    const { RequireSymbols: _left, ...rest } = settings;
    const { inventory } = await runCollect(baseWorld({ ram: { PasswordPolicy: rest } }));
    expect(gaps(inventory, 'GetPasswordPolicy')).toEqual([
      [
        undefined,
        'MissingField',
        'GetPasswordPolicy answered the password policy without RequireSymbols',
      ],
    ]);
    expect(await verdict(inventory, 'ram-password-policy-weak')).toBe('not evaluated');
  });

  it('a weakness in the settings that were sent still stands', async () => {
    const { inventory } = await runCollectRewritten(
      policyWorld({ RequireSymbols: true, MinimumPasswordLength: 8 }),
      drop('PasswordReusePrevention'),
    );
    expect(gaps(inventory, 'GetPasswordPolicy')).toEqual([
      [
        undefined,
        'MissingField',
        'GetPasswordPolicy answered the password policy without PasswordReusePrevention',
      ],
    ]);
    expect(await verdict(inventory, 'ram-password-policy-weak')).toBe('finding');
  });
});

describe('ListPolicyAttachments: an attachment without ResourceGroupId', () => {
  const rgWorld = () =>
    baseWorld({
      ram: {
        Users: [{ UserName: 'bob' }],
        Policies: [
          {
            PolicyName: 'AdministratorAccess',
            PolicyType: 'System',
            PolicyDocument: {
              Version: '1',
              Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
            },
          },
        ],
      },
      resourceManager: {
        PolicyAttachments: [
          {
            PrincipalName: 'bob@example.onaliyun.com',
            PrincipalType: 'IMSUser',
            PolicyName: 'AdministratorAccess',
            PolicyType: 'System',
            ResourceGroupId: 'rg-prod',
          },
        ],
      },
    });

  it('is not taken for an account-scope one: the attachments are unknown, with a MissingField gap', async () => {
    const served = await runCollect(rgWorld());
    expect(served.inventory.coverage).toEqual([]);
    expect(await verdict(served.inventory, 'ram-policy-admin-access', 'bob')).toBe('finding');
    const { inventory } = await runCollectRewritten(
      rgWorld(),
      items('ListPolicyAttachments', ['PolicyAttachments', 'PolicyAttachment'], (a) => {
        delete a['ResourceGroupId'];
      }),
    );
    expect(inventory.ram.resourceGroupAttachments).toBeUndefined();
    expect(gaps(inventory, 'ListPolicyAttachments')).toEqual([
      [
        undefined,
        'MissingField',
        'ListPolicyAttachments answered an attachment without ResourceGroupId',
      ],
    ]);
    expect(await verdict(inventory, 'ram-policy-admin-access', 'bob')).toBe('not evaluated');
  });
});

describe('ListAccounts: a member without AccountId or Type', () => {
  const orgWorld = (): WorldInput =>
    baseWorld({
      organization: {
        managementAccountId: ACCOUNT,
        accounts: [
          { AccountId: ACCOUNT, DisplayName: 'management', Type: 'CloudAccount' },
          { AccountId: '1000000000000101', DisplayName: 'member', Type: 'CloudAccount' },
          // no Type in the world: none in the answer either (world.md)
          { AccountId: '1000000000000102', DisplayName: 'untyped' },
        ],
      },
    });

  async function listWith(rewrite?: (a: Record<string, unknown>) => void) {
    const emu = await serve(orgWorld());
    const proxy = await rewritingProxy(
      emu.url,
      rewrite ? items('ListAccounts', ['Accounts', 'Account'], rewrite) : () => undefined,
    );
    try {
      const session = await openOrganization({
        credential: (await resolveCredentials()).credential,
        redact: (s) => s,
        endpoint: proxy.url,
        memberRole: 'ResourceDirectoryAccountAccessRole',
      });
      return await session.listAccounts();
    } finally {
      await proxy.close();
    }
  }

  it('every member is listed; one answered without its Type keeps "" (unknown), never a resource account', async () => {
    const accounts = await listWith();
    expect(accounts.map((a) => [a.id, a.type])).toEqual([
      ['1000000000000101', 'CloudAccount'],
      ['1000000000000102', ''],
      [ACCOUNT, 'CloudAccount'],
    ]);
  });

  it('rd-member-root-enabled: a finding for a CloudAccount, not evaluated for a member of unknown type', async () => {
    const organization = { managementAccountId: ACCOUNT, accounts: await listWith() };
    const judged = (id: string) => {
      const empty = emptyInventory();
      const inventory = emptyInventory({ account: { ...empty.account, id }, organization });
      return verdictOf(inventory, 'rd-member-root-enabled', id);
    };
    expect(await judged('1000000000000101')).toBe('finding');
    expect(await judged('1000000000000102')).toBe('not evaluated');
  });

  it('without AccountId: the directory cannot be scanned (CollectError), no member is left out', async () => {
    const listed = listWith((a) => {
      if (a['AccountId'] === '1000000000000101') delete a['AccountId'];
    });
    await expect(listed).rejects.toBeInstanceOf(CollectError);
    await expect(listed).rejects.toThrow(
      'MissingField: ListAccounts answered an account without AccountId',
    );
  });
});
