/**
 * Security Center's asset list (DescribeCloudCenterInstances) and the disk
 * snapshot fields, through the real generic client against the emulator: both
 * endpoints, paging, every answer validated, and a list that could not be read
 * left absent (never "no agent anywhere").
 */
import { describe, expect, it } from 'vitest';
import { sasSiteOf, sasSitesFor } from '../../src/collectors/sas.js';
import type { WorldInput } from '../../src/emulator/world.js';
import { baseWorld, isolateCollectorRuns, runCollect } from './harness.js';

type Fault = NonNullable<NonNullable<WorldInput['emulator']>['faults']>[number];

const REGIONS = [
  { RegionId: 'cn-hangzhou' },
  { RegionId: 'cn-hongkong' },
  { RegionId: 'ap-southeast-1' },
];

function world(faults: Fault[] = []): WorldInput {
  return baseWorld({
    regions: REGIONS,
    ecs: {
      'cn-hangzhou': {
        Disks: [
          {
            DiskId: 'd-policy',
            InstanceId: 'i-1',
            Status: 'In_use',
            AutoSnapshotPolicyId: 'sp-1',
            EnableAutoSnapshot: true,
            Encrypted: true,
          },
          {
            DiskId: 'd-none',
            InstanceId: 'i-1',
            Status: 'In_use',
            AutoSnapshotPolicyId: '',
            EnableAutoSnapshot: false,
            Encrypted: true,
          },
          { DiskId: 'd-unknown', Status: 'Available', Encrypted: true },
        ],
      },
    },
    sas: {
      Instances: [
        {
          InstanceId: 'i-1',
          RegionId: 'cn-hangzhou',
          ClientStatus: 'online',
          ClientSubStatus: 'online',
        },
        {
          InstanceId: 'i-2',
          RegionId: 'cn-hangzhou',
          ClientStatus: 'offline',
          ClientSubStatus: '',
        },
        { InstanceId: 'i-3', RegionId: 'cn-hongkong', ClientStatus: 'online' },
        {
          InstanceId: 'i-4',
          RegionId: 'ap-southeast-1',
          ClientStatus: 'offline',
          ClientSubStatus: 'uninstalled',
        },
        { InstanceId: 'i-5', RegionId: 'ap-southeast-1' },
        {
          InstanceId: 'i-6',
          RegionId: 'eu-central-1',
          ClientStatus: 'pause',
          ClientSubStatus: 'stopped',
        },
      ],
    },
    emulator: { faults },
  });
}

isolateCollectorRuns('file');

describe('Security Center endpoints', () => {
  it('mainland China and Hong Kong go to cn-shanghai, the rest to ap-southeast-1', () => {
    expect(sasSiteOf('cn-hangzhou')).toBe('cn-shanghai');
    expect(sasSiteOf('cn-hongkong')).toBe('cn-shanghai');
    expect(sasSiteOf('ap-southeast-1')).toBe('ap-southeast-1');
    expect(sasSiteOf('eu-central-1')).toBe('ap-southeast-1');
    expect(sasSitesFor(['us-east-1', 'cn-beijing'])).toEqual(['cn-shanghai', 'ap-southeast-1']);
    expect(sasSitesFor(['cn-beijing'])).toEqual(['cn-shanghai']);
  });
});

