import type { Instance, Invocation } from 'ecs-audit';
import { capped, defineRule, instanceResource, parseUtcTime, z } from 'ecs-audit';

/** the privileged user the invocation ran as, or undefined when it ran as a regular user */
function privilegedUser(v: Invocation, inst: Instance | undefined): string | undefined {
  const user = v.username.trim().toLowerCase();
  if (user === 'root') return 'root';
  if (user === 'system') return 'system';
  if (user !== '') return undefined;
  // "" = the default user: root on Linux, System on Windows
  const os = inst?.osType.trim().toLowerCase();
  if (os === 'linux') return 'root';
  if (os === 'windows') return 'system';
  const type = v.commandType.trim().toLowerCase();
  if (type === 'runshellscript') return 'root';
  if (type === 'runbatscript' || type === 'runpowershellscript') return 'system';
  return 'root or system';
}

/**
 * statuses that say an invocation is over (InvocationStatus, or the older
 * InvokeStatus `Finished`); `Cancelled` is a schedule stopped before its runs
 */
const ENDED = new Set(['success', 'failed', 'partialfailed', 'stopped', 'finished', 'cancelled']);

/**
 * A repeating invocation (`RepeatMode` Period, EveryReboot, NextRebootOnly)
 * that has not finished or been stopped keeps running as its user, whenever it
 * was created: it is within any window. An unknown status is not "over".
 */
function ongoingRepeat(v: Invocation): boolean {
  const mode = (v.repeatMode ?? '').trim().toLowerCase();
  if (mode === '' || mode === 'once') return false;
  return !ENDED.has(v.invocationStatus.trim().toLowerCase());
}

interface Run {
  invocation: Invocation;
  time: number;
  runAs: string;
}

export default defineRule({
  meta: {
    id: 'cloud-assistant-ran-as-root',
    title: 'Cloud Assistant ran a command as root or system',
    severity: 'medium',
    resourceTypes: ['instance'],
    reads: ['ecs.invocations'],
    rationale:
      'Cloud Assistant runs commands inside the instance without a login. Unless the caller names a regular user, a command runs as root ' +
      '(Linux) or System (Windows), so anyone allowed to call `ecs:RunCommand`/`ecs:InvokeCommand` effectively has full control of the instance, ' +
      'and a mistaken or malicious script can do anything. The finding is raised for an instance on which an invocation within the look-back ' +
      'window (`--since`) ran with `Username` empty or absent (the default user), `root` or `system` (any case, surrounding blanks ignored), failed runs included ' +
      '(they were started as that user); a repeating invocation (RepeatMode Period, EveryReboot, NextRebootOnly) created earlier that is not finished or stopped counts as within the window. ' +
      'Command contents are never read or shown.',
    remediation:
      'Run commands as a regular user with only the privileges the task needs: ECS console > Cloud Assistant > Create/Run Command > Username, ' +
      'or `aliyun ecs RunCommand --RegionId <region> --InstanceId.1 <instance-id> --Type RunShellScript --ContentEncoding Base64 --CommandContent <base64> --Username ecs-user`. ' +
      'Enforce it with a RAM policy condition on every operator: `"Condition": {"StringNotEqualsIgnoreCase": {"ecs:CommandRunAs": ["system", "root"]}}` ' +
      'on `ecs:RunCommand` and `ecs:InvokeCommand`.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/use-ram-to-implement-permission-control',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinvocations',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-runcommand',
    ],
    options: z.object({
      /** invocations listed in the evidence per instance, newest first */
      maxInvocations: z.number().int().min(1).default(20),
    }),
  },
  *evaluate(ctx) {
    const inv = ctx.inventory;
    const instances = new Map(inv.ecs.instances.map((i) => [`${i.region}\u0000${i.id}`, i]));
    const since = ctx.since.getTime();
    const now = ctx.now.getTime();
    const runs = new Map<string, Run[]>();
    const seen = new Set<string>();
    for (const v of inv.ecs.invocations) {
      const time = parseUtcTime(v.creationTime);
      if (time === undefined) {
        // it may have run within the window: the instances it ran on as root are unknown, not clean
        for (const instanceId of new Set(v.instanceIds)) {
          const inst = instances.get(`${v.region}\u0000${instanceId}`);
          if (privilegedUser(v, inst) === undefined) continue;
          ctx.notEvaluated(
            instanceResource({ id: instanceId, region: v.region, name: inst?.name ?? '' }),
            `the creation time of invocation ${v.invokeId} could not be read ("${v.creationTime}")`,
          );
        }
        continue;
      }
      if (time > now) continue;
      if (time < since && !ongoingRepeat(v)) continue;
      if (seen.has(`${v.region}\u0000${v.invokeId}`)) continue;
      seen.add(`${v.region}\u0000${v.invokeId}`);
      for (const instanceId of new Set(v.instanceIds)) {
        const key = `${v.region}\u0000${instanceId}`;
        const runAs = privilegedUser(v, instances.get(key));
        if (runAs === undefined) continue;
        const list = runs.get(key) ?? [];
        list.push({ invocation: v, time, runAs });
        runs.set(key, list);
      }
    }
    const keys = [...runs.keys()].sort();
    for (const key of keys) {
      const list = runs.get(key)!.sort((a, b) => b.time - a.time);
      const first = list[0]!.invocation;
      const instanceId = key.slice(key.indexOf('\u0000') + 1);
      const inst = instances.get(key);
      const label = inst?.name ? `${instanceId} (${inst.name})` : instanceId;
      const users = [...new Set(list.map((r) => r.runAs))].sort();
      const listed = capped(list, ctx.options.maxInvocations);
      const count = list.length === 1 ? 'a command' : `${list.length} commands`;
      yield {
        resource: instanceResource({
          id: instanceId,
          region: first.region,
          name: inst?.name ?? '',
        }),
        message:
          `Cloud Assistant ran ${count} as ${users.join(' and ')} on instance ${label} since ${ctx.since.toISOString()}, ` +
          `most recently ${first.invokeId}${first.commandName ? ` (${first.commandName})` : ''} at ${first.creationTime}.`,
        evidence: {
          instanceId,
          osType: inst?.osType || null,
          invocations: listed.items.map((r) => ({
            invokeId: r.invocation.invokeId,
            commandName: r.invocation.commandName || null,
            commandType: r.invocation.commandType || null,
            username: r.invocation.username,
            runAs: r.runAs,
            creationTime: r.invocation.creationTime,
            invocationStatus: r.invocation.invocationStatus || null,
            ...(r.invocation.repeatMode ? { repeatMode: r.invocation.repeatMode } : {}),
          })),
          invocationCount: list.length,
          truncated: listed.truncated,
        },
      };
    }
  },
});
