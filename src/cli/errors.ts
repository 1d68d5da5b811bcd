/** Bad input of any kind: one line on stderr, exit 2, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** the exit codes of ../shared/spec/cli.md, defined once beside exitCodeFor */
export { EXIT_CODES as EXIT } from '../report/exit.js';
