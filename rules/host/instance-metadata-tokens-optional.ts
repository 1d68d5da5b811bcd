import { defineRule, instanceResource, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'instance-metadata-tokens-optional',
    title: 'Instance metadata service answers without a token',
    severity: 'medium',
    resourceTypes: ['instance'],
    reads: ['ecs.instances.metadataOptions'],
    rationale:
      'The instance metadata service (100.100.100.200) serves the temporary credentials of the instance RAM role. In normal mode it answers ' +
      'any plain GET, so a server-side request forgery (SSRF) bug or an open proxy on the instance is enough to steal those credentials. ' +
      'Security hardening mode (`HttpTokens` required) demands a session token obtained with a PUT request, which such bugs cannot send. ' +
      'The finding is raised when the metadata endpoint is enabled (`HttpEndpoint` enabled) and `HttpTokens` is anything but `required`; ' +
      'an instance whose metadata options could not be read is not reported.',
    remediation:
      'Make sure the software on the instance fetches metadata with a token (current Cloud Assistant, SDKs and cloud-init do), then ' +
      'ECS console > Instances > the instance > Instance Details > Instance Metadata Access > Modify: select the security hardening mode (enforced tokens). ' +
      'CLI: `aliyun ecs ModifyInstanceMetadataOptions --RegionId <region> --InstanceId <instance-id> --HttpEndpoint enabled --HttpTokens required`; ' +
      'if nothing on the instance needs metadata, `--HttpEndpoint disabled` closes it entirely.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/user-guide/view-instance-metadata',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-modifyinstancemetadataoptions',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const inst of ctx.inventory.ecs.instances) {
      const mo = inst.metadataOptions;
      // absent = the options could not be read; null = none returned: either way the state is unknown
      if (mo === undefined || mo === null) continue;
      const endpoint = (mo.httpEndpoint ?? '').trim();
      const tokens = (mo.httpTokens ?? '').trim();
      if (endpoint === '' || tokens === '') continue;
      if (endpoint.toLowerCase() !== 'enabled') continue;
      if (tokens.toLowerCase() === 'required') continue;
      const label = inst.name ? `${inst.id} (${inst.name})` : inst.id;
      // role credentials are served only when a role is attached; absent = the role could not be read
      const role = inst.ramRoleName?.trim() ?? '';
      const what =
        role !== ''
          ? `, including the temporary credentials of its RAM role ${role},`
          : inst.ramRoleName === undefined
            ? ' (instance identity, user data, network details, and the credentials of its RAM role if it has one)'
            : ' (instance identity, user data, network details)';
      yield {
        resource: instanceResource(inst),
        message: `Instance ${label} serves its metadata${what} without a token (HttpTokens ${tokens}, HttpEndpoint ${endpoint}).`,
        evidence: {
          instanceId: inst.id,
          status: inst.status,
          httpEndpoint: endpoint,
          httpTokens: tokens,
          ramRoleName: inst.ramRoleName ?? null,
        },
      };
    }
  },
});
