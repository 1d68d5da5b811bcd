/**
 * Security-group exposure: which internet source addresses a group (or all the
 * groups of a network interface together) accepts, per protocol and port,
 * after priority and Drop are applied. Pure: no I/O, no clock.
 *
 * Semantics (spec/rules.md "how a security group decides"):
 * - a rule matches by direction, protocol (`ALL` matches every protocol),
 *   destination port range (`a/b` inclusive, `-1/-1` = every port) and source;
 * - the highest-priority matching rule decides (1 is the highest); at equal
 *   priority Drop beats Accept; nothing matching = denied;
 * - classic-network groups (`vpcId === null`): only `internet` rules face the
 *   internet; VPC groups: every rule does (when the interface has a public address);
 * - sources given as a security group are not the internet: they never match an
 *   internet packet, and are reported as non-internet sources;
 * - a prefix-list source (`SourcePrefixListId`) stands for the list's entries and a
 *   port list (`PortRangeListId`) for its ranges, when the rule has no real
 *   `PortRange` of its own (not empty, not `-1/-1` on TCP/UDP). A rule whose list
 *   could not be read is *unresolved*: it is evaluated at both extremes (an
 *   unresolved Accept adds nothing / everything it could, an unresolved Drop
 *   removes everything it could / nothing), and a segment that is closed at the
 *   first and open at the second is **unknown** (`PortSegment.unknown`), never
 *   "closed". `open` is only ever true when it holds whatever the lists hold.
 *
 * The answer for a port is piecewise constant between the rules' range ends,
 * so ports are evaluated per segment between those breakpoints, and address
 * sets are sorted interval lists (address-set.ts).
 */
import type {
  Instance,
  PortRangeList,
  PrefixList,
  SecurityGroup,
  SecurityGroupRule,
} from '../inventory/schema.js';
import {
  type AddressSet,
  addNumbersInPlace,
  cidrInterval,
  contains,
  EMPTY_IPV4_NUMBERS,
  EMPTY_SET,
  type Family,
  formatSet,
  fullSet,
  type Interval,
  type Ipv4Numbers,
  intersect,
  intersectNumbers,
  ipv4Numbers,
  ipv4Set,
  parseAddress,
  parseCidr,
  setsEqual,
  size,
  subtract,
  subtractNumbers,
  toSet,
  union,
  unionNumbers,
} from './address-set.js';

// ------------------------------------------------------------ the public address space

const NON_PUBLIC_V4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
] as const;

/** 0.0.0.0/0 without the special-purpose blocks of the spec */
export const PUBLIC_IPV4: AddressSet = subtract(
  fullSet('ipv4'),
  toSet(NON_PUBLIC_V4.map((c) => cidrInterval(c))),
);
/** global unicast 2000::/3 */
export const PUBLIC_IPV6: AddressSet = [cidrInterval('2000::/3')];

const PUBLIC_SIZE: Record<Family, bigint> = {
  ipv4: size(PUBLIC_IPV4),
  ipv6: size(PUBLIC_IPV6),
};

// ------------------------------------------------------------ normalisation

export type Protocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'gre' | 'all';
/** protocols whose rules carry a destination port range */
export type PortProtocol = 'tcp' | 'udp';
export const PORT_MIN = 1;
export const PORT_MAX = 65535;

const PROTOCOL_ALIASES: Readonly<Record<string, Protocol>> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  icmpv6: 'icmpv6',
  '58': 'icmpv6',
  gre: 'gre',
  '47': 'gre',
  all: 'all',
  '-1': 'all',
};

/** `TCP`, `tcp`, `6` → `tcp`; undefined for anything unknown */
export function normaliseProtocol(raw: string): Protocol | undefined {
  // the few spellings in use, answered without making a trimmed, lower-cased string each time
  const known = PROTOCOL_SPELLINGS.get(raw);
  if (known !== undefined) return known;
  return PROTOCOL_ALIASES[raw.trim().toLowerCase()];
}

const PROTOCOL_SPELLINGS = new Map<string, Protocol>(
  Object.entries(PROTOCOL_ALIASES).flatMap(([k, v]) => [
    [k, v],
    [k.toUpperCase(), v],
  ]),
);

/** `ingress`/`egress` as the API writes them */
function isPlain(direction: string): boolean {
  return direction === 'ingress' || direction === 'egress';
}

/** `a/b` (inclusive), `-1/-1` (every port) or a bare port; undefined when malformed */
export function parsePortRange(raw: string): { from: number; to: number } | undefined {
  const t = raw.trim();
  const m = /^(-?\d+)(?:\s*\/\s*(-?\d+))?$/.exec(t);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a === -1 && b === -1) return { from: PORT_MIN, to: PORT_MAX };
  if (a < 0 || b < 0 || a > PORT_MAX || b > PORT_MAX || a > b) return undefined;
  const from = Math.max(a, PORT_MIN);
  if (from > b) return undefined;
  return { from, to: b };
}

/**
 * parsePortRange through a cache: a hundred thousand rules share a few thousand
 * range texts (`22/22`, `-1/-1`). The answers are shared: never change them.
 */
function cachedPortRange(raw: string): { readonly from: number; readonly to: number } | undefined {
  let hit = PORT_RANGE_CACHE.get(raw);
  if (hit === undefined) {
    hit = parsePortRange(raw) ?? null;
    if (PORT_RANGE_CACHE.size >= PORT_RANGE_CACHE_LIMIT) PORT_RANGE_CACHE.clear();
    PORT_RANGE_CACHE.set(raw, hit);
  }
  return hit ?? undefined;
}

const PORT_RANGE_CACHE_LIMIT = 50_000;
const PORT_RANGE_CACHE = new Map<string, { from: number; to: number } | null>();

/** How a rule is named in evidence. */
export interface RuleRef {
  groupId: string;
  /** position in the group's rule list (0-based) */
  index: number;
  ruleId?: string;
  priority: number;
  policy: 'Accept' | 'Drop';
  protocol: string;
  portRange: string;
  /** the source as written: a CIDR, `sg-…`, `pl-…` */
  source: string;
  nicType: string;
  /** the port list whose range this is (portRange is then the list's entry) */
  portRangeListId?: string;
}

/** A rule that could not be used, and why (masked CIDR, unknown protocol, ...). */
export interface ExposureNote {
  groupId: string;
  index: number;
  ruleId?: string;
  message: string;
}

export interface NormalisedRule {
  ref: RuleRef;
  direction: 'ingress' | 'egress';
  protocol: Protocol;
  from: number;
  to: number;
  accept: boolean;
  priority: number;
  /** internet source addresses this rule matches (a prefix list's entries included; empty for group sources) */
  v4: AddressSet;
  v6: AddressSet;
  /** the rule's sources that are not internet addresses: `sg-…` */
  otherSources: string[];
  /** false for `intranet` rules of classic-network groups */
  facesInternet: boolean;
  /**
   * present when the rule depends on a prefix list or port list that could not be
   * read: the lists, and the most the rule could match (v4/v6 above are then empty
   * and from/to span every port)
   */
  unresolved?: { lists: string[]; v4: AddressSet; v6: AddressSet };
}

// ------------------------------------------------------------ prefix lists and port lists

