import { defineRule, instanceResource, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'instance-password-login',
    title: 'Linux instance without a key pair (password login)',
    severity: 'medium',
    resourceTypes: ['instance'],
    reads: ['ecs.instances', 'ecs.instances.osType'],
    rationale:
      'Binding an SSH key pair to a Linux instance disables password authentication for it. Without one, password login stays possible ' +
      'whenever a password is set and sshd was not reconfigured by hand, and a password can be guessed, brute-forced or reused from another breach. ' +
      'The API shows neither keys added to authorized_keys by hand nor whether a password was ever set, so the finding says only that no key pair ' +
      'disables password login. It is raised for instances whose ' +
      '`OSType` is linux and whose `KeyPairName` is empty; Windows instances (which do not support key pairs) and instances of unknown ' +
      'OS type are not reported.',
    remediation:
      'ECS console > Network & Security > Key Pairs > the key pair > Bind Key Pair, select the instance, then restart it for the key to take effect ' +
      '(binding disables password logon). CLI: `aliyun ecs AttachKeyPair --RegionId <region> --KeyPairName <key-pair> --InstanceIds \'["<instance-id>"]\'` ' +
      'followed by `aliyun ecs RebootInstance --InstanceId <instance-id>`; create a key pair first with `aliyun ecs CreateKeyPair --RegionId <region> --KeyPairName <name>` ' +
      'or import one with `aliyun ecs ImportKeyPair --RegionId <region> --KeyPairName <name> --PublicKeyBody <public-key>`. Also set `PasswordAuthentication no` in /etc/ssh/sshd_config.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-attachkeypair',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describeinstances',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    for (const inst of ctx.inventory.ecs.instances) {
      if (inst.osType.trim().toLowerCase() !== 'linux') continue;
      if (inst.keyPairName !== null && inst.keyPairName.trim() !== '') continue;
      const label = inst.name ? `${inst.id} (${inst.name})` : inst.id;
      yield {
        resource: instanceResource(inst),
        message: `Linux instance ${label} has no SSH key pair bound, so password login is not disabled by one.`,
        evidence: {
          instanceId: inst.id,
          status: inst.status,
          osType: inst.osType,
          keyPairName: null,
        },
      };
    }
  },
});
