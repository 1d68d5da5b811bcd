/**
 * Ctrl-C (SIGINT), SIGTERM, a closed terminal or a dropped ssh session
 * (SIGHUP) and Ctrl-\ (SIGQUIT): one line on stderr and the conventional exit
 * code (128 + signal number: 130, 143, 129, 131), right away, with no report
 * written. Left to the default action, SIGHUP and SIGQUIT killed the process
 * without its 'exit' hooks, leaving temp files and `collect --org` staging
 * directories behind.
 *
 * Reports and snapshots are only written at the very end, each atomically
 * (temp file + rename; an 'exit' hook removes a temp file a write in progress
 * left behind), so an interrupted run leaves no partial file.
 * Installed by bin/ecs-audit.js only: `main()` stays free of process-wide state.
 */
import { oneLine } from './io.js';

const CODES = {
  SIGINT: { code: 130, says: 'interrupted' },
  SIGTERM: { code: 143, says: 'terminated' },
  SIGHUP: { code: 129, says: 'hung up' },
  SIGQUIT: { code: 131, says: 'quit' },
} as const;

export function exitOnInterrupt(
  stderr: NodeJS.WritableStream = process.stderr,
  exit: (code: number) => never = process.exit,
): void {
  for (const [signal, { code, says }] of Object.entries(CODES)) {
    process.once(signal, () => {
      stderr.write(`ecs-audit: ${oneLine(says)}\n`);
      exit(code);
    });
  }
}
