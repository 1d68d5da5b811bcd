/**
 * The credential report's `LOGIN_DISABLED`: a password column (or the last
 * logon) of the root's or a RAM user's row may say it instead of TRUE/FALSE or
 * a time; it means no console sign-in capability, never a sign-in time.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { consoleLogin, credentialReportWait, reportTime } from '../../src/collectors/ims.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';
import { baseWorld, closeAll, runCollect } from './harness.js';

describe('credential report password columns', () => {
  it.each([
    ['root, password set', { password_exist: 'TRUE', password_active: 'N/A' }, true],
    [
      'root, console sign-in disabled',
      { password_exist: 'LOGIN_DISABLED', password_active: 'LOGIN_DISABLED' },
      false,
    ],
    [
      'user, disabled in password_active only',
      { password_exist: 'TRUE', password_active: 'LOGIN_DISABLED' },
      false,
    ],
    [
      'user, disabled in the last logon',
      { password_exist: 'TRUE', password_active: 'TRUE', user_last_logon: 'LOGIN_DISABLED' },
      false,
    ],
    ['user, no password', { password_exist: 'FALSE', password_active: 'N/A' }, false],
    ['user, inactive password', { password_exist: 'TRUE', password_active: 'FALSE' }, false],
    ['columns missing', {}, null],
    ['unreadable value', { password_exist: 'no_information' }, null],
  ] as const)('%s', (_, row, expected) => {
    expect(consoleLogin(row as Record<string, string>)).toBe(expected);
  });

  it('LOGIN_DISABLED is not a time', () => {
    expect(reportTime('LOGIN_DISABLED')).toBeNull();
    expect(reportTime('login_disabled')).toBeNull();
    expect(reportTime('2026-10-01T00:00:00Z')).toBe('2026-10-01T00:00:00Z');
  });
});

describe('LOGIN_DISABLED through the emulator', () => {
  let env: IsolatedEnv | undefined;
  afterAll(async () => {
    await closeAll();
    env?.restore();
  });

  it('the root and a RAM user with console sign-in disabled have no console capability; others keep theirs', async () => {
    env = isolateEnv();
    useEnvKeys();
    const { inventory } = await runCollect(
      baseWorld({
        root: {
          mfaEnabled: false,
          accessKeys: [],
          loginDisabled: true,
          lastLoginDate: '2026-09-01T00:00:00Z',
        },
        ram: {
          Users: [
            {
              UserName: 'off',
              LoginProfile: { MFABindRequired: false },
              ConsoleLoginDisabled: true,
              LastLoginDate: '2026-09-02T00:00:00Z',
            },
            { UserName: 'on', LoginProfile: { MFABindRequired: false } },
            { UserName: 'keys-only' },
          ],
        },
      }),
    );
    expect(inventory.coverage).toEqual([]);
    expect(inventory.root.credentialReport).toMatchObject({
      consoleLogin: false,
      lastLogon: '2026-09-01T00:00:00Z',
    });
    const users = Object.fromEntries(inventory.ram.users.map((u) => [u.name, u]));
    // GetLoginProfile answered a profile, the report says the sign-in is disabled
    expect(users['off']?.loginProfile).toBeNull();
    expect(users['off']?.lastLoginDate).toBe('2026-09-02T00:00:00Z');
    // the report says a password exists (its details are GetLoginProfile's, not asked)
    expect(users['on']?.loginProfile).toEqual({});
    expect(users['keys-only']?.loginProfile).toBeNull();
  });

  it('a root with a password can sign in', async () => {
    const { inventory } = await runCollect(
      baseWorld({ root: { mfaEnabled: true, accessKeys: [] } }),
    );
    expect(inventory.root.credentialReport?.consoleLogin).toBe(true);
  });

  it('polls the report soon after starting it, then waits twice as long each time, up to the configured delay', async () => {
    const waits: number[] = [];
    const { inventory, emulator } = await runCollect(
      baseWorld({ root: { mfaEnabled: true, accessKeys: [] } }),
      {
        credentialReportPollDelayMs: 2_000,
        // nothing else sleeps in a fault-free run (no retries)
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    );
    expect(inventory.root.credentialReport).toBeDefined();
    // the emulator's report is STARTED at the first call and COMPLETED at the next
    expect(emulator.stats().requests['GenerateCredentialReport']).toBe(2);
    expect(waits).toEqual([250]);
  });

  it.each([
    [1, 2_000, 250],
    [2, 2_000, 500],
    [3, 2_000, 1_000],
    [4, 2_000, 2_000],
    [9, 2_000, 2_000],
    [1, 1, 1],
  ])('poll %i with at most %i ms between polls waits %i ms', (poll, max, wait) => {
    expect(credentialReportWait(poll, max)).toBe(wait);
  });
});
