import { z } from 'zod';
import {
  describeCoverage,
  exposureIndex,
  portLabel,
  segmentAt,
  segmentEvidence,
} from '../../src/analysis/exposure.js';
import { uniqueSorted } from '../../src/analysis/network-findings.js';
import { defineRule } from '../../src/engine/types.js';
import type { Instance } from '../../src/inventory/schema.js';

const port = z.number().int().min(1).max(65535);

interface PublicInterface {
  /** null when the interfaces could not be read and the instance's own groups are used */
  interfaceId: string | null;
  type: string;
  publicIps: string[];
  securityGroupIds: string[];
}

/** The instance's interfaces, each with the public addresses that reach it and its own groups. */
function interfacesOf(inst: Instance): PublicInterface[] {
  const instancePublic = [...inst.publicIps, ...(inst.eipAddress ? [inst.eipAddress] : [])];
  const nics = inst.networkInterfaces;
  if (nics === undefined || nics.length === 0) {
    return [
      {
        interfaceId: null,
        type: 'instance',
        publicIps: uniq(instancePublic),
        securityGroupIds: inst.securityGroupIds,
      },
    ];
  }
  const hasPrimary = nics.some((n) => n.type.toLowerCase() === 'primary');
  const out: PublicInterface[] = nics.map((n) => ({
    interfaceId: n.id,
    type: n.type,
    publicIps: uniq([
      ...n.publicIps,
      // the primary interface carries the instance's public IP / EIP
      ...(n.type.toLowerCase() === 'primary' ? instancePublic : []),
    ]),
    securityGroupIds: n.securityGroupIds,
  }));
  if (!hasPrimary && instancePublic.length > 0) {
    out.push({
      interfaceId: null,
      type: 'instance',
      publicIps: uniq(instancePublic),
      securityGroupIds: inst.securityGroupIds,
    });
  }
  return out;
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs.filter((x) => x.trim() !== ''))];
}

export default defineRule({
  meta: {
    id: 'instance-admin-port-exposed',
    title: 'Running instance with a public address accepts SSH or RDP from the internet',
    severity: 'critical',
    resourceTypes: ['instance'],
    rationale:
      'An instance that is running, has a public IP or EIP, and whose interface accepts SSH (TCP 22) or RDP (TCP 3389) from the internet ' +
      'is reachable by every brute-force bot right now. Unlike the group-level rules this evaluates what actually governs the interface: ' +
      'all of its security groups together, ordered by priority, so a Drop in one group can close what another group opens.',
    remediation:
      'Remove the exposure from the interface: in ECS console > Network & Security > Security Groups, restrict the Accept rules named in the evidence ' +
      'to a bastion host or office range (`aliyun ecs RevokeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --SecurityGroupRuleId.1 <rule-id>`), ' +
      'or add a Drop for 0.0.0.0/0 and ::/0 on TCP 22/3389 at a higher priority in one of the interface\'s groups; ' +
      'if the instance needs no public address, release the EIP (`aliyun ecs UnassociateEipAddress` / `aliyun vpc UnassociateEipAddress`) and connect through a bastion host or Cloud Assistant.',
    references: [
      'https://www.alibabacloud.com/help/doc-detail/25387.htm',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describesecuritygroupattribute',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-revokesecuritygroup',
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
      const interfaces = interfacesOf(inst);
      if (!interfaces.some((i) => i.publicIps.length > 0)) continue;
      // Never guess: when any of the instance's groups is unknown, say nothing about it.
      const allGroupIds = new Set([
        ...inst.securityGroupIds,
        ...interfaces.flatMap((i) => i.securityGroupIds),
      ]);
      const unknown = [...allGroupIds].some((id) => index.group(inst.region, id)?.rules === undefined);
      if (unknown) continue;

      const exposed: Record<string, unknown>[] = [];
      const openPorts = new Set<number>();
      const viaGroups = new Set<string>();
      const managed = new Set<string>();
      let coverageText = '';
      for (const nic of interfaces) {
        if (nic.publicIps.length === 0) continue;
        const exposure = index.interfaceExposure(inst.region, nic.securityGroupIds);
        if (!exposure) continue;
        const open = ports.filter((p) => segmentAt(exposure.tcp, p).open);
        if (open.length === 0) continue;
        for (const p of open) openPorts.add(p);
        const segs = open.map((p) => segmentAt(exposure.tcp, p));
        coverageText ||= describeCoverage(segs[0]!);
        for (const s of segs) for (const r of s.acceptedBy) viaGroups.add(r.groupId);
        const managedHere = nic.securityGroupIds.filter(
          (id) => index.group(inst.region, id)?.serviceManaged === true,
        );
        for (const id of managedHere) managed.add(id);
        exposed.push({
          interfaceId: nic.interfaceId,
          interfaceType: nic.type,
          publicIps: nic.publicIps,
          securityGroupIds: nic.securityGroupIds,
          ...(managedHere.length > 0 ? { managedGroupIds: managedHere } : {}),
          ports: open,
          exposures: open.map((p, i) => segmentEvidence('tcp', segs[i]!, { port: p })),
          ...(exposure.notes.length > 0 ? { notes: exposure.notes.slice(0, 10) } : {}),
        });
      }
      if (exposed.length === 0) continue;
      const portList = [...openPorts].sort((a, b) => a - b);
      const publicIps = uniq(
        interfaces.filter((i) => i.publicIps.length > 0).flatMap((i) => i.publicIps),
      );
      yield {
        resource: {
          type: 'instance',
          id: inst.id,
          region: inst.region,
          ...(inst.name ? { name: inst.name } : {}),
        },
        message:
          `Running instance ${inst.id} (public ${publicIps.join(', ')}) accepts ` +
          `${portList.map((p) => portLabel('tcp', p)).join(', ')} from the internet (${coverageText}) ` +
          `through security group ${[...viaGroups].sort().join(', ')}.` +
          (managed.size > 0
            ? ` ${[...managed].sort().join(', ')} is a managed security group (ServiceManaged) whose rules the user cannot change: restrict the other groups or remove the public address.`
            : ''),
        evidence: {
          instanceId: inst.id,
          status: inst.status,
          publicIps,
          ports: portList,
          interfaces: exposed,
        },
      };
    }
  },
});
