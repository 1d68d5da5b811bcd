import { type InventoryFragment, testRule } from '../../src/testing/rule-tester.js';
import { ecs, from, group, instance, nic, rule as sgRule } from '../../test/helpers/network.js';
import { acl, aclEntry, ipv6 } from '../../test/helpers/vpc.js';
import rule from './instance-public-address-unused.js';

const PUBLIC = '47.0.0.10';
const web = (overrides: Parameters<typeof instance>[1] = {}) =>
  instance('i-1', {
    securityGroupIds: ['sg-1'],
    publicIps: [PUBLIC],
    vSwitchId: 'vsw-1',
    networkInterfaces: [nic('eni-1', ['sg-1'], { publicIps: [PUBLIC], vSwitchId: 'vsw-1' })],
    ...overrides,
  });
const httpsOpen = group('sg-1', [from('0.0.0.0/0', { portRange: '443/443' })]);
const nothingOpen = group('sg-1', [from('198.51.100.0/24')]);
/** the fragment with the region's prefix lists and port lists */
const withLists = (
  fragment: InventoryFragment,
  prefixLists: Array<{ id: string; cidrs?: string[] }>,
  portRangeLists: Array<{ id: string; ranges?: string[] }> = [],
): InventoryFragment => ({
  ...fragment,
  ecs: {
    ...fragment.ecs,
    prefixLists: prefixLists.map((l) => ({ region: 'cn-hangzhou', ...l })),
    portRangeLists: portRangeLists.map((l) => ({ region: 'cn-hangzhou', ...l })),
  },
});
/** SSH only from a prefix list */
const sshFromList = group('sg-1', [sgRule({ sourcePrefixListId: 'pl-x' })]);

testRule(rule, {
  valid: [
    {
      name: 'a public IP serving HTTPS to the internet',
      inventory: ecs([httpsOpen], [web()]),
    },
    {
      name: 'no public address at all',
      inventory: ecs(
        [nothingOpen],
        [web({ publicIps: [], networkInterfaces: [nic('eni-1', ['sg-1'])] })],
      ),
    },
    {
      name: 'stopped instance',
      inventory: ecs([nothingOpen], [web({ status: 'Stopped' })]),
    },
    {
      name: 'interfaces unknown',
      notEvaluated: ['i-1'],
      inventory: ecs([nothingOpen], [web({ networkInterfaces: undefined })]),
    },
    {
      name: "the group's rules unknown",
      notEvaluated: ['i-1'],
      inventory: ecs([group('sg-1', undefined)], [web()]),
    },
    {
      name: 'the network ACLs of the region could not be read',
      notEvaluated: ['i-1'],
      inventory: {
        ...ecs([nothingOpen], [web()]),
        coverage: [
          {
            service: 'vpc',
            region: 'cn-hangzhou',
            operation: 'DescribeNetworkAcls',
            error: { code: 'Throttling', message: 'throttled' },
          },
        ],
        vpc: { networkAcls: [acl([aclEntry('accept', 'all', '-1/-1')], { id: 'nacl-other' })] },
      },
    },
    {
      name: 'SSH accepted only from a prefix list that could not be read: not evaluated, never unused',
      notEvaluated: ['i-1'],
      inventory: withLists(ecs([sshFromList], [web()]), [{ id: 'pl-x' }]),
    },
    {
      name: 'a Drop from an unreadable prefix list above an Accept of 0.0.0.0/0: not evaluated',
      notEvaluated: ['i-1'],
      inventory: withLists(
        ecs(
          [
            group('sg-1', [
              from('0.0.0.0/0', { priority: 2 }),
              sgRule({ sourcePrefixListId: 'pl-x', policy: 'Drop', priority: 1 }),
            ]),
          ],
          [web()],
        ),
        [{ id: 'pl-x' }],
      ),
    },
    {
      name: 'ports from a port list that could not be read: not evaluated',
      notEvaluated: ['i-1'],
      inventory: withLists(
        ecs(
          [group('sg-1', [from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-x' })])],
          [web()],
        ),
        [],
        [{ id: 'prl-x' }],
      ),
    },
    {
      name: "an unreadable port list behind the rule's own PortRange 443/443 decides nothing: used",
      inventory: withLists(
        ecs(
          [group('sg-1', [from('0.0.0.0/0', { portRange: '443/443', portRangeListId: 'prl-x' })])],
          [web()],
        ),
        [],
        [{ id: 'prl-x' }],
      ),
    },
    {
      name: 'a private IPv6 address is not a public address',
      inventory: {
        ...ecs([httpsOpen], [web()]),
        vpc: { ipv6Addresses: [ipv6('2408:4000::21', 'Private')] },
      },
    },
  ],
  invalid: [
    {
      name: 'public IP and nothing open',
      inventory: ecs([nothingOpen], [web()]),
      findings: [
        {
          id: 'i-1',
          message: 'has public address 47.0.0.10 through which no port is reachable',
          evidence: {
            unusedAddresses: [{ address: PUBLIC, kind: 'public-ip', interfaceId: 'eni-1' }],
          },
        },
      ],
    },
    {
      name: 'HTTPS open in the group, but the ACL drops everything but SSH',
      inventory: {
        ...ecs([httpsOpen], [web()]),
        vpc: { networkAcls: [acl([aclEntry('accept', 'tcp', '22/22')])] },
      },
      findings: [{ id: 'i-1' }],
    },
    {
      name: 'SSH only from an unreadable prefix list, but the ACL lets no internet address in: unused',
      inventory: withLists(
        {
          ...ecs([sshFromList], [web()]),
          vpc: { networkAcls: [acl([aclEntry('accept', 'tcp', '22/22', '198.51.100.0/24')])] },
        },
        [{ id: 'pl-x' }],
      ),
      findings: [{ id: 'i-1', evidence: { unusedAddresses: [{ address: PUBLIC }] } }],
    },
    {
      name: 'an EIP with only IPv6 sources open: IPv4 address unused',
      inventory: ecs(
        [group('sg-1', [sgRule({ ipv6SourceCidrIp: '::/0', portRange: '443/443' })])],
        [
          web({
            publicIps: [],
            eipAddress: '47.0.0.11',
            networkInterfaces: [nic('eni-1', ['sg-1'], { vSwitchId: 'vsw-1' })],
          }),
        ],
      ),
      findings: [
        { id: 'i-1', evidence: { unusedAddresses: [{ address: '47.0.0.11', kind: 'eip' }] } },
      ],
    },
    {
      name: 'a public IPv6 address with nothing open to IPv6, the IPv4 one used',
      inventory: {
        ...ecs([httpsOpen], [web()]),
        vpc: { ipv6Addresses: [ipv6('2408:4000::21', 'Public')] },
      },
      findings: [
        {
          id: 'i-1',
          evidence: {
            unusedAddresses: [{ address: '2408:4000::21', kind: 'ipv6' }],
            usedAddresses: [PUBLIC],
          },
        },
      ],
    },
  ],
});
