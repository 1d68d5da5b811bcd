/**
 * Example-based tests of the exposure engine: coverage measurement, priority and
 * Drop, protocols, ports, sources, classic NicType, merged groups, evidence.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  cidrInterval,
  formatInterval,
  formatSet,
  parseCidr,
  size,
  subtract,
  toSet,
  union,
} from '../../src/analysis/address-set.js';
import {
  acceptsFrom,
  allPortsOpen,
  type Exposure,
  ExposureIndex,
  groupExposure,
  interfaceExposure,
  normaliseGroup,
  normaliseProtocol,
  openPortsToInternet,
  PUBLIC_IPV4,
  PUBLIC_IPV6,
  parsePortRange,
  protocolExposure,
  RULES_LISTED,
  segmentAt,
  segmentEvidence,
} from '../../src/analysis/exposure.js';
import { type SecurityGroup, SecurityGroupSchema } from '../../src/inventory/schema.js';
import { from, type GroupInput, group, type RuleInput, rule } from '../helpers/network.js';

function sg(
  rules: RuleInput[] | undefined,
  overrides: Partial<GroupInput> = {},
  id = 'sg-1',
): SecurityGroup {
  return SecurityGroupSchema.parse(group(id, rules, overrides));
}

function exposureOf(rules: RuleInput[], overrides: Partial<GroupInput> = {}): Exposure {
  const e = groupExposure(sg(rules, overrides));
  if (!e) throw new Error('rules unknown');
  return e;
}

const ssh = (e: Exposure) => segmentAt(e.tcp, 22);

describe('the public address space', () => {
  it('public IPv4 is 0.0.0.0/0 without the nine special-purpose blocks of the spec', () => {
    expect(size(PUBLIC_IPV4)).toBe(3_702_390_784n);
    for (const inside of ['1.1.1.1/32', '47.0.0.0/8', '100.63.255.255/32', '223.255.255.255/32']) {
      expect(size(subtract([cidrInterval(inside)], PUBLIC_IPV4)), inside).toBe(0n);
    }
    for (const outside of [
      '0.1.2.3/32',
      '10.9.9.9/32',
      '100.64.0.1/32',
      '127.0.0.1/32',
      '169.254.1.1/32',
      '172.31.0.1/32',
      '192.168.7.7/32',
      '239.1.1.1/32',
      '255.255.255.255/32',
    ]) {
      expect(size(subtract([cidrInterval(outside)], PUBLIC_IPV4)), outside).toBe(1n);
    }
  });

  it('global IPv6 unicast is 2000::/3', () => {
    expect(size(PUBLIC_IPV6)).toBe(2n ** 125n);
    expect(formatSet('ipv6', PUBLIC_IPV6).ranges).toEqual(['2000::/3']);
  });
});

describe('coverage and "open to the internet"', () => {
  it('0.0.0.0/0 is open, coverage 1', () => {
    const s = ssh(exposureOf([from('0.0.0.0/0')]));
    expect(s.open).toBe(true);
    expect(s.ipv4Coverage).toBe(1);
    expect(s.ipv6Coverage).toBe(0);
  });

  it("0.0.0.0/0 except one Drop'd /24 is open", () => {
    const e = exposureOf([
      from('0.0.0.0/0', { priority: 2 }),
      from('203.0.113.0/24', { policy: 'Drop', priority: 1 }),
    ]);
    const s = ssh(e);
    expect(s.open).toBe(true);
    expect(s.ipv4Coverage).toBeLessThan(1);
    expect(s.ipv4Coverage).toBeCloseTo(1 - 256 / 3_702_390_784, 12);
    expect(acceptsFrom(e.tcp, 22, '203.0.113.77')).toBe(false);
    expect(acceptsFrom(e.tcp, 22, '203.0.114.0')).toBe(true);
    expect(s.carvedBy.map((c) => formatSet('ipv4', c.v4).ranges)).toEqual([['203.0.113.0/24']]);
  });

  it('47.0.0.0/8 is not open', () => {
    const s = ssh(exposureOf([from('47.0.0.0/8')]));
    expect(s.open).toBe(false);
    expect(s.ipv4Coverage).toBeCloseTo(16_777_216 / 3_702_390_784, 12);
  });

  it('an office /24 is not open', () => {
    expect(ssh(exposureOf([from('198.51.100.0/24')])).open).toBe(false);
  });

  it('0.0.0.0/1 + 128.0.0.0/1 is open, and so is 0.0.0.0/1 alone; 128.0.0.0/1 alone is not', () => {
    const both = ssh(exposureOf([from('0.0.0.0/1'), from('128.0.0.0/1')]));
    expect(both.open).toBe(true);
    expect(both.ipv4Coverage).toBe(1);
    expect(formatSet('ipv4', both.v4).ranges).toEqual(['0.0.0.0/0']);
    expect(ssh(exposureOf([from('0.0.0.0/1')])).open).toBe(true);
    expect(ssh(exposureOf([from('128.0.0.0/1')])).open).toBe(false);
  });

  it('private and special-purpose sources cover nothing public', () => {
    const s = ssh(
      exposureOf([
        from('10.0.0.0/8'),
        from('172.16.0.0/12'),
        from('192.168.0.0/16'),
        from('100.64.0.0/10'),
      ]),
    );
    expect(s.ipv4Coverage).toBe(0);
    expect(s.open).toBe(false);
    // but they are still accepted: the engine reports them, coverage ignores them
    expect(s.v4.length).toBeGreaterThan(0);
  });

  it('::/0 is open through IPv6 alone; fe80::/10 and fc00::/7 cover nothing global', () => {
    const s = ssh(exposureOf([rule({ ipv6SourceCidrIp: '::/0' })]));
    expect(s.open).toBe(true);
    expect(s.ipv6Coverage).toBe(1);
    expect(s.ipv4Coverage).toBe(0);
    const local = ssh(
      exposureOf([rule({ ipv6SourceCidrIp: 'fe80::/10' }), rule({ ipv6SourceCidrIp: 'fc00::/7' })]),
    );
    expect(local.ipv6Coverage).toBe(0);
    expect(local.open).toBe(false);
  });

  it('exactly half of 2000::/3 is open, a hair less is not', () => {
    expect(ssh(exposureOf([rule({ ipv6SourceCidrIp: '2000::/4' })])).open).toBe(true);
    expect(ssh(exposureOf([rule({ ipv6SourceCidrIp: '2000::/5' })])).open).toBe(false);
    const minusOne = exposureOf([
      rule({ ipv6SourceCidrIp: '2000::/4', priority: 2 }),
      rule({ ipv6SourceCidrIp: '2000::1/128', policy: 'Drop', priority: 1 }),
    ]);
    // the verdict is exact (BigInt counts); the fraction is a float and rounds to 0.5 here
    expect(ssh(minusOne).open).toBe(false);
    expect(acceptsFrom(minusOne.tcp, 22, '2000::1')).toBe(false);
    expect(acceptsFrom(minusOne.tcp, 22, '2000::2')).toBe(true);
  });
});

describe('priority and Drop', () => {
  it('a Drop at higher priority closes an Accept', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { priority: 2 }),
      from('0.0.0.0/0', { policy: 'Drop', priority: 1 }),
    ]);
    expect(ssh(e).open).toBe(false);
    expect(acceptsFrom(e.tcp, 22, '8.8.8.8')).toBe(false);
  });

  it('Drop beats Accept at equal priority', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { priority: 7 }),
      from('0.0.0.0/0', { policy: 'DROP', priority: 7 }),
    ]);
    expect(ssh(e).open).toBe(false);
  });

  it('an Accept at higher priority beats a Drop', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { priority: 1 }),
      from('0.0.0.0/0', { policy: 'Drop', priority: 2 }),
    ]);
    expect(ssh(e).open).toBe(true);
    expect(ssh(e).carvedBy).toEqual([]);
  });

  it('only the addresses a Drop matches are closed; the rest falls through to lower priorities', () => {
    const e = exposureOf([
      from('8.8.8.0/24', { policy: 'Drop', priority: 1 }),
      from('8.0.0.0/8', { priority: 2 }),
      from('8.8.0.0/16', { policy: 'Drop', priority: 3 }),
    ]);
    expect(acceptsFrom(e.tcp, 22, '8.8.8.8')).toBe(false);
    expect(acceptsFrom(e.tcp, 22, '8.8.9.9')).toBe(true); // the priority-3 Drop is outranked
    expect(acceptsFrom(e.tcp, 22, '9.9.9.9')).toBe(false); // nothing matches
    expect(ssh(e).acceptedBy.map((r) => r.priority)).toEqual([2]);
  });

  it('nothing matching means denied', () => {
    const e = exposureOf([]);
    expect(ssh(e).open).toBe(false);
    expect(acceptsFrom(e.tcp, 22, '1.2.3.4')).toBe(false);
  });
});

describe('protocols and ports', () => {
  it('normalises protocol names case-insensitively, and IANA numbers', () => {
    expect(['TCP', 'tcp', 'Tcp', '6'].map(normaliseProtocol)).toEqual(['tcp', 'tcp', 'tcp', 'tcp']);
    expect(
      ['UDP', 'ICMP', 'ICMPv6', 'icmpv6', 'GRE', 'ALL', 'all', '-1'].map(normaliseProtocol),
    ).toEqual(['udp', 'icmp', 'icmpv6', 'icmpv6', 'gre', 'all', 'all', 'all']);
    expect(normaliseProtocol('SCTP')).toBeUndefined();
  });

  it('parses port ranges a/b (inclusive) and -1/-1', () => {
    expect(parsePortRange('22/22')).toEqual({ from: 22, to: 22 });
    expect(parsePortRange('1/65535')).toEqual({ from: 1, to: 65535 });
    expect(parsePortRange('-1/-1')).toEqual({ from: 1, to: 65535 });
    expect(parsePortRange('3389')).toEqual({ from: 3389, to: 3389 });
    expect(parsePortRange('30/20')).toBeUndefined();
    expect(parsePortRange('1/70000')).toBeUndefined();
    expect(parsePortRange('ssh')).toBeUndefined();
  });

  it('a port range containing 22 opens exactly that range', () => {
    const e = exposureOf([from('0.0.0.0/0', { portRange: '20/25' })]);
    expect(e.tcp.segments.map((s) => [s.from, s.to, s.open])).toEqual([
      [1, 19, false],
      [20, 25, true],
      [26, 65535, false],
    ]);
    expect(openPortsToInternet(e).tcp.map((r) => [r.from, r.to])).toEqual([[20, 25]]);
  });

  it('ALL -1/-1 opens every TCP and UDP port, ICMP, ICMPv6 and GRE', () => {
    const e = exposureOf([from('0.0.0.0/0', { ipProtocol: 'ALL', portRange: '-1/-1' })]);
    expect(allPortsOpen(e.tcp)).toBe(true);
    expect(allPortsOpen(e.udp)).toBe(true);
    const rules = normaliseGroup(
      sg([from('0.0.0.0/0', { ipProtocol: 'all', portRange: '-1/-1' })]),
    )!.rules;
    for (const p of ['icmp', 'icmpv6', 'gre'] as const) {
      expect(protocolExposure(rules, p).segments[0]!.open, p).toBe(true);
    }
  });

  it('UDP 22 is not TCP 22; ICMP and GRE open no TCP/UDP port', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { ipProtocol: 'UDP' }),
      from('0.0.0.0/0', { ipProtocol: 'ICMP', portRange: '-1/-1' }),
      from('0.0.0.0/0', { ipProtocol: 'GRE', portRange: '-1/-1' }),
    ]);
    expect(ssh(e).open).toBe(false);
    expect(segmentAt(e.udp, 22).open).toBe(true);
    expect(openPortsToInternet(e).tcp).toEqual([]);
    const rules = normaliseGroup(
      sg([from('0.0.0.0/0', { ipProtocol: 'ICMP', portRange: '-1/-1' })]),
    )!.rules;
    expect(protocolExposure(rules, 'icmp').segments[0]!.open).toBe(true);
    expect(protocolExposure(rules, 'icmpv6').segments[0]!.open).toBe(false);
  });

  it('TCP 1/65535 opens every TCP port and no UDP port', () => {
    const e = exposureOf([from('0.0.0.0/0', { portRange: '1/65535' })]);
    expect(allPortsOpen(e.tcp)).toBe(true);
    expect(allPortsOpen(e.udp)).toBe(false);
  });

  it('an unknown protocol or malformed range is left out with a note, not a crash', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { ipProtocol: 'SCTP' }),
      from('0.0.0.0/0', { portRange: 'abc' }),
    ]);
    expect(ssh(e).open).toBe(false);
    expect(e.notes.map((n) => n.message)).toEqual([
      'unknown protocol "SCTP": rule ignored',
      'malformed port range "abc": rule ignored',
    ]);
  });
});

describe('sources, direction and NicType', () => {
  it('a source group is not the internet, and is listed as such', () => {
    const e = exposureOf([rule({ sourceGroupId: 'sg-peer' })]);
    expect(ssh(e).open).toBe(false);
    expect(ssh(e).unknown).toBeUndefined();
    expect(ssh(e).v4).toEqual([]);
    expect(ssh(e).nonInternet.map((r) => r.source)).toEqual(['sg-peer']);
  });

  it('a prefix list that is not in the inventory is unknown, never closed', () => {
    const e = exposureOf([
      rule({ sourceGroupId: 'sg-peer' }),
      rule({ sourcePrefixListId: 'pl-1' }),
    ]);
    expect(ssh(e).open).toBe(false);
    expect(ssh(e).unknown).toEqual({ ipv4: true, ipv6: true, lists: ['pl-1'] });
    expect(ssh(e).nonInternet.map((r) => r.source)).toEqual(['sg-peer']);
  });

  it('a Drop from a source group does not close an internet Accept', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { priority: 2 }),
      rule({ sourceGroupId: 'sg-peer', policy: 'Drop', priority: 1 }),
    ]);
    expect(ssh(e).open).toBe(true);
  });

  it('egress rules are ignored', () => {
    const e = exposureOf([
      rule({ direction: 'egress', sourceCidrIp: '0.0.0.0/0', destCidrIp: '0.0.0.0/0' }),
    ]);
    expect(ssh(e).open).toBe(false);
    expect(
      normaliseGroup(sg([rule({ direction: 'egress', destCidrIp: '0.0.0.0/0' })]))!.rules,
    ).toEqual([]);
  });

  it('classic group: only internet rules face the internet', () => {
    expect(
      ssh(exposureOf([from('0.0.0.0/0', { nicType: 'intranet' })], { vpcId: null })).open,
    ).toBe(false);
    expect(
      ssh(exposureOf([from('0.0.0.0/0', { nicType: 'internet' })], { vpcId: null })).open,
    ).toBe(true);
    // an intranet Drop cannot close an internet Accept
    const e = exposureOf(
      [
        from('0.0.0.0/0', { nicType: 'internet', priority: 2 }),
        from('0.0.0.0/0', { nicType: 'intranet', policy: 'Drop', priority: 1 }),
      ],
      { vpcId: null },
    );
    expect(ssh(e).open).toBe(true);
    expect(ssh(e).nonInternet).toEqual([]);
  });

  it('VPC group: every rule faces the internet, whatever its NicType says', () => {
    expect(ssh(exposureOf([from('0.0.0.0/0', { nicType: 'intranet' })])).open).toBe(true);
  });

  it('a masked or garbled CIDR is ignored with a note', () => {
    const e = exposureOf([from('120.25. XX.XXX')]);
    expect(ssh(e).open).toBe(false);
    expect(e.notes[0]!.message).toMatch(/unparseable source address/);
  });
});

describe('several groups on one interface', () => {
  const open = sg([from('0.0.0.0/0', { priority: 10 })], {}, 'sg-open');
  const closer = sg([from('0.0.0.0/0', { policy: 'Drop', priority: 1 })], {}, 'sg-close');

  it('a Drop in one group closes an Accept in another', () => {
    expect(ssh(groupExposure(open)!).open).toBe(true);
    const both = interfaceExposure([open, closer])!;
    expect(both.groupIds).toEqual(['sg-open', 'sg-close']);
    expect(ssh(both).open).toBe(false);
    expect(ssh(both).carvedBy.map((c) => c.rule.groupId)).toEqual(['sg-close']);
  });

  it('an Accept in one group at higher priority beats a Drop in another', () => {
    const early = sg([from('0.0.0.0/0', { priority: 1 })], {}, 'sg-early');
    const late = sg([from('0.0.0.0/0', { policy: 'Drop', priority: 5 })], {}, 'sg-late');
    expect(ssh(interfaceExposure([late, early])!).open).toBe(true);
  });

  it('unknown rules in any group: no answer', () => {
    expect(interfaceExposure([open, sg(undefined, {}, 'sg-unknown')])).toBeUndefined();
    expect(groupExposure(sg(undefined))).toBeUndefined();
  });

  it('the index answers per region, and not for a group it does not hold', () => {
    const other = sg([from('0.0.0.0/0')], { region: 'ap-southeast-1' }, 'sg-open');
    const index = new ExposureIndex([open, closer, other]);
    expect(ssh(index.interfaceExposure('cn-hangzhou', ['sg-open'])!).open).toBe(true);
    expect(ssh(index.interfaceExposure('cn-hangzhou', ['sg-open', 'sg-close'])!).open).toBe(false);
    expect(ssh(index.interfaceExposure('ap-southeast-1', ['sg-open'])!).open).toBe(true);
    expect(index.interfaceExposure('ap-southeast-1', ['sg-open', 'sg-close'])).toBeUndefined();
    expect(index.interfaceExposure('cn-hangzhou', [])).toBeUndefined();
  });
});

describe('evidence', () => {
  it('names the deciding rules, the ports and the address ranges', () => {
    const e = exposureOf([
      from('0.0.0.0/0', { id: 'sgr-accept', priority: 2, portRange: '20/30' }),
      from('203.0.113.0/24', { id: 'sgr-drop', policy: 'Drop', priority: 1, portRange: '22/22' }),
      rule({ id: 'sgr-v6', ipv6SourceCidrIp: '2001:db8::/32', priority: 3 }),
    ]);
    const ev = segmentEvidence('tcp', ssh(e), { port: 22 });
    expect(ev).toMatchObject({
      protocol: 'tcp',
      port: 22,
      ports: '22',
      acceptedIpv4: ['0.0.0.0-203.0.112.255', '203.0.114.0-255.255.255.255'],
      acceptedIpv6: ['2001:db8::/32'],
      acceptedBy: [
        {
          groupId: 'sg-1',
          ruleId: 'sgr-accept',
          priority: 2,
          policy: 'Accept',
          protocol: 'TCP',
          portRange: '20/30',
          source: '0.0.0.0/0',
        },
        { ruleId: 'sgr-v6', priority: 3, source: '2001:db8::/32' },
      ],
      carvedOutBy: [
        {
          ruleId: 'sgr-drop',
          priority: 1,
          policy: 'Drop',
          source: '203.0.113.0/24',
          removedIpv4: ['203.0.113.0/24'],
        },
      ],
    });
    expect(ev['ipv4Coverage']).toBeLessThan(1);
    expect(ev['ipv4Coverage']).toBeGreaterThan(0.99);
  });

  it('lists at most RULES_LISTED rules per kind, counting all of them and saying it cut', () => {
    const many = Array.from({ length: RULES_LISTED + 5 }, (_, i) =>
      from(`${i + 1}.0.0.0/8`, { id: `sgr-${i}`, priority: 1 + (i % 50), portRange: '22/22' }),
    );
    const ev = segmentEvidence('tcp', ssh(exposureOf(many)), { port: 22 });
    expect(ev['acceptedBy']).toHaveLength(RULES_LISTED);
    expect(ev).toMatchObject({ acceptedByCount: RULES_LISTED + 5, truncated: true });
    const few = segmentEvidence('tcp', ssh(exposureOf(many.slice(0, 3))), { port: 22 });
    expect(few['acceptedBy']).toHaveLength(3);
    expect(few).not.toHaveProperty('truncated');
    expect(few).not.toHaveProperty('acceptedByCount');
  });

  it('formats a range as the CIDR blocks ipaddr.js computes', () => {
    for (const cidr of [
      '0.0.0.0/0',
      '10.0.0.0/8',
      '192.168.1.128/25',
      '1.2.3.4/32',
      '::/0',
      '2001:db8::/32',
      'fe80::1/128',
    ]) {
      const iv = cidrInterval(cidr);
      expect(formatInterval(cidr.includes(':') ? 'ipv6' : 'ipv4', iv)).toBe(parseCidr(cidr)!.cidr);
    }
    // not one block: the first block that fits, then a range
    expect(formatInterval('ipv4', { start: 0n, end: 2n ** 32n - 2n })).toBe(
      '0.0.0.0-255.255.255.254',
    );
    expect(formatInterval('ipv4', cidrInterval('10.0.0.0/8'))).toBe('10.0.0.0/8');
  });

  it('formats IPv4 intervals exactly as ipaddr.js and BigInt block arithmetic do', () => {
    // the reference: the generic (IPv6) path of formatInterval, written out for 32 bits
    const text = (v: bigint) =>
      ipaddr.fromByteArray([24, 16, 8, 0].map((s) => Number((v >> BigInt(s)) & 255n))).toString();
    const reference = (start: bigint, end: bigint): string => {
      for (let prefix = 0; prefix <= 32; prefix++) {
        const host = (1n << BigInt(32 - prefix)) - 1n;
        if ((start & host) !== 0n || (start | host) > end) continue;
        return (start | host) === end ? `${text(start)}/${prefix}` : `${text(start)}-${text(end)}`;
      }
      throw new Error('unreachable');
    };
    const address = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }),
      fc.constantFrom(0n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 0xc0a80000n),
    );
    fc.assert(
      fc.property(address, address, (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        expect(formatInterval('ipv4', { start, end })).toBe(reference(start, end));
      }),
      { numRuns: 2000 },
    );
  });

  it('formats intervals as CIDRs when they are one, as ranges otherwise', () => {
    expect(formatInterval('ipv4', cidrInterval('10.0.0.0/8'))).toBe('10.0.0.0/8');
    expect(formatInterval('ipv4', { start: 1n, end: 2n })).toBe('0.0.0.1-0.0.0.2');
    expect(parseCidr('10.1.2.3/8')!.cidr).toBe('10.0.0.0/8');
    expect(parseCidr('2001:DB8::1')!.cidr).toBe('2001:db8::1/128');
    expect(parseCidr('120.25. XX.XXX')).toBeNull();
    const set = union(toSet([cidrInterval('1.0.0.0/8')]), toSet([cidrInterval('2.0.0.0/8')]));
    expect(formatSet('ipv4', set).ranges).toEqual(['1.0.0.0-2.255.255.255']);
  });
});
