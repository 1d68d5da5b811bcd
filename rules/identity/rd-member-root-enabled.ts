import { defineRule, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'rd-member-root-enabled',
    title: 'A Resource Directory member keeps an enabled root identity',
    severity: 'high',
    resourceTypes: ['account'],
    reads: ['organization.accounts'],
    rationale:
      'In a Resource Directory, a member of type CloudAccount keeps its own root identity (the Alibaba Cloud account): a password and ' +
      'possibly AccessKeys that hold full power over the member and that no RAM policy, control policy of the directory or role of the ' +
      'management account restricts. A ResourceAccount has its root identity disabled and is administered through roles from the ' +
      "management account, which is what the Resource Management guidance recommends for members. The management account's root " +
      'cannot be disabled and is covered by the root rules (MFA, AccessKeys). Only organization scans (`scan --org`) know the ' +
      'directory; a one-account scan never reports this rule.',
    remediation:
      'Move the workloads of the member to a resource account (created in the Resource Directory, root disabled), or, for an ' +
      'invited member, make sure its root identity has MFA and no AccessKey and that nobody uses it; remove it from the directory and ' +
      're-create it as a resource account where possible. Check the member types with `aliyun resourcemanager ListAccounts`.',
    references: [
      'https://www.alibabacloud.com/help/en/resource-management/resource-directory/product-overview/member-accounts',
      'https://www.alibabacloud.com/help/en/resource-management/resource-directory/user-guide/manage-the-security-of-a-member',
      'https://www.alibabacloud.com/help/en/resource-management/resource-directory/developer-reference/api-resourcemanager-2020-03-31-listaccounts',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    const { account, organization } = ctx.inventory;
    if (!organization) return; // not an organization scan: the directory is unknown
    // a member that could not be entered is judged too: its type is the directory's, which the
    // management account read; its inventory then holds only its id and the directory
    // (evaluateUnenteredMember in src/cli/commands/org.ts: rules reading only `organization.*`)
    if (account.id === organization.managementAccountId) return;
    const member = organization.accounts.find((a) => a.id === account.id);
    if (!member) return;
    if (member.type.trim() === '') {
      // ListAccounts did not say: it may be a CloudAccount, whose root is enabled
      ctx.notEvaluated(
        {
          type: 'account',
          id: account.id,
          region: null,
          ...(member.name ? { name: member.name } : {}),
        },
        'ListAccounts answered the member without its Type',
      );
      return;
    }
    if (member.type !== 'CloudAccount') return;
    yield {
      resource: {
        type: 'account',
        id: account.id,
        region: null,
        ...(member.name ? { name: member.name } : {}),
      },
      message: `Member ${account.id}${member.name ? ` (${member.name})` : ''} of the Resource Directory is a CloudAccount: its root identity is enabled and holds full power over it.`,
      evidence: {
        memberType: member.type,
        status: member.status,
        managementAccountId: organization.managementAccountId,
      },
    };
  },
});
