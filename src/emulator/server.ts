/**
 * The emulator's HTTP server: one loopback port serving ECS, RAM, IMS, STS and
 * ActionTrail as the official SDK clients call them (../shared/spec/world.md).
 *
 * Wire protocol (notes/alibaba-sdk.md §2.5, checked against
 * node_modules/@alicloud/openapi-core/dist/utils.js):
 *  - ACS3 (the SDK default): POST, action/version in the `x-acs-action` /
 *    `x-acs-version` headers, parameters in the URL query (a form body is
 *    merged), `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`.
 *  - legacy RPC (`signatureAlgorithm: 'v2'`): `Action`/`Version`/`AccessKeyId`/
 *    `Signature` query parameters, HMAC-SHA1 over the sorted parameters.
 * Secrets are only used to compute signatures; they are never logged or echoed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { actiontrailHandlers } from './actiontrail.js';
import { ecsHandlers } from './ecs.js';
import { imsHandlers } from './ims.js';
import { organizationHandlers } from './organization.js';
import { BadPagingParameter, encodeToken } from './paging.js';
import { ramHandlers } from './ram.js';
import { resourceManagerHandlers } from './resourcemanager.js';
import { sasHandlers } from './sas.js';
import { stsHandlers } from './sts.js';
import {
  type ActionHandler,
  API_VERSIONS,
  apiError,
  type EmulatorContext,
  type EmulatorRequest,
  type EmulatorResponse,
  type EmulatorStats,
  type HandlerTable,
  type RunningEmulator,
  type ServiceName,
  type StartOptions,
} from './types.js';
import { vpcHandlers } from './vpc.js';
import { memberWorld, type World, type WorldFault } from './world.js';

const HANDLERS: HandlerTable = {
  ecs: ecsHandlers,
  ram: ramHandlers,
  ims: imsHandlers,
  sts: stsHandlers,
  actiontrail: actiontrailHandlers,
  sas: sasHandlers,
  // resource-group attachments, and the Resource Directory (organization scans)
  resourcemanager: { ...resourceManagerHandlers, ...organizationHandlers },
  vpc: vpcHandlers,
};

/** services whose quotas are per region (api-limits.md §1); the others are central */
const REGIONAL: ReadonlySet<ServiceName> = new Set<ServiceName>(['ecs', 'actiontrail', 'vpc']);

/** RAM action namespace per service, for AccessDeniedDetail.AuthAction (IMS actions are `ram:`) */
const AUTH_PREFIX: Record<ServiceName, string> = {
  ecs: 'ecs',
  ram: 'ram',
  ims: 'ram',
  sts: 'sts',
  actiontrail: 'actiontrail',
  vpc: 'vpc',
  resourcemanager: 'resourcemanager',
  sas: 'yundun-sas',
};

const DEFAULT_TIMEOUT_HOLD_MS = 35_000;

/** the constant, valid (= first page) token a `repeatPage` fault answers with */
const REPEAT_TOKEN = encodeToken(0);

/** v2 protocol parameters that are not operation parameters */
const RPC_PROTOCOL_PARAMS = new Set([
  'Action',
  'Version',
  'Format',
  'Timestamp',
  'SignatureNonce',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureType',
  'AccessKeyId',
  'Signature',
  'SecurityToken',
]);

/** what a `missingList` fault keeps of an answer: its request id and paging fields */
const MISSING_LIST_KEEPS: ReadonlySet<string> = new Set([
  'RequestId',
  'TotalCount',
  'PageNumber',
  'PageSize',
  'NextToken',
  'MaxResults',
  'Marker',
  'IsTruncated',
]);

const THROTTLE_MESSAGE = 'Request was denied due to user flow control.';

/** RFC 3986 encoding as the SDK's `encode()` in openapi-core/dist/utils.js */
function percentEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

