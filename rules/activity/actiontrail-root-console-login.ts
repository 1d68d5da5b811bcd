import {
  capped,
  defineRule,
  eventEvidence,
  mfaEvidence,
  mfaOf,
  rootActivityOf,
  z,
} from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'actiontrail-root-console-login',
    title: 'The root identity signed in to the console',
    severity: 'high',
    resourceTypes: ['account'],
    reads: ['actiontrail.events'],
    rationale:
      'The Alibaba Cloud account (root identity) holds every permission and cannot be restricted by any policy; daily work should be done ' +
      'by RAM users or roles with the least privilege, so that actions are attributable and a stolen password does not hand over the whole account. ' +
      'A successful root `ConsoleSignin` event (`userIdentity.type` root-account) within the look-back window (`--since`) shows the root ' +
      'password is in use. Each event is counted once even when several regions return it; failed attempts are counted in the evidence ' +
      'but do not raise the finding on their own.',
    remediation:
      'Create a RAM user (or use CloudSSO) for the person who signed in, grant it only the permissions the work needs, and keep the root ' +
      'password and its MFA device locked away for break-glass use. Review the sign-ins in ActionTrail console > Event Query (event name ConsoleSignin) ' +
      'or with `aliyun actiontrail LookupEvents --LookupAttribute.1.Key EventName --LookupAttribute.1.Value ConsoleSignin`; if one is not recognised, ' +
      'change the root password and rebind MFA at once. Create a RAM user with `aliyun ram CreateUser --UserName <name>` and ' +
      '`aliyun ram CreateLoginProfile --UserName <name> --Password <password> --MFABindRequired true`.',
    references: [
      'https://www.alibabacloud.com/help/en/actiontrail/user-guide/logon-events-by-using-an-alibaba-cloud-account',
      'https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-lookupevents',
      'https://www.alibabacloud.com/help/en/ram/user-guide/create-a-ram-user',
    ],
    options: z.object({
      /** events listed in the evidence, newest first */
      maxEvents: z.number().int().min(1).default(20),
    }),
    compliance: { cis: ['1.1'] },
  },
  *evaluate(ctx) {
    const { signins, failedSignins, undated } = rootActivityOf(ctx);
    if (signins.length === 0) {
      // a root sign-in whose time cannot be read may lie in the window: no verdict, not a pass
      if (undated.signins.length > 0) {
        ctx.notEvaluated(
          { type: 'account', id: ctx.inventory.account.id, region: null },
          `the eventTime of ${undated.signins.length} root console sign-in(s) could not be read`,
        );
      }
      return;
    }
    const latest = signins[0]!;
    const listed = capped(signins, ctx.options.maxEvents);
    const failed = capped(failedSignins, ctx.options.maxEvents);
    const sourceIps = [...new Set(signins.map((e) => e.sourceIpAddress ?? '').filter((ip) => ip))];
    const withoutMfa = signins.filter((e) => mfaOf(e).state === 'not-checked').length;
    const mfaUnknown = signins.filter((e) => mfaOf(e).state === 'unknown').length;
    const account = ctx.inventory.account.id;
    const times = signins.length === 1 ? 'once' : `${signins.length} times`;
    yield {
      resource: { type: 'account', id: account, region: null },
      message:
        `The root identity of account ${account} signed in to the console ${times} since ${ctx.since.toISOString()}, ` +
        `most recently at ${latest.eventTime}${latest.sourceIpAddress ? ` from ${latest.sourceIpAddress}` : ''}.`,
      evidence: {
        signins: signins.length,
        withoutMfa,
        mfaUnknown,
        failedAttempts: failedSignins.length,
        firstSeen: signins[signins.length - 1]!.eventTime,
        lastSeen: latest.eventTime,
        sourceIps,
        window: { since: ctx.since.toISOString(), now: ctx.now.toISOString() },
        events: listed.items.map((e) => ({ ...eventEvidence(e), ...mfaEvidence(e) })),
        truncated: listed.truncated,
        // rules.md: a failed sign-in is not a sign-in, but it is listed when this finding exists
        failedEvents: failed.items.map((e) => eventEvidence(e)),
        failedTruncated: failed.truncated,
      },
    };
  },
});
