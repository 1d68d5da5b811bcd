/**
 * Credentials: the default chain of `@alicloud/credentials` (environment,
 * OIDC/RRSA, `~/.aliyun/config.json`, `~/.alibabacloud/credentials`, ECS RAM
 * role, credentials URI), resolved once at start-up so that "no credentials"
 * is one clear line instead of the SDK's concatenated chain message.
 *
 * `profile` (the CLI's `--profile NAME`) bypasses the chain and reads exactly
 * that profile: first from `~/.aliyun/config.json` (as `aliyun configure
 * --profile NAME` writes it), else the `[NAME]` section of
 * `~/.alibabacloud/credentials` (or `ALIBABA_CLOUD_CREDENTIALS_FILE`). An
 * explicit profile is never overridden by environment variables.
 *
 * Nothing here ever prints or returns a secret: callers get the provider name,
 * the AccessKey id masked to its last 4 characters, and a `redact` function
 * that scrubs the secret, the token and the full AccessKey id out of any text.
 */

import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import CredentialPkg, {
  CLIProfileCredentialsProvider,
  ProfileCredentialsProvider,
  URICredentialsProvider,
} from '@alicloud/credentials';
import { cjsDefault } from '../collectors/interop.js';
import { maskAccessKeyId } from '../util/mask.js';
import { learningRedactor, makeRedactor } from '../util/redact.js';

const Credential = cjsDefault(CredentialPkg);
export type CredentialClient = InstanceType<typeof Credential>;
type CredentialModel = Awaited<ReturnType<CredentialClient['getCredential']>>;

/** No usable credentials: the message is one line, without paths of the chain or secrets. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

export interface ResolvedCredentials {
  /** the shared credential object every SDK client receives */
  credential: CredentialClient;
  /**
   * where the credentials came from: the chain's provider (`default/env`,
   * `default/cli_profile`, `default/profile`, `default/ecs_ram_role`, ...) or,
   * with an explicit profile, `cli_profile` / `profile`
   */
  source: string;
  /** the AccessKey id masked to its last 4 characters, e.g. `****1234` */
  accessKeyIdMasked: string;
  /** true for STS (temporary) credentials */
  temporary: boolean;
  /** replaces the secret, the token and the full AccessKey id (renewed ones too) in a text */
  redact(text: string): string;
}

export interface ResolveOptions {
  /** a profile name, as the aliyun CLI names it (`--profile`) */
  profile?: string;
}

/**
 * the caller's key is masked exactly as reports mask AccessKey ids, so the two
 * can be compared; secrets are redacted as typed and URL-encoded (an endpoint
 * may echo the signed request's query)
 */
export { makeRedactor, maskAccessKeyId };

const NO_CREDENTIALS =
  'no credentials found: set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, or configure a profile (aliyun configure)';

export async function resolveCredentials(
  options: ResolveOptions = {},
): Promise<ResolvedCredentials> {
  const profile = options.profile;
  let resolved: { credential: CredentialClient; model: CredentialModel } | undefined;
  if (profile !== undefined) {
    if (!/^[\w.@-]{1,64}$/.test(profile)) {
      throw new CredentialsError(`--profile: not a profile name: ${JSON.stringify(profile)}`);
    }
    resolved = (await fromProfile(profile)) ?? undefined;
    if (!resolved) {
      throw new CredentialsError(
        `no credentials found for profile "${profile}": check ~/.aliyun/config.json (aliyun configure --profile ${profile}) or ~/.alibabacloud/credentials`,
      );
    }
  } else {
    // half an AccessKey pair in the environment: the chain would skip it silently
    const id = process.env['ALIBABA_CLOUD_ACCESS_KEY_ID'];
    const secret = process.env['ALIBABA_CLOUD_ACCESS_KEY_SECRET'];
    if (Boolean(id) !== Boolean(secret)) {
      const [set, unset] = id
        ? ['ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET']
        : ['ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'ALIBABA_CLOUD_ACCESS_KEY_ID'];
      throw new CredentialsError(`${set} is set but ${unset} is not: set both (or neither)`);
    }
    resolved = await attemptResolve(() => new Credential());
    // the SDK's message concatenates every provider's failure (and file paths, and the aliyun
    // CLI config's whole text, secrets included); never shown: each configured source that gave
    // nothing is named here, in the chain's order (all of them failed, or one would have answered)
    if (!resolved) {
      const cli = await cliConfigProblem(homedir(), process.env);
      const problems = [
        await oidcProblem(process.env),
        cli && `${cli} (aliyun configure)`,
        await credentialsUriProblem(process.env),
      ].filter((p): p is string => p !== undefined);
      throw new CredentialsError(
        problems.length > 0 ? `no credentials found: ${problems.join('; ')}` : NO_CREDENTIALS,
      );
    }
  }
  const { credential, model } = resolved;
  const accessKeyId = model.accessKeyId ?? '';
  const source = sourceName(model.providerName, profile !== undefined);
  if (!accessKeyId || !model.accessKeySecret) {
    throw new CredentialsError(`credentials from ${source} have no AccessKey pair`);
  }
  const securityToken = model.securityToken ?? '';
  return {
    credential,
    source,
    accessKeyIdMasked: maskAccessKeyId(accessKeyId),
    temporary: securityToken !== '',
    redact: redactEveryKey(credential, [model.accessKeySecret, securityToken, accessKeyId]),
  };
}

/**
 * A redactor that learns every key the credential hands out: the credentials
 * URI, OIDC, ECS-role and role profiles renew their STS key before it expires,
 * and a renewed secret, token or id would otherwise pass `redact` and
 * `redactKnownSecrets` unscrubbed (as the member sessions of organization.ts
 * keep theirs).
 */
function redactEveryKey(
  credential: CredentialClient,
  first: Array<string | undefined>,
): (text: string) => string {
  const { learn, redact } = learningRedactor();
  learn(...first);
  const getCredential = credential.getCredential.bind(credential);
  credential.getCredential = async () => {
    const model = await getCredential();
    learn(model.accessKeySecret, model.securityToken, model.accessKeyId);
    return model;
  };
  // the deprecated getters (still used by the SDK's gateway signer) ask the provider too
  for (const name of ['getAccessKeyId', 'getAccessKeySecret', 'getSecurityToken'] as const) {
    const get = credential[name].bind(credential);
    credential[name] = async () => {
      const value = await get();
      learn(value);
      return value;
    };
  }
  return redact;
}

const OIDC_VARS = [
  'ALIBABA_CLOUD_ROLE_ARN',
  'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
] as const;

/** a Node error code (`ENOENT`, `ECONNREFUSED`), never a message: those quote paths and URLs */
function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{2,40}$/.test(code) ? code : undefined;
}

