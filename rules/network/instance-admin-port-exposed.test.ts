import { testRule } from '../../src/testing/rule-tester.js';
import { ecs, from, group, instance, nic, rule } from '../../test/helpers/network.js';
import { acl, aclEntry, dnat, ipv6, natGateway, privateInstance } from '../../test/helpers/vpc.js';
import exposed from './instance-admin-port-exposed.js';

const PUBLIC = '47.96.10.10';
/** a running instance whose primary interface holds `groups` and a public IP */
const publicInstance = (groups: string[], overrides: Parameters<typeof instance>[1] = {}) =>
  instance('i-1', {
    securityGroupIds: groups,
    publicIps: [PUBLIC],
    vSwitchId: 'vsw-1',
    networkInterfaces: [nic('eni-1', groups, { publicIps: [PUBLIC], vSwitchId: 'vsw-1' })],
    ...overrides,
  });

const sshOpen = group('sg-open', [from('0.0.0.0/0', { id: 'sgr-ssh', priority: 10 })]);
const rdpOpen = group('sg-rdp', [
  from('0.0.0.0/0', { id: 'sgr-rdp', portRange: '3389/3389', priority: 10 }),
]);
const office = group('sg-office', [from('198.51.100.0/24', { id: 'sgr-office' })]);
const dropAll = group('sg-drop', [
  from('0.0.0.0/0', {
    id: 'sgr-drop',
    policy: 'Drop',
    ipProtocol: 'ALL',
    portRange: '-1/-1',
    priority: 1,
  }),
]);
const unknownRules = group('sg-unknown', undefined);
const plGroup = group('sg-pl', [rule({ sourcePrefixListId: 'pl-1', id: 'sgr-pl' })]);

const prefixList = (id: string, cidrs: string[]) => ({ id, region: 'cn-hangzhou', cidrs });
/** the fragment with the region's prefix lists and port lists */
function withLists(
  fragment: ReturnType<typeof ecs>,
  prefixLists: Array<{ id: string; region: string; cidrs?: string[] }>,
  portRangeLists: Array<{ id: string; region: string; ranges?: string[] }> = [],
) {
  return { ecs: { ...fragment.ecs, prefixLists, portRangeLists } };
}

