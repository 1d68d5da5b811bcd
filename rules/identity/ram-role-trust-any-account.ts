import { defineRule, trustPolicyAnalysis, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'ram-role-trust-any-account',
    title: 'RAM role can be assumed by any account',
    severity: 'high',
    resourceTypes: ['ram-role'],
    reads: ['ram.roles', 'ram.roles.trustPolicy', 'organization.accounts'],
    rationale:
      'A role\'s trust policy says who may assume it. Trusting any principal (`*`, `{"RAM": "*"}`) or another account\'s whole root ' +
      "(`acs:ram::<account>:root`) lets every RAM user and role of that account (or of every account) that is granted `sts:AssumeRole` obtain the role's " +
      'permissions, with no control on your side over who they are. The finding is raised for an Allow of `sts:AssumeRole` to such a principal without a condition ' +
      '(`sts:ExternalId`, `acs:SourceIp`, ...). Your own account and the accounts listed in the option `trustedAccounts` are exempt, and in an ' +
      'organization scan (`scan --org`) so are the management account and every member of the Resource Directory; service principals ' +
      '(`ecs.aliyuncs.com`) and named users or roles of another account are not flagged.',
    remediation:
      'Narrow the trust policy to the exact principals (`acs:ram::<account>:role/<name>`) and add a condition such as `sts:ExternalId`: RAM console > Identities > Roles > the role > ' +
      "Trust Policy > Edit Trust Policy. CLI: `aliyun ram UpdateRole --RoleName <name> --NewAssumeRolePolicyDocument '<document>'`. " +
      "If the other account is yours, list it in the rule's `trustedAccounts` option.",
    references: [
      'https://www.alibabacloud.com/help/en/ram/user-guide/edit-the-trust-policy-of-a-ram-role',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-updaterole',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/protect-alibaba-cloud-accounts-and-prevent-credential-leakage',
    ],
    options: z.object({
      /** account ids whose whole root may be trusted (your other accounts) */
      trustedAccounts: z.array(z.string().regex(/^\d+$/, 'an account id (digits)')).default([]),
    }),
  },
  *evaluate(ctx) {
    const own = ctx.inventory.account.id;
    // an organization scan: the directory's accounts are the user's own (the member role trusts the management account)
    const org = ctx.inventory.organization;
    const directory = org ? [org.managementAccountId, ...org.accounts.map((a) => a.id)] : [];
    const trusted = [...new Set([...ctx.options.trustedAccounts, ...directory])];
    for (const role of ctx.inventory.ram.roles) {
      const v = trustPolicyAnalysis(role.trustPolicy, own, trusted);
      if (!v.known) {
        ctx.notEvaluated(
          { type: 'ram-role', id: role.name, region: null },
          v.problems[0] ?? 'its trust policy could not be read',
        );
        continue;
      }
      if (v.grants.length === 0) continue;
      const any = v.grants.find((g) => g.kind === 'any-principal');
      const others = [...new Set(v.grants.flatMap((g) => (g.accountId ? [g.accountId] : [])))];
      const who = any
        ? `any principal (${JSON.stringify(any.principal)})`
        : `the whole root of account${others.length > 1 ? 's' : ''} ${others.join(', ')}`;
      yield {
        resource: { type: 'ram-role', id: role.name, region: null },
        message: `RAM role ${role.name} can be assumed by ${who} without a condition.`,
        evidence: {
          arn: role.arn || null,
          grants: v.grants,
          conditionedGrants: v.conditioned,
          trustedAccounts: [own, ...ctx.options.trustedAccounts],
          ...(org
            ? {
                organization: {
                  managementAccountId: org.managementAccountId,
                  members: org.accounts.length,
                },
              }
            : {}),
        },
      };
    }
  },
});
