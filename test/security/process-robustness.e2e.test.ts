/**
 * The process around the report: a disk that fills up, a reader that stops
 * reading (`| head -c 100`), a stderr nobody can write to, a terminal that
 * hangs up, two `--report` names for one file, a config file that is not
 * UTF-8. Each must end with the run's real exit code (or one line and exit 2),
 * never a success over a truncated file or a crash that reads as "findings".
 *
 * A full disk is a small tmpfs when this process may mount one (CI runs as
 * root); the short write itself is also shown without one, through a file
 * handle whose write takes fewer bytes than asked, as write(2) does when the
 * disk is nearly full.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  type FSWatcher,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { serializeSnapshot, writeSnapshot } from '../../src/inventory/snapshot.js';
import { writeChunksAtomic } from '../../src/report/write.js';
import { makeInventory, makeRule, makeSecurityGroup } from '../../src/testing/index.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { BIN, runCli, testEnv } from '../helpers/cli.js';
import { checkUsageError, tempDir } from './util.js';

/** the most bytes one write of a file handle takes (0: all of them, as usual) */
const short = vi.hoisted(() => ({ most: 0 }));

// every file handle the code under test opens, its write cut to `short.most` bytes when set
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = (async (...args: Parameters<typeof fs.open>) => {
    const fh = await fs.open(...args);
    if (short.most === 0) return fh;
    const write = fh.write.bind(fh) as (
      buffer: Uint8Array,
      offset: number,
      length: number,
      position: number | null,
    ) => Promise<{ bytesWritten: number; buffer: Uint8Array }>;
    return Object.assign(fh, {
      write: (
        buffer: Uint8Array,
        offset = 0,
        length = buffer.byteLength - offset,
        position: number | null = null,
      ) => write(buffer, offset, Math.min(length, short.most), position),
    });
  }) as typeof fs.open;
  return { ...fs, open };
});

const dir = tempDir('process');
const open22 = (id: string) =>
  makeSecurityGroup({
    id,
    name: `group with a reasonably long name ${id}`,
    rules: [
      makeRule({ portRange: '22/22', sourceCidrIp: '0.0.0.0/0' }),
      makeRule({ portRange: '3389/3389', sourceCidrIp: '0.0.0.0/0' }),
    ],
  });
const inventoryOf = (n: number) =>
  makeInventory({
    collectedAt: '2026-06-15T12:00:00.000Z',
    ecs: { securityGroups: Array.from({ length: n }, (_, i) => open22(`sg-${i}`)) },
  });
/** 300 groups with SSH open to the internet: critical findings, about 0.8 MB of JSON report */
const SNAP = path.join(dir, 'snapshot.json');
/** 2000 such groups: four report files take about a second to write */
const BIG = path.join(dir, 'big.json');

