/**
 * Reachability from the internet: which ports of an instance the internet can
 * reach, through which entry point, decided by which network-ACL entry and
 * which security-group rules. Pure: no I/O, no clock.
 *
 * Model (spec/rules.md "Instance exposure is per address", "Network ACLs and
 * NAT gateways"):
 * - entry points: the instance's public IP / EIP on its primary interface; the
 *   public addresses of its other interfaces (`networkInterfaces[].publicIps`);
 *   each IPv6 address with Internet bandwidth (VPC `NetworkType: Public`) on
 *   its interface; each `Available` DNAT entry of an internet NAT gateway whose
 *   `InternalIp` is a private IP of an interface that has no public IPv4
 *   address of its own. An IPv4 entry is judged by IPv4 sources only, an IPv6
 *   entry by IPv6 sources only; DNAT as if the source were any internet address.
 * - the vSwitch's network ACL decides first: inbound entries in list order, the
 *   first entry matching IP version, protocol, port and source decides; no
 *   match = drop. A secondary interface's cut-through EIP bypasses the ACL.
 * - then all the groups of the interface together (exposure.ts).
 * - a port is reachable when the sources both accept cover the "open to the
 *   internet" threshold (half of public IPv4 or of global unicast IPv6).
 * - anything unreadable on the way (the interfaces, a group's rules, the ACL
 *   list of the region or an ACL's entries, a prefix list an entry names, a
 *   prefix list or port list a group rule's verdict rests on, the NAT gateways
 *   or a forward table, the IPv6 list) makes that entry point (or the
 *   instance) unknown, never closed.
 */
import type {
  DnatEntry,
  Instance,
  Inventory,
  NatGateway,
  NetworkAcl,
  NetworkAclEntry,
} from '../inventory/schema.js';
import {
  type AddressSet,
  cidrFamily,
  EMPTY_SET,
  type Family,
  formatSet,
  fullSet,
  intersect,
  intersectNumbers,
  ipv4Numbers,
  ipv4Set,
  parseCidr,
  size,
  subtract,
  union,
} from './address-set.js';
import {
  exposureIndex,
  PORT_MAX,
  PORT_MIN,
  type PortProtocol,
  type PortSegment,
  type ProtocolExposure,
  PUBLIC_IPV4,
  PUBLIC_IPV6,
  type RuleRef,
  segmentAt,
} from './exposure.js';

// ------------------------------------------------------------ public types

export type EntryKind = 'public-ip' | 'eip' | 'interface-public-ip' | 'ipv6' | 'dnat';

/** a DNAT entry that forwards internet traffic to the instance */
export interface DnatHop {
  natGatewayId: string;
  entryId: string;
  forwardTableId: string;
  externalIp: string;
  externalPort: string;
  internalIp: string;
  internalPort: string;
  protocol: string;
}

/** where internet traffic enters the instance */
export interface EntryPoint {
  kind: EntryKind;
  /** the public address (for DNAT: the gateway's external IP) */
  address: string;
  family: Family;
  /** null for a classic-network instance without listed interfaces */
  interfaceId: string | null;
  interfaceType: string;
  securityGroupIds: string[];
  /** the vSwitch whose ACL filters the traffic; undefined when unknown, null for none (classic) */
  vSwitchId: string | null | undefined;
  /** a cut-through EIP on a secondary interface: the ACL does not filter it */
  bypassesAcl: boolean;
  dnat?: DnatHop;
}

/** one inbound ACL entry that decided some of the accepted sources */
export interface AclEntryRef {
  aclId: string;
  /** 1-based position in the ACL's inbound list (the console's priority) */
  position: number;
  entryId: string;
  name: string;
  policy: string;
  protocol: string;
  port: string;
  source: string;
}

/** a run of instance ports reachable from the internet through one entry point */
export interface ReachableRange {
  protocol: PortProtocol;
  /** instance ports (after DNAT translation) */
  from: number;
  to: number;
  /** for DNAT: the gateway's external ports that map to `from`..`to` */
  externalFrom?: number;
  externalTo?: number;
  /** share of the public space of the entry's family that reaches these ports, in (0, 1] */
  coverage: number;
  /** the internet sources that reach them (formatted, at most 8 ranges) */
  sources: string[];
  /** the ACL and the entries that accepted those sources; null when no ACL filters the entry */
  acl: { aclId: string; acceptedBy: AclEntryRef[] } | null;
  /** the group rules that accepted those sources */
  groupRules: RuleRef[];
}

export type EntryReachability =
  | { entry: EntryPoint; known: true; open: ReachableRange[] }
  | { entry: EntryPoint; known: false; reason: string; open: ReachableRange[] };

export interface InstanceReachability {
  instanceId: string;
  region: string;
  /** undefined when the instance's interfaces could not be read: nothing is known */
  entries: EntryReachability[] | undefined;
  /** why some entry points may be missing or unjudged (empty when everything is known) */
  unknown: string[];
}

