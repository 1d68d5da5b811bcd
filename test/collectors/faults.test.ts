/**
 * Failure handling against the emulator's injected faults, through the real
 * SDK clients: retries close transient gaps, everything else becomes a
 * coverage entry with the facts left absent, and the gate never lets a write out.
 */
import { createServer } from 'node:http';
import * as $Ecs from '@alicloud/ecs20140526';
import { describe, expect, it } from 'vitest';
import { createClients } from '../../src/collectors/clients.js';
import { Gate, READ_ACTIONS } from '../../src/collectors/gate.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import type { WorldInput } from '../../src/emulator/world.js';
import type { CoverageEntry } from '../../src/inventory/schema.js';
import { TEST_SECRET } from './env.js';
import { baseWorld, isolateCollectorRuns, runCollect, serve } from './harness.js';

isolateCollectorRuns();

type Fault = NonNullable<NonNullable<WorldInput['emulator']>['faults']>[number];

function world(faults: Fault[], extra: Partial<WorldInput> = {}): WorldInput {
  return baseWorld({
    ecs: {
      'cn-hangzhou': {
        SecurityGroups: [
          {
            SecurityGroupId: 'sg-1',
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
            SecurityGroupId: 'sg-2',
            VpcId: 'vpc-1',
            Permissions: [
              {
                IpProtocol: 'TCP',
                PortRange: '80/80',
                SourceCidrIp: '0.0.0.0/0',
                Direction: 'ingress',
                Policy: 'Accept',
                Priority: 1,
                NicType: 'intranet',
              },
            ],
          },
        ],
        Instances: Array.from({ length: 15 }, (_, i) => ({
          InstanceId: `i-${i}`,
          Status: 'Running',
          OSType: 'linux',
          SecurityGroupIds: ['sg-1'],
          MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required' },
        })),
        KeyPairs: Array.from({ length: 60 }, (_, i) => ({ KeyPairName: `kp-${i}` })),
        Disks: [{ DiskId: 'd-1', Encrypted: true, AutoSnapshotPolicyId: 'sp-1' }],
      },
    },
    emulator: { faults },
    ...extra,
  });
}

const ecsGaps = (c: CoverageEntry[]) => c.filter((e) => e.service === 'ecs');

