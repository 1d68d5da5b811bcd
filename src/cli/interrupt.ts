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
import type { LoadedRule } from '../engine/registry.js';
import { oneLine } from './io.js';

const CODES = {
  SIGINT: { code: 130, says: 'interrupted' },
  SIGTERM: { code: 143, says: 'terminated' },
  SIGHUP: { code: 129, says: 'hung up' },
  SIGQUIT: { code: 131, says: 'quit' },
} as const;

/** the handlers exitOnInterrupt installed, by signal */
const installed = new Map<NodeJS.Signals, () => void>();

export function exitOnInterrupt(
  stderr: NodeJS.WritableStream = process.stderr,
  exit: (code: number) => never = process.exit,
): void {
  for (const [name, { code, says }] of Object.entries(CODES)) {
    const signal = name as NodeJS.Signals;
    const handler = () => {
      stderr.write(`ecs-audit: ${oneLine(says)}\n`);
      exit(code);
    };
    installed.set(signal, handler);
    process.once(signal, handler);
  }
}

/**
 * Around each rule (the engine's `aroundRule`): while a custom rule runs, the
 * signals get their default action back. A handler is JavaScript, and a
 * rule's code that never returns (or takes minutes) holds the only thread it
 * could run on: Ctrl-C and SIGTERM did nothing until SIGKILL. The default
 * action ends the process at once, with the same 128 + n status and without
 * the line; nothing is being written while rules run (reports come after).
 * Built-in rules end, and keep the handlers. Nothing to do when no handler
 * was installed (`main()` in a test).
 */
export function defaultSignalsDuringCustomRules(rule: LoadedRule): (() => void) | undefined {
  if (rule.source === 'built-in' || installed.size === 0) return undefined;
  const removed = [...installed].filter(([signal, h]) => process.listeners(signal).includes(h));
  for (const [signal, h] of removed) process.removeListener(signal, h);
  return () => {
    for (const [signal, h] of removed) process.once(signal, h);
  };
}
