import { testRule } from '../../src/testing/rule-tester.js';
import rule from './rd-member-root-enabled.js';

// the inventory's own account (emptyInventory)
const ACCOUNT = '1234567890123456';
const MANAGEMENT = '1000000000000001';
const member = (type: string, id = ACCOUNT) => ({
  id,
  name: 'prod',
  type,
  status: 'CreateSuccess',
});

testRule(rule, {
  valid: [
    { name: 'not an organization scan', inventory: {} },
    {
      name: 'a resource account (root disabled)',
      inventory: {
        organization: {
          managementAccountId: MANAGEMENT,
          accounts: [member('CloudAccount', MANAGEMENT), member('ResourceAccount')],
        },
      },
    },
    {
      name: 'the management account itself (its root is for the root rules)',
      inventory: {
        organization: {
          managementAccountId: ACCOUNT,
          accounts: [member('CloudAccount')],
        },
      },
    },
    {
      name: 'ListAccounts left out its type: not evaluated, never a resource account',
      inventory: {
        organization: {
          managementAccountId: MANAGEMENT,
          accounts: [member('CloudAccount', MANAGEMENT), member('')],
        },
      },
      notEvaluated: [ACCOUNT],
    },
    {
      name: 'another member is a CloudAccount, this one is not listed',
      inventory: {
        organization: {
          managementAccountId: MANAGEMENT,
          accounts: [member('CloudAccount', '1000000000000009')],
        },
      },
    },
  ],
  invalid: [
    {
      name: 'a member of type CloudAccount',
      inventory: {
        organization: {
          managementAccountId: MANAGEMENT,
          accounts: [member('CloudAccount', MANAGEMENT), member('CloudAccount')],
        },
      },
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          message: `Member ${ACCOUNT} (prod) of the Resource Directory is a CloudAccount: its root identity is enabled and holds full power over it.`,
          evidence: {
            memberType: 'CloudAccount',
            status: 'CreateSuccess',
            managementAccountId: MANAGEMENT,
          },
        },
      ],
    },
  ],
});
