import {
  allPortsOpen,
  defineRule,
  exposureIndex,
  groupEvidence,
  groupLabel,
  groupResource,
  MANAGED_SENTENCE,
  type PortProtocol,
  segmentEvidence,
  z,
} from 'ecs-audit';

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'udp'];

export default defineRule({
  meta: {
    id: 'sg-all-ports-open-to-internet',
    title: 'Security group opens every TCP or UDP port to the internet',
    severity: 'critical',
    resourceTypes: ['security-group'],
    reads: ['ecs.securityGroups.rules', 'ecs.prefixLists', 'ecs.portRangeLists'],
    rationale:
      'A group that accepts every TCP or every UDP port from the internet (e.g. `ALL -1/-1` or `TCP 1/65535` from 0.0.0.0/0) exposes every service ' +
      'on its instances, including databases, caches and management agents that were never meant to be public. ' +
      'The verdict applies priority and Drop rules, IPv4 and IPv6 sources, and needs every port 1-65535 to be open ' +
      '(accepted sources covering at least half of the public IPv4 or global IPv6 space).',
    remediation:
      'ECS console > Network & Security > Security Groups > the group > Rules > Inbound: delete the broad Accept rules named in the evidence ' +
      'and add one rule per service port that must be public (e.g. TCP 443/443), restricting everything else to internal ranges or a bastion host. ' +
      'CLI: `aliyun ecs RevokeSecurityGroup --RegionId <region> --SecurityGroupId <sg-id> --SecurityGroupRuleId.1 <rule-id>`.',
    references: [
      'https://www.alibabacloud.com/help/doc-detail/25387.htm',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describesecuritygroupattribute',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-revokesecuritygroup',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    const index = exposureIndex(ctx);
    for (const sg of ctx.inventory.ecs.securityGroups) {
      const exposure = index.groupExposure(sg);
      if (!exposure) {
        ctx.notEvaluated(groupResource(sg), 'its rules, or a list they name, could not be read');
        continue;
      }
      const protocols = PROTOCOLS.filter((p) => allPortsOpen(exposure[p]));
      if (protocols.length === 0) continue;
      yield {
        resource: groupResource(sg),
        message:
          `Security group ${groupLabel(sg)} opens every ${protocols.map((p) => p.toUpperCase()).join(' and every ')} port (1-65535) to the internet.` +
          (sg.serviceManaged ? MANAGED_SENTENCE : ''),
        evidence: {
          ...groupEvidence(sg, exposure),
          protocols,
          exposures: protocols.flatMap((p) => {
            const segs = exposure[p].segments;
            return segs.slice(0, 8).map((s) => segmentEvidence(p, s));
          }),
        },
      };
    }
  },
});