/** The lists a scan read (`inventory.ecs`); absent ones are unknown. */
export interface ListSource {
  readonly prefixLists?: readonly PrefixList[];
  readonly portRangeLists?: readonly PortRangeList[];
}

/** The lists of a scan, by region and id. */
export class ListIndex {
  private readonly prefix = new Map<string, PrefixList>();
  private readonly ports = new Map<string, PortRangeList>();

  constructor(src: ListSource = {}) {
    for (const l of src.prefixLists ?? []) this.prefix.set(groupKey(l.region, l.id), l);
    for (const l of src.portRangeLists ?? []) this.ports.set(groupKey(l.region, l.id), l);
  }

  prefixList(region: string, id: string): PrefixList | undefined {
    return this.prefix.get(groupKey(region, id));
  }

  portRangeList(region: string, id: string): PortRangeList | undefined {
    return this.ports.get(groupKey(region, id));
  }
}

const NO_LISTS = new ListIndex();

function asListIndex(lists: ListSource | ListIndex | undefined): ListIndex {
  if (lists === undefined) return NO_LISTS;
  return lists instanceof ListIndex ? lists : new ListIndex(lists);
}

/** TCP/UDP `-1/-1` and empty are no range of the rule's own: a port list id then decides. */
function hasOwnPortRange(protocol: Protocol, raw: string): boolean {
  const t = raw.replace(/\s+/g, '');
  if (t === '') return false;
  return !((protocol === 'tcp' || protocol === 'udp') && t === '-1/-1');
}

/**
 * Whether a rule's port list (`PortRangeListId`) decides its ports, by normaliseRule's
 * own test: a TCP, UDP or ALL rule without a real `PortRange` of its own. A list behind a
 * real range decides nothing, so its unreadable entries leave no verdict unknown.
 */
export function portListDecides(
  r: Pick<SecurityGroupRule, 'ipProtocol' | 'portRange' | 'portRangeListId'>,
): boolean {
  if (r.portRangeListId.trim() === '') return false;
  const protocol = normaliseProtocol(r.ipProtocol);
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'all') return false;
  return !hasOwnPortRange(protocol, r.portRange);
}

export interface NormalisedGroup {
  groupId: string;
  region: string;
  classic: boolean;
  serviceManaged: boolean;
  /** ingress rules that could be read (egress and malformed rules are left out) */
  rules: NormalisedRule[];
  notes: ExposureNote[];
}

/** how a note names the rule */
function noteOf(
  sg: SecurityGroup,
  r: SecurityGroupRule,
  index: number,
): Omit<ExposureNote, 'message'> {
  return r.id ? { groupId: sg.id, index, ruleId: r.id } : { groupId: sg.id, index };
}

/**
 * The sources of one rule as they are read: most rules have one CIDR, so the list
 * of each family is only made for a second interval (a hundred thousand rules at scale).
 */
interface SourceSets {
  v4: Interval | Interval[] | undefined;
  v6: Interval | Interval[] | undefined;
}

function addInterval(held: Interval | Interval[] | undefined, iv: Interval): Interval | Interval[] {
  if (held === undefined) return iv;
  if (Array.isArray(held)) {
    held.push(iv);
    return held;
  }
  return [held, iv];
}

/**
 * The one-interval set of a parsed CIDR, shared by every rule with that source (sets
 * are never changed): the few sources of an account recur across thousands of rules.
 */
const SINGLE_SETS = new WeakMap<Interval, AddressSet>();
function singleSet(iv: Interval): AddressSet {
  let set = SINGLE_SETS.get(iv);
  if (set === undefined) {
    set = Object.freeze([iv]);
    SINGLE_SETS.set(iv, set);
  }
  return set;
}

function setOf(held: Interval | Interval[] | undefined): AddressSet {
  if (held === undefined) return EMPTY_SET;
  return Array.isArray(held) ? toSet(held) : singleSet(held);
}

/** a source CIDR into v4 or v6; a note when it cannot be parsed */
function addCidr(
  text: string,
  where: string,
  into: SourceSets,
  notes: ExposureNote[],
  sg: SecurityGroup,
  r: SecurityGroupRule,
  index: number,
): void {
  const p = parseCidr(text);
  if (!p) {
    notes.push({
      ...noteOf(sg, r, index),
      message: `unparseable source address "${text}"${where}: source ignored`,
    });
    return;
  }
  if (p.family === 'ipv4') into.v4 = addInterval(into.v4, p.interval);
  else into.v6 = addInterval(into.v6, p.interval);
}

function withSource(sources: string, next: string): string {
  return sources === '' ? next : `${sources},${next}`;
}

/** a port range a rule stands for, with the text evidence shows */
interface Span {
  from: number;
  to: number;
  text: string;
  listId?: string;
}

/** rules without a source group share this list (never changed) */
const NO_OTHER_SOURCES: string[] = Object.freeze([]) as unknown as string[];

/**
 * One rule, normalised into `out` (ingress rules only): several when a port list gives
 * it several ranges, none when unusable or egress (whose notes are still taken).
 */
/** every source port, written as the API may (absent, `-1/-1`, `1/65535`, `0/65535`) */
const EVERY_SOURCE_PORT = /^(?:|-1\/-1|[01]\/65535)$/;
/** every destination address: the rule applies to the whole group */
const EVERY_DESTINATION = /^(?:|0\.0\.0\.0\/0|::\/0)$/;

/** how a quintuple rule narrows its match beyond the group (source ports, destinations), or undefined */
function quintupleLimits(r: SecurityGroupRule): string | undefined {
  const limits: string[] = [];
  const ports = r.sourcePortRange.replace(/\s+/g, '');
  if (!EVERY_SOURCE_PORT.test(ports)) limits.push(`source ports ${ports}`);
  for (const d of [r.destCidrIp, r.ipv6DestCidrIp]) {
    const t = d.replace(/\s+/g, '');
    if (!EVERY_DESTINATION.test(t)) limits.push(`destination ${t}`);
  }
  for (const d of [r.destGroupId, r.destPrefixListId]) {
    const t = d.trim();
    if (t !== '') limits.push(`destination ${t}`);
  }
  return limits.length > 0 ? limits.join(', ') : undefined;
}

