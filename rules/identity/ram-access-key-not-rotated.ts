import { defineRule, maskAccessKeyId, parseUtcTime, z } from 'ecs-audit';

const DAY_MS = 86_400_000;

export default defineRule({
  meta: {
    id: 'ram-access-key-not-rotated',
    title: 'RAM user has an active AccessKey older than the rotation period',
    severity: 'medium',
    resourceTypes: ['ram-user'],
    reads: ['ram.users.accessKeys'],
    rationale:
      'A permanent AccessKey in use for a long time has had many chances to leak (CI logs, laptops, old config files); rotating it regularly ' +
      'limits how long a leaked key stays useful. Alibaba Cloud recommends rotating AccessKeys used for more than 90 days. ' +
      'Inactive keys and keys whose creation date is unknown are not judged.',
    remediation:
      'Create a second AccessKey, move every application to it, disable the old key, confirm nothing breaks, then delete it: ' +
      'RAM console > Identities > Users > the user > Authentication > AccessKey. ' +
      'CLI: `aliyun ram CreateAccessKey --UserName <name>`, then `aliyun ram UpdateAccessKey --UserName <name> --UserAccessKeyId <old-id> --Status Inactive` ' +
      'and `aliyun ram DeleteAccessKey --UserName <name> --UserAccessKeyId <old-id>`.',
    references: [
      'https://www.alibabacloud.com/help/en/resource-access-management/latest/rotate-accesskey-pairs',
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-updateaccesskey',
    ],
    options: z.object({
      /** an Active key created more than this many days before the scan's clock is flagged */
      maxAgeDays: z.number().int().min(1).default(90),
    }),
    compliance: { cis: ['1.6'] },
  },
  *evaluate(ctx) {
    const { maxAgeDays } = ctx.options;
    for (const user of ctx.inventory.ram.users) {
      const unreadable: string[] = [];
      const old = (user.accessKeys ?? []).flatMap((k) => {
        if (k.status.toLowerCase() !== 'active' || !k.createDate) return [];
        const created = parseUtcTime(k.createDate);
        // an unreadable date may be years old: the key is unknown, not young
        if (created === undefined) {
          unreadable.push(`${maskAccessKeyId(k.id)} ("${k.createDate}")`);
          return [];
        }
        // "older than 90 days" to the millisecond: 90.5 days is older (whole days only in the text)
        const ageMs = ctx.now.getTime() - created;
        return ageMs > maxAgeDays * DAY_MS ? [{ key: k, ageDays: Math.floor(ageMs / DAY_MS) }] : [];
      });
      if (old.length === 0) {
        if (unreadable.length > 0) {
          ctx.notEvaluated(
            { type: 'ram-user', id: user.name, region: null },
            `the creation date of AccessKey ${unreadable.join(', ')} could not be read`,
          );
        }
        continue;
      }
      const oldest = old.reduce((a, b) => (b.ageDays > a.ageDays ? b : a));
      yield {
        resource: { type: 'ram-user', id: user.name, region: null },
        message:
          `RAM user ${user.name} has ${old.length} active AccessKey${old.length > 1 ? 's' : ''} older than ${maxAgeDays} days ` +
          `(oldest ${maskAccessKeyId(oldest.key.id)}, created ${oldest.key.createDate}, ${oldest.ageDays} days ago).`,
        evidence: {
          maxAgeDays,
          accessKeys: old.map(({ key, ageDays }) => ({
            id: maskAccessKeyId(key.id),
            active: true,
            createDate: key.createDate,
            ageDays,
            lastUsedDate: key.lastUsedDate ?? null,
          })),
          // which source told (credential report or per-user calls) and why
          ...(user.factsSource ? { source: user.factsSource } : {}),
        },
      };
    }
  },
});
