import { defineRule, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'security-center-agent-offline',
    title: 'Running instance is not protected by an online Security Center agent',
    severity: 'medium',
    resourceTypes: ['instance'],
    reads: ['ecs.instances', 'sas.instances'],
    rationale:
      'Security Center protects an ECS instance only through its agent: without an online agent the instance gets no vulnerability detection, ' +
      'no intrusion alerts (brute force, web shells, mining, reverse shells), no baseline checks and no asset fingerprints, and the ECS console shows none of them. ' +
      'The ECS security guidance recommends the agent on every instance (installed at creation with security hardening, or afterwards). ' +
      "The finding is raised for a running instance whose agent is not online in Security Center's asset list (`ClientStatus` not `online`, or a " +
      '`ClientSubStatus` such as `uninstalled` or `stopped`), or that is absent from that list. The list is read from both Security Center endpoints ' +
      '(cn-shanghai for mainland China and Hong Kong, ap-southeast-1 for the rest); when it could not be read (Security Center not activated, no permission), ' +
      'no instance is reported and the report lists the gap.',
    remediation:
      'Install or restart the agent: Security Center console > System Settings > Feature Settings > Agent (or Assets > Hosts) > select the instance > Install Agent ' +
      '(an ECS instance of the same account gets it in one click); for a stopped or paused agent, start the AliYunDun service on the instance or re-run the installation command. ' +
      'The installation command from that page can be sent with Cloud Assistant: `aliyun ecs RunCommand --RegionId <region> --InstanceId.1 <instance-id> --Type RunShellScript --CommandContent "<installation command>"`. ' +
      'Check the result with `aliyun sas DescribeCloudCenterInstances --Criteria \'[{"name":"instanceId","value":"<instance-id>"}]\'`. ' +
      'New instances: select Security Hardening when creating them (`aliyun ecs RunInstances ... --SecurityEnhancementStrategy Active`).',
    references: [
      'https://www.alibabacloud.com/help/en/security-center/user-guide/install-the-security-center-agent',
      'https://www.alibabacloud.com/help/en/security-center/developer-reference/api-sas-2018-12-03-describecloudcenterinstances',
      'https://www.alibabacloud.com/help/en/ecs/user-guide/security-overview',
    ],
    options: z.object({}),
    compliance: { cis: ['4.6', '8.2'] },
  },
  *evaluate(ctx) {
    const listed = ctx.inventory.sas.instances;
    // unknown (not read, denied, not activated): never "offline everywhere"
    if (listed === undefined) return;
    const byId = new Map(listed.map((a) => [a.instanceId, a]));
    for (const inst of ctx.inventory.ecs.instances) {
      if (inst.status.trim().toLowerCase() !== 'running') continue;
      const label = inst.name ? `${inst.id} (${inst.name})` : inst.id;
      const resource = {
        type: 'instance' as const,
        id: inst.id,
        region: inst.region,
        ...(inst.name ? { name: inst.name } : {}),
      };
      const asset = byId.get(inst.id);
      if (!asset) {
        yield {
          resource,
          message: `Running instance ${label} is not in Security Center's asset list: no agent protects it.`,
          evidence: {
            instanceId: inst.id,
            listed: false,
            clientStatus: null,
            clientSubStatus: null,
          },
        };
        continue;
      }
      // ClientStatus absent: the answer lacked it (a MissingField gap), not evaluated
      if (asset.clientStatus === undefined) continue;
      const status = asset.clientStatus.trim();
      const sub = asset.clientSubStatus?.trim() ?? '';
      const statusOnline = status.toLowerCase() === 'online';
      const subOnline = sub === '' || sub.toLowerCase() === 'online';
      if (statusOnline && subOnline) continue;
      const state = statusOnline
        ? sub
        : sub && sub.toLowerCase() !== status.toLowerCase()
          ? `${status}, ${sub}`
          : status;
      yield {
        resource,
        message: `The Security Center agent of running instance ${label} is not online (${state}).`,
        evidence: {
          instanceId: inst.id,
          listed: true,
          clientStatus: status,
          clientSubStatus: sub === '' ? null : sub,
        },
      };
    }
  },
});
