/**
 * The credential chain's fetched sources: OIDC/RRSA and a credentials URI that
 * give nothing are named (variables only, never values), and every key a
 * renewing source hands out is redacted. Nothing here leaves 127.0.0.1: the
 * OIDC provider reads its token file before any STS call, and the credentials
 * URI is a server of this test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialsError, resolveCredentials } from '../../src/credentials/index.js';
import { redactKnownSecrets } from '../../src/util/redact.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';

let env: IsolatedEnv;
let server: Server | undefined;
beforeEach(() => {
  env = isolateEnv();
});
afterEach(async () => {
  env.restore();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

/** a credentials URI on loopback; `answer(n)` gives the n-th request's status and body */
async function credentialsUri(answer: (n: number) => [number, string]): Promise<string> {
  let n = 0;
  server = createServer((_req, res) => {
    const [status, body] = answer(++n);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  // a token in the query, as some credential services take one: never to be shown
  return `http://127.0.0.1:${port}/credentials?token=uri-query-secret-0001`;
}

async function failure(): Promise<string> {
  const err = await resolveCredentials().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CredentialsError);
  return (err as Error).message;
}

const ROLE = 'acs:ram::1234567890123456:role/rrsa-audit-role-value';
const PROVIDER = 'acs:ram::1234567890123456:oidc-provider/ack-rrsa-value';

describe('a configured source that gives no credentials is named', () => {
  it('RRSA/OIDC with all three variables and an unreadable token file', async () => {
    const tokenFile = path.join(env.home, 'no-such-dir', 'oidc-token-value');
    process.env.ALIBABA_CLOUD_ROLE_ARN = ROLE;
    process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN = PROVIDER;
    process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE = tokenFile;
    const message = await failure();
    expect(message).toBe(
      'no credentials found: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE are set (RRSA/OIDC) but gave no credentials: the file ALIBABA_CLOUD_OIDC_TOKEN_FILE names cannot be read (ENOENT)',
    );
    for (const value of [ROLE, PROVIDER, tokenFile]) expect(message).not.toContain(value);
  });

  it('RRSA/OIDC with only some of its variables says which are missing', async () => {
    process.env.ALIBABA_CLOUD_ROLE_ARN = ROLE;
    expect(await failure()).toBe(
      'no credentials found: RRSA/OIDC needs ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE: ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set',
    );
    process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN = PROVIDER;
    expect(await failure()).toMatch(/: ALIBABA_CLOUD_OIDC_TOKEN_FILE is not set$/);
  });

  it('a broken OIDC source is no reason when a later source answers', async () => {
    process.env.ALIBABA_CLOUD_ROLE_ARN = ROLE;
    process.env.ALIBABA_CLOUD_OIDC_PROVIDER_ARN = PROVIDER;
    process.env.ALIBABA_CLOUD_OIDC_TOKEN_FILE = path.join(env.home, 'absent');
    mkdirSync(path.join(env.home, '.aliyun'));
    writeFileSync(
      path.join(env.home, '.aliyun', 'config.json'),
      JSON.stringify({
        current: 'default',
        profiles: [
          {
            name: 'default',
            mode: 'AK',
            access_key_id: 'LTAIcli0000004321',
            access_key_secret: 's',
          },
        ],
      }),
    );
    const c = await resolveCredentials();
    expect(c.source).toBe('default/cli_profile');
  });

  it('a credentials URI answering 500: its status, never its body or query', async () => {
    let asked = 0;
    process.env.ALIBABA_CLOUD_CREDENTIALS_URI = await credentialsUri(() => {
      asked++;
      return [500, '{"Message":"upstream-body-secret-0001"}'];
    });
    const message = await failure();
    expect(message).toBe(
      'no credentials found: ALIBABA_CLOUD_CREDENTIALS_URI is set but gave no credentials (HTTP 500)',
    );
    expect(asked).toBeGreaterThan(0);
  });

  it('a credentials URI nobody listens on: the connection error code', async () => {
    const uri = await credentialsUri(() => [500, '']);
    await new Promise<void>((done) => server?.close(() => done()));
    server = undefined;
    process.env.ALIBABA_CLOUD_CREDENTIALS_URI = uri;
    expect(await failure()).toBe(
      'no credentials found: ALIBABA_CLOUD_CREDENTIALS_URI is set but gave no credentials (ECONNREFUSED)',
    );
  });

  it('an environment AccessKey pair still wins over both', async () => {
    useEnvKeys();
    process.env.ALIBABA_CLOUD_ROLE_ARN = ROLE;
    process.env.ALIBABA_CLOUD_CREDENTIALS_URI = 'http://127.0.0.1:1/never-asked';
    expect((await resolveCredentials()).source).toBe('default/env');
  });
});

describe('renewed credentials are redacted', () => {
  it('each key a renewing credentials URI hands out is redacted', async () => {
    // five minutes left is inside the library's 15-minute renewal margin: every call renews
    process.env.ALIBABA_CLOUD_CREDENTIALS_URI = await credentialsUri((n) => [
      200,
      JSON.stringify({
        AccessKeyId: `STS.NTrot${String(n).padStart(6, '0')}ROTK`,
        AccessKeySecret: `rotSecret${n}abcdefgh`,
        SecurityToken: `CAISrotToken${n}zzzzzz`,
        Expiration: new Date(Date.now() + 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      }),
    ]);
    const c = await resolveCredentials();
    expect(c.source).toBe('default/credential_uri');
    expect(c.redact('rotSecret1abcdefgh CAISrotToken1zzzzzz')).toBe('*** ***');

    const second = await c.credential.getCredential();
    expect(second.accessKeySecret).toBe('rotSecret2abcdefgh');
    const text = `${second.accessKeyId} ${second.accessKeySecret} ${second.securityToken}`;
    expect(c.redact(text)).toBe('*** *** ***');
    expect(redactKnownSecrets(text)).toBe('*** *** ***');
    // URL-encoded, as an endpoint may echo a signed query
    expect(c.redact(encodeURIComponent('CAISrotToken2zzzzzz+'))).toBe('***%2B');

    // the deprecated getters the SDK's gateway signer calls renew as well
    const token = await c.credential.getSecurityToken();
    expect(token).toBe('CAISrotToken3zzzzzz');
    expect(c.redact(token)).toBe('***');
    // the first key stays redacted
    expect(c.redact('rotSecret1abcdefgh')).toBe('***');
  });
});
