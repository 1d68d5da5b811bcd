/** Bad input of any kind: one line on stderr, exit 2, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = {
  OK: 0,
  FINDINGS: 1,
  USAGE: 2,
  COVERAGE: 3,
} as const;
