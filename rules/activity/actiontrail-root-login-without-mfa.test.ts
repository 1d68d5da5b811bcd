import { testRule } from '../../src/testing/rule-tester.js';
import { ACCOUNT, apiCall, events, signin } from '../../test/helpers/trail.js';
import rule from './actiontrail-root-login-without-mfa.js';

testRule(rule, {
  valid: [
    { name: 'no events', inventory: events([]) },
    {
      name: 'a root sign-in with MFA (isMFAChecked true)',
      inventory: events([signin('e1', { additionalEventData: { isMFAChecked: 'true' } })]),
    },
    {
      name: 'a root sign-in with MFA (mfaChecked true)',
      inventory: events([signin('e1', { additionalEventData: { mfaChecked: 'true' } })]),
    },
    {
      // rules.md: a field the rule needs that is absent makes the resource not evaluated
      name: 'a root sign-in whose MFA flag is missing: not evaluated, not a pass',
      inventory: events([
        signin('e1', { additionalEventData: { loginAccount: 'owner@example.com' } }),
      ]),
      notEvaluated: [ACCOUNT],
    },
    {
      name: 'a root sign-in without MFA whose time cannot be read: it may lie in the window',
      inventory: events([signin('e1', { eventTime: 'yesterday' })]),
      notEvaluated: [ACCOUNT],
    },
    {
      name: 'a root sign-in with MFA whose time cannot be read: judged (MFA was checked)',
      inventory: events([
        signin('e1', { eventTime: 'yesterday', additionalEventData: { isMFAChecked: 'true' } }),
      ]),
    },
    {
      name: 'a RAM-user sign-in without MFA',
      inventory: events([
        signin('e1', {
          serviceName: 'AasSub',
          userIdentity: { type: 'ram-user', userName: 'bob' },
          additionalEventData: { mfaChecked: 'false' },
        }),
      ]),
    },
    {
      name: 'a failed root sign-in without MFA',
      inventory: events([signin('e1', { errorCode: 'LoginFailed' })]),
    },
    {
      name: 'a root sign-in without MFA before the window',
      inventory: events([signin('e1', { eventTime: '2026-01-01T00:00:00Z' })]),
    },
    {
      name: 'a console API call in a session without MFA is not a sign-in',
      inventory: events([
        apiCall('k1', 'TMP.abc', {
          additionalEventData: undefined,
          userIdentity: {
            type: 'root-account',
            sessionContext: { attributes: { mfaAuthenticated: 'false' } },
          },
        }),
      ]),
    },
  ],
  invalid: [
    {
      name: 'a root sign-in with isMFAChecked "false"',
      inventory: events([signin('e1')]),
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          region: null,
          message: 'without MFA once',
          evidence: {
            signinsWithoutMfa: 1,
            events: [
              {
                eventId: 'e1',
                sourceIpAddress: '203.0.113.7',
                mfaField: 'additionalEventData.isMFAChecked',
                mfaValue: 'false',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'a root sign-in with mfaChecked "false"',
      inventory: events([signin('e1', { additionalEventData: { mfaChecked: 'false' } })]),
      findings: [
        { id: ACCOUNT, evidence: { events: [{ mfaField: 'additionalEventData.mfaChecked' }] } },
      ],
    },
    {
      name: 'only the sign-ins without MFA are listed',
      inventory: events([
        signin('with', {
          eventTime: '2026-10-30T00:00:00Z',
          additionalEventData: { isMFAChecked: 'true' },
        }),
        signin('unknown', { eventTime: '2026-10-29T00:00:00Z', additionalEventData: {} }),
        signin('without', { eventTime: '2026-10-01T00:00:00Z', sourceIpAddress: '192.0.2.9' }),
      ]),
      findings: [
        {
          id: ACCOUNT,
          message: 'from 192.0.2.9',
          evidence: {
            signinsWithoutMfa: 1,
            signins: 3,
            mfaUnknown: 1,
            events: [{ eventId: 'without' }],
            truncated: false,
          },
        },
      ],
    },
    {
      name: 'a global sign-in seen in two regions counts once',
      inventory: events([
        signin('g', { seenInRegions: ['cn-hangzhou'] }),
        signin('g', { seenInRegions: ['cn-beijing'] }),
      ]),
      findings: [{ id: ACCOUNT, evidence: { signinsWithoutMfa: 1 } }],
    },
  ],
});
