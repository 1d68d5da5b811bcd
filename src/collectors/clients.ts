/**
 * The SDK clients, all sharing one credential. The SDKs are CommonJS with
 * `exports.default`; in this ESM project the default import is the module
 * object, hence `.default`.
 *
 * With an endpoint override (`--endpoint`, `ECS_AUDIT_ENDPOINT`) every service
 * goes to that one host; regional calls always carry `RegionId`, so one
 * endpoint can serve every region.
 */

import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { CredentialClient } from '../credentials/index.js';
import type { Service } from '../inventory/schema.js';
import { VERSION } from '../version.js';
import { ActionNotAllowedError } from './errors.js';
import { assertAdmitted } from './gate.js';
import { cjsDefault } from './interop.js';
import { type Sdks, sdks } from './sdk.js';

export type EcsClient = InstanceType<Sdks['ecs']['default']>;
export type RamClient = InstanceType<Sdks['ram']['default']>;
export type ImsClient = InstanceType<Sdks['ims']['default']>;
export type StsClient = InstanceType<Sdks['sts']['default']>;
export type OpenApiClient = InstanceType<Sdks['openApi']['default']>;
export type VpcClient = InstanceType<Sdks['vpc']['default']>;
export type ResourceManagerClient = InstanceType<Sdks['rm']['default']>;
type OpenApiParams = InstanceType<Sdks['openApi']['$OpenApiUtil']['Params']>;

export interface ClientOptions {
  credential: CredentialClient;
  /** `http://host:port` or `https://host[:port]`: send every call there */
  endpoint?: string;
  /** ms; default 30 000 */
  readTimeoutMs?: number;
}

