/**
 * Output destinations that are not regular files, and custom rule loading:
 * - a pipe or a device named by `--report`/`collect -o` is written in place,
 *   never replaced by a regular file (as root, a rename over /dev/null
 *   deleted it); a regular file keeps the atomic temp + rename;
 * - a custom rule file that is a symlink is loaded (it was silently skipped);
 *   one pointing at nothing is an error naming it;
 * - a rule module throwing a plain object says what it threw;
 * - `meta.reads` names only known data keys.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld } from '../../src/emulator/world.js';
import { RuleMetaError, validateRule } from '../../src/engine/meta.js';
import { loadBuiltinRules, loadRulesFromDirs } from '../../src/engine/registry.js';
import { DATA_KEYS } from '../../src/engine/unevaluated.js';
import { readSnapshot, writeSnapshot } from '../../src/inventory/snapshot.js';
import { FORMATS } from '../../src/report/index.js';
import {
  checkDestination,
  writeChunksAtomic,
  writeReports,
  writeStdoutReport,
} from '../../src/report/write.js';
import { makeInstance, makeInventory } from '../../src/testing/index.js';
import { ROOT } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';
import { fixtureReport } from '../report/fixtures.js';

const dir = (what: string) => mkdtempSync(path.join(tmpdir(), `ecs-audit-${what}-`));

const readers: ChildProcess[] = [];
// a reader whose FIFO was never opened for writing (a failed test) would wait forever
afterAll(() => {
  for (const r of readers) if (r.exitCode === null && r.signalCode === null) r.kill();
});

/** A FIFO in its own directory, and what a reader (`cat`) got from it once the writer closed. */
function fifoWithReader(): { dir: string; fifo: string; read: Promise<Buffer> } {
  const d = dir('fifo');
  const fifo = path.join(d, 'out.pipe');
  execFileSync('mkfifo', [fifo]);
  const cat = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
  readers.push(cat);
  const parts: Buffer[] = [];
  cat.stdout.on('data', (b: Buffer) => parts.push(b));
  const read = new Promise<Buffer>((resolve, reject) => {
    cat.on('error', reject);
    cat.on('close', () => resolve(Buffer.concat(parts)));
  });
  return { dir: d, fifo, read };
}

/** A private copy of /dev/null (char 1,3) when this process may make device nodes (root). */
function privateNull(): string | undefined {
  const p = path.join(dir('dev'), 'mynull');
  try {
    execFileSync('mknod', [p, 'c', '1', '3'], { stdio: 'ignore' });
    return statSync(p).isCharacterDevice() ? p : undefined;
  } catch {
    return undefined;
  }
}

const devNull = statSync('/dev/null');

/** /dev/null is written only after a FIFO (and a private device) kept their kind: a regression must not delete the machine's /dev/null. */
function expectDevNullIntact(): void {
  const now = statSync('/dev/null');
  expect(now.isCharacterDevice()).toBe(true);
  expect(now.rdev).toBe(devNull.rdev);
  expect(now.ino).toBe(devNull.ino);
}

