/**
 * Ctrl-C during a scan (issue 11, item 4): the CLI stops promptly with one
 * line and exit 130 (SIGTERM: 143), and leaves no report, no snapshot and no
 * temporary file (write-file-atomic's `<name>.<n>`) behind. The emulator adds
 * latency to every answer so that the signal lands mid-collection.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { BIN, ROOT, testEnv } from '../helpers/cli.js';
import { NOW, tempDir } from './util.js';

let emu: RunningEmulator;

beforeAll(async () => {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'demo.yaml'));
  // ~60 sequential round trips of 300 ms: a scan takes well over 10 s
  world.emulator.latencyMs = 300;
  emu = await startEmulator(world);
});

afterAll(async () => {
  await emu?.close();
});

interface Interrupted {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** from the signal to the exit */
  exitMs: number;
  /** API calls the emulator had received when the signal was sent */
  callsBefore: number;
}

function totalCalls(): number {
  return Object.values(emu.stats().requests).reduce((a, b) => a + b, 0);
}

/** Start the CLI, wait until collection is under way, send `signal`, wait for the exit. */
function interruptMidScan(
  args: string[],
  cwd: string,
  signal: NodeJS.Signals,
): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    let callsBefore = 0;
    const hardLimit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 20 s of the start; stderr: ${stderr}`));
    }, 20_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // the caller identity is known: collection has started; let it run a little
      if (sentAt === 0 && stderr.includes('credentials from')) {
        sentAt = -1;
        setTimeout(() => {
          callsBefore = totalCalls();
          sentAt = Date.now();
          child.kill(signal);
        }, 700);
      }
    });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(hardLimit);
      if (sentAt <= 0) {
        reject(new Error(`exited (${code}) before the signal was sent; stderr: ${stderr}`));
        return;
      }
      resolve({ code, signal: sig, stdout, stderr, exitMs: Date.now() - sentAt, callsBefore });
    });
  });
}

function expectInterrupted(r: Interrupted, code: number, line: string): void {
  expect(r.callsBefore).toBeGreaterThan(2); // the signal really landed mid-collection
  expect(r.exitMs).toBeLessThan(5_000);
  expect(r.signal).toBeNull(); // handled, not killed by the signal
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.at(-1)).toBe(line);
  expect(r.stderr).not.toContain('\n    at ');
  expect(r.stderr.match(/^ecs-audit: interrupted$|^ecs-audit: terminated$/gm)).toHaveLength(1);
}

// one after the other: three CLIs starting at once on a busy 2-core machine miss the hard limit
describe('an interrupted run leaves nothing behind', () => {
  it('Ctrl-C during `scan --report json=… --report html=…`: exit 130, no report, no temp file', async () => {
    const dir = tempDir('sigint-scan');
    const r = await interruptMidScan(
      [
        'scan',
        '--endpoint',
        emu.url,
        '--now',
        NOW,
        '--format',
        'json',
        '--report',
        `json=${path.join(dir, 'report.json')}`,
        '--report',
        `html=${path.join(dir, 'report.html')}`,
      ],
      dir,
      'SIGINT',
    );
    expectInterrupted(r, 130, 'ecs-audit: interrupted');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('Ctrl-C during `collect -o snapshot.json`: exit 130, no snapshot, no temp file', async () => {
    const dir = tempDir('sigint-collect');
    const r = await interruptMidScan(
      ['collect', '--endpoint', emu.url, '--now', NOW, '-o', 'snapshot.json'],
      dir,
      'SIGINT',
    );
    expectInterrupted(r, 130, 'ecs-audit: interrupted');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('SIGTERM during a scan: exit 143, no report', async () => {
    const dir = tempDir('sigterm-scan');
    const r = await interruptMidScan(
      ['scan', '--endpoint', emu.url, '--now', NOW, '--report', 'sarif=out.sarif'],
      dir,
      'SIGTERM',
    );
    expectInterrupted(r, 143, 'ecs-audit: terminated');
    expect(readdirSync(dir)).toEqual([]);
  });
});
