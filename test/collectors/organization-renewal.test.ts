/**
 * A member's temporary credentials are renewed before they expire: STS tokens
 * last an hour (the member role's default maximum), and a member whose scan
 * outlives its token would see every later call refused with
 * `InvalidSecurityToken.Expired`. The renewal is AssumeRole again, through
 * the caller's gate, counted by the emulator; the clock is moved forward
 * (Date only: the emulator in this process answers with the same clock).
 */
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { isEnterFailure, openOrganization } from '../../src/collectors/organization.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import { startEmulator } from '../../src/emulator/server.js';
import { loadWorld } from '../../src/emulator/world.js';
import { ROOT } from '../helpers/cli.js';
import { isolateCollectorRuns } from './harness.js';

isolateCollectorRuns();
afterEach(() => {
  vi.useRealTimers();
});

const MEMBER = '1000000000000003';

/** the member entered by the caller, with Date faked from now on */
async function enterWithFakeClock(endpoint: string) {
  const session = await openOrganization({
    credential: (await resolveCredentials()).credential,
    redact: (s) => s,
    endpoint,
    memberRole: 'ResourceDirectoryAccountAccessRole',
  });
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
  const entered = await session.enter(MEMBER);
  if (isEnterFailure(entered)) throw new Error(`not entered: ${entered.code}`);
  return entered;
}

it('a member token is used until 15 minutes before it expires, then renewed with AssumeRole; every token is redacted', async () => {
  const emu = await startEmulator(await loadWorld(path.join(ROOT, 'fixtures/worlds/org.yaml')));
  try {
    const assumed = () => emu.stats().requests['AssumeRole'] ?? 0;
    const entered = await enterWithFakeClock(emu.url);
    expect(assumed()).toBe(1);
    const first = await entered.credential.getCredential();
    expect(first.accessKeyId).toMatch(/^STS\./);
    // 44 minutes on: the first token is still used, no second AssumeRole
    vi.setSystemTime(Date.now() + 44 * 60_000);
    expect((await entered.credential.getCredential()).accessKeyId).toBe(first.accessKeyId);
    expect(assumed()).toBe(1);
    // 46 minutes on: within 15 minutes of its hour, a new token
    vi.setSystemTime(Date.now() + 2 * 60_000);
    const second = await entered.credential.getCredential();
    expect(assumed()).toBe(2);
    expect(second.accessKeyId).toMatch(/^STS\./);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.securityToken).not.toBe(first.securityToken);
    const text = `a ${first.securityToken} b ${second.securityToken} c ${second.accessKeySecret}`;
    expect(entered.redact(text)).toBe('a *** b *** c ***');
  } finally {
    vi.useRealTimers();
    await emu.close();
  }
});

it('a renewal that fails keeps the token while it is valid: the member is not lost to an STS outage', async () => {
  const emu = await startEmulator(await loadWorld(path.join(ROOT, 'fixtures/worlds/org.yaml')));
  try {
    const entered = await enterWithFakeClock(emu.url);
    const first = await entered.credential.getCredential();
    // STS cannot be reached when the renewal is due (its retries give up)
    await emu.close();
    vi.setSystemTime(Date.now() + 50 * 60_000);
    const still = await entered.credential.getCredential();
    expect(still.accessKeyId).toBe(first.accessKeyId);
  } finally {
    vi.useRealTimers();
    await emu.close().catch(() => undefined);
  }
});
