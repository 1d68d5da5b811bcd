import type { TrailEvent } from 'ecs-audit';
import {
  capped,
  defineRule,
  eventEvidence,
  maskAccessKeyId,
  outcomeOf,
  rootActivityOf,
  z,
} from 'ecs-audit';

interface KeyUse {
  accessKeyIdMasked: string;
  calls: number;
  failedCalls: number;
  firstSeen: string;
  lastSeen: string;
  sourceIps: string[];
}

export default defineRule({
  meta: {
    id: 'actiontrail-root-access-key-used',
    title: 'A permanent AccessKey of the root identity was used',
    severity: 'critical',
    resourceTypes: ['account'],
    reads: ['actiontrail.events'],
    rationale:
      'A root AccessKey is a long-lived secret with every permission in the account, no policy can narrow it and it is typically stored in ' +
      'scripts, CI variables or laptops where it leaks. An `ApiCall` event by the root identity (`userIdentity.type` root-account) within the ' +
      'look-back window (`--since`) whose `userIdentity.accessKeyId` is a permanent key shows such a key is in active use. ' +
      "Temporary credentials are not counted: `STS.` keys (assumed roles) and `TMP.` keys (the console session's own credentials). " +
      'Each event is counted once even when several regions return it; key ids are masked to their last 4 characters.',
    remediation:
      'Move the workload that uses the key to a RAM user or, better, a RAM role (ECS instance RAM role, RRSA, or AssumeRole) with least privilege, ' +
      'then disable and delete the root AccessKey: AccessKey console (hover over the profile picture > AccessKey Management) > Disable, then Delete. ' +
      'Check that nothing breaks while the key is disabled before deleting it. Find every caller of the key with ' +
      '`aliyun actiontrail LookupEvents --LookupAttribute.1.Key EventAccessKeyId --LookupAttribute.1.Value <AccessKeyId>`.',
    references: [
      'https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-lookupevents',
      'https://www.alibabacloud.com/help/en/ram/user-guide/create-a-ram-user',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ims-2019-08-15-getaccountsecuritypracticereport',
    ],
    options: z.object({
      /** events listed in the evidence, newest first */
      maxEvents: z.number().int().min(1).default(20),
    }),
    compliance: { cis: ['1.1', '1.2'] },
  },
  *evaluate(ctx) {
    const { accessKeyCalls, undated } = rootActivityOf(ctx);
    const inv = ctx.inventory;
    if (accessKeyCalls.length === 0) {
      // a root key call whose time cannot be read may lie in the window: no verdict, not a pass
      if (undated.accessKeyCalls.length > 0) {
        ctx.notEvaluated(
          { type: 'account', id: inv.account.id, region: null },
          `the eventTime of ${undated.accessKeyCalls.length} root AccessKey call(s) could not be read`,
        );
      }
      return;
    }
    const scanRanAsRoot = inv.account.caller.identityType.trim().toLowerCase() === 'account';
    const scanKey = inv.account.callerAccessKeyIdMasked;

    // events are newest first, so the first event of a key is its latest use
    const byKey = new Map<string, KeyUse>();
    for (const e of accessKeyCalls) {
      const masked = maskAccessKeyId(e.userIdentity.accessKeyId ?? '');
      const use = byKey.get(masked) ?? {
        accessKeyIdMasked: masked,
        calls: 0,
        failedCalls: 0,
        firstSeen: e.eventTime,
        lastSeen: e.eventTime,
        sourceIps: [],
      };
      use.calls += 1;
      if (outcomeOf(e) === 'failure') use.failedCalls += 1;
      use.firstSeen = e.eventTime;
      if (
        e.sourceIpAddress &&
        use.sourceIps.length < ctx.options.maxEvents &&
        !use.sourceIps.includes(e.sourceIpAddress)
      ) {
        use.sourceIps.push(e.sourceIpAddress);
      }
      byKey.set(masked, use);
    }
    const keys = [...byKey.values()].map((k) => ({
      ...k,
      ...(scanRanAsRoot && scanKey !== undefined && scanKey === k.accessKeyIdMasked
        ? { usedByThisScan: true }
        : {}),
    }));
    const latest = accessKeyCalls[0]!;
    const listed = capped(accessKeyCalls, ctx.options.maxEvents);
    const keyList = keys.map((k) => k.accessKeyIdMasked).join(', ');
    const calls = accessKeyCalls.length === 1 ? '1 API call' : `${accessKeyCalls.length} API calls`;
    yield {
      resource: { type: 'account', id: inv.account.id, region: null },
      message:
        `A permanent root AccessKey of account ${inv.account.id} (${keyList}) made ${calls} since ${ctx.since.toISOString()}, ` +
        `most recently ${latest.eventName || 'a call'} at ${latest.eventTime}` +
        `${latest.sourceIpAddress ? ` from ${latest.sourceIpAddress}` : ''}.`,
      evidence: {
        calls: accessKeyCalls.length,
        failedCalls: accessKeyCalls.filter((e) => outcomeOf(e) === 'failure').length,
        accessKeys: keys,
        window: { since: ctx.since.toISOString(), now: ctx.now.toISOString() },
        events: listed.items.map((e: TrailEvent) => ({
          ...eventEvidence(e),
          accessKeyIdMasked: maskAccessKeyId(e.userIdentity.accessKeyId ?? ''),
        })),
        truncated: listed.truncated,
      },
    };
  },
});
