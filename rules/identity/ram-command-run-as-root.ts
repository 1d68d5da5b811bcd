import {
  commandRunAsAnalysis,
  defineRule,
  policyLabel,
  principalLabel,
  principalPoliciesOf,
  RECOMMENDED_RUN_AS_CONDITION,
  resourceGroupsOf,
  z,
} from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'ram-command-run-as-root',
    title: 'RAM principal may run Cloud Assistant commands as root or system',
    severity: 'critical',
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
      'Cloud Assistant (ecs:RunCommand / ecs:InvokeCommand) runs commands as root on Linux and as system on Windows unless the caller names ' +
      'another user, so a principal allowed to call it without an `ecs:CommandRunAs` restriction has full control of every instance it can reach, ' +
      'with no SSH key or password. The ECS security guidance restricts operators with ' +
      '`"Condition": {"StringNotEqualsIgnoreCase": {"ecs:CommandRunAs": ["system", "root"]}}`. ' +
      'The verdict reads every attached policy (System and Custom, directly and through groups): actions match with wildcards (`ecs:*`, `ecs:*Command`, `*`) ' +
      'and NotAction, conditions on other keys do not restrict the run-as user, and a Deny counts only when it certainly applies to both root and system.',
    remediation:
      'RAM console > Permissions > Policies > the policy named in the evidence > Policy Document: add ' +
      '`"Condition": {"StringNotEqualsIgnoreCase": {"ecs:CommandRunAs": ["system", "root"]}}` to the statement that allows ecs:RunCommand / ecs:InvokeCommand ' +
      '(or allow only named regular users with StringEquals), or detach the policy from the principal. ' +
      "CLI: `aliyun ram CreatePolicyVersion --PolicyName <name> --SetAsDefault true --PolicyDocument '<document with the condition>'`. " +
      'A System policy (e.g. AdministratorAccess, AliyunECSFullAccess) cannot be edited: detach it ' +
      '(`aliyun ram DetachPolicyFromUser --PolicyType System --PolicyName <name> --UserName <user>`; DetachPolicyFromGroup --GroupName / DetachPolicyFromRole --RoleName), ' +
      'or attach to the principal, at account scope, a custom policy that denies both privileged users: ' +
      '`aliyun ram CreatePolicy --PolicyName DenyCommandRunAsRoot --PolicyDocument \'{"Version":"1","Statement":[{"Effect":"Deny",' +
      '"Action":["ecs:RunCommand","ecs:InvokeCommand"],"Resource":"*","Condition":{"StringEqualsIgnoreCase":{"ecs:CommandRunAs":["root","system"]}}}]}\'`, ' +
      'then `aliyun ram AttachPolicyToUser --PolicyType Custom --PolicyName DenyCommandRunAsRoot --UserName <user>` (AttachPolicyToGroup / AttachPolicyToRole).',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/run-cloud-assistant-commands-as-a-regular-user',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/use-ram-to-implement-permission-control',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-createpolicyversion',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-attachpolicytouser',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const p of principalPoliciesOf(ctx)) {
      // a policy we could not read may hold a Deny that removes the grant, or the grant
      if (p.unknown.length > 0) {
        ctx.notEvaluated({ type: p.kind, id: p.name, region: null }, p.unknown[0]!);
        continue;
      }
      const v = commandRunAsAnalysis(p);
      if (!v.flagged) continue;
      const first = v.grants[0]!;
      const admits = [...new Set(v.grants.flatMap((g) => g.admits))];
      const more = v.grants.length > 1 ? ` (and ${v.grants.length - 1} more statement(s))` : '';
      const where = first.resourceGroupId
        ? ` on the instances of resource group ${first.resourceGroupId}`
        : '';
      const resourceGroups = resourceGroupsOf(v.grants);
      yield {
        resource: { type: p.kind, id: p.name, region: null },
        message:
          `${principalLabel(p)} may run Cloud Assistant commands as ${admits.join(' or ')}${where} through ` +
          `${policyLabel(first)} Statement[${first.statement}]${more}: ${first.missingRestriction.split(';')[0]}.`,
        evidence: {
          admits,
          grants: v.grants.slice(0, 20),
          ...(v.denies.length > 0 ? { partialDenies: v.denies } : {}),
          ...(resourceGroups.length > 0 ? { resourceGroups } : {}),
          recommendedCondition: RECOMMENDED_RUN_AS_CONDITION,
        },
      };
    }
  },
});
