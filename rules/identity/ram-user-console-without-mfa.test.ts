import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-user-console-without-mfa.js';

const LOGIN = {
  passwordResetRequired: false,
  mfaBindRequired: false,
  createDate: '2024-01-01T00:00:00Z',
};
const MFA = { serialNumber: 'acs:ram::1:mfa/u', type: 'VMFA' };
const users = (...list: unknown[]) => ({ ram: { users: list as never } });

testRule(rule, {
  valid: [
    {
      name: 'console with MFA bound',
      inventory: users({ name: 'u', loginProfile: LOGIN, mfaDevice: MFA }),
    },
    {
      name: 'no console access',
      inventory: users({ name: 'u', loginProfile: null, mfaDevice: null }),
    },
    { name: 'login profile unknown', inventory: users({ name: 'u', mfaDevice: null }) },
    { name: 'MFA device unknown', inventory: users({ name: 'u', loginProfile: LOGIN }) },
    {
      name: 'MFA bound although MFABindRequired is false',
      inventory: users({
        name: 'u',
        loginProfile: { ...LOGIN, mfaBindRequired: false },
        mfaDevice: MFA,
      }),
    },
  ],
  invalid: [
    {
      name: 'console, no MFA device',
      inventory: users({
        name: 'bob',
        loginProfile: LOGIN,
        mfaDevice: null,
        lastLoginDate: '2026-10-15T00:00:00Z',
      }),
      findings: [
        {
          id: 'bob',
          type: 'ram-user',
          region: null,
          message:
            'RAM user bob can sign in to the console with a password alone: no MFA device is bound.',
          evidence: {
            consoleAccess: true,
            mfaDevice: null,
            mfaBindRequired: false,
            lastLoginDate: '2026-10-15T00:00:00Z',
          },
        },
      ],
    },
    {
      name: 'MFABindRequired true but no device bound yet',
      inventory: users({
        name: 'carol',
        loginProfile: { ...LOGIN, mfaBindRequired: true },
        mfaDevice: null,
      }),
      findings: [
        {
          id: 'carol',
          message: /binding is required at the next sign-in/,
          evidence: { mfaBindRequired: true },
        },
      ],
    },
    {
      name: 'only the users lacking MFA',
      inventory: users(
        { name: 'a', loginProfile: LOGIN, mfaDevice: null },
        { name: 'b', loginProfile: LOGIN, mfaDevice: MFA },
        { name: 'c', loginProfile: {}, mfaDevice: null },
      ),
      findings: [
        { id: 'a' },
        { id: 'c', evidence: { mfaBindRequired: null, loginProfileCreated: null } },
      ],
    },
  ],
});