/** a reachable (protocol, port) with the entry point and evidence that make it so */
export interface ReachablePort {
  entry: EntryPoint;
  range: ReachableRange;
}

// ------------------------------------------------------------ context

/** the slice of the rule context the analysis needs */
export interface ReachabilityContext {
  readonly inventory: Inventory;
  memo<T>(key: string | symbol, compute: () => T): T;
}

interface PrefixListLike {
  id: string;
  region: string;
  cidrs?: string[];
}

function prefixListsOf(inv: Inventory): PrefixListLike[] {
  // h3 adds ecs.prefixLists; older snapshots have none
  const lists = (inv.ecs as { prefixLists?: unknown }).prefixLists;
  return Array.isArray(lists) ? (lists as PrefixListLike[]) : [];
}

function regionGap(inv: Inventory, operation: string, region: string): boolean {
  return inv.coverage.some(
    (c) =>
      c.service === 'vpc' &&
      c.operation === operation &&
      (c.region === region || c.region === null) &&
      c.resource === undefined,
  );
}

const lower = (s: string | undefined | null) => (s ?? '').trim().toLowerCase();

// ------------------------------------------------------------ ACL evaluation

interface AclPiece {
  from: number;
  to: number;
  accepted: AddressSet;
  acceptedBy: AclEntryRef[];
}

type AclAnswer = { pieces: AclPiece[] } | { unknown: string };

function parsePort(raw: string): { from: number; to: number } | undefined {
  const t = raw.trim();
  if (t === '' || t === '-1/-1' || t === '-1') return { from: PORT_MIN, to: PORT_MAX };
  const m = /^(\d+)(?:\/(\d+))?$/.exec(t);
  if (!m) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2] ?? m[1]);
  if (a < PORT_MIN || b > PORT_MAX || a > b) return undefined;
  return { from: a, to: b };
}

interface NormalisedAclEntry {
  ref: AclEntryRef;
  accept: boolean;
  protocol: string;
  from: number;
  to: number;
  /** the source addresses of the entry's family; undefined = unknown (prefix list unreadable) */
  v4: AddressSet | undefined;
  v6: AddressSet | undefined;
  unknownReason?: string;
}

function normaliseAclEntry(
  acl: NetworkAcl,
  e: NetworkAclEntry,
  position: number,
  prefixLists: readonly PrefixListLike[],
): NormalisedAclEntry | string {
  const ref: AclEntryRef = {
    aclId: acl.id,
    position,
    entryId: e.id,
    name: e.name,
    policy: e.policy,
    protocol: e.protocol,
    port: e.port,
    source: e.sourceCidrIp,
  };
  const policy = lower(e.policy);
  if (policy !== 'accept' && policy !== 'drop')
    return `entry #${position} of ${acl.id} has an unknown policy "${e.policy}"`;
  const protocol = lower(e.protocol);
  if (!['tcp', 'udp', 'icmp', 'icmpv6', 'all'].includes(protocol))
    return `entry #${position} of ${acl.id} has an unknown protocol "${e.protocol}"`;
  const ports =
    protocol === 'tcp' || protocol === 'udp' ? parsePort(e.port) : { from: PORT_MIN, to: PORT_MAX };
  if (!ports) return `entry #${position} of ${acl.id} has a malformed port range "${e.port}"`;
  const version = lower(e.ipVersion);
  const source = e.sourceCidrIp.trim();
  let v4: AddressSet | undefined = EMPTY_SET;
  let v6: AddressSet | undefined = EMPTY_SET;
  let unknownReason: string | undefined;
  if (/^pl-/i.test(source)) {
    const pl = prefixLists.find((p) => p.id === source && p.region === acl.region);
    if (!pl || !Array.isArray(pl.cidrs)) {
      unknownReason = `prefix list ${source} (entry #${position} of ${acl.id}) could not be read`;
      v4 = undefined;
      v6 = undefined;
    } else {
      for (const c of pl.cidrs) {
        const p = parseCidr(c);
        if (!p) continue;
        if (p.family === 'ipv4') v4 = union(v4 ?? EMPTY_SET, [p.interval]);
        else v6 = union(v6 ?? EMPTY_SET, [p.interval]);
      }
    }
  } else {
    const p = parseCidr(source);
    if (!p) return `entry #${position} of ${acl.id} has an unparseable source "${e.sourceCidrIp}"`;
    if (p.family === 'ipv4') v4 = [p.interval];
    else v6 = [p.interval];
  }
  // an entry of one IP version never matches the other version's packets
  if (version === 'ipv4') v6 = EMPTY_SET;
  if (version === 'ipv6') v4 = EMPTY_SET;
  return {
    ref,
    accept: policy === 'accept',
    protocol,
    from: ports.from,
    to: ports.to,
    v4,
    v6,
    ...(unknownReason ? { unknownReason } : {}),
  };
}

function entryMatchesProtocol(e: NormalisedAclEntry, protocol: PortProtocol): boolean {
  return e.protocol === 'all' || e.protocol === protocol;
}

