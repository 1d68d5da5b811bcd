import { testRule } from '../../src/testing/rule-tester.js';
import rule from './disk-no-auto-snapshot-policy.js';

const disk = (id: string, fields: Record<string, unknown>, instanceId: string | null = 'i-1') => ({
  id,
  region: 'cn-hangzhou',
  instanceId,
  type: 'system',
  category: 'cloud_essd',
  encrypted: true,
  ...fields,
});

testRule(rule, {
  valid: [
    {
      name: 'a disk in use with a policy',
      inventory: {
        ecs: {
          disks: [
            disk('d-1', {
              status: 'In_use',
              autoSnapshotPolicyId: 'sp-1',
              enableAutoSnapshot: true,
            }),
          ],
        },
      },
    },
    {
      name: 'policy field absent: not evaluated',
      inventory: { ecs: { disks: [disk('d-1', { status: 'In_use' })] } },
    },
    {
      name: 'an unattached disk (Available) without a policy',
      inventory: {
        ecs: { disks: [disk('d-1', { status: 'Available', autoSnapshotPolicyId: '' }, null)] },
      },
    },
    {
      name: 'status unknown and not attached',
      inventory: { ecs: { disks: [disk('d-1', { autoSnapshotPolicyId: '' }, null)] } },
    },
  ],
  invalid: [
    {
      name: '"" on a disk in use',
      inventory: {
        ecs: {
          disks: [
            disk('d-1', { status: 'In_use', autoSnapshotPolicyId: '', enableAutoSnapshot: false }),
            disk('d-2', { status: 'In_use', autoSnapshotPolicyId: 'sp-1' }),
          ],
        },
      },
      findings: [
        {
          id: 'd-1',
          type: 'disk',
          region: 'cn-hangzhou',
          message: 'the system disk of instance i-1, has no automatic snapshot policy',
          evidence: { autoSnapshotPolicyId: '', enableAutoSnapshot: false, status: 'In_use' },
        },
      ],
    },
    {
      name: 'status compared case-insensitively',
      inventory: { ecs: { disks: [disk('d-3', { status: 'in_use', autoSnapshotPolicyId: '' })] } },
      findings: [{ id: 'd-3' }],
    },
    {
      name: 'status unknown but attached to an instance',
      inventory: { ecs: { disks: [disk('d-4', { autoSnapshotPolicyId: '' })] } },
      findings: [{ id: 'd-4', evidence: { status: null, instanceId: 'i-1' } }],
    },
  ],
});