describe('faults', () => {
  it('AccessDenied on one API: one coverage entry naming service, region, operation and code; the facts stay absent', async () => {
    const { inventory } = await runCollect(
      world([
        {
          action: 'DescribeSecurityGroupAttribute',
          kind: 'accessDenied',
          params: { SecurityGroupId: 'sg-2' },
        },
      ]),
    );
    expect(ecsGaps(inventory.coverage)).toEqual([
      {
        service: 'ecs',
        region: 'cn-hangzhou',
        operation: 'DescribeSecurityGroupAttribute',
        resource: 'sg-2',
        error: { code: 'Forbidden.RAM', message: expect.any(String) },
      },
    ]);
    const sg1 = inventory.ecs.securityGroups.find((g) => g.id === 'sg-1');
    const sg2 = inventory.ecs.securityGroups.find((g) => g.id === 'sg-2');
    expect(sg1?.rules).toHaveLength(1);
    expect(sg2).toBeDefined();
    expect(sg2?.rules).toBeUndefined();
    expect(sg2?.innerAccessPolicy).toBeUndefined();
    expect(JSON.stringify(inventory)).not.toContain(TEST_SECRET);
  });

  it('AccessDenied on DescribeNetworkInterfaces leaves networkInterfaces absent, not empty', async () => {
    const { inventory } = await runCollect(
      world([{ action: 'DescribeNetworkInterfaces', kind: 'accessDenied' }]),
    );
    expect(ecsGaps(inventory.coverage).map((c) => c.operation)).toEqual([
      'DescribeNetworkInterfaces',
    ]);
    expect(inventory.ecs.instances).toHaveLength(15);
    expect(inventory.ecs.instances.every((i) => i.networkInterfaces === undefined)).toBe(true);
  });

  it('throttle ×2 and serverError ×2 are retried to a complete inventory', async () => {
    const { inventory, gate, emulator } = await runCollect(
      world([
        { action: 'DescribeSecurityGroupAttribute', kind: 'throttle', count: 2 },
        { action: 'DescribeInstances', kind: 'serverError', count: 2 },
      ]),
    );
    expect(ecsGaps(inventory.coverage)).toEqual([]);
    expect(inventory.ecs.securityGroups.every((g) => g.rules?.length === 1)).toBe(true);
    expect(inventory.ecs.instances).toHaveLength(15);
    expect(gate.retries).toBe(4);
    expect(gate.throttled).toBe(2);
    expect(emulator.stats().faults).toBe(4);
  });

  it('throttled past the retries becomes a coverage entry', async () => {
    const { inventory, gate } = await runCollect(
      world([{ action: 'DescribeDisks', kind: 'throttle' }]),
      {
        retry: { maxAttempts: 3, maxThrottleRetries: 2, baseDelayMs: 1, maxDelayMs: 2 },
      },
    );
    expect(ecsGaps(inventory.coverage)).toEqual([
      expect.objectContaining({
        operation: 'DescribeDisks',
        error: expect.objectContaining({ code: 'Throttling.User' }),
      }),
    ]);
    expect(gate.calls['DescribeDisks']).toBe(3);
  });

  it('repeatPage ends quickly with a PagingLoop entry and keeps the items read', async () => {
    const t0 = Date.now();
    const { inventory } = await runCollect(
      world([
        { action: 'DescribeInstances', kind: 'repeatPage' },
        { action: 'DescribeKeyPairs', kind: 'repeatPage' },
      ]),
    );
    expect(Date.now() - t0).toBeLessThan(10_000);
    const loops = ecsGaps(inventory.coverage);
    expect(loops.map((c) => [c.operation, c.error.code]).sort()).toEqual([
      ['DescribeInstances', 'PagingLoop'],
      ['DescribeKeyPairs', 'PagingLoop'],
    ]);
    expect(inventory.ecs.instances.length).toBeGreaterThan(0);
    expect(inventory.ecs.keyPairs).toHaveLength(50); // the first page, kept
  });

  it('a timeout with a short read timeout becomes a coverage entry in bounded time', async () => {
    const t0 = Date.now();
    const { inventory, gate } = await runCollect(
      world([{ action: 'DescribeDisks', kind: 'timeout' }], {
        emulator: { faults: [{ action: 'DescribeDisks', kind: 'timeout' }], timeoutHoldMs: 1_500 },
      }),
      { readTimeoutMs: 300, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(ecsGaps(inventory.coverage)).toEqual([
      expect.objectContaining({
        operation: 'DescribeDisks',
        error: expect.objectContaining({ code: 'RequestTimeout' }),
      }),
    ]);
    expect(gate.calls['DescribeDisks']).toBe(2);
    expect(inventory.ecs.disks).toEqual([]);
  });

  it('malformed JSON is retried, then a coverage entry', async () => {
    const { inventory, gate } = await runCollect(
      world([{ action: 'DescribeKeyPairs', kind: 'malformedJson' }]),
      {
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      },
    );
    expect(gate.calls['DescribeKeyPairs']).toBe(3);
    const gap = ecsGaps(inventory.coverage);
    expect(gap).toEqual([
      expect.objectContaining({
        operation: 'DescribeKeyPairs',
        error: expect.objectContaining({ code: 'MalformedResponse' }),
      }),
    ]);
    expect(gap[0]?.error.message).not.toContain('\n');
  });

  it('a reset connection is retried', async () => {
    const { inventory, gate } = await runCollect(
      world([{ action: 'DescribeDisks', kind: 'connectionReset', count: 2 }]),
    );
    expect(ecsGaps(inventory.coverage)).toEqual([]);
    expect(inventory.ecs.disks).toHaveLength(1);
    expect(gate.calls['DescribeDisks']).toBe(3);
  });

  it('GetCallerIdentity comes first; its failure is a CallerIdentityError and nothing else is called', async () => {
    const w = world([{ action: 'GetCallerIdentity', kind: 'accessDenied' }]);
    const emu = await serve(w);
    const err = await runCollect(w, {}, emu).catch((e: unknown) => e);
    expect((err as Error).name).toBe('CallerIdentityError');
    expect((err as Error).message).not.toContain('\n');
    expect(Object.keys(emu.stats().requests)).toEqual(['GetCallerIdentity']);
  });

  it('the gate refuses a write action before the network', async () => {
    const emu = await serve(world([]));
    const credentials = await resolveCredentials();
    const clients = createClients({
      credential: credentials.credential,
      endpoint: emu.url,
      readTimeoutMs: 2_000,
    });
    const gate = new Gate();
    let reached = false;
    const refused = await gate
      .call('ecs', 'RunCommand', 'cn-hangzhou', async () => {
        reached = true;
        return clients.ecs('cn-hangzhou').describeRegions({} as never);
      })
      .catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('ActionNotAllowed');
    expect(reached).toBe(false);
    expect(gate.stats().refused).toBe(1);
    expect(emu.stats().requests['RunCommand']).toBeUndefined();
    expect(Object.keys(emu.stats().requests)).toEqual([]);
    const allowed = Object.values(READ_ACTIONS).flat() as string[];
    expect(
      // AssumeRole (organization scans) only hands out a member role's temporary credentials
      allowed.every((a) =>
        /^(Describe|List|Get|LookupEvents$|GenerateCredentialReport$|AssumeRole$)/.test(a),
      ),
    ).toBe(true);
  });
});

describe('retry-after', () => {
  it("the service's x-acs-retry-after (ms) sets the backoff, through the real SDK error", async () => {
    // a loopback stand-in for a throttling endpoint: the emulator sends no retry-after
    let calls = 0;
    const server = createServer((_req, res) => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(400, { 'content-type': 'application/json', 'x-acs-retry-after': '1234' });
        res.end(JSON.stringify({ RequestId: 'r1', Code: 'Throttling.User', Message: 'slow down' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ RequestId: 'r2', Regions: { Region: [{ RegionId: 'cn-hangzhou' }] } }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const credentials = await resolveCredentials();
      const clients = createClients({
        credential: credentials.credential,
        endpoint: `http://127.0.0.1:${port}`,
        readTimeoutMs: 2_000,
      });
      const sleeps: number[] = [];
      const gate = new Gate({
        retry: {
          sleep: async (ms) => {
            sleeps.push(ms);
          },
          random: () => 0.5,
        },
      });
      const res = await gate.call('ecs', 'DescribeRegions', 'cn-hangzhou', () =>
        clients.ecs('cn-hangzhou').describeRegions(new $Ecs.DescribeRegionsRequest({})),
      );
      expect(res.body?.regions?.region?.[0]?.regionId).toBe('cn-hangzhou');
      expect(calls).toBe(2);
      expect(sleeps).toEqual([1234]);
      expect(gate.stats()).toMatchObject({ retries: 1, throttled: 1 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
