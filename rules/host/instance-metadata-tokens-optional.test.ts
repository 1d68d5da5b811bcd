import { testRule } from '../../src/testing/rule-tester.js';
import { type InstanceInput, instance } from '../../test/helpers/network.js';
import rule from './instance-metadata-tokens-optional.js';

const one = (over: Partial<InstanceInput>) => ({ ecs: { instances: [instance('i-1', over)] } });

testRule(rule, {
  valid: [
    {
      name: 'tokens required',
      inventory: one({ metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required' } }),
    },
    {
      name: 'tokens Required (case)',
      inventory: one({ metadataOptions: { httpEndpoint: 'Enabled', httpTokens: 'Required' } }),
    },
    {
      name: 'endpoint disabled',
      inventory: one({ metadataOptions: { httpEndpoint: 'disabled', httpTokens: 'optional' } }),
    },
    { name: 'metadata options unknown', inventory: one({}) },
    { name: 'metadata options null', inventory: one({ metadataOptions: null }) },
    {
      name: 'tokens not reported',
      inventory: one({ metadataOptions: { httpEndpoint: 'enabled' } }),
    },
    {
      name: 'endpoint not reported',
      inventory: one({ metadataOptions: { httpTokens: 'optional' } }),
    },
    // decisions on edge cases: a field the rule needs absent or empty → no finding; the engine lists the pair
    {
      name: 'edge: HttpTokens empty ("") is not "optional": not evaluated',
      inventory: one({ metadataOptions: { httpEndpoint: 'enabled', httpTokens: '' } }),
    },
    {
      name: 'edge: HttpTokens blank ("  "): not evaluated',
      inventory: one({ metadataOptions: { httpEndpoint: 'enabled', httpTokens: '  ' } }),
    },
    {
      name: 'edge: HttpTokens absent with its MissingField coverage entry',
      inventory: {
        ...one({ metadataOptions: { httpEndpoint: 'enabled' } }),
        coverage: [
          {
            service: 'ecs',
            region: 'cn-hangzhou',
            operation: 'DescribeInstances',
            resource: 'i-1',
            error: { code: 'MissingField', message: 'MetadataOptions.HttpTokens absent' },
          },
        ],
      },
    },
  ],
  invalid: [
    {
      name: 'tokens optional, endpoint enabled',
      inventory: one({
        name: 'web-1',
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional' },
        ramRoleName: 'web-role',
      }),
      findings: [
        {
          id: 'i-1',
          type: 'instance',
          region: 'cn-hangzhou',
          message:
            'Instance i-1 (web-1) serves its metadata, including the temporary credentials of its RAM role web-role, without a token',
          evidence: { httpTokens: 'optional', httpEndpoint: 'enabled', ramRoleName: 'web-role' },
        },
      ],
    },
    {
      // no role attached: the message must not claim that role credentials are exposed
      name: 'tokens optional, no RAM role: no credentials claimed',
      inventory: one({
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional' },
        ramRoleName: null,
      }),
      findings: [
        {
          id: 'i-1',
          message:
            /^(?!.*credentials)Instance i-1 serves its metadata \(instance identity, user data, network details\) without a token/,
          evidence: { ramRoleName: null },
        },
      ],
    },
    {
      name: 'tokens optional, RAM role unknown: credentials only if a role is attached',
      inventory: one({ metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'optional' } }),
      findings: [{ id: 'i-1', message: 'and the credentials of its RAM role if it has one)' }],
    },
    {
      name: 'a stopped instance is reported too',
      inventory: one({
        status: 'Stopped',
        metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'OPTIONAL' },
      }),
      findings: [{ id: 'i-1', evidence: { status: 'Stopped' } }],
    },
  ],
});
