/**
 * The redaction of signed URL parameters in coverage messages (errors.ts
 * `oneLine`), made to fire the way it does in a scan: a held answer's
 * ReadTimeout message carries the request path, and a legacy (v2) signed RPC
 * request carries AccessKeyId, Signature and SecurityToken in its query.
 */
import { afterAll, expect, it } from 'vitest';
import { describeError } from '../../src/collectors/errors.js';
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