/** the ACL's accepted sources of one family for one protocol, as port pieces */
export function aclPieces(
  acl: NetworkAcl,
  protocol: PortProtocol,
  family: Family,
  prefixLists: readonly PrefixListLike[] = [],
): AclAnswer {
  if (acl.ingress === undefined)
    return { unknown: `the inbound entries of network ACL ${acl.id} could not be read` };
  const entries: NormalisedAclEntry[] = [];
  for (const [i, e] of acl.ingress.entries()) {
    const n = normaliseAclEntry(acl, e, i + 1, prefixLists);
    if (typeof n === 'string') return { unknown: n };
    if (entryMatchesProtocol(n, protocol)) entries.push(n);
  }
  const points = new Set<number>([PORT_MIN, PORT_MAX + 1]);
  for (const e of entries) {
    points.add(e.from);
    points.add(e.to + 1);
  }
  const bounds = [...points].sort((a, b) => a - b);
  const pieces: AclPiece[] = [];
  const all = fullSet(family);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const from = bounds[i]!;
    const to = bounds[i + 1]! - 1;
    let decided: AddressSet = EMPTY_SET;
    let accepted: AddressSet = EMPTY_SET;
    const acceptedBy: AclEntryRef[] = [];
    for (const e of entries) {
      if (e.from > from || e.to < to) continue;
      const src = family === 'ipv4' ? e.v4 : e.v6;
      if (src === undefined) {
        // an unreadable prefix list matters only while some sources are still undecided
        if (size(subtract(all, decided)) > 0n) return { unknown: e.unknownReason ?? 'unknown' };
        break;
      }
      const region = subtract(src, decided);
      if (region.length === 0) continue;
      if (e.accept) {
        accepted = union(accepted, region);
        acceptedBy.push(e.ref);
      }
      decided = union(decided, region);
    }
    pieces.push({ from, to, accepted, acceptedBy });
  }
  return { pieces };
}

// ------------------------------------------------------------ threshold

const PUBLIC: Readonly<Record<Family, AddressSet>> = { ipv4: PUBLIC_IPV4, ipv6: PUBLIC_IPV6 };
const PUBLIC_SIZE: Readonly<Record<Family, bigint>> = {
  ipv4: size(PUBLIC_IPV4),
  ipv6: size(PUBLIC_IPV6),
};

/** the part of `set` in the family's public space, its share, and whether it meets the threshold */
export function internetShare(
  set: AddressSet,
  family: Family,
): { set: AddressSet; share: number; open: boolean } {
  const pub = intersect(set, PUBLIC[family]);
  const n = size(pub);
  return {
    set: pub,
    share: Number(n) / Number(PUBLIC_SIZE[family]),
    open: 2n * n >= PUBLIC_SIZE[family],
  };
}

/** the public IPv4 space as numbers */
const PUBLIC_IPV4_NUMBERS = ipv4Numbers(PUBLIC_IPV4);
const PUBLIC_IPV4_COUNT = Number(PUBLIC_SIZE.ipv4);

/**
 * internetShare of an IPv4 group set narrowed by an ACL's set (null: no ACL), on numbers:
 * the same answer (counts are exact as doubles) without BigInt intervals for each entry
 * point, and the set shared with other answers holding the same addresses
 */
function ipv4InternetShare(
  groupSet: AddressSet,
  aclSet: AddressSet | null,
): { set: AddressSet; share: number; open: boolean } {
  const g = ipv4Numbers(groupSet);
  const both = aclSet === null ? g : intersectNumbers(g, ipv4Numbers(aclSet));
  const pub = intersectNumbers(both, PUBLIC_IPV4_NUMBERS);
  let n = 0;
  for (let i = 0; i < pub.length; i += 2) n += pub[i + 1]! - pub[i]! + 1;
  return { set: ipv4Set(pub), share: n / PUBLIC_IPV4_COUNT, open: 2 * n >= PUBLIC_IPV4_COUNT };
}

function ruleFamilyMatches(r: RuleRef, family: Family, listFamilies: ListFamilies): boolean {
  // the same few source texts recur across every instance's rules: their families are read once
  let families = SOURCE_FAMILIES.get(r.source);
  if (families === undefined) {
    families = 0;
    for (const s of r.source.split(',')) {
      const t = s.trim();
      const f = cidrFamily(t);
      if (f === 'ipv4') families |= 1;
      else if (f === 'ipv6') families |= 2;
      else if (/^pl-/i.test(t)) families |= 4;
    }
    if (SOURCE_FAMILIES.size >= 50_000) SOURCE_FAMILIES.clear();
    SOURCE_FAMILIES.set(r.source, families);
  }
  const bit = family === 'ipv4' ? 1 : 2;
  if ((families & bit) !== 0) return true;
  // a prefix-list source stands for its entries: the rule accepted the family its list holds
  return (
    (families & 4) !== 0 && r.source.split(',').some((s) => (listFamilies(s.trim()) & bit) !== 0)
  );
}

