/**
 * `collect()`: credentials → STS caller identity → regions → ECS (per region,
 * in parallel), RAM, IMS and ActionTrail → one inventory, validated by the
 * inventory schema. Anything that cannot be read becomes a coverage entry and
 * the affected facts stay absent.
 */
import pLimit from 'p-limit';
import type { ResolvedCredentials } from '../credentials/index.js';
import { parseInventory } from '../inventory/parse.js';
import { type Caller, INVENTORY_SCHEMA_VERSION, type Inventory } from '../inventory/schema.js';
import { VERSION } from '../version.js';
import { collectActionTrail } from './actiontrail.js';
import { createClients } from './clients.js';
import { type CollectContext, makeGuard, type ProgressEvent } from './context.js';
import { collectEcsRegion, describeRegions, type EcsRegionResult } from './ecs.js';
import { CollectError } from './errors.js';
import { Gate, type GateOptions, type GateStats } from './gate.js';
import { collectRoot } from './ims.js';
import { collectRam, ownAccessKeysOf } from './ram.js';
import { collectResourceGroupAttachments } from './resourcemanager.js';
import { defaultSleep, type RetryOptions } from './retry.js';
import { collectSas } from './sas.js';
import { holdSdks } from './sdk.js';
import { callerIdentity } from './sts.js';
import {
  aclPrefixListIds,
  collectVpcRegion,
  inferAclIpVersions,
  type VpcRegionResult,
} from './vpc.js';

export type { ProgressEvent } from './context.js';
export { CallerIdentityError, CollectError } from './errors.js';
export { READ_ACTIONS } from './gate.js';
export { holdSdks, releaseSdks } from './sdk.js';

export interface CollectOptions {
  credentials: Pick<ResolvedCredentials, 'credential' | 'source' | 'accessKeyIdMasked'> &
    Partial<Pick<ResolvedCredentials, 'redact'>>;
  /** send every call to this URL (`http://127.0.0.1:PORT`) */
  endpoint?: string;
  /** `'all'` (default) or region ids; an id DescribeRegions does not know is an error */
  regions?: string[] | 'all';
  /**
   * region ids DescribeRegions does not know, instead of an error: left out
   * and told here (an organization's member may lack a region another has;
   * what DescribeRegions does not list holds nothing of the account)
   */
  onUnavailableRegions?: (regions: string[]) => void;
  /** start of the ActionTrail / Cloud Assistant look-back window; default now − 90 days */
  since?: Date;
  /** the scan's clock; default the real clock */
  now?: Date;
  /** ms; default 30 000 */
  readTimeoutMs?: number;
  retry?: RetryOptions;
  /** concurrent ECS calls per region; default 16 */
  ecsConcurrency?: number;
  /** concurrent RAM / IMS calls; default 128 */
  centralConcurrency?: number;
  /** regions read at the same time, per regional service (ECS, VPC); default all scanned regions (quotas are per region) */
  regionConcurrency?: number;
  /** regions whose bulk listings (instances, disks, ...) run at the same time; default 4 */
  bulkRegionConcurrency?: number;
  /** calls per rate window per quota bucket, by action (see gate.ts DEFAULT_RATE_LIMITS) */
  rateLimits?: Record<string, number>;
  /** the rate window, ms; default 1 050 */
  rateWindowMs?: number;
  /** slow a bucket down after a throttled answer; default true */
  adaptiveRate?: boolean;
  /** LookupEvents per region at most one per this many ms (0 = no limit); default 550 */
  lookupEventsIntervalMs?: number;
  /** stop paging one listing after this many pages (PagingLoop gap); default 1000 */
  maxPages?: number;
  /** cap every list call's page size (default: each API's maximum) */
  maxPageSize?: number;
  /** GenerateCredentialReport polls; default 10 */
  credentialReportPolls?: number;
  /** the longest delay between polls (the first is 250 ms, each next one doubles); default 2 000 ms */
  credentialReportPollDelayMs?: number;
  /** injectable sleep (retries' backoff and report polling) */
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (event: ProgressEvent) => void;
  /** told the caller identity right after GetCallerIdentity */
  onIdentity?: (caller: Caller) => void;
  /** told the gate's statistics at the end */
  onStats?: (stats: GateStats) => void;
}

