import { defineRule, z } from 'ecs-audit';

const SOURCE_NAMES = {
  accountMfaInfo: 'GetAccountMFAInfo',
  securityPracticeReport: 'the security practice report',
  credentialReport: 'the credential report',
} as const;
type Source = keyof typeof SOURCE_NAMES;

const list = (items: string[]) =>
  items.length <= 2 ? items.join(' and ') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

export default defineRule({
  meta: {
    id: 'root-mfa-disabled',
    title: 'The root identity has no MFA device',
    severity: 'critical',
    resourceTypes: ['account'],
    reads: ['root'],
    rationale:
      'The root identity can do anything in the account and no policy restricts it; with a password alone, one phished or reused password gives ' +
      'an attacker the whole account. Alibaba Cloud recommends binding an MFA device to the account. ' +
      "The state is read through IMS (GetAccountMFAInfo, the security practice report's BindMfa and the credential report's <root> mfa_active) " +
      'so a RAM-user scan can see it; when the sources disagree the finding says which said what, and any source reporting no MFA is enough to flag.',
    remediation:
      'Sign in as the root identity: console avatar > Security Settings > Account Protection > Edit, and turn on TOTP (virtual MFA) ' +
      'for console sign-in and sensitive operations. The aliyun CLI cannot bind an MFA device to the account; check the result with ' +
      '`aliyun ims GetAccountMFAInfo`.',
    references: [
      'https://www.alibabacloud.com/help/en/ram/user-guide/enable-an-mfa-device-for-an-alibaba-cloud-account',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/protect-alibaba-cloud-accounts-and-prevent-credential-leakage',
      'https://www.alibabacloud.com/help/en/ram/user-guide/generate-and-download-user-credential-reports',
    ],
    options: z.object({}),
    compliance: { cis: ['1.3'] },
  },
  *evaluate(ctx) {
    const { account, root } = ctx.inventory;
    const states: Partial<Record<Source, boolean>> = {};
    if (root.accountMfaEnabled !== undefined) states.accountMfaInfo = root.accountMfaEnabled;
    if (root.securityPracticeReport)
      states.securityPracticeReport = root.securityPracticeReport.bindMfa;
    // mfa_active N/A (null) says nothing
    if (root.credentialReport && root.credentialReport.mfaActive !== null)
      states.credentialReport = root.credentialReport.mfaActive;
    const entries = Object.entries(states) as Array<[Source, boolean]>;
    const off = entries.filter(([, on]) => !on).map(([s]) => SOURCE_NAMES[s]);
    const on = entries.filter(([, v]) => v).map(([s]) => SOURCE_NAMES[s]);
    if (off.length === 0) return; // unknown, or every source says MFA is on
    const message =
      on.length === 0
        ? `The root identity of account ${account.id} has no MFA device (${list(off)} ${off.length > 1 ? 'agree' : 'says so'}).`
        : `The root identity of account ${account.id} has no MFA device according to ${list(off)}, although ${list(on)} report${on.length > 1 ? '' : 's'} MFA enabled.`;
    yield {
      resource: { type: 'account', id: account.id, region: null },
      message,
      evidence: {
        sources: {
          ...(states.accountMfaInfo !== undefined
            ? { accountMfaInfo: { isMfaEnabled: states.accountMfaInfo } }
            : {}),
          ...(states.securityPracticeReport !== undefined
            ? { securityPracticeReport: { bindMfa: states.securityPracticeReport } }
            : {}),
          ...(states.credentialReport !== undefined
            ? { credentialReport: { mfaActive: states.credentialReport } }
            : {}),
        },
        disagreement: on.length > 0,
        lastLogon: root.credentialReport?.lastLogon ?? null,
      },
    };
  },
});
