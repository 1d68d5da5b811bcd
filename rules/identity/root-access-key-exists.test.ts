import { testRule } from '../../src/testing/rule-tester.js';
import rule from './root-access-key-exists.js';

const ACCOUNT = '1234567890123456';
const RAM_CALLER = {
  identityType: 'RAMUser',
  accountId: ACCOUNT,
  arn: `acs:ram::${ACCOUNT}:user/auditor`,
};
const ROOT_CALLER = {
  identityType: 'Account',
  accountId: ACCOUNT,
  arn: `acs:ram::${ACCOUNT}:root`,
};
const crKey = (active: boolean, lastUsed: string | null, slot = '1') => ({
  slot,
  active,
  lastRotated: '2019-02-01T00:00:00Z',
  lastUsed,
});
const report = (rootWithAccessKey: number, bindMfa = true) => ({ rootWithAccessKey, bindMfa });
const cr = (...accessKeys: ReturnType<typeof crKey>[]) => ({
  generatedTime: '2026-10-31T00:00:00Z',
  mfaActive: true,
  lastLogon: null,
  accessKeys,
});

testRule(rule, {
  valid: [
    { name: 'nothing known about the root identity', inventory: { root: {} } },
    {
      name: 'every source says no key',
      inventory: {
        root: {
          securityPracticeReport: report(0),
          accountMfaEnabled: true,
          credentialReport: cr(),
        },
      },
    },
    {
      name: 'only the report answered, no key',
      inventory: { root: { securityPracticeReport: report(0) } },
    },
    {
      name: 'only the credential report answered, no key',
      inventory: { root: { credentialReport: cr() } },
    },
  ],
  invalid: [
    {
      name: 'an active key, sources agree',
      inventory: {
        root: {
          securityPracticeReport: report(1),
          credentialReport: cr(crKey(true, '2026-10-31T00:00:00Z')),
        },
      },
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          region: null,
          message: `The root identity of account ${ACCOUNT} owns 1 AccessKey (1 active, last used 2026-10-31T00:00:00Z).`,
          evidence: {
            accessKeyCount: 1,
            activeCount: 1,
            lastUsed: '2026-10-31T00:00:00Z',
            accessKeys: [{ slot: '1', active: true, lastUsed: '2026-10-31T00:00:00Z' }],
            sources: {
              securityPracticeReport: { rootWithAccessKey: 1 },
              credentialReport: { accessKeys: 1, active: 1 },
            },
            scanRanAsRoot: false,
          },
        },
      ],
    },
    {
      name: 'an inactive key counts too',
      inventory: {
        root: {
          securityPracticeReport: report(1),
          credentialReport: cr(crKey(false, '2025-01-01T00:00:00Z')),
        },
      },
      findings: [
        {
          id: ACCOUNT,
          message: /owns 1 AccessKey \(0 active, last used 2025-01-01/,
          evidence: { activeCount: 0 },
        },
      ],
    },
    {
      name: 'a key never used',
      inventory: { root: { credentialReport: cr(crKey(true, null), crKey(true, null, '2')) } },
      findings: [
        {
          id: ACCOUNT,
          message: /owns 2 AccessKeys \(2 active, no use recorded\)/,
          evidence: { lastUsed: null },
        },
      ],
    },
    {
      name: 'only the security practice report answered',
      inventory: { root: { securityPracticeReport: report(2) } },
      findings: [
        {
          id: ACCOUNT,
          message: /owns 2 AccessKeys \(activity unknown\)/,
          evidence: { activeCount: null },
        },
      ],
    },
    {
      name: 'IMS sources disagree: the report counts 0, the credential report lists 1',
      inventory: {
        root: { securityPracticeReport: report(0), credentialReport: cr(crKey(true, null)) },
      },
      findings: [
        {
          id: ACCOUNT,
          message:
            /sources disagree: the IMS security practice report counts 0, the credential report lists 1/,
          evidence: {
            disagreement:
              'the IMS security practice report counts 0, the credential report lists 1',
          },
        },
      ],
    },
    {
      name: 'the scan ran as root: ids masked and the key the scan used marked',
      inventory: {
        account: { id: ACCOUNT, caller: ROOT_CALLER, callerAccessKeyIdMasked: '****1234' },
        root: {
          securityPracticeReport: report(2),
          ownAccessKeys: [
            { id: 'LTAI4RootKeyAbcd1234', status: 'Active', createDate: '2019-01-01T00:00:00Z' },
            { id: 'LTAI4RootKeyOld05678', status: 'Inactive' },
          ],
        },
      },
      findings: [
        {
          id: ACCOUNT,
          message: `The root identity of account ${ACCOUNT} owns 2 AccessKeys (1 active), and this scan itself ran as the root identity with AccessKey ****1234.`,
          evidence: {
            scanRanAsRoot: true,
            scanAccessKeyId: '****1234',
            accessKeys: [
              {
                id: '****1234',
                active: true,
                createDate: '2019-01-01T00:00:00Z',
                usedByThisScan: true,
              },
              { id: '****5678', active: false, status: 'Inactive', createDate: null },
            ],
          },
        },
      ],
    },
    {
      name: 'the scan ran as root although IMS says no key',
      inventory: {
        account: { id: ACCOUNT, caller: ROOT_CALLER, callerAccessKeyIdMasked: '****9999' },
        root: { securityPracticeReport: report(0) },
      },
      findings: [
        {
          id: ACCOUNT,
          message:
            /owns at least 1 AccessKey .*this scan itself ran as the root identity with AccessKey \*\*\*\*9999 \(sources disagree: .*yet this scan ran as the root identity\)/,
          evidence: { scanRanAsRoot: true, accessKeyCount: 1 },
        },
      ],
    },
    {
      name: 'the account id comes from the inventory',
      inventory: {
        account: { id: '999', caller: RAM_CALLER },
        root: { securityPracticeReport: report(1) },
      },
      findings: [{ id: '999', message: /account 999/ }],
    },
  ],
});