describe('report files to a pipe or a device', () => {
  it('a FIFO gets the report through the pipe and stays a FIFO; then a device stays a device', async () => {
    const { dir: d, fifo, read } = fifoWithReader();
    const pieces = ['a'.repeat(700_000), 'ü'.repeat(400_000), 'end\n'];
    await writeChunksAtomic(fifo, pieces);
    expect((await read).toString('utf8')).toBe(pieces.join(''));
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(d)).toEqual(['out.pipe']); // no temp file beside it

    const mine = privateNull();
    if (mine) {
      await writeChunksAtomic(mine, ['x\n']);
      expect(statSync(mine).isCharacterDevice()).toBe(true);
      expect(readdirSync(path.dirname(mine))).toEqual(['mynull']);
    }
    await writeChunksAtomic('/dev/null', ['x'.repeat(100), 'y\n']);
    expectDevNullIntact();
  });

  it('a regular file still gets a new file renamed into place (atomic)', async () => {
    const d = dir('regular');
    const file = path.join(d, 'r.json');
    writeFileSync(file, 'old');
    const before = statSync(file).ino;
    await writeChunksAtomic(file, ['new\n']);
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(statSync(file).ino).not.toBe(before);
    expect(readdirSync(d)).toEqual(['r.json']);
  });

  it('stdout in the format of a report written to a device is made afresh, not read back from it', async () => {
    const report = await fixtureReport();
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (b: Buffer) => parts.push(b));
    await writeStdoutReport(out, report, 'json', [{ format: 'json', file: '/dev/null' }]);
    out.end();
    expect(Buffer.concat(parts).toString('utf8')).toBe(FORMATS.json(report));
  });

  it('writeReports and the destination check accept a pipe; a directory is still refused', async () => {
    const report = await fixtureReport();
    const { fifo, read } = fifoWithReader();
    await checkDestination(fifo, '--report');
    await writeReports(report, [{ format: 'sarif', file: fifo }]);
    expect((await read).toString('utf8')).toBe(FORMATS.sarif(report));
    expect(statSync(fifo).isFIFO()).toBe(true);
    await expect(checkDestination(dir('d'), '--report')).rejects.toThrow(/is a directory/);
  });

  it('scan --report json=<fifo> streams the report into the pipe', async () => {
    const d = dir('scan');
    const snap = path.join(d, 'snap.json');
    await writeSnapshot(snap, makeInventory({ ecs: { instances: [makeInstance()] } }));
    const { fifo, read } = fifoWithReader();
    const r = await runInProcess(['scan', '--snapshot', snap, '--report', `json=${fifo}`]);
    expect(r.stderr).not.toMatch(/cannot write/);
    expect(JSON.parse((await read).toString('utf8')).findings).toBeInstanceOf(Array);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });
});

describe('snapshots to a pipe or a device', () => {
  const inventory = makeInventory({ ecs: { instances: [makeInstance({ id: 'i-fifo' })] } });

  it('writeSnapshot writes a FIFO and a device in place, a regular file atomically', async () => {
    const { dir: d, fifo, read } = fifoWithReader();
    await writeSnapshot(fifo, inventory);
    expect(JSON.parse((await read).toString('utf8')).ecs.instances[0].id).toBe('i-fifo');
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(d)).toEqual(['out.pipe']);

    const mine = privateNull();
    if (mine) {
      await writeSnapshot(mine, inventory);
      expect(statSync(mine).isCharacterDevice()).toBe(true);
    }
    await writeSnapshot('/dev/null', inventory);
    expectDevNullIntact();

    const file = path.join(dir('snap'), 's.json');
    writeFileSync(file, '{}');
    const before = statSync(file).ino;
    await writeSnapshot(file, inventory);
    expect(statSync(file).ino).not.toBe(before);
    expect((await readSnapshot(file)).ecs.instances[0]!.id).toBe('i-fifo');
  });

  describe('collect -o', () => {
    let emu: RunningEmulator;
    const saved = { ...process.env };
    beforeAll(async () => {
      emu = await startEmulator(await loadWorld(path.join(ROOT, 'fixtures/worlds/demo.yaml')));
      // the credential chain reads the process's environment
      process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'] = 'LTAItestUNIT0000';
      process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'] = 'unit-secret-value';
    });
    afterAll(async () => {
      for (const k of ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await emu?.close();
    });

    it('collect -o <fifo> writes the snapshot into the pipe, which stays a pipe', async () => {
      const { fifo, read } = fifoWithReader();
      const r = await runInProcess([
        'collect',
        '--endpoint',
        emu.url,
        '--now',
        '2026-11-01T00:00:00Z',
        '-o',
        fifo,
      ]);
      expect(r.stderr).not.toMatch(/cannot write/);
      expect(r.code === 0 || r.code === 3).toBe(true);
      expect(JSON.parse((await read).toString('utf8')).schemaVersion).toBeDefined();
      expect(statSync(fifo).isFIFO()).toBe(true);
    });
  });
});

const RULE = (id: string, extra = '') => `export default {
  meta: { id: '${id}', title: 'T', severity: 'low', resourceTypes: ['disk'],
    rationale: 'r', remediation: 'x', references: []${extra} },
  *evaluate() {},
};
`;