/** the families of a rule's source text, as bits: 1 IPv4, 2 IPv6, 4 names a prefix list */
const SOURCE_FAMILIES = new Map<string, number>();

/** the families of a prefix list's entries (same bits), by id, in the entry point's region */
type ListFamilies = (id: string) => number;

// ------------------------------------------------------------ one entry point

/** the ACL's answer for a protocol and family (cached per scan by the index) */
type AclPiecesOf = (acl: NetworkAcl, protocol: PortProtocol, family: Family) => AclAnswer;

function evaluateEntry(
  entry: EntryPoint,
  exposure: { tcp: ProtocolExposure; udp: ProtocolExposure },
  acl: NetworkAcl | null,
  piecesOf: AclPiecesOf,
  listFamilies: ListFamilies,
): EntryReachability {
  const protocols: PortProtocol[] = entry.dnat
    ? dnatProtocols(entry.dnat.protocol)
    : ['tcp', 'udp'];
  const open: ReachableRange[] = [];
  // the first port whose verdict rests on an unreadable list, as a reason
  let unknown: string | undefined;
  let window: { from: number; to: number; extFrom: number } | undefined;
  if (entry.dnat) {
    const w = dnatWindow(entry.dnat);
    if (!w) {
      return {
        entry,
        known: false,
        reason: `DNAT entry ${entry.dnat.entryId} has unreadable ports ${entry.dnat.externalPort} → ${entry.dnat.internalPort}`,
        open,
      };
    }
    window = w;
  }
  for (const protocol of protocols) {
    const groupExp = exposure[protocol];
    let pieces: AclPiece[] | null = null;
    if (acl && !entry.bypassesAcl) {
      const a = piecesOf(acl, protocol, entry.family);
      if ('unknown' in a) return { entry, known: false, reason: a.unknown, open: [] };
      pieces = a.pieces;
    }
    const bounds = entryBounds(groupExp.segments, pieces, window);
    for (let i = 0; i + 1 < bounds.length; i++) {
      const from = bounds[i]!;
      const to = bounds[i + 1]! - 1;
      if (window && (from < window.from || to > window.to)) continue;
      const seg = segmentAt(groupExp, from);
      // the ACL only narrows what the groups accept: a port the groups keep closed to
      // this family stays closed (the same threshold on a subset), so skip the set work
      if (!(entry.family === 'ipv4' ? seg.openIpv4 : seg.openIpv6)) {
        // closed only as far as the readable lists tell: a verdict resting on a prefix list or
        // port list that could not be read is unknown, never closed (unless the ACL alone keeps
        // the internet out of these ports)
        if (unknown === undefined && seg.unknown?.[entry.family] === true) {
          const accepted = pieces?.find((p) => p.from <= from && p.to >= from)?.accepted;
          if (!pieces || internetShare(accepted ?? EMPTY_SET, entry.family).open) {
            const ports = from === to ? `${from}` : `${from}-${to}`;
            unknown = `${seg.unknown.lists.map(listName).join(', ')} could not be read (the ${protocol.toUpperCase()} ${ports} verdict rests on it)`;
          }
        }
        continue;
      }
      const groupSet = entry.family === 'ipv4' ? seg.v4 : seg.v6;
      const piece = pieces?.find((p) => p.from <= from && p.to >= from);
      const aclSet = pieces ? (piece?.accepted ?? EMPTY_SET) : null;
      const share =
        entry.family === 'ipv4'
          ? ipv4InternetShare(groupSet, aclSet)
          : internetShare(intersect(groupSet, aclSet ?? fullSet(entry.family)), entry.family);
      if (!share.open) continue;
      const range: ReachableRange = {
        protocol,
        from,
        to,
        ...(window
          ? {
              externalFrom: window.extFrom + (from - window.from),
              externalTo: window.extFrom + (to - window.from),
            }
          : {}),
        coverage: share.share,
        sources: formatSet(entry.family, share.set, 8).ranges,
        acl: pieces && acl ? { aclId: acl.id, acceptedBy: piece?.acceptedBy ?? [] } : null,
        groupRules: seg.acceptedBy.filter((r) => ruleFamilyMatches(r, entry.family, listFamilies)),
      };
      const prev = open[open.length - 1];
      if (prev && prev.protocol === protocol && prev.to + 1 === from && sameEvidence(prev, range)) {
        prev.to = to;
        if (range.externalTo !== undefined) prev.externalTo = range.externalTo;
        prev.coverage = Math.min(prev.coverage, range.coverage);
      } else open.push(range);
    }
  }
  return unknown === undefined
    ? { entry, known: true, open }
    : { entry, known: false, reason: unknown, open };
}

/** how a reason names a list: `prefix list pl-…`, `port list prl-…` */
function listName(id: string): string {
  return /^prl-/i.test(id) ? `port list ${id}` : `prefix list ${id}`;
}

/**
 * The distinct starts of the group segments, ACL pieces and DNAT window (PORT_MIN and
 * PORT_MAX + 1 included), ascending: a typed array sorted without a comparator
 */
