/**
 * Secret hygiene (issue 11, item 3). The demo account is seeded with
 * recognisable canaries wherever a secret can hide: AccessKey secrets of RAM
 * users and of the root identity, the scan's own AccessKey secret and STS
 * token, credentials of an aliyun CLI profile (~/.aliyun/config.json), login
 * passwords inside ActionTrail events, and Cloud Assistant command contents,
 * parameters and outputs. Every output of every command — stdout, stderr,
 * every report format, the snapshot — is searched for each canary, in plain,
 * base64 (at every byte alignment) and URL-encoded form, on the happy path and
 * on failure paths (AccessDenied and other faults, an unreachable endpoint,
 * wrong credentials).
 *
 * AccessKey *ids* are not secrets but are masked in reports: the full ids
 * never appear in stdout, stderr or a report, their `****` + last-4 form does.
 * (The snapshot is the raw inventory and keeps full ids, see SECURITY.md.)
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { loadWorld, type World } from '../../src/emulator/world.js';
import { InventorySchema } from '../../src/inventory/schema.js';
import { ReportSchema } from '../../src/report/schema.js';
import { type CliResult, ROOT, runCli, testEnv } from '../helpers/cli.js';
import { NOW, tempDir } from './util.js';

// ------------------------------------------------------------------ canaries
const CANARY = {
  userAkSecret: 'CANARYuserAkSecret5f1c0e9b',
  rootAkSecret: 'CANARYrootAkSecret8d2b71aa',
  scanAkSecret: 'CANARYscanAkSecret3a9e44d0',
  scanStsToken: 'CANARYscanStsToken0c0ffee42',
  cliAkSecret: 'CANARYcliProfileSecret77aa31',
  cliStsSecret: 'CANARYcliStsSecret4e5f6071',
  cliStsToken: 'CANARYcliStsToken1b2c3d4e',
  wrongSecret: 'CANARYwrongSecret9a8b7c6d',
  wrongToken: 'CANARYwrongToken6d5c4b3a',
  worldLoginPassword: 'CANARYworldLoginPw1212ab',
  eventPassword: 'CANARYeventPassw0rd4e4d1',
  eventOldPassword: 'CANARYeventOldPw7c7c7c7c',
  eventNewPassword: 'CANARYeventNewPw9f0a9f0a',
  eventResponse: 'CANARYeventResponse6161ab',
  eventExtra: 'CANARYeventExtraData5151',
  commandInScript: 'CANARYcommandInScript0b7e3',
  commandPlain: 'CANARYcommandPlainText2d2d',
  commandParameter: 'CANARYcommandParameter0d00d',
  commandOutput: 'CANARYcommandOutput42424242',
} as const;

const SCRIPT = `#!/bin/sh\nmysql -uroot -p'${CANARY.commandInScript}' -e 'select 1'\n`;
const SCRIPT_B64 = Buffer.from(SCRIPT).toString('base64');
const OUTPUT_B64 = Buffer.from(`password set to ${CANARY.commandOutput}\n`).toString('base64');

/** full AccessKey ids: masked in reports, never printed in full */
const KEY = {
  scan: 'LTAIscanCanaryKey9876',
  cli: 'LTAIcliCanaryKey5555',
  cliSts: 'STS.cliStsCanaryKey3333',
  unknown: 'LTAIunknownCanary4321',
};
const WORLD_KEYS = {
  alice: 'LTAI5tAliceKey0001',
  deployer: 'LTAI5tDeployKey0002',
  auditor: 'LTAI5tAuditKey0003',
  root: 'LTAI4RootKeyAbcd1234',
};

/** every form in which a secret could leak: plain, URL-encoded, base64 at each of the 3 byte alignments */
function needles(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret)]);
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.from('x'.repeat(k) + secret).toString('base64');
    out.add(b64.slice(4 * Math.ceil(k / 3), 4 * Math.floor((k + secret.length) / 3)));
  }
  return [...out];
}

const SECRET_NEEDLES: Array<[string, string]> = [
  ...Object.entries(CANARY).flatMap(([name, s]) =>
    needles(s).map((n): [string, string] => [name, n]),
  ),
  ['commandContentBase64', SCRIPT_B64],
  ['commandOutputBase64', OUTPUT_B64],
];

/** the secrets (any form) found in `text`, as `name (needle)` */
function leaks(text: string): string[] {
  return SECRET_NEEDLES.filter(([, n]) => text.includes(n)).map(([name, n]) => `${name} (${n})`);
}

