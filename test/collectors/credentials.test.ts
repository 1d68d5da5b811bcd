import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CredentialsError,
  cliConfigProblem,
  resolveCredentials,
} from '../../src/credentials/index.js';
import { type IsolatedEnv, isolateEnv, TEST_SECRET, useEnvKeys } from './env.js';

let env: IsolatedEnv;
beforeEach(() => {
  env = isolateEnv();
});
afterEach(() => env.restore());

function writeIni(text: string): void {
  mkdirSync(path.join(env.home, '.alibabacloud'), { recursive: true });
  writeFileSync(path.join(env.home, '.alibabacloud', 'credentials'), text);
}

function writeCliConfig(config: unknown): void {
  mkdirSync(path.join(env.home, '.aliyun'), { recursive: true });
  writeFileSync(path.join(env.home, '.aliyun', 'config.json'), JSON.stringify(config));
}

describe('resolveCredentials', () => {
  it('reads the environment', async () => {
    useEnvKeys('LTAI5tEnvKey1234', TEST_SECRET);
    const c = await resolveCredentials();
    expect(c.source).toBe('default/env');
    expect(c.accessKeyIdMasked).toBe('****1234');
    expect(c.temporary).toBe(false);
    expect(JSON.stringify({ ...c, credential: undefined })).not.toContain(TEST_SECRET);
    expect(c.redact(`boom ${TEST_SECRET} LTAI5tEnvKey1234`)).toBe('boom *** ***');
  });

  it('marks STS credentials from the environment as temporary', async () => {
    useEnvKeys('STS.NTestKey9876', TEST_SECRET);
    process.env.ALIBABA_CLOUD_SECURITY_TOKEN = 'token-value-xyz';
    const c = await resolveCredentials();
    expect(c.temporary).toBe(true);
    expect(c.accessKeyIdMasked).toBe('****9876');
  });

  it('reads a named profile of ~/.alibabacloud/credentials with --profile', async () => {
    writeIni(
      [
        '[default]',
        'type = access_key',
        'access_key_id = LTAIiniDefault0000',
        'access_key_secret = ini-default-secret',
        '[audit]',
        'type = access_key',
        'access_key_id = LTAIiniAudit5678',
        'access_key_secret = ini-audit-secret',
        '',
      ].join('\n'),
    );
    const c = await resolveCredentials({ profile: 'audit' });
    expect(c.source).toBe('profile');
    expect(c.accessKeyIdMasked).toBe('****5678');
    // without --profile the chain reads the [default] section
    const d = await resolveCredentials();
    expect(d.source).toBe('default/profile');
    expect(d.accessKeyIdMasked).toBe('****0000');
  });

  it('an explicit --profile wins over environment keys and leaves the environment untouched', async () => {
    useEnvKeys('LTAI5tEnvKey1234', TEST_SECRET);
    writeIni(
      [
        '[audit]',
        'type = access_key',
        'access_key_id = LTAIiniAudit5678',
        'access_key_secret = s',
        '',
      ].join('\n'),
    );
    const c = await resolveCredentials({ profile: 'audit' });
    expect(c.accessKeyIdMasked).toBe('****5678');
    expect(process.env.ALIBABA_CLOUD_PROFILE).toBeUndefined();
    // the chain (no --profile) takes the environment first
    expect((await resolveCredentials()).source).toBe('default/env');
  });

  it('a CLI StsToken profile is temporary; its secret and token are never returned', async () => {
    writeCliConfig({
      current: 'sts',
      profiles: [
        {
          name: 'sts',
          mode: 'StsToken',
          access_key_id: 'STS.cliTokenKey7777',
          access_key_secret: 'cli-sts-secret-value',
          sts_token: 'cli-sts-token-value',
          region_id: 'cn-hangzhou',
        },
      ],
    });
    const c = await resolveCredentials({ profile: 'sts' });
    expect(c.source).toBe('cli_profile');
    expect(c.temporary).toBe(true);
    expect(c.accessKeyIdMasked).toBe('****7777');
    const visible = JSON.stringify({ ...c, credential: undefined });
    for (const secret of ['cli-sts-secret-value', 'cli-sts-token-value', 'STS.cliTokenKey7777'])
      expect(visible).not.toContain(secret);
    expect(c.redact('x cli-sts-token-value y cli-sts-secret-value')).toBe('x *** y ***');
  });

  it('a name that is not a profile name is refused before any file is read', async () => {
    const err = await resolveCredentials({ profile: '../etc/passwd' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toMatch(/^--profile: not a profile name/);
  });

  it('reads a profile of ~/.aliyun/config.json', async () => {
    writeCliConfig({
      current: 'main',
      profiles: [
        {
          name: 'main',
          mode: 'AK',
          access_key_id: 'LTAIcliMain0001',
          access_key_secret: 'cli-main-secret',
          region_id: 'cn-hangzhou',
        },
        {
          name: 'ops',
          mode: 'AK',
          access_key_id: 'LTAIcliOps00042',
          access_key_secret: 'cli-ops-secret',
          region_id: 'cn-hangzhou',
        },
      ],
    });
    const current = await resolveCredentials();
    expect(current.source).toBe('default/cli_profile');
    expect(current.accessKeyIdMasked).toBe('****0001');
    const ops = await resolveCredentials({ profile: 'ops' });
    expect(ops.accessKeyIdMasked).toBe('****0042');
  });

  it('with nothing configured fails with one short line and no SDK chain message', async () => {
    const err = await resolveCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    const message = (err as Error).message;
    expect(message).toMatch(/^no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID\/SECRET/);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('providers in the chain');
    expect(message).not.toContain(env.home);
  });

  it('an unknown --profile fails with one line naming the profile', async () => {
    const err = await resolveCredentials({ profile: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toMatch(/^no credentials found for profile "nope"/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('a ~/.aliyun/config.json that is a directory says so', async () => {
    mkdirSync(path.join(env.home, '.aliyun', 'config.json'), { recursive: true });
    const err = await resolveCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).toBe(
      'no credentials found: ~/.aliyun/config.json is a directory (aliyun configure)',
    );
  });

  it('a missing profile says whether ALIBABA_CLOUD_PROFILE or the file chose it', async () => {
    mkdirSync(path.join(env.home, '.aliyun'), { recursive: true });
    writeFileSync(
      path.join(env.home, '.aliyun', 'config.json'),
      JSON.stringify({ current: 'default', profiles: [{ name: 'default', mode: 'AK' }] }),
    );
    expect(await cliConfigProblem(env.home, { ALIBABA_CLOUD_PROFILE: 'prod' })).toBe(
      '~/.aliyun/config.json has no profile "prod" (named by ALIBABA_CLOUD_PROFILE)',
    );
  });

  it('a broken ~/.aliyun/config.json is not a crash: one line', async () => {
    mkdirSync(path.join(env.home, '.aliyun'), { recursive: true });
    writeFileSync(path.join(env.home, '.aliyun', 'config.json'), '{not json');
    const err = await resolveCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    expect((err as Error).message).not.toContain('\n');
  });

  it.each([
    [
      'not JSON (the secret inside never shown)',
      `{"profiles": [{"access_key_secret": "${TEST_SECRET}"`,
      '~/.aliyun/config.json is not valid JSON',
    ],
    ['no profiles', { current: 'default', profiles: [] }, '~/.aliyun/config.json has no profiles'],
    [
      'its current profile missing',
      { current: 'prod', profiles: [{ name: 'default', mode: 'AK' }] },
      '~/.aliyun/config.json has no profile "prod" (its current profile)',
    ],
    [
      'an StsToken profile without its token',
      {
        current: 'default',
        profiles: [
          {
            name: 'default',
            mode: 'StsToken',
            access_key_id: 'LTAIcli0000000001',
            access_key_secret: TEST_SECRET,
          },
        ],
      },
      '~/.aliyun/config.json: profile "default" (mode StsToken) has no sts_token',
    ],
    [
      'a mode the credential chain does not know',
      { current: 'default', profiles: [{ name: 'default', mode: 'Bogus' }] },
      '~/.aliyun/config.json: profile "default" has mode "Bogus", which is not one of AK, StsToken, RamRoleArn, EcsRamRole, OIDC, ChainableRamRoleArn, CloudSSO, OAuth, External',
    ],
    [
      // (the library refuses an empty RoleArn before any network call)
      'a RamRoleArn profile without its role',
      {
        current: 'default',
        profiles: [
          {
            name: 'default',
            mode: 'RamRoleArn',
            access_key_id: 'LTAIcli0000000001',
            access_key_secret: TEST_SECRET,
          },
        ],
      },
      '~/.aliyun/config.json: profile "default" (mode RamRoleArn) has no ram_role_arn',
    ],
    [
      // the library runs the command; `false` prints nothing and exits 1
      'an External profile whose command fails',
      {
        current: 'default',
        profiles: [{ name: 'default', mode: 'External', process_command: 'false' }],
      },
      '~/.aliyun/config.json: profile "default" (mode External) gave no credentials: its process_command failed or printed no credentials',
    ],
    [
      // the metadata service is switched off in every test
      'an EcsRamRole profile off an ECS instance',
      {
        current: 'default',
        profiles: [{ name: 'default', mode: 'EcsRamRole', ram_role_name: 'r' }],
      },
      '~/.aliyun/config.json: profile "default" (mode EcsRamRole) gave no credentials: the instance metadata service did not answer (not an ECS instance, or ALIBABA_CLOUD_ECS_METADATA_DISABLED is set)',
    ],
  ])('a CLI config that gives no credentials says why: %s', async (_name, config, reason) => {
    mkdirSync(path.join(env.home, '.aliyun'), { recursive: true });
    writeFileSync(
      path.join(env.home, '.aliyun', 'config.json'),
      typeof config === 'string' ? config : JSON.stringify(config),
    );
    const err = await resolveCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialsError);
    const message = (err as Error).message;
    expect(message).toBe(`no credentials found: ${reason} (aliyun configure)`);
    expect(message).not.toContain(TEST_SECRET);
  });
});