function entryBounds(
  segments: readonly PortSegment[],
  pieces: readonly AclPiece[] | null,
  window: { from: number; to: number } | undefined,
): Int32Array {
  const all = new Int32Array(segments.length + (pieces?.length ?? 0) + 4);
  let n = 0;
  all[n++] = PORT_MIN;
  all[n++] = PORT_MAX + 1;
  for (let i = 0; i < segments.length; i++) all[n++] = segments[i]!.from;
  if (pieces) for (let i = 0; i < pieces.length; i++) all[n++] = pieces[i]!.from;
  if (window) {
    all[n++] = window.from;
    if (window.to + 1 <= PORT_MAX) all[n++] = window.to + 1;
  }
  const used = all.subarray(0, n).sort();
  let k = 1;
  for (let i = 1; i < used.length; i++) if (used[i] !== used[k - 1]) used[k++] = used[i]!;
  return used.subarray(0, k);
}

/** the reachable ports of an answer, as a comparable string */
function portsOf(open: readonly ReachableRange[]): string {
  return open.map((r) => `${r.protocol}:${r.from}-${r.to}`).join(',');
}

function sameEvidence(a: ReachableRange, b: ReachableRange): boolean {
  const key = (r: ReachableRange) =>
    JSON.stringify([
      r.sources,
      r.acl?.acceptedBy.map((e) => e.position),
      r.groupRules.map((g) => `${g.groupId}#${g.index}`),
    ]);
  return key(a) === key(b);
}

function dnatProtocols(raw: string): PortProtocol[] {
  const p = lower(raw);
  if (p === 'tcp') return ['tcp'];
  if (p === 'udp') return ['udp'];
  return ['tcp', 'udp']; // any
}

/** the instance ports a DNAT entry maps, and the external port of the first */
function dnatWindow(d: DnatHop): { from: number; to: number; extFrom: number } | undefined {
  if (lower(d.externalPort) === 'any' || lower(d.internalPort) === 'any')
    return { from: PORT_MIN, to: PORT_MAX, extFrom: PORT_MIN };
  const ext = parsePort(d.externalPort);
  const int = parsePort(d.internalPort);
  if (!ext || !int || d.internalPort.trim() === '' || d.externalPort.trim() === '')
    return undefined;
  const len = Math.min(ext.to - ext.from, int.to - int.from);
  return { from: int.from, to: int.from + len, extFrom: ext.from };
}

// ------------------------------------------------------------ the index

interface InterfaceView {
  id: string | null;
  type: string;
  securityGroupIds: string[];
  publicIps: string[];
  privateIps: string[];
  ipv6Addresses: string[];
  vSwitchId: string | null | undefined;
}

/**
 * The non-blank strings of `a` then `b`, each once, in first-seen order: a few addresses
 * per interface, so a scan of the output beats a Set and the spread copies that fed it
 */
function uniq(
  a: readonly (string | null | undefined)[],
  b: readonly (string | null | undefined)[] = [],
): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) addUnique(out, a[i]);
  for (let i = 0; i < b.length; i++) addUnique(out, b[i]);
  return out;
}

function addUnique(out: string[], x: string | null | undefined): void {
  if (typeof x === 'string' && x.trim() !== '' && !out.includes(x)) out.push(x);
}

/**
 * The instance's interfaces with the public addresses that reach each; undefined
 * when the interfaces could not be read. A classic instance with no interface
 * listed is one interface: its own groups and addresses.
 */
export function interfacesOf(inst: Instance): InterfaceView[] | undefined {
  const instancePublic = uniq(inst.publicIps);
  addUnique(instancePublic, inst.eipAddress);
  const nics = inst.networkInterfaces;
  if (nics === undefined) return undefined;
  const classic = inst.vpcId === null && lower(inst.networkType) === 'classic';
  const own = (): InterfaceView => ({
    id: null,
    type: 'instance',
    securityGroupIds: inst.securityGroupIds,
    publicIps: instancePublic,
    privateIps: inst.privateIps,
    ipv6Addresses: [],
    vSwitchId: classic ? null : inst.vSwitchId,
  });
  if (nics.length === 0) return [own()];
  const out: InterfaceView[] = nics.map((n) => {
    const primary = n.type.toLowerCase() === 'primary';
    return {
      id: n.id,
      type: n.type,
      securityGroupIds: n.securityGroupIds,
      publicIps: primary ? uniq(n.publicIps, instancePublic) : uniq(n.publicIps),
      privateIps: primary ? uniq(n.privateIps, inst.privateIps) : uniq(n.privateIps),
      ipv6Addresses: n.ipv6Addresses ?? [],
      // classic-network instances have no vSwitch, hence no network ACL
      vSwitchId: classic ? null : (n.vSwitchId ?? (primary ? inst.vSwitchId : undefined)),
    };
  });
  if (!nics.some((n) => n.type.toLowerCase() === 'primary') && instancePublic.length > 0) {
    out.push({ ...own(), privateIps: [] });
  }
  return out;
}

