/**
 * The emulator's server core, through the official SDK clients: routing,
 * stats, injected faults, QPS limits, latency, signature verification, STS and
 * world-file errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, parseWorld, WorldError, type WorldInput } from '../../src/emulator/world.js';
import {
  $Ecs,
  $Sts,
  callRpc,
  clients,
  config,
  Ecs,
  type OpenApi,
  Sts,
  type TestKeys,
} from '../helpers/sdk.js';

const R = 'cn-hangzhou';
const running: RunningEmulator[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

function baseWorld(extra: Partial<WorldInput> = {}): WorldInput {
  return {
    version: 1,
    account: {
      accountId: '1234567890123456',
      caller: {
        IdentityType: 'RAMUser',
        UserId: '2000000000000001',
        Arn: 'acs:ram::1234567890123456:user/auditor',
      },
    },
    regions: [{ RegionId: R }, { RegionId: 'ap-southeast-1' }],
    ecs: {
      [R]: {
        SecurityGroups: Array.from({ length: 250 }, (_, i) => ({
          SecurityGroupId: `sg-${i}`,
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
        })),
        KeyPairs: Array.from({ length: 120 }, (_, i) => ({ KeyPairName: `kp-${i}` })),
      },
    },
    ...extra,
  };
}

async function serve(world: WorldInput): Promise<RunningEmulator> {
  const emu = await startEmulator(parseWorld(world));
  running.push(emu);
  return emu;
}

async function errorOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const sgs = (nextToken?: string, regionId = R) =>
  new $Ecs.DescribeSecurityGroupsRequest({ regionId, maxResults: 100, nextToken });
const regions = () => new $Ecs.DescribeRegionsRequest({});

async function fetchStats(emu: RunningEmulator): Promise<unknown> {
  const res = await fetch(`${emu.url}/__emulator/stats`);
  return res.json();
}

function genericCall(
  client: InstanceType<typeof OpenApi>,
  action: string,
  version: string,
): Promise<unknown> {
  return callRpc(client, version, action, { RegionId: R });
}

describe('routing and stats', () => {
  it('answers an unknown action or version with 404 InvalidAction.NotFound', async () => {
    const emu = await serve(baseWorld());
    const { generic } = clients(emu.url);
    const err = await errorOf(genericCall(generic, 'DescribeNothing', '2014-05-26'));
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('InvalidAction.NotFound');
    expect(err['statusCode']).toBe(404);
    const err2 = await errorOf(genericCall(generic, 'DescribeRegions', '1999-01-01'));
    expect(err2['code']).toBe('InvalidAction.NotFound');
  });

  it('counts every request on arrival in /__emulator/stats, in the exact shape', async () => {
    const emu = await serve(
      baseWorld({
        emulator: {
          faults: [{ action: 'DescribeKeyPairs', kind: 'serverError', count: 1 }],
        },
      }),
    );
    const { ecs, sts } = clients(emu.url);
    await ecs.describeRegions(regions());
    await ecs.describeRegions(regions());
    await errorOf(ecs.describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: R })));
    await ecs.describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: R }));
    await sts.getCallerIdentity();
    expect(await fetchStats(emu)).toEqual({
      requests: { DescribeRegions: 2, DescribeKeyPairs: 2, GetCallerIdentity: 1 },
      throttled: 0,
      faults: 1,
    });
    expect(emu.stats().requests['DescribeRegions']).toBe(2);
  });

  it('turns a handler crash into 500 InternalError and keeps serving', async () => {
    const world = parseWorld(baseWorld());
    (world as { regions: unknown }).regions = null; // DescribeRegions now throws inside
    const emu = await startEmulator(world);
    running.push(emu);
    const { ecs } = clients(emu.url);
    const err = await errorOf(ecs.describeRegions(regions()));
    expect(err.name).toBe('ServerError');
    expect(err['code']).toBe('InternalError');
    expect(err['statusCode']).toBe(500);
    const ok = await ecs.describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: R }));
    expect(ok.body?.totalCount).toBe(120);
  });

  it('rejects a request without any AccessKey with 400 MissingAccessKeyId', async () => {
    // the SDK refuses to send without credentials, so this one is hand-made
    const emu = await serve(baseWorld());
    const res = await fetch(`${emu.url}/?RegionId=${R}`, {
      method: 'POST',
      headers: { 'x-acs-action': 'DescribeRegions', 'x-acs-version': '2014-05-26' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Code: string }).Code).toBe('MissingAccessKeyId');
  });
});

describe('STS GetCallerIdentity', () => {
  it('answers with the world caller', async () => {
    const emu = await serve(baseWorld());
    const r = await clients(emu.url).sts.getCallerIdentity();
    expect(r.body).toMatchObject({
      identityType: 'RAMUser',
      accountId: '1234567890123456',
      userId: '2000000000000001',
      arn: 'acs:ram::1234567890123456:user/auditor',
    });
  });

  it('fills AccountId, IdentityType and an Arn when the world has no caller', async () => {
    const emu = await serve({ version: 1, account: { accountId: '999' } });
    const r = await clients(emu.url).sts.getCallerIdentity();
    expect(r.body?.accountId).toBe('999');
    expect(r.body?.identityType).toBe('RAMUser');
    expect(r.body?.arn).toMatch(/^acs:ram::999:user\//);
    expect(r.body).toBeInstanceOf($Sts.GetCallerIdentityResponseBody);
  });
});

describe('faults', () => {
  it('throttle: a ThrottlingError for the first `count` calls, then normal answers', async () => {
    const emu = await serve(
      baseWorld({
        emulator: { faults: [{ action: 'DescribeSecurityGroups', kind: 'throttle', count: 2 }] },
      }),
    );
    const { ecs } = clients(emu.url);
    for (let i = 0; i < 2; i++) {
      const err = await errorOf(ecs.describeSecurityGroups(sgs()));
      expect(err.name).toBe('ThrottlingError');
      expect(err['code']).toBe('Throttling.User');
      expect(err['statusCode']).toBe(400);
    }
    const r = await ecs.describeSecurityGroups(sgs());
    expect(r.body?.securityGroups?.securityGroup).toHaveLength(100);
    expect(emu.stats().faults).toBe(2);
  });

  it('serverError: a ServerError 503 ServiceUnavailable', async () => {
    const emu = await serve(
      baseWorld({ emulator: { faults: [{ action: 'DescribeRegions', kind: 'serverError' }] } }),
    );
    const err = await errorOf(clients(emu.url).ecs.describeRegions(regions()));
    expect(err.name).toBe('ServerError');
    expect(err['code']).toBe('ServiceUnavailable');
    expect(err['statusCode']).toBe(503);
  });

  it('timeout: the client gives up after its read timeout, and the server still closes at once', async () => {
    const emu = await startEmulator(
      parseWorld(
        baseWorld({ emulator: { faults: [{ action: 'DescribeRegions', kind: 'timeout' }] } }),
      ),
    );
    const { ecs } = clients(emu.url, { readTimeout: 500 });
    const t0 = Date.now();
    const err = await errorOf(ecs.describeRegions(regions()));
    expect(err.name).toBe('RequestTimeoutError');
    expect(Date.now() - t0).toBeLessThan(5000);
    // a second held request is still open on the server when we close it
    const pending = errorOf(
      clients(emu.url, { readTimeout: 20_000 }).ecs.describeRegions(regions()),
    );
    await new Promise((r) => setTimeout(r, 100));
    const t1 = Date.now();
    await emu.close();
    expect(Date.now() - t1).toBeLessThan(1000);
    expect((await pending).message).toBeTruthy();
  });

  it('malformedJson: a 200 whose body does not parse', async () => {
    const emu = await serve(
      baseWorld({ emulator: { faults: [{ action: 'DescribeRegions', kind: 'malformedJson' }] } }),
    );
    const err = await errorOf(clients(emu.url).ecs.describeRegions(regions()));
    expect(err.name).toBe('SyntaxError');
    const res = await fetch(`${emu.url}/`, {
      method: 'POST',
      headers: {
        'x-acs-action': 'DescribeRegions',
        'x-acs-version': '2014-05-26',
        authorization: 'ACS3-HMAC-SHA256 Credential=LTAIraw,SignedHeaders=host,Signature=00',
      },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('{"RequestId"')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('accessDenied: ClientError 403 Forbidden.RAM with an AccessDeniedDetail', async () => {
    const emu = await serve(
      baseWorld({ emulator: { faults: [{ action: 'DescribeKeyPairs', kind: 'accessDenied' }] } }),
    );
    const err = await errorOf(
      clients(emu.url).ecs.describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: R })),
    );
    expect(err.name).toBe('ClientError');
    expect(err['code']).toBe('Forbidden.RAM');
    expect(err['statusCode']).toBe(403);
    expect(err['accessDeniedDetail']).toMatchObject({
      AuthAction: 'ecs:DescribeKeyPairs',
      AuthPrincipalType: 'SubUser',
      NoPermissionType: 'ImplicitDeny',
      PolicyType: 'AccountLevelIdentityBasedPolicy',
    });
    expect(
      (err['accessDeniedDetail'] as Record<string, unknown>)['EncodedDiagnosticMessage'],
    ).toBeTypeOf('string');
  });

  it('repeatPage: the same NextToken again and again', async () => {
    const emu = await serve(
      baseWorld({
        emulator: { faults: [{ action: 'DescribeSecurityGroups', kind: 'repeatPage' }] },
      }),
    );
    const { ecs } = clients(emu.url);
    const first = await ecs.describeSecurityGroups(sgs());
    const token = first.body?.nextToken;
    expect(token).toBeTruthy();
    const ids = first.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId);
    for (let i = 0; i < 4; i++) {
      const again = await ecs.describeSecurityGroups(sgs(token));
      expect(again.body?.nextToken).toBe(token);
      expect(again.body?.securityGroups?.securityGroup?.map((g) => g.securityGroupId)).toEqual(ids);
    }
  });

  it('repeatPage on PageNumber paging: TotalCount always promises one more page', async () => {
    const emu = await serve(
      baseWorld({ emulator: { faults: [{ action: 'DescribeKeyPairs', kind: 'repeatPage' }] } }),
    );
    const { ecs } = clients(emu.url);
    for (const n of [1, 2, 3, 7]) {
      const r = await ecs.describeKeyPairs(
        new $Ecs.DescribeKeyPairsRequest({ regionId: R, pageNumber: n, pageSize: 50 }),
      );
      expect(r.body?.totalCount ?? 0).toBeGreaterThan(n * 50);
      expect(r.body?.keyPairs?.keyPair?.[0]?.keyPairName).toBe('kp-0');
    }
  });

  it('missingList: valid JSON with RequestId and the paging fields, without the list', async () => {
    const emu = await serve(
      baseWorld({
        emulator: {
          faults: [
            { action: 'DescribeSecurityGroups', kind: 'missingList' },
            { action: 'DescribeKeyPairs', kind: 'missingList', count: 1 },
          ],
        },
      }),
    );
    const { ecs } = clients(emu.url);
    const groups = await ecs.describeSecurityGroups(sgs());
    const body = groups.body?.toMap() ?? {};
    expect(Object.keys(body).sort()).toEqual(['NextToken', 'RequestId']);
    expect(body['NextToken']).toBeTruthy();
    expect(groups.body?.securityGroups).toBeUndefined();
    const pairs = await ecs.describeKeyPairs(
      new $Ecs.DescribeKeyPairsRequest({ regionId: R, pageNumber: 1, pageSize: 50 }),
    );
    expect(Object.keys(pairs.body?.toMap() ?? {}).sort()).toEqual([
      'PageNumber',
      'PageSize',
      'RequestId',
      'TotalCount',
    ]);
    expect(pairs.body?.totalCount).toBe(120);
    // `count` limits it like any fault: the next answer is whole again
    const again = await ecs.describeKeyPairs(
      new $Ecs.DescribeKeyPairsRequest({ regionId: R, pageNumber: 1, pageSize: 50 }),
    );
    expect(again.body?.keyPairs?.keyPair).toHaveLength(50);
    expect(emu.stats().faults).toBe(2);
  });

  it('connectionReset: the socket is destroyed without an answer', async () => {
    const emu = await serve(
      baseWorld({
        emulator: { faults: [{ action: 'DescribeRegions', kind: 'connectionReset', count: 1 }] },
      }),
    );
    const { ecs } = clients(emu.url);
    const err = await errorOf(ecs.describeRegions(regions()));
    expect(err['code']).toBe('ECONNRESET');
    const r = await ecs.describeRegions(regions());
    expect(r.body?.regions?.region).toHaveLength(2);
    expect(emu.stats().faults).toBe(1);
  });

  it('matches on region and params, first matching fault wins', async () => {
    const emu = await serve(
      baseWorld({
        emulator: {
          faults: [
            { action: 'DescribeSecurityGroups', region: 'ap-southeast-1', kind: 'serverError' },
            {
              action: 'DescribeSecurityGroupAttribute',
              params: { SecurityGroupId: 'sg-7' },
              kind: 'accessDenied',
            },
          ],
        },
      }),
    );
    const { ecs } = clients(emu.url);
    expect((await errorOf(ecs.describeSecurityGroups(sgs(undefined, 'ap-southeast-1')))).name).toBe(
      'ServerError',
    );
    await expect(ecs.describeSecurityGroups(sgs())).resolves.toBeTruthy();
    const attr = (id: string) =>
      ecs.describeSecurityGroupAttribute(
        new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: R, securityGroupId: id }),
      );
    expect((await errorOf(attr('sg-7')))['code']).toBe('Forbidden.RAM');
    const ok = await attr('sg-8');
    expect(ok.body?.permissions?.permission).toHaveLength(1);
  });
});

describe('QPS limits and latency', () => {
  it('3 calls at qps 2 in one second: one Throttling.User, counted in stats.throttled', async () => {
    const emu = await serve(baseWorld({ emulator: { qps: { DescribeRegions: 2 } } }));
    const { ecs } = clients(emu.url);
    const results = await Promise.allSettled([
      ecs.describeRegions(regions()),
      ecs.describeRegions(regions()),
      ecs.describeRegions(regions()),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    const reason = (rejected[0] as PromiseRejectedResult).reason as Error & { code?: string };
    expect(reason.name).toBe('ThrottlingError');
    expect(reason.code).toBe('Throttling.User');
    expect(reason.message).toContain('Request was denied due to user flow control.');
    expect(await fetchStats(emu)).toMatchObject({ throttled: 1, requests: { DescribeRegions: 3 } });
    // the next window admits calls again
    await new Promise((r) => setTimeout(r, 1100));
    await expect(ecs.describeRegions(regions())).resolves.toBeTruthy();
  });

  it('keys ECS limits by region and STS limits by action alone', async () => {
    const emu = await serve(
      baseWorld({ emulator: { qps: { DescribeSecurityGroups: 1, GetCallerIdentity: 1 } } }),
    );
    const { ecs, sts } = clients(emu.url);
    await ecs.describeSecurityGroups(sgs(undefined, R));
    await ecs.describeSecurityGroups(sgs(undefined, 'ap-southeast-1'));
    await sts.getCallerIdentity();
    const other = new Sts(config(emu.url, {}, 'ap-southeast-1'));
    const err = await errorOf(other.getCallerIdentity());
    expect(err.name).toBe('ThrottlingError');
    expect(emu.stats().throttled).toBe(1);
  });

  it('adds latencyMs to every answer', async () => {
    const emu = await serve(baseWorld({ emulator: { latencyMs: 300 } }));
    const { ecs } = clients(emu.url);
    const t0 = Date.now();
    await ecs.describeRegions(regions());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = Date.now();
    await errorOf(ecs.describeKeyPairs(new $Ecs.DescribeKeyPairsRequest({ regionId: 'nowhere' })));
    expect(Date.now() - t1).toBeGreaterThanOrEqual(290);
    // refusals too: an unknown key, a wrong signature (world.md: "added to every response")
    const keyed = await serve(
      baseWorld({
        emulator: { latencyMs: 300 },
        account: {
          accountId: '1234567890123456',
          accessKeys: [{ AccessKeyId: 'LTAIgood', AccessKeySecret: 'right-secret' }],
        },
      }),
    );
    for (const keys of [
      { accessKeyId: 'LTAIunknown', accessKeySecret: 'x' },
      { accessKeyId: 'LTAIgood', accessKeySecret: 'wrong-secret' },
    ]) {
      const t2 = Date.now();
      const err = await errorOf(new Ecs(config(keyed.url, keys)).describeRegions(regions()));
      expect(err['code']).toMatch(/InvalidAccessKeyId.NotFound|SignatureDoesNotMatch/);
      expect(Date.now() - t2).toBeGreaterThanOrEqual(290);
    }
  });
});

describe('signatures', () => {
  const keysWorld = baseWorld({
    account: {
      accountId: '1234567890123456',
      accessKeys: [
        { AccessKeyId: 'LTAIgood', AccessKeySecret: 'right-secret' },
        { AccessKeyId: 'STS.tmp', AccessKeySecret: 'sts-secret', SecurityToken: 'tok-123' },
      ],
    },
  });
  const ecsWith = (emu: RunningEmulator, keys: TestKeys) => new Ecs(config(emu.url, keys));
  // a parameter with characters the canonical query must percent-encode
  const tricky = () =>
    new $Ecs.DescribeSecurityGroupsRequest({
      regionId: R,
      securityGroupName: "web (prod)*!'~ +/:é",
    });

  it('accepts the SDK ACS3-HMAC-SHA256 and v2 HMAC-SHA1 signatures of a listed key', async () => {
    const emu = await serve(keysWorld);
    const good = { accessKeyId: 'LTAIgood', accessKeySecret: 'right-secret' };
    await expect(ecsWith(emu, good).describeRegions(regions())).resolves.toBeTruthy();
    await expect(ecsWith(emu, good).describeSecurityGroups(tricky())).resolves.toBeTruthy();
    const v2 = ecsWith(emu, { ...good, signatureAlgorithm: 'v2' });
    const r = await v2.describeSecurityGroups(sgs());
    expect(r.body?.securityGroups?.securityGroup).toHaveLength(100);
    await expect(v2.describeSecurityGroups(tricky())).resolves.toBeTruthy();
  });

  it('rejects a wrong secret with 400 SignatureDoesNotMatch (ACS3 and v2)', async () => {
    const emu = await serve(keysWorld);
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const bad = ecsWith(emu, {
        accessKeyId: 'LTAIgood',
        accessKeySecret: 'wrong-secret',
        signatureAlgorithm,
      });
      const err = await errorOf(bad.describeRegions(regions()));
      expect(err.name).toBe('ClientError');
      expect(err['code']).toBe('SignatureDoesNotMatch');
      expect(err['statusCode']).toBe(400);
      expect(JSON.stringify(err['data'])).not.toContain('right-secret');
    }
  });

  it('rejects an unknown AccessKey id with 404 InvalidAccessKeyId.NotFound', async () => {
    const emu = await serve(keysWorld);
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const err = await errorOf(
        ecsWith(emu, {
          accessKeyId: 'LTAIother',
          accessKeySecret: 'x',
          signatureAlgorithm,
        }).describeRegions(regions()),
      );
      expect(err['code']).toBe('InvalidAccessKeyId.NotFound');
      expect(err['statusCode']).toBe(404);
    }
  });

  it('requires the SecurityToken of an STS key', async () => {
    const emu = await serve(keysWorld);
    const sts = { accessKeyId: 'STS.tmp', accessKeySecret: 'sts-secret' };
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      await expect(
        ecsWith(emu, { ...sts, securityToken: 'tok-123', signatureAlgorithm }).describeRegions(
          regions(),
        ),
      ).resolves.toBeTruthy();
      const err = await errorOf(
        ecsWith(emu, { ...sts, securityToken: 'tok-999', signatureAlgorithm }).describeRegions(
          regions(),
        ),
      );
      expect(err['code']).toBe('InvalidSecurityToken.Mismatch');
      expect(err['statusCode']).toBe(400);
    }
    const none = await errorOf(ecsWith(emu, sts).describeRegions(regions()));
    expect(none['code']).toBe('InvalidSecurityToken.Mismatch');
  });

  it('accepts any non-empty key when the world lists none', async () => {
    const emu = await serve(baseWorld());
    await expect(
      ecsWith(emu, { accessKeyId: 'whatever', accessKeySecret: 'anything' }).describeRegions(
        regions(),
      ),
    ).resolves.toBeTruthy();
  });
});

describe('world files', () => {
  it('loadWorld names the bad path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'emu-world-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'version: 1\naccount: { accountId: "1" }\necs:\n  cn-hangzhou:\n    SecurityGroups:\n      - { SecurityGroupName: web }\n',
    );
    const err = await errorOf(loadWorld(file));
    expect(err).toBeInstanceOf(WorldError);
    expect(err.message).toContain(`${file}: ecs.cn-hangzhou.SecurityGroups[0].SecurityGroupId:`);
  });
});
