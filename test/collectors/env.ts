/** Environment isolation for collector tests: an empty temp HOME and no ALIBABA_CLOUD_* leftovers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const KEYS = [
  'HOME',
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'ALIBABA_CLOUD_PROFILE',
  'ALIBABA_CLOUD_CREDENTIALS_FILE',
  'ALIBABA_CLOUD_CREDENTIALS_URI',
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
  'ALIBABA_CLOUD_CLI_PROFILE_DISABLED',
  'ECS_AUDIT_ENDPOINT',
];

export interface IsolatedEnv {
  home: string;
  restore(): void;
}

/** a fresh empty HOME, credentials variables cleared; ECS metadata stays disabled (test/setup.ts) */
export function isolateEnv(): IsolatedEnv {
  const saved = new Map(KEYS.map((k) => [k, process.env[k]]));
  const home = mkdtempSync(path.join(tmpdir(), 'ecs-audit-home-'));
  for (const k of KEYS) delete process.env[k];
  process.env.HOME = home;
  process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
  return {
    home,
    restore() {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export const TEST_AK = 'LTAI5tTestKey0001';
export const TEST_SECRET = 'test-secret-do-not-leak-0001';

export function useEnvKeys(id = TEST_AK, secret = TEST_SECRET): void {
  process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = id;
  process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = secret;
}
