/**
 * The redaction of signed URL parameters in coverage messages (errors.ts
 * `oneLine`), made to fire the way it does in a scan: a held answer's
 * ReadTimeout message carries the request path, and a legacy (v2) signed RPC
 * request carries AccessKeyId, Signature and SecurityToken in its query.
 */
import { afterAll, expect, it } from 'vitest';
import { describeError } from '../../src/collectors/errors.js';
import { retryKind } from '../../src/collectors/retry.js';
import { startEmulator } from '../../src/emulator/server.js';
import type { RunningEmulator } from '../../src/emulator/types.js';
import { parseWorld } from '../../src/emulator/world.js';
import { $Ecs, clients } from '../helpers/sdk.js';

let emu: RunningEmulator | undefined;
afterAll(async () => {
  await emu?.close();
});

it('a timed-out v2 request: the coverage message keeps the path but drops AccessKeyId, Signature and SecurityToken', async () => {
  emu = await startEmulator(
    parseWorld({
      version: 1,
      account: { accountId: '1234567890123456' },
      regions: [{ RegionId: 'cn-hangzhou' }],
      emulator: { faults: [{ action: 'DescribeRegions', kind: 'timeout' }], timeoutHoldMs: 2_000 },
    }),
  );
  const { ecs } = clients(emu.url, {
    signatureAlgorithm: 'v2',
    accessKeyId: 'LTAIvisibleKeyId9',
    securityToken: 'sts-token-value-123',
    readTimeout: 200,
  });
  const err = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})).then(
    () => undefined,
    (e: unknown) => e,
  );
  const raw = String((err as Error | undefined)?.message);
  // the SDK's own message: it is what would reach the report without the redaction
  expect(raw).toMatch(/ReadTimeout/);
  expect(raw).toMatch(/[?&]Signature=/);
  expect(raw).toContain('sts-token-value-123');
  const { code, message } = describeError(err);
  expect(code).toBe('RequestTimeout');
  expect(message).toMatch(/ReadTimeout/);
  expect(message).toContain('DescribeRegions');
  expect(message).not.toMatch(/Signature=|AccessKeyId=|SecurityToken=/);
  expect(message).not.toContain('sts-token-value-123');
  expect(message).not.toContain('LTAIvisibleKeyId9');
});

it('an error answer without Code (a gateway page in JSON): the code is the HTTP status, without "request id: undefined", and it is retried as a server error', async () => {
  const http = await import('node:http');
  const server = http.createServer((_req, res) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'upstream connect error' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const { port } = server.address() as import('node:net').AddressInfo;
    const { ecs } = clients(`http://127.0.0.1:${port}`);
    const err = await ecs.describeRegions(new $Ecs.DescribeRegionsRequest({})).then(
      () => undefined,
      (e: unknown) => e,
    );
    // the SDK's own error: what a coverage entry showed before
    expect((err as { code?: unknown }).code).toBe('undefined');
    expect(describeError(err)).toEqual({ code: 'HTTP502', message: 'upstream connect error' });
    expect(retryKind(err)).toBe('server');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

it.each(['EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'ECONNRESET'])(
  'a lost route or connection (%s) is retried as a network failure',
  (code) => {
    // as Node's net module makes it
    const err = Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code, errno: -1 });
    expect(retryKind(err)).toBe('network');
    expect(describeError(err).code).toBe(code);
  },
);

it('a host that does not exist (ENOTFOUND) is not retried: it stays so', () => {
  const err = Object.assign(new Error('getaddrinfo ENOTFOUND ecs.nowhere.aliyuncs.com'), {
    code: 'ENOTFOUND',
  });
  expect(retryKind(err)).toBeUndefined();
});