/**
 * Why the chain's OIDC/RRSA source (the variables ACK's RRSA sets in a pod)
 * gave no credentials: only some of its three variables set (the chain then
 * skips it silently), its token file unreadable (read before any STS call), or
 * else its AssumeRoleWithOIDC call failed. Names variables only, never a value.
 * Undefined when none of them is set.
 */
export async function oidcProblem(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const unset = OIDC_VARS.filter((k) => !env[k]);
  if (unset.length === OIDC_VARS.length) return undefined;
  const all = `${OIDC_VARS.slice(0, -1).join(', ')} and ${OIDC_VARS.at(-1)}`;
  if (unset.length > 0) {
    return `RRSA/OIDC needs ${all}: ${unset.join(', ')} ${unset.length === 1 ? 'is' : 'are'} not set`;
  }
  const label = `${all} are set (RRSA/OIDC) but gave no credentials`;
  try {
    await readFile(env['ALIBABA_CLOUD_OIDC_TOKEN_FILE'] ?? '', 'utf8');
  } catch (err) {
    const code = errorCode(err);
    return `${label}: the file ALIBABA_CLOUD_OIDC_TOKEN_FILE names cannot be read${code ? ` (${code})` : ''}`;
  }
  return `${label}: the AssumeRoleWithOIDC call failed (STS refused the token or role, or was not reachable)`;
}

/**
 * Why ALIBABA_CLOUD_CREDENTIALS_URI (the chain's last source) gave no
 * credentials: asked once more, its HTTP status, connection error code or
 * unusable answer. Never the URI (its query may hold a token) nor an answer's
 * body. Undefined when the variable is not set.
 */
export async function credentialsUriProblem(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const uri = env['ALIBABA_CLOUD_CREDENTIALS_URI'];
  if (!uri) return undefined;
  const label = 'ALIBABA_CLOUD_CREDENTIALS_URI is set but gave no credentials';
  try {
    await URICredentialsProvider.builder().withCredentialsURI(uri).build().getCredentials();
    return label;
  } catch (err) {
    // the provider's own messages (providers/uri.js); they go on to quote the body
    const message = err instanceof Error ? err.message : '';
    const status = /^get sts token failed, httpStatus: (\d{3}),/.exec(message)?.[1];
    const why = status
      ? `HTTP ${status}`
      : message.startsWith('get sts token failed, json parse failed')
        ? 'its answer is not JSON'
        : message.startsWith('error retrieving credentials from credentialsURI')
          ? 'its answer has no AccessKeyId, AccessKeySecret and SecurityToken'
          : err instanceof Error && err.name === 'RequestTimeoutError'
            ? 'timed out'
            : errorCode(err);
    return why ? `${label} (${why})` : label;
  }
}

