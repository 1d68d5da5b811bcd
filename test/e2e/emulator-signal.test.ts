/**
 * `npm run emulator` then SIGTERM (what a process manager or `kill` sends to
 * npm): the emulator process itself must stop. npm forwards the signal to the
 * shell of the script, and dash does not pass it on, so the script `exec`s node.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

describe('npm run emulator', () => {
  it('SIGTERM to npm stops the emulator it started: its port is closed afterwards', async () => {
    const npm = spawn('npm', ['run', '--silent', 'emulator', '--', 'fixtures/worlds/clean.yaml'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening within 8 s: ${out}`)), 8_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      npm.stdout.on('data', onData);
      npm.stderr.on('data', onData);
    });
    expect((await fetch(`${url}/__emulator/stats`)).ok).toBe(true);
    const exited = new Promise<number | null>((resolve) =>
      npm.on('close', (code) => resolve(code)),
    );
    npm.kill('SIGTERM');
    await exited;
    // the emulator is gone with npm: nothing answers on its port any more
    await expect(fetch(`${url}/__emulator/stats`)).rejects.toThrow();
  });
});
