/**
 * Run the built CLI (bin/ecs-audit.js → dist/) as a child process, the way a
 * user or a CI job does. `npm test` builds before it runs the tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'ecs-audit.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An environment with test credentials and an empty HOME: nothing from the developer's machine leaks in. */
export function testEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(path.join(tmpdir(), 'ecs-audit-home-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAItestE2E00000',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'e2e-secret-value',
    NO_COLOR: '1',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Run `node <args>` as a child process with a hard time limit, collecting its output. */
export function runNode(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: opts.cwd ?? ROOT,
      env: opts.env ?? testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Run the built CLI as a child process. */
export async function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const { code, stdout, stderr } = await runNode([BIN, ...args], opts);
  return { code, stdout, stderr };
}

/** `scan` against an emulator, reproducible: a pinned clock, JSON, a short timeout, no progress bar */
export function jsonScanArgs(endpoint: string, now: string, ...extra: string[]): string[] {
  return [
    'scan',
    '--endpoint',
    endpoint,
    '--now',
    now,
    '--format',
    'json',
    '--timeout',
    '3000',
    '--no-progress',
    ...extra,
  ];
}