function isIpv4(a: string): boolean {
  return cidrFamily(a) === 'ipv4';
}

/** Lazily computed reachability of one scan; obtain it with `reachabilityIndex(ctx)`. */
export class ReachabilityIndex {
  private readonly inv: Inventory;
  private readonly ctx: ReachabilityContext;
  private readonly aclByVSwitch = new Map<string, NetworkAcl>();
  private readonly prefixLists: PrefixListLike[];
  private readonly cache = new Map<string, InstanceReachability>();
  private readonly byObject = new Map<Instance, InstanceReachability>();
  /** ACLs by region, and each ACL's pieces per protocol and family: the same few ACLs judge every instance */
  private readonly aclsByRegion = new Map<string, NetworkAcl[]>();
  private readonly piecesCache = new Map<NetworkAcl, Map<string, AclAnswer>>();
  private readonly piecesOf: AclPiecesOf = (acl, protocol, family) => {
    let byKey = this.piecesCache.get(acl);
    if (!byKey) {
      byKey = new Map();
      this.piecesCache.set(acl, byKey);
    }
    const key = `${protocol}/${family}`;
    let answer = byKey.get(key);
    if (!answer) {
      answer = aclPieces(acl, protocol, family, this.prefixLists);
      byKey.set(key, answer);
    }
    return answer;
  };

  /**
   * An entry point's answer without DNAT depends only on the interface's exposure, the
   * ACL, the family and the bypass: instances with the same groups behind the same ACL
   * share it (its ranges are read, never changed, by the rules)
   */
  private readonly judged = new Map<object, Map<string, EntryReachability>>();
  private readonly aclNumbers = new Map<NetworkAcl, number>();
  /** the families of each prefix list's entries, by `region/id` */
  private readonly listFamilyCache = new Map<string, number>();
  private readonly listFamiliesByRegion = new Map<string, ListFamilies>();

  constructor(ctx: ReachabilityContext) {
    this.ctx = ctx;
    this.inv = ctx.inventory;
    for (const acl of this.inv.vpc.networkAcls) {
      for (const vsw of acl.vSwitchIds) this.aclByVSwitch.set(`${acl.region}/${vsw}`, acl);
      const inRegion = this.aclsByRegion.get(acl.region);
      if (inRegion) inRegion.push(acl);
      else this.aclsByRegion.set(acl.region, [acl]);
    }
    this.prefixLists = prefixListsOf(this.inv);
  }

  /** the families a prefix list of the region holds (0 when unknown or unreadable) */
  private listFamilies(region: string): ListFamilies {
    let of = this.listFamiliesByRegion.get(region);
    if (!of) {
      of = (id) => {
        const key = `${region}/${id}`;
        let bits = this.listFamilyCache.get(key);
        if (bits === undefined) {
          bits = 0;
          const pl = this.prefixLists.find((p) => p.id === id && p.region === region);
          for (const c of pl?.cidrs ?? []) {
            const f = cidrFamily(c.trim());
            if (f === 'ipv4') bits |= 1;
            else if (f === 'ipv6') bits |= 2;
          }
          this.listFamilyCache.set(key, bits);
        }
        return bits;
      };
      this.listFamiliesByRegion.set(region, of);
    }
    return of;
  }

  private judge(
    region: string,
    entry: EntryPoint,
    exposure: { tcp: ProtocolExposure; udp: ProtocolExposure },
    acl: NetworkAcl | null,
  ): EntryReachability {
    const families = this.listFamilies(region);
    if (entry.dnat) return evaluateEntry(entry, exposure, acl, this.piecesOf, families);
    let byKey = this.judged.get(exposure);
    if (!byKey) {
      byKey = new Map();
      this.judged.set(exposure, byKey);
    }
    let aclNumber = acl ? this.aclNumbers.get(acl) : -1;
    if (aclNumber === undefined) {
      aclNumber = this.aclNumbers.size;
      this.aclNumbers.set(acl!, aclNumber);
    }
    const key = `${aclNumber}|${entry.family}|${entry.bypassesAcl}`;
    const hit = byKey.get(key);
    if (hit) {
      return hit.known
        ? { entry, known: true, open: hit.open }
        : { entry, known: false, reason: hit.reason, open: hit.open };
    }
    // (the exposure is of one region's groups: the key needs no region)
    const answer = evaluateEntry(entry, exposure, acl, this.piecesOf, families);
    byKey.set(key, answer);
    return answer;
  }

