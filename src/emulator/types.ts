/**
 * The contract between the emulator's HTTP server (server.ts) and the
 * per-service action handlers (ecs.ts, sts.ts, ram.ts, ims.ts, actiontrail.ts).
 *
 * The server decodes a request (ACS3 headers or legacy RPC query), checks the
 * signature, applies latency, QPS limits and injected faults, then calls the
 * handler registered for `${version} ${action}`. Handlers are pure functions
 * of the request and the world: they build the JSON body with the wire field
 * names the official SDK models parse (PascalCase, list wrappers such as
 * `{"Users":{"User":[...]}}`), and signal API errors by returning an
 * ApiError response.
 */
import type { World } from './world.js';

export type ServiceName =
  | 'ecs'
  | 'ram'
  | 'ims'
  | 'sts'
  | 'actiontrail'
  | 'vpc'
  | 'resourcemanager'
  | 'sas';

export const API_VERSIONS: Record<ServiceName, string> = {
  ecs: '2014-05-26',
  ram: '2015-05-01',
  ims: '2019-08-15',
  sts: '2015-04-01',
  actiontrail: '2020-07-06',
  vpc: '2016-04-28',
  resourcemanager: '2020-03-31',
  sas: '2018-12-03',
};

export interface EmulatorRequest {
  service: ServiceName;
  version: string;
  action: string;
  /** every query/form parameter, flattened as the SDK sends them (`LookupAttribute.1.Key`) */
  params: Record<string, string>;
  /** the RegionId parameter, when sent */
  region: string | undefined;
  /** the AccessKey id the request was signed with (after verification) */
  accessKeyId: string | undefined;
}

export interface EmulatorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface EmulatorContext {
  world: World;
  /** the emulator's clock: world.now when set, else the real clock */
  now(): Date;
  /** mutable per-server state (credential report generation, ...) */
  state: Map<string, unknown>;
  /** STS AssumeRole on behalf of this account (the server issues and later accepts the credentials) */
  assumeRole?: (roleArn: string, sessionName: string, durationSeconds: number) => EmulatorResponse;
}

export type ActionHandler = (req: EmulatorRequest, ctx: EmulatorContext) => EmulatorResponse;

/** handlers keyed by service; each map is keyed by action name */
export type HandlerTable = Partial<Record<ServiceName, Record<string, ActionHandler>>>;

let requestCounter = 0;
export function requestId(): string {
  requestCounter += 1;
  return `EMU-${Date.now().toString(16).toUpperCase()}-${requestCounter.toString().padStart(6, '0')}`;
}

export function ok(body: Record<string, unknown>): EmulatorResponse {
  return { status: 200, body: { RequestId: requestId(), ...body } };
}

export function apiError(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): EmulatorResponse {
  return {
    status,
    body: { RequestId: requestId(), HostId: 'emulator', Code: code, Message: message, ...extra },
  };
}

export interface EmulatorStats {
  /** calls per action, counted on arrival (throttled and faulted calls included) */
  requests: Record<string, number>;
  throttled: number;
  faults: number;
  /** organization worlds: calls per action of each account (by account id) */
  accounts?: Record<string, { requests: Record<string, number> }>;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  stats(): EmulatorStats;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
}
