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
    id: 'actiontrail-root-login-without-mfa',
    title: 'The root identity signed in to the console without MFA',
    severity: 'critical',
    resourceTypes: ['account'],
    reads: ['actiontrail.events'],
    rationale:
      'A root console sign-in that passed without a second factor means the root password alone opens the whole account: anyone who ' +
      'phishes or reuses it gets every permission, with no policy able to stop them. The finding is raised for a successful root ' +
      '`ConsoleSignin` event within the look-back window (`--since`) whose MFA flag says "false"; the flag is read from ' +
      "`additionalEventData.isMFAChecked`, then `mfaChecked`, then `MFAUsed`, then the session's `mfaAuthenticated`. " +
      'A sign-in whose flag is missing is counted as unknown in the evidence and never reported as "without MFA".',
    remediation:
      'Bind an MFA device to the Alibaba Cloud account: Account Center (Security Settings) > MFA > Bind, or IMS console > Settings for the root ' +
      'account, and confirm with `aliyun ims GetAccountMFAInfo` that `IsMFAEnable` is true. Then stop using the root identity for daily work ' +
      '(RAM users with MFA: `aliyun ram CreateLoginProfile --UserName <name> --Password <password> --MFABindRequired true`). ' +
      'If a listed sign-in is not recognised, change the root password immediately.',
    references: [
      'https://www.alibabacloud.com/help/en/actiontrail/user-guide/logon-events-by-using-an-alibaba-cloud-account',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ims-2019-08-15-getaccountmfainfo',
      'https://www.alibabacloud.com/help/en/actiontrail/developer-reference/api-actiontrail-2020-07-06-lookupevents',
    ],
    options: z.object({
      /** events listed in the evidence, newest first */
      maxEvents: z.number().int().min(1).default(20),
    }),
    compliance: { cis: ['1.1', '1.3'] },
  },
  *evaluate(ctx) {
    const { signins, undated } = rootActivityOf(ctx);
    const without = signins.filter((e) => mfaOf(e).state === 'not-checked');
    if (without.length === 0) {
      // no verdict, not a pass: a sign-in in the window whose MFA field is absent, or one
      // without MFA whose time cannot be read (it may lie in the window)
      const mfaUnread = signins.filter((e) => mfaOf(e).state === 'unknown').length;
      const undatedWithout = undated.signins.filter((e) => mfaOf(e).state !== 'checked').length;
      const why = [
        mfaUnread > 0 && `the MFA state of ${mfaUnread} root console sign-in(s) could not be read`,
        undatedWithout > 0 &&
          `the eventTime of ${undatedWithout} root console sign-in(s) not known to use MFA could not be read`,
      ].filter((x): x is string => typeof x === 'string');
      if (why.length > 0) {
        ctx.notEvaluated(
          { type: 'account', id: ctx.inventory.account.id, region: null },
          why.join('; '),
        );
      }
      return;
    }
    const latest = without[0]!;
    const listed = capped(without, ctx.options.maxEvents);
    const account = ctx.inventory.account.id;
    const times = without.length === 1 ? 'once' : `${without.length} times`;
    yield {
      resource: { type: 'account', id: account, region: null },
      message:
        `The root identity of account ${account} signed in to the console without MFA ${times} since ${ctx.since.toISOString()}, ` +
        `most recently at ${latest.eventTime}${latest.sourceIpAddress ? ` from ${latest.sourceIpAddress}` : ''}.`,
      evidence: {
        signinsWithoutMfa: without.length,
        signins: signins.length,
        mfaUnknown: signins.filter((e) => mfaOf(e).state === 'unknown').length,
        firstSeen: without[without.length - 1]!.eventTime,
        lastSeen: latest.eventTime,
        sourceIps: [...new Set(without.map((e) => e.sourceIpAddress ?? '').filter((ip) => ip))],
        window: { since: ctx.since.toISOString(), now: ctx.now.toISOString() },
        events: listed.items.map((e) => ({ ...eventEvidence(e), ...mfaEvidence(e) })),
        truncated: listed.truncated,
      },
    };
  },
});
