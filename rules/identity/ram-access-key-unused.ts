import type { AccessKey } from 'ecs-audit';
import { defineRule, maskAccessKeyId, parseUtcTime, z } from 'ecs-audit';

type Unused =
  | { key: AccessKey; neverUsed: false; daysSinceLastUse: number }
  | { key: AccessKey; neverUsed: true; ageDays: number };

const DAY_MS = 86_400_000;

export default defineRule({
  meta: {
    id: 'ram-access-key-unused',
    title: 'RAM user has an active AccessKey that is not used',
    severity: 'low',
    resourceTypes: ['ram-user'],
    reads: ['ram.users.accessKeys'],
    rationale:
      'An active AccessKey nobody uses is pure risk: it can leak and be abused while nobody would miss it if it were gone. ' +
      'A key counts as unused when its last use (GetAccessKeyLastUsed) is older than the threshold, or when it was never used and was created before the threshold. ' +
      'Keys whose last use could not be read are not judged.',
    remediation:
      'Disable the key, wait to confirm nothing breaks, then delete it: RAM console > Identities > Users > the user > Authentication > AccessKey. ' +
      'CLI: `aliyun ram UpdateAccessKey --UserName <name> --UserAccessKeyId <id> --Status Inactive`, then `aliyun ram DeleteAccessKey --UserName <name> --UserAccessKeyId <id>`.',
    references: [
      'https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-getaccesskeylastused',
      'https://www.alibabacloud.com/help/en/ram/user-guide/generate-and-download-user-credential-reports',
    ],
    options: z.object({
      /** an Active key not used for more than this many days (or never used and older than it) is flagged */
      maxUnusedDays: z.number().int().min(1).default(90),
    }),
  },
  *evaluate(ctx) {
    const { maxUnusedDays } = ctx.options;
    // elapsed since `iso`, compared to the millisecond ("not used in the last 90 days": 90.5 days
    // is over), told in whole days
    const since = (iso: string): { over: boolean; days: number } | undefined => {
      const t = parseUtcTime(iso);
      if (t === undefined) return undefined;
      const ms = ctx.now.getTime() - t;
      return { over: ms > maxUnusedDays * DAY_MS, days: Math.floor(ms / DAY_MS) };
    };
    for (const user of ctx.inventory.ram.users) {
      // an unreadable date may be long ago: the key is unknown, never "used recently"
      const unreadable: string[] = [];
      const unused = (user.accessKeys ?? []).flatMap((k): Unused[] => {
        if (k.status.toLowerCase() !== 'active' || k.lastUsedDate === undefined) return [];
        if (k.lastUsedDate !== null) {
          const idle = since(k.lastUsedDate);
          if (!idle) {
            unreadable.push(
              `the last use of AccessKey ${maskAccessKeyId(k.id)} ("${k.lastUsedDate}")`,
            );
          }
          return idle?.over ? [{ key: k, neverUsed: false, daysSinceLastUse: idle.days }] : [];
        }
        const age = k.createDate ? since(k.createDate) : undefined;
        if (k.createDate && !age) {
          unreadable.push(
            `the creation date of AccessKey ${maskAccessKeyId(k.id)} ("${k.createDate}")`,
          );
        }
        return age?.over ? [{ key: k, neverUsed: true, ageDays: age.days }] : [];
      });
      if (unused.length === 0) {
        if (unreadable.length > 0) {
          ctx.notEvaluated(
            { type: 'ram-user', id: user.name, region: null },
            `${unreadable.join(', ')} could not be read`,
          );
        }
        continue;
      }
      const describe = (u: Unused) =>
        u.neverUsed
          ? `${maskAccessKeyId(u.key.id)} never used since it was created ${u.ageDays} days ago`
          : `${maskAccessKeyId(u.key.id)} last used ${u.daysSinceLastUse} days ago`;
      yield {
        resource: { type: 'ram-user', id: user.name, region: null },
        message: `RAM user ${user.name} has ${unused.length} active AccessKey${unused.length > 1 ? 's' : ''} unused for more than ${maxUnusedDays} days (${unused.map(describe).join('; ')}).`,
        evidence: {
          maxUnusedDays,
          accessKeys: unused.map((u) => ({
            id: maskAccessKeyId(u.key.id),
            active: true,
            createDate: u.key.createDate ?? null,
            lastUsedDate: u.key.lastUsedDate,
            neverUsed: u.neverUsed,
            ...(u.neverUsed ? { ageDays: u.ageDays } : { daysSinceLastUse: u.daysSinceLastUse }),
          })),
          // which source told (credential report or per-user calls) and why
          ...(user.factsSource ? { source: user.factsSource } : {}),
        },
      };
    }
  },
});