describe('DescribeCloudCenterInstances', () => {
  it('reads both endpoints page by page; "" sub-status is absent; a missing ClientStatus is a MissingField gap', async () => {
    const { inventory, emulator } = await runCollect(world(), { maxPageSize: 2 });
    expect(inventory.sas.instances).toEqual([
      {
        instanceId: 'i-1',
        regionId: 'cn-hangzhou',
        clientStatus: 'online',
        clientSubStatus: 'online',
      },
      { instanceId: 'i-2', regionId: 'cn-hangzhou', clientStatus: 'offline' },
      { instanceId: 'i-3', regionId: 'cn-hongkong', clientStatus: 'online' },
      {
        instanceId: 'i-4',
        regionId: 'ap-southeast-1',
        clientStatus: 'offline',
        clientSubStatus: 'uninstalled',
      },
      { instanceId: 'i-5', regionId: 'ap-southeast-1' },
      {
        instanceId: 'i-6',
        regionId: 'eu-central-1',
        clientStatus: 'pause',
        clientSubStatus: 'stopped',
      },
    ]);
    // cn-shanghai: 3 assets in pages of 2 → 2 calls; ap-southeast-1: 3 → 2 calls
    expect(emulator.stats().requests['DescribeCloudCenterInstances']).toBe(4);
    // (d-unknown's DescribeDisks gap: the test at the end of this file)
    expect(inventory.coverage.filter((c) => c.service === 'sas')).toEqual([
      {
        service: 'sas',
        region: null,
        operation: 'DescribeCloudCenterInstances',
        resource: 'i-5',
        error: {
          code: 'MissingField',
          message: expect.stringMatching(/without ClientStatus for i-5/),
        },
      },
    ]);
  });

  it('asks only the endpoints the scanned regions need', async () => {
    const { inventory, emulator } = await runCollect(world(), { regions: ['ap-southeast-1'] });
    expect(inventory.sas.instances?.map((i) => i.instanceId)).toEqual(['i-4', 'i-5', 'i-6']);
    expect(emulator.stats().requests['DescribeCloudCenterInstances']).toBe(1);
  });

  it('AccessDenied (or Security Center not activated): one coverage entry, the list absent, the other endpoint not asked', async () => {
    const { inventory, emulator } = await runCollect(
      world([{ action: 'DescribeCloudCenterInstances', kind: 'accessDenied' }]),
    );
    expect(inventory.sas.instances).toBeUndefined();
    const gaps = inventory.coverage.filter((c) => c.service === 'sas');
    expect(gaps).toEqual([
      {
        service: 'sas',
        region: null,
        operation: 'DescribeCloudCenterInstances',
        error: { code: 'Forbidden.RAM', message: expect.stringMatching(/^cn-shanghai endpoint: /) },
      },
    ]);
    expect(emulator.stats().requests['DescribeCloudCenterInstances']).toBe(1);
  });

  it('one endpoint failing makes the whole list unknown', async () => {
    const { inventory } = await runCollect(
      world([
        { action: 'DescribeCloudCenterInstances', kind: 'accessDenied', region: 'ap-southeast-1' },
      ]),
    );
    expect(inventory.sas.instances).toBeUndefined();
    expect(inventory.coverage.filter((c) => c.service === 'sas')).toMatchObject([
      {
        error: {
          code: 'Forbidden.RAM',
          message: expect.stringMatching(/^ap-southeast-1 endpoint: /),
        },
      },
    ]);
  });

  it('a paging token that never ends: PagingLoop, the truncated list dropped', async () => {
    const { inventory } = await runCollect(
      world([{ action: 'DescribeCloudCenterInstances', kind: 'repeatPage' }]),
      { maxPageSize: 2, regions: ['cn-hangzhou'] },
    );
    expect(inventory.sas.instances).toBeUndefined();
    expect(inventory.coverage.filter((c) => c.service === 'sas')).toMatchObject([
      { operation: 'DescribeCloudCenterInstances', error: { code: 'PagingLoop' } },
    ]);
  });

  it('an answer that is not the list: MalformedResponse, the list absent', async () => {
    const { inventory } = await runCollect(
      world([{ action: 'DescribeCloudCenterInstances', kind: 'malformedJson' }]),
      { regions: ['cn-hangzhou'], retry: { maxAttempts: 1 } },
    );
    expect(inventory.sas.instances).toBeUndefined();
    expect(inventory.coverage.filter((c) => c.service === 'sas')).toMatchObject([
      { error: { code: 'MalformedResponse' } },
    ]);
  });
});

describe('DescribeDisks snapshot fields', () => {
  // the rules' verdicts on a disk without AutoSnapshotPolicyId: test/collectors/missing-data-ecs.test.ts
  it('maps AutoSnapshotPolicyId ("" kept), EnableAutoSnapshot and Status; a world without the policy field is served without it: a MissingField gap', async () => {
    const { inventory } = await runCollect(world(), { regions: ['cn-hangzhou'] });
    const byId = new Map(inventory.ecs.disks.map((d) => [d.id, d]));
    expect(byId.get('d-policy')).toMatchObject({
      autoSnapshotPolicyId: 'sp-1',
      enableAutoSnapshot: true,
      status: 'In_use',
    });
    expect(byId.get('d-none')).toMatchObject({
      autoSnapshotPolicyId: '',
      enableAutoSnapshot: false,
      status: 'In_use',
    });
    // world.md: an absent field is absent in the answer; never read as "" (no policy)
    expect(byId.get('d-unknown')).toBeDefined();
    expect(byId.get('d-unknown')?.autoSnapshotPolicyId).toBeUndefined();
    expect(byId.get('d-unknown')?.status).toBe('Available');
    expect(inventory.coverage.filter((c) => c.operation === 'DescribeDisks')).toEqual([
      {
        service: 'ecs',
        region: 'cn-hangzhou',
        operation: 'DescribeDisks',
        resource: 'd-unknown',
        error: {
          code: 'MissingField',
          message: 'DescribeDisks answered d-unknown without AutoSnapshotPolicyId',
        },
      },
    ]);
  });
});
