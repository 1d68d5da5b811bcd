import { testRule } from '../../src/testing/rule-tester.js';
import { ACCOUNT, apiCall, events, ROOT, signin } from '../../test/helpers/trail.js';
import rule from './actiontrail-root-console-login.js';

testRule(rule, {
  valid: [
    { name: 'no events', inventory: events([]) },
    {
      name: 'a RAM-user sign-in (even one named root)',
      inventory: events([
        signin('e1', {
          serviceName: 'AasSub',
          userIdentity: { type: 'ram-user', userName: 'root' },
          additionalEventData: { mfaChecked: 'false' },
        }),
      ]),
    },
    {
      name: 'a root sign-in before the window',
      inventory: events([signin('e1', { eventTime: '2026-07-01T00:00:00Z' })]),
    },
    {
      name: 'a root sign-in outside a shorter --since',
      inventory: events([signin('e1', { eventTime: '2026-10-20T03:00:00Z' })]),
      since: '2026-10-25T00:00:00Z',
    },
    {
      name: 'a root sign-in whose time cannot be read: it may lie in the window',
      inventory: events([signin('e1', { eventTime: '20/10/2026 03:00' })]),
      notEvaluated: [ACCOUNT],
    },
    {
      name: 'only failed root sign-in attempts',
      inventory: events([signin('e1', { errorCode: 'LoginFailed' })]),
    },
    {
      name: 'root API calls are not sign-ins',
      inventory: events([apiCall('k1', 'LTAI4RootKeyAbcd1234')]),
    },
    {
      name: 'a root console sign-out',
      inventory: events([
        signin('e1', { eventName: 'ConsoleSignout', eventType: 'ConsoleSignout' }),
      ]),
    },
  ],
  invalid: [
    {
      name: 'a root sign-in without MFA',
      inventory: events([signin('e1')]),
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          region: null,
          message: 'signed in to the console once',
          evidence: {
            signins: 1,
            withoutMfa: 1,
            sourceIps: ['203.0.113.7'],
            events: [
              {
                time: '2026-10-20T03:00:00Z',
                sourceIpAddress: '203.0.113.7',
                userAgent: 'Mozilla/5.0',
                mfa: 'not-checked',
                mfaField: 'additionalEventData.isMFAChecked',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'a root sign-in with MFA',
      inventory: events([signin('e1', { additionalEventData: { isMFAChecked: 'true' } })]),
      findings: [
        { id: ACCOUNT, evidence: { signins: 1, withoutMfa: 0, events: [{ mfa: 'checked' }] } },
      ],
    },
    {
      name: 'the same global sign-in seen in two regions is counted once',
      inventory: events([
        signin('g1', { seenInRegions: ['cn-hangzhou'] }),
        signin('g1', { seenInRegions: ['ap-southeast-1'] }),
      ]),
      findings: [
        {
          id: ACCOUNT,
          evidence: {
            signins: 1,
            events: [{ eventId: 'g1', seenInRegions: ['ap-southeast-1', 'cn-hangzhou'] }],
          },
        },
      ],
    },
    {
      name: 'several sign-ins newest first, failures counted, capped',
      options: { maxEvents: 2 },
      inventory: events([
        signin('a', { eventTime: '2026-09-01T00:00:00Z', sourceIpAddress: '192.0.2.1' }),
        signin('b', { eventTime: '2026-10-01T00:00:00Z' }),
        signin('c', { eventTime: '2026-10-30T00:00:00Z', additionalEventData: {} }),
        signin('f', { errorCode: 'LoginFailed' }),
      ]),
      findings: [
        {
          id: ACCOUNT,
          message: /3 times.*most recently at 2026-10-30T00:00:00Z/,
          evidence: {
            signins: 3,
            failedAttempts: 1,
            mfaUnknown: 1,
            withoutMfa: 2,
            firstSeen: '2026-09-01T00:00:00Z',
            lastSeen: '2026-10-30T00:00:00Z',
            events: [{ eventId: 'c', mfa: 'unknown' }, { eventId: 'b' }],
            truncated: true,
            // listed, not counted as a sign-in (rules.md, decisions on edge cases)
            failedEvents: [{ eventId: 'f', errorCode: 'LoginFailed' }],
            failedTruncated: false,
          },
        },
      ],
    },
    {
      name: 'identity type compared case-insensitively',
      inventory: events([signin('e1', { userIdentity: { ...ROOT, type: 'Root-Account' } })]),
      findings: [{ id: ACCOUNT }],
    },
  ],
});
