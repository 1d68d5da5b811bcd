import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-user-console-and-access-key.js';

const LOGIN = { createDate: '2024-01-01T00:00:00Z' };
const key = (id: string, status = 'Active') => ({
  id,
  status,
  createDate: '2026-01-01T00:00:00Z',
  lastUsedDate: '2026-10-30T00:00:00Z',
});
const users = (...list: unknown[]) => ({ ram: { users: list as never } });

testRule(rule, {
  valid: [
    { name: 'console only', inventory: users({ name: 'u', loginProfile: LOGIN, accessKeys: [] }) },
    {
      name: 'API only',
      inventory: users({ name: 'u', loginProfile: null, accessKeys: [key('LTAI5tProgram0001')] }),
    },
    {
      name: 'console and an inactive key',
      inventory: users({
        name: 'u',
        loginProfile: LOGIN,
        accessKeys: [key('LTAI5tOld000001', 'Inactive')],
      }),
    },
    { name: 'keys unknown', inventory: users({ name: 'u', loginProfile: LOGIN }) },
    {
      name: 'login profile unknown',
      inventory: users({ name: 'u', accessKeys: [key('LTAI5tProgram0001')] }),
    },
  ],
  invalid: [
    {
      name: 'console and an active key (id masked)',
      inventory: users({
        name: 'alice',
        loginProfile: LOGIN,
        lastLoginDate: '2026-10-01T00:00:00Z',
        accessKeys: [key('LTAI5tAliceKey0001'), key('LTAI5tAliceOld0002', 'Inactive')],
      }),
      findings: [
        {
          id: 'alice',
          message:
            'RAM user alice can sign in to the console and also holds 1 active AccessKey (****0001).',
          evidence: {
            consoleAccess: true,
            accessKeys: [
              {
                id: '****0001',
                active: true,
                createDate: '2026-01-01T00:00:00Z',
                lastUsedDate: '2026-10-30T00:00:00Z',
              },
            ],
          },
        },
      ],
    },
    {
      name: 'status compared case-insensitively, two active keys',
      inventory: users({
        name: 'dev',
        loginProfile: LOGIN,
        accessKeys: [key('LTAI5tDevKeyAAAA', 'active'), key('LTAI5tDevKeyBBBB')],
      }),
      findings: [{ id: 'dev', message: /2 active AccessKeys \(\*\*\*\*AAAA, \*\*\*\*BBBB\)/ }],
    },
  ],
});
