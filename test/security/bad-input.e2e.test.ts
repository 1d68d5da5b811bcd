/**
 * Bad input of every kind (issue 11, item 5): malformed flags, config files,
 * snapshots, baselines, custom-rule files and world files each give exactly
 * one line on stderr that names what is wrong, no stack trace, and exit 2,
 * within a bounded time. Malformed API answers become a coverage entry (exit
 * 3), or one line and exit 2 for GetCallerIdentity — never a crash.
 *
 * Every CLI case runs against a live emulator serving a clean account: if a
 * bad input slipped through validation, the scan would succeed (exit 0) and
 * the case would fail.
 *
 * Every case runs through the CLI's `main()` in this process (exactly what
 * bin/ecs-audit.js runs, with stdout/stderr captured) — a node start-up per
 * case would cost more CPU than the whole suite may. A sample of each kind
 * (`child: true`) also runs as a real child process, and everything that
 * depends on the process (custom rules through the real TypeScript loader,
 * 100 KB argv, the emulator's own CLI) runs only so.
 *
 * Limits of the medium: a single argv string cannot exceed 128 KiB on Linux
 * (MAX_ARG_STRLEN) and cannot contain a NUL byte at all, so "huge" flag values
 * are 100 KB and NUL bytes are tested inside files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/program.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, type World } from '../../src/emulator/world.js';
import { ReportSchema } from '../../src/report/schema.js';
import { type CliResult, ROOT, runCli, testEnv } from '../helpers/cli.js';
import {
  checkUsageError,
  EMULATOR_MAIN,
  errorLines,
  garbage,
  NOW,
  runNode,
  tempDir,
  UNSAFE_CHARS,
  writeFiles,
} from './util.js';

/** a bad input must be answered within this time (the happy path scans the clean world in ~1 s) */
const BOUND_MS = 15_000;

let emu: RunningEmulator;
let goodSnapshot: Record<string, unknown>;
let goodReport: string;

async function cleanWorld(tweak?: (w: World) => void): Promise<RunningEmulator> {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'clean.yaml'));
  tweak?.(world);
  return startEmulator(world);
}

beforeAll(async () => {
  inProcessEnv = inProcessEnvironment();
  emu = await cleanWorld();
  const dir = tempDir('bad-input-seed');
  const snap = path.join(dir, 'snap.json');
  const r = await runCli(
    ['collect', '--endpoint', emu.url, '--now', NOW, '-o', snap, '--timeout', '3000'],
    { cwd: dir },
  );
  expect(r.code, r.stderr).toBe(0);
  goodSnapshot = JSON.parse(readFileSync(snap, 'utf8')) as Record<string, unknown>;
  const s = await runCli(['scan', '--snapshot', snap, '--now', NOW, '--format', 'json'], {
    cwd: dir,
  });
  expect(s.code, s.stderr).toBe(0);
  ReportSchema.parse(JSON.parse(s.stdout));
  goodReport = s.stdout;
});

afterAll(async () => {
  await emu?.close();
});

interface Case {
  name: string;
  /** full argv; `scan` cases get `--endpoint <emulator> --now NOW --timeout 3000` prepended; `@/` is the case's directory */
  args: string[];
  /** what the one line must name */
  names: RegExp;
  files?: Record<string, string | Buffer>;
  /** make a directory of this name in the case's directory */
  dirs?: string[];
  /** argv is complete (no scan prefix) */
  raw?: boolean;
  /** also run as a real child process (bin/ecs-audit.js), or only so; default: main() in-process only */
  child?: boolean | 'only';
}

