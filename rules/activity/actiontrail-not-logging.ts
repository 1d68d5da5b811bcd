import type { Trail } from 'ecs-audit';
import { defineRule, z } from 'ecs-audit';

type Verdict = 'yes' | 'no' | 'unknown';

interface TrailCheck {
  trail: Trail;
  enabled: Verdict;
  logging: Verdict;
  allRegions: Verdict;
  writeEvents: Verdict;
  /** what keeps this trail from counting, in words */
  problems: string[];
}

const norm = (v: string): string => v.trim().toLowerCase();

function check(trail: Trail): TrailCheck {
  const status = norm(trail.status);
  const region = norm(trail.trailRegion);
  const rw = norm(trail.eventRW);
  const enabled: Verdict = status === '' ? 'unknown' : status === 'enable' ? 'yes' : 'no';
  const logging: Verdict =
    trail.trailStatus === undefined ? 'unknown' : trail.trailStatus.isLogging ? 'yes' : 'no';
  const allRegions: Verdict = region === '' ? 'unknown' : region === 'all' ? 'yes' : 'no';
  const writeEvents: Verdict =
    rw === '' ? 'unknown' : rw === 'write' || rw === 'all' ? 'yes' : 'no';
  const problems: string[] = [];
  if (enabled === 'no') problems.push(`status is ${trail.status}`);
  if (logging === 'no') problems.push('not logging (IsLogging false)');
  if (allRegions === 'no') problems.push(`covers ${trail.trailRegion} only`);
  if (writeEvents === 'no') problems.push(`records ${trail.eventRW} events only`);
  return { trail, enabled, logging, allRegions, writeEvents, problems };
}

function trailEvidence(c: TrailCheck): Record<string, unknown> {
  const t = c.trail;
  return {
    name: t.name,
    status: t.status,
    homeRegion: t.homeRegion,
    trailRegion: t.trailRegion,
    eventRW: t.eventRW,
    isOrganizationTrail: t.isOrganizationTrail,
    isLogging: t.trailStatus ? t.trailStatus.isLogging : null,
    delivery: {
      slsProjectArn: t.slsProjectArn || null,
      ossBucketName: t.ossBucketName || null,
      latestDeliveryTime: t.trailStatus?.latestDeliveryTime ?? null,
      latestDeliveryError: t.trailStatus ? t.trailStatus.latestDeliveryError || null : null,
    },
    problems: c.problems,
  };
}

export default defineRule({
  meta: {
    id: 'actiontrail-not-logging',
    title: 'No ActionTrail trail records write events in every region',
    severity: 'high',
    resourceTypes: ['account'],
    reads: ['actiontrail.trails'],
    rationale:
      'Without a trail, ActionTrail keeps events for 90 days only and delivers them nowhere: there is no lasting record of who changed what, ' +
      'no feed for alerting on root sign-ins or security-group changes, and nothing to investigate an incident with after the fact. ' +
      'A trail only counts when it is enabled (`Status` Enable), is actually logging (`GetTrailStatus` `IsLogging`), covers every region ' +
      '(`TrailRegion` All) and records write events (`EventRW` Write or All). The evidence lists every trail with what keeps it from counting ' +
      'and its delivery status.',
    remediation:
      'ActionTrail console > Trails > Create Trail (or edit the trail named in the evidence): apply it to all regions, choose the event type ' +
      'All (or at least Write), deliver to a Simple Log Service project and/or OSS bucket, and turn logging on. ' +
      'CLI: `aliyun actiontrail CreateTrail --Name account-trail --TrailRegion All --EventRW All --SlsProjectArn <arn> --SlsWriteRoleArn <role-arn>` ' +
      'or `aliyun actiontrail UpdateTrail --Name <name> --TrailRegion All --EventRW All`, then `aliyun actiontrail StartLogging --Name <name>`.',
    references: [
      'https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-describetrails',
      'https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-gettrailstatus',
      'https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-startlogging',
    ],
    options: z.object({}),
    compliance: { cis: ['2.1'] },
  },
  *evaluate(ctx) {
    const trails = ctx.inventory.actiontrail.trails;
    // DescribeTrails could not be read: the coverage says so, the rule says nothing.
    if (trails === undefined) return;
    const checks = trails.map(check);
    const verdicts = (c: TrailCheck) => [c.enabled, c.logging, c.allRegions, c.writeEvents];
    // One trail that does everything is enough; one that might (a fact unknown, none false) is not a finding either.
    if (checks.some((c) => !verdicts(c).includes('no'))) {
      // …but only a trail known to do everything is a pass
      const maybe = checks.find(
        (c) => verdicts(c).includes('unknown') && !verdicts(c).includes('no'),
      );
      if (maybe && !checks.some((c) => verdicts(c).every((v) => v === 'yes')))
        ctx.notEvaluated(
          { type: 'account', id: ctx.inventory.account.id, region: null },
          `whether trail ${maybe.trail.name} is enabled, logging, covering all regions and recording write events is not fully known`,
        );
      return;
    }
    const account = ctx.inventory.account.id;
    const message =
      checks.length === 0
        ? `Account ${account} has no ActionTrail trail, so no event is delivered or kept beyond 90 days.`
        : `No ActionTrail trail of account ${account} is enabled, logging, covering all regions and recording write events (` +
          checks.map((c) => `${c.trail.name}: ${c.problems.join(', ')}`).join('; ') +
          ').';
    yield {
      resource: { type: 'account', id: account, region: null },
      message,
      evidence: {
        trailCount: checks.length,
        trails: checks.map(trailEvidence),
      },
    };
  },
});
