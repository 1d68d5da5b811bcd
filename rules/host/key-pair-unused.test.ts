import { testRule } from '../../src/testing/rule-tester.js';
import { instance } from '../../test/helpers/network.js';
import rule from './key-pair-unused.js';

const kp = (name: string, region = 'cn-hangzhou') => ({ name, region, fingerprint: 'ab:cd' });
const denied = {
  service: 'ecs' as const,
  region: 'cn-hangzhou',
  operation: 'DescribeInstances',
  error: { code: 'Forbidden.RAM', message: 'denied' },
};

testRule(rule, {
  valid: [
    {
      name: 'a key pair bound to an instance',
      inventory: {
        ecs: {
          keyPairs: [kp('ops-key')],
          instances: [instance('i-1', { keyPairName: 'ops-key' })],
        },
      },
    },
    {
      name: 'instances of the region unknown',
      inventory: { ecs: { keyPairs: [kp('ops-key')], instances: [] }, coverage: [denied] },
    },
  ],
  invalid: [
    {
      name: 'a key pair bound to no instance',
      inventory: {
        ecs: {
          keyPairs: [kp('old-laptop'), kp('ops-key')],
          instances: [instance('i-1', { keyPairName: 'ops-key' })],
        },
      },
      findings: [
        {
          id: 'old-laptop',
          type: 'key-pair',
          region: 'cn-hangzhou',
          message: 'Key pair old-laptop in cn-hangzhou is bound to no instance',
          evidence: { fingerprint: 'ab:cd', instancesInRegion: 1 },
        },
      ],
    },
    {
      name: 'a binding in another region does not count (key pairs are regional)',
      inventory: {
        ecs: {
          keyPairs: [kp('ops-key', 'ap-southeast-1')],
          instances: [instance('i-1', { keyPairName: 'ops-key' })],
        },
      },
      findings: [{ id: 'ops-key', region: 'ap-southeast-1' }],
    },
    {
      name: 'a failure in another region does not hide this one',
      inventory: {
        ecs: { keyPairs: [kp('spare', 'ap-southeast-1')], instances: [] },
        coverage: [denied],
      },
      findings: [{ id: 'spare', region: 'ap-southeast-1', evidence: { instancesInRegion: 0 } }],
    },
  ],
});
