import { defineRule, maskAccessKeyId, z } from 'ecs-audit';

const SOURCE_NAMES = {
  securityPracticeReport: 'the IMS security practice report',
  credentialReport: 'the credential report',
  listAccessKeys: 'ListAccessKeys',
} as const;
type Source = keyof typeof SOURCE_NAMES;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export default defineRule({
  meta: {
    id: 'root-access-key-exists',
    title: 'The root identity owns an AccessKey',
    severity: 'critical',
    resourceTypes: ['account'],
    reads: ['root'],
    rationale:
      'The root identity (the Alibaba Cloud account itself) has every permission on every resource and cannot be restricted by any policy; ' +
      'a leaked root AccessKey is a full, unrestricted account compromise, and it bypasses MFA. Alibaba Cloud strongly recommends never creating one ' +
      'and using RAM users or roles with least privilege instead. Inactive keys count too: they can be re-enabled. ' +
      "The facts come from IMS (GetAccountSecurityPracticeReport and the credential report's <root> row) so that a RAM-user scan can see them; " +
      'when the sources disagree the finding says which said what. A scan that itself runs as the root identity is a finding as well.',
    remediation:
      'Sign in as the root identity and move every program that uses the key to a RAM user or an instance RAM role. Then, in the console ' +
      '(avatar > AccessKey Management, https://ram.console.aliyun.com/manage/ak), disable the key first to see what breaks, and delete it once nothing does. ' +
      'CLI: `aliyun ram DeleteAccessKey --UserAccessKeyId <id>` alone, signed by that key itself (the last call it ever makes: a disabled key can no longer sign), ' +
      'or delete it in the console. Run ecs-audit with a RAM user that has read-only permissions (`ecs-audit policy`).',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/protect-alibaba-cloud-accounts-and-prevent-credential-leakage',
      'https://www.alibabacloud.com/help/doc-detail/196743.htm',
      'https://www.alibabacloud.com/help/en/ram/user-guide/generate-and-download-user-credential-reports',
    ],
    options: z.object({}),
    compliance: { cis: ['1.2', '1.1'] },
  },
  *evaluate(ctx) {
    const { account, root } = ctx.inventory;
    const report = root.securityPracticeReport;
    const cr = root.credentialReport;
    const own = root.ownAccessKeys;
    const scanAsRoot = account.caller.identityType.trim().toLowerCase() === 'account';

    const counts: Partial<Record<Source, number>> = {};
    if (report) counts.securityPracticeReport = report.rootWithAccessKey;
    if (cr) counts.credentialReport = cr.accessKeys.length;
    if (own) counts.listAccessKeys = own.length;
    const entries = Object.entries(counts) as Array<[Source, number]>;
    const said = Math.max(0, ...entries.map(([, n]) => n));
    // nothing known, or every source says none: no finding unless the scan ran as root
    if (said === 0 && !scanAsRoot) return;

    const callerKey = account.callerAccessKeyIdMasked;
    const keys = own
      ? own.map((k) => ({
          id: maskAccessKeyId(k.id),
          active: k.status.toLowerCase() === 'active',
          status: k.status,
          createDate: k.createDate ?? null,
          ...(scanAsRoot && callerKey !== undefined && maskAccessKeyId(k.id) === callerKey
            ? { usedByThisScan: true }
            : {}),
        }))
      : undefined;
    const reportKeys = cr?.accessKeys.map((k) => ({
      slot: k.slot,
      active: k.active,
      lastRotated: k.lastRotated,
      lastUsed: k.lastUsed,
    }));
    const activeCount = own
      ? own.filter((k) => k.status.toLowerCase() === 'active').length
      : cr
        ? cr.accessKeys.filter((k) => k.active).length
        : null;
    const lastUsed =
      cr?.accessKeys
        .map((k) => k.lastUsed)
        .filter((d): d is string => d !== null)
        .sort()
        .at(-1) ?? null;

    const distinct = new Set(entries.map(([, n]) => n));
    const disagreement =
      distinct.size > 1 || (scanAsRoot && said === 0 && entries.length > 0)
        ? entries
            .map(([s, n]) =>
              s === 'securityPracticeReport'
                ? `${SOURCE_NAMES[s]} counts ${n}`
                : `${SOURCE_NAMES[s]} lists ${n}`,
            )
            .join(', ') +
          (scanAsRoot && said === 0 ? ', yet this scan ran as the root identity' : '')
        : undefined;

    const n = Math.max(said, scanAsRoot ? 1 : 0);
    const details: string[] = [];
    details.push(activeCount === null ? 'activity unknown' : `${activeCount} active`);
    if (lastUsed) details.push(`last used ${lastUsed}`);
    else if (cr && cr.accessKeys.length > 0) details.push('no use recorded');
    const scanText = scanAsRoot
      ? `, and this scan itself ran as the root identity${callerKey ? ` with AccessKey ${callerKey}` : ''}`
      : '';
    const disagreeText = disagreement ? ` (sources disagree: ${disagreement})` : '';

    yield {
      resource: { type: 'account', id: account.id, region: null },
      message:
        `The root identity of account ${account.id} owns ${said > 0 ? '' : 'at least '}${plural(n, 'AccessKey')} ` +
        `(${details.join(', ')})${scanText}${disagreeText}.`,
      evidence: {
        accessKeyCount: n,
        activeCount,
        lastUsed,
        ...(keys ? { accessKeys: keys } : reportKeys ? { accessKeys: reportKeys } : {}),
        ...(keys && reportKeys ? { credentialReportKeys: reportKeys } : {}),
        sources: {
          ...(report
            ? { securityPracticeReport: { rootWithAccessKey: report.rootWithAccessKey } }
            : {}),
          ...(cr
            ? {
                credentialReport: {
                  accessKeys: cr.accessKeys.length,
                  active: cr.accessKeys.filter((k) => k.active).length,
                  ...(cr.generatedTime ? { generatedTime: cr.generatedTime } : {}),
                },
              }
            : {}),
          ...(own ? { listAccessKeys: { accessKeys: own.length } } : {}),
        },
        scanRanAsRoot: scanAsRoot,
        ...(scanAsRoot && callerKey ? { scanAccessKeyId: callerKey } : {}),
        ...(disagreement ? { disagreement } : {}),
      },
    };
  },
});
