/**
 * The exposure engine with prefix lists and port lists (spec/rules.md,
 * "Everything the API can say about a rule counts"): a list stands for its
 * entries, a real PortRange beats the port list, and a list that could not be
 * read makes the verdict unknown, never closed.
 */
import { describe, expect, it } from 'vitest';
import {
  ExposureIndex,
  groupExposure,
  groupsDependingOnUnreadableLists,
  type ListSource,
  segmentAt,
} from '../../src/analysis/exposure.js';
import {
  emptyInventory,
  InstanceSchema,
  type PortRangeList,
  type PrefixList,
  type SecurityGroup,
  SecurityGroupSchema,
} from '../../src/inventory/schema.js';
import { from, group, instance, nic, type RuleInput, rule } from '../helpers/network.js';

const R = 'cn-hangzhou';
const sg = (rules: RuleInput[], id = 'sg-1'): SecurityGroup =>
  SecurityGroupSchema.parse(group(id, rules));
const pl = (id: string, cidrs?: string[], addressFamily = 'IPv4'): PrefixList => ({
  id,
  region: R,
  name: '',
  addressFamily,
  ...(cidrs ? { cidrs } : {}),
});
const prl = (id: string, ranges?: string[]): PortRangeList => ({
  id,
  region: R,
  name: '',
  ...(ranges ? { ranges } : {}),
});

function at(rules: RuleInput[], lists: ListSource, port = 22, protocol: 'tcp' | 'udp' = 'tcp') {
  const e = groupExposure(sg(rules), lists);
  if (!e) throw new Error('rules unknown');
  return segmentAt(e[protocol], port);
}

describe('prefix lists', () => {
  const fromList = (over: Partial<RuleInput> = {}) =>
    rule({ sourcePrefixListId: 'pl-1', id: 'sgr-pl', ...over });

  it('an Accept from a list holding 0.0.0.0/0 is the internet; evidence names the list', () => {
    const seg = at([fromList()], { prefixLists: [pl('pl-1', ['0.0.0.0/0'])] });
    expect(seg.open).toBe(true);
    expect(seg.openIpv4).toBe(true);
    expect(seg.unknown).toBeUndefined();
    expect(seg.acceptedBy.map((r) => r.source)).toEqual(['pl-1']);
  });

  it('public ranges that together cover the threshold are the internet', () => {
    const seg = at([fromList()], {
      prefixLists: [pl('pl-1', ['0.0.0.0/1', '128.0.0.0/1'])],
    });
    expect(seg.open).toBe(true);
  });

  it('an office /24 is not; nor is an empty list', () => {
    expect(at([fromList()], { prefixLists: [pl('pl-1', ['203.0.113.0/24'])] }).open).toBe(false);
    const empty = at([fromList()], { prefixLists: [pl('pl-1', [])] });
    expect(empty.open).toBe(false);
    expect(empty.unknown).toBeUndefined();
  });

  it('a Drop from a list removes exactly its entries', () => {
    const seg = at(
      [from('0.0.0.0/0', { priority: 2 }), fromList({ policy: 'Drop', priority: 1 })],
      { prefixLists: [pl('pl-1', ['47.0.0.0/8', '198.51.100.0/24'])] },
    );
    expect(seg.open).toBe(true);
    expect(seg.carvedBy.map((c) => c.rule.source)).toEqual(['pl-1']);
    expect(seg.carvedBy[0]!.v4.length).toBe(2);
    const dropAll = at(
      [from('0.0.0.0/0', { priority: 2 }), fromList({ policy: 'Drop', priority: 1 })],
      { prefixLists: [pl('pl-1', ['0.0.0.0/0'])] },
    );
    expect(dropAll.open).toBe(false);
    expect(dropAll.unknown).toBeUndefined();
  });

  it('an IPv6 list opens IPv6 only', () => {
    const seg = at([fromList()], { prefixLists: [pl('pl-1', ['::/0'], 'IPv6')] });
    expect(seg.openIpv6).toBe(true);
    expect(seg.openIpv4).toBe(false);
  });

  it('an unreadable list: an Accept from it is unknown, not closed', () => {
    const seg = at([fromList()], { prefixLists: [pl('pl-1')] });
    expect(seg.open).toBe(false);
    expect(seg.unknown).toEqual({ ipv4: true, ipv6: false, lists: ['pl-1'] });
    // a list missing from the inventory altogether: either family
    expect(at([fromList()], {}).unknown).toEqual({ ipv4: true, ipv6: true, lists: ['pl-1'] });
  });

  it('an unreadable Drop makes an open port unknown; one ranked below a deciding Drop changes nothing', () => {
    const openAbove = at(
      [from('0.0.0.0/0', { priority: 2 }), fromList({ policy: 'Drop', priority: 1 })],
      { prefixLists: [pl('pl-1')] },
    );
    expect(openAbove.open).toBe(false);
    expect(openAbove.unknown?.lists).toEqual(['pl-1']);
    // the open Accept outranks the unreadable Drop: open whatever the list holds
    const openBelow = at(
      [from('0.0.0.0/0', { priority: 1 }), fromList({ policy: 'Drop', priority: 2 })],
      { prefixLists: [pl('pl-1')] },
    );
    expect(openBelow.open).toBe(true);
    expect(openBelow.unknown).toBeUndefined();
    // a Drop of everything outranks the unreadable Accept: closed whatever the list holds
    const closed = at(
      [from('0.0.0.0/0', { policy: 'Drop', priority: 1 }), fromList({ priority: 2 })],
      { prefixLists: [pl('pl-1')] },
    );
    expect(closed.open).toBe(false);
    expect(closed.unknown).toBeUndefined();
  });

  it('an unreadable list on another port leaves this port decided', () => {
    const seg = at([from('0.0.0.0/0'), fromList({ portRange: '80/80' })], {
      prefixLists: [pl('pl-1')],
    });
    expect(seg.open).toBe(true);
    expect(seg.unknown).toBeUndefined();
  });
});

