import { testRule } from '../../src/testing/rule-tester.js';
import { ACCOUNT, apiCall, events, signin } from '../../test/helpers/trail.js';
import rule from './actiontrail-root-access-key-used.js';

const KEY = 'LTAI4RootKeyAbcd1234';

testRule(rule, {
  valid: [
    { name: 'no events', inventory: events([]) },
    {
      name: 'a root AccessKey call whose time cannot be read: it may lie in the window',
      inventory: events([apiCall('k1', KEY, { eventTime: 'not a time' })]),
      notEvaluated: [ACCOUNT],
    },
    {
      name: 'a root API call from the console (TMP. key)',
      inventory: events([apiCall('k1', 'TMP.3Ker6WKYHexxxxxxpRuQaM')]),
    },
    {
      name: 'a root API call with an STS token',
      inventory: events([apiCall('k1', 'STS.NUgYrLnoC37mZZCNnAbez2EPs')]),
    },
    {
      name: 'a root console operation without a key',
      inventory: events([apiCall('k1', undefined)]),
    },
    {
      name: 'a root ConsoleOperation event with a key',
      inventory: events([apiCall('k1', KEY, { eventType: 'ConsoleOperation' })]),
    },
    {
      name: 'a RAM user with a permanent key',
      inventory: events([
        apiCall('k1', 'LTAI5tAliceKey0001', {
          userIdentity: { type: 'ram-user', userName: 'alice', accessKeyId: 'LTAI5tAliceKey0001' },
        }),
      ]),
    },
    {
      name: 'a root call with a permanent key before the window',
      inventory: events([apiCall('k1', KEY, { eventTime: '2026-06-01T00:00:00Z' })]),
    },
    { name: 'a root sign-in', inventory: events([signin('s1')]) },
  ],
  invalid: [
    {
      name: 'a root API call with a permanent key',
      inventory: events([apiCall('k1', KEY)]),
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          region: null,
          message:
            /\(\*\*\*\*1234\) made 1 API call .*DescribeInstances at 2026-10-31T00:00:00Z from 198\.51\.100\.23/,
          evidence: {
            calls: 1,
            failedCalls: 0,
            accessKeys: [{ accessKeyIdMasked: '****1234', calls: 1, sourceIps: ['198.51.100.23'] }],
            events: [
              {
                eventName: 'DescribeInstances',
                accessKeyIdMasked: '****1234',
                userAgent: 'AlibabaCloud (linux; x64) Python/3.11',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'two keys, a failed call, the same event from two regions once',
      inventory: events([
        apiCall('k1', KEY, { eventTime: '2026-10-01T00:00:00Z', seenInRegions: ['cn-hangzhou'] }),
        apiCall('k1', KEY, { eventTime: '2026-10-01T00:00:00Z', seenInRegions: ['cn-shanghai'] }),
        apiCall('k2', KEY, { eventTime: '2026-10-02T00:00:00Z', errorCode: 'InvalidParameter' }),
        apiCall('k3', 'LTAI4OtherRootKeyWXYZ', { eventTime: '2026-10-03T00:00:00Z' }),
        apiCall('c1', 'TMP.console'),
      ]),
      findings: [
        {
          id: ACCOUNT,
          evidence: {
            calls: 3,
            failedCalls: 1,
            accessKeys: [
              { accessKeyIdMasked: '****WXYZ', calls: 1 },
              {
                accessKeyIdMasked: '****1234',
                calls: 2,
                failedCalls: 1,
                firstSeen: '2026-10-01T00:00:00Z',
                lastSeen: '2026-10-02T00:00:00Z',
              },
            ],
            events: [
              { eventId: 'k3' },
              { eventId: 'k2', errorCode: 'InvalidParameter' },
              { eventId: 'k1', seenInRegions: ['cn-hangzhou', 'cn-shanghai'] },
            ],
          },
        },
      ],
    },
    {
      name: 'the scan itself ran with the root key',
      inventory: {
        ...events([apiCall('k1', KEY)]),
        account: {
          id: ACCOUNT,
          caller: { identityType: 'Account', accountId: ACCOUNT, arn: `acs:ram::${ACCOUNT}:root` },
          callerAccessKeyIdMasked: '****1234',
        },
      },
      findings: [
        {
          id: ACCOUNT,
          evidence: { accessKeys: [{ accessKeyIdMasked: '****1234', usedByThisScan: true }] },
        },
      ],
    },
  ],
});
