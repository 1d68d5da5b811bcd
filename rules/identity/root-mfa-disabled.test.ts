import { testRule } from '../../src/testing/rule-tester.js';
import rule from './root-mfa-disabled.js';

const ACCOUNT = '1234567890123456';
const cr = (mfaActive: boolean | null) => ({
  mfaActive,
  lastLogon: '2026-10-20T03:00:00Z',
  accessKeys: [],
});

testRule(rule, {
  valid: [
    { name: 'nothing known', inventory: { root: {} } },
    {
      name: 'every source says MFA is on',
      inventory: {
        root: {
          accountMfaEnabled: true,
          securityPracticeReport: { rootWithAccessKey: 0, bindMfa: true },
          credentialReport: cr(true),
        },
      },
    },
    { name: 'GetAccountMFAInfo alone says on', inventory: { root: { accountMfaEnabled: true } } },
    {
      name: 'credential report N/A says nothing',
      inventory: { root: { credentialReport: cr(null) } },
    },
  ],
  invalid: [
    {
      name: 'every source says no MFA',
      inventory: {
        root: {
          accountMfaEnabled: false,
          securityPracticeReport: { rootWithAccessKey: 0, bindMfa: false },
          credentialReport: cr(false),
        },
      },
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          message: `The root identity of account ${ACCOUNT} has no MFA device (GetAccountMFAInfo, the security practice report and the credential report agree).`,
          evidence: {
            sources: {
              accountMfaInfo: { isMfaEnabled: false },
              securityPracticeReport: { bindMfa: false },
              credentialReport: { mfaActive: false },
            },
            disagreement: false,
            lastLogon: '2026-10-20T03:00:00Z',
          },
        },
      ],
    },
    {
      name: 'IMS sources disagree',
      inventory: {
        root: {
          accountMfaEnabled: true,
          securityPracticeReport: { rootWithAccessKey: 0, bindMfa: false },
        },
      },
      findings: [
        {
          id: ACCOUNT,
          message: `The root identity of account ${ACCOUNT} has no MFA device according to the security practice report, although GetAccountMFAInfo reports MFA enabled.`,
          evidence: {
            disagreement: true,
            sources: {
              accountMfaInfo: { isMfaEnabled: true },
              securityPracticeReport: { bindMfa: false },
            },
          },
        },
      ],
    },
    {
      name: 'only the credential report answered',
      inventory: { root: { credentialReport: cr(false) } },
      findings: [{ id: ACCOUNT, message: /\(the credential report says so\)/ }],
    },
  ],
});
