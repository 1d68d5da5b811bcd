import {
  defineRule,
  describeCoverage,
  exposureIndex,
  groupEvidence,
  groupLabel,
  groupResource,
  MANAGED_SENTENCE,
  type PortProtocol,
  type PortSegment,
  portLabel,
  segmentAt,
  segmentEvidence,
  uniqueSorted,
  z,
} from 'ecs-audit';

const port = z.number().int().min(1).max(65535);

export const DEFAULT_TCP_PORTS = [
  20, 21, 23, 25, 110, 135, 139, 143, 445, 1433, 1434, 1521, 2375, 2379, 3306, 5432, 5900, 5984,
  6379, 7001, 8080, 9200, 9300, 11211, 27017, 50070,
];
export const DEFAULT_UDP_PORTS = [53, 137, 138, 161, 11211];

export default defineRule({
  meta: {
    id: 'sg-high-risk-port-open-to-internet',
    title: 'Security group opens a high-risk port to the internet',
    severity: 'high',
    resourceTypes: ['security-group'],
    reads: ['ecs.securityGroups.rules', 'ecs.prefixLists', 'ecs.portRangeLists'],
    rationale:
      'Databases, caches, file sharing, remote desktop/VNC, container and cluster APIs and legacy clear-text protocols on these ports are routinely ' +
      'found by internet-wide scans and exploited or held for ransom when reachable from anywhere. ' +
      'The verdict applies priority and Drop rules and IPv4/IPv6 sources; a port is open when the accepted sources cover at least half of the public IPv4 or global IPv6 space.',
    remediation:
      'ECS console > Network & Security > Security Groups > the group > Rules > Inbound: restrict the Accept rules named in the evidence to the ' +
      'internal ranges, security groups or bastion hosts that need the service, or delete them. ' +
      'CLI: `aliyun ecs RevokeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --SecurityGroupRuleId.1 <rule-id>`, then authorise the ' +
      'specific sources with `aliyun ecs AuthorizeSecurityGroup ... --SourceGroupId <app-sg>` or `--SourceCidrIp <range>`.',
    references: [
      'https://www.alibabacloud.com/help/doc-detail/25387.htm',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describesecuritygroupattribute',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-revokesecuritygroup',
    ],
    options: z.object({
      tcpPorts: z.array(port).default(DEFAULT_TCP_PORTS),
      udpPorts: z.array(port).default(DEFAULT_UDP_PORTS),
    }),
  },
  *evaluate(ctx) {
    const index = exposureIndex(ctx);
    const wanted: Record<PortProtocol, number[]> = {
      tcp: uniqueSorted(ctx.options.tcpPorts),
      udp: uniqueSorted(ctx.options.udpPorts),
    };
    for (const sg of ctx.inventory.ecs.securityGroups) {
      const exposure = index.groupExposure(sg);
      if (!exposure) {
        ctx.notEvaluated(groupResource(sg), 'its rules, or a list they name, could not be read');
        continue;
      }
      const open: Record<PortProtocol, number[]> = { tcp: [], udp: [] };
      // one evidence entry per distinct segment, naming the listed ports it opens
      const bySegment = new Map<PortSegment, { protocol: PortProtocol; ports: number[] }>();
      for (const protocol of ['tcp', 'udp'] as const) {
        for (const p of wanted[protocol]) {
          const seg = segmentAt(exposure[protocol], p);
          if (!seg.open) continue;
          open[protocol].push(p);
          const entry = bySegment.get(seg) ?? { protocol, ports: [] };
          entry.ports.push(p);
          bySegment.set(seg, entry);
        }
      }
      const labels = [
        ...open.tcp.map((p) => portLabel('tcp', p)),
        ...open.udp.map((p) => portLabel('udp', p)),
      ];
      if (labels.length === 0) continue;
      const firstSeg = bySegment.keys().next().value as PortSegment;
      const shown =
        labels.slice(0, 6).join(', ') +
        (labels.length > 6 ? `, and ${labels.length - 6} more` : '');
      yield {
        resource: groupResource(sg),
        message:
          `Security group ${groupLabel(sg)} opens ${shown} to the internet (${describeCoverage(firstSeg)}).` +
          (sg.serviceManaged ? MANAGED_SENTENCE : ''),
        evidence: {
          ...groupEvidence(sg, exposure),
          ports: open,
          exposures: [...bySegment.entries()].slice(0, 12).map(([seg, { protocol, ports }]) => ({
            openPorts: ports,
            ...segmentEvidence(protocol, seg),
          })),
        },
      };
    }
  },
});
