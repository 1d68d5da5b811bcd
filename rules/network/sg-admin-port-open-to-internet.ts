import {
  defineRule,
  describeCoverage,
  exposureIndex,
  groupEvidence,
  groupLabel,
  groupResource,
  MANAGED_SENTENCE,
  portLabel,
  segmentAt,
  segmentEvidence,
  uniqueSorted,
  z,
} from 'ecs-audit';

const port = z.number().int().min(1).max(65535);

export default defineRule({
  meta: {
    id: 'sg-admin-port-open-to-internet',
    title: 'Security group opens SSH or RDP to the internet',
    severity: 'critical',
    resourceTypes: ['security-group'],
    reads: ['ecs.securityGroups.rules', 'ecs.prefixLists', 'ecs.portRangeLists'],
    rationale:
      'SSH (TCP 22) and RDP (TCP 3389) reachable from the whole internet are scanned and brute-forced within minutes of exposure; ' +
      'one weak password or unpatched daemon gives an attacker a shell on every instance in the group. ' +
      'The verdict follows the group as Alibaba Cloud evaluates it: priority (1 highest), Drop beating Accept at equal priority, IPv4 and IPv6 sources, ' +
      'and counts a port as open when the accepted sources cover at least half of the public IPv4 or global IPv6 space.',
    remediation:
      'ECS console > Network & Security > Security Groups > the group > Rules > Inbound: delete or edit the Accept rules named in the evidence ' +
      'so the source is a bastion host or office range (e.g. 203.0.113.10/32), or reach instances through a bastion host / Cloud Assistant instead. ' +
      'CLI: `aliyun ecs RevokeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --SecurityGroupRuleId.1 <rule-id>` ' +
      '(or `--IpProtocol tcp --PortRange 22/22 --SourceCidrIp 0.0.0.0/0`), then ' +
      '`aliyun ecs AuthorizeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --IpProtocol tcp --PortRange 22/22 --SourceCidrIp <bastion-ip>/32`. ' +
      'Remember IPv6 (`::/0`) rules too.',
    references: [
      'https://www.alibabacloud.com/help/doc-detail/25387.htm',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describesecuritygroupattribute',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-revokesecuritygroup',
    ],
    options: z.object({
      /** the administrative TCP ports */
      tcpPorts: z.array(port).default([22, 3389]),
    }),
    compliance: { cis: ['3.2', '4.3', '4.4'] },
  },
  *evaluate(ctx) {
    const index = exposureIndex(ctx);
    const ports = uniqueSorted(ctx.options.tcpPorts);
    for (const sg of ctx.inventory.ecs.securityGroups) {
      const exposure = index.groupExposure(sg);
      if (!exposure) {
        ctx.notEvaluated(groupResource(sg), 'its rules, or a list they name, could not be read');
        continue;
      }
      const open = ports.filter((p) => segmentAt(exposure.tcp, p).open);
      if (open.length === 0) continue;
      const first = segmentAt(exposure.tcp, open[0]!);
      yield {
        resource: groupResource(sg),
        message:
          `Security group ${groupLabel(sg)} opens ${open.map((p) => portLabel('tcp', p)).join(', ')} ` +
          `to the internet (${describeCoverage(first)}).` +
          (sg.serviceManaged ? MANAGED_SENTENCE : ''),
        evidence: {
          ...groupEvidence(sg, exposure),
          ports: open,
          exposures: open.map((p) =>
            segmentEvidence('tcp', segmentAt(exposure.tcp, p), { port: p }),
          ),
        },
        // CIS 4.3 is port 22, 4.4 port 3389, 3.2 either (an option's other port breaks none)
        controls: {
          cis: [
            ...(open.includes(22) || open.includes(3389) ? ['3.2'] : []),
            ...(open.includes(22) ? ['4.3'] : []),
            ...(open.includes(3389) ? ['4.4'] : []),
          ],
        },
      };
    }
  },
});