function fullKeyIds(text: string): string[] {
  return [...Object.values(KEY), ...Object.values(WORLD_KEYS)].filter((id) => text.includes(id));
}

// ------------------------------------------------------------------ the world
type Json = Record<string, unknown>;

function seed(world: World): void {
  world.account.accessKeys = [
    {
      AccessKeyId: KEY.scan,
      AccessKeySecret: CANARY.scanAkSecret,
      SecurityToken: CANARY.scanStsToken,
    },
    { AccessKeyId: KEY.cli, AccessKeySecret: CANARY.cliAkSecret },
    {
      AccessKeyId: KEY.cliSts,
      AccessKeySecret: CANARY.cliStsSecret,
      SecurityToken: CANARY.cliStsToken,
    },
  ];
  for (const u of world.ram.Users) {
    for (const k of u.AccessKeys) (k as Json)['AccessKeySecret'] = CANARY.userAkSecret;
    if (u.LoginProfile) (u.LoginProfile as Json)['Password'] = CANARY.worldLoginPassword;
  }
  for (const k of world.root.accessKeys) (k as Json)['AccessKeySecret'] = CANARY.rootAkSecret;

  const rootIdentity = {
    type: 'root-account',
    principalId: '1234567890123456',
    accountId: '1234567890123456',
    userName: 'root',
    accessKeyId: WORLD_KEYS.root,
  };
  const event = (id: string, name: string, extra: Json) => ({
    eventId: id,
    eventVersion: '1',
    eventName: name,
    eventType: 'ApiCall',
    eventRW: 'Write',
    eventSource: 'ram.aliyuncs.com',
    eventTime: '2026-10-25T10:00:00Z',
    acsRegion: 'cn-hangzhou',
    isGlobal: true,
    serviceName: 'Ram',
    sourceIpAddress: '198.51.100.23',
    userAgent: 'aliyun-cli/3.0',
    userIdentity: rootIdentity,
    ...extra,
  });
  world.actiontrail.Events.push(
    event('e-canary-create-login-profile', 'CreateLoginProfile', {
      requestParameters: {
        UserName: 'bob',
        Password: CANARY.eventPassword,
        PasswordResetRequired: false,
      },
      responseElements: { LoginProfile: { UserName: 'bob', Password: CANARY.eventResponse } },
      additionalEventData: { Password: CANARY.eventExtra, loginAccount: 'owner@example.com' },
    }),
    event('e-canary-change-password', 'ChangePassword', {
      requestParameters: {
        OldPassword: CANARY.eventOldPassword,
        NewPassword: CANARY.eventNewPassword,
      },
    }),
    event('e-canary-update-login-profile', 'UpdateLoginProfile', {
      userIdentity: { ...rootIdentity, accessKeyId: undefined },
      requestParameters: `UserName=bob&Password=${CANARY.eventPassword}`,
    }),
  );

  const hz = world.ecs['cn-hangzhou']!;
  hz.Invocations.push(
    {
      InvokeId: 't-canary-base64',
      CommandName: 'set-db-password',
      CommandType: 'RunShellScript',
      CommandContent: SCRIPT_B64,
      Username: 'root',
      CreationTime: '2026-10-30T09:00:00Z',
      InvocationStatus: 'Success',
      Parameters: JSON.stringify({ dbPassword: CANARY.commandParameter }), // a JSON string on the wire
      InvokeInstances: [
        { InstanceId: 'i-web1', InvocationStatus: 'Success', Output: OUTPUT_B64, ExitCode: 0 },
      ],
    },
    {
      InvokeId: 't-canary-plain',
      CommandName: 'plain-content',
      CommandType: 'RunShellScript',
      CommandContent: CANARY.commandPlain,
      Username: 'root',
      CreationTime: '2026-10-30T10:00:00Z',
      InvocationStatus: 'Success',
      InvokeInstances: [{ InstanceId: 'i-db1', InvocationStatus: 'Success' }],
    },
  );
}

async function seededWorld(tweak?: (w: World) => void): Promise<World> {
  const world = await loadWorld(path.join(ROOT, 'fixtures', 'worlds', 'demo.yaml'));
  seed(world);
  tweak?.(world);
  return world;
}

// ------------------------------------------------------------------ running
const running: RunningEmulator[] = [];
let emu: RunningEmulator;
let work: string;

