import { testRule } from '../../src/testing/rule-tester.js';
import { ecs, from, group, rule } from '../../test/helpers/network.js';
import allPorts from './sg-all-ports-open-to-internet.js';

const one = (rules: Parameters<typeof group>[1], extra: Parameters<typeof group>[2] = {}) =>
  ecs([group('sg-1', rules, extra)]);
const ALL = { ipProtocol: 'ALL', portRange: '-1/-1' };

testRule(allPorts, {
  valid: [
    { name: 'a single port open', inventory: one([from('0.0.0.0/0', { portRange: '443/443' })]) },
    {
      name: 'TCP 1/65534 misses a port',
      inventory: one([from('0.0.0.0/0', { portRange: '1/65534' })]),
    },
    {
      name: 'a Drop at higher priority closes one port',
      inventory: one([
        from('0.0.0.0/0', { ...ALL, priority: 10 }),
        from('0.0.0.0/0', { policy: 'Drop', portRange: '22/22', priority: 1 }),
        from('0.0.0.0/0', { policy: 'Drop', ipProtocol: 'UDP', portRange: '53/53', priority: 1 }),
      ]),
    },
    {
      name: 'Drop and Accept at equal priority',
      inventory: one([
        from('0.0.0.0/0', { ...ALL, priority: 3 }),
        from('0.0.0.0/0', { ...ALL, policy: 'drop', priority: 3 }),
      ]),
    },
    { name: 'ALL -1/-1 from 47.0.0.0/8', inventory: one([from('47.0.0.0/8', ALL)]) },
    { name: 'ALL -1/-1 from an office /24', inventory: one([from('198.51.100.0/24', ALL)]) },
    {
      name: 'ALL -1/-1 from a source group',
      inventory: one([rule({ ...ALL, sourceGroupId: 'sg-2' })]),
    },
    {
      name: 'egress ALL -1/-1 to anywhere',
      inventory: one([rule({ ...ALL, direction: 'egress', destCidrIp: '0.0.0.0/0' })]),
    },
    {
      name: 'classic intranet ALL',
      inventory: one([from('0.0.0.0/0', { ...ALL, nicType: 'intranet' })], { vpcId: null }),
    },
    {
      name: 'ICMP -1/-1 is not TCP or UDP',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'ICMP', portRange: '-1/-1' })]),
    },
    { name: 'rules unknown', notEvaluated: ['sg-1'], inventory: one(undefined) },
  ],
  invalid: [
    {
      name: 'ALL -1/-1 from 0.0.0.0/0',
      inventory: one([from('0.0.0.0/0', ALL)]),
      findings: [
        {
          id: 'sg-1',
          message: 'every TCP and every UDP port',
          evidence: { protocols: ['tcp', 'udp'] },
        },
      ],
    },
    {
      name: 'TCP 1/65535 from 0.0.0.0/0',
      inventory: one([from('0.0.0.0/0', { portRange: '1/65535' })]),
      findings: [
        {
          id: 'sg-1',
          evidence: { protocols: ['tcp'], exposures: [{ ports: '1-65535', ipv4Coverage: 1 }] },
        },
      ],
    },
    {
      name: 'two rules covering 1-100 and 101-65535',
      inventory: one([
        from('0.0.0.0/0', { portRange: '1/100' }),
        from('0.0.0.0/0', { portRange: '101/65535' }),
      ]),
      findings: [{ id: 'sg-1', evidence: { protocols: ['tcp'] } }],
    },
    {
      name: 'Accept at higher priority beats a Drop',
      inventory: one([
        from('0.0.0.0/0', { ...ALL, priority: 1 }),
        from('0.0.0.0/0', { ...ALL, policy: 'Drop', priority: 2 }),
      ]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: '0.0.0.0/1 + 128.0.0.0/1 on UDP',
      inventory: one([
        from('0.0.0.0/1', { ipProtocol: 'udp', portRange: '-1/-1' }),
        from('128.0.0.0/1', { ipProtocol: 'udp', portRange: '-1/-1' }),
      ]),
      findings: [{ id: 'sg-1', evidence: { protocols: ['udp'] } }],
    },
    {
      name: '0.0.0.0/0 with a /24 Drop carved out',
      inventory: one([
        from('0.0.0.0/0', { ...ALL, priority: 2 }),
        from('203.0.113.0/24', { ...ALL, policy: 'Drop' }),
      ]),
      // ALL opens TCP and UDP alike: one exposure entry per protocol, each naming the Drop and what it removed
      findings: [
        {
          id: 'sg-1',
          evidence: {
            protocols: ['tcp', 'udp'],
            exposures: [
              {
                protocol: 'tcp',
                ports: '1-65535',
                acceptedIpv4: ['0.0.0.0-203.0.112.255', '203.0.114.0-255.255.255.255'],
                acceptedBy: [{ policy: 'Accept', priority: 2, source: '0.0.0.0/0' }],
                carvedOutBy: [
                  {
                    policy: 'Drop',
                    priority: 1,
                    source: '203.0.113.0/24',
                    removedIpv4: ['203.0.113.0/24'],
                  },
                ],
              },
              { protocol: 'udp', carvedOutBy: [{ source: '203.0.113.0/24' }] },
            ],
          },
        },
      ],
    },
    {
      name: '::/0 ALL',
      inventory: one([rule({ ...ALL, ipv6SourceCidrIp: '::/0' })]),
      findings: [
        {
          id: 'sg-1',
          evidence: {
            protocols: ['tcp', 'udp'],
            exposures: [
              { protocol: 'tcp', ipv4Coverage: 0, ipv6Coverage: 1, acceptedIpv6: ['::/0'] },
              { protocol: 'udp', ipv4Coverage: 0, ipv6Coverage: 1, acceptedIpv6: ['::/0'] },
            ],
          },
        },
      ],
    },
    {
      name: 'TCP -1/-1 means every port',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'tcp', portRange: '-1/-1' })]),
      findings: [{ id: 'sg-1', evidence: { protocols: ['tcp'] } }],
    },
    {
      name: 'classic internet rule',
      inventory: one([from('0.0.0.0/0', { ...ALL, nicType: 'internet' })], { vpcId: null }),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'lower-case all / accept, numeric protocol -1',
      inventory: one([
        from('0.0.0.0/0', { ipProtocol: '-1', portRange: '-1/-1', policy: 'accept' }),
      ]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'managed group',
      inventory: one([from('0.0.0.0/0', ALL)], { serviceManaged: true }),
      findings: [{ id: 'sg-1', message: /managed/, evidence: { serviceManaged: true } }],
    },
  ],
});
