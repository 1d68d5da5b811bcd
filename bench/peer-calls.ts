/**
 * The peer column of the benchmark (#20 item 4): how many API calls Prowler's
 * Alibaba Cloud provider would make on the same world, and the lower bound on
 * its wall time, from its call pattern as recorded in
 * shared/notes/peer-scanners.md §1.1 (prowler-cloud/prowler at 3e000faa,
 * `prowler/providers/alibabacloud`):
 *
 *   STS          GetCallerIdentity once
 *   regions      a hard-coded list of 24 public regions (no DescribeRegions);
 *                counted here as the world's regions, so the figure is a lower bound
 *   ECS          per region: DescribeSecurityGroups, DescribeInstances, DescribeDisks
 *                (pages as ours at best), then DescribeSecurityGroupAttribute once per
 *                group *per direction* (2 × groups), sequential inside a region
 *   RAM          ListUsers and ListPolicies once (no Marker loop), then 4 sequential
 *                calls per user: ListAccessKeys, GetLoginProfile, ListPoliciesForUser,
 *                ListGroupsForUser; GetPasswordPolicy once
 *   ActionTrail  DescribeTrails per region; no LookupEvents (it reads no events)
 *
 * Without paging, ListUsers returns its default page (100 users): the calls
 * counted here are those the pattern needs to cover every user (its lower
 * bound), and `truncatedUsers` says how many a real run would never see.
 *
 * Lower bound on wall time: 10 worker threads per service fan regions out, but
 * inside a region (and for the one RAM "region") the per-item calls are
 * sequential, so a region's chain costs calls × latency; a bucket's quota
 * (ECS 16/s per action and region, RAM 100/s per action) bounds it too.
 */
import type { World } from '../src/emulator/world.js';

export const PEER_USERS_PAGE = 100;
const WORKERS = 10;

export interface PeerCalls {
  name: 'prowler';
  calls: number;
  byAction: Record<string, number>;
  lowerBoundSeconds: number;
  /** users a run without paging would not see */
  truncatedUsers: number;
}

const pages = (items: number, size: number) => Math.max(1, Math.ceil(items / size));

export function prowlerCalls(
  world: World,
  qps: Record<string, number> = {},
  latencyMs = world.emulator.latencyMs,
): PeerCalls {
  const byAction: Record<string, number> = {};
  const add = (action: string, n: number) => {
    if (n > 0) byAction[action] = (byAction[action] ?? 0) + n;
  };
  const latency = latencyMs / 1000;
  const rate = (action: string) => qps[action] ?? 0;
  /** seconds for `calls` sequential calls of one action bucket */
  const chain = (action: string, calls: number) =>
    Math.max(calls * latency, rate(action) > 0 ? calls / rate(action) : 0);

  add('GetCallerIdentity', 1);
  const regionSeconds: number[] = [];
  for (const { RegionId } of world.regions) {
    const block = world.ecs[RegionId];
    const groups = block?.SecurityGroups.length ?? 0;
    const listing = {
      DescribeSecurityGroups: pages(groups, 100),
      DescribeInstances: pages(block?.Instances.length ?? 0, 100),
      DescribeDisks: pages(block?.Disks.length ?? 0, 500),
      DescribeTrails: 1,
    };
    for (const [a, n] of Object.entries(listing)) add(a, n);
    add('DescribeSecurityGroupAttribute', 2 * groups);
    // the group list, then one group and direction after another
    regionSeconds.push(
      chain('DescribeSecurityGroups', listing.DescribeSecurityGroups) +
        chain('DescribeSecurityGroupAttribute', 2 * groups),
    );
  }
  const users = world.ram.Users.length;
  add('ListUsers', 1);
  add('ListPolicies', 1);
  add('GetPasswordPolicy', 1);
  const perUser = ['ListAccessKeys', 'GetLoginProfile', 'ListPoliciesForUser', 'ListGroupsForUser'];
  for (const a of perUser) add(a, users);
  // four calls per user, one user after another: each call waits for the previous one
  const ramSeconds =
    latency +
    Math.max(
      users * perUser.length * latency,
      ...perUser.map((a) => (rate(a) > 0 ? users / rate(a) : 0)),
    );
  // regions run WORKERS at a time: the slowest region, or the total over the workers
  const sorted = [...regionSeconds].sort((a, b) => b - a);
  const ecsSeconds = Math.max(sorted[0] ?? 0, sorted.reduce((s, v) => s + v, 0) / WORKERS);
  const calls = Object.values(byAction).reduce((s, v) => s + v, 0);
  return {
    name: 'prowler',
    calls,
    byAction,
    lowerBoundSeconds: latency + Math.max(ecsSeconds, ramSeconds),
    truncatedUsers: Math.max(0, users - PEER_USERS_PAGE),
  };
}
