/**
 * Security Center (Sas 2018-12-03, through the generic client: there is no
 * maintained npm package): the asset list with each asset's agent status.
 *
 * DescribeCloudCenterInstances (facts from the official Go SDK model,
 * alibabacloud-go/sas-20181203 `client/describe_cloud_center_instances_*_model.go`):
 *  - request: `UseNextToken` (true: NextToken paging, TotalCount not returned),
 *    `NextToken`, `PageSize` (default 20; the documented example asks 100),
 *    `CurrentPage` (number paging), `Criteria`, `MachineTypes`, `Flags`, ...;
 *    `RegionId` is deprecated (it meant the asset's region, not the endpoint's).
 *  - response: `Instances` (a plain array, no wrapper) of
 *    `{InstanceId, RegionId, ClientStatus, ClientSubStatus, Status, Vendor, ...}`
 *    and `PageInfo {Count, CurrentPage, PageSize, NextToken, TotalCount}`.
 *    `ClientStatus`: online | offline | pause; `ClientSubStatus`: online |
 *    offline | pause | uninstalled | stopped.
 *  - endpoints (the SDK's endpoint map): `tds.cn-shanghai.aliyuncs.com` serves
 *    every mainland China region and Hong Kong (`cn-*`), and
 *    `tds.ap-southeast-1.aliyuncs.com` every other region. Each answers only
 *    the assets of its own regions, so both are read when the scan covers both.
 *
 * The list is all or nothing: rules read "absent from the list" as "no agent",
 * so a site that could not be read (Security Center not activated, AccessDenied,
 * a truncated listing) leaves `instances` absent with one coverage entry, and
 * the other site is not asked.
 */
import type { SasInstance } from '../inventory/schema.js';
import type { SasSite } from './clients.js';
import { type CollectContext, call, fail, pageSize } from './context.js';
import { describeError, MalformedResponseError, requiredList } from './errors.js';
import { type PageMeta, pageByCursor, trackIncomplete } from './paging.js';

export const SAS_ACTION = 'DescribeCloudCenterInstances';

export interface SasResult {
  instances?: SasInstance[];
}

type Json = Record<string, unknown>;

/** the Security Center endpoint that lists a region's assets */
export function sasSiteOf(region: string): SasSite {
  return region.startsWith('cn-') ? 'cn-shanghai' : 'ap-southeast-1';
}

/** the sites the scanned regions need, mainland China first */
export function sasSitesFor(regions: readonly string[]): SasSite[] {
  const needed = new Set(regions.map(sasSiteOf));
  return (['cn-shanghai', 'ap-southeast-1'] as const).filter((s) => needed.has(s));
}

// the list is account-wide (one unreadable site makes it unknown for every region): no region
const meta = (resource?: string): PageMeta => ({
  service: 'sas',
  region: null,
  operation: SAS_ACTION,
  ...(resource !== undefined ? { resource } : {}),
});

export async function collectSas(
  ctx: CollectContext,
  regions: readonly string[],
): Promise<SasResult> {
  const all: SasInstance[] = [];
  for (const site of sasSitesFor(regions)) {
    ctx.progress({ service: 'sas', region: site, phase: 'Security Center agents' });
    const listed = await listSite(ctx, site);
    if (!listed) return {};
    all.push(...listed);
  }
  return { instances: all };
}

async function listSite(ctx: CollectContext, site: SasSite): Promise<SasInstance[] | undefined> {
  const m = meta();
  const guard = trackIncomplete({
    maxPages: ctx.guard.maxPages,
    onIncomplete: (pm, code, message) =>
      ctx.guard.onIncomplete(pm, code, `${site} endpoint: ${message}`),
  });
  let raw: Json[] | undefined;
  try {
    raw = await pageByCursor(
      guard,
      m,
      async (token) => {
        const body = await call(ctx, m, () =>
          ctx.clients.sas(SAS_ACTION, site, {
            UseNextToken: true,
            PageSize: pageSize(ctx, 100),
            ...(token ? { NextToken: token } : {}),
          }),
        );
        const items = requiredList(body.Instances as unknown[] | undefined, 'Instances');
        const pageInfo = body.PageInfo;
        if (!isObject(pageInfo)) {
          throw new MalformedResponseError('the answer has no PageInfo');
        }
        return { items: items.filter(isObject), next: str(pageInfo.NextToken) || undefined };
      },
      (item) => str(item.InstanceId) || undefined,
    );
  } catch (err) {
    const d = describeError(err, ctx.redact);
    fail(ctx, m, { code: d.code, message: `${site} endpoint: ${d.message}` });
    return undefined;
  }
  // a truncated list would read as "agent missing" for the assets it lost
  if (guard.incomplete) return undefined;
  const out: SasInstance[] = [];
  for (const item of raw) {
    const instanceId = str(item.InstanceId);
    if (instanceId === '') continue; // not an asset the scan can name (no instance id)
    const clientStatus = str(item.ClientStatus);
    const clientSubStatus = str(item.ClientSubStatus);
    if (clientStatus === '') {
      // the agent rule cannot judge this instance: not evaluated, never "offline"
      fail(ctx, meta(instanceId), {
        code: 'MissingField',
        message: `${site} endpoint: ${SAS_ACTION} answered without ClientStatus for ${instanceId}`,
      });
    }
    out.push({
      instanceId,
      regionId: str(item.RegionId),
      ...(clientStatus !== '' ? { clientStatus } : {}),
      // "" is how the API says "no sub-status": the same as absent
      ...(clientSubStatus !== '' ? { clientSubStatus } : {}),
    });
  }
  return out;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '';
}