function normaliseRule(
  sg: SecurityGroup,
  r: SecurityGroupRule,
  index: number,
  notes: ExposureNote[],
  lists: ListIndex,
  out: NormalisedRule[],
): void {
  // (notes are named with noteOf: a closure here would be made for each of a hundred thousand rules)
  // (the API's own spellings first: trim and lower-case make strings, a hundred thousand rules at scale)
  const direction = isPlain(r.direction) ? r.direction : r.direction.trim().toLowerCase();
  if (direction !== 'ingress' && direction !== 'egress') {
    notes.push({
      ...noteOf(sg, r, index),
      message: `unknown direction "${r.direction}": rule ignored`,
    });
    return;
  }
  const protocol = normaliseProtocol(r.ipProtocol);
  if (!protocol) {
    notes.push({
      ...noteOf(sg, r, index),
      message: `unknown protocol "${r.ipProtocol}": rule ignored`,
    });
    return;
  }
  let unresolvedLists: string[] | undefined;
  // the port range the rule stands for (one, as written), or the ranges of its port list
  let from = PORT_MIN;
  let to = PORT_MAX;
  let listId: string | undefined;
  let spans: Span[] | undefined;
  const portListId = r.portRangeListId.trim();
  if (protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'all') {
    // every port, as written
  } else if (portListId !== '' && !hasOwnPortRange(protocol, r.portRange)) {
    const list = lists.portRangeList(sg.region, portListId);
    if (list?.ranges === undefined) {
      // unreadable: the rule may match any port
      unresolvedLists = [portListId];
      listId = portListId;
    } else {
      spans = [];
      for (const text of list.ranges) {
        const p = cachedPortRange(text);
        if (p) spans.push({ from: p.from, to: p.to, text, listId: portListId });
        else {
          notes.push({
            ...noteOf(sg, r, index),
            message: `malformed port range "${text}" in port list ${portListId}: range ignored`,
          });
        }
      }
      // an empty port list matches no port
      if (spans.length === 0) return;
    }
  } else {
    const p = cachedPortRange(r.portRange);
    if (!p) {
      notes.push({
        ...noteOf(sg, r, index),
        message: `malformed port range "${r.portRange}": rule ignored`,
      });
      return;
    }
    from = p.from;
    to = p.to;
  }
  const policyRaw =
    r.policy === 'Accept' ? 'accept' : r.policy === 'Drop' ? 'drop' : r.policy.trim().toLowerCase();
  // The API's default policy is Accept; an empty value means the default.
  const policy = policyRaw === '' ? 'accept' : policyRaw;
  if (policy !== 'accept' && policy !== 'drop') {
    notes.push({ ...noteOf(sg, r, index), message: `unknown policy "${r.policy}": rule ignored` });
    return;
  }
  // A quintuple Drop (ECS "security group quintuple rules") matches only some source ports or
  // some destination addresses of the group's instances: an attacker picks a source port outside
  // its range, and a destination range need not hold the instance's address. Counted as closing
  // a port it would hide an open one, so it closes nothing here (an instance it does cover is
  // reported open: the safe side). A quintuple Accept is counted as it stands (over-reports).
  if (policy === 'drop' && direction === 'ingress') {
    const narrowed = quintupleLimits(r);
    if (narrowed !== undefined) {
      notes.push({
        ...noteOf(sg, r, index),
        message: `Drop limited to ${narrowed}: not counted as closing any port (it matches only some traffic)`,
      });
      return;
    }
  }
  const found: SourceSets = { v4: undefined, v6: undefined };
  let otherSources = NO_OTHER_SOURCES;
  // the sources as written, comma-separated (a string rather than an array per rule)
  let sources = '';
  const cidr4 = r.sourceCidrIp.trim();
  if (cidr4 !== '') {
    sources = cidr4;
    addCidr(r.sourceCidrIp, '', found, notes, sg, r, index);
  }
  const cidr6 = r.ipv6SourceCidrIp.trim();
  if (cidr6 !== '') {
    sources = withSource(sources, cidr6);
    addCidr(r.ipv6SourceCidrIp, '', found, notes, sg, r, index);
  }
  // what an unreadable prefix list could hold: its family, or both when even that is unknown
  let unknownV4 = false;
  let unknownV6 = false;
  const prefixListId = r.sourcePrefixListId.trim();
  if (prefixListId !== '') {
    sources = withSource(sources, prefixListId);
    const list = lists.prefixList(sg.region, prefixListId);
    if (list?.cidrs === undefined) {
      if (unresolvedLists) unresolvedLists.push(prefixListId);
      else unresolvedLists = [prefixListId];
      const family = list?.addressFamily.trim().toLowerCase();
      unknownV4 = family !== 'ipv6';
      unknownV6 = family !== 'ipv4';
    } else {
      const where = ` in prefix list ${prefixListId}`;
      for (const cidr of list.cidrs) addCidr(cidr, where, found, notes, sg, r, index);
    }
  }
  const groupSource = r.sourceGroupId.trim();
  if (groupSource !== '') {
    sources = withSource(sources, groupSource);
    otherSources = [groupSource];
  }
  // every note is taken by now: an egress rule has nothing more to give (callers keep ingress)
  if (direction === 'egress') return;
  const nicType = r.nicType === 'intranet' ? r.nicType : r.nicType.trim().toLowerCase();
  const known4 = setOf(found.v4);
  const known6 = setOf(found.v6);
  const unresolved =
    unresolvedLists !== undefined
      ? {
          lists: unresolvedLists,
          v4: unknownV4 ? fullSet('ipv4') : known4,
          v6: unknownV6 ? fullSet('ipv6') : known6,
        }
      : undefined;
  const source = sources || '(none)';
  const accept = policy === 'accept';
  const facesInternet = sg.vpcId !== null || nicType === 'internet';
  const policyName = accept ? 'Accept' : 'Drop';
  const v4 = unresolved ? EMPTY_SET : known4;
  const v6 = unresolved ? EMPTY_SET : known6;
  if (spans === undefined) {
    out.push(
      normalisedRule(
        sg,
        r,
        index,
        policyName,
        r.portRange,
        listId,
        source,
        direction,
        protocol,
        from,
        to,
        accept,
        v4,
        v6,
        otherSources,
        facesInternet,
        unresolved,
      ),
    );
    return;
  }
  for (const span of spans) {
    out.push(
      normalisedRule(
        sg,
        r,
        index,
        policyName,
        span.text,
        span.listId,
        source,
        direction,
        protocol,
        span.from,
        span.to,
        accept,
        v4,
        v6,
        otherSources,
        facesInternet,
        unresolved,
      ),
    );
  }
}

/**
 * A normalised rule built key by key rather than with conditional spreads (a hundred
 * thousand rules at scale): the same objects, keys in the same order (one literal per
 * shape: objects grown key by key reallocate their property store)
 */
function normalisedRule(
  sg: SecurityGroup,
  r: SecurityGroupRule,
  index: number,
  policyName: 'Accept' | 'Drop',
  portRange: string,
  listId: string | undefined,
  source: string,
  direction: 'ingress' | 'egress',
  protocol: Protocol,
  from: number,
  to: number,
  accept: boolean,
  v4: AddressSet,
  v6: AddressSet,
  otherSources: string[],
  facesInternet: boolean,
  unresolved: NormalisedRule['unresolved'],
): NormalisedRule {
  const ref: RuleRef = r.id
    ? {
        groupId: sg.id,
        index,
        ruleId: r.id,
        priority: r.priority,
        policy: policyName,
        protocol: r.ipProtocol,
        portRange,
        source,
        nicType: r.nicType,
      }
    : {
        groupId: sg.id,
        index,
        priority: r.priority,
        policy: policyName,
        protocol: r.ipProtocol,
        portRange,
        source,
        nicType: r.nicType,
      };
  if (listId) ref.portRangeListId = listId;
  const rule: NormalisedRule = {
    ref,
    direction,
    protocol,
    from,
    to,
    accept,
    priority: r.priority,
    v4,
    v6,
    otherSources,
    facesInternet,
  };
  if (unresolved) rule.unresolved = unresolved;
  return rule;
}