describe('custom rule files that are symlinks', () => {
  it('a symlinked rule file and a symlinked directory are loaded; a link loop is listed once', async () => {
    const shared = dir('shared');
    writeFileSync(path.join(shared, 'real.mjs'), RULE('acme-linked'));
    const sub = path.join(dir('shared-sub'), 'more');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'deep.mjs'), RULE('acme-linked-deep'));
    const rd = dir('rd');
    symlinkSync(path.join(shared, 'real.mjs'), path.join(rd, 'rule.mjs'));
    symlinkSync(sub, path.join(rd, 'linked-dir'));
    symlinkSync(rd, path.join(rd, 'loop'));
    const rules = await loadRulesFromDirs([rd]);
    expect(rules.map((r) => r.rule.meta.id)).toEqual(['acme-linked-deep', 'acme-linked']);
  });

  it('a symlink to a missing file is exit 2 with one line naming it', async () => {
    const rd = dir('rd-broken');
    symlinkSync(path.join(rd, 'gone.mjs'), path.join(rd, 'broken.mjs'));
    await expect(loadRulesFromDirs([rd])).rejects.toThrow(RuleMetaError);
    const r = await runInProcess(['rules', '--rules-dir', rd]);
    expect(r.code).toBe(2);
    const line = `${path.join(rd, 'broken.mjs')}: cannot load rule: symbolic link to a missing or unreadable file (ENOENT)`;
    expect(r.stderr.trim().split('\n')).toEqual([`ecs-audit: ${line}`]);
  });

  it('a dangling symlink that is not a rule file is ignored', async () => {
    const rd = dir('rd-notes');
    writeFileSync(path.join(rd, 'ok.mjs'), RULE('acme-ok'));
    symlinkSync(path.join(rd, 'gone.md'), path.join(rd, 'notes.md'));
    expect((await loadRulesFromDirs([rd])).map((r) => r.rule.meta.id)).toEqual(['acme-ok']);
  });
});

describe('a rule module that throws a value that is not an Error', () => {
  it('a plain object is shown as JSON on one line, not [object Object]', async () => {
    const rd = dir('rd-throw');
    writeFileSync(path.join(rd, 'a.mjs'), 'throw { code: 42, reason: "no\\nconfig" };\n');
    const err = await loadRulesFromDirs([rd]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RuleMetaError);
    expect((err as Error).message).toBe(
      `${path.join(rd, 'a.mjs')}: cannot load rule: threw {"code":42,"reason":"no\\nconfig"}`,
    );
  });

  it('an object with a toString of its own is shown by it', async () => {
    const rd = dir('rd-throw2');
    writeFileSync(
      path.join(rd, 'a.mjs'),
      'class Oops { toString() { return "Oops: bad state"; } }\nthrow new Oops();\n',
    );
    const err = await loadRulesFromDirs([rd]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/cannot load rule: threw Oops: bad state$/);
  });
});

describe('meta.reads names known data keys', () => {
  const rule = (reads: string[]) => ({
    meta: {
      id: 'acme-reads',
      title: 'T',
      severity: 'low',
      resourceTypes: ['disk'],
      rationale: 'r',
      remediation: 'x',
      references: [],
      reads,
    },
    evaluate() {},
  });

  it('an unknown key is a metadata error naming the file, the key and the nearest known key', () => {
    expect(() => validateRule(rule(['ecs.instances', 'ecs.disk']), 'x.ts')).toThrow(
      new RuleMetaError(
        'x.ts: meta.reads[1]: unknown data key "ecs.disk" (did you mean "ecs.disks"?)',
      ),
    );
    expect(() => validateRule(rule(['billing.invoices']), 'y.ts')).toThrow(
      new RuleMetaError('y.ts: meta.reads[0]: unknown data key "billing.invoices"'),
    );
    for (const key of DATA_KEYS) expect(() => validateRule(rule([key]), 'z.ts')).not.toThrow();
  });

  it('rules --rules-dir with a typo in reads is exit 2; every built-in rule still loads', async () => {
    const rd = dir('rd-reads');
    writeFileSync(path.join(rd, 'a.mjs'), RULE('acme-typo', ", reads: ['ecs.disk']"));
    const r = await runInProcess(['rules', '--rules-dir', rd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${path.join(rd, 'a.mjs')}: meta.reads[0]: unknown data key "ecs.disk" (did you mean "ecs.disks"?)`,
    );
    expect((await loadBuiltinRules()).length).toBeGreaterThan(0);
  });
});
