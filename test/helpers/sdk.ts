/**
 * Official SDK clients pointed at a loopback emulator, for tests.
 * The SDKs are CommonJS with `exports.default`; in this ESM project the
 * default import is the module object, hence `.default`.
 */
import EcsPkg, * as $Ecs from '@alicloud/ecs20140526';
import ImsPkg, * as $Ims from '@alicloud/ims20190815';
import OpenApiPkg, { $OpenApiUtil, OpenApiUtil } from '@alicloud/openapi-core';
import RamPkg, * as $Ram from '@alicloud/ram20150501';
import StsPkg, * as $Sts from '@alicloud/sts20150401';
import * as $dara from '@darabonba/typescript';
import { actionTrailParams, rpcParams } from '../../src/collectors/clients.js';

export { $Ecs, $Ims, $Ram, $Sts };

/**
 * Node's ESM loader hands over the CJS module object (class on `.default`);
 * vitest's loader hands over `exports.default` itself. Accept both.
 */
function cjsDefault<T>(pkg: { default: T }): T {
  return (pkg as { default?: T }).default ?? (pkg as unknown as T);
}

export const Ecs = cjsDefault(EcsPkg);
export const Ram = cjsDefault(RamPkg);
export const Ims = cjsDefault(ImsPkg);
export const Sts = cjsDefault(StsPkg);
export const OpenApi = cjsDefault(OpenApiPkg);

export interface TestKeys {
  accessKeyId?: string;
  accessKeySecret?: string;
  securityToken?: string;
  signatureAlgorithm?: 'v2';
  readTimeout?: number;
}

export function config(url: string, keys: TestKeys = {}, regionId = 'cn-hangzhou') {
  const endpoint = url.replace(/^https?:\/\//, '');
  return new $OpenApiUtil.Config({
    accessKeyId: keys.accessKeyId ?? 'LTAItestkey',
    accessKeySecret: keys.accessKeySecret ?? 'test-secret',
    securityToken: keys.securityToken,
    signatureAlgorithm: keys.signatureAlgorithm,
    endpoint,
    protocol: 'http',
    regionId,
    readTimeout: keys.readTimeout ?? 5000,
    connectTimeout: 2000,
  });
}

export function clients(url: string, keys: TestKeys = {}) {
  return {
    ecs: new Ecs(config(url, keys)),
    ram: new Ram(config(url, keys)),
    ims: new Ims(config(url, keys)),
    sts: new Sts(config(url, keys)),
    generic: new OpenApi(config(url, keys)),
  };
}

/** Call ActionTrail 2020-07-06 through the generic client, with the collectors' parameters. */
export async function callActionTrail(
  client: InstanceType<typeof OpenApi>,
  action: string,
  query: Record<string, unknown>,
): Promise<{ statusCode?: number; body: Record<string, unknown> }> {
  return send(client, actionTrailParams(action), query);
}

/** Call an RPC action of any API version through the generic client, as the collectors send it; the answer's body. */
export async function callRpc(
  client: InstanceType<typeof OpenApi>,
  version: string,
  action: string,
  query: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  return (await send(client, rpcParams(action, version), query)).body;
}

async function send(
  client: InstanceType<typeof OpenApi>,
  params: InstanceType<typeof $OpenApiUtil.Params>,
  query: Record<string, unknown>,
): Promise<{ statusCode?: number; body: Record<string, unknown> }> {
  const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
  const res = await client.callApi(params, request, new $dara.RuntimeOptions({}));
  return res as { statusCode?: number; body: Record<string, unknown> };
}
