import { UNPRINTABLE } from '../util/unprintable.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Longest message line; longer ones keep their start and end (the reason is often last). */
const MAX_LINE = 600;

/**
 * Make a message safe to print as one terminal line: control characters
 * (newlines, ESC sequences), zero-width and bidi-override characters that came
 * from user input are shown escaped (`\u001b`), and an overlong message (a
 * 1 MB flag value) is cut in the middle.
 */
export function oneLine(message: string): string {
  const safe = message.replace(
    UNPRINTABLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (safe.length <= MAX_LINE) return safe;
  return `${safe.slice(0, 400)} ... ${safe.slice(-150)}`;
}

/** One line to stderr, prefixed like every message of the tool. */
export function say(io: CliIo, message: string): void {
  io.stderr.write(`ecs-audit: ${oneLine(message)}\n`);
}
