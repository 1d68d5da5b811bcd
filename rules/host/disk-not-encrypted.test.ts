import { testRule } from '../../src/testing/rule-tester.js';
import rule from './disk-not-encrypted.js';

const disk = (id: string, encrypted: boolean | undefined, instanceId: string | null = 'i-1') => ({
  id,
  region: 'cn-hangzhou',
  instanceId,
  type: 'data',
  category: 'cloud_essd',
  ...(encrypted === undefined ? {} : { encrypted }),
});

testRule(rule, {
  valid: [
    { name: 'an encrypted disk', inventory: { ecs: { disks: [disk('d-1', true)] } } },
    // decisions on edge cases: `Encrypted` absent or empty in the answer → no finding; the engine lists the pair
    {
      name: 'edge: Encrypted absent (unknown) is not "false": not evaluated',
      inventory: { ecs: { disks: [disk('d-1', undefined)] } },
    },
    {
      name: 'edge: Encrypted absent with its MissingField coverage entry',
      inventory: {
        ecs: { disks: [disk('d-1', undefined)] },
        coverage: [
          {
            service: 'ecs',
            region: 'cn-hangzhou',
            operation: 'DescribeDisks',
            resource: 'd-1',
            error: { code: 'MissingField', message: 'Encrypted absent' },
          },
        ],
      },
    },
  ],
  invalid: [
    {
      name: 'an unencrypted attached disk',
      inventory: { ecs: { disks: [disk('d-1', false), disk('d-2', true)] } },
      findings: [
        {
          id: 'd-1',
          type: 'disk',
          region: 'cn-hangzhou',
          message: 'the data disk of instance i-1',
          evidence: { encrypted: false, instanceId: 'i-1', category: 'cloud_essd' },
        },
      ],
    },
    {
      name: 'an unencrypted unattached disk',
      inventory: { ecs: { disks: [disk('d-3', false, null)] } },
      findings: [
        { id: 'd-3', message: 'not attached to any instance', evidence: { instanceId: null } },
      ],
    },
  ],
});
