import {
  defineRule,
  maskAccessKeyId,
  policyLabel,
  principalPoliciesOf,
  resourceGroupPoliciesOfUser,
  sourceNetworkAnalysis,
  z,
} from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'ram-access-key-without-source-ip',
    title: "RAM user's AccessKey works from any network",
    severity: 'medium',
    resourceTypes: ['ram-user'],
    reads: [
      'ram.users',
      'ram.users.accessKeys',
      'ram.users.groups',
      'ram.users.policies',
      'ram.groups.policies',
      'ram.policies',
      'ram.resourceGroupAttachments',
    ],
    rationale:
      "A permanent AccessKey that leaks (a committed config file, a log line, a laptop) can be used from anywhere on the internet with all of its user's permissions. " +
      'The ECS security guidance recommends limiting where credentials may be used with the `acs:SourceIp` (or `acs:SourceVpc`) condition, so that a stolen key is ' +
      'useless outside the known networks. The finding is raised for a user with an Active AccessKey when no Deny of every action conditioned on ' +
      '`NotIpAddress acs:SourceIp` / `StringNotEquals acs:SourceVpc` fences the user, and at least one Allow (attached directly, through a group, or at ' +
      'resource-group scope) has no `IpAddress acs:SourceIp` / `StringEquals acs:SourceVpc` condition. A source-IP condition that admits the internet ' +
      "(e.g. `0.0.0.0/0`, by the same threshold as security groups) limits nothing, and a Deny attached at resource-group scope limits only that group's resources.",
    remediation:
      'Attach to the user (or its group) a policy that denies every request from outside your networks, e.g. ' +
      '`{"Version":"1","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"acs:SourceIp":["203.0.113.0/24"]}}}]}` ' +
      '(use `StringNotEquals acs:SourceVpc` for callers inside a VPC): RAM console > Permissions > Policies > Create Policy, then Identities > Users > the user > Add Permissions. ' +
      "CLI: `aliyun ram CreatePolicy --PolicyName deny-outside-office --PolicyDocument '<document>'` and " +
      '`aliyun ram AttachPolicyToUser --PolicyType Custom --PolicyName deny-outside-office --UserName <name>`. Better still, move programs on ECS to instance RAM roles and delete the key.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/protect-alibaba-cloud-accounts-and-prevent-credential-leakage',
      'https://www.alibabacloud.com/help/en/ram/user-guide/policy-elements',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-attachpolicytouser',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    const inv = ctx.inventory;
    const principals = new Map(
      principalPoliciesOf(ctx)
        .filter((p) => p.kind === 'ram-user')
        .map((p) => [p.name, p]),
    );
    for (const user of inv.ram.users) {
      if (user.accessKeys === undefined) continue;
      const active = user.accessKeys.filter((k) => k.status.trim().toLowerCase() === 'active');
      if (active.length === 0) continue;
      const p = principals.get(user.name);
      if (!p) continue;
      const unknown: string[] = [];
      const scoped = resourceGroupPoliciesOfUser(inv, user.name, user.groups ?? [], unknown);
      const v = sourceNetworkAnalysis(p, scoped, unknown);
      if (!v.known) {
        ctx.notEvaluated(
          { type: 'ram-user', id: user.name, region: null },
          v.unknown[0] ?? 'its policies could not all be read',
        );
        continue;
      }
      if (!v.unlimited) continue;
      const first = v.openAllows[0]!;
      const where =
        first.resourceGroupId !== undefined
          ? `${first.policyType} policy ${first.policy} (resource group ${first.resourceGroupId}${first.via === 'direct' ? '' : `, through ${first.via}`})`
          : policyLabel(first);
      const more =
        v.openAllows.length > 1 ? ` and ${v.openAllows.length - 1} more statement(s)` : '';
      yield {
        resource: { type: 'ram-user', id: user.name, region: null },
        message:
          `RAM user ${user.name} holds ${active.length} active AccessKey${active.length > 1 ? 's' : ''} (${active.map((k) => maskAccessKeyId(k.id)).join(', ')}) ` +
          `usable from any network: ${where} statement ${first.statement}${more} allows access without a source IP or VPC condition, and no Deny fences the user.`,
        evidence: {
          accessKeys: active.map((k) => ({ id: maskAccessKeyId(k.id), active: true })),
          unrestrictedAllows: v.openAllows.map((a) => ({
            policy: a.policy,
            policyType: a.policyType,
            via: a.via,
            statement: a.statement,
            ...(a.resourceGroupId !== undefined ? { resourceGroupId: a.resourceGroupId } : {}),
          })),
          restrictedAllows: v.limitedAllows.map((a) => ({
            policy: a.policy,
            via: a.via,
            statement: a.statement,
            condition: a.condition,
          })),
          missingRestriction:
            'a Deny of "*" on "*" with {"NotIpAddress": {"acs:SourceIp": [<your networks>]}}',
        },
      };
    }
  },
});