/** The group's ingress rules, normalised; undefined when its rules are unknown. */
export function normaliseGroup(
  sg: SecurityGroup,
  lists?: ListSource | ListIndex,
): NormalisedGroup | undefined {
  if (sg.rules === undefined) return undefined;
  const index = asListIndex(lists);
  const notes: ExposureNote[] = [];
  const rules: NormalisedRule[] = [];
  const groupRules = sg.rules;
  // (normaliseRule keeps ingress rules only)
  for (let i = 0; i < groupRules.length; i++)
    normaliseRule(sg, groupRules[i]!, i, notes, index, rules);
  return {
    groupId: sg.id,
    region: sg.region,
    classic: sg.vpcId === null,
    serviceManaged: sg.serviceManaged,
    rules,
    notes,
  };
}

// ------------------------------------------------------------ evaluation

/** Evaluation order: priority ascending, Drop before Accept at equal priority, then listing order. */
export function compareRules(a: NormalisedRule, b: NormalisedRule): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.accept !== b.accept) return a.accept ? 1 : -1;
  if (a.ref.groupId !== b.ref.groupId) return a.ref.groupId < b.ref.groupId ? -1 : 1;
  return a.ref.index - b.ref.index;
}

export interface DropEffect {
  rule: RuleRef;
  /** internet addresses this Drop denies that a lower-ranked Accept would have accepted */
  v4: AddressSet;
  v6: AddressSet;
}

/** The verdict for a run of ports (or, for portless protocols, the whole protocol). */
export interface PortSegment {
  from: number;
  to: number;
  /** internet source addresses accepted */
  v4: AddressSet;
  v6: AddressSet;
  /** share of the public IPv4 space / global unicast IPv6 space accepted, in [0, 1] */
  ipv4Coverage: number;
  ipv6Coverage: number;
  /** ≥ half of either space, whatever unreadable lists hold */
  open: boolean;
  /** the same, per family: what a public IPv4 / IPv6 address of the interface is exposed by */
  openIpv4: boolean;
  openIpv6: boolean;
  /**
   * present when the verdict of a family depends on a prefix list or port list that
   * could not be read: not open for sure, but open if the lists hold enough (never "closed")
   */
  unknown?: { ipv4: boolean; ipv6: boolean; lists: string[] };
  /** Accept rules that contributed addresses, in evaluation order */
  acceptedBy: RuleRef[];
  /** Drop rules that carved addresses out of a lower-ranked Accept */
  carvedBy: DropEffect[];
  /** Accept rules matching these ports whose sources are not the internet (groups, prefix lists, classic intranet) */
  nonInternet: RuleRef[];
}

export interface ProtocolExposure {
  protocol: Protocol;
  /** contiguous, covering 1..65535 (one segment for portless protocols) */
  segments: PortSegment[];
}

const NO_COVERAGE = { fraction: 0, open: false } as const;

/** the public IPv4 blocks as [first, last] numbers (IPv4 values are exact as doubles) */
const PUBLIC_IPV4_SPANS = PUBLIC_IPV4.map((iv) => [Number(iv.start), Number(iv.end)] as const);
const PUBLIC_IPV4_COUNT = Number(PUBLIC_SIZE.ipv4);

/** how many public IPv4 addresses `set` (as numbers) holds: a merge on numbers, nothing allocated */
function publicIpv4Count(set: Ipv4Numbers): number {
  // indexed loops and no destructuring: both would go through iterators
  const spans = PUBLIC_IPV4_SPANS;
  let n = 0;
  let j = 0;
  for (let i = 0; i < set.length; i += 2) {
    const start = set[i]!;
    const end = set[i + 1]!;
    while (j < spans.length && spans[j]![1] < start) j++;
    for (let k = j; k < spans.length && spans[k]![0] <= end; k++) {
      n += Math.min(end, spans[k]![1]) - Math.max(start, spans[k]![0]) + 1;
    }
  }
  return n;
}

/** share of the public IPv4 space `set` (as numbers) holds, and whether that is at least half */
function ipv4Coverage(set: Ipv4Numbers): { fraction: number; open: boolean } {
  if (set.length === 0) return NO_COVERAGE;
  const n = publicIpv4Count(set);
  return { fraction: n / PUBLIC_IPV4_COUNT, open: 2 * n >= PUBLIC_IPV4_COUNT };
}

/** share of the public IPv6 space `set` holds, and whether that is at least half */
function ipv6Coverage(set: AddressSet): { fraction: number; open: boolean } {
  if (set.length === 0) return NO_COVERAGE;
  const num = size(intersect(set, PUBLIC_IPV6));
  const den = PUBLIC_SIZE.ipv6;
  return { fraction: Number(num) / Number(den), open: 2n * num >= den };
}

/** The sources a rule counts with at one extreme of what its unreadable lists could hold. */
function sourcesAt(r: NormalisedRule, bound: 'low' | 'high'): { v4: AddressSet; v6: AddressSet } {
  if (!r.unresolved) return r;
  // low: an unresolved Accept adds nothing, an unresolved Drop removes all it could; high: the reverse
  return (bound === 'low') !== r.accept ? r.unresolved : { v4: EMPTY_SET, v6: EMPTY_SET };
}

/** Decide one segment from the rules (already sorted) that match it. */
function decide(matching: readonly NormalisedRule[], from: number, to: number): PortSegment {
  const low = decideAt(matching, from, to, 'low');
  // (checked before the list is made: almost no rule depends on an unreadable list)
  if (!matching.some((r) => r.unresolved && r.facesInternet)) return low;
  const unresolved = matching.filter((r) => r.unresolved && r.facesInternet);
  if (low.openIpv4 && low.openIpv6) return low;
  const high = decideAt(matching, from, to, 'high');
  const ipv4 = !low.openIpv4 && high.openIpv4;
  const ipv6 = !low.openIpv6 && high.openIpv6;
  if (!ipv4 && !ipv6) return low;
  const lists = [...new Set(unresolved.flatMap((r) => r.unresolved!.lists))].sort();
  return { ...low, unknown: { ipv4, ipv6, lists } };
}