testRule(exposed, {
  valid: [
    {
      // an IPv4 address is exposed by IPv4 sources only (IPv6 exposure needs an IPv6 address with Internet bandwidth)
      name: 'IPv6 ::/0 does not expose a public IPv4 address',
      inventory: ecs(
        [group('sg-v6', [rule({ ipv6SourceCidrIp: '::/0' })])],
        [publicInstance(['sg-v6'])],
      ),
    },
    {
      name: 'SSH from a prefix list holding an office /24',
      inventory: withLists(ecs([plGroup], [publicInstance(['sg-pl'])]), [
        prefixList('pl-1', ['198.51.100.0/24']),
      ]),
    },
    {
      name: 'SSH from a prefix list that could not be read: not evaluated, no finding',
      notEvaluated: ['i-1'],
      inventory: withLists(ecs([plGroup], [publicInstance(['sg-pl'])]), [
        { id: 'pl-1', region: 'cn-hangzhou' },
      ]),
    },
    {
      name: 'an open group on a secondary interface without a public address',
      inventory: ecs(
        [sshOpen, office],
        [
          instance('i-1', {
            securityGroupIds: ['sg-office'],
            publicIps: [PUBLIC],
            networkInterfaces: [
              nic('eni-1', ['sg-office'], { publicIps: [PUBLIC] }),
              nic('eni-2', ['sg-open'], { type: 'Secondary', privateIps: ['10.0.0.21'] }),
            ],
          }),
        ],
      ),
    },
    {
      name: 'stopped instance with a public IP and SSH open',
      inventory: ecs([sshOpen], [publicInstance(['sg-open'], { status: 'Stopped' })]),
    },
    {
      name: 'running instance without a public IP or EIP',
      inventory: ecs(
        [sshOpen],
        [
          instance('i-1', {
            securityGroupIds: ['sg-open'],
            networkInterfaces: [nic('eni-1', ['sg-open'])],
          }),
        ],
      ),
    },
    {
      name: 'public IP, SSH only from the office',
      inventory: ecs([office], [publicInstance(['sg-office'])]),
    },
    {
      name: 'a Drop in a second group of the interface closes the port',
      inventory: ecs([sshOpen, dropAll], [publicInstance(['sg-open', 'sg-drop'])]),
    },
    {
      name: 'network interfaces unknown: no finding',
      notEvaluated: ['i-1'],
      inventory: ecs(
        [sshOpen],
        [instance('i-1', { securityGroupIds: ['sg-open'], publicIps: [PUBLIC] })],
      ),
    },
    {
      name: 'rules of a group on the interface unknown: no finding',
      notEvaluated: ['i-1'],
      inventory: ecs([sshOpen, unknownRules], [publicInstance(['sg-open', 'sg-unknown'])]),
    },
    {
      name: 'a group on the interface missing from the inventory: no finding',
      notEvaluated: ['i-1'],
      inventory: ecs([sshOpen], [publicInstance(['sg-open', 'sg-elsewhere'])]),
    },
    {
      name: 'the open group is on an interface without a public address',
      inventory: ecs(
        [sshOpen, office],
        [
          instance('i-1', {
            securityGroupIds: ['sg-office'],
            publicIps: [PUBLIC],
            networkInterfaces: [
              nic('eni-1', ['sg-office'], { publicIps: [PUBLIC] }),
              nic('eni-2', ['sg-open'], { type: 'Secondary' }),
            ],
          }),
        ],
      ),
    },
    {
      name: 'UDP 22 is not SSH',
      inventory: ecs(
        [group('sg-udp', [from('0.0.0.0/0', { ipProtocol: 'UDP' })])],
        [publicInstance(['sg-udp'])],
      ),
    },
    {
      name: 'classic instance, intranet rule',
      inventory: ecs(
        [group('sg-classic', [from('0.0.0.0/0', { nicType: 'intranet' })], { vpcId: null })],
        [publicInstance(['sg-classic'], { networkType: 'classic', networkInterfaces: [] })],
      ),
    },
    {
      name: 'the group opens SSH only to a source group',
      inventory: ecs(
        [group('sg-peer', [rule({ sourceGroupId: 'sg-bastion' })])],
        [publicInstance(['sg-peer'])],
      ),
    },
    {
      name: 'a group of the same id in another region does not count',
      notEvaluated: ['i-1'],
      inventory: ecs(
        [group('sg-open', [from('0.0.0.0/0')], { region: 'ap-southeast-1' })],
        [publicInstance(['sg-open'])],
      ),
    },
    {
      name: 'IPv6 ::/0 opens SSH but the instance has only a public IPv4 address',
      inventory: ecs(
        [group('sg-v6', [rule({ ipv6SourceCidrIp: '::/0' })])],
        [publicInstance(['sg-v6'])],
      ),
    },
    {
      name: 'IPv6 ::/0 opens SSH, the IPv6 address has no Internet bandwidth (Private)',
      inventory: {
        ...ecs([group('sg-v6', [rule({ ipv6SourceCidrIp: '::/0' })])], [publicInstance(['sg-v6'])]),
        vpc: { ipv6Addresses: [ipv6('2408:4000::21', 'Private')] },
      },
    },
    {
      name: "the vSwitch's ACL drops 22 before accepting everything",
      inventory: {
        ...ecs([sshOpen], [publicInstance(['sg-open'])]),
        vpc: {
          networkAcls: [
            acl([aclEntry('drop', 'tcp', '22/22'), aclEntry('accept', 'all', '-1/-1')]),
          ],
        },
      },
    },
    {
      name: 'an ACL with no matching entry drops everything',
      inventory: {
        ...ecs([sshOpen], [publicInstance(['sg-open'])]),
        vpc: { networkAcls: [acl([aclEntry('accept', 'tcp', '80/80')])] },
      },
    },
    {
      name: 'the ACL names a prefix list that could not be read: unknown, no finding',
      notEvaluated: ['i-1'],
      inventory: {
        ...ecs([sshOpen], [publicInstance(['sg-open'])]),
        vpc: { networkAcls: [acl([aclEntry('accept', 'all', '-1/-1', 'pl-unknown')])] },
      },
    },
    {
      name: 'the network ACLs of the region could not be read: no finding',
      notEvaluated: ['i-1'],
      inventory: {
        ...ecs([sshOpen], [publicInstance(['sg-open'])]),
        coverage: [
          {
            service: 'vpc',
            region: 'cn-hangzhou',
            operation: 'DescribeNetworkAcls',
            error: { code: 'Forbidden.RAM', message: 'denied' },
          },
        ],
      },
    },
    {
      name: 'DNAT onto an interface that has a public IP of its own does not apply',
      inventory: {
        ...ecs(
          [sshOpen, office],
          [
            instance('i-1', {
              vpcId: 'vpc-1',
              privateIps: ['10.0.0.20'],
              publicIps: [PUBLIC],
              networkInterfaces: [
                nic('eni-1', ['sg-office'], { privateIps: ['10.0.0.20'], publicIps: [PUBLIC] }),
              ],
            }),
          ],
        ),
        vpc: { natGateways: [natGateway([dnat('2222', '22')])] },
      },
    },
    {
      name: 'DNAT of an intranet NAT gateway does not face the internet',
      inventory: {
        ...ecs([sshOpen], [privateInstance(['sg-open'])]),
        vpc: { natGateways: [natGateway([dnat('2222', '22')], { networkType: 'intranet' })] },
      },
    },
    {
      name: 'a DNAT entry that is not Available',
      inventory: {
        ...ecs([sshOpen], [privateInstance(['sg-open'])]),
        vpc: { natGateways: [natGateway([dnat('2222', '22', { status: 'Pending' })])] },
      },
    },
    {
      name: 'DNAT maps 8080 only; SSH open in the group is not reachable through it',
      inventory: {
        ...ecs([sshOpen], [privateInstance(['sg-open'])]),
        vpc: { natGateways: [natGateway([dnat('80', '8080')])] },
      },
    },
  ],
  invalid: [
    {
      name: 'running, public IP, SSH open to the world',
      inventory: ecs([sshOpen], [publicInstance(['sg-open'])]),
      findings: [
        {
          id: 'i-1',
          type: 'instance',
          region: 'cn-hangzhou',
          message:
            'Running instance i-1 (public 47.96.10.10) accepts TCP 22 (SSH) from the internet (100% of public IPv4) through security group sg-open.',
          evidence: {
            publicIps: [PUBLIC],
            ports: [22],
            interfaces: [
              {
                interfaceId: 'eni-1',
                securityGroupIds: ['sg-open'],
                ports: [22],
                exposures: [
                  {
                    port: 22,
                    ports: '22',
                    acceptedIpv4: ['0.0.0.0/0'],
                    acceptedBy: [
                      {
                        groupId: 'sg-open',
                        ruleId: 'sgr-ssh',
                        priority: 10,
                        policy: 'Accept',
                        portRange: '22/22',
                        source: '0.0.0.0/0',
                      },
                    ],
                  },
                ],
              },
            ],
          },
        },
      ],
    },
    {
      name: 'EIP only, RDP open',
      inventory: ecs(
        [rdpOpen],
        [
          instance('i-1', {
            securityGroupIds: ['sg-rdp'],
            eipAddress: '47.96.10.99',
            networkInterfaces: [nic('eni-1', ['sg-rdp'])],
          }),
        ],
      ),
      findings: [
        {
          id: 'i-1',
          message: /public 47\.96\.10\.99.*TCP 3389 \(RDP\)/,
          evidence: { ports: [3389], publicIps: ['47.96.10.99'] },
        },
      ],
    },
    {
      name: 'lower-case status running',
      inventory: ecs([sshOpen], [publicInstance(['sg-open'], { status: 'running' })]),
      findings: [{ id: 'i-1' }],
    },
    {
      name: 'a secondary interface with its own public IP and an open group',
      inventory: ecs(
        [sshOpen, office],
        [
          instance('i-1', {
            securityGroupIds: ['sg-office'],
            publicIps: [PUBLIC],
            networkInterfaces: [
              nic('eni-1', ['sg-office'], { publicIps: [PUBLIC] }),
              nic('eni-2', ['sg-open'], { type: 'Secondary', publicIps: ['47.96.20.20'] }),
            ],
          }),
        ],
      ),
      findings: [
        {
          id: 'i-1',
          message: /public 47\.96\.20\.20\)/,
          evidence: {
            publicIps: [PUBLIC, '47.96.20.20'],
            interfaces: [
              { interfaceId: 'eni-2', interfaceType: 'Secondary', publicIps: ['47.96.20.20'] },
            ],
          },
        },
      ],
    },
    {
      name: 'SSH from one group and RDP from another on the same interface',
      inventory: ecs([sshOpen, rdpOpen], [publicInstance(['sg-open', 'sg-rdp'])]),
      findings: [
        {
          id: 'i-1',
          message: 'through security groups sg-open, sg-rdp',
          evidence: { ports: [22, 3389] },
        },
      ],
    },
    {
      name: 'an Accept at higher priority in one group beats a Drop in another',
      inventory: ecs(
        [
          group('sg-early', [from('0.0.0.0/0', { priority: 1 })]),
          group('sg-late', [from('0.0.0.0/0', { policy: 'Drop', priority: 2 })]),
        ],
        [publicInstance(['sg-early', 'sg-late'])],
      ),
      findings: [{ id: 'i-1', evidence: { ports: [22] } }],
    },
    {
      name: 'a Drop in another group carves out only a /24',
      inventory: ecs(
        [
          sshOpen,
          group('sg-block', [
            from('203.0.113.0/24', { id: 'sgr-block', policy: 'Drop', priority: 1 }),
          ]),
        ],
        [publicInstance(['sg-open', 'sg-block'])],
      ),
      findings: [
        {
          id: 'i-1',
          evidence: {
            interfaces: [
              {
                exposures: [
                  {
                    acceptedIpv4: ['0.0.0.0-203.0.112.255', '203.0.114.0-255.255.255.255'],
                    carvedOutBy: [
                      {
                        groupId: 'sg-block',
                        ruleId: 'sgr-block',
                        policy: 'Drop',
                        priority: 1,
                        removedIpv4: ['203.0.113.0/24'],
                      },
                    ],
                  },
                ],
              },
            ],
          },
        },
      ],
    },
    {
      name: 'SSH from a prefix list holding 0.0.0.0/0',
      inventory: withLists(ecs([plGroup], [publicInstance(['sg-pl'])]), [
        prefixList('pl-1', ['0.0.0.0/0']),
      ]),
      findings: [
        {
          id: 'i-1',
          evidence: {
            interfaces: [{ publicIps: [PUBLIC], exposures: [{ acceptedIpv4: ['0.0.0.0/0'] }] }],
          },
        },
      ],
    },
    {
      name: "SSH from a prefix list holding 0.0.0.0/0: the list's rule and group are named",
      inventory: withLists(ecs([plGroup], [publicInstance(['sg-pl'])]), [
        prefixList('pl-1', ['0.0.0.0/0']),
      ]),
      findings: [
        {
          id: 'i-1',
          message: /through security group sg-pl\./,
          evidence: {
            path: [
              { kind: 'address', address: PUBLIC, ports: '22' },
              { kind: 'group-rule', groupId: 'sg-pl', ruleId: 'sgr-pl', source: 'pl-1' },
              { kind: 'interface', interfaceId: 'eni-1' },
              { kind: 'instance', instanceId: 'i-1' },
            ],
          },
        },
      ],
    },
    {
      name: 'RDP through a port list, from the world',
      inventory: withLists(
        ecs(
          [
            group('sg-prl', [
              from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-1', id: 'sgr-prl' }),
            ]),
          ],
          [publicInstance(['sg-prl'])],
        ),
        [],
        [{ id: 'prl-1', region: 'cn-hangzhou', ranges: ['80/80', '3389/3389'] }],
      ),
      findings: [{ id: 'i-1', message: 'TCP 3389 (RDP)', evidence: { ports: [3389] } }],
    },
    {
      name: 'an EIP on a secondary interface whose own group opens SSH: that address is named',
      inventory: ecs(
        [sshOpen, office],
        [
          instance('i-1', {
            securityGroupIds: ['sg-office'],
            publicIps: [PUBLIC],
            networkInterfaces: [
              nic('eni-1', ['sg-office'], { publicIps: [PUBLIC] }),
              nic('eni-2', ['sg-open'], { type: 'Secondary', publicIps: ['47.0.0.21'] }),
            ],
          }),
        ],
      ),
      findings: [
        {
          id: 'i-1',
          message: '47.0.0.21',
          evidence: {
            interfaces: [{ interfaceId: 'eni-2', publicIps: ['47.0.0.21'] }],
          },
        },
      ],
    },
    {
      name: 'IPv6 ::/0 opens SSH on an instance with a public IPv6 address',
      inventory: {
        ...ecs([group('sg-v6', [rule({ ipv6SourceCidrIp: '::/0' })])], [publicInstance(['sg-v6'])]),
        vpc: { ipv6Addresses: [ipv6('2408:4000::21', 'Public')] },
      },
      findings: [
        {
          id: 'i-1',
          message: '100% of global IPv6',
          evidence: {
            interfaces: [
              {
                exposures: [{ ipv6Coverage: 1, acceptedIpv6: ['::/0'] }],
                entryPoints: [{ kind: 'ipv6', address: '2408:4000::21' }],
              },
            ],
          },
        },
      ],
    },
    {
      name: 'DNAT 2222→22 onto a private instance, SSH open',
      inventory: {
        ...ecs([sshOpen], [privateInstance(['sg-open'])]),
        vpc: { natGateways: [natGateway([dnat('2222', '22')])] },
      },
      findings: [
        {
          id: 'i-1',
          message: /public 47\.0\.0\.99:2222 \(DNAT ngw-1\)/,
          evidence: {
            ports: [22],
            path: [
              { kind: 'address', address: '47.0.0.99', ports: '2222' },
              { kind: 'dnat', natGatewayId: 'ngw-1', entryId: 'fwd-1', internalPort: '22' },
              { kind: 'group-rule', groupId: 'sg-open' },
              { kind: 'interface', interfaceId: 'eni-1' },
              { kind: 'instance', instanceId: 'i-1' },
            ],
          },
        },
      ],
    },
    {
      name: 'an ACL that accepts 22 from everywhere: the deciding entry is in the path',
      inventory: {
        ...ecs([sshOpen], [publicInstance(['sg-open'])]),
        vpc: {
          networkAcls: [
            acl([aclEntry('drop', 'tcp', '3389/3389'), aclEntry('accept', 'all', '-1/-1')]),
          ],
        },
      },
      findings: [
        {
          id: 'i-1',
          evidence: {
            path: [
              { kind: 'address', address: PUBLIC, ports: '22' },
              { kind: 'acl', aclId: 'nacl-1', position: 2 },
              { kind: 'group-rule', groupId: 'sg-open' },
              { kind: 'interface', interfaceId: 'eni-1' },
              { kind: 'instance', instanceId: 'i-1' },
            ],
          },
        },
      ],
    },
    {
      name: 'classic instance (no interfaces listed), internet rule',
      inventory: ecs(
        [group('sg-classic', [from('0.0.0.0/0', { nicType: 'internet' })], { vpcId: null })],
        [publicInstance(['sg-classic'], { networkType: 'classic', networkInterfaces: [] })],
      ),
      findings: [
        { id: 'i-1', evidence: { interfaces: [{ interfaceId: null, interfaceType: 'instance' }] } },
      ],
    },
    {
      name: 'a managed group opens SSH: reported, and says so',
      inventory: ecs(
        [group('sg-managed', [from('0.0.0.0/0')], { serviceManaged: true })],
        [publicInstance(['sg-managed'])],
      ),
      findings: [
        {
          id: 'i-1',
          message: /sg-managed is a managed security group \(ServiceManaged\)/,
          evidence: { interfaces: [{ managedGroupIds: ['sg-managed'] }] },
        },
      ],
    },
    {
      name: 'one public interface unknown, another open: the known exposure is reported',
      inventory: ecs(
        [sshOpen, unknownRules],
        [
          instance('i-1', {
            securityGroupIds: ['sg-unknown'],
            publicIps: [PUBLIC],
            networkInterfaces: [
              nic('eni-1', ['sg-unknown'], { publicIps: [PUBLIC] }),
              nic('eni-2', ['sg-open'], { type: 'Secondary', publicIps: ['47.96.20.20'] }),
            ],
          }),
        ],
      ),
      findings: [
        {
          id: 'i-1',
          evidence: {
            interfaces: [{ interfaceId: 'eni-2' }],
            unevaluatedInterfaces: [{ interfaceId: 'eni-1', securityGroupIds: ['sg-unknown'] }],
          },
        },
      ],
    },
    {
      name: 'a custom port list',
      inventory: ecs(
        [group('sg-alt', [from('0.0.0.0/0', { portRange: '2222/2222' })])],
        [publicInstance(['sg-alt'])],
      ),
      options: { tcpPorts: [2222] },
      findings: [{ id: 'i-1', evidence: { ports: [2222] } }],
    },
    {
      name: 'several instances: only the exposed one',
      inventory: ecs(
        [sshOpen, office],
        [publicInstance(['sg-open']), { ...publicInstance(['sg-office']), id: 'i-2' }],
      ),
      findings: [{ id: 'i-1' }],
    },
  ],
});
