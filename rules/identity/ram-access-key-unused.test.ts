import { testRule } from '../../src/testing/rule-tester.js';
import rule from './ram-access-key-unused.js';

// the tester's clock: 2026-11-01T00:00:00Z
const key = (
  id: string,
  createDate: string | undefined,
  lastUsedDate: string | null | undefined,
  status = 'Active',
) => ({
  id,
  status,
  ...(createDate ? { createDate } : {}),
  ...(lastUsedDate !== undefined ? { lastUsedDate } : {}),
});
const user = (name: string, accessKeys: unknown[]) => ({
  ram: { users: [{ name, accessKeys }] as never },
});

testRule(rule, {
  valid: [
    {
      name: 'used yesterday',
      inventory: user('u', [
        key('LTAI5tBusyKey0001', '2024-01-01T00:00:00Z', '2026-10-31T00:00:00Z'),
      ]),
    },
    {
      name: 'last used exactly 90 days ago',
      inventory: user('u', [
        key('LTAI5tEdgeKey0001', '2024-01-01T00:00:00Z', '2026-08-03T00:00:00Z'),
      ]),
    },
    {
      name: 'never used but created 10 days ago',
      inventory: user('u', [key('LTAI5tNewKey00001', '2026-10-22T00:00:00Z', null)]),
    },
    {
      name: 'last use unknown',
      inventory: user('u', [key('LTAI5tUnknownKey1', '2020-01-01T00:00:00Z', undefined)]),
    },
    {
      name: 'never used, creation date unknown',
      inventory: user('u', [key('LTAI5tNoDateKey01', undefined, null)]),
    },
    {
      // the key may be idle for years: not judged, never "used recently"
      name: 'last use unreadable',
      inventory: user('u', [key('LTAI5tBadUseKey01', '2024-01-01T00:00:00Z', 'garbage')]),
      notEvaluated: ['u'],
    },
    {
      name: 'never used, creation date unreadable',
      inventory: user('u', [key('LTAI5tBadDateKey1', 'garbage', null)]),
      notEvaluated: ['u'],
    },
    {
      name: 'inactive and unused',
      inventory: user('u', [key('LTAI5tDisabled001', '2020-01-01T00:00:00Z', null, 'Inactive')]),
    },
    {
      name: 'idle 200 days with maxUnusedDays 365',
      inventory: user('u', [
        key('LTAI5tIdleKey0001', '2024-01-01T00:00:00Z', '2026-04-15T00:00:00Z'),
      ]),
      options: { maxUnusedDays: 365 },
    },
  ],
  invalid: [
    {
      name: 'last used 290 days ago',
      inventory: user('ci-deployer', [
        key('LTAI5tDeployKey0002', '2025-01-01T00:00:00Z', '2026-01-15T00:00:00Z'),
      ]),
      findings: [
        {
          id: 'ci-deployer',
          message:
            'RAM user ci-deployer has 1 active AccessKey unused for more than 90 days (****0002 last used 290 days ago).',
          evidence: {
            maxUnusedDays: 90,
            accessKeys: [
              {
                id: '****0002',
                neverUsed: false,
                daysSinceLastUse: 290,
                lastUsedDate: '2026-01-15T00:00:00Z',
              },
            ],
          },
        },
      ],
    },
    {
      // "not used in the last 90 days" to the millisecond: 90.5 days is over, told as 90
      name: 'last used 90.5 days ago',
      inventory: user('half', [
        key('LTAI5tHalfDayKey1', '2026-01-01T00:00:00Z', '2026-08-02T12:00:00Z'),
      ]),
      findings: [
        {
          id: 'half',
          message: /last used 90 days ago/,
          evidence: { accessKeys: [{ neverUsed: false, daysSinceLastUse: 90 }] },
        },
      ],
    },
    {
      name: 'never used and older than the threshold',
      inventory: user('old', [key('LTAI5tNeverUsed01', '2026-01-01T00:00:00Z', null)]),
      findings: [
        {
          id: 'old',
          message: /never used since it was created 304 days ago/,
          evidence: { accessKeys: [{ neverUsed: true, ageDays: 304, lastUsedDate: null }] },
        },
      ],
    },
    {
      name: 'maxUnusedDays 7',
      inventory: user('u', [
        key('LTAI5tWeekKey0001', '2024-01-01T00:00:00Z', '2026-10-20T00:00:00Z'),
        key('LTAI5tBusyKey0002', '2024-01-01T00:00:00Z', '2026-10-31T00:00:00Z'),
      ]),
      options: { maxUnusedDays: 7 },
      findings: [
        {
          id: 'u',
          evidence: { maxUnusedDays: 7, accessKeys: [{ id: '****0001', daysSinceLastUse: 12 }] },
        },
      ],
    },
  ],
});
