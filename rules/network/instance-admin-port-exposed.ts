import { defineRule, z } from 'ecs-audit';
import { parseAddress } from '../../src/analysis/address-set.js';
import {
  describeCoverage,
  exposureIndex,
  portLabel,
  segmentEvidence,
} from '../../src/analysis/exposure.js';
import { uniqueSorted } from '../../src/analysis/network-findings.js';
import type { Instance } from '../../src/inventory/schema.js';

const port = z.number().int().min(1).max(65535);

interface PublicInterface {
  /** null when the interfaces could not be read and the instance's own groups are used */
  interfaceId: string | null;
  type: string;
  publicIps: string[];
  securityGroupIds: string[];
}

/**
 * The instance's interfaces, each with the public addresses that reach it and its own groups;
 * undefined when the interfaces could not be read (never guess which groups govern which address).
 * An instance with no interface listed (classic network) is one interface: its own groups and addresses.
 */
function interfacesOf(inst: Instance): PublicInterface[] | undefined {
  const instancePublic = [...inst.publicIps, ...(inst.eipAddress ? [inst.eipAddress] : [])];
  const nics = inst.networkInterfaces;
  if (nics === undefined) return undefined;
  if (nics.length === 0) {
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
    reads: [
      'ecs.instances',
      'ecs.instances.networkInterfaces',
      'ecs.securityGroups.rules',
      'ecs.prefixLists',
      'ecs.portRangeLists',
    ],
    rationale:
      'An instance that is running, has a public IP or EIP, and whose interface accepts SSH (TCP 22) or RDP (TCP 3389) from the internet ' +
      'is reachable by every brute-force bot right now. Unlike the group-level rules this evaluates what actually governs the interface: ' +
      'all of its security groups together, ordered by priority, so a Drop in one group can close what another group opens.',
    remediation:
      'Remove the exposure from the interface: in ECS console > Network & Security > Security Groups, restrict the Accept rules named in the evidence ' +
      'to a bastion host or office range (`aliyun ecs RevokeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --SecurityGroupRuleId.1 <rule-id>`), ' +
      "or add a Drop for 0.0.0.0/0 and ::/0 on TCP 22/3389 at a higher priority in one of the interface's groups; " +
      'if the instance needs no public address, release the EIP (`aliyun ecs UnassociateEipAddress` / `aliyun vpc UnassociateEipAddress`) and connect through a bastion host or Cloud Assistant.',
    references: [
      'https://www.alibabacloud.com/help/doc-detail/25387.htm',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describesecuritygroupattribute',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-revokesecuritygroup',
      'https://www.alibabacloud.com/help/en/doc-detail/58496.htm',
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
      // interfaces unknown: coverage reports it, the rule says nothing
      if (interfaces === undefined) continue;
      if (!interfaces.some((i) => i.publicIps.length > 0)) continue;

      const exposed: Record<string, unknown>[] = [];
      // public interfaces with a group missing or whose rules are unknown: not evaluated, never guessed
      const unevaluated: Record<string, unknown>[] = [];
      const openPorts = new Set<number>();
      const viaGroups = new Set<string>();
      const managed = new Set<string>();
      const exposedIps = new Set<string>();
      let coverageText = '';
      for (const nic of interfaces) {
        if (nic.publicIps.length === 0) continue;
        const merged = index.interfaceRules(inst.region, nic.securityGroupIds);
        if (!merged) {
          unevaluated.push({
            interfaceId: nic.interfaceId,
            securityGroupIds: nic.securityGroupIds,
            reason: 'a security group of this interface, or its rules, could not be read',
          });
          continue;
        }
        // only the admin ports are needed: evaluate them alone, not the whole port axis
        const at = (p: number) => index.interfacePort(inst.region, nic.securityGroupIds, 'tcp', p)!;
        // each public address is judged by its own family's sources (IPv4 by IPv4 only)
        const openFor = (ip: string, p: number) => {
          const seg = at(p);
          return parseAddress(ip)?.family === 'ipv6' ? seg.openIpv6 : seg.openIpv4;
        };
        const addresses = nic.publicIps
          .map((ip) => ({ ip, ports: ports.filter((p) => openFor(ip, p)) }))
          .filter((a) => a.ports.length > 0);
        // a verdict resting on a prefix list or port list that could not be read: not evaluated
        const unknownPorts = ports.filter(
          (p) => at(p).unknown !== undefined && !addresses.some((a) => a.ports.includes(p)),
        );
        if (unknownPorts.length > 0) {
          unevaluated.push({
            interfaceId: nic.interfaceId,
            securityGroupIds: nic.securityGroupIds,
            ports: unknownPorts,
            unreadableLists: [...new Set(unknownPorts.flatMap((p) => at(p).unknown!.lists))],
            reason: 'the verdict depends on a prefix list or port list that could not be read',
          });
        }
        if (addresses.length === 0) continue;
        const open = ports.filter((p) => addresses.some((a) => a.ports.includes(p)));
        for (const p of open) openPorts.add(p);
        const segs = open.map(at);
        coverageText ||= describeCoverage(segs[0]!);
        const accepting = new Set(segs.flatMap((s) => s.acceptedBy.map((r) => r.groupId)));
        for (const id of accepting) viaGroups.add(id);
        // the managed groups among those that open the port: the user cannot change them
        const managedHere = [...accepting]
          .filter((id) => index.group(inst.region, id)?.serviceManaged === true)
          .sort();
        for (const a of addresses) exposedIps.add(a.ip);
        for (const id of managedHere) managed.add(id);
        exposed.push({
          interfaceId: nic.interfaceId,
          interfaceType: nic.type,
          publicIps: nic.publicIps,
          exposedAddresses: addresses.map((a) => ({ address: a.ip, ports: a.ports })),
          securityGroupIds: nic.securityGroupIds,
          ...(managedHere.length > 0 ? { managedGroupIds: managedHere } : {}),
          ports: open,
          exposures: open.map((p, i) => segmentEvidence('tcp', segs[i]!, { port: p })),
          ...(merged.notes.length > 0 ? { notes: merged.notes.slice(0, 10) } : {}),
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
          `Running instance ${inst.id} (public ${[...exposedIps].join(', ')}) accepts ` +
          `${portList.map((p) => portLabel('tcp', p)).join(', ')} from the internet (${coverageText}) ` +
          `through security group${viaGroups.size > 1 ? 's' : ''} ${[...viaGroups].sort().join(', ')}.` +
          (managed.size > 0
            ? ` ${[...managed].sort().join(', ')} ${managed.size > 1 ? 'are managed security groups' : 'is a managed security group'} (ServiceManaged) whose rules the user cannot change: add a Drop in another group of the interface or remove the public address.`
            : ''),
        evidence: {
          instanceId: inst.id,
          status: inst.status,
          publicIps,
          exposedAddresses: [...exposedIps],
          ports: portList,
          interfaces: exposed,
          ...(unevaluated.length > 0 ? { unevaluatedInterfaces: unevaluated } : {}),
        },
      };
    }
  },
});
