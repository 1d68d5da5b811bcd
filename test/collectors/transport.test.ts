/**
 * Transport capture (issue #15 item 5): the collectors run with no endpoint
 * override, and every request is caught at the lowest level the SDK uses —
 * httpx calls `https.request(options)` (node_modules/httpx/lib/index.js) —
 * and answered by a loopback HTTP server, while every socket connect is
 * recorded. Asserted per service: host, API version, action and key
 * parameters, against the official endpoint data:
 * - ECS: the SDK's own `_endpointMap` (node_modules/@alicloud/ecs20140526/dist/client.js:
 *   cn-hangzhou → ecs-cn-hangzhou.aliyuncs.com) and its `regional` rule
 *   (ecs.<region>.aliyuncs.com) elsewhere;
 * - RAM ram.aliyuncs.com, IMS ims.aliyuncs.com, STS sts.aliyuncs.com,
 *   Resource Manager resourcemanager.aliyuncs.com: the central endpoints of
 *   aliyun/aliyun-openapi-meta metadatas/products.json (global_endpoint);
 * - ActionTrail actiontrail.<region>.aliyuncs.com (the `regional` rule), with the
 *   official SDK's map of exceptions (Finance Cloud regions are served by
 *   actiontrail.aliyuncs.com; products.json lists none); Security Center tds.cn-shanghai / tds.ap-southeast-1
 *   (Security Center API reference, "Endpoints").
 * No VPC action is read on this branch (READ_ACTIONS.vpc is empty).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, READ_ACTIONS } from '../../src/collectors/index.js';
import { resolveCredentials } from '../../src/credentials/index.js';
import { type IsolatedEnv, isolateEnv, useEnvKeys } from './env.js';

interface Captured {
  host: string;
  method: string;
  action: string;
  version: string;
  params: Record<string, string>;
}

const captured: Captured[] = [];
const connects: string[] = [];
let server: http.Server;
let port = 0;
let env: IsolatedEnv;
const originalRequest = https.request;
const originalConnect = net.Socket.prototype.connect;

// a Finance Cloud region: ECS and ActionTrail serve it from hosts of their endpoint maps
const REGIONS = ['cn-hangzhou', 'ap-southeast-1', 'eu-central-1', 'cn-shenzhen-finance-1'];

function answer(action: string): Record<string, unknown> {
  switch (action) {
    case 'GetCallerIdentity':
      return {
        AccountId: '1234567890123456',
        Arn: 'acs:ram::1234567890123456:user/auditor',
        IdentityType: 'RAMUser',
        UserId: '2001',
        PrincipalId: '2001',
      };
    case 'DescribeRegions':
      return { Regions: { Region: REGIONS.map((RegionId) => ({ RegionId })) } };
    case 'GetGlobalEventsStorageRegion':
      return { StorageRegion: 'ap-southeast-1' };
    default:
      // a valid JSON answer without its list: coverage entries, which this test does not judge
      return {};
  }
}

beforeAll(async () => {
  env = isolateEnv();
  useEnvKeys();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      for (const [k, v] of new URLSearchParams(body)) params[k] = v;
      const action = String(req.headers['x-acs-action'] ?? params['Action'] ?? '');
      captured.push({
        host: String(req.headers['x-captured-host'] ?? ''),
        method: req.method ?? '',
        action,
        version: String(req.headers['x-acs-version'] ?? params['Version'] ?? ''),
        params,
      });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ RequestId: 'R', ...answer(action) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // every socket the process opens is recorded (host as asked)
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // http.Agent passes the normalized [options, callback] array
    const raw = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const host =
      typeof raw === 'object' && raw !== null
        ? String(
            (raw as { host?: string; path?: string }).host ??
              (raw as { path?: string }).path ??
              'localhost',
          )
        : String(args[1] ?? 'localhost');
    connects.push(host);
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
  // the SDK's HTTPS request goes to the loopback server instead, naming the host it wanted
  https.request = ((options: https.RequestOptions) =>
    http.request({
      host: '127.0.0.1',
      port,
      path: options.path,
      method: options.method,
      headers: {
        ...(options.headers as Record<string, string>),
        'x-captured-host': String(options.host),
      },
      timeout: options.timeout,
    })) as typeof https.request;

  await collect({
    credentials: await resolveCredentials(),
    regions: REGIONS,
    now: new Date('2026-11-01T00:00:00Z'),
    since: new Date('2026-10-01T00:00:00Z'),
    readTimeoutMs: 5_000,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    lookupEventsIntervalMs: 0,
    credentialReportPolls: 1,
    credentialReportPollDelayMs: 1,
  });
}, 20_000);

afterAll(async () => {
  https.request = originalRequest;
  net.Socket.prototype.connect = originalConnect;
  await new Promise((r) => server.close(r));
  env.restore();
});

const hostsOf = (action: string) =>
  [...new Set(captured.filter((c) => c.action === action).map((c) => c.host))].sort();

describe('transport capture, no endpoint override', () => {
  it('no connection is attempted to a non-loopback address', () => {
    expect(captured.length).toBeGreaterThan(20);
    expect(connects.length).toBeGreaterThan(0);
    expect(connects.filter((h) => h !== '127.0.0.1')).toEqual([]);
  });

  it('every action is a read action of its service, signed for that API version, sent over HTTPS to its official host', () => {
    const VERSIONS: Record<string, [string, RegExp]> = {
      ecs: ['2014-05-26', /^ecs(-cn-hangzhou|\.[a-z0-9-]+)\.aliyuncs\.com$/],
      ram: ['2015-05-01', /^ram\.aliyuncs\.com$/],
      ims: ['2019-08-15', /^ims\.aliyuncs\.com$/],
      sts: ['2015-04-01', /^sts\.aliyuncs\.com$/],
      // regional, but Finance Cloud regions (and a few others) are served centrally
      actiontrail: ['2020-07-06', /^actiontrail(\.[a-z0-9-]+)?\.aliyuncs\.com$/],
      resourcemanager: ['2020-03-31', /^resourcemanager\.aliyuncs\.com$/],
      sas: ['2018-12-03', /^tds\.(cn-shanghai|ap-southeast-1)\.aliyuncs\.com$/],
      // the VPC SDK's _endpointMap: cn-hangzhou (and a few others) → vpc.aliyuncs.com;
      // its `regional` rule for the rest → vpc.<region>.aliyuncs.com
      vpc: ['2016-04-28', /^vpc(\.[a-z0-9-]+)?\.aliyuncs\.com$/],
    };
    const serviceOf = new Map<string, string>();
    for (const [service, actions] of Object.entries(READ_ACTIONS)) {
      for (const a of actions) if (!serviceOf.has(a)) serviceOf.set(a, service);
    }
    const seen = new Set<string>();
    for (const c of captured) {
      const candidates = Object.entries(READ_ACTIONS)
        .filter(([, list]) => (list as readonly string[]).includes(c.action))
        .map(([s]) => s);
      expect(candidates.length, c.action).toBeGreaterThan(0);
      const service = candidates.find((s) => VERSIONS[s]?.[1].test(c.host));
      expect(service, `${c.action} → ${c.host}`).toBeDefined();
      expect(c.version, c.action).toBe(VERSIONS[service as string]?.[0]);
      seen.add(service as string);
    }
    expect([...seen].sort()).toEqual([
      'actiontrail',
      'ecs',
      'ims',
      'ram',
      'resourcemanager',
      'sas',
      'sts',
      'vpc',
    ]);
    const vpcHosts = [
      ...new Set(captured.filter((c) => c.action === 'DescribeNetworkAcls').map((c) => c.host)),
    ].sort();
    expect(vpcHosts).toEqual([
      'vpc.aliyuncs.com',
      'vpc.ap-southeast-1.aliyuncs.com',
      'vpc.eu-central-1.aliyuncs.com',
    ]);
  });

  it('regional services go to the region of the call: ECS by its endpoint map, ActionTrail by the regional rule', () => {
    expect(hostsOf('DescribeSecurityGroups')).toEqual([
      'ecs-cn-hangzhou.aliyuncs.com',
      'ecs.ap-southeast-1.aliyuncs.com',
      'ecs.eu-central-1.aliyuncs.com',
    ]);
    // the ECS SDK's map sends cn-hangzhou and the Finance Cloud region to one host
    for (const c of captured.filter((x) => x.action === 'DescribeSecurityGroups')) {
      const regions =
        c.host === 'ecs-cn-hangzhou.aliyuncs.com'
          ? ['cn-hangzhou', 'cn-shenzhen-finance-1']
          : [c.host.split('.')[1]];
      expect(regions).toContain(c.params['RegionId']);
    }
    expect(
      captured
        .filter((x) => x.action === 'DescribeSecurityGroups')
        .map((c) => c.params['RegionId'])
        .sort(),
    ).toEqual([...REGIONS].sort());
    expect(hostsOf('DescribeRegions')).toEqual(['ecs-cn-hangzhou.aliyuncs.com']);
    // the official SDK's endpoint map: cn-shenzhen-finance-1 → the central host
    // (alibabacloud-go/actiontrail-20200706 client/client.go, EndpointMap)
    expect(hostsOf('DescribeTrails')).toEqual([
      'actiontrail.aliyuncs.com',
      'actiontrail.ap-southeast-1.aliyuncs.com',
      'actiontrail.cn-hangzhou.aliyuncs.com',
      'actiontrail.eu-central-1.aliyuncs.com',
    ]);
    // the real service takes the region from the host: no RegionId without an override
    for (const c of captured.filter((x) => x.action === 'DescribeTrails')) {
      expect(c.params['RegionId']).toBeUndefined();
      expect(c.params['IncludeShadowTrails']).toBe('true');
    }
    // global events are read where GetGlobalEventsStorageRegion says, sign-ins by name
    const signIns = captured.filter(
      (c) => c.action === 'LookupEvents' && c.params['LookupAttribute.1.Value'] === 'ConsoleSignin',
    );
    expect(signIns.map((c) => c.host)).toEqual(['actiontrail.ap-southeast-1.aliyuncs.com']);
    expect(signIns[0]?.params).toMatchObject({
      'LookupAttribute.1.Key': 'EventName',
      StartTime: '2026-10-01T00:00:00Z',
      EndTime: '2026-11-01T00:00:00Z',
      MaxResults: '50',
    });
  });

  it('central services: one host each, whatever the region', () => {
    expect(hostsOf('GetCallerIdentity')).toEqual(['sts.aliyuncs.com']);
    expect(hostsOf('ListUsers')).toEqual(['ram.aliyuncs.com']);
    expect(hostsOf('GetCredentialReport').concat(hostsOf('GenerateCredentialReport'))).toContain(
      'ims.aliyuncs.com',
    );
    expect(hostsOf('ListPolicyAttachments')).toEqual(['resourcemanager.aliyuncs.com']);
    // Security Center: mainland China (cn-hangzhou) first, then the rest of the world (all or
    // nothing: an answer without its list ends the read); only its two official hosts
    const sas = hostsOf('DescribeCloudCenterInstances');
    expect(sas).toContain('tds.cn-shanghai.aliyuncs.com');
    for (const h of sas)
      expect(['tds.ap-southeast-1.aliyuncs.com', 'tds.cn-shanghai.aliyuncs.com']).toContain(h);
  });
});