describe('port lists', () => {
  const viaList = (portRange: string, over: Partial<RuleInput> = {}) =>
    from('0.0.0.0/0', { portRange, portRangeListId: 'prl-1', ...over });
  const lists = { portRangeLists: [prl('prl-1', ['3389/3389', '8000/8080'])] };

  it('-1/-1 or an empty PortRange: the list decides', () => {
    for (const range of ['-1/-1', '']) {
      expect(at([viaList(range)], lists, 3389).open, range).toBe(true);
      expect(at([viaList(range)], lists, 8080).open, range).toBe(true);
      expect(at([viaList(range)], lists, 22).open, range).toBe(false);
      expect(at([viaList(range)], lists, 3389).acceptedBy[0]).toMatchObject({
        portRange: '3389/3389',
        portRangeListId: 'prl-1',
      });
    }
  });

  it('a real PortRange decides, the list id is ignored', () => {
    expect(at([viaList('22/22')], lists, 22).open).toBe(true);
    expect(at([viaList('22/22')], lists, 3389).open).toBe(false);
    // and an unreadable list behind a real range changes nothing
    const unread = at([viaList('22/22')], { portRangeLists: [prl('prl-1')] }, 22);
    expect(unread.open).toBe(true);
    expect(unread.unknown).toBeUndefined();
  });

  it('UDP through a port list', () => {
    expect(at([viaList('-1/-1', { ipProtocol: 'UDP' })], lists, 3389, 'udp').open).toBe(true);
    expect(at([viaList('-1/-1', { ipProtocol: 'UDP' })], lists, 3389, 'tcp').open).toBe(false);
  });

  it('an unreadable port list: every port it could hold is unknown', () => {
    const seg = at([viaList('-1/-1')], { portRangeLists: [prl('prl-1')] }, 22);
    expect(seg.open).toBe(false);
    expect(seg.unknown).toEqual({ ipv4: true, ipv6: false, lists: ['prl-1'] });
    // from an office range it cannot open anything: decided, closed
    const office = at(
      [viaList('-1/-1', { sourceCidrIp: '203.0.113.0/24' })],
      { portRangeLists: [prl('prl-1')] },
      22,
    );
    expect(office.unknown).toBeUndefined();
  });

  it('a malformed range in a list is noted and skipped', () => {
    const e = groupExposure(sg([viaList('-1/-1')]), {
      portRangeLists: [prl('prl-1', ['x/y', '22/22'])],
    })!;
    expect(segmentAt(e.tcp, 22).open).toBe(true);
    expect(e.notes.map((n) => n.message)).toEqual([
      'malformed port range "x/y" in port list prl-1: range ignored',
    ]);
  });
});

describe('the index and the dependents of unreadable lists', () => {
  const groups = [
    sg([rule({ sourcePrefixListId: 'pl-bad' })], 'sg-a'),
    sg([from('0.0.0.0/0', { portRange: '-1/-1', portRangeListId: 'prl-bad' })], 'sg-b'),
    // a real range: the list does not decide
    sg([from('0.0.0.0/0', { portRange: '22/22', portRangeListId: 'prl-bad' })], 'sg-c'),
    sg([rule({ sourcePrefixListId: 'pl-ok' })], 'sg-d'),
  ];
  const lists = {
    prefixLists: [pl('pl-bad'), pl('pl-ok', ['0.0.0.0/0'])],
    portRangeLists: [prl('prl-bad')],
  };

  it('the index resolves lists from the inventory', () => {
    const index = new ExposureIndex(groups, lists);
    expect(index.interfacePort(R, ['sg-d'], 'tcp', 22)?.open).toBe(true);
    expect(index.interfacePort(R, ['sg-a'], 'tcp', 22)?.unknown?.lists).toEqual(['pl-bad']);
    // merged with a group whose Drop of everything outranks it: decided
    const drop = sg(
      [from('0.0.0.0/0', { policy: 'Drop', priority: 1, ipProtocol: 'ALL', portRange: '-1/-1' })],
      'sg-z',
    );
    const withDrop = new ExposureIndex([...groups, drop], lists);
    expect(withDrop.interfacePort(R, ['sg-a', 'sg-z'], 'tcp', 22)?.unknown).toBeUndefined();
  });

  it('maps each unreadable list to the groups and instances whose verdicts rest on it', () => {
    const inventory = emptyInventory({
      ecs: {
        ...emptyInventory().ecs,
        securityGroups: groups,
        ...lists,
        instances: [
          instance('i-1', { securityGroupIds: ['sg-a'] }),
          instance('i-2', {
            securityGroupIds: ['sg-d'],
            networkInterfaces: [
              nic('eni-1', ['sg-d']),
              nic('eni-2', ['sg-b'], { type: 'Secondary' }),
            ],
          }),
          instance('i-3', { securityGroupIds: ['sg-c'] }),
        ].map((i) => InstanceSchema.parse(i)),
      },
    });
    expect(groupsDependingOnUnreadableLists(inventory)).toEqual([
      {
        region: R,
        listId: 'pl-bad',
        kind: 'prefix-list',
        securityGroupIds: ['sg-a'],
        instanceIds: ['i-1'],
      },
      {
        region: R,
        listId: 'prl-bad',
        kind: 'port-range-list',
        securityGroupIds: ['sg-b'],
        instanceIds: ['i-2'],
      },
    ]);
  });
});