function decideAt(
  matching: readonly NormalisedRule[],
  from: number,
  to: number,
  bound: 'low' | 'high',
): PortSegment {
  // IPv4 on numbers (Ipv4Numbers), IPv6 on BigInt intervals
  // what earlier rules decided, grown in place; what was accepted, shared with the one
  // rule that gave it until a second rule adds to it (then a copy grown in place)
  let decided4: number[] | undefined;
  let decided6: AddressSet = EMPTY_SET;
  let acc4: Ipv4Numbers = EMPTY_IPV4_NUMBERS;
  let acc4Owned: number[] | undefined;
  // the rule's own set when one rule gave all of acc4 as it is (no conversion back then)
  let acc4Set: AddressSet | undefined;
  let acc6: AddressSet = EMPTY_SET;
  const acceptedBy: RuleRef[] = [];
  // made on the first rule each lists (most segments have none)
  let nonInternet: RuleRef[] | undefined;
  let drops: { at: number; rule: NormalisedRule; v4: Ipv4Numbers; v6: AddressSet }[] | undefined;
  for (let i = 0; i < matching.length; i++) {
    const r = matching[i]!;
    const src = sourcesAt(r, bound);
    if (!r.facesInternet || (src.v4.length === 0 && src.v6.length === 0)) {
      if (r.accept && !r.unresolved && (!r.facesInternet || r.otherSources.length > 0)) {
        nonInternet ??= [];
        nonInternet.push(r.ref);
      }
      continue;
    }
    if (r.accept && r.otherSources.length > 0) {
      nonInternet ??= [];
      nonInternet.push(r.ref);
    }
    const src4 = ipv4Numbers(src.v4);
    const region4 = decided4 === undefined ? src4 : subtractNumbers(src4, decided4);
    const region6 = subtract(src.v6, decided6);
    if (region4.length > 0 || region6.length > 0) {
      if (r.accept) {
        if (acc4.length === 0) {
          acc4 = region4;
          acc4Set = region4 === src4 ? src.v4 : undefined;
        } else if (region4.length > 0) {
          acc4Set = undefined;
          if (acc4Owned === undefined) acc4 = acc4Owned = acc4.slice();
          addNumbersInPlace(acc4Owned, region4);
        }
        acc6 = union(acc6, region6);
        acceptedBy.push(r.ref);
      } else {
        drops ??= [];
        drops.push({ at: i, rule: r, v4: region4, v6: region6 });
      }
      // (a first copy of exact size: most segments are decided by one or two rules)
      if (decided4 === undefined) decided4 = region4.slice();
      else addNumbersInPlace(decided4, region4);
      decided6 = union(decided6, region6);
    }
  }
  // A Drop "carves" what it decided that some Accept ranked below it would have accepted.
  let carvedBy = NO_DROP_EFFECTS;
  if (drops !== undefined) {
    for (const d of drops) {
      let later4: Ipv4Numbers = EMPTY_IPV4_NUMBERS;
      let later6: AddressSet = EMPTY_SET;
      for (let i = d.at + 1; i < matching.length; i++) {
        const r = matching[i]!;
        if (!r.accept || !r.facesInternet) continue;
        const src = sourcesAt(r, bound);
        later4 = unionNumbers(later4, ipv4Numbers(src.v4));
        later6 = union(later6, src.v6);
      }
      const c4 = intersectNumbers(d.v4, later4);
      const c6 = intersect(d.v6, later6);
      if (c4.length > 0 || c6.length > 0) {
        if (carvedBy === NO_DROP_EFFECTS) carvedBy = [];
        carvedBy.push({ rule: d.rule.ref, v4: ipv4Set(c4), v6: c6 });
      }
    }
  }
  const c4 = ipv4Coverage(acc4);
  const c6 = ipv6Coverage(acc6);
  const openIpv4 = c4.open;
  const openIpv6 = c6.open;
  return {
    from,
    to,
    v4: acc4Set ?? ipv4Set(acc4),
    v6: acc6,
    ipv4Coverage: c4.fraction,
    ipv6Coverage: c6.fraction,
    open: openIpv4 || openIpv6,
    openIpv4,
    openIpv6,
    acceptedBy,
    carvedBy,
    nonInternet: nonInternet ?? NO_RULE_REFS,
  };
}

/** the empty lists of segments without Drop effects / non-internet sources (shared: never changed) */
const NO_DROP_EFFECTS: DropEffect[] = Object.freeze([]) as unknown as DropEffect[];
const NO_RULE_REFS: RuleRef[] = Object.freeze([]) as unknown as RuleRef[];

function sameRefs(x: readonly RuleRef[], y: readonly RuleRef[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function sameCarvers(x: readonly DropEffect[], y: readonly DropEffect[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i]!.rule !== y[i]!.rule) return false;
  return true;
}

function sameOutcome(a: PortSegment, b: PortSegment): boolean {
  return (
    setsEqual(a.v4, b.v4) &&
    setsEqual(a.v6, b.v6) &&
    sameRefs(a.acceptedBy, b.acceptedBy) &&
    sameCarvers(a.carvedBy, b.carvedBy) &&
    sameRefs(a.nonInternet, b.nonInternet) &&
    a.unknown?.ipv4 === b.unknown?.ipv4 &&
    a.unknown?.ipv6 === b.unknown?.ipv6 &&
    a.unknown?.lists.join() === b.unknown?.lists.join()
  );
}

const PORT_PROTOCOLS: ReadonlySet<Protocol> = new Set(['tcp', 'udp']);

/**
 * An ingress rule of this protocol (or ALL) that can change a verdict or its evidence:
 * one with internet sources, or an Accept reported as a non-internet source. Leaving
 * the others out (e.g. a Drop from a source group) changes nothing `decide` computes.
 */
function appliesTo(r: NormalisedRule, protocol: Protocol): boolean {
  if (r.direction !== 'ingress' || (r.protocol !== protocol && r.protocol !== 'all')) return false;
  if (r.facesInternet && r.unresolved) return true;
  if (r.facesInternet && (r.v4.length > 0 || r.v6.length > 0)) return true;
  return r.accept && (!r.facesInternet || r.otherSources.length > 0);
}

/**
 * Segments already decided, by the rules that match them (their positions in one
 * rule list): `decide` depends on nothing else, and the same rule sets recur along
 * the port axis (both sides of a narrow rule) and across TCP and UDP (`ALL`
 * rules). One per rule list; the segments are never changed.
 */
type Decisions = Map<number, Decided[]>;

/** a decided segment, with the positions of the rules that matched it (in evaluation order) */
interface Decided {
  positions: readonly number[];
  segment: PortSegment;
}

/**
 * A hash of the positions of the rules matching [from, to]: the key of `Decisions`
 * (a small integer, no string per segment), confirmed by `sameMatch` on a hit.
 */
function matchHash(
  relevant: readonly NormalisedRule[],
  positions: readonly number[],
  from: number,
  to: number,
): number {
  let h = 0x811c9dc5;
  for (let j = 0; j < relevant.length; j++) {
    const r = relevant[j]!;
    if (r.from <= from && r.to >= to) h = Math.imul(h ^ (positions[j]! + 1), 0x01000193);
  }
  // 30 bits: a small integer key
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/** whether the rules matching [from, to] are the decided ones */
function sameMatch(
  decided: readonly number[],
  relevant: readonly NormalisedRule[],
  positions: readonly number[],
  from: number,
  to: number,
): boolean {
  let k = 0;
  for (let j = 0; j < relevant.length; j++) {
    const r = relevant[j]!;
    if (r.from > from || r.to < to) continue;
    if (k >= decided.length || decided[k] !== positions[j]) return false;
    k++;
  }
  return k === decided.length;
}

function findDecided(
  candidates: readonly Decided[] | undefined,
  relevant: readonly NormalisedRule[],
  positions: readonly number[],
  from: number,
  to: number,
): PortSegment | undefined {
  if (candidates === undefined) return undefined;
  for (const c of candidates) {
    if (sameMatch(c.positions, relevant, positions, from, to)) return c.segment;
  }
  return undefined;
}

/** the same segment over other ports (keys in the order decide makes them) */
function withPorts(s: PortSegment, from: number, to: number): PortSegment {
  const out: PortSegment = {
    from,
    to,
    v4: s.v4,
    v6: s.v6,
    ipv4Coverage: s.ipv4Coverage,
    ipv6Coverage: s.ipv6Coverage,
    open: s.open,
    openIpv4: s.openIpv4,
    openIpv6: s.openIpv6,
    acceptedBy: s.acceptedBy,
    carvedBy: s.carvedBy,
    nonInternet: s.nonInternet,
  };
  if (s.unknown) out.unknown = s.unknown;
  return out;
}

/**
 * The exposure of a set of ingress rules (one group, or every group of an
 * interface merged) for one protocol, as contiguous port segments.
 */
export function protocolExposure(
  rules: readonly NormalisedRule[],
  protocol: Protocol,
): ProtocolExposure {
  return segmentsOf(rules, protocol, new Map());
}

function segmentsOf(
  rules: readonly NormalisedRule[],
  protocol: Protocol,
  decisions: Decisions,
): ProtocolExposure {
  // the rules that apply, in evaluation order (a stable sort, as of the rules themselves);
  // positions in `rules` name them in decisions
  const relevant: NormalisedRule[] = [];
  const positions: number[] = [];
  for (let i = 0; i < rules.length; i++) {
    if (appliesTo(rules[i]!, protocol)) {
      relevant.push(rules[i]!);
      positions.push(i);
    }
  }
  if (!isSorted(relevant)) sortTogether(relevant, positions);
  if (!PORT_PROTOCOLS.has(protocol)) {
    return { protocol, segments: [decide(relevant, PORT_MIN, PORT_MAX)] };
  }
  const bounds = portBounds(relevant);
  const segments: PortSegment[] = [];
  // whether the last segment is this function's own copy (a merge may then widen it in place;
  // decided segments are shared through `decisions` and never changed)
  let lastOwned = false;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]! - 1;
    const key = matchHash(relevant, positions, from, to);
    const candidates = decisions.get(key);
    const known = findDecided(candidates, relevant, positions, from, to);
    const prev = segments[segments.length - 1];
    let seg: PortSegment;
    if (known) {
      // a run of segments decided alike (the common case along the port axis): widen the last
      if (prev && (prev === known || sameOutcome(prev, known))) {
        widen(segments, prev, to, lastOwned);
        lastOwned = true;
        continue;
      }
      seg = withPorts(known, from, to);
      segments.push(seg);
      lastOwned = true;
      continue;
    }
    // the rules matching the segment are gathered only for a segment not yet decided
    const matching: NormalisedRule[] = [];
    const matched: number[] = [];
    for (let j = 0; j < relevant.length; j++) {
      const r = relevant[j]!;
      if (r.from <= from && r.to >= to) {
        matching.push(r);
        matched.push(positions[j]!);
      }
    }
    seg = decide(matching, from, to);
    const entry: Decided = { positions: matched, segment: seg };
    if (candidates === undefined) decisions.set(key, [entry]);
    else candidates.push(entry);
    if (prev && sameOutcome(prev, seg)) {
      widen(segments, prev, to, lastOwned);
      lastOwned = true;
    } else {
      segments.push(seg);
      lastOwned = false;
    }
  }
  return { protocol, segments };
}

