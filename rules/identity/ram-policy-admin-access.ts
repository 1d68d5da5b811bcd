import {
  defineRule,
  grantsAdmin,
  policyLabel,
  principalLabel,
  principalPoliciesOf,
  resourceGroupsOf,
  viaGroup,
  z,
} from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'ram-policy-admin-access',
    title: 'RAM principal is granted every action on every resource',
    severity: 'high',
    resourceTypes: ['ram-user', 'ram-group', 'ram-role'],
    reads: [
      'ram.users.groups',
      'ram.users.policies',
      'ram.groups.policies',
      'ram.roles.policies',
      'ram.policies',
      'ram.resourceGroupAttachments',
    ],
    rationale:
      'A principal granted `*` on `*` (AdministratorAccess or an equivalent custom policy) can do anything in the account, ' +
      'including creating new administrators and deleting every instance; a leaked credential of it is a full account compromise. ' +
      'The verdict reads every attached policy (System and Custom, default version), directly and through groups; ' +
      'only an unconditional Deny of `*` on `*` takes the grant away, so narrower Denies (e.g. billing) are listed as exceptions.',
    remediation:
      'RAM console > Identities > Users (or User Groups / Roles) > the principal > Permissions: remove the policy named in the evidence ' +
      'and attach least-privilege policies (e.g. AliyunECSFullAccess for a resource administrator). Keep full administration on a small number of MFA-protected users. ' +
      'CLI: `aliyun ram DetachPolicyFromUser --PolicyType System --PolicyName AdministratorAccess --UserName <name>` ' +
      '(DetachPolicyFromGroup --GroupName / DetachPolicyFromRole --RoleName for groups and roles).',
    references: [
      'https://www.alibabacloud.com/help/en/ram/user-guide/policy-structure-and-syntax',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-detachpolicyfromuser',
    ],
    options: z.object({}),
    compliance: { cis: ['1.15'] },
  },
  *evaluate(ctx) {
    for (const p of principalPoliciesOf(ctx)) {
      // a policy we could not read may hold the Deny that takes the grant away, or the grant
      if (p.unknown.length > 0) {
        ctx.notEvaluated({ type: p.kind, id: p.name, region: null }, p.unknown[0]!);
        continue;
      }
      const v = grantsAdmin(p);
      if (!v.admin) continue;
      const first = v.grants[0]!;
      const more = v.grants.length > 1 ? ` and ${v.grants.length - 1} more statement(s)` : '';
      const except =
        v.exceptions.length > 0
          ? `, except what ${v.exceptions.length} narrower Deny statement(s) take away`
          : '';
      // a grant attached at resource-group scope covers the resources of that group
      const where = first.resourceGroupId ? ` in resource group ${first.resourceGroupId}` : '';
      const resourceGroups = resourceGroupsOf(v.grants);
      yield {
        resource: { type: p.kind, id: p.name, region: null },
        message: `${principalLabel(p)} is granted every action on every resource${where} through ${policyLabel(first)} Statement[${first.statement}]${more}${except}.`,
        evidence: {
          grants: v.grants,
          ...(v.exceptions.length > 0 ? { exceptions: v.exceptions.slice(0, 20) } : {}),
          throughGroups: [
            ...new Set(
              v.grants.flatMap((g) => (viaGroup(g.via) ? [viaGroup(g.via) as string] : [])),
            ),
          ],
          ...(resourceGroups.length > 0 ? { resourceGroups } : {}),
        },
        // CIS 1.15 audits Custom policies only (AdministratorAccess, a System policy, is exempt)
        controls: {
          cis: v.grants.some((g) => g.policyType.toLowerCase() === 'custom') ? ['1.15'] : [],
        },
      };
    }
  },
});
