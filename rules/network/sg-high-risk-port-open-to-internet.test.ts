import { testRule } from '../../src/testing/rule-tester.js';
import { ecs, from, group, rule } from '../../test/helpers/network.js';
import highRisk from './sg-high-risk-port-open-to-internet.js';

const one = (rules: Parameters<typeof group>[1], extra: Parameters<typeof group>[2] = {}) =>
  ecs([group('sg-1', rules, extra)]);
const mysql = { portRange: '3306/3306' };

testRule(highRisk, {
  valid: [
    { name: 'HTTPS only', inventory: one([from('0.0.0.0/0', { portRange: '443/443' })]) },
    { name: 'SSH is not in this list', inventory: one([from('0.0.0.0/0')]) },
    {
      name: 'a Drop at higher priority closes MySQL',
      inventory: one([
        from('0.0.0.0/0', { ...mysql, priority: 2 }),
        from('0.0.0.0/0', { ...mysql, policy: 'Drop', priority: 1 }),
      ]),
    },
    {
      name: 'Drop and Accept at equal priority',
      inventory: one([
        from('0.0.0.0/0', { ...mysql, priority: 7 }),
        from('0.0.0.0/0', { ...mysql, policy: 'DROP', priority: 7 }),
      ]),
    },
    { name: 'MySQL from 47.0.0.0/8', inventory: one([from('47.0.0.0/8', mysql)]) },
    { name: 'MySQL from the office /24', inventory: one([from('198.51.100.0/24', mysql)]) },
    {
      name: 'MySQL from the app security group',
      inventory: one([rule({ ...mysql, sourceGroupId: 'sg-app' })]),
    },
    {
      name: 'TCP 53 is not the UDP DNS port',
      inventory: one([from('0.0.0.0/0', { portRange: '53/53' })]),
    },
    {
      name: 'UDP 3306 is not MySQL',
      inventory: one([from('0.0.0.0/0', { ...mysql, ipProtocol: 'UDP' })]),
    },
    {
      name: 'egress MySQL',
      inventory: one([rule({ ...mysql, direction: 'egress', destCidrIp: '0.0.0.0/0' })]),
    },
    {
      name: 'classic intranet Redis',
      inventory: one([from('0.0.0.0/0', { portRange: '6379/6379' })], { vpcId: null }),
    },
    { name: 'rules unknown', notEvaluated: ['sg-1'], inventory: one(undefined) },
    {
      name: 'a port dropped from the option list',
      inventory: one([from('0.0.0.0/0', { portRange: '8080/8080' })]),
      options: { tcpPorts: [3306] },
    },
  ],
  invalid: [
    {
      name: 'MySQL from 0.0.0.0/0',
      inventory: one([from('0.0.0.0/0', mysql)]),
      findings: [
        {
          id: 'sg-1',
          message: 'TCP 3306 (MySQL)',
          evidence: {
            ports: { tcp: [3306], udp: [] },
            exposures: [{ openPorts: [3306], ipv4Coverage: 1 }],
          },
        },
      ],
    },
    {
      name: 'UDP 53 and 161 from 0.0.0.0/0',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'UDP', portRange: '53/161' })]),
      findings: [{ id: 'sg-1', evidence: { ports: { tcp: [], udp: [53, 137, 138, 161] } } }],
    },
    {
      name: 'Accept at higher priority beats a Drop',
      inventory: one([
        from('0.0.0.0/0', { ...mysql, priority: 1 }),
        from('0.0.0.0/0', { ...mysql, policy: 'Drop', priority: 2 }),
      ]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: '0.0.0.0/1 + 128.0.0.0/1 on Redis',
      inventory: one([
        from('0.0.0.0/1', { portRange: '6379/6379' }),
        from('128.0.0.0/1', { portRange: '6379/6379' }),
      ]),
      findings: [{ id: 'sg-1', evidence: { ports: { tcp: [6379] } } }],
    },
    {
      name: '0.0.0.0/0 with a /24 Drop carved out',
      inventory: one([
        from('0.0.0.0/0', { ...mysql, priority: 2 }),
        from('203.0.113.0/24', { ...mysql, policy: 'Drop' }),
      ]),
      findings: [
        {
          id: 'sg-1',
          evidence: { exposures: [{ carvedOutBy: [{ removedIpv4: ['203.0.113.0/24'] }] }] },
        },
      ],
    },
    {
      name: '::/0 on MongoDB',
      inventory: one([rule({ portRange: '27017/27017', ipv6SourceCidrIp: '::/0' })]),
      findings: [{ id: 'sg-1', evidence: { ports: { tcp: [27017] } } }],
    },
    {
      name: 'ALL -1/-1 opens every listed port',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'ALL', portRange: '-1/-1' })]),
      findings: [
        {
          id: 'sg-1',
          message: /and \d+ more/,
          evidence: {
            ports: {
              tcp: [
                20, 21, 23, 25, 110, 135, 139, 143, 445, 1433, 1434, 1521, 2375, 2379, 3306, 5432,
                5900, 5984, 6379, 7001, 8080, 9200, 9300, 11211, 27017, 50070,
              ],
              udp: [53, 137, 138, 161, 11211],
            },
          },
        },
      ],
    },
    {
      name: 'a range covering 1433-1434',
      inventory: one([from('0.0.0.0/0', { portRange: '1400/1500' })]),
      // 1400/1500 holds 1433 and 1434 but not 1521 (Oracle)
      findings: [
        {
          id: 'sg-1',
          evidence: {
            ports: { tcp: [1433, 1434], udp: [] },
            exposures: [{ openPorts: [1433, 1434], ports: '1400-1500' }],
          },
        },
      ],
    },
    {
      name: 'classic internet rule',
      inventory: one([from('0.0.0.0/0', { ...mysql, nicType: 'internet' })], { vpcId: null }),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'lower-case accept / tcp',
      inventory: one([from('0.0.0.0/0', { ...mysql, ipProtocol: 'tcp', policy: 'accept' })]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'managed group',
      inventory: one([from('0.0.0.0/0', mysql)], { serviceManaged: true }),
      findings: [{ id: 'sg-1', message: /managed/ }],
    },
    {
      name: 'a custom UDP list',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'udp', portRange: '500/500' })]),
      options: { udpPorts: [500] },
      findings: [{ id: 'sg-1', evidence: { ports: { udp: [500] } } }],
    },
  ],
});
