import { testRule } from '../../src/testing/rule-tester.js';
import { type InstanceInput, instance } from '../../test/helpers/network.js';
import rule from './instance-password-login.js';

const one = (over: Partial<InstanceInput>) => ({ ecs: { instances: [instance('i-1', over)] } });

testRule(rule, {
  valid: [
    { name: 'Linux with a key pair', inventory: one({ osType: 'linux', keyPairName: 'ops-key' }) },
    {
      name: 'Windows without a key pair',
      inventory: one({ osType: 'windows', keyPairName: null }),
    },
    { name: 'OS type unknown', inventory: one({ keyPairName: null }) },
  ],
  invalid: [
    {
      name: 'Linux without a key pair',
      inventory: one({ osType: 'linux', keyPairName: null, name: 'db-1' }),
      findings: [
        {
          id: 'i-1',
          type: 'instance',
          region: 'cn-hangzhou',
          message:
            /^Linux instance i-1 \(db-1\) has no SSH key pair bound, so password login is not disabled by one\.$/,
          evidence: { osType: 'linux', keyPairName: null },
        },
      ],
    },
    {
      name: 'Linux (upper case) with an empty key pair name',
      inventory: one({ osType: 'Linux', keyPairName: '  ' }),
      findings: [{ id: 'i-1' }],
    },
  ],
});
