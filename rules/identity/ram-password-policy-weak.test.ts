import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-password-policy-weak.js';

const ACCOUNT = '1234567890123456';
const STRONG = {
  minimumPasswordLength: 14,
  requireLowercaseCharacters: true,
  requireUppercaseCharacters: true,
  requireNumbers: true,
  requireSymbols: true,
  maxPasswordAge: 90,
  passwordReusePrevention: 5,
  maxLoginAttempts: 5,
  hardExpiry: false,
};
const pp = (overrides: Record<string, unknown> = {}) => ({
  ram: { passwordPolicy: { ...STRONG, ...overrides } },
});

testRule(rule, {
  valid: [
    { name: 'the CIS policy', inventory: pp() },
    {
      name: 'longer and stricter',
      inventory: pp({
        minimumPasswordLength: 20,
        passwordReusePrevention: 24,
        maxLoginAttempts: 3,
      }),
    },
    { name: 'password policy unknown', inventory: { ram: {} } },
    {
      name: 'settings not returned are not judged',
      notEvaluated: ['1234567890123456'],
      inventory: { ram: { passwordPolicy: { minimumPasswordLength: 16 } } },
    },
    {
      name: 'length 10 accepted with minLength 10',
      inventory: pp({ minimumPasswordLength: 10 }),
      options: { minLength: 10 },
    },
    {
      name: 'symbols not required when the option drops them',
      inventory: pp({ requireSymbols: false }),
      options: { requireCharacterClasses: ['uppercase', 'lowercase', 'numbers'] },
    },
    {
      name: 'no reuse prevention with the check off',
      inventory: pp({ passwordReusePrevention: 0 }),
      options: { minReusePrevention: 0 },
    },
    { name: 'lockout after 10 is a lockout', inventory: pp({ maxLoginAttempts: 10 }) },
  ],
  invalid: [
    {
      name: 'the demo policy: short, no symbols, no reuse prevention',
      inventory: pp({
        minimumPasswordLength: 8,
        requireSymbols: false,
        passwordReusePrevention: 0,
      }),
      findings: [
        {
          id: ACCOUNT,
          type: 'account',
          message: `The RAM password policy of account ${ACCOUNT} is weak: minimum length 8 (at least 14 expected), symbols not required, no password reuse prevention.`,
          evidence: {
            weaknesses: [
              { setting: 'MinimumPasswordLength', value: 8, expected: '>= 14' },
              { setting: 'RequireSymbols', value: false, expected: 'true' },
              { setting: 'PasswordReusePrevention', value: 0, expected: '>= 1' },
            ],
          },
        },
      ],
    },
    {
      name: 'no lockout',
      inventory: pp({ maxLoginAttempts: 0 }),
      findings: [
        {
          id: ACCOUNT,
          message: /no lockout after failed sign-ins/,
          evidence: { weaknesses: [{ setting: 'MaxLoginAttemps', value: 0 }] },
        },
      ],
    },
    {
      name: 'two character classes missing',
      inventory: pp({ requireUppercaseCharacters: false, requireNumbers: false }),
      findings: [{ id: ACCOUNT, message: /weak: upper-case letters, numbers not required\./ }],
    },
    {
      name: 'length 13',
      inventory: pp({ minimumPasswordLength: 13 }),
      findings: [
        {
          id: ACCOUNT,
          evidence: { weaknesses: [{ setting: 'MinimumPasswordLength', value: 13 }] },
        },
      ],
    },
    {
      name: 'reuse prevention below the option',
      inventory: pp({ passwordReusePrevention: 3 }),
      options: { minReusePrevention: 5 },
      findings: [
        { id: ACCOUNT, message: /reuse prevention of only 3 passwords \(at least 5 expected\)/ },
      ],
    },
    {
      name: 'lockout too lax for the option',
      inventory: pp({ maxLoginAttempts: 10 }),
      options: { maxLoginAttempts: 5 },
      findings: [{ id: ACCOUNT, message: /lockout only after 10 failed sign-ins/ }],
    },
    {
      name: 'a partial policy: judged on what was returned',
      inventory: { ram: { passwordPolicy: { minimumPasswordLength: 8 } } },
      findings: [
        {
          id: ACCOUNT,
          evidence: {
            notReturned: [
              'RequireUppercaseCharacters',
              'RequireLowercaseCharacters',
              'RequireNumbers',
              'RequireSymbols',
              'PasswordReusePrevention',
              'MaxLoginAttemps',
            ],
          },
        },
      ],
    },
  ],
});