/** credentials and HOME of the in-process runs (this file runs in a process of its own) */
function inProcessEnvironment(): NodeJS.ProcessEnv {
  const env = testEnv();
  for (const k of ['HOME', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET']) {
    process.env[k] = env[k];
  }
  delete process.env['ALIBABA_CLOUD_SECURITY_TOKEN'];
  delete process.env['ECS_AUDIT_ENDPOINT'];
  return env;
}

/** `main()` of the CLI with captured stdout/stderr: exactly what bin/ecs-audit.js runs */
async function runInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        add(chunk.toString());
        cb();
      },
    });
  const io: CliIo = {
    stdout: sink((s) => {
      stdout += s;
    }),
    stderr: sink((s) => {
      stderr += s;
    }),
    env,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

let inProcessEnv: NodeJS.ProcessEnv;

async function runCase(c: Case, how: 'in-process' | 'child'): Promise<void> {
  const dir = tempDir('bad-input');
  for (const d of c.dirs ?? []) mkdirSync(path.join(dir, d), { recursive: true });
  writeFiles(dir, c.files ?? {});
  const argv = c.raw
    ? c.args
    : ['scan', '--endpoint', emu.url, '--now', NOW, '--timeout', '3000', ...c.args];
  const args = argv.map((a) => a.replaceAll('@/', `${dir}/`));
  const started = Date.now();
  const r =
    how === 'child'
      ? await runCli(args, { cwd: dir, env: testEnv(), timeoutMs: BOUND_MS })
      : await runInProcess(args, inProcessEnv);
  expect(Date.now() - started).toBeLessThan(BOUND_MS);
  checkUsageError(r, c.names);
  expect(r.stdout).toBe('');
}

const K100 = 100_000;
const MB = 1_000_000;

// ----------------------------------------------------------------- flags
const FLAG_CASES: Case[] = [
  { name: 'unknown flag', args: ['--nope'], names: /unknown option '--nope'/, child: true },
  { name: 'unknown command', args: ['scna'], names: /unknown command 'scna'/, raw: true },
  {
    name: 'help for an unknown command',
    args: ['help', 'scna'],
    names: /^ecs-audit: help: unknown command 'scna'$/,
    raw: true,
  },
  { name: 'flag without its value', args: ['--regions'], names: /--regions.*argument missing/ },
  { name: 'unknown --format', args: ['--format', 'xml'], names: /--format.*xml/ },
  { name: 'unknown --fail-on', args: ['--fail-on', 'urgent'], names: /--fail-on: .*"urgent"/ },
  { name: '--report without =', args: ['--report', 'json'], names: /--report: expected/ },
  { name: '--report without format', args: ['--report', '=r.json'], names: /--report/ },
  { name: '--report unknown format', args: ['--report', 'pdf=r.pdf'], names: /"pdf"/ },
  {
    // (a missing directory is made: see first-hour.test.ts)
    name: '--report under a file',
    args: ['--report', 'json=/dev/null/r.json'],
    names: /--report: cannot write "\/dev\/null\/r\.json"/,
  },
  {
    name: '--report named twice',
    args: ['--report', 'json=@/r.json', '--report', 'sarif=@/r.json'],
    names: /named twice/,
  },
  {
    name: '--report onto a directory',
    args: ['--report', 'json=@/out'],
    dirs: ['out'],
    names: /\/out" is a directory/,
  },
  { name: '--baseline missing', args: ['--baseline', '@/base.json'], names: /base\.json/ },
  {
    name: '--baseline binary garbage',
    args: ['--baseline', '@/base.json'],
    files: { 'base.json': garbage(4096) },
    names: /base\.json/,
  },
  {
    name: '--baseline not a report',
    args: ['--baseline', '@/base.json'],
    files: { 'base.json': '{"schemaVersion": 1, "findings": "none"}' },
    names: /base\.json/,
  },
  { name: 'unknown --compliance', args: ['--compliance', 'nope'], names: /--compliance/ },
  { name: '--profile path', args: ['--profile', '../etc/passwd'], names: /--profile/ },
  { name: '--profile unknown', args: ['--profile', 'nosuch'], names: /profile "nosuch"/ },
  { name: '--profile unicode', args: ['--profile', 'prød\u202e'], names: /--profile/ },
  { name: '--regions empty', args: ['--regions', ''], names: /--regions/ },
  { name: '--regions with a space', args: ['--regions', 'cn hangzhou'], names: /"cn hangzhou"/ },
  { name: '--regions only commas', args: ['--regions', ',,'], names: /--regions/ },
  { name: '--regions upper case', args: ['--regions', 'CN-HANGZHOU'], names: /"CN-HANGZHOU"/ },
  { name: '--regions unknown region', args: ['--regions', 'cn-nowhere'], names: /"cn-nowhere"/ },
  { name: '--regions newline', args: ['--regions', 'cn\nshanghai'], names: /--regions/ },
  {
    name: '--regions terminal escape',
    args: ['--regions', '\u001b]0;pwned\u0007'],
    names: /--regions: "\\u001b\]0;pwned\\u0007"/,
    child: true,
  },
  { name: '--regions RTL override', args: ['--regions', 'cn-shanghai\u202e'], names: /\\u202e/ },
  {
    name: '--regions 100 KB',
    args: ['--regions', 'a'.repeat(K100)],
    names: /unknown region/,
    child: true,
  },
  { name: '--endpoint ftp', args: ['--endpoint', 'ftp://x'], names: /--endpoint: expected/ },
  { name: '--endpoint http:// only', args: ['--endpoint', 'http://'], names: /--endpoint/ },
  {
    name: '--endpoint empty',
    args: ['--endpoint', ''],
    names: /--endpoint: not a URL/,
    child: true,
  },
  {
    name: '--endpoint javascript:',
    args: ['--endpoint', 'javascript:alert(1)'],
    names: /--endpoint/,
  },
  {
    name: '--endpoint bad port',
    args: ['--endpoint', 'http://127.0.0.1:99999'],
    names: /--endpoint/,
  },
  { name: '--since empty', args: ['--since', ''], names: /--since/ },
  { name: '--since word', args: ['--since', 'last-week'], names: /--since/ },
  { name: '--since zero', args: ['--since', '0d'], names: /--since: duration must be positive/ },
  { name: '--since negative', args: ['--since=-5d'], names: /--since/ },
  {
    name: '--since huge',
    args: ['--since', '999999999d'],
    names: /--since: duration is too long/,
    child: true,
  },
  { name: '--since future date', args: ['--since', '2999-01-01'], names: /in the future/ },
  { name: '--since full-width digits', args: ['--since', '９０d'], names: /--since/ },
  { name: '--since 100 KB', args: ['--since', '9'.repeat(K100)], names: /--since/ },
  { name: '--now word', args: ['--now', 'yesterday'], names: /--now/ },
  { name: '--now empty', args: ['--now', ''], names: /--now/ },
  { name: '--now impossible date', args: ['--now', '2026-13-45T00:00:00Z'], names: /--now/ },
  { name: '--timeout 0', args: ['--timeout', '0'], names: /--timeout/ },
  { name: '--timeout negative', args: ['--timeout=-1'], names: /--timeout/ },
  { name: '--timeout word', args: ['--timeout', 'abc'], names: /--timeout/ },
  { name: '--timeout empty', args: ['--timeout', ''], names: /--timeout/ },
  { name: '--timeout too large', args: ['--timeout', '1e9'], names: /--timeout/ },
  { name: '--timeout hex', args: ['--timeout', '0x10'], names: /--timeout/ },
  { name: '--format zero-width', args: ['--format', 'js\u200bon'], names: /\\u200b/ },
  { name: '--format 100 KB', args: ['--format', 'x'.repeat(K100)], names: /--format/, child: true },
  { name: '--fail-on bell', args: ['--fail-on', 'hi\u0007gh'], names: /--fail-on: .*\\u0007/ },
  {
    name: '--config 100 KB name',
    args: ['--config', `@/${'c'.repeat(K100)}`],
    names: /cannot read/,
  },
  {
    name: 'rules --format yaml',
    args: ['rules', '--format', 'yaml'],
    names: /--format/,
    raw: true,
  },
  { name: 'rules explain unknown', args: ['rules', 'explain', 'nope'], names: /"nope"/, raw: true },
  {
    name: 'collect without -o',
    args: ['collect', '--endpoint', 'http://127.0.0.1:9'],
    names: /--output/,
    raw: true,
  },
  {
    name: 'collect -o into a missing directory',
    args: ['collect', '--endpoint', 'http://127.0.0.1:9', '-o', '@/nowhere/snap.json'],
    names: /--output: cannot write ".*\/nowhere\/snap\.json"/,
    raw: true,
    child: true,
  },
  {
    name: 'collect -o with an empty file name',
    args: ['collect', '--endpoint', 'http://127.0.0.1:9', '-o', ''],
    names: /--output: the file name is empty/,
    raw: true,
  },
  {
    name: 'collect -o onto a directory',
    args: ['collect', '--endpoint', 'http://127.0.0.1:9', '-o', '@/out'],
    dirs: ['out'],
    names: /--output: ".*\/out" is a directory/,
    raw: true,
  },
];

// ----------------------------------------------------------------- config files
const NESTED_FLOW = `regions: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
const NESTED_BLOCK = Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
const ALIAS_BOMB = [
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
  'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
  '',
].join('\n');

function configCase(name: string, text: string | Buffer, names = /c\.yaml/, child = false): Case {
  return { name, args: ['--config', '@/c.yaml'], files: { 'c.yaml': text }, names, child };
}

const CONFIG_CASES: Case[] = [
  configCase('failOn a number', 'failOn: 3\n', /c\.yaml:1: failOn/),
  configCase('regions a string', 'regions: cn-shanghai\n', /c\.yaml:1: regions/),
  configCase('rules a list', 'rules: []\n', /c\.yaml:1: rules/),
  configCase('suppressions a map', 'suppressions: {}\n', /c\.yaml:1: suppressions/),
  configCase('since a number', 'since: 5\n', /c\.yaml:1: since/),
  configCase('rulesDirs a string', 'rulesDirs: ./x\n', /c\.yaml:1: rulesDirs/),
  configCase(
    'suppression without reason',
    'suppressions:\n  - rule: disk-not-encrypted\n',
    /c\.yaml:2: suppressions\.0\.reason/,
  ),
  configCase(
    'suppression without rule',
    'suppressions:\n  - reason: reviewed\n',
    /c\.yaml:2: suppressions\.0\.rule/,
  ),
  configCase(
    'suppression with a bad date',
    'suppressions:\n  - { rule: x, reason: y, expires: 2027-13-45 }\n',
    /c\.yaml:2: suppressions\.0\.expires/,
  ),
  configCase('unknown top-level key', 'regionz: [cn-shanghai]\n', /c\.yaml:1: .*"regionz"/),
  configCase(
    'unknown key in a suppression',
    'suppressions:\n  - { rule: x, reason: y, bogus: 1 }\n',
    /c\.yaml:2: .*"bogus"/,
  ),
  configCase('unknown rule id', 'rules:\n  no-such-rule: { enabled: false }\n', /c\.yaml:2/),
  configCase(
    'rule option of the wrong type',
    'rules:\n  ram-access-key-not-rotated: { maxAgeDays: "sixty" }\n',
    /c\.yaml:2: rules\.ram-access-key-not-rotated\.maxAgeDays/,
  ),
  configCase(
    'unknown severity override',
    'rules:\n  disk-not-encrypted: { severity: urgent }\n',
    /c\.yaml:2: .*severity/,
  ),
  configCase('__proto__ at the top', '__proto__:\n  polluted: true\n', /c\.yaml:1: .*__proto__/),
  configCase(
    '__proto__ as a rule id',
    'rules:\n  __proto__: { enabled: false }\n',
    /c\.yaml:2: .*__proto__/,
    true,
  ),
  configCase(
    '__proto__ inside rule options',
    'rules:\n  ram-access-key-not-rotated:\n    __proto__: { maxAgeDays: 1 }\n',
    /c\.yaml:3: .*__proto__/,
  ),
  configCase(
    '__proto__ inside a suppression',
    'suppressions:\n  - { rule: x, reason: y, __proto__: { resource: "*" } }\n',
    /c\.yaml:2: .*__proto__/,
  ),
  configCase('constructor at the top', 'constructor:\n  prototype: { x: 1 }\n', /"constructor"/),
  configCase('prototype at the top', 'prototype: { x: 1 }\n', /"prototype"/),
  configCase(
    'constructor as a rule id',
    'rules:\n  constructor: { enabled: false }\n',
    /constructor/,
  ),
  configCase('prototype as a rule id', 'rules:\n  prototype: { enabled: false }\n', /prototype/),
  configCase('10 000 nested flow sequences', NESTED_FLOW),
  configCase('2 000 nested block mappings', NESTED_BLOCK),
  configCase('YAML alias bomb', ALIAS_BOMB, /c\.yaml: .*alias/i, true),
  configCase('unresolved alias', 'failOn: *nowhere\n', /c\.yaml/),
  configCase('duplicate keys', 'failOn: high\nfailOn: low\n', /c\.yaml:2/),
  configCase('a list at the top', '- a\n- b\n'),
  configCase('10 MB string value', `since: "${'a'.repeat(10 * MB)}"\n`, /c\.yaml:1: since/, true),
  configCase('10 MB of comments then a bad key', `${'#'.repeat(10 * MB)}\nbogus: 1\n`, /c\.yaml:2/),
  configCase('binary garbage', garbage(64 * 1024), /c\.yaml/, true),
  configCase(
    'not UTF-8 (Latin-1)',
    Buffer.from('failOn: h\xe9gh\n', 'latin1'),
    /c\.yaml:1: not valid UTF-8$/,
  ),
  // UTF-16 with its byte order mark is read (YAML 1.2), so a bad value in it is found as such
  configCase(
    'UTF-16 with BOM, a bad value',
    Buffer.from('\ufefffailOn: urgent\n', 'utf16le'),
    /c\.yaml:1: failOn/,
  ),
  configCase(
    'UTF-16 byte order mark, odd bytes after it',
    Buffer.from([0xff, 0xfe, 0x66, 0x00, 0x61]),
    /c\.yaml: not valid UTF-16LE/,
  ),
  configCase('NUL byte in a value', 'failOn: "hi\u0000gh"\n', /c\.yaml/, true),
  configCase('NUL byte after a value', 'failOn: high\u0000\nregions: all\n'),
  configCase('escape sequence in a value', 'failOn: "\u001b[2Jurgent"\n', /\\u001b/),
  { name: 'config is a directory', args: ['--config', '@/cfg'], dirs: ['cfg'], names: /cfg/ },
  { name: 'config does not exist', args: ['--config', '@/none.yaml'], names: /none\.yaml/ },
];

// ----------------------------------------------------------------- snapshots
function snapshotCase(
  name: string,
  make: (() => string | Buffer) | string | Buffer,
  names = /s\.json/,
  child = false,
): Case {
  return {
    name,
    args: ['scan', '--snapshot', '@/s.json', '--now', NOW],
    raw: true,
    names,
    child,
    get files() {
      return { 's.json': typeof make === 'function' ? make() : make };
    },
  };
}

function mutated(change: (s: Record<string, unknown>) => void): () => string {
  return () => {
    const s = structuredClone(goodSnapshot);
    change(s);
    return JSON.stringify(s);
  };
}

const SNAPSHOT_CASES: Case[] = [
  snapshotCase('empty file', '', /s\.json: not valid JSON/),
  snapshotCase('a JSON array', '[]'),
  snapshotCase('null', 'null'),
  snapshotCase('a string', '"snapshot"'),
  snapshotCase(
    'schemaVersion 2',
    mutated((s) => {
      s['schemaVersion'] = 2;
    }),
    /s\.json: schemaVersion/,
  ),
  snapshotCase(
    'account missing',
    mutated((s) => {
      delete s['account'];
    }),
    /s\.json: account/,
  ),
  snapshotCase(
    'security groups a string',
    mutated((s) => {
      (s['ecs'] as Record<string, unknown>)['securityGroups'] = 'none';
    }),
    /s\.json: ecs\.securityGroups/,
  ),
  snapshotCase(
    'account id a number',
    mutated((s) => {
      (s['account'] as Record<string, unknown>)['id'] = 1234;
    }),
    /s\.json: account\.id/,
  ),
  snapshotCase(
    '1 MB string where a number belongs',
    mutated((s) => {
      s['schemaVersion'] = 'x'.repeat(MB);
    }),
    /s\.json: schemaVersion/,
  ),
  snapshotCase(
    '10 000 nested arrays in a field',
    () =>
      JSON.stringify({ ...goodSnapshot, ecs: 'NESTED' }).replace(
        '"NESTED"',
        `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      ),
    /s\.json: ecs/,
  ),
  snapshotCase(
    '200 000 nested arrays',
    `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    /s\.json/,
    true,
  ),
  snapshotCase(
    '__proto__ at the top',
    () => JSON.stringify(goodSnapshot).replace(/^\{/, '{"__proto__":{"polluted":true},'),
    /s\.json: .*__proto__/,
    true,
  ),
  snapshotCase(
    '__proto__ inside the account',
    () => JSON.stringify(goodSnapshot).replace('"account":{', '"account":{"__proto__":{"id":"x"},'),
    /s\.json: .*__proto__/,
  ),
  snapshotCase(
    'truncated JSON',
    () => JSON.stringify(goodSnapshot).slice(0, 200),
    /s\.json: not valid JSON/,
  ),
  snapshotCase('binary garbage', garbage(8192), /s\.json: not valid JSON/, true),
  snapshotCase('not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), /s\.json: not valid JSON/),
  snapshotCase('NUL byte', '{"schemaVersion":1\u0000}', /s\.json: not valid JSON/),
  {
    name: 'snapshot is a directory',
    args: ['scan', '--snapshot', '@/snapdir'],
    dirs: ['snapdir'],
    raw: true,
    names: /snapdir/,
  },
  {
    name: 'snapshot missing',
    args: ['scan', '--snapshot', '@/x.json'],
    raw: true,
    names: /x\.json/,
  },
  {
    name: 'baseline with __proto__',
    args: ['--baseline', '@/b.json'],
    get files() {
      return { 'b.json': goodReport.replace(/^\{/, '{"__proto__":{"findings":[]},') };
    },
    names: /b\.json/,
  },
];

// ----------------------------------------------------------------- custom rules
const META = `id: 'acme-rule', title: 'A rule', severity: 'low', resourceTypes: ['instance'],
  rationale: 'why', remediation: 'how', references: []`;

function ruleCase(name: string, file: string, text: string, names?: RegExp): Case {
  return {
    name,
    args: ['rules', '--rules-dir', '@/rd'],
    raw: true,
    child: 'only', // the real loader (esbuild hooks for TypeScript), not vitest's
    dirs: ['rd'],
    files: { [`rd/${file}`]: text },
    names: names ?? new RegExp(`rd/${file.replace('.', '\\.')}: `),
  };
}

const RULE_CASES: Case[] = [
  ruleCase('JS syntax error', 'a.js', 'export default {', /a\.js: cannot load rule: /),
  ruleCase('TS syntax error', 'a.ts', 'const x: number = ;\nexport default x;', /a\.ts: .*line 1/),
  ruleCase('no default export', 'a.js', 'export const rule = 1;', /default export is not a rule/),
  ruleCase('throws an Error at import', 'a.js', 'throw new Error("boom\\nline 2");', /: boom$/),
  ruleCase('throws a string at import', 'a.js', 'throw "a string";', /threw "a string"/),
  ruleCase('throws null at import', 'a.js', 'throw null;', /threw null/),
  ruleCase('throws an unprintable value', 'a.js', 'throw Object.create(null);', /cannot load rule/),
  ruleCase('imports a missing module', 'a.js', 'import "./nope.js";\nexport default 1;'),
  ruleCase('no evaluate', 'a.js', `export default { meta: { ${META} } };`, /no evaluate/),
  ruleCase(
    'id not kebab-case',
    'a.js',
    `export default { meta: { ${META}, id: 'Bad Id' }, *evaluate() {} };`,
    /meta\.id/,
  ),
  ruleCase(
    'unknown severity',
    'a.js',
    `export default { meta: { ${META}, severity: 'urgent' }, *evaluate() {} };`,
    /meta\.severity/,
  ),
  ruleCase(
    'references not URLs',
    'a.js',
    `export default { meta: { ${META}, references: 'see wiki' }, *evaluate() {} };`,
    /meta\.references/,
  ),
  ruleCase(
    'options not a schema',
    'a.js',
    `export default { meta: { ${META}, options: { n: 1 } }, *evaluate() {} };`,
    /meta\.options must be a zod schema/,
  ),
  ruleCase(
    'options without defaults',
    'a.ts',
    `import { defineRule, z } from 'ecs-audit';
export default defineRule({ meta: { ${META}, options: z.object({ n: z.number() }) }, *evaluate() {} });`,
    /meta\.options: every option needs a default/,
  ),
  ruleCase(
    'meta getter throws',
    'a.js',
    'export default { get meta() { throw new Error("getter"); }, evaluate() {} };',
    /invalid rule: getter/,
  ),
  ruleCase(
    'proxy throws null',
    'a.js',
    'export default new Proxy({}, { get() { throw null; } });',
    /invalid rule: threw null/,
  ),
  ruleCase(
    'duplicate of a built-in rule id',
    'a.js',
    `export default { meta: { ${META}, id: 'disk-not-encrypted' }, *evaluate() {} };`,
    /duplicate rule id "disk-not-encrypted"/,
  ),
  {
    name: 'rules dir missing',
    args: ['rules', '--rules-dir', '@/nodir'],
    raw: true,
    names: /nodir: cannot read rules directory/,
  },
  {
    name: 'rules dir is a file',
    args: ['rules', '--rules-dir', '@/f.txt'],
    raw: true,
    files: { 'f.txt': 'x' },
    names: /f\.txt: cannot read rules directory/,
  },
  {
    name: 'scan with a rule that throws at import',
    args: ['--rules-dir', '@/rd'],
    dirs: ['rd'],
    child: 'only',
    files: { 'rd/a.mjs': 'throw new TypeError("bad rule");' },
    names: /a\.mjs: cannot load rule: bad rule/,
  },
];

// ----------------------------------------------------------------- world files
const WORLD_CASES: Array<{ name: string; file: string; text?: string | Buffer; args?: string[] }> =
  [
    { name: 'version 2', file: 'w.yaml', text: 'version: 2\naccount: { accountId: "1" }\n' },
    { name: 'account missing', file: 'w.yaml', text: 'version: 1\n' },
    {
      name: 'unknown top-level key',
      file: 'w.yaml',
      text: 'version: 1\naccount: { accountId: "1" }\nbogus: 1\n',
    },
    {
      name: 'unknown fault kind',
      file: 'w.json',
      text: '{"version":1,"account":{"accountId":"1"},"emulator":{"faults":[{"action":"X","kind":"explode"}]}}',
    },
    {
      name: '__proto__ at the top',
      file: 'w.json',
      text: '{"version":1,"account":{"accountId":"1"},"__proto__":{"polluted":true}}',
    },
    { name: 'YAML alias bomb', file: 'w.yaml', text: ALIAS_BOMB },
    {
      name: '10 000 nested flow sequences',
      file: 'w.yaml',
      text: `version: 1\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
    },
    {
      name: '200 000 nested JSON arrays',
      file: 'w.json',
      text: `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
    },
    { name: 'truncated JSON', file: 'w.json', text: '{"version":1,"account":{"acc' },
    { name: 'binary garbage', file: 'w.yaml', text: garbage(8192, 7) },
    {
      name: '1 MB string version',
      file: 'w.json',
      text: JSON.stringify({ version: 'v'.repeat(MB) }),
    },
    { name: 'missing file', file: 'none.yaml' },
    { name: 'no world argument', file: '', args: [] },
    {
      name: 'bad --port',
      file: 'w.yaml',
      text: 'version: 1\n',
      args: ['w.yaml', '--port', '99999'],
    },
  ];

// ----------------------------------------------------------------- malformed API answers

interface RawAnswer {
  status: number;
  contentType: string;
  body: string | Buffer;
}

/**
 * A loopback proxy in front of the emulator that answers one action itself
 * with a malformed body and forwards everything else.
 */
async function answeringProxy(
  target: RunningEmulator,
  action: string,
  answer: RawAnswer,
): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const a = req.headers['x-acs-action'] ?? url.searchParams.get('Action');
      if (a === action) {
        hits += 1;
        res.writeHead(answer.status, { 'content-type': answer.contentType });
        res.end(answer.body);
        return;
      }
      const fwd = httpRequest(
        `${target.url}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>Tengine</body></html>';

const ANSWERS: Record<string, RawAnswer> = {
  'an HTML error page (502)': { status: 502, contentType: 'text/html', body: HTML_PAGE },
  'an HTML page with status 200': { status: 200, contentType: 'text/html', body: HTML_PAGE },
  'truncated JSON': {
    status: 200,
    contentType: 'application/json',
    body: '{"RequestId":"r-1","SecurityGroups":{"SecurityGroup":[{"SecurityGroupId":"sg-',
  },
  'an empty body': { status: 200, contentType: 'application/json', body: '' },
  'a JSON array': { status: 200, contentType: 'application/json', body: '[1,2,3]' },
  'wrong types': {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({
      RequestId: 'r-1',
      TotalCount: 'many',
      SecurityGroups: { SecurityGroup: 'sg-app' },
    }),
  },
  'missing fields': {
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify({ RequestId: 'r-1' }),
  },
  'a 20 MB body': {
    status: 200,
    contentType: 'application/json',
    body: Buffer.from(`{"RequestId":"${'x'.repeat(20 * MB)}`),
  },
};

/** a scan in-process through main(), or as a child process */
function scan(args: string[], how: 'in-process' | 'child' = 'in-process'): Promise<CliResult> {
  const argv = ['scan', '--now', NOW, '--timeout', '3000', ...args];
  return how === 'child' ? runCli(argv, { timeoutMs: BOUND_MS }) : runInProcess(argv, inProcessEnv);
}

async function describeSecurityGroupsAnswer(
  answer: RawAnswer,
  how: 'in-process' | 'child' = 'in-process',
): Promise<void> {
  const proxy = await answeringProxy(emu, 'DescribeSecurityGroups', answer);
  try {
    const r = await scan(['--endpoint', proxy.url, '--format', 'json'], how);
    expect(proxy.hits()).toBeGreaterThan(0);
    expect(r.stderr).not.toContain('\n    at ');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code, r.stderr).toBe(3);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    const gap = report.coverage.find((c) => c.operation === 'DescribeSecurityGroups');
    expect(gap, JSON.stringify(report.coverage)).toBeDefined();
    expect(gap?.region).toBe('cn-shanghai');
    expect(gap?.error.message.length).toBeLessThanOrEqual(300);
    // no finding drawn from data that could not be read
    expect(report.findings.filter((f) => f.resource.type === 'security-group')).toEqual([]);
  } finally {
    await proxy.close();
  }
}

