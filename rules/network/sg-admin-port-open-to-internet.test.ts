import { expect } from 'vitest';
import { testRule } from '../../src/testing/rule-tester.js';
import { ecs, from, group, rule } from '../../test/helpers/network.js';
import adminPort from './sg-admin-port-open-to-internet.js';

const one = (rules: Parameters<typeof group>[1], extra: Parameters<typeof group>[2] = {}) =>
  ecs([group('sg-1', rules, extra)]);
/** one group with the region's prefix lists (cidrs absent = could not be read) and port lists */
const withLists = (
  rules: Parameters<typeof group>[1],
  prefixLists: Array<{ id: string; cidrs?: string[] }>,
  portRangeLists: Array<{ id: string; ranges?: string[] }> = [],
) => ({
  ecs: {
    ...one(rules).ecs,
    prefixLists: prefixLists.map((l) => ({ region: 'cn-hangzhou', ...l })),
    portRangeLists: portRangeLists.map((l) => ({ region: 'cn-hangzhou', ...l })),
  },
});
const fromList = rule({ sourcePrefixListId: 'pl-1', id: 'sgr-pl' });

testRule(adminPort, {
  valid: [
    {
      name: 'a Drop at higher priority closes the Accept',
      inventory: one([
        from('0.0.0.0/0', { priority: 2 }),
        from('0.0.0.0/0', { policy: 'Drop', priority: 1 }),
      ]),
    },
    {
      name: 'a Drop of every source port (-1/-1) and every destination still closes the Accept',
      inventory: one([
        from('0.0.0.0/0', { priority: 100 }),
        from('0.0.0.0/0', {
          policy: 'Drop',
          priority: 1,
          sourcePortRange: '-1/-1',
          destCidrIp: '0.0.0.0/0',
        }),
      ]),
    },
    {
      name: 'Drop and Accept at equal priority: Drop wins',
      inventory: one([
        from('0.0.0.0/0', { priority: 5 }),
        from('0.0.0.0/0', { policy: 'Drop', priority: 5 }),
      ]),
    },
    { name: '47.0.0.0/8 is not the internet', inventory: one([from('47.0.0.0/8')]) },
    { name: 'an office /24', inventory: one([from('203.0.113.0/24', { portRange: '3389/3389' })]) },
    {
      name: '128.0.0.0/1 alone covers less than half of public IPv4',
      inventory: one([from('128.0.0.0/1')]),
    },
    { name: 'UDP 22 is not SSH', inventory: one([from('0.0.0.0/0', { ipProtocol: 'UDP' })]) },
    { name: 'a source security group', inventory: one([rule({ sourceGroupId: 'sg-bastion' })]) },
    {
      name: 'a prefix list not in the inventory: unknown, no finding',
      inventory: one([rule({ sourcePrefixListId: 'pl-123' })]),
    },
    {
      name: 'a prefix list holding an office /24',
      inventory: withLists([fromList], [{ id: 'pl-1', cidrs: ['203.0.113.0/24'] }]),
    },
    {
      name: 'a prefix list whose entries could not be read: unknown, no finding',
      inventory: withLists([fromList], [{ id: 'pl-1' }]),
    },
    {
      name: 'a Drop from a prefix list holding 0.0.0.0/0 closes the Accept',
      inventory: withLists(
        [
          from('0.0.0.0/0', { priority: 2 }),
          rule({ sourcePrefixListId: 'pl-1', policy: 'Drop', priority: 1 }),
        ],
        [{ id: 'pl-1', cidrs: ['0.0.0.0/0'] }],
      ),
    },
    {
      name: 'a port list without 22 or 3389',
      inventory: withLists(
        [from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-1' })],
        [],
        [{ id: 'prl-1', ranges: ['80/80', '443/443'] }],
      ),
    },
    {
      name: 'a port list that could not be read: unknown, no finding',
      inventory: withLists(
        [from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-1' })],
        [],
        [{ id: 'prl-1' }],
      ),
    },
    {
      name: 'an egress rule is ignored',
      inventory: one([
        rule({ direction: 'egress', destCidrIp: '0.0.0.0/0', sourceCidrIp: '0.0.0.0/0' }),
      ]),
    },
    {
      name: 'classic group: an intranet rule does not face the internet',
      inventory: one([from('0.0.0.0/0', { nicType: 'intranet' })], { vpcId: null }),
    },
    {
      name: 'a port range without 22 or 3389',
      inventory: one([from('0.0.0.0/0', { portRange: '80/443' })]),
    },
    {
      name: 'ICMP from anywhere',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'ICMP', portRange: '-1/-1' })]),
    },
    { name: 'rules unknown: no finding', notEvaluated: ['sg-1'], inventory: one(undefined) },
    { name: 'a masked CIDR is ignored, not a crash', inventory: one([from('120.25. XX.XXX')]) },
    {
      name: 'IPv6 Drop ::/0 at higher priority closes IPv6 Accept',
      inventory: one([
        rule({ ipv6SourceCidrIp: '::/0', priority: 10 }),
        rule({ ipv6SourceCidrIp: '::/0', policy: 'Drop', priority: 9 }),
      ]),
    },
    {
      name: 'a port outside the custom option list',
      inventory: one([from('0.0.0.0/0')]),
      options: { tcpPorts: [2222] },
    },
  ],
  invalid: [
    {
      // ECS quintuple rules: an attacker picks a source port outside 1-1023
      name: 'a Drop of source ports 1-1023 only does not close SSH open to the internet',
      inventory: one([
        from('0.0.0.0/0', { priority: 100 }),
        from('0.0.0.0/0', { policy: 'Drop', priority: 1, sourcePortRange: '1/1023', id: 'sgr-q' }),
      ]),
      findings: [
        {
          id: 'sg-1',
          evidence: {
            ports: [22],
            notes: [
              {
                ruleId: 'sgr-q',
                message: expect.stringMatching(
                  /^Drop limited to source ports 1\/1023: not counted/,
                ),
              },
            ],
          },
        },
      ],
    },
    {
      name: 'a Drop of one destination address does not close the port for the group',
      inventory: one([
        from('0.0.0.0/0', { priority: 100 }),
        from('0.0.0.0/0', { policy: 'Drop', priority: 1, destCidrIp: '10.0.0.99/32' }),
      ]),
      findings: [{ id: 'sg-1', evidence: { ports: [22] } }],
    },
    {
      name: 'a prefix list holding 0.0.0.0/0',
      inventory: withLists([fromList], [{ id: 'pl-1', cidrs: ['0.0.0.0/0'] }]),
      findings: [
        {
          id: 'sg-1',
          evidence: {
            ports: [22],
            exposures: [{ acceptedBy: [{ ruleId: 'sgr-pl', source: 'pl-1' }] }],
          },
        },
      ],
    },
    {
      name: 'a port list holding 3389, from the world; the real PortRange of another rule decides',
      inventory: withLists(
        [
          from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-1', id: 'sgr-prl' }),
          // a real range beats the list id: port 8080 only
          from('0.0.0.0/0', { portRange: '8080/8080', portRangeListId: 'prl-2' }),
        ],
        [],
        [
          { id: 'prl-1', ranges: ['3389/3389'] },
          { id: 'prl-2', ranges: ['22/22'] },
        ],
      ),
      findings: [
        {
          id: 'sg-1',
          message: 'TCP 3389 (RDP)',
          evidence: {
            ports: [3389],
            exposures: [{ acceptedBy: [{ ruleId: 'sgr-prl', portRangeListId: 'prl-1' }] }],
          },
        },
      ],
    },
    {
      name: 'an unreadable list on another port does not hide an open SSH',
      inventory: withLists(
        [from('0.0.0.0/0'), rule({ sourcePrefixListId: 'pl-1', portRange: '3389/3389' })],
        [{ id: 'pl-1' }],
      ),
      findings: [{ id: 'sg-1', evidence: { ports: [22] } }],
    },
    {
      name: 'TCP 22 from 0.0.0.0/0',
      inventory: one([from('0.0.0.0/0', { id: 'sgr-1' })]),
      findings: [
        {
          id: 'sg-1',
          message: 'TCP 22 (SSH)',
          evidence: {
            ports: [22],
            serviceManaged: false,
            exposures: [
              {
                port: 22,
                ipv4Coverage: 1,
                acceptedIpv4: ['0.0.0.0/0'],
                acceptedBy: [
                  { ruleId: 'sgr-1', priority: 1, policy: 'Accept', source: '0.0.0.0/0' },
                ],
              },
            ],
          },
        },
      ],
    },
    {
      name: 'an Accept at higher priority beats a Drop',
      inventory: one([
        from('0.0.0.0/0', { priority: 1 }),
        from('0.0.0.0/0', { policy: 'Drop', priority: 2 }),
      ]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: '0.0.0.0/1 + 128.0.0.0/1',
      inventory: one([from('0.0.0.0/1'), from('128.0.0.0/1')]),
      findings: [{ id: 'sg-1', evidence: { exposures: [{ ipv4Coverage: 1 }] } }],
    },
    {
      name: '0.0.0.0/1 alone covers more than half of public IPv4',
      inventory: one([from('0.0.0.0/1')]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: '0.0.0.0/0 with a small Drop carved out is still open',
      inventory: one([
        from('0.0.0.0/0', { priority: 2 }),
        from('198.51.100.0/24', { policy: 'Drop', priority: 1 }),
      ]),
      findings: [
        {
          id: 'sg-1',
          evidence: {
            exposures: [
              {
                acceptedIpv4: ['0.0.0.0-198.51.99.255', '198.51.101.0-255.255.255.255'],
                carvedOutBy: [
                  { policy: 'Drop', source: '198.51.100.0/24', removedIpv4: ['198.51.100.0/24'] },
                ],
              },
            ],
          },
        },
      ],
    },
    {
      name: '::/0',
      inventory: one([rule({ ipv6SourceCidrIp: '::/0' })]),
      findings: [
        {
          id: 'sg-1',
          evidence: { exposures: [{ ipv4Coverage: 0, ipv6Coverage: 1, acceptedIpv6: ['::/0'] }] },
        },
      ],
    },
    {
      name: 'a port range containing 22',
      inventory: one([from('0.0.0.0/0', { portRange: '1/1024' })]),
      findings: [{ id: 'sg-1', evidence: { ports: [22] } }],
    },
    {
      name: 'ALL -1/-1 opens 22 and 3389',
      inventory: one([from('0.0.0.0/0', { ipProtocol: 'ALL', portRange: '-1/-1' })]),
      findings: [{ id: 'sg-1', evidence: { ports: [22, 3389] } }],
    },
    {
      name: 'IANA protocol number 6 is TCP',
      inventory: one([from('0.0.0.0/0', { ipProtocol: '6', portRange: '3389/3389' })]),
      findings: [{ id: 'sg-1', evidence: { ports: [3389] } }],
    },
    {
      name: 'classic group: an internet rule faces the internet',
      inventory: one([from('0.0.0.0/0', { nicType: 'internet' })], { vpcId: null }),
      findings: [{ id: 'sg-1', evidence: { networkType: 'classic' } }],
    },
    {
      name: 'lower-case accept / tcp',
      inventory: one([from('0.0.0.0/0', { policy: 'accept', ipProtocol: 'tcp' })]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'a managed group is reported, and says so',
      inventory: one([from('0.0.0.0/0')], { serviceManaged: true }),
      findings: [{ id: 'sg-1', message: /managed/, evidence: { serviceManaged: true } }],
    },
    {
      name: 'a Drop of a source group does not close the internet',
      inventory: one([
        from('0.0.0.0/0', { priority: 2 }),
        rule({ sourceGroupId: 'sg-x', policy: 'Drop' }),
      ]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'a Drop at lower priority does not close the Accept',
      inventory: one([
        from('0.0.0.0/0', { priority: 50 }),
        from('0.0.0.0/0', { policy: 'Drop', priority: 100 }),
      ]),
      findings: [{ id: 'sg-1' }],
    },
    {
      name: 'only the flagged group of several',
      inventory: ecs([group('sg-1', [from('10.0.0.0/8')]), group('sg-2', [from('0.0.0.0/0')])]),
      findings: [{ id: 'sg-2' }],
    },
    {
      name: 'a custom admin port list',
      inventory: one([from('0.0.0.0/0', { portRange: '2222/2222' })]),
      options: { tcpPorts: [2222] },
      findings: [{ id: 'sg-1', evidence: { ports: [2222] } }],
    },
  ],
});
