import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-access-key-not-rotated.js';

// the tester's clock: 2026-11-01T00:00:00Z
const key = (id: string, createDate: string | undefined, status = 'Active') => ({
  id,
  status,
  ...(createDate ? { createDate } : {}),
});
const user = (name: string, accessKeys?: unknown[]) => ({
  ram: { users: [{ name, ...(accessKeys ? { accessKeys } : {}) }] as never },
});

testRule(rule, {
  valid: [
    {
      name: 'a key created 30 days ago',
      inventory: user('u', [key('LTAI5tFreshKey001', '2026-10-02T00:00:00Z')]),
    },
    {
      name: 'exactly 90 days old',
      inventory: user('u', [key('LTAI5tEdgeKey0001', '2026-08-03T00:00:00Z')]),
    },
    {
      name: 'an old inactive key',
      inventory: user('u', [key('LTAI5tOldKey00001', '2020-01-01T00:00:00Z', 'Inactive')]),
    },
    { name: 'creation date unknown', inventory: user('u', [key('LTAI5tNoDateKey01', undefined)]) },
    {
      // the key may be years old: not judged, never "young"
      name: 'creation date unreadable',
      inventory: user('u', [key('LTAI5tBadDateKey1', 'yesterday')]),
      notEvaluated: ['u'],
    },
    {
      name: 'creation date garbage next to a fresh key',
      inventory: user('u', [
        key('LTAI5tFreshKey001', '2026-10-02T00:00:00Z'),
        key('LTAI5tBadDateKey2', 'garbage'),
      ]),
      notEvaluated: ['u'],
    },
    {
      name: 'an inactive key with an unreadable date is not judged anyway',
      inventory: user('u', [key('LTAI5tBadDateKey3', 'garbage', 'Inactive')]),
    },
    { name: 'keys unknown', inventory: user('u') },
    {
      name: 'a 200-day-old key with maxAgeDays 365',
      inventory: user('u', [key('LTAI5tMidKey00001', '2026-04-15T00:00:00Z')]),
      options: { maxAgeDays: 365 },
    },
  ],
  invalid: [
    {
      name: '91 days old',
      inventory: user('bob', [key('LTAI5tBobKey00001', '2026-08-02T00:00:00Z')]),
      findings: [
        {
          id: 'bob',
          message:
            'RAM user bob has 1 active AccessKey older than 90 days (oldest ****0001, created 2026-08-02T00:00:00Z, 91 days ago).',
          evidence: {
            maxAgeDays: 90,
            accessKeys: [{ id: '****0001', active: true, ageDays: 91, lastUsedDate: null }],
          },
        },
      ],
    },
    {
      // "older than 90 days" to the millisecond: 90.5 days is older, told as 90
      name: '90.5 days old',
      inventory: user('half', [key('LTAI5tHalfDayKey1', '2026-08-02T12:00:00Z')]),
      findings: [{ id: 'half', evidence: { accessKeys: [{ ageDays: 90 }] } }],
    },
    {
      name: 'two old keys, one fresh',
      inventory: user('ci', [
        key('LTAI5tCiKeyAAAA1', '2025-01-01T00:00:00Z'),
        key('LTAI5tCiKeyBBBB2', '2024-01-01T00:00:00Z'),
        key('LTAI5tCiKeyCCCC3', '2026-10-30T00:00:00Z'),
      ]),
      findings: [
        {
          id: 'ci',
          message: /2 active AccessKeys older than 90 days \(oldest \*\*\*\*BBB2/,
          evidence: { accessKeys: [{ id: '****AAA1' }, { id: '****BBB2' }] },
        },
      ],
    },
    {
      name: 'an old key convicts the user whatever another key says',
      inventory: user('u', [
        key('LTAI5tOldKey00002', '2025-01-01T00:00:00Z'),
        key('LTAI5tBadDateKey4', 'garbage'),
      ]),
      findings: [{ id: 'u', evidence: { accessKeys: [{ id: '****0002' }] } }],
    },
    {
      name: 'maxAgeDays 30 flags a 31-day-old key',
      inventory: user('u', [key('LTAI5tOptKey00001', '2026-10-01T00:00:00Z')]),
      options: { maxAgeDays: 30 },
      findings: [{ id: 'u', evidence: { maxAgeDays: 30, accessKeys: [{ ageDays: 31 }] } }],
    },
  ],
});
