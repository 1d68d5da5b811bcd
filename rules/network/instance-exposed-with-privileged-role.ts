import {
  defineRule,
  formatPath,
  instanceResource,
  type PathHop,
  type PrivilegeGrant,
  pathOf,
  REACHABILITY_READS,
  type ReachablePort,
  reachability,
  rolePrivilege,
  unknownReason,
  z,
} from 'ecs-audit';

/** paths listed in the evidence; more are counted */
const PATHS_LISTED = 10;

function portText(p: ReachablePort): string {
  const r = p.range;
  const ports = r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`;
  return `${r.protocol.toUpperCase()} ${ports}`;
}

function grantHops(roleName: string, grants: readonly PrivilegeGrant[]): PathHop[] {
  return [
    { kind: 'role', roleName },
    ...grants.slice(0, 3).map(
      (g): PathHop => ({
        kind: 'policy-statement',
        policy: g.policy,
        policyType: g.policyType,
        via: g.via,
        statement: g.statement,
        grants: g.grants,
      }),
    ),
  ];
}

export default defineRule({
  meta: {
    id: 'instance-exposed-with-privileged-role',
    title: 'Instance reachable from the internet holds a privileged RAM role (attack path)',
    severity: 'critical',
    resourceTypes: ['instance'],
    reads: [
      ...REACHABILITY_READS,
      'ecs.instances.ramRoleName',
      'ram.roles',
      'ram.roles.policies',
      'ram.policies',
      'ram.resourceGroupAttachments',
    ],
    rationale:
      'An instance that the internet can reach (a public IP, EIP, IPv6 address with Internet bandwidth, or a NAT gateway DNAT entry, with its ' +
      "vSwitch's network ACL and its security groups letting the traffic in) and whose instance RAM role is privileged is one compromised " +
      'service away from the whole account: any process on the instance obtains the role’s temporary credentials from the metadata service ' +
      '(in one request when metadata tokens are optional). A role is privileged when, after its Denies, it still grants * on *, any RAM write ' +
      'action, Cloud Assistant RunCommand/InvokeCommand as root or system, or sts:AssumeRole on *.',
    remediation:
      'Break the path at either end. Narrow the role: in the RAM console > Roles, detach the policy named in the evidence and grant only the ' +
      'actions the workload needs (`aliyun ram DetachPolicyFromRole --PolicyType System --PolicyName AdministratorAccess --RoleName <role>`), ' +
      'or detach the role from the instance (`aliyun ecs DetachInstanceRamRole --RegionId <region> --InstanceIds \'["<instance-id>"]\'`). ' +
      'Close the entry point: restrict the security-group rule or network-ACL entry named in the path, delete the DNAT entry, or release the ' +
      'public address. Require metadata tokens (`aliyun ecs ModifyInstanceMetadataOptions --RegionId <region> --InstanceId <instance-id> --HttpEndpoint enabled --HttpTokens required`).',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/attach-an-instance-ram-role-to-an-ecs-instance',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-group-rules',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/managed-security-groups',
      'https://www.alibabacloud.com/help/en/vpc/user-guide/network-acl-overview',
      'https://www.alibabacloud.com/help/en/nat-gateway/user-guide/create-and-manage-dnat-entries',
      'https://www.alibabacloud.com/help/en/ram/user-guide/policy-structure-and-syntax',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const inst of ctx.inventory.ecs.instances) {
      if (inst.status.trim().toLowerCase() !== 'running') continue;
      // role unknown (absent) or none (null): nothing to say
      if (typeof inst.ramRoleName !== 'string' || inst.ramRoleName === '') continue;
      const reach = reachability(ctx, inst);
      if (reach.entries === undefined) {
        ctx.notEvaluated(instanceResource(inst), reach.unknown[0] ?? 'its interfaces are unknown');
        continue;
      }
      const hits: ReachablePort[] = reach.entries.flatMap((e) =>
        e.open.map((range) => ({ entry: e.entry, range })),
      );
      if (hits.length === 0) {
        const why = unknownReason(reach);
        if (why !== undefined) ctx.notEvaluated(instanceResource(inst), why);
        continue;
      }
      const privilege = rolePrivilege(ctx, inst.ramRoleName);
      // the role or its policies unknown and nothing privileged seen: not evaluated
      if (!privilege?.privileged) {
        if (privilege === undefined)
          ctx.notEvaluated(
            instanceResource(inst),
            `its RAM role ${inst.ramRoleName} is not in the inventory`,
          );
        else if (privilege.unknown.length > 0)
          ctx.notEvaluated(instanceResource(inst), privilege.unknown[0]!);
        continue;
      }
      const roleName = inst.ramRoleName;
      const tail = grantHops(roleName, privilege.grants);
      const ref = { id: inst.id, ...(inst.name ? { name: inst.name } : {}) };
      const paths = hits.slice(0, PATHS_LISTED).map((h) => {
        const hops = [...pathOf(h.entry, h.range, ref), ...tail];
        return { text: formatPath(hops), hops };
      });
      // absent = could not be read: said so, the path stands either way
      const httpTokens = inst.metadataOptions?.httpTokens ?? 'unknown';
      const first = hits[0]!;
      const grant = privilege.grants[0]!;
      yield {
        resource: instanceResource(inst),
        message:
          `Running instance ${inst.id} is reachable from the internet (${first.entry.dnat ? `${first.entry.address} DNAT → ` : `${first.entry.address} `}${portText(first)}` +
          `${hits.length > 1 ? `, and ${hits.length - 1} more path${hits.length > 2 ? 's' : ''}` : ''}) and holds the privileged RAM role ${roleName} ` +
          `(${grant.policy} Statement[${grant.statement}] grants ${grant.grants}); ` +
          (httpTokens.toLowerCase() === 'required'
            ? 'metadata tokens are required.'
            : `metadata tokens are ${httpTokens === 'unknown' ? 'unknown' : 'optional'}, so the role's credentials are one request away.`),
        evidence: {
          instanceId: inst.id,
          roleName,
          httpTokens,
          path: paths[0]!.hops,
          paths,
          ...(hits.length > PATHS_LISTED ? { pathCount: hits.length, truncated: true } : {}),
          grants: privilege.grants,
          ...(privilege.unknown.length > 0 ? { unreadPolicies: privilege.unknown } : {}),
        },
      };
    }
  },
});
