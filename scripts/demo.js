#!/usr/bin/env node
// `npm run demo`: serve the demo world with the project's emulator and scan it
// with the real CLI, so a new user sees a real report with no cloud account.
// Nothing leaves this machine: the emulator listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const world = process.argv[2] ?? 'fixtures/worlds/demo.yaml';
const extra = process.argv.slice(3);

const env = {
  ...process.env,
  // demo credentials for the emulator; never real ones
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIdemoDemoDemo0000',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'demo-secret-not-real',
  ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true',
};
delete env.ALIBABA_CLOUD_SECURITY_TOKEN;

const emulator = spawn(process.execPath, ['dist/src/emulator/main.js', world, '--port', '0'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stop = () => {
  if (emulator.exitCode === null) emulator.kill('SIGTERM');
};
process.on('exit', stop);

const url = await new Promise((resolve, reject) => {
  const rl = createInterface({ input: emulator.stdout });
  rl.on('line', (line) => {
    const m = /^listening on (http:\/\/\S+)$/.exec(line);
    if (m) resolve(m[1]);
  });
  emulator.on('exit', (code) => reject(new Error(`emulator exited with code ${code}`)));
}).catch((err) => {
  process.stderr.write(`demo: ${err.message}\n`);
  process.exit(2);
});

process.stderr.write(`demo: emulator for ${world} at ${url}\n`);
const scan = spawn(
  process.execPath,
  ['bin/ecs-audit.js', 'scan', '--endpoint', url, '--now', '2026-11-01T00:00:00Z', ...extra],
  { cwd: root, env, stdio: 'inherit' },
);
const code = await new Promise((resolve) => scan.on('exit', (c) => resolve(c ?? 2)));
stop();
const meaning = {
  0: 'no finding at or above --fail-on',
  1: 'findings at or above --fail-on (expected for the demo account)',
  2: 'nothing was scanned (bad input)',
  3: 'coverage gaps',
};
process.stderr.write(`demo: ecs-audit exited with ${code}: ${meaning[code] ?? 'unexpected'}\n`);
process.exit(code === 2 ? 2 : 0);
