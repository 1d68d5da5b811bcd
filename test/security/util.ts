/** Helpers shared by the security suites (not a test file). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CliResult } from '../helpers/cli.js';
import { ROOT, runNode as runChild } from '../helpers/cli.js';

export const NOW = '2026-11-01T00:00:00Z';
export const EMULATOR_MAIN = path.join(ROOT, 'dist', 'src', 'emulator', 'main.js');

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `ecs-audit-${prefix}-`));
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
}

/** deterministic pseudo-random bytes (a 32-bit LCG): "binary garbage" that is the same on every run */
export function garbage(length: number, seed = 0x5eed): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** raw control characters, bidi overrides and zero-width characters: never printed as they are */
export const UNSAFE_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

/** the informational line a scan prints once the caller identity is known (not an error) */
const INFO_LINE = /^ecs-audit: credentials from \S+ \(AccessKey \*{4}\w*\); caller /;

/** the error lines of stderr: every line except the informational credentials line */
export function errorLines(stderr: string): string[] {
  expectEndsWithNewline(stderr);
  return stderr
    .split('\n')
    .slice(0, -1)
    .filter((l) => !INFO_LINE.test(l));
}

function expectEndsWithNewline(stderr: string): void {
  if (stderr !== '' && !stderr.endsWith('\n')) {
    throw new Error(`stderr does not end with a newline: ${JSON.stringify(stderr.slice(-200))}`);
  }
}

/**
 * The contract for bad input: exit 2, exactly one error line on stderr that
 * starts with `prefix` and names what is wrong (`names`), no stack trace, no
 * internal error, no raw control characters, and a line of bounded length.
 * Returns the line, or throws an Error describing the mismatch.
 */
export function checkUsageError(
  r: CliResult,
  names: RegExp,
  prefix = 'ecs-audit: ',
): string | undefined {
  const problems: string[] = [];
  if (r.code !== 2) problems.push(`exit ${r.code}, expected 2`);
  if (r.stderr.includes('\n    at ')) problems.push('stack trace on stderr');
  if (/internal error/.test(r.stderr)) problems.push('internal error');
  if (UNSAFE_CHARS.test(r.stderr)) problems.push('raw control/bidi characters on stderr');
  let lines: string[] = [];
  try {
    lines = errorLines(r.stderr);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (lines.length !== 1) problems.push(`${lines.length} error lines, expected 1`);
  const line = lines[0] ?? '';
  if (!line.startsWith(prefix)) problems.push(`line does not start with "${prefix}"`);
  if (line.length > 1000) problems.push(`line of ${line.length} characters`);
  if (!names.test(line)) problems.push(`line does not match ${names}`);
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('; ')}\nstderr: ${r.stderr.slice(0, 1500)}\nstdout: ${r.stdout.slice(0, 300)}`,
    );
  }
  return line;
}

/** Run a node script (the emulator's main) as a child process with a hard time limit. */
export function runNode(
  args: string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult & { ms: number }> {
  return runChild(args, {
    ...opts,
    env: { PATH: process.env['PATH'], ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
}