export type ActionTrailCaller = (
  action: string,
  region: string,
  query: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/** Security Center's two endpoints: mainland China and Hong Kong, and the rest of the world */
export type SasSite = 'cn-shanghai' | 'ap-southeast-1';

export type SasCaller = (
  action: string,
  site: SasSite,
  query: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

export interface Clients {
  ecs(region: string): EcsClient;
  vpc(region: string): VpcClient;
  resourcemanager: ResourceManagerClient;
  /** Security Center 2018-12-03 through the generic client (no maintained npm package) */
  sas: SasCaller;
  ram: RamClient;
  ims: ImsClient;
  sts: StsClient;
  actiontrail: ActionTrailCaller;
}

interface EndpointOverride {
  endpoint: string;
  protocol: 'http' | 'https';
}

/** `http://127.0.0.1:8080` → `{endpoint: '127.0.0.1:8080', protocol: 'http'}` (the SDK wants no scheme) */
export function parseEndpointOverride(url: string): EndpointOverride {
  const u = new URL(url);
  return { endpoint: u.host, protocol: u.protocol === 'http:' ? 'http' : 'https' };
}

type CallApi = OpenApiClient['callApi'];

/**
 * Read-only by construction: every generated SDK method (and the generic
 * ActionTrail call) ends in the client's `callApi(params, ...)` and then
 * `doRequest(params, ...)`, where `params.action` is the action that goes on
 * the wire. Both are wrapped so the call is refused before any request unless
 * the gate admitted exactly that read action (gate.ts `assertAdmitted`); the
 * other request paths of the base client (legacy signatures, gateway SPI) are
 * closed.
 */
export function guardClient<C extends OpenApiClient>(client: C, service: Service): C {
  const wrap = (original: CallApi): CallApi => {
    const bound = original.bind(client);
    return async (params, request, runtime) => {
      assertAdmitted(service, typeof params?.action === 'string' ? params.action : '');
      return bound(params, request, runtime);
    };
  };
  const closed = async (): Promise<never> => {
    throw new ActionNotAllowedError(
      `refused a ${service} call outside callApi: ecs-audit only sends gated read actions`,
    );
  };
  Object.assign(client, {
    callApi: wrap(client.callApi),
    doRequest: wrap(client.doRequest),
    execute: closed,
    doRPCRequest: closed,
    doROARequest: closed,
    doROARequestWithForm: closed,
  });
  return client;
}

/**
 * httpx (under the SDKs' `$dara.doAction`) arms a read timer of `readTimeout`
 * on the socket when a request gets one, and clears it only in its own
 * `read()`; the SDKs read the answer themselves, so the timer outlives the
 * call by up to `readTimeout` (30 s) and holds the request, its answer and
 * their closures all that time: at 9,000 calls most of a scan's answers were
 * still reachable at its end, promoted to the old generation for nothing.
 * And when it fires late it clears the timer of whatever request uses the
 * socket then. Once an answer has been read to its end, its timer has no
 * more work: clear it. (The socket's idle timeout, `connectTimeout` above,
 * still bounds every silent wait.) Installed once per process.
 */
let readTimersReleased = false;
export function releaseReadTimersOnEnd(): void {
  if (readTimersReleased) return;
  readTimersReleased = true;
  subscribe('http.client.request.start', (message) => {
    const request = (message as { request?: ClientRequest }).request;
    request?.once('response', (response: IncomingMessage) => {
      response.once('end', () => {
        const socket = request.socket ?? response.socket;
        if (socket) clearReadTimer(socket);
      });
    });
  });
}

function clearReadTimer(socket: Socket): void {
  const holder = socket as unknown as Record<symbol, unknown>;
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (key.description !== 'TIMER::READ_TIMER') continue;
    const timer = holder[key];
    if (timer) clearTimeout(timer as NodeJS.Timeout);
    holder[key] = null;
  }
}

/**
 * ActionTrail's endpoint in a region. The official SDK's rule is `regional`
 * (actiontrail.<region>.aliyuncs.com) with an endpoint map of exceptions:
 * Finance and Gov Cloud regions and a few others are served centrally, two
 * edge regions from ap-northeast-1 (alibabacloud-go/actiontrail-20200706
 * client/client.go, `EndpointMap`; the public aliyun-openapi-meta
 * products.json lists no exceptions, and a call to a host that does not exist
 * would leave every such region's trails unread).
 */
const ACTIONTRAIL_ENDPOINTS: ReadonlyMap<string, string> = new Map([
  ...[
    'cn-beijing-finance-1',
    'cn-beijing-finance-pop',
    'cn-beijing-gov-1',
    'cn-beijing-nu16-b01',
    'cn-edge-1',
    'cn-fujian',
    'cn-haidian-cm12-c01',
    'cn-hangzhou-bj-b01',
    'cn-hangzhou-finance',
    'cn-hangzhou-internal-prod-1',
    'cn-hangzhou-internal-test-1',
    'cn-hangzhou-internal-test-2',
    'cn-hangzhou-internal-test-3',
    'cn-hangzhou-test-306',
    'cn-hongkong-finance-pop',
    'cn-qingdao-nebula',
    'cn-shanghai-et15-b01',
    'cn-shanghai-et2-b01',
    'cn-shanghai-inner',
    'cn-shanghai-internal-test-1',
    'cn-shenzhen-finance-1',
    'cn-shenzhen-inner',
    'cn-shenzhen-st4-d01',
    'cn-shenzhen-su18-b01',
    'cn-wuhan',
    'cn-yushanfang',
    'cn-zhangbei-na61-b01',
    'cn-zhangjiakou-na62-a01',
    'cn-zhengzhou-nebula-1',
  ].map((r): [string, string] => [r, 'actiontrail.aliyuncs.com']),
  ...['ap-northeast-2-pop', 'eu-west-1-oxs', 'rus-west-1-pop'].map((r): [string, string] => [
    r,
    'actiontrail.ap-northeast-1.aliyuncs.com',
  ]),
]);

export function actionTrailEndpoint(region: string): string {
  return ACTIONTRAIL_ENDPOINTS.get(region) ?? `actiontrail.${region}.aliyuncs.com`;
}

export function createClients(options: ClientOptions): Clients {
  releaseReadTimersOnEnd();
  // the SDKs of this collection: taken here, never kept at module level (sdk.ts releaseSdks)
  const sdk = sdks();
  const { $OpenApiUtil, OpenApiUtil } = sdk.openApi;
  const { RuntimeOptions } = sdk.dara;
  const OpenApi = cjsDefault(sdk.openApi);
  const override = options.endpoint ? parseEndpointOverride(options.endpoint) : undefined;
  const readTimeout = options.readTimeoutMs ?? 30_000;
  const base = {
    credential: options.credential,
    readTimeout,
    // httpx hands connectTimeout to http.request as the *socket idle* timeout,
    // armed for the whole exchange, and its own read timer is not reliable on
    // busy keep-alive sockets (observed: a held answer outlived a 400 ms read
    // timeout until the 2 s idle timeout fired). One value for both makes
    // `readTimeoutMs` the bound of every silent wait: connect or answer.
    connectTimeout: readTimeout,
    userAgent: `ecs-audit/${VERSION}`,
  };
  const config = (defaults: { endpoint?: string; regionId?: string }) =>
    new $OpenApiUtil.Config({
      ...base,
      ...defaults,
      ...(override ? { endpoint: override.endpoint, protocol: override.protocol } : {}),
    });

  const ecsByRegion = new Map<string, EcsClient>();
  const trailByRegion = new Map<string, OpenApiClient>();
  const trailClient = (region: string): OpenApiClient => {
    let c = trailByRegion.get(region);
    if (!c) {
      c = guardClient(
        new OpenApi(config({ regionId: region, endpoint: actionTrailEndpoint(region) })),
        'actiontrail',
      );
      trailByRegion.set(region, c);
    }
    return c;
  };

  const sasBySite = new Map<SasSite, OpenApiClient>();
  const sasClient = (site: SasSite): OpenApiClient => {
    let c = sasBySite.get(site);
    if (!c) {
      c = guardClient(
        new OpenApi(config({ regionId: site, endpoint: `tds.${site}.aliyuncs.com` })),
        'sas',
      );
      sasBySite.set(site, c);
    }
    return c;
  };
  const vpcByRegion = new Map<string, VpcClient>();

  return {
    vpc(region: string) {
      let c = vpcByRegion.get(region);
      if (!c) {
        c = guardClient(new (cjsDefault(sdk.vpc))(config({ regionId: region })), 'vpc');
        vpcByRegion.set(region, c);
      }
      return c;
    },
    resourcemanager: guardClient(
      new (cjsDefault(sdk.rm))(config({ endpoint: 'resourcemanager.aliyuncs.com' })),
      'resourcemanager',
    ),
    sas: async (action, site, query) => {
      const request = new $OpenApiUtil.OpenApiRequest({
        query: OpenApiUtil.query(override ? { RegionId: site, ...query } : query),
      });
      const res = await sasClient(site).callApi(
        rpcParams(action, '2018-12-03'),
        request,
        new RuntimeOptions({}),
      );
      return jsonObjectBody(action, res);
    },
    ecs(region: string) {
      let c = ecsByRegion.get(region);
      if (!c) {
        c = guardClient(new (cjsDefault(sdk.ecs))(config({ regionId: region })), 'ecs');
        ecsByRegion.set(region, c);
      }
      return c;
    },
    ram: guardClient(new (cjsDefault(sdk.ram))(config({ endpoint: 'ram.aliyuncs.com' })), 'ram'),
    ims: guardClient(new (cjsDefault(sdk.ims))(config({ endpoint: 'ims.aliyuncs.com' })), 'ims'),
    sts: guardClient(new (cjsDefault(sdk.sts))(config({ endpoint: 'sts.aliyuncs.com' })), 'sts'),
    actiontrail: async (action, region, query) => {
      const params = actionTrailParams(action);
      // the real service takes the region from the endpoint and documents no
      // RegionId parameter; one overriding endpoint serves every region, so it
      // is told the region the way the regional ECS calls tell it
      const request = new $OpenApiUtil.OpenApiRequest({
        query: OpenApiUtil.query(override ? { RegionId: region, ...query } : query),
      });
      const res = await trailClient(region).callApi(params, request, new RuntimeOptions({}));
      return jsonObjectBody(action, res);
    },
  };
}

function jsonObjectBody(action: string, res: unknown): Record<string, unknown> {
  const body = (res as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SyntaxError(`${action}: the answer is not a JSON object`);
  }
  return body as Record<string, unknown>;
}

/**
 * ActionTrail 2020-07-06 has no published SDK package: its operations are
 * RPC-style calls through the generic client of @alicloud/openapi-core, with
 * these parameters (the shape the generated service packages use).
 */
export function actionTrailParams(action: string): OpenApiParams {
  const params = rpcParams(action, '2020-07-06');
  // the official actiontrail-20200706 SDK sends this one as GET (aliyun/alibabacloud-typescript-sdk,
  // actiontrail-20200706/src/client.ts getGlobalEventsStorageRegionWithOptions)
  if (action === 'GetGlobalEventsStorageRegion') params.method = 'GET';
  return params;
}

/** an RPC-style call through the generic client (ActionTrail, Security Center) */
export function rpcParams(action: string, version: string): OpenApiParams {
  return new (sdks().openApi.$OpenApiUtil.Params)({
    action,
    version,
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
}
