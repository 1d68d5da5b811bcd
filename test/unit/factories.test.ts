import { describe, expect, it } from 'vitest';
import { InventorySchema } from '../../src/inventory/schema.js';
import {
  makeDisk,
  makeInstance,
  makeInventory,
  makeRule,
  makeSecurityGroup,
  makeUser,
} from '../../src/testing/index.js';

describe('ecs-audit/testing factories', () => {
  it('fill safe defaults and keep what the case says', () => {
    const sg = makeSecurityGroup({ id: 'sg-web', rules: [makeRule({ portRange: '3389/3389' })] });
    expect(sg).toMatchObject({ id: 'sg-web', region: 'cn-hangzhou', vpcId: 'vpc-1' });
    expect(sg.rules?.[0]).toMatchObject({
      direction: 'ingress',
      portRange: '3389/3389',
      sourceCidrIp: '10.0.0.0/8',
      policy: 'Accept',
    });
    const i = makeInstance({ id: 'i-a', securityGroupIds: ['sg-web'], publicIps: ['203.0.113.9'] });
    // the primary interface follows the instance's groups and addresses
    expect(i.networkInterfaces?.[0]).toMatchObject({
      securityGroupIds: ['sg-web'],
      publicIps: ['203.0.113.9'],
    });
    expect(i.ramRoleName).toBeNull();
    expect(makeDisk({ encrypted: false })).toMatchObject({ id: 'd-1', encrypted: false });
    expect(makeUser({ name: 'bob' })).toMatchObject({
      name: 'bob',
      loginProfile: null,
      accessKeys: [],
    });
  });

  it('makeInventory is a valid inventory whose scanned regions are those of its resources', () => {
    const inv = makeInventory({
      ecs: {
        securityGroups: [makeSecurityGroup({ region: 'cn-shanghai' })],
        disks: [makeDisk()],
      },
      ram: { users: [makeUser()] },
    });
    expect(InventorySchema.safeParse(inv).success).toBe(true);
    expect(inv.scope.regions).toEqual(['cn-hangzhou', 'cn-shanghai']);
    expect(inv.regions.map((r) => r.id)).toEqual(['cn-hangzhou', 'cn-shanghai']);
    expect(inv.ram.users.map((u) => u.name)).toEqual(['alice']);
    expect(makeInventory().scope.regions).toEqual([]);
  });
});
