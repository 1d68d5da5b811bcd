import { defineRule, instanceResource, REACHABILITY_READS, reachability, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'instance-public-address-unused',
    title: 'Running instance has a public address through which no port is reachable',
    severity: 'low',
    resourceTypes: ['instance'],
    reads: REACHABILITY_READS,
    rationale:
      'A public address (public IP, EIP, IPv6 address with Internet bandwidth) through which the internet reaches no port serves nobody, ' +
      'yet one rule change away it exposes the instance, and it costs money. The ECS security guidance gives public addresses only to ' +
      'instances that serve the internet and sends outbound traffic through NAT gateway SNAT. Each address is judged with its family, ' +
      "its interface's security groups and its vSwitch's network ACL.",
    remediation:
      'Remove the unused address: in the ECS console > Instances, release the public IP (convert it to an EIP and release it) or ' +
      'unassociate the EIP (`aliyun ecs UnassociateEipAddress --AllocationId <eip-id> --InstanceId <instance-id>`), or disable the IPv6 ' +
      'Internet bandwidth; use a NAT gateway SNAT entry for outbound access and a bastion host or Cloud Assistant for administration.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/convert-the-public-ip-address-of-an-ecs-instance-in-a-vpc-to-an-eip',
      'https://www.alibabacloud.com/help/en/nat-gateway/user-guide/create-and-manage-snat-entries',
      'https://www.alibabacloud.com/help/en/vpc/user-guide/network-acl-overview',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const inst of ctx.inventory.ecs.instances) {
      if (inst.status.trim().toLowerCase() !== 'running') continue;
      const reach = reachability(ctx, inst);
      if (reach.entries === undefined) {
        ctx.notEvaluated(instanceResource(inst), reach.unknown[0] ?? 'its interfaces are unknown');
        continue;
      }
      // public addresses of the instance (DNAT entries belong to the gateway, not to the instance)
      const own = reach.entries.filter((e) => e.entry.kind !== 'dnat');
      // an address judged unknown is not evaluated; the known ones still count
      const unused = own.filter((e) => e.known && e.open.length === 0);
      if (unused.length === 0) {
        // an address judged unknown may be the unused one
        for (const e of own) {
          if (e.known) continue;
          ctx.notEvaluated(instanceResource(inst), e.reason);
          break;
        }
        continue;
      }
      const used = own.filter((e) => e.open.length > 0).map((e) => e.entry.address);
      const addresses = unused.map((e) => e.entry.address);
      yield {
        resource: instanceResource(inst),
        message:
          `Running instance ${inst.id} has public address${addresses.length > 1 ? 'es' : ''} ${addresses.join(', ')} ` +
          'through which no port is reachable from the internet.',
        evidence: {
          instanceId: inst.id,
          unusedAddresses: unused.map((e) => ({
            address: e.entry.address,
            kind: e.entry.kind,
            interfaceId: e.entry.interfaceId,
            securityGroupIds: e.entry.securityGroupIds,
            ...(e.entry.vSwitchId ? { vSwitchId: e.entry.vSwitchId } : {}),
          })),
          ...(used.length > 0 ? { usedAddresses: used } : {}),
        },
      };
    }
  },
});