const DAY = 86_400_000;

export async function collect(options: CollectOptions): Promise<Inventory> {
  // the SDKs stay loaded while this collection makes clients and requests (sdk.ts holdSdks)
  const unhold = holdSdks();
  try {
    return await collectHeld(options);
  } finally {
    unhold();
  }
}

async function collectHeld(options: CollectOptions): Promise<Inventory> {
  const now = options.now ?? new Date();
  const since = options.since ?? new Date(now.getTime() - 90 * DAY);
  const sleep = options.sleep ?? defaultSleep;
  const gateOptions: GateOptions = {
    retry: { sleep, ...options.retry },
    ecsConcurrency: options.ecsConcurrency,
    centralConcurrency: options.centralConcurrency,
    rateLimits: options.rateLimits,
    rateWindowMs: options.rateWindowMs,
    adaptiveRate: options.adaptiveRate,
    lookupEventsIntervalMs: options.lookupEventsIntervalMs,
  };
  const gate = new Gate(gateOptions);
  const coverage: Inventory['coverage'] = [];
  const clients = createClients({
    credential: options.credentials.credential,
    endpoint: options.endpoint,
    readTimeoutMs: options.readTimeoutMs,
  });
  const onProgress = options.onProgress;
  const ctx: CollectContext = {
    gate,
    clients,
    coverage,
    guard: makeGuard(coverage, options.maxPages),
    redact: options.credentials.redact ?? ((s) => s),
    since,
    now,
    sleep,
    credentialReportPolls: options.credentialReportPolls ?? 10,
    maxPageSize: options.maxPageSize,
    credentialReportPollDelayMs: options.credentialReportPollDelayMs ?? 2_000,
    bulk: pLimit(Math.max(1, options.bulkRegionConcurrency ?? 4)),
    progress: (e) => {
      try {
        onProgress?.(e);
      } catch {
        // a progress display never breaks a scan
      }
    },
  };

  // 1. who are we — before any other call
  ctx.progress({ service: 'sts', region: null, phase: 'caller identity' });
  const caller = await callerIdentity(ctx);
  options.onIdentity?.(caller);

  // 2. regions
  const requested = options.regions ?? 'all';
  const homeRegion = requested === 'all' ? 'cn-hangzhou' : (requested[0] ?? 'cn-hangzhou');
  ctx.progress({ service: 'ecs', region: null, phase: 'regions' });
  const regions = await describeRegions(ctx, homeRegion);
  let scanned: string[];
  if (requested === 'all') {
    // an unknown region list scans no region: DescribeRegions' coverage entry makes every
    // regional rule 'not evaluated' (the 'regions' data key), never "no resources"
    scanned = regions ? regions.map((r) => r.id) : [];
  } else {
    scanned = [...new Set(requested)];
    if (regions) {
      const known = new Set(regions.map((r) => r.id));
      const unknown = scanned.filter((r) => !known.has(r));
      if (unknown.length > 0 && options.onUnavailableRegions) {
        options.onUnavailableRegions(unknown);
        scanned = scanned.filter((r) => known.has(r));
      } else if (unknown.length > 0) {
        throw new CollectError(
          `unknown region${unknown.length > 1 ? 's' : ''} ${unknown.map((r) => `"${r}"`).join(', ')} (DescribeRegions lists ${[...known].join(', ') || 'none'})`,
        );
      }
    }
  }

  // 3. everything else, in parallel
  // a bound per service: ECS and VPC have quotas of their own, and a VPC region waiting for an
  // ECS region's slot would start only when that region's slowest ECS bucket is done
  const regionBound = Math.max(1, options.regionConcurrency ?? scanned.length);
  const ecsRegionLimit = pLimit(regionBound);
  const vpcRegionLimit = pLimit(regionBound);
  // resource-group-scope attachments (Resource Manager): their policies are fetched with RAM's
  const rgAttachments = collectResourceGroupAttachments(ctx);
  // the root's own AccessKeys (listable only by the root itself): ActionTrail looks their use up per key
  const ownKeys =
    caller.identityType === 'Account' ? ownAccessKeysOf(ctx) : Promise.resolve(undefined);
  // the credential report feeds the root's posture and the RAM users' per-user facts (ram.ts)
  const rootRead = collectRoot(ctx);
  // VPC: network ACLs, NAT DNAT entries, IPv6 addresses (reachability)
  const vpcRegions = scanned.map((r) => vpcRegionLimit(() => collectVpcRegion(ctx, r)));
  const [ecsResults, ram, root, actiontrail, resourceGroupAttachments, sas, vpcResults] =
    await Promise.all([
      // the prefix lists the region's ACL entries name are read with the groups' (once per list);
      // VPC never waits for ECS, so a region waiting here for its ACLs always gets them
      Promise.all(
        scanned.map((r, i) =>
          ecsRegionLimit(() =>
            collectEcsRegion(
              ctx,
              r,
              vpcRegions[i]!.then((v) => aclPrefixListIds(v.networkAcls)),
            ),
          ),
        ),
      ),
      collectRam(
        ctx,
        rgAttachments.then((list) =>
          list?.map((a) => ({ name: a.policyName, type: a.policyType })),
        ),
        rootRead.then((r) => r.userReport),
      ),
      (async () => {
        const [r, own] = await Promise.all([rootRead, ownKeys]);
        if (own) r.root.ownAccessKeys = own;
        return r;
      })(),
      collectActionTrail(ctx, scanned, {
        rootAccessKeyIds: ownKeys.then((own) => own?.map((k) => k.id)),
        // a RAM-user caller cannot list the root's keys: the credential report's <root> row says when they were used
        rootCredentialReport: rootRead.then((r) =>
          r.root.credentialReport
            ? { ...r.root.credentialReport, lastLogon: r.rootLastLogon }
            : undefined,
        ),
      }),
      rgAttachments,
      // Security Center's asset list (agent status), from the endpoints the scanned regions need
      collectSas(ctx, scanned),
      Promise.all(vpcRegions),
    ]);
  if (resourceGroupAttachments) ram.resourceGroupAttachments = resourceGroupAttachments;

  const ecs = mergeEcs(ecsResults);
  const vpc = mergeVpc(vpcResults);
  // an ACL entry's IP version may rest on a prefix list's family, known only now
  inferAclIpVersions(ctx, vpc.networkAcls, ecs.prefixLists);
  options.onStats?.(gate.stats());
  const inventory: Inventory = {
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    tool: { name: 'ecs-audit', version: VERSION },
    collectedAt: new Date().toISOString(),
    account: {
      id: caller.accountId,
      caller,
      credentialSource: options.credentials.source,
      callerAccessKeyIdMasked: options.credentials.accessKeyIdMasked,
    },
    regions: regions ?? scanned.map((id) => ({ id })),
    scope: { regions: scanned, since: since.toISOString(), until: now.toISOString() },
    ecs,
    vpc,
    ram,
    root: root.root,
    actiontrail,
    sas,
    coverage,
  };
  return parseInventory(inventory);
}

function mergeEcs(results: EcsRegionResult[]): Inventory['ecs'] {
  return {
    securityGroups: results.flatMap((r) => r.securityGroups),
    instances: results.flatMap((r) => r.instances),
    keyPairs: results.flatMap((r) => r.keyPairs),
    disks: results.flatMap((r) => r.disks),
    invocations: results.flatMap((r) => r.invocations),
    prefixLists: results.flatMap((r) => r.prefixLists),
    portRangeLists: results.flatMap((r) => r.portRangeLists),
  };
}

function mergeVpc(results: VpcRegionResult[]): Inventory['vpc'] {
  return {
    ipv6Addresses: results.flatMap((r) => r.ipv6Addresses),
    networkAcls: results.flatMap((r) => r.networkAcls),
    natGateways: results.flatMap((r) => r.natGateways),
    eipAddresses: results.flatMap((r) => r.eipAddresses),
  };
}