async function callerIdentityAnswer(
  answer: RawAnswer,
  how: 'in-process' | 'child' = 'in-process',
): Promise<void> {
  const proxy = await answeringProxy(emu, 'GetCallerIdentity', answer);
  try {
    const r = await scan(['--endpoint', proxy.url], how);
    expect(proxy.hits()).toBeGreaterThan(0);
    checkUsageError(r, /caller identity|GetCallerIdentity/);
    expect(errorLines(r.stderr)[0]).not.toMatch(UNSAFE_CHARS);
  } finally {
    await proxy.close();
  }
}

const named = <T extends { name: string }>(cases: T[]) => cases.map((c) => [c.name, c] as const);

// One concurrent suite: the API cases mostly wait on retries, the others on the CPU.
describe.concurrent('bad input', () => {
  it.concurrent.each(Object.entries(ANSWERS))(
    'API: DescribeSecurityGroups answers %s → coverage entry, exit 3',
    async (_name, answer) => describeSecurityGroupsAnswer(answer),
  );

  it.concurrent.each(Object.entries(ANSWERS))(
    'API: GetCallerIdentity answers %s → one line, exit 2',
    async (_name, answer) => callerIdentityAnswer(answer),
  );

  it('API: a malformedJson fault on DescribeSecurityGroups is a coverage entry, exit 3', async () => {
    const faulty = await cleanWorld((w) => {
      w.emulator.faults.push({ action: 'DescribeSecurityGroups', kind: 'malformedJson' });
    });
    try {
      const r = await scan(['--endpoint', faulty.url, '--format', 'json']);
      expect(r.code, r.stderr).toBe(3);
      const report = ReportSchema.parse(JSON.parse(r.stdout));
      expect(report.coverage.map((c) => c.operation)).toContain('DescribeSecurityGroups');
      expect(r.stderr).not.toContain('\n    at ');
      expect(r.stderr).not.toMatch(/internal error/);
    } finally {
      await faulty.close();
    }
  });

  it('API: a malformedJson fault on GetCallerIdentity is one line, exit 2', async () => {
    const faulty = await cleanWorld((w) => {
      w.emulator.faults.push({ action: 'GetCallerIdentity', kind: 'malformedJson' });
    });
    try {
      const r = await scan(['--endpoint', faulty.url]);
      checkUsageError(r, /GetCallerIdentity/);
    } finally {
      await faulty.close();
    }
  });

  const groups: Array<[string, Case[]]> = [
    ['flag', FLAG_CASES],
    ['config', CONFIG_CASES],
    ['snapshot', SNAPSHOT_CASES],
    ['custom rule', RULE_CASES],
  ];
  for (const [label, cases] of groups) {
    const inProcess = cases.filter((c) => c.child !== 'only');
    if (inProcess.length > 0) {
      it.concurrent.each(named(inProcess))(`${label}: %s`, async (_n, c) =>
        runCase(c, 'in-process'),
      );
    }
  }

  it.concurrent.each(named(WORLD_CASES))('world file: %s', async (_n, c) => {
    const dir = tempDir('bad-world');
    if (c.text !== undefined) writeFileSync(path.join(dir, c.file), c.text);
    const r = await runNode([EMULATOR_MAIN, ...(c.args ?? [c.file, '--port', '0'])], {
      cwd: dir,
      timeoutMs: BOUND_MS,
    });
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(r.stdout).toBe('');
    const names = c.args ? /usage|--port|--bogus/ : new RegExp(c.file.replace('.', '\\.'));
    checkUsageError(r, names, 'ecs-audit emulator: ');
  });

  it('config: the same inputs in-process give only ConfigError, one line, no prototype pollution', async () => {
    const { ConfigError, parseConfig } = await import('../../src/config/index.js');
    let thrown = 0;
    for (const c of CONFIG_CASES) {
      const text = c.files?.['c.yaml'];
      if (text === undefined) continue;
      const s = typeof text === 'string' ? text : text.toString('utf8');
      try {
        parseConfig(s, 'c.yaml'); // rule ids and rule options are checked later, by the engine
      } catch (err) {
        thrown += 1;
        expect(err, c.name).toBeInstanceOf(ConfigError);
        expect((err as Error).message, c.name).toMatch(/^c\.yaml(:\d+)?: [^\n]+$/);
      }
    }
    expect(thrown).toBeGreaterThan(25);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});

// The same contract through bin/ecs-audit.js, one child process at a time: several CLIs
// starting at once on a busy 2-core machine would each take many times as long.
describe('bad input in a child process', () => {
  it('API (child process): an HTML error page for DescribeSecurityGroups', async () =>
    describeSecurityGroupsAnswer(ANSWERS['an HTML error page (502)']!, 'child'));

  it('API (child process): a 20 MB answer to GetCallerIdentity', async () =>
    callerIdentityAnswer(ANSWERS['a 20 MB body']!, 'child'));

  for (const [label, cases] of [
    ['flag', FLAG_CASES],
    ['config', CONFIG_CASES],
    ['snapshot', SNAPSHOT_CASES],
    ['custom rule', RULE_CASES],
  ] as Array<[string, Case[]]>) {
    const child = cases.filter((c) => c.child);
    if (child.length > 0) {
      it.each(named(child))(`${label} (child process): %s`, async (_n, c) => runCase(c, 'child'));
    }
  }
});