/** the last segment `prev` extended to `to`: in place when it is segmentsOf's own copy */
function widen(segments: PortSegment[], prev: PortSegment, to: number, owned: boolean): void {
  if (owned) prev.to = to;
  else segments[segments.length - 1] = withPorts(prev, prev.from, to);
}

function isSorted(rules: readonly NormalisedRule[]): boolean {
  for (let i = 1; i < rules.length; i++) {
    if (compareRules(rules[i - 1]!, rules[i]!) > 0) return false;
  }
  return true;
}

/** sort the rules into evaluation order, their positions along (stable, as Array#sort) */
function sortTogether(rules: NormalisedRule[], positions: number[]): void {
  const order: number[] = new Array(rules.length);
  for (let i = 0; i < rules.length; i++) order[i] = i;
  order.sort((a, b) => compareRules(rules[a]!, rules[b]!) || a - b);
  const r = order.map((i) => rules[i]!);
  const p = order.map((i) => positions[i]!);
  for (let i = 0; i < r.length; i++) {
    rules[i] = r[i]!;
    positions[i] = p[i]!;
  }
}

/** the distinct segment boundaries of the rules' ranges (PORT_MIN and PORT_MAX + 1 included), ascending */
function portBounds(rules: readonly NormalisedRule[]): Int32Array {
  const all = new Int32Array(2 * rules.length + 2);
  all[0] = PORT_MIN;
  all[1] = PORT_MAX + 1;
  for (let i = 0; i < rules.length; i++) {
    all[2 * i + 2] = rules[i]!.from;
    all[2 * i + 3] = rules[i]!.to + 1;
  }
  // a typed array sorts numerically without a comparator; then drop the repeats
  all.sort();
  let n = 1;
  for (let i = 1; i < all.length; i++) if (all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}

/** The segment that holds `port` (any segment for portless protocols). */
export function segmentAt(exposure: ProtocolExposure, port: number): PortSegment {
  const segs = exposure.segments;
  if (!PORT_PROTOCOLS.has(exposure.protocol)) return segs[0]!;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = segs[mid]!;
    if (port < s.from) hi = mid - 1;
    else if (port > s.to) lo = mid + 1;
    else return s;
  }
  throw new RangeError(`port ${port} outside ${PORT_MIN}..${PORT_MAX}`);
}

/** Whether the exposure accepts a packet from `address` (a single IPv4 or IPv6 address) on `port`. */
export function acceptsFrom(exposure: ProtocolExposure, port: number, address: string): boolean {
  const a = parseAddress(address);
  if (!a) throw new Error(`not an address: ${address}`);
  const seg = segmentAt(exposure, port);
  return contains(a.family === 'ipv4' ? seg.v4 : seg.v6, a.value);
}

/**
 * The verdict for one port (TCP/UDP; any port for portless protocols) without
 * computing the whole port axis: the segment spans the ports that the same
 * rules match (it may be narrower than the merged segment protocolExposure gives).
 */
export function portSegment(
  rules: readonly NormalisedRule[],
  protocol: Protocol,
  port: number,
): PortSegment {
  if (!Number.isInteger(port) || port < PORT_MIN || port > PORT_MAX) {
    throw new RangeError(`port ${port} outside ${PORT_MIN}..${PORT_MAX}`);
  }
  const relevant = rules.filter((r) => appliesTo(r, protocol));
  if (!PORT_PROTOCOLS.has(protocol)) {
    return decide(relevant.sort(compareRules), PORT_MIN, PORT_MAX);
  }
  let from = PORT_MIN;
  let to = PORT_MAX;
  const matching: NormalisedRule[] = [];
  for (const r of relevant) {
    if (r.from <= port && r.to >= port) {
      matching.push(r);
      from = Math.max(from, r.from);
      to = Math.min(to, r.to);
    } else if (r.to < port) {
      from = Math.max(from, r.to + 1);
    } else {
      to = Math.min(to, r.from - 1);
    }
  }
  return decide(matching.sort(compareRules), from, to);
}

// ------------------------------------------------------------ groups and interfaces

export interface Exposure {
  /** the groups evaluated together */
  groupIds: string[];
  tcp: ProtocolExposure;
  udp: ProtocolExposure;
  notes: ExposureNote[];
}

export function exposureOfRules(
  groupIds: string[],
  rules: readonly NormalisedRule[],
  notes: ExposureNote[] = [],
): Exposure {
  // one memo for both protocols: ALL rules match the same segments of each
  const decisions: Decisions = new Map();
  return {
    groupIds,
    tcp: segmentsOf(rules, 'tcp', decisions),
    udp: segmentsOf(rules, 'udp', decisions),
    notes,
  };
}

/** One group alone, as if attached to an interface with a public address; undefined when its rules are unknown. */
export function groupExposure(
  sg: SecurityGroup,
  lists?: ListSource | ListIndex,
): Exposure | undefined {
  const g = normaliseGroup(sg, lists);
  if (!g) return undefined;
  return exposureOfRules([g.groupId], g.rules, g.notes);
}