beforeAll(() => {
  writeFileSync(SNAP, JSON.stringify(inventoryOf(300)));
  writeFileSync(BIG, JSON.stringify(inventoryOf(2000)));
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** the built CLI with the given stdio; `started` sees the child before its output is read */
function spawnCli(
  args: string[],
  stdio: SpawnOptions['stdio'],
  started: (child: ChildProcess) => void = () => {},
  cwd = dir,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: testEnv(), stdio });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within 15 s; stderr: ${stderr}`));
    }, 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr });
    });
    started(child);
  });
}

const SUMMARY_EXIT_1 =
  /^ecs-audit: done in .*; exit 1: \d+ findings at or above --fail-on critical$/m;

/** a tmpfs of `size` at a new directory, or undefined where this process may not mount */
function mountTmpfs(size: string): string | undefined {
  const at = tempDir('tmpfs');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return at;
  } catch {
    return undefined;
  }
}

/** `test` on a fresh 64 KB tmpfs; skipped only when no tmpfs can be mounted here */
async function onFullDisk(
  ctx: { skip: (note?: string) => void },
  test: (mnt: string) => Promise<void>,
): Promise<void> {
  const mnt = mountTmpfs('64k');
  if (!mnt) {
    ctx.skip('mount -t tmpfs is not permitted here (the short-write test below still runs)');
    return;
  }
  try {
    await test(mnt);
  } finally {
    execFileSync('umount', [mnt]);
  }
}

describe('short writes: every byte is written, or the write fails', () => {
  it('writeChunksAtomic loops over a file handle that takes fewer bytes than asked', async () => {
    const d = tempDir('short');
    const text = `${'a'.repeat(5_000)}é${'b'.repeat(3_001)}\n`;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(text.slice(0, 4_000));
      yield Buffer.from(text.slice(4_000));
    }
    short.most = 1_000;
    try {
      await writeChunksAtomic(path.join(d, 'text.json'), [text.slice(0, 10), text.slice(10)]);
      await writeChunksAtomic(path.join(d, 'bytes.sarif'), bytes());
      await writeFileAtomic(path.join(d, 'snapshot.json'), text);
    } finally {
      short.most = 0;
    }
    expect(readFileSync(path.join(d, 'text.json'), 'utf8')).toBe(text);
    expect(readFileSync(path.join(d, 'bytes.sarif'), 'utf8')).toBe(text);
    expect(readFileSync(path.join(d, 'snapshot.json'), 'utf8')).toBe(text);
  });

  it('a snapshot that does not fit leaves the previous one whole (collect -o)', async (ctx) => {
    await onFullDisk(ctx, async (mnt) => {
      const file = path.join(mnt, 'snapshot.json');
      const previous = serializeSnapshot(inventoryOf(1));
      writeFileSync(file, previous);
      const err = await writeSnapshot(file, inventoryOf(300)).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException | undefined)?.code).toBe('ENOSPC');
      expect(readFileSync(file, 'utf8')).toBe(previous);
      expect(readdirSync(mnt)).toEqual(['snapshot.json']);
    });
  });

  it('a --report file that does not fit: exit 2 naming it, the previous file whole', async (ctx) => {
    await onFullDisk(ctx, async (mnt) => {
      const file = path.join(mnt, 'r.json');
      writeFileSync(file, '{"previous":true}\n');
      const r = await runCli(['scan', '--snapshot', SNAP, '--report', `json=${file}`], {
        cwd: dir,
      });
      expect(checkUsageError(r, /--report: cannot write ".*r\.json": ENOSPC$/)).toBeTruthy();
      expect(readFileSync(file, 'utf8')).toBe('{"previous":true}\n');
      expect(readdirSync(mnt)).toEqual(['r.json']);
    });
  });

  it('stdout redirected to a file on a full disk: one line and exit 2, not exit 0', async (ctx) => {
    await onFullDisk(ctx, async (mnt) => {
      const out = openSync(path.join(mnt, 'out.json'), 'w');
      const r = await spawnCli(
        ['scan', '--snapshot', SNAP, '--format', 'json', '--fail-on', 'none'],
        ['ignore', out, 'pipe'],
        () => closeSync(out),
      );
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe('ecs-audit: cannot write to stdout: ENOSPC\n');
    });
  });
});

describe('a reader that stops reading', () => {
  it('scan … | head -c 100 over critical findings: exit 1 and the summary line, not exit 0', async () => {
    // stdout made here, or copied from the --report file of the same format
    for (const extra of [[], ['--report', `json=${path.join(tempDir('pipe'), 'r.json')}`]]) {
      const r = await spawnCli(
        ['scan', '--snapshot', SNAP, '--format', 'json', ...extra],
        ['ignore', 'pipe', 'pipe'],
        (child) => {
          let got = 0;
          child.stdout!.on('data', (d: Buffer) => {
            got += d.length;
            if (got >= 100) child.stdout!.destroy();
          });
        },
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(SUMMARY_EXIT_1);
      expect(r.stderr).not.toContain('\n    at ');
    }
  });

  it('rules | head -0: exit 0, nothing on stderr', async () => {
    for (const format of ['table', 'json']) {
      const r = await spawnCli(['rules', '--format', format], ['ignore', 'pipe', 'pipe'], (c) =>
        c.stdout!.destroy(),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
    }
  });
});

describe('stderr that cannot be written', () => {
  // --compliance prints its controls before the report files are written
  const args = (report: string) => [
    'scan',
    '--snapshot',
    SNAP,
    '--compliance',
    'cis',
    '--fail-on',
    'none',
    '--format',
    'json',
    '--report',
    `json=${report}`,
  ];

  it('2>/dev/full: the report is written and the exit code is the run’s', async (ctx) => {
    if (!existsSync('/dev/full')) ctx.skip('no /dev/full here');
    const report = path.join(tempDir('devfull'), 'r.json');
    const full = openSync('/dev/full', 'w');
    const r = await spawnCli(args(report), ['ignore', 'pipe', full], () => closeSync(full));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(report, 'utf8')).findings.length).toBeGreaterThan(0);
  });

  it('stderr a closed pipe: the report is written and the exit code is the run’s', async () => {
    const report = path.join(tempDir('stderr-pipe'), 'r.json');
    const r = await spawnCli(args(report), ['ignore', 'pipe', 'pipe'], (c) => c.stderr!.destroy());
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
    expect(existsSync(report)).toBe(true);
  });
});

describe('a terminal that hangs up (SIGHUP) or Ctrl-\\ (SIGQUIT)', () => {
  it.each([
    ['SIGHUP', 129, 'hung up'],
    ['SIGQUIT', 131, 'quit'],
  ] as const)(
    '%s while the report files are written: exit %i, no temp file',
    async (signal, code, says) => {
      const out = tempDir(`${signal}-writing`);
      const formats = ['html', 'json', 'sarif', 'junit'];
      let sent = false;
      let watcher: FSWatcher | undefined;
      const r = await spawnCli(
        [
          'scan',
          '--snapshot',
          BIG,
          '--fail-on',
          'none',
          ...formats.flatMap((f) => ['--report', `${f}=${path.join(out, `r.${f}`)}`]),
        ],
        ['ignore', 'ignore', 'pipe'],
        (child) => {
          // the first temp file: the writes have begun
          watcher = watch(out, (_event, name) => {
            if (sent || !name?.endsWith('.tmp')) return;
            sent = true;
            child.kill(signal);
          });
        },
      ).finally(() => watcher?.close());
      expect(sent, `the run ended before any report file was begun: ${r.stderr}`).toBe(true);
      expect(r.signal).toBeNull(); // handled, not killed by it
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(`ecs-audit: ${says}`);
      expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    },
  );
});

describe('a custom rule that never ends', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s stops the scan (JavaScript handlers cannot run while the rule holds the thread)',
    async (signal) => {
      const rules = tempDir(`forever-${signal}`);
      // says it has started, then loops: only the signal's default action can end it
      writeFileSync(
        path.join(rules, 'forever.mjs'),
        [
          "import { defineRule, z } from 'ecs-audit';",
          'export default defineRule({',
          "  meta: { id: 'acme-forever', title: 'Never ends', severity: 'low', resourceTypes: ['account'],",
          "    rationale: 'a test', remediation: 'none', references: ['https://example.com/'], options: z.object({}) },",
          "  *evaluate() { process.stderr.write('forever started\\n'); for (;;) {} },",
          '});',
          '',
        ].join('\n'),
      );
      let sent = false;
      const r = await spawnCli(
        ['scan', '--snapshot', SNAP, '--rules-dir', rules, '--checks', 'acme-forever'],
        ['ignore', 'ignore', 'pipe'],
        (child) => {
          child.stderr?.on('data', (d: Buffer) => {
            if (sent || !d.toString().includes('forever started')) return;
            sent = true;
            child.kill(signal);
          });
        },
      );
      expect(sent, r.stderr).toBe(true);
      // the default action: killed by the signal (a shell shows 128 + n)
      expect(r.signal).toBe(signal);
    },
  );
});

describe('two --report names for one file', () => {
  const scan = (...reports: string[]) =>
    runCli(
      ['scan', '--snapshot', SNAP, '--format', 'json', ...reports.flatMap((r) => ['--report', r])],
      { cwd: dir },
    );

  it('a symlink to another destination, existing or not yet written, is refused before the scan', async () => {
    const o = tempDir('same-file');
    writeFileSync(path.join(o, 'a.json'), 'previous\n');
    symlinkSync('a.json', path.join(o, 'link.json'));
    symlinkSync('b.json', path.join(o, 'dangling.json'));
    symlinkSync(o, path.join(dir, 'linked-dir'));
    const cases = [
      [`json=${o}/a.json`, `sarif=${o}/link.json`],
      [`json=${o}/b.json`, `sarif=${o}/dangling.json`],
      [`sarif=${o}/dangling.json`, `json=${o}/b.json`],
      [`json=${dir}/linked-dir/c.json`, `sarif=${o}/c.json`],
    ];
    for (const [first, second] of cases) {
      const r = await scan(first!, second!);
      expect(checkUsageError(r, /--report: ".*" and ".*" are the same file$/)).toBeTruthy();
      expect(r.stdout).toBe('');
    }
    expect(readFileSync(path.join(o, 'a.json'), 'utf8')).toBe('previous\n');
    expect(readdirSync(o).sort()).toEqual(['a.json', 'dangling.json', 'link.json']);
  });
});

describe('input refused before anything is made', () => {
  it('a config file that is not UTF-8: file:line and exit 2, not U+FFFD read as text', async () => {
    const config = path.join(dir, 'latin1.yaml');
    writeFileSync(
      config,
      Buffer.concat([
        Buffer.from('# café, in UTF-8\nsuppressions:\n  - rule: sg-admin-port-open-to-internet\n'),
        Buffer.from('    reason: "accepted by Andr\xe9"\n', 'latin1'),
      ]),
    );
    const r = await runCli(['scan', '--snapshot', SNAP, '--config', config], { cwd: dir });
    expect(checkUsageError(r, /latin1\.yaml:4: not valid UTF-8$/)).toBeTruthy();
  });

  it("a --report file's missing directory is not made when the run is refused", async () => {
    const d = tempDir('no-mkdir');
    const r = await runCli(
      [
        'scan',
        '--snapshot',
        SNAP,
        '--report',
        `json=${d}/new/deeper/r.json`,
        '--config',
        `${d}/missing.yaml`,
      ],
      { cwd: dir },
    );
    expect(checkUsageError(r, /missing\.yaml: cannot read the config file/)).toBeTruthy();
    expect(readdirSync(d)).toEqual([]);
  });
});
