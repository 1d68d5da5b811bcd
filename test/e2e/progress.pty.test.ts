/**
 * The progress bar in a real pseudo-terminal (util-linux `script` gives the
 * CLI a pty for stdout and stderr): the credentials line printed while the
 * bar is shown survives, and once the run is over no fragment of the bar is
 * left on the screen.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { BIN, ROOT, testEnv } from '../helpers/cli.js';
import { screenLines } from '../helpers/terminal.js';

const SCRIPT = '/usr/bin/script';
let emu: RunningEmulator;

beforeAll(async () => {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'clean.yaml'));
  // slow answers: the bar is on screen for a while, and redrawn
  world.emulator.latencyMs = 15;
  emu = await startEmulator(world);
});

afterAll(async () => {
  await emu?.close();
});

/** run a shell command line in a pty; resolves with everything the terminal received */
function inPty(
  command: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...env, COLUMNS: '100', LINES: '40' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 25 s; output: ${out}`));
    }, 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('progress bar in a pseudo-terminal', () => {
  it('the credentials line survives and no bar fragment remains', async () => {
    expect(existsSync(SCRIPT), `${SCRIPT} (util-linux) is needed for this test`).toBe(true);
    const args = [
      'scan',
      '--endpoint',
      emu.url,
      '--now',
      '2026-11-01T00:00:00Z',
      '--format',
      'json',
    ];
    const { code, out } = await inPty(
      [process.execPath, BIN, ...args].map(quote).join(' '),
      testEnv({ CI: undefined }),
    );
    expect(code, out).toBe(0);
    expect(out).toContain('░'); // the bar really was drawn on the terminal
    const screen = screenLines(out);
    expect(screen.filter((l) => l.startsWith('ecs-audit: credentials from'))).toEqual([
      'ecs-audit: credentials from default/env (AccessKey ****0000); caller RAMUser acs:ram::1111222233334444:user/auditor',
    ]);
    expect(screen.filter((l) => /[░█]|calls \|/.test(l))).toEqual([]);
    // the report that follows starts on a clean line
    expect(screen).toContain('{');
  });
});