  /** the ACL of a vSwitch: an ACL, null for none, or a reason it is unknown */
  aclOf(region: string, vSwitchId: string | null | undefined): NetworkAcl | null | string {
    if (vSwitchId === null) return null;
    if (regionGap(this.inv, 'DescribeNetworkAcls', region))
      return `the network ACLs of ${region} could not be read`;
    const regionAcls = this.aclsByRegion.get(region) ?? [];
    if (vSwitchId === undefined) {
      return regionAcls.length === 0 ? null : 'the vSwitch of the interface is unknown';
    }
    const acl = this.aclByVSwitch.get(`${region}/${vSwitchId}`);
    if (acl) return acl;
    // an ACL whose bindings could not be read might be this vSwitch's
    const unbound = regionAcls.find((a) => a.ingress === undefined && a.vSwitchIds.length === 0);
    return unbound ? `the bindings of network ACL ${unbound.id} could not be read` : null;
  }

  private entryPoints(inst: Instance, nics: InterfaceView[], unknown: string[]): EntryPoint[] {
    const out: EntryPoint[] = [];
    for (const nic of nics) {
      const primary = nic.type.toLowerCase() === 'primary' || nic.id === null;
      for (const ip of nic.publicIps) {
        if (!isIpv4(ip)) continue;
        const kind: EntryKind =
          primary && ip === inst.eipAddress
            ? 'eip'
            : primary && inst.publicIps.includes(ip)
              ? 'public-ip'
              : 'interface-public-ip';
        out.push({
          kind,
          address: ip,
          family: 'ipv4',
          interfaceId: nic.id,
          interfaceType: nic.type,
          securityGroupIds: nic.securityGroupIds,
          vSwitchId: nic.vSwitchId,
          bypassesAcl: false,
        });
      }
    }
    // IPv6 with Internet bandwidth
    const ipv6Gap = regionGap(this.inv, 'DescribeIpv6Addresses', inst.region);
    // (made only when some public IPv6 address is listed in the region)
    let ids: Set<string> | undefined;
    const listed = nics.some((n) => n.ipv6Addresses.length > 0);
    if (ipv6Gap && listed) unknown.push(`the IPv6 addresses of ${inst.region} could not be read`);
    for (const a of this.inv.vpc.ipv6Addresses) {
      if (a.region !== inst.region || lower(a.networkType) !== 'public') continue;
      ids ??= new Set([inst.id, ...nics.map((n) => n.id).filter((x): x is string => x !== null)]);
      const nic =
        nics.find((n) => n.ipv6Addresses.includes(a.address)) ??
        (ids.has(a.associatedInstanceId)
          ? (nics.find((n) => n.id === a.associatedInstanceId) ??
            nics.find((n) => n.type.toLowerCase() === 'primary') ??
            nics[0])
          : undefined);
      if (!nic) continue;
      out.push({
        kind: 'ipv6',
        address: a.address,
        family: 'ipv6',
        interfaceId: nic.id,
        interfaceType: nic.type,
        securityGroupIds: nic.securityGroupIds,
        vSwitchId: nic.vSwitchId ?? (nonEmpty(a.vSwitchId) as string | undefined),
        bypassesAcl: false,
      });
    }
    // DNAT: only onto interfaces without a public IPv4 address of their own
    const dnatTargets = nics.filter((n) => !n.publicIps.some(isIpv4) && n.privateIps.length > 0);
    if (dnatTargets.length > 0) {
      if (regionGap(this.inv, 'DescribeNatGateways', inst.region))
        unknown.push(`the NAT gateways of ${inst.region} could not be read`);
      for (const g of this.inv.vpc.natGateways) {
        if (!this.gatewayApplies(g, inst)) continue;
        if (g.dnatEntries === undefined) {
          unknown.push(`the DNAT entries of NAT gateway ${g.id} could not be read`);
          continue;
        }
        for (const e of g.dnatEntries) {
          if (lower(e.status) !== 'available') continue;
          const nic = dnatTargets.find((n) => n.privateIps.includes(e.internalIp));
          if (!nic) continue;
          out.push({
            kind: 'dnat',
            address: e.externalIp,
            family: 'ipv4',
            interfaceId: nic.id,
            interfaceType: nic.type,
            securityGroupIds: nic.securityGroupIds,
            vSwitchId: nic.vSwitchId,
            bypassesAcl: false,
            dnat: dnatHop(g, e),
          });
        }
      }
    }
    return out;
  }

  /**
   * Is the entry a secondary interface's EIP bound in cut-through mode (`Mode: BINDED`)?
   * true / false, or a reason it is unknown. Only secondary interfaces' EIPs can be.
   */
  private cutThrough(entry: EntryPoint, region: string): boolean | string {
    if (entry.kind !== 'interface-public-ip' || lower(entry.interfaceType) === 'primary')
      return false;
    if (regionGap(this.inv, 'DescribeEipAddresses', region))
      return `the EIPs of ${region} could not be read (cut-through mode unknown)`;
    const eip = this.inv.vpc.eipAddresses.find(
      (e) => e.region === region && e.ipAddress === entry.address,
    );
    return eip !== undefined && lower(eip.mode) === 'binded';
  }

  private gatewayApplies(g: NatGateway, inst: Instance): boolean {
    if (g.region !== inst.region) return false;
    // intranet (VPC) NAT gateways do not face the internet; absent = taken as internet
    if (g.networkType !== undefined && lower(g.networkType) !== 'internet') return false;
    return g.vpcId === '' || inst.vpcId === null || g.vpcId === inst.vpcId;
  }

