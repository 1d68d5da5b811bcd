import { defineRule, z } from 'ecs-audit';

export default defineRule({
  meta: {
    id: 'key-pair-unused',
    title: 'SSH key pair bound to no instance',
    severity: 'low',
    resourceTypes: ['key-pair'],
    reads: ['ecs.keyPairs', 'ecs.instances'],
    rationale:
      'A key pair that no instance uses is a credential nobody needs any more: it is often the key of a former employee, an old laptop or a ' +
      'finished project, and it can be bound to a new instance at any time by anyone allowed to. Key pairs are regional, so a key pair is ' +
      'reported only when the instances of its region were read completely; launch templates and scaling configurations that name the ' +
      'key pair are not instances and are not considered.',
    remediation:
      'Confirm that no launch template or scaling group still needs the key pair, then ECS console > Network & Security > Key Pairs > ' +
      'the key pair > Delete. CLI: `aliyun ecs DeleteKeyPairs --RegionId <region> --KeyPairNames \'["<key-pair>"]\'`.',
    references: [
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-describekeypairs',
      'https://www.alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-deletekeypairs',
    ],
    options: z.object({}),
  },
  *evaluate(ctx) {
    const inv = ctx.inventory;
    // A region whose instance list is incomplete (DescribeInstances failed) could hide a binding:
    // its key pairs are not evaluated (the engine lists them).
    const bound = new Set(
      inv.ecs.instances
        .filter((i) => i.keyPairName !== null && i.keyPairName.trim() !== '')
        .map((i) => `${i.region}\u0000${i.keyPairName}`),
    );
    for (const kp of inv.ecs.keyPairs) {
      if (!ctx.isComplete('ecs.instances', kp.region)) continue;
      if (bound.has(`${kp.region}\u0000${kp.name}`)) continue;
      yield {
        resource: { type: 'key-pair', id: kp.name, region: kp.region },
        message: `Key pair ${kp.name} in ${kp.region} is bound to no instance.`,
        evidence: {
          keyPairName: kp.name,
          fingerprint: kp.fingerprint || null,
          creationTime: kp.creationTime ?? null,
          instancesInRegion: inv.ecs.instances.filter((i) => i.region === kp.region).length,
        },
      };
    }
  },
});
