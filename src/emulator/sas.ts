/**
 * Security Center (Sas 2018-12-03) handlers of the emulator, in the wire
 * format of the official Go SDK model (alibabacloud-go/sas-20181203): the
 * scanner calls them through openapi-core's generic client.
 *
 * DescribeCloudCenterInstances {UseNextToken, NextToken, PageSize,
 *   CurrentPage, MachineTypes} → `{Success, Instances: [...], PageInfo}`.
 *   - Security Center has two endpoints: `tds.cn-shanghai.aliyuncs.com`
 *     (every `cn-*` region, Hong Kong included) and
 *     `tds.ap-southeast-1.aliyuncs.com` (the rest); each lists only the assets
 *     of its regions. One overriding endpoint serves both, told apart by the
 *     `RegionId` the scanner sends with an endpoint override (`cn-shanghai` or
 *     `ap-southeast-1`); another or none is an error.
 *   - `Instances` is a plain array; world items are served as written.
 *   - UseNextToken=true: NextToken paging, `PageInfo {Count, PageSize,
 *     NextToken}` ("" on the last page; no TotalCount); otherwise
 *     CurrentPage/PageSize: `PageInfo {Count, CurrentPage, PageSize, TotalCount}`.
 *     PageSize default 20, at most 100.
 *   - MachineTypes=ecs keeps the assets whose `MachineType`/`AssetType`
 *     (when the world sets one) is `ecs`.
 */
import { BadPagingParameter, pageByToken } from './paging.js';
import { type ActionHandler, apiError, ok } from './types.js';

const SITES = ['cn-shanghai', 'ap-southeast-1'] as const;
const LIMITS = { max: 100, default: 20 };

/** the endpoint that lists an asset of `region` */
export function sasSiteOfRegion(region: string): (typeof SITES)[number] {
  return region.startsWith('cn-') ? 'cn-shanghai' : 'ap-southeast-1';
}

const describeCloudCenterInstances: ActionHandler = (req, ctx) => {
  const site = req.region;
  if (!site || !(SITES as readonly string[]).includes(site)) {
    return apiError(
      400,
      'InvalidRegionId',
      `The Security Center endpoint for region ${site ?? '(none)'} does not exist: use cn-shanghai or ap-southeast-1.`,
    );
  }
  const p = req.params;
  const machineTypes = (p['MachineTypes'] ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const items = ctx.world.sas.Instances.filter((i) => {
    // an asset the world wrote without RegionId could be listed by either endpoint: both list
    // it (served without the field), so neither scan of a site misses it
    if (i.RegionId !== undefined && sasSiteOfRegion(i.RegionId) !== site) return false;
    if (machineTypes.length === 0) return true;
    const type = String(i['MachineType'] ?? i['AssetType'] ?? 'ecs').toLowerCase();
    return machineTypes.includes(type);
  });
  if ((p['UseNextToken'] ?? '').toLowerCase() === 'true') {
    const { page, nextToken } = pageByToken(items, p, LIMITS, { size: 'PageSize' });
    return ok({
      Success: true,
      Instances: page.map((i) => ({ ...i })),
      PageInfo: { Count: page.length, PageSize: sizeOf(p['PageSize']), NextToken: nextToken },
    });
  }
  const size = sizeOf(p['PageSize']);
  const rawPage = p['CurrentPage'];
  const current = rawPage ? Number.parseInt(rawPage, 10) : 1;
  if (!Number.isFinite(current) || current < 1) {
    throw new BadPagingParameter('CurrentPage', rawPage ?? '');
  }
  const page = items.slice((current - 1) * size, current * size);
  return ok({
    Success: true,
    Instances: page.map((i) => ({ ...i })),
    PageInfo: {
      Count: page.length,
      CurrentPage: current,
      PageSize: size,
      TotalCount: items.length,
    },
  });
};

function sizeOf(raw: string | undefined): number {
  const n = raw ? Number.parseInt(raw, 10) : LIMITS.default;
  if (!Number.isFinite(n) || n <= 0) return LIMITS.default;
  return Math.min(n, LIMITS.max);
}

export const sasHandlers: Record<string, ActionHandler> = {
  DescribeCloudCenterInstances: describeCloudCenterInstances,
};