  /** everything about one instance; computed once per scan */
  instance(inst: Instance): InstanceReachability {
    // the same instance object is asked for by several rules: found by identity first
    const seen = this.byObject.get(inst);
    if (seen) return seen;
    const key = `${inst.region}/${inst.id}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.byObject.set(inst, hit);
      return hit;
    }
    const unknown: string[] = [];
    const nics = interfacesOf(inst);
    let result: InstanceReachability;
    if (nics === undefined) {
      result = {
        instanceId: inst.id,
        region: inst.region,
        entries: undefined,
        unknown: [`the network interfaces of ${inst.id} could not be read`],
      };
    } else {
      const groups = exposureIndex(this.ctx);
      const entries = this.entryPoints(inst, nics, unknown).map((entry): EntryReachability => {
        const exposure = groups.interfaceExposure(inst.region, entry.securityGroupIds);
        if (!exposure) {
          return {
            entry,
            known: false,
            reason: `a security group of ${entry.interfaceId ?? inst.id}, or its rules, could not be read`,
            open: [],
          };
        }
        const mode = this.cutThrough(entry, inst.region);
        if (mode === true) entry.bypassesAcl = true;
        const acl = entry.bypassesAcl ? null : this.aclOf(inst.region, entry.vSwitchId);
        if (typeof acl === 'string') return { entry, known: false, reason: acl, open: [] };
        const judged = this.judge(inst.region, entry, exposure, acl);
        if (typeof mode === 'string' && acl !== null && judged.known) {
          // the EIP's mode is unknown: it matters only when the ACL changes the answer
          const bypassed = this.judge(inst.region, entry, exposure, null);
          if (portsOf(bypassed.open) !== portsOf(judged.open))
            return { entry, known: false, reason: mode, open: judged.open };
        }
        return judged;
      });
      result = { instanceId: inst.id, region: inst.region, entries, unknown };
    }
    this.cache.set(key, result);
    this.byObject.set(inst, result);
    return result;
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

function dnatHop(g: NatGateway, e: DnatEntry): DnatHop {
  return {
    natGatewayId: g.id,
    entryId: e.id,
    forwardTableId: e.forwardTableId,
    externalIp: e.externalIp,
    externalPort: e.externalPort,
    internalIp: e.internalIp,
    internalPort: e.internalPort,
    protocol: e.ipProtocol,
  };
}

/** a symbol, not a string: a rule's own `ctx.memo('reachability', …)` must not replace the index */
export const REACHABILITY_MEMO_KEY = Symbol('ecs-audit:reachability');

/**
 * What an answer of `reachablePorts`/`reachability` rests on, in the `meta.reads`
 * vocabulary: a rule built on them declares these (plus what else it reads), so
 * the engine marks it "not evaluated" when any of them could not be read.
 */
export const REACHABILITY_READS = [
  'ecs.instances',
  'ecs.instances.networkInterfaces',
  'ecs.securityGroups',
  'ecs.securityGroups.rules',
  'ecs.prefixLists',
  'ecs.portRangeLists',
  'vpc.networkAcls',
  'vpc.ipv6Addresses',
  'vpc.eipAddresses',
  'vpc.natGateways',
] as const;

export function reachabilityIndex(ctx: ReachabilityContext): ReachabilityIndex {
  return ctx.memo(REACHABILITY_MEMO_KEY, () => new ReachabilityIndex(ctx));
}

/**
 * Which ports of this instance the internet reaches, through which entry point,
 * decided by which ACL entry and group rules. Optionally narrowed to one
 * protocol and port. Entry points that could not be judged are in
 * `reachability(ctx, inst).entries` with `known: false`.
 */
export function reachablePorts(
  ctx: ReachabilityContext,
  inst: Instance,
  filter: { protocol?: PortProtocol; port?: number } = {},
): ReachablePort[] {
  const r = reachabilityIndex(ctx).instance(inst);
  const out: ReachablePort[] = [];
  for (const e of r.entries ?? []) {
    for (const range of e.open) {
      if (filter.protocol && range.protocol !== filter.protocol) continue;
      if (filter.port !== undefined && (filter.port < range.from || filter.port > range.to))
        continue;
      out.push({ entry: e.entry, range });
    }
  }
  return out;
}

/** the full answer for one instance (entry points, what each reaches, what is unknown) */
export function reachability(ctx: ReachabilityContext, inst: Instance): InstanceReachability {
  return reachabilityIndex(ctx).instance(inst);
}

/**
 * Why an instance's exposure is not fully known (an entry point judged
 * unknown, or entry points that may be missing), or undefined when it is: a
 * rule that found nothing open says "not evaluated" with it, never "safe".
 */
export function unknownReason(r: InstanceReachability): string | undefined {
  for (const e of r.entries ?? []) if (!e.known) return e.reason;
  return r.unknown[0];
}
