import { defineRule, maskAccessKeyId, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'ram-user-console-and-access-key',
    title: 'RAM user has both console access and an active AccessKey',
    severity: 'medium',
    resourceTypes: ['ram-user'],
    reads: ['ram.users.loginProfile', 'ram.users.accessKeys'],
    rationale:
      'People and programs should be separate identities: a user that signs in to the console and also holds a permanent AccessKey mixes both, ' +
      "so the key (which bypasses MFA) carries a person's permissions and its use cannot be told apart from the person's. " +
      'Alibaba Cloud recommends console-only users for people and API-only users (or RAM roles) for programs.',
    remediation:
      "Create a separate RAM user for the program (API access only), move the AccessKey's workload to it (or to an instance RAM role), then disable and delete the key: " +
      'RAM console > Identities > Users > the user > Authentication > AccessKey. ' +
      'CLI: `aliyun ram UpdateAccessKey --UserName <name> --UserAccessKeyId <id> --Status Inactive`, then `aliyun ram DeleteAccessKey --UserName <name> --UserAccessKeyId <id>`.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/protect-alibaba-cloud-accounts-and-prevent-credential-leakage',
      'https://www.alibabacloud.com/help/en/resource-access-management/latest/overview-of-security-settings',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const user of ctx.inventory.ram.users) {
      if (!user.loginProfile || user.accessKeys === undefined) continue;
      const active = user.accessKeys.filter((k) => k.status.toLowerCase() === 'active');
      if (active.length === 0) continue;
      yield {
        resource: { type: 'ram-user', id: user.name, region: null },
        message: `RAM user ${user.name} can sign in to the console and also holds ${active.length} active AccessKey${active.length > 1 ? 's' : ''} (${active.map((k) => maskAccessKeyId(k.id)).join(', ')}).`,
        evidence: {
          consoleAccess: true,
          lastLoginDate: user.lastLoginDate ?? null,
          accessKeys: active.map((k) => ({
            id: maskAccessKeyId(k.id),
            active: true,
            createDate: k.createDate ?? null,
            lastUsedDate: k.lastUsedDate ?? null,
          })),
          // which source told (credential report or per-user calls) and why
          ...(user.factsSource ? { source: user.factsSource } : {}),
        },
      };
    }
  },
});