/** All groups of one interface together; undefined when any group's rules are unknown. */
export function interfaceExposure(
  groups: readonly SecurityGroup[],
  lists?: ListSource | ListIndex,
): Exposure | undefined {
  const index = asListIndex(lists);
  const normalised: NormalisedGroup[] = [];
  for (const sg of groups) {
    const g = normaliseGroup(sg, index);
    if (!g) return undefined;
    normalised.push(g);
  }
  return exposureOfGroups(normalised);
}

/** The rules of several normalised groups, merged (one interface). */
export interface MergedRules {
  groupIds: string[];
  rules: NormalisedRule[];
  notes: ExposureNote[];
}

export function mergeGroups(groups: readonly NormalisedGroup[]): MergedRules {
  // plain loops: flatMap is several times slower on thousands of interfaces
  const groupIds: string[] = [];
  const rules: NormalisedRule[] = [];
  const notes: ExposureNote[] = [];
  for (const g of groups) {
    groupIds.push(g.groupId);
    for (const r of g.rules) rules.push(r);
    for (const n of g.notes) notes.push(n);
  }
  return { groupIds, rules, notes };
}

function exposureOfGroups(groups: readonly NormalisedGroup[]): Exposure {
  const m = mergeGroups(groups);
  return exposureOfRules(m.groupIds, m.rules, m.notes);
}

export interface OpenPortRange {
  from: number;
  to: number;
  ipv4Coverage: number;
  ipv6Coverage: number;
  acceptedBy: RuleRef[];
  carvedBy: DropEffect[];
}

/** The port ranges open to the internet, per protocol. */
export function openPortsToInternet(exposure: Exposure): Record<PortProtocol, OpenPortRange[]> {
  const pick = (p: ProtocolExposure): OpenPortRange[] =>
    p.segments
      .filter((s) => s.open)
      .map((s) => ({
        from: s.from,
        to: s.to,
        ipv4Coverage: s.ipv4Coverage,
        ipv6Coverage: s.ipv6Coverage,
        acceptedBy: s.acceptedBy,
        carvedBy: s.carvedBy,
      }));
  return { tcp: pick(exposure.tcp), udp: pick(exposure.udp) };
}

/** True when every port 1..65535 of the protocol is open to the internet. */
export function allPortsOpen(p: ProtocolExposure): boolean {
  return p.segments.length > 0 && p.segments.every((s) => s.open);
}

// ------------------------------------------------------------ per-scan memo

/** The slice of RuleContext the index needs. */
export interface MemoContext {
  readonly inventory: {
    readonly ecs: { readonly securityGroups: readonly SecurityGroup[] } & ListSource;
  };
  memo<T>(key: string | symbol, compute: () => T): T;
}

/** a symbol, not a string: a rule's own `ctx.memo('exposure', …)` must not replace the index */
const EXPOSURE_MEMO_KEY = Symbol('ecs-audit:exposure');

/** Lazily computed, cached exposures of one scan; obtain it with `exposureIndex(ctx)`. */
export class ExposureIndex {
  private readonly byKey = new Map<string, SecurityGroup>();
  private readonly normCache = new Map<string, NormalisedGroup | undefined>();
  private readonly groupCache = new Map<string, Exposure | undefined>();
  private readonly mergedCache = new Map<string, MergedRules | undefined>();
  private readonly ifaceCache = new Map<string, Exposure | undefined>();
  private readonly portCache = new Map<string, PortSegment | undefined>();
  private readonly lists: ListIndex;

  constructor(groups: readonly SecurityGroup[], lists?: ListSource | ListIndex) {
    for (const sg of groups) this.byKey.set(groupKey(sg.region, sg.id), sg);
    this.lists = asListIndex(lists);
  }

  group(region: string, id: string): SecurityGroup | undefined {
    return this.byKey.get(groupKey(region, id));
  }

  /** the group's normalised ingress rules, parsed once per scan; undefined when unknown */
  private normalised(sg: SecurityGroup): NormalisedGroup | undefined {
    const key = groupKey(sg.region, sg.id);
    if (!this.normCache.has(key)) this.normCache.set(key, normaliseGroup(sg, this.lists));
    return this.normCache.get(key);
  }

  /** undefined when the group's rules are unknown */
  groupExposure(sg: SecurityGroup): Exposure | undefined {
    const key = groupKey(sg.region, sg.id);
    if (!this.groupCache.has(key)) {
      const g = this.normalised(sg);
      this.groupCache.set(key, g ? exposureOfGroups([g]) : undefined);
    }
    return this.groupCache.get(key);
  }

  /**
   * The merged rules of an interface's groups (order and duplicates do not matter);
   * undefined when a group is missing from the inventory or its rules are unknown.
   */
  interfaceRules(region: string, groupIds: readonly string[]): MergedRules | undefined {
    const ids = sortedIds(groupIds);
    const key = groupKey(region, ids.join(','));
    if (!this.mergedCache.has(key)) {
      const groups: NormalisedGroup[] = [];
      let known = ids.length > 0;
      for (const id of ids) {
        const sg = this.group(region, id);
        const g = sg ? this.normalised(sg) : undefined;
        if (!g) known = false;
        else groups.push(g);
      }
      this.mergedCache.set(key, known ? mergeGroups(groups) : undefined);
    }
    return this.mergedCache.get(key);
  }

  /** every port of the interface; undefined as for interfaceRules */
  interfaceExposure(region: string, groupIds: readonly string[]): Exposure | undefined {
    const ids = sortedIds(groupIds);
    const key = groupKey(region, ids.join(','));
    if (!this.ifaceCache.has(key)) {
      if (ids.length === 1) {
        // one group alone is the group's own exposure (the same rules, notes and ids):
        // computed once for the group rules and the instance rules alike
        const sg = this.group(region, ids[0]!);
        this.ifaceCache.set(key, sg ? this.groupExposure(sg) : undefined);
      } else {
        const m = this.interfaceRules(region, ids);
        this.ifaceCache.set(key, m ? exposureOfRules(m.groupIds, m.rules, m.notes) : undefined);
      }
    }
    return this.ifaceCache.get(key);
  }

  /** one port of the interface (cheaper than interfaceExposure); undefined as for interfaceRules */
  interfacePort(
    region: string,
    groupIds: readonly string[],
    protocol: Protocol,
    port: number,
  ): PortSegment | undefined {
    const ids = sortedIds(groupIds);
    const key = `${groupKey(region, ids.join(','))}|${protocol}|${port}`;
    if (!this.portCache.has(key)) {
      const m = this.interfaceRules(region, ids);
      this.portCache.set(key, m ? portSegment(m.rules, protocol, port) : undefined);
    }
    return this.portCache.get(key);
  }
}

/**
 * The ids sorted, each once: the list itself when it already is (one group, the usual
 * case), without the Set, spread and sort made for each interface asked about
 */
function sortedIds(groupIds: readonly string[]): readonly string[] {
  let sorted = true;
  for (let i = 1; i < groupIds.length && sorted; i++) sorted = groupIds[i - 1]! < groupIds[i]!;
  return sorted ? groupIds : [...new Set(groupIds)].sort();
}

