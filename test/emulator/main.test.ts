/**
 * The emulator's command line (`npm run emulator`), run from the build in
 * dist/ as a child process (`npm test` builds first).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { $Ecs, clients } from '../helpers/sdk.js';

const MAIN = path.join(ROOT, 'dist', 'src', 'emulator', 'main.js');
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'emu-main-')), name);
  writeFileSync(file, text);
  return file;
}

function start(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  const firstLine = new Promise<string>((resolve, reject) => {
    const check = () => {
      const nl = stdout.indexOf('\n');
      if (nl >= 0) resolve(stdout.slice(0, nl));
    };
    child.stdout.on('data', check);
    child.on('close', () => reject(new Error(`exited before listening: ${stderr}`)));
  });
  firstLine.catch(() => undefined); // awaited only by the tests that expect a listening line
  return { child, exited, firstLine, out: () => ({ stdout, stderr }) };
}

const WORLD = `version: 1
account: { accountId: "1234567890123456" }
regions:
  - { RegionId: cn-hangzhou, LocalName: "China (Hangzhou)" }
  - { RegionId: cn-shanghai }
`;

describe('emulator main', () => {
  it('prints one listening line, serves the SDK, exits 0 on SIGTERM', async () => {
    const run = start([tempFile('world.yaml', WORLD), '--port', '0']);
    const line = await run.firstLine;
    const m = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    expect(m).not.toBeNull();
    const r = await clients(m![1]!).ecs.describeRegions(new $Ecs.DescribeRegionsRequest({}));
    expect(r.body?.regions?.region?.map((x) => x.regionId)).toEqual(['cn-hangzhou', 'cn-shanghai']);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out().stdout).toBe(`${line}\n`);
    expect(run.out().stderr).toBe('');
  });

  it('a bad world file: exit 2 and one stderr line naming the path, no stack', async () => {
    const file = tempFile(
      'bad.yaml',
      'version: 1\naccount: { accountId: "1" }\necs:\n  cn-hangzhou:\n    SecurityGroups:\n      - { SecurityGroupName: web }\n',
    );
    const run = start([file]);
    expect(await run.exited).toBe(2);
    const { stdout, stderr } = run.out();
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(
        `^ecs-audit emulator: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ecs\\.cn-hangzhou\\.SecurityGroups\\[0\\]\\.SecurityGroupId: `,
      ),
    );
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('bad usage: exit 2 with one stderr line', async () => {
    for (const args of [
      [],
      ['a.yaml', 'b.yaml'],
      ['--port', 'x', 'w.yaml'],
      ['--bogus', 'w.yaml'],
    ]) {
      const run = start(args);
      expect(await run.exited).toBe(2);
      const { stderr } = run.out();
      expect(stderr.startsWith('ecs-audit emulator: ')).toBe(true);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
