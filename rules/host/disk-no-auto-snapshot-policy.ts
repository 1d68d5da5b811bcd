import { defineRule, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'disk-no-auto-snapshot-policy',
    title: 'Disk in use has no automatic snapshot policy',
    severity: 'low',
    resourceTypes: ['disk'],
    reads: ['ecs.disks', 'ecs.disks.autoSnapshotPolicyId'],
    rationale:
      'Snapshots are how an ECS disk is brought back after ransomware, a mistaken `rm -rf`, a bad upgrade or a compromised instance: the ECS security ' +
      'guidance recommends automatic snapshot policies so that a recent restore point always exists. A disk in use without one has only the snapshots ' +
      'someone remembered to take by hand. The finding is raised for a disk in use (`Status` In_use; attached to an instance when the status is unknown) ' +
      'whose `AutoSnapshotPolicyId` is empty; a disk whose policy field was not returned is not evaluated.',
    remediation:
      'ECS console > Storage & Snapshots > Snapshots > Automatic Snapshot Policies: create a policy (days, times, retention) and apply it to the disk ' +
      '(or from the disk: Disks > the disk > Set Automatic Snapshot Policy). ' +
      'CLI: `aliyun ecs CreateAutoSnapshotPolicy --regionId <region> --timePoints \'["2"]\' --repeatWeekdays \'["1","2","3","4","5","6","7"]\' --retentionDays 7`, ' +
      'then `aliyun ecs ApplyAutoSnapshotPolicy --regionId <region> --autoSnapshotPolicyId <policy-id> --diskIds \'["<disk-id>"]\'`.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/automatic-snapshot-policy',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-applyautosnapshotpolicy',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describedisks',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const disk of ctx.inventory.ecs.disks) {
      // absent: DescribeDisks did not say, so the disk is not evaluated
      if (disk.autoSnapshotPolicyId === undefined) continue;
      if (disk.autoSnapshotPolicyId.trim() !== '') continue;
      const status = disk.status?.trim() ?? '';
      const inUse = status !== '' ? status.toLowerCase() === 'in_use' : disk.instanceId !== null;
      if (!inUse) continue;
      const label = disk.name ? `${disk.id} (${disk.name})` : disk.id;
      const kind = disk.type ? `${disk.type} disk` : 'disk';
      yield {
        resource: {
          type: 'disk',
          id: disk.id,
          region: disk.region,
          ...(disk.name ? { name: disk.name } : {}),
        },
        message: disk.instanceId
          ? `Disk ${label}, the ${kind} of instance ${disk.instanceId}, has no automatic snapshot policy.`
          : `Disk ${label}, in use, has no automatic snapshot policy.`,
        evidence: {
          diskId: disk.id,
          autoSnapshotPolicyId: '',
          enableAutoSnapshot: disk.enableAutoSnapshot ?? null,
          status: status || null,
          instanceId: disk.instanceId,
          type: disk.type || null,
        },
      };
    }
  },
});
