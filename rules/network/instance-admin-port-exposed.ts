import {
  defineRule,
  exposureIndex,
  formatPath,
  instanceResource,
  type PathHop,
  pathOf,
  portLabel,
  REACHABILITY_READS,
  type ReachablePort,
  reachability,
  segmentEvidence,
  uniqueSorted,
  unknownReason,
  z,
} from 'ecs-audit';

const port = z.number().int().min(1).max(65535);

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => x.trim() !== ''))];
}

const pct = (x: number) => `${Math.floor(x * 1000) / 10}%`;

/** `100% of public IPv4` for the first reachable range */
function coverageText(p: ReachablePort): string {
  return `${pct(p.range.coverage)} of ${p.entry.family === 'ipv4' ? 'public IPv4' : 'global IPv6'}`;
}

/** how the address reads in the message: `47.0.0.10`, `47.0.0.99:2222 (DNAT ngw-1)` */
function addressText(p: ReachablePort): string {
  const d = p.entry.dnat;
  return d
    ? `${d.externalIp}:${p.range.externalFrom ?? d.externalPort} (DNAT ${d.natGatewayId})`
    : p.entry.address;
}

export default defineRule({
  meta: {
    id: 'instance-admin-port-exposed',
    title: 'Running instance with a public address accepts SSH or RDP from the internet',
    severity: 'critical',
    resourceTypes: ['instance'],
    reads: REACHABILITY_READS,
    rationale:
      'An instance that is running, has a public IP or EIP, and whose interface accepts SSH (TCP 22) or RDP (TCP 3389) from the internet ' +
      'is reachable by every brute-force bot right now. Unlike the group-level rules this evaluates what actually governs the interface: ' +
      'all of its security groups together, ordered by priority, so a Drop in one group can close what another group opens; ' +
      "each public address on its own (IPv4 by IPv4 sources, a public IPv6 address by IPv6 sources), after the vSwitch's network ACL, " +
      'and NAT gateway DNAT entries that forward internet ports to an instance without a public address of its own.',
    remediation:
      'Remove the exposure from the interface: in ECS console > Network & Security > Security Groups, restrict the Accept rules named in the evidence ' +
      'to a bastion host or office range (`aliyun ecs RevokeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --SecurityGroupRuleId.1 <rule-id>`), ' +
      'or add a Drop for 0.0.0.0/0 and ::/0 on TCP 22/3389 at the same or a higher priority (an equal or lower number: at equal priority Drop wins) ' +
      "in one of the interface's groups; if the instance needs no public address, release the public IP (convert it to an EIP first: " +
      '`aliyun ecs ConvertNatPublicIpToEip --RegionId <region> --InstanceId <instance-id>`, then unassociate and release it) or ' +
      'unassociate the EIP (`aliyun ecs UnassociateEipAddress --RegionId <region> --AllocationId <eip-id> --InstanceId <instance-id>`, then ' +
      '`aliyun vpc ReleaseEipAddress --RegionId <region> --AllocationId <eip-id>`), and connect through a bastion host or Cloud Assistant.',
    references: [
      'https://www.alibabacloud.com/help/doc-detail/25387.htm',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describesecuritygroupattribute',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-revokesecuritygroup',
      'https://www.alibabacloud.com/help/en/doc-detail/58496.htm',
      'https://www.alibabacloud.com/help/en/vpc/user-guide/network-acl-overview',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/convert-the-public-ip-address-of-an-ecs-instance-in-a-vpc-to-an-eip',
    ],
    options: z.object({
      tcpPorts: z.array(port).default([22, 3389]),
    }),
    compliance: { cis: ['3.2'] },
  },
  *evaluate(ctx) {
    const index = exposureIndex(ctx);
    const ports = uniqueSorted(ctx.options.tcpPorts);
    for (const inst of ctx.inventory.ecs.instances) {
      if (inst.status.trim().toLowerCase() !== 'running') continue;
      const reach = reachability(ctx, inst);
      // interfaces unknown: nothing is known of the instance
      if (reach.entries === undefined) {
        ctx.notEvaluated(instanceResource(inst), reach.unknown[0] ?? 'its interfaces are unknown');
        continue;
      }
      const hits: ReachablePort[] = [];
      for (const e of reach.entries) {
        for (const range of e.open) {
          if (range.protocol !== 'tcp') continue;
          if (ports.some((p) => p >= range.from && p <= range.to))
            hits.push({ entry: e.entry, range });
        }
      }
      if (hits.length === 0) {
        // an address judged unknown, or one that may be missing, may be the open one
        const why = unknownReason(reach);
        if (why !== undefined) ctx.notEvaluated(instanceResource(inst), why);
        continue;
      }

      const openPorts = new Set<number>();
      const viaGroups = new Set<string>();
      const managed = new Set<string>();
      const exposed: Record<string, unknown>[] = [];
      const byInterface = new Map<string, ReachablePort[]>();
      for (const h of hits) {
        const key = `${h.entry.interfaceId ?? ''}`;
        byInterface.set(key, [...(byInterface.get(key) ?? []), h]);
        for (const p of ports) if (p >= h.range.from && p <= h.range.to) openPorts.add(p);
        for (const r of h.range.groupRules) viaGroups.add(r.groupId);
      }
      for (const group of byInterface.values()) {
        const first = group[0]!;
        const nicPorts = uniqueSorted(
          ports.filter((p) => group.some((h) => p >= h.range.from && p <= h.range.to)),
        );
        const accepting = new Set(group.flatMap((h) => h.range.groupRules.map((r) => r.groupId)));
        const managedHere = [...accepting]
          .filter((id) => index.group(inst.region, id)?.serviceManaged === true)
          .sort();
        for (const id of managedHere) managed.add(id);
        exposed.push({
          interfaceId: first.entry.interfaceId,
          interfaceType: first.entry.interfaceType,
          publicIps: uniq(group.filter((h) => !h.entry.dnat).map((h) => h.entry.address)),
          securityGroupIds: first.entry.securityGroupIds,
          ...(managedHere.length > 0 ? { managedGroupIds: managedHere } : {}),
          ports: nicPorts,
          exposures: nicPorts.map((p) =>
            segmentEvidence(
              'tcp',
              index.interfacePort(inst.region, first.entry.securityGroupIds, 'tcp', p)!,
              { port: p },
            ),
          ),
          entryPoints: group.map((h) => ({
            kind: h.entry.kind,
            address: h.entry.address,
            ports:
              h.range.from === h.range.to ? `${h.range.from}` : `${h.range.from}-${h.range.to}`,
            ...(h.entry.dnat ? { dnat: h.entry.dnat } : {}),
            ...(h.range.acl ? { acl: h.range.acl } : {}),
          })),
        });
      }
      const portList = [...openPorts].sort((a, b) => a - b);
      const paths: Array<{ text: string; hops: PathHop[] }> = hits.map((h) => {
        const hops = pathHops(h, inst);
        return { text: formatPath(hops), hops };
      });
      const publicIps = uniq(
        (reach.entries ?? [])
          .filter((e) => e.entry.kind !== 'dnat' && e.entry.family === 'ipv4')
          .map((e) => e.entry.address),
      );
      const unevaluated = (reach.entries ?? []).filter((e) => !e.known);
      yield {
        resource: instanceResource(inst),
        message:
          `Running instance ${inst.id} (public ${uniq(hits.map(addressText)).join(', ')}) accepts ` +
          `${portList.map((p) => portLabel('tcp', p)).join(', ')} from the internet (${coverageText(hits[0]!)}) ` +
          `through security group${viaGroups.size > 1 ? 's' : ''} ${[...viaGroups].sort().join(', ')}.` +
          (managed.size > 0
            ? ` ${[...managed].sort().join(', ')} ${managed.size > 1 ? 'are managed security groups' : 'is a managed security group'} (ServiceManaged) whose rules the user cannot change: add a Drop in another group of the interface or remove the public address.`
            : ''),
        evidence: {
          instanceId: inst.id,
          status: inst.status,
          publicIps,
          ports: portList,
          interfaces: exposed,
          path: paths[0]!.hops,
          paths,
          ...(unevaluated.length > 0
            ? {
                unevaluatedInterfaces: unevaluated.map((e) => ({
                  interfaceId: e.entry.interfaceId,
                  address: e.entry.address,
                  securityGroupIds: e.entry.securityGroupIds,
                  reason: e.known ? '' : e.reason,
                })),
              }
            : {}),
        },
      };
    }
  },
});

function pathHops(h: ReachablePort, inst: { id: string; name: string }): PathHop[] {
  return pathOf(h.entry, h.range, { id: inst.id, ...(inst.name ? { name: inst.name } : {}) });
}