function groupKey(region: string, id: string): string {
  return `${region}/${id}`;
}

export function exposureIndex(ctx: MemoContext): ExposureIndex {
  return ctx.memo(
    EXPOSURE_MEMO_KEY,
    () => new ExposureIndex(ctx.inventory.ecs.securityGroups, ctx.inventory.ecs),
  );
}

// ------------------------------------------------------------ unreadable lists

/** A prefix list or port list that could not be read, and what its unknown entries leave unjudged. */
export interface UnreadableListDependents {
  region: string;
  /** the list id: the `resource` of its coverage entry */
  listId: string;
  kind: 'prefix-list' | 'port-range-list';
  /** groups with an ingress rule that stands for the list (their verdicts may be unknown) */
  securityGroupIds: string[];
  /** instances with one of those groups on an interface (or on the instance) */
  instanceIds: string[];
}

/**
 * Every unreadable list (absent `cidrs`/`ranges`, or not in the inventory) that an
 * ingress rule depends on, with the groups and instances whose network verdicts
 * may rest on it: what turns the list's coverage entry (resource = list id) into
 * "not evaluated" (rule, resource) pairs. A list is a dependency only where it
 * decides: a port list behind a real PortRange is not.
 */
export function groupsDependingOnUnreadableLists(inventory: {
  readonly ecs: {
    readonly securityGroups: readonly SecurityGroup[];
    readonly instances: readonly Instance[];
  } & ListSource;
}): UnreadableListDependents[] {
  const lists = new ListIndex(inventory.ecs);
  const byList = new Map<string, UnreadableListDependents>();
  for (const sg of inventory.ecs.securityGroups) {
    for (const r of normaliseGroup(sg, lists)?.rules ?? []) {
      for (const id of r.unresolved?.lists ?? []) {
        const key = groupKey(sg.region, id);
        const entry = byList.get(key) ?? {
          region: sg.region,
          listId: id,
          kind: id === r.ref.portRangeListId ? 'port-range-list' : 'prefix-list',
          securityGroupIds: [],
          instanceIds: [],
        };
        if (!entry.securityGroupIds.includes(sg.id)) entry.securityGroupIds.push(sg.id);
        byList.set(key, entry);
      }
    }
  }
  for (const entry of byList.values()) {
    entry.securityGroupIds.sort();
    const groups = new Set(entry.securityGroupIds);
    for (const inst of inventory.ecs.instances) {
      if (inst.region !== entry.region) continue;
      const ids = [
        ...inst.securityGroupIds,
        ...(inst.networkInterfaces ?? []).flatMap((n) => n.securityGroupIds),
      ];
      if (ids.some((id) => groups.has(id))) entry.instanceIds.push(inst.id);
    }
    entry.instanceIds.sort();
  }
  return [...byList.values()].sort((a, b) =>
    groupKey(a.region, a.listId) < groupKey(b.region, b.listId) ? -1 : 1,
  );
}

// ------------------------------------------------------------ evidence

/** 6 significant digits, never rounding a partial coverage up to 1 or down to 0 */
function round(x: number): number {
  if (x >= 1) return 1;
  if (x <= 0) return 0;
  return Math.max(Math.min(Number(x.toPrecision(6)), 0.999999), Number.MIN_VALUE);
}

function refEvidence(r: RuleRef): Record<string, unknown> {
  return { ...r };
}

/** rules listed per kind in a segment's evidence; longer lists are counted and cut */
export const RULES_LISTED = 20;

/** Machine-readable evidence for one segment (ports, rules, address ranges, coverage). */
export function segmentEvidence(
  protocol: Protocol,
  seg: PortSegment,
  opts: { port?: number; limit?: number } = {},
): Record<string, unknown> {
  const limit = opts.limit ?? 16;
  const v4 = formatSet('ipv4', seg.v4, limit);
  const v6 = formatSet('ipv6', seg.v6, limit);
  return {
    protocol,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ports: seg.from === seg.to ? `${seg.from}` : `${seg.from}-${seg.to}`,
    ipv4Coverage: round(seg.ipv4Coverage),
    ipv6Coverage: round(seg.ipv6Coverage),
    acceptedIpv4: v4.ranges,
    acceptedIpv6: v6.ranges,
    ...(v4.omitted + v6.omitted > 0 ? { acceptedRangesOmitted: v4.omitted + v6.omitted } : {}),
    acceptedBy: seg.acceptedBy.slice(0, RULES_LISTED).map(refEvidence),
    carvedOutBy: seg.carvedBy.slice(0, RULES_LISTED).map((c) => ({
      ...refEvidence(c.rule),
      removedIpv4: formatSet('ipv4', c.v4, 8).ranges,
      removedIpv6: formatSet('ipv6', c.v6, 8).ranges,
    })),
    ...(seg.unknown ? { unknown: seg.unknown } : {}),
    ...(seg.nonInternet.length > 0
      ? { nonInternetSources: seg.nonInternet.slice(0, RULES_LISTED).map(refEvidence) }
      : {}),
    // a group of hundreds of rules: the first ones listed, all of them counted
    ...(seg.acceptedBy.length > RULES_LISTED ||
    seg.carvedBy.length > RULES_LISTED ||
    seg.nonInternet.length > RULES_LISTED
      ? {
          acceptedByCount: seg.acceptedBy.length,
          carvedOutByCount: seg.carvedBy.length,
          nonInternetSourceCount: seg.nonInternet.length,
          truncated: true,
        }
      : {}),
  };
}

/** Human wording of a coverage pair, e.g. `100% of public IPv4`. */
export function describeCoverage(seg: PortSegment): string {
  const parts: string[] = [];
  const pct = (x: number) => `${Math.floor(x * 1000) / 10}%`;
  if (seg.ipv4Coverage > 0) parts.push(`${pct(seg.ipv4Coverage)} of public IPv4`);
  if (seg.ipv6Coverage > 0) parts.push(`${pct(seg.ipv6Coverage)} of global IPv6`);
  return parts.join(', ');
}

export const WELL_KNOWN_PORTS: Readonly<Record<number, string>> = {
  20: 'FTP data',
  21: 'FTP',
  22: 'SSH',
  23: 'Telnet',
  25: 'SMTP',
  53: 'DNS',
  110: 'POP3',
  135: 'RPC',
  137: 'NetBIOS name',
  138: 'NetBIOS datagram',
  139: 'NetBIOS session',
  143: 'IMAP',
  161: 'SNMP',
  445: 'SMB',
  1433: 'SQL Server',
  1434: 'SQL Server browser',
  1521: 'Oracle',
  2375: 'Docker API',
  2379: 'etcd',
  3306: 'MySQL',
  3389: 'RDP',
  5432: 'PostgreSQL',
  5900: 'VNC',
  5984: 'CouchDB',
  6379: 'Redis',
  7001: 'WebLogic',
  8080: 'HTTP alt',
  9200: 'Elasticsearch',
  9300: 'Elasticsearch transport',
  11211: 'Memcached',
  27017: 'MongoDB',
  50070: 'HDFS NameNode',
};

/** `TCP 22 (SSH)` */
export function portLabel(protocol: PortProtocol, port: number): string {
  const name = WELL_KNOWN_PORTS[port];
  return `${protocol.toUpperCase()} ${port}${name ? ` (${name})` : ''}`;
}
