/**
 * The SDK clients, all sharing one credential. The SDKs are CommonJS with
 * `exports.default`; in this ESM project the default import is the module
 * object, hence `.default`.
 *
 * With an endpoint override (`--endpoint`, `ECS_AUDIT_ENDPOINT`) every service
 * goes to that one host; regional calls always carry `RegionId`, so one
 * endpoint can serve every region.
 */
import EcsPkg from '@alicloud/ecs20140526';
import ImsPkg from '@alicloud/ims20190815';
import OpenApiPkg, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import RamPkg from '@alicloud/ram20150501';
import StsPkg from '@alicloud/sts20150401';
import * as $dara from '@darabonba/typescript';
import type { CredentialClient } from '../credentials/index.js';
import { VERSION } from '../version.js';
import { cjsDefault } from './interop.js';

export const Ecs = cjsDefault(EcsPkg);
export const Ram = cjsDefault(RamPkg);
export const Ims = cjsDefault(ImsPkg);
export const Sts = cjsDefault(StsPkg);
export const OpenApi = cjsDefault(OpenApiPkg);

export type EcsClient = InstanceType<typeof Ecs>;
export type RamClient = InstanceType<typeof Ram>;
export type ImsClient = InstanceType<typeof Ims>;
export type StsClient = InstanceType<typeof Sts>;
export type OpenApiClient = InstanceType<typeof OpenApi>;

export interface ClientOptions {
  credential: CredentialClient;
  /** `http://host:port` or `https://host[:port]`: send every call there */
  endpoint?: string;
  /** ms; default 30 000 */
  readTimeoutMs?: number;
  /** ms; default 5 000 */
  connectTimeoutMs?: number;
}

export type ActionTrailCaller = (
  action: string,
  region: string,
  query: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

export interface Clients {
  ecs(region: string): EcsClient;
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

export function createClients(options: ClientOptions): Clients {
  const override = options.endpoint ? parseEndpointOverride(options.endpoint) : undefined;
  const base = {
    credential: options.credential,
    readTimeout: options.readTimeoutMs ?? 30_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
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
      c = new OpenApi(config({ regionId: region, endpoint: `actiontrail.${region}.aliyuncs.com` }));
      trailByRegion.set(region, c);
    }
    return c;
  };

  return {
    ecs(region: string) {
      let c = ecsByRegion.get(region);
      if (!c) {
        c = new Ecs(config({ regionId: region }));
        ecsByRegion.set(region, c);
      }
      return c;
    },
    ram: new Ram(config({ endpoint: 'ram.aliyuncs.com' })),
    ims: new Ims(config({ endpoint: 'ims.aliyuncs.com' })),
    sts: new Sts(config({ endpoint: 'sts.aliyuncs.com' })),
    actiontrail: async (action, region, query) => {
      const params = new $OpenApiUtil.Params({
        action,
        version: '2020-07-06',
        protocol: 'HTTPS',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const request = new $OpenApiUtil.OpenApiRequest({
        query: OpenApiUtil.query({ RegionId: region, ...query }),
      });
      const res = await trailClient(region).callApi(params, request, new $dara.RuntimeOptions({}));
      const body = (res as { body?: unknown }).body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new SyntaxError(`${action}: the answer is not a JSON object`);
      }
      return body as Record<string, unknown>;
    },
  };
}