/**
 * Why the aliyun CLI's `~/.aliyun/config.json`, when present, gives the chain
 * no credentials: not JSON, no profiles, the current profile (or
 * ALIBABA_CLOUD_PROFILE) missing, or an AK/StsToken profile without its
 * fields. Names fields and profiles only, never a value. Undefined when the
 * file is absent or looks usable (the reason lies elsewhere).
 */
export async function cliConfigProblem(
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if ((env['ALIBABA_CLOUD_CLI_PROFILE_DISABLED'] ?? '').toLowerCase() === 'true') return undefined;
  const file = '~/.aliyun/config.json';
  let text: string;
  try {
    text = await readFile(join(home, '.aliyun', 'config.json'), 'utf8');
  } catch (err) {
    // absent (or a link to nothing): the chain simply has no CLI profile
    return (err as NodeJS.ErrnoException).code === 'EISDIR' ? `${file} is a directory` : undefined;
  }
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch {
    return `${file} is not valid JSON`;
  }
  const c = (typeof conf === 'object' && conf !== null ? conf : {}) as {
    current?: unknown;
    profiles?: unknown;
  };
  const profiles = Array.isArray(c.profiles) ? (c.profiles as Array<Record<string, unknown>>) : [];
  if (profiles.length === 0) return `${file} has no profiles`;
  const name = env['ALIBABA_CLOUD_PROFILE'] || (typeof c.current === 'string' ? c.current : '');
  const profile = profiles.find((p) => p?.['name'] === name);
  if (!profile) {
    const whence = env['ALIBABA_CLOUD_PROFILE']
      ? 'named by ALIBABA_CLOUD_PROFILE'
      : 'its current profile';
    return `${file} has no profile ${JSON.stringify(name)} (${whence})`;
  }
  // the fields each mode of the credential library's CLI-profile provider reads first
  // (@alicloud/credentials providers/cli_profile.js); names only, never values
  const needs: Record<string, string[]> = {
    AK: ['access_key_id', 'access_key_secret'],
    StsToken: ['access_key_id', 'access_key_secret', 'sts_token'],
    RamRoleArn: ['access_key_id', 'access_key_secret', 'ram_role_arn'],
    EcsRamRole: [],
    OIDC: ['oidc_token_file', 'oidc_provider_arn', 'ram_role_arn'],
    ChainableRamRoleArn: ['source_profile', 'ram_role_arn'],
    CloudSSO: ['cloud_sso_sign_in_url', 'cloud_sso_account_id', 'cloud_sso_access_config'],
    OAuth: ['oauth_site_type'],
    External: ['process_command'],
  };
  const mode = String(profile['mode'] ?? '');
  const label = `${file}: profile ${JSON.stringify(name)}`;
  const need = needs[mode];
  if (need === undefined) {
    return `${label} has mode ${JSON.stringify(mode)}, which is not one of ${Object.keys(needs).join(', ')}`;
  }
  const missing = need.filter((k) => !profile[k]);
  if (missing.length > 0) return `${label} (mode ${mode}) has no ${missing.join(', ')}`;
  // a complete static profile works; the others fetch credentials, and that failed
  if (mode === 'AK' || mode === 'StsToken') return undefined;
  return `${label} (mode ${mode}) gave no credentials: ${
    mode === 'EcsRamRole'
      ? 'the instance metadata service did not answer (not an ECS instance, or ALIBABA_CLOUD_ECS_METADATA_DISABLED is set)'
      : mode === 'External'
        ? 'its process_command failed or printed no credentials'
        : 'its sign-in or AssumeRole call failed'
  }`;
}

/** resolve once; undefined when the provider(s) cannot produce credentials */
async function attemptResolve(
  make: () => CredentialClient,
): Promise<{ credential: CredentialClient; model: CredentialModel } | undefined> {
  try {
    const credential = make();
    const model = await credential.getCredential();
    return { credential, model };
  } catch {
    return undefined;
  }
}

/** the named profile: the aliyun CLI's config first, then the shared INI file */
async function fromProfile(
  profile: string,
): Promise<{ credential: CredentialClient; model: CredentialModel } | undefined> {
  return (
    (await attemptResolve(
      () =>
        new Credential(
          null,
          CLIProfileCredentialsProvider.builder().withProfileName(profile).build(),
        ),
    )) ??
    (await attemptResolve(
      () =>
        new Credential(null, ProfileCredentialsProvider.builder().withProfileName(profile).build()),
    ))
  );
}

/**
 * `default/env` stays as the chain reports it; an explicit profile reports its
 * first level (`cli_profile/static_ak` → `cli_profile`)
 */
function sourceName(providerName: string | undefined, explicitProfile: boolean): string {
  const name = providerName && providerName !== '' ? providerName : 'default';
  if (explicitProfile) return name.split('/')[0] ?? name;
  return name.split('/').slice(0, 2).join('/');
}
