/**
 * Credentials: the default chain of `@alicloud/credentials` (environment,
 * OIDC/RRSA, `~/.aliyun/config.json`, `~/.alibabacloud/credentials`, ECS RAM
 * role, credentials URI), resolved once at start-up so that "no credentials"
 * is one clear line instead of the SDK's concatenated chain message.
 *
 * Nothing here ever prints or returns a secret: callers get the provider name,
 * the AccessKey id masked to its last 4 characters, and a `redact` function
 * that scrubs the secret and token out of any text (error messages).
 */
import CredentialPkg from '@alicloud/credentials';
import { cjsDefault } from '../collectors/interop.js';

const Credential = cjsDefault(CredentialPkg);
export type CredentialClient = InstanceType<typeof Credential>;

export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export interface ResolvedCredentials {
  /** the shared credential object every SDK client receives */
  credential: CredentialClient;
  /** the provider that answered, e.g. `default/env`, `default/cli_profile` */
  source: string;
  /** the AccessKey id masked to its last 4 characters, e.g. `****1234` */
  accessKeyIdMasked: string;
  /** true for STS (temporary) credentials */
  temporary: boolean;
  /** replaces the secret, the token and the full AccessKey id in a text */
  redact(text: string): string;
}

export interface ResolveOptions {
  /** a profile name, as the aliyun CLI names it (`--profile`) */
  profile?: string;
}

export function maskAccessKeyId(id: string): string {
  return `****${id.slice(-4)}`;
}

export function makeRedactor(secrets: Array<string | undefined>): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return (text: string) => {
    let out = text;
    for (const s of list) out = out.split(s).join('***');
    return out;
  };
}

export async function resolveCredentials(
  options: ResolveOptions = {},
): Promise<ResolvedCredentials> {
  if (options.profile !== undefined) {
    if (!/^[\w.@-]+$/.test(options.profile)) {
      throw new CredentialsError(`--profile: not a profile name: "${options.profile}"`);
    }
    process.env.ALIBABA_CLOUD_PROFILE = options.profile;
  }
  let credential: CredentialClient;
  let model: Awaited<ReturnType<CredentialClient['getCredential']>>;
  try {
    credential = new Credential();
    model = await credential.getCredential();
  } catch {
    // the SDK's message concatenates every provider's failure (and file paths); never shown
    throw new CredentialsError(
      options.profile !== undefined
        ? `no credentials found for profile "${options.profile}": check ~/.aliyun/config.json (aliyun configure --profile ${options.profile}) or ~/.alibabacloud/credentials`
        : 'no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, or configure a profile (aliyun configure)',
    );
  }
  const accessKeyId = model.accessKeyId ?? '';
  if (!accessKeyId || !model.accessKeySecret) {
    throw new CredentialsError(
      `credentials from ${model.providerName ?? 'the default chain'} have no AccessKey pair`,
    );
  }
  const securityToken = model.securityToken ?? '';
  return {
    credential,
    source: model.providerName ?? 'default',
    accessKeyIdMasked: maskAccessKeyId(accessKeyId),
    temporary: securityToken !== '',
    redact: makeRedactor([model.accessKeySecret, securityToken, accessKeyId]),
  };
}
