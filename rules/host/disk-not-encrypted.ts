import { defineRule, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'disk-not-encrypted',
    title: 'Cloud disk is not encrypted',
    severity: 'low',
    resourceTypes: ['disk'],
    reads: ['ecs.disks', 'ecs.disks.encrypted'],
    rationale:
      'An unencrypted disk stores its data, and the snapshots and images made from it, in clear text: a snapshot shared or copied by ' +
      'mistake, or a disk attached to another instance, exposes everything on it. Encrypted disks (KMS keys) protect the data at rest, ' +
      'in transit between the instance and the disk, and in every snapshot, with minimal performance impact. The finding is raised for every ' +
      'disk whose `Encrypted` attribute is false, attached or not.',
    remediation:
      'An existing disk cannot be encrypted in place: create a snapshot (`aliyun ecs CreateSnapshot --DiskId <disk-id>`), copy it encrypted ' +
      '(`aliyun ecs CopySnapshot --RegionId <region> --SnapshotId <snapshot-id> --DestinationRegionId <region> --DestinationSnapshotName <name> ' +
      '--DestinationSnapshotDescription <text> --Encrypted true --KMSKeyId <key-id>`), create a disk from the encrypted snapshot ' +
      '(`aliyun ecs CreateDisk --RegionId <region> --ZoneId <zone> --SnapshotId <encrypted-snapshot-id> --Encrypted true`) and swap it in (or for a system disk, ' +
      'create an encrypted image and replace the system disk). Turn on account-level default encryption so new disks are encrypted: ' +
      'ECS console > Block Storage > Encryption by default (per region).',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/encrypt-cloud-disks',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describedisks',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-copysnapshot',
    ],
    options: z.object({}),
    compliance: { cis: ['4.1', '4.2'] },
  },
  *evaluate(ctx) {
    for (const disk of ctx.inventory.ecs.disks) {
      if (disk.encrypted !== false) continue;
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
          ? `Disk ${label}, the ${kind} of instance ${disk.instanceId}, is not encrypted.`
          : `Disk ${label}, not attached to any instance, is not encrypted.`,
        evidence: {
          diskId: disk.id,
          encrypted: false,
          instanceId: disk.instanceId,
          type: disk.type || null,
          category: disk.category || null,
        },
        // CIS 4.1 is about unattached disks, 4.2 about attached ones
        controls: { cis: [disk.instanceId ? '4.2' : '4.1'] },
      };
    }
  },
});
