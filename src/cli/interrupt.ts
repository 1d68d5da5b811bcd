/**
 * Ctrl-C (SIGINT) and SIGTERM: one line on stderr and the conventional exit
 * code (128 + signal number: 130, 143), right away, with no report written.
 *
 * Reports and snapshots are only written at the very end, each atomically
 * (write-file-atomic: temp file + rename; its exit hook removes a temp file a
 * write in progress left behind), so an interrupted run leaves no partial file.
 * Installed by bin/ecs-audit.js only: `main()` stays free of process-wide state.
 */
import { oneLine } from './io.js';

const CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export function exitOnInterrupt(
  stderr: NodeJS.WritableStream = process.stderr,
  exit: (code: number) => never = process.exit,
): void {
  for (const [signal, code] of Object.entries(CODES)) {
    process.once(signal, () => {
      stderr.write(`ecs-audit: ${oneLine(signal === 'SIGINT' ? 'interrupted' : 'terminated')}\n`);
      exit(code);
    });
  }
}