interface Acs3Auth {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

const ACS3_AUTH_RE =
  /^(ACS3-[A-Z0-9-]+) Credential=([^,]*),SignedHeaders=([^,]*),Signature=([^,\s]*)$/;

function parseAcs3Authorization(value: string): Acs3Auth | undefined {
  const m = ACS3_AUTH_RE.exec(value.trim());
  if (!m) return undefined;
  return {
    algorithm: m[1]!,
    accessKeyId: m[2]!,
    signedHeaders: m[3]!.split(';').filter((h) => h !== ''),
    signature: m[4]!,
  };
}

/**
 * ACS3-HMAC-SHA256 as openapi-core's `getAuthorization` computes it:
 * METHOD \n pathname \n sortedQuery(key=encode(value)) \n canonicalHeaders \n
 * signedHeaders \n hex(sha256(body)); StringToSign = algorithm \n hex(sha256(canonical));
 * signature = hex(HMAC-SHA256(secret, StringToSign)).
 */
function acs3Signature(
  req: IncomingMessage,
  pathname: string,
  query: Record<string, string>,
  body: Buffer,
  auth: Acs3Auth,
  secret: string,
): string {
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${k}=${percentEncode(query[k]!)}`)
    .join('&');
  const canonicalHeaders = auth.signedHeaders
    .map((h) => {
      const raw = req.headers[h];
      const values = (Array.isArray(raw) ? raw : [raw ?? '']).map((v) => v.trim()).sort();
      return `${h}:${values.join(',')}\n`;
    })
    .join('');
  const canonicalRequest = [
    req.method ?? 'POST',
    pathname,
    canonicalQuery,
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    sha256Hex(body),
  ].join('\n');
  const stringToSign = `${auth.algorithm}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

/** legacy RPC signature: base64(HMAC-SHA1(secret + '&', METHOD&%2F&encode(sortedParams))) */
function v2Signature(method: string, params: Record<string, string>, secret: string): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`)
    .join('&');
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

/**
 * Start options of the server beyond `StartOptions`.
 *
 * `allowActions` models a caller whose only permission is one RAM policy: when
 * set, a call is authorised only if its RAM action (`ecs:DescribeRegions`;
 * IMS actions are `ram:` actions, as in AUTH_PREFIX) is in the set, else it is
 * answered 403 as an implicit deny (`NoPermission` for RAM/IMS, `Forbidden.RAM`
 * elsewhere). STS GetCallerIdentity needs no permission and is always allowed.
 * The check runs after the signature check and before QPS limits and faults.
 */
export interface EmulatorStartOptions extends StartOptions {
  allowActions?: ReadonlySet<string>;
}

/**
 * One account the emulator serves. A single-account world is one tenant; an
 * organization world has one per member (the management account's tenant
 * answers the caller's own credentials), each with its own quotas, faults,
 * state and counters.
 */
interface Tenant {
  accountId: string;
  world: World;
  ctx: EmulatorContext;
  qpsWindows: Map<string, { start: number; count: number }>;
  faultUses: Map<number, number>;
  requests: Record<string, number>;
}

/** temporary credentials STS AssumeRole handed out; accepted for their account only */
interface IssuedCredential {
  accountId: string;
  secret: string;
  token: string;
  caller: { IdentityType: string } & Record<string, string>;
}

interface PendingTimer {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

export async function startEmulator(
  world: World,
  opts: EmulatorStartOptions = {},
): Promise<RunningEmulator> {
  const host = opts.host ?? '127.0.0.1';
  const stats: EmulatorStats = { requests: {}, throttled: 0, faults: 0 };
  const issued = new Map<string, IssuedCredential>();
  const tenants = new Map<string, Tenant>();
  let issuedCount = 0;

  function makeTenant(accountId: string, tenantWorld: World): Tenant {
    const tenant: Tenant = {
      accountId,
      world: tenantWorld,
      ctx: {
        world: tenantWorld,
        now: () => (world.now ? new Date(world.now) : new Date()),
        state: new Map(),
        assumeRole: (roleArn, sessionName, durationSeconds) =>
          assumeRole(tenant, roleArn, sessionName, durationSeconds),
      },
      qpsWindows: new Map(),
      faultUses: new Map(),
      requests: {},
    };
    tenants.set(accountId, tenant);
    return tenant;
  }

  // the management account: the caller's own credentials. In an organization
  // world its resources are in its member entry's world; the top level keeps
  // the caller, the directory and the emulator settings.
  const org = world.organization;
  const ownMember = org ? memberWorld(world, world.account.accountId) : undefined;
  const home = makeTenant(
    world.account.accountId,
    ownMember
      ? {
          ...ownMember,
          account: world.account,
          organization: org,
          emulator: {
            ...world.emulator,
            faults: [...world.emulator.faults, ...ownMember.emulator.faults],
          },
        }
      : world,
  );

  /** the tenant of an account of the organization, or undefined when it has no world */
  function tenantOf(accountId: string): Tenant | undefined {
    const known = tenants.get(accountId);
    if (known) return known;
    if (!org?.accounts.some((a) => a.AccountId === accountId)) return undefined;
    const w = memberWorld(world, accountId);
    return w ? makeTenant(accountId, w) : undefined;
  }

  /**
   * STS AssumeRole into `acs:ram::<account>:role/<name>`: the role must exist
   * in that account's world (RAM role names are case-insensitive); the answer
   * carries temporary credentials the server then accepts for that account only.
   */
  function assumeRole(
    from: Tenant,
    roleArn: string,
    sessionName: string,
    durationSeconds: number,
  ): EmulatorResponse {
    const m = /^acs:ram::(\d+):role\/(.+)$/i.exec(roleArn);
    const notExist = apiError(404, 'EntityNotExist.Role', `The role not exists: ${roleArn}.`);
    if (!m) return apiError(400, 'InvalidParameter.RoleArn', 'The parameter RoleArn is wrong.');
    const [, accountId, roleName] = m as unknown as [string, string, string];
    const target = accountId === from.accountId ? from : tenantOf(accountId);
    if (!target) return notExist;
    const role = target.world.ram.Roles.find(
      (r) => r.RoleName.toLowerCase() === roleName.toLowerCase(),
    );
    if (!role) return notExist;
    issuedCount += 1;
    const serial = `${issuedCount.toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 10)}`;
    const accessKeyId = `STS.NT${serial}`.slice(0, 29);
    const secret = `emu-sts-secret-${serial}-${Math.random().toString(36).slice(2)}`;
    const token = `CAIS-emu-token-${serial}-${Math.random().toString(36).slice(2)}`;
    const roleId = `3${accountId.slice(-6)}${role.RoleName.length.toString().padStart(4, '0')}00000`;
    const arn = `acs:ram::${accountId}:role/${role.RoleName.toLowerCase()}/${sessionName}`;
    const caller = {
      IdentityType: 'AssumedRoleUser',
      AccountId: accountId,
      Arn: `acs:ram::${accountId}:assumed-role/${role.RoleName.toLowerCase()}/${sessionName}`,
      PrincipalId: `${roleId}:${sessionName}`,
      UserId: `${roleId}:${sessionName}`,
      RoleId: roleId,
    };
    issued.set(accessKeyId, { accountId, secret, token, caller });
    const expiration = new Date(Date.now() + durationSeconds * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    return {
      status: 200,
      body: {
        RequestId: `EMU-ASSUME-${serial}`,
        AssumedRoleUser: { Arn: arn, AssumedRoleId: `${roleId}:${sessionName}` },
        Credentials: {
          AccessKeyId: accessKeyId,
          AccessKeySecret: secret,
          SecurityToken: token,
          Expiration: expiration,
        },
      },
    };
  }
  const sockets = new Set<Socket>();
  const timers = new Set<PendingTimer>();
  let closing = false;

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const pending: PendingTimer = {
        resolve,
        timer: setTimeout(() => {
          timers.delete(pending);
          resolve();
        }, ms),
      };
      timers.add(pending);
    });
  }

  function writeRaw(
    res: ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.destroyed || res.writableEnded || res.headersSent) return;
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function send(res: ServerResponse, r: EmulatorResponse): void {
    const body = r.body as { RequestId?: unknown } | undefined;
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    if (body && typeof body.RequestId === 'string') headers['x-acs-request-id'] = body.RequestId;
    writeRaw(res, r.status, JSON.stringify(r.body), headers);
  }

  function throttled(): EmulatorResponse {
    return apiError(400, 'Throttling.User', THROTTLE_MESSAGE);
  }

  /** fixed 1-second windows starting at the first call of a bucket */
  function overQps(
    t: Tenant,
    service: ServiceName,
    action: string,
    region: string | undefined,
  ): boolean {
    const limit = t.world.emulator.qps[action];
    if (limit === undefined) return false;
    const key = REGIONAL.has(service) ? `${action}\u0000${region ?? ''}` : action;
    const now = Date.now();
    let w = t.qpsWindows.get(key);
    if (!w || now - w.start >= 1000) {
      w = { start: now, count: 0 };
      t.qpsWindows.set(key, w);
    }
    w.count += 1;
    return w.count > limit;
  }

  function matchFault(t: Tenant, action: string, req: EmulatorRequest): WorldFault | undefined {
    const faults = t.world.emulator.faults;
    const faultUses = t.faultUses;
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i]!;
      if (f.action !== action) continue;
      if (f.region !== undefined && f.region !== req.region) continue;
      if (f.params && !Object.entries(f.params).every(([k, v]) => req.params[k] === v)) continue;
      const used = faultUses.get(i) ?? 0;
      if (f.count !== undefined && used >= f.count) continue;
      faultUses.set(i, used + 1);
      return f;
    }
    return undefined;
  }

  function runHandler(
    handler: ActionHandler,
    req: EmulatorRequest,
    ctx: EmulatorContext,
  ): EmulatorResponse {
    try {
      return handler(req, ctx);
    } catch (err) {
      if (err instanceof BadPagingParameter) {
        return apiError(400, 'InvalidParameter', err.message);
      }
      return apiError(
        500,
        'InternalError',
        'The request processing has failed due to some unknown error.',
      );
    }
  }

  function accessDenied(
    world: World,
    service: ServiceName,
    action: string,
    code = 'Forbidden.RAM',
  ): EmulatorResponse {
    const caller = world.account.caller;
    const type = caller?.IdentityType ?? 'RAMUser';
    const principalType =
      type === 'Account' ? 'Account' : type === 'AssumedRoleUser' ? 'AssumedRoleUser' : 'SubUser';
    const authAction = `${AUTH_PREFIX[service]}:${action}`;
    return apiError(
      403,
      code,
      "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
      {
        Recommend: `https://api.aliyun.com/troubleshoot?q=Forbidden.RAM&product=${service}`,
        AccessDeniedDetail: {
          AuthAction: authAction,
          AuthPrincipalType: principalType,
          AuthPrincipalOwnerId: world.account.accountId,
          AuthPrincipalDisplayName:
            caller?.UserId ?? caller?.PrincipalId ?? world.account.accountId,
          NoPermissionType: 'ImplicitDeny',
          PolicyType: 'AccountLevelIdentityBasedPolicy',
          EncodedDiagnosticMessage: Buffer.from(
            JSON.stringify({ emulator: true, AuthAction: authAction }),
          ).toString('base64'),
        },
      },
    );
  }

  /** serve as the first page, then make paging never end */
  function repeatPage(
    handler: ActionHandler,
    req: EmulatorRequest,
    ctx: EmulatorContext,
  ): EmulatorResponse {
    const params = { ...req.params };
    delete params['NextToken'];
    delete params['Marker'];
    if (params['PageNumber'] !== undefined) params['PageNumber'] = '1';
    const r = runHandler(handler, { ...req, params }, ctx);
    if (r.status !== 200 || typeof r.body !== 'object' || r.body === null) return r;
    const body = { ...(r.body as Record<string, unknown>) };
    const requested = Number.parseInt(req.params['PageNumber'] ?? '1', 10) || 1;
    const rewrite = (o: Record<string, unknown>): boolean => {
      if ('NextToken' in o) {
        o['NextToken'] = REPEAT_TOKEN;
        // IMS GetCredentialReport says "more" with IsTruncated ("true" as a string) too
        if ('IsTruncated' in o)
          o['IsTruncated'] = typeof o['IsTruncated'] === 'string' ? 'true' : true;
        return true;
      }
      if ('IsTruncated' in o) {
        o['IsTruncated'] = true;
        o['Marker'] = REPEAT_TOKEN;
        return true;
      }
      if ('TotalCount' in o) {
        const size =
          Number(o['PageSize']) || Number.parseInt(req.params['PageSize'] ?? '', 10) || 10;
        o['PageNumber'] = requested;
        o['TotalCount'] = (requested + 1) * Math.max(size, 1);
        return true;
      }
      return false;
    };
    if (!rewrite(body)) {
      for (const [k, v] of Object.entries(body)) {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          const inner = { ...(v as Record<string, unknown>) };
          if (rewrite(inner)) {
            body[k] = inner;
            break;
          }
        }
      }
    }
    return { ...r, body };
  }

  /**
   * valid JSON without the list the action exists to return: only the request
   * id and the paging fields of the handler's own answer remain (any action,
   * whichever list it returns)
   */
  function missingList(
    handler: ActionHandler,
    req: EmulatorRequest,
    ctx: EmulatorContext,
  ): EmulatorResponse {
    const r = runHandler(handler, req, ctx);
    if (r.status !== 200 || typeof r.body !== 'object' || r.body === null) return r;
    const body = Object.fromEntries(
      Object.entries(r.body as Record<string, unknown>).filter(([k]) => MISSING_LIST_KEEPS.has(k)),
    );
    return { ...r, body };
  }

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    rawBody: Buffer,
  ): Promise<void> {
    // world.md: latencyMs is "added to every response", refusals included
    // (the caller's member once known, else the world's own)
    let latencyMs = world.emulator.latencyMs;
    const refuse = async (r: EmulatorResponse): Promise<void> => {
      await sleep(latencyMs);
      send(res, r);
    };
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const form: Record<string, string> = {};
    const contentType = headerValue(req, 'content-type') ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded') && rawBody.length > 0) {
      for (const [k, v] of new URLSearchParams(rawBody.toString('utf8'))) form[k] = v;
    }
    const all: Record<string, string> = { ...form, ...query };
    // The SDK sends the x-acs-action/x-acs-version headers in both modes; the
    // v2 (legacy RPC) mode is told apart by its query signature
    // (openapi-core doRPCRequest puts AccessKeyId/Signature in the query).
    const authorization = headerValue(req, 'authorization');
    const acs3 =
      authorization !== undefined ||
      (all['Signature'] === undefined && all['AccessKeyId'] === undefined);
    const action = headerValue(req, 'x-acs-action') ?? all['Action'] ?? '';
    const version = headerValue(req, 'x-acs-version') ?? all['Version'] ?? '';
    if (action) stats.requests[action] = (stats.requests[action] ?? 0) + 1;

    const service = (Object.keys(API_VERSIONS) as ServiceName[]).find(
      (s) => API_VERSIONS[s] === version,
    );
    const handler = service ? HANDLERS[service]?.[action] : undefined;
    if (!service || !handler || !Object.hasOwn(HANDLERS[service] ?? {}, action)) {
      await refuse(
        apiError(
          404,
          'InvalidAction.NotFound',
          'Specified api is not found, please check your url and method.',
        ),
      );
      return;
    }

    // --- credentials and signature
    let accessKeyId: string;
    let acs3Auth: Acs3Auth | undefined;
    if (acs3) {
      if (authorization === undefined) {
        await refuse(
          apiError(400, 'MissingAccessKeyId', 'AccessKeyId is mandatory for this action.'),
        );
        return;
      }
      acs3Auth = parseAcs3Authorization(authorization);
      if (!acs3Auth) {
        await refuse(
          apiError(
            400,
            'IncompleteSignature',
            'The request signature does not conform to Aliyun standards.',
          ),
        );
        return;
      }
      accessKeyId = acs3Auth.accessKeyId;
    } else {
      accessKeyId = all['AccessKeyId'] ?? '';
    }
    if (!accessKeyId) {
      await refuse(
        apiError(400, 'MissingAccessKeyId', 'AccessKeyId is mandatory for this action.'),
      );
      return;
    }
    // temporary credentials of a member (STS AssumeRole) route to that member
    const sts = issued.get(accessKeyId);
    const tenant = sts ? (tenantOf(sts.accountId) ?? home) : home;
    latencyMs = tenant.world.emulator.latencyMs;
    const keys = sts
      ? [{ AccessKeyId: accessKeyId, AccessKeySecret: sts.secret, SecurityToken: sts.token }]
      : world.account.accessKeys;
    if (keys) {
      const key = keys.find((k) => k.AccessKeyId === accessKeyId);
      if (!key) {
        await refuse(
          apiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
        );
        return;
      }
      let signatureOk: boolean;
      if (acs3Auth) {
        signatureOk =
          acs3Auth.algorithm === 'ACS3-HMAC-SHA256' &&
          safeEqual(
            acs3Auth.signature,
            acs3Signature(req, url.pathname, query, rawBody, acs3Auth, key.AccessKeySecret),
          );
      } else {
        const method = all['SignatureMethod'] ?? 'HMAC-SHA1';
        signatureOk =
          method === 'HMAC-SHA1' &&
          safeEqual(
            all['Signature'] ?? '',
            v2Signature(req.method ?? 'POST', all, key.AccessKeySecret),
          );
      }
      if (!signatureOk) {
        await refuse(
          apiError(
            400,
            'SignatureDoesNotMatch',
            'Specified signature is not matched with our calculation.',
          ),
        );
        return;
      }
      if (key.SecurityToken !== undefined) {
        const token = headerValue(req, 'x-acs-security-token') ?? all['SecurityToken'] ?? '';
        if (!safeEqual(token, key.SecurityToken)) {
          await refuse(
            apiError(
              400,
              'InvalidSecurityToken.Mismatch',
              'Specified SecurityToken mismatch with the AccessKey.',
            ),
          );
          return;
        }
      }
    }

    if (action) tenant.requests[action] = (tenant.requests[action] ?? 0) + 1;
    await sleep(tenant.world.emulator.latencyMs);
    // the caller an assumed role's GetCallerIdentity describes
    const ctx: EmulatorContext = sts
      ? {
          ...tenant.ctx,
          world: { ...tenant.world, account: { ...tenant.world.account, caller: sts.caller } },
        }
      : tenant.ctx;

    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) {
      if (acs3 || !RPC_PROTOCOL_PARAMS.has(k)) params[k] = v;
    }
    const request: EmulatorRequest = {
      service,
      version,
      action,
      params,
      region: params['RegionId'] || undefined,
      accessKeyId,
    };

    const allow = opts.allowActions;
    if (
      allow &&
      !(service === 'sts' && action === 'GetCallerIdentity') &&
      !allow.has(`${AUTH_PREFIX[service]}:${action}`)
    ) {
      const code = service === 'ram' || service === 'ims' ? 'NoPermission' : 'Forbidden.RAM';
      send(res, accessDenied(tenant.world, service, action, code));
      return;
    }

    if (overQps(tenant, service, action, request.region)) {
      stats.throttled += 1;
      send(res, throttled());
      return;
    }

    const fault = matchFault(tenant, action, request);
    if (fault) {
      stats.faults += 1;
      switch (fault.kind) {
        case 'throttle':
          send(res, throttled());
          return;
        case 'serverError':
          send(
            res,
            apiError(
              503,
              'ServiceUnavailable',
              'The request has failed due to a temporary failure of the server.',
            ),
          );
          return;
        case 'timeout':
          await sleep(world.emulator.timeoutHoldMs ?? DEFAULT_TIMEOUT_HOLD_MS);
          send(res, runHandler(handler, request, ctx));
          return;
        case 'malformedJson': {
          const text = JSON.stringify(runHandler(handler, request, ctx).body);
          writeRaw(res, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
          return;
        }
        case 'accessDenied':
          // STS refuses AssumeRole with NoPermission (world.md: "as the real service would")
          send(
            res,
            accessDenied(
              tenant.world,
              service,
              action,
              action === 'AssumeRole' ? 'NoPermission' : undefined,
            ),
          );
          return;
        case 'repeatPage':
          send(res, repeatPage(handler, request, ctx));
          return;
        case 'missingList':
          send(res, missingList(handler, request, ctx));
          return;
        case 'connectionReset':
          req.socket.destroy();
          return;
      }
    }

    send(res, runHandler(handler, request, ctx));
  }

  /** per-account request counts (organization worlds), in account order */
  function accountStats(): Record<string, { requests: Record<string, number> }> | undefined {
    if (!org) return undefined;
    const out: Record<string, { requests: Record<string, number> }> = {};
    for (const id of [...tenants.keys()].sort()) {
      out[id] = { requests: { ...tenants.get(id)!.requests } };
    }
    return out;
  }

  const server = createServer((req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://127.0.0.1');
      } catch {
        send(res, apiError(400, 'InvalidParameter', 'The request URL is not valid.'));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/__emulator/stats') {
        writeRaw(
          res,
          200,
          JSON.stringify({
            requests: { ...stats.requests },
            throttled: stats.throttled,
            faults: stats.faults,
            ...(org ? { accounts: accountStats() } : {}),
          }),
        );
        return;
      }
      handleApi(req, res, url, body).catch(() => {
        send(
          res,
          apiError(
            500,
            'InternalError',
            'The request processing has failed due to some unknown error.',
          ),
        );
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    stats: () => ({
      requests: { ...stats.requests },
      throttled: stats.throttled,
      faults: stats.faults,
      ...(org ? { accounts: accountStats() } : {}),
    }),
    close(): Promise<void> {
      if (closed) return closed;
      closing = true;
      closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const t of timers) clearTimeout(t.timer);
        timers.clear();
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