/** environment of a scan with the seeded key, secret and token */
function scanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return testEnv({
    ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.scan,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: CANARY.scanAkSecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: CANARY.scanStsToken,
    ...extra,
  });
}

/** an environment whose only credentials are ~/.aliyun/config.json profiles */
function cliProfileEnv(): NodeJS.ProcessEnv {
  const env = testEnv({
    ALIBABA_CLOUD_ACCESS_KEY_ID: undefined,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: undefined,
  });
  const dir = path.join(env['HOME']!, '.aliyun');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      current: 'canary',
      profiles: [
        {
          name: 'canary',
          mode: 'AK',
          access_key_id: KEY.cli,
          access_key_secret: CANARY.cliAkSecret,
          region_id: 'cn-hangzhou',
        },
        {
          name: 'canary-sts',
          mode: 'StsToken',
          access_key_id: KEY.cliSts,
          access_key_secret: CANARY.cliStsSecret,
          sts_token: CANARY.cliStsToken,
          region_id: 'cn-hangzhou',
        },
        {
          name: 'wrong',
          mode: 'AK',
          access_key_id: KEY.cli,
          access_key_secret: CANARY.wrongSecret,
          region_id: 'cn-hangzhou',
        },
      ],
    }),
  );
  return env;
}

function scanArgs(url: string, ...extra: string[]): string[] {
  return ['scan', '--endpoint', url, '--now', NOW, '--timeout', '3000', ...extra];
}

interface Output {
  what: string;
  text: string;
}

function outputsOf(what: string, r: CliResult): Output[] {
  return [
    { what: `${what}: stdout`, text: r.stdout },
    { what: `${what}: stderr`, text: r.stderr },
  ];
}

function filesIn(dir: string, what: string): Output[] {
  return readdirSync(dir).map((f) => ({
    what: `${what}: ${f}`,
    text: readFileSync(path.join(dir, f), 'utf8'),
  }));
}

function expectNoSecrets(outputs: Output[]): void {
  const found = outputs.flatMap((o) => leaks(o.text).map((l) => `${o.what}: ${l}`));
  expect(found).toEqual([]);
}

function expectNoFullKeyIds(outputs: Output[]): void {
  const found = outputs.flatMap((o) => fullKeyIds(o.text).map((id) => `${o.what}: ${id}`));
  expect(found).toEqual([]);
}

beforeAll(async () => {
  emu = await startEmulator(await seededWorld());
  running.push(emu);
  work = tempDir('secrets');
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const FORMATS = ['table', 'json', 'sarif', 'junit', 'markdown', 'html'] as const;
const EXT: Record<(typeof FORMATS)[number], string> = {
  table: 'txt',
  json: 'json',
  sarif: 'sarif',
  junit: 'xml',
  markdown: 'md',
  html: 'html',
};

describe('no secret in any output', () => {
  it('the canaries are where a careless scanner would pick them up (the emulator serves them)', async () => {
    // guards against a vacuous test: the seeded data really is in the API answers
    const res = await fetch(`${emu.url}/__emulator/stats`);
    expect(res.ok).toBe(true);
    const hz = (await seededWorld()).ecs['cn-hangzhou']!;
    expect(hz.Invocations.map((i) => i.CommandContent)).toContain(SCRIPT_B64);
    expect(leaks(JSON.stringify(await seededWorld())).length).toBeGreaterThan(10);
  });

  it('scan: every format as a --report file, the coloured table on stdout', async () => {
    const reports = path.join(work, 'reports');
    mkdirSync(reports);
    const reportArgs = FORMATS.flatMap((f) => [
      '--report',
      `${f}=${path.join(reports, `r.${EXT[f]}`)}`,
    ]);
    // stdout and --report files come from the same formatters (ci.e2e checks the JSON on
    // stdout is the JSON file): one live scan covers every format, the coloured table on
    // stdout and the plain one in its file
    const live = await runCli(scanArgs(emu.url, '--format', 'table', '--color', ...reportArgs), {
      env: scanEnv(),
    });
    expect(live.code, live.stderr).toBe(1); // the demo account has critical findings
    const outputs: Output[] = outputsOf('scan --format table --color', live);
    expect(live.stdout).toContain('\u001b['); // the colour really is on
    const files = filesIn(reports, 'report');
    expect(files).toHaveLength(FORMATS.length);
    outputs.push(...files);
    // the scan did read the seeded data: the root-run commands and the root key's events are findings
    const report = ReportSchema.parse(
      JSON.parse(readFileSync(path.join(reports, 'r.json'), 'utf8')),
    );
    const text = JSON.stringify(report);
    expect(text.includes('t-canary-base64'), 'finding on t-canary-base64').toBe(true);
    expect(text.includes('t-canary-plain'), 'finding on t-canary-plain').toBe(true);
    expect(report.findings.map((f) => f.ruleId)).toContain('actiontrail-root-access-key-used');

    expectNoSecrets(outputs);
    expectNoFullKeyIds(outputs);
    // ... and the ids are there, masked to their last 4 characters
    for (const f of files) {
      if (f.what.endsWith('.txt')) continue; // the table is a summary without evidence
      for (const tail of ['0001', '0002', '1234']) {
        // Markdown escapes the asterisks (`\*\*\*\*0001`), which render as ****0001
        const shown = f.text.includes(`****${tail}`) || f.text.includes(`\\*\\*\\*\\*${tail}`);
        expect(shown, `${f.what} shows ****${tail}`).toBe(true);
      }
    }
    expect(live.stderr).toContain('(AccessKey ****9876)');
    // no other shape of an AccessKey id (a prefix, a longer tail) in any output
    for (const o of outputs) {
      expect(/LTAI[0-9A-Za-z]{2,}|STS\.[0-9A-Za-z]{4,}/.exec(o.text)?.[0], o.what).toBeUndefined();
    }
  });

  it('collect: the snapshot file holds the inventory, no secret; a scan of it shows none', async () => {
    const snap = path.join(work, 'snapshot.json');
    // `-o -` and `-o file` write the same serialisation: the file is checked here
    const toFile = await runCli(['collect', '--endpoint', emu.url, '--now', NOW, '-o', snap], {
      env: scanEnv(),
    });
    expect(toFile.code, toFile.stderr).toBe(0);
    const text = readFileSync(snap, 'utf8');
    const inv = InventorySchema.parse(JSON.parse(text));
    expect(inv.account.callerAccessKeyIdMasked).toBe('****9876');
    // the seeded invocations and events are in it, reduced to their metadata
    expect(inv.ecs.invocations.map((i) => i.invokeId)).toEqual(
      expect.arrayContaining(['t-canary-base64', 't-canary-plain']),
    );
    expect(inv.actiontrail.events.map((e) => e.eventId)).toEqual(
      expect.arrayContaining(['e-canary-create-login-profile', 'e-canary-change-password']),
    );
    expectNoSecrets([{ what: 'snapshot file', text }, ...outputsOf('collect -o file', toFile)]);
    expectNoFullKeyIds([{ what: 'collect stderr', text: toFile.stderr }]);

    // a scan of that snapshot: no secret, ids masked
    const fromSnap = await runCli(['scan', '--snapshot', snap, '--now', NOW, '--format', 'json'], {
      env: scanEnv(),
    });
    expect(fromSnap.code, fromSnap.stderr).toBe(1);
    expectNoSecrets(outputsOf('scan --snapshot', fromSnap));
    expectNoFullKeyIds(outputsOf('scan --snapshot', fromSnap));
  });

  it('rules, rules explain and policy print no secret from the environment', async () => {
    const runs = await Promise.all([
      runCli(['rules'], { env: scanEnv() }),
      runCli(['rules', '--format', 'json'], { env: scanEnv() }),
      runCli(['rules', 'explain', 'cloud-assistant-ran-as-root'], { env: scanEnv() }),
      runCli(['policy'], { env: scanEnv() }),
      runCli(['--version'], { env: scanEnv() }),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const outputs = runs.flatMap((r, i) => outputsOf(`run ${i}`, r));
    expectNoSecrets(outputs);
    expectNoFullKeyIds(outputs);
  });

  it('credentials of the current ~/.aliyun/config.json profile never show', async () => {
    // the chain picks the `current` profile
    const r = await runCli(scanArgs(emu.url, '--format', 'json'), { env: cliProfileEnv() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('credentials from default/cli_profile (AccessKey ****5555)');
    expectNoSecrets(outputsOf('current profile', r));
    expectNoFullKeyIds(outputsOf('current profile', r));
  });

  it('credentials of an STS profile picked with --profile never show', async () => {
    const r = await runCli(scanArgs(emu.url, '--format', 'markdown', '--profile', 'canary-sts'), {
      env: cliProfileEnv(),
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('credentials from cli_profile (AccessKey ****3333)');
    expectNoSecrets(outputsOf('--profile canary-sts', r));
    expectNoFullKeyIds(outputsOf('--profile canary-sts', r));
  });
});

describe('no secret on failure paths', () => {
  it('AccessDenied, server errors, malformed answers and throttling: coverage gaps without secrets', async () => {
    const faulty = await startEmulator(
      await seededWorld((w) => {
        w.emulator.faults.push(
          { action: 'ListAccessKeys', kind: 'accessDenied' },
          { action: 'GetLoginProfile', kind: 'accessDenied', params: { UserName: 'bob' } },
          { action: 'LookupEvents', region: 'ap-southeast-1', kind: 'accessDenied' },
          { action: 'DescribeInvocations', region: 'ap-southeast-1', kind: 'serverError' },
          { action: 'DescribeDisks', kind: 'malformedJson' },
          { action: 'GetPolicy', kind: 'accessDenied' },
          { action: 'DescribeSecurityGroupAttribute', kind: 'connectionReset', count: 1 },
        );
      }),
    );
    running.push(faulty);
    const reports = path.join(work, 'faulty');
    mkdirSync(reports);
    const r = await runCli(
      scanArgs(
        faulty.url,
        '--format',
        'json',
        '--fail-on',
        'none',
        ...FORMATS.flatMap((f) => ['--report', `${f}=${path.join(reports, `r.${EXT[f]}`)}`]),
      ),
      { env: scanEnv() },
    );
    expect(r.code, r.stderr).toBe(3);
    const report = ReportSchema.parse(JSON.parse(r.stdout));
    expect(report.coverage.map((c) => c.error.code)).toEqual(
      expect.arrayContaining(['Forbidden.RAM']),
    );
    const outputs = [...outputsOf('faulty scan', r), ...filesIn(reports, 'faulty report')];
    expectNoSecrets(outputs);
    expectNoFullKeyIds(outputs);
  });

  // one child process per case, so that each case stays well inside its time budget
  const failures: Array<{
    name: string;
    run: () => Promise<CliResult>;
    says?: RegExp;
  }> = [
    {
      name: 'an unreachable endpoint',
      run: () => runCli(scanArgs(UNREACHABLE), { env: scanEnv() }),
    },
    {
      name: 'a wrong secret',
      run: () =>
        runCli(scanArgs(emu.url), {
          env: scanEnv({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: CANARY.wrongSecret }),
        }),
      says: /SignatureDoesNotMatch/,
    },
    {
      name: 'an unknown key',
      run: () =>
        runCli(scanArgs(emu.url), { env: scanEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.unknown }) }),
      says: /InvalidAccessKeyId/,
    },
    {
      name: 'a wrong token',
      run: () =>
        runCli(scanArgs(emu.url), {
          env: scanEnv({ ALIBABA_CLOUD_SECURITY_TOKEN: CANARY.wrongToken }),
        }),
      says: /InvalidSecurityToken/,
    },
    {
      name: 'a profile with a wrong secret',
      run: () => runCli(scanArgs(emu.url, '--profile', 'wrong'), { env: cliProfileEnv() }),
    },
    {
      name: 'collect from an unreachable endpoint',
      run: () =>
        runCli(
          ['collect', '--endpoint', UNREACHABLE, '--now', NOW, '-o', path.join(work, 'never.json')],
          { env: scanEnv() },
        ),
    },
    {
      // the same failure with ECS_AUDIT_DEBUG=1, which may print more
      name: 'a wrong secret with ECS_AUDIT_DEBUG=1',
      run: () =>
        runCli(scanArgs(emu.url), {
          env: scanEnv({
            ALIBABA_CLOUD_ACCESS_KEY_SECRET: CANARY.wrongSecret,
            ECS_AUDIT_DEBUG: '1',
          }),
        }),
      says: /SignatureDoesNotMatch/,
    },
  ];

  it.each(failures)('$name: one line, exit 2, no secret', async ({ name, run, says }) => {
    const r = await run();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain('\n    at ');
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    if (says) expect(r.stderr).toMatch(says);
    expectNoSecrets(outputsOf(name, r));
    expectNoFullKeyIds(outputsOf(name, r));
    expect(readdirSync(work)).not.toContain('never.json');
  });
});

/**
 * An endpoint nothing listens on: port 1 lies below the ephemeral range, so no
 * server a parallel test starts on port 0 can take it (a port found free and
 * let go could be handed to one of them mid-run).
 */
const UNREACHABLE = 'http://127.0.0.1:1';
